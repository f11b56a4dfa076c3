package profiles

import (
	"bytes"
	"context"
	"iter"
	"sync"
	"unsafe"

	"github.com/tidwall/btree"

	"github.com/hotline-dev/hotline/internal/store"
)

// memStore is a store in memory for benchmarks of profiles' own work: one
// writer at a time, writes applied at once and undone if fn fails, no
// durability. Its calls cost little, so a benchmark on it shows what
// profiles spends, which is what the store's concurrent transactions
// (functions run on a snapshot in the caller's goroutine) pay per call.
type memStore struct {
	mu     sync.Mutex
	m      btree.Map[string, []byte]
	closed bool
}

func (s *memStore) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	return fn(&memTx{s: s})
}

func (s *memStore) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	tx := &memTx{s: s}
	err := fn(tx)
	if err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			u := tx.undo[i]
			if u.had {
				s.m.Set(u.key, u.val)
			} else {
				s.m.Delete(u.key)
			}
		}
	}
	return err
}

// Close makes every later call fail with store.ErrClosed (which stops the
// service's janitor).
func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

type memTx struct {
	s    *memStore
	undo []memUndo
}

type memUndo struct {
	key string
	val []byte
	had bool
}

// view is key as a string without a copy, for lookups only.
func view(key []byte) string { return unsafe.String(unsafe.SliceData(key), len(key)) }

func (t *memTx) Get(key []byte) ([]byte, error) {
	v, ok := t.s.m.Get(view(key))
	if !ok {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (t *memTx) Put(key, value []byte) error {
	k := string(key)
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	old, had := t.s.m.Set(k, v)
	t.undo = append(t.undo, memUndo{key: k, val: old, had: had})
	return nil
}

func (t *memTx) Delete(key []byte) error {
	old, had := t.s.m.Delete(view(key))
	if had {
		t.undo = append(t.undo, memUndo{key: string(key), val: old, had: true})
	}
	return nil
}

// Scan seeks afresh for every pair, so the loop body may write.
func (t *memTx) Scan(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		from, after := string(start), false
		for {
			var k string
			var v []byte
			found := false
			t.s.m.Ascend(from, func(key string, val []byte) bool {
				if after && key == from {
					return true
				}
				k, v, found = key, val, true
				return false
			})
			if !found || len(end) > 0 && k >= view(end) {
				return
			}
			if !yield([]byte(k), v) {
				return
			}
			from, after = k, true
		}
	}
}

func (t *memTx) ScanReverse(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		var last string
		first := true
		for {
			var k string
			var v []byte
			found := false
			visit := func(key string, val []byte) bool {
				if key == last && !first || first && len(end) > 0 && key >= view(end) {
					return true
				}
				k, v, found = key, val, true
				return false
			}
			switch {
			case !first:
				t.s.m.Descend(last, visit)
			case len(end) > 0:
				t.s.m.Descend(string(end), visit)
			default:
				t.s.m.Reverse(visit)
			}
			if !found || k < view(start) {
				return
			}
			if !yield([]byte(k), v) {
				return
			}
			last, first = k, false
		}
	}
}
