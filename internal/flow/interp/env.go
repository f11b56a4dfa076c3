package interp

import (
	"errors"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Env is everything outside the contact that actions read: published flows
// and modules, queues, hours of operation, prompts and queue metrics.
//
// Every method is called synchronously from Step and must answer from
// memory or a store read, never by waiting on a person or a network call
// whose answer is not deterministic. Any error takes the action's error
// branch and is written to the trace; return ErrNotFound (wrapped or not)
// when the reference names nothing.
type Env interface {
	// Flow returns the published flow that ref (an id or ARN) names.
	Flow(ref string) (*FlowDef, error)
	// Module returns the published flow module that ref (an id or ARN) names.
	Module(ref string) (*FlowDef, error)
	// Queue returns the standard queue that ref (an id or ARN) names.
	Queue(ref string) (*Queue, error)
	// AgentQueue returns the personal queue of the agent ref (an id or ARN) names.
	AgentQueue(ref string) (*Queue, error)
	// Hours returns the hours of operation ref (an id or ARN) names.
	Hours(ref string) (*Hours, error)
	// Prompt returns the prompt ref (an id or ARN) names.
	Prompt(ref string) (*PromptResource, error)
	// QueueMetrics returns the current metrics of the queue with id queueID.
	QueueMetrics(queueID string) (Metrics, error)
	// Profiles returns the Customer Profiles domain linked to the
	// instance, or ErrNoProfiles.
	Profiles() (Profiles, error)
}

// ErrNotFound is what Env methods return when a reference names nothing.
var ErrNotFound = errors.New("not found")

// FlowDef is a published flow or module as the engine runs it.
type FlowDef struct {
	ID   string
	ARN  string
	Name string
	// Type is the flow type (CONTACT_FLOW, CUSTOMER_QUEUE, AGENT_WHISPER, ...);
	// ignored for modules. It decides what happens when the flow ends
	// without handing the contact on: see EndsContact.
	Type string
	Flow *flow.Flow
}

// Flow types whose end, before the contact was queued or transferred, ends
// the contact (reference §9.5). Other types end and leave the contact to
// its lifecycle (a whisper bridges, a queue flow leaves it queued).
var endsContact = map[string]bool{
	"":               true, // unknown: the safe choice is the inbound behaviour
	"CONTACT_FLOW":   true,
	"AGENT_TRANSFER": true,
	"QUEUE_TRANSFER": true,
}

// EndsContact reports whether a flow of type t that ends on its own (end of
// actions, EndFlowExecution, an unhandled error) disconnects the contact.
func EndsContact(t string) bool { return endsContact[t] }

// Queue is a queue as actions use it.
type Queue struct {
	ID   string
	ARN  string
	Name string
	// HoursID is the queue's hours of operation; "" for agent queues.
	HoursID string
	// MaxContacts is the capacity TransferContactToQueue checks; nil for none.
	MaxContacts *int
	Disabled    bool
	// OutboundCallerIDNumber is the queue's outbound caller ID in E.164, or "".
	OutboundCallerIDNumber string
}

// Hours is an hours-of-operation resource.
type Hours struct {
	ID string
	// Location is the resource's time zone, loaded by the Env (the engine
	// does no I/O, and loading a zone reads the tz database).
	Location *time.Location
	Config   []HoursSlot
}

// HoursSlot is one Config entry: local times on a day of the week. An End
// at or before Start (00:00 included) ends on the following day.
type HoursSlot struct {
	Day   time.Weekday
	Start TimeOfDay
	End   TimeOfDay
}

// TimeOfDay is a wall-clock time.
type TimeOfDay struct {
	Hours   int
	Minutes int
}

func (t TimeOfDay) minutes() int { return t.Hours*60 + t.Minutes }

// PromptResource is a prompt resource.
type PromptResource struct {
	ID   string
	ARN  string
	Name string
	// URI is where the audio is (s3://...), for a channel that plays it.
	URI string
}

// Metrics are a queue's real-time metrics (CheckMetricData, GetMetricData).
type Metrics struct {
	ContactsInQueue        int
	OldestContactAge       time.Duration
	AgentsOnline           int
	AgentsAvailable        int
	AgentsStaffed          int
	AgentsAfterContactWork int
	AgentsBusy             int
	AgentsMissed           int
	AgentsNonProductive    int
}
