// Command journey measures the demo journey (internal/journey) as
// simulated calls: a caller dials the demo number, hears the welcome, takes
// option 1 of the main menu and option 1 of the sales menu (with its
// option message), hears the pre-queue message and is queued in
// HarbourBikes_Sales_Online with its recording, analytics and whispers set.
// Four lookups of the configuration table, five flows and two modules run
// per call.
//
//	go run ./bench/journey [-d 2s] [-runs 5] [-queue-time 1s] [-cpuprofile FILE] [-memprofile FILE]
//
// One run measures the journey both ways:
//
//   - in process: voice.Simulator.Run from one goroutine per CPU, over the
//     running server's services (number routing, the Lambda invoker with its
//     allow-list, the built-in lookup function reading the configuration
//     table in the store; the last two through the services' read caches,
//     as in the server), with the instance's flows, queues and hours kept
//     in memory and an in-memory recorder: the contact's state encoded at
//     every wait (the simulator's default, the headline), then only at the
//     end (PersistEnd); then with the server's own Env and recorder (flows
//     read from the store, the contact committed to the store at every
//     wait: what POST /_hotline/calls runs);
//   - through the HTTP API: signed POST /_hotline/calls to the same server
//     over loopback, from 4 clients per CPU.
//
// Each figure is the median of -runs runs of -d. Rates are against wall time
// and against the process's CPU time (user+system; the HTTP clients run in
// the same process and are counted): on a machine other work shares,
// journeys per CPU-second times the cores is what the cores would do for
// Hotline alone. The queue window is -queue-time of virtual time (the
// default customer-queue flow's prompts and the agent whisper run in it);
// it costs no real time.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/bench/internal/benchkit"
	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/flow/interp/interptest"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
)

// at is a Tuesday morning in London, when every demo queue is open.
var at = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

const wantQueue = "HarbourBikes_Sales_Online"

// memRecorder keeps copies of the last records (Put may not keep what it
// is given).
type memRecorder struct {
	mu   sync.Mutex
	ring [1024]contacts.Record
	n    int
	// maps are the attribute maps of records the ring let go, emptied: a
	// map cloned at every Put was the most frequent allocation of a
	// journey, and garbage a few waits later.
	maps sync.Pool
}

func (m *memRecorder) Put(_ context.Context, r *contacts.Record) error {
	c := *r
	if r.Attributes != nil {
		attrs, _ := m.maps.Get().(map[string]string)
		if attrs == nil {
			attrs = make(map[string]string, len(r.Attributes))
		}
		maps.Copy(attrs, r.Attributes)
		c.Attributes = attrs
	}
	m.mu.Lock()
	slot := &m.ring[m.n%len(m.ring)]
	old := slot.Attributes
	*slot = c
	m.n++
	m.mu.Unlock()
	if old != nil {
		clear(old)
		m.maps.Put(old)
	}
	return nil
}

func (m *memRecorder) Get(context.Context, string, string) (*contacts.Record, error) {
	return nil, fmt.Errorf("the benchmark recorder is write-only")
}

func main() {
	dur := flag.Duration("d", 2*time.Second, "duration of each run")
	runs := flag.Int("runs", 5, "runs per figure; the median is reported")
	queueTime := flag.Duration("queue-time", time.Second, "virtual time the caller waits in the queue")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile to this file after the in-process runs")
	flag.Parse()
	defer benchkit.StartCPUProfile(*cpuProfile)()
	*runs = max(*runs, 1)

	ctx := context.Background()
	srv := benchkit.Serve(ctx, server.Config{})
	defer srv.Close()
	endpoint := srv.Endpoint

	api := connect.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	demo, err := journey.SetupDemo(ctx, api, srv.FlowConfig, srv.DefaultInstanceID, srv.LookupARN)
	if err != nil {
		log.Fatal(err)
	}

	script := voice.Script{Presses: []string{"1", "1"}, QueueTime: voice.Duration(*queueTime)}
	call := &voice.Call{To: journey.DemoNumber, At: at, Script: script}
	invoker := &lambda.Invoker{Functions: srv.Functions, Allowed: srv.Connect.LambdaAllowed}
	sim := func(env func(string) interp.Env, rec voice.Recorder, mode voice.Persist) *voice.Simulator {
		return voice.New(voice.Config{Route: srv.Connect.NumberRoute, Env: env, Invoker: invoker, Recorder: rec, Persist: mode})
	}
	inMemory := func(id string) interp.Env { return interptest.NewMemEnv(srv.Contacts.Env(id, nil)) }
	memory := sim(inMemory, &memRecorder{}, voice.PersistEveryWait)
	memoryEnd := sim(inMemory, &memRecorder{}, voice.PersistEnd)
	own := sim(func(id string) interp.Env { return srv.Contacts.Env(id, nil) }, srv.Contacts, voice.PersistEveryWait)

	// Check the path once: the journey runs as planned and says how much
	// it does.
	rec, err := memory.Run(ctx, call)
	if err != nil {
		log.Fatal(err)
	}
	if err := check(&rec.Report.Outcome); err != nil {
		log.Fatal(err)
	}
	var prompts, lookups, actions int
	for _, e := range rec.Report.Events {
		switch {
		case e.Type == "prompt":
			prompts++
		case e.Type == "lambda" && e.Detail.Get("phase") == "request":
			lookups++
		case e.Type == "branch":
			actions++
		}
	}
	fmt.Printf("The demo journey: %s, keys 1 then 1, queued in %s (%d flows and modules installed).\n",
		journey.DemoNumber, wantQueue, len(demo.Resources))
	fmt.Printf("Per call: %d actions, %d prompts heard, %d lookups of the configuration table, %s in the queue (virtual).\n",
		actions, prompts, lookups, *queueTime)
	fmt.Printf("Median of %d runs of %s. x%d is journeys per CPU-second times the %d CPUs (GOMAXPROCS).\n\n",
		*runs, *dur, runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0))
	fmt.Printf("%-78s %10s %12s %9s\n", "configuration", "journeys/s", "per CPU-s", fmt.Sprintf("x%d", runtime.GOMAXPROCS(0)))
	line := func(name string, r result) {
		fmt.Printf("%-78s %10.0f %12.0f %9.0f\n", name, r.rate, r.perCPU, r.perCPU*float64(runtime.GOMAXPROCS(0)))
	}

	inProcess := func(s *voice.Simulator) func() error {
		return func() error {
			rec, err := s.Run(ctx, call)
			if err != nil {
				return err
			}
			return check(&rec.Report.Outcome)
		}
	}
	line("in process: flows and queues in memory, in-memory recorder, state at every wait",
		median(*runs, func() result { return load(runtime.GOMAXPROCS(0), *dur, inProcess(memory)) }))
	line("  the same, final record only (PersistEnd)",
		median(*runs, func() result { return load(runtime.GOMAXPROCS(0), *dur, inProcess(memoryEnd)) }))
	if *memProfile != "" {
		writeHeapProfile(*memProfile)
	}
	line("in process: the server's Env and contact store (what POST /_hotline/calls runs)",
		median(*runs, func() result { return load(runtime.GOMAXPROCS(0), *dur, inProcess(own)) }))

	body, err := json.Marshal(voice.CallInput{To: journey.DemoNumber, At: at.Format(time.RFC3339), Script: script})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	overHTTP := func() error { return post(ctx, client, endpoint, body) }
	line("HTTP: signed POST /_hotline/calls over loopback, 4 clients per CPU",
		median(*runs, func() result { return load(4*runtime.GOMAXPROCS(0), *dur, overHTTP) }))
}

// writeHeapProfile writes what is live and what was allocated so far.
func writeHeapProfile(name string) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		log.Fatal(err)
	}
}

// check is what every measured call must have done.
func check(o *contacts.Outcome) error {
	if o.Disposition != voice.Queued || o.Queue == nil || o.Queue.Name != wantQueue ||
		o.Recording == nil || o.Recording.Analytics != "REAL_TIME" || len(o.AgentWhisper) != 1 {
		b, _ := json.Marshal(o)
		return fmt.Errorf("the journey did not end as planned: %s", b)
	}
	return nil
}

// post places the journey's call through the HTTP API, signed as the CLI
// signs it.
func post(ctx context.Context, client *http.Client, endpoint string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/_hotline/calls", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "hotline", "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /_hotline/calls: %s: %s", resp.Status, b)
	}
	var out voice.CallOutput
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	return check(&out.Outcome)
}

type result struct{ rate, perCPU float64 }

// median is the run of median perCPU among n.
func median(n int, f func() result) result {
	return benchkit.Median(n, f, func(r result) float64 { return r.perCPU })
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load runs one journey after another from workers goroutines for d.
func load(workers int, d time.Duration, journey func() error) result {
	var n atomic.Int64
	var wg sync.WaitGroup
	runtime.GC()
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := journey(); err != nil {
					log.Fatal(err)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	return result{rate: float64(n.Load()) / elapsed.Seconds(), perCPU: float64(n.Load()) / cpu.Seconds()}
}
