package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	bbolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// The write-ahead log is a sequence of segment files next to the bbolt file,
// <path>-wal.<n>, n increasing. A segment is a sequence of records, one per
// committed group:
//
//	[4-byte little-endian payload length][4-byte CRC-32C of payload][payload]
//
// and a payload is a sequence of operations:
//
//	opPut    uvarint(len(key)) key uvarint(len(value)) value
//	opDelete uvarint(len(key)) key
//
// A group is one write(2) of its whole record followed by fdatasync.

const (
	opPut    byte = 1
	opDelete byte = 2

	recordHeader = 8
	// maxPayload bounds one record (one group): the length field is 32 bits,
	// and a single transaction larger than this is refused.
	maxPayload = 1<<31 - 1

	walInfix = "-wal."
	// walDigits zero-pads segment numbers so that names sort like numbers.
	walDigits = 12
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendOp appends one operation to a payload.
func appendOp(buf []byte, op byte, key, value []byte) []byte {
	buf = append(buf, op)
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	if op == opPut {
		buf = binary.AppendUvarint(buf, uint64(len(value)))
		buf = append(buf, value...)
	}
	return buf
}

// newRecord returns an empty record buffer: room for the header, then the
// payload is appended with appendOp and sealRecord fills the header in.
func newRecord(capacity int) []byte {
	return make([]byte, recordHeader, max(capacity, recordHeader))
}

// sealRecord writes the header of a record whose payload follows it.
func sealRecord(rec []byte) {
	payload := rec[recordHeader:]
	binary.LittleEndian.PutUint32(rec[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:8], crc32.Checksum(payload, castagnoli))
}

// errBadOps reports a payload that passed its checksum but does not parse:
// the writer never produces one, so it is corruption.
var errBadOps = errors.New("malformed operation")

// decodeOps calls fn for each operation of a payload, in order. key and
// value alias payload. It never panics, whatever the input.
func decodeOps(payload []byte, fn func(op byte, key, value []byte) error) error {
	for len(payload) > 0 {
		op := payload[0]
		payload = payload[1:]
		if op != opPut && op != opDelete {
			return fmt.Errorf("%w: op byte %d", errBadOps, op)
		}
		key, rest, err := readBytes(payload)
		if err != nil {
			return err
		}
		if len(key) == 0 || len(key) > bbolt.MaxKeySize {
			return fmt.Errorf("%w: key of %d bytes", errBadOps, len(key))
		}
		payload = rest
		var value []byte
		if op == opPut {
			if value, payload, err = readBytes(payload); err != nil {
				return err
			}
			if len(value) > bbolt.MaxValueSize {
				return fmt.Errorf("%w: value of %d bytes", errBadOps, len(value))
			}
		}
		if err := fn(op, key, value); err != nil {
			return err
		}
	}
	return nil
}

// readBytes reads a uvarint length and that many bytes. The returned slice
// is never nil, so that an empty value stays distinct from a missing one.
func readBytes(b []byte) (field, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return nil, nil, fmt.Errorf("%w: bad length", errBadOps)
	}
	b = b[w:]
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: length %d runs past the payload", errBadOps, n)
	}
	return b[:n:n], b[n:], nil
}

// recordStatus classifies what readRecord found at an offset.
type recordStatus uint8

const (
	recOK        recordStatus = iota
	recEnd                    // no bytes left
	recTruncated              // header or payload runs past the end of the data
	recBad                    // zero length or checksum mismatch
)

// readRecord reads the record at the start of data.
func readRecord(data []byte) (payload []byte, size int, st recordStatus) {
	if len(data) == 0 {
		return nil, 0, recEnd
	}
	if len(data) < recordHeader {
		return nil, 0, recTruncated
	}
	n := binary.LittleEndian.Uint32(data[0:4])
	sum := binary.LittleEndian.Uint32(data[4:8])
	if n == 0 || n > maxPayload {
		return nil, 0, recBad
	}
	if uint64(n) > uint64(len(data)-recordHeader) {
		return nil, 0, recTruncated
	}
	payload = data[recordHeader : recordHeader+int(n)]
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, 0, recBad
	}
	return payload, recordHeader + int(n), recOK
}

// CorruptError is returned by Open when a WAL segment holds a damaged
// record that cannot be a torn final write: Open then changes nothing.
type CorruptError struct {
	File   string
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store/bolt: WAL segment %s is corrupt at offset %d: %s; the store was not opened and nothing was changed",
		e.File, e.Offset, e.Reason)
}

// scanSegment calls fn for every operation of every valid record of one
// segment's data, in order, and returns the length of the valid prefix. In
// the last segment a damaged record at the tail (one that runs past the
// end of the file, or a bad one with nothing but zeros after it) is a write
// that was torn by a crash and never acknowledged: scanning stops there.
// Anywhere else a damaged record is corruption, reported as *CorruptError.
func scanSegment(name string, data []byte, last bool, fn func(op byte, key, value []byte) error) (int, error) {
	off := 0
	for {
		payload, size, st := readRecord(data[off:])
		switch st {
		case recEnd:
			return off, nil
		case recOK:
			if err := decodeOps(payload, fn); err != nil {
				if errors.Is(err, errBadOps) {
					return off, &CorruptError{File: name, Offset: int64(off), Reason: err.Error()}
				}
				return off, err
			}
			off += size
			continue
		}
		torn := st == recTruncated
		if st == recBad {
			// A full-length record whose checksum fails at the very end of
			// the file, or a tail the file system zero-filled.
			n := binary.LittleEndian.Uint32(data[off : off+4])
			torn = (n != 0 && uint64(n) == uint64(len(data)-off-recordHeader)) || allZero(data[off:])
		}
		if torn && last {
			return off, nil
		}
		reason := "checksum mismatch"
		switch {
		case st == recTruncated:
			reason = "record runs past the end of a segment that is not the last"
		case torn:
			reason = "damaged record at the end of a segment that is not the last"
		case binary.LittleEndian.Uint32(data[off:off+4]) == 0:
			reason = "zero-length record followed by data"
		default:
			reason = "checksum mismatch on a record followed by more data"
		}
		return off, &CorruptError{File: name, Offset: int64(off), Reason: reason}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// segment names one WAL file.
type segment struct {
	n    uint64
	path string
}

func segmentPath(dbPath string, n uint64) string {
	return fmt.Sprintf("%s%s%0*d", dbPath, walInfix, walDigits, n)
}

// listSegments returns the WAL segments of the store at dbPath, oldest
// first. Files whose suffix is not a number are ignored.
func listSegments(dbPath string) ([]segment, error) {
	dir, base := filepath.Split(dbPath)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segment
	prefix := base + walInfix
	for _, e := range ents {
		suffix, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || suffix == "" || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(suffix, 10, 64)
		if err != nil || strings.TrimLeft(suffix, "0123456789") != "" {
			continue
		}
		segs = append(segs, segment{n: n, path: filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(segs, func(a, b segment) int {
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	})
	return segs, nil
}

// syncDir makes the creation and removal of files in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// walFile is the segment being appended to.
type walFile struct {
	f    *os.File
	fd   int
	n    uint64
	size int64
}

// createSegment creates segment n, empty, and makes its existence durable.
func createSegment(dbPath string, n uint64) (*walFile, error) {
	p := segmentPath(dbPath, n)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		_ = f.Close()
		_ = os.Remove(p)
		return nil, err
	}
	return &walFile{f: f, fd: int(f.Fd()), n: n}, nil
}

// append writes one sealed record and waits until it is on disk.
func (w *walFile) append(rec []byte) error {
	// os.File.Write retries short writes; a regular file takes the whole
	// record in one write(2).
	if _, err := w.f.Write(rec); err != nil {
		return err
	}
	w.size += int64(len(rec))
	for {
		err := unix.Fdatasync(w.fd)
		if err != unix.EINTR {
			return err
		}
	}
}

func (w *walFile) close() error { return w.f.Close() }

// removeSegments deletes the given segments and makes that durable.
func removeSegments(dbPath string, segs []segment) error {
	var errs []error
	for _, s := range segs {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(segs) > 0 {
		errs = append(errs, syncDir(filepath.Dir(dbPath)))
	}
	return errors.Join(errs...)
}
