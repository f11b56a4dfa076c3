// Package throttle owns API rate limits: a token bucket per account,
// Region and operation (the scope AWS throttles in), each refilled at its
// operation's rate up to its burst, on an injected clock so tests can drive
// it with virtual time.
package throttle

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is one operation's rate limit.
type Limit struct {
	Rate  float64 // requests per second refilled
	Burst int     // bucket size
}

// String renders the limit as RATE:BURST, the form ParseLimits reads.
func (l Limit) String() string {
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + ":" + strconv.Itoa(l.Burst)
}

// Limiter hands out tokens. Operations without a limit are never throttled.
type Limiter struct {
	now    func() time.Time
	limits map[string]Limit

	mu      sync.Mutex
	buckets map[bucketKey]*rate.Limiter
}

type bucketKey struct{ account, region, op string }

// New returns a limiter with the given limits per operation name; now is
// the clock (nil means time.Now).
func New(limits map[string]Limit, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, limits: limits, buckets: map[bucketKey]*rate.Limiter{}}
}

// Allow takes one token for the operation in the account and Region, and
// reports whether there was one.
func (l *Limiter) Allow(account, region, op string) bool {
	lim, ok := l.limits[op]
	if !ok {
		return true
	}
	k := bucketKey{account, region, op}
	l.mu.Lock()
	b := l.buckets[k]
	if b == nil {
		// A bucket starts full, as AWS's do.
		b = rate.NewLimiter(rate.Limit(lim.Rate), lim.Burst)
		l.buckets[k] = b
	}
	// Reading the clock under the lock keeps the times a bucket sees in
	// order, so concurrent callers cannot mint extra tokens.
	ok = b.AllowN(l.now(), 1)
	l.mu.Unlock()
	return ok
}

// Limits returns a copy of the configured limits.
func (l *Limiter) Limits() map[string]Limit {
	out := make(map[string]Limit, len(l.limits))
	for k, v := range l.limits {
		out[k] = v
	}
	return out
}

// ParseLimits reads "Op=RATE:BURST,Op=RATE:BURST" (RATE "unlimited" removes
// the operation's limit) over a copy of base. RATE is a finite number above
// 0 and BURST a whole number of at least 1; spaces around = and : are
// ignored.
func ParseLimits(base map[string]Limit, spec string) (map[string]Limit, error) {
	out := make(map[string]Limit, len(base))
	for k, v := range base {
		out[k] = v
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		op, val, ok := strings.Cut(part, "=")
		op, val = strings.TrimSpace(op), strings.TrimSpace(val) // "Op " would name no operation
		if !ok || op == "" {
			return nil, fmt.Errorf("throttle %q: want Operation=RATE:BURST or Operation=unlimited", part)
		}
		if val == "unlimited" {
			delete(out, op)
			continue
		}
		r, b, ok := strings.Cut(val, ":")
		rv, err1 := strconv.ParseFloat(strings.TrimSpace(r), 64)
		bv, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || rv <= 0 || math.IsNaN(rv) || math.IsInf(rv, 0) || bv < 1 {
			return nil, fmt.Errorf("throttle %q: want Operation=RATE:BURST with RATE a number > 0 and BURST a whole number >= 1, or Operation=unlimited", part)
		}
		out[op] = Limit{Rate: rv, Burst: bv}
	}
	return out, nil
}

// Describe lists the limits as "Op=RATE:BURST", sorted, for logs.
func Describe(limits map[string]Limit) string {
	parts := make([]string, 0, len(limits))
	for op, l := range limits {
		parts = append(parts, op+"="+l.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
