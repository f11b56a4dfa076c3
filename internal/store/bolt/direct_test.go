package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// directSupported reports whether the file system under dir takes
// O_DIRECT, as openZeroed would find.
func directSupported(t *testing.T, dir string) bool {
	t.Helper()
	p := filepath.Join(dir, "probe")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|unix.O_DIRECT, 0)
	if errors.Is(err, unix.EINVAL) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	return true
}

// TestZeroedSegmentWrites: records appended to a zero-filled segment leave
// the same bytes whether they went in direct, block-aligned writes or
// through the page cache: the log, then zeros to the end of the file.
// The record sizes cross block boundaries in every way (ending on one,
// spanning several, filling the last block exactly), and the last records
// run past the zero-filled space, which moves a direct segment back to
// buffered writes.
func TestZeroedSegmentWrites(t *testing.T) {
	const spareSize = 5 * directAlign
	sizes := []int{1, 100, directAlign - 120, directAlign, 3 * directAlign / 2, 7, 2*directAlign + 5}
	for _, direct := range []bool{true, false} {
		t.Run(fmt.Sprintf("direct=%t", direct), func(t *testing.T) {
			saved := directIO
			directIO = direct
			t.Cleanup(func() { directIO = saved })
			dir := t.TempDir()
			path := filepath.Join(dir, "hotline.db")
			w := zeroedSegment(t, path, spareSize)
			if want := direct && directSupported(t, dir); (w.direct != nil) != want {
				t.Fatalf("direct writes: %t, want %t", w.direct != nil, want)
			}
			var log []byte
			var keys []string
			for i, n := range sizes {
				// A record's header and key take 14 bytes of its size.
				k := fmt.Sprintf("k%02d", i)
				rec := putRecord(k, strings.Repeat("v", max(n-14, 1)))
				if err := w.append(rec); err != nil {
					t.Fatal(err)
				}
				log = append(log, rec...)
				keys = append(keys, k)
				if w.size != int64(len(log)) {
					t.Fatalf("after record %d the log ends at %d, want %d", i, w.size, len(log))
				}
				if w.direct != nil && w.direct.n != len(log)%directAlign {
					t.Fatalf("after record %d the tail holds %d bytes, want %d", i, w.direct.n, len(log)%directAlign)
				}
			}
			if w.size <= spareSize {
				t.Fatalf("the records did not outgrow the zero-filled space (%d of %d bytes)", w.size, spareSize)
			}
			if w.direct != nil {
				t.Fatal("a segment past its zero-filled space still writes directly")
			}
			_ = w.close()
			data, err := os.ReadFile(segmentPath(path, 2))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data[:len(log)], log) || !allZero(data[len(log):]) {
				t.Fatalf("segment holds something other than the log and zeros (%d bytes, log %d)", len(data), len(log))
			}
			var got []string
			n, err := scanSegment("seg", data, true, func(_ byte, key, _ []byte) error {
				got = append(got, string(key))
				return nil
			})
			if err != nil || n != len(log) || strings.Join(got, ",") != strings.Join(keys, ",") {
				t.Fatalf("scan: n=%d err=%v keys %v, want %d bytes and %v", n, err, got, len(log), keys)
			}
		})
	}
}

// TestDirectTailWrite checks directTail.write on its own (with O_DIRECT
// where the file system takes it): each write covers whole blocks from the
// block holding the end of the log, carries the bytes kept from that
// block, and pads with zeros.
func TestDirectTailWrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tail")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, _, err := openZeroed(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var d directTail
	var log []byte
	for i, n := range []int{10, directAlign - 10, 1, directAlign, 3*directAlign - 1, maxKeptRecord + 7, 2} {
		rec := bytes.Repeat([]byte{byte('a' + i)}, n)
		if err := d.write(f, int64(len(log)), rec); err != nil {
			t.Fatal(err)
		}
		log = append(log, rec...)
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		wantLen := (len(log) + directAlign - 1) &^ (directAlign - 1)
		if len(data) != wantLen || !bytes.Equal(data[:len(log)], log) || !allZero(data[len(log):]) {
			t.Fatalf("write %d: file of %d bytes, want the %d-byte log padded to %d", i, len(data), len(log), wantLen)
		}
		if d.n != len(log)%directAlign || !bytes.Equal(d.buf[:d.n], log[len(log)-d.n:]) {
			t.Fatalf("write %d: tail of %d bytes, want the log's last %d", i, d.n, len(log)%directAlign)
		}
		if p := uintptr(unsafe.Pointer(unsafe.SliceData(d.buf))); p%directAlign != 0 {
			t.Fatalf("write %d: buffer at %#x is not aligned", i, p)
		}
		if len(d.buf) > maxKeptRecord {
			t.Fatalf("write %d: a %d-byte buffer kept", i, len(d.buf))
		}
	}
}
