package voice

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// menuFlow greets (a prompt no key can interrupt), offers a menu, and
// retries twice on a wrong key or silence; with start "menu" it does not
// greet.
func menuFlow(start string) string { return doc(menuActions(start)...) }

func menuActions(start string) []string {
	actions := []string{
		act("menu", "GetParticipantInput", `{"Text":"Press 1 for sales or 2 for support.","StoreInput":"False","InputTimeLimitSeconds":"5"}`, "",
			"Equals:1", "sales", "Equals:2", "support", "NoMatchingCondition", "retry", "InputTimeLimitExceeded", "retry", "NoMatchingError", "retry"),
		act("retry", "Loop", `{"LoopCount":"2"}`, "", "Equals:ContinueLooping", "again", "Equals:DoneLooping", "sorry"),
		say("again", "Sorry, I did not get that.", "menu"),
		say("sales", "Connecting you to sales.", "end"),
		say("support", "Connecting you to support.", "end"),
		say("sorry", "Sorry, goodbye.", "end"),
		bye("end"),
	}
	if start == "welcome" {
		actions = append([]string{say("welcome", "Welcome to Example Bank.", "menu")}, actions...)
	}
	return actions
}

const (
	welcome = "Welcome to Example Bank."
	menu    = "Press 1 for sales or 2 for support."
	again   = "Sorry, I did not get that."
	sales   = "Connecting you to sales."
	support = "Connecting you to support."
	sorry   = "Sorry, goodbye."
)

func TestMenuWithRetries(t *testing.T) {
	tests := []struct {
		name    string
		presses []string
		heard   []string
		// keysAt is when each key was pressed.
		keysAt []float64
	}{
		// welcome 4 words = 1.6 s, menu 8 words = 3.2 s, think 1 s.
		{"first try", []string{"1"}, []string{welcome, menu, sales}, []float64{5.8}},
		{"wrong key then right", []string{"9", "2"}, []string{welcome, menu, again, menu, support}, []float64{5.8, 5.8 + 2.4 + 3.2 + 1}},
		{"wrong keys until the retries run out", []string{"9", "7", "0"}, []string{welcome, menu, again, menu, again, menu, sorry}, nil},
		{"silence", nil, []string{welcome, menu, again, menu, again, menu, sorry}, nil},
		{"silence, then a key", []string{"-", "2"}, []string{welcome, menu, again, menu, support}, []float64{1.6 + 3.2 + 5 + 2.4 + 3.2 + 1}},
		{"the first of two keys counts", []string{"12"}, []string{welcome, menu, sales}, []float64{5.8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
			rec := r.call(t, Script{Presses: tt.presses})
			outcome(t, rec, Disconnected)
			eqList(t, rec, "heard", heard(rec), tt.heard)
			if tt.keysAt != nil {
				var got []string
				for _, e := range events(rec, "input") {
					got = append(got, fmt.Sprint(e.At))
				}
				var want []string
				for _, f := range tt.keysAt {
					want = append(want, fmt.Sprint(seconds(time.Duration(f*float64(time.Second)))))
				}
				eqList(t, rec, "keys at", got, want)
			}
			if rec.DisconnectReason != "CONTACT_FLOW_DISCONNECT" {
				t.Errorf("disconnect reason %q", rec.DisconnectReason)
			}
		})
	}
}

func TestSilenceTakesTheTimeoutBranch(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", doc(
		act("menu", "GetParticipantInput", `{"Text":"Press 1.","StoreInput":"False","InputTimeLimitSeconds":"7"}`, "",
			"Equals:1", "end", "InputTimeLimitExceeded", "late", "NoMatchingError", "end"),
		say("late", "Too late.", "end"),
		bye("end"),
	))
	rec := r.call(t, Script{Presses: []string{"silence"}})
	eqList(t, rec, "heard", heard(rec), []string{"Press 1.", "Too late."})
	to := events(rec, "timeout")
	// "Press 1." is two words, 0.8 s; the 7 s timer starts when it ends.
	if len(to) != 1 || to[0].At != 7.8 || to[0].Detail.Get("wait") != "input" {
		t.Fatalf("timeouts %+v\n%s", to, dump(rec))
	}
	errs := events(rec, "error")
	if len(errs) != 1 || errs[0].Detail.Get("errorType") != "InputTimeLimitExceeded" || errs[0].Detail.Get("handledBy") != "late" {
		t.Fatalf("errors %+v", errs)
	}
	eqList(t, rec, "path", path(rec), []string{"menu→late", "late→end", "end→<nil>"})
}

func TestBargeIn(t *testing.T) {
	tests := []struct {
		name    string
		start   string
		presses []string
		heard   []string
		// inputs are the keys pressed, with "dropped" or "interrupted".
		inputs []string
	}{
		{"a key during the welcome is dropped", "welcome", []string{"!1", "2"},
			[]string{welcome, menu, support}, []string{"1@0.8 dropped", "2@5.8"}},
		{"a timed key during the welcome is dropped", "welcome", []string{"!1@0.5s"},
			[]string{welcome, menu, again, menu, again, menu, sorry}, []string{"1@0.5 dropped"}},
		{"a key during the menu prompt interrupts it", "menu", []string{"!1"},
			[]string{menu, sales}, []string{"1@1.6 interrupted"}},
		{"a key after the menu prompt is an answer", "menu", []string{"!2@4s"},
			[]string{menu, support}, []string{"2@4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", menuFlow(tt.start))
			rec := r.call(t, Script{Presses: tt.presses})
			eqList(t, rec, "heard", heard(rec), tt.heard)
			var got []string
			for _, e := range events(rec, "input") {
				s := fmt.Sprintf("%s@%v", e.Detail.Get("keys"), e.At)
				if e.Detail.Get("dropped") == true {
					s += " dropped"
				}
				if e.Detail.Get("interruptedPrompt") == true {
					s += " interrupted"
				}
				got = append(got, s)
			}
			eqList(t, rec, "inputs", got, tt.inputs)
		})
	}
	// The interrupted prompt says when it stopped.
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", menuFlow("menu"))
	rec := r.call(t, Script{Presses: []string{"!1"}})
	if p := events(rec, "prompt")[0]; p.Detail.Get("interruptedAt") != 1.6 || p.Detail.Get("interruptible") != true {
		t.Fatalf("menu prompt %+v", p)
	}
}

func TestStoredInput(t *testing.T) {
	flowDoc := doc(
		act("acct", "GetParticipantInput", `{"Text":"Enter your account number.","StoreInput":"True","InputTimeLimitSeconds":"5",
			"DTMFConfiguration":{"InterdigitTimeLimitSeconds":"3"}}`, "save", "NoMatchingError", "end"),
		act("save", "UpdateContactAttributes", `{"Attributes":{"account":"$.StoredCustomerInput"}}`, "end", "NoMatchingError", "end"),
		bye("end"),
	)
	tests := []struct {
		press string
		want  string
	}{
		{"1234#", "1234"},
		{"12*98#", "98"},
		{"12@1s,34@1s,#", "1234"},
		// The second group comes after the 3 s inter-digit limit.
		{"12@1s,34@4s", "12"},
		{"-", "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.press, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", flowDoc)
			rec := r.call(t, Script{Presses: []string{tt.press}})
			if got := rec.Attributes["account"]; got != tt.want {
				t.Fatalf("account %q, want %q\n%s", got, tt.want, dump(rec))
			}
			var changes []string
			for _, e := range events(rec, "attribute") {
				changes = append(changes, fmt.Sprintf("%s.%s=%s", e.Detail.Get("scope"), e.Detail.Get("key"), e.Detail.Get("new")))
			}
			eqList(t, rec, "changes", changes, []string{"StoredCustomerInput.=" + tt.want, "Attributes.account=" + tt.want})
		})
	}
}

func TestHangUp(t *testing.T) {
	tests := []struct {
		name   string
		script Script
		at     float64
		heard  []string
	}{
		{"during the welcome", Script{HangupAfter: Duration(time.Second)}, 1, []string{welcome}},
		{"after two prompts", Script{HangupAfterPrompts: 2}, 4.8, []string{welcome, menu}},
		{"at the first input", Script{Presses: []string{"hangup"}}, 5.8, []string{welcome, menu}},
		{"at the second input, timed", Script{Presses: []string{"9", "hangup@2s"}}, 5.8 + 2.4 + 3.2 + 2, []string{welcome, menu, again, menu}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
			rec := r.call(t, tt.script)
			outcome(t, rec, CustomerHungUp)
			eqList(t, rec, "heard", heard(rec), tt.heard)
			h := events(rec, "hangup")
			if len(h) != 1 || h[0].At != seconds(time.Duration(tt.at*float64(time.Second))) {
				t.Fatalf("hang-ups %+v\n%s", h, dump(rec))
			}
			if rec.DisconnectReason != "CUSTOMER_DISCONNECT" || !rec.DisconnectTimestamp.Equal(monday10.Add(time.Duration(tt.at*float64(time.Second)))) {
				t.Fatalf("record ends %v %s", rec.DisconnectTimestamp, rec.DisconnectReason)
			}
		})
	}
}

func lambdaFlow(fn string) string {
	return doc(
		act("lookup", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:`+fn+`",
			"InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"}}`, "greet", "NoMatchingError", "down"),
		say("greet", "Hello $.External.Name.", "end"),
		say("down", "Our systems are down.", "end"),
		bye("end"),
	)
}

func TestLambda(t *testing.T) {
	tests := []struct {
		fn      string
		heard   string
		errText string // in the response event
		timeout bool
	}{
		{"lookup", "Hello Ann.", "", false},
		{"broken", "Our systems are down.", "function error: KeyError", false},
		{"slow", "Our systems are down.", "function timed out", true},
		{"nested", "Our systems are down.", "", false}, // STRING_MAP cannot take nested objects
		{"unbound", "Our systems are down.", "no binding", false},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			r := newRig(t)
			r.fns.fns["lookup"] = func([]byte) ([]byte, error) { return []byte(`{"Name":"Ann","Tier":"gold"}`), nil }
			r.fns.fns["broken"] = func([]byte) ([]byte, error) {
				return nil, &lambda.Error{Kind: lambda.ErrFunction, Message: "function error: KeyError"}
			}
			r.fns.fns["slow"] = func([]byte) ([]byte, error) {
				return nil, &lambda.Error{Kind: lambda.ErrTimeout, Message: "function timed out"}
			}
			r.fns.fns["nested"] = func([]byte) ([]byte, error) { return []byte(`{"Name":{"First":"Ann"}}`), nil }
			r.env.add(t, "main", "CONTACT_FLOW", lambdaFlow(tt.fn))
			rec := r.call(t, Script{})
			outcome(t, rec, Disconnected)
			eqList(t, rec, "heard", heard(rec), []string{tt.heard})
			ls := events(rec, "lambda")
			if len(ls) != 2 || ls[0].Detail.Get("phase") != "request" || ls[1].Detail.Get("phase") != "response" {
				t.Fatalf("lambda events %+v", ls)
			}
			var req struct {
				Name    string
				Details struct{ Parameters map[string]string }
			}
			if err := json.Unmarshal(ls[0].Detail.Get("request").(json.RawMessage), &req); err != nil || req.Name != "ContactFlowEvent" || req.Details.Parameters["phone"] != DefaultCaller {
				t.Fatalf("request %s: %v", ls[0].Detail.Get("request"), err)
			}
			if len(r.fns.calls) != 1 {
				t.Fatalf("%d invocations", len(r.fns.calls))
			}
			resp := ls[1]
			if tt.errText != "" && !strings.Contains(fmt.Sprint(resp.Detail.Get("error")), tt.errText) {
				t.Fatalf("response %+v, want error %q", resp.Detail, tt.errText)
			}
			if tt.timeout != (resp.Detail.Get("timedOut") == true) {
				t.Fatalf("response %+v, timed out %v", resp.Detail, tt.timeout)
			}
			if tt.timeout && resp.At != 3 {
				t.Fatalf("a timed-out function answers at its 3 s limit, not %v", resp.At)
			}
			if tt.fn == "lookup" {
				if string(resp.Detail.Get("response").(json.RawMessage)) != `{"Name":"Ann","Tier":"gold"}` {
					t.Fatalf("response %+v", resp.Detail)
				}
				ext := events(rec, "attribute")
				if len(ext) != 1 || ext[0].Detail.Get("scope") != "External" || !strings.Contains(fmt.Sprint(ext[0].Detail.Get("new")), "Ann") {
					t.Fatalf("attribute events %+v", ext)
				}
			}
		})
	}
}

func TestThirdPartyTransfer(t *testing.T) {
	flowDoc := func(cont bool) string {
		return doc(
			act("xfer", "TransferParticipantToThirdParty", fmt.Sprintf(`{"ThirdPartyPhoneNumber":"+15555550100",
				"ThirdPartyConnectionTimeLimitSeconds":"20","ContinueFlowExecution":"%v"}`, cont), "back",
				"CallFailed", "failed", "ConnectionTimeLimitExceeded", "failed", "NoMatchingError", "failed"),
			say("back", "Welcome back.", "end"),
			say("failed", "We could not connect you.", "end"),
			bye("end"),
		)
	}
	tests := []struct {
		name   string
		cont   bool
		dial   []Dial
		result string
		at     float64 // of the transfer result
		heard  []string
		disp   string
	}{
		{"answers", false, nil, "answered", 6, nil, Transferred},
		{"busy", false, []Dial{{Prefix: "+1555", Result: DialBusy}}, "busy", 2, []string{"We could not connect you."}, Disconnected},
		{"no answer", false, []Dial{{Prefix: "+15555550100", Result: DialNoAnswer}}, "no-answer", 20, []string{"We could not connect you."}, Disconnected},
		{"rings past the limit", false, []Dial{{Prefix: "+1", Result: DialAnswer, Ring: Duration(30 * time.Second)}}, "no-answer", 20, []string{"We could not connect you."}, Disconnected},
		{"the longest prefix wins", false, []Dial{{Prefix: "+1", Result: DialFail}, {Prefix: "+1555", Result: DialAnswer, Ring: Duration(time.Second)}}, "answered", 1, nil, Transferred},
		{"fails", false, []Dial{{Prefix: "+1", Result: DialFail}}, "failed", 1, []string{"We could not connect you."}, Disconnected},
		{"continues after the call", true, []Dial{{Prefix: "+1", Result: DialAnswer, Ring: Duration(2 * time.Second), Talk: Duration(30 * time.Second)}}, "answered", 2, []string{"Welcome back."}, Disconnected},
		{"continues after busy", true, []Dial{{Prefix: "+1", Result: DialBusy}}, "busy", 2, []string{"We could not connect you."}, Disconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", flowDoc(tt.cont))
			rec := r.call(t, Script{Dial: tt.dial})
			outcome(t, rec, tt.disp)
			eqList(t, rec, "heard", heard(rec), tt.heard)
			var res []contacts.Event
			for _, e := range events(rec, "transfer") {
				if e.Detail.Get("result") != nil {
					res = append(res, e)
				}
			}
			if len(res) == 0 || res[0].Detail.Get("result") != tt.result || res[0].At != tt.at {
				t.Fatalf("transfer results %+v\n%s", res, dump(rec))
			}
			switch {
			case tt.disp == Transferred:
				if rec.Report.Outcome.TransferredTo != "+15555550100" || rec.DisconnectReason != "THIRD_PARTY_DISCONNECT" {
					t.Fatalf("outcome %+v, reason %s", rec.Report.Outcome, rec.DisconnectReason)
				}
				// The third party talks for the default minute.
				if want := monday10.Add(time.Duration(tt.at*float64(time.Second)) + DefaultTalkTime); !rec.DisconnectTimestamp.Equal(want) {
					t.Fatalf("ended %v, want %v", rec.DisconnectTimestamp, want)
				}
			case tt.cont && tt.result == "answered":
				if len(res) != 2 || res[1].Detail.Get("result") != "completed" || res[1].At != 32 {
					t.Fatalf("a continuing transfer completes after the talk time: %+v", res)
				}
			}
		})
	}
}

// queueFlow sets the working queue and recording, optionally the event
// hooks, and queues the contact.
func queueFlow(hooks string) string {
	actions := []string{
		act("q", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, "rec", "NoMatchingError", "end"),
		act("rec", "UpdateContactRecordingBehavior", `{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]},
			"AnalyticsBehavior":{"Enabled":"True","AnalyticsLanguage":"en-US","AnalyticsRedactionBehavior":"Disabled","ChannelConfiguration":{"Voice":{"AnalyticsModes":["RealTime"]}}}}`, "tier"),
		act("tier", "UpdateContactAttributes", `{"Attributes":{"tier":"gold"}}`, "hooks", "NoMatchingError", "end"),
	}
	next := "transfer"
	if hooks != "" {
		actions = append(actions, act("hooks", "UpdateContactEventHooks", `{"EventHooks":`+hooks+`}`, next, "NoMatchingError", "end"))
	} else {
		actions = append(actions, act("hooks", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, next))
	}
	actions = append(actions,
		act("transfer", "TransferContactToQueue", "", "end", "QueueAtCapacity", "end", "NoMatchingError", "end"),
		bye("end"))
	return doc(actions...)
}

func TestQueueWithDefaultFlows(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", queueFlow(""))
	rec := r.call(t, Script{QueueTime: Duration(20 * time.Second)})
	outcome(t, rec, Queued)
	o := rec.Report.Outcome
	if o.Queue == nil || o.Queue.Name != "Sales" || o.Queue.ARN != testInstanceARN+"/queue/q-sales" {
		t.Fatalf("queue %+v", o.Queue)
	}
	if o.Recording == nil || strings.Join(o.Recording.RecordedParticipants, ",") != "AGENT,CUSTOMER" || o.Recording.Analytics != "REAL_TIME" {
		t.Fatalf("recording %+v", o.Recording)
	}
	// The default agent whisper says the queue's name.
	eqList(t, rec, "whisper", o.AgentWhisper, []string{"Sales"})
	// The default customer-queue flow loops its thanks and hold music for
	// the 20 s the caller waits: 21 words (8.4 s), 3 s of music, ...
	eqList(t, rec, "heard", heard(rec), []string{
		"Thank you for calling. Your call is very important to us and will be answered in the order it was received.",
		"hotline:default/hold-music.wav",
		"Thank you for calling. Your call is very important to us and will be answered in the order it was received.",
		"hotline:default/hold-music.wav",
	})
	if !rec.DisconnectTimestamp.Equal(monday10.Add(20*time.Second)) || rec.Queue == nil || !rec.Queue.EnqueueTimestamp.Equal(monday10) {
		t.Fatalf("record: queue %+v, ended %v", rec.Queue, rec.DisconnectTimestamp)
	}
	q := events(rec, "queue")
	if len(q) != 2 || q[0].Detail.Get("customerQueueFlow") != DefaultCustomerQueueFlowID || q[1].Detail.Get("left") != true {
		t.Fatalf("queue events %+v", q)
	}
}

func TestQueueWithHookFlows(t *testing.T) {
	customerQueue := doc(
		act("offer", "GetParticipantInput", `{"Text":"Press 1 to leave a message.","StoreInput":"False","InputTimeLimitSeconds":"4"}`, "",
			"Equals:1", "leave", "InputTimeLimitExceeded", "hold", "NoMatchingCondition", "hold", "NoMatchingError", "hold"),
		act("hold", "MessageParticipantIteratively", `{"Messages":[{"PromptId":"p-chime"}],"InterruptFrequencySeconds":"10"}`, "offer",
			"NoMatchingError", "offer", "Equals:MessagesInterrupted", "offer"),
		say("leave", "Goodbye.", "end"),
		bye("end"),
	)
	whisper := doc(
		say("w", "A $.Attributes.tier caller from $.CustomerEndpoint.Address.", "w2"),
		act("w2", "MessageParticipant", `{"PromptId":"p-chime"}`, "done", "NoMatchingError", "done"),
		act("done", "EndFlowExecution", "", ""),
	)
	tests := []struct {
		name    string
		presses []string
		disp    string
		whisper []string
	}{
		{"waits", nil, Queued, []string{"A gold caller from " + DefaultCaller + ".", "prompt:p-chime"}},
		{"leaves through the queue flow's menu", []string{"-", "1"}, Disconnected, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", queueFlow(`{"CustomerQueue":"cq","AgentWhisper":"aw"}`))
			r.env.add(t, "cq", "CUSTOMER_QUEUE", customerQueue)
			r.env.add(t, "aw", "AGENT_WHISPER", whisper)
			rec := r.call(t, Script{Presses: tt.presses, QueueTime: Duration(40 * time.Second)})
			outcome(t, rec, tt.disp)
			eqList(t, rec, "whisper", rec.Report.Outcome.AgentWhisper, tt.whisper)
			if rec.Report.Outcome.Queue == nil || rec.Report.Outcome.Queue.Name != "Sales" {
				t.Fatalf("queue %+v", rec.Report.Outcome.Queue)
			}
			flows := events(rec, "flow")
			if len(flows) != 2 || flows[1].Detail.Get("flow") != "cq" || flows[1].Detail.Get("hook") != "CustomerQueue" {
				t.Fatalf("flows %+v", flows)
			}
			if tt.disp == Queued {
				// offer (2.4 s + 4 s) and hold (10 s) alternate for the 40 s window.
				var offers int
				for _, h := range heard(rec) {
					if h == "Press 1 to leave a message." {
						offers++
					}
				}
				if offers != 3 {
					t.Fatalf("the offer played %d times, want 3\n%s", offers, dump(rec))
				}
			}
		})
	}
}

func TestQueueHooksDisabled(t *testing.T) {
	r := newRig(t)
	// DisableExecution is how a flow turns a hook off.
	r.env.add(t, "main", "CONTACT_FLOW", strings.Replace(queueFlow(`{"CustomerQueue":"x","AgentWhisper":"x"}`),
		`"EventHooks":{"CustomerQueue":"x","AgentWhisper":"x"}`,
		`"EventHooks":{"CustomerQueue":"x","AgentWhisper":"x"},"EventHooksConfiguration":{"CustomerQueue":{"DisableExecution":"True"},"AgentWhisper":{"DisableExecution":"True"}}`, 1))
	r.env.add(t, "x", "CUSTOMER_QUEUE", doc(say("never", "Never heard.", "end"), bye("end")))
	rec := r.call(t, Script{})
	outcome(t, rec, Queued)
	if len(heard(rec)) != 0 || len(rec.Report.Outcome.AgentWhisper) != 0 {
		t.Fatalf("disabled hooks ran:\n%s", dump(rec))
	}
	w := events(rec, "whisper")
	if len(w) != 1 || w[0].Detail.Get("disabled") != true {
		t.Fatalf("whisper events %+v", w)
	}
}

func TestHangUpInQueue(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", queueFlow(""))
	rec := r.call(t, Script{HangupAfter: Duration(10 * time.Second)})
	outcome(t, rec, CustomerHungUp)
	if rec.Report.Outcome.Queue == nil || len(rec.Report.Outcome.AgentWhisper) != 0 {
		t.Fatalf("outcome %+v", rec.Report.Outcome)
	}
}

func TestHoursOfOperation(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"Monday morning", monday10, "We are open."},
		{"Monday evening", time.Date(2026, 11, 23, 17, 0, 0, 0, london), "We are closed."},
		{"Sunday", time.Date(2026, 11, 22, 12, 0, 0, 0, london), "We are closed."},
		// In summer London is on BST: 08:30 UTC is 09:30 local.
		{"a summer morning", time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC), "We are open."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", doc(
				act("hours", "CheckHoursOfOperation", `{"HoursOfOperationId":"office"}`, "",
					"Equals:True", "open", "Equals:False", "closed", "NoMatchingError", "end"),
				say("open", "We are open.", "end"),
				say("closed", "We are closed.", "end"),
				bye("end"),
			))
			rec, err := r.sim.Run(context.Background(), &Call{To: testNumber, At: tt.at})
			if err != nil {
				t.Fatal(err)
			}
			eqList(t, rec, "heard", heard(rec), []string{tt.want})
			if !rec.InitiationTimestamp.Equal(tt.at) {
				t.Fatalf("started %v", rec.InitiationTimestamp)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		flow  string
		words []string // in Outcome.Error
	}{
		{"an action the engine does not implement", doc(
			say("hi", "Hello.", "task"),
			act("task", "CreateTask", `{}`, "end"),
			bye("end")), []string{"CreateTask", `"task"`}},
		{"an error with no branch", doc(
			act("q", "UpdateContactTargetQueue", `{"QueueId":"q-nowhere"}`, "end"),
			bye("end")), []string{`"q"`, "UpdateContactTargetQueue", "NoMatchingError", "q-nowhere"}},
		{"a bot the script does not answer", doc(
			act("bot", "ConnectParticipantWithLexBot", `{"Text":"How can I help?","LexV2Bot":{"AliasArn":"arn:aws:lex:eu-west-2:123456789012:bot-alias/B/A"}}`, "end", "NoMatchingError", "end"),
			bye("end")), []string{"intent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.env.add(t, "main", "CONTACT_FLOW", tt.flow)
			rec := r.call(t, Script{})
			outcome(t, rec, Error)
			for _, w := range tt.words {
				if !strings.Contains(rec.Report.Outcome.Error, w) {
					t.Errorf("error %q does not name %s", rec.Report.Outcome.Error, w)
				}
			}
			if len(events(rec, "error")) == 0 {
				t.Errorf("no error event:\n%s", dump(rec))
			}
		})
	}
}

func TestLexBotScripted(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", doc(
		act("bot", "ConnectParticipantWithLexBot", `{"Text":"How can I help?","LexV2Bot":{"AliasArn":"arn:aws:lex:eu-west-2:123456789012:bot-alias/B/A"}}`, "",
			"Equals:Balance", "bal", "NoMatchingCondition", "end", "InputTimeLimitExceeded", "end", "NoMatchingError", "end"),
		say("bal", "Your $.Lex.Slots.account balance.", "end"),
		bye("end"),
	))
	rec := r.call(t, Script{Intents: []Intent{{Name: "Balance", Slots: map[string]string{"account": "savings"}}}})
	outcome(t, rec, Disconnected)
	eqList(t, rec, "heard", heard(rec), []string{"Your savings balance."})
	if b := events(rec, "bot"); len(b) != 2 || b[1].Detail.Get("intent") != "Balance" || b[1].At != 1.6+1+2 {
		t.Fatalf("bot events %+v", b)
	}
}

func TestPlacingErrors(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
	tests := []struct {
		call Call
		code string
	}{
		{Call{To: "+15555550199"}, "ResourceNotFoundException"},
		{Call{To: "442071234567"}, "InvalidParameterException"},
		{Call{To: testNumber, From: "0207"}, "InvalidParameterException"},
		{Call{To: testNumber, InstanceID: "other"}, "InvalidParameterException"},
		{Call{To: testNumber, Script: Script{Presses: []string{"1x"}}}, "InvalidParameterException"},
		{Call{To: testNumber, Script: Script{Dial: []Dial{{Prefix: "+1", Result: "maybe"}}}}, "InvalidParameterException"},
	}
	for _, tt := range tests {
		_, err := r.sim.Run(context.Background(), &tt.call)
		if !apierr.Is(err, tt.code) {
			t.Errorf("%+v: %v, want %s", tt.call, err, tt.code)
		}
	}
	r.numberFlow = ""
	if _, err := r.sim.Run(context.Background(), &Call{To: testNumber}); !apierr.Is(err, "InvalidRequestException") {
		t.Errorf("a number with no flow: %v", err)
	}
	r.numberFlow = "gone"
	rec, err := r.sim.Run(context.Background(), &Call{To: testNumber})
	if err != nil {
		t.Fatal(err)
	}
	outcome(t, rec, Error)
}

// The contact is stored at every wait, live, and once more at the end with
// the report.
func TestPersistence(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
	rec := r.call(t, Script{Presses: []string{"2"}})
	// Waits: welcome, menu prompt, menu keys, support prompt; then the end.
	if len(r.rec.puts) != 5 {
		t.Fatalf("%d puts, want 5", len(r.rec.puts))
	}
	var waits []string
	for _, b := range r.rec.puts[:4] {
		var stored contacts.Record
		if err := json.Unmarshal(b, &stored); err != nil {
			t.Fatal(err)
		}
		var c interp.Contact
		if err := json.Unmarshal(stored.State, &c); err != nil {
			t.Fatalf("state %s: %v", stored.State, err)
		}
		if c.Status() != interp.StatusParked || stored.Ended() {
			t.Fatalf("a live put of a contact %v", c.Status())
		}
		waits = append(waits, c.Frames[0].Action+":"+c.Wait.Kind.String())
	}
	eqList(t, rec, "waits", waits, []string{"welcome:prompt", "menu:input", "menu:input", "support:prompt"})
	got, err := r.rec.Get(context.Background(), testInstance, rec.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != nil || !got.Ended() || got.Report == nil || got.Report.Outcome.Disposition != Disconnected ||
		len(got.Report.Events) != len(rec.Report.Events) || got.ARN != testInstanceARN+"/contact/"+rec.ContactID {
		t.Fatalf("final record %+v", got)
	}
}

// A parked contact is resumable from its stored state: the simulator's
// persisted contact is the engine's.
func TestPersistModes(t *testing.T) {
	for _, tt := range []struct {
		mode Persist
		puts int
	}{{PersistEveryWait, 6}, {PersistRealWaits, 2}, {PersistEnd, 1}} {
		r := newRig(t)
		r.sim.cfg.Persist = tt.mode
		r.fns.fns["lookup"] = func([]byte) ([]byte, error) { return []byte(`{"Name":"Ann"}`), nil }
		// A function call, then the menu.
		fn := act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:lookup"}`, "welcome", "NoMatchingError", "welcome")
		r.env.add(t, "main", "CONTACT_FLOW", doc(append([]string{fn}, menuActions("welcome")...)...))
		r.call(t, Script{Presses: []string{"2"}})
		if len(r.rec.puts) != tt.puts {
			t.Errorf("mode %d: %d puts, want %d", tt.mode, len(r.rec.puts), tt.puts)
		}
		if tt.mode == PersistRealWaits {
			var stored contacts.Record
			_ = json.Unmarshal(r.rec.puts[0], &stored)
			var c interp.Contact
			if err := json.Unmarshal(stored.State, &c); err != nil || c.Wait.Kind != interp.WaitFunction {
				t.Errorf("the stored wait is %v (%v), want the function's", c.Wait.Kind, err)
			}
		}
	}
}

func TestCallTimeLimit(t *testing.T) {
	r := newRig(t)
	r.sim.cfg.MaxCallTime = time.Minute
	r.env.add(t, "main", "CONTACT_FLOW", doc(
		act("loop", "MessageParticipantIteratively", `{"Messages":[{"Text":"Please hold."}]}`, "end", "NoMatchingError", "end"),
		bye("end"),
	))
	rec := r.call(t, Script{})
	outcome(t, rec, CustomerHungUp)
	if !rec.DisconnectTimestamp.Equal(monday10.Add(time.Minute)) {
		t.Fatalf("ended %v", rec.DisconnectTimestamp)
	}
}

func TestRealTimeLimit(t *testing.T) {
	r := newRig(t)
	r.sim.cfg.MaxRealTime = 10 * time.Millisecond
	r.fns.fns["slow"] = func([]byte) ([]byte, error) { time.Sleep(30 * time.Millisecond); return []byte(`{}`), nil }
	r.env.add(t, "main", "CONTACT_FLOW", lambdaFlow("slow"))
	rec := r.call(t, Script{})
	outcome(t, rec, Error)
	if !strings.Contains(rec.Report.Outcome.Error, "real time") || len(heard(rec)) != 0 {
		t.Fatalf("outcome %+v\n%s", rec.Report.Outcome, dump(rec))
	}
	// It stopped before the function's answer went back to the flow.
	if ls := events(rec, "lambda"); len(ls) != 1 || ls[0].Detail.Get("phase") != "request" {
		t.Fatalf("lambda events %+v", ls)
	}
}
