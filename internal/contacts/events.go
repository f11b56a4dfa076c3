package contacts

import (
	"maps"
	"slices"
	"time"
)

// Contact events are Amazon Connect's contact events (the EventBridge
// "Amazon Connect Contact Event"), derived from the changes of contact
// records: a write that makes a contact reach a stage of its life emits
// that stage's event, in the same store transaction (see outbox.go).

// The contact event types Hotline emits (detail.eventType).
const (
	EventInitiated         = "INITIATED"
	EventConnectedToSystem = "CONNECTED_TO_SYSTEM"
	EventQueued            = "QUEUED"
	EventDisconnected      = "DISCONNECTED"
	EventDataUpdated       = "CONTACT_DATA_UPDATED"
)

// EventTypes are every value of detail.eventType Amazon Connect documents.
// Hotline emits the five above; the others (agents, tasks, after-contact
// work) are accepted in filters, as code written for AWS names them, and
// never match.
var EventTypes = []string{
	EventInitiated, EventConnectedToSystem, EventDataUpdated, EventQueued,
	"CONNECTED_TO_AGENT", EventDisconnected, "PAUSED", "RESUMED", "COMPLETED",
}

// The envelope's constant members, as EventBridge delivers Connect's events.
const (
	EventSource     = "aws.connect"
	EventDetailType = "Amazon Connect Contact Event"
)

// UpdatedAttributes is the UpdatedProperties value of a CONTACT_DATA_UPDATED
// event for a change of user-defined attributes.
const UpdatedAttributes = "UserDefinedAttributes"

// ContactEvent is one contact event in the EventBridge envelope, member
// for member as Amazon Connect publishes it.
type ContactEvent struct {
	Version    string `json:"version"`
	ID         string `json:"id"`
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Account    string `json:"account"`
	// Time is when the contact reached the event's stage, to the second
	// (EventBridge's format: 2006-01-02T15:04:05Z).
	Time      string        `json:"time"`
	Region    string        `json:"region"`
	Resources []string      `json:"resources"` // the instance ARN, then the contact ARN
	Detail    ContactDetail `json:"detail"`
}

// ContactDetail is the detail of a contact event. Timestamps are UTC with
// milliseconds (2006-01-02T15:04:05.000Z), as Connect writes them.
type ContactDetail struct {
	EventType                       string            `json:"eventType"`
	ContactID                       string            `json:"contactId"`
	InitialContactID                string            `json:"initialContactId,omitempty"`
	PreviousContactID               string            `json:"previousContactId,omitempty"`
	RelatedContactID                string            `json:"relatedContactId,omitempty"`
	Channel                         string            `json:"channel"`
	InstanceARN                     string            `json:"instanceArn"`
	InitiationMethod                string            `json:"initiationMethod"`
	InitiationTimestamp             string            `json:"initiationTimestamp,omitempty"`
	ConnectedToSystemTimestamp      string            `json:"connectedToSystemTimestamp,omitempty"`
	DisconnectTimestamp             string            `json:"disconnectTimestamp,omitempty"`
	DisconnectReason                string            `json:"disconnectReason,omitempty"`
	AnsweringMachineDetectionStatus string            `json:"answeringMachineDetectionStatus,omitempty"`
	QueueInfo                       *EventQueueInfo   `json:"queueInfo,omitempty"`
	CustomerEndpoint                *EventEndpoint    `json:"customerEndpoint,omitempty"`
	SystemEndpoint                  *EventEndpoint    `json:"systemEndpoint,omitempty"`
	Campaign                        *EventCampaign    `json:"campaign,omitempty"`
	UpdatedProperties               []string          `json:"updatedProperties,omitempty"`
	Tags                            map[string]string `json:"tags,omitempty"`
}

// EventQueueInfo is the queue a contact event's contact is in.
type EventQueueInfo struct {
	QueueARN         string `json:"queueArn"`
	QueueType        string `json:"queueType"` // STANDARD: Hotline has no agent queues
	EnqueueTimestamp string `json:"enqueueTimestamp,omitempty"`
}

// EventEndpoint is a customer or system endpoint in a contact event.
type EventEndpoint struct {
	Type    string `json:"type,omitempty"`
	Address string `json:"address,omitempty"`
}

// EventCampaign is the outbound campaign a contact was started for.
type EventCampaign struct {
	CampaignID string `json:"campaignId"`
}

// stage orders the lifecycle events: an event shows what the contact had
// reached by its stage, so when one write makes a contact initiated,
// queued and disconnected at once (a simulated call stored at its end),
// its INITIATED event carries no queue and no disconnect time, as it would
// have when emitted live.
type stage int

const (
	stageInitiated stage = iota
	stageConnected
	stageQueued
	stageDisconnected
	stageAll // CONTACT_DATA_UPDATED: the contact as it is now
)

// lifecycle is what event derivation compares between the record before
// and after a write: cheap to take before a change function runs.
type lifecycle struct {
	exists    bool
	connected time.Time
	queueID   string
	enqueued  time.Time
	ended     time.Time
}

func lifecycleOf(r *Record) lifecycle {
	if r == nil {
		return lifecycle{}
	}
	l := lifecycle{exists: true, connected: r.ConnectedToSystemTimestamp, ended: r.DisconnectTimestamp}
	if r.Queue != nil {
		l.queueID, l.enqueued = r.Queue.ID, r.Queue.EnqueueTimestamp
	}
	return l
}

// connectsToSystem reports whether Connect emits CONNECTED_TO_SYSTEM for
// r: its documentation says the event is generated for outbound calls,
// tasks and chats, and that ConnectedToSystemTimestamp is the answer for
// OUTBOUND, CALLBACK and API voice contacts; an inbound call's equals its
// initiation and gets no event of its own.
func connectsToSystem(r *Record) bool {
	return r.Channel != "VOICE" || slices.Contains([]string{"OUTBOUND", "CALLBACK", "API"}, r.InitiationMethod)
}

// transitions returns the event types a write from before to r emits, in
// lifecycle order. updated lists the properties the write changed on a
// caller's request (UpdateContactAttributes); a non-empty list adds a
// CONTACT_DATA_UPDATED event.
func transitions(before lifecycle, r *Record, updated []string) []string {
	after := lifecycleOf(r)
	var out []string
	if !before.exists {
		out = append(out, EventInitiated)
	}
	if before.connected.IsZero() && !after.connected.IsZero() && connectsToSystem(r) {
		out = append(out, EventConnectedToSystem)
	}
	if after.queueID != "" && (after.queueID != before.queueID || !after.enqueued.Equal(before.enqueued)) {
		out = append(out, EventQueued)
	}
	if before.ended.IsZero() && !after.ended.IsZero() {
		out = append(out, EventDisconnected)
	}
	if len(updated) > 0 {
		out = append(out, EventDataUpdated)
	}
	return out
}

func stageOf(eventType string) stage {
	switch eventType {
	case EventInitiated:
		return stageInitiated
	case EventConnectedToSystem:
		return stageConnected
	case EventQueued:
		return stageQueued
	case EventDisconnected:
		return stageDisconnected
	}
	return stageAll
}

// Timestamp formats of contact events.
const (
	eventTimeFormat  = "2006-01-02T15:04:05Z"
	detailTimeFormat = "2006-01-02T15:04:05.000Z"
)

func detailTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(detailTimeFormat)
}

// InstanceARN returns the ARN of an instance.
func (s *Service) InstanceARN(instanceID string) string {
	return "arn:aws:connect:" + s.cfg.Region + ":" + s.cfg.AccountID + ":instance/" + instanceID
}

// contactEvent builds the event of type typ for r as it stands after the
// write, showing only what r had reached by the event's stage. id is the
// event's id.
func (s *Service) contactEvent(typ, id string, r *Record, updated []string) *ContactEvent {
	st := stageOf(typ)
	inst := s.InstanceARN(r.InstanceID)
	d := ContactDetail{
		EventType: typ, ContactID: r.ContactID, InitialContactID: r.InitialContactID,
		PreviousContactID: r.PreviousContactID, RelatedContactID: r.RelatedContactID,
		Channel: r.Channel, InstanceARN: inst, InitiationMethod: r.InitiationMethod,
		InitiationTimestamp: detailTime(r.InitiationTimestamp),
	}
	if e := r.CustomerEndpoint; e != (Endpoint{}) {
		d.CustomerEndpoint = &EventEndpoint{Type: e.Type, Address: e.Address}
	}
	if e := r.SystemEndpoint; e != (Endpoint{}) {
		d.SystemEndpoint = &EventEndpoint{Type: e.Type, Address: e.Address}
	}
	if r.CampaignID != "" {
		d.Campaign = &EventCampaign{CampaignID: r.CampaignID}
	}
	// Connect tags every contact with its instance and system endpoint.
	d.Tags = map[string]string{"aws:connect:instanceId": r.InstanceID}
	if r.SystemEndpoint.Address != "" {
		d.Tags["aws:connect:systemEndpoint"] = r.SystemEndpoint.Address
	}
	maps.Copy(d.Tags, r.Tags)
	at := r.InitiationTimestamp
	if st >= stageConnected && !r.ConnectedToSystemTimestamp.IsZero() {
		d.ConnectedToSystemTimestamp = detailTime(r.ConnectedToSystemTimestamp)
		d.AnsweringMachineDetectionStatus = r.AnsweringMachineDetectionStatus
		at = r.ConnectedToSystemTimestamp
	}
	if st >= stageQueued && r.Queue != nil {
		d.QueueInfo = &EventQueueInfo{QueueARN: r.Queue.ARN, QueueType: "STANDARD", EnqueueTimestamp: detailTime(r.Queue.EnqueueTimestamp)}
		if !r.Queue.EnqueueTimestamp.IsZero() {
			at = r.Queue.EnqueueTimestamp
		}
	}
	if st >= stageDisconnected && r.Ended() {
		d.DisconnectTimestamp = detailTime(r.DisconnectTimestamp)
		d.DisconnectReason = r.DisconnectReason
		// Detection concludes before the contact ends, whether or not
		// anyone answered (SIT_TONE_BUSY, AMD_UNANSWERED, ...).
		d.AnsweringMachineDetectionStatus = r.AnsweringMachineDetectionStatus
		at = r.DisconnectTimestamp
	}
	if st == stageAll {
		d.UpdatedProperties = updated
		at = r.LastUpdateTimestamp
	}
	if at.IsZero() {
		at = r.LastUpdateTimestamp
	}
	return &ContactEvent{
		Version: "0", ID: id, DetailType: EventDetailType, Source: EventSource,
		Account: s.cfg.AccountID, Time: at.UTC().Format(eventTimeFormat), Region: s.cfg.Region,
		Resources: []string{inst, r.ARN}, Detail: d,
	}
}
