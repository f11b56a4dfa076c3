package journey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// Virtual times of the calls. The demo's office hours are Monday to
// Saturday 8am to 6pm in London, which is on GMT in November.
var (
	open   = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // a Tuesday morning
	night  = time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC) // that Tuesday night
	sunday = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
)

// rig is a live server with the demo set up, and a simulator over its
// services built as the server builds the one behind POST /_hotline/calls.
type rig struct {
	ts    *testserver.Server
	api   *connect.Client
	demo  *journey.Demo
	sim   *voice.Simulator
	items map[string]flowconfig.Item // by "<Resource_Type>/<Primary_Key>"
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ts := testserver.Start(t, server.Config{})
	api := ts.Connect()
	d, err := journey.SetupDemo(context.Background(), api, ts.FlowConfig, ts.DefaultInstanceID, ts.LookupARN)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{ts: ts, api: api, demo: d, items: map[string]flowconfig.Item{}}
	r.sim = voice.New(voice.Config{
		Route:   ts.Server.Connect.NumberRoute,
		Env:     func(id string) interp.Env { return ts.Contacts.Env(id, nil) },
		Invoker: &lambda.Invoker{Functions: ts.Functions, Allowed: ts.Server.Connect.LambdaAllowed},
		// The final record only: the calls here are read from the
		// report, and a durable commit per wait would only slow them.
		Recorder: ts.Contacts, Persist: voice.PersistEnd,
	})
	items, err := flowconfig.DemoItems()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		r.items[it.ResourceType()+"/"+it.PrimaryKey()] = it
	}
	return r
}

// demo returns an attribute of a demo item: what the journey must play.
func (r *rig) demoValue(t *testing.T, rt, pk, attr string) string {
	t.Helper()
	it, ok := r.items[rt+"/"+pk]
	if !ok || it[attr] == "" {
		t.Fatalf("the demo has no %s in %s %s", attr, rt, pk)
	}
	return it[attr]
}

// put stores an item in the demo instance's table.
func (r *rig) put(t *testing.T, it flowconfig.Item, force bool) {
	t.Helper()
	if _, err := r.ts.FlowConfig.Put(context.Background(), r.demo.InstanceID, it, force); err != nil {
		t.Fatal(err)
	}
}

// with returns a copy of a demo item with attributes changed.
func (r *rig) with(t *testing.T, rt, pk string, kv ...string) flowconfig.Item {
	t.Helper()
	it := flowconfig.Item{}
	for k, v := range r.items[rt+"/"+pk] {
		it[k] = v
	}
	if len(it) == 0 {
		t.Fatalf("no demo item %s %s", rt, pk)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		it[kv[i]] = kv[i+1]
	}
	return it
}

// result is a finished call.
type result struct {
	rec *contacts.Record
	// heard is what the caller heard before being queued (or until the
	// end): each prompt's text, SSML, prompt ARN or audio URL.
	heard []string
}

func (r *rig) call(t *testing.T, to string, at time.Time, s voice.Script) *result {
	t.Helper()
	return r.callFrom(t, "", to, at, s)
}

// callFrom is call from the caller's number from ("" for the simulator's
// default).
func (r *rig) callFrom(t *testing.T, from, to string, at time.Time, s voice.Script) *result {
	t.Helper()
	rec, err := r.sim.Run(context.Background(), &voice.Call{To: to, From: from, At: at, Script: s})
	if err != nil {
		t.Fatal(err)
	}
	res := &result{rec: rec}
	for _, e := range rec.Report.Events {
		if e.Type == "queue" && e.Detail.Get("left") == nil {
			break // the customer-queue flow's hold messages follow
		}
		if e.Type != "prompt" {
			continue
		}
		for _, k := range []string{"text", "ssml", "promptArn", "media"} {
			if v, ok := e.Detail.Get(k).(string); ok {
				res.heard = append(res.heard, v)
				break
			}
		}
	}
	return res
}

// dump is the report, for failure messages.
func (res *result) dump() string {
	var b strings.Builder
	for _, e := range res.rec.Report.Events {
		d, _ := json.Marshal(e.Detail)
		fmt.Fprintf(&b, "  %7.3f %-9s %-28s %s\n", e.At, e.Type, e.Action, d)
	}
	o, _ := json.Marshal(res.rec.Report.Outcome)
	fmt.Fprintf(&b, "  outcome %s\n", o)
	return b.String()
}

// errors are the errors actions raised, as "action: ErrorType".
func (res *result) errors() []string {
	var out []string
	for _, e := range res.rec.Report.Events {
		if e.Type == "error" {
			out = append(out, fmt.Sprintf("%s: %v", e.Action, e.Detail.Get("errorType")))
		}
	}
	return out
}

// dropped are the keys the caller pressed that nothing took.
func (res *result) dropped() []string {
	var out []string
	for _, e := range res.rec.Report.Events {
		if e.Type == "input" && e.Detail.Get("dropped") == true {
			out = append(out, fmt.Sprintf("%v (%v)", e.Detail.Get("keys"), e.Detail.Get("why")))
		}
	}
	return out
}

// lastFlow is the id of the flow the call's last action ran in.
func (res *result) lastFlow() string {
	flow := ""
	for _, e := range res.rec.Report.Events {
		if e.Type == "branch" {
			flow = fmt.Sprint(e.Detail.Get("flow"))
		}
	}
	return flow
}

// recording is what each demo queue's item makes of recording and
// analytics, as the contact record reports it.
var recording = map[string]*contacts.Recording{
	"HarbourBikes_Default":         {RecordedParticipants: []string{"AGENT", "CUSTOMER"}, Analytics: "POST_CALL", Redaction: "RedactedAndOriginal"},
	"HarbourBikes_Sales":           {RecordedParticipants: []string{"AGENT", "CUSTOMER"}, ScreenRecording: true, Analytics: "REAL_TIME", Redaction: "Redacted"},
	"HarbourBikes_Sales_Online":    {RecordedParticipants: []string{"AGENT", "CUSTOMER"}, Analytics: "REAL_TIME", Redaction: "RedactedAndOriginal"},
	"HarbourBikes_Sales_Store":     {},
	"HarbourBikes_Service":         {RecordedParticipants: []string{"AGENT", "CUSTOMER"}, Analytics: "POST_CALL", Redaction: "Redacted"},
	"HarbourBikes_Service_Repairs": {RecordedParticipants: []string{"AGENT", "CUSTOMER"}, Analytics: "REAL_TIME", Redaction: "RedactedAndOriginal"},
}

// wantQueued checks a call ended queued in the demo queue q, with the
// queue's recording, analytics and whispers in force.
func (r *rig) wantQueued(t *testing.T, res *result, q string) {
	t.Helper()
	o := res.rec.Report.Outcome
	if o.Disposition != voice.Queued || o.Queue == nil || o.Queue.Name != q {
		t.Fatalf("the call was not queued in %s:\n%s", q, res.dump())
	}
	if o.Queue.ARN != "arn:aws:connect:us-east-1:000000000000:instance/"+r.demo.InstanceID+"/queue/"+r.demo.Queues[q] {
		t.Errorf("queued in %s", o.Queue.ARN)
	}
	if !reflect.DeepEqual(o.Recording, recording[q]) {
		t.Errorf("recording %+v, want %+v", o.Recording, recording[q])
	}
	if want := []string{r.demoValue(t, "Queue", q, "Prompt_Queue_WhisperAgent")}; !reflect.DeepEqual(o.AgentWhisper, want) {
		t.Errorf("the agent hears %q, want %q", o.AgentWhisper, want)
	}
	// The customer whisper runs when an agent answers, which the simulation
	// has none to do: the hook and the message it plays must be set.
	if got, want := res.rec.Attributes["Prompt_Queue_WhisperCustomer"], r.demoValue(t, "Queue", q, "Prompt_Queue_WhisperCustomer"); got != want {
		t.Errorf("customer whisper message %q, want %q", got, want)
	}
	whisper, _ := r.demo.Get(journey.CustomerWhisperFlow)
	hooked := false
	for _, e := range res.rec.Report.Events {
		if e.Type == "attribute" && e.Detail.Get("scope") == "EventHooks" && e.Detail.Get("key") == "CustomerWhisper" {
			hooked = e.Detail.Get("new") == whisper.ID || e.Detail.Get("new") == whisper.ARN
		}
	}
	if !hooked {
		t.Errorf("the customer whisper hook is not %s:\n%s", journey.CustomerWhisperFlow, res.dump())
	}
}

func (r *rig) wantDisconnected(t *testing.T, res *result) {
	t.Helper()
	if o := res.rec.Report.Outcome; o.Disposition != voice.Disconnected || o.Queue != nil {
		t.Fatalf("the call did not end with the flow hanging up:\n%s", res.dump())
	}
}

func wantHeard(t *testing.T, res *result, want ...string) {
	t.Helper()
	if !slices.Equal(res.heard, want) {
		t.Fatalf("the caller heard\n  %q\nwant\n  %q\nreport:\n%s", res.heard, want, res.dump())
	}
}

// informationText is what the demo's information flow says.
func informationText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("demo/HarbourBikes_Information.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Actions []struct{ Parameters struct{ Text string } }
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Actions[0].Parameters.Text == "" {
		t.Fatalf("reading the information flow: %v", err)
	}
	return f.Actions[0].Parameters.Text
}

// TestDemoJourney calls the demo number along every path of the demo's
// data: each option of each menu, retries, the default options, barge-in,
// the per-option messages, transfers and every out-of-hours rule.
func TestDemoJourney(t *testing.T) {
	r := newRig(t)
	v := func(rt, pk, attr string) string { return r.demoValue(t, rt, pk, attr) }
	var (
		welcome   = v("DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome")
		preMain   = v("SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_PreMenuOptions")
		main      = v("SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions")
		mainRetry = v("SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_Retry")
		sales     = v("SteeringMenu", "HarbourBikes_Sales", "Prompt_SteeringMenu_MenuOptions")
		saleRetry = v("SteeringMenu", "HarbourBikes_Sales", "Prompt_SteeringMenu_Retry")
		preSvc    = v("SteeringMenu", "HarbourBikes_Service", "Prompt_SteeringMenu_PreMenuOptions")
		service   = v("SteeringMenu", "HarbourBikes_Service", "Prompt_SteeringMenu_MenuOptions")
		svcRetry  = v("SteeringMenu", "HarbourBikes_Service", "Prompt_SteeringMenu_Retry")
		preQueue  = func(q string) string { return v("Queue", q, "Prompt_Queue_PreQueue") }
		closedMsg = func(q string) string { return v("Queue", q, "Flag_Queue_OutOfHourActionValue") }
		info      = informationText(t)
		start     = []string{welcome, preMain, main}
		toSales   = append(slices.Clone(start), sales)
		toService = append(slices.Clone(start), preSvc, service)
		then      = func(heard []string, more ...string) []string { return append(slices.Clone(heard), more...) }
	)
	if !strings.HasPrefix(sales, "<speak>") {
		t.Fatalf("the sales menu is meant to be SSML: %q", sales)
	}

	type path struct {
		name    string
		at      time.Time
		presses []string
		dial    []voice.Dial
		heard   []string
		queue   string   // "" when the call must end otherwise
		option  string   // Journey_Option at the end, when checked
		errors  []string // the errors actions raise, "action: ErrorType"
		check   func(t *testing.T, res *result)
	}
	paths := []path{
		// The main menu.
		{name: "main 1 to the sales menu, sales 1 to online orders with its option message", at: open, presses: []string{"1", "1"},
			heard: then(toSales, v("SteeringMenu", "HarbourBikes_Sales", "Flag_SteeringMenu_NextActionPrompt_1"), preQueue("HarbourBikes_Sales_Online")),
			queue: "HarbourBikes_Sales_Online", option: "1"},
		{name: "main 2 to the service menu, service 1 to repairs", at: open, presses: []string{"2", "1"},
			heard: then(toService, preQueue("HarbourBikes_Service_Repairs")), queue: "HarbourBikes_Service_Repairs", option: "1"},
		{name: "main 3 to the default queue", at: open, presses: []string{"3"},
			heard: then(start, preQueue("HarbourBikes_Default")), queue: "HarbourBikes_Default", option: "3"},
		{name: "main 0 disconnects with its message", at: open, presses: []string{"0"},
			heard: then(start, v("SteeringMenu", "HarbourBikes_Main", "Flag_SteeringMenu_NextActionValue_0")), option: "0",
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
		{name: "main star offers the main menu again", at: open, presses: []string{"*", "3"},
			heard: then(start, preMain, main, preQueue("HarbourBikes_Default")), queue: "HarbourBikes_Default", option: "3"},
		{name: "an invalid key, the retry message, then a valid key", at: open, presses: []string{"7", "1", "2"},
			heard: then(start, mainRetry, main, sales, preQueue("HarbourBikes_Sales_Store")), queue: "HarbourBikes_Sales_Store", option: "2"},
		{name: "silence until the retries run out: the default option and its message", at: open,
			heard: then(start, mainRetry, main, mainRetry, main, v("SteeringMenu", "HarbourBikes_Main", "Flag_SteeringMenu_NextActionPrompt_Default"), preQueue("HarbourBikes_Default")),
			queue: "HarbourBikes_Default", option: "Default",
			errors: []string{"options as text: InputTimeLimitExceeded", "options as text: InputTimeLimitExceeded", "options as text: InputTimeLimitExceeded"}},
		{name: "a key that is not an option counts as a retry", at: open, presses: []string{"4", "5", "6"},
			heard: then(start, mainRetry, main, mainRetry, main, v("SteeringMenu", "HarbourBikes_Main", "Flag_SteeringMenu_NextActionPrompt_Default"), preQueue("HarbourBikes_Default")),
			queue: "HarbourBikes_Default", option: "Default"},
		{name: "keys pressed in the welcome and the pre-menu message are dropped", at: open, presses: []string{"!1", "!2", "3"},
			heard: then(start, preQueue("HarbourBikes_Default")), queue: "HarbourBikes_Default", option: "3",
			check: func(t *testing.T, res *result) {
				want := []string{"1 (the prompt playing cannot be interrupted)", "2 (the prompt playing cannot be interrupted)"}
				if got := res.dropped(); !slices.Equal(got, want) {
					t.Errorf("dropped %q, want %q", got, want)
				}
			}},

		// The sales menu (SSML, one retry).
		{name: "sales 2 to the store queue, which records nothing", at: open, presses: []string{"1", "2"},
			heard: then(toSales, preQueue("HarbourBikes_Sales_Store")), queue: "HarbourBikes_Sales_Store", option: "2"},
		{name: "sales menu interrupted by a key", at: open, presses: []string{"1", "!2"},
			queue: "HarbourBikes_Sales_Store", option: "2",
			check: func(t *testing.T, res *result) {
				for _, e := range res.rec.Report.Events {
					if e.Type == "input" && e.Detail.Get("keys") == "2" {
						if e.Detail.Get("interruptedPrompt") != true || e.Action != "options as SSML" {
							t.Errorf("the key did not interrupt the menu: %v", e.Detail)
						}
						return
					}
				}
				t.Errorf("no key 2:\n%s", res.dump())
			}},
		{name: "sales 3 to the finance partner, who answers", at: open, presses: []string{"1", "3"},
			heard: then(toSales, v("SteeringMenu", "HarbourBikes_Sales", "Flag_SteeringMenu_NextActionPrompt_3")), option: "3",
			check: func(t *testing.T, res *result) {
				if o := res.rec.Report.Outcome; o.Disposition != voice.Transferred || o.TransferredTo != "+442079460999" {
					t.Errorf("outcome %+v:\n%s", o, res.dump())
				}
			}},
		{name: "sales 3 to the finance partner, busy: the default queue takes the call", at: open, presses: []string{"1", "3"},
			dial:  []voice.Dial{{Prefix: "+442079460999", Result: voice.DialBusy}},
			heard: then(toSales, v("SteeringMenu", "HarbourBikes_Sales", "Flag_SteeringMenu_NextActionPrompt_3"), "Sorry, we could not connect your call.", preQueue("HarbourBikes_Default")),
			queue: "HarbourBikes_Default", option: "3", errors: []string{"external: NoMatchingError"},
			check: func(t *testing.T, res *result) {
				if res.rec.Attributes["Journey_Failover"] != "true" {
					t.Errorf("Journey_Failover = %q", res.rec.Attributes["Journey_Failover"])
				}
			}},
		{name: "sales 4 to the information flow", at: open, presses: []string{"1", "4"},
			heard: then(toSales, info), option: "4",
			check: func(t *testing.T, res *result) {
				r.wantDisconnected(t, res)
				if f := res.lastFlow(); f != r.demo.InformationFlowID {
					t.Errorf("the call ended in flow %s, not %s", f, journey.DemoInformationFlow)
				}
			}},
		{name: "sales hash goes back to the main menu", at: open, presses: []string{"1", "#", "3"},
			heard: then(toSales, preMain, main, preQueue("HarbourBikes_Default")), queue: "HarbourBikes_Default", option: "3"},
		{name: "sales silence: one retry, then the default, the sales queue", at: open, presses: []string{"1"},
			heard: then(toSales, saleRetry, sales, preQueue("HarbourBikes_Sales")), queue: "HarbourBikes_Sales", option: "Default",
			errors: []string{"options as SSML: InputTimeLimitExceeded", "options as SSML: InputTimeLimitExceeded"}},

		// The service menu (a pre-menu message, three retries).
		{name: "service 2 to the service queue with its option message", at: open, presses: []string{"2", "2"},
			heard: then(toService, v("SteeringMenu", "HarbourBikes_Service", "Flag_SteeringMenu_NextActionPrompt_2"), preQueue("HarbourBikes_Service")),
			queue: "HarbourBikes_Service", option: "2"},
		{name: "service 3 disconnects with its message", at: open, presses: []string{"2", "3"},
			heard: then(toService, v("SteeringMenu", "HarbourBikes_Service", "Flag_SteeringMenu_NextActionValue_3")), option: "3",
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
		{name: "service 9 offers the service menu again", at: open, presses: []string{"2", "9", "1"},
			heard: then(toService, preSvc, service, preQueue("HarbourBikes_Service_Repairs")), queue: "HarbourBikes_Service_Repairs", option: "1"},
		{name: "service: three retries, then the default", at: open, presses: []string{"2", "4", "5", "6", "7"},
			heard: then(toService, svcRetry, service, svcRetry, service, svcRetry, service, preQueue("HarbourBikes_Service")),
			queue: "HarbourBikes_Service", option: "Default"},

		// Out of hours: each queue's rule.
		{name: "night: online orders closed, back to the main menu", at: night, presses: []string{"1", "1", "3"},
			heard: then(toSales, v("SteeringMenu", "HarbourBikes_Sales", "Flag_SteeringMenu_NextActionPrompt_1"), preMain, main, preQueue("HarbourBikes_Default")),
			queue: "HarbourBikes_Default", option: "3"},
		{name: "night: the store queue closed, the information flow", at: night, presses: []string{"1", "2"},
			heard: then(toSales, info),
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
		{name: "night: the sales queue closed, the default queue, which never closes", at: night, presses: []string{"1"},
			heard: then(toSales, saleRetry, sales, preQueue("HarbourBikes_Default")), queue: "HarbourBikes_Default", option: "Default",
			errors: []string{"options as SSML: InputTimeLimitExceeded", "options as SSML: InputTimeLimitExceeded"}},
		{name: "night: the service queue closed, its message", at: night, presses: []string{"2", "2"},
			heard: then(toService, v("SteeringMenu", "HarbourBikes_Service", "Flag_SteeringMenu_NextActionPrompt_2"), closedMsg("HarbourBikes_Service")),
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
		{name: "night: repairs closed, the service queue, closed too, its message", at: night, presses: []string{"2", "1"},
			heard: then(toService, closedMsg("HarbourBikes_Service")),
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
		{name: "Sunday: the service queue closed all day", at: sunday, presses: []string{"2", "2"},
			heard: then(toService, v("SteeringMenu", "HarbourBikes_Service", "Flag_SteeringMenu_NextActionPrompt_2"), closedMsg("HarbourBikes_Service")),
			check: func(t *testing.T, res *result) { r.wantDisconnected(t, res) }},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			res := r.call(t, journey.DemoNumber, p.at, voice.Script{Presses: p.presses, Dial: p.dial, QueueTime: voice.Duration(time.Second)})
			if p.heard != nil {
				wantHeard(t, res, p.heard...)
			}
			if p.queue != "" {
				r.wantQueued(t, res, p.queue)
			} else if o := res.rec.Report.Outcome; o.Queue != nil || o.Disposition == voice.Error {
				t.Errorf("outcome %+v:\n%s", o, res.dump())
			}
			if p.option != "" && res.rec.Attributes["Journey_Option"] != p.option {
				t.Errorf("Journey_Option = %q, want %q", res.rec.Attributes["Journey_Option"], p.option)
			}
			// Nothing goes wrong on a path but what the caller does.
			if got := res.errors(); !slices.Equal(got, p.errors) {
				t.Errorf("errors %q, want %q:\n%s", got, p.errors, res.dump())
			}
			if p.check != nil {
				p.check(t, res)
			}
		})
	}
}

// claimNumber claims a number to the demo instance and routes it to flowID.
func (r *rig) claimNumber(t *testing.T, number, flowID string) {
	t.Helper()
	ctx := context.Background()
	c, err := r.api.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(r.demo.InstanceID), PhoneNumber: aws.String(number)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.api.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		InstanceId: aws.String(r.demo.InstanceID), PhoneNumberId: c.PhoneNumberId, ContactFlowId: aws.String(flowID)}); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) arn(kind, id string) string {
	return "arn:aws:connect:us-east-1:000000000000:instance/" + r.demo.InstanceID + "/" + kind + "/" + id
}

func TestWelcomeMessages(t *testing.T) {
	r := newRig(t)
	welcome := r.demoValue(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome")
	main := r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions")
	pre := r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_PreMenuOptions")
	hangUp := voice.Script{Presses: []string{"hangup"}}

	const adHoc = "Our store is closed on Boxing Day."
	r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_WelcomeAdHoc", adHoc), false)
	wantHeard(t, r.call(t, journey.DemoNumber, open, hangUp), welcome, adHoc, pre, main)

	// An empty ad-hoc message, as the demo has it, plays nothing; so does
	// an empty welcome.
	r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_WelcomeAdHoc", ""), false)
	wantHeard(t, r.call(t, journey.DemoNumber, open, hangUp), welcome, pre, main)
	r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome", "", "Prompt_DeliveryId_WelcomeAdHoc", adHoc), false)
	wantHeard(t, r.call(t, journey.DemoNumber, open, hangUp), adHoc, pre, main)
}

// TestPromptForms plays a message of each form the table allows.
func TestPromptForms(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	p, err := r.api.CreatePrompt(ctx, &connect.CreatePromptInput{InstanceId: aws.String(r.demo.InstanceID),
		Name: aws.String("Closed"), S3Uri: aws.String("s3://harbour-bikes/closed.wav")})
	if err != nil {
		t.Fatal(err)
	}
	const (
		audio = "https://audio.example.com/harbour-bikes/welcome.wav"
		ssml  = `<speak>Please listen <emphasis>carefully</emphasis>.</speak>`
		text  = "Plain text."
	)
	r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome", aws.ToString(p.PromptARN),
		"Prompt_DeliveryId_WelcomeAdHoc", audio), false)
	r.put(t, r.with(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_PreMenuOptions", ssml,
		"Prompt_SteeringMenu_MenuOptions", text), false)
	res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"hangup"}})
	wantHeard(t, res, aws.ToString(p.PromptARN), audio, ssml, text)
	if got := res.errors(); len(got) > 0 {
		t.Errorf("errors %q:\n%s", got, res.dump())
	}

	// The menu itself in each form: the key is taken whatever the form.
	for _, m := range []string{aws.ToString(p.PromptARN), audio, ssml} {
		r.put(t, r.with(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions", m), false)
		res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"3"}, QueueTime: voice.Duration(time.Second)})
		if res.heard[len(res.heard)-2] != m {
			t.Errorf("menu %q: heard %q", m, res.heard)
		}
		r.wantQueued(t, res, "HarbourBikes_Default")
	}
}

func TestUnknownNumber(t *testing.T) {
	r := newRig(t)
	// Claimed and routed to the journey, but the table has no DeliveryId
	// item for it.
	r.claimNumber(t, "+442079460101", r.demo.Entry().ID)
	res := r.call(t, "+442079460101", open, voice.Script{})
	wantHeard(t, res, "Sorry, the number you have called is not in service. Goodbye.")
	r.wantDisconnected(t, res)
	if got := res.errors(); !slices.Equal(got, []string{"dialled number: NoMatchingError"}) {
		t.Errorf("errors %q", got)
	}
}

// TestMissingMenu: a destination names a menu the table no longer has.
// The call fails over to the number's default queue.
func TestMissingMenu(t *testing.T) {
	r := newRig(t)
	if err := r.ts.FlowConfig.Delete(context.Background(), r.demo.InstanceID, "HarbourBikes_Sales", "SteeringMenu", true); err != nil {
		t.Fatal(err)
	}
	res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"1"}, QueueTime: voice.Duration(time.Second)})
	wantHeard(t, res, r.demoValue(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome"),
		r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_PreMenuOptions"),
		r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions"),
		r.demoValue(t, "Queue", "HarbourBikes_Default", "Prompt_Queue_PreQueue"))
	r.wantQueued(t, res, "HarbourBikes_Default")
	if got, want := res.errors(), []string{"menu: NoMatchingError", "where to?: NoMatchingCondition"}; !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	if res.rec.Attributes["Journey_Failover"] != "true" {
		t.Errorf("attributes %v", res.rec.Attributes)
	}
}

// TestNumberDestinations sends the number's next action everywhere, by
// name and by ARN.
func TestNumberDestinations(t *testing.T) {
	r := newRig(t)
	welcome := r.demoValue(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome")
	info := informationText(t)
	for _, tc := range []struct {
		name, typ, value string
		heard            []string
		queue            string
		transferredTo    string
	}{
		{"queue by name", "queue", "HarbourBikes_Sales_Online", []string{welcome, r.demoValue(t, "Queue", "HarbourBikes_Sales_Online", "Prompt_Queue_PreQueue")}, "HarbourBikes_Sales_Online", ""},
		{"queue by ARN", "queue", r.arn("queue", r.demo.Queues["HarbourBikes_Service"]), []string{welcome, r.demoValue(t, "Queue", "HarbourBikes_Service", "Prompt_Queue_PreQueue")}, "HarbourBikes_Service", ""},
		{"flow by name", "flow", journey.DemoInformationFlow, []string{welcome, info}, "", ""},
		{"flow by ARN", "flow", r.arn("contact-flow", r.demo.InformationFlowID), []string{welcome, info}, "", ""},
		{"external number", "external", "+15555550100", []string{welcome}, "", "+15555550100"},
		{"disconnect with a message", "disconnect", "We have moved. Please call 020 7946 0200.", []string{welcome, "We have moved. Please call 020 7946 0200."}, "", ""},
		{"disconnect without one", "disconnect", "", []string{welcome}, "", ""},
		{"the menu by name", "steeringmenu", "HarbourBikes_Service", []string{welcome,
			r.demoValue(t, "SteeringMenu", "HarbourBikes_Service", "Prompt_SteeringMenu_PreMenuOptions"),
			r.demoValue(t, "SteeringMenu", "HarbourBikes_Service", "Prompt_SteeringMenu_MenuOptions"),
			r.demoValue(t, "Queue", "HarbourBikes_Service_Repairs", "Prompt_Queue_PreQueue")}, "HarbourBikes_Service_Repairs", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Flag_DeliveryId_NextActionType", tc.typ, "Flag_DeliveryId_NextActionValue", tc.value), false)
			res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"1"}, QueueTime: voice.Duration(time.Second)})
			wantHeard(t, res, tc.heard...)
			o := res.rec.Report.Outcome
			switch {
			case tc.queue != "":
				r.wantQueued(t, res, tc.queue)
			case tc.transferredTo != "":
				if o.Disposition != voice.Transferred || o.TransferredTo != tc.transferredTo {
					t.Errorf("outcome %+v", o)
				}
			default:
				r.wantDisconnected(t, res)
			}
			if got := res.errors(); len(got) > 0 {
				t.Errorf("errors %q:\n%s", got, res.dump())
			}
		})
	}
}

// TestMenuDestinationsByARN: a menu's options may give queues and flows by
// ARN as well as by name.
func TestMenuDestinationsByARN(t *testing.T) {
	r := newRig(t)
	r.put(t, r.with(t, "SteeringMenu", "HarbourBikes_Main",
		"Flag_SteeringMenu_NextActionValue_3", r.arn("queue", r.demo.Queues["HarbourBikes_Sales_Store"]),
		"Flag_SteeringMenu_NextActionType_4", "flow", "Flag_SteeringMenu_NextActionValue_4", r.arn("contact-flow", r.demo.InformationFlowID)), false)
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"3"}, QueueTime: voice.Duration(time.Second)}), "HarbourBikes_Sales_Store")
	res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"4"}})
	if h := res.heard; h[len(h)-1] != informationText(t) {
		t.Errorf("heard %q", h)
	}
	r.wantDisconnected(t, res)
}

// TestUnfollowableDestinations: a destination that names nothing fails
// over to the working queue once; failing again ends the call politely
// instead of looping.
func TestUnfollowableDestinations(t *testing.T) {
	r := newRig(t)
	const sorry = "Sorry, we cannot take your call right now. Please try again later. Goodbye."
	// Main 3 leads to a queue that does not exist: the default queue.
	r.put(t, r.with(t, "SteeringMenu", "HarbourBikes_Main", "Flag_SteeringMenu_NextActionValue_3", "Gone"), true)
	res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"3"}, QueueTime: voice.Duration(time.Second)})
	r.wantQueued(t, res, "HarbourBikes_Default")

	// Online orders, closed at night, lead to a flow that does not exist:
	// failing over brings the call back to the closed queue, whose rule
	// fails again.
	r.put(t, r.with(t, "Queue", "HarbourBikes_Sales_Online", "Flag_Queue_OutOfHourActionType", "flow", "Flag_Queue_OutOfHourActionValue", "Gone"), true)
	res = r.call(t, journey.DemoNumber, night, voice.Script{Presses: []string{"1", "1"}})
	if h := res.heard; h[len(h)-1] != sorry {
		t.Errorf("heard %q:\n%s", h, res.dump())
	}
	r.wantDisconnected(t, res)

	// A cycle of out-of-hours queues ends after three hops.
	r.put(t, r.with(t, "Queue", "HarbourBikes_Sales_Online", "Flag_Queue_OutOfHourActionType", "queue", "Flag_Queue_OutOfHourActionValue", "HarbourBikes_Sales_Store"), false)
	r.put(t, r.with(t, "Queue", "HarbourBikes_Sales_Store", "Flag_Queue_OutOfHourActionType", "queue", "Flag_Queue_OutOfHourActionValue", "HarbourBikes_Sales_Online"), false)
	res = r.call(t, journey.DemoNumber, night, voice.Script{Presses: []string{"1", "1"}})
	if h := res.heard; h[len(h)-1] != sorry {
		t.Errorf("heard %q:\n%s", h, res.dump())
	}
	r.wantDisconnected(t, res)
}

// TestQueueWithoutItem: a queue the table has no item for is used with
// the defaults: the call recorded, no analytics, no messages.
func TestQueueWithoutItem(t *testing.T) {
	r := newRig(t)
	if err := r.ts.FlowConfig.Delete(context.Background(), r.demo.InstanceID, "HarbourBikes_Sales_Store", "Queue", false); err != nil {
		t.Fatal(err)
	}
	res := r.call(t, journey.DemoNumber, night, voice.Script{Presses: []string{"1", "2"}, QueueTime: voice.Duration(time.Second)})
	o := res.rec.Report.Outcome
	if o.Disposition != voice.Queued || o.Queue.Name != "HarbourBikes_Sales_Store" || len(o.AgentWhisper) != 0 ||
		!reflect.DeepEqual(o.Recording, &contacts.Recording{RecordedParticipants: []string{"AGENT", "CUSTOMER"}}) {
		t.Errorf("outcome %+v:\n%s", o, res.dump())
	}
	if h := res.heard; h[len(h)-1] != r.demoValue(t, "SteeringMenu", "HarbourBikes_Sales", "Prompt_SteeringMenu_MenuOptions") {
		t.Errorf("heard %q", h)
	}
}

// TestNoRetries: a menu without Flag_SteeringMenu_Retries takes its
// default at the first invalid or missing key.
func TestNoRetries(t *testing.T) {
	r := newRig(t)
	sales := r.with(t, "SteeringMenu", "HarbourBikes_Sales")
	delete(sales, "Flag_SteeringMenu_Retries")
	r.put(t, sales, false)
	res := r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"1", "8"}, QueueTime: voice.Duration(time.Second)})
	r.wantQueued(t, res, "HarbourBikes_Sales")
	for _, h := range res.heard {
		if h == r.demoValue(t, "SteeringMenu", "HarbourBikes_Sales", "Prompt_SteeringMenu_Retry") {
			t.Errorf("the retry message played: %q", res.heard)
		}
	}
}

// TestInstallIsIdempotent installs over an installed journey: nothing is
// created, nothing changes; a flow edited by hand is put back.
func TestInstallIsIdempotent(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	count := func() (flows, modules int) {
		f, err := r.api.ListContactFlows(ctx, &connect.ListContactFlowsInput{InstanceId: aws.String(r.demo.InstanceID)})
		if err != nil {
			t.Fatal(err)
		}
		m, err := r.api.ListContactFlowModules(ctx, &connect.ListContactFlowModulesInput{InstanceId: aws.String(r.demo.InstanceID)})
		if err != nil {
			t.Fatal(err)
		}
		return len(f.ContactFlowSummaryList), len(m.ContactFlowModulesSummaryList)
	}
	flows, modules := count()
	for _, res := range r.demo.Resources {
		if res.Action != journey.Created {
			t.Errorf("first install: %s %s", res.Name, res.Action)
		}
	}

	again, err := journey.Install(ctx, r.api, r.demo.InstanceID, r.demo.LookupARN)
	if err != nil {
		t.Fatal(err)
	}
	if again.LookupAssociated {
		t.Error("the lookup function was associated a second time")
	}
	for i, res := range again.Resources {
		if res.Action != journey.Unchanged || res.ID != r.demo.Resources[i].ID {
			t.Errorf("second install: %+v, first %+v", res, r.demo.Resources[i])
		}
	}
	if f, m := count(); f != flows || m != modules {
		t.Errorf("%d flows and %d modules, then %d and %d", flows, modules, f, m)
	}

	route, _ := r.demo.Get(journey.RouteFlow)
	if _, err := r.api.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{InstanceId: aws.String(r.demo.InstanceID),
		ContactFlowId: aws.String(route.ID), Content: aws.String(`{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`)}); err != nil {
		t.Fatal(err)
	}
	third, err := journey.Install(ctx, r.api, r.demo.InstanceID, r.demo.LookupARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range third.Resources {
		if want := map[bool]string{true: journey.Updated, false: journey.Unchanged}[res.Name == journey.RouteFlow]; res.Action != want {
			t.Errorf("third install: %s %s, want %s", res.Name, res.Action, want)
		}
	}
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, voice.Script{Presses: []string{"3"}, QueueTime: voice.Duration(time.Second)}), "HarbourBikes_Default")

	// The demo set up again: same resources, same number, the items back.
	r.put(t, r.with(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions", "Edited."), false)
	d, err := journey.SetupDemo(ctx, r.api, r.ts.FlowConfig, r.demo.InstanceID, r.demo.LookupARN)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Queues, r.demo.Queues) || !reflect.DeepEqual(d.Hours, r.demo.Hours) ||
		d.PhoneNumberID != r.demo.PhoneNumberID || d.InformationFlowID != r.demo.InformationFlowID {
		t.Errorf("second demo set-up %+v, first %+v", d, r.demo)
	}
	if f, m := count(); f != flows || m != modules {
		t.Errorf("%d flows and %d modules after the second set-up, want %d and %d", f, m, flows, modules)
	}
	q, err := r.api.ListQueues(ctx, &connect.ListQueuesInput{InstanceId: aws.String(r.demo.InstanceID), QueueTypes: []types.QueueType{types.QueueTypeStandard}})
	if err != nil || len(q.QueueSummaryList) != len(journey.DemoQueues) {
		t.Errorf("queues %v, %v", q, err)
	}
	if got, _ := r.ts.FlowConfig.Get(ctx, r.demo.InstanceID, "HarbourBikes_Main", "SteeringMenu"); got["Prompt_SteeringMenu_MenuOptions"] == "Edited." {
		t.Error("the demo items were not restored")
	}
}

// TestDemoCallOverHTTP places the README's demo call as `hotline call`
// does: signed, through POST /_hotline/calls of the running server.
func TestDemoCallOverHTTP(t *testing.T) {
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
	r := newRig(t)
	c, err := client.New(context.Background(), r.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	var out voice.CallOutput
	in := voice.CallInput{To: journey.DemoNumber, At: open.Format(time.RFC3339), Script: voice.Script{Presses: []string{"1", "1"}}}
	if err := c.Do(context.Background(), "POST", "/_hotline/calls", in, &out); err != nil {
		t.Fatal(err)
	}
	if o := out.Outcome; o.Disposition != voice.Queued || o.Queue == nil || o.Queue.Name != "HarbourBikes_Sales_Online" || out.InstanceID != r.demo.InstanceID {
		t.Errorf("call %s: outcome %+v", out.InstanceID, o)
	}
}

// TestCallsFollowChanges: what the lookup reads is cached between calls,
// so a change to any of it (a queue's name, the instance's allow-list, the
// function's binding) must show on the very next call.
func TestCallsFollowChanges(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const notInService = "Sorry, the number you have called is not in service. Goodbye."
	online := voice.Script{Presses: []string{"1", "1"}, QueueTime: voice.Duration(time.Second)}
	inst := aws.String(r.demo.InstanceID)
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, online), "HarbourBikes_Sales_Online")

	// The sales menu names the queue: renamed, the name leads nowhere and
	// the call fails over to the number's default queue; renamed back, it
	// leads there again.
	rename := func(name string) {
		t.Helper()
		if _, err := r.api.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{InstanceId: inst,
			QueueId: aws.String(r.demo.Queues["HarbourBikes_Sales_Online"]), Name: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	rename("HarbourBikes_Sales_Web")
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, online), "HarbourBikes_Default")
	rename("HarbourBikes_Sales_Online")
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, online), "HarbourBikes_Sales_Online")

	// Off the allow-list, the lookup fails: the number is not in service.
	lookup := aws.String(r.ts.LookupARN)
	if _, err := r.api.DisassociateLambdaFunction(ctx, &connect.DisassociateLambdaFunctionInput{InstanceId: inst, FunctionArn: lookup}); err != nil {
		t.Fatal(err)
	}
	wantHeard(t, r.call(t, journey.DemoNumber, open, online), notInService)
	if _, err := r.api.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: inst, FunctionArn: lookup}); err != nil {
		t.Fatal(err)
	}
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, online), "HarbourBikes_Sales_Online")

	// Without its binding, likewise.
	if err := r.ts.Functions.Delete(ctx, r.ts.LookupARN); err != nil {
		t.Fatal(err)
	}
	wantHeard(t, r.call(t, journey.DemoNumber, open, online), notInService)
	if _, err := r.ts.FlowConfig.EnsureBinding(ctx, r.ts.Functions, "us-east-1", "000000000000"); err != nil {
		t.Fatal(err)
	}
	r.wantQueued(t, r.call(t, journey.DemoNumber, open, online), "HarbourBikes_Sales_Online")
}

// TestCallerFoundByPhone: a dialled number whose item has
// Flag_DeliveryId_CustomerProfiles enabled looks the caller up by phone in
// the instance's Customer Profiles domain, links the contact to the
// profile and keeps its id in Journey_CustomerProfileId; the journey is
// otherwise unchanged, whatever the lookup finds.
func TestCallerFoundByPhone(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	cp := customerprofiles.NewFromConfig(r.ts.AWSConfig())
	if _, err := cp.CreateDomain(ctx, &customerprofiles.CreateDomainInput{DomainName: aws.String("harbour"), DefaultExpirationDays: aws.Int32(365)}); err != nil {
		t.Fatal(err)
	}
	newProfile := func(phone, name string) string {
		out, err := cp.CreateProfile(ctx, &customerprofiles.CreateProfileInput{DomainName: aws.String("harbour"),
			PhoneNumber: aws.String(phone), FirstName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ProfileId)
	}
	alex := newProfile("+44 7700 900123", "Alex")
	newProfile("+447700900555", "Sam")
	newProfile("+447700900555", "Kim")

	welcome := r.demoValue(t, "DeliveryId", journey.DemoNumber, "Prompt_DeliveryId_Welcome")
	pre := r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_PreMenuOptions")
	main := r.demoValue(t, "SteeringMenu", "HarbourBikes_Main", "Prompt_SteeringMenu_MenuOptions")
	call := func(from string, errors ...string) *result {
		t.Helper()
		res := r.callFrom(t, from, journey.DemoNumber, open, voice.Script{Presses: []string{"hangup"}})
		wantHeard(t, res, welcome, pre, main)
		if got := res.errors(); !slices.Equal(got, errors) {
			t.Errorf("errors %q, want %q:\n%s", got, errors, res.dump())
		}
		return res
	}
	profileOf := func(res *result) string { return res.rec.Attributes["Journey_CustomerProfileId"] }

	// Disabled, as in the demo: nobody is looked up.
	if got := profileOf(call("+447700900123")); got != "" {
		t.Errorf("flag disabled: profile %q looked up", got)
	}
	r.put(t, r.with(t, "DeliveryId", journey.DemoNumber, "Flag_DeliveryId_CustomerProfiles", "enabled"), false)
	// Enabled without a linked domain: the lookup fails and the call goes on.
	if got := profileOf(call("+447700900123", "find caller: NoMatchingError")); got != "" {
		t.Errorf("no domain linked: profile %q", got)
	}
	if _, err := r.ts.Server.Profiles.LinkDomain(ctx, r.demo.InstanceID, "harbour"); err != nil {
		t.Fatal(err)
	}
	if got := profileOf(call("+447700900123")); got != alex {
		t.Errorf("known caller: profile %q, want %q", got, alex)
	}
	if got := profileOf(call("+447700900999", "find caller: NoneFoundError")); got != "" {
		t.Errorf("unknown caller: profile %q", got)
	}
	if got := profileOf(call("+447700900555", "find caller: MultipleFoundError")); got != "" {
		t.Errorf("a number two profiles share: profile %q", got)
	}
}
