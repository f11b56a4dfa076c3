package interp

import (
	"errors"
	"time"
)

// EventKind says what happened.
type EventKind uint8

// The events a caller feeds to Step.
const (
	eventNone EventKind = iota
	// EventStart runs flow FlowID on an idle contact from its StartAction.
	EventStart
	// EventPromptDone says the prompt the contact waits on finished playing.
	EventPromptDone
	// EventDigits says the caller pressed Digits (one or more DTMF keys).
	EventDigits
	// EventTimeout says the wait's Deadline passed.
	EventTimeout
	// EventFunctionResult answers an InvokeFunction effect.
	EventFunctionResult
	// EventTransferResult answers a TransferToNumber effect.
	EventTransferResult
	// EventBotResult answers a StartBot effect.
	EventBotResult
	// EventHangUp says the customer hung up; the contact ends.
	EventHangUp
	// EventInterrupt stops the running flow without ending the contact (an
	// agent accepted a queued contact while its customer-queue flow ran).
	EventInterrupt
)

var eventNames = [...]string{"", "start", "prompt-done", "digits", "timeout", "function-result", "transfer-result", "bot-result", "hang-up", "interrupt"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) && k != eventNone {
		return eventNames[k]
	}
	return "event?"
}

// Event is something that happened to a contact. Time is required: the
// engine reads no clock, so the event's time is "now" for the actions it
// runs (hours of operation, timers, media streaming timestamps).
type Event struct {
	Kind EventKind
	Time time.Time
	// Seq is the Wait.Seq this event answers (from the effect that asked
	// for it). 0 means "the current wait"; any other mismatch makes the
	// event stale, and it is discarded with a trace note.
	Seq uint32

	FlowID   string         // EventStart
	Digits   string         // EventDigits: keys from 0-9 * # A-D
	Function FunctionResult // EventFunctionResult
	Transfer TransferResult // EventTransferResult
	Bot      BotResult      // EventBotResult
}

// FunctionResult is the outcome of one function invocation.
type FunctionResult struct {
	// Payload is the function's response document. The engine keeps its
	// bytes, uncopied, in the trace and $.External: the caller hands them
	// over and may not write to them afterwards.
	Payload []byte
	// Err is non-empty when the invocation failed (function error,
	// throttling after retries, no binding for the ARN, ...).
	Err string
	// Duration is how long the invocation took, when the binding measured
	// it; more than the time limit is a timeout, as is an event later than
	// the wait's Deadline.
	Duration time.Duration
}

// TransferResult is the outcome of a third-party transfer.
type TransferResult uint8

// The transfer outcomes.
const (
	transferNone TransferResult = iota
	// TransferAnswered: the third party answered and the parties are bridged.
	TransferAnswered
	// TransferCompleted: the bridged third party hung up (ContinueFlowExecution).
	TransferCompleted
	TransferBusy
	TransferNoAnswer
	TransferFailed
)

var transferNames = [...]string{"", "answered", "completed", "busy", "no-answer", "failed"}

func (t TransferResult) String() string {
	if int(t) < len(transferNames) && t != transferNone {
		return transferNames[t]
	}
	return "transfer?"
}

// BotResult is the outcome of a Lex interaction, supplied by whatever
// plays the bot's part (a scripted intent in simulation).
type BotResult struct {
	IntentName        string
	Slots             map[string]string
	SessionAttributes map[string]string
	// Confidence is the intent confidence score as text ("0.93"), or "".
	Confidence     string
	DialogState    string
	SentimentLabel string
	// TimedOut means the caller said and pressed nothing in time.
	TimedOut bool
	// Err is non-empty when no bot could run (no scripted intent for it).
	// The engine does not treat that as a flow error: the contact ends with
	// a fault, so a missing script cannot pass for a real answer.
	Err string
}

// Errors Step returns when it refuses an event. The contact is unchanged.
var (
	ErrEnded           = errors.New("interp: the contact has ended")
	ErrBusy            = errors.New("interp: a flow is already running on the contact")
	ErrNoTime          = errors.New("interp: the event has no time")
	ErrTimeWentBack    = errors.New("interp: the event is earlier than the last one")
	ErrUnexpectedEvent = errors.New("interp: the contact is not waiting for this event")
	ErrEarlyTimeout    = errors.New("interp: timeout before the wait's deadline")
	ErrBadEvent        = errors.New("interp: malformed event")
)
