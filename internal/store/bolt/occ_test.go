package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
)

// staleRead runs an UpdateConcurrent whose function reads key "k" and
// records what it saw in "out", and, while the first run of the function
// is paused after its read, runs between(db). It returns "out" and the
// store's statistics.
func staleRead(t *testing.T, db *DB, between func(db *DB)) (string, Stats) {
	t.Helper()
	ctx := context.Background()
	read, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- db.UpdateConcurrent(ctx, func(tx store.RwTx) error {
			saw := "missing"
			if v, err := tx.Get([]byte("k")); err == nil {
				saw = string(v)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			once.Do(func() { close(read); <-resume })
			return tx.Put([]byte("out"), []byte(saw))
		})
	}()
	<-read
	between(db)
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var out string
	err := db.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get([]byte("out"))
		out = string(v)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, db.Stats()
}

func TestUpdateConcurrentValidation(t *testing.T) {
	write := func(key, value string) func(db *DB) {
		return func(db *DB) {
			if err := db.Update(context.Background(), func(tx store.RwTx) error {
				return tx.Put([]byte(key), []byte(value))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name       string
		opts       []Option
		between    func(t *testing.T) func(db *DB)
		want       string
		conflicted bool
	}{
		{"nothing in between commits as run", nil,
			func(*testing.T) func(*DB) { return func(*DB) {} }, "missing", false},
		{"another key written in between", nil,
			func(*testing.T) func(*DB) { return write("other", "1") }, "missing", false},
		{"the key read is written in between", nil,
			func(*testing.T) func(*DB) { return write("k", "1") }, "1", true},
		{
			// The write to k is checkpointed into bbolt and its memtable
			// dropped before the commit: the snapshot is older than what the
			// memtables remember, so the function must run again.
			"the key read is written and checkpointed in between", []Option{WithCheckpointBytes(1)},
			func(t *testing.T) func(*DB) {
				return func(db *DB) {
					write("k", "1")(db)
					deadline := time.Now().Add(10 * time.Second)
					for db.Stats().Checkpoints == 0 {
						if time.Now().After(deadline) {
							t.Fatal("no checkpoint ran")
						}
						time.Sleep(time.Millisecond)
					}
					db.waitForCheckpointEnd()
				}
			}, "1", true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "hotline.db"), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			out, st := staleRead(t, db, tt.between(t))
			if out != tt.want {
				t.Errorf("the committed run saw k = %q, want %q", out, tt.want)
			}
			if got := st.Conflicts == 1; got != tt.conflicted {
				t.Errorf("Conflicts = %d, Optimistic = %d; want a conflict: %v", st.Conflicts, st.Optimistic, tt.conflicted)
			}
			if !tt.conflicted && st.Optimistic != 1 {
				t.Errorf("Optimistic = %d, want 1", st.Optimistic)
			}
		})
	}
}

func TestUpdateConcurrentReadOnlyAndErrors(t *testing.T) {
	db := openT(t)
	ctx := context.Background()
	if err := db.UpdateConcurrent(ctx, func(tx store.RwTx) error {
		_, err := tx.Get([]byte("nothing"))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := db.UpdateConcurrent(ctx, func(tx store.RwTx) error {
		_ = tx.Put([]byte("a"), nil)
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if st := db.Stats(); st.Commits != 0 || st.Optimistic != 0 {
		t.Errorf("a read-only and a failed transaction made %d commits (%d optimistic); want none", st.Commits, st.Optimistic)
	}
}

// TestUpdateConcurrentDisjoint: transactions that touch different keys
// commit as they ran, without a rerun.
func TestUpdateConcurrentDisjoint(t *testing.T) {
	db := openT(t)
	const n = 100
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k := fmt.Appendf(nil, "key/%03d", i)
			if err := db.UpdateConcurrent(context.Background(), func(tx store.RwTx) error {
				if _, err := tx.Get(k); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("key %s exists before it is written: %v", k, err)
				}
				return tx.Put(k, k)
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := db.Stats(); st.Optimistic != n || st.Conflicts != 0 {
		t.Errorf("Optimistic = %d, Conflicts = %d; want %d and 0", st.Optimistic, st.Conflicts, n)
	}
}
