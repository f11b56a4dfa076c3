package connect

import (
	"context"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// DefaultInstanceAlias is the alias of the instance Hotline creates on its
// first start, so that a fresh server is usable at once.
const DefaultInstanceAlias = "hotline"

type instanceRecord struct {
	ID                     string
	Alias                  string
	IdentityManagementType string
	InboundCallsEnabled    bool
	OutboundCallsEnabled   bool
	CreatedTime            time.Time
	Tags                   map[string]string
}

func (s *Service) registerInstances(e *edge.Service) {
	edge.Handle(e, "CreateInstance", s.createInstance)
	edge.Handle(e, "DescribeInstance", s.describeInstance)
	edge.Handle(e, "ListInstances", s.listInstances)
	edge.Handle(e, "DeleteInstance", s.deleteInstance)
}

// EnsureDefaultInstance creates the default instance unless an instance
// with its alias exists, and returns its id.
func (s *Service) EnsureDefaultInstance(ctx context.Context) (id string, created bool, err error) {
	err = s.update(ctx, func(tx store.RwTx) error {
		b, err := tx.Get([]byte(aliasKey(DefaultInstanceAlias)))
		if err == nil {
			id, created = string(b), false
			return nil
		}
		rec := &instanceRecord{
			ID:                     newID(),
			Alias:                  DefaultInstanceAlias,
			IdentityManagementType: "CONNECT_MANAGED",
			InboundCallsEnabled:    true,
			OutboundCallsEnabled:   true,
			CreatedTime:            s.clock.Now().UTC(),
		}
		id, created = rec.ID, true
		return s.putInstance(tx, rec)
	})
	return id, created, err
}

func (s *Service) putInstance(tx store.RwTx, rec *instanceRecord) error {
	if err := store.PutJSON(tx, instanceKey(rec.ID), rec); err != nil {
		return err
	}
	return tx.Put([]byte(aliasKey(rec.Alias)), []byte(rec.ID))
}

func (s *Service) createInstance(ctx context.Context, in *api.CreateInstanceRequest) (*api.CreateInstanceResponse, error) {
	rec := &instanceRecord{
		ID:                     newID(),
		IdentityManagementType: in.IdentityManagementType,
		InboundCallsEnabled:    in.InboundCallsEnabled,
		OutboundCallsEnabled:   in.OutboundCallsEnabled,
		CreatedTime:            s.clock.Now().UTC(),
		Tags:                   in.Tags,
	}
	if in.InstanceAlias != nil {
		rec.Alias = *in.InstanceAlias
	}
	if rec.IdentityManagementType != "EXISTING_DIRECTORY" && in.DirectoryId != nil {
		return nil, invalidParam("DirectoryId is only allowed with IdentityManagementType EXISTING_DIRECTORY")
	}
	if rec.IdentityManagementType == "EXISTING_DIRECTORY" && in.DirectoryId == nil {
		return nil, invalidParam("DirectoryId is required with IdentityManagementType EXISTING_DIRECTORY")
	}
	if rec.IdentityManagementType != "EXISTING_DIRECTORY" && rec.Alias == "" {
		return nil, invalidParam("InstanceAlias is required with IdentityManagementType %s", rec.IdentityManagementType)
	}
	if rec.Alias == "" {
		rec.Alias = in.IdentityManagementType + "-" + rec.ID[:8]
	}
	err := s.update(ctx, func(tx store.RwTx) error {
		n := 0
		for range tx.Scan([]byte("connect/instance/"), store.PrefixEnd([]byte("connect/instance/"))) {
			n++
		}
		if n >= s.cfg.Quotas.InstancesPerAccount {
			return apiErr(codeQuota, "the account already has %d instances, its quota (InstancesPerAccount)", n)
		}
		if ok, err := store.Exists(tx, aliasKey(rec.Alias)); err != nil || ok {
			if err != nil {
				return err
			}
			return apiErr(codeInvalidReq, "an instance with the alias %q already exists", rec.Alias)
		}
		return s.putInstance(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	arn := s.instanceARN(rec.ID)
	return &api.CreateInstanceResponse{Id: &rec.ID, Arn: &arn}, nil
}

// instance loads the instance a request names by id or ARN.
func (s *Service) instance(tx store.Tx, ref string) (*instanceRecord, error) {
	id, err := s.instanceID(tx, ref)
	if err != nil {
		return nil, err
	}
	rec, ok, err := store.GetJSON[instanceRecord](tx, instanceKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("instance %s was not found", ref)
	}
	return rec, nil
}

// instanceID resolves the instance a request names by id or ARN and checks
// that it exists, without decoding its record: most operations need only
// the id, and this is on every request's path.
func (s *Service) instanceID(tx store.Tx, ref string) (string, error) {
	id := ref
	if strings.HasPrefix(ref, "arn:") {
		prefix := "arn:aws:connect:" + s.cfg.Region + ":" + s.cfg.AccountID + ":instance/"
		var ok bool
		if id, ok = strings.CutPrefix(ref, prefix); !ok || strings.Contains(id, "/") {
			return "", notFound("instance %s was not found", ref)
		}
	}
	ok, err := store.Exists(tx, instanceKey(id))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", notFound("instance %s was not found", ref)
	}
	return id, nil
}

// updateInstance runs fn in a write transaction with the id of the instance
// instRef names, and returns that id.
func (s *Service) updateInstance(ctx context.Context, instRef string, fn func(tx store.RwTx, inst string) error) (inst string, err error) {
	err = s.update(ctx, func(tx store.RwTx) error {
		instID, err := s.instanceID(tx, instRef)
		if err != nil {
			return err
		}
		inst = instID
		return fn(tx, inst)
	})
	return inst, err
}

func (s *Service) instanceView(rec *instanceRecord) *api.Instance {
	arn := s.instanceARN(rec.ID)
	url := "https://" + rec.Alias + ".my.connect.aws/"
	return &api.Instance{
		Arn:                    &arn,
		Id:                     ptr(rec.ID),
		CreatedTime:            awsmodel.NewTimestamp(rec.CreatedTime),
		IdentityManagementType: ptr(rec.IdentityManagementType),
		InboundCallsEnabled:    ptr(rec.InboundCallsEnabled),
		OutboundCallsEnabled:   ptr(rec.OutboundCallsEnabled),
		InstanceAlias:          ptr(rec.Alias),
		InstanceAccessUrl:      &url,
		InstanceStatus:         ptr("ACTIVE"),
		ServiceRole:            ptr("arn:aws:iam::" + s.cfg.AccountID + ":role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect"),
		Tags:                   rec.Tags,
	}
}

func (s *Service) describeInstance(ctx context.Context, in *api.DescribeInstanceRequest) (*api.DescribeInstanceResponse, error) {
	var out *api.DescribeInstanceResponse
	err := s.view(ctx, func(tx store.Tx) error {
		rec, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		out = &api.DescribeInstanceResponse{Instance: s.instanceView(rec)}
		return nil
	})
	return out, err
}

func (s *Service) listInstances(ctx context.Context, in *api.ListInstancesRequest) (*api.ListInstancesResponse, error) {
	out := &api.ListInstancesResponse{InstanceSummaryList: []*api.InstanceSummary{}}
	err := s.view(ctx, func(tx store.Tx) error {
		recs, next, err := page[instanceRecord](tx, "connect/instance/", pageRequest{
			scope: "instances", token: in.NextToken, max: maxResults(in.MaxResults, 10),
		}, nil)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			v := s.instanceView(rec)
			out.InstanceSummaryList = append(out.InstanceSummaryList, &api.InstanceSummary{
				Arn: v.Arn, Id: v.Id, CreatedTime: v.CreatedTime, IdentityManagementType: v.IdentityManagementType,
				InboundCallsEnabled: v.InboundCallsEnabled, OutboundCallsEnabled: v.OutboundCallsEnabled,
				InstanceAlias: v.InstanceAlias, InstanceAccessUrl: v.InstanceAccessUrl,
				InstanceStatus: v.InstanceStatus, ServiceRole: v.ServiceRole,
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

func (s *Service) deleteInstance(ctx context.Context, in *api.DeleteInstanceRequest) (*struct{}, error) {
	var id string
	err := s.update(ctx, func(tx store.RwTx) error {
		rec, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		id = rec.ID
		if err := s.releaseInstanceNumbers(tx, rec.ID); err != nil {
			return err
		}
		if err := store.DeletePrefix(tx, instancePrefix(rec.ID)); err != nil {
			return err
		}
		if err := tx.Delete([]byte(aliasKey(rec.Alias))); err != nil {
			return err
		}
		return tx.Delete([]byte(instanceKey(rec.ID)))
	})
	if err != nil {
		return nil, err
	}
	for _, drop := range s.cfg.OnInstanceDeleted {
		if err := drop(ctx, id); err != nil {
			s.log.Error("dropping the data of a deleted instance", "instanceId", id, "err", err)
		}
	}
	return nil, nil
}
