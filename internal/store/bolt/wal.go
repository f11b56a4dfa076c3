package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

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
// A group is one pwrite(2) of its whole record at the end of the log
// followed by fdatasync, or, in a zero-filled segment on a file system that
// allows it, one direct and synchronous pwrite of the blocks the record
// covers (see direct.go). Segments are zero-filled when they are created
// (see walFile), so the log in a segment ends where zeros begin.

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
// segment's data, in order, and returns the length of the valid prefix.
//
// A segment is created zero-filled (see walFile), so its records are
// followed by zeros: in any segment, a remainder that is nothing but zeros
// is unused space and ends the log in that segment. In the last segment a
// damaged record at the tail (one cut short by the end of the file, or one
// whose checksum fails with nothing but zeros after its end) is a write
// that was torn by a crash and never acknowledged: scanning stops there.
// Anywhere else a damaged record is corruption, reported as *CorruptError.
// A segment before the last was fully synced before the next one was
// created, so it cannot end in a torn write.
func scanSegment(name string, data []byte, last bool, fn func(op byte, key, value []byte) error) (int, error) {
	off := 0
	for {
		rest := data[off:]
		payload, size, st := readRecord(rest)
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
		if allZero(rest) {
			return off, nil // the zero-filled rest of the segment
		}
		torn := tornTail(rest)
		if torn && last {
			return off, nil
		}
		var reason string
		n := uint64(0)
		if len(rest) >= recordHeader {
			n = uint64(binary.LittleEndian.Uint32(rest[0:4]))
		}
		switch {
		case st == recTruncated:
			reason = "record runs past the end of a segment that is not the last"
		case torn:
			reason = "damaged record at the end of a segment that is not the last"
		case n == 0:
			reason = "zero-length record followed by data"
		case n > maxPayload:
			reason = fmt.Sprintf("record length %d over the limit", n)
		default:
			reason = "checksum mismatch on a record followed by more data"
		}
		return off, &CorruptError{File: name, Offset: int64(off), Reason: reason}
	}
}

// tornTail reports whether rest, which starts with a damaged record and is
// not all zeros, looks like a write torn by a crash: a header cut short,
// a record that runs past the end of the file, or a record whose checksum
// fails and after whose end there is nothing but zeros (the segment's
// zero-filled space, or nothing at all).
func tornTail(rest []byte) bool {
	if len(rest) < recordHeader {
		return true
	}
	n := uint64(binary.LittleEndian.Uint32(rest[0:4]))
	if n == 0 || n > maxPayload {
		return false // no writer writes such a header
	}
	end := recordHeader + n
	return end >= uint64(len(rest)) || allZero(rest[end:])
}

// zeroPage is a page of zeros to compare with and to write.
var zeroPage [4096]byte

func allZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeroPage))
		if !bytes.Equal(b[:n], zeroPage[:n]) {
			return false
		}
		b = b[n:]
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

// Segments are zero-filled ahead of use. Appending to a file that grows
// makes every fdatasync also journal the new size and extents; overwriting
// blocks that were written before (with zeros) needs no metadata, so the
// sync is only the data. The blocks must really be written: fallocate
// leaves unwritten extents, whose conversion is journaled at the first
// write just the same.
//
// Zero-filling a segment takes far longer than a commit, so it is done in
// the background, on a spare file (<path>-wal.spare, which listSegments
// ignores and Open never reads): written with zeros, synced, and only then
// ready. When the log needs a new segment it renames a ready spare to the
// segment's name and syncs the directory; when none is ready it creates an
// empty segment that grows (correct, only slower) and moves to the spare as
// soon as one is ready. The first segment after Open is such a growing one:
// the spare is only started once the store has taken spareDelay commits,
// so that a store opened for a few writes (tests, tools) writes no zeros.
const (
	// spareDelay is how many commits a newly opened store takes before it
	// starts zero-filling its first spare.
	spareDelay = 100
	// spareRetry is how many commits pass before a spare whose filling
	// failed (a full disk, say) is tried again.
	spareRetry = 10_000
	// fillChunk is the unit in which a spare is written and written back
	// (see fillZeros).
	fillChunk = 1 << 20
	// maxPrealloc bounds the size of a zero-filled segment; records past
	// it extend the file.
	maxPrealloc = 1 << 30
	spareSuffix = "spare"
)

// preallocSize is the size of a zero-filled segment for a checkpoint
// threshold: the threshold plus an eighth (a segment is rolled over once
// its memtable holds the threshold, a little after it passes it), in
// whole pages.
func preallocSize(checkpointBytes int64) int64 {
	const page = int64(len(zeroPage))
	n := min(max(checkpointBytes, 0), maxPrealloc)
	n += n / 8
	return max(page, (n+page-1)/page*page)
}

// walFile is the segment being appended to.
type walFile struct {
	f  *os.File
	fd int
	n  uint64
	// size is where the next record goes: the end of the log in this
	// segment, which is less than the file's size while zero-filled space
	// is left.
	size int64
	// zeroed is how much of the file was zero-filled before the segment
	// took its first record (0 for a growing segment).
	zeroed int64
	spare  *spare // shared by the segments of one DB
	// direct is set while the segment's file is open for direct,
	// synchronous writes (see openZeroed): records then go to disk in
	// whole blocks, without fdatasync.
	direct *directTail
}

// newWAL starts the log of the store at dbPath with segment n, empty. It
// removes a spare left by an earlier process: a crash may have left it
// half filled, and it holds no record.
func newWAL(dbPath string, n uint64, checkpointBytes int64) (*walFile, error) {
	sp := &spare{
		dbPath: dbPath,
		path:   dbPath + walInfix + spareSuffix,
		size:   preallocSize(checkpointBytes),
		wait:   spareDelay,
		stop:   make(chan struct{}),
	}
	if err := os.Remove(sp.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	w, err := createSegment(dbPath, n)
	if err != nil {
		return nil, err
	}
	w.spare = sp
	return w, nil
}

// next starts segment w.n+1: the spare if one is ready, else an empty
// segment. w stays open; the caller closes it.
func (w *walFile) next() (*walFile, error) {
	f, direct, err := w.spare.take(w.n + 1)
	if err != nil {
		return nil, err
	}
	if f != nil {
		return &walFile{f: f, fd: int(f.Fd()), n: w.n + 1, zeroed: w.spare.size, spare: w.spare, direct: direct}, nil
	}
	nw, err := createSegment(w.spare.dbPath, w.n+1)
	if err != nil {
		return nil, err
	}
	nw.spare = w.spare
	return nw, nil
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

// append writes one sealed record and waits until it is on disk. When the
// record does not fit in the segment's zero-filled space and a spare is
// ready, the log first moves on to the spare as segment w.n+1 (every
// record before is synced, so the segment left behind ends cleanly).
func (w *walFile) append(rec []byte) error {
	if w.size+int64(len(rec)) > w.zeroed && w.spare != nil {
		f, direct, err := w.spare.take(w.n + 1)
		if err != nil {
			return err
		}
		if f != nil {
			_ = w.f.Close() // every record in it is synced
			w.f, w.fd, w.n, w.size, w.zeroed, w.direct = f, int(f.Fd()), w.n+1, 0, w.spare.size, direct
		}
	}
	if w.direct != nil && w.size+int64(len(rec)) > w.zeroed {
		if err := w.leaveDirect(); err != nil {
			return err
		}
	}
	if w.direct != nil {
		if err := w.direct.write(w.f, w.size, rec); err != nil {
			return err
		}
		w.size += int64(len(rec))
	} else {
		// os.File.WriteAt retries short writes; a regular file takes the
		// whole record in one pwrite(2). Past the zero-filled space it
		// extends the file.
		if _, err := w.f.WriteAt(rec, w.size); err != nil {
			return err
		}
		w.size += int64(len(rec))
		if err := fdatasync(w.fd); err != nil {
			return err
		}
	}
	if w.spare != nil {
		w.spare.tick()
	}
	return nil
}

func fdatasync(fd int) error {
	for {
		err := unix.Fdatasync(fd)
		if err != unix.EINTR {
			return err
		}
	}
}

// close closes the segment's file (not the spare: see removeSpare).
func (w *walFile) close() error { return w.f.Close() }

// removeSpare stops the filling of a spare, if one runs, and removes the
// spare file. Close calls it; afterwards no spare is started again.
func (w *walFile) removeSpare() error {
	if w.spare == nil {
		return nil
	}
	w.spare.shutdown()
	if err := os.Remove(w.spare.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// spareState is where the spare stands; it is guarded by spare.mu.
type spareState uint8

const (
	spareNone    spareState = iota // no file (or a stale one nobody reads)
	spareFilling                   // a goroutine is writing zeros
	spareReady                     // fully written and synced: may be renamed
)

// spare prepares the next zero-filled segment in the background.
type spare struct {
	dbPath, path string
	size         int64
	stop         chan struct{} // closed by shutdown: stop filling

	mu     sync.Mutex
	state  spareState
	wait   int           // commits to let pass before filling (spareNone)
	done   chan struct{} // closed when the running fill ends
	closed bool
}

// tick is called after each commit (and rollover): it starts filling a
// spare when there is none and the wait is over.
func (s *spare) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != spareNone || s.closed {
		return
	}
	if s.wait > 0 {
		s.wait--
		return
	}
	s.startLocked()
}

func (s *spare) startLocked() {
	s.state = spareFilling
	done := make(chan struct{})
	s.done = done
	go func() {
		defer close(done)
		err := fillZeros(s.path, s.size, s.stop)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			// Never leave a partial spare under the name take renames.
			_ = os.Remove(s.path)
			s.state, s.wait = spareNone, spareRetry
			return
		}
		s.state = spareReady
	}()
}

// take renames a ready spare to segment n, makes that durable and opens
// it (see openZeroed), and starts filling the next spare. It returns a nil
// file, and changes nothing, when no spare is ready (or it cannot be
// renamed: the spare is then dropped).
func (s *spare) take(n uint64) (*os.File, *directTail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != spareReady || s.closed {
		return nil, nil, nil
	}
	p := segmentPath(s.dbPath, n)
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		// Segment n must be new: leave it to createSegment's O_EXCL to
		// report.
		return nil, nil, nil
	}
	s.state = spareNone
	if err := os.Rename(s.path, p); err != nil {
		_ = os.Remove(s.path)
		s.wait = spareRetry
		return nil, nil, nil
	}
	// From here on segment n exists: a failure leaves it, all zeros,
	// for Open to skip, and fails the log.
	f, direct, err := openZeroed(p)
	if err != nil {
		return nil, nil, err
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	s.startLocked()
	return f, direct, nil
}

// shutdown stops the filling for good and waits for a running fill.
func (s *spare) shutdown() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

var errStopped = errors.New("store/bolt: spare filling stopped")

// fillZeros writes a file of size zeros at path and syncs it, a chunk at a
// time, giving up when stop is closed.
func fillZeros(path string, size int64, stop <-chan struct{}) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	fd := int(f.Fd())
	buf := make([]byte, min(size, fillChunk))
	for off := int64(0); off < size; off += int64(len(buf)) {
		select {
		case <-stop:
			return errStopped
		default:
		}
		n := min(int64(len(buf)), size-off)
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
		// Start writing this chunk back and wait for the one before: the
		// fill goes at the disk's pace with at most two chunks in flight,
		// and without the journal commit and cache flush that a sync per
		// chunk would cost (and that commits' syncs would queue behind).
		if err := unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE); err != nil {
			return err
		}
		if off > 0 {
			const wait = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
			if err := unix.SyncFileRange(fd, off-int64(len(buf)), int64(len(buf)), wait); err != nil {
				return err
			}
		}
	}
	return f.Sync()
}

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
