package interp

import (
	"strings"
	"testing"
	"time"
)

// One test per item of reference §11, "Things an interpreter easily gets wrong".

// §11.1: operands that are references are resolved before comparing.
func TestTrap01ReferenceOperands(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("retries", "end")),
		act("retries", "Compare", `{"ComparisonValue":"$.Attributes.tries"}`,
			tr{next: "empty?", conds: [][3]string{{"NumberGreaterOrEqualTo", "$.External.Flag_SteeringMenu_Retries", "too-many"}}, errors: [][2]string{{"NoMatchingCondition", "empty?"}}}),
		act("empty?", "Compare", `{"ComparisonValue":"$.Attributes.unset"}`,
			tr{next: "end", conds: [][3]string{{"Equals", "$.Attributes.Null", "empty"}}}),
		say("too-many", "too many", "end"),
		say("empty", "empty", "end"),
		hangup("end")))
	for _, tt := range []struct{ tries, want string }{{"3", "too many"}, {"2", "empty"}} {
		s := newSim(t, env)
		s.c.Attributes = map[string]string{"tries": tt.tries}
		s.functions = []FunctionResult{{Payload: []byte(`{"Flag_SteeringMenu_Retries":"3"}`)}}
		eq(t, "tries "+tt.tries, lastSaid(s.call("main")), tt.want)
	}
}

// §11.2: a missing attribute is the empty string, not an error; setting an
// attribute to a missing one stores "".
func TestTrap02MissingIsEmpty(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("clear", "UpdateContactAttributes", `{"Attributes":{"flag":"$.Attributes.Null"}}`, onErr("check", "error")),
		act("check", "Compare", `{"ComparisonValue":"$.Attributes.flag"}`, tr{conds: [][3]string{{"Equals", "", "p"}}, errors: [][2]string{{"NoMatchingCondition", "error"}}}),
		say("p", "[$.Attributes.flag][$.External.nothing][$.Lex.IntentName][$.Queue.Name][$.Nonsense.x]", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"flag": "set"}
	s.call("main")
	eq(t, "said", lastSaid(s), "[][][][][]")
	v, ok := s.c.Attributes["flag"]
	eq(t, "flag", v, "")
	eq(t, "flag kept as a key", ok, true)
}

// §11.3: no NextAction after a successful TransferContactToQueue or a
// bridged third-party transfer.
func TestTrap03NoNextActionAfterHandOff(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "queue", "CONTACT_FLOW", doc(
		act("set", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, to("xfer")),
		act("xfer", "TransferContactToQueue", `{}`, tr{next: "after", errors: [][2]string{{"NoMatchingError", "after"}}}),
		say("after", "should not play", "end"),
		hangup("end")))
	env.addFlow(t, "phone", "CONTACT_FLOW", doc(
		act("xfer", "TransferParticipantToThirdParty", `{"ThirdPartyPhoneNumber":"+15550100","ContinueFlowExecution":"False"}`, tr{next: "after", errors: [][2]string{{"NoMatchingError", "after"}}}),
		say("after", "should not play", "end"),
		hangup("end")))
	s := newSim(t, env).call("queue")
	eqList(t, "queue path", s.path(), []string{"set", "xfer"})
	eq(t, "queue status", s.c.Status(), StatusIdle)
	s = newSim(t, env)
	s.transfers = []TransferResult{TransferAnswered}
	s.call("phone")
	eqList(t, "transfer path", s.path(), []string{"xfer"})
	eq(t, "transfer end", s.ended().Reason, EndTransferred)
	eq(t, "transfer status", s.c.Status(), StatusIdle)
}

// §11.4: StoreInput True turns a timeout into success with "Timeout";
// StoreInput False into InputTimeLimitExceeded.
func TestTrap04TimeoutDependsOnStoreInput(t *testing.T) {
	for _, tt := range []struct{ store, want string }{{"True", "next Timeout"}, {"False", "timeout"}, {"true", "next Timeout"}, {"FALSE", "timeout"}} {
		env := newEnv()
		env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(`{"Text":"x","StoreInput":"`+tt.store+`","InputValidation":{"CustomValidation":{"MaximumLength":"5"}}}`))
		s := newSim(t, env)
		s.keys = []string{"timeout"}
		eq(t, "StoreInput "+tt.store, lastSaid(s.call("main")), tt.want)
	}
}

// §11.5: * cancels, # terminates, MaximumLength ends collection early.
func TestTrap05CancelTerminatorMaximumLength(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(`{"Text":"x","StoreInput":"True","InputValidation":{"CustomValidation":{"MaximumLength":"3"}}}`))
	for _, tt := range []struct{ keys, want string }{{"9*12#", "next 12"}, {"1#", "next 1"}, {"12345", "next 123"}, {"**7#", "next 7"}} {
		s := newSim(t, env)
		s.keys = []string{tt.keys}
		eq(t, tt.keys, lastSaid(s.call("main")), tt.want)
	}
}

// §11.6: conditions in array order, first match wins; text is case-sensitive.
func TestTrap06ConditionOrderAndCase(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("Compare", `{"ComparisonValue":"$.Attributes.v"}`,
		[][2]string{{"Equals", "yes"}, {"TextStartsWith", "Y"}, {"TextContains", "e"}}, "NoMatchingCondition"))
	for _, tt := range []struct{ v, want string }{{"yes", "c0"}, {"Yes", "c1"}, {"YES", "c1"}, {"eh", "c2"}, {"nah", "err NoMatchingCondition"}} {
		s := newSim(t, env)
		s.c.Attributes = map[string]string{"v": tt.v}
		eq(t, tt.v, lastSaid(s.call("main")), tt.want)
	}
}

// §11.7: Loop state is per identifier and resets after DoneLooping.
func TestTrap07LoopPerIdentifier(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("outer", "Loop", `{"LoopCount":"2"}`, tr{conds: [][3]string{{"Equals", "ContinueLooping", "inner"}, {"Equals", "DoneLooping", "end"}}}),
		act("inner", "Loop", `{"LoopCount":"2"}`, tr{conds: [][3]string{{"Equals", "ContinueLooping", "body"}, {"Equals", "DoneLooping", "outer"}}}),
		say("body", "body", "inner"),
		hangup("end")))
	// The inner loop resets after each DoneLooping, so it runs twice per outer turn.
	eq(t, "bodies", len(newSim(t, env).call("main").said()), 4)
}

// §11.8: $.External does not survive into a module, and is replaced, not merged.
func TestTrap08ExternalScope(t *testing.T) {
	env := newEnv()
	env.addModule(t, "m", moduleDoc(say("m", "module sees [$.External.a]", "ret"), act("ret", "EndFlowModuleExecution", `{}`, tr{})))
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("f1", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("call", "end")),
		act("call", "InvokeFlowModule", `{"FlowModuleId":"m"}`, onErr("f2", "end")),
		act("f2", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("p", "end")),
		say("p", "after [$.External.a][$.External.b]", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.functions = []FunctionResult{{Payload: []byte(`{"a":"1"}`)}, {Payload: []byte(`{"b":"2"}`)}}
	eqList(t, "said", s.call("main").said(), []string{"module sees []", "after [][2]"})
}

// §11.9: numbers and booleans arrive as strings in any case; Parameters may be absent.
func TestTrap09StringsAndAbsentParameters(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("set", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, to("hours")),
		act("hours", "CheckHoursOfOperation", "", tr{conds: [][3]string{{"Equals", "True", "xfer"}}, errors: [][2]string{{"NoMatchingError", "end"}}}),
		act("xfer", "TransferParticipantToThirdParty", `{"ThirdPartyPhoneNumber":"+15550100","ContinueFlowExecution":"tRuE","ThirdPartyConnectionTimeLimitSeconds":"20.0"}`, onErr("q", "end")),
		act("q", "TransferContactToQueue", "", onErr("end", "end")),
		hangup("end")))
	s := newSim(t, env)
	s.transfers = []TransferResult{TransferAnswered, TransferCompleted}
	s.call("main")
	eqList(t, "path", s.path(), []string{"set", "hours", "xfer", "q"})
	eq(t, "timeout", find[TransferToNumber](s)[0].Timeout, 20*time.Second)
	eq(t, "end", s.ended().Reason, EndQueued)
}

// §11.10: a sentence period after a reference is punctuation.
func TestTrap10InterpolationBoundaries(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("p", "end")),
		say("p", "Your number is $.External.vanity1.  Your balance is $$.External.balance, thanks $.Attributes.['first name']!", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"first name": "Ann"}
	s.functions = []FunctionResult{{Payload: []byte(`{"vanity1":"1-800-FLOWERS","balance":"5"}`)}}
	eq(t, "said", lastSaid(s.call("main")), "Your number is 1-800-FLOWERS.  Your balance is $5, thanks Ann!")
}

// §11.11: Wait takes TimeLimitSeconds (exports) and TimeoutSeconds (docs).
func TestTrap11WaitParameterNames(t *testing.T) {
	for _, name := range []string{"TimeLimitSeconds", "TimeoutSeconds"} {
		env := newEnv()
		env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("Wait", `{"`+name+`":"5"}`, [][2]string{{"Equals", "WaitCompleted"}}, "NoMatchingError"))
		s := newSim(t, env).call("main")
		eq(t, name, lastSaid(s), "c0")
		eq(t, name+" time", s.now, t0.Add(5*time.Second+time.Second))
	}
}

// §11.12: UpdateContactRoutingCriteria (exports) and UpdateRoutingCriteria (docs) both work.
func TestTrap12RoutingCriteriaNames(t *testing.T) {
	for _, typ := range []string{"UpdateContactRoutingCriteria", "UpdateRoutingCriteria"} {
		env := newEnv()
		env.addFlow(t, "main", "CONTACT_FLOW", doc(
			act("rc", typ, `{"RoutingCriteria":{"Steps":[{"Expression":{"AttributeCondition":{"Name":"Agent","Value":"$.Attributes.agent"}}}]}}`, onErr("set", "end")),
			act("set", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, to("q")),
			act("q", "TransferContactToQueue", "", onErr("end", "end")),
			hangup("end")))
		s := newSim(t, env)
		s.c.Attributes = map[string]string{"agent": "agent-7"}
		s.call("main")
		want := `{"Steps":[{"Expression":{"AttributeCondition":{"Name":"Agent","Value":"agent-7"}}}]}`
		eq(t, typ, string(s.c.RoutingCriteria), want)
		eq(t, typ+" queued with it", string(find[QueueContact](s)[0].RoutingCriteria), want)
	}
}

// §11.13: CheckHoursOfOperation with no queue is an error; 00:00–00:00 is
// all day, in the queue's time zone.
func TestTrap13HoursNoQueueAndAllDay(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	env := newEnv()
	// Open all day on Thursdays only, Tokyo time.
	env.addHours("thu", tokyo, HoursSlot{Day: time.Thursday, Start: TimeOfDay{0, 0}, End: TimeOfDay{0, 0}})
	env.addQueue(&Queue{ID: "q-tokyo", Name: "Tokyo", HoursID: "thu"})
	env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("CheckHoursOfOperation", `{}`, [][2]string{{"Equals", "True"}, {"Equals", "False"}}, "NoMatchingError"))
	s := newSim(t, env)
	eq(t, "no queue", lastSaid(s.call("main")), "err NoMatchingError")
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2025, 3, 12, 15, 0, 0, 0, time.UTC), "c0"},  // Thu 00:00 in Tokyo
		{time.Date(2025, 3, 13, 14, 59, 0, 0, time.UTC), "c0"}, // Thu 23:59 in Tokyo
		{time.Date(2025, 3, 13, 15, 0, 0, 0, time.UTC), "c1"},  // Fri 00:00 in Tokyo
		{time.Date(2025, 3, 12, 14, 59, 0, 0, time.UTC), "c1"}, // Wed 23:59 in Tokyo
	} {
		s := newSim(t, env)
		s.now = tt.at
		s.c.Queue = QueueRef{ID: "q-tokyo", Name: "Tokyo"}
		eq(t, tt.at.String(), lastSaid(s.call("main")), tt.want)
	}
}

// §11.14: the seed's typo "$.External. Flag_Flow_NextActionValue" fails; it
// is not trimmed into a valid reference.
func TestTrap14SeedTypoFails(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("check", "end")),
		act("check", "Compare", `{"ComparisonValue":"$.External. Flag_Flow_NextActionValue"}`,
			tr{next: "nomatch", conds: [][3]string{{"TextStartsWith", "Queue", "queue"}}, errors: [][2]string{{"NoMatchingCondition", "nomatch"}, {"NoMatchingError", "error"}}}),
		say("queue", "queue", "end"), say("nomatch", "nomatch", "end"), say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.functions = []FunctionResult{{Payload: []byte(`{"Flag_Flow_NextActionValue":"Queue_Sales"}`)}}
	s.call("main")
	eq(t, "went to", lastSaid(s), "error")
	if tr := s.last("check"); !strings.Contains(tr.Why, "not a valid reference") {
		t.Errorf("why %q", tr.Why)
	}
}

// §11.15: identifiers are sentences with spaces; Metadata that contradicts
// Actions is ignored.
func TestTrap15SentenceIdentifiersAndMetadata(t *testing.T) {
	content := `{"Version":"2019-10-30","StartAction":"Check the caller's tier",
	  "Metadata":{"ActionMetadata":{"Check the caller's tier":{"conditionMetadata":[{"operator":{"name":"Is greater or equal","value":"GreaterThanOrEqualTo"},"value":"gold"}]}}},
	  "Actions":[
	    {"Identifier":"Check the caller's tier","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.tier"},
	     "Transitions":{"NextAction":"Say goodbye now","Conditions":[{"NextAction":"Play the gold greeting","Condition":{"Operator":"TextStartsWith","Operands":["gold"]}}],
	       "Errors":[{"NextAction":"Say goodbye now","ErrorType":"NoMatchingCondition"}]}},
	    {"Identifier":"Play the gold greeting","Type":"MessageParticipant","Parameters":{"Text":"Welcome, gold member."},"Transitions":{"NextAction":"Say goodbye now"}},
	    {"Identifier":"Say goodbye now","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", content)
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"tier": "golden"}
	s.call("main")
	eqList(t, "path", s.path(), []string{"Check the caller's tier", "Play the gold greeting", "Say goodbye now"})
	eq(t, "branch", s.last("Check the caller's tier").Branch, `Condition[0] TextStartsWith "gold"`)
}
