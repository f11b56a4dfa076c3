// Package bolt owns Hotline's embedded store: store.Store on a single bbolt
// file, with a group commit written here so that concurrent writers share one
// fsync.
//
// Reads are bbolt read transactions on the memory map and never wait for
// writers. Writes go through Update, which queues the caller's function; the
// first writer to find no commit running becomes the leader, takes every
// queued function, runs them one after another in one bbolt read-write
// transaction and commits it, so the whole group pays for one durable commit.
// Writers arriving meanwhile form the next group, whose first member the
// leader promotes when it is done. bbolt's own DB.Batch is not used because
// it waits up to MaxBatchDelay even when a writer is alone.
//
// Caveat inherited from bbolt: a commit that must grow the memory map waits
// until every open View has ended. The map starts at DefaultInitialMmapSize,
// so this only matters beyond that size, but code must never wait for an
// Update while it holds a View open.
package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bucket is the single bbolt bucket holding every key: the store's key space
// is flat, and domain packages namespace it with key prefixes.
var bucket = []byte("hotline")

const (
	// DefaultLockTimeout is how long Open waits for another process to
	// release the file before giving up.
	DefaultLockTimeout = 2 * time.Second
	// DefaultInitialMmapSize is the initial size of the memory map. It costs
	// address space, not memory, and spares commits from remapping (which
	// waits for open Views) until the file outgrows it.
	DefaultInitialMmapSize = 1 << 30
)

// errGoexit is what a writer gets when its function (or the function of the
// leader running it) called runtime.Goexit, which cannot be stopped.
var errGoexit = errors.New("store/bolt: transaction function called runtime.Goexit")

// Option configures Open.
type Option func(*config)

type config struct {
	lockTimeout     time.Duration
	initialMmapSize int
}

// WithLockTimeout sets how long Open waits for the file lock held by another
// process; d <= 0 means DefaultLockTimeout. bbolt's "wait forever" is not
// offered: a second server on the same file must fail, not hang.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lockTimeout = d
		}
	}
}

// WithInitialMmapSize sets the initial memory-map size in bytes; n <= 0
// means DefaultInitialMmapSize.
func WithInitialMmapSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.initialMmapSize = n
		}
	}
}

// Stats counts the work of the group commit since Open.
type Stats struct {
	// Commits is the number of durable bbolt commits (one fsync group each).
	Commits uint64
	// Txs is the number of Update calls those commits made durable;
	// Txs/Commits is the mean group size.
	Txs uint64
	// Reruns is the number of times a group was rolled back and run again
	// without a member that failed after writing.
	Reruns uint64
}

// DB is the embedded store. It implements store.Store and is safe for
// concurrent use.
type DB struct {
	bdb  *bbolt.DB
	path string

	mu      sync.Mutex
	idle    sync.Cond // on mu; signalled when no group is being committed
	pending []*call   // writers waiting for the next group, in arrival order
	leading bool      // a leader is committing or has been promoted
	closed  bool

	isClosed atomic.Bool // closed, readable by View without taking mu

	commits, txs, reruns atomic.Uint64
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the store file at path, creating missing
// parent directories. The file is locked against other processes; if
// another process holds it, Open fails after the lock timeout.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{lockTimeout: DefaultLockTimeout, initialMmapSize: DefaultInitialMmapSize}
	if math.MaxInt == math.MaxInt32 {
		cfg.initialMmapSize = 64 << 20 // keep 32-bit address space usable
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: cfg.lockTimeout,
		// Not writing the freelist saves pages (and so write time) on every
		// commit; the price is a scan of the file at Open to rebuild it,
		// which is also what makes recovery independent of a possibly stale
		// freelist. The hashmap freelist keeps allocation cheap as the file
		// fragments. This is the combination etcd runs with.
		NoFreelistSync:  true,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: cfg.initialMmapSize,
		// bbolt's statistics are atomic counters shared by every reader;
		// nothing here reads them.
		NoStatistics: true,
		// NoSync stays false: every commit fsyncs, which is the point.
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store/bolt: open %s: file is locked by another process (waited %s)", path, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	// Create the bucket on first use only: an Update costs an fsync.
	var exists bool
	err = bdb.View(func(tx *bbolt.Tx) error {
		exists = tx.Bucket(bucket) != nil
		return nil
	})
	if err == nil && !exists {
		err = bdb.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket(bucket)
			return err
		})
	}
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	db := &DB{bdb: bdb, path: path}
	db.idle.L = &db.mu
	return db, nil
}

// Path returns the path of the store file.
func (db *DB) Path() string { return db.path }

// processStats sums Stats over every DB of the process, for benchmarks
// that reach the store only through a server.
var processStats struct{ commits, txs, reruns atomic.Uint64 }

// ProcessStats returns the group-commit counters summed over every DB this
// process has opened.
func ProcessStats() Stats {
	return Stats{Commits: processStats.commits.Load(), Txs: processStats.txs.Load(), Reruns: processStats.reruns.Load()}
}

// Stats returns the group-commit counters.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), Txs: db.txs.Load(), Reruns: db.reruns.Load()}
}

// View runs fn in a read-only snapshot.
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.isClosed.Load() {
		return store.ErrClosed
	}
	btx, err := db.bdb.Begin(false)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return store.ErrClosed // Close finished between the check and Begin
	}
	if err != nil {
		return err
	}
	defer func() { _ = btx.Rollback() }()
	t := &readTx{b: btx.Bucket(bucket)}
	defer func() { t.done = true }()
	return fn(t)
}

// Update runs fn in a serializable write transaction and returns once the
// transaction is durable; see store.Store for the contract.
//
// fn runs in the goroutine of the group's leader, which may not be the
// caller's; a panic in fn is recovered there and re-raised, with the same
// value, in the caller's goroutine once the rest of the group is settled (the
// original stack is lost).
func (db *DB) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &call{fn: fn, wake: make(chan struct{}, 1)}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return store.ErrClosed
	}
	db.pending = append(db.pending, c)
	if !db.leading {
		db.leading = true
		db.mu.Unlock()
		db.lead(c)
		return c.result()
	}
	db.mu.Unlock()

	select {
	case <-c.wake:
	case <-ctx.Done():
		db.mu.Lock()
		switch c.state {
		case queued:
			db.remove(c)
			db.mu.Unlock()
			return ctx.Err()
		case promoted:
			// Leadership was handed to us but the group has not started:
			// step out and pass it on.
			<-c.wake
			db.remove(c)
			db.handOff()
			db.mu.Unlock()
			return ctx.Err()
		}
		// Our commit has started; it must finish before we can answer.
		db.mu.Unlock()
		<-c.wake
	}
	// The wake receive orders this read after the leader's write of state.
	if c.state == promoted {
		db.lead(c)
	}
	return c.result()
}

// Close waits for the commits in flight (including writers already queued),
// then closes the file. Views still open delay it until they end.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return store.ErrClosed
	}
	db.closed = true
	db.isClosed.Store(true)
	for db.leading {
		db.idle.Wait()
	}
	db.mu.Unlock()
	return db.bdb.Close()
}

// callState is where a writer stands; it is guarded by DB.mu.
type callState uint8

const (
	queued   callState = iota // in DB.pending
	promoted                  // still in DB.pending, told to lead the next group
	taken                     // in a group being run by a leader
)

// call is one Update waiting for, or taking part in, a group commit.
type call struct {
	fn   func(store.RwTx) error
	wake chan struct{} // buffered: promoted to leader, or result ready

	state callState

	// Set by the leader before wake.
	err      error
	panicked bool
	panicVal any
}

func (c *call) result() error {
	if c.panicked {
		panic(c.panicVal)
	}
	return c.err
}

// remove deletes c from the pending queue; mu must be held.
func (db *DB) remove(c *call) {
	for i, p := range db.pending {
		if p == c {
			db.pending = append(db.pending[:i], db.pending[i+1:]...)
			return
		}
	}
}

// handOff promotes the first queued writer to lead the next group, or marks
// the store idle; mu must be held.
func (db *DB) handOff() {
	if len(db.pending) == 0 {
		db.leading = false
		db.idle.Broadcast()
		return
	}
	next := db.pending[0]
	next.state = promoted
	next.wake <- struct{}{}
}

// group is the leader's record of the calls it is committing.
type group struct {
	calls   []*call
	running *call // the call whose fn is executing, if any
	settled bool  // every call has its result
}

// lead commits everything pending as one group; self is the leader's own call.
func (db *DB) lead(self *call) {
	db.mu.Lock()
	g := &group{calls: db.pending}
	db.pending = nil
	for _, c := range g.calls {
		c.state = taken
	}
	db.mu.Unlock()

	// The deferred hand-off runs even if a fn calls runtime.Goexit and takes
	// this goroutine down, so the store never stalls without a leader.
	defer func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		if !g.settled {
			db.requeueAfterGoexit(g, self)
		}
		db.handOff()
		for _, c := range g.calls {
			c.wake <- struct{}{}
		}
	}()
	db.commit(g)
	g.settled = true
}

// requeueAfterGoexit handles a group abandoned by runtime.Goexit: its
// transaction was rolled back, so the culprit and the dying leader's own call
// fail, and the innocent members go back to the front of the queue for the
// next leader. mu must be held.
func (db *DB) requeueAfterGoexit(g *group, self *call) {
	var done, again []*call
	for _, c := range g.calls {
		switch {
		case c == g.running || c == self:
			c.err = errGoexit
			done = append(done, c)
		case c.err != nil || c.panicked:
			done = append(done, c)
		default:
			c.state = queued
			again = append(again, c)
		}
	}
	g.calls = done
	db.pending = append(again, db.pending...)
}

// maxGroup bounds how many writers one commit takes, so that a stream of
// arrivals cannot hold a group open indefinitely.
const maxGroup = 1024

// commit runs the group's functions in one read-write transaction and
// commits it. Writers that queue while the functions run join the group
// before the commit (they would otherwise wait for it and then pay for a
// commit of their own). A function that fails (error or panic) without
// having written is simply dropped; one that fails after writing forces a
// rollback and a rerun of the group without it.
func (db *DB) commit(g *group) {
	live := slices.Clone(g.calls)
	var btx *bbolt.Tx
	defer func() {
		if btx != nil { // only on runtime.Goexit inside a fn
			_ = btx.Rollback()
		}
	}()
	for len(live) > 0 {
		var err error
		btx, err = db.bdb.Begin(true)
		if err != nil {
			btx = nil
			for _, c := range live {
				c.err = err
			}
			return
		}
		b := btx.Bucket(bucket)
		ok := make([]*call, 0, len(live))
		rerun := false
		for i := 0; ; i++ {
			if i == len(live) {
				more := db.join(g)
				if len(more) == 0 {
					break
				}
				live = append(live, more...)
			}
			c := live[i]
			t := &writeTx{readTx{b: b}}
			g.running = c
			err := run(c, t)
			g.running = nil
			t.done = true
			if err == nil && !c.panicked {
				ok = append(ok, c)
				continue
			}
			c.err = err
			if t.writes == 0 {
				continue // left nothing in the transaction
			}
			_ = btx.Rollback()
			btx = nil
			live = append(ok, live[i+1:]...)
			rerun = true
			db.reruns.Add(1)
			processStats.reruns.Add(1)
			break
		}
		if rerun {
			continue
		}
		err = btx.Commit()
		btx = nil
		for _, c := range ok {
			c.err = err
		}
		if err == nil {
			db.commits.Add(1)
			db.txs.Add(uint64(len(ok)))
			processStats.commits.Add(1)
			processStats.txs.Add(uint64(len(ok)))
		}
		return
	}
}

// join moves the writers queued meanwhile into the running group g.
func (db *DB) join(g *group) []*call {
	db.mu.Lock()
	defer db.mu.Unlock()
	n := min(len(db.pending), maxGroup-len(g.calls))
	if n <= 0 {
		return nil
	}
	more := slices.Clone(db.pending[:n])
	db.pending = slices.Delete(db.pending, 0, n)
	for _, c := range more {
		c.state = taken
	}
	g.calls = append(g.calls, more...)
	return more
}

// run calls c.fn, turning a panic into c.panicVal.
func run(c *call, t *writeTx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.panicked = true
			c.panicVal = r
		}
	}()
	return c.fn(t)
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

// readTx is the store.Tx handed to one function.
type readTx struct {
	b      *bbolt.Bucket
	writes int  // successful-or-attempted writes by this function
	done   bool // fn has returned; the bbolt tx may belong to someone else now
}

func (t *readTx) Get(key []byte) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	v := t.b.Get(key)
	if v == nil {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (t *readTx) Scan(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		if t.done {
			panic(errTxDone)
		}
		c := t.b.Cursor()
		var k, v []byte
		if len(start) == 0 {
			k, v = c.First()
		} else {
			k, v = c.Seek(start)
		}
		for k != nil && (len(end) == 0 || bytes.Compare(k, end) < 0) {
			writes := t.writes
			if !yield(k, v) {
				return
			}
			if t.writes == writes {
				k, v = c.Next()
				continue
			}
			// The body wrote, which invalidates bbolt cursors: find the
			// first key after k again. k itself is still intact (mmap or a
			// node's copy; bbolt never writes either in place).
			last := k
			if k, v = c.Seek(last); k != nil && bytes.Equal(k, last) {
				k, v = c.Next()
			}
		}
	}
}

func (t *readTx) ScanReverse(start, end []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(k, v []byte) bool) {
		if t.done {
			panic(errTxDone)
		}
		c := t.b.Cursor()
		k, v := lastBelow(c, end)
		for k != nil && (len(start) == 0 || bytes.Compare(k, start) >= 0) {
			writes := t.writes
			if !yield(k, v) {
				return
			}
			if t.writes == writes {
				k, v = c.Prev()
				continue
			}
			k, v = lastBelow(c, k) // see Scan
		}
	}
}

// lastBelow positions c on the largest key < end (the last key if end is
// empty) and returns it.
func lastBelow(c *bbolt.Cursor, end []byte) ([]byte, []byte) {
	if len(end) == 0 {
		return c.Last()
	}
	if k, _ := c.Seek(end); k == nil {
		return c.Last() // every key is below end
	}
	return c.Prev()
}

// writeTx is the store.RwTx handed to one function of a group.
type writeTx struct{ readTx }

func (t *writeTx) Put(key, value []byte) error {
	if t.done {
		return errTxDone
	}
	if err := checkKey(key); err != nil {
		return err
	}
	// bbolt keeps the value slice until commit, which for a group is after
	// fn has returned; copying lets callers reuse buffers, and a non-nil
	// copy keeps an empty value distinguishable from a missing key.
	t.writes++
	return t.b.Put(key, append(make([]byte, 0, len(value)), value...))
}

func (t *writeTx) Delete(key []byte) error {
	if t.done {
		return errTxDone
	}
	if err := checkKey(key); err != nil {
		return err
	}
	t.writes++
	return t.b.Delete(key)
}
