package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hotline-dev/hotline/internal/store"
)

// recordCache keeps decoded records (compiled object types, domain
// settings) with the exact bytes they were decoded from. A transaction
// uses an entry only after reading the record itself and finding it
// byte-for-byte the same, so the cache needs no invalidation: a changed,
// deleted or recreated record simply misses. It holds at most one entry
// per domain and per type (or template used implicitly), which the quotas
// bound; DeleteDomain drops its domain's types.
type recordCache[V any] struct {
	mu sync.RWMutex
	m  map[string]cached[V]
}

type cached[V any] struct {
	raw []byte // nil: the record was absent
	v   V
}

// lookup returns the value decoded from raw (nil raw: from an absent
// record).
func (c *recordCache[V]) lookup(key, raw []byte) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[string(key)]
	c.mu.RUnlock()
	return e.match(ok, raw)
}

func (e *cached[V]) match(ok bool, raw []byte) (V, bool) {
	if ok && (e.raw == nil) == (raw == nil) && bytes.Equal(e.raw, raw) {
		return e.v, true
	}
	var zero V
	return zero, false
}

func (c *recordCache[V]) put(key string, raw []byte, v V) {
	if raw != nil {
		raw = bytes.Clone(raw)
	}
	c.set(key, raw, v)
}

// putOwned is put for a raw that nothing else will modify: it is kept
// without a copy. The key is given in bytes; an entry already there
// keeps its key string.
func (c *recordCache[V]) putOwned(key, raw []byte, v V) {
	c.mu.Lock()
	if e, ok := c.m[string(key)]; ok {
		e.raw, e.v = raw, v
		c.m[string(key)] = e
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.set(string(key), raw, v)
}

func (c *recordCache[V]) set(key string, raw []byte, v V) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cached[V]{}
	}
	c.m[key] = cached[V]{raw: raw, v: v}
	c.mu.Unlock()
}

// drop forgets the entries of a deleted domain (only to free memory: a
// stale entry could never be used).
func (c *recordCache[V]) drop(prefix string) {
	c.mu.Lock()
	for k := range c.m {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}

// getRaw reads a record's bytes; nil when absent.
func getRaw(tx store.Tx, key string) ([]byte, error) {
	return getRawKey(tx, []byte(key))
}

// getRawKey is getRaw with the key in bytes.
func getRawKey(tx store.Tx, key []byte) ([]byte, error) {
	b, err := tx.Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// compiledType returns the ingestion-ready type name of a domain, whose
// key (typeKey) is keyBytes (not kept): the domain's own definition, else
// a template of that name used implicitly, else nil. The result is shared
// and must not be modified.
func (s *Service) compiledType(tx store.Tx, keyBytes []byte, name string) (*objectType, error) {
	raw, err := getRawKey(tx, keyBytes)
	if err != nil {
		return nil, err
	}
	if t, ok := s.types.lookup(keyBytes, raw); ok {
		return t, nil
	}
	key := string(keyBytes)
	var t *objectType
	if raw != nil {
		t = new(objectType)
		if err := json.Unmarshal(raw, t); err != nil {
			return nil, fmt.Errorf("store: corrupt record %s: %w", key, err)
		}
	} else {
		t = implicitType(name)
	}
	if t != nil {
		if err := t.compile(max(s.cfg.Quotas.KeysPerObjectType, len(t.Keys))); err != nil {
			return nil, fmt.Errorf("profiles: stored object type %s no longer compiles: %w", name, err)
		}
	}
	if t != nil { // unknown names are not kept: callers choose them
		s.types.put(key, raw, t)
	}
	return t, nil
}

// readStats returns a copy of a domain's statistics (zero when absent).
// Every write reads and rewrites them, so the decoded value is kept with
// its bytes like the other cached records.
func (s *Service) readStats(tx store.Tx, key []byte) (domainStats, error) {
	raw, err := getRawKey(tx, key)
	if err != nil || raw == nil {
		return domainStats{}, err
	}
	if st, ok := s.stats.lookup(key, raw); ok {
		return st, nil
	}
	var st domainStats
	if err := json.Unmarshal(raw, &st); err != nil {
		return domainStats{}, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	s.stats.put(string(key), raw, st)
	return st, nil
}

// getProfile is store.GetJSON for profile records, with their fast decoder.
func getProfile(tx store.Tx, key string) (*profileRecord, bool, error) {
	return getProfileKeys(tx, key, nil)
}

// getProfileKeys is getProfile with the key supports of the named keys
// alone (decodeProfileKeys), for reading only; nil keys reads them all.
func getProfileKeys(tx store.Tx, key string, keys []string) (*profileRecord, bool, error) {
	raw, err := getRaw(tx, key)
	if err != nil || raw == nil {
		return nil, false, err
	}
	p := new(profileRecord)
	if err := decodeProfileKeys(raw, p, keys); err != nil {
		return nil, false, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	return p, true, nil
}

// getObject is store.GetJSON for object records, with their fast decoder.
func getObject(tx store.Tx, key string) (*objectRecord, bool, error) {
	raw, err := getRaw(tx, key)
	if err != nil || raw == nil {
		return nil, false, err
	}
	o := new(objectRecord)
	if err := decodeObject(raw, o); err != nil {
		return nil, false, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	return o, true, nil
}
