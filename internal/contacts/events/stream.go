package events

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// keepAlive is how often an idle stream sends a comment line, so that
// proxies keep the connection and a client notices a dead one.
const keepAlive = 15 * time.Second

// streamBatch is how many events a stream reads at a time.
const streamBatch = 256

// serveStream streams an instance's contact events as server-sent events,
// one per event: "id: <sequence>" and "data: <the EventBridge envelope>".
// It starts after the sequence number in after (or in Last-Event-ID, which
// an EventSource sends when it reconnects); with neither, at the events
// that happen from now on. types, comma-separated, keeps only those event
// types. The stream lasts until the client goes or the server stops.
func (s *Service) serveStream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	inst, err := s.instance(ctx, q.Get("instanceId"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	types, err := ParseTypes(q.Get("types"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	pos, err := s.startAt(ctx, inst, q.Get("after"), r.Header.Get("Last-Event-ID"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.api().WriteError(w, r, fmt.Errorf("events: the response writer cannot stream"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // a buffering proxy would hold the stream back
	w.WriteHeader(http.StatusOK)
	// The opening block sends the headers at once, so the client knows the
	// stream is open before any event, and its id (a block with no data,
	// which an EventSource does not dispatch) is where a reconnection
	// resumes if no event came before it.
	if _, err := fmt.Fprintf(w, ": contact events of instance %s\nid: %d\n\n", inst, pos); err != nil {
		return
	}
	flusher.Flush()

	keep := keepTypes(types)
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		changed := s.cfg.Contacts.EventsChanged() // before reading, so no commit is missed
		evs, scanned, err := s.cfg.Contacts.ReadEvents(ctx, inst, pos, streamBatch, keep)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("contact events: reading the outbox for a stream", "instanceId", inst, "err", err)
			}
			return // the client reconnects from the last id it received
		}
		for _, ev := range evs {
			// Stored events are compact JSON: one data line each.
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", ev.Seq, ev.JSON); err != nil {
				return
			}
		}
		if len(evs) > 0 {
			flusher.Flush()
		}
		more := scanned > pos
		pos = scanned
		if more {
			continue // read on until the outbox is exhausted
		}
		select {
		case <-changed:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}

// startAt is the sequence number a stream starts after.
func (s *Service) startAt(ctx context.Context, inst, after, lastEventID string) (uint64, error) {
	for _, v := range []string{after, lastEventID} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, apierr.New("InvalidParameterException", "after %q is not a sequence number (0 or more)", v)
		}
		return n, nil
	}
	var last uint64
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		last, err = s.cfg.Contacts.LastEventSeqIn(tx, inst)
		return err
	})
	return last, err
}
