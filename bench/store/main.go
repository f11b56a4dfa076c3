// Command store measures the embedded store (internal/store/bolt): durable
// Update throughput with 1, 16 and 64 concurrent writers, which shows how the
// group commit shares each WAL fdatasync among writers, and View+Get
// throughput (the keys then sit partly in the memtable, partly in bbolt).
//
// Run it from the repository root:
//
//	go run ./bench/store [-dir DIR] [-d 1s] [-runs 3]
//
// Each figure is the median of -runs runs of -d each (about 20 s in all with
// the defaults). The store file goes in a fresh temporary directory under
// -dir, which must be on the disk you want to measure: fsync cost is the
// whole story for writes, and a tmpfs would make it free.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func main() {
	dir := flag.String("dir", os.TempDir(), "directory for the store file (measure the disk you care about)")
	dur := flag.Duration("d", time.Second, "duration of each run")
	runs := flag.Int("runs", 3, "runs per figure; the median is reported")
	flag.Parse()
	*runs = max(*runs, 1)

	tmp, err := os.MkdirTemp(*dir, "hotline-bench-store-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	db, err := bolt.Open(filepath.Join(tmp, "bench.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	fmt.Printf("store: bbolt + WAL, durable commits (one WAL fdatasync per group), %d B keys, %d B values, GOMAXPROCS=%d, dir %s\n",
		keySize, valueSize, runtime.GOMAXPROCS(0), *dir)
	fmt.Printf("each figure: median of %d runs of %s\n\n", *runs, *dur)

	fmt.Printf("%-22s %12s %28s %10s %10s %10s\n", "Update (1 Put each)", "median tx/s", "runs tx/s", "tx/fsync", "p50", "p99")
	for _, writers := range []int{1, 16, 64} {
		var rates []float64
		var lat []time.Duration
		before := db.Stats()
		for range *runs {
			rate, l := benchUpdates(db, writers, *dur)
			rates = append(rates, rate)
			lat = append(lat, l...)
		}
		after := db.Stats()
		perFsync := float64(after.Txs-before.Txs) / float64(after.Commits-before.Commits)
		slices.Sort(lat)
		fmt.Printf("%-22s %12.0f %28s %10.1f %10s %10s\n", fmt.Sprintf("%d writer(s)", writers),
			median(rates), list(rates), perFsync, pct(lat, 0.50), pct(lat, 0.99))
	}

	st := db.Stats()
	fmt.Printf("\n%d WAL syncs, %d transactions, %d checkpoints into bbolt\n", st.Commits, st.Txs, st.Checkpoints)

	const nkeys = 100_000
	if err := preload(db, nkeys); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\n%-22s %12s %28s   (%d keys)\n", "View (1 Get each)", "median tx/s", "runs tx/s", nkeys)
	for _, readers := range []int{1, runtime.GOMAXPROCS(0)} {
		var rates []float64
		for range *runs {
			rates = append(rates, benchViews(db, readers, nkeys, *dur))
		}
		fmt.Printf("%-22s %12.0f %28s\n", fmt.Sprintf("%d reader(s)", readers), median(rates), list(rates))
	}
}

const (
	keySize   = 16
	valueSize = 100
)

var seq atomic.Uint64

// benchUpdates runs writers goroutines doing one-Put Updates for d and
// returns the throughput and every Update's latency.
func benchUpdates(db *bolt.DB, writers int, d time.Duration) (float64, []time.Duration) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lats []time.Duration
	)
	start := time.Now()
	deadline := start.Add(d)
	for range writers {
		wg.Go(func() {
			key := make([]byte, keySize)
			val := make([]byte, valueSize)
			var mine []time.Duration
			for time.Now().Before(deadline) {
				binary.BigEndian.PutUint64(key, seq.Add(1))
				t0 := time.Now()
				err := db.Update(context.Background(), func(tx store.RwTx) error {
					return tx.Put(key, val)
				})
				if err != nil {
					log.Fatal(err)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return float64(len(lats)) / time.Since(start).Seconds(), lats
}

// preload writes n keys "r" + big-endian index, 1000 per transaction.
func preload(db *bolt.DB, n int) error {
	val := make([]byte, valueSize)
	for base := 0; base < n; base += 1000 {
		err := db.Update(context.Background(), func(tx store.RwTx) error {
			for i := base; i < min(base+1000, n); i++ {
				if err := tx.Put(readKey(i), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func readKey(i int) []byte {
	return binary.BigEndian.AppendUint64([]byte{'r'}, uint64(i))
}

// benchViews runs readers goroutines each doing View+Get of random keys for d.
func benchViews(db *bolt.DB, readers, nkeys int, d time.Duration) float64 {
	var wg sync.WaitGroup
	var total atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			n := 0
			for ; n%256 != 0 || time.Now().Before(deadline); n++ {
				key := readKey(rng.IntN(nkeys))
				err := db.View(context.Background(), func(tx store.Tx) error {
					_, err := tx.Get(key)
					return err
				})
				if err != nil {
					log.Fatal(err)
				}
			}
			total.Add(int64(n))
		})
	}
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(xs []float64) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%.0f", x)
	}
	return out
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	d := sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	return d.Round(10 * time.Microsecond).String()
}
