package main

import (
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func TestSplitByCheckpoints(t *testing.T) {
	t0 := time.Unix(0, 0)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// at is a sample n ms into the round, after calls calls and cpu ms of
	// CPU, with started and ended checkpoints.
	at := func(n int, calls int64, cpu int, started, ended uint64) progress {
		return progress{t0.Add(ms(n)), calls, ms(cpu), bolt.Stats{CheckpointsStarted: started, Checkpoints: ended}}
	}
	cases := []struct {
		name    string
		samples []progress
		want    checkpointSplit
	}{
		{"none", []progress{at(0, 0, 0, 0, 0), at(100, 100, 150, 0, 0), at(200, 300, 300, 0, 0)},
			checkpointSplit{busy: 0, between: 1500, coresBetween: 1.5}},
		// Started in the second interval, still running in the third,
		// ended in the fourth: three of four intervals overlap it.
		{"one", []progress{at(0, 0, 0, 0, 0), at(100, 100, 150, 0, 0), at(200, 130, 340, 1, 0),
			at(300, 160, 530, 1, 0), at(400, 190, 720, 1, 1)},
			checkpointSplit{busy: 0.75, between: 1000, during: 300, coresBetween: 1.5, coresDuring: 1.9}},
		// Running at the start of the round.
		{"running", []progress{at(0, 0, 0, 3, 2), at(100, 50, 200, 3, 3), at(200, 150, 350, 3, 3)},
			checkpointSplit{busy: 0.5, between: 1000, during: 500, coresBetween: 1.5, coresDuring: 2}},
		{"empty", []progress{at(0, 0, 0, 0, 0)}, checkpointSplit{}},
	}
	for _, tc := range cases {
		got := splitByCheckpoints(tc.samples)
		if !near(got.busy, tc.want.busy) || !near(got.between, tc.want.between) || !near(got.during, tc.want.during) ||
			!near(got.coresBetween, tc.want.coresBetween) || !near(got.coresDuring, tc.want.coresDuring) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
