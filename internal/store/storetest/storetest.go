// Package storetest owns the conformance suite of the store contract: every
// store.Store backend runs Run from its own tests and must pass all of it.
//
// The suite checks behaviour only through the store.Store interface and never
// depends on timing: concurrency tests assert exact invariants (counts, sums)
// that hold however the scheduler interleaves the goroutines.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
)

// Opener opens the backend under test on dir. Called twice with the same dir
// it must open the same data: that is how the suite checks durability across
// Close. The suite closes every store it opens.
type Opener func(t *testing.T, dir string) store.Store

// Run runs the conformance suite against the backend that open creates.
func Run(t *testing.T, open func(t *testing.T, dir string) store.Store) {
	o := Opener(open)
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"InvalidKeys", testInvalidKeys},
		{"ReadYourWrites", testReadYourWrites},
		{"FailedUpdateLeavesNothing", testFailedUpdateLeavesNothing},
		{"PanicInUpdate", testPanicInUpdate},
		{"PutCopiesArguments", testPutCopiesArguments},
		{"ContextDone", testContextDone},
		{"ViewSnapshotIsolation", testViewSnapshotIsolation},
		{"ScanBounds", testScanBounds},
		{"ScanEarlyBreak", testScanEarlyBreak},
		{"ScanWhileWriting", testScanWhileWriting},
		{"ConcurrentCounter", testConcurrentCounter},
		{"BankTransfers", testBankTransfers},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ReopenKeepsAcknowledgedWrites", testReopen},
		{"ErrClosedAfterClose", testClosed},
		{"InsertIfAbsent", testInsertIfAbsent},
		{"DeferredCounter", testDeferredCounter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, o) })
	}
	// A backend with UpdateConcurrent runs the whole suite again with every
	// Update made through it: it must keep the same contract.
	probe := open(t, t.TempDir())
	_, concurrent := probe.(store.ConcurrentUpdater)
	if err := probe.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !concurrent {
		return
	}
	via := func(t *testing.T, dir string) store.Store { return viaConcurrent{open(t, dir)} }
	for _, tt := range tests {
		t.Run("UpdateConcurrent/"+tt.name, func(t *testing.T) { tt.fn(t, via) })
	}
}

// viaConcurrent makes every Update of a store through its UpdateConcurrent.
type viaConcurrent struct{ store.Store }

func (v viaConcurrent) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	return store.UpdateConcurrent(ctx, v.Store, fn)
}

// OpenStore opens a store on a fresh directory and closes it when the test
// ends.
func OpenStore(t *testing.T, open Opener) (store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	return openAt(t, open, dir), dir
}

func openAt(t *testing.T, open Opener, dir string) store.Store {
	t.Helper()
	s := open(t, dir)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// Put commits one key in its own Update.
func Put(t testing.TB, s store.Store, key, value string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx store.RwTx) error {
		return tx.Put([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatalf("Update(Put %q): %v", key, err)
	}
}

// Get reads one key in its own View; ok is false when the key is missing.
func Get(t testing.TB, s store.Store, key string) (value string, ok bool) {
	t.Helper()
	err := s.View(context.Background(), func(tx store.Tx) error {
		v, err := tx.Get([]byte(key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if v == nil {
			return errors.New("Get returned a nil value without an error")
		}
		value, ok = string(v), true
		return nil
	})
	if err != nil {
		t.Fatalf("View(Get %q): %v", key, err)
	}
	return value, ok
}

// Pair is one key and value, copied out of a transaction.
type Pair struct{ Key, Value string }

// Collect copies what seq yields.
func Collect(seq iter.Seq2[[]byte, []byte]) []Pair {
	var out []Pair
	for k, v := range seq {
		out = append(out, Pair{string(k), string(v)})
	}
	return out
}

// All returns every pair in the store, in key order.
func All(t testing.TB, s store.Store) []Pair {
	t.Helper()
	var out []Pair
	err := s.View(context.Background(), func(tx store.Tx) error {
		out = Collect(tx.Scan(nil, nil))
		return nil
	})
	if err != nil {
		t.Fatalf("View(Scan): %v", err)
	}
	return out
}

func mustUpdate(t testing.TB, s store.Store, fn func(tx store.RwTx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func testGetPutDelete(t *testing.T, open Opener) {
	type op struct {
		del        bool
		key, value []byte
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	tests := []struct {
		name   string
		ops    []op // each committed in its own Update
		key    []byte
		want   []byte
		absent bool
	}{
		{name: "missing", key: []byte("k"), absent: true},
		{name: "put", ops: []op{{key: []byte("k"), value: []byte("v")}}, key: []byte("k"), want: []byte("v")},
		{name: "overwrite", ops: []op{{key: []byte("k"), value: []byte("v1")}, {key: []byte("k"), value: []byte("v2")}}, key: []byte("k"), want: []byte("v2")},
		{name: "delete", ops: []op{{key: []byte("k"), value: []byte("v")}, {del: true, key: []byte("k")}}, key: []byte("k"), absent: true},
		{name: "delete missing", ops: []op{{del: true, key: []byte("k")}}, key: []byte("k"), absent: true},
		{name: "put after delete", ops: []op{{key: []byte("k"), value: []byte("v1")}, {del: true, key: []byte("k")}, {key: []byte("k"), value: []byte("v2")}}, key: []byte("k"), want: []byte("v2")},
		{name: "empty value", ops: []op{{key: []byte("k"), value: []byte{}}}, key: []byte("k"), want: []byte{}},
		{name: "nil value", ops: []op{{key: []byte("k"), value: nil}}, key: []byte("k"), want: []byte{}},
		{name: "binary key", ops: []op{{key: []byte{0, 0xff, 0}, value: []byte{1}}}, key: []byte{0, 0xff, 0}, want: []byte{1}},
		{name: "prefix is a different key", ops: []op{{key: []byte("ab"), value: []byte("v")}}, key: []byte("a"), absent: true},
		{name: "extension is a different key", ops: []op{{key: []byte("a"), value: []byte("v")}}, key: []byte("ab"), absent: true},
		{name: "large value", ops: []op{{key: []byte("k"), value: big}}, key: []byte("k"), want: big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := OpenStore(t, open)
			for _, o := range tt.ops {
				mustUpdate(t, s, func(tx store.RwTx) error {
					if o.del {
						return tx.Delete(o.key)
					}
					return tx.Put(o.key, o.value)
				})
			}
			check := func(where string, tx store.Tx) {
				got, err := tx.Get(tt.key)
				switch {
				case tt.absent && !errors.Is(err, store.ErrNotFound):
					t.Errorf("%s: Get(%q) = %.20q, %v; want ErrNotFound", where, tt.key, got, err)
				case !tt.absent && err != nil:
					t.Errorf("%s: Get(%q): %v", where, tt.key, err)
				case !tt.absent && (got == nil || !bytes.Equal(got, tt.want)):
					t.Errorf("%s: Get(%q) = %.20q (nil: %t), want %.20q", where, tt.key, got, got == nil, tt.want)
				}
			}
			err := s.View(context.Background(), func(tx store.Tx) error { check("View", tx); return nil })
			if err != nil {
				t.Fatal(err)
			}
			mustUpdate(t, s, func(tx store.RwTx) error { check("Update", tx); return nil })
		})
	}
}

func testInvalidKeys(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	for _, key := range [][]byte{nil, {}} {
		err := s.View(context.Background(), func(tx store.Tx) error {
			if _, err := tx.Get(key); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("View Get(%#v) error = %v, want ErrInvalidKey", key, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mustUpdate(t, s, func(tx store.RwTx) error {
			if err := tx.Put(key, []byte("v")); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("Put(%#v) error = %v, want ErrInvalidKey", key, err)
			}
			if err := tx.Delete(key); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("Delete(%#v) error = %v, want ErrInvalidKey", key, err)
			}
			if _, err := tx.Get(key); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("Update Get(%#v) error = %v, want ErrInvalidKey", key, err)
			}
			return nil
		})
	}
	if all := All(t, s); len(all) != 0 {
		t.Errorf("store holds %v after invalid writes, want nothing", all)
	}
}

func testReadYourWrites(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	Put(t, s, "a", "committed")
	Put(t, s, "c", "doomed")
	mustUpdate(t, s, func(tx store.RwTx) error {
		steps := []struct {
			do   func() error
			key  string
			want string // "" means absent
		}{
			{func() error { return nil }, "a", "committed"},
			{func() error { return tx.Put([]byte("a"), []byte("changed")) }, "a", "changed"},
			{func() error { return tx.Put([]byte("b"), []byte("new")) }, "b", "new"},
			{func() error { return tx.Delete([]byte("c")) }, "c", ""},
			{func() error { return tx.Put([]byte("c"), []byte("back")) }, "c", "back"},
			{func() error { return tx.Delete([]byte("c")) }, "c", ""},
		}
		for i, st := range steps {
			if err := st.do(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
			v, err := tx.Get([]byte(st.key))
			if st.want == "" {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("step %d: Get(%q) = %q, %v; want ErrNotFound", i, st.key, v, err)
				}
			} else if err != nil || string(v) != st.want {
				t.Errorf("step %d: Get(%q) = %q, %v; want %q", i, st.key, v, err, st.want)
			}
		}
		want := []Pair{{"a", "changed"}, {"b", "new"}}
		if got := Collect(tx.Scan(nil, nil)); !slices.Equal(got, want) {
			t.Errorf("Scan in Update = %v, want %v", got, want)
		}
		if got := Collect(tx.ScanReverse(nil, nil)); !slices.Equal(got, []Pair{want[1], want[0]}) {
			t.Errorf("ScanReverse in Update = %v, want reversed %v", got, want)
		}
		return nil
	})
	if got, want := All(t, s), []Pair{{"a", "changed"}, {"b", "new"}}; !slices.Equal(got, want) {
		t.Errorf("after commit: %v, want %v", got, want)
	}
}

var errBoom = errors.New("boom")

func testFailedUpdateLeavesNothing(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	Put(t, s, "k", "old")
	Put(t, s, "y", "kept")
	before := All(t, s)
	ran := false
	err := s.Update(context.Background(), func(tx store.RwTx) error {
		ran = true
		for _, e := range []error{
			tx.Put([]byte("k"), []byte("new")),
			tx.Put([]byte("x"), []byte("x")),
			tx.Delete([]byte("y")),
		} {
			if e != nil {
				return e
			}
		}
		return errBoom
	})
	if !ran {
		t.Fatal("fn did not run")
	}
	if err != errBoom { // the contract says unchanged, not wrapped
		t.Fatalf("Update error = %v, want errBoom itself", err)
	}
	if got := All(t, s); !slices.Equal(got, before) {
		t.Errorf("after failed Update: %v, want %v", got, before)
	}
	// The store still works.
	Put(t, s, "z", "z")
	if v, ok := Get(t, s, "z"); !ok || v != "z" {
		t.Errorf("Get(z) = %q, %t after a failed Update", v, ok)
	}

	// View returns fn's error unchanged too.
	if err := s.View(context.Background(), func(store.Tx) error { return errBoom }); err != errBoom {
		t.Errorf("View error = %v, want errBoom itself", err)
	}
}

func testPanicInUpdate(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	type token struct{ n int }
	want := &token{7}
	got := func() (r any) {
		defer func() { r = recover() }()
		_ = s.Update(context.Background(), func(tx store.RwTx) error {
			if err := tx.Put([]byte("p"), []byte("v")); err != nil {
				return err
			}
			panic(want)
		})
		return nil
	}()
	if got != want {
		t.Fatalf("recovered %v, want the value fn panicked with", got)
	}
	if _, ok := Get(t, s, "p"); ok {
		t.Error("write of a panicking Update was committed")
	}
	Put(t, s, "after", "v")
	if _, ok := Get(t, s, "after"); !ok {
		t.Error("store does not work after a panic in Update")
	}
}

func testPutCopiesArguments(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	mustUpdate(t, s, func(tx store.RwTx) error {
		key, val := []byte("k1"), []byte("v1")
		if err := tx.Put(key, val); err != nil {
			return err
		}
		copy(key, "k2")
		copy(val, "v2")
		return tx.Put(key, val)
	})
	if got, want := All(t, s), []Pair{{"k1", "v1"}, {"k2", "v2"}}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func testContextDone(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Update(ctx, func(tx store.RwTx) error {
		ran = true
		return tx.Put([]byte("k"), []byte("v"))
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update with a cancelled context = %v (fn ran: %t), want context.Canceled without running fn", err, ran)
	}
	err = s.View(ctx, func(store.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("View with a cancelled context = %v (fn ran: %t), want context.Canceled without running fn", err, ran)
	}
	if _, ok := Get(t, s, "k"); ok {
		t.Error("cancelled Update wrote")
	}
}

func testViewSnapshotIsolation(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	Put(t, s, "k", "1")
	Put(t, s, "gone", "x")
	before := []Pair{{"gone", "x"}, {"k", "1"}}
	err := s.View(context.Background(), func(tx store.Tx) error {
		if got := Collect(tx.Scan(nil, nil)); !slices.Equal(got, before) {
			t.Errorf("snapshot at start = %v, want %v", got, before)
		}
		// Commit from another goroutine while this View is open, as a
		// concurrent request would.
		done := make(chan error)
		go func() {
			done <- s.Update(context.Background(), func(w store.RwTx) error {
				return errors.Join(
					w.Put([]byte("k"), []byte("2")),
					w.Put([]byte("new"), []byte("n")),
					w.Delete([]byte("gone")),
				)
			})
		}()
		if err := <-done; err != nil {
			return err
		}
		if v, err := tx.Get([]byte("k")); err != nil || string(v) != "1" {
			t.Errorf("Get(k) after a later commit = %q, %v; want 1", v, err)
		}
		if _, err := tx.Get([]byte("new")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(new) after a later commit: %v; want ErrNotFound", err)
		}
		if got := Collect(tx.Scan(nil, nil)); !slices.Equal(got, before) {
			t.Errorf("snapshot after a later commit = %v, want %v", got, before)
		}
		if got := Collect(tx.ScanReverse(nil, nil)); !slices.Equal(got, []Pair{before[1], before[0]}) {
			t.Errorf("reverse snapshot after a later commit = %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := All(t, s), []Pair{{"k", "2"}, {"new", "n"}}; !slices.Equal(got, want) {
		t.Errorf("new View = %v, want %v", got, want)
	}
}

func testScanBounds(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	keys := []string{"a", "ab", "abc", "abd", "b", "ba", "c", "\x00", "\xff", "\xff\xff"}
	mustUpdate(t, s, func(tx store.RwTx) error {
		for _, k := range keys {
			if err := tx.Put([]byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	b := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name       string
		start, end []byte
		want       []string
	}{
		{"everything", nil, nil, sorted},
		{"empty bounds mean unbounded", []byte{}, []byte{}, sorted},
		{"prefix a", b("a"), store.PrefixEnd(b("a")), []string{"a", "ab", "abc", "abd"}},
		{"prefix ab", b("ab"), store.PrefixEnd(b("ab")), []string{"ab", "abc", "abd"}},
		{"prefix abc", b("abc"), store.PrefixEnd(b("abc")), []string{"abc"}},
		{"prefix with no keys", b("bb"), store.PrefixEnd(b("bb")), nil},
		{"prefix 0xff has no end", b("\xff"), store.PrefixEnd(b("\xff")), []string{"\xff", "\xff\xff"}},
		{"start inclusive, end exclusive", b("ab"), b("b"), []string{"ab", "abc", "abd"}},
		{"start between keys", b("aa"), b("abd"), []string{"ab", "abc"}},
		{"end between keys", b("b"), b("bz"), []string{"b", "ba"}},
		{"nil start", nil, b("ab"), []string{"\x00", "a"}},
		{"nil end", b("c"), nil, []string{"c", "\xff", "\xff\xff"}},
		{"start after every key", b("\xff\xff\xff"), nil, nil},
		{"end before every key", nil, b("\x00"), nil},
		{"start equals end", b("b"), b("b"), nil},
		{"start after end", b("c"), b("a"), nil},
	}
	err := s.View(context.Background(), func(tx store.Tx) error {
		for _, tt := range tests {
			var want, wantRev []Pair
			for _, k := range tt.want {
				want = append(want, Pair{k, "v" + k})
			}
			for i := len(want) - 1; i >= 0; i-- {
				wantRev = append(wantRev, want[i])
			}
			if got := Collect(tx.Scan(tt.start, tt.end)); !slices.Equal(got, want) {
				t.Errorf("%s: Scan(%q, %q) = %q, want %q", tt.name, tt.start, tt.end, got, want)
			}
			if got := Collect(tx.ScanReverse(tt.start, tt.end)); !slices.Equal(got, wantRev) {
				t.Errorf("%s: ScanReverse(%q, %q) = %q, want %q", tt.name, tt.start, tt.end, got, wantRev)
			}
			// A sequence may be ranged over more than once.
			seq := tx.Scan(tt.start, tt.end)
			if a, b := Collect(seq), Collect(seq); !slices.Equal(a, b) {
				t.Errorf("%s: second range over one Scan = %q, first %q", tt.name, b, a)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testScanEarlyBreak(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	mustUpdate(t, s, func(tx store.RwTx) error {
		for i := range 10 {
			if err := tx.Put([]byte{'k', byte('0' + i)}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	scans := []struct {
		name string
		seq  func(tx store.Tx) iter.Seq2[[]byte, []byte]
		want []string
	}{
		{"Scan", func(tx store.Tx) iter.Seq2[[]byte, []byte] { return tx.Scan(nil, nil) }, []string{"k0", "k1", "k2"}},
		{"ScanReverse", func(tx store.Tx) iter.Seq2[[]byte, []byte] { return tx.ScanReverse(nil, nil) }, []string{"k9", "k8", "k7"}},
	}
	err := s.View(context.Background(), func(tx store.Tx) error {
		for _, sc := range scans {
			var got []string
			// The runtime panics if the iterator calls yield after a break,
			// so a successful loop also proves the iterator stopped.
			for k := range sc.seq(tx) {
				got = append(got, string(k))
				if len(got) == 3 {
					break
				}
			}
			if !slices.Equal(got, sc.want) {
				t.Errorf("%s with break after 3 = %q, want %q", sc.name, got, sc.want)
			}
			// The transaction is still usable after the break.
			if _, err := tx.Get([]byte("k5")); err != nil {
				t.Errorf("%s: Get after break: %v", sc.name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testScanWhileWriting writes from inside Scan loops: the scan must go on
// after the last key it yielded, as the transaction stands after the write.
func testScanWhileWriting(t *testing.T, open Opener) {
	keys := []string{"p/1", "p/2", "p/3", "p/4", "p/5"}
	all := []string{"p/1=old", "p/2=old", "p/3=old", "p/4=old", "p/5=old", "q=old"}
	type body func(tx store.RwTx, k string) error
	at := func(when string, f func(tx store.RwTx) error) body {
		return func(tx store.RwTx, k string) error {
			if k != when {
				return nil
			}
			return f(tx)
		}
	}
	del := func(k string) func(store.RwTx) error {
		return func(tx store.RwTx) error { return tx.Delete([]byte(k)) }
	}
	set := func(k, v string) func(store.RwTx) error {
		return func(tx store.RwTx) error { return tx.Put([]byte(k), []byte(v)) }
	}
	tests := []struct {
		name    string
		reverse bool
		body    body
		yielded []string // key=value as the loop saw them
		after   []string // the whole store afterwards
	}{
		{"delete each", false, func(tx store.RwTx, k string) error { return del(k)(tx) },
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/4=old", "p/5=old"}, []string{"q=old"}},
		{"delete each reverse", true, func(tx store.RwTx, k string) error { return del(k)(tx) },
			[]string{"p/5=old", "p/4=old", "p/3=old", "p/2=old", "p/1=old"}, []string{"q=old"}},
		{"rewrite each", false, func(tx store.RwTx, k string) error { return set(k, "new")(tx) },
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/4=old", "p/5=old"},
			[]string{"p/1=new", "p/2=new", "p/3=new", "p/4=new", "p/5=new", "q=old"}},
		{"delete ahead", false, at("p/1", del("p/3")),
			[]string{"p/1=old", "p/2=old", "p/4=old", "p/5=old"},
			[]string{"p/1=old", "p/2=old", "p/4=old", "p/5=old", "q=old"}},
		{"delete ahead reverse", true, at("p/5", del("p/3")),
			[]string{"p/5=old", "p/4=old", "p/2=old", "p/1=old"},
			[]string{"p/1=old", "p/2=old", "p/4=old", "p/5=old", "q=old"}},
		{"rewrite ahead", false, at("p/2", set("p/4", "new")),
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/4=new", "p/5=old"},
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/4=new", "p/5=old", "q=old"}},
		{"insert ahead", false, at("p/1", set("p/1a", "ins")),
			[]string{"p/1=old", "p/1a=ins", "p/2=old", "p/3=old", "p/4=old", "p/5=old"},
			[]string{"p/1=old", "p/1a=ins", "p/2=old", "p/3=old", "p/4=old", "p/5=old", "q=old"}},
		{"insert ahead reverse", true, at("p/3", set("p/2a", "ins")),
			[]string{"p/5=old", "p/4=old", "p/3=old", "p/2a=ins", "p/2=old", "p/1=old"},
			[]string{"p/1=old", "p/2=old", "p/2a=ins", "p/3=old", "p/4=old", "p/5=old", "q=old"}},
		{"insert behind", false, at("p/3", set("p/0", "ins")),
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/4=old", "p/5=old"},
			[]string{"p/0=ins", "p/1=old", "p/2=old", "p/3=old", "p/4=old", "p/5=old", "q=old"}},
		{"delete behind reverse", true, at("p/3", del("p/4")),
			[]string{"p/5=old", "p/4=old", "p/3=old", "p/2=old", "p/1=old"},
			[]string{"p/1=old", "p/2=old", "p/3=old", "p/5=old", "q=old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := OpenStore(t, open)
			mustUpdate(t, s, func(tx store.RwTx) error {
				for _, k := range append(slices.Clone(keys), "q") {
					if err := tx.Put([]byte(k), []byte("old")); err != nil {
						return err
					}
				}
				return nil
			})
			if got := pairStrings(All(t, s)); !slices.Equal(got, all) {
				t.Fatalf("setup: %q", got)
			}
			var yielded []string
			mustUpdate(t, s, func(tx store.RwTx) error {
				yielded = nil
				start, end := []byte("p/"), store.PrefixEnd([]byte("p/"))
				seq := tx.Scan(start, end)
				if tt.reverse {
					seq = tx.ScanReverse(start, end)
				}
				for k, v := range seq {
					yielded = append(yielded, string(k)+"="+string(v))
					if err := tt.body(tx, string(k)); err != nil {
						return err
					}
				}
				return nil
			})
			if !slices.Equal(yielded, tt.yielded) {
				t.Errorf("scan yielded %q, want %q", yielded, tt.yielded)
			}
			if got := pairStrings(All(t, s)); !slices.Equal(got, tt.after) {
				t.Errorf("store after = %q, want %q", got, tt.after)
			}
		})
	}
}

func pairStrings(ps []Pair) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key+"="+p.Value)
	}
	return out
}

// testConcurrentCounter has many goroutines increment one counter by
// read-modify-write. Serializability means the final count is exact and every
// committed increment saw a different previous value.
func testConcurrentCounter(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	const n = 200
	seen := make([]int, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			err := s.Update(context.Background(), func(tx store.RwTx) error {
				old, err := readCount(tx, "counter")
				if err != nil {
					return err
				}
				seen[i] = old // the last run of fn is the committed one
				return tx.Put([]byte("counter"), []byte(strconv.Itoa(old+1)))
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Update: %v", err)
	}
	if v, _ := Get(t, s, "counter"); v != strconv.Itoa(n) {
		t.Errorf("counter = %q, want %d", v, n)
	}
	slices.Sort(seen)
	for i, v := range seen {
		if v != i {
			t.Fatalf("committed increments saw previous values %v, want each of 0..%d once", seen, n-1)
		}
	}
}

// readCount reads a decimal counter; a missing key is 0.
func readCount(tx store.Tx, key string) (int, error) {
	v, err := tx.Get([]byte(key))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

var errInsufficient = errors.New("insufficient funds")

// testBankTransfers moves money between accounts from many goroutines while
// readers check that the total never changes. Each transfer writes its log
// entry and the debit before checking the balance, so a refused transfer
// must roll back writes it already made.
func testBankTransfers(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	const (
		accounts = 8
		initial  = 100
		workers  = 16
		each     = 25
	)
	acct := func(i int) []byte { return fmt.Appendf(nil, "acct/%02d", i) }
	mustUpdate(t, s, func(tx store.RwTx) error {
		for i := range accounts {
			if err := tx.Put(acct(i), []byte(strconv.Itoa(initial))); err != nil {
				return err
			}
		}
		return nil
	})
	balance := func(tx store.Tx, i int) (int, error) {
		v, err := tx.Get(acct(i))
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(string(v))
	}
	transfer := func(tx store.RwTx, from, to, amount int, logKey []byte) error {
		if err := tx.Put(logKey, fmt.Appendf(nil, "%d>%d:%d", from, to, amount)); err != nil {
			return err
		}
		fb, err := balance(tx, from)
		if err != nil {
			return err
		}
		if err := tx.Put(acct(from), []byte(strconv.Itoa(fb-amount))); err != nil {
			return err
		}
		if fb < amount {
			return errInsufficient
		}
		tb, err := balance(tx, to)
		if err != nil {
			return err
		}
		return tx.Put(acct(to), []byte(strconv.Itoa(tb+amount)))
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	var views int
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := s.View(context.Background(), func(tx store.Tx) error {
				sum := 0
				for _, v := range tx.Scan([]byte("acct/"), store.PrefixEnd([]byte("acct/"))) {
					n, err := strconv.Atoi(string(v))
					if err != nil {
						return err
					}
					if n < 0 {
						return fmt.Errorf("negative balance %d", n)
					}
					sum += n
				}
				if sum != accounts*initial {
					return fmt.Errorf("a View saw total %d, want %d", sum, accounts*initial)
				}
				return nil
			})
			views++
			if err != nil {
				t.Error(err)
				return
			}
		}
	})

	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := map[string]bool{}
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := range each {
				from, to := rng.IntN(accounts), rng.IntN(accounts-1)
				if to >= from {
					to++
				}
				amount := 1 + rng.IntN(initial)
				logKey := fmt.Sprintf("log/%02d/%03d", w, i)
				err := s.Update(context.Background(), func(tx store.RwTx) error {
					return transfer(tx, from, to, amount, []byte(logKey))
				})
				switch {
				case err == nil:
					mu.Lock()
					committed[logKey] = true
					mu.Unlock()
				case !errors.Is(err, errInsufficient):
					t.Errorf("transfer: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	sum := 0
	logs := map[string]bool{}
	for _, p := range All(t, s) {
		switch {
		case bytes.HasPrefix([]byte(p.Key), []byte("acct/")):
			n, _ := strconv.Atoi(p.Value)
			if n < 0 {
				t.Errorf("%s = %d", p.Key, n)
			}
			sum += n
		case bytes.HasPrefix([]byte(p.Key), []byte("log/")):
			logs[p.Key] = true
		}
	}
	if sum != accounts*initial {
		t.Errorf("final total %d, want %d", sum, accounts*initial)
	}
	for k := range logs {
		if !committed[k] {
			t.Errorf("log entry %s of a refused transfer was committed", k)
		}
	}
	for k := range committed {
		if !logs[k] {
			t.Errorf("log entry %s of a committed transfer is missing", k)
		}
	}
	if len(committed) == 0 || len(committed) == workers*each {
		t.Logf("note: %d of %d transfers committed; the refusal path was not fully exercised", len(committed), workers*each)
	}
	t.Logf("%d transfers committed, %d refused, %d Views checked", len(committed), workers*each-len(committed), views)
}

func testConcurrentWriters(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	const writers, each = 64, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				k := fmt.Sprintf("w/%02d/%02d", w, i)
				err := s.Update(context.Background(), func(tx store.RwTx) error {
					return tx.Put([]byte(k), []byte(k))
				})
				if err != nil {
					t.Errorf("Update %s: %v", k, err)
				}
			}
		})
	}
	wg.Wait()
	all := All(t, s)
	if len(all) != writers*each {
		t.Fatalf("%d keys, want %d", len(all), writers*each)
	}
	for _, p := range all {
		if p.Key != p.Value {
			t.Errorf("%s = %s", p.Key, p.Value)
		}
	}
}

func testReopen(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := openAt(t, open, dir)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				k := fmt.Sprintf("r/%d/%02d", w, i)
				err := s.Update(context.Background(), func(tx store.RwTx) error {
					if err := tx.Put([]byte(k), []byte("v"+k)); err != nil {
						return err
					}
					if i%5 == 4 { // delete an earlier key: deletions must persist too
						return tx.Delete(fmt.Appendf(nil, "r/%d/%02d", w, i-1))
					}
					return nil
				})
				if err != nil {
					t.Errorf("Update %s: %v", k, err)
				}
			}
		})
	}
	wg.Wait()
	var want []Pair
	for w := range writers {
		for i := range each {
			if i%5 == 3 {
				continue
			}
			k := fmt.Sprintf("r/%d/%02d", w, i)
			want = append(want, Pair{k, "v" + k})
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2 := openAt(t, open, dir)
	if got := All(t, s2); !slices.Equal(got, want) {
		t.Errorf("after reopen: %d pairs, want %d\n got %v\nwant %v", len(got), len(want), got, want)
	}
	Put(t, s2, "more", "v") // and it is writable
}

func testClosed(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	Put(t, s, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ran := false
	if err := s.View(context.Background(), func(store.Tx) error { ran = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close = %v, want ErrClosed", err)
	}
	if err := s.Update(context.Background(), func(store.RwTx) error { ran = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if ran {
		t.Error("a function ran after Close")
	}
}

// testInsertIfAbsent has many goroutines each insert a key under a prefix
// only if the prefix holds none: a scan that finds nothing is a read too,
// so exactly one insert may commit (no phantom).
func testInsertIfAbsent(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := s.Update(context.Background(), func(tx store.RwTx) error {
				for range tx.Scan([]byte("slot/"), store.PrefixEnd([]byte("slot/"))) {
					return nil // taken
				}
				return tx.Put(fmt.Appendf(nil, "slot/%03d", i), nil)
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if got := All(t, s); len(got) != 1 {
		t.Fatalf("%d slots taken, want exactly 1: %v", len(got), pairStrings(got))
	}
}

// testDeferredCounter has many goroutines write a key of their own and
// count it in a shared counter from a function given to store.Defer, which
// must see the transaction's own write and the counter as it stands.
func testDeferredCounter(t *testing.T, open Opener) {
	s, _ := OpenStore(t, open)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Appendf(nil, "item/%03d", i)
			err := s.Update(context.Background(), func(tx store.RwTx) error {
				if err := tx.Put(key, []byte("x")); err != nil {
					return err
				}
				return store.Defer(tx, func(tx store.RwTx) error {
					if _, err := tx.Get(key); err != nil {
						return fmt.Errorf("deferred function does not see the transaction's write: %w", err)
					}
					old, err := readCount(tx, "count")
					if err != nil {
						return err
					}
					return tx.Put([]byte("count"), []byte(strconv.Itoa(old+1)))
				})
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if v, _ := Get(t, s, "count"); v != strconv.Itoa(n) {
		t.Errorf("count = %q, want %d", v, n)
	}
	// A deferred function that fails undoes the whole transaction.
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx store.RwTx) error {
		if err := tx.Put([]byte("item/failed"), nil); err != nil {
			return err
		}
		return store.Defer(tx, func(store.RwTx) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update with a failing deferred function = %v, want %v", err, boom)
	}
	if _, ok := Get(t, s, "item/failed"); ok {
		t.Error("a transaction whose deferred function failed kept its write")
	}
}
