package interp

import (
	"time"
)

// Effect is something the caller must do (play, collect, invoke, dial,
// queue, hang up) or record (Trace). Step returns effects in the order they
// happen; a channel performs them in that order.
type Effect interface{ effect() }

// Prompt asks the channel to play a prompt; exactly one of Text, SSML,
// PromptARN/PromptID or MediaURI is set. The contact waits for
// EventPromptDone (with Seq), except for an Interruptible input prompt,
// which a key may cut short (then send no EventPromptDone for it).
type Prompt struct {
	Seq           uint32
	Text          string
	SSML          string
	PromptID      string
	PromptARN     string
	PromptURI     string
	MediaURI      string
	MediaSource   string // S3
	Voice         string // text-to-speech voice, e.g. Joanna
	VoiceEngine   string
	LanguageCode  string
	Interruptible bool
}

// StopPrompt asks the channel to stop the prompt playing (an interrupt
// timer of MessageParticipantIteratively fired).
type StopPrompt struct{}

// CollectInput tells the channel the contact now collects DTMF keys; send
// them as EventDigits. It is informative: the engine applies the rules and
// keeps the timers (Wait.Deadline).
type CollectInput struct {
	Seq        uint32
	MaxDigits  int
	Timeout    time.Duration // until the first key, from the end of the prompt
	Interdigit time.Duration // StoreInput only
	Terminator string        // StoreInput only; "" when none
	CancelKey  string        // "*", or "" when disabled or not storing
	Store      bool
}

// InvokeFunction asks for a function (Lambda) invocation. Payload is the
// event exactly as Amazon Connect sends it; the trace shares its bytes, so
// nobody may write to them. A synchronous invocation is
// answered with EventFunctionResult (with Seq); an asynchronous one is not
// answered at all.
type InvokeFunction struct {
	Seq          uint32
	FunctionARN  string
	Payload      []byte
	TimeLimit    time.Duration
	Async        bool
	ResponseType string // STRING_MAP or JSON
}

// TransferToNumber asks the channel to dial a third party and bridge the
// call; answer with EventTransferResult (with Seq).
type TransferToNumber struct {
	Seq            uint32
	Number         string
	CallerIDNumber string
	CallerIDName   string
	Timeout        time.Duration // ring time before no-answer
	DTMF           string        // digits to send once answered
	ContinueFlow   bool
}

// QueueContact says the contact was placed in a queue; its flow has ended.
// Routing takes over: it runs CustomerQueueFlowID (or the instance
// default) with EventStart while the contact waits.
type QueueContact struct {
	QueueID             string
	QueueARN            string
	QueueName           string
	Priority            int // 0 when not set
	TimeAdjustment      time.Duration
	CustomerQueueFlowID string
	// RoutingCriteria is the contact's routing criteria, or nil.
	RoutingCriteria []byte
}

// StartBot asks for a Lex interaction; answer with EventBotResult (with Seq).
type StartBot struct {
	Seq               uint32
	BotAliasARN       string // Lex V2
	BotName           string // classic Lex
	BotAlias          string
	BotRegion         string
	Text              string
	SSML              string
	PromptARN         string
	SessionAttributes map[string]string
	LanguageCode      string
}

// CreateCallback asks for a callback contact (CreateCallbackContact).
type CreateCallback struct {
	QueueID           string
	QueueARN          string
	Number            string
	InitialDelay      time.Duration
	MaxAttempts       int
	RetryDelay        time.Duration
	PreviousContactID string // the contact that asked for the callback
}

// UpdateRelatedContact asks to merge Attributes into the related contact's
// (UpdateContactAttributes with TargetContact "Related").
type UpdateRelatedContact struct {
	ContactID  string
	Attributes map[string]string
}

// MediaStreamingChange asks the channel to start or stop streaming the
// customer's audio.
type MediaStreamingChange struct {
	Enabled bool
	From    bool
	To      bool
}

// Disconnect asks the channel to hang up.
type Disconnect struct {
	Reason string // CONTACT_FLOW_DISCONNECT
}

// FlowEnded says the contact's flow execution is over; the contact is idle
// or ended (Contact.Status says which).
type FlowEnded struct {
	FlowID string
	Reason EndReason
	// Error is the unhandled error type or fault that ended the flow.
	Error string
}

// EndReason says how a flow execution ended.
type EndReason string

// The end reasons.
const (
	EndDisconnected EndReason = "Disconnected" // DisconnectParticipant, or an inbound flow ran out
	EndQueued       EndReason = "Queued"       // TransferContactToQueue
	EndTransferred  EndReason = "Transferred"  // a bridged third-party transfer, not continuing
	EndFinished     EndReason = "Finished"     // EndFlowExecution or the end of actions in a non-inbound flow
	EndError        EndReason = "Error"        // an error with no branch to take
	EndFault        EndReason = "Fault"        // the engine stopped the contact (Contact.Fault)
	EndHungUp       EndReason = "HungUp"       // the customer hung up
	EndInterrupted  EndReason = "Interrupted"  // EventInterrupt
)

// TraceKind says what a trace entry records.
type TraceKind string

// The trace kinds.
const (
	// TraceAction: an action ran and chose its next action.
	TraceAction TraceKind = "action"
	// TraceWait: an action started waiting for the outside world.
	TraceWait TraceKind = "wait"
	// TraceResume: an event resumed a waiting action, which chose its next action.
	TraceResume TraceKind = "resume"
	// TraceEvent: an event was taken in without resuming (a key of many,
	// a prompt finished) or was discarded.
	TraceEvent TraceKind = "event"
	// TraceEnd: the flow execution ended.
	TraceEnd TraceKind = "end"
)

// Trace is one entry of the contact's explanation of itself.
type Trace struct {
	Kind   TraceKind
	Time   time.Time
	FlowID string
	Module bool
	Action string // identifier
	Type   string // action type
	// Params are the parameters as the action used them, after interpolation.
	Params []Param
	// Result is the value conditions were compared with, when there was one.
	Result string
	// Branch is how the next action was chosen: "NextAction",
	// "Condition[1] Equals 2", "Error InputTimeLimitExceeded", ...
	Branch string
	// Next is the identifier of the next action; "" when the flow ends.
	Next string
	// Why explains the outcome in words.
	Why     string
	Changes []Change
	// Error is the error type raised, or the fault.
	Error string
}

// Param is one parameter of a Trace.
type Param struct {
	Name  string
	Value string
}

// Change is one write to contact or flow data.
type Change struct {
	Scope string // Attributes, FlowAttributes, External, StoredCustomerInput, Queue, ...
	Key   string
	Old   string
	New   string
}

func (Prompt) effect()               {}
func (StopPrompt) effect()           {}
func (CollectInput) effect()         {}
func (InvokeFunction) effect()       {}
func (TransferToNumber) effect()     {}
func (QueueContact) effect()         {}
func (StartBot) effect()             {}
func (CreateCallback) effect()       {}
func (UpdateRelatedContact) effect() {}
func (MediaStreamingChange) effect() {}
func (Disconnect) effect()           {}
func (FlowEnded) effect()            {}
func (*Trace) effect()               {}
