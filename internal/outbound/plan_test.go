package outbound_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/outbound"
)

func TestParsePlan(t *testing.T) {
	p, err := outbound.ParsePlan("+4420=busy, +1555=answer/3s/20s,+1800=machine/2.5")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 3 {
		t.Fatalf("rules %+v", p.Rules)
	}
	r := p.Rules[1]
	if r.Prefix != "+1555" || r.Result != outbound.Answer || time.Duration(r.Ring) != 3*time.Second || time.Duration(r.Customer.HangupAfter) != 20*time.Second {
		t.Fatalf("+1555=answer/3s/20s read as %+v", r)
	}
	if time.Duration(p.Rules[2].Ring) != 2500*time.Millisecond {
		t.Fatalf("a bare number of seconds read as %v", p.Rules[2].Ring)
	}

	file := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(file, []byte(`{"rules":[{"prefix":"+1","result":"answer","customer":{"presses":["1","hangup"]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = outbound.ParsePlan("@" + file)
	if err != nil || len(p.Rules) != 1 || len(p.Rules[0].Customer.Presses) != 2 {
		t.Fatalf("@file: %+v, %v", p, err)
	}

	for spec, why := range map[string]string{
		"+44=hold":                 "hold",
		"44=busy":                  "prefix",
		"+44":                      "PREFIX=RESULT",
		"+44=answer/soon":          "soon",
		"+44=answer/1s/2s/3s":      "at most",
		"@/no/such/file":           "no such file",
		"+44=answer/-1s":           "negative",
		"+1=answer,+44=no-answers": "no-answers",
		"+44=answer/3s/-1s":        "negative",
		// Found by FuzzParsePlan: a number of seconds too large for a
		// Duration, NaN and Inf wrapped round to a negative time.
		"+44=answer/1e10": "1e10\" seconds is longer than any call",
		"+44=answer/NaN":  "NaN",
		"+44=answer/Inf":  "Inf",
	} {
		if p, err := outbound.ParsePlan(spec); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want an error about %q", spec, err, why)
		} else if len(p.Rules) != 0 {
			t.Errorf("%q: rejected with a partly read plan %+v", spec, p)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"rules":[{"prefix":"+1","result":"answer","customer":{"pressed":["1"]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.ParsePlan("@" + bad); err == nil || !strings.Contains(err.Error(), "pressed") {
		t.Errorf("a misspelt field in a plan file: %v", err)
	}
	// Found by FuzzParsePlanFile: what followed the document was dropped.
	two := filepath.Join(t.TempDir(), "two.json")
	if err := os.WriteFile(two, []byte(`{"rules":[{"prefix":"+1","result":"busy"}]} {"rules":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.ParsePlan("@" + two); err == nil || !strings.Contains(err.Error(), "follows the JSON document") {
		t.Errorf("a second document in a plan file: %v", err)
	}
	if _, err := outbound.ParsePlan(`@` + file + `x`); err == nil {
		t.Error("a missing plan file was accepted")
	}
}

func TestSettingsAreChecked(t *testing.T) {
	for _, s := range []outbound.Settings{
		{Destinations: []string{"+1", "44"}},
		{Destinations: []string{"!"}},
		{NumberPlan: outbound.Plan{Rules: []outbound.Rule{{Prefix: "+1", Result: "ring"}}}},
		{NumberPlan: outbound.Plan{Rules: []outbound.Rule{{Prefix: "+1", Result: "answer"}}}}, // valid: the control
	} {
		_, err := outbound.New(outbound.Config{Settings: s}, nil, clock.Real{}, nil)
		valid := len(s.NumberPlan.Rules) == 1 && s.NumberPlan.Rules[0].Result == "answer"
		if (err == nil) != valid {
			t.Errorf("settings %+v: %v", s, err)
		}
	}
}
