package voice

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/flow/interp"
)

func TestParsePress(t *testing.T) {
	tests := []struct {
		in   string
		want string // a rendering of the Press, or "error"
	}{
		{"1", "keys 1"},
		{"123#", "keys 123#"},
		{"*0", "keys *0"},
		{"AB", "keys AB"},
		{"1@4s", "keys 1@4s"},
		{"1@1.5", "keys 1@1.5s"},
		{"12@1s,34@500ms", "keys 12@1s 34@500ms"},
		{"12,34", "keys 12 34"},
		{"!1", "barge keys 1"},
		{"!1@0.5s", "barge keys 1@500ms"},
		{"-", "silence"},
		{"silence", "silence"},
		{"Hangup", "hangup"},
		{"hangup@3s", "hangup@3s"},
		{"", "error"},
		{"!", "error"},
		{"1x", "error"},
		{"a", "error"},
		{"1@", "error"},
		{"1@-2s", "error"},
		{"1,,2", "error"},
		{"hangup@soon", "error"},
		{"1@1e12", "error"},
		{"1@NaN", "error"},
		{"1@Inf", "error"},
	}
	for _, tt := range tests {
		p, err := ParsePress(tt.in)
		got := "error"
		if err == nil {
			got = render(p)
		}
		if got != tt.want {
			t.Errorf("ParsePress(%q) = %s (%v), want %s", tt.in, got, err, tt.want)
		}
	}
}

func render(p Press) string {
	switch {
	case p.Silence:
		return "silence"
	case p.Hangup:
		if len(p.Tokens) > 0 {
			return "hangup@" + p.Tokens[0].Delay.String()
		}
		return "hangup"
	}
	s := "keys"
	if p.BargeIn {
		s = "barge keys"
	}
	for _, t := range p.Tokens {
		s += " " + t.Keys
		if t.Timed {
			s += "@" + t.Delay.String()
		}
	}
	return s
}

func TestParseDial(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+4420=busy", "+4420 busy 0s 0s"},
		{"+1800=answer/3s/2m", "+1800 answer 3s 2m0s"},
		{"+1=no-answer", "+1 no-answer 0s 0s"},
		{"+1=fail/1", "+1 fail 1s 0s"},
		{"+1=maybe", "error"},
		{"1800=busy", "error"},
		{"+1800", "error"},
		{"+1=answer/1s/2s/3s", "error"},
		{"+1=answer/x", "error"},
		{"+1=answer/1e300", "error"},
	}
	for _, tt := range tests {
		d, err := ParseDial(tt.in)
		got := "error"
		if err == nil {
			got = fmt.Sprintf("%s %s %v %v", d.Prefix, d.Result, d.Ring, d.Talk)
		}
		if got != tt.want {
			t.Errorf("ParseDial(%q) = %s (%v), want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestParseIntent(t *testing.T) {
	in, err := ParseIntent("Balance:account=savings,currency=GBP")
	if err != nil || in.Name != "Balance" || in.Slots["account"] != "savings" || in.Slots["currency"] != "GBP" {
		t.Fatalf("%+v %v", in, err)
	}
	if in, err := ParseIntent("timeout"); err != nil || !in.TimedOut {
		t.Fatalf("%+v %v", in, err)
	}
	for _, bad := range []string{"", ":a=b", "X:a", "X:=b"} {
		if _, err := ParseIntent(bad); err == nil {
			t.Errorf("ParseIntent(%q) succeeded", bad)
		}
	}
}

func TestPromptDuration(t *testing.T) {
	tests := []struct {
		p    interp.Prompt
		want time.Duration
	}{
		{interp.Prompt{Text: "Hello."}, 500 * time.Millisecond}, // one word, the minimum
		{interp.Prompt{Text: "Press 1 for sales or 2 for support."}, 3200 * time.Millisecond},
		{interp.Prompt{Text: "  spaced\tout\nwords  "}, 1200 * time.Millisecond},
		{interp.Prompt{SSML: `<speak>Hello <emphasis>there</emphasis>, caller.</speak>`}, 1200 * time.Millisecond},
		{interp.Prompt{SSML: `<speak>Wait<break time="2s"/>now<break time="500ms"/></speak>`}, 3300 * time.Millisecond},
		{interp.Prompt{SSML: `<speak>a<break time="30s"/></speak>`}, 10400 * time.Millisecond}, // Polly caps a break at 10 s
		{interp.Prompt{SSML: `<speak><break strength="strong"/>x y</speak>`}, 800 * time.Millisecond},
		{interp.Prompt{PromptID: "p"}, 3 * time.Second},
		{interp.Prompt{MediaURI: "s3://x/y.wav"}, 3 * time.Second},
	}
	for _, tt := range tests {
		if got := promptDuration(&tt.p); got != tt.want {
			t.Errorf("promptDuration(%+v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestDefaultFlowsCompile(t *testing.T) {
	for id, def := range defaults() {
		if def.Flow == nil || def.ID != id || def.Type == "" {
			t.Errorf("%s: %+v", id, def)
		}
	}
}

// FuzzScriptEntries feeds arbitrary text to the three parsers of a call
// script's entries (a CLI flag or a request's JSON): they answer without
// panicking, never accept a negative time, and name the entry when they
// refuse it.
func FuzzScriptEntries(f *testing.F) {
	for _, s := range []string{"12@1s,34@500ms", "!1@0.5", "hangup@3s", "-", "+1800=answer/3s/2m", "+1=fail/1e300",
		"book:date=today,time=9", "timeout", "1@NaN", ":x=1", "=", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePress(s); err == nil {
			for _, tok := range p.Tokens {
				if tok.Delay < 0 {
					t.Fatalf("ParsePress(%q) accepted a negative delay %v", s, tok.Delay)
				}
			}
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
			t.Fatalf("ParsePress(%q): %q does not name the entry", s, err)
		}
		if d, err := ParseDial(s); err == nil && (d.Ring < 0 || d.Talk < 0) {
			t.Fatalf("ParseDial(%q) accepted a negative time: %+v", s, d)
		}
		if in, err := ParseIntent(s); err == nil && !in.TimedOut && in.Name == "" {
			t.Fatalf("ParseIntent(%q) accepted an intent without a name", s)
		}
	})
}
