package voice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Script is what the simulated caller does, and how the far ends the call
// reaches behave. The zero Script presses nothing, never hangs up, and
// finds every third party answering.
type Script struct {
	// Presses answers the call's inputs in order: the first entry is for
	// the first input the caller meets, the second for the second, and so
	// on; inputs beyond the list get silence. See ParsePress for the syntax.
	Presses []string `json:"presses,omitempty"`
	// HangupAfter hangs up this long after the call starts; 0 never.
	HangupAfter Duration `json:"hangupAfter,omitzero"`
	// HangupAfterPrompts hangs up once the caller has heard this many
	// prompts to their end; 0 never.
	HangupAfterPrompts int `json:"hangupAfterPrompts,omitempty"`
	// QueueTime is how long the caller stays in a queue with no agent
	// before the simulation stops; 0 means DefaultQueueTime.
	QueueTime Duration `json:"queueTime,omitzero"`
	// ThinkTime is how long after an input's prompt ends the caller
	// presses the first key; 0 means DefaultThinkTime.
	ThinkTime Duration `json:"thinkTime,omitzero"`
	// Dial is the number plan third-party transfers meet, by longest
	// matching prefix; a number no entry matches answers.
	Dial []Dial `json:"dial,omitempty"`
	// Intents answer ConnectParticipantWithLexBot interactions in order.
	// Without one, a bot interaction faults the contact.
	Intents []Intent `json:"intents,omitempty"`
}

// Defaults of a Script.
const (
	DefaultThinkTime = time.Second
	DefaultKeyGap    = 300 * time.Millisecond
	DefaultQueueTime = time.Minute
	DefaultRingTime  = 6 * time.Second
	DefaultTalkTime  = time.Minute
	// busyTime and failTime are how long a busy or failing line takes to say so.
	busyTime = 2 * time.Second
	failTime = time.Second
	// utterance is how long a caller speaks to a bot.
	utterance = 2 * time.Second
	// botSilence is how long a bot listens before it gives up.
	botSilence = 5 * time.Second
)

// Dial says how the third party at the numbers starting with Prefix
// answers a transfer.
type Dial struct {
	Prefix string `json:"prefix"`
	// Result is answer, busy, no-answer or fail.
	Result string `json:"result"`
	// Ring is how long the line rings before it answers (answer); 0 means
	// DefaultRingTime. A ring longer than the flow's connection time limit
	// is no answer.
	Ring Duration `json:"ring,omitzero"`
	// Talk is how long the third party talks before hanging up; 0 means
	// DefaultTalkTime.
	Talk Duration `json:"talk,omitzero"`
}

// The Dial results.
const (
	DialAnswer   = "answer"
	DialBusy     = "busy"
	DialNoAnswer = "no-answer"
	DialFail     = "fail"
)

// Intent is what the caller says to a Lex bot, as the bot understood it.
type Intent struct {
	Name              string            `json:"name,omitempty"`
	Slots             map[string]string `json:"slots,omitempty"`
	SessionAttributes map[string]string `json:"sessionAttributes,omitempty"`
	Confidence        string            `json:"confidence,omitempty"`
	// TimedOut says the caller said nothing.
	TimedOut bool `json:"timedOut,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as Go duration
// text ("1.5s", "2m"); a JSON number is read as seconds.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "1.5s" or 1.5.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s or 1m30s", s)
		}
		*d = Duration(v)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s is neither a duration such as \"30s\" nor a number of seconds", b)
	}
	v, ok := fromSeconds(f)
	if !ok {
		return fmt.Errorf("%s seconds is longer than any call", b)
	}
	*d = Duration(v)
	return nil
}

// fromSeconds converts a number of seconds, refusing one that a Duration
// cannot hold (converted, it would wrap around and read as negative).
func fromSeconds(f float64) (time.Duration, bool) {
	if math.IsNaN(f) || math.Abs(f) >= math.MaxInt64/float64(time.Second) {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// Press is one parsed entry of Script.Presses.
type Press struct {
	// Silence: the caller presses nothing and the input times out.
	Silence bool
	// Hangup: the caller hangs up instead of pressing (after Delay, or the
	// think time).
	Hangup bool
	// BargeIn: the keys are pressed while the next prompt plays; the first
	// token's delay counts from the start of that prompt (default: half
	// way through it). A non-interruptible prompt drops them.
	BargeIn bool
	Tokens  []Token
}

// Token is keys pressed together, at one instant.
type Token struct {
	Keys string
	// Delay is the time before the keys: for the first token from the end
	// of the input's prompt (the start of the prompt when barging in), for
	// the others from the previous token.
	Delay time.Duration
	// Timed is true when Delay was written; otherwise the default applies
	// (the think time first, then DefaultKeyGap).
	Timed bool
}

// ParsePress reads one entry of Script.Presses:
//
//	1            key 1, the think time after the input's prompt ends
//	123#         keys 1 2 3 # together
//	1@4s         key 1, 4 s after the prompt ends
//	12@2s,34@1s  keys 12 after 2 s, then 34 one second later
//	!1           key 1 while the next prompt plays (barge-in)
//	!1@0.5s      key 1 half a second into the next prompt
//	- or silence nothing: the input times out
//	hangup       hang up at this input (hangup@3s: 3 s after its prompt)
//
// Keys are 0-9, *, # and A-D.
func ParsePress(s string) (Press, error) {
	var p Press
	raw := strings.TrimSpace(s)
	switch strings.ToLower(raw) {
	case "-", "silence":
		p.Silence = true
		return p, nil
	}
	if low := strings.ToLower(raw); low == "hangup" || strings.HasPrefix(low, "hangup@") {
		p.Hangup = true
		if _, after, ok := strings.Cut(raw, "@"); ok {
			d, err := ParseDelay(after)
			if err != nil {
				return p, fmt.Errorf("press %q: %v", s, err)
			}
			p.Tokens = []Token{{Delay: d, Timed: true}}
		}
		return p, nil
	}
	if strings.HasPrefix(raw, "!") {
		p.BargeIn = true
		raw = raw[1:]
	}
	if raw == "" {
		return p, fmt.Errorf("press %q has no keys; use - for silence", s)
	}
	for _, part := range strings.Split(raw, ",") {
		keys, when, timed := strings.Cut(strings.TrimSpace(part), "@")
		if keys == "" {
			return p, fmt.Errorf("press %q: %q has no keys", s, part)
		}
		for i := 0; i < len(keys); i++ {
			if !isKey(keys[i]) {
				return p, fmt.Errorf("press %q: %q is not a key (keys are 0-9 * # A-D)", s, keys[i])
			}
		}
		t := Token{Keys: keys, Timed: timed}
		if timed {
			d, err := ParseDelay(when)
			if err != nil {
				return p, fmt.Errorf("press %q: %v", s, err)
			}
			t.Delay = d
		}
		p.Tokens = append(p.Tokens, t)
	}
	return p, nil
}

func isKey(c byte) bool {
	return c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D'
}

// ParseDelay reads a time written as a Go duration ("3s", "500ms") or a
// bare number of seconds ("1.5"), refusing negative times and numbers a
// Duration cannot hold.
func ParseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		// A bare number is seconds.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a time such as 2s or 500ms", s)
		}
		var ok bool
		if d, ok = fromSeconds(f); !ok {
			return 0, fmt.Errorf("%q seconds is longer than any call", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// ParseDial reads a number plan entry written PREFIX=RESULT[/RING[/TALK]],
// e.g. +4420=busy or +1800=answer/3s/2m.
func ParseDial(s string) (Dial, error) {
	prefix, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Dial{}, fmt.Errorf("dial %q: write PREFIX=RESULT[/RING[/TALK]], e.g. +4420=busy", s)
	}
	parts := strings.Split(rest, "/")
	d := Dial{Prefix: strings.TrimSpace(prefix), Result: strings.TrimSpace(parts[0])}
	if len(parts) > 3 {
		return d, fmt.Errorf("dial %q: at most RESULT/RING/TALK", s)
	}
	for i, dst := range []*Duration{&d.Ring, &d.Talk} {
		if len(parts) > i+1 {
			v, err := ParseDelay(strings.TrimSpace(parts[i+1]))
			if err != nil {
				return d, fmt.Errorf("dial %q: %v", s, err)
			}
			*dst = Duration(v)
		}
	}
	return d, d.check()
}

func (d Dial) check() error {
	switch d.Result {
	case DialAnswer, DialBusy, DialNoAnswer, DialFail:
	default:
		return fmt.Errorf("dial %s: result %q is not one of answer, busy, no-answer, fail", d.Prefix, d.Result)
	}
	if d.Prefix != "" && !strings.HasPrefix(d.Prefix, "+") {
		return fmt.Errorf("dial %q: the prefix must start with + (E.164)", d.Prefix)
	}
	if d.Ring < 0 || d.Talk < 0 {
		return fmt.Errorf("dial %s: negative time", d.Prefix)
	}
	return nil
}

// ParseIntent reads NAME[:slot=value,slot=value], or "timeout" for a
// caller who says nothing.
func ParseIntent(s string) (Intent, error) {
	if strings.EqualFold(s, "timeout") {
		return Intent{TimedOut: true}, nil
	}
	name, slots, _ := strings.Cut(s, ":")
	in := Intent{Name: strings.TrimSpace(name)}
	if in.Name == "" {
		return in, fmt.Errorf("intent %q has no name", s)
	}
	if slots != "" {
		in.Slots = map[string]string{}
		for _, kv := range strings.Split(slots, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return in, fmt.Errorf("intent %q: slot %q is not NAME=VALUE", s, kv)
			}
			in.Slots[strings.TrimSpace(k)] = v
		}
	}
	return in, nil
}

// plan is a Script checked and with its defaults applied.
type plan struct {
	presses     []Press
	hangupAfter time.Duration
	hangupN     int
	queueTime   time.Duration
	think       time.Duration
	dial        []Dial
	intents     []Intent
}

func (s *Script) compile() (*plan, error) {
	p := &plan{hangupAfter: time.Duration(s.HangupAfter), hangupN: s.HangupAfterPrompts,
		queueTime: time.Duration(s.QueueTime), think: time.Duration(s.ThinkTime), dial: s.Dial, intents: s.Intents}
	var errs []error
	for _, raw := range s.Presses {
		pr, err := ParsePress(raw)
		errs = append(errs, err)
		p.presses = append(p.presses, pr)
	}
	for _, d := range s.Dial {
		errs = append(errs, d.check())
	}
	if p.hangupAfter < 0 || p.queueTime < 0 || p.think < 0 || p.hangupN < 0 {
		errs = append(errs, errors.New("hangupAfter, hangupAfterPrompts, queueTime and thinkTime may not be negative"))
	}
	if p.queueTime == 0 {
		p.queueTime = DefaultQueueTime
	}
	if p.think == 0 {
		p.think = DefaultThinkTime
	}
	return p, errors.Join(errs...)
}

// dialResult finds the number plan entry for number: the longest prefix
// wins; none means the number answers with the defaults.
func (p *plan) dialResult(number string) Dial {
	best, n := Dial{Result: DialAnswer}, -1
	for _, d := range p.dial {
		if strings.HasPrefix(number, d.Prefix) && len(d.Prefix) > n {
			best, n = d, len(d.Prefix)
		}
	}
	if best.Ring == 0 {
		best.Ring = Duration(DefaultRingTime)
	}
	if best.Talk == 0 {
		best.Talk = Duration(DefaultTalkTime)
	}
	return best
}
