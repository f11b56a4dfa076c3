// Package voice owns simulated voice calls: a caller who dials a claimed
// number, hears the prompts of the number's flow, presses keys from a
// script, waits in a queue, and hangs up, all on a virtual clock. It drives
// the flow engine (interp.Step), performs the engine's effects (prompts,
// function invocations through the Lambda bindings, third-party transfers
// against a number plan, queueing with the customer-queue and whisper
// flows), feeds the outcomes back as events, and keeps the contact record
// and the report that explains the call. It also serves the calls over
// HTTP for `hotline call` and other tools.
//
// Nothing sleeps: a prompt "plays" by moving the call's clock forward, a
// 5-second timeout costs nothing, and a call runs in microseconds. Only a
// function invocation takes real time, which the call's clock then adds.
// docs/simulation.md describes the caller script and every timing rule.
package voice

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// Invoker runs a function a flow invokes: (*lambda.Invoker).Invoke.
type Invoker interface {
	Invoke(ctx context.Context, instanceID, functionARN string, event []byte, timeout time.Duration) ([]byte, error)
}

// Recorder keeps contact records: (*contacts.Service). Put must not keep r,
// or anything r points to, after it returns: the simulator reuses the
// record and its report for the next Put of the same call.
type Recorder interface {
	Put(ctx context.Context, r *contacts.Record) error
	Get(ctx context.Context, instanceID, contactID string) (*contacts.Record, error)
}

// Config is what a Simulator needs.
type Config struct {
	// Route says which instance and flow answer a dialled number:
	// (*connect.Service).NumberRoute.
	Route func(ctx context.Context, e164 string) (instanceID, flowID string, err error)
	// Env returns the flow engine's view of an instance (contacts.NewEnv).
	// It is called once per instance; the Env it returns is kept and must
	// itself see flows republished later.
	Env func(instanceID string) interp.Env
	// Invoker runs the functions flows invoke.
	Invoker Invoker
	// Recorder keeps the contact at every wait and at the end.
	Recorder Recorder
	// Region and AccountID make the instance and contact ARNs.
	Region, AccountID string
	// Clock gives the start of a call that names no start time.
	Clock clock.Clock
	// Limits are the engine's limits per contact.
	Limits interp.Limits
	// MaxCallTime bounds a call on its virtual clock; a caller still on the
	// line then hangs up. 0 means DefaultMaxCallTime.
	MaxCallTime time.Duration
	// MaxRealTime bounds the real time a call may take (function
	// invocations are real); past it the call ends in ERROR. 0 means
	// DefaultMaxRealTime, which fits in the CLI's HTTP timeout.
	MaxRealTime time.Duration
	// DefaultInstanceID answers a call lookup that names no instance.
	DefaultInstanceID string
	// Persist says at which wait points the live contact is stored; the
	// final record is always stored.
	Persist Persist
	// NewID makes contact ids; nil means random UUIDs.
	NewID  func() string
	Logger *slog.Logger
}

// Persist says when a live contact is stored.
type Persist uint8

// The persistence modes.
const (
	// PersistEveryWait stores the contact each time it parks, before the
	// simulator answers the wait: the design's rule for every channel.
	PersistEveryWait Persist = iota
	// PersistRealWaits stores it only before a wait in which real time
	// passes (a function invocation). A wait on the virtual clock takes
	// no real time, so no reader could see the states in between, and a
	// crash would lose the same call.
	PersistRealWaits
	// PersistEnd stores only the final record.
	PersistEnd
)

// Defaults of Config.
const (
	DefaultMaxCallTime = 4 * time.Hour
	DefaultMaxRealTime = 50 * time.Second
	// maxSteps bounds the events one call may take, whatever its clock says.
	maxSteps = 200000
)

// Simulator places simulated calls. It is safe for concurrent use; each
// call runs on the goroutine that asked for it.
type Simulator struct {
	cfg  Config
	envs sync.Map // instance id → *withDefaults
	// The length of the last call's report, to make the next one's event
	// list big enough at once: a journey's report grew it several times.
	lastEvents atomic.Int32
	// And how many fields its events had, for the first chunk of the
	// next one's (mark).
	lastFields atomic.Int32
}

// New returns a Simulator.
func New(cfg Config) *Simulator {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.MaxCallTime <= 0 {
		cfg.MaxCallTime = DefaultMaxCallTime
	}
	if cfg.MaxRealTime <= 0 {
		cfg.MaxRealTime = DefaultMaxRealTime
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Simulator{cfg: cfg}
}

// Call is one simulated inbound call.
type Call struct {
	// InstanceID, when set, must be the instance the number is claimed to.
	InstanceID string
	// To is the dialled number, From the caller's (E.164).
	To, From string
	// At is when the call starts on its virtual clock; zero means now.
	At     time.Time
	Script Script
}

// DefaultCaller is the caller's number when a call names none: a number
// reserved for fiction (NANP 555-01xx).
const DefaultCaller = "+12025550123"

func (s *Simulator) env(instanceID string) interp.Env {
	if e, ok := s.envs.Load(instanceID); ok {
		return e.(*withDefaults)
	}
	e, _ := s.envs.LoadOrStore(instanceID, &withDefaults{Env: s.cfg.Env(instanceID)})
	return e.(*withDefaults)
}

func (s *Simulator) instanceARN(id string) string {
	return "arn:aws:connect:" + s.cfg.Region + ":" + s.cfg.AccountID + ":instance/" + id
}

// Run places the call and runs it to its end. It returns the contact
// record, whose Report explains the call. An error means the call could
// not be placed (a bad script, a number nobody claimed, a number with no
// flow) or its record could not be stored; everything that goes wrong in
// the flow is the report's business, with the disposition ERROR.
func (s *Simulator) Run(ctx context.Context, in *Call) (*contacts.Record, error) {
	p, err := in.Script.compile()
	if err != nil {
		return nil, apierr.New("InvalidParameterException", "script: %v", err)
	}
	from := in.From
	if from == "" {
		from = DefaultCaller
	}
	if !isE164(in.To) {
		return nil, apierr.New("InvalidParameterException", "to %q is not an E.164 number such as +442071234567", in.To)
	}
	if !isE164(from) {
		return nil, apierr.New("InvalidParameterException", "from %q is not an E.164 number such as +12025550123", from)
	}
	inst, flowID, err := s.cfg.Route(ctx, in.To)
	if err != nil {
		return nil, err
	}
	if in.InstanceID != "" && in.InstanceID != inst {
		return nil, apierr.New("InvalidParameterException", "%s is claimed to instance %s, not %s", in.To, inst, in.InstanceID)
	}
	if flowID == "" {
		return nil, apierr.New("InvalidRequestException",
			"%s has no contact flow; associate one with `aws connect associate-phone-number-contact-flow`", in.To)
	}
	start := in.At
	if start.IsZero() {
		start = s.cfg.Clock.Now()
	}
	start = start.UTC()
	id := s.cfg.NewID()
	k := &call{
		s: s, ctx: ctx, inst: inst, p: p, start: start, now: start,
		eng: interp.Engine{Env: newCallEnv(s.env(inst)), Limits: s.cfg.Limits},
		c: &interp.Contact{
			ContactID: id, Channel: "VOICE", InitiationMethod: "INBOUND", InstanceARN: s.instanceARN(inst),
			CustomerEndpoint: interp.Endpoint{Address: from},
			SystemEndpoint:   interp.Endpoint{Address: in.To},
		},
	}
	s.reportBuffers(k)
	k.rec = contacts.Record{
		InstanceID: inst, ContactID: id, InitialContactID: id, ARN: k.c.InstanceARN + "/contact/" + id,
		Channel: "VOICE", InitiationMethod: "INBOUND",
		CustomerEndpoint:    contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: from},
		SystemEndpoint:      contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: in.To},
		InitiationTimestamp: start, ConnectedToSystemTimestamp: start, LastUpdateTimestamp: start,
	}
	k.report = &contacts.Report{ContactID: id}
	if p.hangupAfter > 0 {
		k.setHangup(start.Add(p.hangupAfter), "the script hangs up "+p.hangupAfter.String()+" into the call")
	}
	sb := stateBuffers.Get().(*stateBuffer)
	k.state, k.json = sb.b[:0], &sb.json
	err = k.run(flowID)
	// The final record holds no State, and on an error no record is
	// returned: nothing refers to the buffer any more. The cache holds
	// parts of the contact until it is reset.
	if cap(k.state) <= maxPooledState {
		sb.b = k.state[:0]
		sb.json.Reset()
		stateBuffers.Put(sb)
	}
	k.state, k.json = nil, nil
	if err != nil {
		return nil, err
	}
	s.lastEvents.Store(int32(min(len(k.events), maxHint)))
	s.lastFields.Store(int32(min(k.nfields, maxFieldsHint)))
	return &k.rec, nil
}

// maxHint bounds the event list a call starts with.
const maxHint = 1024

// maxFieldsHint bounds the first chunk of fields: 32 KB of them, from which
// the runtime allocates a large object.
const maxFieldsHint = 1000

// reportBuffers gives the call room for as many events, and fields, as the
// last one had, and some.
func (s *Simulator) reportBuffers(k *call) {
	n := int(s.lastEvents.Load())
	k.events = make([]contacts.Event, 0, max(64, n+n/8))
	// The fields in one chunk as big as the last call's: chunks of
	// fieldChunk left the end of each unused.
	if f := int(s.lastFields.Load()); f > 0 {
		k.fields = make([]contacts.Field, 0, min(f+f/8, maxFieldsHint))
	}
}

// stateBuffers recycles the buffers calls encode the contact into (as
// *stateBuffer), so that a call does not grow a new one from nothing. A
// buffer that grew past maxPooledState, for a contact with a huge state, is
// let go rather than kept.
var stateBuffers = sync.Pool{New: func() any { return &stateBuffer{b: make([]byte, 0, 2048)} }}

// stateBuffer is the buffer a call encodes the contact into, and the
// cache of the parts of the contact's JSON that did not change between
// waits.
type stateBuffer struct {
	b    []byte
	json interp.JSONCache
}

const maxPooledState = 64 << 10

func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// The dispositions of a call (contacts.Outcome).
const (
	Queued         = "QUEUED"
	Transferred    = "TRANSFERRED"
	Disconnected   = "DISCONNECTED"
	CustomerHungUp = "CUSTOMER_HUNG_UP"
	Error          = "ERROR"
)

// call is one call in progress.
type call struct {
	s    *Simulator
	ctx  context.Context
	inst string
	p    *plan
	eng  interp.Engine
	c    *interp.Contact

	start, now time.Time
	steps      int

	// The caller's side.
	next      int     // the next entry of p.presses
	keys      []keyAt // keys scheduled, in time order
	inputSeq  uint32  // the input wait that last took an entry or keys
	intents   int     // the next entry of p.intents
	heard     int     // prompts started
	hangupAt  time.Time
	hangupWhy string

	// What the contact waits for.
	playing playing
	fn      *pendingFn
	xfer    *pendingXfer
	bot     *pendingBot

	// How the call is going.
	queue         *interp.QueueContact
	queuedAt      time.Time
	queueStarted  bool
	windowEnd     time.Time
	transferredTo string
	bridgedUntil  time.Time
	hungUp        bool   // by the caller (script or limit), not by the queue window
	flowError     string // the unhandled error that ended a flow
	broken        string // the simulation itself failed
	storeErr      error  // the record could not be stored
	lastErr       interp.Trace
	waitParams    []interp.Param
	whisper       []string

	rec contacts.Record
	// report is allocated apart from the call: a recorder that keeps it
	// keeps the report alone, not the call and its contact.
	report *contacts.Report
	events []contacts.Event
	// fields holds the events' Details one after another (mark, add);
	// nfields counts them.
	fields  []contacts.Field
	nfields int
	// state is the buffer the contact is encoded into at each wait, json
	// the cache of the parts of its JSON (stateBuffers).
	state []byte
	json  *interp.JSONCache
}

type keyAt struct {
	at    time.Time
	keys  string
	entry int // the entry of Script.Presses, from 1
	barge bool
}

type playing struct {
	active        bool
	seq           uint32
	end           time.Time
	event         int // the prompt's report event
	interruptible bool
}

type pendingFn struct {
	seq      uint32
	at       time.Time
	arn      string
	res      interp.FunctionResult
	timedOut bool
}

type pendingXfer struct {
	seq    uint32
	at     time.Time
	result interp.TransferResult
	number string
	cont   bool
	talk   time.Duration
}

type pendingBot struct {
	seq uint32
	at  time.Time
	res interp.BotResult
}

func (k *call) run(flowID string) error {
	began := time.Now()
	if err := k.startFlow(flowID, ""); err != nil {
		k.fail("the number's flow cannot run: " + err.Error())
	}
	for !k.c.Ended && k.broken == "" && k.storeErr == nil {
		if err := k.ctx.Err(); err != nil {
			return err // the caller went away; nobody is left to read the report
		}
		if time.Since(began) > k.s.cfg.MaxRealTime {
			k.fail("the call took more than " + k.s.cfg.MaxRealTime.String() + " of real time (function invocations run for real); the simulation stopped it")
			break
		}
		if k.steps++; k.steps > maxSteps {
			k.hangUp(k.now, fmt.Sprintf("the simulation stopped the call after %d events", maxSteps), true)
			continue
		}
		switch {
		case k.c.Status() == interp.StatusParked:
			k.advance()
		case k.queue != nil && !k.queueStarted:
			k.enterQueue()
		default:
			k.idle()
		}
	}
	if k.storeErr != nil {
		return k.storeErr
	}
	return k.finish()
}

// step gives the engine one event and performs the effects it answers.
func (k *call) step(ev interp.Event) {
	k.now = ev.Time
	if err := k.eng.StepFunc(k.c, ev, k.stepped); err != nil {
		// The engine refused what the simulation gave it: a defect of the
		// simulation (or of the Env), which the report must show.
		k.fail(fmt.Sprintf("simulator: the engine refused the %s event: %v", ev.Kind, err))
	}
}

// stepped stores the contact if it parked, then performs the effects: the
// wait is on record before anything answers it. It runs inside
// Engine.StepFunc, which saves copying the effects out of the engine: what
// the call keeps of a trace entry after it returns must be copied (see
// trace).
func (k *call) stepped(effs []interp.Effect) {
	k.persistWait()
	k.handle(effs)
}

// fail stops the call because the simulation cannot go on.
func (k *call) fail(msg string) {
	k.broken = msg
	k.add(k.now, "error", "", contacts.Str("why", msg))
}

// advance delivers the next thing that happens to a parked contact: the
// earliest of a key, the answer to its wait, its timer, the caller hanging
// up, or the end of the time the simulation allows.
func (k *call) advance() {
	w := &k.c.Wait
	if w.Kind == interp.WaitInput && !w.Playing && w.Digits == "" && w.Seq != k.inputSeq && len(k.keys) == 0 {
		k.takeEntry(w.Seq, k.now)
	}
	const (
		none = iota
		doKeys
		doAnswer
		doTimeout
		doHangup
		doWindow
		doLimit
	)
	what, at := none, time.Time{}
	// Ties go to the first considered: keys, then answers, then timers,
	// then the caller hanging up.
	consider := func(t time.Time, d int) {
		if !t.IsZero() && (what == none || t.Before(at)) {
			what, at = d, t
		}
	}
	if len(k.keys) > 0 {
		consider(k.keys[0].at, doKeys)
	}
	consider(k.answerAt(w), doAnswer)
	consider(w.Deadline, doTimeout)
	consider(k.hangupAt, doHangup)
	if k.queueStarted {
		consider(k.windowEnd, doWindow)
	}
	consider(k.start.Add(k.s.cfg.MaxCallTime), doLimit)
	switch what {
	case doKeys:
		k.pressKeys()
	case doAnswer:
		k.answer(w)
	case doTimeout:
		k.timeout()
	case doHangup:
		k.hangUp(at, k.hangupWhy, true)
	case doWindow:
		k.leaveQueue()
	default:
		k.hangUp(at, "the caller gives up: the simulation allows "+k.s.cfg.MaxCallTime.String()+" of call time", true)
	}
}

// idle moves a contact no flow runs on to its end: a queued caller waits
// for the end of the queue window, a bridged caller talks to the third
// party, and a call whose flow left it with nothing to do is cleared.
func (k *call) idle() {
	limit := k.start.Add(k.s.cfg.MaxCallTime)
	switch {
	case k.queue != nil:
		end := minTime(k.windowEnd, limit)
		if !k.hangupAt.IsZero() && k.hangupAt.Before(end) {
			k.hangUp(k.hangupAt, k.hangupWhy, true)
			return
		}
		k.leaveQueue()
	case k.transferredTo != "":
		if !k.hangupAt.IsZero() && !k.hangupAt.After(k.bridgedUntil) {
			k.hangUp(k.hangupAt, k.hangupWhy, true)
			return
		}
		at := minTime(k.bridgedUntil, limit)
		k.add(at, "transfer", "", contacts.Str("number", k.transferredTo), contacts.Str("result", "ended"), contacts.Str("why", "the third party hung up"))
		k.endContact(at, "THIRD_PARTY_DISCONNECT")
	default:
		// A flow whose type does not end the contact (a queue or whisper
		// flow associated with a number) ended: nothing else would happen
		// on the line, so the system clears the call.
		k.add(k.now, "disconnect", "", contacts.Str("reason", "CONTACT_FLOW_DISCONNECT"),
			contacts.Str("why", "the flow ended and left the call with nothing to do"))
		k.endContact(k.now, "CONTACT_FLOW_DISCONNECT")
	}
}

// endContact ends a contact no flow runs on for a reason the engine has no
// event for (the third party hung up, the system cleared the call). The
// contact is plain data, and an ended one takes no more events.
func (k *call) endContact(at time.Time, reason string) {
	k.now = at
	k.c.Ended, k.c.DisconnectReason = true, reason
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// answerAt is when the outside world answers the contact's wait, or zero
// when only a key or the wait's timer can end it.
func (k *call) answerAt(w *interp.Wait) time.Time {
	switch w.Kind {
	case interp.WaitPrompt, interp.WaitPromptLoop:
		if k.playing.active && k.playing.seq == w.Seq {
			return k.playing.end
		}
	case interp.WaitInput:
		if w.Playing && k.playing.active && k.playing.seq == w.Seq {
			return k.playing.end
		}
	case interp.WaitFunction:
		if k.fn != nil && k.fn.seq == w.Seq && !k.fn.timedOut {
			return k.fn.at
		}
	case interp.WaitTransfer:
		if k.xfer != nil && k.xfer.seq == w.Seq {
			return k.xfer.at
		}
	case interp.WaitBot:
		if k.bot != nil && k.bot.seq == w.Seq {
			return k.bot.at
		}
	}
	return time.Time{}
}

func (k *call) answer(w *interp.Wait) {
	switch w.Kind {
	case interp.WaitPrompt, interp.WaitPromptLoop, interp.WaitInput:
		at, seq := k.playing.end, k.playing.seq
		k.playing.active = false
		k.step(interp.Event{Kind: interp.EventPromptDone, Time: at, Seq: seq})
	case interp.WaitFunction:
		f := k.fn
		k.fn = nil
		k.lambdaAnswer(f.at, f, "", "")
		k.step(interp.Event{Kind: interp.EventFunctionResult, Time: f.at, Seq: f.seq, Function: f.res})
	case interp.WaitTransfer:
		x := *k.xfer
		k.xfer = nil
		k.add(x.at, "transfer", k.c.Frames[len(k.c.Frames)-1].Action, contacts.Str("number", x.number), contacts.Str("result", x.result.String()))
		if x.result == interp.TransferAnswered {
			if x.cont {
				// The flow resumes when the third party hangs up.
				k.xfer = &pendingXfer{seq: x.seq, at: x.at.Add(x.talk), result: interp.TransferCompleted, number: x.number, cont: true}
			} else {
				k.transferredTo, k.bridgedUntil = x.number, x.at.Add(x.talk)
			}
		}
		k.step(interp.Event{Kind: interp.EventTransferResult, Time: x.at, Seq: x.seq, Transfer: x.result})
	case interp.WaitBot:
		b := k.bot
		k.bot = nil
		m := k.mark(8)
		k.fields = append(k.fields, contacts.Str("intent", b.res.IntentName))
		if len(b.res.Slots) > 0 {
			k.fields = append(k.fields, contacts.Any("slots", b.res.Slots))
		}
		if b.res.TimedOut {
			k.fields = append(k.fields, contacts.Bool("timedOut", true))
		}
		if b.res.Err != "" {
			k.fields = append(k.fields, contacts.Str("error", b.res.Err))
		}
		k.addFrom(m, b.at, "bot", k.c.Frames[len(k.c.Frames)-1].Action)
		k.step(interp.Event{Kind: interp.EventBotResult, Time: b.at, Seq: b.seq, Bot: b.res})
	}
}

// takeEntry gives the input wait seq the script's next entry, starting its
// clock at from (when the input began collecting keys).
func (k *call) takeEntry(seq uint32, from time.Time) {
	k.inputSeq = seq
	if k.next >= len(k.p.presses) {
		return // the script is over: silence
	}
	pr := &k.p.presses[k.next]
	k.next++
	switch {
	case pr.Silence:
	case pr.Hangup:
		d := k.p.think
		if len(pr.Tokens) > 0 {
			d = pr.Tokens[0].Delay
		}
		k.setHangup(from.Add(d), fmt.Sprintf("the script hangs up at input %d (press %d)", k.next, k.next))
	default:
		k.schedule(pr, k.next, from, k.p.think, false)
	}
}

// schedule puts the keys of entry n on the timeline: the first token first
// after from, the others after the one before.
func (k *call) schedule(pr *Press, n int, from time.Time, first time.Duration, barge bool) {
	at := from
	for i, t := range pr.Tokens {
		d := t.Delay
		if !t.Timed {
			d = DefaultKeyGap
			if i == 0 {
				d = first
			}
		}
		at = at.Add(d)
		k.keys = append(k.keys, keyAt{at: at, keys: t.Keys, entry: n, barge: barge})
	}
}

func (k *call) setHangup(at time.Time, why string) {
	if k.hangupAt.IsZero() || at.Before(k.hangupAt) {
		k.hangupAt, k.hangupWhy = at, why
	}
}

// pressKeys presses the next keys on the timeline.
func (k *call) pressKeys() {
	ka := k.keys[0]
	k.keys = k.keys[1:]
	w := &k.c.Wait
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("keys", ka.keys), contacts.Int("press", ka.entry))
	if ka.barge {
		k.fields = append(k.fields, contacts.Bool("bargeIn", true))
	}
	action := ""
	switch {
	case k.c.Status() == interp.StatusParked && w.Kind == interp.WaitInput:
		action = k.c.Frames[len(k.c.Frames)-1].Action
		k.inputSeq = w.Seq
		if w.Playing {
			// A key stops an input prompt; no PromptDone follows for it.
			k.fields = append(k.fields, contacts.Bool("interruptedPrompt", true))
			if k.playing.active {
				k.events[k.playing.event].Detail.Set(contacts.Num("interruptedAt", k.at(ka.at)))
			}
			k.playing.active = false
		}
	case k.c.Status() == interp.StatusParked && (w.Kind == interp.WaitPrompt || w.Kind == interp.WaitPromptLoop):
		k.fields = append(k.fields, contacts.Bool("dropped", true), contacts.Str("why", "the prompt playing cannot be interrupted"))
	default:
		k.fields = append(k.fields, contacts.Bool("dropped", true), contacts.Str("why", "nothing was collecting keys"))
	}
	k.addFrom(m, ka.at, "input", action)
	k.step(interp.Event{Kind: interp.EventDigits, Time: ka.at, Digits: ka.keys})
}

// timeout fires the wait's timer.
func (k *call) timeout() {
	w := k.c.Wait
	action := k.c.Frames[len(k.c.Frames)-1].Action
	if w.Kind == interp.WaitFunction && k.fn != nil {
		f := k.fn
		k.fn = nil
		k.lambdaAnswer(w.Deadline, f, action, "no answer within the time limit")
	}
	k.add(w.Deadline, "timeout", action, contacts.Str("wait", w.Kind.String()))
	if w.Kind == interp.WaitPromptLoop {
		k.playing.active = false
	}
	k.step(interp.Event{Kind: interp.EventTimeout, Time: w.Deadline, Seq: w.Seq})
}

// hangUp ends the call from the caller's side at at.
func (k *call) hangUp(at time.Time, why string, byCaller bool) {
	if at.Before(k.now) {
		at = k.now
	}
	k.hungUp = k.hungUp || byCaller
	k.add(at, "hangup", "", contacts.Str("why", why))
	k.step(interp.Event{Kind: interp.EventHangUp, Time: at})
}

// startFlow runs a flow on the idle contact.
func (k *call) startFlow(ref, hook string) error {
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("flow", ref))
	if def, err := k.eng.Env.Flow(ref); err == nil && def != nil {
		k.fields = append(k.fields, contacts.Str("name", def.Name), contacts.Str("flowType", def.Type))
	}
	if hook != "" {
		k.fields = append(k.fields, contacts.Str("hook", hook))
	}
	k.addFrom(m, k.now, "flow", "")
	return k.eng.StepFunc(k.c, interp.Event{Kind: interp.EventStart, Time: k.now, FlowID: ref}, k.stepped)
}

// enterQueue runs the customer-queue flow once the contact is queued.
func (k *call) enterQueue() {
	k.queueStarted = true
	k.windowEnd = k.queuedAt.Add(k.p.queueTime)
	ref, set := k.c.EventHooks["CustomerQueue"]
	switch {
	case set && ref == "":
		k.add(k.now, "note", "", contacts.Str("why", "the CustomerQueue event hook is disabled: the caller waits in silence"))
		return
	case !set:
		ref = DefaultCustomerQueueFlowID
	}
	if err := k.startFlow(ref, "CustomerQueue"); err != nil {
		k.add(k.now, "error", "", contacts.Str("why", "the customer-queue flow cannot run ("+err.Error()+"); the caller waits in silence"))
	}
}

// leaveQueue ends the simulation of a queued call: no agent came within
// the queue window. The agent whisper is what an agent would then hear.
func (k *call) leaveQueue() {
	at := minTime(k.windowEnd, k.start.Add(k.s.cfg.MaxCallTime))
	if at.Before(k.now) {
		at = k.now
	}
	k.now = at
	k.runWhisper()
	k.add(at, "queue", "", contacts.Str("queue", k.queue.QueueName), contacts.Bool("left", true),
		contacts.Str("why", "no agent answered within "+k.p.queueTime.String()+" (the simulation has no agents); the simulated caller leaves the queue"))
	k.step(interp.Event{Kind: interp.EventHangUp, Time: at})
}

// persistWait stores the contact when it is parked and the Persist mode
// asks for this wait. An error stops the call.
func (k *call) persistWait() {
	switch {
	case k.c.Status() != interp.StatusParked:
		return
	case k.s.cfg.Persist == PersistEnd:
		return
	case k.s.cfg.Persist == PersistRealWaits && k.c.Wait.Kind != interp.WaitFunction:
		return
	}
	// AppendJSONCache writes what encoding/json would, without reflection,
	// and copies the parts that did not change since the last wait: the
	// encoding was the largest cost of a simulated call.
	state, err := k.c.AppendJSONCache(k.state[:0], k.json)
	if err != nil {
		k.storeErr = fmt.Errorf("voice: encoding contact %s: %w", k.c.ContactID, err)
		return
	}
	// The buffer is reused: Put may not keep what it is given.
	k.state = state
	k.rec.State = state
	k.rec.LastUpdateTimestamp = k.now
	k.rec.Attributes = k.c.Attributes
	// The report goes with the final record: encoding it again at every
	// wait would cost more than the rest of the call.
	k.rec.Report = nil
	if err := k.s.cfg.Recorder.Put(k.ctx, &k.rec); err != nil {
		k.storeErr = fmt.Errorf("voice: storing contact %s: %w", k.c.ContactID, err)
	}
}

// finish settles how the call ended and stores the final record.
func (k *call) finish() error {
	o := &k.report.Outcome
	switch {
	case k.c.Fault != "":
		o.Disposition, o.Error = Error, k.c.Fault
	case k.broken != "":
		o.Disposition, o.Error = Error, k.broken
	case k.flowError != "" && k.c.DisconnectReason == "CONTACT_FLOW_DISCONNECT":
		o.Disposition, o.Error = Error, k.flowError
	case k.transferredTo != "":
		o.Disposition, o.TransferredTo = Transferred, k.transferredTo
	case k.hungUp:
		o.Disposition = CustomerHungUp
	case k.c.DisconnectReason == "CONTACT_FLOW_DISCONNECT":
		o.Disposition = Disconnected
	case k.queue != nil:
		o.Disposition = Queued
	default:
		o.Disposition = Disconnected
	}
	if k.queue != nil {
		o.Queue = &contacts.QueueRef{Name: k.queue.QueueName, ARN: k.queue.QueueARN}
		o.AgentWhisper = k.whisper
	}
	// The record keeps the recording in force when the contact was queued;
	// the report says what was in force at the end otherwise.
	o.Recording = k.rec.Recording
	if k.queue == nil {
		o.Recording = recordingOf(k.c)
	}
	if !k.c.Ended {
		// Only a broken simulation stops with the contact still live.
		k.c.Ended, k.c.DisconnectReason = true, "OTHER"
	}
	k.rec.DisconnectTimestamp, k.rec.DisconnectReason = k.now, k.c.DisconnectReason
	k.rec.State = nil
	k.rec.LastUpdateTimestamp = k.now
	k.rec.Attributes = k.c.Attributes
	k.report.Events = k.events
	k.rec.Report = k.report
	if err := k.s.cfg.Recorder.Put(k.ctx, &k.rec); err != nil {
		return fmt.Errorf("voice: storing contact %s: %w", k.c.ContactID, err)
	}
	return nil
}

// recordingOf is the recording and analytics behaviour a contact has set,
// or nil when no flow set any.
func recordingOf(c *interp.Contact) *contacts.Recording {
	r := &c.Recording
	if !r.Set {
		return nil
	}
	out := &contacts.Recording{ScreenRecording: r.Screen}
	if r.Agent {
		out.RecordedParticipants = append(out.RecordedParticipants, "AGENT")
	}
	if r.Customer {
		out.RecordedParticipants = append(out.RecordedParticipants, "CUSTOMER")
	}
	if r.Analytics.Enabled {
		out.Analytics = "POST_CALL"
		for _, m := range r.Analytics.Modes {
			if m == "RealTime" || m == "RealTimeAnalytics" || m == "REAL_TIME" {
				out.Analytics = "REAL_TIME"
			}
		}
	}
	if r.Analytics.Redaction {
		out.Redaction = r.Analytics.RedactionResults
		if out.Redaction == "" {
			out.Redaction = "Enabled"
		}
	}
	return out
}
