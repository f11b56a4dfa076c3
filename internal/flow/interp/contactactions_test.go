package interp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestUpdateContactAttributes(t *testing.T) {
	big := strings.Repeat("x", 20000)
	tests := []struct {
		name   string
		params string
		before map[string]string
		after  map[string]string
		branch string
	}{
		{"static and dynamic", `{"Attributes":{"a":"1","b":"$.CustomerEndpoint.Address","c":"Hi $.Attributes.a"},"TargetContact":"Current"}`,
			map[string]string{"a": "0"}, map[string]string{"a": "1", "b": "+447700900123", "c": "Hi 0"}, "NextAction"},
		{"TargetContact absent means Current", `{"Attributes":{"a":"1"}}`, nil, map[string]string{"a": "1"}, "NextAction"},
		{"missing value stores empty", `{"Attributes":{"a":"$.Attributes.Null"}}`, map[string]string{"a": "old"}, map[string]string{"a": ""}, "NextAction"},
		{"dynamic key", `{"Attributes":{"$.Attributes.k":"v"}}`, map[string]string{"k": "chosen"}, map[string]string{"k": "chosen", "chosen": "v"}, "NextAction"},
		{"malformed reference writes nothing", `{"Attributes":{"a":"1","b":"$.External. x"}}`, map[string]string{"a": "0"}, map[string]string{"a": "0"}, "Error NoMatchingError"},
		{"over 32768 bytes writes nothing", `{"Attributes":{"a":"$.Attributes.big","b":"$.Attributes.big"}}`, map[string]string{"big": big},
			map[string]string{"big": big}, "Error NoMatchingError"},
		{"replacing counts the new size only", `{"Attributes":{"big":"$.Attributes.big"}}`, map[string]string{"big": big},
			map[string]string{"big": big}, "NextAction"},
		{"unknown target", `{"Attributes":{"a":"1"},"TargetContact":"Other"}`, nil, nil, "Error NoMatchingError"},
		{"related without a related contact", `{"Attributes":{"a":"1"},"TargetContact":"Related"}`, nil, nil, "Error NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", doc(act("x", "UpdateContactAttributes", tt.params, onErr("end", "end")), hangup("end")))
			s := newSim(t, env)
			s.c.Attributes = tt.before
			s.call("main")
			eq(t, "branch", s.last("x").Branch, tt.branch)
			got, _ := json.Marshal(s.c.Attributes)
			want, _ := json.Marshal(tt.after)
			if len(tt.after) == 0 {
				want = []byte("null")
				if len(s.c.Attributes) == 0 {
					got = want
				}
			}
			eq(t, "attributes", string(got), string(want))
		})
	}
}

func TestUpdateContactAttributesRelatedAndTrace(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("rel", "UpdateContactAttributes", `{"Attributes":{"a":"$.ContactId"},"TargetContact":"Related"}`, onErr("cur", "end")),
		act("cur", "UpdateContactAttributes", `{"Attributes":{"b":"new"}}`, onErr("end", "end")),
		hangup("end")))
	s := newSim(t, env)
	s.c.RelatedContactID = "c-0"
	s.c.Attributes = map[string]string{"b": "old"}
	s.call("main")
	u := find[UpdateRelatedContact](s)
	if len(u) != 1 || u[0].ContactID != "c-0" || u[0].Attributes["a"] != "c-1" {
		t.Fatalf("UpdateRelatedContact %+v", u)
	}
	if _, ok := s.c.Attributes["a"]; ok {
		t.Error("a Related write changed the current contact")
	}
	ch := s.last("cur").Changes
	if len(ch) != 1 || ch[0] != (Change{Scope: "Attributes", Key: "b", Old: "old", New: "new"}) {
		t.Errorf("changes %+v", ch)
	}
}

func TestUpdateContactData(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("d", "UpdateContactData", `{"Name":"Call from $.CustomerEndpoint.Address","Description":"d","LanguageCode":"fr-FR","CustomerId":"$.Attributes.cid","References":{"ticket":{"Value":"https://t/$.Attributes.cid","Type":"URL"},"note":"plain"}}`, onErr("p", "end")),
		say("p", "$.Name|$.Description|$.LanguageCode|$.CustomerId|$.References.ticket.Value|$.References.ticket.Type|$.References.note.Type", "bad"),
		act("bad", "UpdateContactData", `{"Name":"changed","CustomerId":"$.Attributes. x"}`, onErr("p2", "p2")),
		say("p2", "$.Name", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"cid": "42"}
	s.call("main")
	eqList(t, "said", s.said(), []string{"Call from +447700900123|d|fr-FR|42|https://t/42|URL|STRING", "Call from +447700900123"})
	eq(t, "prompt language", find[Prompt](s)[0].LanguageCode, "fr-FR")
}

func TestUpdateContactTargetQueue(t *testing.T) {
	tests := []struct {
		name, params, said string
	}{
		{"by id", `{"QueueId":"q-sales"}`, "Sales arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/q-sales +442071234567"},
		{"by ARN from an attribute", `{"QueueId":"$.Attributes.q"}`, "Sales arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/q-sales +442071234567"},
		{"agent", `{"AgentId":"agent-1"}`, "agent/ann  "},
		{"unknown queue", `{"QueueId":"q-nope"}`, "error"},
		{"malformed reference", `{"QueueId":"$.Attributes. q"}`, "error"},
		{"neither", `{}`, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.agents["agent-1"] = &Queue{ID: "aq-1", Name: "agent/ann"}
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("x", "UpdateContactTargetQueue", tt.params, onErr("p", "error")),
				say("p", "$.Queue.Name $.Queue.ARN $.Queue.OutboundCallerId.Address", "end"),
				say("error", "error", "end"),
				hangup("end")))
			s := newSim(t, env)
			s.c.Attributes = map[string]string{"q": arnOf("queue", "q-sales")}
			s.call("main")
			eq(t, "said", lastSaid(s), tt.said)
		})
	}
}

func TestTransferContactToQueue(t *testing.T) {
	limit := 2
	tests := []struct {
		name      string
		queue     string
		inQueue   int
		queued    bool
		said      string
		endReason EndReason
	}{
		{"queued; NextAction not followed", "q-sales", 5, false, "", EndQueued},
		{"at capacity", "q-small", 2, false, "full", EndDisconnected},
		{"below capacity", "q-small", 1, false, "", EndQueued},
		{"no working queue", "", 0, false, "error", EndDisconnected},
		{"already queued", "q-sales", 0, true, "error", EndDisconnected},
		{"disabled queue", "q-off", 0, false, "error", EndDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addQueue(&Queue{ID: "q-small", Name: "Small", HoursID: "always", MaxContacts: &limit})
			env.addQueue(&Queue{ID: "q-off", Name: "Off", Disabled: true})
			env.metrics[tt.queue] = Metrics{ContactsInQueue: tt.inQueue}
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("hook", "UpdateContactEventHooks", `{"EventHooks":{"CustomerQueue":"queue-flow"}}`, onErr("prio", "error")),
				act("prio", "UpdateContactRoutingBehavior", `{"QueuePriority":"2"}`, onErr("x", "error")),
				// Exports give TransferContactToQueue a NextAction equal to its error branch.
				act("x", "TransferContactToQueue", "", tr{next: "error", errors: [][2]string{{"QueueAtCapacity", "full"}, {"NoMatchingError", "error"}}}),
				say("full", "full", "end"),
				say("error", "error", "end"),
				hangup("end")))
			env.addFlow(t, "queue-flow", "CUSTOMER_QUEUE", doc(act("e", "EndFlowExecution", `{}`, tr{})))
			s := newSim(t, env)
			s.c.Queued = tt.queued
			if q, ok := env.queues[tt.queue]; ok {
				s.c.Queue = QueueRef{ID: q.ID, ARN: q.ARN, Name: q.Name}
			}
			s.call("main")
			eq(t, "said", lastSaid(s), tt.said)
			eq(t, "end", s.ended().Reason, tt.endReason)
			if tt.endReason == EndQueued {
				q := find[QueueContact](s)
				if len(q) != 1 || q[0].QueueID != tt.queue || q[0].Priority != 2 || q[0].CustomerQueueFlowID != "queue-flow" {
					t.Errorf("QueueContact %+v", q)
				}
				eq(t, "status", s.c.Status(), StatusIdle)
				eq(t, "branch", s.last("x").Branch, "")
			}
		})
	}
}

func TestTransferParticipantToThirdParty(t *testing.T) {
	tests := []struct {
		name      string
		continue_ string
		outcomes  []TransferResult
		said      string
		end       EndReason
	}{
		{"bridged ends the flow", "False", []TransferResult{TransferAnswered}, "", EndTransferred},
		{"continue after the third party hangs up", "True", []TransferResult{TransferAnswered, TransferCompleted}, "back", EndDisconnected},
		{"busy, continuing", "true", []TransferResult{TransferBusy}, "failed", EndDisconnected},
		{"no answer, continuing", "TRUE", []TransferResult{TransferNoAnswer}, "timeout", EndDisconnected},
		{"no answer, not continuing", "false", []TransferResult{TransferNoAnswer}, "error", EndDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("x", "TransferParticipantToThirdParty", `{"ThirdPartyPhoneNumber":"$.Attributes.number","ThirdPartyConnectionTimeLimitSeconds":"20","ContinueFlowExecution":"`+tt.continue_+`","ThirdPartyDTMFDigits":"1,2#","CallerId":{"Number":"+442071230000","Name":"Support"}}`,
					tr{next: "back", errors: [][2]string{{"CallFailed", "failed"}, {"ConnectionTimeLimitExceeded", "timeout"}, {"NoMatchingError", "error"}}}),
				say("back", "back", "end"), say("failed", "failed", "end"), say("timeout", "timeout", "end"), say("error", "error", "end"),
				hangup("end")))
			s := newSim(t, env)
			s.c.Attributes = map[string]string{"number": "+15550100"}
			s.transfers = tt.outcomes
			s.call("main")
			eq(t, "said", lastSaid(s), tt.said)
			eq(t, "end", s.ended().Reason, tt.end)
			d := find[TransferToNumber](s)
			if len(d) != 1 || d[0].Number != "+15550100" || d[0].Timeout != 20*time.Second || d[0].DTMF != "1,2#" || d[0].CallerIDName != "Support" {
				t.Errorf("TransferToNumber %+v", d)
			}
		})
	}
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("x", "TransferParticipantToThirdParty", `{"ThirdPartyPhoneNumber":"0207 123"}`, onErr("end", "error")),
		say("error", "error", "end"), hangup("end")))
	eq(t, "not E.164", lastSaid(newSim(t, env).call("main")), "error")
}

func TestUpdateContactEventHooks(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "whisper", "AGENT_WHISPER", doc(act("e", "EndFlowExecution", `{}`, tr{})))
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("w", "UpdateContactEventHooks", `{"EventHooks":{"AgentWhisper":"$.Attributes.w"}}`, onErr("h", "error")),
		act("h", "UpdateContactEventHooks", `{"EventHooks":{"CustomerHold":""},"EventHooksConfiguration":{"CustomerHold":{"DisableExecution":"true"}}}`, onErr("bad", "error")),
		act("bad", "UpdateContactEventHooks", `{"EventHooks":{"CustomerQueue":"no-such-flow"}}`, onErr("end", "odd")),
		act("odd", "UpdateContactEventHooks", `{"EventHooks":{"Sometimes":"whisper"}}`, onErr("end", "end2")),
		say("end2", "done", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"w": arnOf("contact-flow", "whisper")}
	s.call("main")
	eq(t, "said", lastSaid(s), "done")
	eq(t, "AgentWhisper", s.c.EventHooks["AgentWhisper"], "whisper")
	if v, ok := s.c.EventHooks["CustomerHold"]; !ok || v != "" {
		t.Errorf("CustomerHold %q, %v: want disabled (\"\")", v, ok)
	}
	if _, ok := s.c.EventHooks["CustomerQueue"]; ok {
		t.Error("a hook to an unknown flow was set")
	}
}

func TestRecordingBehavior(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("r", "UpdateContactRecordingBehavior", `{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"],"ScreenRecordedParticipants":["Agent"],"IVRRecordingBehavior":"Enabled"},"AnalyticsBehavior":{"Enabled":"True","AnalyticsLanguage":"en-GB","AnalyticsRedactionBehavior":"Enabled","AnalyticsRedactionResults":"RedactedOnly","ChannelConfiguration":{"Voice":{"AnalyticsModes":["RealTime"]}}}}`, to("r2")),
		act("r2", "UpdateContactRecordingAndAnalyticsBehavior", `{"VoiceBehavior":{"VoiceAnalyticsBehavior":{"Enabled":"True","AnalyticsLanguage":"$.LanguageCode"}}}`, onErr("end", "end")),
		hangup("end")))
	s := newSim(t, env).call("main")
	want := Recording{Agent: true, Customer: true, Screen: true, IVR: true, Set: true,
		Analytics: Analytics{Enabled: true, Language: "en-GB", Redaction: true, RedactionResults: "RedactedOnly", Modes: []string{"RealTime"}}}
	g, _ := json.Marshal(s.c.Recording)
	w, _ := json.Marshal(want)
	eq(t, "recording", string(g), string(w))
	eq(t, "new behaviour kept", string(s.c.RecordingAndAnalytics["VoiceBehavior"]), `{"VoiceAnalyticsBehavior":{"Enabled":"True","AnalyticsLanguage":"en-US"}}`)

	// An empty list switches recording off.
	env.addFlow(t, "off", "CONTACT_FLOW", doc(act("r", "UpdateContactRecordingBehavior", `{"RecordingBehavior":{"RecordedParticipants":[]}}`, to("end")), hangup("end")))
	s = newSim(t, env)
	s.c.Recording = want
	s.call("off")
	eq(t, "off", s.c.Recording.Agent || s.c.Recording.Customer || !s.c.Recording.Set, false)
}

func TestMediaStreaming(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("on", "UpdateContactMediaStreamingBehavior", `{"MediaStreamingState":"Enabled","MediaStreamType":"Audio","Participants":[{"ParticipantType":"Customer","MediaDirections":["From","To"]}]}`, onErr("p", "error")),
		say("p", "start $.MediaStreams.Customer.Audio.StartTimestamp stop $.MediaStreams.Customer.Audio.StopTimestamp", "off"),
		act("off", "UpdateContactMediaStreamingBehavior", `{"MediaStreamingState":"Disabled"}`, onErr("p2", "error")),
		say("p2", "stop $.MediaStreams.Customer.Audio.StopTimestamp", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env).call("main")
	eqList(t, "said", s.said(), []string{
		"start 1741775400000 stop ",
		"stop 1741775401000",
	})
	m := find[MediaStreamingChange](s)
	if len(m) != 2 || !m[0].Enabled || !m[0].From || !m[0].To || m[1].Enabled {
		t.Errorf("changes %+v", m)
	}
}

func TestRoutingBehaviorAndCallback(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("age", "UpdateContactRoutingBehavior", `{"QueueTimeAdjustmentSeconds":"$.Attributes.adj"}`, onErr("bad-prio", "error")),
		act("bad-prio", "UpdateContactRoutingBehavior", `{"QueuePriority":"0"}`, onErr("error", "in")),
		act("in", "GetParticipantInput", `{"Text":"Number?","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"US"}}}`, onErr("cb", "error")),
		act("cb", "UpdateContactCallbackNumber", `{"CallbackNumber":"$.StoredCustomerInput"}`,
			tr{next: "create", errors: [][2]string{{"InvalidCallbackNumber", "invalid"}, {"NoMatchingError", "error"}}}),
		act("create", "CreateCallbackContact", `{"QueueId":"q-sales","InitialCallDelaySeconds":"60","MaximumConnectionAttempts":"0","RetryDelaySeconds":"600"}`, onErr("p", "error")),
		say("p", "callback $.CallbackNumber", "end"),
		say("invalid", "invalid", "end"),
		say("error", "error", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"adj": "300"}
	s.keys = []string{"4155550100#"}
	s.call("main")
	eq(t, "said", lastSaid(s), "callback +14155550100")
	eq(t, "adjustment", s.c.Routing.TimeAdjustment, 300)
	eq(t, "priority untouched", s.c.Routing.Priority, 0)
	cb := find[CreateCallback](s)
	if len(cb) != 1 || cb[0].Number != "+14155550100" || cb[0].QueueID != "q-sales" || cb[0].InitialDelay != time.Minute || cb[0].MaxAttempts != 1 || cb[0].RetryDelay != 10*time.Minute {
		t.Errorf("callback %+v", cb)
	}

	env.addFlow(t, "static", "CONTACT_FLOW", doc(
		act("cb", "UpdateContactCallbackNumber", `{"CallbackNumber":"$.Attributes.n"}`,
			tr{next: "end", errors: [][2]string{{"InvalidCallbackNumber", "invalid"}, {"NoMatchingError", "error"}}}),
		say("invalid", "invalid", "end"), say("error", "error", "end"), hangup("end")))
	s = newSim(t, env)
	s.c.Attributes = map[string]string{"n": "12345"}
	eq(t, "invalid callback", lastSaid(s.call("static")), "invalid")
}
