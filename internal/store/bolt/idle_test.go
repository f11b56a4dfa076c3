package bolt

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
)

// putN writes n keys prefix/00000000... of size bytes each, one Update per key.
func putN(t *testing.T, db *DB, prefix string, n, size int) {
	t.Helper()
	value := bytes.Repeat([]byte("v"), size)
	for i := range n {
		err := db.Update(context.Background(), func(tx store.RwTx) error {
			return tx.Put(fmt.Appendf(nil, "%s/%08d", prefix, i), value)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

func TestIdleCheckpoint(t *testing.T) {
	// A threshold of 1 MB: an idle checkpoint needs 256 KB of WAL.
	const threshold = 1 << 20
	tests := []struct {
		name     string
		n, size  int
		idle     time.Duration
		wantIdle bool
	}{
		{"a quarter of the threshold", 300, 1000, 20 * time.Millisecond, true},
		{"too small to be worth one", 50, 1000, 20 * time.Millisecond, false},
		{"turned off", 300, 1000, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			db, err := Open(path, WithCheckpointBytes(threshold), WithIdleCheckpoint(tc.idle))
			if err != nil {
				t.Fatal(err)
			}
			putN(t, db, "k", tc.n, tc.size)
			if !tc.wantIdle {
				time.Sleep(200 * time.Millisecond) // ten periods
				if st := db.Stats(); st.IdleCheckpoints != 0 || st.CheckpointsStarted != 0 {
					t.Fatalf("stats %+v, want no checkpoint", st)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				return
			}
			waitFor(t, "the idle checkpoint", func() bool { st := db.Stats(); return st.Checkpoints == 1 })
			db.waitForCheckpointEnd() // it then removes the segments it covered
			if st := db.Stats(); st.IdleCheckpoints != 1 || st.CheckpointsStarted != 1 {
				t.Fatalf("stats %+v, want one idle checkpoint", st)
			}
			db.layers.RLock()
			left := db.active.Len() + db.base.Len()
			frozen := db.frozen
			db.layers.RUnlock()
			if left != 0 || frozen != nil {
				t.Errorf("%d entries still in the memtable, frozen %v", left, frozen != nil)
			}
			// The segments it covered are gone; the one left is empty.
			segs := segments(t, path)
			if len(segs) != 1 {
				t.Fatalf("segments %v, want one", segs)
			}
			data, err := os.ReadFile(segs[0].path)
			if err != nil {
				t.Fatal(err)
			}
			ops := 0
			if _, err := scanSegment(segs[0].path, data, true, func(byte, []byte, []byte) error { ops++; return nil }); err != nil || ops != 0 {
				t.Errorf("the segment left holds %d writes (%v), want none", ops, err)
			}
			// Once checkpointed, an idle store does not checkpoint again.
			time.Sleep(200 * time.Millisecond)
			if st := db.Stats(); st.CheckpointsStarted != 1 {
				t.Errorf("%d checkpoints started, want 1", st.CheckpointsStarted)
			}
			// Everything is still there, before and after a crash.
			checkKeys(t, db, "k", tc.n, tc.size)
			crashClose(t, db)
			db, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			checkKeys(t, db, "k", tc.n, tc.size)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestIdleCheckpointNothingLeft: with a threshold so small that a quarter
// of it is nothing, an idle store checkpoints what it holds once, and then
// not again and again.
func TestIdleCheckpointNothingLeft(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"), WithCheckpointBytes(2), WithIdleCheckpoint(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The commit reaches the threshold and checkpoints at once; then the
	// memtable is empty.
	putN(t, db, "k", 1, 10)
	waitFor(t, "the threshold's checkpoint", func() bool { return db.Stats().Checkpoints == 1 })
	time.Sleep(100 * time.Millisecond) // twenty periods
	if st := db.Stats(); st.CheckpointsStarted != 1 || st.IdleCheckpoints != 0 {
		t.Fatalf("stats %+v: want only the threshold's checkpoint", st)
	}
}

// checkKeys checks that the keys putN wrote are all there.
func checkKeys(t *testing.T, db *DB, prefix string, n, size int) {
	t.Helper()
	err := db.View(context.Background(), func(tx store.Tx) error {
		for i := range n {
			v, err := tx.Get(fmt.Appendf(nil, "%s/%08d", prefix, i))
			if err != nil {
				return fmt.Errorf("key %d: %w", i, err)
			}
			if len(v) != size {
				return fmt.Errorf("key %d: %d bytes, want %d", i, len(v), size)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoIdleCheckpointWhileWriting: a store that commits without pause
// never counts as idle, however much its memtable holds.
func TestNoIdleCheckpointWhileWriting(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"), WithCheckpointBytes(64<<20), WithIdleCheckpoint(250*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	value := bytes.Repeat([]byte("v"), 1000)
	for i, end := 0, time.Now().Add(800*time.Millisecond); time.Now().Before(end); i++ {
		err := db.Update(context.Background(), func(tx store.RwTx) error {
			return tx.Put(fmt.Appendf(nil, "k/%08d", i), value)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := db.Stats(); st.CheckpointsStarted != 0 {
		t.Fatalf("stats %+v: a checkpoint started while the store was writing", st)
	}
}

// TestIdleCheckpointsRacingWriters runs idle checkpoints every few
// milliseconds against writers that pause now and then (so the store goes
// idle between them), and checks that no write is lost or reordered, there
// and after a crash.
func TestIdleCheckpointsRacingWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, WithCheckpointBytes(16<<10), WithIdleCheckpoint(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				err := db.Update(context.Background(), func(tx store.RwTx) error {
					for k := range 8 {
						if err := tx.Put(fmt.Appendf(nil, "w%d/%d", w, k), fmt.Appendf(nil, "%d", r)); err != nil {
							return err
						}
					}
					return tx.Put(fmt.Appendf(nil, "log/%d/%04d", w, r), bytes.Repeat([]byte("x"), 500))
				})
				if err != nil {
					t.Error(err)
					return
				}
				if r%10 == 0 {
					time.Sleep(3 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, "the last checkpoint to end", func() bool { st := db.Stats(); return st.Checkpoints == st.CheckpointsStarted })
	st := db.Stats()
	t.Logf("%+v", st)
	if st.IdleCheckpoints == 0 {
		t.Error("no idle checkpoint ran")
	}
	check := func(db *DB) {
		t.Helper()
		err := db.View(context.Background(), func(tx store.Tx) error {
			for w := range writers {
				for k := range 8 {
					v, err := tx.Get(fmt.Appendf(nil, "w%d/%d", w, k))
					if err != nil || string(v) != fmt.Sprint(rounds-1) {
						return fmt.Errorf("w%d/%d = %q, %v; want %d", w, k, v, err, rounds-1)
					}
				}
				n := 0
				for range tx.Scan(fmt.Appendf(nil, "log/%d/", w), fmt.Appendf(nil, "log/%d0", w)) {
					n++
				}
				if n != rounds {
					return fmt.Errorf("writer %d: %d log entries, want %d", w, n, rounds)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(db)
	crashClose(t, db)
	db, err = Open(path, WithIdleCheckpoint(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(db)
}
