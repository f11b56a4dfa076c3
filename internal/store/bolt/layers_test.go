package bolt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/storetest"
	bbolt "go.etcd.io/bbolt"
)

// layerState is one key's state in each layer, oldest first: "" absent,
// "-" a tombstone (not in bbolt), anything else a value.
type layerState struct {
	name                      string
	bolt, frozen, active, wrk string
}

// layerCases covers every way a key can be decided by the layers.
var layerCases = []layerState{
	{name: "bbolt only", bolt: "b"},
	{name: "frozen only", frozen: "f"},
	{name: "active only", active: "a"},
	{name: "working tree only", wrk: "w"},
	{name: "overwritten in frozen", bolt: "b", frozen: "f"},
	{name: "overwritten in active", bolt: "b", active: "a"},
	{name: "overwritten in frozen and active", bolt: "b", frozen: "f", active: "a"},
	{name: "deleted in frozen", bolt: "b", frozen: "-"},
	{name: "deleted in active", bolt: "b", active: "-"},
	{name: "deleted in active over frozen", frozen: "f", active: "-"},
	{name: "deleted in frozen, put again in active", bolt: "b", frozen: "-", active: "a"},
	{name: "tombstone of a missing key", active: "-"},
	{name: "tombstones in both", bolt: "b", frozen: "-", active: "-"},
	{name: "deleted by the working tree", bolt: "b", frozen: "f", active: "a", wrk: "-"},
	{name: "put by the working tree over tombstones", bolt: "b", frozen: "-", active: "-", wrk: "w"},
	{name: "working tree deletes a bbolt key", bolt: "b", wrk: "-"},
	{name: "empty value in active over bbolt", bolt: "b", active: "="},
}

// value turns a state into a stored value ("=" is the empty value).
func value(s, key string) []byte {
	if s == "=" {
		return []byte{}
	}
	return []byte(s + ":" + key)
}

// want is the key's value as seen with or without the working tree.
func (s layerState) want(withWork bool) (string, bool) {
	for _, v := range []string{s.wrk, s.active, s.frozen, s.bolt}[boolInt(!withWork):] {
		switch v {
		case "":
			continue
		case "-":
			return "", false
		}
		return v, true
	}
	return "", false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buildLayers opens a store whose layers hold states[i] at key keyOf(i):
// bbolt written directly, frozen and active memtables installed by hand.
// The working-tree writes are returned for an Update to make.
func buildLayers(t *testing.T, states []layerState, keyOf func(int) string) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	err = db.bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		for i, s := range states {
			if s.bolt != "" {
				if err := b.Put([]byte(keyOf(i)), value(s.bolt, keyOf(i))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	frozen, active := newMemtable(), newMemtable()
	for i, s := range states {
		k := []byte(keyOf(i))
		for _, l := range []struct {
			m *memtable
			v string
		}{{frozen, s.frozen}, {active, s.active}} {
			switch l.v {
			case "":
			case "-":
				l.m.Set(newEntry(k, nil, true))
			default:
				l.m.Set(newEntry(k, value(l.v, string(k)), false))
			}
		}
	}
	db.layers.Lock()
	db.frozen, db.active = frozen, active
	db.frozenKeys = filterFold(nil, frozen, frozen) // as a checkpoint's frozen has
	db.layers.Unlock()
	return db
}

// expected returns the pairs a scan of [start, end) must yield.
func expected(states []layerState, keyOf func(int) string, withWork bool, start, end string, reverse bool) []string {
	var out []string
	for i, s := range states {
		k := keyOf(i)
		if (start != "" && k < start) || (end != "" && k >= end) {
			continue
		}
		if v, ok := s.want(withWork); ok {
			out = append(out, k+"="+string(value(v, k)))
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

func pairs(seq func(func(k, v []byte) bool)) []string {
	var out []string
	for k, v := range seq {
		out = append(out, string(k)+"="+string(v))
	}
	return out
}

// checkTx compares Get, Scan and ScanReverse over every bound pair with
// the model.
func checkTx(t *testing.T, tx store.Tx, states []layerState, keyOf func(int) string, withWork bool, bounds []string) {
	t.Helper()
	for i, s := range states {
		k := keyOf(i)
		v, err := tx.Get([]byte(k))
		wv, ok := s.want(withWork)
		switch {
		case ok && (err != nil || string(v) != string(value(wv, k))):
			t.Errorf("%s (%s): Get = %q, %v, want %q", k, s.name, v, err, value(wv, k))
		case ok && v == nil:
			t.Errorf("%s (%s): Get returned a nil slice for a stored value", k, s.name)
		case !ok && err != store.ErrNotFound:
			t.Errorf("%s (%s): Get = %q, %v, want ErrNotFound", k, s.name, v, err)
		}
	}
	for _, start := range bounds {
		for _, end := range bounds {
			got := pairs(tx.Scan([]byte(start), []byte(end)))
			if want := expected(states, keyOf, withWork, start, end, false); !slices.Equal(got, want) {
				t.Errorf("Scan(%q, %q) = %q, want %q", start, end, got, want)
			}
			got = pairs(tx.ScanReverse([]byte(start), []byte(end)))
			if want := expected(states, keyOf, withWork, start, end, true); !slices.Equal(got, want) {
				t.Errorf("ScanReverse(%q, %q) = %q, want %q", start, end, got, want)
			}
		}
	}
}

func runLayers(t *testing.T, states []layerState, keyOf func(int) string, bounds []string) {
	t.Helper()
	db := buildLayers(t, states, keyOf)
	err := db.View(context.Background(), func(tx store.Tx) error {
		checkTx(t, tx, states, keyOf, false, bounds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx store.RwTx) error {
		for i, s := range states {
			k := []byte(keyOf(i))
			switch s.wrk {
			case "":
			case "-":
				if err := tx.Delete(k); err != nil {
					return err
				}
			default:
				if err := tx.Put(k, value(s.wrk, string(k))); err != nil {
					return err
				}
			}
		}
		checkTx(t, tx, states, keyOf, true, bounds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Published, then checkpointed into bbolt alone by Close and reopen.
	err = db.View(context.Background(), func(tx store.Tx) error {
		checkTx(t, tx, states, keyOf, true, bounds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	err = db2.View(context.Background(), func(tx store.Tx) error {
		checkTx(t, tx, states, keyOf, true, bounds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLayerCases(t *testing.T) {
	for _, c := range layerCases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			// The key alone, and surrounded by a bbolt key on each side.
			states := []layerState{{name: "before", bolt: "b"}, c, {name: "after", bolt: "b"}}
			keyOf := func(i int) string { return fmt.Sprintf("k%d", i) }
			runLayers(t, states[1:2], keyOf, []string{"", "k0", "k1"})
			runLayers(t, states, keyOf, []string{"", "k0", "k1", "k1\x00", "k2", "k3"})
		})
	}
}

func TestLayerCasesTogether(t *testing.T) {
	// Every case side by side, so that scans step across layers and over
	// runs of tombstones.
	keyOf := func(i int) string { return fmt.Sprintf("k%02d", i) }
	bounds := []string{""}
	for i := range len(layerCases) + 1 {
		bounds = append(bounds, keyOf(i), keyOf(i)+"\x00")
	}
	runLayers(t, layerCases, keyOf, bounds)
}

func TestLayersRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	for round := range 20 {
		n := 1 + rng.IntN(60)
		states := make([]layerState, n)
		for i := range states {
			states[i] = layerState{
				name:   fmt.Sprintf("random %d/%d", round, i),
				bolt:   pick("", "", "b"),
				frozen: pick("", "", "-", "f"),
				active: pick("", "", "-", "a", "="),
				wrk:    pick("", "", "", "-", "w"),
			}
		}
		keyOf := func(i int) string { return fmt.Sprintf("r%03d", i*7%1000) }
		bounds := []string{"", keyOf(rng.IntN(n)), keyOf(rng.IntN(n)), "r5", "s"}
		t.Run(fmt.Sprint(round), func(t *testing.T) { runLayers(t, states, keyOf, bounds) })
	}
}

// TestScanWritesAcrossLayers: inside an RwTx the loop body writes (here:
// deletes keys ahead, puts keys behind and ahead) while the scan walks keys
// spread over all layers; the scan goes on after the last key yielded, as
// the transaction now stands.
func TestScanWritesAcrossLayers(t *testing.T) {
	states := []layerState{
		{bolt: "b"}, {frozen: "f"}, {active: "a"}, {bolt: "b", active: "-"},
		{bolt: "b"}, {frozen: "f"}, {active: "a"}, {bolt: "b", frozen: "f"},
	}
	keyOf := func(i int) string { return fmt.Sprintf("k%d", i) }
	for _, reverse := range []bool{false, true} {
		db := buildLayers(t, states, keyOf)
		var seen []string
		err := db.Update(context.Background(), func(tx store.RwTx) error {
			scan := tx.Scan
			ahead, behind := 2, -1
			if reverse {
				scan, ahead, behind = tx.ScanReverse, -2, 1
			}
			for k := range scan(nil, nil) {
				seen = append(seen, string(k))
				var i int
				fmt.Sscanf(string(k), "k%d", &i)
				if err := tx.Delete([]byte(keyOf(i + ahead))); err != nil {
					return err
				}
				if err := tx.Put([]byte(keyOf(i+behind)), []byte("x")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Visible: k0 k1 k2 k4 k5 k6 k7 (k3 is a tombstone). Forward, each
		// yielded key deletes the one two ahead: k0 (deletes k2), k1 (k3),
		// k4 (k6), k5 (k7). Reverse: k7 (deletes k5), k6 (k4), k2 (k0), k1.
		want := map[bool]string{false: "k0,k1,k4,k5", true: "k7,k6,k2,k1"}[reverse]
		if got := strings.Join(seen, ","); got != want {
			t.Errorf("scan (reverse %t) saw %s, want %s", reverse, got, want)
		}
		storetest.Put(t, db, "done", "1")
	}
}
