// Package clock owns Hotline's notion of time: the real clock in production
// and a virtual clock that tests and simulations advance by hand.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the system clock.
type Real struct{}

// Now returns the current wall-clock time.
func (Real) Now() time.Time { return time.Now() }

// Virtual is a clock that only moves when told to. It is safe for
// concurrent use. Its timers (AfterFunc) fire when Advance or Set reach
// them, on the goroutine that moves the clock.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	timers timerHeap
	seq    uint64 // orders timers due at the same instant
}

// NewVirtual returns a virtual clock set to start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves the clock forward by d, firing the timers due on the way.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	v.moveTo(v.now.Add(d))
}

// Set moves the clock to t, firing the timers due at or before t.
func (v *Virtual) Set(t time.Time) {
	v.mu.Lock()
	v.moveTo(t)
}
