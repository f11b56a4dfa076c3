// Command calls measures simulated voice calls in process
// (internal/channel/voice) and contacts parked waiting for input.
//
//	go run ./bench/calls [-d 2s] [-runs 5] [-parked 100000] [-only 1,2] [-cpuprofile FILE]
//
// Calls go through a 20-action menu flow with one built-in function call
// and two inputs (a one-key menu and an eight-digit account number). The
// resources are created over the AWS API of an in-process server; the
// function is a built-in invoked through the real Lambda invoker with its
// allow-list check; the number is routed by the connect service. Each
// figure is the median of -runs runs of -d with one caller goroutine per
// CPU. Rates are given against wall time and against the process's CPU
// time: on a machine other work shares, calls per CPU-second times the
// cores is what the cores would do for Hotline alone.
//
// The simulator stores the contact at every wait. Writing each of those
// to the embedded store (a durable commit each) would dominate, so the
// headline figure uses an in-memory recorder (it keeps copies of the last
// 1,024 records) and an in-memory Env (the instance's flows, queues and
// hours read once through the contacts Env); the lines after it show the
// cost of storing only before real-time waits, of a call that queues, of
// the real contacts Env, and of the real store.
//
// Parked contacts: the benchmark takes the state the simulator stored
// while a call waited for the account number, holds -parked contacts in
// that state, weighs them on the heap, counts goroutines, and resumes every
// one of them with its keys.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/bench/internal/benchkit"
	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/flow/interp/interptest"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
)

const (
	number    = "+442071234567"
	fnARN     = "arn:aws:lambda:us-east-1:000000000000:function:bench-lookup"
	flowActs  = 20
	queueActs = 19 // the queueing variant's inbound flow
)

func init() {
	lambda.RegisterBuiltin("bench-lookup", func(context.Context, []byte) ([]byte, error) {
		return []byte(`{"Name":"Ann","Tier":"gold","Balance":"42.10"}`), nil
	})
}

// menuFlow is the 20 actions a call runs: settings, the function, a
// greeting, the hours, a menu key, an account number, checks and settings,
// a confirmation, and the end (a disconnect, or with queue the transfer to
// the queue in place of the last two).
func menuFlow(hoursID, queueID string, queue bool) string {
	tail := `
	  {"Identifier":"bye","Type":"MessageParticipant","Parameters":{"Text":"Goodbye."},"Transitions":{"NextAction":"end","Errors":[{"ErrorType":"NoMatchingError","NextAction":"end"}]}},
	  {"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}`
	if queue {
		tail = `
	  {"Identifier":"bye","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"end","Errors":[{"ErrorType":"NoMatchingError","NextAction":"end"},{"ErrorType":"QueueAtCapacity","NextAction":"end"}]}},
	  {"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}`
	}
	sorry := `"Errors":[{"ErrorType":"NoMatchingError","NextAction":"end"}]`
	return `{"Version":"2019-10-30","StartAction":"log","Actions":[
	  {"Identifier":"log","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Enabled"},"Transitions":{"NextAction":"rec"}},
	  {"Identifier":"rec","Type":"UpdateContactRecordingBehavior","Parameters":{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]}},"Transitions":{"NextAction":"voice"}},
	  {"Identifier":"voice","Type":"UpdateContactTextToSpeechVoice","Parameters":{"TextToSpeechVoice":"Amy"},"Transitions":{"NextAction":"caller"}},
	  {"Identifier":"caller","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"caller":"$.CustomerEndpoint.Address","dialled":"$.SystemEndpoint.Address"}},"Transitions":{"NextAction":"lookup",` + sorry + `}},
	  {"Identifier":"lookup","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"` + fnARN + `","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"},"ResponseValidation":{"ResponseType":"STRING_MAP"}},"Transitions":{"NextAction":"save",` + sorry + `}},
	  {"Identifier":"save","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"name":"$.External.Name","tier":"$.External.Tier"}},"Transitions":{"NextAction":"vip",` + sorry + `}},
	  {"Identifier":"vip","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.tier"},"Transitions":{"NextAction":"greet","Conditions":[{"NextAction":"greet","Condition":{"Operator":"Equals","Operands":["gold"]}}],"Errors":[{"ErrorType":"NoMatchingCondition","NextAction":"greet"}]}},
	  {"Identifier":"greet","Type":"MessageParticipant","Parameters":{"Text":"Hello $.External.Name, thanks for calling."},"Transitions":{"NextAction":"hours",` + sorry + `}},
	  {"Identifier":"hours","Type":"CheckHoursOfOperation","Parameters":{"HoursOfOperationId":"` + hoursID + `"},"Transitions":{"NextAction":"end","Conditions":[{"NextAction":"menu","Condition":{"Operator":"Equals","Operands":["True"]}},{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["False"]}}],` + sorry + `}},
	  {"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Press 1 for billing or 2 for sales.","InputTimeLimitSeconds":"5","StoreInput":"False"},"Transitions":{"NextAction":"end","Conditions":[{"NextAction":"acct","Condition":{"Operator":"Equals","Operands":["1"]}},{"NextAction":"acct","Condition":{"Operator":"Equals","Operands":["2"]}}],"Errors":[{"ErrorType":"InputTimeLimitExceeded","NextAction":"end"},{"ErrorType":"NoMatchingCondition","NextAction":"end"},{"ErrorType":"NoMatchingError","NextAction":"end"}]}},
	  {"Identifier":"acct","Type":"GetParticipantInput","Parameters":{"Text":"Enter your account number, then press hash.","StoreInput":"True","InputTimeLimitSeconds":"5","InputValidation":{"CustomValidation":{"MaximumLength":"8"}}},"Transitions":{"NextAction":"timeout?",` + sorry + `}},
	  {"Identifier":"timeout?","Type":"Compare","Parameters":{"ComparisonValue":"$.StoredCustomerInput"},"Transitions":{"NextAction":"fa","Conditions":[{"NextAction":"end","Condition":{"Operator":"Equals","Operands":["Timeout"]}}],"Errors":[{"ErrorType":"NoMatchingCondition","NextAction":"fa"}]}},
	  {"Identifier":"fa","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"account":{"Value":"$.StoredCustomerInput"}}},"Transitions":{"NextAction":"store",` + sorry + `}},
	  {"Identifier":"store","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"account":"$.FlowAttributes.account"}},"Transitions":{"NextAction":"split",` + sorry + `}},
	  {"Identifier":"split","Type":"DistributeByPercentage","Parameters":{},"Transitions":{"NextAction":"set-queue","Conditions":[{"NextAction":"set-queue","Condition":{"Operator":"NumberLessThan","Operands":["101"]}}],"Errors":[{"ErrorType":"NoMatchingCondition","NextAction":"set-queue"}]}},
	  {"Identifier":"set-queue","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"` + queueID + `"},"Transitions":{"NextAction":"prio",` + sorry + `}},
	  {"Identifier":"prio","Type":"UpdateContactRoutingBehavior","Parameters":{"QueuePriority":"2"},"Transitions":{"NextAction":"confirm",` + sorry + `}},
	  {"Identifier":"confirm","Type":"MessageParticipant","Parameters":{"Text":"Thank you $.Attributes.name, account $.Attributes.account."},"Transitions":{"NextAction":"bye",` + sorry + `}},` + tail + `
	]}`
}

var script = voice.Script{Presses: []string{"1", "12345678"}}

// memRecorder keeps the last records in memory, as copies (Put may not
// keep what it is given), and the state of the first contact it saw parked
// for its account number.
type memRecorder struct {
	mu     sync.Mutex
	ring   [1024]contacts.Record
	n      int
	parked atomic.Pointer[[]byte]
}

func (m *memRecorder) Put(_ context.Context, r *contacts.Record) error {
	c := *r
	c.Attributes = maps.Clone(r.Attributes)
	m.mu.Lock()
	m.ring[m.n%len(m.ring)] = c
	m.n++
	m.mu.Unlock()
	if r.State != nil && m.parked.Load() == nil {
		var c interp.Contact
		if err := json.Unmarshal(r.State, &c); err != nil {
			return err
		}
		if len(c.Frames) > 0 && c.Frames[0].Action == "acct" && c.Wait.Kind == interp.WaitInput && !c.Wait.Playing {
			s := append([]byte(nil), r.State...)
			m.parked.Store(&s)
		}
	}
	return nil
}

func (m *memRecorder) Get(context.Context, string, string) (*contacts.Record, error) {
	return nil, fmt.Errorf("the benchmark recorder is write-only")
}

// sizeRecorder counts the bytes a store would encode.
type sizeRecorder struct{ bytes, puts int }

func (z *sizeRecorder) Put(_ context.Context, r *contacts.Record) error {
	b, err := json.Marshal(r)
	z.bytes += len(b)
	z.puts++
	return err
}

func (z *sizeRecorder) Get(context.Context, string, string) (*contacts.Record, error) {
	return nil, fmt.Errorf("the benchmark recorder is write-only")
}

func main() {
	dur := flag.Duration("d", 2*time.Second, "duration of each run")
	runs := flag.Int("runs", 5, "runs per figure; the median is reported")
	parked := flag.Int("parked", 100000, "contacts to park waiting for input")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	only := flag.String("only", "", "measure only these configurations, numbered from 1 in the table's order (e.g. 1,2), to profile one alone")
	flag.Parse()
	defer benchkit.StartCPUProfile(*cpuProfile)()
	*runs = max(*runs, 1)

	ctx := context.Background()
	srv := benchkit.Serve(ctx, server.Config{})
	defer srv.Close()
	inst := srv.DefaultInstanceID
	flows := setUp(ctx, srv.Endpoint, inst)
	if _, err := srv.Functions.Put(ctx, &lambda.Binding{FunctionArn: fnARN, Kind: lambda.KindBuiltin, Builtin: "bench-lookup"}); err != nil {
		log.Fatal(err)
	}

	invoker := &lambda.Invoker{Functions: srv.Functions, Allowed: srv.Connect.LambdaAllowed}
	route := func(flowID string) func(context.Context, string) (string, string, error) {
		return func(ctx context.Context, e164 string) (string, string, error) {
			in, _, err := srv.Connect.NumberRoute(ctx, e164)
			return in, flowID, err
		}
	}
	realEnv := func(id string) interp.Env { return srv.Contacts.Env(id, nil) }
	memEnvs := func(id string) interp.Env { return interptest.NewMemEnv(srv.Contacts.Env(id, nil)) }
	mem := &memRecorder{}
	sim := func(flowID string, env func(string) interp.Env, rec voice.Recorder, mode voice.Persist) *voice.Simulator {
		return voice.New(voice.Config{Route: route(flowID), Env: env, Invoker: invoker, Recorder: rec, Persist: mode})
	}

	// Check the path once: every call runs the 20 actions and ends as planned.
	for _, c := range []struct {
		flow    string
		actions int
		want    string
	}{{flows.menu, flowActs, voice.Disconnected}, {flows.queue, queueActs, voice.Queued}} {
		rec, err := sim(c.flow, memEnvs, mem, voice.PersistEveryWait).Run(ctx, &voice.Call{To: number, Script: script})
		if err != nil {
			log.Fatal(err)
		}
		n := 0
		for _, e := range rec.Report.Events {
			if e.Type == "branch" && e.Detail.Get("flow") == c.flow {
				n++
			}
		}
		if n != c.actions || rec.Report.Outcome.Disposition != c.want || rec.Attributes["account"] != "12345678" {
			log.Fatalf("flow %s ran %d actions to %s (attributes %v), want %d to %s", c.flow, n, rec.Report.Outcome.Disposition, rec.Attributes, c.actions, c.want)
		}
	}

	fmt.Printf("Simulated calls in process: %d-action menu flow, one built-in function, two inputs.\n", flowActs)
	fmt.Printf("%d callers (GOMAXPROCS %d), median of %d runs of %s. calls/CPU-s counts the process's CPU time\n",
		runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0), *runs, *dur)
	fmt.Printf("(user+system), so x2 is what 2 dedicated cores do even on a busy machine; calls/s is wall time.\n\n")
	fmt.Printf("%-70s %9s %11s %8s %12s %13s\n", "configuration", "calls/s", "calls/CPU-s", "x2", "allocs/action", "stored/call")
	for i, c := range []struct {
		name    string
		flow    string
		env     func(string) interp.Env
		rec     voice.Recorder
		mode    voice.Persist
		actions int
	}{
		{"simulator: in-memory Env and recorder, state stored at every wait", flows.menu, memEnvs, mem, voice.PersistEveryWait, flowActs},
		{"  state stored only before real-time waits (PersistRealWaits)", flows.menu, memEnvs, mem, voice.PersistRealWaits, flowActs},
		{"  + 60 s in the default customer-queue flow and the agent whisper", flows.queue, memEnvs, mem, voice.PersistEveryWait, queueActs},
		{"  with the contacts Env (flows, queues, hours read from the store)", flows.menu, realEnv, mem, voice.PersistEveryWait, flowActs},
		{"  with the contacts Env and the contacts store (a commit per wait)", flows.menu, realEnv, srv.Contacts, voice.PersistEveryWait, flowActs},
		{"  with the contacts Env and store, PersistRealWaits", flows.menu, realEnv, srv.Contacts, voice.PersistRealWaits, flowActs},
	} {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), strconv.Itoa(i+1)) {
			continue
		}
		s := sim(c.flow, c.env, c.rec, c.mode)
		r := median(*runs, func() result { return load(ctx, s, *dur) })
		z := &sizeRecorder{}
		if _, err := sim(c.flow, c.env, z, c.mode).Run(ctx, &voice.Call{To: number, Script: script}); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-70s %9.0f %11.0f %8.0f %12.1f %8d B/%d\n", c.name, r.rate, r.perCPU, 2*r.perCPU, r.allocs/float64(c.actions), z.bytes, z.puts)
	}
	fmt.Println("\n(allocs/action: all allocations of a call over the actions of its inbound flow;")
	fmt.Println(" stored/call: bytes a store encodes over the Puts of one call: the state at each wait, then the record and report)")

	if *parked > 0 {
		parkContacts(ctx, mem, *parked, srv.Server)
	}
}

type flowIDs struct{ menu, queue string }

// setUp creates the hours, the queue, the flows and the number over the AWS API.
func setUp(ctx context.Context, endpoint, inst string) flowIDs {
	c := connect.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	var cfg []types.HoursOfOperationConfig
	for _, d := range types.HoursOfOperationDays("").Values() {
		cfg = append(cfg, types.HoursOfOperationConfig{Day: d,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)}})
	}
	hours, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{InstanceId: aws.String(inst),
		Name: aws.String("Always"), TimeZone: aws.String("UTC"), Config: cfg})
	check(err)
	queue, err := c.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: aws.String(inst), Name: aws.String("Billing"),
		HoursOfOperationId: hours.HoursOfOperationId})
	check(err)
	var ids flowIDs
	for _, f := range []struct {
		name  string
		queue bool
		id    *string
	}{{"Menu", false, &ids.menu}, {"Menu to queue", true, &ids.queue}} {
		out, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: aws.String(inst), Name: aws.String(f.name),
			Type: types.ContactFlowTypeContactFlow, Content: aws.String(menuFlow(*hours.HoursOfOperationId, *queue.QueueId, f.queue))})
		check(err)
		*f.id = *out.ContactFlowId
	}
	_, err = c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fnARN)})
	check(err)
	claimed, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(inst), PhoneNumber: aws.String(number)})
	check(err)
	_, err = c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{InstanceId: aws.String(inst),
		PhoneNumberId: claimed.PhoneNumberId, ContactFlowId: aws.String(ids.menu)})
	check(err)
	return ids
}

type result struct{ rate, perCPU, allocs float64 }

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

// load places calls from one goroutine per CPU for d; allocs is per call.
func load(ctx context.Context, sim *voice.Simulator, d time.Duration) result {
	var calls atomic.Int64
	var wg sync.WaitGroup
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := sim.Run(ctx, &voice.Call{To: number, Script: script}); err != nil {
					log.Fatal(err)
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	runtime.ReadMemStats(&after)
	n := float64(calls.Load())
	return result{rate: n / elapsed.Seconds(), perCPU: n / cpu.Seconds(), allocs: float64(after.Mallocs-before.Mallocs) / n}
}

// parkContacts holds n contacts in the state the simulator stored while a
// call waited for its account number, weighs them, and resumes them all.
func parkContacts(ctx context.Context, mem *memRecorder, n int, srv *server.Server) {
	state := mem.parked.Load()
	if state == nil {
		log.Fatal("no call was stored waiting for its account number")
	}
	env := interptest.NewMemEnv(srv.Contacts.Env(srv.DefaultInstanceID, nil))
	eng := &interp.Engine{Env: env}
	var proto interp.Contact
	if err := json.Unmarshal(*state, &proto); err != nil {
		log.Fatal(err)
	}

	goroutines := runtime.NumGoroutine()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	parked := make([]*interp.Contact, n)
	for i := range parked {
		// Each contact is decoded from the stored state, as a node that
		// resumes a contact does, under an id of its own.
		c := new(interp.Contact)
		if err := json.Unmarshal(*state, c); err != nil {
			log.Fatal(err)
		}
		c.ContactID = "c-" + strconv.Itoa(i)
		parked[i] = c
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	fmt.Printf("\n%d contacts parked waiting for input (the account number, after the function call, with 6 attributes and $.External):\n", n)
	fmt.Printf("  heap per parked contact  %8.0f B   (limit 4096 B)\n", heap)
	fmt.Printf("  stored state per contact %8d B   (the interp.Contact JSON the simulator persists)\n", len(*state))
	fmt.Printf("  goroutines               %8d before, %d while parked (no goroutine per contact)\n", goroutines, runtime.NumGoroutine())

	// Every parked contact is live: the caller's keys resume it to the end.
	at := proto.Wait.Deadline.Add(-time.Second)
	start := time.Now()
	for _, c := range parked {
		if _, err := eng.Step(c, interp.Event{Kind: interp.EventDigits, Time: at, Digits: "12345678"}); err != nil {
			log.Fatal(err)
		}
		for c.Status() == interp.StatusParked {
			w := c.Wait
			if _, err := eng.Step(c, interp.Event{Kind: interp.EventPromptDone, Time: at.Add(5 * time.Second), Seq: w.Seq}); err != nil {
				log.Fatal(err)
			}
		}
		if c.Attributes["account"] != "12345678" || !c.Ended {
			log.Fatalf("contact %s did not finish: %+v", c.ContactID, c.Attributes)
		}
	}
	fmt.Printf("  resumed all %d with their keys to the end: %.1f µs each\n", n, float64(time.Since(start).Microseconds())/float64(n))
	runtime.KeepAlive(parked)
}
