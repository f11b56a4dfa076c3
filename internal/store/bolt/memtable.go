package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/tidwall/btree"
	bbolt "go.etcd.io/bbolt"
)

// entry is one key's latest state in a memtable: a value, or a tombstone
// that hides the key in every older layer. Entries are immutable once in a
// tree; a write replaces the pointer.
type entry struct {
	key, value []byte
	seq        uint64 // the group commit that wrote it
	deleted    bool
}

// memtable is an ordered map key -> *entry. A published memtable is never
// modified; the leader writes to a copy-on-write Copy of it.
type memtable = btree.BTreeG[*entry]

func entryLess(a, b *entry) bool { return bytes.Compare(a.key, b.key) < 0 }

func newMemtable() *memtable {
	return btree.NewBTreeGOptions(entryLess, btree.Options{NoLocks: true})
}

// newEntry copies key and value into the entry's own allocation when they
// fit (the key alone otherwise), so that a tree comparison, which reads
// the entry and then its key, costs one cache miss rather than two. The
// value is never nil, so an empty value stays distinct from a missing key.
func newEntry(key, value []byte, deleted bool) *entry {
	if deleted {
		value = nil
	}
	if e, buf := allocEntry(len(key) + len(value)); buf != nil {
		copy(buf, key)
		copy(buf[len(key):], value)
		e.key, e.deleted = buf[:len(key):len(key)], deleted
		if !deleted {
			e.value = buf[len(key):len(buf):len(buf)]
		}
		return e
	}
	// Too large together: the key inline if it fits, the value apart.
	e, k := allocEntry(len(key))
	if k == nil {
		k = make([]byte, len(key))
	}
	copy(k, key)
	e.key, e.deleted = k[:len(key):len(key)], deleted
	if !deleted {
		e.value = make([]byte, len(value))
		copy(e.value, value)
	}
	return e
}

// inlineEntry is an entry with room for n bytes after it.
type inlineEntry[B any] struct {
	entry
	b B
}

// allocEntry returns an entry with n bytes of room in the same allocation,
// or nil room when n is over the largest size. The sizes fill Go's size
// classes of 96 to 512 bytes (an entry is 64).
func allocEntry(n int) (*entry, []byte) {
	switch {
	case n <= 32:
		x := new(inlineEntry[[32]byte])
		return &x.entry, x.b[:n]
	case n <= 64:
		x := new(inlineEntry[[64]byte])
		return &x.entry, x.b[:n]
	case n <= 96:
		x := new(inlineEntry[[96]byte])
		return &x.entry, x.b[:n]
	case n <= 128:
		x := new(inlineEntry[[128]byte])
		return &x.entry, x.b[:n]
	case n <= 192:
		x := new(inlineEntry[[192]byte])
		return &x.entry, x.b[:n]
	case n <= 256:
		x := new(inlineEntry[[256]byte])
		return &x.entry, x.b[:n]
	case n <= 448:
		x := new(inlineEntry[[448]byte])
		return &x.entry, x.b[:n]
	}
	return new(entry), nil
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("%w: empty key", store.ErrInvalidKey)
	}
	if len(key) > bbolt.MaxKeySize {
		return fmt.Errorf("%w: %d bytes, limit is %d", store.ErrInvalidKey, len(key), bbolt.MaxKeySize)
	}
	return nil
}

var errTxDone = errors.New("store/bolt: transaction used after its function returned")

// errValueTooLarge is bbolt's limit, enforced at Put because the value only
// reaches bbolt at the next checkpoint.
var errValueTooLarge = fmt.Errorf("store/bolt: value larger than %d bytes", bbolt.MaxValueSize)

// readTx is the store.Tx handed to one function: the memtable layers,
// newest first, over a bbolt read transaction.
type readTx struct {
	mems   [5]*memtable  // newest first; nil entries are skipped
	keys   [5]*keyFilter // filters of the mems that have one
	b      *bbolt.Bucket
	writes int  // writes by this function, to re-seek scans after one
	done   bool // fn has returned
	probe  entry
	// reads, in an optimistic transaction, records what the function read
	// from the shared layers (mems[0] is then its own writes).
	reads *readSet
	spare *merge // a merge to reuse (see newMerge)
	// getter is the bbolt cursor Gets seek with: bbolt's Bucket.Get makes
	// a cursor, and grows its stack, on every call.
	getter *bbolt.Cursor
}

// lookup returns key's state in the layers: the value, or found == false.
func (t *readTx) lookup(key []byte) (value []byte, found bool) {
	t.probe.key = key
	var h uint64
	hashed := false
	for i, m := range t.mems {
		if m == nil {
			continue
		}
		if f := t.keys[i]; f != nil {
			if !hashed {
				h, hashed = keyHash(key), true
			}
			if !f.mayContain(h) {
				continue
			}
		}
		if e, ok := m.Get(&t.probe); ok {
			t.probe.key = nil
			if t.reads != nil && i > 0 {
				t.reads.point(key)
			}
			if e.deleted {
				return nil, false
			}
			return e.value, true
		}
	}
	t.probe.key = nil
	if t.reads != nil {
		t.reads.point(key)
	}
	if t.getter == nil {
		t.getter = t.b.Cursor()
	}
	// What Bucket.Get does, on the kept cursor: Seek lands on the first key
	// at or after key (its value is nil for a nested bucket).
	k, v := t.getter.Seek(key)
	if v == nil || !bytes.Equal(k, key) {
		return nil, false
	}
	return v, true
}

func (t *readTx) Get(key []byte) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	v, ok := t.lookup(key)
	if !ok {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (t *readTx) Scan(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		if t.done {
			panic(errTxDone)
		}
		t.scan(start, end, false, yield)
	}
}

func (t *readTx) ScanReverse(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		if t.done {
			panic(errTxDone)
		}
		t.scan(start, end, true, yield)
	}
}

// scan merges the layers in key order; the newest layer holding a key
// decides it, and a tombstone hides it. An optimistic transaction records
// the range it covered: up to the key where the body stopped, or the whole
// range (also if the body panics: a function might recover and go on).
func (t *readTx) scan(start, end []byte, reverse bool, yield func(k, v []byte) bool) {
	if t.reads == nil {
		t.mergeScan(start, end, reverse, yield)
		return
	}
	var stop []byte
	defer func() {
		switch {
		case stop == nil:
			t.reads.span(start, end, false)
		case reverse:
			t.reads.span(stop, end, false)
		default:
			t.reads.span(start, stop, true)
		}
	}()
	stop = t.mergeScan(start, end, reverse, yield)
}

// mergeScan is scan's merge; it returns the key at which yield stopped the
// scan, or nil if the scan reached its bound.
func (t *readTx) mergeScan(start, end []byte, reverse bool, yield func(k, v []byte) bool) (stop []byte) {
	m := t.newMerge(reverse)
	defer m.release()
	if reverse {
		m.seekBelow(end)
	} else {
		m.seekFrom(start, false)
	}
	for {
		i := m.top()
		if i < 0 {
			return nil
		}
		c := &m.cs[i]
		k, v, del := c.k, c.v, c.del
		if reverse {
			if len(start) > 0 && bytes.Compare(k, start) < 0 {
				return nil
			}
		} else if len(end) > 0 && bytes.Compare(k, end) >= 0 {
			return nil
		}
		if del {
			m.step(k)
			continue
		}
		writes := t.writes
		if !yield(k, v) {
			return k
		}
		if t.writes == writes {
			m.step(k)
			continue
		}
		// The body wrote, which invalidates the working tree's iterator:
		// find the first key past k again in every layer, as the
		// transaction now stands. k itself is intact (entries and bbolt
		// pages are never written in place).
		if reverse {
			m.seekBelow(k)
		} else {
			m.seekFrom(k, true)
		}
	}
}

// cursor is one layer's position in a merged scan.
type cursor struct {
	it  btree.IterG[*entry] // memtable layers
	bc  *bbolt.Cursor       // the bbolt layer
	ok  bool
	k   []byte
	v   []byte
	del bool
}

func (c *cursor) setMem(ok bool) {
	c.ok = ok
	if ok {
		e := c.it.Item()
		c.k, c.v, c.del = e.key, e.value, e.deleted
	} else {
		c.k, c.v, c.del = nil, nil, false
	}
}

func (c *cursor) setBolt(k, v []byte) {
	c.ok, c.k, c.v, c.del = k != nil, k, v, false
}

// merge positions one cursor per layer, newest first.
type merge struct {
	t       *readTx
	cs      []cursor
	reverse bool
	probe   entry
	buf     [6]cursor     // cs's room: five memtables and bbolt
	bc      *bbolt.Cursor // reused by the next scan
}

// newMerge takes the tx's spare merge if it has one (a scan inside a
// scan's body gets a new one), so that a function's scans do not allocate.
func (t *readTx) newMerge(reverse bool) *merge {
	m := t.spare
	if m == nil {
		m = mergePool.Get().(*merge)
		m.t, m.bc = t, t.b.Cursor()
	}
	t.spare = nil
	m.reverse = reverse
	m.cs = m.buf[:0]
	for _, mt := range t.mems {
		if mt != nil {
			m.cs = append(m.cs, cursor{it: m.buf[len(m.cs)].it})
			m.cs[len(m.cs)-1].it.Init(mt, false)
		}
	}
	m.cs = append(m.cs, cursor{bc: m.bc})
	return m
}

// mergePool keeps the merges of ended transactions: a merge holds an
// iterator per layer, about a kilobyte, which every View that scans
// would otherwise allocate.
var mergePool = sync.Pool{New: func() any { return new(merge) }}

// end marks the transaction's function as returned and gives its spare
// merge back to the pool.
func (t *readTx) end() {
	t.done = true
	if m := t.spare; m != nil {
		t.spare = nil
		m.t, m.bc, m.probe = nil, nil, entry{}
		mergePool.Put(m)
	}
}

func (m *merge) release() {
	for i := range m.cs {
		c := &m.cs[i]
		if c.bc == nil {
			c.it.Release()
		}
		c.k, c.v = nil, nil
	}
	m.t.spare = m
}

// seekFrom positions every layer on its first key >= key (> key if after),
// or its first key when key is empty.
func (m *merge) seekFrom(key []byte, after bool) {
	for i := range m.cs {
		c := &m.cs[i]
		if c.bc != nil {
			if len(key) == 0 {
				c.setBolt(c.bc.First())
			} else {
				c.setBolt(c.bc.Seek(key))
			}
		} else {
			if len(key) == 0 {
				c.setMem(c.it.First())
			} else {
				m.probe.key = key
				c.setMem(c.it.Seek(&m.probe))
				m.probe.key = nil
			}
		}
		if after && c.ok && bytes.Equal(c.k, key) {
			m.next(c)
		}
	}
}

// seekBelow positions every layer on its largest key < key, or its last
// key when key is empty.
func (m *merge) seekBelow(key []byte) {
	for i := range m.cs {
		c := &m.cs[i]
		if c.bc != nil {
			switch {
			case len(key) == 0:
				c.setBolt(c.bc.Last())
			default:
				if k, _ := c.bc.Seek(key); k == nil {
					c.setBolt(c.bc.Last()) // every key is below
				} else {
					c.setBolt(c.bc.Prev())
				}
			}
			continue
		}
		if len(key) == 0 {
			c.setMem(c.it.Last())
			continue
		}
		m.probe.key = key
		found := c.it.Seek(&m.probe)
		m.probe.key = nil
		if found {
			c.setMem(c.it.Prev())
		} else {
			c.setMem(c.it.Last()) // every key is below
		}
	}
}

func (m *merge) next(c *cursor) {
	if c.bc != nil {
		if m.reverse {
			c.setBolt(c.bc.Prev())
		} else {
			c.setBolt(c.bc.Next())
		}
		return
	}
	if m.reverse {
		c.setMem(c.it.Prev())
	} else {
		c.setMem(c.it.Next())
	}
}

// top returns the index of the layer holding the next key in scan order
// (the newest such layer on a tie), or -1 when every layer is exhausted.
func (m *merge) top() int {
	best := -1
	for i := range m.cs {
		c := &m.cs[i]
		if !c.ok {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		cmp := bytes.Compare(c.k, m.cs[best].k)
		if (!m.reverse && cmp < 0) || (m.reverse && cmp > 0) {
			best = i
		}
	}
	return best
}

// step moves every layer positioned on key to its next key.
func (m *merge) step(key []byte) {
	for i := range m.cs {
		c := &m.cs[i]
		if c.ok && bytes.Equal(c.k, key) {
			m.next(c)
		}
	}
}

// undo is how to restore one key of the working tree.
type undo struct {
	key  []byte
	prev *entry // nil: the key was absent
}

// writeTx is the store.RwTx handed to one function of a group.
type writeTx struct {
	readTx
	g        *groupTx
	deferred []func(store.RwTx) error
}

// Defer implements store.Deferrer: run calls the functions after fn.
func (t *writeTx) Defer(fn func(store.RwTx) error) { t.deferred = append(t.deferred, fn) }

// groupTx is the leader's state for one group: the working tree (mems[0]
// of every member's tx), the WAL record being built, the current member's
// undo log, and the sequence number its writes carry.
type groupTx struct {
	work *memtable
	rec  []byte
	undo []undo
	seq  uint64
}

// checkWrite is what every write checks before it touches a tree; it
// counts the write, for the scans of the same function.
func (t *readTx) checkWrite(key, value []byte) error {
	if t.done {
		return errTxDone
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) > bbolt.MaxValueSize {
		return errValueTooLarge
	}
	t.writes++
	return nil
}

func (t *writeTx) write(key, value []byte, deleted bool) error {
	if err := t.checkWrite(key, value); err != nil {
		return err
	}
	t.g.set(newEntry(key, value, deleted))
	return nil
}

// set writes e into the working tree as part of the current member, and
// its operation into the record.
func (g *groupTx) set(e *entry) {
	g.insert(e)
	if e.deleted {
		g.rec = appendOp(g.rec, opDelete, e.key, nil)
	} else {
		g.rec = appendOp(g.rec, opPut, e.key, e.value)
	}
}

// insert writes e into the working tree as part of the current member.
func (g *groupTx) insert(e *entry) {
	e.seq = g.seq
	prev, replaced := g.work.Set(e)
	u := undo{key: e.key}
	if replaced {
		u.prev = prev
	}
	g.undo = append(g.undo, u)
}

// setAll moves a validated optimistic transaction's writes into the working
// tree, in key order, and its operations (own encoded by encodeOps) into
// the record.
func (g *groupTx) setAll(own *memtable, ops []byte) {
	own.Scan(func(e *entry) bool {
		g.insert(e)
		return true
	})
	g.rec = append(g.rec, ops...)
}

func (t *writeTx) Put(key, value []byte) error { return t.write(key, value, false) }

func (t *writeTx) Delete(key []byte) error { return t.write(key, nil, true) }

// rollback undoes the current member's writes to the working tree and
// drops its operations from the record, which is cut back to mark.
func (g *groupTx) rollback(mark int) {
	var probe entry
	for i := len(g.undo) - 1; i >= 0; i-- {
		u := g.undo[i]
		if u.prev != nil {
			g.work.Set(u.prev)
		} else {
			probe.key = u.key
			g.work.Delete(&probe)
		}
	}
	g.undo = g.undo[:0]
	g.rec = g.rec[:mark]
}
