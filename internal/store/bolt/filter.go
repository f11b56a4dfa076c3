package bolt

import (
	"hash/maphash"
	"slices"
)

// keyFilter is a Bloom filter of the keys of a memtable no one writes to
// any more (base, frozen). A point lookup that misses such a layer, as
// most lookups of an existing customer's records do, would otherwise
// descend its tree of tens of thousands of entries, reading an entry (a
// cache miss) at each comparison; the filter answers "not here" from one
// cache line. It is split-block (as in Parquet): the eight bits of a key
// fall in one 32-byte block, one per word.
type keyFilter struct{ blocks []filterBlock }

type filterBlock [8]uint32

const (
	// filterBitsPerKey gives about 0.5 % false positives.
	filterBitsPerKey = 12
	// minFilterKeys sizes the first filter (96 KB): a base grows to tens
	// of thousands of entries between checkpoints, and a filter too small
	// for the next fold is built again from the whole tree.
	minFilterKeys = 64 << 10
)

// filterSalts spread one 32-bit hash over the block's eight words.
var filterSalts = filterBlock{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// filterSeed is the process's hash seed: filters live in memory only.
var filterSeed = maphash.MakeSeed()

func keyHash(key []byte) uint64 { return maphash.Bytes(filterSeed, key) }

// newKeyFilter returns an empty filter with room for n keys.
func newKeyFilter(n int) *keyFilter {
	blocks := max(1, (n*filterBitsPerKey+255)/256)
	return &keyFilter{blocks: make([]filterBlock, blocks)}
}

// capacity is how many keys the filter holds at its designed rate.
func (f *keyFilter) capacity() int { return len(f.blocks) * 256 / filterBitsPerKey }

func (f *keyFilter) block(h uint64) *filterBlock {
	return &f.blocks[(h>>32)*uint64(len(f.blocks))>>32]
}

func (f *keyFilter) add(h uint64) {
	b, x := f.block(h), uint32(h)
	for i, salt := range filterSalts {
		b[i] |= 1 << ((x * salt) >> 27)
	}
}

// mayContain reports false only for a key never added.
func (f *keyFilter) mayContain(h uint64) bool {
	b, x := f.block(h), uint32(h)
	for i, salt := range filterSalts {
		if b[i]&(1<<((x*salt)>>27)) == 0 {
			return false
		}
	}
	return true
}

// filterFold returns the filter of folded, which is fold(base, newer),
// given base's filter (nil for none): a copy of it with newer's keys
// added, or, when folded has more keys than that has room for, a new
// filter of folded's keys with room for as many again. Neither filter
// changes.
func filterFold(baseKeys *keyFilter, newer, folded *memtable) *keyFilter {
	var f *keyFilter
	from := folded
	if baseKeys != nil && folded.Len() <= baseKeys.capacity() {
		f, from = &keyFilter{blocks: slices.Clone(baseKeys.blocks)}, newer
	} else {
		f = newKeyFilter(max(2*folded.Len(), minFilterKeys))
	}
	from.Scan(func(e *entry) bool {
		f.add(keyHash(e.key))
		return true
	})
	return f
}
