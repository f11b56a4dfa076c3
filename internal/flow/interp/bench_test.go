package interp

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// benchMenuFlow is a 20-action inbound flow: set-up actions, one function
// call, a greeting, a menu (one key), an account number (eight keys), a
// handful of checks and settings, a confirmation and a transfer to queue.
func benchMenuFlow() string {
	return doc(
		act("log", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, to("rec")),
		act("rec", "UpdateContactRecordingBehavior", `{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]}}`, to("voice")),
		act("voice", "UpdateContactTextToSpeechVoice", `{"TextToSpeechVoice":"Amy"}`, to("caller")),
		act("caller", "UpdateContactAttributes", `{"Attributes":{"caller":"$.CustomerEndpoint.Address","dialled":"$.SystemEndpoint.Address"}}`, onErr("lookup", "sorry")),
		act("lookup", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:lookup","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"},"ResponseValidation":{"ResponseType":"STRING_MAP"}}`, onErr("save", "sorry")),
		act("save", "UpdateContactAttributes", `{"Attributes":{"name":"$.External.Name","tier":"$.External.Tier"}}`, onErr("vip", "sorry")),
		act("vip", "Compare", `{"ComparisonValue":"$.Attributes.tier"}`, tr{next: "greet", conds: [][3]string{{"Equals", "gold", "greet"}}, errors: [][2]string{{"NoMatchingCondition", "greet"}}}),
		say("greet", "Hello $.External.Name, thanks for calling.", "hours"),
		act("hours", "CheckHoursOfOperation", `{"HoursOfOperationId":"always"}`, tr{conds: [][3]string{{"Equals", "True", "menu"}, {"Equals", "False", "sorry"}}, errors: [][2]string{{"NoMatchingError", "sorry"}}}),
		act("menu", "GetParticipantInput", `{"Text":"Press 1 for billing or 2 for sales.","InputTimeLimitSeconds":"5","StoreInput":"False"}`,
			tr{conds: [][3]string{{"Equals", "1", "acct"}, {"Equals", "2", "acct"}}, errors: [][2]string{{"InputTimeLimitExceeded", "sorry"}, {"NoMatchingCondition", "sorry"}, {"NoMatchingError", "sorry"}}}),
		act("acct", "GetParticipantInput", `{"Text":"Enter your account number.","StoreInput":"True","InputTimeLimitSeconds":"5","InputValidation":{"CustomValidation":{"MaximumLength":"8"}}}`, onErr("timeout?", "sorry")),
		act("timeout?", "Compare", `{"ComparisonValue":"$.StoredCustomerInput"}`, tr{next: "fa", conds: [][3]string{{"Equals", "Timeout", "sorry"}}, errors: [][2]string{{"NoMatchingCondition", "fa"}}}),
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"account":{"Value":"$.StoredCustomerInput"}}}`, onErr("store", "sorry")),
		act("store", "UpdateContactAttributes", `{"Attributes":{"account":"$.FlowAttributes.account"}}`, onErr("split", "sorry")),
		act("split", "DistributeByPercentage", `{}`, tr{next: "set-queue", conds: [][3]string{{"NumberLessThan", "101", "set-queue"}}, errors: [][2]string{{"NoMatchingCondition", "set-queue"}}}),
		act("set-queue", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, onErr("prio", "sorry")),
		act("prio", "UpdateContactRoutingBehavior", `{"QueuePriority":"2"}`, onErr("hooks", "sorry")),
		act("hooks", "UpdateContactEventHooks", `{"EventHooks":{"CustomerQueue":"menu"}}`, onErr("confirm", "sorry")),
		say("confirm", "Thank you $.Attributes.name, account $.Attributes.account. Connecting you now.", "queue"),
		act("queue", "TransferContactToQueue", "", tr{next: "sorry", errors: [][2]string{{"NoMatchingError", "sorry"}}}),
		say("sorry", "Sorry, goodbye.", "end"),
		hangup("end"),
	)
}

const benchActions = 20

var benchResponse = []byte(`{"Name":"Ann","Tier":"gold","Balance":"42.10"}`)

// driveMenuCall runs one call to the end, answering at once what the flow
// asks: every prompt done, the function answered, the keys pressed.
func driveMenuCall(tb testing.TB, eng *Engine, c *Contact) {
	t := t0
	if _, err := eng.Step(c, Event{Kind: EventStart, Time: t, FlowID: "menu"}); err != nil {
		tb.Fatal(err)
	}
	for c.Status() == StatusParked {
		t = t.Add(time.Second)
		w := &c.Wait
		ev := Event{Time: t, Seq: w.Seq}
		switch {
		case w.Kind == WaitFunction:
			ev.Kind, ev.Function = EventFunctionResult, FunctionResult{Payload: benchResponse}
		case w.Kind == WaitPrompt || w.Kind == WaitInput && w.Playing:
			ev.Kind = EventPromptDone
		case w.Kind == WaitInput && c.Frames[0].Action == "menu":
			ev.Kind, ev.Digits = EventDigits, "1"
		case w.Kind == WaitInput:
			ev.Kind, ev.Digits = EventDigits, "12345678"
		default:
			tb.Fatalf("unexpected wait %v", w.Kind)
		}
		if _, err := eng.Step(c, ev); err != nil {
			tb.Fatal(err)
		}
	}
}

func benchEnv(tb testing.TB) *testEnv {
	env := newEnv()
	env.addFlow(tb, "menu", "CONTACT_FLOW", benchMenuFlow())
	return env
}

func TestBenchMenuCallPath(t *testing.T) {
	eng := &Engine{Env: benchEnv(t)}
	c := newContact("c-bench")
	driveMenuCall(t, eng, c)
	if c.Status() != StatusIdle || !c.Queued || c.Executed != benchActions || c.Attributes["account"] != "12345678" || c.Attributes["name"] != "Ann" {
		t.Fatalf("status %v queued %v executed %d attributes %v fault %q", c.Status(), c.Queued, c.Executed, c.Attributes, c.Fault)
	}
}

// BenchmarkMenuCall runs whole calls through the 20-action menu flow and
// reports calls/s over all CPUs (run with -cpu 2 for the 2-core figure)
// and allocations per action.
func BenchmarkMenuCall(b *testing.B) {
	eng := &Engine{Env: benchEnv(b)}
	var ids atomic.Int64
	var before, after runtime.MemStats
	b.ReportAllocs()
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := newContact("c-" + strconv.FormatInt(ids.Add(1), 10))
			driveMenuCall(b, eng, c)
		}
	})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*benchActions), "allocs/action")
}

// 100,000 parked contacts must fit in 4 KB each: park 10,000 on the
// account-number input of the menu flow (after the function call, with
// attributes set and $.External loaded) and weigh them on the heap.
func TestParkedContactsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("weighs the heap")
	}
	eng := &Engine{Env: benchEnv(t)}
	const n = 10000
	contacts := make([]*Contact, n)
	park := func(c *Contact) {
		tm := t0
		if _, err := eng.Step(c, Event{Kind: EventStart, Time: tm, FlowID: "menu"}); err != nil {
			t.Fatal(err)
		}
		for !(c.Wait.Kind == WaitInput && c.Frames[0].Action == "acct" && !c.Wait.Playing) {
			tm = tm.Add(time.Second)
			ev := Event{Kind: EventPromptDone, Time: tm}
			switch {
			case c.Wait.Kind == WaitFunction:
				ev.Kind, ev.Function = EventFunctionResult, FunctionResult{Payload: benchResponse}
			case c.Wait.Kind == WaitInput && !c.Wait.Playing:
				ev.Kind, ev.Digits = EventDigits, "1"
			}
			if _, err := eng.Step(c, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range contacts {
		contacts[i] = newContact("c-" + strconv.Itoa(i))
		park(contacts[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	runtime.KeepAlive(contacts)
	t.Logf("%.0f bytes of heap per parked contact", per)
	if per > 4096 {
		t.Errorf("%.0f bytes of heap per parked contact; the budget is 4096", per)
	}
}
