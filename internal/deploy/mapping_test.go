package deploy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/lambda"
)

const (
	testInstance    = "arn:aws:connect:us-east-1:000000000000:instance/inst-1"
	testHoursARN    = testInstance + "/operating-hours/hours-1"
	testFlowARN     = testInstance + "/contact-flow/flow-1"
	testPhoneARN    = "arn:aws:connect:us-east-1:000000000000:phone-number/phone-1"
	testFunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:f"
)

func testRun(functions map[string]lambda.Binding) *run {
	return &run{
		opt:  Options{StackName: "stack", Functions: functions},
		inst: instanceInfo{ID: "inst-1", ARN: testInstance, Region: "us-east-1", Account: "000000000000"},
	}
}

// buildSpec reads properties (plain values, as resolved) as the type's
// build does.
func buildSpec(t *testing.T, d *run, typ, id, propsYAML string) (spec, error) {
	t.Helper()
	tmpl := mustParse(t, "Resources:\n  "+id+":\n    Type: "+typ+"\n    Properties: "+propsYAML+"\n")
	p := newProps("Resources."+id+".Properties", tmpl.Resources[id].Properties, nil)
	s := typeInfos[typ].build(d, id, p)
	return s, p.err()
}

func mustBuild(t *testing.T, d *run, typ, id, propsYAML string) spec {
	t.Helper()
	s, err := buildSpec(t, d, typ, id, propsYAML)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return s
}

// sameInput compares two SDK inputs by their JSON, which their unexported
// no-serde markers do not take part in.
func sameInput(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("input\n got %s\nwant %s", g, w)
	}
}

func TestConnectPropertyMapping(t *testing.T) {
	d := testRun(nil)
	t.Run("ContactFlow", func(t *testing.T) {
		s := mustBuild(t, d, typeFlow, "rFlow", `{InstanceArn: "`+testInstance+`", Name: Main, Type: CONTACT_FLOW,
			Content: "{}", Description: Entry, State: ARCHIVED, Tags: [{Key: team, Value: cx}]}`).(*flowSpec)
		sameInput(t, s.createInput(), &connect.CreateContactFlowInput{
			InstanceId: aws.String("inst-1"), Name: aws.String("Main"), Type: types.ContactFlowTypeContactFlow,
			Content: aws.String("{}"), Description: aws.String("Entry"), Tags: map[string]string{"team": "cx"},
		})
		if s.State != "ARCHIVED" || !s.HasTags {
			t.Errorf("state %s, tags present %t", s.State, s.HasTags)
		}
		s = mustBuild(t, d, typeFlow, "rFlow", `{InstanceArn: inst-1, Name: W, Type: AGENT_WHISPER, Content: "{}"}`).(*flowSpec)
		if s.State != "ACTIVE" || s.HasTags || s.Instance != "inst-1" {
			t.Errorf("defaults: state %s, tags present %t, instance %s", s.State, s.HasTags, s.Instance)
		}
	})
	t.Run("ContactFlowModule", func(t *testing.T) {
		s := mustBuild(t, d, typeModule, "rModule", `{InstanceArn: "`+testInstance+`", Name: M, Content: "{}",
			Settings: {InputParameters: []}, ExternalInvocationConfiguration: {Enabled: true}}`).(*moduleSpec)
		sameInput(t, s.createInput(), &connect.CreateContactFlowModuleInput{
			InstanceId: aws.String("inst-1"), Name: aws.String("M"), Content: aws.String("{}"),
			Settings: aws.String(`{"InputParameters":[]}`), ExternalInvocationConfiguration: &types.ExternalInvocationConfiguration{Enabled: true},
		})
		s = mustBuild(t, d, typeModule, "rModule", `{InstanceArn: i, Name: M, Content: "{}", Settings: '{"a": 1}'}`).(*moduleSpec)
		if aws.ToString(s.Settings) != `{"a": 1}` {
			t.Errorf("Settings given as a string: %q", aws.ToString(s.Settings))
		}
	})
	t.Run("HoursOfOperation", func(t *testing.T) {
		s := mustBuild(t, d, typeHours, "rHours", `{InstanceArn: "`+testInstance+`", Name: H, TimeZone: UTC, Description: d,
			Config: [{Day: MONDAY, StartTime: {Hours: 9, Minutes: "30"}, EndTime: {Hours: 17, Minutes: 0}}]}`).(*hoursSpec)
		sameInput(t, s.createInput(), &connect.CreateHoursOfOperationInput{
			InstanceId: aws.String("inst-1"), Name: aws.String("H"), TimeZone: aws.String("UTC"), Description: aws.String("d"),
			Config: []types.HoursOfOperationConfig{{Day: types.HoursOfOperationDaysMonday,
				StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(30)},
				EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(0)}}},
		})
	})
	t.Run("Queue", func(t *testing.T) {
		s := mustBuild(t, d, typeQueue, "rQueue", `{InstanceArn: "`+testInstance+`", Name: Q, HoursOfOperationArn: "`+testHoursARN+`",
			MaxContacts: "25", Status: DISABLED, Description: d, QuickConnectArns: [],
			OutboundCallerConfig: {OutboundCallerIdName: Shop, OutboundCallerIdNumberArn: "`+testPhoneARN+`", OutboundFlowArn: "`+testFlowARN+`"}}`).(*queueSpec)
		sameInput(t, s.createInput(), &connect.CreateQueueInput{
			InstanceId: aws.String("inst-1"), Name: aws.String("Q"), HoursOfOperationId: aws.String("hours-1"),
			Description: aws.String("d"), MaxContacts: aws.Int32(25),
			OutboundCallerConfig: &types.OutboundCallerConfig{OutboundCallerIdName: aws.String("Shop"),
				OutboundCallerIdNumberId: aws.String("phone-1"), OutboundFlowId: aws.String("flow-1")},
		})
		if s.Status != "DISABLED" {
			t.Errorf("status %s", s.Status)
		}
		s = mustBuild(t, d, typeQueue, "rQueue", `{InstanceArn: i, Name: Q, HoursOfOperationArn: h}`).(*queueSpec)
		if s.Status != "ENABLED" || s.MaxContacts != nil || s.Outbound != nil {
			t.Errorf("defaults: %+v", s)
		}
	})
	t.Run("PhoneNumber", func(t *testing.T) {
		s := mustBuild(t, d, typePhone, "rPhone", `{TargetArn: "`+testInstance+`", CountryCode: GB, Type: DID, Description: line}`).(*phoneSpec)
		if s.Prefix != "+44" || s.Instance != "inst-1" || s.Type != "DID" || s.seed != "stack/rPhone" {
			t.Errorf("%+v", s)
		}
		s = mustBuild(t, d, typePhone, "rPhone", `{TargetArn: i, CountryCode: US, Prefix: "+1206"}`).(*phoneSpec)
		if s.Prefix != "+1206" {
			t.Errorf("prefix %s", s.Prefix)
		}
	})
	t.Run("IntegrationAssociation", func(t *testing.T) {
		s := mustBuild(t, d, typeAssociation, "rAssoc", `{InstanceId: "`+testInstance+`", IntegrationType: LAMBDA_FUNCTION, IntegrationArn: "`+testFunctionARN+`"}`).(*associationSpec)
		if *s != (associationSpec{Instance: "inst-1", FunctionArn: testFunctionARN}) {
			t.Errorf("%+v", s)
		}
		if a, b := associationID("inst-1", testFunctionARN), associationID("inst-2", testFunctionARN); a == b || !strings.HasPrefix(a, "lambda-") {
			t.Errorf("association ids %s and %s", a, b)
		}
	})
}

func TestFunctionAndTableMapping(t *testing.T) {
	d := testRun(map[string]lambda.Binding{
		"rSam":   {Kind: lambda.KindHTTP, Endpoint: "http://127.0.0.1:3001"},
		"rNamed": {Kind: lambda.KindHTTP, Endpoint: "http://127.0.0.1:3001"},
		"rExact": {Kind: lambda.KindHTTP, Endpoint: "https://lambda", FunctionName: "real-name"},
		"rLong":  {Kind: lambda.KindBuiltin, Builtin: "b"},
	})
	for _, c := range []struct {
		id, props    string
		name, sendAs string
		bound        bool
	}{
		{"rSam", `{Handler: x, Role: {"Fn::GetAtt": [rRole, Arn]}}`, "stack-rSam", "rSam", true},
		{"rNamed", `{FunctionName: lookup, Runtime: python3.12}`, "lookup", "lookup", true},
		{"rExact", `{FunctionName: lookup}`, "lookup", "real-name", true},
		{"rLong", `{}`, "stack-rLong", "", true},
		{"rFree", `{Code: {ZipFile: x}}`, "stack-rFree", "", false},
	} {
		s := mustBuild(t, d, typeSAMFunction, c.id, c.props).(*functionSpec)
		if s.name != c.name || s.arn != "arn:aws:lambda:us-east-1:000000000000:function:"+c.name {
			t.Errorf("%s: name %s, arn %s", c.id, s.name, s.arn)
		}
		if (s.binding != nil) != c.bound {
			t.Errorf("%s: bound %t", c.id, s.binding != nil)
			continue
		}
		if s.binding != nil && (s.binding.FunctionArn != s.arn || s.binding.FunctionName != c.sendAs) {
			t.Errorf("%s: binding %+v, want FunctionName %q", c.id, s.binding, c.sendAs)
		}
	}
	long := testRun(nil)
	long.opt.StackName = strings.Repeat("s", 70)
	if s := mustBuild(t, long, typeLambdaFunction, "rFn", `{}`).(*functionSpec); len(s.name) != 64 {
		t.Errorf("a made-up name of %d characters", len(s.name))
	}

	tbl := mustBuild(t, d, typeTable, "rTable", `{TableName: cfg, BillingMode: PAY_PER_REQUEST,
		KeySchema: [{AttributeName: Primary_Key, KeyType: HASH}, {AttributeName: Resource_Type, KeyType: RANGE}],
		StreamSpecification: {StreamViewType: NEW_IMAGE}}`).(*tableSpec)
	want := TableSpec{LogicalID: "rTable", InstanceID: "inst-1", TableName: "cfg", KeySchema: configKeys, Stream: true}
	if !reflect.DeepEqual(tbl.TableSpec, want) {
		t.Errorf("table %+v, want %+v", tbl.TableSpec, want)
	}
}

func TestPropertyErrors(t *testing.T) {
	d := testRun(nil)
	for _, c := range []struct{ typ, props, want string }{
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: "{}", Colour: red}`, "Resources.r.Properties has no property Colour (it has Content, Description, InstanceArn, Name, State, Tags, Type)"},
		{typeFlow, `{InstanceArn: i, Type: CONTACT_FLOW, Content: "{}"}`, "Resources.r.Properties.Name is required"},
		{typeFlow, `{InstanceArn: i, Name: "", Type: CONTACT_FLOW, Content: "{}"}`, "Name must not be empty"},
		{typeFlow, `{InstanceArn: i, Name: n, Type: IVR, Content: "{}"}`, `Type "IVR" must be one of CONTACT_FLOW`},
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: {Version: x}}`, "Content: expected a string, got a mapping"},
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: "{}", State: DELETED}`, `State "DELETED" must be one of ACTIVE, ARCHIVED`},
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: "{}", Tags: [{Value: v}]}`, "Tags[0].Key is required"},
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: "{}", Tags: [{Key: k, Value: a}, {Key: k, Value: b}]}`, `key "k" is given twice`},
		{typeFlow, `{InstanceArn: i, Name: n, Type: CONTACT_FLOW, Content: "{}", Tags: {k: v}}`, "Tags must be a list of {Key, Value}"},
		{typeModule, `{InstanceArn: i, Name: n, Content: "{}", ExternalInvocationConfiguration: {Enabled: maybe}}`, `Enabled "maybe" must be true or false`},
		{typeHours, `{InstanceArn: i, Name: n, TimeZone: UTC}`, "Config is required"},
		{typeHours, `{InstanceArn: i, Name: n, TimeZone: UTC, Config: [{Day: FUNDAY, StartTime: {Hours: 9, Minutes: 0}, EndTime: {Hours: 25, Minutes: 0}}]}`, `Day "FUNDAY" must be one of`},
		{typeHours, `{InstanceArn: i, Name: n, TimeZone: UTC, Config: [{Day: MONDAY, StartTime: {Hours: 9, Minutes: 0}, EndTime: {Hours: 25, Minutes: 0}}]}`, `EndTime.Hours "25" must be a whole number from 0 to 23`},
		{typeHours, `{InstanceArn: i, Name: n, TimeZone: UTC, Config: [{Day: MONDAY, StartTime: {Hours: 9}, EndTime: {Hours: 17, Minutes: 0}}]}`, "StartTime needs Hours and Minutes"},
		{typeHours, `{InstanceArn: i, Name: n, TimeZone: UTC, Config: [], HoursOfOperationOverrides: [{OverrideName: x}]}`, "HoursOfOperationOverrides is not supported by hotline deploy"},
		{typeQueue, `{InstanceArn: i, Name: n, HoursOfOperationArn: h, QuickConnectArns: [arn:x]}`, "QuickConnectArns is not supported by hotline deploy"},
		{typeQueue, `{InstanceArn: i, Name: n, HoursOfOperationArn: h, MaxContacts: -1}`, `MaxContacts "-1" must be a whole number`},
		{typeQueue, `{InstanceArn: i, Name: n, HoursOfOperationArn: h, OutboundCallerConfig: {OutboundCallerIdNumber: x}}`, "OutboundCallerConfig has no property OutboundCallerIdNumber"},
		{typeQueue, `{Name: n}`, "HoursOfOperationArn is required"},
		{typePhone, `{TargetArn: i}`, "needs a CountryCode or a Prefix"},
		{typePhone, `{TargetArn: i, CountryCode: GB, Prefix: "+1"}`, "Prefix +1 is not a number of GB, whose calling code is +44"},
		{typePhone, `{TargetArn: i, CountryCode: ZZ}`, "does not know the calling code of ZZ"},
		{typePhone, `{TargetArn: i, CountryCode: gb}`, `CountryCode "gb" must be an ISO country code`},
		{typePhone, `{TargetArn: i, Prefix: "44"}`, `Prefix "44" must be + and up to 15 digits`},
		{typePhone, `{TargetArn: i, CountryCode: FR, Type: TOLL_FREE}`, "TOLL_FREE numbers in the US/Canada (+1) and the UK (+44) only"},
		{typePhone, `{TargetArn: i, CountryCode: US, Type: SHARED}`, "Type SHARED is not supported by hotline deploy"},
		{typePhone, `{TargetArn: i, CountryCode: US, SourcePhoneNumberArn: arn:x}`, "SourcePhoneNumberArn is not supported by hotline deploy"},
		{typeAssociation, `{InstanceId: i, IntegrationType: LEX_BOT, IntegrationArn: arn:bot}`, "IntegrationType LEX_BOT is not supported by hotline deploy"},
		{typeAssociation, `{InstanceId: i, IntegrationType: WIDGET, IntegrationArn: arn:x}`, `IntegrationType "WIDGET" must be one of`},
		{typeSAMFunction, `{FunctionName: "bad name"}`, `FunctionName "bad name" is not a Lambda function name`},
		{typeTable, `{KeySchema: [{AttributeName: a, KeyType: SORT}]}`, `KeyType "SORT" must be one of HASH, RANGE`},
	} {
		_, err := buildSpec(t, d, c.typ, "r", c.props)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s:\n got %v\nwant an error saying %q", c.typ, c.props, err, c.want)
		}
	}
}

func TestPhoneCandidates(t *testing.T) {
	for _, c := range []struct {
		prefix, typ, base string
		count             int
	}{
		{"+44", "DID", "+442079460", 200},
		{"+44", "TOLL_FREE", "+448081570", 200},
		{"+1", "DID", "+120255501", 100},
		{"+1", "TOLL_FREE", "+180055501", 100},
		{"+33", "DID", "+33", 200},
		{"+1206", "DID", "+1206", 200},
		{"+123456789012345", "DID", "+123456789012345", 1},
	} {
		got := candidates(c.prefix, c.typ, "stack/rPhone", 200)
		if len(got) != c.count {
			t.Errorf("%s %s: %d candidates, want %d", c.prefix, c.typ, len(got), c.count)
		}
		seen := map[string]bool{}
		for _, n := range got {
			if !strings.HasPrefix(n, c.base) || !phonePrefixPattern.MatchString(n) || seen[n] {
				t.Errorf("%s %s: candidate %s (base %s, seen %t)", c.prefix, c.typ, n, c.base, seen[n])
			}
			seen[n] = true
		}
	}
	// Full numbers of the usual length, and a fixed order per seed.
	if n := candidates("+33", "DID", "s", 1)[0]; len(n) != 13 {
		t.Errorf("+33 candidate %s has %d characters, want + and 12 digits", n, len(n))
	}
	if n := candidates("+1206", "DID", "s", 1)[0]; len(n) != 12 {
		t.Errorf("+1206 candidate %s, want + and 11 digits", n)
	}
	a, b := candidates("+44", "DID", "stack/rA", 3), candidates("+44", "DID", "stack/rA", 3)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("candidates differ between runs: %v %v", a, b)
	}
	if c := candidates("+44", "DID", "stack/rB", 3); reflect.DeepEqual(a, c) {
		t.Errorf("two resources start at the same number: %v", a)
	}
}
