package bolt

import (
	"fmt"
	"slices"
	"testing"
)

func treeOf(keys ...string) *memtable {
	m := newMemtable()
	for _, k := range keys {
		m.Set(newEntry([]byte(k), []byte("v"), false))
	}
	return m
}

func keyRange(prefix string, from, to int) []string {
	var keys []string
	for i := from; i < to; i++ {
		keys = append(keys, fmt.Sprintf("%s%08d", prefix, i))
	}
	return keys
}

// TestKeyFilter: every added key is found, and keys never added are
// rejected at about the designed rate, at the sizes the store uses.
func TestKeyFilter(t *testing.T) {
	for _, n := range []int{1, 100, 4096, 64 << 10, 300_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := newKeyFilter(n)
			if f.capacity() < n {
				t.Fatalf("capacity %d for %d keys", f.capacity(), n)
			}
			for _, k := range keyRange("profiles/d/bench/p/", 0, n) {
				f.add(keyHash([]byte(k)))
			}
			for _, k := range keyRange("profiles/d/bench/p/", 0, n) {
				if !f.mayContain(keyHash([]byte(k))) {
					t.Fatalf("added key %q not found", k)
				}
			}
			const probes = 100_000
			fp := 0
			for _, k := range keyRange("profiles/d/bench/q/", 0, probes) {
				if f.mayContain(keyHash([]byte(k))) {
					fp++
				}
			}
			// 12 bits a key gives about 0.5 %; 2 % would mean a broken hash.
			if rate := float64(fp) / probes; rate > 0.02 {
				t.Errorf("false positive rate %.2f%% with %d keys", 100*rate, n)
			}
		})
	}
}

// TestFilterFold: the folded filter finds the keys of both trees, whether
// it is a copy of base's filter or built again because it outgrew it, and
// base's filter is left as it was (readers may hold it).
func TestFilterFold(t *testing.T) {
	for _, c := range []struct {
		name     string
		baseKeys func(base *memtable) *keyFilter
		base     []string
		newer    []string
		copied   bool
	}{
		{"no base filter", func(*memtable) *keyFilter { return nil }, nil, keyRange("k", 0, 10), false},
		{"room in base's", func(base *memtable) *keyFilter { return filterFold(nil, base, base) },
			keyRange("k", 0, 1000), keyRange("k", 500, 2000), true},
		{"outgrows base's", func(base *memtable) *keyFilter {
			f := newKeyFilter(8)
			for _, k := range keyRange("k", 0, 8) {
				f.add(keyHash([]byte(k)))
			}
			return f
		}, keyRange("k", 0, 8), keyRange("n", 0, minFilterKeys), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, newer := treeOf(c.base...), treeOf(c.newer...)
			baseKeys := c.baseKeys(base)
			var before []filterBlock
			if baseKeys != nil {
				before = slices.Clone(baseKeys.blocks)
			}
			folded := fold(base, newer)
			f := filterFold(baseKeys, newer, folded)
			for _, k := range append(slices.Clone(c.base), c.newer...) {
				if !f.mayContain(keyHash([]byte(k))) {
					t.Fatalf("key %q of the folded tree not found", k)
				}
			}
			if f.capacity() < folded.Len() {
				t.Errorf("capacity %d for %d keys", f.capacity(), folded.Len())
			}
			if copied := baseKeys != nil && len(f.blocks) == len(baseKeys.blocks); copied != c.copied {
				t.Errorf("copied base's filter: %v, want %v", copied, c.copied)
			}
			if baseKeys != nil {
				if !slices.Equal(before, baseKeys.blocks) {
					t.Error("base's filter changed")
				}
				if &f.blocks[0] == &baseKeys.blocks[0] {
					t.Error("the folded filter shares base's blocks")
				}
			}
		})
	}
}
