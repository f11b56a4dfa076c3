// Package bolt owns Hotline's embedded store: store.Store on one bbolt file
// plus a write-ahead log (WAL) next to it, with a group commit written here
// so that concurrent writers share one fsync.
//
// Writes go through Update, which queues the caller's function; the first
// writer to find no commit running becomes the leader, takes every queued
// function and runs them one after another against a copy-on-write copy of
// the in-memory table of recent writes (the memtable), over a bbolt read
// transaction for older data. It appends the group's writes to the WAL as
// one record, fdatasyncs it, publishes the new memtable to readers and only
// then wakes the group: Update returns nil only once its writes are on disk.
// Writers arriving meanwhile form the next group, whose first member the
// leader promotes when it is done. A member that fails has its writes
// undone in the memtable; the rest of the group is not run again.
//
// The memtable is two trees: active, the small one each group copies and
// writes to, and base, the large one active is folded into every
// foldEntries entries (in the background, while active starts again), so
// that a group copies the paths of a small tree rather than of one that
// holds every write since the last checkpoint.
//
// Reads never wait for writers: a View takes the published memtable
// (active, the one being folded if any, and base), the frozen one being
// checkpointed (if any) and a bbolt read transaction, and merges them,
// newest first; a tombstone in a newer layer hides older ones.
//
// When the memtable holds WithCheckpointBytes of WAL, the leader freezes it,
// starts a new WAL segment, and a background goroutine writes the frozen
// table into bbolt in one transaction and then deletes the older segments.
// Open replays whatever WAL is left into bbolt; Close checkpoints everything
// and removes the WAL, so that a closed store is the bbolt file alone.
// docs/store.md describes the files, the record format and the recovery and
// failure rules.
//
// Caveat inherited from bbolt: a checkpoint that must grow the memory map
// waits until every open View has ended, and an Update may wait for a
// checkpoint (back-pressure). The map starts at DefaultInitialMmapSize, so
// this only matters beyond that size, but code must never wait for an Update
// while it holds a View open.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/tidwall/btree"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bucket is the single bbolt bucket holding every key: the store's key space
// is flat, and domain packages namespace it with key prefixes.
var bucket = []byte("hotline")

// metaBucket holds the store's own bookkeeping, outside the key space:
// appliedKey is the number of the newest WAL segment whose every record is
// in the bbolt file (big-endian uint64).
var (
	metaBucket = []byte("hotline-meta")
	appliedKey = []byte("wal-applied")
)

const (
	// DefaultLockTimeout is how long Open waits for another process to
	// release the file before giving up.
	DefaultLockTimeout = 2 * time.Second
	// DefaultInitialMmapSize is the initial size of the memory map. It costs
	// address space, not memory, and spares commits from remapping (which
	// waits for open Views) until the file outgrows it.
	DefaultInitialMmapSize = 1 << 30
	// DefaultCheckpointBytes is how much WAL the memtable may gather before
	// it is checkpointed into the bbolt file.
	DefaultCheckpointBytes = 64 << 20
	// DefaultCheckpointEntries is the same limit in memtable entries, which
	// bounds the memtable's overhead when values are small.
	DefaultCheckpointEntries = 512 << 10
	// DefaultIdleCheckpoint is how long the store goes without a commit
	// before it checkpoints a memtable that is still under the threshold
	// (see idleLoop).
	DefaultIdleCheckpoint = time.Second
	// idleFraction is the part of the checkpoint threshold (bytes or
	// entries) the memtable must have reached for an idle checkpoint: a
	// smaller one costs the collector and a restart little, and each
	// checkpoint costs a bbolt commit and a new WAL segment.
	idleFraction = 4
	// backPressure is how many times the checkpoint threshold the memtable
	// may reach while a checkpoint runs before the leader waits for it.
	backPressure = 4
	// groupSoftBytes stops a group from taking in more writers once its
	// WAL record is this large; they form the next group.
	groupSoftBytes = 16 << 20
	// foldEntries is how many entries active gathers before it is folded
	// into base, in the background. Copying a path of a tree of a few thousand
	// entries costs a few node copies; folding them in key order copies
	// each node of base they land in once for all of them.
	foldEntries = 4096
)

// errGoexit is what a writer gets when its function (or the function of the
// leader running it) called runtime.Goexit, which cannot be stopped.
var errGoexit = errors.New("store/bolt: transaction function called runtime.Goexit")

// errTooLarge is what a writer gets when its writes do not fit in one WAL
// record.
var errTooLarge = fmt.Errorf("store/bolt: transaction larger than %d bytes of WAL", maxPayload)

// Option configures Open.
type Option func(*config)

type config struct {
	lockTimeout       time.Duration
	initialMmapSize   int
	checkpointBytes   int64
	checkpointEntries int
	foldEntries       int
	idleCheckpoint    time.Duration // < 0: never
}

// withFoldEntries sets how many entries active gathers before it is folded
// into base (foldEntries by default): tests fold after every few writes.
func withFoldEntries(n int) Option {
	return func(c *config) { c.foldEntries = max(1, n) }
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

// WithCheckpointBytes sets how many bytes of WAL the memtable gathers before
// it is checkpointed into the bbolt file; n <= 0 means
// DefaultCheckpointBytes. The entry limit scales with it (one entry per 128
// bytes, at least one), so a tiny n checkpoints after nearly every commit,
// which is what tests want.
func WithCheckpointBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.checkpointBytes = n
			c.checkpointEntries = int(max(1, min(n/128, DefaultCheckpointEntries)))
		}
	}
}

// WithIdleCheckpoint sets how long the store goes without a commit before it
// checkpoints a memtable holding at least a quarter of the checkpoint
// threshold; d == 0 means DefaultIdleCheckpoint and d < 0 never (the
// memtable then waits for the threshold or Close).
func WithIdleCheckpoint(d time.Duration) Option {
	return func(c *config) {
		if d != 0 {
			c.idleCheckpoint = d
		}
	}
}

// Stats counts the work of the group commit since Open.
type Stats struct {
	// Commits is the number of WAL group syncs (one fdatasync each).
	Commits uint64
	// Txs is the number of Update calls those commits made durable;
	// Txs/Commits is the mean group size.
	Txs uint64
	// Reruns is the number of groups abandoned because a function called
	// runtime.Goexit, whose other members then ran again in a later group.
	// A member that fails with an error or a panic no longer causes one.
	Reruns uint64
	// Checkpoints is the number of memtables written into the bbolt file
	// in the background (Close's final one is not counted).
	Checkpoints uint64
	// CheckpointsStarted counts those checkpoints as they start: one runs
	// while it is ahead of Checkpoints.
	CheckpointsStarted uint64
	// IdleCheckpoints is how many of the started ones were started because
	// the store had gone idle (WithIdleCheckpoint), not by the threshold.
	IdleCheckpoints uint64
	// Optimistic counts UpdateConcurrent transactions committed as they
	// ran on their snapshot; Conflicts those that had read something
	// changed since, and ran again inside the group.
	Optimistic, Conflicts uint64
}

// DB is the embedded store. It implements store.Store and is safe for
// concurrent use.
type DB struct {
	bdb  *bbolt.DB
	path string
	cfg  config

	mu      sync.Mutex
	idle    sync.Cond // on mu; signalled when no group is being committed
	pending []*call   // writers waiting for the next group, in arrival order
	leading bool      // a leader is committing or has been promoted
	closed  bool

	isClosed atomic.Bool // closed, readable by View without taking mu

	// The layers readers merge. Only the leader replaces active, only the
	// leader sets frozen and only the checkpointer clears it; readers take
	// both, and begin their bbolt transaction, under a read lock, so that
	// the checkpointer's "frozen is now in bbolt" is seen atomically. Never
	// take layers.Lock while holding a bbolt read transaction: a checkpoint
	// that remaps the file waits for those.
	layers   sync.RWMutex
	active   *memtable     // the newest writes, since the last fold began
	folding  *memtable     // being folded into base; nil when none is
	base     *memtable     // older writes since the last freeze, up to baseSeq
	frozen   *memtable     // being checkpointed; nil when none is
	foldDone chan struct{} // closed when the last fold started has ended
	ckptDone chan struct{} // closed when the last checkpoint started has ended
	// Filters of base's and frozen's keys (filter.go), set with them; nil
	// is none.
	baseKeys, frozenKeys *keyFilter
	// Commit sequence numbers (see occ.go): seq is the last group
	// published, foldingSeq the last one in folding, baseSeq the last one
	// in base (0: none), frozenSeq the last one in frozen, and floor the
	// last one that may be in bbolt only, because its memtable was
	// checkpointed.
	seq, foldingSeq, baseSeq, frozenSeq, floor uint64

	// Leader state: only the goroutine leading a group touches it, and
	// leadership passes under mu (Close reads it once no one leads).
	wal         *walFile
	spareRec    []byte // the last group's record buffer; only the leader touches it
	activeBytes int64  // WAL bytes since the last freeze (behind active, folding and base)

	failed atomic.Pointer[error] // set once, when the WAL or a checkpoint fails

	commits, txs, reruns, checkpoints, ckptStarts atomic.Uint64
	optimistic, conflicts, idleCkpts              atomic.Uint64

	quitIdle chan struct{} // closed by Close to stop idleLoop
	idleDone chan struct{} // closed when idleLoop has returned
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the store file at path, creating missing
// parent directories. The file is locked against other processes; if
// another process holds it, Open fails after the lock timeout.
//
// Open replays the WAL segments left by a process that did not Close into
// the bbolt file. A torn record at the very end of the last segment was
// never acknowledged and is dropped; any other damaged record makes Open
// fail with a *CorruptError and change nothing.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{
		lockTimeout:       DefaultLockTimeout,
		initialMmapSize:   DefaultInitialMmapSize,
		checkpointBytes:   DefaultCheckpointBytes,
		checkpointEntries: DefaultCheckpointEntries,
		foldEntries:       foldEntries,
		idleCheckpoint:    DefaultIdleCheckpoint,
	}
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
		// NoSync stays false: a checkpoint must be durable before the WAL
		// segments it replaces are deleted.
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store/bolt: open %s: file is locked by another process (waited %s)", path, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	db := &DB{bdb: bdb, path: path, cfg: cfg, active: newMemtable(), base: newMemtable()}
	db.idle.L = &db.mu
	if err := db.recover(); err != nil {
		_ = bdb.Close()
		var ce *CorruptError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("store/bolt: open %s: %w", path, err)
	}
	db.quitIdle, db.idleDone = make(chan struct{}), make(chan struct{})
	if cfg.idleCheckpoint > 0 {
		go db.idleLoop(cfg.idleCheckpoint)
	} else {
		close(db.idleDone)
	}
	return db, nil
}

// recover creates the buckets on first use, replays the WAL left by the last
// process into bbolt, deletes it and starts a fresh segment.
func (db *DB) recover() error {
	// Create the buckets on first use only: an Update costs an fsync.
	var exists bool
	var applied uint64
	err := db.bdb.View(func(tx *bbolt.Tx) error {
		exists = tx.Bucket(bucket) != nil && tx.Bucket(metaBucket) != nil
		applied = readApplied(tx)
		return nil
	})
	if err == nil && !exists {
		err = db.bdb.Update(func(tx *bbolt.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(bucket); err != nil {
				return err
			}
			_, err := tx.CreateBucketIfNotExists(metaBucket)
			return err
		})
	}
	if err != nil {
		return err
	}
	segs, err := listSegments(db.path)
	if err != nil {
		return err
	}
	last := applied
	var todo []segment
	for _, s := range segs {
		last = max(last, s.n)
		if s.n > applied {
			todo = append(todo, s)
		}
	}
	if len(todo) > 0 {
		// One bbolt transaction: if any segment turns out corrupt, it rolls
		// back and the files are as they were.
		err = db.bdb.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucket)
			for i, s := range todo {
				data, err := os.ReadFile(s.path)
				if err != nil {
					return err
				}
				_, err = scanSegment(s.path, data, i == len(todo)-1, func(op byte, key, value []byte) error {
					if op == opPut {
						return b.Put(key, value)
					}
					return b.Delete(key)
				})
				if err != nil {
					return err
				}
			}
			return writeApplied(tx, last)
		})
		if err != nil {
			return err
		}
	}
	if err := removeSegments(db.path, segs); err != nil {
		return err
	}
	db.wal, err = newWAL(db.path, last+1, db.cfg.checkpointBytes)
	return err
}

func readApplied(tx *bbolt.Tx) uint64 {
	if m := tx.Bucket(metaBucket); m != nil {
		if v := m.Get(appliedKey); len(v) == 8 {
			return binary.BigEndian.Uint64(v)
		}
	}
	return 0
}

func writeApplied(tx *bbolt.Tx, n uint64) error {
	return tx.Bucket(metaBucket).Put(appliedKey, binary.BigEndian.AppendUint64(nil, n))
}

// Path returns the path of the store file.
func (db *DB) Path() string { return db.path }

// processStats sums Stats over every DB of the process, for benchmarks
// that reach the store only through a server.
var processStats struct {
	commits, txs, reruns, checkpoints, ckptStarts, optimistic, conflicts, idleCkpts atomic.Uint64
}

// ProcessStats returns the group-commit counters summed over every DB this
// process has opened.
func ProcessStats() Stats {
	return Stats{Commits: processStats.commits.Load(), Txs: processStats.txs.Load(),
		Reruns: processStats.reruns.Load(), Checkpoints: processStats.checkpoints.Load(),
		CheckpointsStarted: processStats.ckptStarts.Load(), IdleCheckpoints: processStats.idleCkpts.Load(),
		Optimistic: processStats.optimistic.Load(), Conflicts: processStats.conflicts.Load()}
}

// Stats returns the group-commit counters.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), Txs: db.txs.Load(), Reruns: db.reruns.Load(), Checkpoints: db.checkpoints.Load(),
		CheckpointsStarted: db.ckptStarts.Load(), IdleCheckpoints: db.idleCkpts.Load(),
		Optimistic: db.optimistic.Load(), Conflicts: db.conflicts.Load()}
}

// fail puts the store in the failed state; the first error stays.
func (db *DB) fail(err error) { db.failed.CompareAndSwap(nil, &err) }

// failure returns why the store failed, or nil.
func (db *DB) failure() error {
	if p := db.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// View runs fn in a read-only snapshot.
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.isClosed.Load() {
		return store.ErrClosed
	}
	db.layers.RLock()
	active, folding, base, frozen := db.active, db.folding, db.base, db.frozen
	baseKeys, frozenKeys := db.baseKeys, db.frozenKeys
	btx, err := db.bdb.Begin(false)
	db.layers.RUnlock()
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return store.ErrClosed // Close finished between the check and Begin
	}
	if err != nil {
		return err
	}
	defer func() { _ = btx.Rollback() }()
	t := &readTx{mems: [5]*memtable{active, folding, base, frozen}, keys: [5]*keyFilter{2: baseKeys, 3: frozenKeys}, b: btx.Bucket(bucket)}
	defer t.end()
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
	return db.submit(ctx, &call{fn: fn, wake: make(chan struct{}, 1)})
}

// submit queues c for the next group, leading it if no one leads, and
// returns c's result.
func (db *DB) submit(ctx context.Context, c *call) error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return store.ErrClosed
	}
	if err := db.failure(); err != nil {
		db.mu.Unlock()
		return err
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

// Close waits for the commits in flight (including writers already queued)
// and for a running checkpoint, writes what is left in the memtables into
// the bbolt file, removes the WAL and closes the file: afterwards the bbolt
// file alone holds everything. Views still open delay it until they end.
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
	close(db.quitIdle)
	<-db.idleDone

	db.waitForFold()
	db.waitForCheckpointEnd()
	db.layers.RLock()
	active, base, frozen := db.active, db.base, db.frozen
	db.layers.RUnlock()

	var errs []error
	// Every entry of active and frozen was acknowledged. After a failed
	// WAL sync the current segment may also hold the failed group, whose
	// writers were told it failed: writing the memtables into bbolt and
	// removing the WAL keeps it out, so that is done even with nothing
	// left to write.
	layers := slices.DeleteFunc([]*memtable{frozen, base, active}, func(m *memtable) bool { return m == nil || m.Len() == 0 })
	var err error
	if len(layers) > 0 || db.failure() != nil {
		err = db.apply(db.wal.n, layers...)
	}
	errs = append(errs, db.wal.close(), db.wal.removeSpare())
	if err != nil {
		// The WAL still holds every acknowledged write: Open replays it.
		errs = append(errs, fmt.Errorf("store/bolt: close %s: final checkpoint: %w", db.path, err))
	} else if segs, err := listSegments(db.path); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, removeSegments(db.path, segs))
	}
	errs = append(errs, db.bdb.Close())
	return errors.Join(errs...)
}

// checkpointFill is how full bbolt packs the leaves it splits when a
// checkpoint overfills them (bbolt's default is half, and etcd uses 0.9 for
// the same reason). Much of what a checkpoint writes lands at the end of a
// key range: Customer Profiles' ids are version 7 UUIDs, so a new profile's
// record and its objects' list append to theirs. Split at half, those
// leaves stay half empty for good, since nothing is inserted before the
// end of such a range later: new customers' checkpoints wrote 26 % fewer
// pages at 0.9, and a store of 1,000,000 profiles is 15 % smaller.
const checkpointFill = 0.9

// apply writes memtables (oldest first) into bbolt in one durable
// transaction, and records that WAL segments up to applied are in it.
func (db *DB) apply(applied uint64, layers ...*memtable) error {
	return db.bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		b.FillPercent = checkpointFill
		for _, m := range layers {
			var err error
			m.Scan(func(e *entry) bool {
				if e.deleted {
					err = b.Delete(e.key)
				} else {
					err = b.Put(e.key, e.value)
				}
				return err == nil
			})
			if err != nil {
				return err
			}
		}
		return writeApplied(tx, applied)
	})
}

// maybeCheckpoint is called by the leader after it published a group: if
// the active memtable is over the threshold and no checkpoint runs, it
// starts a new WAL segment, freezes the memtable and checkpoints it in the
// background.
func (db *DB) maybeCheckpoint() {
	if db.activeBytes < db.cfg.checkpointBytes && db.memEntries() < db.cfg.checkpointEntries {
		return
	}
	db.startCheckpoint()
}

// startCheckpoint freezes the memtable and checkpoints it in the background,
// unless a checkpoint runs. Only the leader calls it.
func (db *DB) startCheckpoint() bool {
	db.layers.RLock()
	running := db.frozen != nil
	db.layers.RUnlock()
	if running {
		return false
	}
	next, err := db.wal.next() // the zero-filled spare if it is ready
	if err != nil {
		db.fail(fmt.Errorf("store/bolt: %s: cannot start a new WAL segment (%w); the store must be reopened", db.path, err))
		return false
	}
	_ = db.wal.close() // every record in it is synced
	db.wal = next
	done := make(chan struct{})
	db.waitForFold()
	frozen := fold(db.base, db.active)
	frozenKeys := filterFold(db.baseKeys, db.active, frozen)
	db.layers.Lock()
	db.frozen, db.active, db.base, db.ckptDone = frozen, newMemtable(), newMemtable(), done
	db.frozenKeys, db.baseKeys = frozenKeys, nil
	db.frozenSeq, db.baseSeq = db.seq, 0
	db.layers.Unlock()
	db.activeBytes = 0
	db.ckptStarts.Add(1)
	processStats.ckptStarts.Add(1)
	go db.checkpoint(frozen, next.n, done)
	return true
}

// idleLoop checkpoints the memtable once no group has committed for a whole
// period, if it holds at least a quarter of the threshold. A store whose
// writes have stopped (after a bulk load, or between bursts) then keeps no
// large memtable: the collector, which must trace every entry of that tree
// in each cycle, no longer slows the reads that follow, and a restart has
// little WAL to replay. It runs until Close.
func (db *DB) idleLoop(period time.Duration) {
	defer close(db.idleDone)
	t := time.NewTicker(period)
	defer t.Stop()
	last := db.commits.Load()
	for {
		select {
		case <-db.quitIdle:
			return
		case <-t.C:
		}
		if n := db.commits.Load(); n != last {
			last = n
			continue
		}
		db.checkpointIdle()
	}
}

// checkpointIdle takes the leadership if no one holds it (leader state such
// as the WAL and activeBytes belongs to whoever leads), starts a checkpoint
// if the memtable is worth one, and hands the leadership on.
func (db *DB) checkpointIdle() {
	db.mu.Lock()
	if db.closed || db.leading {
		db.mu.Unlock()
		return
	}
	db.leading = true
	db.mu.Unlock()
	// activeBytes > 0: with a tiny threshold (tests) a quarter of it is 0.
	if db.failure() == nil && db.activeBytes > 0 && (db.activeBytes >= db.cfg.checkpointBytes/idleFraction ||
		db.memEntries() >= db.cfg.checkpointEntries/idleFraction) && db.startCheckpoint() {
		db.idleCkpts.Add(1)
		processStats.idleCkpts.Add(1)
	}
	db.mu.Lock()
	db.handOff()
	db.mu.Unlock()
}

// checkpoint writes frozen, which holds every write of the WAL segments
// before seg, into bbolt, then drops it and those segments.
func (db *DB) checkpoint(frozen *memtable, seg uint64, done chan struct{}) {
	defer close(done)
	if err := db.apply(seg-1, frozen); err != nil {
		// frozen stays a layer, so reads are still right, and the WAL
		// still holds it all.
		db.fail(fmt.Errorf("store/bolt: %s: checkpoint failed (%w); the store must be reopened", db.path, err))
		return
	}
	db.layers.Lock()
	db.frozen, db.frozenKeys, db.floor = nil, nil, db.frozenSeq
	db.layers.Unlock()
	db.checkpoints.Add(1)
	processStats.checkpoints.Add(1)
	segs, err := listSegments(db.path)
	if err != nil {
		return // harmless: Open skips segments already applied
	}
	segs = slices.DeleteFunc(segs, func(s segment) bool { return s.n >= seg })
	_ = removeSegments(db.path, segs)
}

// waitForCheckpoint is the back-pressure: the leader waits for the running
// checkpoint when the active memtable has grown far past the threshold.
// It must hold no bbolt transaction.
func (db *DB) waitForCheckpoint() {
	if db.activeBytes < backPressure*db.cfg.checkpointBytes && db.memEntries() < backPressure*db.cfg.checkpointEntries {
		return
	}
	db.waitForCheckpointEnd()
	db.maybeCheckpoint()
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
	opt  *optTx        // UpdateConcurrent's run on a snapshot; nil once used
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
	if len(again) > 0 {
		db.reruns.Add(1)
		processStats.reruns.Add(1)
	}
}

// maxGroup bounds how many writers one commit takes, so that a stream of
// arrivals cannot hold a group open indefinitely.
const maxGroup = 1024

// commit runs the group's functions one after another against a copy of
// the active memtable, writes what they wrote to the WAL as one record and
// syncs it, then publishes the copy. Writers that queue while the functions
// run join the group before the sync (they would otherwise wait for it and
// then pay for a sync of their own). A function that fails (error or panic)
// has its writes undone and is dropped; the others are not run again.
func (db *DB) commit(g *group) {
	fail := func(calls []*call, err error) {
		for _, c := range calls {
			c.err = err
		}
	}
	if err := db.failure(); err != nil {
		fail(g.calls, err)
		return
	}
	db.waitForCheckpoint()
	if err := db.failure(); err != nil {
		fail(g.calls, err)
		return
	}
	db.layers.RLock()
	active, folding, base, frozen, floor := db.active, db.folding, db.base, db.frozen, db.floor
	keys := [5]*keyFilter{2: db.baseKeys, 3: db.frozenKeys}
	// Validation skips a layer that holds nothing newer than a snapshot.
	lv := layerSeqs{folding: db.foldingSeq, base: db.baseSeq, frozen: db.frozenSeq}
	btx, err := db.bdb.Begin(false)
	db.layers.RUnlock()
	if err != nil {
		fail(g.calls, err)
		return
	}
	defer func() {
		if btx != nil { // only on runtime.Goexit inside a fn
			_ = btx.Rollback()
		}
	}()
	b := btx.Bucket(bucket)
	gt := &groupTx{work: active.Copy(), rec: db.takeRecord(), seq: db.seq + 1}
	live := slices.Clone(g.calls)
	ok := make([]*call, 0, len(live))
	for i := 0; ; i++ {
		if i == len(live) {
			if len(gt.rec) >= groupSoftBytes {
				break
			}
			more := db.join(g)
			if len(more) == 0 {
				break
			}
			live = append(live, more...)
		}
		c := live[i]
		mark := len(gt.rec)
		t := &writeTx{readTx: readTx{mems: [5]*memtable{gt.work, folding, base, frozen}, keys: keys, b: b}, g: gt}
		g.running = c
		var err error
		committed := false
		if c.opt != nil {
			committed, err = db.commitOptimistic(c, gt, [3]*memtable{folding, base, frozen}, lv, floor, t)
			db.count(committed)
		}
		if !committed {
			err = run(c, t)
		}
		g.running = nil
		t.done = true
		if err == nil && !c.panicked && len(gt.rec)-recordHeader > maxPayload {
			err = errTooLarge
		}
		if err != nil || c.panicked {
			c.err = err
			gt.rollback(mark)
			continue
		}
		gt.undo = gt.undo[:0]
		ok = append(ok, c)
	}
	_ = btx.Rollback()
	btx = nil
	if len(gt.rec) == recordHeader {
		return // nothing written: nothing to make durable
	}
	sealRecord(gt.rec)
	if err := db.wal.append(gt.rec); err != nil {
		// After a failed write or fsync the file's state is unknown: no
		// later group may build on it.
		err = fmt.Errorf("store/bolt: %s: the WAL could not be written and synced (%w); the store must be reopened", db.path, err)
		db.fail(err)
		fail(ok, err)
		return
	}
	db.layers.Lock()
	db.active, db.seq = gt.work, gt.seq
	if gt.work.Len() >= db.cfg.foldEntries && db.folding == nil {
		done := make(chan struct{})
		db.folding, db.foldingSeq, db.active, db.foldDone = gt.work, gt.seq, newMemtable(), done
		go db.fold(db.base, db.baseKeys, gt.work, gt.seq, done)
	}
	db.layers.Unlock()
	db.activeBytes += int64(len(gt.rec))
	db.keepRecord(gt.rec)
	db.commits.Add(1)
	db.txs.Add(uint64(len(ok)))
	processStats.commits.Add(1)
	processStats.txs.Add(uint64(len(ok)))
	db.maybeCheckpoint()
}

// fold folds folding (whose last group is seq) into base, in the
// background, and publishes the result as base.
func (db *DB) fold(base *memtable, baseKeys *keyFilter, folding *memtable, seq uint64, done chan struct{}) {
	defer close(done)
	folded := fold(base, folding)
	foldedKeys := filterFold(baseKeys, folding, folded)
	db.layers.Lock()
	db.base, db.baseKeys, db.baseSeq, db.folding = folded, foldedKeys, seq, nil
	db.layers.Unlock()
}

// waitForFold waits for the running fold, if any. Only the leader (or
// Close, once no one leads) starts folds.
func (db *DB) waitForFold() { db.await(&db.foldDone) }

// waitForCheckpointEnd waits for the running checkpoint, if any.
func (db *DB) waitForCheckpointEnd() { db.await(&db.ckptDone) }

// await waits on the channel *done holds (under the layers' lock) unless
// it is nil: the last fold or checkpoint started, closed when it ends.
func (db *DB) await(done *chan struct{}) {
	db.layers.RLock()
	ch := *done
	db.layers.RUnlock()
	if ch != nil {
		<-ch
	}
}

// fold returns a copy of base with the entries of newer (which win) in it;
// neither tree changes.
func fold(base, newer *memtable) *memtable {
	out := base.Copy()
	var hint btree.PathHint
	newer.Scan(func(e *entry) bool {
		out.SetHint(e, &hint)
		return true
	})
	return out
}

// memEntries is how many entries the memtable (active, folding and base)
// holds, counting the folding ones twice while the fold runs. Only the
// leader calls it.
func (db *DB) memEntries() int {
	db.layers.RLock()
	defer db.layers.RUnlock()
	n := db.active.Len() + db.base.Len()
	if db.folding != nil {
		n += db.folding.Len()
	}
	return n
}

// maxKeptRecord is the largest record buffer kept for the next group: a
// rare huge group should not pin its buffer for the life of the store.
const maxKeptRecord = 1 << 20

// takeRecord returns an empty record buffer for a new group: the previous
// group's, once it is written, or a new one. Groups run one at a time, so
// the buffer needs no lock; a leader killed by runtime.Goexit just leaves
// a nil one behind.
func (db *DB) takeRecord() []byte {
	rec := db.spareRec
	db.spareRec = nil
	if rec == nil {
		return newRecord(4096)
	}
	return rec[:recordHeader]
}

// keepRecord keeps a written record's buffer for the next group.
func (db *DB) keepRecord(rec []byte) {
	if cap(rec) <= maxKeptRecord {
		db.spareRec = rec
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

// run calls c.fn and then the functions it deferred, turning a panic into
// c.panicVal.
func run(c *call, t *writeTx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.panicked = true
			c.panicVal = r
		}
	}()
	if err := c.fn(t); err != nil {
		return err
	}
	return t.runDeferred()
}

// runDeferred runs the functions t deferred, turning a panic into
// c.panicVal.
func runDeferred(c *call, t *writeTx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.panicked = true
			c.panicVal = r
		}
	}()
	return t.runDeferred()
}

func (t *writeTx) runDeferred() error {
	// By index: a deferred function may defer more.
	for i := 0; i < len(t.deferred); i++ {
		if err := t.deferred[i](t); err != nil {
			return err
		}
	}
	return nil
}

// count records how an optimistic transaction ended.
func (db *DB) count(committed bool) {
	if committed {
		db.optimistic.Add(1)
		processStats.optimistic.Add(1)
	} else {
		db.conflicts.Add(1)
		processStats.conflicts.Add(1)
	}
}
