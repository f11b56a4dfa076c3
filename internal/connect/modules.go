package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/store"
)

// moduleRecord is a flow module. Content and Settings are the published
// module; Draft is what was saved with the ":$SAVED" qualifier and not yet
// published. Content and Settings are kept byte for byte.
type moduleRecord struct {
	ID                 string
	Name               string
	Description        string
	State              string // ACTIVE | ARCHIVED
	Content            string
	Settings           *string // nil when never given
	Draft              *moduleVersion
	ExternalInvocation *bool
	Tags               map[string]string
	// ClientToken is the token the module was created with, and
	// RequestSum the digest of that request, so that a retry returns this
	// module and a different request under the same token is refused.
	ClientToken string
	RequestSum  string
	stamp
}

type moduleVersion struct {
	Content  string
	Settings *string
}

func (s *Service) registerModules(e *edge.Service) {
	edge.Handle(e, "CreateContactFlowModule", s.createModule)
	edge.Handle(e, "DescribeContactFlowModule", s.describeModule)
	edge.Handle(e, "ListContactFlowModules", s.listModules)
	edge.Handle(e, "UpdateContactFlowModuleContent", s.updateModuleContent)
	edge.Handle(e, "UpdateContactFlowModuleMetadata", s.updateModuleMetadata)
	edge.Handle(e, "DeleteContactFlowModule", s.deleteModule)
}

// checkModuleSettings refuses Settings that are not a JSON object: the API
// documents the member as the serialized Settings schema of the module,
// the same object module content carries under "Settings".
func checkModuleSettings(settings *string) error {
	if settings == nil || *settings == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*settings), &obj); err != nil || obj == nil {
		msg := "Settings must be a JSON object"
		if err != nil {
			msg += ": " + err.Error()
		}
		return apierr.New("InvalidContactFlowModuleException", "the flow module settings are not valid: %s", msg).
			With("Problems", []map[string]string{{"message": msg}})
	}
	return nil
}

// requestSum digests a create request without its token and instance, to
// tell a retry from a different request that reuses the token.
func requestSum(in any) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func (s *Service) createModule(ctx context.Context, in *api.CreateContactFlowModuleRequest) (*api.CreateContactFlowModuleResponse, error) {
	if err := checkFlowContent(in.Content, flow.KindModule); err != nil {
		return nil, err
	}
	if err := checkModuleSettings(in.Settings); err != nil {
		return nil, err
	}
	fingerprint := *in
	fingerprint.ClientToken, fingerprint.InstanceId = nil, ""
	sum, err := requestSum(fingerprint)
	if err != nil {
		return nil, err
	}
	rec := &moduleRecord{
		ID: newID(), Name: in.Name, Description: deref(in.Description), State: "ACTIVE",
		Content: in.Content, Settings: in.Settings, Tags: in.Tags,
		ClientToken: deref(in.ClientToken), RequestSum: sum,
	}
	if in.ExternalInvocationConfiguration != nil {
		rec.ExternalInvocation = in.ExternalInvocationConfiguration.Enabled
	}
	inst, err := s.updateInstance(ctx, in.InstanceId, func(tx store.RwTx, inst string) error {
		if rec.ClientToken != "" {
			prior, err := s.moduleByToken(tx, inst, rec.ClientToken)
			if err != nil {
				return err
			}
			if prior != nil {
				if prior.RequestSum != sum {
					return apiErr("IdempotencyException",
						"ClientToken %q was already used for a different CreateContactFlowModule request (flow module %s)", rec.ClientToken, prior.ID)
				}
				rec = prior
				return nil
			}
		}
		if err := insertRecord(s, tx, inst, kindModule, s.cfg.Quotas.ModulesPerInstance, rec.ID, rec.Name, rec); err != nil {
			return err
		}
		if rec.ClientToken == "" {
			return nil
		}
		return tx.Put([]byte(tokenKey(inst, kindModule, rec.ClientToken)), []byte(rec.ID))
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateContactFlowModuleResponse{Id: &rec.ID, Arn: ptr(s.arn(inst, kindModule, rec.ID))}, nil
}

// moduleByToken returns the module created with token, or nil.
func (s *Service) moduleByToken(tx store.Tx, inst, token string) (*moduleRecord, error) {
	b, err := tx.Get([]byte(tokenKey(inst, kindModule, token)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, _, err := store.GetJSON[moduleRecord](tx, recordKey(inst, kindModule, string(b)))
	return rec, err
}

func (s *Service) describeModule(ctx context.Context, in *api.DescribeContactFlowModuleRequest) (*api.DescribeContactFlowModuleResponse, error) {
	ref, saved, err := splitSaved(in.ContactFlowModuleId)
	if err != nil {
		return nil, err
	}
	var out *api.DescribeContactFlowModuleResponse
	err = s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[moduleRecord](s, tx, in.InstanceId, kindModule, ref)
		if err != nil {
			return err
		}
		v, status := moduleVersion{rec.Content, rec.Settings}, "PUBLISHED"
		if saved && rec.Draft != nil {
			v, status = *rec.Draft, "SAVED"
		}
		m := &api.ContactFlowModule{
			Arn: ptr(s.arn(inst, kindModule, rec.ID)), Id: ptr(rec.ID), Name: ptr(rec.Name),
			Description: optional(rec.Description), State: ptr(rec.State), Status: ptr(status),
			Content: ptr(v.Content), FlowModuleContentSha256: contentSHA(v.Content), Settings: v.Settings,
			Tags: rec.Tags,
		}
		if rec.ExternalInvocation != nil {
			m.ExternalInvocationConfiguration = &api.ExternalInvocationConfiguration{Enabled: rec.ExternalInvocation}
		}
		out = &api.DescribeContactFlowModuleResponse{ContactFlowModule: m}
		return nil
	})
	return out, err
}

func (s *Service) listModules(ctx context.Context, in *api.ListContactFlowModulesRequest) (*api.ListContactFlowModulesResponse, error) {
	out := &api.ListContactFlowModulesResponse{ContactFlowModulesSummaryList: []*api.ContactFlowModuleSummary{}}
	state := deref(in.ContactFlowModuleState)
	var err error
	out.NextToken, err = listRecords(ctx, s, in.InstanceId, kindModule, func(inst string) pageRequest {
		return pageRequest{scope: "modules/" + inst + "/" + state, token: in.NextToken, max: maxResults(in.MaxResults, 100)}
	}, func(r *moduleRecord) bool { return state == "" || r.State == state }, func(inst string, r *moduleRecord) {
		out.ContactFlowModulesSummaryList = append(out.ContactFlowModulesSummaryList, &api.ContactFlowModuleSummary{
			Arn: ptr(s.arn(inst, kindModule, r.ID)), Id: ptr(r.ID), Name: ptr(r.Name), State: ptr(r.State),
		})
	})
	return out, err
}

func (s *Service) updateModuleContent(ctx context.Context, in *api.UpdateContactFlowModuleContentRequest) (*struct{}, error) {
	ref, saved, err := splitSaved(in.ContactFlowModuleId)
	if err != nil {
		return nil, err
	}
	if in.Content == nil && in.Settings == nil {
		return nil, apiErr(codeInvalidReq, "UpdateContactFlowModuleContent needs Content, Settings or both")
	}
	// Publishing validates; saving a draft does not, as for flows.
	if !saved {
		if in.Content != nil {
			if err := checkFlowContent(*in.Content, flow.KindModule); err != nil {
				return nil, err
			}
		}
		if err := checkModuleSettings(in.Settings); err != nil {
			return nil, err
		}
	}
	return nil, modifyRecord(ctx, s, in.InstanceId, kindModule, ref, func(_ store.RwTx, _ string, rec *moduleRecord) error {
		// What the request leaves out is kept from the version it edits.
		base := moduleVersion{rec.Content, rec.Settings}
		if saved && rec.Draft != nil {
			base = *rec.Draft
		}
		if in.Content != nil {
			base.Content = *in.Content
		}
		if in.Settings != nil {
			base.Settings = in.Settings
		}
		if saved {
			rec.Draft = &base
		} else {
			rec.Content, rec.Settings, rec.Draft = base.Content, base.Settings, nil
		}
		return nil
	})
}

func (s *Service) updateModuleMetadata(ctx context.Context, in *api.UpdateContactFlowModuleMetadataRequest) (*struct{}, error) {
	return nil, modifyRecord(ctx, s, in.InstanceId, kindModule, in.ContactFlowModuleId, func(tx store.RwTx, inst string, rec *moduleRecord) error {
		if err := rename(tx, inst, kindModule, rec.ID, &rec.Name, in.Name); err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.State != nil {
			rec.State = *in.State
		}
		return nil
	})
}

func (s *Service) deleteModule(ctx context.Context, in *api.DeleteContactFlowModuleRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := loadRecord[moduleRecord](s, tx, in.InstanceId, kindModule, in.ContactFlowModuleId)
		if err != nil {
			return err
		}
		if rec.ClientToken != "" {
			if err := tx.Delete([]byte(tokenKey(inst, kindModule, rec.ClientToken))); err != nil {
				return err
			}
		}
		return dropRecord(tx, inst, kindModule, rec.ID, rec.Name)
	})
}
