package voice

import (
	"sync"

	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// The flows that run when a contact's event hooks name none, as Amazon
// Connect's "Default customer queue" and "Default agent whisper" do. Their
// ids cannot clash with an instance's (those are UUIDs).
const (
	DefaultCustomerQueueFlowID = "hotline-default-customer-queue"
	DefaultAgentWhisperFlowID  = "hotline-default-agent-whisper"
)

// defaultCustomerQueueFlow thanks the caller and plays hold music in a loop
// until the contact leaves the queue.
const defaultCustomerQueueFlow = `{
  "Version": "2019-10-30",
  "StartAction": "hold",
  "Actions": [
    {
      "Identifier": "hold",
      "Type": "MessageParticipantIteratively",
      "Parameters": {
        "Messages": [
          {"Text": "Thank you for calling. Your call is very important to us and will be answered in the order it was received."},
          {"Media": {"SourceType": "S3", "MediaType": "Audio", "Uri": "hotline:default/hold-music.wav"}}
        ]
      },
      "Transitions": {
        "NextAction": "end",
        "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "end"}]
      }
    },
    {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
  ]
}`

// defaultAgentWhisperFlow tells the agent which queue the call came from.
const defaultAgentWhisperFlow = `{
  "Version": "2019-10-30",
  "StartAction": "queue-name",
  "Actions": [
    {
      "Identifier": "queue-name",
      "Type": "MessageParticipant",
      "Parameters": {"Text": "$.Queue.Name"},
      "Transitions": {
        "NextAction": "end",
        "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "end"}]
      }
    },
    {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
  ]
}`

var defaults = sync.OnceValue(func() map[string]*interp.FlowDef {
	m := map[string]*interp.FlowDef{}
	for _, d := range []struct{ id, name, typ, content string }{
		{DefaultCustomerQueueFlowID, "Default customer queue", "CUSTOMER_QUEUE", defaultCustomerQueueFlow},
		{DefaultAgentWhisperFlowID, "Default agent whisper", "AGENT_WHISPER", defaultAgentWhisperFlow},
	} {
		f, err := flow.Parse([]byte(d.content), flow.KindFlow)
		if err != nil {
			panic("voice: built-in flow " + d.id + ": " + err.Error()) // a constant above is broken
		}
		m[d.id] = &interp.FlowDef{ID: d.id, ARN: d.id, Name: d.name, Type: d.typ, Flow: f}
	}
	return m
})

// withDefaults is an instance's Env that also knows the built-in flows.
type withDefaults struct{ interp.Env }

func (e *withDefaults) Flow(ref string) (*interp.FlowDef, error) {
	if d, ok := defaults()[ref]; ok {
		return d, nil
	}
	return e.Env.Flow(ref)
}

// callEnv is the Env of one call: it remembers the flows and modules the
// call looked up, because the engine asks for the running flow at every
// event and reading and hashing a flow record costs far more than a step.
// A call keeps running the version it started; a flow published meanwhile
// applies to the next call. One call runs on one goroutine, so no lock.
type callEnv struct {
	interp.Env
	// defs are the flows and modules looked up: a call uses a handful, so
	// a list scanned in order beats a map (no hashing, no allocation for
	// the first few).
	defs []knownDef
}

type knownDef struct {
	ref    string
	module bool
	def    *interp.FlowDef
}

func newCallEnv(base interp.Env) *callEnv {
	return &callEnv{Env: base, defs: make([]knownDef, 0, 4)}
}

func (e *callEnv) Flow(ref string) (*interp.FlowDef, error) {
	return e.remember(ref, false, e.Env.Flow)
}

func (e *callEnv) Module(ref string) (*interp.FlowDef, error) {
	return e.remember(ref, true, e.Env.Module)
}

func (e *callEnv) remember(ref string, module bool, lookup func(string) (*interp.FlowDef, error)) (*interp.FlowDef, error) {
	for i := range e.defs {
		if d := &e.defs[i]; d.module == module && d.ref == ref {
			return d.def, nil
		}
	}
	d, err := lookup(ref)
	if err == nil {
		e.defs = append(e.defs, knownDef{ref: ref, module: module, def: d})
	}
	return d, err
}
