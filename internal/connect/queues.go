package connect

import (
	"context"
	"slices"
	"strings"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// Queue is a standard queue as the flow engine needs it. References are
// stored as ids, whichever form the caller gave.
type Queue struct {
	ID                       string
	Name                     string
	HoursOfOperationID       string
	Status                   string // ENABLED | DISABLED
	MaxContacts              *int32 // nil: no limit
	OutboundCallerIDName     string // "" when not set, as are the two below
	OutboundCallerIDNumberID string // a phone number claimed to the instance
	OutboundFlowID           string // the outbound whisper flow
}

// queueRecord is the stored queue: the engine's view plus what only the
// admin API shows.
type queueRecord struct {
	Queue
	Description string
	Tags        map[string]string
	stamp
}

func (s *Service) registerQueues(e *edge.Service) {
	edge.Handle(e, "CreateQueue", s.createQueue)
	edge.Handle(e, "DescribeQueue", s.describeQueue)
	edge.Handle(e, "ListQueues", s.listQueues)
	edge.Handle(e, "UpdateQueueName", s.updateQueueName)
	edge.Handle(e, "UpdateQueueHoursOfOperation", s.updateQueueHours)
	edge.Handle(e, "UpdateQueueOutboundCallerConfig", s.updateQueueOutboundCaller)
	edge.Handle(e, "UpdateQueueStatus", s.updateQueueStatus)
	edge.Handle(e, "UpdateQueueMaxContacts", s.updateQueueMaxContacts)
	edge.Handle(e, "DeleteQueue", s.deleteQueue)
}

// Queue returns the queue queueRef (an id or ARN) names in the instance.
func (s *Service) Queue(ctx context.Context, instanceID, queueRef string) (*Queue, error) {
	rec, err := viewRecord[queueRecord](ctx, s, instanceID, kindQueue, queueRef)
	if err != nil {
		return nil, err
	}
	return &rec.Queue, nil
}

// queueHours resolves the hours of operation a queue is to use.
func (s *Service) queueHours(tx store.Tx, inst, ref string) (string, error) {
	_, h, err := loadRecord[hoursRecord](s, tx, inst, kindHours, ref)
	if err != nil {
		return "", err
	}
	return h.ID, nil
}

// setOutboundCaller replaces q's outbound caller configuration with cfg,
// whose number must be claimed to the instance and whose flow must exist.
func (s *Service) setOutboundCaller(tx store.Tx, inst string, q *Queue, cfg *api.OutboundCallerConfig) error {
	name, number, flowID := "", "", ""
	if cfg != nil {
		name = deref(cfg.OutboundCallerIdName)
		if ref := deref(cfg.OutboundCallerIdNumberId); ref != "" {
			p, err := s.phoneInInstance(tx, ref, inst)
			if err != nil {
				return err
			}
			number = p.ID
		}
		if ref := deref(cfg.OutboundFlowId); ref != "" {
			_, f, _, err := s.loadFlow(tx, inst, ref)
			if err != nil {
				return err
			}
			flowID = f.ID
		}
	}
	q.OutboundCallerIDName, q.OutboundCallerIDNumberID, q.OutboundFlowID = name, number, flowID
	return nil
}

// checkUnknownRefs refuses references to resources Hotline does not have:
// an id of a quick connect or an email address cannot name anything here,
// so the answer is the one AWS gives for an unknown id.
func checkUnknownRefs(in *api.CreateQueueRequest) error {
	if len(in.QuickConnectIds) > 0 {
		return notFound("quick connect %s was not found; Hotline has no quick connects yet", in.QuickConnectIds[0])
	}
	if len(in.EmailAddressesConfig) > 0 {
		return notFound("email address %s was not found; Hotline has no email addresses yet", in.EmailAddressesConfig[0].EmailAddressId)
	}
	if in.OutboundEmailConfig != nil && in.OutboundEmailConfig.OutboundEmailAddressId != nil {
		return notFound("email address %s was not found; Hotline has no email addresses yet", *in.OutboundEmailConfig.OutboundEmailAddressId)
	}
	return nil
}

func (s *Service) createQueue(ctx context.Context, in *api.CreateQueueRequest) (*api.CreateQueueResponse, error) {
	if err := checkUnknownRefs(in); err != nil {
		return nil, err
	}
	rec := &queueRecord{
		Queue:       Queue{ID: newID(), Name: in.Name, Status: "ENABLED", MaxContacts: in.MaxContacts},
		Description: deref(in.Description),
		Tags:        in.Tags,
	}
	inst, err := s.updateInstance(ctx, in.InstanceId, func(tx store.RwTx, inst string) error {
		var err error
		if rec.HoursOfOperationID, err = s.queueHours(tx, inst, in.HoursOfOperationId); err != nil {
			return err
		}
		if err := s.setOutboundCaller(tx, inst, &rec.Queue, in.OutboundCallerConfig); err != nil {
			return err
		}
		return insertRecord(s, tx, inst, kindQueue, s.cfg.Quotas.QueuesPerInstance, rec.ID, rec.Name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateQueueResponse{QueueId: &rec.ID, QueueArn: ptr(s.arn(inst, kindQueue, rec.ID))}, nil
}

func (s *Service) describeQueue(ctx context.Context, in *api.DescribeQueueRequest) (*api.DescribeQueueResponse, error) {
	var out *api.DescribeQueueResponse
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[queueRecord](s, tx, in.InstanceId, kindQueue, in.QueueId)
		if err != nil {
			return err
		}
		q := &api.Queue{
			QueueId: ptr(rec.ID), QueueArn: ptr(s.arn(inst, kindQueue, rec.ID)), Name: ptr(rec.Name),
			Description: optional(rec.Description), HoursOfOperationId: ptr(rec.HoursOfOperationID),
			MaxContacts: rec.MaxContacts, Status: ptr(rec.Status), Tags: rec.Tags,
			LastModifiedTime: awsmodel.NewTimestamp(rec.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		}
		if rec.OutboundCallerIDName != "" || rec.OutboundCallerIDNumberID != "" || rec.OutboundFlowID != "" {
			q.OutboundCallerConfig = &api.OutboundCallerConfig{
				OutboundCallerIdName:     optional(rec.OutboundCallerIDName),
				OutboundCallerIdNumberId: optional(rec.OutboundCallerIDNumberID),
				OutboundFlowId:           optional(rec.OutboundFlowID),
			}
		}
		out = &api.DescribeQueueResponse{Queue: q}
		return nil
	})
	return out, err
}

func (s *Service) listQueues(ctx context.Context, in *api.ListQueuesRequest) (*api.ListQueuesResponse, error) {
	out := &api.ListQueuesResponse{QueueSummaryList: []*api.QueueSummary{}}
	// Every Hotline queue is STANDARD: AGENT queues come with users, which
	// Hotline does not have.
	standard := len(in.QueueTypes) == 0 || slices.Contains(in.QueueTypes, "STANDARD")
	types := slices.Clone(in.QueueTypes)
	slices.Sort(types)
	var err error
	out.NextToken, err = listRecords(ctx, s, in.InstanceId, kindQueue, func(inst string) pageRequest {
		return pageRequest{scope: "queues/" + inst + "/" + strings.Join(types, ","), token: in.NextToken, max: maxResults(in.MaxResults, 100)}
	}, func(*queueRecord) bool { return standard }, func(inst string, r *queueRecord) {
		out.QueueSummaryList = append(out.QueueSummaryList, &api.QueueSummary{
			Arn: ptr(s.arn(inst, kindQueue, r.ID)), Id: ptr(r.ID), Name: ptr(r.Name), QueueType: ptr("STANDARD"),
			LastModifiedTime: awsmodel.NewTimestamp(r.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		})
	})
	return out, err
}

func (s *Service) updateQueueName(ctx context.Context, in *api.UpdateQueueNameRequest) (*struct{}, error) {
	// The API reference: "At least Name or Description must be provided."
	if in.Name == nil && in.Description == nil {
		return nil, invalidParam("UpdateQueueName needs Name, Description or both")
	}
	return nil, modifyRecord(ctx, s, in.InstanceId, kindQueue, in.QueueId, func(tx store.RwTx, inst string, rec *queueRecord) error {
		if err := rename(tx, inst, kindQueue, rec.ID, &rec.Name, in.Name); err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		return nil
	})
}

func (s *Service) updateQueueHours(ctx context.Context, in *api.UpdateQueueHoursOfOperationRequest) (*struct{}, error) {
	return nil, modifyRecord(ctx, s, in.InstanceId, kindQueue, in.QueueId, func(tx store.RwTx, inst string, rec *queueRecord) error {
		id, err := s.queueHours(tx, inst, in.HoursOfOperationId)
		if err != nil {
			return err
		}
		rec.HoursOfOperationID = id
		return nil
	})
}

// updateQueueOutboundCaller replaces the whole configuration: a member the
// request leaves out is cleared, so a caller can remove the caller ID.
func (s *Service) updateQueueOutboundCaller(ctx context.Context, in *api.UpdateQueueOutboundCallerConfigRequest) (*struct{}, error) {
	return nil, modifyRecord(ctx, s, in.InstanceId, kindQueue, in.QueueId, func(tx store.RwTx, inst string, rec *queueRecord) error {
		return s.setOutboundCaller(tx, inst, &rec.Queue, in.OutboundCallerConfig)
	})
}

func (s *Service) updateQueueStatus(ctx context.Context, in *api.UpdateQueueStatusRequest) (*struct{}, error) {
	return nil, modifyRecord(ctx, s, in.InstanceId, kindQueue, in.QueueId, func(_ store.RwTx, _ string, rec *queueRecord) error {
		rec.Status = in.Status
		return nil
	})
}

// updateQueueMaxContacts sets the limit; leaving MaxContacts out removes it.
func (s *Service) updateQueueMaxContacts(ctx context.Context, in *api.UpdateQueueMaxContactsRequest) (*struct{}, error) {
	return nil, modifyRecord(ctx, s, in.InstanceId, kindQueue, in.QueueId, func(_ store.RwTx, _ string, rec *queueRecord) error {
		rec.MaxContacts = in.MaxContacts
		return nil
	})
}

func (s *Service) deleteQueue(ctx context.Context, in *api.DeleteQueueRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := loadRecord[queueRecord](s, tx, in.InstanceId, kindQueue, in.QueueId)
		if err != nil {
			return err
		}
		return dropRecord(tx, inst, kindQueue, rec.ID, rec.Name)
	})
}
