package throttle

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
)

func TestBurstUnderConcurrency(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(map[string]Limit{"StartOutboundVoiceContact": {Rate: 2, Burst: 5}}, clk.Now)
	var accepted atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow("000000000000", "us-east-1", "StartOutboundVoiceContact") {
				accepted.Add(1)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 5 {
		t.Fatalf("100 concurrent requests: %d accepted, want exactly 5", accepted.Load())
	}
}

func TestSustainedPressure(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(map[string]Limit{"Op": {Rate: 2, Burst: 5}}, clk.Now)
	accepted := 0
	// A request every 10 ms for 10 s.
	for i := 0; i <= 1000; i++ {
		if l.Allow("a", "r", "Op") {
			accepted++
		}
		clk.Advance(10 * time.Millisecond)
	}
	if accepted < 24 || accepted > 26 {
		t.Fatalf("10 s of pressure: %d accepted, want 5 + 2×10 ± 1", accepted)
	}
}

func TestScopes(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := New(map[string]Limit{"Op": {Rate: 1, Burst: 1}}, clk.Now)
	cases := []struct {
		account, region, op string
		want                bool
	}{
		{"a", "us-east-1", "Op", true},
		{"a", "us-east-1", "Op", false},   // bucket empty
		{"a", "eu-west-2", "Op", true},    // another Region has its own bucket
		{"b", "us-east-1", "Op", true},    // so does another account
		{"a", "us-east-1", "Other", true}, // unlimited operation
		{"a", "us-east-1", "Other", true},
	}
	for i, tc := range cases {
		if got := l.Allow(tc.account, tc.region, tc.op); got != tc.want {
			t.Errorf("case %d %+v: got %v", i, tc, got)
		}
	}
	clk.Advance(time.Second)
	if !l.Allow("a", "us-east-1", "Op") {
		t.Error("the bucket did not refill after a second")
	}
}

func TestParseLimits(t *testing.T) {
	base := map[string]Limit{"A": {2, 5}, "B": {5, 8}}
	got, err := ParseLimits(base, "A=10:20, B=unlimited,C=0.5:1")
	if err != nil {
		t.Fatal(err)
	}
	if Describe(got) != "A=10:20,C=0.5:1" || Describe(base) != "A=2:5,B=5:8" {
		t.Fatalf("got %s (base %s)", Describe(got), Describe(base))
	}
	// Found by FuzzParseLimits: spaces around = made an operation no
	// request names ("A "), and NaN and Inf were taken as rates.
	got, err = ParseLimits(nil, " D = 1 : 2 ,E = unlimited")
	if err != nil || Describe(got) != "D=1:2" {
		t.Fatalf("spaces around = and : read as %s, %v", Describe(got), err)
	}
	for _, bad := range []string{"A", "A=1", "A=x:1", "A=1:0", "A=-1:5", "=1:1", "A=NaN:1", "A=Inf:1", "A=+Inf:1", "A=-Inf:1"} {
		if _, err := ParseLimits(base, bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
