package bolt

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
)

// TestNewEntrySizes covers every inline size class and the fallbacks.
func TestNewEntrySizes(t *testing.T) {
	for _, kl := range []int{1, 32, 33, 64, 448, 449, 1000} {
		for _, vl := range []int{0, 1, 415, 416, 2000} {
			for _, del := range []bool{false, true} {
				key := bytes.Repeat([]byte{'k'}, kl)
				value := bytes.Repeat([]byte{'v'}, vl)
				e := newEntry(key, value, del)
				if !bytes.Equal(e.key, key) || cap(e.key) != len(e.key) || e.deleted != del {
					t.Fatalf("key %d value %d deleted %v: bad key", kl, vl, del)
				}
				switch {
				case del && e.value != nil:
					t.Fatalf("key %d value %d: tombstone with a value", kl, vl)
				case !del && (e.value == nil || !bytes.Equal(e.value, value) || cap(e.value) != len(e.value)):
					t.Fatalf("key %d value %d: bad value", kl, vl)
				}
				key[0] = 'x'
				if len(value) > 0 {
					value[0] = 'x'
				}
				if e.key[0] != 'k' || (!del && vl > 0 && e.value[0] != 'v') {
					t.Fatalf("key %d value %d: entry shares the caller's memory", kl, vl)
				}
			}
		}
	}
}

// TestNestedScans checks that scans inside a scan's body, and scans after
// one stopped early, each get a merge of their own.
func TestNestedScans(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	ctx := context.Background()
	err = db.Update(ctx, func(tx store.RwTx) error {
		for i := range 5 {
			if err := tx.Put(fmt.Appendf(nil, "k%d", i), []byte{byte('0' + i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		var got []string
		for k := range tx.Scan(nil, nil) {
			for k2 := range tx.ScanReverse(nil, k) {
				got = append(got, string(k)+">"+string(k2))
				break
			}
		}
		for k := range tx.Scan([]byte("k3"), nil) {
			got = append(got, string(k))
		}
		want := "[k1>k0 k2>k1 k3>k2 k4>k3 k3 k4]"
		if fmt.Sprint(got) != want {
			t.Errorf("got %v, want %s", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
