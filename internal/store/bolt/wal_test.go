package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/storetest"
	bbolt "go.etcd.io/bbolt"
)

// TestConformanceCheckpointing runs the whole conformance suite with a
// checkpoint after nearly every commit, so that every contract (snapshot
// isolation, the bank-transfer invariant, scans while writing, reopen) is
// also checked across frozen memtables, running checkpoints and segment
// rotation.
func TestConformanceCheckpointing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		db, err := Open(filepath.Join(dir, "hotline.db"), WithCheckpointBytes(1))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// crashClose closes db's files the way a killed process leaves them: no
// final checkpoint, the WAL stays, and so does a ready spare (a spare being
// filled is stopped and removed: a killed process would leave it half
// written, which Open removes too). No commit or checkpoint may be running.
func crashClose(t *testing.T, db *DB) {
	t.Helper()
	db.mu.Lock()
	db.closed = true
	db.isClosed.Store(true)
	db.mu.Unlock()
	close(db.quitIdle)
	<-db.idleDone
	db.layers.RLock()
	done := db.ckptDone
	db.layers.RUnlock()
	if done != nil {
		<-done
	}
	db.wal.spare.shutdown()
	if err := db.wal.close(); err != nil {
		t.Fatal(err)
	}
	if err := db.bdb.Close(); err != nil {
		t.Fatal(err)
	}
}

func segments(t *testing.T, path string) []segment {
	t.Helper()
	segs, err := listSegments(path)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// snapshotFiles returns the contents of every file in dir.
func snapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// writeRecords opens a store at path, commits one Update per key (one WAL
// record each), and leaves it as a crash would. It returns the offset of
// each record in the one WAL segment.
func writeRecords(t *testing.T, path string, keys ...string) (seg string, offsets []int64) {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		offsets = append(offsets, db.wal.size)
		storetest.Put(t, db, k, "v-"+k)
	}
	seg = db.wal.f.Name()
	crashClose(t, db)
	return seg, offsets
}

func TestReplayAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	writeRecords(t, path, "a", "b", "c")
	if n := len(segments(t, path)); n != 1 {
		t.Fatalf("%d WAL segments after the crash, want 1", n)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := strings.Join(keys(t, db), ","); got != "a,b,c" {
		t.Errorf("keys after replay = %s, want a,b,c", got)
	}
	// Replay went into bbolt, and the old segment is gone.
	segs := segments(t, path)
	if len(segs) != 1 || segs[0].n != 2 {
		t.Errorf("segments after Open = %v, want only a fresh segment 2", segs)
	}
	if db.active.Len() != 0 {
		t.Errorf("memtable holds %d entries after replay, want 0", db.active.Len())
	}
}

func TestTornTail(t *testing.T) {
	for _, cut := range []int{1, 3, recordHeader - 1, recordHeader + 1} {
		t.Run(fmt.Sprintf("cut%d", cut), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			seg, _ := writeRecords(t, path, "a", "b", "c")
			fi, err := os.Stat(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(seg, fi.Size()-int64(cut)); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path)
			if err != nil {
				t.Fatalf("Open with a torn tail: %v", err)
			}
			defer db.Close()
			if got := strings.Join(keys(t, db), ","); got != "a,b" {
				t.Errorf("keys = %s, want a,b (the torn record dropped)", got)
			}
			storetest.Put(t, db, "d", "v") // and it takes writes again
		})
	}
}

func TestTornTailGarbage(t *testing.T) {
	// A last record of full length whose payload never reached the disk
	// (checksum fails at the end of the file), and a zero-filled tail.
	for _, tc := range []string{"bad-checksum-at-end", "zero-tail"} {
		t.Run(tc, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			seg, offs := writeRecords(t, path, "a", "b")
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			switch tc {
			case "bad-checksum-at-end":
				data[len(data)-1] ^= 0xff
			case "zero-tail":
				data = append(data, make([]byte, 4096)...)
			}
			if err := os.WriteFile(seg, data, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			want := "a,b"
			if tc == "bad-checksum-at-end" {
				want = "a"
			}
			if got := strings.Join(keys(t, db), ","); got != want {
				t.Errorf("keys = %s, want %s (offsets %v)", got, want, offs)
			}
		})
	}
}

func TestCorruptRecordFailsOpen(t *testing.T) {
	type damage struct {
		name string
		// hurt damages the segment data; offs are the record offsets.
		hurt func(data []byte, offs []int64) []byte
		at   int // index of the record Open must name
	}
	for _, d := range []damage{
		{"payload-byte", func(b []byte, offs []int64) []byte { b[offs[1]+recordHeader+2] ^= 0x01; return b }, 1},
		{"checksum", func(b []byte, offs []int64) []byte { b[offs[1]+5] ^= 0x80; return b }, 1},
		{"length-shorter", func(b []byte, offs []int64) []byte {
			n := binary.LittleEndian.Uint32(b[offs[1]:])
			binary.LittleEndian.PutUint32(b[offs[1]:], n-1)
			return b
		}, 1},
		{"zero-length", func(b []byte, offs []int64) []byte { clear(b[offs[0] : offs[0]+4]); return b }, 0},
		{"garbage-after-tail", func(b []byte, offs []int64) []byte {
			b[len(b)-1] ^= 0xff // the last record is bad...
			return append(b, 1, 2, 3)
		}, 2},
	} {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hotline.db")
			seg, offs := writeRecords(t, path, "a", "b", "c")
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(seg, d.hurt(data, offs), 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshotFiles(t, dir)
			db, err := Open(path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a corrupt WAL")
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open error %v is not a *CorruptError", err)
			}
			if ce.File != seg || ce.Offset != offs[d.at] {
				t.Errorf("error names %s at %d, want %s at %d", ce.File, ce.Offset, seg, offs[d.at])
			}
			if !strings.Contains(err.Error(), seg) {
				t.Errorf("error %q does not name the file", err)
			}
			after := snapshotFiles(t, dir)
			if !maps.EqualFunc(before, after, bytes.Equal) {
				t.Errorf("a failed Open changed the files: before %v, after %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
		})
	}
}

// TestTornRecordInOlderSegment: only the last segment may end in a torn
// write; the same damage in an older one is corruption.
func TestTornRecordInOlderSegment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.db")
	seg, _ := writeRecords(t, path, "a", "b")
	// A newer segment, as after a rotation.
	next := segmentPath(path, 2)
	if err := os.WriteFile(next, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, fi.Size()-2); err != nil {
		t.Fatal(err)
	}
	before := snapshotFiles(t, dir)
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded with a torn record in a segment that is not the last")
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != seg {
		t.Fatalf("Open = %v, want a *CorruptError naming %s", err, seg)
	}
	if after := snapshotFiles(t, dir); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Error("a failed Open changed the files")
	}
}

// TestAppliedSegmentNotReplayed: a segment that a checkpoint already wrote
// into bbolt but that a crash left on disk must not be replayed over newer
// data.
func TestAppliedSegmentNotReplayed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, WithCheckpointBytes(1))
	if err != nil {
		t.Fatal(err)
	}
	seg1 := db.wal.f.Name()
	storetest.Put(t, db, "k", "old")
	// The Put's group started a checkpoint of segment 1; keep a copy of
	// the segment, as if its removal had not reached the disk.
	data, err := os.ReadFile(seg1)
	if err != nil {
		t.Fatal(err)
	}
	db.layers.RLock()
	done := db.ckptDone
	db.layers.RUnlock()
	<-done
	storetest.Put(t, db, "k", "new")
	crashClose(t, db)
	if err := os.WriteFile(seg1, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := storetest.Get(t, db, "k"); v != "new" {
		t.Errorf("k = %q after reopen, want new", v)
	}
	for _, s := range segments(t, path) {
		if s.path == seg1 {
			t.Error("the stale segment was not removed")
		}
	}
}

// TestCloseLeavesBboltAlone: after Close there is no WAL, and the bbolt
// file read directly holds every write, with and without checkpoints.
func TestCloseLeavesBboltAlone(t *testing.T) {
	for _, ckpt := range []int64{0, 1, 300} {
		t.Run(fmt.Sprintf("checkpoint%d", ckpt), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			db, err := Open(path, WithCheckpointBytes(ckpt))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			var wg sync.WaitGroup
			var mu sync.Mutex
			for w := range 8 {
				wg.Go(func() {
					for i := range 40 {
						k := fmt.Sprintf("k%d/%02d", w, i)
						err := db.Update(context.Background(), func(tx store.RwTx) error {
							if i%5 == 4 {
								return tx.Delete(fmt.Appendf(nil, "k%d/%02d", w, i-1))
							}
							return tx.Put([]byte(k), []byte("v"+k))
						})
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						if i%5 == 4 {
							delete(want, fmt.Sprintf("k%d/%02d", w, i-1))
						} else {
							want[k] = "v" + k
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			st := db.Stats()
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if ckpt == 1 && st.Checkpoints == 0 {
				t.Error("no checkpoint ran with a 1-byte threshold")
			}
			if segs := segments(t, path); len(segs) != 0 {
				t.Errorf("WAL segments left after Close: %v", segs)
			}
			bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			got := map[string]string{}
			err = bdb.View(func(tx *bbolt.Tx) error {
				return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
					got[string(k)] = string(v)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("bbolt file holds %d keys, want %d", len(got), len(want))
			}
		})
	}
}

// TestWALFailureFailsStore: when the WAL cannot be written, the group gets
// the error, every later Update too, Views keep working, and Close keeps
// what was acknowledged and nothing else.
func TestWALFailureFailsStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Put(t, db, "before", "v")
	_ = db.wal.f.Close() // the next write fails
	err = db.Update(context.Background(), put("lost"))
	if err == nil || !strings.Contains(err.Error(), "must be reopened") {
		t.Fatalf("Update with a broken WAL = %v, want a WAL error", err)
	}
	if err2 := db.Update(context.Background(), put("later")); err2 == nil || !strings.Contains(err2.Error(), "must be reopened") {
		t.Errorf("later Update = %v, want the store's failure", err2)
	}
	if got := strings.Join(keys(t, db), ","); got != "before" {
		t.Errorf("View sees %s, want before", got)
	}
	if err := db.Close(); err != nil && !strings.Contains(err.Error(), "file already closed") {
		t.Fatalf("Close: %v", err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := strings.Join(keys(t, db), ","); got != "before" {
		t.Errorf("after reopen keys = %s, want before", got)
	}
}

// TestViewsDuringCheckpoints checks, with checkpoints running all the time,
// that every View sees a consistent snapshot: writers move units between
// keys (the total is invariant) and delete and recreate keys, while readers
// sum with Scan, ScanReverse and Get.
func TestViewsDuringCheckpoints(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"), WithCheckpointBytes(512))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const accounts, initial = 16, 1000
	acct := func(i int) []byte { return fmt.Appendf(nil, "acct/%02d", i) }
	err = db.Update(context.Background(), func(tx store.RwTx) error {
		for i := range accounts {
			if err := tx.Put(acct(i), binary.AppendUvarint(nil, initial)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	val := func(v []byte) int { n, _ := binary.Uvarint(v); return int(n) }
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var views [3]int
	for r := range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := db.View(context.Background(), func(tx store.Tx) error {
					sum := 0
					switch r {
					case 0:
						for _, v := range tx.Scan([]byte("acct/"), store.PrefixEnd([]byte("acct/"))) {
							sum += val(v)
						}
					case 1:
						for _, v := range tx.ScanReverse([]byte("acct/"), store.PrefixEnd([]byte("acct/"))) {
							sum += val(v)
						}
					case 2:
						for i := range accounts {
							v, err := tx.Get(acct(i))
							if errors.Is(err, store.ErrNotFound) {
								continue // moved to its "parked" key
							}
							if err != nil {
								return err
							}
							sum += val(v)
						}
						for _, v := range tx.Scan([]byte("parked/"), store.PrefixEnd([]byte("parked/"))) {
							sum += val(v)
						}
						return check(sum, accounts*initial)
					}
					for _, v := range tx.Scan([]byte("parked/"), store.PrefixEnd([]byte("parked/"))) {
						sum += val(v)
					}
					return check(sum, accounts*initial)
				})
				views[r]++
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range 150 {
				from, to := rng.IntN(accounts), rng.IntN(accounts)
				park := rng.IntN(4) == 0
				err := db.Update(context.Background(), func(tx store.RwTx) error {
					get := func(i int) (int, []byte, error) {
						if v, err := tx.Get(acct(i)); err == nil {
							return val(v), acct(i), nil
						}
						k := fmt.Appendf(nil, "parked/%02d", i)
						v, err := tx.Get(k)
						return val(v), k, err
					}
					fb, fk, err := get(from)
					if err != nil {
						return err
					}
					amount := min(fb, 1+rng.IntN(50))
					if err := tx.Put(fk, binary.AppendUvarint(nil, uint64(fb-amount))); err != nil {
						return err
					}
					tb, tk, err := get(to)
					if err != nil {
						return err
					}
					if err := tx.Put(tk, binary.AppendUvarint(nil, uint64(tb+amount))); err != nil {
						return err
					}
					if !park {
						return nil
					}
					// Move from's balance between its two keys: a delete
					// (tombstone) in one layer and a put in another.
					n, k, err := get(from)
					if err != nil {
						return err
					}
					other := acct(from)
					if bytes.Equal(k, other) {
						other = fmt.Appendf(nil, "parked/%02d", from)
					}
					if err := tx.Delete(k); err != nil {
						return err
					}
					return tx.Put(other, binary.AppendUvarint(nil, uint64(n)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	st := db.Stats()
	t.Logf("%d checkpoints, %d commits, views %v", st.Checkpoints, st.Commits, views)
	if st.Checkpoints < 2 {
		t.Errorf("only %d checkpoints ran", st.Checkpoints)
	}
	// At most one runs at a time, so it may still be running.
	if st.CheckpointsStarted != st.Checkpoints && st.CheckpointsStarted != st.Checkpoints+1 {
		t.Errorf("%d checkpoints started, %d ended", st.CheckpointsStarted, st.Checkpoints)
	}
}

func check(sum, want int) error {
	if sum != want {
		return fmt.Errorf("a View saw total %d, want %d", sum, want)
	}
	return nil
}

// TestCheckpointPacksAppendedKeys: keys written in ascending order (an
// append-only range) end up in leaves that are nearly full, not split at
// bbolt's default half.
func TestCheckpointPacksAppendedKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, WithCheckpointBytes(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	value := bytes.Repeat([]byte("v"), 100)
	for batch := range 100 {
		err := db.Update(context.Background(), func(tx store.RwTx) error {
			for i := range 100 {
				if err := tx.Put(fmt.Appendf(nil, "append/%08d", batch*100+i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if db.Stats().Checkpoints == 0 {
		t.Fatal("no checkpoint ran")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bbolt.Tx) error {
		st := tx.Bucket(bucket).Stats()
		fill := float64(st.LeafInuse) / float64(st.LeafAlloc)
		t.Logf("%d leaf pages, %.0f %% in use", st.LeafPageN, 100*fill)
		if fill < 0.8 {
			t.Errorf("leaves are %.0f %% full, want at least 80 %%", 100*fill)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
