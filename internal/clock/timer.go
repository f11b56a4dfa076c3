package clock

import (
	"container/heap"
	"time"
)

// Timers is a clock that can call a function once a duration has passed
// on it. Real and *Virtual are Timers.
type Timers interface {
	Clock
	// AfterFunc calls f once d has passed on the clock. stop cancels the
	// call and reports whether it did (false: f has run or is running).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// AfterFunc calls f once d has passed on c. A clock without timers of its
// own gets real ones: a timer that never fired would hang its owner.
func AfterFunc(c Clock, d time.Duration, f func()) (stop func() bool) {
	if t, ok := c.(Timers); ok {
		return t.AfterFunc(d, f)
	}
	return time.AfterFunc(d, f).Stop
}

// AfterFunc calls f on a goroutine of its own once d has passed; nothing
// waits meanwhile (time.AfterFunc holds no goroutine).
func (Real) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	return time.AfterFunc(d, f).Stop
}

// AfterFunc calls f when Advance or Set brings the clock to now+d. Timers
// fire in time order (in the order they were set when due together),
// synchronously on the goroutine moving the clock, which Now reports as
// the timer's time while f runs; a timer f sets that falls due before the
// move's end fires in the same move. A timer due now (d <= 0) waits for the
// next Advance or Set, Advance(0) included: firing it inside AfterFunc
// would run f under its caller's locks.
func (v *Virtual) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	v.mu.Lock()
	t := &vtimer{at: v.now.Add(max(d, 0)), seq: v.seq, f: f}
	v.seq++
	heap.Push(&v.timers, t)
	v.mu.Unlock()
	return func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		if t.index < 0 {
			return false
		}
		heap.Remove(&v.timers, t.index)
		return true
	}
}

// moveTo fires the timers due at or before target, then sets the clock to
// target. It is called with v.mu held and returns with it released; the
// lock is dropped while each f runs, so f may read the clock, set timers
// and stop them.
func (v *Virtual) moveTo(target time.Time) {
	for len(v.timers) > 0 && !v.timers[0].at.After(target) {
		t := heap.Pop(&v.timers).(*vtimer)
		if t.at.After(v.now) {
			v.now = t.at
		}
		v.mu.Unlock()
		t.f()
		v.mu.Lock()
	}
	v.now = target
	v.mu.Unlock()
}

// vtimer is one pending AfterFunc of a Virtual clock.
type vtimer struct {
	at    time.Time
	seq   uint64
	f     func()
	index int // in the heap; -1 once fired or stopped
}

// timerHeap orders timers by due time, then by the order they were set.
type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
