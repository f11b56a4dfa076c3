package contacts

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
)

// Register adds the contact operations to the Connect edge service.
func (s *Service) Register(e *edge.Service) {
	edge.Handle(e, "DescribeContact", s.describeContact)
	edge.Handle(e, "GetContactAttributes", s.getContactAttributes)
	edge.Handle(e, "UpdateContactAttributes", s.updateContactAttributes)
	edge.Handle(e, "StopContact", s.stopContact)
	edge.Handle(e, "SearchContacts", s.searchContacts)
}

// instance resolves a request's instance reference (an id or ARN) to the
// id of an existing instance.
func (s *Service) instance(ctx context.Context, ref string) (string, error) {
	if s.cfg.Connect == nil {
		return ref, nil
	}
	return s.cfg.Connect.InstanceID(ctx, ref)
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timestamp(t time.Time) *awsmodel.Timestamp {
	if t.IsZero() {
		return nil
	}
	return awsmodel.NewTimestamp(t)
}

func endpoint(e Endpoint) *api.EndpointInfo {
	if e == (Endpoint{}) {
		return nil
	}
	return &api.EndpointInfo{Type: optional(e.Type), Address: optional(e.Address)}
}

// attributes returns a copy of m that is never nil, so the wire shows {}.
func attributes(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

func (s *Service) describeContact(ctx context.Context, in *api.DescribeContactRequest) (*api.DescribeContactResponse, error) {
	inst, err := s.instance(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	r, err := s.Get(ctx, inst, in.ContactId)
	if err != nil {
		return nil, err
	}
	c := &api.Contact{
		Arn: ptr(r.ARN), Id: ptr(r.ContactID), InitialContactId: ptr(r.InitialContactID),
		PreviousContactId: optional(r.PreviousContactID), RelatedContactId: optional(r.RelatedContactID),
		InitiationMethod: optional(r.InitiationMethod), Channel: optional(r.Channel),
		Name: optional(r.Name), Description: optional(r.Description),
		CustomerEndpoint: endpoint(r.CustomerEndpoint), SystemEndpoint: endpoint(r.SystemEndpoint),
		InitiationTimestamp:             timestamp(r.InitiationTimestamp),
		ConnectedToSystemTimestamp:      timestamp(r.ConnectedToSystemTimestamp),
		DisconnectTimestamp:             timestamp(r.DisconnectTimestamp),
		LastUpdateTimestamp:             timestamp(r.LastUpdateTimestamp),
		DisconnectReason:                optional(r.DisconnectReason),
		Attributes:                      attributes(r.Attributes),
		AnsweringMachineDetectionStatus: optional(r.AnsweringMachineDetectionStatus),
	}
	if r.CampaignID != "" {
		c.Campaign = &api.Campaign{CampaignId: ptr(r.CampaignID)}
	}
	if len(r.Tags) > 0 {
		c.Tags = maps.Clone(r.Tags)
	}
	if r.Queue != nil {
		c.QueueInfo = &api.QueueInfo{Id: ptr(r.Queue.ID), EnqueueTimestamp: timestamp(r.Queue.EnqueueTimestamp)}
	}
	return &api.DescribeContactResponse{Contact: c}, nil
}

func (s *Service) getContactAttributes(ctx context.Context, in *api.GetContactAttributesRequest) (*api.GetContactAttributesResponse, error) {
	inst, err := s.instance(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	r, err := s.Get(ctx, inst, in.InitialContactId)
	if err != nil {
		return nil, err
	}
	return &api.GetContactAttributesResponse{Attributes: attributes(r.Attributes)}, nil
}

// updateContactAttributes merges the request into the contact's attributes,
// on a live or an ended contact. The key rule applies to the keys written;
// the size limit to the map as it would be after the merge, so a request
// that would overflow it changes nothing.
func (s *Service) updateContactAttributes(ctx context.Context, in *api.UpdateContactAttributesRequest) (*struct{}, error) {
	if err := checkAttributeKeys(in.Attributes); err != nil {
		return nil, err
	}
	inst, err := s.instance(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	live := false
	err = s.update(ctx, inst, in.InitialContactId, func(r *Record) error {
		merged := attributes(r.Attributes)
		maps.Copy(merged, in.Attributes)
		if err := s.checkAttributeSize(merged); err != nil {
			return err
		}
		if r.State != nil {
			state, err := mergeStateAttributes(r.State, in.Attributes)
			if err != nil {
				return err
			}
			r.State = state
		}
		r.Attributes, live = merged, !r.Ended()
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	if live && s.cfg.OnAttributes != nil {
		s.cfg.OnAttributes(ctx, inst, in.InitialContactId, maps.Clone(in.Attributes))
	}
	return nil, nil
}

// mergeStateAttributes writes attrs into the Attributes of a live
// contact's engine state (interp.Contact as JSON), leaving every other
// member byte for byte, so a flow that resumes from the store sees them.
func mergeStateAttributes(state json.RawMessage, attrs map[string]string) (json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(state, &doc); err != nil {
		return nil, err
	}
	var cur map[string]string
	if raw, ok := doc["Attributes"]; ok {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return nil, err
		}
	}
	if cur == nil {
		cur = map[string]string{}
	}
	maps.Copy(cur, attrs)
	raw, err := json.Marshal(cur)
	if err != nil {
		return nil, err
	}
	doc["Attributes"] = raw
	return json.Marshal(doc)
}

// unstoppable are the initiation methods whose voice contacts StopContact
// refuses (the API reference); chats and tasks stop in any state.
var unstoppable = []string{"DISCONNECT", "TRANSFER", "QUEUE_TRANSFER", "EXTERNAL_OUTBOUND", "MONITOR"}

// DisconnectAPI is the disconnect reason Amazon Connect records for a
// contact ended by StopContact.
const DisconnectAPI = "API"

func (s *Service) stopContact(ctx context.Context, in *api.StopContactRequest) (*struct{}, error) {
	inst, err := s.instance(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	gone := func() error {
		return apierr.New("ContactNotFoundException", "contact %s is not an active contact of instance %s: it does not exist or has already ended", in.ContactId, inst)
	}
	reason := DisconnectAPI
	if in.DisconnectReason != nil && in.DisconnectReason.Code != nil && *in.DisconnectReason.Code != "" {
		reason = *in.DisconnectReason.Code
	}
	err = s.Update(ctx, inst, in.ContactId, func(r *Record) error {
		if r.Ended() {
			return gone()
		}
		if r.Channel == "VOICE" && slices.Contains(unstoppable, r.InitiationMethod) {
			return apierr.New("InvalidRequestException", "StopContact cannot end a voice contact initiated by %s", r.InitiationMethod)
		}
		r.DisconnectTimestamp = s.clock.Now().UTC()
		r.DisconnectReason = reason
		r.State = nil // an ended contact keeps no engine state
		return nil
	})
	if apierr.Is(err, "ResourceNotFoundException") {
		return nil, gone()
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.OnStop != nil {
		s.cfg.OnStop(ctx, inst, in.ContactId)
	}
	return nil, nil
}

// Criteria of SearchContacts that Hotline cannot apply; a search that uses
// one is refused rather than answered as if it were not there.
func unsupportedCriteria(c *api.SearchCriteria) string {
	switch {
	case c.AdditionalTimeRange != nil:
		return "AdditionalTimeRange"
	case c.ContactAnalysis != nil:
		return "ContactAnalysis"
	case c.ContactTags != nil:
		return "ContactTags"
	case c.Name != nil:
		return "Name"
	case c.RoutingCriteria != nil:
		return "RoutingCriteria"
	case c.SearchableContactAttributes != nil:
		return "SearchableContactAttributes"
	case c.SearchableSegmentAttributes != nil:
		return "SearchableSegmentAttributes"
	}
	return ""
}

// agentCriteria reports whether c asks for contacts an agent handled: none
// has been, since Hotline has no agents.
func agentCriteria(c *api.SearchCriteria) bool {
	if len(c.AgentIds) > 0 {
		return true
	}
	g := c.AgentHierarchyGroups
	return g != nil && len(g.L1Ids)+len(g.L2Ids)+len(g.L3Ids)+len(g.L4Ids)+len(g.L5Ids) > 0
}

func (s *Service) searchContacts(ctx context.Context, in *api.SearchContactsRequest) (*api.SearchContactsResponse, error) {
	tr := in.TimeRange
	if tr == nil {
		return nil, apierr.New("InvalidParameterException", "TimeRange is required")
	}
	if tr.EndTime.Before(tr.StartTime.Time) {
		return nil, apierr.New("InvalidParameterException", "TimeRange.EndTime %s is before StartTime %s",
			tr.EndTime.UTC().Format(time.RFC3339Nano), tr.StartTime.UTC().Format(time.RFC3339Nano))
	}
	q := Query{
		TimeField: tr.Type, From: tr.StartTime.Time, To: tr.EndTime.Time,
		Descending: true, NextToken: deref(in.NextToken),
	}
	if in.MaxResults != nil {
		q.Limit = int(*in.MaxResults)
	}
	if in.Sort != nil {
		if in.Sort.FieldName != TimeInitiation {
			return nil, apierr.New("InvalidParameterException", "Sort.FieldName %s is not supported by Hotline yet; sort by INITIATION_TIMESTAMP", in.Sort.FieldName)
		}
		q.Descending = in.Sort.Order != "ASCENDING"
	}
	none := false // the criteria select nothing a Hotline contact can have
	if c := in.SearchCriteria; c != nil {
		if name := unsupportedCriteria(c); name != "" {
			return nil, apierr.New("InvalidParameterException", "SearchCriteria.%s is not supported by Hotline yet", name)
		}
		q.Channels, q.InitiationMethods, q.QueueIDs = c.Channels, c.InitiationMethods, c.QueueIds
		none = agentCriteria(c) || len(c.ActiveRegions) > 0 && !slices.Contains(c.ActiveRegions, s.cfg.Region)
	}
	inst, err := s.instance(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	q.InstanceID = inst
	out := &api.SearchContactsResponse{Contacts: []*api.ContactSearchSummary{}, TotalCount: ptr(int64(0))}
	if none {
		return out, nil
	}
	page, err := s.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	out.TotalCount = ptr(int64(page.Total))
	if page.NextToken != "" {
		out.NextToken = ptr(page.NextToken)
	}
	for _, r := range page.Records {
		sum := &api.ContactSearchSummary{
			Arn: ptr(r.ARN), Id: ptr(r.ContactID), InitialContactId: ptr(r.InitialContactID),
			PreviousContactId: optional(r.PreviousContactID), InitiationMethod: optional(r.InitiationMethod),
			Channel: optional(r.Channel), Name: optional(r.Name),
			InitiationTimestamp: timestamp(r.InitiationTimestamp), DisconnectTimestamp: timestamp(r.DisconnectTimestamp),
		}
		if r.Queue != nil {
			sum.QueueInfo = &api.ContactSearchSummaryQueueInfo{Id: ptr(r.Queue.ID), EnqueueTimestamp: timestamp(r.Queue.EnqueueTimestamp)}
		}
		if len(r.Tags) > 0 {
			sum.Tags = maps.Clone(r.Tags)
		}
		out.Contacts = append(out.Contacts, sum)
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
