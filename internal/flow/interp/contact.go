package interp

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Contact is the durable state of one contact: everything the engine needs
// to advance it, and nothing else. It is plain data that round-trips through
// encoding/json, so a caller stores it at every wait and any process can
// resume it. Maps and slices are nil until used, to keep a parked contact small.
//
// The fields before Frames describe the contact and live across flows
// (reference §5 lifetimes); Frames hold what lives only for one flow
// execution; the rest is the engine's bookkeeping.
type Contact struct {
	ContactID         string `json:"ContactId"`
	InitialContactID  string `json:"InitialContactId,omitempty"`  // defaults to ContactID
	PreviousContactID string `json:"PreviousContactId,omitempty"` // defaults to ContactID in the Lambda event
	// RelatedContactID is the contact UpdateContactAttributes with
	// TargetContact "Related" writes to; "" when there is none.
	RelatedContactID string   `json:"RelatedContactId,omitempty"`
	Channel          string   `json:"Channel"`                    // VOICE
	InitiationMethod string   `json:"InitiationMethod,omitempty"` // INBOUND, OUTBOUND, TRANSFER, ...
	InstanceARN      string   `json:"InstanceARN,omitempty"`
	CustomerEndpoint Endpoint `json:"CustomerEndpoint,omitzero"`
	SystemEndpoint   Endpoint `json:"SystemEndpoint,omitzero"`

	CustomerID   string               `json:"CustomerId,omitempty"`
	Name         string               `json:"Name,omitempty"`
	Description  string               `json:"Description,omitempty"`
	References   map[string]Reference `json:"References,omitempty"`
	LanguageCode string               `json:"LanguageCode,omitempty"` // "" means en-US
	Voice        Voice                `json:"Voice,omitzero"`
	// Queue is the working queue (UpdateContactTargetQueue); zero when unset.
	Queue QueueRef `json:"Queue,omitzero"`
	// Attributes are the user-defined contact attributes, $.Attributes.
	Attributes map[string]string `json:"Attributes,omitempty"`
	// Customer is $.Customer: the profile the Customer Profiles actions
	// found, created or updated, by field name (ProfileId, FirstName,
	// Attributes.tier, ...).
	Customer       map[string]string `json:"Customer,omitempty"`
	CallbackNumber string            `json:"CallbackNumber,omitempty"`
	Recording      Recording         `json:"Recording,omitzero"`
	// RecordingAndAnalytics keeps the last UpdateContactRecordingAndAnalyticsBehavior
	// setting per channel object (VoiceBehavior, ChatBehavior, ...) verbatim,
	// references resolved; its fields have no engine meaning.
	RecordingAndAnalytics map[string]json.RawMessage `json:"RecordingAndAnalytics,omitempty"`
	// EventHooks maps a hook (CustomerQueue, AgentWhisper, ...) to a flow id;
	// "" means execution disabled by EventHooksConfiguration.
	EventHooks     map[string]string `json:"EventHooks,omitempty"`
	FlowLogging    bool              `json:"FlowLogging,omitempty"`
	MediaStreaming MediaStreaming    `json:"MediaStreaming,omitzero"`
	Routing        Routing           `json:"Routing,omitzero"`
	// RoutingCriteria is the last UpdateContactRoutingCriteria (or
	// UpdateRoutingCriteria) setting, references resolved, for the router.
	RoutingCriteria json.RawMessage `json:"RoutingCriteria,omitempty"`
	// Queued is set once TransferContactToQueue placed the contact in a queue.
	Queued bool `json:"Queued,omitempty"`

	// Frames is the flow call stack: Frames[0] is the running flow, a second
	// frame a module it invoked. Empty when no flow is running.
	Frames []Frame `json:"Frames,omitempty"`
	// Wait is what the contact is parked on; zero when it is not parked.
	Wait Wait `json:"Wait,omitzero"`

	// Executed counts the actions run over the contact's life (runaway guard).
	Executed uint32 `json:"Executed,omitempty"`
	// Rand is the state of the contact's own random source
	// (DistributeByPercentage); zero seeds it from ContactID.
	Rand uint64 `json:"Rand,omitempty"`
	// Clock is the time of the last event accepted; events may not go back.
	Clock time.Time `json:"Clock,omitzero"`

	Ended            bool   `json:"Ended,omitempty"`
	DisconnectReason string `json:"DisconnectReason,omitempty"` // CUSTOMER_DISCONNECT, CONTACT_FLOW_DISCONNECT
	// Fault is set when the engine stopped the contact because it could not
	// go on (an action it does not implement, a runaway loop, ...).
	Fault string `json:"Fault,omitempty"`
}

// Endpoint is a customer or system endpoint.
type Endpoint struct {
	Address string `json:"Address,omitempty"`
	Type    string `json:"Type,omitempty"` // "" means TELEPHONE_NUMBER
}

// Reference is one entry of $.References.
type Reference struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// Voice is the text-to-speech voice (UpdateContactTextToSpeechVoice).
type Voice struct {
	ID     string `json:"Id,omitempty"` // "" means Joanna
	Engine string `json:"Engine,omitempty"`
	Style  string `json:"Style,omitempty"`
}

// QueueRef is the working queue as $.Queue shows it.
type QueueRef struct {
	ID                     string `json:"Id"`
	ARN                    string `json:"ARN,omitempty"`
	Name                   string `json:"Name,omitempty"`
	OutboundCallerIDNumber string `json:"OutboundCallerIdNumber,omitempty"`
}

// Recording is the UpdateContactRecordingBehavior setting.
type Recording struct {
	Agent    bool `json:"Agent,omitempty"`
	Customer bool `json:"Customer,omitempty"`
	Screen   bool `json:"Screen,omitempty"` // agent screen recording
	IVR      bool `json:"IVR,omitempty"`
	// Set is true once any recording action ran, so that "record nobody"
	// can be told from "never set".
	Set       bool      `json:"Set,omitempty"`
	Analytics Analytics `json:"Analytics,omitzero"`
}

// Analytics is the Contact Lens part of UpdateContactRecordingBehavior.
type Analytics struct {
	Enabled          bool     `json:"Enabled,omitempty"`
	Language         string   `json:"Language,omitempty"`
	Redaction        bool     `json:"Redaction,omitempty"`
	RedactionResults string   `json:"RedactionResults,omitempty"`
	Modes            []string `json:"Modes,omitempty"`
}

// MediaStreaming is the UpdateContactMediaStreamingBehavior state, shown as
// $.MediaStreams.Customer.Audio.
type MediaStreaming struct {
	Enabled bool      `json:"Enabled,omitempty"`
	Started time.Time `json:"Started,omitzero"`
	Stopped time.Time `json:"Stopped,omitzero"`
	// From and To say which directions of the customer's audio are streamed.
	From bool `json:"From,omitempty"`
	To   bool `json:"To,omitempty"`
}

// Routing is the UpdateContactRoutingBehavior setting; zero values mean unset.
type Routing struct {
	Priority       int `json:"Priority,omitempty"`
	TimeAdjustment int `json:"TimeAdjustmentSeconds,omitempty"`
}

// Frame is one flow execution on the call stack. Everything here is "flow
// local" (reference §5): a module gets a fresh frame and TransferToFlow
// replaces the frame, so none of it leaks between flows.
type Frame struct {
	FlowID string `json:"FlowId"`
	Module bool   `json:"Module,omitempty"`
	// Action is the identifier of the action running or parked in this
	// frame; in a caller's frame, the InvokeFlowModule action it waits on.
	// Identifiers, not indexes, so that a republished flow cannot silently
	// resume at a different action.
	Action         string            `json:"Action"`
	FlowAttributes map[string]string `json:"FlowAttributes,omitempty"`
	External       *Data             `json:"External,omitempty"`
	Lex            *Data             `json:"Lex,omitempty"`
	Metrics        *Data             `json:"Metrics,omitempty"`
	StoredInput    string            `json:"StoredCustomerInput,omitempty"`
	// Loops counts Loop iterations per action identifier.
	Loops map[string]int `json:"Loops,omitempty"`
}

// WaitKind says what a parked contact waits for.
type WaitKind uint8

// The waits. The zero WaitKind means the contact is not parked.
const (
	WaitNone       WaitKind = iota
	WaitPrompt              // a MessageParticipant prompt is playing: EventPromptDone
	WaitInput               // GetParticipantInput: keys, EventPromptDone, EventTimeout
	WaitPromptLoop          // MessageParticipantIteratively: EventPromptDone, EventTimeout
	WaitFunction            // InvokeLambdaFunction: EventFunctionResult
	WaitTransfer            // TransferParticipantToThirdParty: EventTransferResult
	WaitBot                 // ConnectParticipantWithLexBot: EventBotResult
	WaitTimer               // Wait: EventTimeout
)

var waitNames = [...]string{"", "prompt", "input", "prompt-loop", "function", "transfer", "bot", "timer"}

func (k WaitKind) String() string {
	if int(k) < len(waitNames) {
		return waitNames[k]
	}
	return "wait?"
}

// MarshalText writes the wait kind by name, for readable stored state.
func (k WaitKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a wait kind written by MarshalText.
func (k *WaitKind) UnmarshalText(b []byte) error {
	for i, n := range waitNames {
		if n == string(b) {
			*k = WaitKind(i)
			return nil
		}
	}
	return errors.New("interp: unknown wait kind " + strconv.Quote(string(b)))
}

// Wait is the wait a contact is parked in.
//
// The engine owns every timer: Deadline is when the caller must deliver
// EventTimeout (with Seq) unless another event comes first. A zero
// Deadline means no timer runs (for input, not until the prompt is done).
type Wait struct {
	Kind WaitKind `json:"Kind,omitzero"`
	// Seq numbers the waits of a contact; effects that expect an answer
	// carry it, and an event that carries a different one is stale.
	Seq      uint32    `json:"Seq,omitempty"`
	Since    time.Time `json:"Since,omitzero"`
	Deadline time.Time `json:"Deadline,omitzero"`
	// Digits are the keys collected so far (WaitInput).
	Digits string `json:"Digits,omitempty"`
	// Playing is true while the input prompt plays (WaitInput).
	Playing bool `json:"Playing,omitempty"`
	// Message is the index of the message playing (WaitPromptLoop).
	Message int `json:"Message,omitempty"`
	// Bridged is true once the third party answered a transfer that
	// continues the flow when they hang up (WaitTransfer).
	Bridged bool `json:"Bridged,omitempty"`
}

// Status is where a contact is in its life.
type Status uint8

// The statuses.
const (
	StatusIdle   Status = iota // no flow running: new, queued, bridged, or between flows
	StatusParked               // a flow is running and waits for an event
	StatusEnded                // disconnected; no event is accepted any more
)

func (s Status) String() string {
	switch s {
	case StatusIdle:
		return "idle"
	case StatusParked:
		return "parked"
	}
	return "ended"
}

// Status says whether the contact is idle, parked in a flow, or ended.
func (c *Contact) Status() Status {
	switch {
	case c.Ended:
		return StatusEnded
	case len(c.Frames) > 0:
		return StatusParked
	}
	return StatusIdle
}

// language returns $.LanguageCode with its default.
func (c *Contact) language() string {
	if c.LanguageCode == "" {
		return "en-US"
	}
	return c.LanguageCode
}

// voiceID returns the text-to-speech voice with its default.
func (c *Contact) voiceID() string {
	if c.Voice.ID == "" {
		return "Joanna"
	}
	return c.Voice.ID
}

func (e Endpoint) typ() string {
	if e.Type == "" {
		return "TELEPHONE_NUMBER"
	}
	return e.Type
}

func (c *Contact) top() *Frame { return &c.Frames[len(c.Frames)-1] }
