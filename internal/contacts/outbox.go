package contacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/store"
)

// The outbox. Every contact event is stored in the transaction that makes
// the change it reports, so a change that was acknowledged never loses its
// event, and an event is never published for a change that was rolled
// back. Readers (webhook delivery, event streams) follow the outbox by
// sequence number. Key layout:
//
//	contacts/e/<inst>/<seq>    one event: the ContactEvent envelope (JSON)
//	contacts/s/<inst>          the instance's last sequence number (decimal)
//
// <seq> is 16 hex digits, so key order is sequence order. Sequence
// numbers start at 1 and increase by one per event of the instance; the
// store's write transactions are serializable, so they are assigned in
// commit order and never reused, even after the events are pruned.
const (
	eventRoot = "contacts/e/"
	seqRoot   = "contacts/s/"
)

func eventPrefix(inst string) string { return eventRoot + inst + "/" }
func eventKey(inst string, seq uint64) string {
	return eventPrefix(inst) + fmt.Sprintf("%016x", seq)
}
func seqKey(inst string) string { return seqRoot + inst }

// emit stores the events a write from before to r makes, after the record
// itself, in the same transaction.
func (s *Service) emit(tx store.RwTx, before lifecycle, r *Record, updated []string) error {
	types := transitions(before, r, updated)
	if len(types) == 0 {
		return nil
	}
	seq, err := lastSeq(tx, r.InstanceID)
	if err != nil {
		return err
	}
	for _, typ := range types {
		seq++
		b, err := json.Marshal(s.contactEvent(typ, uuid.NewString(), r, updated))
		if err != nil {
			return err
		}
		if err := tx.Put([]byte(eventKey(r.InstanceID, seq)), b); err != nil {
			return err
		}
	}
	return tx.Put([]byte(seqKey(r.InstanceID)), []byte(strconv.FormatUint(seq, 10)))
}

func lastSeq(tx store.Tx, inst string) (uint64, error) {
	b, err := tx.Get([]byte(seqKey(inst)))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("contacts: corrupt event sequence %s: %w", seqKey(inst), err)
	}
	return n, nil
}

// LastEventSeqIn returns the sequence number of the instance's latest
// contact event as tx sees it; 0 when it has none.
func (s *Service) LastEventSeqIn(tx store.Tx, instanceID string) (uint64, error) {
	return lastSeq(tx, instanceID)
}

// EventSeqs returns the sequence number of the latest contact event of
// every instance that has had one.
func (s *Service) EventSeqs(ctx context.Context) (map[string]uint64, error) {
	out := map[string]uint64{}
	err := s.db.View(ctx, func(tx store.Tx) error {
		clear(out)
		for k, v := range tx.Scan([]byte(seqRoot), store.PrefixEnd([]byte(seqRoot))) {
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("contacts: corrupt event sequence %s: %w", k, err)
			}
			out[strings.TrimPrefix(string(k), seqRoot)] = n
		}
		return nil
	})
	return out, err
}

// StoredEvent is one contact event of the outbox.
type StoredEvent struct {
	Seq  uint64
	ID   string // the envelope's id
	Type string // detail.eventType
	// JSON is the ContactEvent envelope as stored and delivered.
	JSON json.RawMessage
}

// maxScan bounds the events one ReadEvents looks at, so that a reader
// filtering for a rare type does not hold a transaction over a long
// outbox; it reads on from the sequence number returned.
const maxScan = 4096

// ReadEvents returns, in order, up to limit contact events of the instance
// with a sequence number above after whose type keep accepts (nil keeps
// every type). It also returns the sequence number of the last event it
// looked at (after, when none): a reader moves its position there, past
// the events it did not keep. Events pruned from the outbox are skipped.
func (s *Service) ReadEvents(ctx context.Context, instanceID string, after uint64, limit int, keep func(eventType string) bool) ([]StoredEvent, uint64, error) {
	if limit <= 0 {
		limit = 100
	}
	var (
		out     []StoredEvent
		scanned uint64
	)
	err := s.db.View(ctx, func(tx store.Tx) error {
		out, scanned = out[:0], after
		prefix := eventPrefix(instanceID)
		n := 0
		for k, v := range tx.Scan([]byte(eventKey(instanceID, after+1)), store.PrefixEnd([]byte(prefix))) {
			seq, err := strconv.ParseUint(string(k[len(prefix):]), 16, 64)
			if err != nil {
				return fmt.Errorf("contacts: corrupt event key %q", k)
			}
			var head struct {
				ID     string `json:"id"`
				Detail struct {
					EventType string `json:"eventType"`
				} `json:"detail"`
			}
			if err := json.Unmarshal(v, &head); err != nil {
				return fmt.Errorf("contacts: corrupt event %s: %w", k, err)
			}
			scanned = seq
			if keep == nil || keep(head.Detail.EventType) {
				out = append(out, StoredEvent{Seq: seq, ID: head.ID, Type: head.Detail.EventType, JSON: bytes.Clone(v)})
			}
			if n++; len(out) >= limit || n >= maxScan {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, after, err
	}
	return out, scanned, nil
}

// PruneEvents deletes the instance's contact events with a sequence number
// up to upTo, and reports how many it deleted. The sequence counter stays.
func (s *Service) PruneEvents(ctx context.Context, instanceID string, upTo uint64) (int, error) {
	if upTo == 0 {
		return 0, nil
	}
	end := store.PrefixEnd([]byte(eventPrefix(instanceID)))
	if upTo < math.MaxUint64 {
		end = []byte(eventKey(instanceID, upTo+1))
	}
	total := 0
	for {
		n := 0
		// Bounded batches keep each commit, and the time the writer is
		// held, small.
		err := s.db.Update(ctx, func(tx store.RwTx) error {
			n = 0
			var keys [][]byte
			for k := range tx.Scan([]byte(eventPrefix(instanceID)), end) {
				if keys = append(keys, bytes.Clone(k)); len(keys) == 1000 {
					break
				}
			}
			for _, k := range keys {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			n = len(keys)
			return nil
		})
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

// EventsChanged returns a channel that is closed once contact events
// committed after the call are readable. A reader takes it before reading
// the outbox, so that no event committed meanwhile is missed.
func (s *Service) EventsChanged() <-chan struct{} {
	if s.events == nil {
		return nil // a service without a store has no events
	}
	return s.events.Changed()
}

// EventStore is a store that announces committed contact events. Contact
// events are written in whatever transaction changes a contact, including
// a channel's own (PutIn, UpdateIn), and only the store knows when that
// transaction is durable and readable; the server hands one EventStore to
// every service, so that each such commit wakes the outbox's readers.
type EventStore struct {
	store.Store
	mu      sync.Mutex
	changed chan struct{}
}

// NewEventStore wraps db.
func NewEventStore(db store.Store) *EventStore {
	return &EventStore{Store: db, changed: make(chan struct{})}
}

// Update is db's Update; once a transaction that wrote contact events has
// committed, the channel Changed returned is closed.
func (e *EventStore) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	return e.update(ctx, e.Store.Update, fn)
}

// UpdateConcurrent is db's UpdateConcurrent (see store.ConcurrentUpdater),
// announcing contact events as Update does.
func (e *EventStore) UpdateConcurrent(ctx context.Context, fn func(tx store.RwTx) error) error {
	return e.update(ctx, func(ctx context.Context, fn func(tx store.RwTx) error) error {
		return store.UpdateConcurrent(ctx, e.Store, fn)
	}, fn)
}

func (e *EventStore) update(ctx context.Context, update func(context.Context, func(store.RwTx) error) error, fn func(tx store.RwTx) error) error {
	wrote := false
	err := update(ctx, func(tx store.RwTx) error {
		wrote = false // fn may run more than once; the last run is the one committed
		t := &eventTx{RwTx: tx, wrote: &wrote}
		if err := fn(t); err != nil {
			return err
		}
		// What fn deferred goes to the store's transaction, still watched.
		for i := 0; i < len(t.deferred); i++ {
			d := t.deferred[i]
			if err := store.Defer(tx, func(tx store.RwTx) error { return d(&eventTx{RwTx: tx, wrote: &wrote}) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && wrote {
		e.announce()
	}
	return err
}

// Changed returns a channel that is closed at the next commit that writes
// contact events.
func (e *EventStore) Changed() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}

func (e *EventStore) announce() {
	e.mu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// eventTx notes that a transaction wrote a contact event.
type eventTx struct {
	store.RwTx
	wrote    *bool
	deferred []func(store.RwTx) error
}

// Defer implements store.Deferrer; EventStore hands the functions to the
// store's transaction once fn has returned.
func (t *eventTx) Defer(fn func(tx store.RwTx) error) { t.deferred = append(t.deferred, fn) }

func (t *eventTx) Put(key, value []byte) error {
	if bytes.HasPrefix(key, []byte(eventRoot)) {
		*t.wrote = true
	}
	return t.RwTx.Put(key, value)
}
