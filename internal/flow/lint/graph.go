package lint

import (
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// checkReachable warns about actions that no path from StartAction reaches.
// Every branch counts, error branches included: an action reached only on
// an error is still in use.
func (l *linter) checkReachable() {
	f := l.f
	seen := make([]bool, len(f.Actions))
	seen[f.StartAction] = true
	stack := []int{f.StartAction}
	for len(stack) > 0 {
		a := &f.Actions[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		visit := func(n int) {
			if n >= 0 && !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
		visit(a.Next)
		for _, e := range a.Errors {
			visit(e.Next)
		}
		for _, c := range a.Conditions {
			visit(c.Next)
		}
	}
	start := f.Actions[f.StartAction].Identifier
	for i, ok := range seen {
		if !ok {
			l.action(i, SeverityWarning, CheckUnreachableAction, "no path from StartAction %q leads here", start)
		}
	}
}

// pauses are the actions after which a cycle is not a busy loop: they wait
// for the caller or the outside world (prompts, input, transfers, waits),
// or they run something this content does not show (a module).
var pauses = map[flow.ActionType]bool{
	flow.TypeMessageParticipant:              true,
	flow.TypeMessageParticipantIteratively:   true,
	flow.TypeGetParticipantInput:             true,
	flow.TypeConnectParticipantWithLexBot:    true,
	flow.TypeTransferParticipantToThirdParty: true,
	flow.TypeShowView:                        true,
	flow.TypeWait:                            true,
	flow.TypeCompleteOutboundCall:            true,
	flow.TypeInvokeFlowModule:                true,
}

// ends are the actions whose success ends the flow (reference §1.2, §9).
var ends = map[flow.ActionType]bool{
	flow.TypeDisconnectParticipant:            true,
	flow.TypeEndFlowExecution:                 true,
	flow.TypeEndFlowModuleExecution:           true,
	flow.TypeTransferToFlow:                   true,
	flow.TypeTransferContactToQueue:           true,
	flow.TypeTransferContactToAgent:           true,
	flow.TypeDequeueContactAndTransferToQueue: true,
}

// outcomes returns where an action can go when nothing fails: its
// conditions, its no-match branch, or NextAction. end is true when one of
// those outcomes ends the flow (no branch to take).
func outcomes(a *flow.Action) (next []int, end bool) {
	add := func(n int) {
		if n < 0 {
			end = true
			return
		}
		next = append(next, n)
	}
	if len(a.Conditions) == 0 || !hasResult(a) {
		add(a.Next)
		return next, end
	}
	for _, c := range a.Conditions {
		add(c.Next)
	}
	if len(missingResults(a)) > 0 || closedResults[a.Type] == nil {
		add(noMatchTarget(a))
	}
	return next, end
}

// noMatchTarget is where NoMatchingCondition goes: its own branch, else
// NoMatchingError, else NextAction, as the interpreter does; -1 when none.
func noMatchTarget(a *flow.Action) int {
	if n := a.ErrorTarget(flow.ErrNoMatchingCondition); n >= 0 {
		return n
	}
	return a.Next
}

// checkLoops finds cycles that can repeat forever without pausing: a set of
// actions that only lead to one another when nothing fails, none of which
// waits for the outside world or ends the flow. A Loop action does not
// break such a cycle when its DoneLooping branch stays inside it, because
// its counter starts over (reference §4.2).
func (l *linter) checkLoops() {
	f := l.f
	n := len(f.Actions)
	node := func(i int) bool { return !pauses[f.Actions[i].Type] && !ends[f.Actions[i].Type] }

	// Tarjan's strongly connected components over the non-pausing actions.
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	counter := 0
	var sccs [][]int
	var strong func(v int)
	strong = func(v int) {
		index[v], low[v] = counter, counter
		counter++
		stack = append(stack, v)
		onStack[v] = true
		next, _ := outcomes(&f.Actions[v])
		for _, w := range next {
			if !node(w) {
				continue
			}
			if index[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			sccs = append(sccs, scc)
		}
	}
	for i := range f.Actions {
		if node(i) && index[i] < 0 {
			strong(i)
		}
	}

	for _, scc := range sccs {
		l.trapped(scc)
	}
}

// trapped reports the component scc if it is a cycle with no way out.
func (l *linter) trapped(scc []int) {
	f := l.f
	in := make(map[int]bool, len(scc))
	for _, i := range scc {
		in[i] = true
	}
	cyclic := len(scc) > 1
	first := scc[0]
	for _, i := range scc {
		first = min(first, i)
		next, end := outcomes(&f.Actions[i])
		if end {
			return
		}
		for _, n := range next {
			if !in[n] {
				return
			}
			if n == i {
				cyclic = true
			}
		}
	}
	if !cyclic {
		return
	}
	// Members in document order, for a stable message.
	var ids []string
	errorExit, loop := false, ""
	for i := range f.Actions {
		if !in[i] {
			continue
		}
		a := &f.Actions[i]
		ids = append(ids, strconv.Quote(a.Identifier))
		for _, e := range a.Errors {
			if !in[e.Next] {
				errorExit = true
			}
		}
		if a.Type == flow.TypeLoop && loop == "" {
			loop = a.Identifier
		}
	}
	var msg strings.Builder
	if len(ids) == 1 {
		msg.WriteString("loop with no exit: this action leads only back to itself")
	} else {
		msg.WriteString("loop with no exit: actions " + listNames(ids) + " lead only to one another")
	}
	msg.WriteString(", and none of them waits for input or ends the flow")
	if loop != "" {
		msg.WriteString("; Loop " + strconv.Quote(loop) + " starts counting again after DoneLooping")
	}
	if errorExit {
		msg.WriteString("; only an error branch leads out")
	}
	l.action(first, SeverityError, CheckLoopNoExit, "%s", msg.String())
}

// listNames joins names for a message, eliding the middle of long lists.
func listNames(names []string) string {
	const most = 6
	if len(names) > most {
		return strings.Join(names[:most-1], ", ") + " and " + strconv.Itoa(len(names)-most+1) + " more"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
