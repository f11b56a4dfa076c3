package outbound_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/server"
)

// The edge throttles StartOutboundVoiceContact (internal/throttle) at
// Amazon Connect's documented 2 requests/s with a burst of 5; the SDK's
// retries are off (testserver), so every 429 is seen.

// fire sends n requests at once and counts those accepted; every refusal
// must be the throttle's.
func fire(t *testing.T, r *rig, n int) int {
	t.Helper()
	var (
		mu       sync.Mutex
		accepted int
		wg       sync.WaitGroup
		other    error
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.c.StartOutboundVoiceContact(context.Background(), r.call(numBusy))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				accepted++
			case errorCode(err) != "TooManyRequestsException":
				other = err
			}
		}()
	}
	wg.Wait()
	if other != nil {
		t.Fatalf("a request failed otherwise than throttled: %v", other)
	}
	return accepted
}

func TestThrottleAtBurst(t *testing.T) {
	r := newRig(t, outbound.Settings{MaxActiveCalls: 1000}, server.DefaultThrottle())
	if got := fire(t, r, 100); got != 5 {
		t.Fatalf("100 concurrent requests: %d accepted, want exactly 5 (the burst)", got)
	}
	_, err := r.c.StartOutboundVoiceContact(context.Background(), r.call(numBusy))
	wantAPIError(t, err, "TooManyRequestsException", 429)
}

func TestThrottleOverTime(t *testing.T) {
	r := newRig(t, outbound.Settings{MaxActiveCalls: 1000}, server.DefaultThrottle())
	// 10 s of continuous pressure on the server's clock: 4 requests every
	// 100 ms, far over the rate.
	accepted := 0
	for range 100 {
		accepted += fire(t, r, 4)
		r.clk.Advance(100 * time.Millisecond)
	}
	if want := 5 + 2*10; accepted < want-1 || accepted > want+1 {
		t.Fatalf("10 s of pressure: %d accepted, want %d ± 1", accepted, want)
	}
}
