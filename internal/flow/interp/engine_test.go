package interp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// menuFlow is a small inbound flow: greet, look the caller up, offer a menu
// and either queue or say goodbye.
func menuFlow() string {
	return doc(
		act("log", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, to("lookup")),
		act("lookup", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:lookup","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"},"ResponseValidation":{"ResponseType":"STRING_MAP"}}`,
			onErr("greet", "sorry")),
		say("greet", "Hello $.External.Name.", "menu"),
		act("menu", "GetParticipantInput", `{"Text":"Press 1 for sales, 2 to leave.","InputTimeLimitSeconds":"5","StoreInput":"False"}`,
			tr{errors: [][2]string{{"InputTimeLimitExceeded", "sorry"}, {"NoMatchingCondition", "sorry"}, {"NoMatchingError", "sorry"}},
				conds: [][3]string{{"Equals", "1", "set-queue"}, {"Equals", "2", "bye"}}}),
		act("set-queue", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, onErr("queue", "sorry")),
		act("queue", "TransferContactToQueue", "", tr{next: "sorry", errors: [][2]string{{"QueueAtCapacity", "full"}, {"NoMatchingError", "sorry"}}}),
		say("full", "We are busy.", "bye"),
		say("sorry", "Sorry.", "bye"),
		say("bye", "Goodbye.", "end"),
		hangup("end"),
	)
}

func TestMenuCallQueues(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", menuFlow())
	s := newSim(t, env)
	s.functions = []FunctionResult{{Payload: []byte(`{"Name":"Ann"}`)}}
	s.keys = []string{"1"}
	s.call("main")

	eqList(t, "said", s.said(), []string{"Hello Ann.", "Press 1 for sales, 2 to leave."})
	eqList(t, "path", s.path(), []string{"log", "lookup", "greet", "menu", "set-queue", "queue"})
	eq(t, "status", s.c.Status(), StatusIdle)
	eq(t, "queued", s.c.Queued, true)
	end := s.ended()
	eq(t, "end reason", end.Reason, EndQueued)
	q := find[QueueContact](s)
	if len(q) != 1 || q[0].QueueID != "q-sales" || q[0].QueueName != "Sales" {
		t.Fatalf("QueueContact effects %+v", q)
	}
	if len(find[Disconnect](s)) != 0 {
		t.Error("a queued contact was disconnected")
	}
	if !s.c.FlowLogging {
		t.Error("flow logging not enabled")
	}
}

func TestMenuCallTimesOutAndHangsUp(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", menuFlow())
	s := newSim(t, env)
	s.functions = []FunctionResult{{Err: "Unhandled"}}
	s.keys = []string{"timeout"}
	s.call("main")

	eqList(t, "said", s.said(), []string{"Sorry.", "Goodbye."})
	eq(t, "status", s.c.Status(), StatusEnded)
	eq(t, "disconnect reason", s.c.DisconnectReason, "CONTACT_FLOW_DISCONNECT")
	eq(t, "end reason", s.ended().Reason, EndDisconnected)
	lookup := s.last("lookup")
	eq(t, "lookup branch", lookup.Branch, "Error NoMatchingError")
	if !strings.Contains(lookup.Why, "Unhandled") {
		t.Errorf("lookup why %q does not say what failed", lookup.Why)
	}
}

// The contact is plain data: stored and restored at every wait (as a
// store would), it goes exactly the same way.
func TestContactSurvivesJSONAtEveryWait(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", menuFlow())
	run := func(persist bool) *sim {
		s := newSim(t, env)
		s.persist = persist
		s.functions = []FunctionResult{{Payload: []byte(`{"Name":"Ann","Tier":"gold"}`)}}
		s.keys = []string{"2"}
		return s.call("main")
	}
	a, b := run(false), run(true)
	eqList(t, "said", b.said(), a.said())
	eqList(t, "path", b.path(), a.path())
	eq(t, "status", b.c.Status(), StatusEnded)
	ja, _ := json.Marshal(a.c)
	jb, _ := json.Marshal(b.c)
	eq(t, "final state", string(jb), string(ja))
}

// A contact parked on input with a typical load of data stays well under
// 4 KB stored.
func TestParkedContactIsSmall(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("attrs", "UpdateContactAttributes", `{"Attributes":{"a1":"$.External.k1","a2":"$.External.k2","a3":"$.External.k3","a4":"value four","a5":"value five","a6":"six","a7":"seven","a8":"eight","a9":"nine","a10":"ten"}}`, to("fa")),
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"step":{"Value":"menu"}}}`, to("menu")),
		act("menu", "GetParticipantInput", `{"Text":"Press a key.","StoreInput":"False"}`, tr{conds: [][3]string{{"Equals", "1", "end"}}}),
		hangup("end"),
	))
	s := newSim(t, env)
	// Start with a function result already in the frame: ten keys of $.External.
	s.step(Event{Kind: EventStart, FlowID: "main"})
	ext := map[string]string{}
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10"} {
		ext[k] = "a value of twenty ch"
	}
	s.c.Frames[0].External = NewDataMap(ext)
	b, err := json.Marshal(s.c)
	if err != nil {
		t.Fatal(err)
	}
	if s.c.Status() != StatusParked || len(b) > 4096 {
		t.Fatalf("parked contact is %d bytes (status %v):\n%s", len(b), s.c.Status(), b)
	}
	t.Logf("parked contact: %d bytes of JSON", len(b))
}

func TestStepRefusesBadEvents(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(say("hello", "Hi.", "end"), hangup("end")))
	eng := &Engine{Env: env}

	c := newContact("c-1")
	if _, err := Step(env, c, Event{Kind: EventStart, FlowID: "main"}); !errors.Is(err, ErrNoTime) {
		t.Errorf("no time: %v", err)
	}
	if _, err := eng.Step(c, Event{Kind: EventStart, Time: t0, FlowID: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown flow: %v", err)
	}
	if _, err := eng.Step(c, Event{Kind: EventPromptDone, Time: t0}); !errors.Is(err, ErrUnexpectedEvent) {
		t.Errorf("prompt done before start: %v", err)
	}
	if c.Status() != StatusIdle || c.Clock != (time.Time{}) {
		t.Fatalf("a refused event changed the contact: %+v", c)
	}
	effs, err := eng.Step(c, Event{Kind: EventStart, Time: t0, FlowID: "main"})
	if err != nil || c.Wait.Kind != WaitPrompt {
		t.Fatalf("start: %v, wait %v, effects %v", err, c.Wait.Kind, effs)
	}
	before, _ := json.Marshal(c)
	for name, ev := range map[string]Event{
		"busy":         {Kind: EventStart, Time: t0, FlowID: "main"},
		"time back":    {Kind: EventPromptDone, Time: t0.Add(-time.Second)},
		"wrong answer": {Kind: EventFunctionResult, Time: t0},
		"no timer":     {Kind: EventTimeout, Time: t0},
		"bad keys":     {Kind: EventDigits, Time: t0, Digits: "1x"},
		"no keys":      {Kind: EventDigits, Time: t0},
		"bad transfer": {Kind: EventTransferResult, Time: t0, Transfer: 99},
		"unknown kind": {Kind: 77, Time: t0},
	} {
		if _, err := eng.Step(c, ev); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	after, _ := json.Marshal(c)
	eq(t, "state after refusals", string(after), string(before))

	// A stale answer (for another wait) is discarded, not applied.
	effs, err = eng.Step(c, Event{Kind: EventPromptDone, Time: t0, Seq: c.Wait.Seq + 7})
	if err != nil || c.Wait.Kind != WaitPrompt {
		t.Fatalf("stale prompt-done: %v, wait %v", err, c.Wait.Kind)
	}
	if tr, ok := effs[0].(*Trace); !ok || !strings.Contains(tr.Why, "stale") {
		t.Errorf("stale event not noted: %v", effs)
	}
	if _, err := eng.Step(c, Event{Kind: EventPromptDone, Time: t0.Add(time.Second), Seq: c.Wait.Seq}); err != nil {
		t.Fatal(err)
	}
	if c.Status() != StatusEnded {
		t.Fatalf("status %v", c.Status())
	}
	if _, err := eng.Step(c, Event{Kind: EventHangUp, Time: t0.Add(2 * time.Second)}); !errors.Is(err, ErrEnded) {
		t.Errorf("event after the end: %v", err)
	}
}

func TestEarlyTimeoutRefused(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(act("w", "Wait", `{"TimeLimitSeconds":"60"}`, tr{conds: [][3]string{{"Equals", "WaitCompleted", "end"}}}), hangup("end")))
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	if _, err := s.eng.Step(s.c, Event{Kind: EventTimeout, Time: t0.Add(59 * time.Second)}); !errors.Is(err, ErrEarlyTimeout) {
		t.Fatalf("early timeout: %v", err)
	}
	eq(t, "deadline", s.c.Wait.Deadline, t0.Add(time.Minute))
}

func TestHangUpEndsTheFlow(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(say("hello", "Hi.", "end"), hangup("end")))
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	s.step(Event{Kind: EventHangUp, Time: t0.Add(time.Second)})
	eq(t, "status", s.c.Status(), StatusEnded)
	eq(t, "reason", s.c.DisconnectReason, "CUSTOMER_DISCONNECT")
	eq(t, "end", s.ended().Reason, EndHungUp)
	if len(find[Disconnect](s)) != 0 {
		t.Error("the engine hung up a call the customer already left")
	}
	eqList(t, "path", s.path(), []string{"hello"})
}

func TestInterruptLeavesContactIdle(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "queue-flow", "CUSTOMER_QUEUE", doc(
		act("loop", "MessageParticipantIteratively", `{"Messages":[{"Text":"Please hold."}]}`, tr{}),
	))
	env.addFlow(t, "whisper", "CUSTOMER_WHISPER", doc(say("w", "Connecting you.", "end"), act("end", "EndFlowExecution", `{}`, tr{})))
	s := newSim(t, env)
	s.c.Queued = true
	s.step(Event{Kind: EventStart, FlowID: "queue-flow"})
	s.step(Event{Kind: EventInterrupt, Time: t0.Add(30 * time.Second)})
	eq(t, "status", s.c.Status(), StatusIdle)
	eq(t, "end", s.ended().Reason, EndInterrupted)
	// The next flow runs on the same contact; a whisper's end leaves it idle.
	s.call("whisper")
	eq(t, "status after whisper", s.c.Status(), StatusIdle)
	eq(t, "end", s.ended().Reason, EndFinished)
}

// An action type the engine does not run ends the contact loudly, naming
// the type and the action.
func TestUnimplementedActionFaults(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("make task", "CreateTask", `{"Name":"x"}`, onErr("end", "end")),
		hangup("end"),
	))
	s := newSim(t, env).call("main")
	eq(t, "status", s.c.Status(), StatusEnded)
	for _, want := range []string{"CreateTask", `"make task"`, "not implemented"} {
		if !strings.Contains(s.c.Fault, want) {
			t.Errorf("fault %q does not say %s", s.c.Fault, want)
		}
	}
	eq(t, "end", s.ended().Reason, EndFault)
	eqList(t, "path", s.path(), []string{"make task"})
	if len(find[Disconnect](s)) != 1 {
		t.Error("no Disconnect effect")
	}
}

func TestRunawayLoopFaults(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("spin", "Compare", `{"ComparisonValue":"x"}`, tr{conds: [][3]string{{"Equals", "x", "spin again"}}}),
		act("spin again", "UpdateContactAttributes", `{"Attributes":{"n":"1"}}`, to("spin")),
	))
	s := newSim(t, env)
	s.eng.Limits.MaxActionsPerStep = 50
	s.call("main")
	eq(t, "status", s.c.Status(), StatusEnded)
	if !strings.Contains(s.c.Fault, "runaway") || !strings.Contains(s.c.Fault, `"spin"`) {
		t.Errorf("fault %q", s.c.Fault)
	}
	eq(t, "actions run", int(s.c.Executed), 50)

	// The life-long limit catches a loop that waits each time round.
	env.addFlow(t, "slow", "CONTACT_FLOW", doc(say("again", "Still here.", "again")))
	s = newSim(t, env)
	s.eng.Limits.MaxActions = 20
	s.call("slow")
	if !strings.Contains(s.c.Fault, "action limit") || !strings.Contains(s.c.Fault, `"again"`) {
		t.Errorf("fault %q", s.c.Fault)
	}
	eq(t, "prompts", len(s.said()), 20)
}

// A flow republished while a contact waits in it, without the action the
// contact waits on, cannot be resumed silently elsewhere.
func TestRepublishedFlowWithoutTheActionFaults(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(say("hello", "Hi.", "end"), hangup("end")))
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	env.addFlow(t, "main", "CONTACT_FLOW", doc(say("welcome", "Hi.", "end"), hangup("end")))
	s.run()
	if !strings.Contains(s.c.Fault, `"hello"`) {
		t.Errorf("fault %q", s.c.Fault)
	}
}

// Keys pressed while a plain prompt plays are lost; keys pressed after an
// input's timer ran out go to whatever listens next.
func TestKeysOutsideInput(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		say("hello", "Hi.", "menu"),
		act("menu", "GetParticipantInput", `{"Text":"Press 1.","InputTimeLimitSeconds":"5"}`,
			tr{errors: [][2]string{{"InputTimeLimitExceeded", "retry"}}, conds: [][3]string{{"Equals", "1", "one"}}}),
		act("retry", "GetParticipantInput", `{"Text":"Again: press 1.","InputTimeLimitSeconds":"5"}`,
			tr{errors: [][2]string{{"InputTimeLimitExceeded", "end"}}, conds: [][3]string{{"Equals", "1", "one"}}}),
		say("one", "One.", "end"),
		hangup("end"),
	))
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	effs := s.step(Event{Kind: EventDigits, Digits: "1", Time: t0.Add(100 * time.Millisecond)})
	if tr, ok := effs[0].(*Trace); !ok || !strings.Contains(tr.Why, "discarded keys") {
		t.Fatalf("key during a prompt: %v", effs)
	}
	s.step(Event{Kind: EventPromptDone, Time: t0.Add(time.Second)}) // hello done
	s.step(Event{Kind: EventPromptDone, Time: t0.Add(2 * time.Second)})
	eq(t, "deadline", s.c.Wait.Deadline, t0.Add(7*time.Second))
	// The caller presses 1 at 9 s: the menu timed out at 7 s first.
	s.step(Event{Kind: EventDigits, Digits: "1", Time: t0.Add(9 * time.Second)})
	s.run()
	eqList(t, "path", s.path(), []string{"hello", "menu", "retry", "one", "end"})
	eq(t, "menu branch", s.last("menu").Branch, "Error InputTimeLimitExceeded")
}
