package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // hours in Europe/London whatever the machine has

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// envFixture is an instance with one of everything an Env serves.
type envFixture struct {
	ts                        *testserver.Server
	c                         *connect.Client
	inst                      string
	flowID, flowARN           string
	draftFlowID               string
	moduleID, moduleARN       string
	queueID, queueARN         string
	closedQueueID             string
	hoursID, hoursARN         string
	promptID, promptARN       string
	phoneID                   string
	otherInst, otherInstFlow  string // a flow of another instance
	otherInstQueueARN, number string
}

const moduleContent = `{"Version": "2019-10-30", "StartAction": "Mark",
  "Settings": {"InputParameters": [], "OutputParameters": [],
    "Transitions": [{"DisplayName": "Success", "ReferenceName": "Success", "Description": ""}]},
  "Actions": [
    {"Identifier": "Mark", "Type": "UpdateContactAttributes",
     "Parameters": {"Attributes": {"fromModule": "yes"}},
     "Transitions": {"NextAction": "Return", "Errors": [{"NextAction": "Return", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Return", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}
  ]}`

// mainFlow runs the module, sets the working queue, checks its hours,
// plays the prompt and queues the contact.
func mainFlow(moduleARN, queueARN, promptARN string) string {
	return fmt.Sprintf(`{"Version": "2019-10-30", "StartAction": "Module",
  "Actions": [
    {"Identifier": "Module", "Type": "InvokeFlowModule", "Parameters": {"FlowModuleId": %q},
     "Transitions": {"NextAction": "Queue", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Queue", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": %q},
     "Transitions": {"NextAction": "Hours", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Hours", "Type": "CheckHoursOfOperation", "Parameters": {},
     "Transitions": {"NextAction": "Bye",
       "Conditions": [
         {"NextAction": "Welcome", "Condition": {"Operator": "Equals", "Operands": ["True"]}},
         {"NextAction": "Closed", "Condition": {"Operator": "Equals", "Operands": ["False"]}}],
       "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}, {"NextAction": "Bye", "ErrorType": "NoMatchingCondition"}]}},
    {"Identifier": "Welcome", "Type": "MessageParticipant", "Parameters": {"PromptId": %q},
     "Transitions": {"NextAction": "Transfer", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Transfer", "Type": "TransferContactToQueue",
     "Transitions": {"NextAction": "Bye", "Errors": [
       {"NextAction": "Full", "ErrorType": "QueueAtCapacity"}, {"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Closed", "Type": "MessageParticipant", "Parameters": {"Text": "We are closed."},
     "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Full", "Type": "MessageParticipant", "Parameters": {"Text": "The queue is full."},
     "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
  ]}`, moduleARN, queueARN, promptARN)
}

const helloFlow = `{"Version": "2019-10-30", "StartAction": "Hi",
  "Actions": [
    {"Identifier": "Hi", "Type": "MessageParticipant", "Parameters": {"Text": "Hello."},
     "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
  ]}`

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func newEnvFixture(t *testing.T) *envFixture {
	t.Helper()
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	f := &envFixture{ts: ts, c: c, inst: ts.DefaultInstanceID}
	inst := aws.String(f.inst)

	hours := must[*connect.CreateHoursOfOperationOutput](t, "creating hours")(c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: inst, Name: aws.String("Office"), TimeZone: aws.String("Europe/London"),
		Config: []types.HoursOfOperationConfig{
			{Day: types.HoursOfOperationDaysMonday, StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(0)}, EndTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(30)}},
			{Day: types.HoursOfOperationDaysSunday, StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)}, EndTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)}},
		},
	}))
	f.hoursID, f.hoursARN = aws.ToString(hours.HoursOfOperationId), aws.ToString(hours.HoursOfOperationArn)

	f.number = "+442079460000"
	phone := must[*connect.ClaimPhoneNumberOutput](t, "claiming a number")(c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{
		InstanceId: inst, PhoneNumber: aws.String(f.number),
	}))
	f.phoneID = aws.ToString(phone.PhoneNumberId)

	q := must[*connect.CreateQueueOutput](t, "creating a queue")(c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Sales"), HoursOfOperationId: aws.String(f.hoursID), MaxContacts: aws.Int32(5),
		OutboundCallerConfig: &types.OutboundCallerConfig{OutboundCallerIdNumberId: aws.String(f.phoneID)},
	}))
	f.queueID, f.queueARN = aws.ToString(q.QueueId), aws.ToString(q.QueueArn)
	closed := must[*connect.CreateQueueOutput](t, "creating a queue")(c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Closed"), HoursOfOperationId: aws.String(f.hoursID),
	}))
	f.closedQueueID = aws.ToString(closed.QueueId)
	must[*connect.UpdateQueueStatusOutput](t, "disabling a queue")(c.UpdateQueueStatus(ctx, &connect.UpdateQueueStatusInput{
		InstanceId: inst, QueueId: closed.QueueId, Status: types.QueueStatusDisabled,
	}))

	p := must[*connect.CreatePromptOutput](t, "creating a prompt")(c.CreatePrompt(ctx, &connect.CreatePromptInput{
		InstanceId: inst, Name: aws.String("Welcome"), S3Uri: aws.String("s3://prompts/welcome.wav"),
	}))
	f.promptID, f.promptARN = aws.ToString(p.PromptId), aws.ToString(p.PromptARN)

	m := must[*connect.CreateContactFlowModuleOutput](t, "creating a module")(c.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
		InstanceId: inst, Name: aws.String("Mark"), Content: aws.String(moduleContent),
	}))
	f.moduleID, f.moduleARN = aws.ToString(m.Id), aws.ToString(m.Arn)

	fl := must[*connect.CreateContactFlowOutput](t, "creating a flow")(c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Main"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(mainFlow(f.moduleARN, f.queueARN, f.promptARN)),
	}))
	f.flowID, f.flowARN = aws.ToString(fl.ContactFlowId), aws.ToString(fl.ContactFlowArn)

	draft := must[*connect.CreateContactFlowOutput](t, "saving a flow")(c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Draft"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(helloFlow), Status: types.ContactFlowStatusSaved,
	}))
	f.draftFlowID = aws.ToString(draft.ContactFlowId)

	other := must[*connect.CreateInstanceOutput](t, "creating an instance")(c.CreateInstance(ctx, &connect.CreateInstanceInput{
		IdentityManagementType: types.DirectoryTypeConnectManaged, InstanceAlias: aws.String("other"),
		InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true),
	}))
	f.otherInst = aws.ToString(other.Id)
	of := must[*connect.CreateContactFlowOutput](t, "creating a flow")(c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: other.Id, Name: aws.String("Hello"), Type: types.ContactFlowTypeContactFlow, Content: aws.String(helloFlow),
	}))
	f.otherInstFlow = aws.ToString(of.ContactFlowArn)
	oh := must[*connect.CreateHoursOfOperationOutput](t, "creating hours")(c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: other.Id, Name: aws.String("Any"), TimeZone: aws.String("UTC"), Config: []types.HoursOfOperationConfig{},
	}))
	oq := must[*connect.CreateQueueOutput](t, "creating a queue")(c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: other.Id, Name: aws.String("Theirs"), HoursOfOperationId: oh.HoursOfOperationId,
	}))
	f.otherInstQueueARN = aws.ToString(oq.QueueArn)
	return f
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, interp.ErrNotFound) {
		t.Errorf("%s: %v, want interp.ErrNotFound", what, err)
	}
}

func TestEnvLookups(t *testing.T) {
	f := newEnvFixture(t)
	env := f.ts.Server.Contacts.Env(f.inst, nil)

	for _, ref := range []string{f.flowID, f.flowARN} {
		def, err := env.Flow(ref)
		if err != nil {
			t.Fatalf("Flow(%s): %v", ref, err)
		}
		if def.ID != f.flowID || def.ARN != f.flowARN || def.Name != "Main" || def.Type != "CONTACT_FLOW" || def.Flow == nil || len(def.Flow.Actions) != 8 {
			t.Fatalf("Flow(%s) = %+v", ref, def)
		}
	}
	for _, ref := range []string{f.moduleID, f.moduleARN} {
		def, err := env.Module(ref)
		if err != nil {
			t.Fatalf("Module(%s): %v", ref, err)
		}
		if def.ID != f.moduleID || def.ARN != f.moduleARN || def.Name != "Mark" || def.Flow == nil || def.Flow.Settings == nil {
			t.Fatalf("Module(%s) = %+v", ref, def)
		}
	}
	for _, ref := range []string{f.queueID, f.queueARN} {
		q, err := env.Queue(ref)
		if err != nil {
			t.Fatalf("Queue(%s): %v", ref, err)
		}
		if q.ID != f.queueID || q.ARN != f.queueARN || q.Name != "Sales" || q.HoursID != f.hoursID ||
			q.MaxContacts == nil || *q.MaxContacts != 5 || q.Disabled || q.OutboundCallerIDNumber != f.number {
			t.Fatalf("Queue(%s) = %+v", ref, q)
		}
	}
	if q, err := env.Queue(f.closedQueueID); err != nil || !q.Disabled || q.MaxContacts != nil || q.OutboundCallerIDNumber != "" {
		t.Fatalf("disabled queue: %+v, %v", q, err)
	}
	for _, ref := range []string{f.hoursID, f.hoursARN} {
		h, err := env.Hours(ref)
		if err != nil {
			t.Fatalf("Hours(%s): %v", ref, err)
		}
		want := []interp.HoursSlot{
			{Day: time.Monday, Start: interp.TimeOfDay{Hours: 9}, End: interp.TimeOfDay{Hours: 17, Minutes: 30}},
			{Day: time.Sunday},
		}
		if h.ID != f.hoursID || h.Location == nil || h.Location.String() != "Europe/London" || fmt.Sprint(h.Config) != fmt.Sprint(want) {
			t.Fatalf("Hours(%s) = %+v", ref, h)
		}
	}
	for _, ref := range []string{f.promptID, f.promptARN} {
		p, err := env.Prompt(ref)
		if err != nil || p.ID != f.promptID || p.ARN != f.promptARN || p.Name != "Welcome" || p.URI != "s3://prompts/welcome.wav" {
			t.Fatalf("Prompt(%s) = %+v, %v", ref, p, err)
		}
	}

	unknown := "00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		what string
		call func() error
	}{
		{"unknown flow", func() error { _, err := env.Flow(unknown); return err }},
		{"saved, never published flow", func() error { _, err := env.Flow(f.draftFlowID); return err }},
		{"saved draft of a flow", func() error { _, err := env.Flow(f.flowID + ":$SAVED"); return err }},
		{"flow version", func() error { _, err := env.Flow(f.flowARN + ":3"); return err }},
		{"flow of another instance", func() error { _, err := env.Flow(f.otherInstFlow); return err }},
		{"module as a flow", func() error { _, err := env.Flow(f.moduleID); return err }},
		{"flow as a module", func() error { _, err := env.Module(f.flowID); return err }},
		{"module ARN as a flow", func() error { _, err := env.Flow(f.moduleARN); return err }},
		{"saved draft of a module", func() error { _, err := env.Module(f.moduleID + ":$SAVED"); return err }},
		{"unknown queue", func() error { _, err := env.Queue(unknown); return err }},
		{"queue of another instance", func() error { _, err := env.Queue(f.otherInstQueueARN); return err }},
		{"hours ARN as a queue", func() error { _, err := env.Queue(f.hoursARN); return err }},
		{"agent queue", func() error { _, err := env.AgentQueue(unknown); return err }},
		{"unknown hours", func() error { _, err := env.Hours(unknown); return err }},
		{"unknown prompt", func() error { _, err := env.Prompt(unknown); return err }},
	} {
		wantNotFound(t, tc.what, tc.call())
	}

	// An Env of an instance that does not exist finds nothing either.
	gone := f.ts.Server.Contacts.Env(unknown, nil)
	_, err := gone.Flow(f.flowID)
	wantNotFound(t, "flow in an unknown instance", err)

	m, err := env.QueueMetrics(f.queueID)
	if err != nil || m != (interp.Metrics{}) {
		t.Fatalf("QueueMetrics without a source = %+v, %v", m, err)
	}
	withMetrics := f.ts.Server.Contacts.Env(f.inst, func(id string) interp.Metrics {
		return interp.Metrics{ContactsInQueue: len(id), AgentsOnline: 2}
	})
	if m, err := withMetrics.QueueMetrics("abc"); err != nil || m.ContactsInQueue != 3 || m.AgentsOnline != 2 {
		t.Fatalf("QueueMetrics = %+v, %v", m, err)
	}
}

func TestEnvCompilesEachVersionOnce(t *testing.T) {
	f := newEnvFixture(t)
	ctx := context.Background()
	cache := contacts.NewFlowCache(8)
	a := contacts.NewEnv(f.ts.Server.Connect, cache, f.inst, nil)
	b := contacts.NewEnv(f.ts.Server.Connect, cache, f.inst, nil) // another contact's Env, same cache

	first, err := a.Flow(f.flowID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{f.flowID, f.flowARN} {
		again, err := b.Flow(ref)
		if err != nil {
			t.Fatal(err)
		}
		if again.Flow != first.Flow {
			t.Fatalf("Flow(%s) compiled the same content again", ref)
		}
	}
	if cache.Len() != 1 {
		t.Fatalf("cache holds %d flows, want 1", cache.Len())
	}

	// Renaming changes no content: the compiled flow is kept, the name is new.
	_, err = f.c.UpdateContactFlowName(ctx, &connect.UpdateContactFlowNameInput{
		InstanceId: aws.String(f.inst), ContactFlowId: aws.String(f.flowID), Name: aws.String("Renamed"),
	})
	if err != nil {
		t.Fatal(err)
	}
	renamed, err := a.Flow(f.flowID)
	if err != nil || renamed.Flow != first.Flow || renamed.Name != "Renamed" {
		t.Fatalf("after a rename: %+v, %v", renamed, err)
	}

	// Saving a draft changes nothing that runs; publishing compiles anew.
	_, err = f.c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: aws.String(f.inst), ContactFlowId: aws.String(f.flowID + ":$SAVED"), Content: aws.String(helloFlow),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := a.Flow(f.flowID); err != nil || d.Flow != first.Flow {
		t.Fatalf("a saved draft changed the running flow: %v", err)
	}
	_, err = f.c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: aws.String(f.inst), ContactFlowId: aws.String(f.flowID), Content: aws.String(helloFlow),
	})
	if err != nil {
		t.Fatal(err)
	}
	published, err := b.Flow(f.flowID)
	if err != nil {
		t.Fatal(err)
	}
	if published.Flow == first.Flow || len(published.Flow.Actions) != 2 {
		t.Fatalf("the republished flow was not compiled afresh: %d actions", len(published.Flow.Actions))
	}
}

func TestFlowCacheIsBounded(t *testing.T) {
	cache := contacts.NewFlowCache(2)
	compile := func(id string) any {
		t.Helper()
		f, err := cache.Compile(flow.KindFlow, id, helloFlow)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a := compile("a")
	compile("b")
	if compile("a") != a { // a is now the most recently used
		t.Fatal("a was compiled again while cached")
	}
	compile("c") // drops b, the least recently used
	if cache.Len() != 2 {
		t.Fatalf("cache holds %d, want 2", cache.Len())
	}
	if compile("a") != a {
		t.Fatal("a was dropped instead of b")
	}
	if _, err := cache.Compile(flow.KindFlow, "bad", `{"Version":"2019-10-30"}`); err == nil || !strings.Contains(err.Error(), "does not compile") {
		t.Fatalf("bad content: %v", err)
	}
	if cache.Len() != 2 {
		t.Fatal("content that does not compile was cached")
	}
}

// The engine runs a published flow end to end through the Env: a module,
// a queue by ARN, its hours in their time zone, a prompt, queue capacity
// from the injected metrics.
func TestEnvDrivesTheEngine(t *testing.T) {
	f := newEnvFixture(t)
	var inQueue atomic.Int64
	env := f.ts.Server.Contacts.Env(f.inst, func(id string) interp.Metrics {
		if id != f.queueID {
			t.Errorf("metrics asked for queue %s", id)
		}
		return interp.Metrics{ContactsInQueue: int(inQueue.Load())}
	})
	// Monday 2 March 2026: London is on GMT, so 09:10 UTC is open and
	// 17:30 UTC closed (the end is exclusive).
	open := time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
	closed := time.Date(2026, 3, 2, 17, 30, 0, 0, time.UTC)

	run := func(at time.Time) ([]interp.Effect, *interp.Contact) {
		t.Helper()
		c := &interp.Contact{ContactID: contacts.NewContactID(), Channel: "VOICE", InitiationMethod: "INBOUND"}
		effects, err := interp.Step(env, c, interp.Event{Kind: interp.EventStart, Time: at, FlowID: f.flowARN})
		if err != nil {
			t.Fatal(err)
		}
		if c.Fault != "" {
			t.Fatalf("fault: %s", c.Fault)
		}
		return effects, c
	}
	prompts := func(effects []interp.Effect) []interp.Prompt {
		var out []interp.Prompt
		for _, e := range effects {
			if p, ok := e.(interp.Prompt); ok {
				out = append(out, p)
			}
		}
		return out
	}

	effects, c := run(open)
	ps := prompts(effects)
	if len(ps) != 1 || ps[0].PromptARN != f.promptARN || ps[0].PromptURI != "s3://prompts/welcome.wav" {
		t.Fatalf("open: prompts %+v", ps)
	}
	if c.Attributes["fromModule"] != "yes" || c.Queue.ID != f.queueID || c.Queue.OutboundCallerIDNumber != f.number {
		t.Fatalf("open: contact %+v", c)
	}
	effects, err := interp.Step(env, c, interp.Event{Kind: interp.EventPromptDone, Time: open.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	queued := queuedIn(effects)
	if queued == nil || queued.QueueID != f.queueID || queued.QueueARN != f.queueARN || queued.QueueName != "Sales" {
		t.Fatalf("not queued: %+v", effects)
	}

	effects, _ = run(closed)
	if ps := prompts(effects); len(ps) != 1 || ps[0].Text != "We are closed." {
		t.Fatalf("closed: prompts %+v", ps)
	}

	inQueue.Store(5) // MaxContacts
	_, c = run(open)
	effects, err = interp.Step(env, c, interp.Event{Kind: interp.EventPromptDone, Time: open.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if ps := prompts(effects); len(ps) != 1 || ps[0].Text != "The queue is full." || queuedIn(effects) != nil {
		t.Fatalf("full queue: %+v", effects)
	}
}

func queuedIn(effects []interp.Effect) *interp.QueueContact {
	for _, e := range effects {
		if q, ok := e.(interp.QueueContact); ok {
			return &q
		}
	}
	return nil
}
