package clock

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualTimersFireInOrderAtTheirTime(t *testing.T) {
	v := NewVirtual(t0)
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, name+"@"+v.Now().Sub(t0).String()) }
	}
	v.AfterFunc(3*time.Second, at("c"))
	v.AfterFunc(time.Second, at("a"))
	v.AfterFunc(3*time.Second, at("d")) // same instant as c: set later, fires later
	v.AfterFunc(2*time.Second, func() {
		at("b")()
		v.AfterFunc(500*time.Millisecond, at("b+")) // due inside this move
		v.AfterFunc(time.Hour, at("late"))
	})
	v.Advance(1500 * time.Millisecond)
	if want := []string{"a@1s"}; !slices.Equal(fired, want) {
		t.Fatalf("after 1.5s fired %v, want %v", fired, want)
	}
	v.Set(t0.Add(10 * time.Second))
	if want := []string{"a@1s", "b@2s", "b+@2.5s", "c@3s", "d@3s"}; !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if got := v.Now(); !got.Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("clock at %v after Set", got)
	}
}

func TestVirtualTimerStop(t *testing.T) {
	v := NewVirtual(t0)
	var n atomic.Int32
	stop := v.AfterFunc(time.Second, func() { n.Add(1) })
	keep := v.AfterFunc(time.Second, func() { n.Add(10) })
	if !stop() {
		t.Fatal("stopping a pending timer reported false")
	}
	if stop() {
		t.Fatal("stopping it twice reported true")
	}
	v.Advance(time.Second)
	if n.Load() != 10 {
		t.Fatalf("n = %d: the stopped timer fired or the other did not", n.Load())
	}
	if keep() {
		t.Fatal("stopping a fired timer reported true")
	}
}

func TestVirtualTimerDueNowWaitsForTheNextMove(t *testing.T) {
	v := NewVirtual(t0)
	ran := false
	v.AfterFunc(0, func() { ran = true })
	if ran {
		t.Fatal("a timer due now ran inside AfterFunc")
	}
	v.Advance(0)
	if !ran {
		t.Fatal("Advance(0) did not fire a timer due now")
	}
}

func TestAfterFuncOnAClockWithoutTimersUsesRealTime(t *testing.T) {
	done := make(chan struct{})
	AfterFunc(fixed{}, time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the fallback timer never fired")
	}
	var r Timers = Real{}
	stop := r.AfterFunc(time.Hour, func() { t.Error("a stopped real timer fired") })
	if !stop() {
		t.Fatal("stopping a pending real timer reported false")
	}
}

type fixed struct{}

func (fixed) Now() time.Time { return t0 }
