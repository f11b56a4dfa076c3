package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParseFile(t *testing.T, name string, kind Kind) *Flow {
	t.Helper()
	content, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(content, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	checkCompiled(t, f)
	return f
}

// checkCompiled asserts the invariants every compiled flow keeps: every
// index is in range, and the index agrees with the identifiers.
func checkCompiled(t *testing.T, f *Flow) {
	t.Helper()
	n := len(f.Actions)
	inRange := func(i int) bool { return i >= 0 && i < n }
	if !inRange(f.StartAction) {
		t.Fatalf("StartAction %d out of range [0,%d)", f.StartAction, n)
	}
	if n > MaxActions {
		t.Fatalf("%d actions accepted", n)
	}
	for i := range f.Actions {
		a := &f.Actions[i]
		if got, ok := f.Action(a.Identifier); !ok || got != a {
			t.Fatalf("Action(%q) does not return Actions[%d]", a.Identifier, i)
		}
		if j, ok := f.IndexOf(a.Identifier); !ok || j != i {
			t.Fatalf("IndexOf(%q) = %d, %v; want %d", a.Identifier, j, ok, i)
		}
		if a.Type.String() == "" || strings.HasPrefix(a.Type.String(), "ActionType(") {
			t.Fatalf("action %q has no known type", a.Identifier)
		}
		if a.Next != -1 && !inRange(a.Next) {
			t.Fatalf("action %q: Next %d out of range", a.Identifier, a.Next)
		}
		for _, e := range a.Errors {
			if !inRange(e.Next) {
				t.Fatalf("action %q: error %q Next %d out of range", a.Identifier, e.ErrorType, e.Next)
			}
		}
		for _, c := range a.Conditions {
			if !inRange(c.Next) {
				t.Fatalf("action %q: condition Next %d out of range", a.Identifier, c.Next)
			}
			if strings.HasPrefix(c.Operator.String(), "Operator(") {
				t.Fatalf("action %q: condition without a known operator", a.Identifier)
			}
		}
		if a.Params.Kind != ParamObject {
			t.Fatalf("action %q: Params kind %v, want object", a.Identifier, a.Params.Kind)
		}
	}
}

// param walks an object Param by names.
func param(t *testing.T, p *Param, names ...string) *Param {
	t.Helper()
	for _, n := range names {
		c, ok := p.Get(n)
		if !ok {
			t.Fatalf("parameter %q missing", strings.Join(names, "."))
		}
		p = c
	}
	return p
}

func action(t *testing.T, f *Flow, id string) *Action {
	t.Helper()
	a, ok := f.Action(id)
	if !ok {
		t.Fatalf("no action %q", id)
	}
	return a
}

func TestParseInboundMenu(t *testing.T) {
	f := mustParseFile(t, "inbound_menu.json", KindFlow)
	if len(f.Actions) != 12 || f.StartAction != 0 || f.Kind != KindFlow || f.Settings != nil {
		t.Fatalf("got %d actions, start %d, kind %v, settings %s", len(f.Actions), f.StartAction, f.Kind, f.Settings)
	}

	// Compare: NextAction equal to the NoMatchingCondition target, as in
	// every real export; Metadata's different operator names are ignored.
	cmp := action(t, f, "4c1f0a77-2f39-4bfb-8a07-7d0f6f0c4a05")
	if cmp.Type != TypeCompare {
		t.Errorf("type %v", cmp.Type)
	}
	if cmp.Next != cmp.ErrorTarget(ErrNoMatchingCondition) || cmp.Next < 0 {
		t.Errorf("Next %d, NoMatchingCondition target %d", cmp.Next, cmp.ErrorTarget(ErrNoMatchingCondition))
	}
	if len(cmp.Conditions) != 2 || cmp.Conditions[0].Operator != OpEquals || cmp.Conditions[1].Operator != OpNumberGreaterOrEqualTo {
		t.Fatalf("conditions %+v", cmp.Conditions)
	}
	if cmp.Conditions[0].Operand.String() != "Menu" || !cmp.Conditions[0].Operand.IsStatic() {
		t.Errorf("operand 0 = %q", cmp.Conditions[0].Operand)
	}
	if p, ok := cmp.Conditions[1].Operand.Ref(); !ok || p.String() != "$.External.Flag_Retries" {
		t.Errorf("operand 1 is not the reference $.External.Flag_Retries")
	}
	if want := f.Actions[cmp.Conditions[0].Next].Identifier; want != "c3d4e5f6-4444-4d5e-8f90-a1b2c3d4e508" {
		t.Errorf("condition 0 goes to %q", want)
	}
	if v, ok := cmp.Params.ValueOf("ComparisonValue"); !ok || v.Kind() != ValueReference {
		t.Errorf("ComparisonValue = %v (%v)", v, ok)
	}

	// Lambda parameters: references and interpolated text are pre-parsed.
	lambda := action(t, f, "a1b2c3d4-1111-4e2f-9a3b-5c6d7e8f9003")
	attrs := param(t, &lambda.Params, "LambdaInvocationAttributes")
	if len(attrs.Fields) != 3 || attrs.Fields[0].Name != "phone" || attrs.Fields[2].Name != "note" {
		t.Fatalf("LambdaInvocationAttributes fields out of document order: %+v", attrs.Fields)
	}
	if attrs.Fields[0].Param.Value.Kind() != ValueReference || attrs.Fields[2].Param.Value.Kind() != ValueInterpolated {
		t.Errorf("attribute kinds %v, %v", attrs.Fields[0].Param.Value.Kind(), attrs.Fields[2].Param.Value.Kind())
	}
	if got := param(t, &lambda.Params, "ResponseValidation", "ResponseType").Value.String(); got != "STRING_MAP" {
		t.Errorf("ResponseType %q", got)
	}
	if lambda.ErrorTarget("Throttled") != lambda.ErrorTarget(ErrNoMatchingError) {
		t.Errorf("an error without its own entry must go to NoMatchingError")
	}
	if string(lambda.Parameters) == "" || !json.Valid(lambda.Parameters) {
		t.Errorf("raw Parameters not kept: %q", lambda.Parameters)
	}

	// The sentence period after a reference is punctuation.
	msg := action(t, f, "c3d4e5f6-4444-4d5e-8f90-a1b2c3d4e508")
	text, _ := msg.Params.ValueOf("Text")
	if got := describeParts(text); len(got) != 5 || got[3] != "ref:External|vanity1" || got[4] != ".  Thank you." {
		t.Errorf("Text parts %q", got)
	}

	// TransferContactToQueue without Parameters, NextAction equal to NoMatchingError.
	xfer := action(t, f, "12ab34cd-7777-4a1b-9c2d-3e4f5a6b7c0c")
	if xfer.Parameters != nil || len(xfer.Params.Fields) != 0 {
		t.Errorf("absent Parameters: raw %q, %d fields", xfer.Parameters, len(xfer.Params.Fields))
	}
	if xfer.Next != xfer.ErrorTarget(ErrNoMatchingError) || xfer.ErrorTarget("QueueAtCapacity") < 0 {
		t.Errorf("transfer transitions %+v", xfer)
	}

	// Terminal action.
	end := action(t, f, "3e4f5a6b-8888-4c7d-8e9f-0a1b2c3d4e0d")
	if end.Next != -1 || end.Errors != nil || end.Conditions != nil || end.ErrorTarget(ErrNoMatchingError) != -1 {
		t.Errorf("terminal action has transitions: %+v", end)
	}

	// Loop with a static count.
	loop := action(t, f, "f7a8b9c0-5555-4e6f-9a01-b2c3d4e5f609")
	if v, _ := loop.Params.ValueOf("LoopCount"); v.String() != "3" {
		t.Errorf("LoopCount %q", v)
	}
}

func TestParseNamedIdentifiers(t *testing.T) {
	f := mustParseFile(t, "named_identifiers.json", KindFlow)
	if f.Actions[f.StartAction].Identifier != "Set logging" {
		t.Errorf("start is %q", f.Actions[f.StartAction].Identifier)
	}
	cmp := action(t, f, "Check caller type")
	p, ok := param(t, &cmp.Params, "ComparisonValue").Value.Ref()
	if !ok || len(p.Segments) != 2 || p.Segments[1].Name != "caller type" {
		t.Fatalf("bracket reference not parsed: %+v", p)
	}
	if f.Actions[cmp.Next].Identifier != "Set preferred agent" || cmp.Next != cmp.ErrorTarget(ErrNoMatchingCondition) {
		t.Errorf("Compare NextAction/NoMatchingCondition differ")
	}
	setAttrs := action(t, f, "Set caller type")
	first := param(t, &setAttrs.Params, "Attributes", "FirstOrder").Value
	if p, ok := first.Ref(); !ok || p.Segments[2].Index != 0 {
		t.Errorf("numeric segment not parsed: %v", first)
	}
	if key := param(t, &setAttrs.Params, "Attributes").Fields[0]; key.Name != "caller type" || !key.Key.IsStatic() {
		t.Errorf("attribute key %+v", key)
	}
	// Deployment placeholders are static text, not references.
	if v, _ := action(t, f, "Get Menu Config").Params.ValueOf("LambdaFunctionARN"); !v.IsStatic() {
		t.Errorf("placeholder parsed as %v", v.Kind())
	}
	steps := param(t, &action(t, f, "Set preferred agent").Params, "RoutingCriteria", "Steps")
	if steps.Kind != ParamArray || len(steps.Items) != 1 {
		t.Fatalf("Steps %+v", steps)
	}
	if d := param(t, &steps.Items[0], "Expiry", "DurationInSeconds"); d.Kind != ParamNumber || d.Value.String() != "30" {
		t.Errorf("number parameter %+v", d)
	}
	for _, id := range []string{"Transfer to queue", "Hang up"} {
		if a := action(t, f, id); a.Parameters != nil {
			t.Errorf("%s: Parameters %q, want absent", id, a.Parameters)
		}
	}
	hours := action(t, f, "Check hours")
	if len(hours.Conditions) != 2 || f.Actions[hours.Conditions[1].Next].Identifier != "Closed message" {
		t.Errorf("hours conditions %+v", hours.Conditions)
	}
	if a := action(t, f, "Set preferred agent"); a.Type != TypeUpdateContactRoutingCriteria {
		t.Errorf("type %v", a.Type)
	}
	if _, ok := f.Action("set logging"); ok {
		t.Errorf("identifiers must match case-sensitively")
	}
}

func TestParseModule(t *testing.T) {
	content, err := os.ReadFile("testdata/module_contact_recording.json")
	if err != nil {
		t.Fatal(err)
	}
	f := mustParseFile(t, "module_contact_recording.json", KindModule)
	if f.Kind != KindModule || f.Actions[f.StartAction].Identifier != "Determine Contact Recording" {
		t.Fatalf("kind %v start %d", f.Kind, f.StartAction)
	}
	var settings struct {
		Transitions []struct{ ReferenceName string }
	}
	if err := json.Unmarshal(f.Settings, &settings); err != nil || len(settings.Transitions) != 2 || settings.Transitions[1].ReferenceName != "Error" {
		t.Errorf("Settings not kept: %s (%v)", f.Settings, err)
	}
	// The seed's typo loads; the interpreter must send the action down its error branch.
	typo, _ := action(t, f, "Check next action").Params.ValueOf("ComparisonValue")
	if !typo.Malformed() {
		t.Errorf("%q not reported malformed", typo)
	}
	null := action(t, f, "Determine Contact Recording").Conditions[1].Operand
	if p, ok := null.Ref(); !ok || p.String() != "$.Attributes.Null" {
		t.Errorf("dynamic operand %q not a reference", null)
	}
	value := param(t, &action(t, f, "Set module result").Params, "FlowAttributes", "Result", "Value")
	if value.Value.Kind() != ValueReference {
		t.Errorf("flow attribute value kind %v", value.Value.Kind())
	}

	// The same content as a flow loads too; Settings is ignored there.
	asFlow, err := Parse(content, KindFlow)
	if err != nil {
		t.Fatal(err)
	}
	if asFlow.Settings != nil {
		t.Errorf("flow kept Settings %s", asFlow.Settings)
	}
}

func TestParseCustomerQueue(t *testing.T) {
	f := mustParseFile(t, "customer_queue.json", KindFlow)
	loopPrompts := action(t, f, "1f2e3d4c-0002-4aaa-8bbb-000000000002")
	if loopPrompts.Next != -1 || len(loopPrompts.Conditions) != 1 {
		t.Errorf("transitions %+v", loopPrompts)
	}
	msgs := param(t, &loopPrompts.Params, "Messages")
	if len(msgs.Items) != 2 || param(t, &msgs.Items[0], "Text").Value.Kind() != ValueInterpolated {
		t.Errorf("Messages %+v", msgs)
	}
	loop := action(t, f, "1f2e3d4c-0003-4aaa-8bbb-000000000003")
	if v, _ := loop.Params.ValueOf("LoopCount"); v.Kind() != ValueReference {
		t.Errorf("dynamic LoopCount %v", v.Kind())
	}
}

// The building blocks of the invalid-content table.
const (
	okEnd     = `{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}`
	okStart   = `{"Identifier":"start","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Enabled"},"Transitions":{"NextAction":"end"}}`
	defaultID = "start"
)

// flowJSON wraps actions in a valid document that starts at "start".
func flowJSON(actions ...string) string {
	return `{"Version":"2019-10-30","StartAction":"start","Actions":[` + strings.Join(actions, ",") + `]}`
}

// act builds an action with the given identifier, type and raw extra keys.
func act(id, typ, extra string) string {
	s := `{"Identifier":` + quote(id) + `,"Type":` + quote(typ)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// want is one expected problem: the action it is attributed to and a part
// of its message.
type want struct {
	actionID string
	fragment string
}

func TestParseInvalid(t *testing.T) {
	next := `"Transitions":{"NextAction":"end"}`
	cond := func(c string) string {
		return `"Parameters":{"ComparisonValue":"$.Attributes.x"},"Transitions":{"NextAction":"end","Conditions":[` + c + `]}`
	}
	tests := []struct {
		name    string
		content string
		kind    Kind
		want    []want
	}{
		// Content.
		{"empty", "", KindFlow, []want{{"", "content is empty"}}},
		{"blank", " \n\t", KindFlow, []want{{"", "content is empty"}}},
		{"truncated JSON", `{"Version": "2019-10-30",` + "\n" + `"Actions": [`, KindFlow, []want{{"", "content is not valid JSON: unexpected end of JSON input (line 2, column 13)"}}},
		{"syntax error", `{"Version" "2019-10-30"}`, KindFlow, []want{{"", "content is not valid JSON: invalid character '\"' after object key (line 1, column 12)"}}},
		{"trailing data", `{} {}`, KindFlow, []want{{"", "content is not valid JSON"}}},
		{"array", `[]`, KindFlow, []want{{"", "content must be a JSON object, not an array"}}},
		{"null", `null`, KindFlow, []want{{"", "content must be a JSON object, not null"}}},
		{"string", `"flow"`, KindFlow, []want{{"", "content must be a JSON object, not a string"}}},
		{"invalid UTF-8", "{\"Version\":\"\xff\"}", KindFlow, []want{{"", "content is not valid UTF-8"}}},

		// Document keys.
		{"all missing", `{}`, KindFlow, []want{{"", "Version is required"}, {"", "StartAction is required"}, {"", "Actions is required"}}},
		{"legacy export", `{"modules":[{"id":"1","type":"PlayPrompt"}],"version":"1","start":"1"}`, KindFlow, []want{{"", `pre-2019 console export format ("modules")`}, {"", "StartAction is required"}, {"", "Actions is required"}}},
		{"wrong version", `{"Version":"2019-10-31","StartAction":"start","Actions":[` + okStart + `,` + okEnd + `]}`, KindFlow, []want{{"", `Version "2019-10-31" is not supported; the only flow language version is "2019-10-30"`}}},
		{"version not string", `{"Version":20191030,"StartAction":"start","Actions":[` + okStart + `,` + okEnd + `]}`, KindFlow, []want{{"", `Version must be the string "2019-10-30", not a number`}}},
		{"keys are case-sensitive", `{"version":"2019-10-30","startAction":"start","actions":[]}`, KindFlow, []want{{"", "Version is required"}, {"", "StartAction is required"}, {"", "Actions is required"}}},
		{"start action not string", `{"Version":"2019-10-30","StartAction":["start"],"Actions":[` + okEnd + `]}`, KindFlow, []want{{"", "StartAction must be a string, not an array"}}},
		{"start action empty", `{"Version":"2019-10-30","StartAction":"","Actions":[` + okEnd + `]}`, KindFlow, []want{{"", "StartAction must not be empty"}}},
		{"start action unknown", flowJSON(okEnd), KindFlow, []want{{"", `StartAction "start" does not name an action`}}},
		{"no actions", flowJSON(), KindFlow, []want{{"", `StartAction "start" does not name an action`}}},
		{"actions not array", `{"Version":"2019-10-30","StartAction":"start","Actions":{"start":{}}}`, KindFlow, []want{{"", "Actions must be an array, not an object"}}},
		{"actions null", `{"Version":"2019-10-30","StartAction":"start","Actions":null}`, KindFlow, []want{{"", "Actions must be an array, not null"}}},
		{"module settings not object", `{"Version":"2019-10-30","StartAction":"start","Settings":[],"Actions":[` + okStart + `,` + okEnd + `]}`, KindModule, []want{{"", "Settings must be an object, not an array"}}},

		// Action shape.
		{"action not object", flowJSON(okStart, `"end"`, okEnd), KindFlow, []want{{"", "Actions[1]: must be an object, not a string"}}},
		{"identifier missing", flowJSON(okStart, `{"Type":"DisconnectParticipant"}`, okEnd), KindFlow, []want{{"", "Actions[1]: Identifier is required"}}},
		{"identifier number", flowJSON(okStart, `{"Identifier":7,"Type":"DisconnectParticipant"}`, okEnd), KindFlow, []want{{"", "Actions[1]: Identifier must be a string, not a number"}}},
		{"identifier empty", flowJSON(okStart, act("", "DisconnectParticipant", ""), okEnd), KindFlow, []want{{"", "Actions[1]: Identifier must not be empty"}}},
		{"identifier too long", flowJSON(okStart, act(strings.Repeat("é", 51), "DisconnectParticipant", ""), okEnd), KindFlow, []want{{strings.Repeat("é", 51), "Identifier is 51 characters long; the limit is 50"}}},
		{"identifier forbidden characters", flowJSON(okStart, act("a:b(c)", "DisconnectParticipant", ""), okEnd), KindFlow, []want{{"a:b(c)", `action "a:b(c)": Identifier contains forbidden character(s) ":" "(" ")"`}}},
		{"identifier prototype name", flowJSON(okStart, act("constructor", "DisconnectParticipant", ""), okEnd), KindFlow, []want{{"constructor", `Identifier "constructor" is a reserved JavaScript prototype name`}}},
		{"identifier duplicate", flowJSON(okStart, act("end", "EndFlowExecution", ""), okEnd), KindFlow, []want{{"end", `action "end": Identifier is not unique: Actions[1] has the same Identifier`}}},
		{"type missing", flowJSON(okStart, `{"Identifier":"end"}`), KindFlow, []want{{"end", `action "end": Type is required`}}},
		{"type number", flowJSON(okStart, `{"Identifier":"end","Type":3}`), KindFlow, []want{{"end", "Type must be a string, not a number"}}},
		{"type unknown", flowJSON(okStart, act("end", "Hangup", "")), KindFlow, []want{{"end", `action "end": unknown action type "Hangup"`}}},
		{"type case-sensitive", flowJSON(okStart, act("end", "disconnectParticipant", "")), KindFlow, []want{{"end", `unknown action type "disconnectParticipant"`}}},
		{"legacy type", flowJSON(okStart, act("end", "PlayPrompt", "")), KindFlow, []want{{"end", `unknown action type "PlayPrompt" (a pre-2019 console export name; the 2019-10-30 action type is MessageParticipant)`}}},
		{"legacy Start", flowJSON(okStart, act("end", "Start", "")), KindFlow, []want{{"end", `unknown action type "Start" (a pre-2019 console export name, not a 2019-10-30 action type)`}}},
		{"parameters array", flowJSON(okStart, act("end", "DisconnectParticipant", `"Parameters":[]`)), KindFlow, []want{{"end", "Parameters must be an object, not an array"}}},
		{"transitions array", flowJSON(okStart, act("end", "DisconnectParticipant", `"Transitions":[]`)), KindFlow, []want{{"end", "Transitions must be an object, not an array"}}},

		// Transitions.
		{"next action unknown", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Transitions":{"NextAction":"xyz"}`), okEnd), KindFlow, []want{{"start", `action "start": Transitions.NextAction refers to unknown action "xyz"`}}},
		{"next action empty", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Transitions":{"NextAction":""}`), okEnd), KindFlow, []want{{"start", `Transitions.NextAction refers to unknown action ""`}}},
		{"next action not string", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Transitions":{"NextAction":1}`), okEnd), KindFlow, []want{{"start", "Transitions.NextAction must be a string, not a number"}}},
		{"next action wrong case", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Transitions":{"NextAction":"End"}`), okEnd), KindFlow, []want{{"start", `refers to unknown action "End"`}}},
		{"errors not array", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":{"NoMatchingError":"end"}}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors must be an array, not an object"}}},
		{"error entry not object", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":["end"]}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors[0] must be an object, not a string"}}},
		{"error type missing", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end"}]}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors[0].ErrorType is required"}}},
		{"error type empty", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":""}]}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors[0].ErrorType must not be empty"}}},
		{"error type not string", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":[{"NextAction":"end","ErrorType":null}]}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors[0].ErrorType must be a string, not null"}}},
		{"error next missing", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":[{"ErrorType":"NoMatchingError"}]}`), okEnd), KindFlow, []want{{"start", "Transitions.Errors[0].NextAction is required"}}},
		{"error next unknown", flowJSON(act("start", "InvokeLambdaFunction", `"Transitions":{"NextAction":"end","Errors":[{"ErrorType":"QueueAtCapacity","NextAction":"end"},{"ErrorType":"NoMatchingError","NextAction":"gone"}]}`), okEnd), KindFlow, []want{{"start", `action "start": Transitions.Errors[1].NextAction refers to unknown action "gone"`}}},
		{"conditions not array", flowJSON(act("start", "Compare", `"Transitions":{"NextAction":"end","Conditions":"x"}`), okEnd), KindFlow, []want{{"start", "Transitions.Conditions must be an array, not a string"}}},
		{"condition entry not object", flowJSON(act("start", "Compare", cond(`1`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0] must be an object, not a number"}}},
		{"condition missing", flowJSON(act("start", "Compare", cond(`{"NextAction":"end"}`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0].Condition is required"}}},
		{"condition not object", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":"Equals"}`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0].Condition must be an object, not a string"}}},
		{"operator missing", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operands":["1"]}}`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0].Condition.Operator is required"}}},
		{"operator unknown", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"GreaterThanOrEqualTo","Operands":["1"]}}`)), okEnd), KindFlow, []want{{"start", `Transitions.Conditions[0].Condition.Operator "GreaterThanOrEqualTo" is not a known operator`}}},
		{"operator not string", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":{},"Operands":["1"]}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operator must be a string, not an object"}}},
		{"operands missing", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals"}}`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0].Condition.Operands is required"}}},
		{"operands not array", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":"1"}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operands must be an array, not a string"}}},
		{"operands empty", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":[]}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operands must hold exactly one operand, not 0"}}},
		{"operands two", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["1","2"]}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operands must hold exactly one operand, not 2"}}},
		{"operand nested condition", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":[{"Operator":"Equals","Operands":["1"]}]}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operands[0] must be a string, not an object"}}},
		{"operand number", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"NumberLessThan","Operands":[5]}}`)), okEnd), KindFlow, []want{{"start", "Condition.Operands[0] must be a string, not a number"}}},
		{"condition next missing", flowJSON(act("start", "Compare", cond(`{"Condition":{"Operator":"Equals","Operands":["1"]}}`)), okEnd), KindFlow, []want{{"start", "Transitions.Conditions[0].NextAction is required"}}},
		{"condition next unknown", flowJSON(act("start", "Compare", cond(`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["1"]}},{"NextAction":"nowhere","Condition":{"Operator":"Equals","Operands":["2"]}}`)), okEnd), KindFlow, []want{{"start", `action "start": Transitions.Conditions[1].NextAction refers to unknown action "nowhere"`}}},

		// Parameter rules the service enforces.
		{"loop count over 100", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"101"},`+next), okEnd), KindFlow, []want{{"start", `Parameters.LoopCount "101" must be a whole number from 0 to 100, or a single reference`}}},
		{"loop count negative", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"-1"},`+next), okEnd), KindFlow, []want{{"start", `Parameters.LoopCount "-1"`}}},
		{"loop count not a number", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"three"},`+next), okEnd), KindFlow, []want{{"start", `Parameters.LoopCount "three"`}}},
		{"loop count fraction", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":2.5},`+next), okEnd), KindFlow, []want{{"start", `Parameters.LoopCount "2.5"`}}},
		{"loop count interpolated", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"1$.Attributes.n"},`+next), okEnd), KindFlow, []want{{"start", `Parameters.LoopCount "1$.Attributes.n"`}}},
		{"loop count boolean", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":true},`+next), okEnd), KindFlow, []want{{"start", "Parameters.LoopCount must be a string, not boolean"}}},
		{"message without prompt", flowJSON(act("start", "MessageParticipant", `"Parameters":{},`+next), okEnd), KindFlow, []want{{"start", "MessageParticipant needs exactly one of Text, SSML, PromptId or Media in Parameters; found none"}}},
		{"message without parameters", flowJSON(act("start", "MessageParticipant", next), okEnd), KindFlow, []want{{"start", "found none"}}},
		{"message with two prompts", flowJSON(act("start", "MessageParticipant", `"Parameters":{"Text":"Hi","SSML":"<speak>Hi</speak>"},`+next), okEnd), KindFlow, []want{{"start", "found Text and SSML"}}},
		{"message null prompt", flowJSON(act("start", "MessageParticipant", `"Parameters":{"Text":null},`+next), okEnd), KindFlow, []want{{"start", "found none"}}},

		// Several problems come back together, in document order.
		{"many problems in order", `{"Version":"1","StartAction":"a","Actions":[` +
			act("a", "Bogus", `"Transitions":{"NextAction":"zz"}`) + `,` +
			act("b:", "Compare", `"Transitions":{"Conditions":[{"NextAction":"a","Condition":{"Operator":"Is","Operands":["x"]}}]}`) + `,` +
			`{"Type":"DisconnectParticipant"}` + `,` +
			act("a", "DisconnectParticipant", "") + `]}`, KindFlow, []want{
			{"", `Version "1" is not supported`},
			{"a", `action "a": unknown action type "Bogus"`},
			{"a", `action "a": Transitions.NextAction refers to unknown action "zz"`},
			{"b:", `action "b:": Identifier contains forbidden character(s) ":"`},
			{"b:", `action "b:": Transitions.Conditions[0].Condition.Operator "Is" is not a known operator`},
			{"", "Actions[2]: Identifier is required"},
			{"a", `action "a": Identifier is not unique: Actions[0] has the same Identifier`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.content), tt.kind)
			if f != nil {
				t.Errorf("got a flow with an error")
			}
			assertProblems(t, err, tt.want)
		})
	}
}

func assertProblems(t *testing.T, err error, want []want) {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v (%T), want *InvalidError", err, err)
	}
	if len(inv.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(inv.Problems), len(want), formatProblems(inv.Problems))
	}
	for i, w := range want {
		p := inv.Problems[i]
		if p.ActionID != w.actionID {
			t.Errorf("problem %d: ActionID %q, want %q (%s)", i, p.ActionID, w.actionID, p.Message)
		}
		if !strings.Contains(p.Message, w.fragment) {
			t.Errorf("problem %d: message %q does not contain %q", i, p.Message, w.fragment)
		}
	}
}

func formatProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  [%q] %s\n", p.ActionID, p.Message)
	}
	return b.String()
}

func TestParseAccepts(t *testing.T) {
	next := `"Transitions":{"NextAction":"end"}`
	tests := []struct {
		name    string
		content string
		kind    Kind
	}{
		{"minimal", flowJSON(okStart, okEnd), KindFlow},
		{"single terminal action", `{"Version":"2019-10-30","StartAction":"end","Actions":[` + okEnd + `]}`, KindFlow},
		{"action order irrelevant", flowJSON(okEnd, okStart), KindFlow},
		{"unknown keys ignored", `{"Version":"2019-10-30","StartAction":"start","Extra":1,"Metadata":"not an object","Actions":[` +
			act("start", "UpdateFlowLoggingBehavior", `"Comment":"x",`+next) + `,` + okEnd + `]}`, KindFlow},
		{"null parameters and transitions", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Parameters":null,"Transitions":{"NextAction":"end","Errors":null,"Conditions":null}`), act("end", "DisconnectParticipant", `"Transitions":null`)), KindFlow},
		{"missing transitions", flowJSON(act("start", "UpdateFlowLoggingBehavior", next), act("end", "DisconnectParticipant", "")), KindFlow},
		{"empty errors and conditions", flowJSON(act("start", "UpdateFlowLoggingBehavior", `"Transitions":{"NextAction":"end","Errors":[],"Conditions":[]}`), okEnd), KindFlow},
		{"self loop", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"2"},"Transitions":{"Conditions":[{"NextAction":"start","Condition":{"Operator":"Equals","Operands":["ContinueLooping"]}},{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["DoneLooping"]}}]}`), okEnd), KindFlow},
		{"unreachable action", flowJSON(okStart, okEnd, act("orphan", "DisconnectParticipant", "")), KindFlow},
		{"identifier of 50 characters", `{"Version":"2019-10-30","StartAction":` + quote(strings.Repeat("ü", 50)) + `,"Actions":[` + act(strings.Repeat("ü", 50), "DisconnectParticipant", "") + `]}`, KindFlow},
		{"identifier with unicode and spaces", `{"Version":"2019-10-30","StartAction":"Play the 👋 greeting","Actions":[` + act("Play the 👋 greeting", "DisconnectParticipant", "") + `]}`, KindFlow},
		{"identifier with outer spaces", `{"Version":"2019-10-30","StartAction":" padded ","Actions":[` + act(" padded ", "DisconnectParticipant", "") + `]}`, KindFlow},
		{"identifier like a prototype name but not one", `{"Version":"2019-10-30","StartAction":"Constructor","Actions":[` + act("Constructor", "DisconnectParticipant", "") + `]}`, KindFlow},
		{"any error type", flowJSON(act("start", "GetCustomerProfile", `"Transitions":{"NextAction":"end","Errors":[{"ErrorType":"MultipleFoundError","NextAction":"end"},{"ErrorType":"SomethingNew","NextAction":"end"}]}`), okEnd), KindFlow},
		{"every operator", flowJSON(act("start", "Compare", `"Parameters":{"ComparisonValue":"$.Attributes.x"},"Transitions":{"NextAction":"end","Conditions":[`+
			`{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["a"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"TextStartsWith","Operands":["a"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"TextEndsWith","Operands":["a"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"TextContains","Operands":["#"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"NumberGreaterThan","Operands":["0"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"NumberGreaterOrEqualTo","Operands":["$.External.Retries"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"NumberLessThan","Operands":["31"]}},`+
			`{"NextAction":"end","Condition":{"Operator":"NumberLessOrEqualTo","Operands":["100"]}}]}`), okEnd), KindFlow},
		{"loop count bounds", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"0"},`+next), act("l100", "Loop", `"Parameters":{"LoopCount":"100"},`+next), act("n", "Loop", `"Parameters":{"LoopCount":7},`+next), okEnd), KindFlow},
		{"loop count reference", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"$.Attributes.surveySize"},`+next), okEnd), KindFlow},
		{"loop count malformed reference fails at run time", flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"$.Attributes. n"},`+next), okEnd), KindFlow},
		{"loop count absent", flowJSON(act("start", "Loop", `"Parameters":{},`+next), okEnd), KindFlow},
		{"message with each prompt kind", flowJSON(
			act("start", "MessageParticipant", `"Parameters":{"Text":"Hi $.Attributes.name"},`+next),
			act("s", "MessageParticipant", `"Parameters":{"SSML":"<speak>Hi</speak>","SkipWhenDTMFBufferEnabled":"false"},`+next),
			act("p", "MessageParticipant", `"Parameters":{"PromptId":"$.External.Prompt"},`+next),
			act("m", "MessageParticipant", `"Parameters":{"Media":{"Uri":"s3://b/k.wav","SourceType":"S3","MediaType":"Audio"}},`+next),
			okEnd), KindFlow},
		{"unknown parameters accepted", flowJSON(act("start", "InvokeLambdaFunction", `"Parameters":{"LambdaFunctionARN":"arn","InvocationTimeLimitSeconds":"99","Future":{"a":[1,true,null]}},`+next), okEnd), KindFlow},
		{"module action in a flow", flowJSON(act("start", "EndFlowModuleExecution", "")), KindFlow},
		{"flow with settings", `{"Version":"2019-10-30","StartAction":"end","Settings":"anything","Actions":[` + okEnd + `]}`, KindFlow},
		{"module without settings", `{"Version":"2019-10-30","StartAction":"end","Actions":[` + okEnd + `]}`, KindModule},
		{"module with null settings", `{"Version":"2019-10-30","StartAction":"end","Settings":null,"Actions":[` + okEnd + `]}`, KindModule},
		{"duplicate keys, last wins", `{"Version":"1","Version":"2019-10-30","StartAction":"end","Actions":[` + okEnd + `]}`, KindFlow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.content), tt.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkCompiled(t, f)
		})
	}
}

func TestParseDuplicateParameterKeys(t *testing.T) {
	// encoding/json keeps the last of repeated keys; the parsed tree agrees,
	// also past the size where duplicates are found with a map.
	var keys []string
	for i := range dedupeAt + 4 {
		keys = append(keys, fmt.Sprintf(`"k%d":"v%d"`, i, i))
	}
	keys = append(keys, `"k0":"last"`, `"k3":"$.Attributes.x"`)
	content := flowJSON(act("start", "UpdateContactAttributes", `"Parameters":{"Attributes":{`+strings.Join(keys, ",")+`},"TargetContact":"Current","TargetContact":"Related"},"Transitions":{"NextAction":"end"}`), okEnd)
	f, err := Parse([]byte(content), KindFlow)
	if err != nil {
		t.Fatal(err)
	}
	a := action(t, f, "start")
	attrs := param(t, &a.Params, "Attributes")
	if len(attrs.Fields) != dedupeAt+4 {
		t.Fatalf("%d fields, want %d", len(attrs.Fields), dedupeAt+4)
	}
	if attrs.Fields[0].Name != "k0" || attrs.Fields[0].Param.Value.String() != "last" {
		t.Errorf("first field %+v", attrs.Fields[0])
	}
	if attrs.Fields[3].Param.Value.Kind() != ValueReference {
		t.Errorf("k3 kind %v", attrs.Fields[3].Param.Value.Kind())
	}
	if v, _ := a.Params.ValueOf("TargetContact"); v.String() != "Related" || len(a.Params.Fields) != 2 {
		t.Errorf("TargetContact %q, %d fields", v, len(a.Params.Fields))
	}
}

func TestParseActionLimit(t *testing.T) {
	build := func(n int) string {
		actions := make([]string, n)
		for i := range actions {
			next := fmt.Sprintf(`"Transitions":{"NextAction":"a%d"}`, i+1)
			if i == n-1 {
				next = `"Transitions":{}`
			}
			actions[i] = act(fmt.Sprintf("a%d", i), "UpdateFlowLoggingBehavior", `"Parameters":{"FlowLoggingBehavior":"Enabled"},`+next)
		}
		return `{"Version":"2019-10-30","StartAction":"a0","Actions":[` + strings.Join(actions, ",") + `]}`
	}
	f, err := Parse([]byte(build(MaxActions)), KindFlow)
	if err != nil {
		t.Fatalf("%d actions: %v", MaxActions, err)
	}
	checkCompiled(t, f)
	if f.Actions[249].Next != -1 || f.Actions[0].Next != 1 {
		t.Errorf("chain not resolved")
	}
	_, err = Parse([]byte(build(MaxActions+1)), KindFlow)
	assertProblems(t, err, []want{{"", "Actions has 251 actions; the limit is 250"}})
}

func TestParseContentLength(t *testing.T) {
	// The limit counts characters: "é" is two bytes but one character.
	pad := func(total int) []byte {
		base := flowJSON(okStart, okEnd)
		base = strings.TrimSuffix(base, "}") + `,"Metadata":{"pad":"`
		n := total - len([]rune(base)) - len(`"}}`)
		return []byte(base + strings.Repeat("é", n) + `"}}`)
	}
	exact := pad(MaxContentLength)
	if got := len([]rune(string(exact))); got != MaxContentLength || len(exact) <= MaxContentLength {
		t.Fatalf("fixture has %d characters in %d bytes", got, len(exact))
	}
	if _, err := Parse(exact, KindFlow); err != nil {
		t.Fatalf("%d characters: %v", MaxContentLength, err)
	}
	_, err := Parse(pad(MaxContentLength+1), KindFlow)
	assertProblems(t, err, []want{{"", "content is 256001 characters long; the limit is 256000"}})
}

func TestParseCapsProblems(t *testing.T) {
	actions := []string{okStart, okEnd}
	for i := range 60 {
		actions = append(actions, act(fmt.Sprintf("bad%d", i), "Nope", ""))
	}
	_, err := Parse([]byte(flowJSON(actions...)), KindFlow)
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v", err)
	}
	if len(inv.Problems) != MaxProblems {
		t.Fatalf("%d problems, want %d", len(inv.Problems), MaxProblems)
	}
	if inv.Problems[0].ActionID != "bad0" || inv.Problems[49].ActionID != "bad49" {
		t.Errorf("problems not the first 50 in document order: %q .. %q", inv.Problems[0].ActionID, inv.Problems[49].ActionID)
	}
}

func TestParseDeterministic(t *testing.T) {
	content := []byte(`{"Version":"x","StartAction":"q","Actions":[` +
		act("a", "Nope", `"Transitions":{"NextAction":"m","Errors":[{"NextAction":"n"},{"ErrorType":"E","NextAction":"o"}]}`) + `,` +
		act("b", "Nope2", `"Transitions":{"Conditions":[{"NextAction":"p"},{"NextAction":"q","Condition":{}}]}`) + `]}`)
	_, first := Parse(content, KindFlow)
	if first == nil {
		t.Fatal("no error")
	}
	for range 20 {
		_, again := Parse(content, KindFlow)
		if again == nil || first.Error() != again.Error() {
			t.Fatalf("problems differ between runs:\n%v\n%v", first, again)
		}
	}
}

func TestInvalidErrorMessage(t *testing.T) {
	one := &InvalidError{Problems: []Problem{{Message: "Version is required"}}}
	if got, want := one.Error(), "invalid flow content: Version is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	two := &InvalidError{Problems: []Problem{{Message: "a"}, {Message: `action "x": b`, ActionID: "x"}}}
	if got, want := two.Error(), `invalid flow content (2 problems): a; action "x": b`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestActionTypeNames(t *testing.T) {
	for typ := typeUnknown + 1; typ < numActionTypes; typ++ {
		name := typ.String()
		if name == "" {
			t.Errorf("type %d has no name", typ)
			continue
		}
		if got, ok := LookupActionType(name); !ok || got != typ {
			t.Errorf("LookupActionType(%q) = %v, %v", name, got, ok)
		}
	}
	// §4.5: names that are not 2019-10-30 action types.
	for name := range legacyTypes {
		if _, ok := LookupActionType(name); ok {
			t.Errorf("legacy name %q accepted as an action type", name)
		}
	}
	if _, ok := LookupActionType("ExternalTool"); ok {
		t.Errorf("unexported block accepted")
	}
}

func TestOperatorNames(t *testing.T) {
	for op := opUnknown + 1; op < numOperators; op++ {
		if got, ok := LookupOperator(op.String()); !ok || got != op {
			t.Errorf("LookupOperator(%q) = %v, %v", op.String(), got, ok)
		}
	}
	for _, name := range []string{"equals", "GreaterThanOrEqualTo", "StartsWith", ""} {
		if _, ok := LookupOperator(name); ok {
			t.Errorf("LookupOperator(%q) succeeded", name)
		}
	}
}

func TestFlowLookupMissing(t *testing.T) {
	f, err := Parse([]byte(flowJSON(okStart, okEnd)), KindFlow)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := f.Action("nope"); ok || a != nil {
		t.Errorf("Action(nope) = %v, %v", a, ok)
	}
	if i, ok := f.IndexOf("nope"); ok {
		t.Errorf("IndexOf(nope) = %d", i)
	}
	if _, ok := f.Action(defaultID); !ok {
		t.Errorf("Action(start) missing")
	}
}

func TestErrorTarget(t *testing.T) {
	a := Action{Errors: []ErrorBranch{
		{ErrorType: "InputTimeLimitExceeded", Next: 1},
		{ErrorType: ErrNoMatchingError, Next: 2},
		{ErrorType: "InputTimeLimitExceeded", Next: 3},
		{ErrorType: ErrNoMatchingCondition, Next: 4},
	}}
	tests := map[string]int{
		"InputTimeLimitExceeded": 1, // the first entry of a type wins
		ErrNoMatchingCondition:   4,
		"QueueAtCapacity":        2, // falls back to NoMatchingError
		ErrNoMatchingError:       2,
	}
	for typ, want := range tests {
		if got := a.ErrorTarget(typ); got != want {
			t.Errorf("ErrorTarget(%q) = %d, want %d", typ, got, want)
		}
	}
	if got := (&Action{Errors: []ErrorBranch{{ErrorType: "X", Next: 0}}}).ErrorTarget("Y"); got != -1 {
		t.Errorf("unhandled error target %d, want -1", got)
	}
}

// TestProblemKinds: the problems tools sort by kind carry it, so that
// hotline lint never reads the wording.
func TestProblemKinds(t *testing.T) {
	tests := []struct {
		name, content string
		want          ProblemKind
	}{
		{"unknown type", flowJSON(act("start", "PlayPrompt", `"Transitions":{"NextAction":"end"}`), okEnd), ProblemUnknownActionType},
		{"dangling NextAction", flowJSON(act("start", "DisconnectParticipant", `"Transitions":{"NextAction":"nowhere"}`), okEnd), ProblemDanglingTarget},
		{"dangling StartAction", `{"Version":"2019-10-30","StartAction":"nowhere","Actions":[` + okEnd + `]}`, ProblemDanglingTarget},
		{"anything else", `{"Version":"2019-10-31","StartAction":"end","Actions":[` + okEnd + `]}`, ProblemInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.content), KindFlow)
			var invalid *InvalidError
			if !errors.As(err, &invalid) || len(invalid.Problems) == 0 {
				t.Fatalf("Parse: %v", err)
			}
			if got := invalid.Problems[0].Kind; got != tt.want {
				t.Errorf("kind %d, want %d (%s)", got, tt.want, invalid.Problems[0].Message)
			}
		})
	}
}
