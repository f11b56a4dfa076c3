package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/store"
)

// The headers of a delivery. The body is the event's EventBridge envelope.
const (
	HeaderEventID   = "X-Hotline-Event-Id"   // the envelope's id: the same on every attempt, for de-duplication
	HeaderSequence  = "X-Hotline-Sequence"   // the event's sequence number in its instance's outbox
	HeaderEventType = "X-Hotline-Event-Type" // detail.eventType
	HeaderTimestamp = "X-Hotline-Timestamp"  // when this attempt was made, Unix seconds on the server's clock
	HeaderSignature = "X-Hotline-Signature"  // sha256=HEX, when the webhook has a secret
)

// Sign returns the X-Hotline-Signature value of a delivery: the hex
// HMAC-SHA256, keyed by the webhook's secret, of the timestamp header, a
// '.', and the body. Binding the timestamp lets a receiver refuse replays
// of an old delivery.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// batch is how many events the dispatcher reads for a webhook at a time;
// its cursor is stored once per batch, so a crash mid-batch delivers the
// batch's acknowledged events again (at least once), and a busy outbox
// costs one commit per batch rather than per event.
const batch = 64

// pruneEvery is how often, on the server's clock, the dispatcher prunes
// the outbox.
const pruneEvery = time.Minute

// hook is one webhook as a dispatcher pass sees it.
type hook struct {
	inst, name string
	w          *Webhook
	d          *delivery
}

// run is the dispatcher: one goroutine for every webhook of every
// instance. Each pass delivers the events every due webhook has not
// acknowledged, in sequence order, then it sleeps until events are
// committed, a webhook changes, or the earliest retry falls due.
func (s *Service) run() {
	defer close(s.stopped)
	restarted := true // a start retries failing webhooks at once
	var lastPrune time.Time
	pruned := map[string]uint64{} // by instance: the outbox holds nothing up to here
	for {
		changed := s.cfg.Contacts.EventsChanged() // before reading, so no commit is missed
		busy, next := s.pass(restarted)
		restarted = false
		if now := s.clock.Now(); lastPrune.IsZero() || now.Sub(lastPrune) >= pruneEvery {
			lastPrune = now
			s.prune(pruned)
		}
		if busy {
			select {
			case <-s.done:
				return
			default:
				continue
			}
		}
		var due chan struct{}
		stop := func() bool { return false }
		if !next.IsZero() {
			due = make(chan struct{})
			stop = clock.AfterFunc(s.clock, next.Sub(s.clock.Now()), func() { close(due) })
		}
		select {
		case <-s.done:
			stop()
			return
		case <-changed:
		case <-s.kick:
		case <-due:
		}
		stop()
	}
}

// wake makes the dispatcher look at the webhooks again.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// pass makes one round of deliveries. It reports whether a webhook may
// have more to deliver at once, and the earliest time a failing webhook
// is due again (zero for none).
func (s *Service) pass(all bool) (busy bool, next time.Time) {
	hooks, err := s.hooks()
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Error("contact events: reading the webhooks", "err", err)
		}
		return false, s.clock.Now().Add(s.set.InitialBackoff)
	}
	for _, h := range hooks {
		if s.ctx.Err() != nil {
			return false, time.Time{}
		}
		if !all && h.d.NextAttempt.After(s.clock.Now()) {
			next = earliest(next, h.d.NextAttempt)
			continue
		}
		more, err := s.deliver(h)
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Error("contact events: delivering", "instanceId", h.inst, "webhook", h.name, "err", err)
			}
			next = earliest(next, s.clock.Now().Add(s.set.InitialBackoff))
			continue
		}
		busy = busy || more
		if h.d.Failures > 0 {
			next = earliest(next, h.d.NextAttempt)
		}
	}
	return busy, next
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// hooks reads every webhook of every instance.
func (s *Service) hooks() ([]*hook, error) {
	var out []*hook
	err := s.db.View(s.ctx, func(tx store.Tx) error {
		out = out[:0]
		var keys []string
		for k := range tx.Scan([]byte(hookRoot), store.PrefixEnd([]byte(hookRoot))) {
			keys = append(keys, string(k[len(hookRoot):]))
		}
		for _, k := range keys {
			inst, name, _ := strings.Cut(k, "/")
			w, d, err := getHook(tx, inst, name)
			if err != nil {
				return err
			}
			if w != nil {
				out = append(out, &hook{inst: inst, name: name, w: w, d: d})
			}
		}
		return nil
	})
	return out, err
}

// deliver posts a batch of h's events in order, stopping at the first
// failure, and stores how far it got. It reports whether h may have more
// events to deliver at once.
func (s *Service) deliver(h *hook) (more bool, err error) {
	evs, scanned, err := s.cfg.Contacts.ReadEvents(s.ctx, h.inst, h.d.Cursor, batch, keepTypes(h.w.EventTypes))
	if err != nil {
		return false, err
	}
	if len(evs) == 0 && scanned == h.d.Cursor {
		return false, nil
	}
	d := *h.d
	failed := false
	for _, ev := range evs {
		status, msg := s.post(h, ev)
		ok := status >= 200 && status <= 299
		if !ok && s.ctx.Err() != nil {
			// Close abandoned the attempt: no failure of the receiver's.
			// What the batch delivered before it is stored below.
			failed = true
			break
		}
		now := s.clock.Now().UTC()
		d.LastAttempt, d.LastStatus = now, status
		if !ok {
			d.Failures++
			d.NextAttempt = now.Add(s.backoff(h.w, d.Failures))
			d.LastError = msg
			failed = true
			s.log.Warn("contact events: webhook delivery failed", "instanceId", h.inst, "webhook", h.name,
				"sequence", ev.Seq, "failures", d.Failures, "retryAt", d.NextAttempt, "err", msg)
			break
		}
		d.Cursor, d.Delivered, d.LastDelivered = ev.Seq, d.Delivered+1, now
		d.Failures, d.NextAttempt, d.LastError = 0, time.Time{}, ""
	}
	if !failed {
		d.Cursor = max(d.Cursor, scanned) // past the events the filter passed over
	}
	if err := s.saveDelivery(h, &d); err != nil {
		return false, err
	}
	*h.d = d
	return !failed, nil
}

// backoff is the wait after the failures-th failure in a row.
func (s *Service) backoff(w *Webhook, failures int) time.Duration {
	d, longest := s.backoffs(w)
	for i := 1; i < failures && d < longest; i++ {
		d *= 2
	}
	return min(d, longest)
}

// saveDelivery stores h's delivery state, unless the webhook was deleted
// or replaced since the pass read it: the API's write stands then.
func (s *Service) saveDelivery(h *hook, d *delivery) error {
	// Not s.ctx: a delivery acknowledged as Close begins is still stored.
	return s.db.Update(context.Background(), func(tx store.RwTx) error {
		w, _, err := getHook(tx, h.inst, h.name)
		if err != nil || w == nil || w.Generation != h.w.Generation {
			return err
		}
		return putJSON(tx, stateKey(h.inst, h.name), d)
	})
}

// post makes one delivery attempt and returns the HTTP status (0 when
// there was no answer) and, for a failure, what went wrong.
func (s *Service) post(h *hook, ev contacts.StoredEvent) (int, string) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, h.w.URL, bytes.NewReader(ev.JSON))
	if err != nil {
		return 0, err.Error()
	}
	ts := strconv.FormatInt(s.clock.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hotline-Webhooks/1")
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderSequence, strconv.FormatUint(ev.Seq, 10))
	req.Header.Set(HeaderEventType, ev.Type)
	req.Header.Set(HeaderTimestamp, ts)
	if h.w.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(h.w.Secret, ts, ev.JSON))
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp.StatusCode, ""
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if t := strings.TrimSpace(string(excerpt)); t != "" {
		msg += ": " + t
	}
	return resp.StatusCode, msg
}

// prune deletes, for every instance, the events every webhook has
// acknowledged beyond the latest Keep.
func (s *Service) prune(pruned map[string]uint64) {
	seqs, err := s.cfg.Contacts.EventSeqs(s.ctx)
	if err != nil {
		return
	}
	hooks, err := s.hooks()
	if err != nil {
		return
	}
	for inst, last := range seqs {
		if last <= uint64(s.set.Keep) {
			continue
		}
		upTo := last - uint64(s.set.Keep)
		for _, h := range hooks {
			if h.inst == inst {
				upTo = min(upTo, h.d.Cursor)
			}
		}
		if upTo <= pruned[inst] {
			continue // nothing new to delete: spare the commit
		}
		if n, err := s.cfg.Contacts.PruneEvents(s.ctx, inst, upTo); err != nil {
			if s.ctx.Err() == nil {
				s.log.Error("contact events: pruning the outbox", "instanceId", inst, "err", err)
			}
		} else {
			pruned[inst] = upTo
			if n > 0 {
				s.log.Debug("contact events: pruned the outbox", "instanceId", inst, "events", n, "upTo", upTo)
			}
		}
	}
}
