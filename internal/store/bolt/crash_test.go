package bolt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/storetest"
	bbolt "go.etcd.io/bbolt"
)

// The crash test runs writers in a child process (this test binary again,
// running only TestCrashChild), SIGKILLs it mid-stream and checks that every
// write the child saw acknowledged survived. Each Update writes a record and
// its index entry together, so the reopened store must also hold both or
// neither of every pair (acknowledged or not), and a counter bumped by
// read-modify-write must be at least its highest acknowledged value.

const (
	crashEnvPath  = "HOTLINE_STORE_CRASH_PATH"
	crashEnvRound = "HOTLINE_STORE_CRASH_ROUND"
	// crashEnvCkpt is the child's WithCheckpointBytes: tiny values make it
	// checkpoint (and rotate WAL segments) all the time, so that the kill
	// lands in every phase of a checkpoint.
	crashEnvCkpt = "HOTLINE_STORE_CRASH_CHECKPOINT_BYTES"
	crashWriters = 8
)

func crashValue(key string) string { return "value-of-" + key + strings.Repeat("x", len(key)*3) }

// TestCrashChild is the child's side; it does nothing unless started by
// TestCrash.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvPath)
	if path == "" {
		t.Skip("only runs as TestCrash's child process")
	}
	round := os.Getenv(crashEnvRound)
	var opts []Option
	if n, err := strconv.ParseInt(os.Getenv(crashEnvCkpt), 10, 64); err == nil {
		opts = append(opts, WithCheckpointBytes(n))
	}
	db, err := Open(path, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	ack := func(line string) {
		out.Lock()
		defer out.Unlock()
		// One write per line, unbuffered: a line in the pipe is an ack the
		// parent may rely on, so it must only exist after Update returned.
		if _, err := os.Stdout.WriteString(line + "\n"); err != nil {
			os.Exit(3)
		}
	}
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("rec/%s/%d/%06d", round, w, i)
				counter := -1
				err := db.Update(context.Background(), func(tx store.RwTx) error {
					if err := tx.Put([]byte(key), []byte(crashValue(key))); err != nil {
						return err
					}
					if err := tx.Put([]byte("idx/"+key), []byte(key)); err != nil {
						return err
					}
					if i%4 != 0 {
						return nil
					}
					n := 0
					if v, err := tx.Get([]byte("counter")); err == nil {
						if n, err = strconv.Atoi(string(v)); err != nil {
							return err
						}
					} else if !errors.Is(err, store.ErrNotFound) {
						return err
					}
					counter = n + 1
					return tx.Put([]byte("counter"), []byte(strconv.Itoa(counter)))
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child update:", err)
					os.Exit(4)
				}
				ack("k " + key)
				if counter >= 0 {
					ack("c " + strconv.Itoa(counter))
				}
				if n := db.Stats().Checkpoints; n > 0 && w == 0 {
					ack("p " + strconv.FormatUint(n, 10))
				}
			}
		})
	}
	wg.Wait() // never returns: the parent kills us, or -test.timeout does
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]bool{}
	maxCounter := 0
	// Checkpoint thresholds per round: the default (the kill finds only
	// WAL to replay), then ever smaller ones, down to a checkpoint after
	// nearly every group.
	for round, ckpt := range []int64{0, 64 << 10, 4 << 10, 1} {
		killAfter := 200 + rand.IntN(600)
		var checkpoints uint64
		n := runCrashChild(t, path, round, ckpt, killAfter, acked, &maxCounter, &checkpoints)
		t.Logf("round %d (checkpoint bytes %d): killed after %d acks (target %d), %d checkpoints seen",
			round, ckpt, n, killAfter, checkpoints)
		if ckpt > 0 && ckpt <= 4<<10 && checkpoints == 0 {
			t.Errorf("round %d: the child acknowledged no checkpoint", round)
		}
		checkCrashStore(t, path, acked, maxCounter)
	}
}

// runCrashChild starts the child, reads its acknowledgements into acked and
// maxCounter, kills it once it has acknowledged killAfter records, and
// returns how many records it acknowledged in all.
func runCrashChild(t *testing.T, path string, round int, ckpt int64, killAfter int, acked map[string]bool, maxCounter *int, checkpoints *uint64) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), crashEnvPath+"="+path, crashEnvRound+"="+strconv.Itoa(round))
	if ckpt > 0 {
		cmd.Env = append(cmd.Env, crashEnvCkpt+"="+strconv.FormatInt(ckpt, 10))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }() // if we fail before killing it
	// A child that hangs must not hang the test.
	watchdog := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()

	n, killed := 0, false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		kind, val, ok := strings.Cut(sc.Text(), " ")
		switch {
		case ok && kind == "k":
			acked[val] = true
			n++
		case ok && kind == "c":
			c, err := strconv.Atoi(val)
			if err != nil {
				t.Fatalf("child printed %q", sc.Text())
			}
			*maxCounter = max(*maxCounter, c)
		case ok && kind == "p":
			c, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				t.Fatalf("child printed %q", sc.Text())
			}
			*checkpoints = max(*checkpoints, c)
		default:
			// Not an ack (the test framework's own output): ignore.
		}
		if n >= killAfter && !killed {
			// SIGKILL: no deferred function, no Close, no flush runs.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines written before the kill are still in the pipe and were read
	// above: they are acknowledgements too.
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended before the kill after %d acks: %v\n%s", n, err, stderr.String())
	}
	if !watchdog.Stop() {
		t.Fatalf("child stalled; killed by the watchdog after %d acks\n%s", n, stderr.String())
	}
	return n
}

func checkCrashStore(t *testing.T, path string, acked map[string]bool, maxCounter int) {
	t.Helper()
	db, err := Open(path, WithLockTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()

	// bbolt's own consistency check of pages, freelist and ordering.
	err = db.bdb.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		t.Fatalf("bbolt check after kill: %v", err)
	}

	recs, idx := map[string]string{}, map[string]string{}
	counter := 0
	err = db.View(context.Background(), func(tx store.Tx) error {
		for k, v := range tx.Scan(nil, nil) {
			switch key := string(k); {
			case strings.HasPrefix(key, "rec/"):
				recs[key] = string(v)
			case strings.HasPrefix(key, "idx/"):
				idx[strings.TrimPrefix(key, "idx/")] = string(v)
			case key == "counter":
				if counter, err = strconv.Atoi(string(v)); err != nil {
					return err
				}
			default:
				return fmt.Errorf("unexpected key %q", key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for k := range acked {
		if v, ok := recs[k]; !ok || v != crashValue(k) {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged %s: got %q (present %t)", k, v, ok)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged records lost or wrong", missing, len(acked))
	}
	for k, v := range recs {
		if idx[k] != k {
			t.Errorf("record %s without its index entry (torn transaction)", k)
		}
		if v != crashValue(k) {
			t.Errorf("record %s = %q", k, v)
		}
	}
	for k := range idx {
		if _, ok := recs[k]; !ok {
			t.Errorf("index entry %s without its record (torn transaction)", k)
		}
	}
	if counter < maxCounter {
		t.Errorf("counter = %d, but %d was acknowledged", counter, maxCounter)
	}
	// And the store takes writes again.
	storetest.Put(t, db, "rec/after", crashValue("rec/after"))
	storetest.Put(t, db, "idx/rec/after", "rec/after")
}
