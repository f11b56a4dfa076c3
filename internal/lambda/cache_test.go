package lambda_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/lambda"
)

// The Service caches what an invoked ARN resolves to; every change of a
// binding must show on the very next invocation.
func TestBindingChangesShowOnTheNextInvocation(t *testing.T) {
	ctx := context.Background()
	s := newService(t, lambda.Config{})
	iv := &lambda.Invoker{Functions: s, Allowed: func(context.Context, string, string) (bool, error) { return true, nil }}
	fn := arnPrefix + "cached"
	alias := fn + ":live"
	invoke := func(arn string) error {
		t.Helper()
		resp, err := iv.Invoke(ctx, "inst-1", arn, []byte(event), time.Second)
		if err == nil && string(resp) != event {
			t.Fatalf("Invoke %s = %q; want the echo", arn, resp)
		}
		return err
	}
	step := func(what, arn string, want error) {
		t.Helper()
		// Twice: the second is answered from the cache.
		for range 2 {
			if err := invoke(arn); !errors.Is(err, want) {
				t.Fatalf("%s: Invoke %s = %v; want %v", what, arn, err, want)
			}
		}
	}

	step("no binding yet", fn, lambda.ErrNoBinding)
	step("no binding yet, alias", alias, lambda.ErrNoBinding)
	mustPut(t, s, lambda.Binding{FunctionArn: fn, Kind: lambda.KindBuiltin, Builtin: "test.echo"})
	step("bound", fn, nil)
	step("the unqualified binding serves the alias", alias, nil)

	mustPut(t, s, lambda.Binding{FunctionArn: fn, Kind: lambda.KindBuiltin, Builtin: "test.fail"})
	step("rebound to a failing function", fn, lambda.ErrFunction)
	step("rebound, alias", alias, lambda.ErrFunction)

	mustPut(t, s, lambda.Binding{FunctionArn: alias, Kind: lambda.KindBuiltin, Builtin: "test.echo"})
	step("the alias's own binding", alias, nil)
	step("the function's binding unchanged", fn, lambda.ErrFunction)

	if err := s.Delete(ctx, alias); err != nil {
		t.Fatal(err)
	}
	step("the alias's binding deleted: the function's again", alias, lambda.ErrFunction)
	if err := s.Delete(ctx, fn); err != nil {
		t.Fatal(err)
	}
	step("deleted", fn, lambda.ErrNoBinding)
	step("deleted, alias", alias, lambda.ErrNoBinding)
}
