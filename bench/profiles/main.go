// Command profiles measures Customer Profiles on a real Hotline server
// (in this process, on loopback HTTP, with its store on disk):
//
//   - put: PutProfileObject sustained with -clients concurrent clients (8),
//     each call answered only once its write is durable (the store fsyncs
//     each group commit). Every object is a new customer, so every call
//     creates a profile; a second row re-puts existing customers. Prints
//     objects/s, p50 and p99 (medians of -rounds rounds).
//   - search: SearchProfiles by _phone with -profiles profiles loaded
//     (1,000,000): load time, store size per profile and the p50/p99
//     latency of SearchProfiles over HTTP from 1 client and from -clients.
//     The profiles are loaded as signed PutProfileObject requests handed
//     to the server's handler in process (the ingest path of any put,
//     without the sockets) by -loaders goroutines, so that the group
//     commit takes large groups; the service has no batch API.
//
// Requests are signed with SigV4. By default (-client wire, see wire.go)
// the puts go out on pooled keep-alive connections, written and read by a
// lean HTTP/1.1 client and signed by a lean signer for their one request
// shape (sign.go; a test holds its signatures to aws-sdk-go-v2's), so that
// the load generator spends little of the CPU it shares with the server.
// -client raw sends them through net/http's Client as bench/edge does,
// signed with aws-sdk-go-v2's signer; -client sdk sends them through
// aws-sdk-go-v2, to show what the SDK's own cost is. The searches go out
// the same way (wire or raw). Everything else (setup, the search
// benchmark's load) is signed with aws-sdk-go-v2's signer. CPU/object is this
// process's CPU time (client and server) per call, and cores is how many
// CPUs that kept busy: well under GOMAXPROCS means the calls wait on
// something serial (the store's single writer, its fsync). ckpt is the
// share of the round during which the store was writing a full memtable
// into its bbolt file, in the background, between/during the objects/s
// outside and inside those times, and cores b/d the cores this process
// kept busy in each: a checkpoint that only used CPU the calls left idle
// would raise the second and leave the rate as it was.
//
// The million-profile load takes minutes and a 4 GB store file; -profiles
// runs smaller. The store directory is removed at the end, on failure
// and on Ctrl-C.
//
//	go run ./bench/profiles [-bench put|search|all] [-clients 8] [-duration 3s] [-rounds 3]
//	                        [-profiles 1000000] [-client wire|raw|sdk] [-dir DIR] [-cpuprofile FILE] [-trace FILE] [-memprofile FILE]
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
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

const (
	domain     = "bench"
	objectType = "Customer"
	// customerType keys a customer by account number (PROFILE and UNIQUE)
	// and maps its phone number, which feeds the standard _phone key.
	customerType = `{
	  "Description": "bench customers", "AllowProfileCreation": true,
	  "Fields": {
	    "accountId": {"Source": "_source.accountId", "Target": "_profile.AccountNumber"},
	    "firstName": {"Source": "_source.firstName", "Target": "_profile.FirstName"},
	    "lastName":  {"Source": "_source.lastName", "Target": "_profile.LastName"},
	    "email":     {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
	    "phone":     {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
	    "tier":      {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}
	  },
	  "Keys": {"_account": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["accountId"]}]}
	}`
)

// cleanups run before the program exits, on failure or Ctrl-C too: a
// million-profile store is gigabytes that must not be left behind.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func fatalf(format string, args ...any) {
	runCleanups()
	log.Fatalf(format, args...)
}

func fatal(err error) { fatalf("%v", err) }

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		runCleanups()
		os.Exit(130)
	}()
	defer runCleanups()
	which := flag.String("bench", "all", "put, search or all")
	clients := flag.Int("clients", 8, "concurrent clients")
	duration := flag.Duration("duration", 3*time.Second, "length of one measured round")
	rounds := flag.Int("rounds", 3, "rounds per figure; medians are reported")
	profiles := flag.Int("profiles", 1_000_000, "profiles loaded for the search benchmark")
	loaders := flag.Int("loaders", 64, "concurrent in-process puts while loading")
	clientKind := flag.String("client", "wire", "wire (lean HTTP/1.1 on pooled connections, lean SigV4 signer), raw (net/http's client, aws-sdk-go-v2's signer) or sdk (aws-sdk-go-v2's client, puts only) for the puts and the searches")
	dir := flag.String("dir", os.TempDir(), "directory for the store (on the disk you want to measure)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured parts to this file")
	traceFile := flag.String("trace", "", "write a runtime execution trace (go tool trace) of the run to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile (go tool pprof -sample_index=alloc_space) of the run to this file")
	flag.Parse()
	*rounds = max(*rounds, 1)
	gc := server.TuneGC() // what `hotline serve` runs with

	record(*cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
	record(*traceFile, trace.Start, trace.Stop)
	var allocs io.Writer
	record(*memProfile, func(w io.Writer) error { allocs = w; return nil },
		func() { _ = pprof.Lookup("allocs").WriteTo(allocs, 0) })
	fmt.Printf("Customer Profiles on loopback HTTP, durable writes, GOMAXPROCS=%d, %s, store under %s\n", runtime.GOMAXPROCS(0), gc, *dir)
	if *which == "put" || *which == "all" {
		benchPut(*dir, *clients, *duration, *rounds, *clientKind)
	}
	if *which == "search" || *which == "all" {
		benchSearch(*dir, *profiles, *loaders, *clients, *duration, *rounds, *clientKind)
	}
}

// record starts a recording (a CPU profile, a trace) into the file at
// path, if one is named, and stops it at exit.
func record(path string, start func(io.Writer) error, stop func()) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fatal(err)
	}
	if err := start(f); err != nil {
		fatal(err)
	}
	atExit(stop)
}

// bench is a server with the bench domain and type.
type bench struct {
	srv  *server.Server
	base string
	data string
	stop func()
}

func start(parent string) *bench {
	data, err := os.MkdirTemp(parent, "hotline-bench-profiles-")
	if err != nil {
		fatal(err)
	}
	atExit(func() { _ = os.RemoveAll(data) })
	srv, err := server.New(context.Background(), server.Config{DataDir: data})
	if err != nil {
		fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b := &bench{srv: srv, base: "http://" + ln.Addr().String(), data: data}
	var once sync.Once
	b.stop = func() {
		once.Do(func() {
			_ = srv.Shutdown(context.Background())
			_ = os.RemoveAll(data)
		})
	}
	atExit(b.stop)
	c := sdkClient(b.base, 1)
	ctx := context.Background()
	if _, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String(domain), DefaultExpirationDays: aws.Int32(365)}); err != nil {
		fatal(err)
	}
	in := &cp.PutProfileObjectTypeInput{}
	if err := json.Unmarshal([]byte(customerType), in); err != nil {
		fatal(err)
	}
	in.DomainName, in.ObjectTypeName = aws.String(domain), aws.String(objectType)
	if _, err := c.PutProfileObjectType(ctx, in); err != nil {
		fatal(err)
	}
	return b
}

func sdkClient(base string, conns int) *cp.Client {
	return cp.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}},
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	})
}

// customer is the object of customer i.
func customer(i int) string {
	return fmt.Sprintf(`{"accountId":"%010d","firstName":"First%d","lastName":"Last%d","email":"user%d@example.com","phone":"%s","tier":"%s"}`,
		i, i, i, i, phone(i), tiers[i%3])
}

// phone is customer i's phone number, written as people write them.
func phone(i int) string {
	return fmt.Sprintf("+1 (%03d) %03d-%04d", 200+i/10_000_000, i/10_000%1000, i%10_000)
}

// searchPhone is the same number as a caller's E.164 address.
func searchPhone(i int) string {
	return fmt.Sprintf("+1%03d%03d%04d", 200+i/10_000_000, i/10_000%1000, i%10_000)
}

// signer signs requests for the profile service with the development pair
// (aws-sdk-go-v2's signer; the wire client signs with its leanSigner).
type signer struct {
	v4    *v4.Signer
	creds aws.Credentials
}

func newSigner() *signer {
	return &signer{v4: v4.NewSigner(), creds: aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}}
}

func (s *signer) request(method, u string, body []byte) *http.Request {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := s.v4.SignHTTP(context.Background(), s.creds, req, hex.EncodeToString(sum[:]), "profile", "us-east-1", time.Now()); err != nil {
		fatal(err)
	}
	return req
}

func putBody(object string) []byte {
	b, _ := json.Marshal(map[string]string{"ObjectTypeName": objectType, "Object": object})
	return b
}

// appendPutBody appends putBody(customer(i)) to b, without the formatting
// and the map the wire client would otherwise spend on every call
// (TestAppendPutBody holds the two to the same bytes). The customer's
// text needs no JSON escaping but its quotes.
func appendPutBody(b []byte, i int) []byte {
	const q = `\"`
	b = append(b, `{"Object":"{`+q+`accountId`+q+`:`+q...)
	b = appendPadded(b, i, 10)
	b = append(b, q+`,`+q+`firstName`+q+`:`+q+`First`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, q+`,`+q+`lastName`+q+`:`+q+`Last`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, q+`,`+q+`email`+q+`:`+q+`user`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `@example.com`+q+`,`+q+`phone`+q+`:`+q+`+1 (`...)
	b = appendPadded(b, 200+i/10_000_000, 3)
	b = append(b, ") "...)
	b = appendPadded(b, i/10_000%1000, 3)
	b = append(b, '-')
	b = appendPadded(b, i%10_000, 4)
	b = append(b, q+`,`+q+`tier`+q+`:`+q...)
	b = append(b, tiers[i%3]...)
	return append(b, q+`}","ObjectTypeName":"`+objectType+`"}`...)
}

var tiers = [...]string{"gold", "silver", "bronze"}

// appendPadded is fmt's %0*d for non-negative v.
func appendPadded(b []byte, v, width int) []byte {
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], int64(v), 10)
	for range width - len(digits) {
		b = append(b, '0')
	}
	return append(b, digits...)
}

func putURL(base string) string { return base + putPath }

const putPath = "/domains/" + domain + "/profiles/objects"

const searchPath = "/domains/" + domain + "/profiles/search"

// appendSearchBody appends the SearchProfiles body that looks customer i
// up by phone number.
func appendSearchBody(b []byte, i int) []byte {
	b = append(b, `{"KeyName":"_phone","Values":["`...)
	b = append(b, searchPhone(i)...)
	return append(b, `"]}`...)
}

// caller sends one kind of request; next gives each call its argument.
type caller func(i int) error

// httpCaller sends method path with body(i) through the wire or the raw
// client; ok is false for any other kind.
func httpCaller(kind, base string, conns int, method, path string, body func(dst []byte, i int) []byte) (c caller, ok bool) {
	switch kind {
	case "wire":
		return wireCaller(base, conns, method, path, body), true
	case "raw":
		return rawCaller(base, conns, method, func(i int) (string, []byte) { return base + path, body(nil, i) }), true
	}
	return nil, false
}

func rawCaller(base string, conns int, method string, target func(i int) (string, []byte)) caller {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	s := newSigner()
	return func(i int) error {
		u, body := target(i)
		resp, err := hc.Do(s.request(method, u, body))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	}
}

type result struct {
	rate     float64
	p50, p99 time.Duration
	cpu      time.Duration // process CPU time (client and server) per call
	group    float64       // writes per durable commit (one fsync each); 0 for reads
	reruns   float64       // share of the writes that ran again after a conflict
	ckpt     checkpointSplit
}

// checkpointSplit is how a round went while the store checkpointed its
// memtable into the bbolt file (in the background) and while it did not:
// the share of the round a checkpoint ran, and the call rate in each part.
type checkpointSplit struct {
	busy            float64
	between, during float64
	// Cores this process kept busy in each part: a checkpoint that only
	// took its own CPU would leave the calls' share as it was.
	coresBetween, coresDuring float64
}

// sampleEvery is how often load notes progress for checkpointSplit.
const sampleEvery = 20 * time.Millisecond

type progress struct {
	at    time.Time
	calls int64
	cpu   time.Duration // cpuTime() when sampled
	st    bolt.Stats
}

// splitByCheckpoints sorts the intervals between samples into those a
// checkpoint overlapped (one ran at their start or started in them) and
// the rest.
func splitByCheckpoints(samples []progress) checkpointSplit {
	var calls, secs, cpu [2]float64 // [between, during]
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		k := 0
		if b.st.CheckpointsStarted > a.st.Checkpoints {
			k = 1
		}
		calls[k] += float64(b.calls - a.calls)
		secs[k] += b.at.Sub(a.at).Seconds()
		cpu[k] += (b.cpu - a.cpu).Seconds()
	}
	var sp checkpointSplit
	if total := secs[0] + secs[1]; total > 0 {
		sp.busy = secs[1] / total
	}
	if secs[0] > 0 {
		sp.between, sp.coresBetween = calls[0]/secs[0], cpu[0]/secs[0]
	}
	if secs[1] > 0 {
		sp.during, sp.coresDuring = calls[1]/secs[1], cpu[1]/secs[1]
	}
	return sp
}

// cores is how many CPUs the calls kept busy on average.
func (r result) cores() float64 { return r.rate * r.cpu.Seconds() }

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load runs clients goroutines calling call with fresh arguments from next
// for d, and returns calls per second and latency percentiles.
func load(clients int, d time.Duration, next func() int, call caller) result {
	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	cpu0, st0 := cpuTime(), bolt.ProcessStats()
	begin := time.Now()
	deadline := begin.Add(d)
	var calls atomic.Int64
	samples := []progress{{begin, 0, cpu0, st0}}
	stopSampling, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case now := <-tick.C:
				samples = append(samples, progress{now, calls.Load(), cpuTime(), bolt.ProcessStats()})
			}
		}
	}()
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := call(next()); err != nil {
					fatal(err)
				}
				mine = append(mine, time.Since(t0))
				calls.Add(1)
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	close(stopSampling)
	<-sampled
	elapsed := time.Since(begin)
	cpu, st := cpuTime()-cpu0, bolt.ProcessStats()
	slices.Sort(lats)
	r := result{rate: float64(len(lats)) / elapsed.Seconds(), p50: pct(lats, 50), p99: pct(lats, 99),
		cpu: (cpu / time.Duration(max(len(lats), 1))).Round(time.Microsecond)}
	if n := st.Commits - st0.Commits; n > 0 {
		r.group = float64(st.Txs-st0.Txs) / float64(n)
	}
	if n := st.Optimistic - st0.Optimistic + st.Conflicts - st0.Conflicts; n > 0 {
		r.reruns = float64(st.Conflicts-st0.Conflicts) / float64(n)
	}
	r.ckpt = splitByCheckpoints(append(samples, progress{begin.Add(elapsed), int64(len(lats)), cpu0 + cpu, st}))
	return r
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)*p/100, len(sorted)-1)].Round(time.Microsecond)
}

// median returns the round with the median rate.
func median(rounds int, f func() result) (result, []float64) {
	rs := make([]result, rounds)
	rates := make([]float64, rounds)
	for i := range rs {
		rs[i] = f()
		rates[i] = rs[i].rate
	}
	slices.SortFunc(rs, func(a, b result) int {
		switch {
		case a.rate < b.rate:
			return -1
		case a.rate > b.rate:
			return 1
		}
		return 0
	})
	return rs[rounds/2], rates
}

func rates(rs []float64) string {
	var b bytes.Buffer
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.0f", r)
	}
	return b.String()
}

func benchPut(dir string, clients int, d time.Duration, rounds int, kind string) {
	b := start(dir)
	defer b.stop()
	var seq atomic.Int64
	call, ok := httpCaller(kind, b.base, clients, http.MethodPut, putPath, appendPutBody)
	switch {
	case ok:
	case kind == "sdk":
		c := sdkClient(b.base, clients)
		call = func(i int) error {
			_, err := c.PutProfileObject(context.Background(), &cp.PutProfileObjectInput{
				DomainName: aws.String(domain), ObjectTypeName: aws.String(objectType), Object: aws.String(customer(i)),
			})
			return err
		}
	default:
		fatalf("-client %s: use wire, raw or sdk", kind)
	}
	fmt.Printf("\nPutProfileObject, %d clients (%s client), %s x %d rounds (medians)\n", clients, kind, d, rounds)
	fmt.Printf("%-34s %12s %10s %10s %10s %6s %8s %7s %6s %16s %10s   %s\n", "", "objects/s", "p50", "p99", "CPU/object", "cores", "w/commit", "reruns",
		"ckpt", "between/during", "cores b/d", "rounds objects/s")
	row := func(name string, r result, rs []float64) {
		split := fmt.Sprintf("%.0f/%.0f", r.ckpt.between, r.ckpt.during)
		cores := fmt.Sprintf("%.2f/%.2f", r.ckpt.coresBetween, r.ckpt.coresDuring)
		if r.ckpt.busy == 0 {
			split = fmt.Sprintf("%.0f/-", r.ckpt.between)
			cores = fmt.Sprintf("%.2f/-", r.ckpt.coresBetween)
		}
		fmt.Printf("%-34s %12.0f %10s %10s %10s %6.2f %8.1f %6.1f%% %5.0f%% %16s %10s   %s\n", name, r.rate, r.p50, r.p99, r.cpu, r.cores(), r.group, 100*r.reruns,
			100*r.ckpt.busy, split, cores, rates(rs))
	}
	fresh := func() int { return int(seq.Add(1)) }
	r, rs := median(rounds, func() result { return load(clients, d, fresh, call) })
	row("new customer (creates a profile)", r, rs)
	created := int(seq.Load())
	again := func() int { return rand.IntN(created) + 1 }
	r, rs = median(rounds, func() result { return load(clients, d, again, call) })
	row("existing customer (replaces)", r, rs)
}

func benchSearch(dir string, n, loaders, clients int, d time.Duration, rounds int, kind string) {
	b := start(dir)
	defer b.stop()

	// In process through the handler: see the command's comment.
	fmt.Printf("\nSearchProfiles by _phone, %d profiles\n", n)
	h := b.srv.Handler()
	var next atomic.Int64
	t0 := time.Now()
	var wg sync.WaitGroup
	for range loaders {
		wg.Go(func() {
			s := newSigner()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, s.request(http.MethodPut, putURL("http://bench"), putBody(customer(i))))
				if rec.Code != http.StatusOK {
					fatalf("loading customer %d: HTTP %d %s", i, rec.Code, rec.Body)
				}
				if i > 0 && i%100_000 == 0 {
					fmt.Printf("  %d loaded, %.0f/s\n", i, float64(i)/time.Since(t0).Seconds())
				}
			}
		})
	}
	wg.Wait()
	loadTime := time.Since(t0)
	settle := settle()
	fi, err := os.Stat(filepath.Join(b.data, "hotline.db"))
	if err != nil {
		fatal(err)
	}
	fmt.Printf("load: %s (%.0f profiles/s, in process, %d concurrent puts); then %s\n", loadTime.Round(time.Second), float64(n)/loadTime.Seconds(), loaders, settle)
	fmt.Printf("store: %.1f MB, %.0f bytes per profile (the whole bbolt file, free pages included)\n",
		float64(fi.Size())/(1<<20), float64(fi.Size())/float64(n))

	searchURL := b.base + searchPath
	call, ok := httpCaller(kind, b.base, clients, http.MethodPost, searchPath, appendSearchBody)
	if !ok {
		fatalf("-client %s: the search benchmark takes wire or raw", kind)
	}
	verify(searchURL, 0)
	verify(searchURL, n-1)
	random := func() int { return rand.IntN(n) }
	fmt.Printf("%-34s %12s %10s %10s %10s   %s   (%s client)\n", "", "searches/s", "p50", "p99", "CPU/search", "rounds searches/s", kind)
	for _, c := range []int{1, clients} {
		r, rs := median(rounds, func() result { return load(c, d, random, call) })
		fmt.Printf("%-34s %12.0f %10s %10s %10s   %s\n", fmt.Sprintf("%d client(s)", c), r.rate, r.p50, r.p99, r.cpu, rates(rs))
	}
}

// settle waits, after the load, for what a server that has stopped taking
// writes does next: once idle for bolt.DefaultIdleCheckpoint it checkpoints
// what is left in its memtable. The searches are then measured on the
// store as it stays, not during that checkpoint.
func settle() string {
	t0 := time.Now()
	idle0 := bolt.ProcessStats().IdleCheckpoints
	time.Sleep(2*bolt.DefaultIdleCheckpoint + 100*time.Millisecond)
	for st := bolt.ProcessStats(); st.Checkpoints != st.CheckpointsStarted; st = bolt.ProcessStats() {
		time.Sleep(10 * time.Millisecond)
	}
	if bolt.ProcessStats().IdleCheckpoints == idle0 {
		return fmt.Sprintf("%s idle, no idle checkpoint", time.Since(t0).Round(100*time.Millisecond))
	}
	return fmt.Sprintf("an idle checkpoint, settled after %s", time.Since(t0).Round(100*time.Millisecond))
}

// verify checks that a search finds exactly customer i.
func verify(searchURL string, i int) {
	body, _ := json.Marshal(map[string]any{"KeyName": "_phone", "Values": []string{searchPhone(i)}})
	resp, err := http.DefaultClient.Do(newSigner().request(http.MethodPost, searchURL, body))
	if err != nil {
		fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		fatalf("SearchProfiles: HTTP %d %s", resp.StatusCode, raw)
	}
	var out struct {
		Items []struct{ AccountNumber string }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		fatal(err)
	}
	if len(out.Items) != 1 || out.Items[0].AccountNumber != fmt.Sprintf("%010d", i) {
		fatalf("searching %s found %+v, want account %010d", searchPhone(i), out.Items, i)
	}
}
