package bolt

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/hotline-dev/hotline/internal/store"
	berrors "go.etcd.io/bbolt/errors"
)

// Optimistic transactions (UpdateConcurrent): the function runs in the
// caller's goroutine on a snapshot (the published memtables and a bbolt
// read transaction, as View sees them, with the snapshot's commit sequence
// number), writing into a private memtable and recording what it read.
// The group's leader then validates it: every memtable entry carries the
// sequence number of the commit that wrote it, so a read is stale exactly
// when a layer holds an entry newer than the snapshot for a key read or
// inside a range scanned. A valid transaction's entries are moved into the
// group's working tree as they are; a stale one runs again, serially, as
// Update runs it. Only the validation and the move are serial.
//
// Validation needs every commit after the snapshot to be in a memtable. A
// checkpoint moves the frozen memtable into bbolt and drops it; from then
// on, snapshots older than the last commit it held (the floor) cannot be
// validated, and run again.

// readSet is what an optimistic transaction read from the shared layers.
type readSet struct {
	arena []byte // the keys, copied: the caller may reuse its buffers
	spans []span
}

// span is one read: a key (point), or the keys in [start, end) of a scan,
// where an empty end means no upper bound.
type span struct {
	start, end []byte
	point      bool
}

func (r *readSet) copy(b []byte, extra int) []byte {
	n := len(r.arena)
	r.arena = append(r.arena, b...)
	for range extra {
		r.arena = append(r.arena, 0)
	}
	return r.arena[n:len(r.arena):len(r.arena)]
}

func (r *readSet) point(key []byte) {
	r.spans = append(r.spans, span{start: r.copy(key, 0), point: true})
}

// span records the scan of [start, end), or of [start, end] when
// inclusive (a forward scan stopped at end).
func (r *readSet) span(start, end []byte, inclusive bool) {
	s := span{start: r.copy(start, 0)}
	switch {
	case inclusive:
		s.end = r.copy(end, 1) // the smallest key after end
	case len(end) > 0:
		s.end = r.copy(end, 0)
	}
	r.spans = append(r.spans, s)
}

// changedSince reports whether a layer holds an entry newer than snap for
// something r read. layers are newest first; for a point read the newest
// layer holding the key decides.
func (r *readSet) changedSince(snap uint64, layers ...*memtable) bool {
	var probe entry
	for _, s := range r.spans {
		if s.point {
			probe.key = s.start
			for _, m := range layers {
				if m == nil {
					continue
				}
				if e, ok := m.Get(&probe); ok {
					if e.seq > snap {
						return true
					}
					break
				}
			}
			continue
		}
		for _, m := range layers {
			if m == nil {
				continue
			}
			changed := false
			probe.key = s.start
			m.Ascend(&probe, func(e *entry) bool {
				if len(s.end) > 0 && bytes.Compare(e.key, s.end) >= 0 {
					return false
				}
				changed = e.seq > snap
				return !changed
			})
			if changed {
				return true
			}
		}
	}
	return false
}

// optTx is the store.RwTx of an optimistic transaction: mems[0] is its own
// writes, over the snapshot's layers.
type optTx struct {
	readTx
	own      *memtable
	snap     uint64
	set      readSet
	deferred []func(store.RwTx) error
	// ops are own's operations in WAL form, encoded by the caller so that
	// the leader only copies them into the group's record.
	ops *[]byte
}

func (t *optTx) write(key, value []byte, deleted bool) error {
	if err := t.checkWrite(key, value); err != nil {
		return err
	}
	t.own.Set(newEntry(key, value, deleted))
	return nil
}

func (t *optTx) Put(key, value []byte) error { return t.write(key, value, false) }

func (t *optTx) Delete(key []byte) error { return t.write(key, nil, true) }

// Defer implements store.Deferrer: the leader runs fn after validation.
func (t *optTx) Defer(fn func(store.RwTx) error) { t.deferred = append(t.deferred, fn) }

var _ store.ConcurrentUpdater = (*DB)(nil)

// UpdateConcurrent runs fn on a snapshot in the caller's goroutine and
// commits it in the next group if nothing it read changed meanwhile;
// otherwise fn runs again inside that group, as Update runs it. See
// store.ConcurrentUpdater.
//
// A function that returns an error, or writes nothing and defers nothing,
// is answered at once from its snapshot: it changed nothing, and what it
// read was already durable.
func (db *DB) UpdateConcurrent(ctx context.Context, fn func(tx store.RwTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.isClosed.Load() {
		return store.ErrClosed
	}
	if err := db.failure(); err != nil {
		return err
	}
	db.layers.RLock()
	active, folding, base, frozen, seq := db.active, db.folding, db.base, db.frozen, db.seq
	baseKeys, frozenKeys := db.baseKeys, db.frozenKeys
	btx, err := db.bdb.Begin(false)
	db.layers.RUnlock()
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return store.ErrClosed
	}
	if err != nil {
		return err
	}
	t := &optTx{own: newMemtable(), snap: seq}
	t.readTx = readTx{mems: [5]*memtable{t.own, active, folding, base, frozen}, keys: [5]*keyFilter{3: baseKeys, 4: frozenKeys}, b: btx.Bucket(bucket), reads: &t.set}
	// A panic leaves through the caller's goroutine, as the contract asks.
	err = func() error {
		defer func() {
			t.end()
			_ = btx.Rollback()
		}()
		return fn(t)
	}()
	if err != nil {
		return err
	}
	if t.own.Len() == 0 && len(t.deferred) == 0 {
		return nil
	}
	t.ops = encodeOps(opsPool.Get().(*[]byte), t.own)
	defer func() {
		*t.ops = (*t.ops)[:0]
		opsPool.Put(t.ops)
	}()
	return db.submit(ctx, &call{fn: fn, opt: t, wake: make(chan struct{}, 1)})
}

// layerSeqs are the last commits folding, base and frozen hold: a layer
// whose last commit is not after a snapshot holds nothing the snapshot did
// not see.
type layerSeqs struct{ folding, base, frozen uint64 }

// newer returns m, or nil when its last commit (last) is not after snap,
// for changedSince, which skips nil layers. Its entries then all belong to
// commits the snapshot saw, and a newer entry for a key is in a newer
// layer, which the validation searches.
func newer(m *memtable, last, snap uint64) *memtable {
	if last <= snap {
		return nil
	}
	return m
}

// opsPool holds the buffers optimistic transactions encode their
// operations into; the leader has copied them once submit returns.
var opsPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// encodeOps appends own's entries, in key order, as WAL operations.
func encodeOps(buf *[]byte, own *memtable) *[]byte {
	own.Scan(func(e *entry) bool {
		if e.deleted {
			*buf = appendOp(*buf, opDelete, e.key, nil)
		} else {
			*buf = appendOp(*buf, opPut, e.key, e.value)
		}
		return true
	})
	return buf
}

// commitOptimistic validates c's optimistic transaction against the group's
// layers and, if it holds, moves its writes into the working tree and runs
// its deferred functions. It reports false when the transaction is stale
// and must run again.
func (db *DB) commitOptimistic(c *call, gt *groupTx, older [3]*memtable, lv layerSeqs, floor uint64, w *writeTx) (ok bool, err error) {
	o := c.opt
	c.opt = nil // a rerun is serial
	if o.snap < floor || o.set.changedSince(o.snap, gt.work,
		newer(older[0], lv.folding, o.snap), newer(older[1], lv.base, o.snap), newer(older[2], lv.frozen, o.snap)) {
		return false, nil
	}
	gt.setAll(o.own, *o.ops)
	w.deferred = o.deferred
	return true, runDeferred(c, w)
}
