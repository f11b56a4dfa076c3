package bolt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store/storetest"
)

func putRecord(k, v string) []byte {
	return encodeRecord([]walOp{{op: opPut, key: []byte(k), value: []byte(v)}})
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// TestScanSegmentTails: what ends the log in a segment, in the last one and
// in an older one.
func TestScanSegmentTails(t *testing.T) {
	good := cat(putRecord("a", "1"), putRecord("b", "2"))
	off := len(good)
	// A record spanning several pages whose later pages never reached
	// the disk: in a zero-filled segment they read as zeros.
	long := putRecord("c", strings.Repeat("x", 9000))
	torn := slices.Clone(long)
	clear(torn[4096:])
	bad := putRecord("c", "3")
	bad[recordHeader] ^= 0xff

	for _, tc := range []struct {
		name string
		data []byte
		// want is what both kinds of segment accept, unless one fails.
		want                string
		lastFails, oldFails bool
	}{
		{"empty", nil, "", false, false},
		{"no-tail", good, "a,b", false, false},
		{"zero-tail", cat(good, make([]byte, 4096)), "a,b", false, false},
		{"short-zero-tail", cat(good, make([]byte, 3)), "a,b", false, false},
		{"all-zeros", make([]byte, 8192), "", false, false},
		{"torn-then-zeros", cat(good, torn, make([]byte, 4096)), "a,b", false, true},
		{"torn-at-end-of-file", cat(good, torn), "a,b", false, true},
		{"bad-checksum-at-end-of-file", cat(good, bad), "a,b", false, true},
		{"runs-past-end-of-file", cat(good, long[:5000]), "a,b", false, true},
		{"short-header", cat(good, []byte{7, 0, 0}), "a,b", false, true},
		{"bad-then-record", cat(good, bad, putRecord("d", "4")), "", true, true},
		{"bad-then-zeros-then-byte", cat(good, bad, make([]byte, 100), []byte{1}), "", true, true},
		{"zero-header-then-record", cat(good, make([]byte, recordHeader), putRecord("d", "4")), "", true, true},
		{"zero-hole-then-record", cat(good, make([]byte, 4096), putRecord("d", "4")), "", true, true},
		{"torn-then-record", cat(good, torn, putRecord("d", "4")), "", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, last := range []bool{true, false} {
				var got []string
				n, err := scanSegment("seg", tc.data, last, func(op byte, key, value []byte) error {
					got = append(got, string(key))
					return nil
				})
				fails := tc.oldFails
				if last {
					fails = tc.lastFails
				}
				if fails {
					var ce *CorruptError
					if !errors.As(err, &ce) || ce.File != "seg" || ce.Offset != int64(off) {
						t.Errorf("last=%t: err = %v, want a *CorruptError at offset %d", last, err, off)
					}
					continue
				}
				if err != nil {
					t.Errorf("last=%t: %v", last, err)
					continue
				}
				if g := strings.Join(got, ","); g != tc.want {
					t.Errorf("last=%t: keys %q, want %q", last, g, tc.want)
				}
				wantN := off
				if tc.want == "" {
					wantN = 0
				}
				if n != wantN {
					t.Errorf("last=%t: valid prefix %d, want %d", last, n, wantN)
				}
			}
		})
	}
}

// waitSpare waits until sp holds a ready spare.
func waitSpare(t *testing.T, sp *spare) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sp.mu.Lock()
		st := sp.state
		sp.mu.Unlock()
		if st == spareReady {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no spare ready after 30 s (state %d)", st)
		}
		time.Sleep(time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// TestSpareSegments runs a store through zero-filled segments and kills it
// at each stage: a growing first segment; the move to a zero-filled spare
// (segment 2); more records in it; the move to the next spare (segment 3)
// for a record larger than the zero-filled space, which the file outgrows.
// Open must replay every record, whichever segment ends in zeros, remove
// the spare and start fresh; Close must remove everything.
func TestSpareSegments(t *testing.T) {
	const spareSize = 16 << 10
	for stage := 1; stage <= 4; stage++ {
		t.Run(fmt.Sprintf("crash-at-stage%d", stage), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hotline.db")
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			sp := db.wal.spare
			sp.size, sp.wait = spareSize, 0 // before anything starts a fill
			want := map[string]string{}
			putKV := func(k, v string) {
				t.Helper()
				storetest.Put(t, db, k, v)
				want[k] = v
			}

			putKV("k0", "growing") // segment 1 grows; the fill starts
			if db.wal.n != 1 || db.wal.zeroed != 0 {
				t.Fatalf("first segment %d, zeroed %d: want 1, 0", db.wal.n, db.wal.zeroed)
			}
			if stage >= 2 {
				waitSpare(t, sp)
				putKV("k1", "in the spare")
				seg := segmentPath(path, 2)
				if db.wal.n != 2 || db.wal.zeroed != spareSize || db.wal.f.Name() != seg {
					t.Fatalf("after the spare was ready: segment %d (%s), zeroed %d; want 2, %d", db.wal.n, db.wal.f.Name(), db.wal.zeroed, spareSize)
				}
				if got := fileSize(t, seg); got != spareSize {
					t.Fatalf("segment 2 is %d bytes, want %d", got, spareSize)
				}
			}
			if stage >= 3 {
				for i := range 20 {
					putKV(fmt.Sprintf("k2/%02d", i), "more")
				}
				if db.wal.n != 2 {
					t.Fatalf("small records left the zero-filled segment for %d", db.wal.n)
				}
			}
			if stage >= 4 {
				waitSpare(t, sp) // refilled after segment 2 took it
				big := strings.Repeat("B", spareSize+1000)
				putKV("k3", big)
				seg := segmentPath(path, 3)
				if db.wal.n != 3 || db.wal.zeroed != spareSize {
					t.Fatalf("a record past the zero-filled space went to segment %d (zeroed %d), want 3", db.wal.n, db.wal.zeroed)
				}
				if got := fileSize(t, seg); got <= spareSize || got != db.wal.size {
					t.Fatalf("segment 3 is %d bytes, want %d (past its %d zero-filled bytes)", got, db.wal.size, spareSize)
				}
			}
			crashClose(t, db)
			nsegs := []int{0, 1, 2, 2, 3}[stage]
			if segs := segments(t, path); len(segs) != nsegs {
				t.Fatalf("segments after the crash: %v", segs)
			}

			db, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if exists(t, sp.path) {
				t.Error("Open left the old spare")
			}
			got := map[string]string{}
			for _, k := range keys(t, db) {
				got[k], _ = storetest.Get(t, db, k)
			}
			if len(got) != len(want) {
				t.Errorf("after replay %d keys, want %d", len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("key %s lost in replay", k)
				}
			}
			if segs := segments(t, path); len(segs) != 1 || segs[0].n != uint64(nsegs+1) {
				t.Errorf("segments after Open: %v", segs)
			}
			putKV("after", "reopen")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 1 {
				t.Errorf("files after Close: %v", ents)
			}
		})
	}
}

// TestSpareReusedAcrossRollovers: every rollover takes the spare that was
// filled after the previous one took its own.
func TestSpareReusedAcrossRollovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	w, err := newWAL(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.spare.wait = 0
	if w.spare.size != 4096 {
		t.Errorf("spare size for a zero threshold = %d, want one page", w.spare.size)
	}
	for i := range 4 {
		if err := w.append(putRecord("k", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		waitSpare(t, w.spare)
		next, err := w.next()
		if err != nil {
			t.Fatal(err)
		}
		if next.n != w.n+1 || next.zeroed != w.spare.size || next.size != 0 {
			t.Fatalf("rollover %d: segment %d zeroed %d at %d", i, next.n, next.zeroed, next.size)
		}
		if got := fileSize(t, segmentPath(path, next.n)); got != w.spare.size {
			t.Fatalf("rollover %d: segment is %d bytes", i, got)
		}
		if err := w.close(); err != nil {
			t.Fatal(err)
		}
		w = next
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	if err := w.removeSpare(); err != nil {
		t.Fatal(err)
	}
	if exists(t, w.spare.path) {
		t.Error("removeSpare left the spare")
	}
}

// TestSpareNotReady: a rollover while the spare is still being filled
// creates an empty segment, which grows, and the log moves to the spare
// at the first record after it is ready.
func TestSpareNotReady(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	w, err := newWAL(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.removeSpare() }()
	w.spare.mu.Lock()
	w.spare.state = spareFilling // as if a fill were running
	w.spare.mu.Unlock()
	next, err := w.next()
	if err != nil {
		t.Fatal(err)
	}
	_ = w.close()
	w = next
	if w.n != 2 || w.zeroed != 0 || fileSize(t, segmentPath(path, 2)) != 0 {
		t.Fatalf("fallback segment %d zeroed %d", w.n, w.zeroed)
	}
	r1, r2 := putRecord("a", "1"), putRecord("b", "2")
	if err := w.append(r1); err != nil {
		t.Fatal(err)
	}
	if err := w.append(r2); err != nil {
		t.Fatal(err)
	}
	if got := fileSize(t, segmentPath(path, 2)); got != int64(len(r1)+len(r2)) {
		t.Fatalf("growing segment is %d bytes, want %d", got, len(r1)+len(r2))
	}
	// The fill ends: the next record goes to the spare, as segment 3.
	w.spare.mu.Lock()
	w.spare.state, w.spare.wait = spareNone, 0
	w.spare.mu.Unlock()
	w.spare.tick()
	waitSpare(t, w.spare)
	if err := w.append(putRecord("c", "3")); err != nil {
		t.Fatal(err)
	}
	if w.n != 3 || w.zeroed != w.spare.size {
		t.Fatalf("after the spare was ready: segment %d zeroed %d", w.n, w.zeroed)
	}
	_ = w.close()
	var got []string
	for i, s := range []uint64{2, 3} {
		data, err := os.ReadFile(segmentPath(path, s))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scanSegment(segmentPath(path, s), data, i == 1, func(_ byte, key, _ []byte) error {
			got = append(got, string(key))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if g := strings.Join(got, ","); g != "a,b,c" {
		t.Errorf("records %s, want a,b,c", g)
	}
}

// TestSegmentOutgrowsZeroFill: with no spare to move to, records past the

// zeroedSegment starts a log at path and returns its segment 2, taken from
// a zero-filled spare of size bytes (the default when 0), with no spare
// left to move on to.
func zeroedSegment(t *testing.T, path string, size int64) *walFile {
	t.Helper()
	w, err := newWAL(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		w.spare.size = size
	}
	w.spare.wait = 0
	if err := w.append(putRecord("first", "in the growing segment")); err != nil {
		t.Fatal(err)
	}
	waitSpare(t, w.spare)
	next, err := w.next()
	if err != nil {
		t.Fatal(err)
	}
	_ = w.close()
	if err := next.removeSpare(); err != nil {
		t.Fatal(err)
	}
	return next
}

// zero-filled space extend the file, and the segment reads back whole.
func TestSegmentOutgrowsZeroFill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	w := zeroedSegment(t, path, 0)
	var want []string
	for i := range 40 {
		k := fmt.Sprintf("k%02d", i)
		if err := w.append(putRecord(k, strings.Repeat("v", 300))); err != nil {
			t.Fatal(err)
		}
		want = append(want, k)
	}
	if w.n != 2 || w.size <= w.zeroed {
		t.Fatalf("segment %d at %d of %d zero-filled bytes", w.n, w.size, w.zeroed)
	}
	_ = w.close()
	data, err := os.ReadFile(segmentPath(path, 2))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != w.size {
		t.Fatalf("segment is %d bytes, log ends at %d", len(data), w.size)
	}
	for _, last := range []bool{true, false} {
		var got []string
		n, err := scanSegment("seg", data, last, func(_ byte, key, _ []byte) error {
			got = append(got, string(key))
			return nil
		})
		if err != nil || n != len(data) || !slices.Equal(got, want) {
			t.Errorf("last=%t: n=%d err=%v, %d records", last, n, err, len(got))
		}
	}
}

// TestOpenWithLeftoverSpare: a spare left by a crash, whole or half
// filled, or holding bytes that parse as a record, is removed at Open and
// never replayed.
func TestOpenWithLeftoverSpare(t *testing.T) {
	ghost := putRecord("ghost", "never written")
	for _, tc := range []struct {
		name  string
		spare []byte
		crash bool // leave a WAL segment to replay too
	}{
		{"zeros", make([]byte, 8192), false},
		{"half-filled", make([]byte, 1000), true},
		{"record-like", cat(ghost, make([]byte, 4096)), false},
		{"record-like-with-wal", cat(ghost, make([]byte, 4096)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hotline.db")
			if tc.crash {
				writeRecords(t, path, "a", "b")
			}
			spare := path + walInfix + spareSuffix
			if err := os.WriteFile(spare, tc.spare, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if exists(t, spare) {
				t.Error("Open left the spare")
			}
			want := ""
			if tc.crash {
				want = "a,b"
			}
			if got := strings.Join(keys(t, db), ","); got != want {
				t.Errorf("keys %q, want %q", got, want)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCloseStopsFilling: Close during a fill stops it and removes the
// spare.
func TestCloseStopsFilling(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.wal.spare.wait = 0
	storetest.Put(t, db, "a", "1") // starts filling 36 MB
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("files after Close: %v", ents)
	}
}

// BenchmarkWALAppend measures one record's append on a segment that grows
// and on a zero-filled one, written through the page cache (pwrite +
// fdatasync) and with direct, synchronous writes (as the store writes its
// zero-filled segments), with wall and CPU time (getrusage, the whole
// process) per append:
//
//	go test ./internal/store/bolt -run '^$' -bench WALAppend -benchtime 3000x -count 5
func BenchmarkWALAppend(b *testing.B) {
	for _, size := range []int{128, 4096} {
		for _, mode := range []string{"growing", "zero-filled", "zero-filled-direct"} {
			b.Run(fmt.Sprintf("%dB/%s", size, mode), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "seg")
				rec := putRecord("k", strings.Repeat("v", size-recordHeader-4))
				if len(rec) > size {
					rec = putRecord("k", strings.Repeat("v", size-recordHeader-5))
				}
				if len(rec) != size {
					b.Fatalf("record of %d bytes", len(rec))
				}
				w := &walFile{}
				if mode == "growing" {
					f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
					if err != nil {
						b.Fatal(err)
					}
					w.f = f
				} else {
					w.zeroed = (int64(b.N*size) + directAlign - 1) &^ (directAlign - 1)
					if err := fillZeros(path, w.zeroed, nil); err != nil {
						b.Fatal(err)
					}
					saved := directIO
					directIO = mode == "zero-filled-direct"
					f, direct, err := openZeroed(path)
					directIO = saved
					if err != nil {
						b.Fatal(err)
					}
					if directIO && mode == "zero-filled-direct" && direct == nil {
						b.Fatal("the file system refuses O_DIRECT here")
					}
					w.f, w.direct = f, direct
				}
				w.fd = int(w.f.Fd())
				defer w.f.Close()
				lat := make([]time.Duration, 0, b.N)
				var ru0, ru1 syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					if err := w.append(rec); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano()) / time.Duration(b.N)
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
				b.ReportMetric(float64(cpu.Nanoseconds())/1e3, "cpu-µs/op")
			})
		}
	}
}
