package connect

import (
	"context"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// promptRecord is a prompt: a named audio file. S3Uri is kept exactly as
// given; Hotline does not fetch it.
type promptRecord struct {
	ID          string
	Name        string
	Description string
	S3Uri       string
	Tags        map[string]string
	stamp
}

func (s *Service) registerPrompts(e *edge.Service) {
	edge.Handle(e, "CreatePrompt", s.createPrompt)
	edge.Handle(e, "DescribePrompt", s.describePrompt)
	edge.Handle(e, "ListPrompts", s.listPrompts)
	edge.Handle(e, "DeletePrompt", s.deletePrompt)
}

func (s *Service) createPrompt(ctx context.Context, in *api.CreatePromptRequest) (*api.CreatePromptResponse, error) {
	rec := &promptRecord{
		ID: newID(), Name: in.Name, Description: deref(in.Description), S3Uri: in.S3Uri, Tags: in.Tags,
	}
	inst, err := s.updateInstance(ctx, in.InstanceId, func(tx store.RwTx, inst string) error {
		return insertRecord(s, tx, inst, kindPrompt, s.cfg.Quotas.PromptsPerInstance, rec.ID, rec.Name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreatePromptResponse{PromptId: &rec.ID, PromptARN: ptr(s.arn(inst, kindPrompt, rec.ID))}, nil
}

func (s *Service) describePrompt(ctx context.Context, in *api.DescribePromptRequest) (*api.DescribePromptResponse, error) {
	var out *api.DescribePromptResponse
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[promptRecord](s, tx, in.InstanceId, kindPrompt, in.PromptId)
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
	var err error
	out.NextToken, err = listRecords(ctx, s, in.InstanceId, kindPrompt, func(inst string) pageRequest {
		return pageRequest{scope: "prompts/" + inst, token: in.NextToken, max: maxResults(in.MaxResults, 100)}
	}, nil, func(inst string, r *promptRecord) {
		out.PromptSummaryList = append(out.PromptSummaryList, &api.PromptSummary{
			Id: ptr(r.ID), Arn: ptr(s.arn(inst, kindPrompt, r.ID)), Name: ptr(r.Name),
			LastModifiedTime: awsmodel.NewTimestamp(r.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		})
	})
	return out, err
}

func (s *Service) deletePrompt(ctx context.Context, in *api.DeletePromptRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := loadRecord[promptRecord](s, tx, in.InstanceId, kindPrompt, in.PromptId)
		if err != nil {
			return err
		}
		return dropRecord(tx, inst, kindPrompt, rec.ID, rec.Name)
	})
}
