package lambda_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/lambda"
)

// Built-ins run on runners that are reused: one that panicked or is stuck
// must not hold up the next invocation.
func TestBuiltinRunners(t *testing.T) {
	ctx := context.Background()
	s := newService(t, lambda.Config{})
	echo, panics, stuck := arnPrefix+"echo", arnPrefix+"panics", arnPrefix+"stuck"
	mustPut(t, s, lambda.Binding{FunctionArn: echo, Kind: lambda.KindBuiltin, Builtin: "test.echo"})
	mustPut(t, s, lambda.Binding{FunctionArn: panics, Kind: lambda.KindBuiltin, Builtin: "test.panic"})
	mustPut(t, s, lambda.Binding{FunctionArn: stuck, Kind: lambda.KindBuiltin, Builtin: "test.stubborn"})
	wantEcho := func(what string) {
		t.Helper()
		start := time.Now()
		if resp, err := s.TestInvoke(ctx, echo, []byte(event), time.Second); err != nil || string(resp) != event {
			t.Fatalf("%s: Invoke = %q, %v", what, resp, err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("%s: the echo took %v", what, d)
		}
	}

	wantEcho("first")
	for range 3 {
		if _, err := s.TestInvoke(ctx, panics, []byte(event), time.Second); !errors.Is(err, lambda.ErrFunction) {
			t.Fatalf("a panic: %v", err)
		}
		wantEcho("after a panic")
	}
	// The stubborn built-in keeps its runner for 3 s after its caller gave
	// up; the echo runs on another meanwhile.
	if _, err := s.TestInvoke(ctx, stuck, []byte(event), 50*time.Millisecond); !errors.Is(err, lambda.ErrTimeout) {
		t.Fatalf("a stuck built-in: %v", err)
	}
	wantEcho("while one is stuck")

	// Many at once.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if resp, err := s.TestInvoke(ctx, echo, []byte(event), 5*time.Second); err != nil || string(resp) != event {
				t.Errorf("concurrent Invoke = %q, %v", resp, err)
			}
		})
	}
	wg.Wait()
}
