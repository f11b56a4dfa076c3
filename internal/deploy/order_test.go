package deploy

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Template {
	t.Helper()
	tmpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestDependencies(t *testing.T) {
	tmpl := mustParse(t, `
Parameters:
  p: {Type: String}
Resources:
  rHours: {Type: AWS::Connect::HoursOfOperation}
  rQueue:
    Type: AWS::Connect::Queue
    Properties: {HoursOfOperationArn: !Ref rHours, InstanceArn: !Ref p, Name: !Ref "AWS::StackName"}
  rModule: {Type: AWS::Connect::ContactFlowModule}
  rFn: {Type: AWS::Serverless::Function}
  rFlow:
    Type: AWS::Connect::ContactFlow
    DependsOn: rHours
    Properties:
      Content: !Sub
        - '{"q": "${rQueue}", "m": "${rModule.ContactFlowModuleArn}", "f": "${iFn}", "lit": "${!rHours}", "p": "${p}"}'
        - iFn: !GetAtt [rFn, Arn]
      Description: !Join ["", [!Ref "AWS::NoValue"]]
  rMain:
    Type: AWS::Connect::ContactFlow
    Properties:
      Content: !Sub "${rFlow}"
      Name: !If [C, !GetAtt rModule.ContactFlowModuleArn, x]
`)
	deps, err := dependencies(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"rHours":  nil,
		"rQueue":  {"rHours"},
		"rModule": nil,
		"rFn":     nil,
		"rFlow":   {"rFn", "rHours", "rModule", "rQueue"},
		"rMain":   {"rFlow", "rModule"},
	}
	for id, w := range want {
		if got := deps[id]; len(got) != len(w) || len(w) > 0 && !reflect.DeepEqual(got, w) {
			t.Errorf("%s depends on %v, want %v", id, got, w)
		}
	}
}

func TestDependencyErrors(t *testing.T) {
	for _, c := range []struct{ name, resources, want string }{
		{"unknown Ref", `rA: {Type: X, Properties: {P: !Ref rNope}}`, "Ref: rNope names no parameter, pseudo parameter or resource"},
		{"unknown GetAtt", `rA: {Type: X, Properties: {P: !GetAtt rNope.Arn}}`, `"rNope" is not a resource of the template`},
		{"unknown Sub name", `rA: {Type: X, Properties: {P: !Sub "${nope}"}}`, "nope names no parameter"},
		{"unknown Sub attribute", `rA: {Type: X, Properties: {P: !Sub "${rNope.Arn}"}}`, "rNope is not a resource"},
		{"unknown DependsOn", `rA: {Type: X, DependsOn: rNope}`, "Resources.rA.DependsOn: rNope is not a resource"},
		{"self reference", `rA: {Type: X, Properties: {P: !Ref rA}}`, "Resources.rA refers to itself"},
		{"parameter and resource", `p: {Type: X}`, "p is both a parameter and a resource"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmpl := mustParse(t, "Parameters: {p: {Type: String}}\nResources:\n  "+c.resources+"\n")
			if _, err := dependencies(tmpl); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	rank := map[string]int{"fn": 1, "hours": 4, "queue": 6, "flowA": 8, "flowB": 8, "module": 7, "role": 0}
	for _, c := range []struct {
		name string
		deps map[string][]string
		want []string
	}{
		{"independent: by rank, then id", map[string][]string{"flowB": nil, "flowA": nil, "queue": nil, "fn": nil, "role": nil},
			[]string{"role", "fn", "queue", "flowA", "flowB"}},
		{"dependencies beat rank", map[string][]string{"fn": {"flowA"}, "flowA": {"queue"}, "queue": {"hours"}, "hours": nil},
			[]string{"hours", "queue", "flowA", "fn"}},
		{"diamond", map[string][]string{"flowB": {"module", "queue"}, "module": {"hours"}, "queue": {"hours"}, "hours": nil},
			[]string{"hours", "queue", "module", "flowB"}},
		{"empty", map[string][]string{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := order(c.deps, func(id string) int { return rank[id] })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestOrderCycle(t *testing.T) {
	deps := map[string][]string{
		"hours": nil,
		"flowA": {"hours", "flowB"},
		"flowB": {"flowC"},
		"flowC": {"flowA"},
		"queue": {"flowC"}, // waits on the cycle without being in it
	}
	_, err := order(deps, func(string) int { return 0 })
	if err == nil {
		t.Fatal("a cycle was ordered")
	}
	if want := "flowA → flowB → flowC → flowA"; !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want the cycle %s", err, want)
	}
	// Through a template: two flows that name each other.
	tmpl := mustParse(t, `
Resources:
  rA: {Type: AWS::Connect::ContactFlow, Properties: {Content: !Sub "${rB}"}}
  rB: {Type: AWS::Connect::ContactFlow, Properties: {Content: !GetAtt rA.ContactFlowArn}}
`)
	d, err := dependencies(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := order(d, func(string) int { return 0 }); err == nil || !strings.Contains(err.Error(), "rA → rB → rA") {
		t.Errorf("got %v, want the cycle rA → rB → rA", err)
	}
}
