package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateSuffix is appended to an input file's name to name its state file.
const StateSuffix = ".hotline-import.json"

// StatePath is where the import of path keeps its position.
func StatePath(path string) string { return path + StateSuffix }

// stateVersion changes when the state file's meaning does.
const stateVersion = 1

// State is an import's resumable position. Every row before Position has
// an outcome (accepted or rejected), and so do the rows starting at the
// offsets in Done, which were acknowledged out of order past it; no other
// row has been acknowledged.
type State struct {
	Version     int         `json:"version"`
	File        string      `json:"file"`
	Format      Format      `json:"format"`
	Domain      string      `json:"domain"`
	ObjectType  string      `json:"objectType"`
	Fingerprint Fingerprint `json:"fingerprint"`
	Position
	Done []int64 `json:"done,omitempty"`

	Accepted   int64            `json:"accepted"`
	Rejected   int64            `json:"rejected"`
	ByCode     map[string]int64 `json:"byCode,omitempty"`
	Rejections []Rejection      `json:"rejections,omitempty"` // the first maxKeptRejections

	// ErrorsFile holds the rejected rows up to ErrorsSize bytes; a resumed
	// import cuts anything after that (rows written past the checkpoint
	// are written again).
	ErrorsFile string `json:"errorsFile,omitempty"`
	ErrorsSize int64  `json:"errorsSize,omitempty"`

	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
}

// maxKeptRejections bounds the rejections a summary (and the state)
// carries; the errors file has them all.
const maxKeptRejections = 100

// Fingerprint identifies a version of an input file: its size and hashes
// of its first and last bytes. Hashing the whole file would cost a read of
// it at every start; these catch a file rewritten, appended to or cut.
type Fingerprint struct {
	Size int64  `json:"size"`
	Head string `json:"head"`
	Tail string `json:"tail"`
}

// fingerprintBytes is how much of each end of the file is hashed.
const fingerprintBytes = 64 << 10

func fingerprint(f *os.File) (Fingerprint, error) {
	st, err := f.Stat()
	if err != nil {
		return Fingerprint{}, err
	}
	fp := Fingerprint{Size: st.Size()}
	hash := func(off, n int64) (string, error) {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	n := min(fp.Size, fingerprintBytes)
	if fp.Head, err = hash(0, n); err != nil {
		return Fingerprint{}, err
	}
	if fp.Tail, err = hash(fp.Size-n, n); err != nil {
		return Fingerprint{}, err
	}
	return fp, nil
}

// loadState reads a state file; nil without error when there is none.
func loadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st := &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("the import state %s is corrupt (%v); pass --restart to start over", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("the import state %s has version %d, this hotline reads %d; pass --restart to start over",
			path, st.Version, stateVersion)
	}
	return st, nil
}

// saveState replaces the state file atomically: a crash leaves the old or
// the new one, never half of either.
func saveState(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("saving the import position: %w", err)
	}
	// The rename is durable once the directory is; where directories
	// cannot be synced the rename is still atomic.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
