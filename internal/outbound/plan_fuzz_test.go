package outbound_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/outbound"
)

// FuzzParsePlan fuzzes the short form of --number-plan,
// PREFIX=RESULT[/RING[/HANGUP]][,...]. The @FILE form is FuzzParsePlanFile's.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		// TestParsePlan's.
		"+4420=busy, +1555=answer/3s/20s,+1800=machine/2.5",
		"+44=hold", "44=busy", "+44", "+44=answer/soon", "+44=answer/1s/2s/3s",
		"+44=answer/-1s", "+1=answer,+44=no-answers",
		// The other tests'.
		"+1555=answer/50ms/300ms",
		// Edge cases.
		"", " ", ",", "=answer", "+=busy", "+1=answer,", "+1 = answer / 3s / 20s",
		"+1234567890123456=fail", "+12345678901234567=fail",
		"+1=invalid/0", "+1=answer/0/0", "+1=answer//5s", "+1=answer/1e-10",
		"+1=answer/1e10", "+1=answer/9.3e9", "+1=answer/NaN", "+1=answer/Inf", "+1=answer/-0",
		"+1=answer/3s/-1s", "+1=answer/2562047h", "+1=answer/2562048h", "+1=answer/0x10",
		"+1=busy=busy", "+1=machine/3s/1m,+1=busy",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasPrefix(strings.TrimSpace(s), "@") {
			t.Skip("@FILE would read whatever file the input names")
		}
		p, err := outbound.ParsePlan(s)

		// Deterministic.
		p2, err2 := outbound.ParsePlan(s)
		if !reflect.DeepEqual(p, p2) || errString(err) != errString(err2) {
			t.Fatalf("%q: two readings differ: %+v, %v and %+v, %v", s, p, err, p2, err2)
		}

		parts := strings.Split(strings.TrimSpace(s), ",")
		if err != nil {
			if !reflect.DeepEqual(p, outbound.Plan{}) {
				t.Errorf("%q: rejected (%v) with a partly read plan %+v", s, err, p)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "number plan") {
				t.Errorf("%q: the error %q does not say it is about the number plan", s, msg)
			}
			// The error quotes the rule it is about, or that rule's prefix.
			named := false
			for _, part := range parts {
				part = strings.TrimSpace(part)
				prefix, _, _ := strings.Cut(part, "=")
				if strings.Contains(msg, strconv.Quote(part)) || strings.Contains(msg, strconv.Quote(strings.TrimSpace(prefix))) {
					named = true
					break
				}
			}
			if !named {
				t.Errorf("%q: the error %q names no rule of the input", s, msg)
			}
			return
		}

		if strings.TrimSpace(s) == "" {
			if len(p.Rules) != 0 {
				t.Fatalf("%q: an empty plan read as %+v", s, p)
			}
			return
		}
		if len(p.Rules) != len(parts) {
			t.Fatalf("%q: %d rules read from %d", s, len(p.Rules), len(parts))
		}
		if err := p.Check(); err != nil {
			t.Errorf("%q: accepted a plan that does not pass Check: %v", s, err)
		}
		for i, r := range p.Rules {
			checkRule(t, s, r)
			// Each time is the one written: a number of seconds is not
			// wrapped round into a negative or a different time.
			fields := strings.Split(strings.SplitN(parts[i], "=", 2)[1], "/")
			for j, got := range []voice.Duration{r.Ring, r.Customer.HangupAfter} {
				if len(fields) <= j+1 {
					if got != 0 {
						t.Errorf("%q: rule %d: a time not written read as %v", s, i, got)
					}
					continue
				}
				checkWritten(t, s, strings.TrimSpace(fields[j+1]), time.Duration(got))
			}
			// The short form has no greeting and no script but the hangup.
			if r.Greeting != 0 || !reflect.DeepEqual(r.Customer, voice.Script{HangupAfter: r.Customer.HangupAfter}) {
				t.Errorf("%q: rule %d has more than the short form says: %+v", s, i, r)
			}
		}

		// What was read, written again in the short form, reads the same.
		again := formatPlan(p)
		q, err := outbound.ParsePlan(again)
		if err != nil {
			t.Fatalf("%q read as %q, which does not read: %v", s, again, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("%q read as %+v; written again as %q it reads as %+v", s, p, again, q)
		}
	})
}

// FuzzParsePlanFile fuzzes the JSON form of --number-plan @FILE.
func FuzzParsePlanFile(f *testing.F) {
	for _, s := range []string{
		// TestParsePlan's.
		`{"rules":[{"prefix":"+1","result":"answer","customer":{"presses":["1","hangup"]}}]}`,
		`{"rules":[{"prefix":"+1","result":"answer","customer":{"pressed":["1"]}}]}`,
		// docs/outbound.md's.
		`{"rules": [
  {"prefix": "+1555", "result": "answer", "ring": "2s", "customer": {"presses": ["1"], "hangupAfter": "30s"}},
  {"prefix": "+1556", "result": "machine", "ring": "4s", "greeting": "8s"},
  {"prefix": "+44", "result": "busy"}
]}`,
		// Edge cases.
		``, `{}`, `null`, `{"rules":null}`, `{"rules":[]}`, `{"rules":[null]}`, `{"rules":[{}]}`,
		`{"rules":[{"prefix":"","result":"busy","ring":1.5}]}`,
		`{"rules":[{"prefix":"+1","result":"machine","ring":"-1s"}]}`,
		`{"rules":[{"prefix":"+1","result":"machine","greeting":1e300}]}`,
		`{"rules":[{"prefix":"+1","result":"answer","customer":{"hangupAfter":"-1s"}}]}`,
		`{"rules":[{"prefix":"+1","result":"answer","customer":{"hangupAfterPrompts":2,"queueTime":"1m","thinkTime":0.5}}]}`,
		`{"rules":[{"prefix":"+1","result":"busy"}]}{"rules":[]}`,
		`{"rules":[{"prefix":"+1","result":"busy"}]}]`,
		`{"RULES":[{"PREFIX":"+1","RESULT":"busy"}]}`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := outbound.ParsePlan("@" + file)
		p2, err2 := outbound.ParsePlan("@" + file)
		if !reflect.DeepEqual(p, p2) || errString(err) != errString(err2) {
			t.Fatalf("%q: two readings differ: %+v, %v and %+v, %v", b, p, err, p2, err2)
		}
		if err != nil {
			if !reflect.DeepEqual(p, outbound.Plan{}) {
				t.Errorf("%q: rejected (%v) with a partly read plan %+v", b, err, p)
			}
			if !strings.HasPrefix(err.Error(), "number plan") {
				t.Errorf("%q: the error %q does not say it is about the number plan", b, err)
			}
			return
		}
		// The file is one JSON document: nothing after it is dropped in silence.
		if !json.Valid(bytes.TrimSpace(b)) {
			t.Errorf("%q: accepted a file that is not one JSON document, as %+v", b, p)
		}
		if err := p.Check(); err != nil {
			t.Errorf("%q: accepted a plan that does not pass Check: %v", b, err)
		}
		for _, r := range p.Rules {
			checkRule(t, string(b), r)
			if r.Greeting < 0 {
				t.Errorf("%q: a negative greeting %v", b, r.Greeting)
			}
			c := r.Customer
			if c.HangupAfterPrompts < 0 || c.QueueTime < 0 || c.ThinkTime < 0 {
				t.Errorf("%q: a negative customer setting %+v", b, c)
			}
		}
		// What was read, written as JSON again, reads the same.
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%q read as %+v, which does not marshal: %v", b, p, err)
		}
		if err := os.WriteFile(file, out, 0o600); err != nil {
			t.Fatal(err)
		}
		q, err := outbound.ParsePlan("@" + file)
		if err != nil {
			t.Fatalf("%q read as %+v; written again as %s it does not read: %v", b, p, out, err)
		}
		if !reflect.DeepEqual(normalize(p), normalize(q)) {
			again, _ := json.Marshal(q)
			t.Fatalf("%q read as %s, which reads as %s", b, out, again)
		}
	})
}

// normalize makes the empty lists and maps of a plan nil: JSON leaves
// them out, so they read back as nil, and mean the same.
func normalize(p outbound.Plan) outbound.Plan {
	rules := make([]outbound.Rule, 0, len(p.Rules))
	for _, r := range p.Rules {
		c := &r.Customer
		c.Presses = nilIfEmpty(c.Presses)
		c.Dial = nilIfEmpty(c.Dial)
		c.Intents = nilIfEmpty(slices.Clone(c.Intents))
		for i := range c.Intents {
			if len(c.Intents[i].Slots) == 0 {
				c.Intents[i].Slots = nil
			}
			if len(c.Intents[i].SessionAttributes) == 0 {
				c.Intents[i].SessionAttributes = nil
			}
		}
		rules = append(rules, r)
	}
	return outbound.Plan{Rules: nilIfEmpty(rules)}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkRule checks what every accepted rule must be.
func checkRule(t *testing.T, input string, r outbound.Rule) {
	t.Helper()
	switch r.Result {
	case outbound.Answer, outbound.Busy, outbound.NoAnswer, outbound.Fail, outbound.Invalid, outbound.Machine:
	default:
		t.Errorf("%q: accepted the result %q", input, r.Result)
	}
	if r.Prefix != "" {
		digits, ok := strings.CutPrefix(r.Prefix, "+")
		if !ok || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
			t.Errorf("%q: accepted the prefix %q", input, r.Prefix)
		}
	}
	if r.Ring < 0 || r.Customer.HangupAfter < 0 {
		t.Errorf("%q: accepted a negative time: ring %v, hangup %v", input, r.Ring, r.Customer.HangupAfter)
	}
}

// checkWritten checks that the time written as w read as got: as Go writes
// durations, or a number of seconds.
func checkWritten(t *testing.T, input, w string, got time.Duration) {
	t.Helper()
	if d, err := time.ParseDuration(w); err == nil {
		if got != d {
			t.Errorf("%q: %q read as %v", input, w, got)
		}
		return
	}
	sec, err := strconv.ParseFloat(w, 64)
	if err != nil {
		t.Errorf("%q: %q, neither a duration nor a number, read as %v", input, w, got)
		return
	}
	want := sec * float64(time.Second)
	if math.IsNaN(want) || math.Abs(float64(got)-want) > math.Max(1, 1e-9*math.Abs(want)) {
		t.Errorf("%q: %q seconds read as %v (%d ns)", input, w, got, int64(got))
	}
}

// formatPlan writes a plan read from the short form back in it, every time
// as Go writes durations.
func formatPlan(p outbound.Plan) string {
	rules := make([]string, len(p.Rules))
	for i, r := range p.Rules {
		rules[i] = r.Prefix + "=" + r.Result + "/" + r.Ring.String() + "/" + r.Customer.HangupAfter.String()
	}
	return strings.Join(rules, ",")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
