package throttle

import (
	"maps"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseLimits fuzzes --throttle, Op=RATE:BURST[,...] or Op=unlimited
// over the defaults.
func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{
		// TestParseLimits's.
		"A=10:20, B=unlimited,C=0.5:1", "A", "A=1", "A=x:1", "A=1:0", "A=-1:5", "=1:1",
		// docs/outbound.md's default.
		"StartOutboundVoiceContact=2:5",
		// Edge cases.
		"", " ", ",", ",,A=1:1,", "A=1:1,A=unlimited", "A=unlimited,A=1:1", "StartChatContact=unlimited",
		"A=NaN:1", "A=Inf:1", "A=+Inf:1", "A=-Inf:1", "A=1e309:1", "A=1e-320:1", "A=0x1p-2:3", "A=1:+5",
		"A=0:1", "A=-0:1", "A=1:-1", "A=1:9223372036854775807", "A=1:9223372036854775808",
		"A =1:1", "A= 1:1", "A = 1 : 1", " A=unlimited", "A= unlimited", "A=1:1:1", "A=B=1:1", "A=:", "A=1:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		base := map[string]Limit{"StartOutboundVoiceContact": {2, 5}, "StartChatContact": {5, 8}}
		kept := maps.Clone(base)
		got, err := ParseLimits(base, spec)

		if !reflect.DeepEqual(base, kept) {
			t.Fatalf("%q changed the base limits to %v", spec, base)
		}
		again, err2 := ParseLimits(base, spec)
		if !reflect.DeepEqual(got, again) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("%q: two readings differ: %v, %v and %v, %v", spec, got, err, again, err2)
		}

		var parts []string // the non-empty parts, trimmed
		for _, p := range strings.Split(spec, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		if err != nil {
			if got != nil {
				t.Errorf("%q: rejected (%v) with a partly read result %v", spec, err, got)
			}
			named := false
			for _, p := range parts {
				named = named || strings.Contains(err.Error(), strconv.Quote(p))
			}
			if !named {
				t.Errorf("%q: the error %q names no part of the input", spec, err)
			}
			return
		}

		// Each operation's limit is usable: a finite rate above 0 and a
		// bucket of at least one, and each is named as it was written.
		for op, l := range got {
			if math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate <= 0 || l.Burst < 1 {
				t.Errorf("%q: accepted %s=%s", spec, op, l)
			}
			if op == "" || op != strings.TrimSpace(op) || strings.ContainsAny(op, ",=") {
				t.Errorf("%q: accepted the operation name %q", spec, op)
			}
			if _, ok := base[op]; !ok && !strings.Contains(spec, op) {
				t.Errorf("%q: a limit for %q, which it does not name", spec, op)
			}
			if !New(got, nil).Allow("a", "r", op) {
				t.Errorf("%q: %s=%s: a new bucket is empty", spec, op, l)
			}
		}
		// A default the input does not name stays as it was.
		for op, l := range base {
			if !strings.Contains(spec, op) && got[op] != l {
				t.Errorf("%q: the default %s=%s became %v", spec, op, l, got[op])
			}
		}

		// Written as the log writes it, the result reads the same; so does
		// each limit written as its String.
		back, err := ParseLimits(nil, Describe(got))
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Fatalf("%q read as %q, which reads as %v, %v", spec, Describe(got), back, err)
		}
		for op, l := range got {
			one, err := ParseLimits(nil, op+"="+l.String())
			if err != nil || one[op] != l {
				t.Errorf("%q: %s=%s reads as %v, %v", spec, op, l, one, err)
			}
		}
	})
}
