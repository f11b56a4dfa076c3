package connect

import (
	"context"
	"slices"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// HoursOfOperation is an hours-of-operation resource as the flow engine
// needs it: the weekly schedule in a tz database time zone.
type HoursOfOperation struct {
	ID       string
	Name     string
	TimeZone string      // a tz database name, e.g. "America/New_York"
	Config   []HoursSlot // as configured, in order
}

// HoursSlot is one Config entry: a day and the local times it opens and
// closes. They are kept as given: AWS documents an EndTime of 00:00 as
// midnight at the end of the day, and deciding what an EndTime at or before
// StartTime means is the reader's business.
type HoursSlot struct {
	Day   string // SUNDAY … SATURDAY
	Start TimeOfDay
	End   TimeOfDay
}

// TimeOfDay is a wall-clock time, Hours 0..23 and Minutes 0..59.
type TimeOfDay struct {
	Hours   int
	Minutes int
}

// hoursRecord is the stored resource: the engine's view plus what only the
// admin API shows.
type hoursRecord struct {
	HoursOfOperation
	Description string
	Parents     []string // ids of the parent hours of operation, in order
	Tags        map[string]string
	stamp
}

func (s *Service) registerHours(e *edge.Service) {
	edge.Handle(e, "CreateHoursOfOperation", s.createHours)
	edge.Handle(e, "DescribeHoursOfOperation", s.describeHours)
	edge.Handle(e, "ListHoursOfOperations", s.listHours)
	edge.Handle(e, "UpdateHoursOfOperation", s.updateHours)
	edge.Handle(e, "DeleteHoursOfOperation", s.deleteHours)
}

// HoursOfOperation returns the hours of operation hoursRef (an id or ARN)
// names in the instance.
func (s *Service) HoursOfOperation(ctx context.Context, instanceID, hoursRef string) (*HoursOfOperation, error) {
	rec, err := viewRecord[hoursRecord](ctx, s, instanceID, kindHours, hoursRef)
	if err != nil {
		return nil, err
	}
	return &rec.HoursOfOperation, nil
}

// checkTimeZone accepts the names of the tz database. time.LoadLocation
// also takes "" and "Local", which mean UTC and the server's own zone:
// neither is a zone a caller can mean.
func checkTimeZone(tz string) error {
	if tz != "" && tz != "Local" {
		if _, err := time.LoadLocation(tz); err == nil {
			return nil
		}
	}
	return invalidParam("TimeZone %q is not a time zone of the tz database; use a name such as America/New_York or UTC", tz)
}

func hoursSlots(cfg []*api.HoursOfOperationConfig) []HoursSlot {
	slots := make([]HoursSlot, 0, len(cfg))
	for _, c := range cfg {
		slots = append(slots, HoursSlot{
			Day:   c.Day,
			Start: TimeOfDay{int(c.StartTime.Hours), int(c.StartTime.Minutes)},
			End:   TimeOfDay{int(c.EndTime.Hours), int(c.EndTime.Minutes)},
		})
	}
	return slots
}

func hoursConfig(slots []HoursSlot) []*api.HoursOfOperationConfig {
	cfg := make([]*api.HoursOfOperationConfig, 0, len(slots))
	for _, sl := range slots {
		cfg = append(cfg, &api.HoursOfOperationConfig{
			Day:       sl.Day,
			StartTime: &api.HoursOfOperationTimeSlice{Hours: int32(sl.Start.Hours), Minutes: int32(sl.Start.Minutes)},
			EndTime:   &api.HoursOfOperationTimeSlice{Hours: int32(sl.End.Hours), Minutes: int32(sl.End.Minutes)},
		})
	}
	return cfg
}

// parentHours resolves the parent hours of operation a create names; each
// must exist in the instance. A parent named twice is kept once.
func (s *Service) parentHours(tx store.Tx, inst string, parents []*api.ParentHoursOfOperationConfig) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, p := range parents {
		if p == nil || p.HoursOfOperationId == nil {
			return nil, invalidParam("each ParentHoursOfOperationConfigs entry needs a HoursOfOperationId")
		}
		_, parent, err := loadRecord[hoursRecord](s, tx, inst, kindHours, *p.HoursOfOperationId)
		if err != nil {
			return nil, err
		}
		if !seen[parent.ID] {
			seen[parent.ID] = true
			ids = append(ids, parent.ID)
		}
	}
	return ids, nil
}

func (s *Service) createHours(ctx context.Context, in *api.CreateHoursOfOperationRequest) (*api.CreateHoursOfOperationResponse, error) {
	if err := checkTimeZone(in.TimeZone); err != nil {
		return nil, err
	}
	rec := &hoursRecord{
		HoursOfOperation: HoursOfOperation{ID: newID(), Name: in.Name, TimeZone: in.TimeZone, Config: hoursSlots(in.Config)},
		Description:      deref(in.Description),
		Tags:             in.Tags,
	}
	inst, err := s.updateInstance(ctx, in.InstanceId, func(tx store.RwTx, inst string) error {
		var err error
		if rec.Parents, err = s.parentHours(tx, inst, in.ParentHoursOfOperationConfigs); err != nil {
			return err
		}
		return insertRecord(s, tx, inst, kindHours, s.cfg.Quotas.HoursPerInstance, rec.ID, rec.Name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateHoursOfOperationResponse{
		HoursOfOperationId:  &rec.ID,
		HoursOfOperationArn: ptr(s.arn(inst, kindHours, rec.ID)),
	}, nil
}

func (s *Service) describeHours(ctx context.Context, in *api.DescribeHoursOfOperationRequest) (*api.DescribeHoursOfOperationResponse, error) {
	var out *api.DescribeHoursOfOperationResponse
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[hoursRecord](s, tx, in.InstanceId, kindHours, in.HoursOfOperationId)
		if err != nil {
			return err
		}
		h := &api.HoursOfOperation{
			HoursOfOperationId: ptr(rec.ID), HoursOfOperationArn: ptr(s.arn(inst, kindHours, rec.ID)),
			Name: ptr(rec.Name), Description: optional(rec.Description), TimeZone: ptr(rec.TimeZone),
			Config: hoursConfig(rec.Config), Tags: rec.Tags,
			LastModifiedTime: awsmodel.NewTimestamp(rec.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		}
		for _, id := range rec.Parents {
			// A parent cannot be deleted while it has children, so it is there.
			parent, _, err := store.GetJSON[hoursRecord](tx, recordKey(inst, kindHours, id))
			if err != nil {
				return err
			}
			h.ParentHoursOfOperations = append(h.ParentHoursOfOperations, &api.HoursOfOperationsIdentifier{
				Id: id, Name: parent.Name, Arn: ptr(s.arn(inst, kindHours, id)),
			})
		}
		out = &api.DescribeHoursOfOperationResponse{HoursOfOperation: h}
		return nil
	})
	return out, err
}

func (s *Service) listHours(ctx context.Context, in *api.ListHoursOfOperationsRequest) (*api.ListHoursOfOperationsResponse, error) {
	out := &api.ListHoursOfOperationsResponse{HoursOfOperationSummaryList: []*api.HoursOfOperationSummary{}}
	var err error
	out.NextToken, err = listRecords(ctx, s, in.InstanceId, kindHours, func(inst string) pageRequest {
		return pageRequest{scope: "hours/" + inst, token: in.NextToken, max: maxResults(in.MaxResults, 100)}
	}, nil, func(inst string, r *hoursRecord) {
		out.HoursOfOperationSummaryList = append(out.HoursOfOperationSummaryList, &api.HoursOfOperationSummary{
			Arn: ptr(s.arn(inst, kindHours, r.ID)), Id: ptr(r.ID), Name: ptr(r.Name),
			LastModifiedTime: awsmodel.NewTimestamp(r.LastModified), LastModifiedRegion: ptr(s.cfg.Region),
		})
	})
	return out, err
}

func (s *Service) updateHours(ctx context.Context, in *api.UpdateHoursOfOperationRequest) (*struct{}, error) {
	if in.TimeZone != nil {
		if err := checkTimeZone(*in.TimeZone); err != nil {
			return nil, err
		}
	}
	return nil, modifyRecord(ctx, s, in.InstanceId, kindHours, in.HoursOfOperationId, func(tx store.RwTx, inst string, rec *hoursRecord) error {
		if err := rename(tx, inst, kindHours, rec.ID, &rec.Name, in.Name); err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.TimeZone != nil {
			rec.TimeZone = *in.TimeZone
		}
		// An empty Config is a schedule that is never open; only an absent
		// one leaves the schedule alone.
		if in.Config != nil {
			rec.Config = hoursSlots(in.Config)
		}
		return nil
	})
}

func (s *Service) deleteHours(ctx context.Context, in *api.DeleteHoursOfOperationRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := loadRecord[hoursRecord](s, tx, in.InstanceId, kindHours, in.HoursOfOperationId)
		if err != nil {
			return err
		}
		if err := s.checkHoursUnused(tx, inst, rec.ID); err != nil {
			return err
		}
		return dropRecord(tx, inst, kindHours, rec.ID, rec.Name)
	})
}

// checkHoursUnused answers ResourceInUseException while a queue or another
// hours of operation refers to hours id; the message names the referrer to
// change first. ResourceType and ResourceId name the hours themselves, the
// resource in use, as ReleasePhoneNumber does with PHONE_NUMBER; the
// model's ResourceType enum has no value for hours, so the type is spelled
// as Connect spells it elsewhere.
func (s *Service) checkHoursUnused(tx store.Tx, inst, id string) error {
	inUse := func(k kind, refID, refName string) error {
		return apierr.New(codeInUse, "hours of operation %s is in use by %s %q (%s); change that first",
			id, k.label, refName, refID).
			With("ResourceType", "HOURS_OF_OPERATION").
			With("ResourceId", s.arn(inst, kindHours, id))
	}
	err := eachRecord(tx, inst, kindQueue, func(q *queueRecord) error {
		if q.HoursOfOperationID == id {
			return inUse(kindQueue, q.ID, q.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return eachRecord(tx, inst, kindHours, func(h *hoursRecord) error {
		if slices.Contains(h.Parents, id) {
			return inUse(kindHours, h.ID, h.Name)
		}
		return nil
	})
}
