// Package contacts owns contacts as durable records: the engine state a
// live contact is parked in, the contact record Amazon Connect would keep
// (ids, channel, initiation method, timestamps, queue, attributes,
// recording, disconnect reason), the report that explains the call, the
// Connect contact APIs that read and change them, and the contact events
// (Amazon Connect's, EventBridge-shaped) that their changes emit, kept in
// an outbox written in the same transaction as the change.
package contacts

import (
	"encoding/json"
	"time"
)

// Record is one contact. It is stored whole at every wait point of a live
// contact and once more when the contact ends.
type Record struct {
	InstanceID        string
	ContactID         string
	InitialContactID  string
	PreviousContactID string `json:",omitempty"`
	RelatedContactID  string `json:",omitempty"`
	ARN               string
	Channel           string // VOICE
	InitiationMethod  string // INBOUND, OUTBOUND, API, TRANSFER, CALLBACK, ...
	Name              string `json:",omitempty"`
	Description       string `json:",omitempty"`

	CustomerEndpoint Endpoint
	SystemEndpoint   Endpoint

	InitiationTimestamp time.Time
	// ConnectedToSystemTimestamp is when the call was answered (outbound) or
	// reached the flow (inbound); zero before that.
	ConnectedToSystemTimestamp time.Time `json:",omitzero"`
	DisconnectTimestamp        time.Time `json:",omitzero"`
	LastUpdateTimestamp        time.Time
	// DisconnectReason as Amazon Connect records it: CUSTOMER_DISCONNECT,
	// CONTACT_FLOW_DISCONNECT, TELECOM_PROBLEM, API, OUTBOUND_DESTINATION_ENDPOINT_ERROR, ...
	DisconnectReason string `json:",omitempty"`

	Queue      *QueueInfo        `json:",omitempty"`
	Attributes map[string]string `json:",omitempty"`
	Recording  *Recording        `json:",omitempty"`
	Tags       map[string]string `json:",omitempty"`

	// ClientToken is the idempotency token the contact was started with.
	ClientToken string `json:",omitempty"`
	// CampaignID is the outbound campaign the contact was started for.
	CampaignID string `json:",omitempty"`
	// AnsweringMachineDetectionStatus is what answering-machine detection
	// concluded (HUMAN_ANSWERED, VOICEMAIL_BEEP, SIT_TONE_BUSY, ...), for an
	// outbound call that asked for it.
	AnsweringMachineDetectionStatus string `json:",omitempty"`

	// State is the engine's contact (interp.Contact as JSON) while the
	// contact is live; nil once it has ended.
	State json.RawMessage `json:",omitempty"`
	// Report explains the call: every prompt, key, function call, attribute
	// change and branch, and how it ended.
	Report *Report `json:",omitempty"`
}

// Ended reports whether the contact is over.
func (r *Record) Ended() bool { return !r.DisconnectTimestamp.IsZero() }

// Endpoint is a customer or system endpoint.
type Endpoint struct {
	Type    string `json:",omitempty"` // TELEPHONE_NUMBER
	Address string `json:",omitempty"`
}

// QueueInfo is the queue a contact was placed in.
type QueueInfo struct {
	ID               string
	ARN              string
	Name             string
	EnqueueTimestamp time.Time
}

// Recording is the recording and analytics behaviour in force when the
// contact was queued.
type Recording struct {
	RecordedParticipants []string `json:",omitempty"` // AGENT, CUSTOMER
	ScreenRecording      bool     `json:",omitempty"`
	Analytics            string   `json:",omitempty"` // POST_CALL, REAL_TIME, or ""
	Redaction            string   `json:",omitempty"`
}

// Report is the explanation of one call, as `hotline call --json` prints it.
type Report struct {
	ContactID string  `json:"contactId"`
	Events    []Event `json:"events"`
	Outcome   Outcome `json:"outcome"`
}

// Event is one thing that happened on the call. At is seconds from the
// start of the call on the call's (virtual) clock.
type Event struct {
	At     float64 `json:"at"`
	Type   string  `json:"type"` // prompt, input, lambda, attribute, branch, error, queue, transfer, disconnect, ...
	Action string  `json:"action,omitempty"`
	// Detail holds the event's fields (text, keys, request, response, ...).
	Detail Detail `json:"detail,omitempty"`
}

// Outcome is how the call ended.
type Outcome struct {
	Disposition   string     `json:"disposition"` // QUEUED, TRANSFERRED, DISCONNECTED, CUSTOMER_HUNG_UP, ERROR
	Queue         *QueueRef  `json:"queue,omitempty"`
	TransferredTo string     `json:"transferredTo,omitempty"`
	Recording     *Recording `json:"recording,omitempty"`
	AgentWhisper  []string   `json:"agentWhisper,omitempty"` // what the agent would hear
	Error         string     `json:"error,omitempty"`
}

// QueueRef names a queue in an outcome.
type QueueRef struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}
