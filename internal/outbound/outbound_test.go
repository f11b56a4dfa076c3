package outbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/outbound"
)

func TestAnsweredCallRunsTheFlowOnTheServersClock(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	t0 := r.clk.Now()
	id := r.start(t, r.call(numAnswers))

	c := r.describe(t, id)
	if c.Channel != types.ChannelVoice || c.InitiationMethod != types.ContactInitiationMethodApi {
		t.Fatalf("channel %s, initiation %s; want VOICE, API", c.Channel, c.InitiationMethod)
	}
	if got := aws.ToString(c.CustomerEndpoint.Address); got != numAnswers {
		t.Fatalf("customer endpoint %s", got)
	}
	if got := aws.ToString(c.SystemEndpoint.Address); got != r.source {
		t.Fatalf("system endpoint %s, want the source %s", got, r.source)
	}
	if c.DisconnectTimestamp != nil || c.ConnectedToSystemTimestamp != nil || !sameTime(c.InitiationTimestamp, t0) {
		t.Fatalf("a ringing call: initiated %v, connected %v, disconnected %v", c.InitiationTimestamp, c.ConnectedToSystemTimestamp, c.DisconnectTimestamp)
	}

	r.clk.Advance(6 * time.Second) // the customer answers after the default 6 s ring
	c = r.describe(t, id)
	if !sameTime(c.ConnectedToSystemTimestamp, t0.Add(6*time.Second)) || c.DisconnectTimestamp != nil {
		t.Fatalf("answered call: connected %v, disconnected %v", c.ConnectedToSystemTimestamp, c.DisconnectTimestamp)
	}
	r.clk.Advance(2 * time.Second) // the greeting takes 2.4 s
	if c = r.describe(t, id); c.DisconnectTimestamp != nil {
		t.Fatalf("the call ended at %v, during its greeting", c.DisconnectTimestamp)
	}
	r.clk.Advance(time.Second)
	c = r.describe(t, id)
	if !sameTime(c.DisconnectTimestamp, t0.Add(8400*time.Millisecond)) || aws.ToString(c.DisconnectReason) != "CONTACT_FLOW_DISCONNECT" {
		t.Fatalf("disconnected %v (%s), want 8.4 s in, CONTACT_FLOW_DISCONNECT", c.DisconnectTimestamp, aws.ToString(c.DisconnectReason))
	}
	if c.Attributes["greeted"] != "yes" || c.Attributes["name"] != "Ada" {
		t.Fatalf("attributes %v", c.Attributes)
	}
	rec := r.record(t, id)
	if rec.Report == nil || !strings.Contains(fmt.Sprint(rec.Report.Events), "Hello Ada, this is Hotline calling") {
		t.Fatalf("the report does not show the greeting: %+v", rec.Report)
	}
}

func TestEachFarEndBehaviourOfTheNumberPlan(t *testing.T) {
	r := newRig(t, outbound.Settings{CampaignCalls: true}, nil)
	if code, body := r.internal(t, http.MethodPut, "/_hotline/number-plan", testPlanPress); code != 200 {
		t.Fatalf("PUT number plan: %d %s", code, body)
	}
	// The plan set over HTTP replaced the one the server started with.
	if _, body := r.internal(t, http.MethodGet, "/_hotline/number-plan", ""); strings.Contains(body, numBusy) || !strings.Contains(body, numPresses) {
		t.Fatalf("GET number plan: %s", body)
	}
	if code, body := r.internal(t, http.MethodPut, "/_hotline/number-plan", `{"rules":[{"prefix":"+1","result":"hold"}]}`); code != 400 || !strings.Contains(body, "hold") {
		t.Fatalf("a bad plan: %d %s", code, body)
	}
	if code, body := r.internal(t, http.MethodPut, "/_hotline/number-plan", `{"rules":[],"ruels":[]}`); code != 400 {
		t.Fatalf("a misspelt field: %d %s", code, body)
	}
	// Back to the test plan, with the key-pressing customer added.
	plan, err := outbound.ParsePlan(testPlan)
	if err != nil {
		t.Fatal(err)
	}
	var press outbound.Plan
	if err := json.Unmarshal([]byte(testPlanPress), &press); err != nil {
		t.Fatal(err)
	}
	plan.Rules = append(plan.Rules, press.Rules...)
	body, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := r.internal(t, http.MethodPut, "/_hotline/number-plan", string(body)); code != 200 {
		t.Fatalf("PUT number plan: %d %s", code, body)
	}

	amd := func(await bool) func(*connect.StartOutboundVoiceContactInput) {
		return func(in *connect.StartOutboundVoiceContactInput) {
			in.TrafficType = types.TrafficTypeCampaign
			in.AnswerMachineDetectionConfig = &types.AnswerMachineDetectionConfig{
				EnableAnswerMachineDetection: true, AwaitAnswerMachinePrompt: await}
		}
	}
	cases := []struct {
		name    string
		to      string
		with    func(*connect.StartOutboundVoiceContactInput)
		ends    time.Duration // after the call was placed
		reason  string
		answers time.Duration // 0: never connected
		amd     string
		attr    string // an attribute the flow must have set
	}{
		{"answers", numAnswers, nil, 8400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 6 * time.Second, "", "greeted"},
		{"busy", numBusy, nil, 2 * time.Second, "TELECOM_BUSY", 0, "", ""},
		{"no answer", numNoAnswer, func(in *connect.StartOutboundVoiceContactInput) { in.RingTimeoutInSeconds = aws.Int32(15) },
			15 * time.Second, "TELECOM_TIMEOUT", 0, "", ""},
		{"no answer, default ring timeout", numNoAnswer, nil, 60 * time.Second, "TELECOM_TIMEOUT", 0, "", ""},
		{"answers after the ring timeout", numSlowAnswer, func(in *connect.StartOutboundVoiceContactInput) { in.RingTimeoutInSeconds = aws.Int32(15) },
			15 * time.Second, "TELECOM_TIMEOUT", 0, "", ""},
		{"answers before a longer ring timeout", numSlowAnswer, func(in *connect.StartOutboundVoiceContactInput) { in.RingTimeoutInSeconds = aws.Int32(30) },
			22400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 20 * time.Second, "", "greeted"},
		{"fails", numFail, nil, time.Second, "TELECOM_PROBLEM", 0, "", ""},
		{"invalid number", numInvalid, nil, time.Second, "TELECOM_NUMBER_INVALID", 0, "", ""},
		{"answering machine, no detection", numMachine, nil, 6400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 4 * time.Second, "", "greeted"},
		{"answering machine, detection", numMachine, amd(false), 6400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 4 * time.Second, "VOICEMAIL_BEEP", "greeted"},
		{"answering machine, flow after the beep", numMachine, amd(true), 11400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 4 * time.Second, "VOICEMAIL_BEEP", "greeted"},
		{"a person, detection", numAnswers, amd(false), 8400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 6 * time.Second, "HUMAN_ANSWERED", "greeted"},
		{"busy, detection", numBusy, amd(false), 2 * time.Second, "TELECOM_BUSY", 0, "SIT_TONE_BUSY", ""},
		{"customer hangs up", numHangsUp, nil, 2 * time.Second, "CUSTOMER_DISCONNECT", time.Second, "", ""},
		{"customer presses 1", numPresses, func(in *connect.StartOutboundVoiceContactInput) { in.ContactFlowId = aws.String(r.menu) },
			5400 * time.Millisecond, "CONTACT_FLOW_DISCONNECT", 2 * time.Second, "", "confirmed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := r.call(tc.to)
			if tc.with != nil {
				tc.with(in)
			}
			t0 := r.clk.Now()
			id := r.start(t, in)
			r.clk.Advance(tc.ends - time.Millisecond)
			if c := r.describe(t, id); c.DisconnectTimestamp != nil {
				t.Fatalf("ended %v, before %v", c.DisconnectTimestamp.Sub(t0), tc.ends)
			}
			r.clk.Advance(time.Millisecond)
			c := r.describe(t, id)
			if !sameTime(c.DisconnectTimestamp, t0.Add(tc.ends)) || aws.ToString(c.DisconnectReason) != tc.reason {
				t.Fatalf("ended %v (%s), want %v (%s)\n%+v", c.DisconnectTimestamp, aws.ToString(c.DisconnectReason), tc.ends, tc.reason, r.record(t, id).Report)
			}
			switch {
			case tc.answers == 0 && c.ConnectedToSystemTimestamp != nil:
				t.Fatalf("connected at %v, but the far end never answered", c.ConnectedToSystemTimestamp)
			case tc.answers != 0 && !sameTime(c.ConnectedToSystemTimestamp, t0.Add(tc.answers)):
				t.Fatalf("connected at %v, want %v in", c.ConnectedToSystemTimestamp, tc.answers)
			}
			if got := string(c.AnsweringMachineDetectionStatus); got != tc.amd {
				t.Fatalf("AnsweringMachineDetectionStatus %q, want %q", got, tc.amd)
			}
			if tc.attr != "" && c.Attributes[tc.attr] != "yes" {
				t.Fatalf("attributes %v: the flow did not set %s", c.Attributes, tc.attr)
			}
		})
	}
}

func TestQueueCallerIDAndOutboundWhisper(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	ctx := context.Background()
	whisper := r.flow(t, r.inst, "Whisper", types.ContactFlowTypeOutboundWhisper, whisperFlow)
	callerID, callerNumber := r.claim(t, r.inst, "+12025550111")
	hours, err := r.c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(r.inst), Name: aws.String("Always"), TimeZone: aws.String("UTC"),
		Config: []types.HoursOfOperationConfig{{Day: types.HoursOfOperationDaysMonday,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(23), Minutes: aws.Int32(59)}}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := r.c.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: aws.String(r.inst), Name: aws.String("Outbound"),
		HoursOfOperationId:   hours.HoursOfOperationId,
		OutboundCallerConfig: &types.OutboundCallerConfig{OutboundCallerIdNumberId: aws.String(callerID), OutboundFlowId: aws.String(whisper)}})
	if err != nil {
		t.Fatal(err)
	}
	in := r.call(numAnswers)
	in.SourcePhoneNumber, in.QueueId = nil, q.QueueId
	id := r.start(t, in)
	if got := aws.ToString(r.describe(t, id).SystemEndpoint.Address); got != callerNumber {
		t.Fatalf("system endpoint %s, want the queue's caller ID %s", got, callerNumber)
	}
	r.clk.Advance(time.Minute)
	c := r.describe(t, id)
	if aws.ToString(c.DisconnectReason) != "CONTACT_FLOW_DISCONNECT" {
		t.Fatalf("reason %s", aws.ToString(c.DisconnectReason))
	}
	var flows, prompts []string
	for _, e := range r.record(t, id).Report.Events {
		switch e.Type {
		case "flow":
			flows = append(flows, fmt.Sprint(e.Detail.Get("flow"), "/", e.Detail.Get("hook")))
		case "prompt":
			prompts = append(prompts, fmt.Sprint(e.Detail.Get("text")))
		}
	}
	if want := []string{whisper + "/OutboundWhisper", r.hello + "/<nil>"}; fmt.Sprint(flows) != fmt.Sprint(want) {
		t.Fatalf("flows %v, want %v", flows, want)
	}
	if want := []string{"This call is from Hotline", "Hello Ada, this is Hotline calling"}; fmt.Sprint(prompts) != fmt.Sprint(want) {
		t.Fatalf("prompts %q, want %q", prompts, want)
	}
	// With a source number as well, the source is the caller ID.
	in.SourcePhoneNumber = aws.String(r.source)
	if got := aws.ToString(r.describe(t, r.start(t, in)).SystemEndpoint.Address); got != r.source {
		t.Fatalf("system endpoint %s, want the source %s", got, r.source)
	}
}

func TestStopContactEndsALiveOutboundCall(t *testing.T) {
	r := newRig(t, outbound.Settings{MaxActiveCalls: 1}, nil)

	// While it rings.
	t0 := r.clk.Now()
	id := r.start(t, r.call(numAnswers))
	r.clk.Advance(3 * time.Second)
	if err := r.stop(t, id); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute) // the ring's timer must not bring it back
	c := r.describe(t, id)
	if aws.ToString(c.DisconnectReason) != "API" || !sameTime(c.DisconnectTimestamp, t0.Add(3*time.Second)) || c.ConnectedToSystemTimestamp != nil {
		t.Fatalf("stopped while ringing: %s at %v, connected %v", aws.ToString(c.DisconnectReason), c.DisconnectTimestamp, c.ConnectedToSystemTimestamp)
	}
	wantAPIError(t, r.stop(t, id), "ContactNotFoundException", 410)

	// While connected: the slot is free again (the quota is 1), and the
	// record keeps what was heard until the stop.
	t1 := r.clk.Now()
	id = r.start(t, r.call(numAnswers))
	r.clk.Advance(7 * time.Second) // answered at 6 s; the greeting runs to 8.4 s
	if err := r.stop(t, id); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	c = r.describe(t, id)
	if aws.ToString(c.DisconnectReason) != "API" || !sameTime(c.DisconnectTimestamp, t1.Add(7*time.Second)) ||
		!sameTime(c.ConnectedToSystemTimestamp, t1.Add(6*time.Second)) {
		t.Fatalf("stopped while connected: %s at %v, connected %v", aws.ToString(c.DisconnectReason), c.DisconnectTimestamp, c.ConnectedToSystemTimestamp)
	}
	if c.Attributes["greeted"] != "" {
		t.Fatalf("the flow's later attribute leaked into a stopped call: %v", c.Attributes)
	}
	rep := r.record(t, id).Report
	if rep == nil || len(rep.Events) == 0 {
		t.Fatal("a call stopped while connected has no report")
	}
	last := rep.Events[len(rep.Events)-1]
	if last.Type != "disconnect" || last.At != 1 || last.Detail.Get("reason") != "API" {
		t.Fatalf("the report ends with %+v", last)
	}
	for _, e := range rep.Events {
		if e.At > 1 {
			t.Fatalf("the report has an event after the stop: %+v", e)
		}
	}
	r.start(t, r.call(numAnswers)) // the slot was freed
}

func TestAttributesOfALiveOutboundCall(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	ctx := context.Background()
	id := r.start(t, r.call(numAnswers)) // name=Ada: 7 bytes
	update := func(attrs map[string]string) error {
		_, err := r.c.UpdateContactAttributes(ctx, &connect.UpdateContactAttributesInput{
			InstanceId: aws.String(r.inst), InitialContactId: aws.String(id), Attributes: attrs})
		return err
	}
	get := func() map[string]string {
		out, err := r.c.GetContactAttributes(ctx, &connect.GetContactAttributesInput{InstanceId: aws.String(r.inst), InitialContactId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	// Exactly the limit while it rings: 7 + len("pad") + 32758 = 32768.
	atLimit := strings.Repeat("é", 16379) // 32758 bytes
	if err := update(map[string]string{"pad": atLimit}); err != nil {
		t.Fatalf("32,768 bytes refused: %v", err)
	}
	wantAPIError(t, update(map[string]string{"pad": atLimit + "x"}), "InvalidParameterException", 400)
	if got := get(); got["pad"] != atLimit {
		t.Fatal("a refused update changed the attributes")
	}
	if err := update(map[string]string{"pad": "short"}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(7 * time.Second) // connected; the flow has not ended
	if err := update(map[string]string{"note": "vip", "name": "Ada L."}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	got := get()
	// The flow's run (which set greeted) could not see the update made while
	// connected: both are kept, and the update's values win.
	if got["greeted"] != "yes" || got["note"] != "vip" || got["name"] != "Ada L." || got["pad"] != "short" {
		t.Fatalf("attributes after the call: %v", got)
	}
	// An ended contact's attributes can still be updated.
	if err := update(map[string]string{"after": "1"}); err != nil || get()["after"] != "1" {
		t.Fatalf("updating an ended outbound contact: %v", err)
	}
}

func TestRelatedContactAttributesAreCopied(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	first := r.call(numBusy)
	first.Attributes = map[string]string{"name": "Ada", "account": "42"}
	id := r.start(t, first)
	in := r.call(numBusy)
	in.RelatedContactId = aws.String(id)
	in.Attributes = map[string]string{"name": "Grace"}
	c := r.describe(t, r.start(t, in))
	if c.Attributes["account"] != "42" || c.Attributes["name"] != "Grace" || aws.ToString(c.RelatedContactId) != id {
		t.Fatalf("related contact %s: attributes %v", aws.ToString(c.RelatedContactId), c.Attributes)
	}
}

func TestConcurrentActiveCallsQuota(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil) // Amazon Connect's default: 10
	ctx := context.Background()
	var ids []string
	for i := range 10 {
		in := r.call(numNoAnswer)
		in.ClientToken = aws.String(fmt.Sprint("quota-", i))
		ids = append(ids, r.start(t, in))
	}
	before := r.count(t)
	_, err := r.c.StartOutboundVoiceContact(ctx, r.call(numNoAnswer))
	wantAPIError(t, err, "LimitExceededException", 429)
	if r.count(t) != before {
		t.Fatal("a refused call was stored")
	}
	// A retry of a live call's request is not a new call: it gets its id.
	retry := r.call(numNoAnswer)
	retry.ClientToken = aws.String("quota-3")
	if got := r.start(t, retry); got != ids[3] {
		t.Fatalf("a retry under a full quota got %s, want %s", got, ids[3])
	}
	if err := r.stop(t, ids[0]); err != nil {
		t.Fatal(err)
	}
	r.start(t, r.call(numBusy)) // the stopped call's slot
	_, err = r.c.StartOutboundVoiceContact(ctx, r.call(numBusy))
	wantAPIError(t, err, "LimitExceededException", 429)
	// Calls that end free their slots: the busy one after 2 s, the others
	// when they ring out.
	r.clk.Advance(2 * time.Second)
	r.start(t, r.call(numBusy))
	r.clk.Advance(time.Minute)
	for range 10 {
		r.start(t, r.call(numNoAnswer))
	}
}

func TestSearchFindsOutboundContacts(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	id := r.start(t, r.call(numBusy))
	now := r.clk.Now()
	search := func(method types.ContactInitiationMethod) []string {
		out, err := r.c.SearchContacts(context.Background(), &connect.SearchContactsInput{
			InstanceId: aws.String(r.inst),
			TimeRange: &types.SearchContactsTimeRange{Type: types.SearchContactsTimeRangeTypeInitiationTimestamp,
				StartTime: aws.Time(now.Add(-time.Minute)), EndTime: aws.Time(now.Add(time.Minute))},
			SearchCriteria: &types.SearchCriteria{Channels: []types.Channel{types.ChannelVoice}, InitiationMethods: []types.ContactInitiationMethod{method}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range out.Contacts {
			ids = append(ids, aws.ToString(c.Id))
		}
		return ids
	}
	if got := search(types.ContactInitiationMethodApi); len(got) != 1 || got[0] != id {
		t.Fatalf("API contacts: %v, want [%s]", got, id)
	}
	if got := search(types.ContactInitiationMethodInbound); len(got) != 0 {
		t.Fatalf("INBOUND contacts: %v", got)
	}
}

func TestValidationErrors(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	ctx := context.Background()
	// A second instance, with outbound calls disabled and a number of its own.
	other, err := r.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeConnectManaged,
		InstanceAlias: aws.String("no-outbound"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	_, otherNumber := r.claim(t, aws.ToString(other.Id), "+12025550199")
	saved, err := r.c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: aws.String(r.inst), Name: aws.String("Draft"),
		Type: types.ContactFlowTypeContactFlow, Content: aws.String(helloFlow), Status: types.ContactFlowStatusSaved})
	if err != nil {
		t.Fatal(err)
	}
	queueFlowID := r.flow(t, r.inst, "Queue flow", types.ContactFlowTypeCustomerQueue, queueFlow)
	hours, err := r.c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(r.inst), Name: aws.String("Hours"), TimeZone: aws.String("UTC"),
		Config: []types.HoursOfOperationConfig{{Day: types.HoursOfOperationDaysMonday,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(0)}}}})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := r.c.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: aws.String(r.inst), Name: aws.String("No caller ID"), HoursOfOperationId: hours.HoursOfOperationId})
	if err != nil {
		t.Fatal(err)
	}

	// With name=Ada (7 bytes) and the key k, a value of 32,761 bytes makes
	// 32,769; "é" is two bytes in UTF-8.
	over := strings.Repeat("é", 16380) + "x"
	cases := []struct {
		name   string
		change func(*connect.StartOutboundVoiceContactInput)
		code   string
		status int
	}{
		{"destination without +", func(in *connect.StartOutboundVoiceContactInput) {
			in.DestinationPhoneNumber = aws.String("12025550123")
		}, "InvalidParameterException", 400},
		{"destination with a leading letter", func(in *connect.StartOutboundVoiceContactInput) {
			in.DestinationPhoneNumber = aws.String("x+12025550123")
		}, "InvalidParameterException", 400},
		{"destination too long", func(in *connect.StartOutboundVoiceContactInput) {
			in.DestinationPhoneNumber = aws.String("+1202555012345678")
		}, "InvalidParameterException", 400},
		{"source starting +0", func(in *connect.StartOutboundVoiceContactInput) { in.SourcePhoneNumber = aws.String("+0123456") }, "InvalidParameterException", 400},
		{"source not claimed", func(in *connect.StartOutboundVoiceContactInput) { in.SourcePhoneNumber = aws.String("+12025550999") }, "ResourceNotFoundException", 404},
		{"source of another instance", func(in *connect.StartOutboundVoiceContactInput) { in.SourcePhoneNumber = aws.String(otherNumber) }, "ResourceNotFoundException", 404},
		{"neither source nor queue", func(in *connect.StartOutboundVoiceContactInput) { in.SourcePhoneNumber = nil }, "InvalidRequestException", 400},
		{"queue without caller ID", func(in *connect.StartOutboundVoiceContactInput) {
			in.SourcePhoneNumber, in.QueueId = nil, bare.QueueId
		}, "InvalidRequestException", 400},
		{"unknown queue", func(in *connect.StartOutboundVoiceContactInput) {
			in.QueueId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "ResourceNotFoundException", 404},
		{"flow ARN", func(in *connect.StartOutboundVoiceContactInput) {
			in.ContactFlowId = aws.String("arn:aws:connect:us-east-1:000000000000:instance/" + r.inst + "/contact-flow/" + r.hello)
		}, "InvalidParameterException", 400},
		{"unknown flow", func(in *connect.StartOutboundVoiceContactInput) {
			in.ContactFlowId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "ResourceNotFoundException", 404},
		{"unpublished flow", func(in *connect.StartOutboundVoiceContactInput) { in.ContactFlowId = saved.ContactFlowId }, "InvalidRequestException", 400},
		{"flow of another type", func(in *connect.StartOutboundVoiceContactInput) { in.ContactFlowId = aws.String(queueFlowID) }, "InvalidParameterException", 400},
		{"unknown instance", func(in *connect.StartOutboundVoiceContactInput) {
			in.InstanceId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "ResourceNotFoundException", 404},
		{"instance without outbound calls", func(in *connect.StartOutboundVoiceContactInput) {
			in.InstanceId, in.SourcePhoneNumber = other.Id, aws.String(otherNumber)
		}, "OutboundContactNotPermittedException", 403},
		{"UK mobile destination", func(in *connect.StartOutboundVoiceContactInput) {
			in.DestinationPhoneNumber = aws.String("+447700900123")
		}, "DestinationNotAllowedException", 403},
		{"attribute key with a space", func(in *connect.StartOutboundVoiceContactInput) { in.Attributes["bad key"] = "x" }, "InvalidParameterException", 400},
		{"attribute key with a dot", func(in *connect.StartOutboundVoiceContactInput) { in.Attributes["a.b"] = "x" }, "InvalidParameterException", 400},
		{"attributes of 32,769 bytes", func(in *connect.StartOutboundVoiceContactInput) { in.Attributes["k"] = over }, "InvalidParameterException", 400},
		{"detection without CAMPAIGN", func(in *connect.StartOutboundVoiceContactInput) {
			in.AnswerMachineDetectionConfig = &types.AnswerMachineDetectionConfig{EnableAnswerMachineDetection: true}
		}, "InvalidRequestException", 400},
		{"CAMPAIGN not allowed", func(in *connect.StartOutboundVoiceContactInput) { in.TrafficType = types.TrafficTypeCampaign }, "OutboundContactNotPermittedException", 403},
		{"ring timeout 14", func(in *connect.StartOutboundVoiceContactInput) { in.RingTimeoutInSeconds = aws.Int32(14) }, "InvalidParameterException", 400},
		{"ring timeout 61", func(in *connect.StartOutboundVoiceContactInput) { in.RingTimeoutInSeconds = aws.Int32(61) }, "InvalidParameterException", 400},
		{"ATTACHMENT reference", func(in *connect.StartOutboundVoiceContactInput) {
			in.References = map[string]types.Reference{"file": {Type: types.ReferenceTypeAttachment, Value: aws.String("x")}}
		}, "InvalidParameterException", 400},
		{"DATE reference that is no epoch", func(in *connect.StartOutboundVoiceContactInput) {
			in.References = map[string]types.Reference{"due": {Type: types.ReferenceTypeDate, Value: aws.String("tomorrow")}}
		}, "InvalidParameterException", 400},
		{"unknown related contact", func(in *connect.StartOutboundVoiceContactInput) { in.RelatedContactId = aws.String("no-such-contact") }, "ResourceNotFoundException", 404},
		{"outbound strategy", func(in *connect.StartOutboundVoiceContactInput) {
			in.OutboundStrategy = &types.OutboundStrategy{Type: types.OutboundStrategyTypeAgentFirst}
		}, "AccessDeniedException", 403},
	}
	before := r.count(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := r.call(numAnswers)
			tc.change(in)
			_, err := r.c.StartOutboundVoiceContact(ctx, in)
			wantAPIError(t, err, tc.code, tc.status)
		})
	}
	if after := r.count(t); after != before {
		t.Fatalf("refused requests stored %d contacts", after-before)
	}

	// The limits themselves are accepted: 32,768 bytes of attributes
	// (multi-byte characters counted in bytes), every reference type
	// allowed at creation, ring timeouts 15 and 60.
	in := r.call(numAnswers)
	in.Attributes["k"] = strings.TrimSuffix(over, "x") // 32,768
	in.References = map[string]types.Reference{
		"site": {Type: types.ReferenceTypeUrl, Value: aws.String("https://example.com/case/1")},
		"n":    {Type: types.ReferenceTypeNumber, Value: aws.String("42.5")},
		"s":    {Type: types.ReferenceTypeString, Value: aws.String("hello")},
		"due":  {Type: types.ReferenceTypeDate, Value: aws.String("1767225600")},
		"mail": {Type: types.ReferenceTypeEmail, Value: aws.String("ada@example.com")},
	}
	in.RingTimeoutInSeconds = aws.Int32(15)
	r.start(t, in)
	in = r.call(numAnswers)
	in.RingTimeoutInSeconds = aws.Int32(60)
	in.Name, in.Description, in.CampaignId = aws.String("Reminder"), aws.String("Appointment reminder"), aws.String("c-1")
	c := r.describe(t, r.start(t, in))
	if aws.ToString(c.Name) != "Reminder" || aws.ToString(c.Description) != "Appointment reminder" || c.Campaign == nil || aws.ToString(c.Campaign.CampaignId) != "c-1" {
		t.Fatalf("name %s, description %s, campaign %+v", aws.ToString(c.Name), aws.ToString(c.Description), c.Campaign)
	}
}

func TestDestinationAllowList(t *testing.T) {
	r := newRig(t, outbound.Settings{Destinations: []string{"+1555", "!+15550000001", "+44", "!+447", "+447700900"}}, nil)
	for to, allowed := range map[string]bool{
		numAnswers:      true,  // +1555
		numBusy:         false, // !+15550000001
		"+12025550123":  false, // nothing matches
		"+442071234567": true,
		"+447911123456": false,
		"+447700900123": true, // the longest entry wins
	} {
		_, err := r.c.StartOutboundVoiceContact(context.Background(), r.call(to))
		switch {
		case allowed && err != nil:
			t.Errorf("%s: %v", to, err)
		case !allowed:
			wantAPIError(t, err, "DestinationNotAllowedException", 403)
		}
	}
}

func TestARestartedServerEndsTheCallsItWasDialling(t *testing.T) {
	r := newRig(t, outbound.Settings{MaxActiveCalls: 2}, nil)
	t0 := r.clk.Now()
	talking := r.start(t, r.call(numAnswers))
	r.clk.Advance(7 * time.Second) // answered at 6 s, ends at 8.4 s
	ringing := r.start(t, r.call(numBusy))
	r.ts.Restart(t)
	// Both calls still hold their places in the quota.
	_, err := r.c.StartOutboundVoiceContact(context.Background(), r.call(numBusy))
	wantAPIError(t, err, "LimitExceededException", 429)
	r.clk.Advance(2 * time.Second)
	c := r.describe(t, talking)
	if !sameTime(c.DisconnectTimestamp, t0.Add(8400*time.Millisecond)) || c.Attributes["greeted"] != "yes" {
		t.Fatalf("the connected call after a restart: ended %v, attributes %v", c.DisconnectTimestamp, c.Attributes)
	}
	if c = r.describe(t, ringing); aws.ToString(c.DisconnectReason) != "TELECOM_BUSY" {
		t.Fatalf("the ringing call after a restart: %s", aws.ToString(c.DisconnectReason))
	}
	r.start(t, r.call(numBusy))
	r.start(t, r.call(numBusy))
}
