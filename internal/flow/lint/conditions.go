package lint

import (
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// resultTypes are the actions that succeed with a result their conditions
// test (reference §4); any other action goes to NextAction on success.
var resultTypes = map[flow.ActionType]bool{
	flow.TypeCompare:                       true,
	flow.TypeCheckHoursOfOperation:         true,
	flow.TypeCheckMetricData:               true,
	flow.TypeDistributeByPercentage:        true,
	flow.TypeLoop:                          true,
	flow.TypeWait:                          true,
	flow.TypeMessageParticipantIteratively: true,
	flow.TypeGetParticipantInput:           true, // unless StoreInput is true
	flow.TypeConnectParticipantWithLexBot:  true,
	flow.TypeShowView:                      true,
	flow.TypeCheckVoiceId:                  true,
	flow.TypeCheckOutboundCallStatus:       true,
}

func hasResult(a *flow.Action) bool {
	if a.Type == flow.TypeGetParticipantInput && storesInput(a) {
		return false
	}
	return resultTypes[a.Type]
}

// storesInput reports whether a GetParticipantInput stores digits rather
// than choosing a menu branch; the boolean is a string in any case.
func storesInput(a *flow.Action) bool {
	v, ok := a.Params.ValueOf("StoreInput")
	return ok && strings.EqualFold(strings.TrimSpace(v.String()), "true")
}

// closedResults are the actions whose every possible result is known, each
// of which needs an Equals condition (reference §1.2, §4.2).
var closedResults = map[flow.ActionType][]string{
	flow.TypeLoop:                  {"ContinueLooping", "DoneLooping"},
	flow.TypeCheckHoursOfOperation: {"True", "False"},
}

// missingResults returns the results of a closed-result action that no
// Equals condition tests.
func missingResults(a *flow.Action) []string {
	var missing []string
	for _, r := range closedResults[a.Type] {
		if !testsEquals(a, r) {
			missing = append(missing, r)
		}
	}
	return missing
}

func testsEquals(a *flow.Action, result string) bool {
	for _, c := range a.Conditions {
		if c.Operator == flow.OpEquals && c.Operand.IsStatic() && c.Operand.String() == result {
			return true
		}
	}
	return false
}

// interrupts reports whether a MessageParticipantIteratively is set to
// break off for the MessagesInterrupted result.
func interrupts(a *flow.Action) bool {
	v, ok := a.Params.ValueOf("InterruptFrequencySeconds")
	if !ok {
		return false
	}
	n, isNum := flow.ParseNumber(v.String())
	return !isNum || n > 0
}

// checkFixedConditions reports required fixed conditions that are absent:
// Loop's ContinueLooping and DoneLooping, CheckHoursOfOperation's True and
// False, and MessagesInterrupted when a looping prompt is interrupted. It
// is an error when the result then ends the flow, a warning when another
// branch catches it.
func (l *linter) checkFixedConditions(i int, a *flow.Action) {
	missing := missingResults(a)
	if a.Type == flow.TypeMessageParticipantIteratively && interrupts(a) && !testsEquals(a, "MessagesInterrupted") {
		missing = append(missing, "MessagesInterrupted")
	}
	if len(missing) == 0 {
		return
	}
	what := "no Equals condition for " + strings.Join(missing, " or ")
	if where := noMatchBranch(a); where != "" {
		l.action(i, SeverityWarning, CheckMissingCondition, "%s; it goes to %s instead", what, where)
		return
	}
	l.action(i, SeverityError, CheckMissingCondition, "%s, and no other branch catches it: the flow ends there", what)
}

// noMatchBranch names the branch NoMatchingCondition takes; "" when none.
func noMatchBranch(a *flow.Action) string {
	for _, e := range a.Errors {
		if e.ErrorType == flow.ErrNoMatchingCondition {
			return "the NoMatchingCondition branch"
		}
	}
	if a.ErrorTarget(flow.ErrNoMatchingError) >= 0 {
		return "the NoMatchingError branch"
	}
	if a.Next >= 0 {
		return "NextAction"
	}
	return ""
}

// menuKey matches the result of a DTMF menu: one key (reference §4.1).
func menuKey(s string) bool {
	return len(s) == 1 && (s[0] >= '0' && s[0] <= '9' || s[0] == '*' || s[0] == '#')
}

// checkConditions warns about conditions that can never be chosen: ones
// never true for any result the action can give, and ones shadowed by an
// earlier condition that is true whenever they are (conditions are tried in
// order and the first true one wins).
func (l *linter) checkConditions(i int, a *flow.Action) {
	if len(a.Conditions) == 0 {
		return
	}
	if a.Type == flow.TypeGetParticipantInput && storesInput(a) {
		l.action(i, SeverityWarning, CheckUnreachableCondition,
			"with StoreInput true there is no result to test, so its %d condition(s) are never used; test $.StoredCustomerInput with a Compare instead", len(a.Conditions))
		return
	}
	for k := range a.Conditions {
		c := &a.Conditions[k]
		if !usable(c) {
			continue
		}
		if why := neverTrue(a, c); why != "" {
			l.action(i, SeverityWarning, CheckUnreachableCondition, "%s can never be chosen: %s", describeCond(k, c), why)
			continue
		}
		for j := range k {
			if e := &a.Conditions[j]; usable(e) && implies(e, c) {
				l.action(i, SeverityWarning, CheckUnreachableCondition,
					"%s can never be chosen: %s comes first and is true whenever it is", describeCond(k, c), describeCond(j, e))
				break
			}
		}
	}
}

// usable reports whether a condition's operand is known before run time.
func usable(c *flow.Condition) bool { return c.Operand.IsStatic() && !c.Operand.Malformed() }

func describeCond(k int, c *flow.Condition) string {
	return "Conditions[" + strconv.Itoa(k) + "] (" + c.Operator.String() + " " + strconv.Quote(c.Operand.String()) + ")"
}

// neverTrue says why c is false for every result a can give; "" when it
// can be true.
func neverTrue(a *flow.Action, c *flow.Condition) string {
	operand := c.Operand.String()
	if c.Operator.Numeric() {
		if _, ok := flow.ParseNumber(operand); !ok {
			return "its operand is not a number, and number operators are false unless both sides are numbers"
		}
		return ""
	}
	if c.Operator != flow.OpEquals {
		return ""
	}
	if results := closedResults[a.Type]; results != nil && !contains(results, operand) {
		return a.Type.String() + " results are only " + strings.Join(results, " and ")
	}
	if a.Type == flow.TypeGetParticipantInput && !menuKey(operand) {
		return "the result of a menu is a single key, 0-9, * or #"
	}
	if a.Type == flow.TypeMessageParticipantIteratively && operand != "MessagesInterrupted" {
		return "the only result is MessagesInterrupted"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// implies reports whether every result for which b is true also makes a
// true, so that b listed after a is never chosen. Both operands are static.
func implies(a, b *flow.Condition) bool {
	x, y := a.Operand.String(), b.Operand.String()
	if b.Operator == flow.OpEquals {
		// Only y itself satisfies b.
		return a.Operator.Holds(y, x)
	}
	switch a.Operator {
	case flow.OpTextStartsWith:
		return x == "" || b.Operator == flow.OpTextStartsWith && strings.HasPrefix(y, x)
	case flow.OpTextEndsWith:
		return x == "" || b.Operator == flow.OpTextEndsWith && strings.HasSuffix(y, x)
	case flow.OpTextContains:
		// Any text b requires in the result contains x.
		return x == "" || !b.Operator.Numeric() && strings.Contains(y, x)
	}
	if !a.Operator.Numeric() || !b.Operator.Numeric() {
		return false
	}
	ax, ok1 := flow.ParseNumber(x)
	by, ok2 := flow.ParseNumber(y)
	if !ok1 || !ok2 {
		return false
	}
	// b's results form an interval bounded by by; a covers it when a's
	// bound is at least as wide on the same side.
	switch a.Operator {
	case flow.OpNumberGreaterThan:
		return b.Operator == flow.OpNumberGreaterThan && by >= ax || b.Operator == flow.OpNumberGreaterOrEqualTo && by > ax
	case flow.OpNumberGreaterOrEqualTo:
		return (b.Operator == flow.OpNumberGreaterThan || b.Operator == flow.OpNumberGreaterOrEqualTo) && by >= ax
	case flow.OpNumberLessThan:
		return b.Operator == flow.OpNumberLessThan && by <= ax || b.Operator == flow.OpNumberLessOrEqualTo && by < ax
	case flow.OpNumberLessOrEqualTo:
		return (b.Operator == flow.OpNumberLessThan || b.Operator == flow.OpNumberLessOrEqualTo) && by <= ax
	}
	return false
}
