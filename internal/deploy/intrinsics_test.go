package deploy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// fakeResources answers Ref and Fn::GetAtt from a table.
type fakeResources map[string]map[string]any

func (f fakeResources) ref(id string) (any, error) { return f.getAtt(id, "Ref") }

func (f fakeResources) getAtt(id, attr string) (any, error) {
	v, ok := f[id][attr]
	if !ok {
		return nil, fmt.Errorf("has no attribute %s", attr)
	}
	return v, nil
}

const resolverTemplate = `
Parameters:
  pName: {Type: String, Default: sales}
  pList: {Type: CommaDelimitedList, Default: "a,b,c"}
  pEnv: {Type: String, Default: test}
  pNumber: {Type: Number, Default: 7}
Mappings:
  Zones:
    test: {TimeZone: Europe/London, Names: [x, y]}
Conditions:
  IsTest: !Equals [!Ref pEnv, test]
  IsLive: !Not [!Condition IsTest]
  Both: !And [!Condition IsTest, !Equals [a, a]]
  Either: !Or [!Condition IsLive, !Equals [!Ref pName, sales]]
  Loop1: !Condition Loop2
  Loop2: !Condition Loop1
  Bad: !Ref pEnv
Resources:
  rQueue: {Type: AWS::Connect::Queue}
  rFlow: {Type: AWS::Connect::ContactFlow}
`

func newTestResolver(t *testing.T) *resolver {
	t.Helper()
	tmpl, err := ParseTemplate([]byte(resolverTemplate))
	if err != nil {
		t.Fatal(err)
	}
	params, missing, err := parameterValues(tmpl, nil)
	if err != nil || len(missing) > 0 {
		t.Fatalf("parameters: %v, missing %v", err, missing)
	}
	pseudo := map[string]any{"AWS::Region": "eu-west-2", "AWS::StackName": "st", "AWS::AccountId": "123456789012", "AWS::NotificationARNs": []any{}}
	return newResolver(tmpl, params, pseudo, fakeResources{
		"rQueue": {"Ref": "arn:q", "QueueArn": "arn:q"},
		"rFlow":  {"Ref": "arn:f", "ContactFlowArn": "arn:f"},
	})
}

// resolveYAML resolves the value written as yaml.
func resolveYAML(t *testing.T, r *resolver, yaml string) (any, error) {
	t.Helper()
	return r.resolve(parseValue(t, yaml), "Value")
}

func TestResolve(t *testing.T) {
	r := newTestResolver(t)
	for _, c := range []struct {
		yaml string
		want any
	}{
		// Ref: parameters, list parameters, pseudo parameters, resources.
		{`!Ref pName`, "sales"},
		{`!Ref pNumber`, "7"},
		{`!Ref pList`, []any{"a", "b", "c"}},
		{`!Ref AWS::Region`, "eu-west-2"},
		{`!Ref rQueue`, "arn:q"},
		{`{Ref: rFlow}`, "arn:f"},
		// AWS::NoValue removes the property or element holding it.
		{`!Ref AWS::NoValue`, noValue{}},
		{`{a: 1, b: !Ref AWS::NoValue}`, map[string]any{"a": json.Number("1")}},
		{`[a, !Ref AWS::NoValue, b]`, []any{"a", "b"}},
		// Fn::GetAtt in its forms, the attribute name itself resolved.
		{`!GetAtt rFlow.ContactFlowArn`, "arn:f"},
		{`{"Fn::GetAtt": [rQueue, QueueArn]}`, "arn:q"},
		{`{"Fn::GetAtt": "rQueue.QueueArn"}`, "arn:q"},
		{`!GetAtt [rQueue, !Join ["", [Queue, Arn]]]`, "arn:q"},
		// Fn::Sub: names, pseudo names, resources, attributes, literals.
		{`!Sub "${pName}-${AWS::StackName}"`, "sales-st"},
		{`!Sub "flow ${rFlow} queue ${rQueue.QueueArn}"`, "flow arn:f queue arn:q"},
		{`!Sub "keep ${!Literal} and $.External.X"`, "keep ${Literal} and $.External.X"},
		{`!Sub "${ pName }"`, "sales"},
		{`!Sub "no placeholders"`, "no placeholders"},
		{`!Sub "${pNumber}"`, "7"},
		{`!Sub ["${a}/${pName}/${rFlow}", {a: !GetAtt rQueue.QueueArn, pName: overridden}]`, "arn:q/overridden/arn:f"},
		{`!Sub ["${x}", {x: !Join ["-", !Ref pList]}]`, "a-b-c"},
		// Fn::Join, Fn::Select, Fn::Split, nested.
		{`!Join [", ", [a, !Ref pName, 3, true]]`, "a, sales, 3, true"},
		{`!Join ["", []]`, ""},
		{`!Select [1, !Ref pList]`, "b"},
		{`!Select ["2", [x, y, z]]`, "z"},
		{`!Select [0, !Split ["/", !Sub "${rFlow}/tail"]]`, "arn:f"},
		{`!Split [",", "a,,b"]`, []any{"a", "", "b"}},
		{`!Join ["|", !Split [",", !Join [",", !Ref pList]]]`, "a|b|c"},
		// Fn::FindInMap, Fn::Base64.
		{`!FindInMap [Zones, !Ref pEnv, TimeZone]`, "Europe/London"},
		{`!Select [1, !FindInMap [Zones, test, Names]]`, "y"},
		{`!Base64 hello`, "aGVsbG8="},
		// Conditions through Fn::If.
		{`!If [IsTest, yes, no]`, "yes"},
		{`!If [IsLive, yes, no]`, "no"},
		{`!If [Both, !Ref pName, no]`, "sales"},
		{`!If [Either, yes, no]`, "yes"},
		{`{a: !If [IsLive, x, !Ref AWS::NoValue], b: c}`, map[string]any{"b": "c"}},
		// Lists and maps of intrinsics, and plain values, pass through.
		{`{Name: !Ref pName, Tags: [{Key: k, Value: !Ref pEnv}]}`, map[string]any{"Name": "sales", "Tags": []any{map[string]any{"Key": "k", "Value": "test"}}}},
		{`plain`, "plain"},
		{`{Condition: {StringEquals: {a: b}}}`, map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"a": "b"}}}},
	} {
		got, err := resolveYAML(t, r, c.yaml)
		if err != nil {
			t.Errorf("%s: %v", c.yaml, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got %#v\nwant %#v", c.yaml, got, c.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	r := newTestResolver(t)
	for _, c := range []struct{ yaml, want string }{
		{`!Ref pMissing`, "Value: Ref pMissing: names no parameter or resource"},
		{`!Ref AWS::Nonsense`, "is not a pseudo parameter hotline deploy knows"},
		{`!Ref [a]`, "Ref takes a name"},
		{`!GetAtt rNothing.Arn`, "rNothing is not a resource of the template"},
		{`!GetAtt rQueue.Nonsense`, "has no attribute Nonsense"},
		{`!GetAtt [rQueue]`, "takes [Resource, Attribute]"},
		{`!Sub "${pMissing}"`, "${pMissing} names no parameter or resource"},
		{`!Sub "${rNothing.Arn}"`, "rNothing is not a resource of the template"},
		{`!Sub "${pList}"`, "${pList}: expected a string, got a list"},
		{`!Sub "${pName"`, "has no closing }"},
		{`!Sub "${}"`, "empty ${}"},
		{`!Sub [a, b, c]`, "takes a string or [string, {variables}]"},
		{`!Sub [a, [b]]`, "the second element must map variable names to values"},
		{`!Join [",", a]`, "expected a list, got a string"},
		{`!Join [",", [[a]]]`, "value 0: expected a string, got a list"},
		{`!Join [[x], [a]]`, "the delimiter must be a string"},
		{`!Select [3, [a, b]]`, "index 3 is out of range for a list of 2"},
		{`!Select [x, [a, b]]`, `index "x" is not a whole number`},
		{`!Select [-1, [a]]`, "out of range"},
		{`!Split ["", abc]`, "the delimiter must be a non-empty string"},
		{`!FindInMap [Zones, live, TimeZone]`, `mapping Zones has no key "live"`},
		{`!FindInMap [Nope, a, b]`, `no mapping "Nope"`},
		{`!FindInMap [Zones, test, Nope]`, `has no key "Nope"`},
		{`!If [Missing, a, b]`, `no condition "Missing"`},
		{`!If [Loop1, a, b]`, "refers to itself"},
		{`!If [Bad, a, b]`, "Conditions.Bad: Ref is not a condition function"},
		{`!If [IsTest, a]`, "takes [ConditionName, valueIfTrue, valueIfFalse]"},
		{`!Equals [a, a]`, "is a condition function"},
		{`!ImportValue shared-stack-output`, "Fn::ImportValue is not supported by hotline deploy"},
		{`!GetAZs ""`, "Fn::GetAZs is not supported by hotline deploy"},
		{`!Cidr [10.0.0.0/16, 2, 8]`, "Fn::Cidr is not supported by hotline deploy"},
		{`{"Fn::Transform": {Name: AWS::Include}}`, "Fn::Transform is not supported by hotline deploy"},
		{`{Ref: pName, Other: x}`, "Ref must be the only key of its mapping"},
		{`!Sub ["${x}", {x: !ImportValue y}]`, "Fn::ImportValue is not supported"},
	} {
		_, err := resolveYAML(t, r, c.yaml)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.yaml, err, c.want)
		}
	}
}

func TestExpandSubNames(t *testing.T) {
	got := subNames("${a} ${!b} ${ c.d } ${AWS::Region} $.x ${e}")
	if want := []string{"a", "c.d", "AWS::Region", "e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParameterValues(t *testing.T) {
	tmpl, err := ParseTemplate([]byte(`
Parameters:
  pStr: {Type: String, Default: a, AllowedValues: [a, b]}
  pPat: {Type: String, Default: abc, AllowedPattern: "[a-z]+"}
  pNum: {Type: Number, Default: 3}
  pList: {Type: "List<Number>", Default: "1, 2"}
  pListDefault: {Type: CommaDelimitedList, Default: [x, y]}
  pKey: {Type: "AWS::EC2::KeyPair::KeyName", Default: k}
  pRequired: {Type: String}
Resources: {R: {Type: X}}
`))
	if err != nil {
		t.Fatal(err)
	}
	vals, missing, err := parameterValues(tmpl, map[string]string{"pStr": "b"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"pStr": "b", "pPat": "abc", "pNum": "3", "pList": []any{"1", "2"}, "pListDefault": []any{"x", "y"}, "pKey": "k"}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("got %#v\nwant %#v", vals, want)
	}
	if !reflect.DeepEqual(missing, []string{"pRequired"}) {
		t.Errorf("missing %v", missing)
	}
	for _, c := range []struct {
		given map[string]string
		want  string
	}{
		{map[string]string{"pStr": "c"}, `"c" is not one of its AllowedValues (a, b)`},
		{map[string]string{"pPat": "abc1"}, "does not match its AllowedPattern"},
		{map[string]string{"pPat": "xabcx!"}, "does not match"},
		{map[string]string{"pNum": "three"}, `"three" is not a number`},
		{map[string]string{"pList": "1,x"}, `"x" is not a number`},
		{map[string]string{"pTypo": "x"}, "the template has no parameter pTypo"},
	} {
		if _, _, err := parameterValues(tmpl, c.given); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.given, err, c.want)
		}
	}
	ssm, err := ParseTemplate([]byte("Parameters: {p: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}}\nResources: {R: {Type: X}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := parameterValues(ssm, nil); err == nil || !strings.Contains(err.Error(), "not supported by hotline deploy") {
		t.Errorf("an SSM parameter: %v", err)
	}
}
