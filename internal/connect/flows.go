package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/store"
)

// flowRecord is a contact flow. Content is the published flow that runs;
// Draft is content saved without publishing (Status SAVED), which the API
// addresses as "<id>:$SAVED". Both are kept byte for byte.
type flowRecord struct {
	ID          string
	Name        string
	Type        string
	Description string
	State       string // ACTIVE | ARCHIVED
	Content     string // published; "" when the flow was only ever saved
	Draft       string // saved, unpublished; "" when none
	Tags        map[string]string
	stamp
}

func (r *flowRecord) status() string {
	if r.Content == "" || r.Draft != "" {
		return "SAVED"
	}
	return "PUBLISHED"
}

func (s *Service) registerFlows(e *edge.Service) {
	edge.Handle(e, "CreateContactFlow", s.createFlow)
	edge.Handle(e, "DescribeContactFlow", s.describeFlow)
	edge.Handle(e, "ListContactFlows", s.listFlows)
	edge.Handle(e, "UpdateContactFlowContent", s.updateFlowContent)
	edge.Handle(e, "UpdateContactFlowMetadata", s.updateFlowMetadata)
	edge.Handle(e, "UpdateContactFlowName", s.updateFlowName)
	edge.Handle(e, "DeleteContactFlow", s.deleteFlow)
}

// checkFlowContent validates flow or module content with the flow-language
// parser, answering the Connect error that names every problem.
func checkFlowContent(content string, k flow.Kind) error {
	_, err := flow.Parse([]byte(content), k)
	var invalid *flow.InvalidError
	if !errors.As(err, &invalid) {
		return err
	}
	problems := make([]map[string]string, 0, len(invalid.Problems))
	for _, p := range invalid.Problems {
		problems = append(problems, map[string]string{"message": p.Message})
	}
	if k == flow.KindModule {
		return apierr.New("InvalidContactFlowModuleException", "the flow module content is not valid: %s", invalid.Error()).
			With("Problems", problems)
	}
	return apierr.New("InvalidContactFlowException", "the flow content is not valid: %s", invalid.Error()).
		With("problems", problems)
}

func contentSHA(content string) *string {
	sum := sha256.Sum256([]byte(content))
	return ptr(hex.EncodeToString(sum[:]))
}

func (s *Service) createFlow(ctx context.Context, in *api.CreateContactFlowRequest) (*api.CreateContactFlowResponse, error) {
	rec := &flowRecord{
		ID: newID(), Name: in.Name, Type: in.Type, Description: deref(in.Description),
		State: "ACTIVE", Tags: in.Tags,
	}
	if deref(in.Status) == "SAVED" {
		rec.Draft = in.Content
	} else {
		if err := checkFlowContent(in.Content, flow.KindFlow); err != nil {
			return nil, err
		}
		rec.Content = in.Content
	}
	inst, err := s.updateInstance(ctx, in.InstanceId, func(tx store.RwTx, inst string) error {
		return insertRecord(s, tx, inst, kindFlow, s.cfg.Quotas.FlowsPerInstance, rec.ID, rec.Name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateContactFlowResponse{
		ContactFlowId:     &rec.ID,
		ContactFlowArn:    ptr(s.arn(inst, kindFlow, rec.ID)),
		FlowContentSha256: contentSHA(in.Content),
	}, nil
}

// loadFlow reads the flow a request names (id or ARN, optionally
// ":$SAVED") within its instance, and says whether the draft is addressed.
// It is loadRecord after splitSaved but for its order and wording, which
// flows have always had: the instance is resolved before a version is
// refused, and the messages say "flow versions" and quote the reference as
// given.
func (s *Service) loadFlow(tx store.Tx, instRef, ref string) (inst string, rec *flowRecord, saved bool, err error) {
	instID, err := s.instanceID(tx, instRef)
	if err != nil {
		return "", nil, false, err
	}
	base, saved := strings.CutSuffix(ref, savedQualifier)
	if hasVersion(base) {
		return "", nil, false, apiErr(codeInvalidReq, "flow versions are not supported by Hotline yet: %q", base)
	}
	id, err := s.idFromRef(instID, kindFlow, base)
	if err != nil {
		return "", nil, false, err
	}
	rec, ok, err := store.GetJSON[flowRecord](tx, recordKey(instID, kindFlow, id))
	if err != nil {
		return "", nil, false, err
	}
	if !ok {
		return "", nil, false, notFound("contact flow %s was not found in instance %s", ref, instID)
	}
	return instID, rec, saved, nil
}

func (s *Service) describeFlow(ctx context.Context, in *api.DescribeContactFlowRequest) (*api.DescribeContactFlowResponse, error) {
	var out *api.DescribeContactFlowResponse
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, saved, err := s.loadFlow(tx, in.InstanceId, in.ContactFlowId)
		if err != nil {
			return err
		}
		content, status := rec.Content, "PUBLISHED"
		switch {
		case saved && rec.Draft != "":
			content, status = rec.Draft, "SAVED"
		case rec.Content == "":
			return apiErr("ContactFlowNotPublishedException",
				"contact flow %s has no published version; describe %s%s for the saved draft", rec.ID, rec.ID, savedQualifier)
		}
		out = &api.DescribeContactFlowResponse{ContactFlow: &api.ContactFlow{
			Arn: ptr(s.arn(inst, kindFlow, rec.ID)), Id: ptr(rec.ID), Name: ptr(rec.Name), Type: ptr(rec.Type),
			State: ptr(rec.State), Status: ptr(status), Description: optional(rec.Description),
			Content: ptr(content), FlowContentSha256: contentSHA(content), Tags: rec.Tags,
			LastModifiedTime: awsmodel.NewTimestamp(rec.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		}}
		return nil
	})
	return out, err
}

func (s *Service) listFlows(ctx context.Context, in *api.ListContactFlowsRequest) (*api.ListContactFlowsResponse, error) {
	out := &api.ListContactFlowsResponse{ContactFlowSummaryList: []*api.ContactFlowSummary{}}
	types := map[string]bool{}
	for _, t := range in.ContactFlowTypes {
		types[t] = true
	}
	var err error
	out.NextToken, err = listRecords(ctx, s, in.InstanceId, kindFlow, func(inst string) pageRequest {
		return pageRequest{
			scope: "flows/" + inst + "/" + strings.Join(in.ContactFlowTypes, ","),
			token: in.NextToken, max: maxResults(in.MaxResults, 100),
		}
	}, func(r *flowRecord) bool { return len(types) == 0 || types[r.Type] }, func(inst string, r *flowRecord) {
		out.ContactFlowSummaryList = append(out.ContactFlowSummaryList, &api.ContactFlowSummary{
			Arn: ptr(s.arn(inst, kindFlow, r.ID)), Id: ptr(r.ID), Name: ptr(r.Name),
			ContactFlowType: ptr(r.Type), ContactFlowState: ptr(r.State), ContactFlowStatus: ptr(r.status()),
		})
	})
	return out, err
}

// modifyFlow loads a flow, lets change edit it, and stores it back.
func (s *Service) modifyFlow(ctx context.Context, instRef, flowRef string, change func(tx store.RwTx, inst string, rec *flowRecord, saved bool) error) error {
	return s.update(ctx, func(tx store.RwTx) error {
		inst, rec, saved, err := s.loadFlow(tx, instRef, flowRef)
		if err != nil {
			return err
		}
		if err := change(tx, inst, rec, saved); err != nil {
			return err
		}
		rec.touch(s.clock.Now())
		return store.PutJSON(tx, recordKey(inst, kindFlow, rec.ID), rec)
	})
}

func (s *Service) updateFlowContent(ctx context.Context, in *api.UpdateContactFlowContentRequest) (*struct{}, error) {
	if !strings.HasSuffix(in.ContactFlowId, savedQualifier) {
		// Publishing validates; saving a draft does not, as on AWS.
		if err := checkFlowContent(in.Content, flow.KindFlow); err != nil {
			return nil, err
		}
	}
	return nil, s.modifyFlow(ctx, in.InstanceId, in.ContactFlowId, func(_ store.RwTx, _ string, rec *flowRecord, saved bool) error {
		if saved {
			rec.Draft = in.Content
		} else {
			rec.Content, rec.Draft = in.Content, ""
		}
		return nil
	})
}

func (s *Service) updateFlowMetadata(ctx context.Context, in *api.UpdateContactFlowMetadataRequest) (*struct{}, error) {
	return nil, s.modifyFlow(ctx, in.InstanceId, in.ContactFlowId, func(tx store.RwTx, inst string, rec *flowRecord, _ bool) error {
		if err := rename(tx, inst, kindFlow, rec.ID, &rec.Name, in.Name); err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.ContactFlowState != nil {
			rec.State = *in.ContactFlowState
		}
		return nil
	})
}

func (s *Service) updateFlowName(ctx context.Context, in *api.UpdateContactFlowNameRequest) (*struct{}, error) {
	return s.updateFlowMetadata(ctx, &api.UpdateContactFlowMetadataRequest{
		InstanceId: in.InstanceId, ContactFlowId: in.ContactFlowId, Name: in.Name, Description: in.Description,
	})
}

func (s *Service) deleteFlow(ctx context.Context, in *api.DeleteContactFlowRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, _, err := s.loadFlow(tx, in.InstanceId, in.ContactFlowId)
		if err != nil {
			return err
		}
		return dropRecord(tx, inst, kindFlow, rec.ID, rec.Name)
	})
}

// optional returns nil for an empty string, so that absent members stay absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
