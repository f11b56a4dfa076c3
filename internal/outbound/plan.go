package outbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
)

// Rule says how the numbers starting with Prefix behave when Hotline
// calls them. The number plan is a list of rules; the longest matching
// prefix wins, and a number no rule matches answers after DefaultRing.
type Rule struct {
	// Prefix is an E.164 prefix ("+4420") or a whole number; "" and "+"
	// match every number.
	Prefix string `json:"prefix"`
	// Result is answer, busy, no-answer, fail, invalid or machine.
	Result string `json:"result"`
	// Ring is how long the line rings before the result: answer and
	// machine pick up after it (default DefaultRing; a ring of the
	// request's RingTimeoutInSeconds or longer is no answer); busy, fail
	// and invalid say so after it (defaults 2 s, 1 s, 1 s). no-answer rings
	// for the whole RingTimeoutInSeconds whatever Ring says.
	Ring voice.Duration `json:"ring,omitzero"`
	// Greeting is how long an answering machine's greeting plays before
	// its beep (machine only; default DefaultGreeting).
	Greeting voice.Duration `json:"greeting,omitzero"`
	// Customer is what the person (or machine) does once the call is
	// answered, in the caller-script language of `hotline call`: keys to
	// press, when to hang up. The zero script presses nothing and stays on
	// the line until the flow ends the call; a machine without a hangup of
	// its own hangs up DefaultMessageTime after its beep.
	Customer voice.Script `json:"customer,omitzero"`
}

// The results of a Rule.
const (
	Answer   = "answer"
	Busy     = "busy"
	NoAnswer = "no-answer"
	Fail     = "fail"
	Invalid  = "invalid"
	Machine  = "machine"
)

// Defaults of a Rule.
const (
	DefaultRing        = voice.DefaultRingTime
	DefaultGreeting    = 5 * time.Second
	DefaultMessageTime = time.Minute
	busyAfter          = 2 * time.Second
	failAfter          = time.Second
)

func (r *Rule) check() error {
	switch r.Result {
	case Answer, Busy, NoAnswer, Fail, Invalid, Machine:
	default:
		return fmt.Errorf("number plan: %q: result %q is not one of answer, busy, no-answer, fail, invalid, machine", r.Prefix, r.Result)
	}
	if r.Prefix != "" && !isPrefix(r.Prefix) {
		return fmt.Errorf("number plan: prefix %q is not + followed by digits", r.Prefix)
	}
	if r.Ring < 0 || r.Greeting < 0 {
		return fmt.Errorf("number plan: %q: negative time", r.Prefix)
	}
	if err := r.Customer.Check(); err != nil {
		return fmt.Errorf("number plan: %q: customer: %w", r.Prefix, err)
	}
	return nil
}

func isPrefix(p string) bool {
	if !strings.HasPrefix(p, "+") || len(p) > 16 {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Plan is a number plan.
type Plan struct {
	Rules []Rule `json:"rules"`
}

// Check reports the first rule that is not valid.
func (p *Plan) Check() error {
	var errs []error
	for i := range p.Rules {
		errs = append(errs, p.Rules[i].check())
	}
	return errors.Join(errs...)
}

// match returns the rule for number: the longest matching prefix, or a
// plain answer.
func (p *Plan) match(number string) Rule {
	best, n := Rule{Result: Answer}, -1
	for _, r := range p.Rules {
		if strings.HasPrefix(number, r.Prefix) && len(r.Prefix) > n {
			best, n = r, len(r.Prefix)
		}
	}
	return best
}

// ParsePlan reads a number plan as `hotline serve --number-plan` takes it:
// @FILE for a JSON document ({"rules": [...]}), or comma-separated rules
// written PREFIX=RESULT[/RING[/HANGUP]] (+4420=busy, +1555=answer/3s/20s:
// answers after 3 s and hangs up 20 s later).
func ParsePlan(s string) (Plan, error) {
	var p Plan
	s = strings.TrimSpace(s)
	if s == "" {
		return p, nil
	}
	if file, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(file)
		if err != nil {
			return Plan{}, fmt.Errorf("number plan: %w", err)
		}
		if err := decodeStrict(b, &p); err != nil {
			return Plan{}, fmt.Errorf("number plan %s: %w", file, err)
		}
		return checked(p)
	}
	for _, part := range strings.Split(s, ",") {
		r, err := parseRule(strings.TrimSpace(part))
		if err != nil {
			return Plan{}, err
		}
		p.Rules = append(p.Rules, r)
	}
	return checked(p)
}

// checked returns p, or the zero Plan and what is wrong with p: a plan
// that is refused is not half read.
func checked(p Plan) (Plan, error) {
	if err := p.Check(); err != nil {
		return Plan{}, err
	}
	return p, nil
}

func parseRule(s string) (Rule, error) {
	prefix, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Rule{}, fmt.Errorf("number plan: %q: write PREFIX=RESULT[/RING[/HANGUP]], e.g. +4420=busy", s)
	}
	parts := strings.Split(rest, "/")
	if len(parts) > 3 {
		return Rule{}, fmt.Errorf("number plan: %q: at most RESULT/RING/HANGUP", s)
	}
	r := Rule{Prefix: strings.TrimSpace(prefix), Result: strings.TrimSpace(parts[0])}
	for i, dst := range []*voice.Duration{&r.Ring, &r.Customer.HangupAfter} {
		if len(parts) <= i+1 {
			break
		}
		d, err := voice.ParseDelay(strings.TrimSpace(parts[i+1]))
		if err != nil {
			return r, fmt.Errorf("number plan: %q: %v", s, err)
		}
		*dst = voice.Duration(d)
	}
	return r, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt field must not be dropped in silence
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Nor may whatever follows the document, such as a second one.
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("something follows the JSON document, after byte %d", end)
	}
	return nil
}

// dialOutcome is what the far end does, decided when the call is placed.
type dialOutcome struct {
	Result   string        // one of the Rule results; answer/machine only when it picks up in time
	After    time.Duration // from the start of the call to the result
	Greeting time.Duration // machine
	Customer voice.Script
}

// outcome applies the rule for a call that rings for at most timeout.
func (r Rule) outcome(timeout time.Duration) dialOutcome {
	o := dialOutcome{Result: r.Result, After: time.Duration(r.Ring), Customer: r.Customer}
	switch r.Result {
	case Answer, Machine:
		if o.After == 0 {
			o.After = DefaultRing
		}
		if o.After >= timeout {
			o.Result, o.After = NoAnswer, timeout
		}
	case NoAnswer:
		o.After = timeout
	case Busy:
		if o.After == 0 {
			o.After = busyAfter
		}
	default:
		if o.After == 0 {
			o.After = failAfter
		}
	}
	if o.Result == Machine {
		o.Greeting = time.Duration(r.Greeting)
		if o.Greeting == 0 {
			o.Greeting = DefaultGreeting
		}
	}
	return o
}
