package bolt

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// The benchmarks below reproduce the store side of a Customer Profiles
// PutProfileObject: a new customer writes ~11 keys, reads a few point keys
// and prefix-scans a few index ranges, over an active memtable near the
// checkpoint threshold, a frozen one of the same size and bbolt.

// customerKeys returns the keys one new customer writes, in no order, with
// the size of each value.
func customerKeys(i int) (keys [][]byte, sizes []int) {
	h := sha256.Sum256(fmt.Appendf(nil, "customer-%d", i))
	id := hex.EncodeToString(h[:16])
	obj := base64.RawURLEncoding.EncodeToString(h[:32]) // 43 chars
	ts := fmt.Sprintf("%020d", 1700000000000000000+int64(i)*7919)
	const p = "profiles/d/bench/"
	add := func(k string, size int) {
		keys = append(keys, []byte(k))
		sizes = append(sizes, size)
	}
	add(p+"p/"+id, 1200)
	add(p+"o/Customer/"+obj, 600)
	add(p+"po/"+id+"/Customer/"+obj, 0)
	add(p+"x/"+ts+"/p/"+id, 0)
	add(p+"k/_email/user"+fmt.Sprint(i)+"@example.com\x00"+id, 0)
	add(p+"k/_phone/+1555"+fmt.Sprintf("%07d", i)+"\x00"+id, 0)
	add(p+"k/_fullName/first"+fmt.Sprint(i)+" last\x00"+id, 0)
	add(p+"k/_profileId/"+id+"\x00"+id, 0)
	add(p+"k/_account/acc"+fmt.Sprint(i)+"\x00"+id, 0)
	add(p+"k/Customer/"+obj+"\x00"+id, 0)
	add(p+"c/customers", 8)
	return keys, sizes
}

// emailPrefix is the index range a put scans to find customer i by email.
func emailPrefix(i int) (start, end []byte) {
	s := "profiles/d/bench/k/_email/user" + fmt.Sprint(i) + "@example.com\x00"
	e := []byte(s)
	e[len(e)-1]++
	return []byte(s), e
}

func profileKey(i int) []byte { k, _ := customerKeys(i); return k[0] }

// benchFixture: customers [0, perLayer) are in bbolt, [perLayer,
// 2*perLayer) in frozen, [2*perLayer, 3*perLayer) in active (seq up to
// activeSeq), and the customers from 3*perLayer on are new.
type benchFixture struct {
	active, frozen *memtable
	frozenKeys     *keyFilter // frozen's filter, as the store keeps it
	bdb            *bbolt.DB
	btx            *bbolt.Tx
	activeSeq      uint64
	perLayer       int
	own            []*memtable // one new customer each, as an optimistic tx holds it
	ops            [][]byte    // own's operations, as encodeOps encodes them
}

const benchCustomers = 18000 // ~200k keys per layer

var (
	fixtureOnce sync.Once
	fixture     *benchFixture
)

func getFixture(b *testing.B) *benchFixture {
	fixtureOnce.Do(func() {
		f := &benchFixture{perLayer: benchCustomers, active: newMemtable(), frozen: newMemtable()}
		// The file is unlinked once open: the fixture lives as long as the
		// process and leaves nothing behind.
		dir, err := os.MkdirTemp("", "hotline-bench")
		if err != nil {
			b.Fatal(err)
		}
		f.bdb, err = bbolt.Open(filepath.Join(dir, "bench.db"), 0o600, &bbolt.Options{NoSync: true})
		_ = os.RemoveAll(dir)
		if err != nil {
			b.Fatal(err)
		}
		err = f.bdb.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucket(bucket)
			if err != nil {
				return err
			}
			// In key order: random inserts into one big bbolt transaction
			// are quadratic.
			var all [][]byte
			for i := range f.perLayer {
				keys, _ := customerKeys(i)
				all = append(all, keys...)
			}
			slices.SortFunc(all, bytes.Compare)
			for _, k := range all {
				if err := bk.Put(k, []byte("v")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		f.btx, err = f.bdb.Begin(false)
		if err != nil {
			b.Fatal(err)
		}
		var seq uint64
		for layer, m := range []*memtable{f.frozen, f.active} {
			for i := (layer + 1) * f.perLayer; i < (layer+2)*f.perLayer; i++ {
				seq++
				keys, _ := customerKeys(i)
				for _, k := range keys {
					e := newEntry(k, []byte("v"), false)
					e.seq = seq
					m.Set(e)
				}
			}
		}
		f.activeSeq = seq
		f.frozenKeys = filterFold(nil, f.frozen, f.frozen)
		for i := range 1024 {
			own := newMemtable()
			keys, sizes := customerKeys(3*f.perLayer + i)
			for j, k := range keys {
				own.Set(newEntry(k, make([]byte, sizes[j]), false))
			}
			f.own = append(f.own, own)
			f.ops = append(f.ops, *encodeOps(new([]byte), own))
		}
		fixture = f
	})
	if fixture == nil {
		b.Fatal("no fixture")
	}
	return fixture
}

// BenchmarkGroupSet is the leader's move of three validated optimistic
// transactions (11 entries each) into a fresh copy of the memtable the
// groups write to: commitOptimistic's loop over the own tree. "recent" is
// that tree as it is now, half way to its fold; "one tree" is the whole
// memtable near the checkpoint threshold, as it was before the memtable
// was split in two.
func BenchmarkGroupSet(b *testing.B) {
	f := getFixture(b)
	recent := newMemtable()
	for i := range foldEntries / 2 / 11 {
		f.own[i].Scan(func(e *entry) bool { recent.Set(e); return true })
	}
	for _, tc := range []struct {
		name string
		tree *memtable
	}{{"recent", recent}, {"one tree", f.active}} {
		b.Run(tc.name, func(b *testing.B) { benchGroupSet(b, f, tc.tree) })
	}
}

// BenchmarkFold folds foldEntries entries (372 new customers) into the
// large tree, which the leader does once per foldEntries: divide by
// foldEntries for the cost per entry.
func BenchmarkFold(b *testing.B) {
	f := getFixture(b)
	recent := newMemtable()
	for i := 0; recent.Len() < foldEntries; i++ {
		f.own[i].Scan(func(e *entry) bool { recent.Set(e); return true })
	}
	b.ReportAllocs()
	for b.Loop() {
		fold(f.active, recent)
	}
}

func benchGroupSet(b *testing.B, f *benchFixture, tree *memtable) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		gt := &groupTx{work: tree.Copy(), rec: newRecord(4096), seq: f.activeSeq + 1}
		for range 3 {
			i := n % len(f.own)
			n++
			gt.setAll(f.own[i], f.ops[i])
			gt.undo = gt.undo[:0]
		}
	}
}

// benchReadSet is what a new customer's put reads: four point keys (three
// misses, one hit in active) and two index scans.
func benchReadSet(f *benchFixture, i int) *readSet {
	r := &readSet{}
	newc := 3*f.perLayer + 2048 + i // not among the own trees
	r.point(profileKey(newc))
	r.point(profileKey(newc + 1))
	r.point(profileKey(2*f.perLayer + i)) // active
	r.point(profileKey(f.perLayer + i))   // frozen
	s, e := emailPrefix(newc)
	r.span(s, e, false)
	s, e = emailPrefix(2*f.perLayer + i)
	r.span(s, e, false)
	return r
}

// BenchmarkChangedSince validates a read set that holds (the common case,
// every layer searched) against the group's work tree and frozen.
func BenchmarkChangedSince(b *testing.B) {
	f := getFixture(b)
	work := f.active.Copy()
	gt := &groupTx{work: work, rec: newRecord(4096), seq: f.activeSeq + 1}
	gt.setAll(f.own[1000], f.ops[1000])
	sets := make([]*readSet, 256)
	for i := range sets {
		sets[i] = benchReadSet(f, i*37)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if sets[n%len(sets)].changedSince(f.activeSeq, work, f.frozen) {
			b.Fatal("changed")
		}
		n++
	}
}

func benchTx(f *benchFixture, own *memtable, reads *readSet) *readTx {
	return &readTx{mems: [5]*memtable{own, f.active, f.frozen}, keys: [5]*keyFilter{2: f.frozenKeys}, b: f.btx.Bucket(bucket), reads: reads}
}

// BenchmarkLookup is a Get in an optimistic transaction over own, active,
// frozen (with its key filter; "nofilter" without) and bbolt.
func BenchmarkLookup(b *testing.B) {
	f := getFixture(b)
	for _, c := range []struct {
		name string
		cust func(i int) int
	}{
		{"miss", func(i int) int { return 3*f.perLayer + 1024 + i }},
		{"active", func(i int) int { return 2*f.perLayer + i }},
		{"frozen", func(i int) int { return f.perLayer + i }},
		{"bbolt", func(i int) int { return i }},
		{"miss/nofilter", func(i int) int { return 3*f.perLayer + 1024 + i }},
		{"bbolt/nofilter", func(i int) int { return i }},
	} {
		b.Run(c.name, func(b *testing.B) {
			keys := make([][]byte, 4096)
			for i := range keys {
				keys[i] = profileKey(c.cust(i * 4))
			}
			var rs readSet
			t := benchTx(f, f.own[0], &rs)
			if strings.HasSuffix(c.name, "/nofilter") {
				t.keys = [5]*keyFilter{}
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				_, ok := t.lookup(keys[n%len(keys)])
				if ok == strings.HasPrefix(c.name, "miss") {
					b.Fatal("lookup")
				}
				n++
				if n%len(keys) == 0 {
					rs.arena, rs.spans = rs.arena[:0], rs.spans[:0]
				}
			}
		})
	}
}

// BenchmarkPrefixScan is an index scan (one key or none) over the layers.
func BenchmarkPrefixScan(b *testing.B) {
	f := getFixture(b)
	for _, c := range []struct {
		name string
		cust func(i int) int
		want int
	}{
		{"miss", func(i int) int { return 3*f.perLayer + 1024 + i }, 0},
		{"active", func(i int) int { return 2*f.perLayer + i }, 1},
		{"bbolt", func(i int) int { return i }, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			type rng struct{ s, e []byte }
			ranges := make([]rng, 4096)
			for i := range ranges {
				ranges[i].s, ranges[i].e = emailPrefix(c.cust(i * 4))
			}
			var rs readSet
			t := benchTx(f, f.own[0], &rs)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r := ranges[n%len(ranges)]
				got := 0
				for range t.Scan(r.s, r.e) {
					got++
				}
				if got != c.want {
					b.Fatalf("got %d keys", got)
				}
				n++
				if n%len(ranges) == 0 {
					rs.arena, rs.spans = rs.arena[:0], rs.spans[:0]
				}
			}
		})
	}
}
