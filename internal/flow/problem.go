package flow

import (
	"fmt"
	"strings"
)

// MaxProblems is how many problems one InvalidError carries at most, the
// size limit of the Connect API's problems list.
const MaxProblems = 50

// Problem is one defect found in content; ActionID is "" for document-level problems.
type Problem struct {
	Message  string
	ActionID string
	// Kind sorts the problem for tools (hotline lint) without reading its
	// wording.
	Kind ProblemKind
}

// ProblemKind sorts problems.
type ProblemKind uint8

// The kinds of problem.
const (
	// ProblemInvalid is any defect without a kind of its own.
	ProblemInvalid ProblemKind = iota
	// ProblemUnknownActionType: an action's Type is no action type.
	ProblemUnknownActionType
	// ProblemDanglingTarget: StartAction or a transition names no action.
	ProblemDanglingTarget
)

// InvalidError lists every problem found (Connect reports them all, up to 50).
type InvalidError struct {
	Problems []Problem
}

// Error joins the problem messages so that a log line shows all of them.
func (e *InvalidError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid flow content: ")
	} else {
		fmt.Fprintf(&b, "invalid flow content (%d problems): ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// problems collects Problems in the order they are found, keeping the first
// MaxProblems. Callers report in document order, so the result is deterministic.
type problems struct {
	list []Problem
}

// doc reports a document-level problem.
func (ps *problems) doc(format string, args ...any) {
	ps.docKind(ProblemInvalid, format, args...)
}

// docKind reports a document-level problem of kind k.
func (ps *problems) docKind(k ProblemKind, format string, args ...any) {
	ps.add(Problem{Message: fmt.Sprintf(format, args...), Kind: k})
}

// action reports a problem of the action at index i. id is the action's
// Identifier when it has a usable one ("" otherwise); the message names the
// action by identifier when it can and by position when it cannot.
func (ps *problems) action(i int, id string, format string, args ...any) {
	ps.actionKind(ProblemInvalid, i, id, format, args...)
}

// actionKind is action for a problem of kind k.
func (ps *problems) actionKind(k ProblemKind, i int, id string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if id != "" {
		msg = fmt.Sprintf("action %q: %s", id, msg)
	} else {
		msg = fmt.Sprintf("Actions[%d]: %s", i, msg)
	}
	ps.add(Problem{Message: msg, ActionID: id, Kind: k})
}

func (ps *problems) add(p Problem) {
	if len(ps.list) < MaxProblems {
		ps.list = append(ps.list, p)
	}
}

func (ps *problems) full() bool { return len(ps.list) >= MaxProblems }

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps.list}
}
