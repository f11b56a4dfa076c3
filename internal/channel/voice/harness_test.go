package voice

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// This file holds what the simulator tests run on: an in-memory Env, a
// fake function invoker, an in-memory recorder, a number plan of claimed
// numbers, and a small writer of flows in the flow language.

const (
	testInstance = "11111111-2222-3333-4444-555555555555"
	testNumber   = "+442071234567"
)

var testInstanceARN = "arn:aws:connect:eu-west-2:123456789012:instance/" + testInstance

type testEnv struct {
	flows   map[string]*interp.FlowDef
	modules map[string]*interp.FlowDef
	queues  map[string]*interp.Queue
	hours   map[string]*interp.Hours
	prompts map[string]*interp.PromptResource
}

func newTestEnv() *testEnv {
	e := &testEnv{flows: map[string]*interp.FlowDef{}, modules: map[string]*interp.FlowDef{},
		queues: map[string]*interp.Queue{}, hours: map[string]*interp.Hours{}, prompts: map[string]*interp.PromptResource{}}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	// Weekdays 09:00-17:00 in London.
	var slots []interp.HoursSlot
	for d := time.Monday; d <= time.Friday; d++ {
		slots = append(slots, interp.HoursSlot{Day: d, Start: interp.TimeOfDay{Hours: 9}, End: interp.TimeOfDay{Hours: 17}})
	}
	e.hours["office"] = &interp.Hours{ID: "office", Location: london, Config: slots}
	e.addQueue("q-sales", "Sales")
	e.addQueue("q-support", "Support")
	e.prompts["p-chime"] = &interp.PromptResource{ID: "p-chime", ARN: testInstanceARN + "/prompt/p-chime", Name: "Chime", URI: "s3://prompts/chime.wav"}
	return e
}

func (e *testEnv) addQueue(id, name string) {
	q := &interp.Queue{ID: id, ARN: testInstanceARN + "/queue/" + id, Name: name, HoursID: "office"}
	e.queues[id], e.queues[q.ARN] = q, q
}

func get[T any](m map[string]*T, ref string) (*T, error) {
	if v, ok := m[ref]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%q: %w", ref, interp.ErrNotFound)
}

func (e *testEnv) Flow(ref string) (*interp.FlowDef, error)          { return get(e.flows, ref) }
func (e *testEnv) Module(ref string) (*interp.FlowDef, error)        { return get(e.modules, ref) }
func (e *testEnv) Queue(ref string) (*interp.Queue, error)           { return get(e.queues, ref) }
func (e *testEnv) AgentQueue(ref string) (*interp.Queue, error)      { return nil, interp.ErrNotFound }
func (e *testEnv) Hours(ref string) (*interp.Hours, error)           { return get(e.hours, ref) }
func (e *testEnv) Prompt(ref string) (*interp.PromptResource, error) { return get(e.prompts, ref) }
func (e *testEnv) QueueMetrics(string) (interp.Metrics, error)       { return interp.Metrics{}, nil }
func (e *testEnv) Profiles() (interp.Profiles, error)                { return nil, interp.ErrNoProfiles }

// add compiles a flow and publishes it under id.
func (e *testEnv) add(t testing.TB, id, typ, content string) {
	t.Helper()
	f, err := flow.Parse([]byte(content), flow.KindFlow)
	if err != nil {
		t.Fatalf("flow %s: %v\n%s", id, err, content)
	}
	e.flows[id] = &interp.FlowDef{ID: id, ARN: testInstanceARN + "/contact-flow/" + id, Name: "Flow " + id, Type: typ, Flow: f}
}

// fakeInvoker answers functions by ARN suffix without running anything.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []string // the events it was sent
	fns   map[string]func(event []byte) ([]byte, error)
}

func (f *fakeInvoker) Invoke(_ context.Context, instanceID, arn string, event []byte, _ time.Duration) ([]byte, error) {
	f.mu.Lock()
	f.calls = append(f.calls, string(event))
	f.mu.Unlock()
	if instanceID != testInstance {
		return nil, fmt.Errorf("invoked for instance %s", instanceID)
	}
	name := arn[strings.LastIndexByte(arn, ':')+1:]
	fn, ok := f.fns[name]
	if !ok {
		return nil, &lambda.Error{Kind: lambda.ErrNoBinding, FunctionArn: arn, Message: "no binding"}
	}
	return fn(event)
}

// memRecorder keeps records as a store would: encoded, so that later
// changes to what was Put cannot reach what was stored.
type memRecorder struct {
	mu   sync.Mutex
	puts [][]byte
	last map[string][]byte
}

func (m *memRecorder) Put(_ context.Context, r *contacts.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		m.last = map[string][]byte{}
	}
	m.puts = append(m.puts, b)
	m.last[r.InstanceID+"/"+r.ContactID] = b
	return nil
}

func (m *memRecorder) Get(_ context.Context, inst, id string) (*contacts.Record, error) {
	m.mu.Lock()
	b, ok := m.last[inst+"/"+id]
	m.mu.Unlock()
	if !ok {
		return nil, apierr.New("ResourceNotFoundException", "contact %s was not found in instance %s", id, inst)
	}
	var r contacts.Record
	return &r, json.Unmarshal(b, &r)
}

// rig is a simulator over a test Env with one claimed number.
type rig struct {
	env *testEnv
	fns *fakeInvoker
	rec *memRecorder
	sim *Simulator
	// numberFlow is the flow associated with testNumber.
	numberFlow string
}

func newRig(t testing.TB) *rig {
	r := &rig{env: newTestEnv(), fns: &fakeInvoker{fns: map[string]func([]byte) ([]byte, error){}}, rec: &memRecorder{}, numberFlow: "main"}
	n := 0
	r.sim = New(Config{
		Route: func(_ context.Context, e164 string) (string, string, error) {
			if e164 != testNumber {
				return "", "", apierr.New("ResourceNotFoundException", "phone number %s is not claimed", e164)
			}
			return testInstance, r.numberFlow, nil
		},
		Env:      func(string) interp.Env { return r.env },
		Invoker:  r.fns,
		Recorder: r.rec,
		Region:   "eu-west-2", AccountID: "123456789012",
		NewID: func() string { n++; return fmt.Sprintf("contact-%d", n) },
	})
	return r
}

// Monday 23 November 2026, 10:00 in London (GMT).
var monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// call places a call to testNumber with script s.
func (r *rig) call(t testing.TB, s Script) *contacts.Record {
	t.Helper()
	rec, err := r.sim.Run(context.Background(), &Call{To: testNumber, At: monday10, Script: s})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Every report the tests make is also written as encoding/json would.
	o := Output(rec)
	got, err := o.marshal()
	want, werr := json.Marshal(o)
	if err != nil || werr != nil || string(got) != string(want) {
		t.Fatalf("the call's answer, written by hand:\n%s (%v)\nencoding/json writes:\n%s (%v)", got, err, want, werr)
	}
	return rec
}

// Flow writing. doc starts at the first action.

func doc(actions ...string) string {
	var a struct{ Identifier string }
	if err := json.Unmarshal([]byte(actions[0]), &a); err != nil {
		panic(err)
	}
	return `{"Version":"2019-10-30","StartAction":` + js(a.Identifier) + `,"Actions":[` + strings.Join(actions, ",") + `]}`
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// act writes an action. next is NextAction ("" for none); branches are
// pairs: "Equals:1" → target for conditions, an error type → target.
func act(id, typ, params, next string, branches ...string) string {
	var conds, errs []string
	for i := 0; i+1 < len(branches); i += 2 {
		if op, operand, ok := strings.Cut(branches[i], ":"); ok {
			conds = append(conds, `{"NextAction":`+js(branches[i+1])+`,"Condition":{"Operator":`+js(op)+`,"Operands":[`+js(operand)+`]}}`)
		} else {
			errs = append(errs, `{"ErrorType":`+js(branches[i])+`,"NextAction":`+js(branches[i+1])+`}`)
		}
	}
	var tr []string
	if next != "" {
		tr = append(tr, `"NextAction":`+js(next))
	}
	if conds != nil {
		tr = append(tr, `"Conditions":[`+strings.Join(conds, ",")+`]`)
	}
	if errs != nil {
		tr = append(tr, `"Errors":[`+strings.Join(errs, ",")+`]`)
	}
	if params == "" {
		params = "{}"
	}
	return `{"Identifier":` + js(id) + `,"Type":` + js(typ) + `,"Parameters":` + params + `,"Transitions":{` + strings.Join(tr, ",") + `}}`
}

func say(id, text, next string) string {
	return act(id, "MessageParticipant", `{"Text":`+js(text)+`}`, next, "NoMatchingError", next)
}

func bye(id string) string { return act(id, "DisconnectParticipant", "", "") }

// Report reading.

func events(r *contacts.Record, typ string) []contacts.Event {
	var out []contacts.Event
	for _, e := range r.Report.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// heard lists the prompts' text (or prompt id or media).
func heard(r *contacts.Record) []string {
	var out []string
	for _, e := range events(r, "prompt") {
		for _, k := range []string{"text", "ssml", "promptId", "media"} {
			if v, ok := e.Detail.Lookup(k); ok {
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	return out
}

// path lists the actions that chose a branch, as action→next.
func path(r *contacts.Record) []string {
	var out []string
	for _, e := range events(r, "branch") {
		out = append(out, e.Action+"→"+fmt.Sprint(e.Detail.Get("next")))
	}
	return out
}

func dump(r *contacts.Record) string {
	var b strings.Builder
	for _, e := range r.Report.Events {
		d, _ := json.Marshal(e.Detail)
		fmt.Fprintf(&b, "  %7.3f %-9s %-12s %s\n", e.At, e.Type, e.Action, d)
	}
	o, _ := json.Marshal(r.Report.Outcome)
	fmt.Fprintf(&b, "  outcome %s\n", o)
	return b.String()
}

func eqList(t testing.TB, r *contacts.Record, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s =\n  %q\nwant\n  %q\nreport:\n%s", what, got, want, dump(r))
	}
}

func outcome(t testing.TB, r *contacts.Record, disposition string) {
	t.Helper()
	if r.Report.Outcome.Disposition != disposition {
		t.Fatalf("disposition %s, want %s\nreport:\n%s", r.Report.Outcome.Disposition, disposition, dump(r))
	}
}

// nopRecorder keeps nothing.
type nopRecorder struct{}

func (nopRecorder) Put(context.Context, *contacts.Record) error { return nil }
func (nopRecorder) Get(context.Context, string, string) (*contacts.Record, error) {
	return nil, apierr.New("ResourceNotFoundException", "nothing is kept")
}
