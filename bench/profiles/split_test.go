package main

import (
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func TestSplitByCheckpoints(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ck := func(started, ended uint64) bolt.Stats {
		return bolt.Stats{CheckpointsStarted: started, Checkpoints: ended}
	}
	cases := []struct {
		name    string
		samples []progress
		want    checkpointSplit
	}{
		{"none", []progress{{at(0), 0, ck(0, 0)}, {at(100), 100, ck(0, 0)}, {at(200), 300, ck(0, 0)}},
			checkpointSplit{busy: 0, between: 1500}},
		// Started in the second interval, still running in the third,
		// ended in the fourth: three of four intervals overlap it.
		{"one", []progress{{at(0), 0, ck(0, 0)}, {at(100), 100, ck(0, 0)}, {at(200), 130, ck(1, 0)},
			{at(300), 160, ck(1, 0)}, {at(400), 190, ck(1, 1)}},
			checkpointSplit{busy: 0.75, between: 1000, during: 300}},
		// Running at the start of the round.
		{"running", []progress{{at(0), 0, ck(3, 2)}, {at(100), 50, ck(3, 3)}, {at(200), 150, ck(3, 3)}},
			checkpointSplit{busy: 0.5, between: 1000, during: 500}},
		{"empty", []progress{{at(0), 0, ck(0, 0)}}, checkpointSplit{}},
	}
	for _, tc := range cases {
		got := splitByCheckpoints(tc.samples)
		if !near(got.busy, tc.want.busy) || !near(got.between, tc.want.between) || !near(got.during, tc.want.during) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
