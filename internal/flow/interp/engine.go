package interp

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Limits bound what a contact may do. A zero field takes its default.
type Limits struct {
	// MaxActions is how many actions one contact may run over its life.
	MaxActions int
	// MaxActionsPerStep is how many actions may run without the contact
	// waiting for anything; more is a loop with no way out.
	MaxActionsPerStep int
	// MaxAttributeBytes is the size limit of all contact attributes,
	// keys and values in UTF-8 bytes (reference §10).
	MaxAttributeBytes int
	// MaxResponseBytes is the size limit of a function response.
	MaxResponseBytes int
}

// The default limits.
const (
	DefaultMaxActions        = 10000
	DefaultMaxActionsPerStep = 1000
	DefaultMaxAttributeBytes = 32768
	DefaultMaxResponseBytes  = 32768
)

func (l Limits) withDefaults() Limits {
	if l.MaxActions <= 0 {
		l.MaxActions = DefaultMaxActions
	}
	if l.MaxActionsPerStep <= 0 {
		l.MaxActionsPerStep = DefaultMaxActionsPerStep
	}
	if l.MaxAttributeBytes <= 0 {
		l.MaxAttributeBytes = DefaultMaxAttributeBytes
	}
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return l
}

// Engine runs contacts. It holds no per-contact state and is safe for
// concurrent use on different contacts; one contact must be stepped by one
// goroutine at a time.
type Engine struct {
	Env    Env
	Limits Limits
}

// Step applies ev to c with the default limits; see Engine.Step.
func Step(env Env, c *Contact, ev Event) ([]Effect, error) {
	e := Engine{Env: env}
	return e.Step(c, ev)
}

// Step applies ev to c: it runs actions until the contact must wait for the
// outside world or its flow ends, updating c in place, and returns what the
// caller must do, in order.
//
// A non-nil error means the event was refused (see the Err variables) and c
// is unchanged. Everything that goes wrong inside a flow is not an error of
// Step: the flow takes its error branch, ends, or — when the engine cannot
// go on — ends the contact with Contact.Fault set, and the trace says why.
func (e *Engine) Step(c *Contact, ev Event) ([]Effect, error) {
	r, err := e.step(c, ev)
	if err != nil {
		return nil, err
	}
	return r.finish(), nil
}

// StepFunc is Step for a caller that performs the effects at once: it
// calls f with them, in order, and returns when f does. It saves copying
// the effects out of the engine's scratch buffers, which Step must do.
//
// The slice f is given, the Trace entries in it and their Params and
// Changes are those buffers, reused by the next Step: f must not keep any
// of them after it returns (copy what it needs). The other effects are
// values f may keep. f must not step c itself; it may step other contacts.
// An error means the event was refused, as for Step, and f is not called.
func (e *Engine) StepFunc(c *Contact, ev Event, f func([]Effect)) error {
	r, err := e.step(c, ev)
	if err != nil {
		return err
	}
	f(r.effects())
	r.release()
	return nil
}

// step applies ev to c and returns the run holding the effects.
func (e *Engine) step(c *Contact, ev Event) (*run, error) {
	stale, start, err := e.admit(c, ev)
	if err != nil {
		return nil, err
	}
	r := runPool.Get().(*run)
	r.env, r.lim, r.c, r.now = e.Env, e.Limits.withDefaults(), c, ev.Time
	c.Clock = ev.Time
	switch {
	case ev.Kind == EventStart:
		r.start(start, ev.FlowID)
	case ev.Kind == EventHangUp:
		r.hangUp()
	case ev.Kind == EventInterrupt:
		r.endFlow(EndInterrupted, "")
	case stale:
		r.note("discarded a stale %s event (for wait %d; the contact is in wait %d)", ev.Kind, ev.Seq, c.Wait.Seq)
	case ev.Kind != EventTimeout && !c.Wait.Deadline.IsZero() && ev.Time.After(c.Wait.Deadline):
		// The timer should have fired first: fire it at its deadline, then
		// look at the event again in the state that leaves.
		at := c.Wait.Deadline
		r.now = at
		r.note("the %s wait's timer expired at %s, before the %s event at %s", c.Wait.Kind, stamp(at), ev.Kind, stamp(ev.Time))
		r.deliver(Event{Kind: EventTimeout, Time: at, Seq: c.Wait.Seq})
		r.now = ev.Time
		// Keys are the caller's and go to whatever waits now; any other
		// answer belonged to the wait that timed out.
		if ev.Kind == EventDigits && !c.Ended {
			r.deliver(ev)
		} else if !c.Ended {
			r.note("discarded the %s event: the wait it answered timed out", ev.Kind)
		}
	default:
		r.deliver(ev)
	}
	return r, nil
}

// admit checks ev against c without changing anything. stale is true for
// an answer to a wait that is over; start is the flow an EventStart runs.
func (e *Engine) admit(c *Contact, ev Event) (stale bool, start *FlowDef, err error) {
	switch {
	case c == nil:
		return false, nil, fmt.Errorf("%w: no contact", ErrBadEvent)
	case ev.Time.IsZero():
		return false, nil, ErrNoTime
	case c.Ended:
		return false, nil, ErrEnded
	case ev.Time.Before(c.Clock):
		return false, nil, fmt.Errorf("%w: %s is before %s", ErrTimeWentBack, stamp(ev.Time), stamp(c.Clock))
	}
	w := &c.Wait
	switch ev.Kind {
	case EventStart:
		if len(c.Frames) > 0 {
			return false, nil, ErrBusy
		}
		if c.ContactID == "" || ev.FlowID == "" {
			return false, nil, fmt.Errorf("%w: EventStart needs a contact id and a flow id", ErrBadEvent)
		}
		def, err := e.Env.Flow(ev.FlowID)
		if err != nil {
			return false, nil, fmt.Errorf("interp: flow %q: %w", ev.FlowID, err)
		}
		if def == nil || def.Flow == nil || def.Flow.StartAction < 0 || def.Flow.StartAction >= len(def.Flow.Actions) {
			return false, nil, fmt.Errorf("%w: flow %q has no compiled content to run", ErrBadEvent, ev.FlowID)
		}
		return false, def, nil
	case EventHangUp:
		return false, nil, nil
	case EventInterrupt:
		if len(c.Frames) == 0 {
			return false, nil, fmt.Errorf("%w: no flow is running", ErrUnexpectedEvent)
		}
		return false, nil, nil
	case EventDigits:
		if ev.Digits == "" || !validKeys(ev.Digits) {
			return false, nil, fmt.Errorf("%w: keys %q (want 0-9 * # A-D)", ErrBadEvent, ev.Digits)
		}
		// Keys are never refused: pressed while nothing listens, they are
		// discarded with a note, as a phone line would lose them.
		return ev.Seq != 0 && ev.Seq != w.Seq, nil, nil
	case EventPromptDone, EventTimeout, EventFunctionResult, EventTransferResult, EventBotResult:
	default:
		return false, nil, fmt.Errorf("%w: unknown event kind %d", ErrBadEvent, ev.Kind)
	}
	if ev.Kind == EventTransferResult && (ev.Transfer == transferNone || ev.Transfer > TransferFailed) {
		return false, nil, fmt.Errorf("%w: transfer result %d", ErrBadEvent, ev.Transfer)
	}
	if len(c.Frames) == 0 {
		return false, nil, fmt.Errorf("%w: %s, but no flow is running", ErrUnexpectedEvent, ev.Kind)
	}
	if ev.Seq != 0 && ev.Seq != w.Seq {
		return true, nil, nil
	}
	var fits bool
	switch ev.Kind {
	case EventPromptDone:
		fits = w.Kind == WaitPrompt || w.Kind == WaitInput || w.Kind == WaitPromptLoop
	case EventTimeout:
		if w.Deadline.IsZero() {
			return false, nil, fmt.Errorf("%w: timeout, but the %s wait has no timer running", ErrUnexpectedEvent, w.Kind)
		}
		if ev.Time.Before(w.Deadline) {
			return false, nil, fmt.Errorf("%w: %s is before %s", ErrEarlyTimeout, stamp(ev.Time), stamp(w.Deadline))
		}
		fits = true
	case EventFunctionResult:
		fits = w.Kind == WaitFunction
	case EventTransferResult:
		fits = w.Kind == WaitTransfer
	case EventBotResult:
		fits = w.Kind == WaitBot
	}
	if !fits {
		return false, nil, fmt.Errorf("%w: %s while in the %s wait", ErrUnexpectedEvent, ev.Kind, w.Kind)
	}
	return false, nil, nil
}

func validKeys(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '*', c == '#', c >= 'A' && c <= 'D':
		default:
			return false
		}
	}
	return true
}

// run is one Step in progress.
type run struct {
	env   Env
	lim   Limits
	c     *Contact
	now   time.Time
	out   []Effect
	steps int // actions run in this Step

	def *FlowDef // the flow of the top frame
	// curFlow and curModule are the frame of the action running, as it was
	// before the action ran (TransferToFlow and InvokeFlowModule change the
	// top frame).
	curFlow   string
	curModule bool
	// A Step's effects, trace entries, parameters and changes collect in
	// scratch buffers that are reused across Steps (runPool); finish copies
	// them out once, at their exact sizes, so a Step costs a handful of
	// allocations however many actions it runs.
	traces []Trace
	tpos   []int  // the index in out of each trace entry
	tspan  []span // each entry's parameters and changes in pbuf and cbuf
	pbuf   []Param
	cbuf   []Change
	// pstart and cstart are where the running action's parameters and
	// changes begin in pbuf and cbuf.
	pstart, cstart int
}

type span struct{ p0, p1, c0, c1 int }

var runPool = sync.Pool{New: func() any {
	return &run{out: make([]Effect, 0, 16), traces: make([]Trace, 0, 16), tpos: make([]int, 0, 16),
		tspan: make([]span, 0, 16), pbuf: make([]Param, 0, 32), cbuf: make([]Change, 0, 8)}
}}

// finish copies the Step's effects out of the scratch buffers and returns
// the run to the pool.
func (r *run) finish() []Effect {
	out := make([]Effect, len(r.out))
	copy(out, r.out)
	if n := len(r.traces); n > 0 {
		block := make([]Trace, n)
		copy(block, r.traces)
		var params []Param
		if len(r.pbuf) > 0 {
			params = make([]Param, len(r.pbuf))
			copy(params, r.pbuf)
		}
		var changes []Change
		if len(r.cbuf) > 0 {
			changes = make([]Change, len(r.cbuf))
			copy(changes, r.cbuf)
		}
		r.link(out, block, params, changes)
	}
	r.release()
	return out
}

// effects are the Step's effects in the scratch buffers themselves: good
// until release (StepFunc).
func (r *run) effects() []Effect {
	r.link(r.out, r.traces, r.pbuf, r.cbuf)
	return r.out
}

// link points each trace entry of out at its entry of traces, and that
// entry at its parameters and changes in params and changes: r.out,
// r.traces, r.pbuf and r.cbuf themselves (effects) or copies (finish).
func (r *run) link(out []Effect, traces []Trace, params []Param, changes []Change) {
	for k := range traces {
		sp := r.tspan[k]
		if sp.p1 > sp.p0 {
			traces[k].Params = params[sp.p0:sp.p1:sp.p1]
		}
		if sp.c1 > sp.c0 {
			traces[k].Changes = changes[sp.c0:sp.c1:sp.c1]
		}
		out[r.tpos[k]] = &traces[k]
	}
}

// release returns the run to the pool.
func (r *run) release() {
	// Drop every reference before pooling, so that a pooled run keeps no
	// contact data alive.
	clear(r.out)
	clear(r.traces)
	clear(r.pbuf)
	clear(r.cbuf)
	*r = run{out: r.out[:0], traces: r.traces[:0], tpos: r.tpos[:0], tspan: r.tspan[:0], pbuf: r.pbuf[:0], cbuf: r.cbuf[:0]}
	runPool.Put(r)
}

type outKind uint8

const (
	outNext   outKind = iota // success without a result: NextAction
	outResult                // success with a result: conditions, else NextAction
	outError                 // error val: the error branch
	outPark                  // the contact now waits (the action set c.Wait)
	outStay                  // the contact keeps waiting in the same wait
	outEnd                   // the flow execution ends for reason end
	outReturn                // the frame ends normally (module return, end of flow)
	outJump                  // the frames changed: run the top frame from its start
	outFault                 // the engine cannot go on: val says why
)

// outcome is how an action (or its resumption) ended.
type outcome struct {
	kind outKind
	val  string
	why  string
	end  EndReason
}

func next(why string) outcome               { return outcome{kind: outNext, why: why} }
func result(v, why string) outcome          { return outcome{kind: outResult, val: v, why: why} }
func failed(errType, why string) outcome    { return outcome{kind: outError, val: errType, why: why} }
func failure(why string) outcome            { return failed(flow.ErrNoMatchingError, why) }
func park(why string) outcome               { return outcome{kind: outPark, why: why} }
func stay(why string) outcome               { return outcome{kind: outStay, why: why} }
func ended(e EndReason, why string) outcome { return outcome{kind: outEnd, end: e, why: why} }
func fault(why string) outcome              { return outcome{kind: outFault, val: why, why: why} }

// start runs def on the contact from its StartAction.
func (r *run) start(def *FlowDef, ref string) {
	c := r.c
	if c.InitialContactID == "" {
		c.InitialContactID = c.ContactID
	}
	if c.Channel == "" {
		c.Channel = "VOICE"
	}
	id := def.ID
	if id == "" {
		id = ref
	}
	c.Frames = append(c.Frames[:0], Frame{FlowID: id})
	r.def = def
	r.loop(def.Flow.StartAction)
}

// deliver resumes the action the contact is parked on with ev.
func (r *run) deliver(ev Event) {
	c := r.c
	if ev.Kind == EventDigits && c.Wait.Kind != WaitInput {
		r.note("discarded keys %q: nothing is collecting input (the contact is in the %s wait)", ev.Digits, c.Wait.Kind)
		return
	}
	if len(c.Frames) == 0 {
		r.note("discarded the %s event: no flow is running", ev.Kind)
		return
	}
	if !r.load() {
		return
	}
	idx, ok := r.def.Flow.IndexOf(c.top().Action)
	if !ok {
		r.fail(fmt.Sprintf("action %q of flow %s no longer exists; the flow changed while the contact waited in it", c.top().Action, c.top().FlowID))
		return
	}
	a := &r.def.Flow.Actions[idx]
	r.curFlow, r.curModule = c.top().FlowID, c.top().Module
	o := r.resume(a, ev)
	r.loop(r.after(a, o, TraceResume))
}

// load looks up the flow of the top frame.
func (r *run) load() bool {
	fr := r.c.top()
	var def *FlowDef
	var err error
	if fr.Module {
		def, err = r.env.Module(fr.FlowID)
	} else {
		def, err = r.env.Flow(fr.FlowID)
	}
	if err == nil && (def == nil || def.Flow == nil) {
		err = ErrNotFound
	}
	if err != nil {
		r.fail(fmt.Sprintf("cannot load %s %s to go on: %v", kindName(fr.Module), fr.FlowID, err))
		return false
	}
	r.def = def
	return true
}

func kindName(module bool) string {
	if module {
		return "module"
	}
	return "flow"
}

// loop runs actions of the top frame from index i until the contact waits
// or the flow ends (i < 0).
func (r *run) loop(i int) {
	for i >= 0 {
		a := &r.def.Flow.Actions[i]
		if r.steps >= r.lim.MaxActionsPerStep {
			r.fail(fmt.Sprintf("runaway flow: %d actions ran without waiting for anything; stopped before action %q (%s) in %s %s",
				r.steps, a.Identifier, a.Type, kindName(r.c.top().Module), r.c.top().FlowID))
			return
		}
		if int(r.c.Executed) >= r.lim.MaxActions {
			r.fail(fmt.Sprintf("action limit: the contact ran %d actions; stopped before action %q (%s) in %s %s",
				r.c.Executed, a.Identifier, a.Type, kindName(r.c.top().Module), r.c.top().FlowID))
			return
		}
		r.steps++
		r.c.Executed++
		fr := r.c.top()
		fr.Action = a.Identifier
		r.curFlow, r.curModule = fr.FlowID, fr.Module
		o := r.exec(a)
		i = r.after(a, o, TraceAction)
	}
}

// after records the trace entry of a and applies its outcome; it returns
// the index of the next action in the (possibly new) top frame, or -1.
func (r *run) after(a *flow.Action, o outcome, kind TraceKind) int {
	c := r.c
	t := r.newTrace()
	*t = Trace{Kind: kind, Time: r.now, FlowID: r.curFlow, Module: r.curModule,
		Action: a.Identifier, Type: a.Type.String(), Why: o.why}
	sp := &r.tspan[len(r.tspan)-1]
	sp.p0, sp.p1, sp.c0, sp.c1 = r.pstart, len(r.pbuf), r.cstart, len(r.cbuf)
	r.pstart, r.cstart = len(r.pbuf), len(r.cbuf)
	if o.kind != outPark && o.kind != outStay {
		c.Wait = Wait{}
	}
	switch o.kind {
	case outPark:
		t.Kind = TraceWait
		return -1
	case outStay:
		t.Kind = TraceEvent
		return -1
	case outFault:
		t.Error = o.val
		r.fail(o.val)
		return -1
	case outEnd:
		r.endFlow(o.end, "")
		return -1
	case outJump:
		start := &r.def.Flow.Actions[r.def.Flow.StartAction]
		t.Branch = "StartAction of " + kindName(c.top().Module) + " " + c.top().FlowID
		t.Next = start.Identifier
		return r.def.Flow.StartAction
	case outReturn:
		return r.finishFrame("", o.why)
	}
	n, branch, unhandled := r.transition(a, o, t)
	t.Branch = branch
	if n < 0 {
		t.Error = unhandled
		return r.finishFrame(unhandled, branch)
	}
	t.Next = r.def.Flow.Actions[n].Identifier
	return n
}

// transition picks the next action after a success or an error (reference
// §1.2). unhandled is the error type when no branch takes it.
func (r *run) transition(a *flow.Action, o outcome, t *Trace) (n int, branch, unhandled string) {
	switch o.kind {
	case outResult:
		t.Result = o.val
		if len(a.Conditions) == 0 {
			break
		}
		for i := range a.Conditions {
			cond := &a.Conditions[i]
			operand, err := r.value(cond.Operand)
			if err != nil {
				t.Why = joinWhy(t.Why, "condition "+strconv.Itoa(i)+": "+err.Error())
				return r.errorBranch(a, flow.ErrNoMatchingError, t)
			}
			if cond.Operator.Holds(o.val, operand) {
				return cond.Next, conditionText(i, cond.Operator, operand), ""
			}
		}
		return r.errorBranch(a, flow.ErrNoMatchingCondition, t)
	case outError:
		return r.errorBranch(a, o.val, t)
	}
	if a.Next >= 0 {
		return a.Next, "NextAction", ""
	}
	return -1, "no NextAction: the end of the " + kindName(r.c.top().Module), ""
}

func conditionText(i int, op flow.Operator, operand string) string {
	return "Condition[" + strconv.Itoa(i) + "] " + op.String() + ` "` + operand + `"`
}

// errorBranch picks the branch of error errType: its own entry, else
// NoMatchingError, else — for NoMatchingCondition only, as every exported
// Compare carries it — NextAction; else none.
func (r *run) errorBranch(a *flow.Action, errType string, t *Trace) (int, string, string) {
	t.Error = errType
	if n := a.ErrorTarget(errType); n >= 0 {
		for _, e := range a.Errors {
			if e.ErrorType == errType {
				return n, "Error " + errType, ""
			}
		}
		return n, "Error NoMatchingError (for " + errType + ")", ""
	}
	if errType == flow.ErrNoMatchingCondition && a.Next >= 0 {
		return a.Next, "NextAction (no branch for NoMatchingCondition)", ""
	}
	return -1, "no branch for " + errType, errType
}

// finishFrame ends the top frame: a module returns to its caller (an
// unhandled error becomes the caller's NoMatchingError), the root flow ends.
func (r *run) finishFrame(unhandled, why string) int {
	c := r.c
	if len(c.Frames) == 1 {
		if unhandled != "" {
			r.endFlow(EndError, unhandled)
		} else {
			r.endFlow(EndFinished, "")
		}
		return -1
	}
	mod := c.Frames[len(c.Frames)-1].FlowID
	c.Frames[len(c.Frames)-1] = Frame{}
	c.Frames = c.Frames[:len(c.Frames)-1]
	if !r.load() {
		return -1
	}
	idx, ok := r.def.Flow.IndexOf(c.top().Action)
	if !ok {
		r.fail(fmt.Sprintf("the action %q that invoked module %s no longer exists in flow %s", c.top().Action, mod, c.top().FlowID))
		return -1
	}
	inv := &r.def.Flow.Actions[idx]
	r.curFlow, r.curModule = c.top().FlowID, false
	var o outcome
	if unhandled != "" {
		o = failure("module " + mod + " ended on " + unhandled + " with no branch for it (" + why + ")")
	} else {
		o = next("module " + mod + " returned")
	}
	return r.after(inv, o, TraceResume)
}

// endFlow ends the flow execution: every frame goes, and the contact is
// disconnected when the reason or the flow type says so.
func (r *run) endFlow(reason EndReason, errText string) {
	c := r.c
	if len(c.Frames) == 0 {
		return
	}
	root := c.Frames[0].FlowID
	disconnect := false
	switch reason {
	case EndDisconnected, EndFault:
		disconnect = true
	case EndFinished, EndError:
		def, err := r.env.Flow(root)
		typ := ""
		if err == nil && def != nil {
			typ = def.Type
		}
		disconnect = EndsContact(typ)
	}
	for i := range c.Frames {
		c.Frames[i] = Frame{}
	}
	c.Frames = nil
	c.Wait = Wait{}
	t := r.newTrace()
	*t = Trace{Kind: TraceEnd, Time: r.now, FlowID: root, Error: errText, Why: "flow ended: " + string(reason)}
	if disconnect && !c.Ended {
		t.Why += "; the contact is disconnected"
	}
	r.out = append(r.out, FlowEnded{FlowID: root, Reason: reason, Error: errText})
	if disconnect && !c.Ended {
		c.Ended = true
		c.DisconnectReason = "CONTACT_FLOW_DISCONNECT"
		r.out = append(r.out, Disconnect{Reason: c.DisconnectReason})
	}
}

// fail ends the contact because the engine cannot go on.
func (r *run) fail(msg string) {
	c := r.c
	if c.Fault == "" {
		c.Fault = msg
	}
	if len(c.Frames) == 0 {
		*r.newTrace() = Trace{Kind: TraceEnd, Time: r.now, Error: msg, Why: "the engine stopped the contact"}
		c.Ended = true
		c.DisconnectReason = "CONTACT_FLOW_DISCONNECT"
		r.out = append(r.out, Disconnect{Reason: c.DisconnectReason})
		return
	}
	r.endFlow(EndFault, msg)
}

func (r *run) hangUp() {
	c := r.c
	if len(c.Frames) > 0 {
		r.endFlow(EndHungUp, "")
	} else {
		*r.newTrace() = Trace{Kind: TraceEvent, Time: r.now, Why: "the customer hung up"}
	}
	c.Ended = true
	c.DisconnectReason = "CUSTOMER_DISCONNECT"
}

// park puts the contact in a new wait of kind k, with a timer at deadline
// unless it is zero.
func (r *run) park(k WaitKind, deadline time.Time) *Wait {
	c := r.c
	// Executed grows with every action run, so the number of the action
	// that parks is a wait number that never repeats for the contact.
	c.Wait = Wait{Kind: k, Seq: c.Executed, Since: r.now, Deadline: deadline}
	return &c.Wait
}

// note records an event that resumed nothing.
func (r *run) note(format string, args ...any) {
	t := r.newTrace()
	*t = Trace{Kind: TraceEvent, Time: r.now, Why: fmt.Sprintf(format, args...)}
	if len(r.c.Frames) > 0 {
		t.FlowID = r.c.top().FlowID
		t.Module = r.c.top().Module
		t.Action = r.c.top().Action
	}
}

// newTrace adds a trace entry at this point of the effects and returns it
// to be filled in. The pointer is good until the next newTrace.
func (r *run) newTrace() *Trace {
	r.tpos = append(r.tpos, len(r.out))
	r.out = append(r.out, nil)
	r.tspan = append(r.tspan, span{})
	r.traces = append(r.traces, Trace{})
	return &r.traces[len(r.traces)-1]
}

// param records a parameter of the running action for its trace entry.
func (r *run) param(name, value string) {
	r.pbuf = append(r.pbuf, Param{Name: name, Value: value})
}

func (r *run) change(scope, key, old, new string) {
	r.cbuf = append(r.cbuf, Change{Scope: scope, Key: key, Old: old, New: new})
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
