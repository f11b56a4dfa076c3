package flow

import "encoding/json"

// Kind says whether content is a flow or a flow module (modules carry Settings).
type Kind int

const (
	KindFlow   Kind = iota // a contact flow of any flow type
	KindModule             // a flow module (ContactFlowModule)
)

func (k Kind) String() string {
	if k == KindModule {
		return "flow module"
	}
	return "flow"
}

// Flow is compiled flow or flow-module content. It is immutable after Parse
// and safe to share between contacts.
type Flow struct {
	Kind Kind
	// StartAction is the index in Actions of the first action to run.
	StartAction int
	// Actions are in document order; transitions refer to them by index.
	Actions []Action
	// Settings is a module's Settings object, verbatim; nil for flows and for
	// modules without Settings. No public document gives it run-time meaning.
	Settings json.RawMessage

	index map[string]int
}

// Action is one compiled action.
type Action struct {
	Identifier string
	Type       ActionType
	// Parameters is the Parameters object as written; nil when absent.
	Parameters json.RawMessage
	// Params is Parameters parsed, every string pre-parsed into a Value. An
	// absent Parameters gives an empty object, which means the same thing.
	Params Param
	// Next is the index of Transitions.NextAction, or -1 when there is none.
	Next int
	// Errors are Transitions.Errors in document order.
	Errors []ErrorBranch
	// Conditions are Transitions.Conditions in document order; the first
	// true one wins.
	Conditions []Condition
}

// ErrorBranch is one entry of Transitions.Errors.
type ErrorBranch struct {
	ErrorType string
	// Next is the index of the action to run on this error.
	Next int
}

// Condition is one entry of Transitions.Conditions.
type Condition struct {
	Operator Operator
	// Operand is the single operand, which may be a reference that must be
	// resolved before comparing (reference §2).
	Operand Value
	// Next is the index of the action to run when the condition is true.
	Next int
}

// The error types every action supports (reference §3).
const (
	ErrNoMatchingError     = "NoMatchingError"
	ErrNoMatchingCondition = "NoMatchingCondition"
)

// Action returns the action with the given identifier.
func (f *Flow) Action(id string) (*Action, bool) {
	i, ok := f.index[id]
	if !ok {
		return nil, false
	}
	return &f.Actions[i], true
}

// IndexOf returns the index in Actions of the action with the given identifier.
func (f *Flow) IndexOf(id string) (int, bool) {
	i, ok := f.index[id]
	return i, ok
}

// ErrorTarget returns the index of the action that handles errorType: the
// first Errors entry of that type, else the first NoMatchingError entry,
// else -1, meaning the error is unhandled and the flow ends (reference §1.2).
func (a *Action) ErrorTarget(errorType string) int {
	fallback := -1
	for _, e := range a.Errors {
		if e.ErrorType == errorType {
			return e.Next
		}
		if fallback < 0 && e.ErrorType == ErrNoMatchingError {
			fallback = e.Next
		}
	}
	return fallback
}
