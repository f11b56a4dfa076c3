package journey_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/flow/interp/interptest"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// nopRecorder keeps nothing.
type nopRecorder struct{}

func (nopRecorder) Put(context.Context, *contacts.Record) error { return nil }
func (nopRecorder) Get(context.Context, string, string) (*contacts.Record, error) {
	return nil, nil
}

// BenchmarkDemoJourney runs the demo journey bench/journey measures (keys 1
// then 1, queued in HarbourBikes_Sales_Online) through a simulator over a
// live server's services, with the instance's flows and queues in memory
// and with the server's own Env; the recorder drops the records. CPU time
// per journey (cpu-ns/op) holds on a busy machine:
//
//	go test -run X -bench DemoJourney -cpu 1 ./internal/journey
func BenchmarkDemoJourney(b *testing.B) {
	ts := testserver.Start(b, server.Config{})
	ctx := context.Background()
	if _, err := journey.SetupDemo(ctx, ts.Connect(), ts.FlowConfig, ts.DefaultInstanceID, ts.LookupARN); err != nil {
		b.Fatal(err)
	}
	call := &voice.Call{To: journey.DemoNumber, At: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		Script: voice.Script{Presses: []string{"1", "1"}, QueueTime: voice.Duration(time.Second)}}
	for _, bc := range []struct {
		name string
		env  func(id string) interp.Env
	}{
		{"memory", func(id string) interp.Env { return interptest.NewMemEnv(ts.Contacts.Env(id, nil)) }},
		{"server", func(id string) interp.Env { return ts.Contacts.Env(id, nil) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sim := voice.New(voice.Config{Route: ts.Server.Connect.NumberRoute, Env: bc.env,
				Invoker:  &lambda.Invoker{Functions: ts.Functions, Allowed: ts.Server.Connect.LambdaAllowed},
				Recorder: nopRecorder{}})
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				rec, err := sim.Run(ctx, call)
				if err != nil || rec.Report.Outcome.Disposition != voice.Queued || rec.Report.Outcome.Queue.Name != "HarbourBikes_Sales_Online" {
					b.Fatalf("%v %+v", err, rec.Report.Outcome)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recordingInvoker passes invocations on and keeps them.
type recordingInvoker struct {
	next  voice.Invoker
	mu    sync.Mutex
	calls []invocation
}

type invocation struct {
	instanceID, functionARN string
	event                   []byte
}

func (r *recordingInvoker) Invoke(ctx context.Context, instanceID, functionARN string, event []byte, limit time.Duration) ([]byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, invocation{instanceID, functionARN, append([]byte(nil), event...)})
	r.mu.Unlock()
	return r.next.Invoke(ctx, instanceID, functionARN, event, limit)
}

// BenchmarkDemoLookups replays the four lookups of the demo journey (the
// events its flows sent) through the server's function invoker: the
// allow-list check, the binding, the built-in lookup reading the item and
// resolving its names to ARNs. One op is the four lookups of one journey.
//
//	go test -run X -bench DemoLookups -cpu 1 ./internal/journey
func BenchmarkDemoLookups(b *testing.B) {
	ts := testserver.Start(b, server.Config{})
	ctx := context.Background()
	if _, err := journey.SetupDemo(ctx, ts.Connect(), ts.FlowConfig, ts.DefaultInstanceID, ts.LookupARN); err != nil {
		b.Fatal(err)
	}
	invoker := &lambda.Invoker{Functions: ts.Functions, Allowed: ts.Server.Connect.LambdaAllowed}
	rec := &recordingInvoker{next: invoker}
	sim := voice.New(voice.Config{Route: ts.Server.Connect.NumberRoute,
		Env:     func(id string) interp.Env { return interptest.NewMemEnv(ts.Contacts.Env(id, nil)) },
		Invoker: rec, Recorder: nopRecorder{}})
	call := &voice.Call{To: journey.DemoNumber, At: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		Script: voice.Script{Presses: []string{"1", "1"}, QueueTime: voice.Duration(time.Second)}}
	if _, err := sim.Run(ctx, call); err != nil {
		b.Fatal(err)
	}
	if len(rec.calls) != 4 {
		b.Fatalf("the journey made %d invocations, want the 4 lookups", len(rec.calls))
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		for _, c := range rec.calls {
			if _, err := invoker.Invoke(ctx, c.instanceID, c.functionARN, c.event, 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}
