// Package readcache keeps values read from the store in memory, for the
// reads on every call's path that only administrative writes change: a
// function's binding, an instance's Lambda allow-list, a configuration
// item, the queue or flow a name resolves to. A journey reads each several
// times; people change them a few times a day.
//
// The store stays the source of truth and the cache is per process: every
// write path of what a cache holds must call Invalidate once its store
// transaction is over, committed or not. A reader takes the generation
// (Gen) before it reads the store and hands it to Add, which keeps the value
// only if no Invalidate came in between: a value read before a write is
// never kept after that write has invalidated the cache. So a read that
// starts after a write returned always sees the write.
package readcache

import "sync"

// DefaultMax is the number of entries a cache holds when New is given none.
const DefaultMax = 4096

// Cache maps keys to values read from the store. The zero value is not
// usable; call New. A Cache is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu  sync.RWMutex
	gen uint64
	m   map[K]V
	max int
}

// New returns an empty cache holding at most max entries (DefaultMax if max
// is not positive). Keys often come from callers (a dialled number, a
// menu's name), so the bound keeps a stream of distinct ones from growing
// it without end: a full cache is emptied and fills again from the store.
func New[K comparable, V any](max int) *Cache[K, V] {
	if max <= 0 {
		max = DefaultMax
	}
	return &Cache[K, V]{m: map[K]V{}, max: max}
}

// Get returns the value cached for k.
func (c *Cache[K, V]) Get(k K) (v V, ok bool) {
	c.mu.RLock()
	v, ok = c.m[k]
	c.mu.RUnlock()
	return v, ok
}

// Gen returns the current generation. Take it before reading the store and
// pass it to Add with what was read.
func (c *Cache[K, V]) Gen() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// Add caches v, read from the store after Gen returned gen, for k, unless
// the cache was invalidated since: then v may predate a write and is
// dropped.
func (c *Cache[K, V]) Add(gen uint64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = v
}

// Invalidate forgets every entry and refuses the values of reads that
// started before it. Call it after every store write that may change what
// the cache holds.
func (c *Cache[K, V]) Invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.m)
	c.mu.Unlock()
}

// Load returns the value cached for k, or reads it with read and caches
// it. Errors are not cached.
func (c *Cache[K, V]) Load(k K, read func() (V, error)) (V, error) {
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	gen := c.Gen()
	v, err := read()
	if err != nil {
		return v, err
	}
	c.Add(gen, k, v)
	return v, nil
}

// Len returns the number of entries, for tests.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
