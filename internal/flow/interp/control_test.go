package interp

import (
	"strings"
	"testing"
	"time"
)

// branchFlow runs one action "x" whose conditions each play their target's
// name: "c0", "c1", ... and whose errors play "err <type>".
func branchFlow(typ, params string, conds [][2]string, errTypes ...string) string {
	t := tr{}
	var actions []string
	for i, c := range conds {
		id := "c" + string(rune('0'+i))
		t.conds = append(t.conds, [3]string{c[0], c[1], id})
		actions = append(actions, say(id, id, "end"))
	}
	for _, e := range errTypes {
		t.errors = append(t.errors, [2]string{e, "err " + e})
		actions = append(actions, say("err "+e, "err "+e, "end"))
	}
	return doc(append(append([]string{act("x", typ, params, t)}, actions...), hangup("end"))...)
}

// outcome runs flow main and returns what was said last ("" for nothing).
func lastSaid(s *sim) string {
	said := s.said()
	if len(said) == 0 {
		return ""
	}
	return said[len(said)-1]
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name  string
		value string
		attrs map[string]string
		conds [][2]string
		want  string
	}{
		{"equals", "$.Attributes.a", map[string]string{"a": "x"}, [][2]string{{"Equals", "y"}, {"Equals", "x"}}, "c1"},
		{"equals is case-sensitive", "$.Attributes.a", map[string]string{"a": "X"}, [][2]string{{"Equals", "x"}}, "err NoMatchingCondition"},
		{"first match wins", "$.Attributes.a", map[string]string{"a": "Queue_Sales"}, [][2]string{{"TextStartsWith", "Queue"}, {"Equals", "Queue_Sales"}}, "c0"},
		{"ends with", "$.Attributes.a", map[string]string{"a": "abc"}, [][2]string{{"TextEndsWith", "bc"}}, "c0"},
		{"contains", "$.Attributes.a", map[string]string{"a": "12#"}, [][2]string{{"TextContains", "#"}}, "c0"},
		{"numbers numerically", "$.Attributes.a", map[string]string{"a": "10"}, [][2]string{{"NumberGreaterThan", "9"}}, "c0"},
		{"numbers not as text", "$.Attributes.a", map[string]string{"a": "10"}, [][2]string{{"NumberLessThan", "9"}}, "err NoMatchingCondition"},
		{"decimal numbers", "$.Attributes.a", map[string]string{"a": "2.50"}, [][2]string{{"NumberGreaterOrEqualTo", "2.5"}}, "c0"},
		{"less or equal", "$.Attributes.a", map[string]string{"a": "-3"}, [][2]string{{"NumberLessOrEqualTo", "-3"}}, "c0"},
		{"non-number is false", "$.Attributes.a", map[string]string{"a": "ten"}, [][2]string{{"NumberGreaterThan", "1"}, {"NumberLessThan", "1"}}, "err NoMatchingCondition"},
		{"hex is not a number", "$.Attributes.a", map[string]string{"a": "0x10"}, [][2]string{{"NumberGreaterThan", "1"}}, "err NoMatchingCondition"},
		{"operand reference", "$.Attributes.a", map[string]string{"a": "3", "max": "3"}, [][2]string{{"NumberGreaterOrEqualTo", "$.Attributes.max"}}, "c0"},
		{"missing equals empty", "$.Attributes.missing", nil, [][2]string{{"Equals", "$.Attributes.Null"}}, "c0"},
		{"missing equals empty text", "$.Attributes.missing", nil, [][2]string{{"Equals", ""}}, "c0"},
		{"malformed value", "$.External. Flag", nil, [][2]string{{"Equals", ""}}, "err NoMatchingError"},
		{"malformed operand", "$.Attributes.a", nil, [][2]string{{"Equals", "$.Attributes. b"}}, "err NoMatchingError"},
		{"static value", "fixed", nil, [][2]string{{"Equals", "fixed"}}, "c0"},
		{"system namespace", "$.Channel", nil, [][2]string{{"Equals", "VOICE"}}, "c0"},
		{"region from the instance", "$.AwsRegion", nil, [][2]string{{"Equals", "eu-west-2"}}, "c0"},
		{"bracket key", "$.Attributes.['my key']", map[string]string{"my key": "v"}, [][2]string{{"Equals", "v"}}, "c0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("Compare", `{"ComparisonValue":`+js(tt.value)+`}`, tt.conds, "NoMatchingCondition", "NoMatchingError"))
			s := newSim(t, env)
			s.c.Attributes = tt.attrs
			s.call("main")
			eq(t, "went to", lastSaid(s), tt.want)
		})
	}
}

// Every exported Compare carries NextAction equal to its NoMatchingCondition
// target; without the error entry, NextAction is the fallback. An error
// with no branch and no fallback ends the flow.
func TestCompareFallbacks(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "next", "CONTACT_FLOW", doc(
		act("x", "Compare", `{"ComparisonValue":"a"}`, tr{next: "n", conds: [][3]string{{"Equals", "b", "end"}}}),
		say("n", "fallback", "end"), hangup("end")))
	s := newSim(t, env).call("next")
	eq(t, "said", lastSaid(s), "fallback")
	eq(t, "branch", s.last("x").Branch, "NextAction (no branch for NoMatchingCondition)")

	env.addFlow(t, "none", "CONTACT_FLOW", doc(act("x", "Compare", `{"ComparisonValue":"$.Attributes. a"}`, tr{next: "end", conds: [][3]string{{"Equals", "b", "end"}}}), hangup("end")))
	s = newSim(t, env).call("none")
	eq(t, "end", s.ended().Reason, EndError)
	eq(t, "error", s.ended().Error, "NoMatchingError")
	eq(t, "status", s.c.Status(), StatusEnded) // an inbound flow that ends disconnects
}

func TestCheckHoursOfOperation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	weekdays := func(h1, h2 int) []HoursSlot {
		var s []HoursSlot
		for d := time.Monday; d <= time.Friday; d++ {
			s = append(s, HoursSlot{Day: d, Start: TimeOfDay{h1, 0}, End: TimeOfDay{h2, 0}})
		}
		return s
	}
	tests := []struct {
		name   string
		params string
		queue  string // working queue, "" for none
		at     time.Time
		want   string
	}{
		{"all day 00:00-00:00", `{"HoursOfOperationId":"always"}`, "", t0, "c0"},
		{"open in business hours", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 12, 9, 0, 0, 0, ny), "c0"},
		{"start inclusive", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 12, 9, 0, 0, 0, ny), "c0"},
		{"end exclusive", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 12, 17, 0, 0, 0, ny), "c1"},
		{"in the hours' time zone", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 12, 15, 0, 0, 0, time.UTC), "c0"},
		{"UTC evening is NY afternoon (EDT)", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 12, 20, 59, 0, 0, time.UTC), "c0"},
		{"weekend closed", `{"HoursOfOperationId":"office"}`, "", time.Date(2025, 3, 15, 12, 0, 0, 0, ny), "c1"},
		{"by ARN from an attribute", `{"HoursOfOperationId":"$.Attributes.hours"}`, "", time.Date(2025, 3, 15, 12, 0, 0, 0, ny), "c1"},
		{"overnight before midnight", `{"HoursOfOperationId":"night"}`, "", time.Date(2025, 3, 12, 23, 0, 0, 0, time.UTC), "c0"},
		{"overnight after midnight", `{"HoursOfOperationId":"night"}`, "", time.Date(2025, 3, 13, 5, 59, 0, 0, time.UTC), "c0"},
		{"overnight closed by day", `{"HoursOfOperationId":"night"}`, "", time.Date(2025, 3, 13, 6, 0, 0, 0, time.UTC), "c1"},
		{"overnight from a day with none", `{"HoursOfOperationId":"night"}`, "", time.Date(2025, 3, 11, 3, 0, 0, 0, time.UTC), "c1"},
		{"working queue's hours", `{}`, "q-office", time.Date(2025, 3, 12, 20, 0, 0, 0, ny), "c1"},
		{"no parameters at all", ``, "q-office", time.Date(2025, 3, 12, 10, 0, 0, 0, ny), "c0"},
		{"no queue", `{}`, "", t0, "err NoMatchingError"},
		{"agent queue has no hours", `{}`, "q-agent", t0, "err NoMatchingError"},
		{"unknown hours", `{"HoursOfOperationId":"nope"}`, "", t0, "err NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addHours("office", ny, weekdays(9, 17)...)
			env.addHours("night", time.UTC, HoursSlot{Day: time.Wednesday, Start: TimeOfDay{22, 0}, End: TimeOfDay{6, 0}})
			env.addQueue(&Queue{ID: "q-office", Name: "Office", HoursID: "office"})
			env.addQueue(&Queue{ID: "q-agent", Name: "agent/ann"})
			env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("CheckHoursOfOperation", tt.params, [][2]string{{"Equals", "True"}, {"Equals", "False"}}, "NoMatchingError"))
			s := newSim(t, env)
			s.now = tt.at
			s.c.Attributes = map[string]string{"hours": arnOf("operating-hours", "office")}
			if tt.queue != "" {
				q := env.queues[tt.queue]
				s.c.Queue = QueueRef{ID: q.ID, ARN: q.ARN, Name: q.Name}
			}
			s.call("main")
			eq(t, "went to", lastSaid(s), tt.want)
		})
	}
}

func TestIsOpenAcrossDaylightSaving(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	h := &Hours{Location: london, Config: allWeek(9, 0, 17, 0)}
	// 08:30 UTC is 08:30 GMT in winter (closed) and 09:30 BST in summer (open).
	if isOpen(h, time.Date(2025, 1, 15, 8, 30, 0, 0, time.UTC)) {
		t.Error("open at 08:30 GMT")
	}
	if !isOpen(h, time.Date(2025, 7, 15, 8, 30, 0, 0, time.UTC)) {
		t.Error("closed at 09:30 BST")
	}
}

func TestCheckMetricData(t *testing.T) {
	tests := []struct {
		name   string
		params string
		conds  [][2]string
		want   string
	}{
		{"contacts in queue", `{"MetricType":"NumberOfContactsInQueue"}`, [][2]string{{"NumberGreaterThan", "5"}, {"NumberLessOrEqualTo", "5"}}, "c1"},
		{"oldest contact", `{"MetricType":"OldestContactInQueueAgeSeconds","QueueId":"q-sales"}`, [][2]string{{"NumberGreaterThan", "60"}}, "c0"},
		{"agents staffed is zero", `{"MetricType":"NumberOfAgentsStaffed"}`, [][2]string{{"NumberGreaterThan", "0"}}, "err NoMatchingCondition"},
		{"unknown metric", `{"MetricType":"Nope"}`, nil, "err NoMatchingError"},
		{"unknown queue", `{"MetricType":"NumberOfContactsInQueue","QueueId":"q-nope"}`, nil, "err NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.metrics["q-sales"] = Metrics{ContactsInQueue: 3, OldestContactAge: 90 * time.Second}
			env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("CheckMetricData", tt.params, tt.conds, "NoMatchingCondition", "NoMatchingError"))
			s := newSim(t, env)
			s.c.Queue = QueueRef{ID: "q-sales", Name: "Sales"}
			s.call("main")
			eq(t, "went to", lastSaid(s), tt.want)
		})
	}
}

func TestGetMetricData(t *testing.T) {
	env := newEnv()
	env.metrics["q-sales"] = Metrics{ContactsInQueue: 4, OldestContactAge: 2 * time.Minute, AgentsOnline: 2}
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("m", "GetMetricData", `{"QueueId":"q-sales","QueueChannel":"Voice"}`, onErr("p", "end")),
		say("p", "$.Metrics.Queue.Name: $.Metrics.Queue.Size waiting, oldest $.Metrics.Queue.OldestContactAge s, $.Metrics.Agents.Online.Count online", "end"),
		hangup("end")))
	s := newSim(t, env).call("main")
	eq(t, "said", lastSaid(s), "Sales: 4 waiting, oldest 120 s, 2 online")
}

func TestDistributeByPercentage(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("DistributeByPercentage", `{}`,
		[][2]string{{"NumberLessThan", "21"}, {"NumberLessThan", "51"}}, "NoMatchingCondition"))
	counts := map[string]int{}
	first := map[string]string{}
	for i := 0; i < 2000; i++ {
		id := "contact-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		s := newSim(t, env)
		s.c = newContact(id)
		s.call("main")
		got := lastSaid(s)
		counts[got]++
		// The same contact id draws the same number every time.
		if i < 26 {
			first[id] = got
		}
	}
	for id, want := range first {
		s := newSim(t, env)
		s.c = newContact(id)
		s.call("main")
		eq(t, "repeat draw for "+id, lastSaid(s), want)
	}
	// 20% / 30% / 50%, within a wide margin.
	for branch, want := range map[string]int{"c0": 400, "c1": 600, "err NoMatchingCondition": 1000} {
		if got := counts[branch]; got < want*8/10 || got > want*12/10 {
			t.Errorf("%s taken %d times of 2000, want about %d", branch, got, want)
		}
	}
	// A seeded contact draws what its seed says.
	c := &Contact{Rand: 42}
	a := c.percent()
	c = &Contact{Rand: 42}
	eq(t, "seeded draw", c.percent(), a)
}

func TestLoop(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("loop", "Loop", `{"LoopCount":"$.Attributes.n"}`, tr{next: "done",
			conds: [][3]string{{"Equals", "ContinueLooping", "body"}, {"Equals", "DoneLooping", "done"}}, errors: [][2]string{{"NoMatchingError", "bad"}}}),
		say("body", "body", "loop"),
		say("done", "done", "again"),
		// Looping again on the same identifier starts from zero.
		act("again", "Compare", `{"ComparisonValue":"$.Attributes.second"}`, tr{next: "end", conds: [][3]string{{"Equals", "", "mark"}}}),
		act("mark", "UpdateContactAttributes", `{"Attributes":{"second":"yes"}}`, to("loop")),
		say("bad", "bad", "end"),
		hangup("end")))
	for _, tt := range []struct {
		n    string
		want []string
	}{
		{"2", []string{"body", "body", "done", "body", "body", "done"}},
		{"0", []string{"done", "done"}},
		{"101", []string{"bad"}},
		{"two", []string{"bad"}},
	} {
		s := newSim(t, env)
		s.c.Attributes = map[string]string{"n": tt.n}
		s.call("main")
		eqList(t, "LoopCount "+tt.n, s.said(), tt.want)
	}
}

func TestWait(t *testing.T) {
	for _, name := range []string{"TimeLimitSeconds", "TimeoutSeconds"} {
		env := newEnv()
		env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("Wait", `{"`+name+`":"30"}`, [][2]string{{"Equals", "WaitCompleted"}}, "NoMatchingError"))
		s := newSim(t, env)
		s.step(Event{Kind: EventStart, FlowID: "main"})
		eq(t, name+" deadline", s.c.Wait.Deadline, t0.Add(30*time.Second))
		s.run()
		eq(t, name, lastSaid(s), "c0")
	}
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("Wait", `{"TimeLimitSeconds":"604801"}`, nil, "NoMatchingError"))
	eq(t, "too long", lastSaid(newSim(t, env).call("main")), "err NoMatchingError")
}

func TestTransferToFlow(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "first", "CONTACT_FLOW", doc(
		act("attr", "UpdateContactAttributes", `{"Attributes":{"kept":"yes"}}`, to("fa")),
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"local":{"Value":"first"}}}`, to("fn")),
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:1:function:f"}`, onErr("loop", "loop")),
		act("loop", "Loop", `{"LoopCount":"3"}`, tr{conds: [][3]string{{"Equals", "ContinueLooping", "go"}, {"Equals", "DoneLooping", "go"}}}),
		act("go", "TransferToFlow", `{"ContactFlowId":"$.Attributes.next"}`, onErr("end", "oops")),
		say("oops", "oops", "end"),
		hangup("end")))
	env.addFlow(t, "second", "CONTACT_FLOW", doc(
		say("p", "kept=$.Attributes.kept local=$.FlowAttributes.local ext=$.External.x", "loop"),
		act("loop", "Loop", `{"LoopCount":"3"}`, tr{conds: [][3]string{{"Equals", "ContinueLooping", "body"}, {"Equals", "DoneLooping", "end"}}}),
		say("body", "body", "loop"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"next": arnOf("contact-flow", "second")}
	s.functions = []FunctionResult{{Payload: []byte(`{"x":"1"}`)}}
	s.call("first")
	// The loop counter of the same identifier starts over in the new flow.
	eqList(t, "said", s.said(), []string{"kept=yes local= ext=", "body", "body", "body"})
	eq(t, "branch", s.last("go").Branch, "StartAction of flow second")

	s = newSim(t, env)
	s.c.Attributes = map[string]string{"next": "nope"}
	s.functions = []FunctionResult{{Payload: []byte(`{}`)}}
	s.call("first")
	eq(t, "unknown flow", lastSaid(s), "oops")
}

func TestEndFlowExecution(t *testing.T) {
	for _, tt := range []struct {
		typ    string
		status Status
	}{{"CONTACT_FLOW", StatusEnded}, {"CUSTOMER_WHISPER", StatusIdle}, {"CUSTOMER_QUEUE", StatusIdle}, {"AGENT_TRANSFER", StatusEnded}} {
		env := newEnv()
		env.addFlow(t, "f", tt.typ, doc(act("end", "EndFlowExecution", `{}`, tr{})))
		s := newSim(t, env).call("f")
		eq(t, tt.typ+" status", s.c.Status(), tt.status)
		eq(t, tt.typ+" end", s.ended().Reason, EndFinished)
	}
	// Running out of actions is the same as ending.
	env := newEnv()
	env.addFlow(t, "f", "CONTACT_FLOW", doc(act("a", "UpdateContactAttributes", `{"Attributes":{"a":"1"}}`, tr{})))
	s := newSim(t, env).call("f")
	eq(t, "ran out", s.c.Status(), StatusEnded)
}

func TestUpdateFlowAttributes(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"a":{"Value":"$.CustomerEndpoint.Address"},"b":{"Value":"x $.Attributes.y"}}}`, onErr("p", "bad")),
		say("p", "$.FlowAttributes.a / $.FlowAttributes.b", "fa2"),
		// A malformed reference fails the action, which writes nothing: a keeps its value.
		act("fa2", "UpdateFlowAttributes", `{"FlowAttributes":{"a":{"Value":"changed"},"c":{"Value":"$.External. x"}}}`, onErr("bad", "p2")),
		say("p2", "a=$.FlowAttributes.a c=$.FlowAttributes.c", "end"),
		say("bad", "bad", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"y": "z"}
	s.call("main")
	eqList(t, "said", s.said(), []string{"+447700900123 / x z", "a=+447700900123 c="})
	eq(t, "fa2", s.last("fa2").Branch, "Error NoMatchingError")
	if _, ok := s.c.Attributes["a"]; ok {
		t.Error("a flow attribute leaked into contact attributes")
	}
}

func TestInvokeFlowModule(t *testing.T) {
	env := newEnv()
	env.addModule(t, "mod", moduleDoc(
		say("m1", "in module: ext=$.External.who stored=$.StoredCustomerInput fa=$.FlowAttributes.f attr=$.Attributes.a", "m-fn"),
		act("m-fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:1:function:m"}`, onErr("m-set", "m-set")),
		act("m-set", "UpdateContactAttributes", `{"Attributes":{"fromModule":"$.External.who"}}`, to("m-end")),
		act("m-end", "EndFlowModuleExecution", `{}`, tr{})))
	env.addModule(t, "broken", moduleDoc(
		act("b1", "Compare", `{"ComparisonValue":"x"}`, tr{conds: [][3]string{{"Equals", "y", "b1"}}})))
	env.addModule(t, "nested", moduleDoc(
		act("n1", "InvokeFlowModule", `{"FlowModuleId":"mod"}`, onErr("n-ok", "n-err")),
		say("n-ok", "nested ok", "n-end"),
		say("n-err", "nested refused", "n-end"),
		act("n-end", "EndFlowModuleExecution", `{}`, tr{})))
	env.addModule(t, "ends-call", moduleDoc(hangup("bye")))
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:1:function:f"}`, onErr("in", "in")),
		act("in", "GetParticipantInput", `{"Text":"Enter","StoreInput":"True","InputValidation":{"CustomValidation":{"MaximumLength":"2"}}}`, onErr("fa", "fa")),
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"f":{"Value":"flow"}}}`, to("a")),
		act("a", "UpdateContactAttributes", `{"Attributes":{"a":"shared"}}`, to("call")),
		act("call", "InvokeFlowModule", `{"FlowModuleId":"$.Attributes.module"}`, onErr("after", "failed")),
		say("after", "after: ext=$.External.who stored=$.StoredCustomerInput fa=$.FlowAttributes.f from=$.Attributes.fromModule", "end"),
		say("failed", "module failed", "end"),
		hangup("end")))

	s := newSim(t, env)
	s.c.Attributes = map[string]string{"module": arnOf("flow-module", "mod")}
	s.keys = []string{"42"}
	s.functions = []FunctionResult{{Payload: []byte(`{"who":"caller"}`)}, {Payload: []byte(`{"who":"module"}`)}}
	s.call("main")
	eqList(t, "said", s.said(), []string{
		"Enter",
		"in module: ext= stored= fa= attr=shared",
		"after: ext=caller stored=42 fa=flow from=module",
	})
	eqList(t, "path", s.path(), []string{"fn", "in", "fa", "a", "call", "m1", "m-fn", "m-set", "m-end", "after", "end"})
	ret := s.last("call")
	if ret.Kind != TraceResume || ret.Branch != "NextAction" || !strings.Contains(ret.Why, "returned") {
		t.Errorf("return trace %+v", ret)
	}
	if tr := s.last("m1"); !tr.Module || tr.FlowID != "mod" {
		t.Errorf("module trace %+v", tr)
	}

	for _, tt := range []struct{ module, want string }{
		{"broken", "module failed"}, // an unhandled error in the module is the caller's NoMatchingError
		{"nope", "module failed"},   // unknown module
		{"nested", "nested refused"},
	} {
		s := newSim(t, env)
		s.c.Attributes = map[string]string{"module": tt.module}
		s.keys = []string{"42"}
		s.functions = []FunctionResult{{Payload: []byte(`{"who":"caller"}`)}}
		s.call("main")
		if !strings.Contains(strings.Join(s.said(), "|"), tt.want) {
			t.Errorf("%s: said %q, want %q among them", tt.module, s.said(), tt.want)
		}
	}
	// A module that hangs up ends the whole contact.
	s = newSim(t, env)
	s.c.Attributes = map[string]string{"module": "ends-call"}
	s.keys = []string{"42"}
	s.functions = []FunctionResult{{Payload: []byte(`{}`)}}
	s.call("main")
	eq(t, "hung up in module", s.c.Status(), StatusEnded)
	eq(t, "end", s.ended().Reason, EndDisconnected)
}

func TestEndFlowModuleExecutionOutsideModuleFaults(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(act("ret", "EndFlowModuleExecution", `{}`, tr{})))
	s := newSim(t, env).call("main")
	if !strings.Contains(s.c.Fault, "outside a flow module") {
		t.Errorf("fault %q", s.c.Fault)
	}
}

func TestShowViewIsAnErrorOnVoice(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("ShowView", `{"ViewResource":{"Id":"v"},"ViewData":{"Heading":"x"}}`, [][2]string{{"Equals", "Next"}}, "NoMatchingError"))
	eq(t, "went to", lastSaid(newSim(t, env).call("main")), "err NoMatchingError")
}

func TestUpdateFlowLoggingBehavior(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("on", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, to("off")),
		act("off", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Disabled"}`, to("odd")),
		act("odd", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Maybe"}`, to("end")),
		act("end", "EndFlowExecution", `{}`, tr{})))
	env.addFlow(t, "w", "CUSTOMER_WHISPER", doc(act("on", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"enabled"}`, tr{})))
	s := newSim(t, env).call("main")
	eq(t, "logging", s.c.FlowLogging, false)
	if !strings.Contains(s.last("odd").Why, "nothing changed") {
		t.Errorf("why %q", s.last("odd").Why)
	}
	s = newSim(t, env).call("w")
	eq(t, "logging", s.c.FlowLogging, true)
}
