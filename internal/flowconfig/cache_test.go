package flowconfig_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// The lookup function caches the items it reads; every write path of the
// table must show in the very next lookup.
func TestLookupFollowsEveryWrite(t *testing.T) {
	ctx := context.Background()
	r := &arnResolver{fakeResolver: newResolver(), arns: map[string]string{
		inst + "|Sales": queueARN, inst + "|" + queueARN: queueARN, inst + "|Info": flowARN,
	}}
	s, _ := newService(t, r)
	t.Cleanup(s.RegisterBuiltin())
	fns := newFunctions(t)
	arn, err := s.EnsureBinding(ctx, fns, "us-east-1", "000000000000")
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(pk, rt string) (flowconfig.Item, error) {
		t.Helper()
		// Twice: the second answer comes from the cache, and must be the
		// same.
		var answers [2]flowconfig.Item
		var errs [2]error
		for i := range answers {
			resp, err := fns.TestInvoke(ctx, arn, event(instARN, map[string]string{"Primary_Key": pk, "Resource_Type": rt}), time.Second)
			if errs[i] = err; err != nil {
				continue
			}
			if err := json.Unmarshal(resp, &answers[i]); err != nil {
				t.Fatalf("the answer is not a string map: %s", resp)
			}
			resp[len(resp)-2] = 'X' // the caller's to change: the next answer is intact
		}
		if !reflect.DeepEqual(answers[0], answers[1]) || (errs[0] == nil) != (errs[1] == nil) {
			t.Fatalf("lookup %s %s: the second answer (%v, %v) differs from the first (%v, %v)", rt, pk, answers[1], errs[1], answers[0], errs[0])
		}
		return answers[0], errs[0]
	}
	want := func(what, pk, rt string, kv ...string) {
		t.Helper()
		got, err := lookup(pk, rt)
		if err != nil {
			t.Fatalf("%s: lookup %s %s: %v", what, rt, pk, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if got[kv[i]] != kv[i+1] {
				t.Fatalf("%s: %s of %s %s is %q; want %q (%v)", what, kv[i], rt, pk, got[kv[i]], kv[i+1], got)
			}
		}
	}
	wantMissing := func(what, pk, rt string) {
		t.Helper()
		if got, err := lookup(pk, rt); !errors.Is(err, lambda.ErrFunction) {
			t.Fatalf("%s: lookup %s %s = %v, %v; want the function's failure", what, rt, pk, got, err)
		}
	}

	// Not there yet (the failure is cached too), then put.
	wantMissing("before any write", "Main", "SteeringMenu")
	if _, err := s.Put(ctx, inst, validMenu, true); err != nil {
		t.Fatal(err)
	}
	want("put", "Main", "SteeringMenu", "Prompt_SteeringMenu_Retry", "Sorry.",
		"Flag_SteeringMenu_NextActionValue_1_Arn", queueARN)

	// Put over it: a new prompt, and option 1 now leads to a flow.
	if _, err := s.Put(ctx, inst, with(validMenu, "Prompt_SteeringMenu_Retry", "Once more.",
		"Flag_SteeringMenu_NextActionType_1", "flow", "Flag_SteeringMenu_NextActionValue_1", "Info"), true); err != nil {
		t.Fatal(err)
	}
	want("put again", "Main", "SteeringMenu", "Prompt_SteeringMenu_Retry", "Once more.",
		"Flag_SteeringMenu_NextActionValue_1_Arn", flowARN)

	// Import, several items at once.
	if _, err := s.Import(ctx, inst, []flowconfig.Item{with(validMenu, "Prompt_SteeringMenu_Retry", "Imported."), validQueue}, true); err != nil {
		t.Fatal(err)
	}
	want("imported", "Main", "SteeringMenu", "Prompt_SteeringMenu_Retry", "Imported.",
		"Flag_SteeringMenu_NextActionValue_1_Arn", queueARN)
	want("imported", "Sales", "Queue", "Prompt_Queue_PreQueue", "Calls are recorded.")

	if err := s.Delete(ctx, inst, "Main", "SteeringMenu", true); err != nil {
		t.Fatal(err)
	}
	wantMissing("deleted", "Main", "SteeringMenu")
	want("another item, kept", "Sales", "Queue", "Prompt_Queue_PreQueue", "Calls are recorded.")

	if err := s.DropInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	wantMissing("instance dropped", "Sales", "Queue")

	// The names are resolved at every lookup: a queue the resolver no
	// longer knows loses its ARN at once.
	if _, err := s.Put(ctx, inst, validMenu, true); err != nil {
		t.Fatal(err)
	}
	want("put after the drop", "Main", "SteeringMenu", "Flag_SteeringMenu_NextActionValue_1_Arn", queueARN)
	delete(r.queues, inst+"|Sales")
	want("queue gone", "Main", "SteeringMenu", "Flag_SteeringMenu_NextActionValue_1_Arn", "")
}
