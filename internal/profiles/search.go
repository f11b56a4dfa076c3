package profiles

import (
	"context"
	"encoding/json"
	"slices"
	"sort"

	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

func (s *Service) registerSearch(e *edge.Service) {
	handle(s, e, "SearchProfiles", s.searchProfiles)
}

// searchPair is one key name with alternative values.
type searchPair struct {
	key    string
	values []string
}

// hit is a profile found, with the request values of each pair that found it.
type hit struct {
	p     *profileRecord
	found [][]string
}

// find returns the live profiles, in id order after the id after, that own
// the pairs' values (any pair, or every pair when and): at most limit of
// them (all when limit < 0), and whether there are more. Candidates come
// from the index alone; profiles are read only for the page returned.
func (s *Service) find(tx store.Tx, dom string, pairs []searchPair, and bool, after string, limit int) ([]*hit, bool, error) {
	now := s.clock.Now().UnixNano()
	type lookup struct{ value, norm string }
	lookups := make([][]lookup, len(pairs))
	cands := map[string][]bool{} // id → which pairs' index entries name it
	for i, pr := range pairs {
		kind, err := viewKind(tx, dom, pr.key, nil)
		if err != nil {
			return nil, false, err
		}
		for _, v := range pr.values {
			n := normalize(kind, v)
			if n == "" {
				continue
			}
			lookups[i] = append(lookups[i], lookup{v, n})
			for _, id := range indexIDs(tx, dom, pr.key, n, -1) {
				if id <= after {
					continue
				}
				if cands[id] == nil {
					cands[id] = make([]bool, len(pairs))
				}
				cands[id][i] = true
			}
		}
	}
	ids := make([]string, 0, len(cands))
	for id, in := range cands {
		if !and || !slices.Contains(in, false) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	keys := make([]string, len(pairs))
	for i, pr := range pairs {
		keys[i] = pr.key
	}
	var hits []*hit
	for _, id := range ids {
		p, ok, err := getProfileKeys(tx, profileKey(dom, id), keys)
		if err != nil {
			return nil, false, err
		}
		// An expired profile, or a value only an expired object supported,
		// is gone even before the purge removes it.
		if !ok || p.expired(now) {
			continue
		}
		h := &hit{p: p, found: make([][]string, len(pairs))}
		matched := 0
		for i, pr := range pairs {
			for _, l := range lookups[i] {
				if p.owns(pr.key, l.norm, now) && !slices.Contains(h.found[i], l.value) {
					h.found[i] = append(h.found[i], l.value)
				}
			}
			if len(h.found[i]) > 0 {
				matched++
			}
		}
		if matched == 0 || and && matched < len(pairs) {
			continue
		}
		if limit >= 0 && len(hits) == limit {
			return hits, true, nil
		}
		hits = append(hits, h)
	}
	return hits, false, nil
}

func (s *Service) searchProfiles(ctx context.Context, in *api.SearchProfilesRequest) (*searchOutput, error) {
	pairs := []searchPair{{in.KeyName, in.Values}}
	for _, k := range in.AdditionalSearchKeys {
		pairs = append(pairs, searchPair{k.KeyName, k.Values})
	}
	and := deref(in.LogicalOperator) == "AND"
	// The scope ties a token to this search: domain, operator and pairs.
	// Only a search that reads or writes a token needs it.
	scope := func() string {
		parts := []any{in.DomainName, and}
		for _, pr := range pairs {
			parts = append(parts, pr.key, pr.values)
		}
		b, _ := json.Marshal(parts)
		return "search/" + digest(string(b))
	}
	req := pageRequest{token: in.NextToken, max: pageSize(in.MaxResults, 20)}
	if deref(in.NextToken) != "" {
		req.scope = scope()
	}
	after, err := req.after()
	if err != nil {
		return nil, err
	}
	out := &searchOutput{Items: []*api.Profile{}}
	err = s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		hits, more, err := s.find(tx, in.DomainName, pairs, and, after, req.max)
		if err != nil {
			return err
		}
		if more {
			if req.scope == "" {
				req.scope = scope()
			}
			out.NextToken = ptr(pagetoken.Encode(req.scope, hits[len(hits)-1].p.ID))
		}
		for _, h := range hits {
			item := h.p.toAPI()
			if len(in.AdditionalSearchKeys) > 0 {
				item.FoundByItems = foundBy(pairs, h, and)
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// foundBy lists the pairs a profile was found by: with AND every pair as
// requested, with OR the pairs (and values) that matched it.
func foundBy(pairs []searchPair, h *hit, and bool) []*api.FoundByKeyValue {
	var out []*api.FoundByKeyValue
	for i, pr := range pairs {
		switch {
		case and:
			out = append(out, &api.FoundByKeyValue{KeyName: ptr(pr.key), Values: pr.values})
		case len(h.found[i]) > 0:
			out = append(out, &api.FoundByKeyValue{KeyName: ptr(pr.key), Values: h.found[i]})
		}
	}
	return out
}

// SearchByKey returns the profiles of a domain that own a key value, as
// SearchProfiles would find them, in profile-id order. It is the lookup of
// the flow engine's Customer Profiles actions.
func (s *Service) SearchByKey(ctx context.Context, domain, keyName, value string) ([]Profile, error) {
	var out []Profile
	err := s.db.View(ctx, func(tx store.Tx) error {
		out = nil
		if err := domainExists(tx, domain); err != nil {
			return err
		}
		hits, _, err := s.find(tx, domain, []searchPair{{keyName, []string{value}}}, false, "", -1)
		if err != nil {
			return err
		}
		for _, h := range hits {
			out = append(out, h.p.toProfile())
		}
		return nil
	})
	return out, err
}

// searchOutput is SearchProfiles' answer. Every item carries the scalar
// members the Profile shape had in 2020, unset ones as null, and NextToken
// is null on the last page: that is what the service sent when the
// Customer Profiles sample was written, and the JavaScript SDK v2 prints
// those nulls. The other SDKs ignore nulls.
type searchOutput struct {
	Items     []*api.Profile
	NextToken *string
}

var legacyNullMembers = []string{
	"AccountNumber", "AdditionalInformation", "PartyType", "BusinessName", "FirstName", "MiddleName",
	"LastName", "BirthDate", "Gender", "PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber",
	"BusinessPhoneNumber", "EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress",
}

// AppendJSON writes the answer with the legacy nulls (edge.JSONAppender).
func (o searchOutput) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"Items":[`...)
	for i, p := range o.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProfileJSON(b, p)
		if p == nil {
			continue
		}
		b = b[:len(b)-1] // reopen the object
		for _, name := range legacyNullMembers {
			if *stringField[name](p) == nil {
				b = append(b, `,"`...)
				b = append(b, name...)
				b = append(b, `":null`...)
			}
		}
		b = append(b, '}')
	}
	b = append(b, `],"NextToken":`...)
	if o.NextToken == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *o.NextToken)
	}
	return append(b, '}'), nil
}

// MarshalJSON is AppendJSON for encoding/json.
func (o searchOutput) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil) }
