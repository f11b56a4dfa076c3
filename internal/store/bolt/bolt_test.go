package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		db, err := Open(filepath.Join(dir, "hotline.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// TestConformanceFolding runs the suite with the memtable folded after
// every two entries and checkpointed after every few commits, so that
// reads and validations meet every arrangement of active, base and frozen.
func TestConformanceFolding(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		db, err := Open(filepath.Join(dir, "hotline.db"), withFoldEntries(2), WithCheckpointBytes(2048))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func openT(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func put(k string) func(store.RwTx) error {
	return func(tx store.RwTx) error { return tx.Put([]byte(k), []byte(k)) }
}

// holdLeader starts an Update that becomes the leader and blocks inside its
// function until release is called, so that the test can queue writers
// behind it deterministically; once released, they join its group. The
// function may be rerun with the group. It returns release and the
// leader's result.
func holdLeader(t *testing.T, db *DB) (release func(), result <-chan error) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	res := make(chan error, 1)
	go func() {
		once := sync.OnceFunc(func() { close(started) })
		res <- db.Update(context.Background(), func(tx store.RwTx) error {
			once()
			<-unblock
			return tx.Put([]byte("leader"), []byte("leader"))
		})
	}()
	<-started
	return sync.OnceFunc(func() { close(unblock) }), res
}

// waitPending waits until n writers are queued. It polls, but the tests'
// outcome never depends on how long that takes.
func waitPending(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		db.mu.Lock()
		got := len(db.pending)
		db.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writers queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func keys(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	for _, p := range storetest.All(t, db) {
		out = append(out, p.Key)
	}
	return out
}

func TestOpenCreatesParentsPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "hotline.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
}

func TestOpenLockedFileFails(t *testing.T) {
	// flock locks belong to the open file, so a second Open in the same
	// process conflicts exactly as a second process would.
	db := openT(t)
	_, err := Open(db.Path(), WithLockTimeout(100*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second Open error = %v, want a lock error", err)
	}
	// The first handle is unaffected, and after Close the file opens again.
	storetest.Put(t, db, "k", "v")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(db.Path(), WithLockTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	defer db2.Close()
	if v, ok := storetest.Get(t, db2, "k"); !ok || v != "v" {
		t.Errorf("Get(k) = %q, %t", v, ok)
	}
}

func TestKeyTooLong(t *testing.T) {
	db := openT(t)
	long := make([]byte, 32769)
	err := db.Update(context.Background(), func(tx store.RwTx) error { return tx.Put(long, nil) })
	if !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Put of a %d-byte key = %v, want ErrInvalidKey", len(long), err)
	}
	err = db.Update(context.Background(), func(tx store.RwTx) error { return tx.Put(long[:32768], nil) })
	if err != nil {
		t.Errorf("Put of a 32768-byte key: %v", err)
	}
}

func TestTxUnusableAfterFnReturns(t *testing.T) {
	db := openT(t)
	storetest.Put(t, db, "k", "v")
	var rtx store.Tx
	var wtx store.RwTx
	if err := db.View(context.Background(), func(tx store.Tx) error { rtx = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx store.RwTx) error { wtx = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := rtx.Get([]byte("k")); !errors.Is(err, errTxDone) {
		t.Errorf("Get on a finished View tx = %v, want errTxDone", err)
	}
	// Inside another Update, a leaked handle must not reach the live
	// transaction.
	err := db.Update(context.Background(), func(store.RwTx) error {
		if err := wtx.Put([]byte("leak"), nil); !errors.Is(err, errTxDone) {
			t.Errorf("Put on a finished Update tx = %v, want errTxDone", err)
		}
		if err := wtx.Delete([]byte("k")); !errors.Is(err, errTxDone) {
			t.Errorf("Delete on a finished Update tx = %v, want errTxDone", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != errTxDone {
				t.Errorf("Scan on a finished tx recovered %v, want errTxDone", r)
			}
		}()
		for range rtx.Scan(nil, nil) {
			t.Error("Scan on a finished tx yielded")
		}
	}()
	if got := keys(t, db); len(got) != 1 || got[0] != "k" {
		t.Errorf("keys = %q, want [k]", got)
	}
}

// TestGroupCommit queues writers while a leader runs its group, so they must
// all join that group and be committed with it in one transaction.
func TestGroupCommit(t *testing.T) {
	db := openT(t)
	release, leaderErr := holdLeader(t, db)
	const n = 10
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := db.Update(context.Background(), put(fmt.Sprintf("k%d", i))); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	waitPending(t, db, n)
	release()
	wg.Wait()
	if err := <-leaderErr; err != nil {
		t.Fatal(err)
	}
	// One commit at Open creates the bucket outside the group commit, so
	// the counters see exactly the held leader's group.
	if got, want := db.Stats(), (Stats{Commits: 1, Txs: n + 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	if got := keys(t, db); len(got) != n+1 {
		t.Errorf("%d keys, want %d", len(got), n+1)
	}
}

// TestGroupCommitSharesFsyncs checks, without holding anyone back, that many
// concurrent writers produce groups larger than one. It does not rely on
// fsync being slow: the runtime runs other goroutines while a leader is in a
// syscall, so groups of one for all 320 Updates would need each of the 64
// goroutines to stay off the CPU through every other writer's whole commit.
// (TestGroupCommit proves the grouping deterministically.)
func TestGroupCommitSharesFsyncs(t *testing.T) {
	db := openT(t)
	const writers, each = 64, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.Update(context.Background(), put(fmt.Sprintf("%d/%d", w, i))); err != nil {
					t.Errorf("Update: %v", err)
				}
			}
		})
	}
	wg.Wait()
	st := db.Stats()
	t.Logf("%d transactions in %d commits (%.1f per fsync)", st.Txs, st.Commits, float64(st.Txs)/float64(st.Commits))
	if st.Txs != writers*each {
		t.Errorf("Txs = %d, want %d", st.Txs, writers*each)
	}
	if st.Commits >= st.Txs {
		t.Errorf("%d commits for %d transactions: no group of more than one", st.Commits, st.Txs)
	}
}

// TestGroupMemberFailures puts failing members into one group: each gets its
// own error or panic, the others commit, and a member that wrote before
// failing has its writes undone without a rerun of the group.
func TestGroupMemberFailures(t *testing.T) {
	db := openT(t)
	release, leaderErr := holdLeader(t, db)
	errWrote, errClean := errors.New("failed after writing"), errors.New("failed before writing")
	type member struct {
		name string
		fn   func(store.RwTx) error
		err  error // want
		pan  any   // want a panic with this value
	}
	members := []member{
		{name: "ok1", fn: put("ok1")},
		{name: "wrote-then-failed", fn: func(tx store.RwTx) error {
			if err := tx.Put([]byte("bad1"), nil); err != nil {
				return err
			}
			return errWrote
		}, err: errWrote},
		{name: "ok2", fn: put("ok2")},
		{name: "failed-clean", fn: func(tx store.RwTx) error { return errClean }, err: errClean},
		{name: "ok3", fn: put("ok3")},
		{name: "wrote-then-panicked", fn: func(tx store.RwTx) error {
			if err := tx.Delete([]byte("ok1")); err != nil {
				return err
			}
			panic("boom")
		}, pan: "boom"},
		{name: "ok4", fn: func(tx store.RwTx) error {
			// Sees the writes of earlier members of its group.
			if _, err := tx.Get([]byte("ok3")); err != nil {
				return fmt.Errorf("ok4 cannot see ok3: %w", err)
			}
			return put("ok4")(tx)
		}},
		{name: "panicked-clean", fn: func(tx store.RwTx) error { panic("clean") }, pan: "clean"},
	}
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != m.pan {
					t.Errorf("%s: recovered %v, want %v", m.name, r, m.pan)
				}
			}()
			if err := db.Update(context.Background(), m.fn); err != m.err {
				t.Errorf("%s: Update = %v, want %v", m.name, err, m.err)
			}
		})
		waitPending(t, db, i+1) // queue in a known order
	}
	release()
	wg.Wait()
	if err := <-leaderErr; err != nil {
		t.Fatal(err)
	}
	want := []string{"leader", "ok1", "ok2", "ok3", "ok4"}
	if got := keys(t, db); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys = %q, want %q", got, want)
	}
	if got, want := db.Stats(), (Stats{Commits: 1, Txs: 1 + 4}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestCancelWhileQueued(t *testing.T) {
	db := openT(t)
	release, leaderErr := holdLeader(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- db.Update(ctx, put("cancelled")) }()
	waitPending(t, db, 1)
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Update = %v, want context.Canceled", err)
	}
	waitPending(t, db, 0)
	release()
	if err := <-leaderErr; err != nil {
		t.Fatal(err)
	}
	if got := keys(t, db); len(got) != 1 || got[0] != "leader" {
		t.Errorf("keys = %q, want [leader]", got)
	}
}

// TestCancelStress cancels writers at random points, including the moment
// they are promoted to leader, and checks that each Update either committed
// (nil) or wrote nothing (context error), and that nothing stalls.
func TestCancelStress(t *testing.T) {
	db := openT(t)
	const writers, each = 16, 30
	var wg sync.WaitGroup
	results := make([][]error, writers)
	for w := range writers {
		results[w] = make([]error, each)
		wg.Go(func() {
			for i := range each {
				ctx, cancel := context.WithCancel(context.Background())
				if (w+i)%3 == 0 {
					go cancel()
				}
				results[w][i] = db.Update(ctx, put(fmt.Sprintf("%02d/%02d", w, i)))
				cancel()
			}
		})
	}
	wg.Wait()
	present := map[string]bool{}
	for _, k := range keys(t, db) {
		present[k] = true
	}
	var cancelled int
	for w := range writers {
		for i, err := range results[w] {
			k := fmt.Sprintf("%02d/%02d", w, i)
			switch {
			case err == nil && !present[k]:
				t.Errorf("%s acknowledged but missing", k)
			case errors.Is(err, context.Canceled):
				cancelled++
				if present[k] {
					t.Errorf("%s cancelled but written", k)
				}
			case err != nil:
				t.Errorf("%s: %v", k, err)
			}
		}
	}
	t.Logf("%d of %d Updates cancelled", cancelled, writers*each)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.leading || len(db.pending) != 0 {
		t.Errorf("store not idle after all writers returned: leading=%t pending=%d", db.leading, len(db.pending))
	}
}

func TestCloseWaitsForCommitInFlight(t *testing.T) {
	db := openT(t)
	release, leaderErr := holdLeader(t, db)
	queued := make(chan error, 1)
	go func() { queued <- db.Update(context.Background(), put("queued")) }()
	waitPending(t, db, 1)

	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for !db.isClosed.Load() {
		time.Sleep(time.Millisecond)
	}
	if err := db.Update(context.Background(), put("late")); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update while closing = %v, want ErrClosed", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a commit was in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-leaderErr; err != nil {
		t.Errorf("leader: %v", err)
	}
	if err := <-queued; err != nil {
		t.Errorf("writer queued before Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	db2, err := Open(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := keys(t, db2); strings.Join(got, ",") != "leader,queued" {
		t.Errorf("after reopen keys = %q, want [leader queued]", got)
	}
}

// TestGoexitDoesNotStall: runtime.Goexit (t.FailNow) inside fn kills the
// leader's goroutine; the store must hand the group on and keep working.
func TestGoexitDoesNotStall(t *testing.T) {
	db := openT(t)
	release, _ := holdLeader(t, db)

	// A queued writer whose fn calls Goexit, followed by an innocent one.
	// Both join the held leader's group, so the Goexit runs in the leader's
	// goroutine and takes it down: the leader's own Update never returns,
	// and its write is rolled back. The innocent writer must still commit.
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = db.Update(context.Background(), func(tx store.RwTx) error {
			_ = tx.Put([]byte("goexit"), nil)
			runtime.Goexit()
			return nil
		})
	}()
	waitPending(t, db, 1)
	innocent := make(chan error, 1)
	go func() { innocent <- db.Update(context.Background(), put("innocent")) }()
	waitPending(t, db, 2)
	release()
	<-exited
	if err := <-innocent; err != nil {
		t.Errorf("innocent writer in the Goexit group: %v", err)
	}
	storetest.Put(t, db, "after", "v")
	if got := strings.Join(keys(t, db), ","); got != "after,innocent" {
		t.Errorf("keys = %s, want after,innocent", got)
	}
}
