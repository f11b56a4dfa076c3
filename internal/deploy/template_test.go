package deploy

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseValue parses a template whose one resource has the property Value
// written as yaml, and returns that property.
func parseValue(t *testing.T, yaml string) any {
	t.Helper()
	tmpl, err := ParseTemplate([]byte("Resources:\n  R:\n    Type: Test::Thing\n    Properties:\n      Value: " + yaml + "\n"))
	if err != nil {
		t.Fatalf("%s: %v", yaml, err)
	}
	return tmpl.Resources["R"].Properties["Value"]
}

func TestShortFormsBecomeLongForms(t *testing.T) {
	for _, c := range []struct {
		yaml string
		want any
	}{
		{`!Ref pName`, map[string]any{"Ref": "pName"}},
		{`!GetAtt rFlow.ContactFlowArn`, map[string]any{"Fn::GetAtt": []any{"rFlow", "ContactFlowArn"}}},
		{`!GetAtt rTable.StreamSpecification.StreamArn`, map[string]any{"Fn::GetAtt": []any{"rTable", "StreamSpecification.StreamArn"}}},
		{`!GetAtt [rFlow, ContactFlowArn]`, map[string]any{"Fn::GetAtt": []any{"rFlow", "ContactFlowArn"}}},
		{`!Sub "${AWS::StackName}-x"`, map[string]any{"Fn::Sub": "${AWS::StackName}-x"}},
		{`!Sub ["${a}", {a: !Ref pName}]`, map[string]any{"Fn::Sub": []any{"${a}", map[string]any{"a": map[string]any{"Ref": "pName"}}}}},
		{`!Join [",", [a, !Ref pName]]`, map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Ref": "pName"}}}}},
		{`!Select [0, !Split [",", "a,b"]]`, map[string]any{"Fn::Select": []any{json.Number("0"), map[string]any{"Fn::Split": []any{",", "a,b"}}}}},
		{`!If [IsLive, a, !Ref "AWS::NoValue"]`, map[string]any{"Fn::If": []any{"IsLive", "a", map[string]any{"Ref": "AWS::NoValue"}}}},
		{`!Base64 text`, map[string]any{"Fn::Base64": "text"}},
		{`!ImportValue shared`, map[string]any{"Fn::ImportValue": "shared"}},
		{`!Condition IsLive`, map[string]any{"Condition": "IsLive"}},
		{`{"Fn::Sub": "long"}`, map[string]any{"Fn::Sub": "long"}},
		{`25`, json.Number("25")},
		{`0x10`, json.Number("16")},
		{`2.50`, json.Number("2.5")},
		{`true`, true},
		{`"+44"`, "+44"},
		{`~`, nil},
	} {
		if got := parseValue(t, c.yaml); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got %#v\nwant %#v", c.yaml, got, c.want)
		}
	}
}

func TestParseTemplateSections(t *testing.T) {
	tmpl, err := ParseTemplate([]byte(`
AWSTemplateFormatVersion: "2010-09-09"
Description: A test
Transform: AWS::Serverless-2016-10-31
Globals: {Function: {Timeout: 3}}
Metadata: {x: y}
Parameters:
  pA: {Type: String, Default: a, AllowedValues: [a, b]}
  pB: {Type: Number, AllowedPattern: "[0-9]+"}
Mappings:
  M: {k: {v: w}}
Conditions:
  C: !Equals [!Ref pA, a]
Resources:
  rOne:
    Type: AWS::Connect::Queue
    Condition: C
    DependsOn: rTwo
    DeletionPolicy: Retain
    Properties: {Name: q}
  rTwo:
    Type: AWS::Connect::HoursOfOperation
    DependsOn: [rOne]
Outputs:
  oA:
    Description: out
    Value: !Ref rOne
    Condition: C
    Export: {Name: !Sub "${AWS::StackName}-oA"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Description != "A test" || !reflect.DeepEqual(tmpl.Transforms, []string{serverlessTransform}) ||
		!reflect.DeepEqual(tmpl.Ignored, []string{"Globals", "Metadata"}) {
		t.Errorf("header: %q %v %v", tmpl.Description, tmpl.Transforms, tmpl.Ignored)
	}
	pa, pb := tmpl.Parameters["pA"], tmpl.Parameters["pB"]
	if pa.Type != "String" || !pa.HasDefault || pa.Default != "a" || !reflect.DeepEqual(pa.AllowedValues, []string{"a", "b"}) {
		t.Errorf("pA %+v", pa)
	}
	if pb.HasDefault || pb.AllowedPattern != "[0-9]+" {
		t.Errorf("pB %+v", pb)
	}
	one, two := tmpl.Resources["rOne"], tmpl.Resources["rTwo"]
	if one.Condition != "C" || !reflect.DeepEqual(one.DependsOn, []string{"rTwo"}) || one.Properties["Name"] != "q" {
		t.Errorf("rOne %+v", one)
	}
	if !reflect.DeepEqual(two.DependsOn, []string{"rOne"}) || len(two.Properties) != 0 {
		t.Errorf("rTwo %+v", two)
	}
	o := tmpl.Outputs["oA"]
	if o.Description != "out" || o.Condition != "C" || !reflect.DeepEqual(o.ExportName, map[string]any{"Fn::Sub": "${AWS::StackName}-oA"}) {
		t.Errorf("oA %+v", o)
	}
}

// The JSON form of the test journey parses to the same template as its
// YAML form: short forms and long forms are one thing.
func TestJSONTemplateEqualsYAML(t *testing.T) {
	y, err := os.ReadFile("testdata/journey.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := ParseTemplate(y)
	if err != nil {
		t.Fatal(err)
	}
	j, err := os.ReadFile("testdata/journey.json")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseTemplate(j)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		a, _ := json.MarshalIndent(fromYAML, "", " ")
		b, _ := json.MarshalIndent(fromJSON, "", " ")
		t.Errorf("YAML and JSON differ:\n%s\n---\n%s", a, b)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"not YAML", "Resources: [", "not valid YAML"},
		{"not JSON", `{"Resources": `, "not valid JSON"},
		{"empty", "", "empty"},
		{"a list", "- a\n- b\n", "mapping of sections"},
		{"no resources", "Parameters: {}\n", "no Resources"},
		{"unknown section", "Resource: {}\n", `unknown top-level section "Resource"`},
		{"other transform", "Transform: AWS::Include\nResources: {R: {Type: X}}\n", "the transform AWS::Include is not supported"},
		{"duplicate key", "Resources:\n  R: {Type: X}\n  R: {Type: Y}\n", `duplicate key "R"`},
		{"merge key", "Resources:\n  R:\n    <<: {Type: X}\n", "merge keys"},
		{"alias", "Resources:\n  R: &t {Type: X}\n  S: *t\n", "line 3: YAML aliases (*t) are not accepted"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
			"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n" +
			"Resources: {R: {Type: X, Properties: {A: *h}}}\n", "YAML aliases"},
		{"resource without type", "Resources:\n  R: {Properties: {}}\n", "Resources.R has no Type"},
		{"bad logical id", "Resources:\n  my-queue: {Type: X}\n", "alphanumeric"},
		{"unknown attribute", "Resources:\n  R: {Type: X, Propertes: {}}\n", `unknown resource attribute "Propertes"`},
		{"parameter without type", "Parameters: {p: {Default: x}}\nResources: {R: {Type: X}}\n", "Parameters.p has no Type"},
		{"output without value", "Resources: {R: {Type: X}}\nOutputs: {o: {Description: d}}\n", "Outputs.o has no Value"},
		{"GetAtt without dot", "Resources:\n  R: {Type: X, Properties: {A: !GetAtt R}}\n", "must be Resource.Attribute"},
		{"infinite number", "Resources:\n  R: {Type: X, Properties: {A: .inf}}\n", "not a number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}
