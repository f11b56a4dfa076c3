package voice

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
)

func outboundContact() *contacts.Record {
	return &contacts.Record{
		InstanceID: testInstance, ContactID: "out-1", InitialContactID: "out-1", Channel: "VOICE", InitiationMethod: "API",
		CustomerEndpoint:    contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: "+15550000008"},
		SystemEndpoint:      contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: testNumber},
		InitiationTimestamp: monday10.Add(-6 * time.Second), Attributes: map[string]string{"name": "Ada"},
	}
}

func TestRunOutboundRunsTheWhisperThenTheFlowAndStoresNothing(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "whisper", "OUTBOUND_WHISPER", doc(say("who", "This call is from Hotline", "end"),
		act("end", "EndFlowExecution", "", "")))
	r.env.add(t, "main", "CONTACT_FLOW", doc(
		say("hi", "Hello $.Attributes.name about $.References.case.Value from $.Queue.Name", "mark"),
		act("mark", "UpdateContactAttributes", `{"Attributes":{"greeted":"yes"}}`, "bye", "NoMatchingError", "bye"),
		bye("bye")))
	in := outboundContact()
	rec, err := r.sim.RunOutbound(context.Background(), &OutboundCall{
		Contact: in, FlowID: "main", WhisperFlowID: "whisper", At: monday10,
		Queue:      interp.QueueRef{ID: "q-sales", ARN: testInstanceARN + "/queue/q-sales", Name: "Sales"},
		References: map[string]interp.Reference{"case": {Type: "STRING", Value: "C-7"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	eqList(t, rec, "prompts", heard(rec), []string{"This call is from Hotline", "Hello Ada about C-7 from Sales"})
	var hooks []string
	for _, e := range events(rec, "flow") {
		h, _ := e.Detail.Get("hook").(string)
		hooks = append(hooks, e.Detail.Get("flow").(string)+":"+h)
	}
	eqList(t, rec, "flows", hooks, []string{"whisper:" + OutboundWhisperHook, "main:"})
	outcome(t, rec, Disconnected)
	// The whisper (5 words, 2 s) and the greeting (6 words, 2.4 s) play back to back.
	if want := monday10.Add(4400 * time.Millisecond); !rec.DisconnectTimestamp.Equal(want) || rec.DisconnectReason != "CONTACT_FLOW_DISCONNECT" {
		t.Fatalf("ended %v (%s), want %v", rec.DisconnectTimestamp, rec.DisconnectReason, want)
	}
	if !rec.ConnectedToSystemTimestamp.Equal(monday10) || !rec.InitiationTimestamp.Equal(in.InitiationTimestamp) || rec.InitiationMethod != "API" {
		t.Fatalf("connected %v, initiated %v, method %s", rec.ConnectedToSystemTimestamp, rec.InitiationTimestamp, rec.InitiationMethod)
	}
	if rec.Attributes["greeted"] != "yes" || rec.Attributes["name"] != "Ada" {
		t.Fatalf("attributes %v", rec.Attributes)
	}
	if in.Attributes["greeted"] != "" || in.DisconnectTimestamp != (time.Time{}) {
		t.Fatal("RunOutbound changed the contact it was given")
	}
	if len(r.rec.puts) != 0 {
		t.Fatalf("RunOutbound stored %d records; the caller stores the contact", len(r.rec.puts))
	}
}

func TestRunOutboundSkipsAWhisperThatCannotRun(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", doc(say("hi", "Hello", "bye"), bye("bye")))
	rec, err := r.sim.RunOutbound(context.Background(), &OutboundCall{Contact: outboundContact(), FlowID: "main", WhisperFlowID: "gone", At: monday10})
	if err != nil {
		t.Fatal(err)
	}
	eqList(t, rec, "prompts", heard(rec), []string{"Hello"})
	if len(events(rec, "error")) != 1 {
		t.Fatalf("no error event for the missing whisper:\n%s", dump(rec))
	}
	outcome(t, rec, Disconnected)
}

func TestRunOutboundCustomerScript(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", doc(
		act("ask", "GetParticipantInput", `{"Text":"Press 1 to confirm.","StoreInput":"False","InputTimeLimitSeconds":"5"}`, "bye",
			"Equals:1", "yes", "InputTimeLimitExceeded", "bye", "NoMatchingCondition", "bye", "NoMatchingError", "bye"),
		act("yes", "UpdateContactAttributes", `{"Attributes":{"confirmed":"yes"}}`, "bye", "NoMatchingError", "bye"),
		bye("bye")))
	rec, err := r.sim.RunOutbound(context.Background(), &OutboundCall{Contact: outboundContact(), FlowID: "main", At: monday10,
		Script: Script{Presses: []string{"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Attributes["confirmed"] != "yes" {
		t.Fatalf("the customer's key did not reach the flow:\n%s", dump(rec))
	}
	// A customer who hangs up before pressing ends the call as a caller would.
	rec, err = r.sim.RunOutbound(context.Background(), &OutboundCall{Contact: outboundContact(), FlowID: "main", At: monday10,
		Script: Script{HangupAfter: Duration(time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	outcome(t, rec, CustomerHungUp)
	if rec.DisconnectReason != "CUSTOMER_DISCONNECT" || !rec.DisconnectTimestamp.Equal(monday10.Add(time.Second)) {
		t.Fatalf("ended %v (%s)", rec.DisconnectTimestamp, rec.DisconnectReason)
	}
	// A script the simulator cannot follow is refused before anything runs.
	if _, err := r.sim.RunOutbound(context.Background(), &OutboundCall{Contact: outboundContact(), FlowID: "main", At: monday10,
		Script: Script{Presses: []string{"1@soon"}}}); err == nil {
		t.Fatal("a bad script was accepted")
	}
}
