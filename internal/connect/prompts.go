package connect

import (
	"context"
	"time"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// promptRecord is a prompt: a named audio file. S3Uri is kept exactly as
// given; Hotline does not fetch it.
type promptRecord struct {
	ID           string
	Name         string
	Description  string
	S3Uri        string
	Tags         map[string]string
	LastModified time.Time
}

func (s *Service) registerPrompts(e *edge.Service) {
	edge.Handle(e, "CreatePrompt", s.createPrompt)
	edge.Handle(e, "DescribePrompt", s.describePrompt)
	edge.Handle(e, "ListPrompts", s.listPrompts)
	edge.Handle(e, "DeletePrompt", s.deletePrompt)
}

func (s *Service) createPrompt(ctx context.Context, in *api.CreatePromptRequest) (*api.CreatePromptResponse, error) {
	rec := &promptRecord{
		ID: newID(), Name: in.Name, Description: deref(in.Description), S3Uri: in.S3Uri,
		Tags: in.Tags, LastModified: s.clock.Now().UTC(),
	}
	var inst string
	err := s.update(ctx, func(tx store.RwTx) error {
		ir, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		inst = ir.ID
		if err := checkQuota(tx, inst, kindPrompt, s.cfg.Quotas.PromptsPerInstance); err != nil {
			return err
		}
		if err := claimName(tx, inst, kindPrompt, rec.Name, rec.ID); err != nil {
			return err
		}
		return putJSON(tx, recordKey(inst, kindPrompt, rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreatePromptResponse{PromptId: &rec.ID, PromptARN: ptr(s.arn(inst, kindPrompt, rec.ID))}, nil
}

// loadPrompt reads the prompt a request names (id or ARN) within its instance.
func (s *Service) loadPrompt(tx store.Tx, instRef, ref string) (string, *promptRecord, error) {
	ir, err := s.instance(tx, instRef)
	if err != nil {
		return "", nil, err
	}
	id, err := s.idFromRef(ir.ID, kindPrompt, ref)
	if err != nil {
		return "", nil, err
	}
	rec, ok, err := getJSON[promptRecord](tx, recordKey(ir.ID, kindPrompt, id))
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, notFound("prompt %s was not found in instance %s", ref, ir.ID)
	}
	return ir.ID, rec, nil
}

func (s *Service) describePrompt(ctx context.Context, in *api.DescribePromptRequest) (*api.DescribePromptResponse, error) {
	var out *api.DescribePromptResponse
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := s.loadPrompt(tx, in.InstanceId, in.PromptId)
		if err != nil {
			return err
		}
		out = &api.DescribePromptResponse{Prompt: &api.Prompt{
			PromptId: ptr(rec.ID), PromptARN: ptr(s.arn(inst, kindPrompt, rec.ID)), Name: ptr(rec.Name),
			Description: optional(rec.Description), Tags: rec.Tags,
			LastModifiedTime: awsmodel.NewTimestamp(rec.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		}}
		return nil
	})
	return out, err
}

func (s *Service) listPrompts(ctx context.Context, in *api.ListPromptsRequest) (*api.ListPromptsResponse, error) {
	out := &api.ListPromptsResponse{PromptSummaryList: []*api.PromptSummary{}}
	err := s.view(ctx, func(tx store.Tx) error {
		ir, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		recs, next, err := page[promptRecord](tx, recordPrefix(ir.ID, kindPrompt), pageRequest{
			scope: "prompts/" + ir.ID, token: in.NextToken, max: maxResults(in.MaxResults, 100),
		}, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			out.PromptSummaryList = append(out.PromptSummaryList, &api.PromptSummary{
				Id: ptr(r.ID), Arn: ptr(s.arn(ir.ID, kindPrompt, r.ID)), Name: ptr(r.Name),
				LastModifiedTime: awsmodel.NewTimestamp(r.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

func (s *Service) deletePrompt(ctx context.Context, in *api.DeletePromptRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := s.loadPrompt(tx, in.InstanceId, in.PromptId)
		if err != nil {
			return err
		}
		if err := tx.Delete([]byte(nameKey(inst, kindPrompt, rec.Name))); err != nil {
			return err
		}
		return tx.Delete([]byte(recordKey(inst, kindPrompt, rec.ID)))
	})
}
