// Package lint owns the static checks behind `hotline lint`: everything
// flow.Parse refuses, plus defects the Connect API accepts but that make a
// flow misbehave at run time — unreachable actions, unhandled errors, loops
// that never wait or end, conditions that can never be chosen, broken
// references, actions the flow type does not allow, and (given a Resolver)
// references to resources the instance does not have.
//
// The checks are written against reference/flow-language.md and the
// interpreter's reading of it (internal/flow/interp), so that a finding
// describes what will really happen. Each check has a stable name; the
// list is in docs/lint.md.
package lint

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Severity says whether a finding makes the content fail the lint.
type Severity string

const (
	// SeverityError is a defect: the content is refused, or part of it cannot work.
	SeverityError Severity = "error"
	// SeverityWarning is probably a mistake, but the content can run.
	SeverityWarning Severity = "warning"
)

// The check names, stable so that scripts can match on them.
const (
	CheckInvalid              = "invalid"               // any other problem flow.Parse reports
	CheckUnknownActionType    = "unknown-action-type"   // Type is not a 2019-10-30 action type
	CheckDanglingTarget       = "dangling-target"       // a transition or StartAction names no action
	CheckUnreachableAction    = "unreachable-action"    // no path from StartAction
	CheckMissingErrorBranch   = "missing-error-branch"  // an error the action can raise has no branch of its own
	CheckLoopNoExit           = "loop-no-exit"          // a cycle that never waits, ends or leaves
	CheckUnreachableCondition = "unreachable-condition" // a condition that can never be chosen
	CheckMissingCondition     = "missing-condition"     // a required fixed condition is absent
	CheckMalformedReference   = "malformed-reference"   // a value that looks like a reference but is not one
	CheckActionNotAllowed     = "action-not-allowed"    // the flow type does not allow the action
	CheckUnknownResource      = "unknown-resource"      // a static reference to a resource the instance lacks
)

// Finding is one thing the lint found.
type Finding struct {
	Severity Severity `json:"severity"`
	// ActionID is the identifier of the action concerned; "" for the document.
	ActionID string `json:"actionId,omitempty"`
	Check    string `json:"check"`
	Message  string `json:"message"`
}

// Report is the result of linting one piece of content. Findings are in
// document order: document-level ones first, then by action.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Count returns how many findings have severity s.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// HasErrors reports whether any finding is an error, which fails the lint.
func (r Report) HasErrors() bool { return r.Count(SeverityError) > 0 }

// Resolver answers whether resources named by static references exist in
// the instance the flow will run in. ref is the value as written in the
// flow: an ID or an ARN. A non-nil error means the answer is unknown (or,
// for a resource that exists but cannot be used, says why); it is reported
// as an error finding.
type Resolver interface {
	FlowExists(ref string) (bool, error)
	ModuleExists(ref string) (bool, error)
	QueueExists(ref string) (bool, error)
	HoursExists(ref string) (bool, error)
	PromptExists(ref string) (bool, error)
	// FunctionAllowed reports whether the Lambda function is on the
	// instance's allow-list, as InvokeLambdaFunction requires.
	FunctionAllowed(arn string) (bool, error)
}

// Options tune a lint.
type Options struct {
	// FlowType is the flow's type (one of FlowTypes), or "" when unknown.
	// When set, actions the type does not allow are errors. Modules ignore
	// it: their allowed actions are fixed.
	FlowType string
	// Resolver, when set, checks static references against an instance.
	Resolver Resolver
}

// Lint checks content as flow.Parse does and then statically.
//
// The static checks need compiled content, so when Parse refuses the
// content only its problems are reported, as with a compiler that stops
// after syntax errors.
func Lint(content []byte, kind flow.Kind, opts Options) Report {
	l := &linter{kind: kind, opts: opts}
	if opts.FlowType != "" && kind == flow.KindFlow && !slices.Contains(FlowTypes, opts.FlowType) {
		l.doc(SeverityError, CheckInvalid, "unknown flow type %q; the flow types are %s", opts.FlowType, strings.Join(FlowTypes, ", "))
	}
	f, err := flow.Parse(content, kind)
	if err != nil {
		l.parseProblems(err)
		return l.report()
	}
	l.f = f
	l.checkReachable()
	l.checkLoops()
	for i := range f.Actions {
		a := &f.Actions[i]
		l.checkAllowed(i, a)
		l.checkFixedConditions(i, a)
		l.checkConditions(i, a)
		l.checkErrorBranches(i, a)
		l.checkMalformed(i, a)
		l.checkResources(i, a)
	}
	return l.report()
}

// linter carries one Lint call.
type linter struct {
	kind flow.Kind
	opts Options
	f    *flow.Flow
	list []located
	// resolved caches resolver answers within one piece of content, where the
	// same queue or prompt is often named many times.
	resolved map[string]resolution
}

// located is a finding with the index of its action (-1 for the document),
// which orders the report.
type located struct {
	at int
	Finding
}

type resolution struct {
	ok  bool
	err error
}

func (l *linter) doc(sev Severity, check, format string, args ...any) {
	l.list = append(l.list, located{at: -1, Finding: Finding{Severity: sev, Check: check, Message: fmt.Sprintf(format, args...)}})
}

func (l *linter) action(i int, sev Severity, check, format string, args ...any) {
	l.list = append(l.list, located{at: i, Finding: Finding{
		Severity: sev, ActionID: l.f.Actions[i].Identifier, Check: check, Message: fmt.Sprintf(format, args...),
	}})
}

func (l *linter) report() Report {
	// Stable: within an action, findings keep the order of the checks.
	slices.SortStableFunc(l.list, func(a, b located) int { return a.at - b.at })
	r := Report{Findings: make([]Finding, 0, len(l.list))}
	for _, f := range l.list {
		r.Findings = append(r.Findings, f.Finding)
	}
	return r
}

// parseProblems turns Parse's problems into error findings. Parse keeps them
// in document order, which is kept here (they all sort as "document").
func (l *linter) parseProblems(err error) {
	var invalid *flow.InvalidError
	if !errors.As(err, &invalid) {
		l.doc(SeverityError, CheckInvalid, "%v", err)
		return
	}
	for _, p := range invalid.Problems {
		msg := p.Message
		if p.ActionID != "" {
			// The report names the action already.
			msg = strings.TrimPrefix(msg, "action "+strconv.Quote(p.ActionID)+": ")
		}
		l.list = append(l.list, located{at: -1, Finding: Finding{
			Severity: SeverityError, ActionID: p.ActionID, Check: checkOf(p.Kind), Message: msg,
		}})
	}
	if len(invalid.Problems) >= flow.MaxProblems {
		l.doc(SeverityError, CheckInvalid, "flow.Parse reports at most %d problems; there may be more", flow.MaxProblems)
	}
}

// checkOf names the check a Parse problem belongs to.
func checkOf(k flow.ProblemKind) string {
	switch k {
	case flow.ProblemUnknownActionType:
		return CheckUnknownActionType
	case flow.ProblemDanglingTarget:
		return CheckDanglingTarget
	}
	return CheckInvalid
}
