package interp

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// This file holds the test Env, a small builder for flows in the flow
// language, and a simulated caller that drives a contact through Step.

const instanceARN = "arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555"

// testEnv is an in-memory Env. Resources are found by id or ARN.
type testEnv struct {
	flows   map[string]*FlowDef
	modules map[string]*FlowDef
	queues  map[string]*Queue
	agents  map[string]*Queue
	hours   map[string]*Hours
	prompts map[string]*PromptResource
	metrics map[string]Metrics
	// profiles is the linked Customer Profiles domain; nil: none.
	profiles Profiles
}

func newEnv() *testEnv {
	e := &testEnv{
		flows: map[string]*FlowDef{}, modules: map[string]*FlowDef{}, queues: map[string]*Queue{},
		agents: map[string]*Queue{}, hours: map[string]*Hours{}, prompts: map[string]*PromptResource{},
		metrics: map[string]Metrics{},
	}
	e.addHours("always", time.UTC, allWeek(0, 0, 0, 0)...)
	e.addQueue(&Queue{ID: "q-sales", Name: "Sales", HoursID: "always", OutboundCallerIDNumber: "+442071234567"})
	e.prompts["p-hold"] = &PromptResource{ID: "p-hold", ARN: instanceARN + "/prompt/p-hold", Name: "Hold music", URI: "s3://prompts/hold.wav"}
	e.prompts[instanceARN+"/prompt/p-hold"] = e.prompts["p-hold"]
	return e
}

func arnOf(kind, id string) string { return instanceARN + "/" + kind + "/" + id }

func lookup[T any](m map[string]*T, ref string) (*T, error) {
	if v, ok := m[ref]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%q: %w", ref, ErrNotFound)
}

func (e *testEnv) Flow(ref string) (*FlowDef, error)          { return lookup(e.flows, ref) }
func (e *testEnv) Module(ref string) (*FlowDef, error)        { return lookup(e.modules, ref) }
func (e *testEnv) Queue(ref string) (*Queue, error)           { return lookup(e.queues, ref) }
func (e *testEnv) AgentQueue(ref string) (*Queue, error)      { return lookup(e.agents, ref) }
func (e *testEnv) Hours(ref string) (*Hours, error)           { return lookup(e.hours, ref) }
func (e *testEnv) Prompt(ref string) (*PromptResource, error) { return lookup(e.prompts, ref) }
func (e *testEnv) QueueMetrics(id string) (Metrics, error)    { return e.metrics[id], nil }
func (e *testEnv) Profiles() (Profiles, error) {
	if e.profiles == nil {
		return nil, ErrNoProfiles
	}
	return e.profiles, nil
}
func (e *testEnv) addQueue(q *Queue) {
	q.ARN = arnOf("queue", q.ID)
	e.queues[q.ID], e.queues[q.ARN] = q, q
}
func (e *testEnv) addHours(id string, loc *time.Location, s ...HoursSlot) {
	e.hours[id] = &Hours{ID: id, Location: loc, Config: s}
	e.hours[arnOf("operating-hours", id)] = e.hours[id]
}

// allWeek is the same slot on all seven days.
func allWeek(h1, m1, h2, m2 int) []HoursSlot {
	var s []HoursSlot
	for d := time.Sunday; d <= time.Saturday; d++ {
		s = append(s, HoursSlot{Day: d, Start: TimeOfDay{h1, m1}, End: TimeOfDay{h2, m2}})
	}
	return s
}

// addFlow compiles content and publishes it under id (and its ARN).
func (e *testEnv) addFlow(t testing.TB, id, typ, content string) *FlowDef {
	t.Helper()
	f, err := flow.Parse([]byte(content), flow.KindFlow)
	if err != nil {
		t.Fatalf("flow %s: %v\n%s", id, err, content)
	}
	def := &FlowDef{ID: id, ARN: arnOf("contact-flow", id), Name: "Flow " + id, Type: typ, Flow: f}
	e.flows[id], e.flows[def.ARN] = def, def
	return def
}

func (e *testEnv) addModule(t testing.TB, id, content string) *FlowDef {
	t.Helper()
	f, err := flow.Parse([]byte(content), flow.KindModule)
	if err != nil {
		t.Fatalf("module %s: %v\n%s", id, err, content)
	}
	def := &FlowDef{ID: id, ARN: arnOf("flow-module", id), Name: "Module " + id, Flow: f}
	e.modules[id], e.modules[def.ARN] = def, def
	return def
}

// doc writes a flow document starting at the first action.
func doc(actions ...string) string {
	start := ""
	if len(actions) > 0 {
		var a struct{ Identifier string }
		if err := json.Unmarshal([]byte(actions[0]), &a); err != nil {
			panic(err)
		}
		start = a.Identifier
	}
	return `{"Version":"2019-10-30","StartAction":` + js(start) + `,"Actions":[` + strings.Join(actions, ",") + `]}`
}

// moduleDoc writes a module document with the console's default Settings.
func moduleDoc(actions ...string) string {
	d := doc(actions...)
	return d[:len(d)-1] + `,"Settings":{"InputParameters":[],"OutputParameters":[],"Transitions":[{"DisplayName":"Success","ReferenceName":"Success","Description":""},{"DisplayName":"Error","ReferenceName":"Error","Description":""}]}}`
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// tr is an action's Transitions.
type tr struct {
	next   string
	errors [][2]string // ErrorType, NextAction
	conds  [][3]string // Operator, Operand, NextAction
}

func (t tr) json() string {
	var parts []string
	if t.next != "" {
		parts = append(parts, `"NextAction":`+js(t.next))
	}
	if len(t.errors) > 0 {
		var es []string
		for _, e := range t.errors {
			es = append(es, `{"ErrorType":`+js(e[0])+`,"NextAction":`+js(e[1])+`}`)
		}
		parts = append(parts, `"Errors":[`+strings.Join(es, ",")+`]`)
	}
	if len(t.conds) > 0 {
		var cs []string
		for _, c := range t.conds {
			cs = append(cs, `{"NextAction":`+js(c[2])+`,"Condition":{"Operator":`+js(c[0])+`,"Operands":[`+js(c[1])+`]}}`)
		}
		parts = append(parts, `"Conditions":[`+strings.Join(cs, ",")+`]`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// act writes an action; params "" leaves Parameters out altogether.
func act(id, typ, params string, t tr) string {
	s := `{"Identifier":` + js(id) + `,"Type":` + js(typ)
	if params != "" {
		s += `,"Parameters":` + params
	}
	return s + `,"Transitions":` + t.json() + "}"
}

func to(next string) tr { return tr{next: next} }

// onErr is NextAction next with NoMatchingError going to errNext.
func onErr(next, errNext string) tr {
	return tr{next: next, errors: [][2]string{{flow.ErrNoMatchingError, errNext}}}
}

// Terminal actions and the prompts tests use to mark where a flow went.
func say(id, text, next string) string {
	return act(id, "MessageParticipant", `{"Text":`+js(text)+`}`, to(next))
}
func hangup(id string) string { return act(id, "DisconnectParticipant", `{}`, tr{}) }

// sim is a simulated caller: it answers every wait from a script and keeps
// every effect.
type sim struct {
	t   testing.TB
	eng *Engine
	env *testEnv
	c   *Contact
	now time.Time

	effects []Effect
	// keys answers input waits in order: keys to press, or "timeout".
	// A key string starting with "!" is pressed while the prompt plays.
	keys      []string
	functions []FunctionResult
	transfers []TransferResult
	bots      []BotResult
	// loops is how many prompts of a prompt loop to play before the interrupt timer.
	promptTime time.Duration
	// persist round-trips the contact through JSON at every wait, as a
	// store would.
	persist bool
}

// t0 is a Wednesday, 10:30 UTC.
var t0 = time.Date(2025, 3, 12, 10, 30, 0, 0, time.UTC)

func newSim(t testing.TB, env *testEnv) *sim {
	return &sim{t: t, env: env, eng: &Engine{Env: env}, now: t0, promptTime: time.Second, c: newContact("c-1")}
}

func newContact(id string) *Contact {
	return &Contact{
		ContactID: id, Channel: "VOICE", InitiationMethod: "INBOUND", InstanceARN: instanceARN,
		CustomerEndpoint: Endpoint{Address: "+447700900123"},
		SystemEndpoint:   Endpoint{Address: "+442071230000"},
	}
}

// step applies an event and keeps its effects; refusals fail the test.
func (s *sim) step(ev Event) []Effect {
	s.t.Helper()
	if ev.Time.IsZero() {
		ev.Time = s.now
	}
	if ev.Time.After(s.now) {
		s.now = ev.Time
	}
	effs, err := s.eng.Step(s.c, ev)
	if err != nil {
		s.t.Fatalf("Step(%s): %v", ev.Kind, err)
	}
	s.effects = append(s.effects, effs...)
	if s.persist {
		b, err := json.Marshal(s.c)
		if err != nil {
			s.t.Fatal(err)
		}
		var c Contact
		if err := json.Unmarshal(b, &c); err != nil {
			s.t.Fatalf("%v\n%s", err, b)
		}
		s.c = &c
	}
	return effs
}

// call starts flow id and answers waits until the contact is idle or ended.
func (s *sim) call(id string) *sim {
	s.t.Helper()
	s.step(Event{Kind: EventStart, FlowID: id})
	s.run()
	return s
}

func (s *sim) run() {
	s.t.Helper()
	for i := 0; s.c.Status() == StatusParked; i++ {
		if i > 2000 {
			s.t.Fatal("the simulation does not end")
		}
		w := s.c.Wait
		switch w.Kind {
		case WaitPrompt:
			s.step(Event{Kind: EventPromptDone, Time: s.now.Add(s.promptTime), Seq: w.Seq})
		case WaitInput:
			if len(s.keys) > 0 && strings.HasPrefix(s.keys[0], "!") && w.Playing {
				k := s.keys[0][1:]
				s.keys = s.keys[1:]
				s.step(Event{Kind: EventDigits, Digits: k, Time: s.now.Add(s.promptTime / 2), Seq: w.Seq})
				continue
			}
			if w.Playing {
				s.step(Event{Kind: EventPromptDone, Time: s.now.Add(s.promptTime), Seq: w.Seq})
				continue
			}
			if len(s.keys) == 0 || s.keys[0] == "timeout" {
				if len(s.keys) > 0 {
					s.keys = s.keys[1:]
				}
				s.step(Event{Kind: EventTimeout, Time: w.Deadline, Seq: w.Seq})
				continue
			}
			k := s.keys[0]
			s.keys = s.keys[1:]
			s.step(Event{Kind: EventDigits, Digits: k, Time: s.now.Add(time.Second), Seq: w.Seq})
		case WaitPromptLoop:
			if !w.Deadline.IsZero() && !s.now.Add(s.promptTime).Before(w.Deadline) {
				s.step(Event{Kind: EventTimeout, Time: w.Deadline, Seq: w.Seq})
				continue
			}
			if w.Deadline.IsZero() {
				// Without an interrupt timer it loops until the customer leaves.
				s.step(Event{Kind: EventHangUp, Time: s.now.Add(s.promptTime)})
				continue
			}
			s.step(Event{Kind: EventPromptDone, Time: s.now.Add(s.promptTime), Seq: w.Seq})
		case WaitFunction:
			if len(s.functions) == 0 {
				s.t.Fatal("the flow invoked a function the script does not answer")
			}
			r := s.functions[0]
			s.functions = s.functions[1:]
			s.step(Event{Kind: EventFunctionResult, Function: r, Time: s.now.Add(50 * time.Millisecond), Seq: w.Seq})
		case WaitTransfer:
			if len(s.transfers) == 0 {
				s.t.Fatal("the flow transferred the call, and the script has no outcome")
			}
			r := s.transfers[0]
			s.transfers = s.transfers[1:]
			s.step(Event{Kind: EventTransferResult, Transfer: r, Time: s.now.Add(10 * time.Second), Seq: w.Seq})
		case WaitBot:
			if len(s.bots) == 0 {
				s.step(Event{Kind: EventBotResult, Bot: BotResult{Err: "no scripted intent for this bot"}, Time: s.now.Add(time.Second), Seq: w.Seq})
				continue
			}
			r := s.bots[0]
			s.bots = s.bots[1:]
			s.step(Event{Kind: EventBotResult, Bot: r, Time: s.now.Add(3 * time.Second), Seq: w.Seq})
		case WaitTimer:
			s.step(Event{Kind: EventTimeout, Time: w.Deadline, Seq: w.Seq})
		default:
			s.t.Fatalf("parked in wait %v", w.Kind)
		}
	}
}

// said lists what the contact heard: the Text, SSML, prompt id or media URI
// of every Prompt.
func (s *sim) said() []string {
	var out []string
	for _, e := range s.effects {
		if p, ok := e.(Prompt); ok {
			switch {
			case p.Text != "":
				out = append(out, p.Text)
			case p.SSML != "":
				out = append(out, p.SSML)
			case p.PromptID != "":
				out = append(out, "prompt:"+p.PromptID)
			default:
				out = append(out, "media:"+p.MediaURI)
			}
		}
	}
	return out
}

// path lists the actions visited, in order, by identifier.
func (s *sim) path() []string {
	var out []string
	for _, e := range s.effects {
		if t, ok := e.(*Trace); ok && (t.Kind == TraceAction || t.Kind == TraceWait) {
			out = append(out, t.Action)
		}
	}
	return out
}

// last returns the last trace entry of action id that chose a branch, or
// that parked.
func (s *sim) last(id string) *Trace {
	s.t.Helper()
	for i := len(s.effects) - 1; i >= 0; i-- {
		if t, ok := s.effects[i].(*Trace); ok && t.Action == id && t.Kind != TraceEvent {
			return t
		}
	}
	s.t.Fatalf("action %q never ran; trace:\n%s", id, s.dump())
	return nil
}

// ended returns the FlowEnded effect.
func (s *sim) ended() FlowEnded {
	s.t.Helper()
	for i := len(s.effects) - 1; i >= 0; i-- {
		if e, ok := s.effects[i].(FlowEnded); ok {
			return e
		}
	}
	s.t.Fatal("the flow did not end")
	return FlowEnded{}
}

// find returns the effects of type E.
func find[E Effect](s *sim) []E {
	var out []E
	for _, e := range s.effects {
		if v, ok := e.(E); ok {
			out = append(out, v)
		}
	}
	return out
}

func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqList(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s =\n  %q\nwant\n  %q", what, got, want)
	}
}

// dump formats the trace for failure messages.
func (s *sim) dump() string {
	var b strings.Builder
	for _, e := range s.effects {
		if t, ok := e.(*Trace); ok {
			fmt.Fprintf(&b, "%s %s %s %v result=%q branch=%q next=%q why=%q err=%q\n", t.Kind, t.Action, t.Type, t.Params, t.Result, t.Branch, t.Next, t.Why, t.Error)
		} else {
			fmt.Fprintf(&b, "  %T %+v\n", e, e)
		}
	}
	return b.String()
}
