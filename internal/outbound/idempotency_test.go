package outbound_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hotline-dev/hotline/internal/outbound"
)

func TestClientTokenWhileLiveAndAfterTheEnd(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	in := r.call(numBusy) // busy after 2 s
	in.ClientToken = aws.String("reminder-42")
	first := r.start(t, in)
	n := r.count(t)
	r.clk.Advance(time.Second)
	if again := r.start(t, in); again != first {
		t.Fatalf("the same token while the contact is live started %s, want %s", again, first)
	}
	if r.count(t) != n {
		t.Fatal("a retry while live stored a new contact")
	}
	r.clk.Advance(time.Second) // the line was busy: the contact has ended
	if c := r.describe(t, first); c.DisconnectTimestamp == nil {
		t.Fatal("the busy call is still live")
	}
	second := r.start(t, in)
	if second == first {
		t.Fatal("the same token after the contact ended returned the ended contact")
	}
	if r.count(t) != n+1 {
		t.Fatal("the token's new contact was not stored")
	}
	// The token now names the new contact while it is live.
	if again := r.start(t, in); again != second {
		t.Fatalf("the token names %s, want the new contact %s", again, second)
	}
}

func TestClientTokenUnderConcurrency(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	before := r.count(t)
	const n = 40
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := r.call(numNoAnswer)
			in.ClientToken = aws.String("one-token")
			out, err := r.c.StartOutboundVoiceContact(context.Background(), in)
			if err == nil {
				ids[i] = aws.ToString(out.ContactId)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got %s, request 0 %s", i, ids[i], ids[0])
		}
	}
	if got := r.count(t) - before; got != 1 {
		t.Fatalf("%d concurrent requests with one token stored %d contacts, want 1", n, got)
	}
}

func TestClientTokenSurvivesARestart(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	in := r.call(numNoAnswer) // rings for 60 s
	in.ClientToken = aws.String("across-restarts")
	first := r.start(t, in)
	t0 := r.clk.Now()
	r.ts.Restart(t)
	if again := r.start(t, in); again != first {
		t.Fatalf("after a restart the token started %s, want %s", again, first)
	}
	// The restarted server still dials the call: it rings out on time.
	r.clk.Advance(60 * time.Second)
	c := r.describe(t, first)
	if !sameTime(c.DisconnectTimestamp, t0.Add(60*time.Second)) || aws.ToString(c.DisconnectReason) != "TELECOM_TIMEOUT" {
		t.Fatalf("after the restart the call ended %v (%s)", c.DisconnectTimestamp, aws.ToString(c.DisconnectReason))
	}
	if again := r.start(t, in); again == first {
		t.Fatal("the token still returned the ended contact")
	}
}

// A contact cannot stay live for 7 days on its own (calls end within hours),
// so the tests stop the server while the call rings and move the clock
// while no timer is armed: the call is still live when the server is back.
func TestClientTokenExpiresAfterSevenDays(t *testing.T) {
	r := newRig(t, outbound.Settings{}, nil)
	in := r.call(numNoAnswer)

	in.ClientToken = aws.String("six-days")
	first := r.start(t, in)
	r.ts.RestartWith(t, func() { r.clk.Advance(6 * 24 * time.Hour) })
	if c := r.describe(t, first); c.DisconnectTimestamp != nil {
		t.Fatal("the call ended while the server was down")
	}
	if again := r.start(t, in); again != first {
		t.Fatalf("after 6 days the token started %s, want its live contact %s", again, first)
	}
	r.clk.Advance(0) // the call was due to ring out while the server was down
	if c := r.describe(t, first); aws.ToString(c.DisconnectReason) != "TELECOM_TIMEOUT" {
		t.Fatalf("the overdue call: %s", aws.ToString(c.DisconnectReason))
	}

	in.ClientToken = aws.String("seven-days")
	first = r.start(t, in)
	r.ts.RestartWith(t, func() { r.clk.Advance(7*24*time.Hour + time.Second) })
	if c := r.describe(t, first); c.DisconnectTimestamp != nil {
		t.Fatal("the call ended while the server was down")
	}
	second := r.start(t, in)
	if second == first {
		t.Fatal("after 7 days the token still named its contact")
	}
	if again := r.start(t, in); again != second {
		t.Fatalf("the renewed token started %s, want %s", again, second)
	}
}
