package profiles

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

func (s *Service) registerDomains(e *edge.Service) {
	handle(s, e, "CreateDomain", s.createDomain)
	handle(s, e, "GetDomain", s.getDomain)
	handle(s, e, "UpdateDomain", s.updateDomain)
	handle(s, e, "DeleteDomain", s.deleteDomain)
	handle(s, e, "ListDomains", s.listDomains)
}

// domainConfig is the part of a domain the Create, Get and Update answers share.
type domainConfig struct {
	matching  *api.MatchingResponse
	rules     *api.RuleBasedMatchingResponse
	dataStore *api.DataStoreResponse
}

func (d *domainRecord) config() domainConfig {
	var c domainConfig
	if len(d.Matching) > 0 {
		c.matching = &api.MatchingResponse{}
		_ = json.Unmarshal(d.Matching, c.matching)
	}
	if len(d.RuleBasedMatching) > 0 {
		c.rules = &api.RuleBasedMatchingResponse{}
		_ = json.Unmarshal(d.RuleBasedMatching, c.rules)
		// Hotline runs no matching jobs, so the rules are ready at once.
		c.rules.Status = ptr("ACTIVE")
	}
	if len(d.DataStore) > 0 {
		c.dataStore = &api.DataStoreResponse{}
		_ = json.Unmarshal(d.DataStore, c.dataStore)
	}
	return c
}

// rawJSON keeps a request block as sent; nil stays absent.
func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}

func (s *Service) createDomain(ctx context.Context, in *api.CreateDomainRequest) (*api.CreateDomainResponse, error) {
	now := s.clock.Now().UTC()
	rec := &domainRecord{
		Name: in.DomainName, DefaultExpirationDays: in.DefaultExpirationDays,
		DefaultEncryptionKey: in.DefaultEncryptionKey, DeadLetterQueueUrl: in.DeadLetterQueueUrl,
		Matching: rawJSON(in.Matching), RuleBasedMatching: rawJSON(in.RuleBasedMatching), DataStore: rawJSON(in.DataStore),
		Tags: in.Tags, CreatedAt: now, LastUpdatedAt: now,
	}
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		found, err := store.Exists(tx, domainKey(in.DomainName))
		if err != nil {
			return err
		}
		if found {
			return badRequest("Domain %s already exists", in.DomainName)
		}
		if n := len(scanKeys(tx, domainsPrefix, s.cfg.Quotas.DomainsPerAccount)); n >= s.cfg.Quotas.DomainsPerAccount {
			return badRequest("this account already has %d domains, its quota", n)
		}
		return store.PutJSON(tx, domainKey(in.DomainName), rec)
	})
	if err != nil {
		return nil, err
	}
	c := rec.config()
	return &api.CreateDomainResponse{
		DomainName: rec.Name, DefaultExpirationDays: rec.DefaultExpirationDays,
		DefaultEncryptionKey: rec.DefaultEncryptionKey, DeadLetterQueueUrl: rec.DeadLetterQueueUrl,
		Matching: c.matching, RuleBasedMatching: c.rules, DataStore: c.dataStore, Tags: rec.Tags,
		CreatedAt: *awsmodel.NewTimestamp(rec.CreatedAt), LastUpdatedAt: *awsmodel.NewTimestamp(rec.LastUpdatedAt),
	}, nil
}

func (s *Service) getDomain(ctx context.Context, in *api.GetDomainRequest) (*api.GetDomainResponse, error) {
	// Expired data leaves first, so that Stats count only live data.
	if err := s.purgeDomain(ctx, in.DomainName); err != nil && !errors.Is(err, errGone) {
		return nil, err
	}
	var out *api.GetDomainResponse
	err := s.db.View(ctx, func(tx store.Tx) error {
		rec, ok, err := store.GetJSON[domainRecord](tx, domainKey(in.DomainName))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Domain %s does not exist", in.DomainName)
		}
		st, _, err := store.GetJSON[domainStats](tx, statsKey(in.DomainName))
		if err != nil {
			return err
		}
		if st == nil {
			st = &domainStats{}
		}
		c := rec.config()
		out = &api.GetDomainResponse{
			DomainName: rec.Name, DefaultExpirationDays: ptr(rec.DefaultExpirationDays),
			DefaultEncryptionKey: rec.DefaultEncryptionKey, DeadLetterQueueUrl: rec.DeadLetterQueueUrl,
			Matching: c.matching, RuleBasedMatching: c.rules, DataStore: c.dataStore, Tags: rec.Tags,
			CreatedAt: *awsmodel.NewTimestamp(rec.CreatedAt), LastUpdatedAt: *awsmodel.NewTimestamp(rec.LastUpdatedAt),
			Stats: &api.DomainStats{
				ProfileCount: ptr(st.Profiles), MeteringProfileCount: ptr(st.Metering),
				ObjectCount: ptr(st.Objects), TotalSize: ptr(st.Bytes),
			},
		}
		return nil
	})
	return out, err
}

func (s *Service) updateDomain(ctx context.Context, in *api.UpdateDomainRequest) (*api.UpdateDomainResponse, error) {
	var rec *domainRecord
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		var ok bool
		var err error
		rec, ok, err = store.GetJSON[domainRecord](tx, domainKey(in.DomainName))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Domain %s does not exist", in.DomainName)
		}
		// Members absent from the request keep their value; an empty key or
		// queue URL clears it.
		if in.DefaultExpirationDays != nil {
			rec.DefaultExpirationDays = *in.DefaultExpirationDays
		}
		if in.DefaultEncryptionKey != nil {
			rec.DefaultEncryptionKey = optional(*in.DefaultEncryptionKey)
		}
		if in.DeadLetterQueueUrl != nil {
			rec.DeadLetterQueueUrl = optional(*in.DeadLetterQueueUrl)
		}
		if in.Matching != nil {
			rec.Matching = rawJSON(in.Matching)
		}
		if in.RuleBasedMatching != nil {
			rec.RuleBasedMatching = rawJSON(in.RuleBasedMatching)
		}
		if in.DataStore != nil {
			rec.DataStore = rawJSON(in.DataStore)
		}
		if in.Tags != nil {
			rec.Tags = in.Tags
		}
		rec.LastUpdatedAt = s.clock.Now().UTC()
		return store.PutJSON(tx, domainKey(in.DomainName), rec)
	})
	if err != nil {
		return nil, err
	}
	c := rec.config()
	return &api.UpdateDomainResponse{
		DomainName: rec.Name, DefaultExpirationDays: ptr(rec.DefaultExpirationDays),
		DefaultEncryptionKey: rec.DefaultEncryptionKey, DeadLetterQueueUrl: rec.DeadLetterQueueUrl,
		Matching: c.matching, RuleBasedMatching: c.rules, DataStore: c.dataStore, Tags: rec.Tags,
		CreatedAt: *awsmodel.NewTimestamp(rec.CreatedAt), LastUpdatedAt: *awsmodel.NewTimestamp(rec.LastUpdatedAt),
	}, nil
}

func (s *Service) deleteDomain(ctx context.Context, in *api.DeleteDomainRequest) (*api.DeleteDomainResponse, error) {
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		found, err := store.Exists(tx, domainKey(in.DomainName))
		if err != nil {
			return err
		}
		if !found {
			return notFound("Domain %s does not exist", in.DomainName)
		}
		if err := store.DeletePrefix(tx, domainPrefix(in.DomainName)); err != nil {
			return err
		}
		return tx.Delete([]byte(domainKey(in.DomainName)))
	})
	if err != nil {
		return nil, err
	}
	s.types.drop(domainPrefix(in.DomainName))
	s.stats.drop(domainPrefix(in.DomainName))
	s.domains.drop(domainKey(in.DomainName))
	return &api.DeleteDomainResponse{Message: "Domain " + in.DomainName + " was deleted"}, nil
}

func (s *Service) listDomains(ctx context.Context, in *api.ListDomainsRequest) (*api.ListDomainsResponse, error) {
	out := &api.ListDomainsResponse{Items: []*api.ListDomainItem{}}
	err := s.db.View(ctx, func(tx store.Tx) error {
		recs, next, err := page[domainRecord](tx, domainsPrefix, pageRequest{
			scope: "domains", token: in.NextToken, max: pageSize(in.MaxResults, 100),
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			out.Items = append(out.Items, &api.ListDomainItem{
				DomainName: r.Name, Tags: r.Tags,
				CreatedAt: *awsmodel.NewTimestamp(r.CreatedAt), LastUpdatedAt: *awsmodel.NewTimestamp(r.LastUpdatedAt),
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}
