package events_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/contacts/events"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const inst = "inst-1"

// rig is a contact service and the events service over one store, on a
// virtual clock; reopen simulates a restart on the same data.
type rig struct {
	path string
	clk  *clock.Virtual
	db   *bolt.DB
	cts  *contacts.Service
	ev   *events.Service
	set  events.Settings
}

func newRig(t *testing.T, set events.Settings) *rig {
	t.Helper()
	r := &rig{path: filepath.Join(t.TempDir(), "hotline.db"), clk: clock.NewVirtual(t0), set: set}
	r.open(t)
	t.Cleanup(r.close)
	return r
}

func (r *rig) open(t *testing.T) {
	t.Helper()
	db, err := bolt.Open(r.path)
	if err != nil {
		t.Fatal(err)
	}
	es := contacts.NewEventStore(db)
	r.db = db
	r.cts = contacts.New(contacts.Config{Region: "us-east-1", AccountID: "000000000000"}, es, r.clk, nil)
	r.ev = events.New(events.Config{Contacts: r.cts, DefaultInstanceID: inst, Settings: r.set}, es, r.clk, nil)
}

func (r *rig) close() {
	if r.db == nil {
		return
	}
	r.ev.Close()
	r.db.Close()
	r.db = nil
}

func (r *rig) restart(t *testing.T) {
	t.Helper()
	r.close()
	r.open(t)
}

// contact creates a contact (INITIATED) and, when ended, ends it
// (DISCONNECTED).
func (r *rig) contact(t *testing.T, id string, ended bool) {
	t.Helper()
	ctx := context.Background()
	if err := r.cts.Put(ctx, &contacts.Record{InstanceID: inst, ContactID: id, Channel: "VOICE", InitiationMethod: "API"}); err != nil {
		t.Fatal(err)
	}
	if ended {
		err := r.cts.Update(ctx, inst, id, func(rec *contacts.Record) error {
			rec.DisconnectTimestamp, rec.DisconnectReason = r.clk.Now(), "API"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (r *rig) hook(t *testing.T, name string) *events.WebhookOutput {
	t.Helper()
	w, err := r.ev.Get(context.Background(), "", name)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// delivery is one request a receiver got.
type delivery struct {
	header http.Header
	body   []byte
	status int
}

// receiver is a webhook endpoint whose answers a test scripts: it answers
// each request with the next status of its script, then 200.
type receiver struct {
	mu     sync.Mutex
	script []int
	got    []delivery
	srv    *httptest.Server
}

func newReceiver(t *testing.T, script ...int) *receiver {
	rc := &receiver{script: script}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	status := http.StatusOK
	if len(rc.script) > 0 {
		status, rc.script = rc.script[0], rc.script[1:]
	}
	rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body, status: status})
	rc.mu.Unlock()
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d", status)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// waitFor polls cond (the dispatcher works on its own goroutine) for up
// to 10 s of real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advanceUntil moves the virtual clock in small steps until cond holds:
// the dispatcher arms its retry timer on its own goroutine, possibly after
// a single big step would have passed it.
func (r *rig) advanceUntil(t *testing.T, what string, step time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		r.clk.Advance(step)
		time.Sleep(2 * time.Millisecond)
	}
}

func eventOf(t *testing.T, d delivery) contacts.ContactEvent {
	t.Helper()
	var ev contacts.ContactEvent
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatalf("the body is not a contact event: %v\n%s", err, d.body)
	}
	return ev
}

// TestWebhookRetriesUntilAcknowledged: a receiver that fails twice gets
// the event a third time, with the same id, after 1 s then 2 s on the
// server's clock; the cursor moves only on the 2xx, and the next event
// goes out once.
func TestWebhookRetriesUntilAcknowledged(t *testing.T) {
	r := newRig(t, events.Settings{})
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusServiceUnavailable)
	ctx := context.Background()
	if _, err := r.ev.Put(ctx, "", "crm", &events.WebhookInput{URL: rc.srv.URL + "/hook", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	r.ev.Start()
	r.contact(t, "c-1", false)

	attempts := func(n int) func() bool { return func() bool { return len(rc.deliveries()) >= n } }
	waitFor(t, "the first attempt", attempts(1))
	waitFor(t, "the first failure to be stored", func() bool { return r.hook(t, "crm").Failures == 1 })
	h := r.hook(t, "crm")
	if h.Cursor != 0 || h.LastStatus != 500 || !strings.Contains(h.LastError, "HTTP 500: answer 500") || !h.NextAttempt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after the first failure: %+v", h)
	}
	r.clk.Advance(999 * time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("%d attempts before the backoff ended", n)
	}
	r.advanceUntil(t, "the second attempt", time.Millisecond, attempts(2))
	waitFor(t, "the second failure to be stored", func() bool { return r.hook(t, "crm").Failures == 2 })
	if h := r.hook(t, "crm"); h.Cursor != 0 || h.NextAttempt.Sub(h.LastAttempt) != 2*time.Second {
		t.Fatalf("after the second failure (the wait doubles): %+v", h)
	}
	r.advanceUntil(t, "the third attempt", 100*time.Millisecond, attempts(3))
	waitFor(t, "the acknowledgement to be stored", func() bool { return r.hook(t, "crm").Cursor == 1 })
	if h := r.hook(t, "crm"); h.Failures != 0 || h.Delivered != 1 || h.LastError != "" || !h.NextAttempt.IsZero() {
		t.Fatalf("after the acknowledgement: %+v", h)
	}

	got := rc.deliveries()
	id := got[0].header.Get("X-Hotline-Event-Id")
	for i, d := range got {
		if d.header.Get("X-Hotline-Event-Id") != id || !bytes.Equal(d.body, got[0].body) || d.header.Get("X-Hotline-Sequence") != "1" ||
			d.header.Get("X-Hotline-Event-Type") != "INITIATED" || d.header.Get("Content-Type") != "application/json" {
			t.Fatalf("attempt %d is not the same delivery: %v", i+1, d.header)
		}
	}
	if ev := eventOf(t, got[0]); ev.ID != id || ev.Detail.EventType != "INITIATED" || ev.Detail.ContactID != "c-1" {
		t.Fatalf("the event: %+v", ev)
	}

	// The next event goes out once, and the one after it in order.
	r.contact(t, "c-2", true)
	waitFor(t, "the next events", func() bool { return r.hook(t, "crm").Cursor == 3 })
	got = rc.deliveries()
	if len(got) != 5 {
		t.Fatalf("%d deliveries, want 5", len(got))
	}
	for i, want := range []string{"INITIATED", "DISCONNECTED"} {
		if ev := eventOf(t, got[3+i]); ev.Detail.EventType != want || ev.Detail.ContactID != "c-2" || got[3+i].header.Get("X-Hotline-Sequence") != strconv.Itoa(2+i) {
			t.Fatalf("delivery %d: %s of %s", 4+i, ev.Detail.EventType, ev.Detail.ContactID)
		}
	}
}

// TestWebhookSignature: the signature is the HMAC-SHA256 of the timestamp,
// a dot and the body, under the webhook's secret, as a receiver computes
// it with nothing but the standard library; no secret, no signature.
func TestWebhookSignature(t *testing.T) {
	r := newRig(t, events.Settings{})
	signed, plain := newReceiver(t), newReceiver(t)
	ctx := context.Background()
	if _, err := r.ev.Put(ctx, "", "signed", &events.WebhookInput{URL: signed.srv.URL, Secret: "whsec-42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ev.Put(ctx, "", "plain", &events.WebhookInput{URL: plain.srv.URL}); err != nil {
		t.Fatal(err)
	}
	r.ev.Start()
	r.contact(t, "c-1", false)
	waitFor(t, "both deliveries", func() bool { return len(signed.deliveries()) == 1 && len(plain.deliveries()) == 1 })

	d := signed.deliveries()[0]
	ts := d.header.Get("X-Hotline-Timestamp")
	if ts != strconv.FormatInt(t0.Unix(), 10) {
		t.Fatalf("timestamp %q, want the server clock's %d", ts, t0.Unix())
	}
	mac := hmac.New(sha256.New, []byte("whsec-42"))
	mac.Write([]byte(ts + "." + string(d.body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := d.header.Get("X-Hotline-Signature"); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if events.Sign("whsec-42", ts, d.body) != want {
		t.Fatal("Sign disagrees with the delivery")
	}
	// A tampered body or another secret does not verify.
	if events.Sign("whsec-42", ts, append(d.body, ' ')) == want || events.Sign("other", ts, d.body) == want {
		t.Fatal("the signature does not depend on the body and the secret")
	}
	if s := plain.deliveries()[0].header.Get("X-Hotline-Signature"); s != "" {
		t.Fatalf("a webhook without a secret sent a signature %q", s)
	}
}

// TestWebhookDeliversAfterARestart: a receiver that is down while events
// happen, and while the server restarts, gets every event once it is
// back; the acknowledged cursor survives the next restart.
func TestWebhookDeliversAfterARestart(t *testing.T) {
	r := newRig(t, events.Settings{InitialBackoff: time.Hour})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the receiver is down: connections are refused
	ctx := context.Background()
	if _, err := r.ev.Put(ctx, "", "crm", &events.WebhookInput{URL: "http://" + addr + "/events"}); err != nil {
		t.Fatal(err)
	}
	r.ev.Start()
	r.contact(t, "c-1", true)
	waitFor(t, "the failure", func() bool { return r.hook(t, "crm").Failures == 1 })
	if h := r.hook(t, "crm"); h.Cursor != 0 || h.LastStatus != 0 || !strings.Contains(h.LastError, "refused") {
		t.Fatalf("after a refused connection: %+v", h)
	}

	// Down: the server stops; a contact changes before it comes back
	// (its events are stored while no dispatcher runs).
	r.close()
	r.open(t)
	r.contact(t, "c-2", false)
	r.close()

	rc := &receiver{}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(rc.serve)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	// The restarted dispatcher tries at once, although the backoff (an
	// hour) has not passed.
	r.open(t)
	r.ev.Start()
	waitFor(t, "the backlog", func() bool { return r.hook(t, "crm").Cursor == 3 })
	got := rc.deliveries()
	var seen []string
	for _, d := range got {
		ev := eventOf(t, d)
		seen = append(seen, ev.Detail.EventType+" "+ev.Detail.ContactID)
	}
	if want := []string{"INITIATED c-1", "DISCONNECTED c-1", "INITIATED c-2"}; strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("delivered %q, want %q", seen, want)
	}

	r.restart(t)
	r.ev.Start()
	r.contact(t, "c-3", false)
	waitFor(t, "the event after the second restart", func() bool { return r.hook(t, "crm").Cursor == 4 })
	if got := rc.deliveries(); len(got) != 4 || eventOf(t, got[3]).Detail.ContactID != "c-3" {
		t.Fatalf("after the second restart %d deliveries: acknowledged events were sent again", len(got))
	}
}

// TestWebhookFiltersAndReplays: a filter delivers only its types and its
// cursor passes over the rest; After replays what the outbox keeps; a
// deleted webhook gets nothing more.
func TestWebhookFiltersAndReplays(t *testing.T) {
	r := newRig(t, events.Settings{})
	ctx := context.Background()
	r.contact(t, "before", true) // events 1 and 2, before any webhook
	ends, all := newReceiver(t), newReceiver(t)
	if _, err := r.ev.Put(ctx, "", "ends", &events.WebhookInput{URL: ends.srv.URL, EventTypes: []string{"DISCONNECTED"}}); err != nil {
		t.Fatal(err)
	}
	zero := uint64(0)
	out, err := r.ev.Put(ctx, "", "all", &events.WebhookInput{URL: all.srv.URL, After: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if out.Cursor != 0 || out.LastSequence != 2 {
		t.Fatalf("a replaying webhook: %+v", out)
	}
	if h := r.hook(t, "ends"); h.Cursor != 2 {
		t.Fatalf("a new webhook starts at the latest event, got cursor %d", h.Cursor)
	}
	r.ev.Start()
	r.contact(t, "c-1", true)
	r.contact(t, "c-2", false)
	waitFor(t, "both webhooks to catch up", func() bool { return r.hook(t, "ends").Cursor == 5 && r.hook(t, "all").Cursor == 5 })
	if got := ends.deliveries(); len(got) != 1 || eventOf(t, got[0]).Detail.ContactID != "c-1" || eventOf(t, got[0]).Detail.EventType != "DISCONNECTED" {
		t.Fatalf("the filtered webhook got %d deliveries", len(got))
	}
	if got := all.deliveries(); len(got) != 5 || eventOf(t, got[0]).Detail.ContactID != "before" {
		t.Fatalf("the replaying webhook got %d deliveries", len(got))
	}

	if err := r.ev.Delete(ctx, "", "all"); err != nil {
		t.Fatal(err)
	}
	r.contact(t, "c-3", true)
	waitFor(t, "the remaining webhook", func() bool { return r.hook(t, "ends").Cursor == 7 })
	if got := all.deliveries(); len(got) != 5 {
		t.Fatalf("a deleted webhook got %d deliveries", len(got))
	}
}

// TestOutboxPruning keeps the latest events, and every event a webhook
// has still to acknowledge.
func TestOutboxPruning(t *testing.T) {
	r := newRig(t, events.Settings{Keep: 2, InitialBackoff: time.Hour})
	ctx := context.Background()
	// The receiver acknowledges two events, then fails (retried in an hour).
	slow := newReceiver(t, 200, 200, 503, 503, 503)
	if _, err := r.ev.Put(ctx, "", "slow", &events.WebhookInput{URL: slow.srv.URL}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r.contact(t, fmt.Sprintf("c-%d", i), true) // events 1..6
	}
	kept := func() []uint64 {
		evs, _, err := r.cts.ReadEvents(ctx, inst, 0, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
		}
		return seqs
	}
	// The dispatcher's first pass delivers, then prunes what the webhook
	// acknowledged: not the latest two only, which it has yet to receive.
	r.ev.Start()
	waitFor(t, "pruning up to the webhook's cursor", func() bool { return len(kept()) <= 4 })
	if got := kept(); fmt.Sprint(got) != "[3 4 5 6]" || r.hook(t, "slow").Cursor != 2 {
		t.Fatalf("kept %v with the webhook at %d", got, r.hook(t, "slow").Cursor)
	}
	// Without webhooks, the latest Keep stay.
	if err := r.ev.Delete(ctx, "", "slow"); err != nil {
		t.Fatal(err)
	}
	r.restart(t)
	r.ev.Start()
	waitFor(t, "pruning", func() bool { return len(kept()) <= 2 })
	if got := kept(); fmt.Sprint(got) != "[5 6]" {
		t.Fatalf("kept %v, want the latest two", got)
	}
}
