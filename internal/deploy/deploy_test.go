package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/deploy/stacks"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/store/bolt"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// lookupBuiltin stands for the configuration-table lookup function that
// the journey's flows invoke.
const lookupBuiltin = "deploy-test.lookup"

func init() {
	lambda.RegisterBuiltin(lookupBuiltin, func(context.Context, []byte) ([]byte, error) { return []byte(`{}`), nil })
}

// live is a Hotline server for a deploy test, with clients for it.
type live struct {
	ts      *testserver.Server
	conn    *connect.Client
	hotline *client.Client
	inst    string
}

// startLive starts a server. withState gives it the deploy-state routes:
// those server.go mounts once they are wired in, else the same routes
// mounted here, as server.go does, with their own store. Without, a front
// hides them, answering 404 as a server without them does.
func startLive(t *testing.T, withState bool) *live {
	t.Helper()
	ctx := context.Background()
	// internal/client reads the standard AWS sources; pin them.
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ts := testserver.Start(t, server.Config{})
	c, err := client.New(ctx, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	wired := c.Do(ctx, "GET", "/_hotline/deploy/stacks", nil, nil) == nil
	cfg := ts.AWSConfig()
	switch {
	case withState && !wired:
		db, err := bolt.Open(filepath.Join(t.TempDir(), "deploy.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		e, ok := ts.Handler().(*edge.Server)
		if !ok {
			t.Fatalf("the server's handler is a %T, not the edge", ts.Handler())
		}
		for pattern, h := range stacks.New(db, nil, nil).Routes() {
			e.HandleInternal(pattern, h, true)
		}
	case !withState:
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/_hotline/deploy/") {
				http.NotFound(w, r)
				return
			}
			ts.Handler().ServeHTTP(w, r)
		}))
		t.Cleanup(front.Close)
		cfg.BaseEndpoint = aws.String(front.URL)
		if c, err = client.New(ctx, front.URL); err != nil {
			t.Fatal(err)
		}
	}
	return &live{ts: ts, conn: connect.NewFromConfig(cfg), hotline: c, inst: ts.DefaultInstanceID}
}

func (l *live) deploy(t *testing.T, file string, opt Options) (*Result, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(data)
	if err != nil {
		t.Fatal(err)
	}
	if opt.StackName == "" {
		opt.StackName = "journey-test"
	}
	return Deploy(context.Background(), Config{Connect: l.conn, Hotline: l.hotline}, tmpl, opt)
}

func (l *live) mustDeploy(t *testing.T, file string, opt Options) *Result {
	t.Helper()
	res, err := l.deploy(t, file, opt)
	if err != nil {
		var b strings.Builder
		if res != nil {
			res.Print(&b)
		}
		t.Fatalf("deploy: %v\n%s", err, b.String())
	}
	return res
}

func bound() map[string]lambda.Binding {
	return map[string]lambda.Binding{"rLookupFunction": {Kind: lambda.KindBuiltin, Builtin: lookupBuiltin}}
}

// inventory is what the instance holds, by name, read through the
// Connect API as a user would.
type inventory struct {
	flows, modules, hours, queues map[string]int // name → how many
	numbers                       []string
	lambdas                       []string
	bindings                      []string // function ARNs bound on the server
}

// bindings lists the function ARNs bound on the server.
func (l *live) bindings(t *testing.T) []string {
	t.Helper()
	var list lambda.ListOutput
	if err := l.hotline.Do(context.Background(), "GET", "/_hotline/functions", nil, &list); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, b := range list.Bindings {
		arns = append(arns, b.FunctionArn)
	}
	return arns
}

func (l *live) inventory(t *testing.T) inventory {
	t.Helper()
	ctx := context.Background()
	inv := inventory{flows: map[string]int{}, modules: map[string]int{}, hours: map[string]int{}, queues: map[string]int{}}
	flows, err := l.conn.ListContactFlows(ctx, &connect.ListContactFlowsInput{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows.ContactFlowSummaryList {
		inv.flows[aws.ToString(f.Name)]++
	}
	modules, err := l.conn.ListContactFlowModules(ctx, &connect.ListContactFlowModulesInput{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modules.ContactFlowModulesSummaryList {
		inv.modules[aws.ToString(m.Name)]++
	}
	hours, err := l.conn.ListHoursOfOperations(ctx, &connect.ListHoursOfOperationsInput{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hours.HoursOfOperationSummaryList {
		inv.hours[aws.ToString(h.Name)]++
	}
	queues, err := l.conn.ListQueues(ctx, &connect.ListQueuesInput{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues.QueueSummaryList {
		inv.queues[aws.ToString(q.Name)]++
	}
	nums, err := l.conn.ListPhoneNumbersV2(ctx, &connect.ListPhoneNumbersV2Input{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nums.ListPhoneNumbersSummaryList {
		inv.numbers = append(inv.numbers, aws.ToString(n.PhoneNumber))
	}
	fns, err := l.conn.ListLambdaFunctions(ctx, &connect.ListLambdaFunctionsInput{InstanceId: &l.inst})
	if err != nil {
		t.Fatal(err)
	}
	inv.lambdas = fns.LambdaFunctions
	inv.bindings = l.bindings(t)
	return inv
}

// journeyNames are the Connect resources journey.yaml makes (the test
// stack is not live, so rQueueLiveOnly is off).
var journeyNames = struct{ flows, modules, hours, queues []string }{
	flows:   []string{"Journey_Core_Main", "Journey_Core_PreQueue", "Journey_Core_WhisperAgent"},
	modules: []string{"Journey_Core_PlayPrompt"},
	hours:   []string{"Journey_AlwaysOpen"},
	queues:  []string{"Journey_Sales", "Journey_Support"},
}

// checkOnce asserts that each of the journey's resources exists exactly
// once, and that there is one journey number.
func (inv inventory) checkOnce(t *testing.T) {
	t.Helper()
	for _, c := range []struct {
		kind  string
		have  map[string]int
		names []string
	}{
		{"flow", inv.flows, journeyNames.flows}, {"module", inv.modules, journeyNames.modules},
		{"hours", inv.hours, journeyNames.hours}, {"queue", inv.queues, journeyNames.queues},
	} {
		for _, n := range c.names {
			if c.have[n] != 1 {
				t.Errorf("%s %s exists %d times, want once (all: %v)", c.kind, n, c.have[n], c.have)
			}
		}
	}
	var journey []string
	for _, n := range inv.numbers {
		if strings.HasPrefix(n, "+442079460") {
			journey = append(journey, n)
		}
	}
	if len(journey) != 1 {
		t.Errorf("journey numbers %v, want exactly one in +44 20 7946 0xxx", journey)
	}
}

func actionsByID(res *Result) map[string]Action {
	m := map[string]Action{}
	for _, a := range res.Actions {
		m[a.LogicalID] = a
	}
	return m
}

func outputsByName(res *Result) map[string]OutputValue {
	m := map[string]OutputValue{}
	for _, o := range res.Outputs {
		m[o.Name] = o
	}
	return m
}

func TestDeployJourney(t *testing.T) {
	l := startLive(t, true)
	ctx := context.Background()
	const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:journey-test-rLookupFunction"

	// A queue made by hand before the first deploy is found by its name
	// and brought to the template's settings, not duplicated.
	hoursOut, err := l.conn.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: &l.inst, Name: aws.String("Manual_Hours"), TimeZone: aws.String("UTC"),
		Config: []types.HoursOfOperationConfig{{Day: types.HoursOfOperationDaysMonday,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(0)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.conn.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: &l.inst, Name: aws.String("Journey_Support"), HoursOfOperationId: hoursOut.HoursOfOperationId}); err != nil {
		t.Fatal(err)
	}

	res := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})
	acts := actionsByID(res)
	for id, want := range map[string]string{
		"rLookupFunction": OpCreate, "rLookupIntegration": OpCreate, "rConfigTable": OpNotCreated,
		"rPlayPromptModule": OpCreate, "rHoursAlwaysOpen": OpCreate, "rQueueSales": OpCreate,
		"rQueueSupport": OpUpdate, "rPhoneNumber": OpCreate, "rWhisperAgentFlow": OpCreate,
		"rPreQueueFlow": OpCreate, "rMainFlow": OpCreate,
	} {
		if acts[id].Op != want {
			t.Errorf("first deploy: %s %q, want %q", id, acts[id].Op, want)
		}
	}
	if len(acts) != 11 {
		t.Errorf("first deploy acted on %d resources, want 11: %+v", len(acts), res.Actions)
	}
	if a := acts["rQueueSupport"]; !a.Adopted || !slices.Equal(a.Changes, []string{"HoursOfOperationArn"}) {
		t.Errorf("the hand-made queue: adopted %t, changes %v; want adopted, HoursOfOperationArn", a.Adopted, a.Changes)
	}
	// Dependencies come first: the function before the flows that invoke
	// it, the module and the pre-queue flow before the main flow.
	pos := map[string]int{}
	for i, a := range res.Actions {
		pos[a.LogicalID] = i
	}
	for _, before := range [][2]string{{"rLookupFunction", "rLookupIntegration"}, {"rHoursAlwaysOpen", "rQueueSales"},
		{"rQueueSales", "rPreQueueFlow"}, {"rWhisperAgentFlow", "rPreQueueFlow"}, {"rPreQueueFlow", "rMainFlow"},
		{"rPlayPromptModule", "rMainFlow"}} {
		if pos[before[0]] > pos[before[1]] {
			t.Errorf("%s was applied after %s", before[0], before[1])
		}
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.LogicalID)
	}
	if want := []string{"rLookupLogs", "rLookupPermission", "rLookupRole", "rQueueLiveOnly"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "rConfigTable") && strings.Contains(w, "NOT set up") }) {
		t.Errorf("no loud warning about the unwired configuration table: %q", res.Warnings)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "pConnectInstanceArn") }) {
		t.Errorf("the instance parameter's value is not reported: %q", res.Notes)
	}

	inv := l.inventory(t)
	inv.checkOnce(t)
	if !slices.Contains(inv.lambdas, fnARN) {
		t.Errorf("the lookup function is not on the instance's allow-list: %v", inv.lambdas)
	}
	var b lambda.Binding
	if err := l.hotline.Do(ctx, "GET", "/_hotline/functions/"+url.PathEscape(fnARN), nil, &b); err != nil {
		t.Fatalf("the function is not bound: %v", err)
	}
	if b.Kind != lambda.KindBuiltin || b.Builtin != lookupBuiltin {
		t.Errorf("binding %+v, want builtin %s", b, lookupBuiltin)
	}

	// The flows' ${...} placeholders hold the ARNs of what they name.
	mainARN := acts["rMainFlow"].Physical
	main := l.describeFlow(t, mainARN)
	moduleARN, preQueueARN := acts["rPlayPromptModule"].Physical, acts["rPreQueueFlow"].Physical
	for _, want := range []string{`"LambdaFunctionARN": "` + fnARN + `"`, `"FlowModuleId": "` + moduleARN + `"`,
		`"ContactFlowId": "` + preQueueARN + `"`, `"Prompt_Temp": "Welcome to the test line."`, "${Literal} stays as written"} {
		if !strings.Contains(aws.ToString(main.Content), want) {
			t.Errorf("main flow content lacks %s:\n%s", want, aws.ToString(main.Content))
		}
	}
	if got := aws.ToString(main.Description); got != "Entry flow of journey-test in us-east-1" {
		t.Errorf("main flow description %q", got)
	}
	if main.Tags["stack"] != "journey-test" {
		t.Errorf("main flow tags %v", main.Tags)
	}
	preQueue := l.describeFlow(t, preQueueARN)
	for _, want := range []string{acts["rWhisperAgentFlow"].Physical, acts["rQueueSales"].Physical, fnARN} {
		if !strings.Contains(aws.ToString(preQueue.Content), want) {
			t.Errorf("pre-queue flow content lacks %s", want)
		}
	}
	if whisper := l.describeFlow(t, acts["rWhisperAgentFlow"].Physical); whisper.Type != types.ContactFlowTypeAgentWhisper {
		t.Errorf("whisper flow type %s", whisper.Type)
	}

	hoursARN := acts["rHoursAlwaysOpen"].Physical
	hours, err := l.conn.DescribeHoursOfOperation(ctx, &connect.DescribeHoursOfOperationInput{InstanceId: &l.inst, HoursOfOperationId: aws.String(lastSegment(hoursARN))})
	if err != nil {
		t.Fatal(err)
	}
	if h := hours.HoursOfOperation; aws.ToString(h.TimeZone) != "Europe/London" || len(h.Config) != 7 || h.Tags["journey"] != "test" {
		t.Errorf("hours: zone %s, %d slots, tags %v", aws.ToString(h.TimeZone), len(h.Config), h.Tags)
	}
	for id, want := range map[string]struct {
		name, desc string
		max        *int32
	}{
		"rQueueSales":   {"Journey_Sales", "Journey - Sales - journey-test", aws.Int32(25)},
		"rQueueSupport": {"Journey_Support", "", nil},
	} {
		q, err := l.conn.DescribeQueue(ctx, &connect.DescribeQueueInput{InstanceId: &l.inst, QueueId: aws.String(lastSegment(acts[id].Physical))})
		if err != nil {
			t.Fatal(err)
		}
		got := q.Queue
		if aws.ToString(got.Name) != want.name || aws.ToString(got.Description) != want.desc || !equalInt32(got.MaxContacts, want.max) ||
			aws.ToString(got.HoursOfOperationId) != lastSegment(hoursARN) || got.Status != types.QueueStatusEnabled {
			t.Errorf("%s: %s %q max %v hours %s status %s", id, aws.ToString(got.Name), aws.ToString(got.Description),
				got.MaxContacts, aws.ToString(got.HoursOfOperationId), got.Status)
		}
	}

	outs := outputsByName(res)
	if o := outs["oConfigTableName"]; o.Value != "journey-test-rConfigTable" || o.ExportName != "journey-test-oConfigTableName" {
		t.Errorf("oConfigTableName %+v", o)
	}
	if o := outs["oLookupFunctionArn"]; o.Value != fnARN {
		t.Errorf("oLookupFunctionArn %+v", o)
	}
	if o := outs["oMainFlowArn"]; o.Value != mainARN {
		t.Errorf("oMainFlowArn %+v", o)
	}
	if o := outs["oPhoneNumber"]; !slices.Contains(inv.numbers, o.Value) {
		t.Errorf("oPhoneNumber %+v is not a number of the instance (%v)", o, inv.numbers)
	}
	if o := outs["oLookupRoleArn"]; o.Value != "" || !strings.Contains(o.Unavailable, "skipped by hotline deploy") {
		t.Errorf("oLookupRoleArn %+v, want unavailable: the role is skipped", o)
	}
	if _, ok := outs["oLiveQueue"]; ok {
		t.Error("oLiveQueue is printed though its condition is false")
	}

	var st stacks.Stack
	if err := l.hotline.Do(ctx, "GET", stackPath("journey-test"), nil, &st); err != nil {
		t.Fatalf("the stack's state was not saved: %v", err)
	}
	if st.Resources["rMainFlow"] == nil || st.Resources["rMainFlow"].Attributes["ContactFlowArn"] != mainARN || st.Outputs["oMainFlowArn"] != mainARN {
		t.Errorf("saved state %+v", st)
	}

	// The same deploy again changes nothing and duplicates nothing.
	again := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})
	for _, a := range again.Actions {
		if want := OpUnchanged; a.LogicalID != "rConfigTable" && a.Op != want || a.Adopted {
			t.Errorf("second deploy: %s %s %v adopted=%t, want unchanged", a.LogicalID, a.Op, a.Changes, a.Adopted)
		}
		if first := acts[a.LogicalID]; a.Physical != first.Physical && a.LogicalID != "rLookupFunction" {
			t.Errorf("second deploy: %s is %s, was %s", a.LogicalID, a.Physical, first.Physical)
		}
	}
	l.inventory(t).checkOnce(t)

	// A dry run of a changed template says what it would update, and does not.
	dry := l.mustDeploy(t, "journey.yaml", Options{Functions: bound(), DryRun: true, Params: map[string]string{"pWelcome": "Dry run."}})
	if a := actionsByID(dry)["rMainFlow"]; a.Op != OpUpdate || !slices.Equal(a.Changes, []string{"Content"}) {
		t.Errorf("dry run: rMainFlow %s %v, want update [Content]", a.Op, a.Changes)
	}
	if got := aws.ToString(l.describeFlow(t, mainARN).Content); strings.Contains(got, "Dry run.") {
		t.Error("the dry run changed the flow")
	}

	// A changed welcome, substituted into the main flow, updates its content.
	changed := l.mustDeploy(t, "journey.yaml", Options{Functions: bound(), Params: map[string]string{"pWelcome": "Hello again."}})
	for _, a := range changed.Actions {
		want, changes := OpUnchanged, []string(nil)
		if a.LogicalID == "rMainFlow" {
			want, changes = OpUpdate, []string{"Content"}
		}
		if a.LogicalID != "rConfigTable" && (a.Op != want || !slices.Equal(a.Changes, changes)) {
			t.Errorf("changed deploy: %s %s %v, want %s %v", a.LogicalID, a.Op, a.Changes, want, changes)
		}
	}
	if got := aws.ToString(l.describeFlow(t, mainARN).Content); !strings.Contains(got, `"Prompt_Temp": "Hello again."`) {
		t.Errorf("the main flow was not updated:\n%s", got)
	}
	l.inventory(t).checkOnce(t)
}

func (l *live) describeFlow(t *testing.T, arn string) *types.ContactFlow {
	t.Helper()
	out, err := l.conn.DescribeContactFlow(context.Background(), &connect.DescribeContactFlowInput{InstanceId: &l.inst, ContactFlowId: aws.String(lastSegment(arn))})
	if err != nil {
		t.Fatalf("describing flow %s: %v", arn, err)
	}
	return out.ContactFlow
}

func TestDeployRefusesUnboundFunction(t *testing.T) {
	l := startLive(t, true)
	ctx := context.Background()
	// Another function is bound on the server: the message lists it.
	other := &lambda.Binding{Kind: lambda.KindBuiltin, Builtin: lookupBuiltin}
	const otherARN = "arn:aws:lambda:us-east-1:000000000000:function:other"
	if err := l.hotline.Do(ctx, "PUT", "/_hotline/functions/"+url.PathEscape(otherARN), other, nil); err != nil {
		t.Fatal(err)
	}
	before := l.inventory(t)
	res, err := l.deploy(t, "journey.yaml", Options{})
	if err == nil {
		t.Fatal("a deploy with an unbound function succeeded")
	}
	for _, want := range []string{"rLookupFunction", "journey-test-rLookupFunction", "--function", "builtin:NAME", otherARN + " → builtin:" + lookupBuiltin, "nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if len(res.Actions) != 0 {
		t.Errorf("actions taken: %+v", res.Actions)
	}
	after := l.inventory(t)
	if len(after.flows) != len(before.flows) || len(after.modules) != len(before.modules) || len(after.hours) != len(before.hours) ||
		len(after.queues) != len(before.queues) || len(after.numbers) != len(before.numbers) || len(after.lambdas) != len(before.lambdas) {
		t.Errorf("something was created: before %+v, after %+v", before, after)
	}
	var st stacks.Stack
	var ce *client.Error
	if err := l.hotline.Do(ctx, "GET", stackPath("journey-test"), nil, &st); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("a refused deploy saved state: %v %+v", err, st)
	}

	// A binding already on the server for the function's ARN is enough.
	const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:journey-test-rLookupFunction"
	if err := l.hotline.Do(ctx, "PUT", "/_hotline/functions/"+url.PathEscape(fnARN), other, nil); err != nil {
		t.Fatal(err)
	}
	res = l.mustDeploy(t, "journey.yaml", Options{})
	if a := actionsByID(res)["rLookupFunction"]; a.Op != OpUnchanged || !strings.Contains(a.Physical, "builtin:"+lookupBuiltin) {
		t.Errorf("rLookupFunction %+v, want the server's binding kept", a)
	}
}

func TestDeployRefusesUnsupportedConnectType(t *testing.T) {
	l := startLive(t, true)
	before := l.inventory(t)
	res, err := l.deploy(t, "unsupported.yaml", Options{StackName: "unsupported"})
	if err == nil {
		t.Fatal("a template with an AWS::Connect::User deployed")
	}
	for _, want := range []string{"rAgent (AWS::Connect::User)", "does not support", "AWS::Connect::Queue"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if len(res.Actions) != 0 {
		t.Errorf("actions taken: %+v", res.Actions)
	}
	if after := l.inventory(t); len(after.queues) != len(before.queues) || len(after.hours) != len(before.hours) {
		t.Errorf("something was created: before %+v, after %+v", before, after)
	}
}

func TestDeployDryRunChangesNothing(t *testing.T) {
	l := startLive(t, true)
	before := l.inventory(t)
	res := l.mustDeploy(t, "journey.yaml", Options{Functions: bound(), DryRun: true})
	for _, a := range res.Actions {
		if want := OpCreate; a.LogicalID != "rConfigTable" && a.Op != want {
			t.Errorf("dry run: %s %s, want %s", a.LogicalID, a.Op, want)
		}
	}
	if len(res.Actions) != 11 {
		t.Errorf("dry run planned %d resources, want 11", len(res.Actions))
	}
	var b strings.Builder
	res.Print(&b)
	for _, want := range []string{"Dry run of stack journey-test", "would create", "rMainFlow", "Skipped:", "rLookupRole"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the plan does not say %q:\n%s", want, b.String())
		}
	}
	after := l.inventory(t)
	if len(after.flows) != len(before.flows) || len(after.queues) != len(before.queues) || len(after.numbers) != len(before.numbers) || len(after.lambdas) != len(before.lambdas) {
		t.Errorf("the dry run created something: before %+v, after %+v", before, after)
	}
	// The server binds its own configuration lookup at start-up; the dry
	// run must add nothing to what was bound before it.
	if got := l.bindings(t); len(got) != len(before.bindings) {
		t.Errorf("the dry run bound functions: before %v, after %v", before.bindings, got)
	}
}

// Without the state endpoint (a server that has not wired it), deploys
// still find their resources: by name, and the number by its claim token.
func TestDeployWithoutStateEndpoint(t *testing.T) {
	l := startLive(t, false)
	first := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})
	if !slices.ContainsFunc(first.Warnings, func(w string) bool { return strings.Contains(w, "does not keep deploy state") }) {
		t.Errorf("no warning about the missing state endpoint: %q", first.Warnings)
	}
	second := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})
	firstActs := actionsByID(first)
	for _, a := range second.Actions {
		if a.LogicalID == "rConfigTable" {
			continue
		}
		if a.Op != OpUnchanged {
			t.Errorf("second deploy: %s %s %v, want unchanged", a.LogicalID, a.Op, a.Changes)
		}
		if a.Physical != firstActs[a.LogicalID].Physical && a.LogicalID != "rLookupFunction" {
			t.Errorf("second deploy: %s is %s, was %s", a.LogicalID, a.Physical, firstActs[a.LogicalID].Physical)
		}
	}
	if a := actionsByID(second)["rPhoneNumber"]; !a.Adopted {
		t.Errorf("the number was not found again by its claim token: %+v", a)
	}
	l.inventory(t).checkOnce(t)
}

func TestResultPrint(t *testing.T) {
	res := &Result{
		StackName: "s", InstanceID: "i",
		Actions: []Action{
			{LogicalID: "rFlow", Type: typeFlow, Op: OpUpdate, Changes: []string{"Content"}, Physical: "arn:flow", Adopted: true},
			{LogicalID: "rTable", Type: typeTable, Op: OpNotCreated},
		},
		Skipped:  []Skip{{LogicalID: "rRole", Type: "AWS::IAM::Role", Reason: "IAM"}},
		Retained: []Skip{{LogicalID: "rOld", Type: typeQueue, Reason: "no longer in the template"}},
		Warnings: []string{"careful"},
		Outputs:  []OutputValue{{Name: "oA", Value: "v", ExportName: "s-oA"}, {Name: "oB", Unavailable: "skipped"}},
	}
	var b strings.Builder
	res.Print(&b)
	for _, want := range []string{
		"Stack s on instance i",
		"updated       rFlow",
		"(found by name) [Content] arn:flow",
		"NOT CREATED   rTable",
		"rRole", "AWS::IAM::Role: IAM",
		"Retained: rOld",
		"WARNING: careful",
		"oA = v (export s-oA)",
		"oB unavailable: skipped",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}

// The state API round-trips through the same client the deploy uses.
func TestStackStateThroughClient(t *testing.T) {
	l := startLive(t, true)
	ctx := context.Background()
	in := &stacks.Stack{StackName: "demo", InstanceID: "i", Resources: map[string]*stacks.Resource{
		"rQ": {Type: typeQueue, PhysicalID: "q1", Attributes: map[string]string{"Ref": "arn:q1"}},
	}}
	if err := l.hotline.Do(ctx, "PUT", stackPath("demo"), in, nil); err != nil {
		t.Fatal(err)
	}
	var out stacks.Stack
	if err := l.hotline.Do(ctx, "GET", stackPath("demo"), nil, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out.Resources)
	want, _ := json.Marshal(in.Resources)
	if string(got) != string(want) || out.LastUpdatedTime.IsZero() {
		t.Errorf("got %s (updated %v), want %s", got, out.LastUpdatedTime, want)
	}
}

// fakeTables records what deploy asks of the configuration-table service.
type fakeTables struct {
	specs []TableSpec
}

func (f *fakeTables) EnsureTable(_ context.Context, spec TableSpec) (*TableInfo, error) {
	f.specs = append(f.specs, spec)
	return &TableInfo{Name: "config-" + spec.InstanceID, Arn: "arn:aws:dynamodb:us-east-1:000000000000:table/config-" + spec.InstanceID,
		Created: len(f.specs) == 1}, nil
}

func TestDeployMapsTableToConfigurationTable(t *testing.T) {
	l := startLive(t, true)
	tables := &fakeTables{}
	data, err := os.ReadFile("testdata/journey.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(data)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Connect: l.conn, Hotline: l.hotline, Tables: tables}
	res, err := Deploy(context.Background(), cfg, tmpl, Options{StackName: "journey-test", Functions: bound(), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if a := actionsByID(res)["rConfigTable"]; a.Op != OpCreate {
		t.Errorf("dry run: rConfigTable %+v, want create (the service said it would create it)", a)
	}
	res, err = Deploy(context.Background(), cfg, tmpl, Options{StackName: "journey-test", Functions: bound()})
	if err != nil {
		t.Fatal(err)
	}
	want := []TableSpec{
		{LogicalID: "rConfigTable", InstanceID: l.inst, KeySchema: configKeys, DryRun: true},
		{LogicalID: "rConfigTable", InstanceID: l.inst, KeySchema: configKeys},
	}
	if !slices.EqualFunc(tables.specs, want, func(a, b TableSpec) bool {
		return a.LogicalID == b.LogicalID && a.InstanceID == b.InstanceID && slices.Equal(a.KeySchema, b.KeySchema) && a.DryRun == b.DryRun && !a.Stream
	}) {
		t.Errorf("EnsureTable got %+v, want %+v", tables.specs, want)
	}
	if a := actionsByID(res)["rConfigTable"]; a.Op != OpUnchanged {
		t.Errorf("rConfigTable %+v", a)
	}
	if slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "rConfigTable") }) {
		t.Errorf("a wired table is warned about: %q", res.Warnings)
	}
	if o := outputsByName(res)["oConfigTableName"]; o.Value != "config-"+l.inst {
		t.Errorf("oConfigTableName %+v, want the configuration table's name", o)
	}
}

// Every resource is checked before the first is made: a bad property in
// the last one stops the deploy with nothing made.
func TestDeployChecksEverythingFirst(t *testing.T) {
	l := startLive(t, true)
	tmpl, err := ParseTemplate([]byte(`
Parameters:
  pConnectInstanceArn: {Type: String}
Resources:
  rHours:
    Type: AWS::Connect::HoursOfOperation
    Properties:
      Name: Checked_Hours
      InstanceArn: !Ref pConnectInstanceArn
      TimeZone: UTC
      Config: [{Day: MONDAY, StartTime: {Hours: 9, Minutes: 0}, EndTime: {Hours: 17, Minutes: 0}}]
  rFlow:
    Type: AWS::Connect::ContactFlow
    Properties:
      Name: Checked_Flow
      Type: CONTACT_FLOW
      InstanceArn: !Ref pConnectInstanceArn
      Content: !ImportValue shared-flow-content
  rQueue:
    Type: AWS::Connect::Queue
    Properties:
      Name: Checked_Queue
      InstanceArn: !Ref pConnectInstanceArn
      HoursOfOperationArn: !Ref rHours
      MaxContacts: lots
`))
	if err != nil {
		t.Fatal(err)
	}
	before := l.inventory(t)
	res, err := Deploy(context.Background(), Config{Connect: l.conn, Hotline: l.hotline}, tmpl, Options{StackName: "checked"})
	if err == nil {
		t.Fatal("the template deployed")
	}
	for _, want := range []string{"cannot be deployed", "Fn::ImportValue is not supported by hotline deploy", `MaxContacts "lots" must be a whole number`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if len(res.Actions) != 0 || len(l.inventory(t).hours) != len(before.hours) {
		t.Errorf("something was made: %+v", res.Actions)
	}
}

// A deploy that fails partway reports what it did, keeps the stack's state
// of everything (made before or not yet reached), and the next deploy
// carries on without duplicating.
func TestDeployFailureKeepsState(t *testing.T) {
	l := startLive(t, true)
	first := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})

	// A quote in the welcome breaks the main flow's JSON: the last resource
	// fails, after the others were checked.
	res, err := l.deploy(t, "journey.yaml", Options{Functions: bound(), Params: map[string]string{"pWelcome": `say "hi"`}})
	if err == nil || !strings.Contains(err.Error(), "rMainFlow") {
		t.Fatalf("a broken flow deployed: %v", err)
	}
	if len(res.Actions) != len(first.Actions)-1 {
		t.Errorf("the failed deploy reports %d actions, want all but the main flow's (%d)", len(res.Actions), len(first.Actions)-1)
	}
	var st stacks.Stack
	if err := l.hotline.Do(context.Background(), "GET", stackPath("journey-test"), nil, &st); err != nil {
		t.Fatal(err)
	}
	for _, a := range first.Actions {
		if st.Resources[a.LogicalID] == nil {
			t.Errorf("the state lost %s", a.LogicalID)
		}
	}
	again := l.mustDeploy(t, "journey.yaml", Options{Functions: bound()})
	for _, a := range again.Actions {
		if a.LogicalID != "rConfigTable" && (a.Op != OpUnchanged || a.Adopted) {
			t.Errorf("after the failure: %s %s adopted=%t, want unchanged", a.LogicalID, a.Op, a.Adopted)
		}
	}
	l.inventory(t).checkOnce(t)
}

// The state makes a rename an update: the queue keeps its id.
func TestDeployRenameUpdates(t *testing.T) {
	l := startLive(t, true)
	first := actionsByID(l.mustDeploy(t, "journey.yaml", Options{Functions: bound()}))
	renamed := actionsByID(l.mustDeploy(t, "journey.yaml", Options{Functions: bound(),
		Params: map[string]string{"pQueueNames": "Journey_Sales_Renamed,Journey_Support"}}))
	a := renamed["rQueueSales"]
	if a.Op != OpUpdate || !slices.Equal(a.Changes, []string{"Name"}) || a.Physical != first["rQueueSales"].Physical || a.Adopted {
		t.Errorf("rQueueSales %+v, want an update of its Name, same ARN %s", a, first["rQueueSales"].Physical)
	}
	inv := l.inventory(t)
	if inv.queues["Journey_Sales_Renamed"] != 1 || inv.queues["Journey_Sales"] != 0 {
		t.Errorf("queues after the rename: %v", inv.queues)
	}
}
