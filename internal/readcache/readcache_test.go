package readcache

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLoadCachesUntilInvalidated(t *testing.T) {
	c := New[string, int](0)
	reads := 0
	stored := 1
	read := func() (int, error) { reads++; return stored, nil }
	for range 3 {
		if v, err := c.Load("k", read); err != nil || v != 1 {
			t.Fatalf("Load = %d, %v; want 1", v, err)
		}
	}
	if reads != 1 {
		t.Fatalf("the store was read %d times; want once", reads)
	}
	stored = 2
	c.Invalidate()
	if v, _ := c.Load("k", read); v != 2 || reads != 2 {
		t.Fatalf("after Invalidate: Load = %d after %d reads; want 2 after 2", v, reads)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c := New[string, int](0)
	fail := errors.New("store down")
	if _, err := c.Load("k", func() (int, error) { return 0, fail }); err != fail {
		t.Fatalf("Load error = %v; want %v", err, fail)
	}
	if _, ok := c.Get("k"); ok {
		t.Fatal("a failed read was cached")
	}
}

func TestAddAfterInvalidateIsDropped(t *testing.T) {
	c := New[string, int](0)
	gen := c.Gen()
	// A write lands and invalidates between the read and the Add: what was
	// read may be the old value, so it must not be kept.
	c.Invalidate()
	c.Add(gen, "k", 1)
	if _, ok := c.Get("k"); ok {
		t.Fatal("a value read before an Invalidate was cached")
	}
	c.Add(c.Gen(), "k", 2)
	if v, ok := c.Get("k"); !ok || v != 2 {
		t.Fatalf("Get = %d, %v; want 2, true", v, ok)
	}
}

func TestBound(t *testing.T) {
	c := New[int, int](3)
	for i := range 10 {
		c.Add(c.Gen(), i, i)
		if c.Len() > 3 {
			t.Fatalf("%d entries; the bound is 3", c.Len())
		}
	}
	if v, ok := c.Get(9); !ok || v != 9 {
		t.Fatal("the latest entry is not cached")
	}
	// Replacing a key of a full cache keeps the others.
	for c.Len() < 3 {
		c.Add(c.Gen(), 10+c.Len(), 0)
	}
	c.Add(c.Gen(), 9, 90)
	if v, _ := c.Get(9); c.Len() != 3 || v != 90 {
		t.Fatalf("replacing a key of a full cache: %d entries, value %d; want 3, 90", c.Len(), v)
	}
}

// TestConcurrentWrites checks the guarantee writers rely on: once a write
// has returned (stored, then invalidated), no Load that starts afterwards
// returns an older value, however reads and writes interleave.
func TestConcurrentWrites(t *testing.T) {
	c := New[string, int64](0)
	var mu sync.RWMutex // the "store"
	var stored int64
	var done atomic.Int64 // the last value whose write has returned
	read := func() (int64, error) {
		mu.RLock()
		defer mu.RUnlock()
		return stored, nil
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := done.Load()
				v, _ := c.Load("k", read)
				if v < floor {
					t.Errorf("Load = %d after the write of %d had returned", v, floor)
					return
				}
			}
		})
	}
	for i := int64(1); i <= 20000; i++ {
		mu.Lock()
		stored = i
		mu.Unlock()
		c.Invalidate()
		done.Store(i)
	}
	close(stop)
	wg.Wait()
}
