package flowconfig_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

// event is an Amazon Connect event as the flow interpreter writes it, with
// the parameters given (nil leaves Parameters empty).
func event(instanceARN string, params map[string]string) []byte {
	ev := map[string]any{
		"Details": map[string]any{
			"ContactData": map[string]any{
				"Attributes": map[string]string{}, "Channel": "VOICE", "ContactId": "c-1",
				"InstanceARN": instanceARN, "InitiationMethod": "INBOUND",
			},
			"Parameters": params,
		},
		"Name": "ContactFlowEvent",
	}
	b, _ := json.Marshal(ev)
	return b
}

func newFunctions(t testing.TB) *lambda.Service {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "functions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return lambda.New(lambda.Config{}, db, clock.Real{}, nil)
}

func TestLookupFunction(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	t.Cleanup(s.RegisterBuiltin())
	if _, err := s.Import(ctx, inst, validTable(), false); err != nil {
		t.Fatal(err)
	}
	fns := newFunctions(t)
	arn, err := s.EnsureBinding(ctx, fns, "eu-west-2", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	if arn != "arn:aws:lambda:eu-west-2:123456789012:function:hotline-flowconfig-lookup" || arn != flowconfig.FunctionARN("eu-west-2", "123456789012") {
		t.Fatalf("ARN = %s", arn)
	}
	if b, err := fns.Get(ctx, arn); err != nil || b.Kind != lambda.KindBuiltin || b.Builtin != flowconfig.BuiltinName {
		t.Fatalf("binding = %+v, %v", b, err)
	}

	invoke := func(ev []byte) (map[string]string, error) {
		resp, err := fns.TestInvoke(ctx, arn, ev, time.Second)
		if err != nil {
			return nil, err
		}
		var m map[string]string // a flat string map, or Unmarshal fails
		if err := json.Unmarshal(resp, &m); err != nil {
			t.Fatalf("the answer is not a string map: %s", resp)
		}
		return m, nil
	}

	got, err := invoke(event(instARN, map[string]string{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "Other": "ignored"}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(flowconfig.Item(got), validMenu) {
		t.Errorf("hit = %v, want %v", got, validMenu)
	}

	failures := []struct {
		name string
		ev   []byte
		msg  string
	}{
		{"missing item", event(instARN, map[string]string{"Primary_Key": "Main", "Resource_Type": "Queue"}), `no item found for Primary_Key "Main", Resource_Type "Queue"`},
		{"another instance's table", event(strings.Replace(instARN, inst, other, 1), map[string]string{"Primary_Key": "Main", "Resource_Type": "SteeringMenu"}), "no item found"},
		{"no Primary_Key", event(instARN, map[string]string{"Resource_Type": "Queue"}), "needs the parameters Primary_Key and Resource_Type"},
		{"no Resource_Type", event(instARN, map[string]string{"Primary_Key": "Sales"}), "needs the parameters"},
		{"empty Primary_Key", event(instARN, map[string]string{"Primary_Key": "", "Resource_Type": "Queue"}), "needs the parameters"},
		{"no parameters", event(instARN, nil), "needs the parameters"},
		{"no instance", []byte(`{"Details": {"ContactData": {}, "Parameters": {"Primary_Key": "Sales", "Resource_Type": "Queue"}}}`), "no Details.ContactData.InstanceARN"},
		{"not an instance ARN", event("arn:aws:connect:us-east-1:000000000000:queue/x", map[string]string{"Primary_Key": "Sales", "Resource_Type": "Queue"}), "is not an instance ARN"},
		{"not an event", []byte(`[1, 2]`), "not an Amazon Connect event"},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			got, err := invoke(tc.ev)
			if !errors.Is(err, lambda.ErrFunction) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, %v; want a function error with %q", got, err, tc.msg)
			}
		})
	}

	// Ensuring again changes nothing; a binding put by someone else stays.
	if again, err := s.EnsureBinding(ctx, fns, "eu-west-2", "123456789012"); err != nil || again != arn {
		t.Fatalf("second EnsureBinding = %s, %v", again, err)
	}
	theirs := &lambda.Binding{FunctionArn: arn, Kind: lambda.KindHTTP, Endpoint: "http://127.0.0.1:3001"}
	if _, err := fns.Put(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureBinding(ctx, fns, "eu-west-2", "123456789012"); err != nil {
		t.Fatal(err)
	}
	if b, _ := fns.Get(ctx, arn); b.Kind != lambda.KindHTTP {
		t.Errorf("EnsureBinding replaced the user's binding: %+v", b)
	}
}

// Two servers in one process each answer for their own instances.
func TestLookupFunctionRoutesToTheInstancesService(t *testing.T) {
	ctx := context.Background()
	r1, r2 := newResolver(), newResolver()
	delete(r1.instances, other)
	delete(r2.instances, inst)
	s1, _ := newService(t, r1)
	s2, _ := newService(t, r2)
	t.Cleanup(s1.RegisterBuiltin())
	unregister2 := s2.RegisterBuiltin()
	defer unregister2()
	if _, err := s1.Import(ctx, inst, []flowconfig.Item{item("k", "Holiday", "Server", "one")}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Import(ctx, other, []flowconfig.Item{item("k", "Holiday", "Server", "two")}, false); err != nil {
		t.Fatal(err)
	}
	fns := newFunctions(t)
	arn, err := s1.EnsureBinding(ctx, fns, "us-east-1", "000000000000")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"Primary_Key": "k", "Resource_Type": "Holiday"}
	for id, want := range map[string]string{inst: "one", other: "two"} {
		resp, err := fns.TestInvoke(ctx, arn, event(strings.Replace(instARN, inst, id, 1), params), time.Second)
		if err != nil || !strings.Contains(string(resp), `"Server":"`+want+`"`) {
			t.Errorf("instance %s: %s, %v; want server %s", id, resp, err, want)
		}
	}
	_, err = fns.TestInvoke(ctx, arn, event(strings.Replace(instARN, inst, "nobody", 1), params), time.Second)
	if err == nil || !strings.Contains(err.Error(), "instance nobody was not found") {
		t.Errorf("an instance no server has: %v", err)
	}

	// Withdrawn, the second server no longer answers; the first is then
	// the only one and answers for everything it is asked.
	unregister2()
	_, err = fns.TestInvoke(ctx, arn, event(strings.Replace(instARN, inst, other, 1), params), time.Second)
	if err == nil || !strings.Contains(err.Error(), "no item found") {
		t.Errorf("after withdrawing the second server: %v", err)
	}
}

func TestEnsureBindingReportsStoreFailures(t *testing.T) {
	s, _ := newService(t, newResolver())
	db, err := bolt.Open(filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	fns := lambda.New(lambda.Config{}, db, clock.Real{}, nil)
	_ = db.Close()
	if _, err := s.EnsureBinding(context.Background(), fns, "us-east-1", "000000000000"); err == nil || apierr.Is(err, "ResourceNotFoundException") {
		t.Errorf("EnsureBinding on a closed store = %v", err)
	}
}

// BenchmarkLookupFunction measures one lookup as a flow makes it, through
// lambda's invoker: about four are made per journey of the demo.
func BenchmarkLookupFunction(b *testing.B) {
	ctx := context.Background()
	s, _ := newService(b, newResolver())
	defer s.RegisterBuiltin()()
	if _, err := s.Import(ctx, inst, validTable(), false); err != nil {
		b.Fatal(err)
	}
	fns := newFunctions(b)
	arn, err := s.EnsureBinding(ctx, fns, "us-east-1", "000000000000")
	if err != nil {
		b.Fatal(err)
	}
	ev := event(instARN, map[string]string{"Primary_Key": "Main", "Resource_Type": "SteeringMenu"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fns.TestInvoke(ctx, arn, ev, time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
