package interp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLambdaEventIsWhatConnectSends(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("q", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, to("fn")),
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:$.Attributes.fn","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address","note":"caller \"$.Attributes.name\" <vip>","count":"2","nested":{"a":["$.Channel"]}},"ResponseValidation":{"ResponseType":"JSON"}}`,
			onErr("end", "end")),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"name": "Ann", "fn": "lookup", "a-first": "1"}
	s.c.References = map[string]Reference{"ticket": {Type: "URL", Value: "https://t/1"}}
	s.step(Event{Kind: EventStart, FlowID: "main"})
	fns := find[InvokeFunction](s)
	if len(fns) != 1 {
		t.Fatalf("%d invocations", len(fns))
	}
	fn := fns[0]
	eq(t, "ARN", fn.FunctionARN, "arn:aws:lambda:eu-west-2:123456789012:function:lookup")
	eq(t, "time limit", fn.TimeLimit, 3*time.Second)
	eq(t, "response type", fn.ResponseType, "JSON")
	eq(t, "seq", fn.Seq, s.c.Wait.Seq)
	eq(t, "deadline", s.c.Wait.Deadline, t0.Add(3*time.Second))
	want := `{"Details":{"ContactData":{` +
		`"Attributes":{"a-first":"1","fn":"lookup","name":"Ann"},` +
		`"AwsRegion":"eu-west-2",` +
		`"Channel":"VOICE",` +
		`"ContactId":"c-1",` +
		`"CustomerEndpoint":{"Address":"+447700900123","Type":"TELEPHONE_NUMBER"},` +
		`"CustomerId":null,"Description":null,` +
		`"InitialContactId":"c-1",` +
		`"InitiationMethod":"INBOUND",` +
		`"InstanceARN":"` + instanceARN + `",` +
		`"LanguageCode":"en-US",` +
		`"MediaStreams":{"Customer":{"Audio":null}},` +
		`"Name":null,` +
		`"PreviousContactId":"c-1",` +
		`"Queue":{"ARN":"` + arnOf("queue", "q-sales") + `","Name":"Sales","OutboundCallerId":{"Address":"+442071234567","Type":"TELEPHONE_NUMBER"}},` +
		`"References":{"ticket":{"Type":"URL","Value":"https://t/1"}},` +
		`"SystemEndpoint":{"Address":"+442071230000","Type":"TELEPHONE_NUMBER"}},` +
		`"Parameters":{"phone":"+447700900123","note":"caller \"Ann\" <vip>","count":"2","nested":{"a":["VOICE"]}}},` +
		`"Name":"ContactFlowEvent"}`
	if string(fn.Payload) != want {
		t.Errorf("event\n got %s\nwant %s", fn.Payload, want)
	}
	if !json.Valid(fn.Payload) {
		t.Error("the event is not valid JSON")
	}
}

func TestLambdaEventWithoutQueueAndEscapes(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("end", "end")), hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"k": "line\nbreak\ttab \u2028 \x01 é"}
	s.step(Event{Kind: EventStart, FlowID: "main"})
	p := find[InvokeFunction](s)[0].Payload
	var ev struct {
		Details struct {
			ContactData struct {
				Attributes map[string]string
				Queue      *struct{}
			}
			Parameters map[string]string
		}
		Name string
	}
	if err := json.Unmarshal(p, &ev); err != nil {
		t.Fatalf("%v\n%s", err, p)
	}
	eq(t, "attribute round trip", ev.Details.ContactData.Attributes["k"], s.c.Attributes["k"])
	if ev.Details.ContactData.Queue != nil || !bytes.Contains(p, []byte(`"Queue":null`)) || ev.Name != "ContactFlowEvent" || len(ev.Details.Parameters) != 0 {
		t.Errorf("event %s", p)
	}
}

func TestLambdaResponse(t *testing.T) {
	tests := []struct {
		name     string
		respType string // "" leaves ResponseValidation out
		result   FunctionResult
		said     string
	}{
		{"string map", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":"x","b":"y z"}`)}, "a=x b=y z n= d="},
		{"string map default", "", FunctionResult{Payload: []byte(`{"a":"x","n":5,"t":true}`)}, "a=x b= n=5 d="},
		{"string map null member", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":null,"b":"y"}`)}, "a= b=y n= d="},
		{"string map refuses nesting", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":{"b":1}}`)}, "error"},
		{"string map refuses an array", "STRING_MAP", FunctionResult{Payload: []byte(`["a"]`)}, "error"},
		{"json nested", "JSON", FunctionResult{Payload: []byte(`{"a":"x","d":{"e":[{"f":"deep"}]},"n":1.50}`)}, "a=x b= n=1.50 d=deep"},
		{"json whole object substitutes as JSON", "JSON", FunctionResult{Payload: []byte(`{"b":{"z":1,"y":[true,null]}}`)}, `a= b={"y":[true,null],"z":1} n= d=`},
		{"null", "JSON", FunctionResult{Payload: []byte(`null`)}, "error"},
		{"scalar", "JSON", FunctionResult{Payload: []byte(`"ok"`)}, "error"},
		{"not JSON", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":`)}, "error"},
		{"function error", "STRING_MAP", FunctionResult{Err: "Task timed out"}, "error"},
		{"took too long", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":"x"}`), Duration: 9 * time.Second}, "error"},
		{"too large", "STRING_MAP", FunctionResult{Payload: []byte(`{"a":"` + strings.Repeat("x", 33000) + `"}`)}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := ""
			if tt.respType != "" {
				rv = `,"ResponseValidation":{"ResponseType":"` + tt.respType + `"}`
			}
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationTimeLimitSeconds":"8"`+rv+`}`, onErr("p", "error")),
				say("p", "a=$.External.a b=$.External.b n=$.External.n d=$.External.d.e.0.f", "end"),
				say("error", "error", "end"),
				hangup("end")))
			s := newSim(t, env)
			s.functions = []FunctionResult{tt.result}
			s.call("main")
			eq(t, "said", lastSaid(s), tt.said)
		})
	}
}

// $.External is replaced, not merged; a failed call leaves it as it was.
func TestExternalReplacedNotMerged(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("f1", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("f2", "f2")),
		act("f2", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("p", "p")),
		say("p", "a=$.External.a b=$.External.b", "f3"),
		act("f3", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f"}`, onErr("p2", "p2")),
		say("p2", "after failure b=$.External.b", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.functions = []FunctionResult{{Payload: []byte(`{"a":"1"}`)}, {Payload: []byte(`{"b":"2"}`)}, {Err: "boom"}}
	s.call("main")
	eqList(t, "said", s.said(), []string{"a= b=2", "after failure b=2"})
}

func TestLambdaTimeouts(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationTimeLimitSeconds":"2"}`, onErr("p", "error")),
		say("p", "ok", "end"),
		say("error", "error", "end"),
		hangup("end")))

	// The timer fires.
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	s.step(Event{Kind: EventTimeout, Time: t0.Add(2 * time.Second)})
	s.run()
	eq(t, "timeout", lastSaid(s), "error")

	// A result later than the deadline is a timeout, and is then discarded.
	s = newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	effs := s.step(Event{Kind: EventFunctionResult, Time: t0.Add(3 * time.Second), Function: FunctionResult{Payload: []byte(`{}`)}})
	s.run()
	eq(t, "late result", lastSaid(s), "error")
	var notes []string
	for _, e := range effs {
		if tr, ok := e.(*Trace); ok && tr.Kind == TraceEvent {
			notes = append(notes, tr.Why)
		}
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "timer expired") || !strings.Contains(notes[1], "discarded") {
		t.Errorf("notes %q", notes)
	}

	// A result answering an earlier invocation (stale Seq) is discarded.
	env.addFlow(t, "twice", "CONTACT_FLOW", doc(
		act("f1", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationTimeLimitSeconds":"2"}`, onErr("f2", "f2")),
		act("f2", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationTimeLimitSeconds":"2"}`, onErr("p", "error")),
		say("p", "got $.External.who", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s = newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "twice"})
	first := s.c.Wait.Seq
	s.step(Event{Kind: EventTimeout, Time: t0.Add(2 * time.Second), Seq: first})
	s.step(Event{Kind: EventFunctionResult, Seq: first, Time: t0.Add(2500 * time.Millisecond), Function: FunctionResult{Payload: []byte(`{"who":"first"}`)}})
	eq(t, "still waiting for the second", s.c.Wait.Kind, WaitFunction)
	s.step(Event{Kind: EventFunctionResult, Seq: s.c.Wait.Seq, Time: t0.Add(3 * time.Second), Function: FunctionResult{Payload: []byte(`{"who":"second"}`)}})
	s.run()
	eq(t, "said", lastSaid(s), "got second")
}

func TestLambdaAsynchronous(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationType":"ASYNCHRONOUS","InvocationTimeLimitSeconds":"30"}`, onErr("p", "error")),
		say("p", "on", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env).call("main")
	eq(t, "said", lastSaid(s), "on")
	fn := find[InvokeFunction](s)
	if len(fn) != 1 || !fn[0].Async || fn[0].Seq != 0 {
		t.Errorf("invocation %+v", fn)
	}
	// 30 s is too long for a synchronous call.
	env.addFlow(t, "sync", "CONTACT_FLOW", doc(
		act("fn", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:f","InvocationTimeLimitSeconds":"30"}`, onErr("p", "error")),
		say("p", "on", "end"), say("error", "error", "end"), hangup("end")))
	eq(t, "sync 30 s", lastSaid(newSim(t, env).call("sync")), "error")
}

func TestDataJSONRoundTrip(t *testing.T) {
	in := `{"z":[1,2.50,"x",{"k":null}],"a":{"b":true},"a":{"c":"later wins"}}`
	d, err := ParseData([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(d)
	eq(t, "marshal", string(out), `{"a":{"c":"later wins"},"z":[1,2.50,"x",{"k":null}]}`)
	var back Data
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	v, ok := back.Get("z.1")
	eq(t, "number text kept", v, "2.50")
	eq(t, "found", ok, true)
	if _, ok := back.Get("z.3.k"); ok {
		t.Error("a null counts as present")
	}
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if _, err := ParseData([]byte(deep)); err == nil {
		t.Error("100 levels of nesting accepted")
	}
}
