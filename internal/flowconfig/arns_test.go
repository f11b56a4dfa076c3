package flowconfig_test

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/flowconfig"
)

// arnResolver also resolves references to ARNs, as the server's does.
type arnResolver struct {
	*fakeResolver
	arns map[string]string // "<instance>|<name or ARN>" → ARN
}

func (r *arnResolver) ResolveARNs(_ context.Context, instanceID string, queues, flows []string) ([]string, []string, error) {
	res := func(refs []string, known map[string]bool) []string {
		out := make([]string, len(refs))
		for i, ref := range refs {
			if known[instanceID+"|"+ref] {
				out[i] = r.arns[instanceID+"|"+ref]
			}
		}
		return out
	}
	return res(queues, r.queues), res(flows, r.flows), r.err
}

func TestLookupAddsARNs(t *testing.T) {
	ctx := context.Background()
	r := &arnResolver{fakeResolver: newResolver(), arns: map[string]string{
		inst + "|Sales": queueARN, inst + "|" + queueARN: queueARN, inst + "|Info": flowARN, inst + "|" + flowARN: flowARN,
	}}
	s, _ := newService(t, r)
	t.Cleanup(s.RegisterBuiltin())
	// A menu naming a queue, a queue by ARN, a flow, another menu, an
	// external number and a queue that does not exist (forced in); and an
	// attribute name encoding/json escapes, which the fast reader leaves to
	// the general one.
	menu := with(validMenu,
		"Flag_SteeringMenu_NextActionType_3", "flow", "Flag_SteeringMenu_NextActionValue_3", "Info",
		"Flag_SteeringMenu_NextActionType_4", "external", "Flag_SteeringMenu_NextActionValue_4", "+442079460999",
		"Flag_SteeringMenu_NextActionType_5", "queue", "Flag_SteeringMenu_NextActionValue_5", "Gone")
	odd := with(menu, "Primary_Key", "Odd", "Note <&>", "x")
	if _, err := s.Import(ctx, inst, []flowconfig.Item{validDelivery, menu, odd, validMore, validQueue,
		item("Holiday", "Calendar", "Flag_X", "queue", "Queue_DeliveryId_DefaultQueue", "Sales")}, true); err != nil {
		t.Fatal(err)
	}
	fns := newFunctions(t)
	arn, err := s.EnsureBinding(ctx, fns, "us-east-1", "000000000000")
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(pk, rt string) flowconfig.Item {
		t.Helper()
		resp, err := fns.TestInvoke(ctx, arn, event(instARN, map[string]string{"Primary_Key": pk, "Resource_Type": rt}), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var m flowconfig.Item
		if err := json.Unmarshal(resp, &m); err != nil {
			t.Fatalf("the answer is not a string map: %s", resp)
		}
		return m
	}
	plus := func(it flowconfig.Item, kv ...string) flowconfig.Item {
		c := maps.Clone(it)
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i]] = kv[i+1]
		}
		return c
	}
	wantMenu := plus(menu,
		"Flag_SteeringMenu_NextActionValue_1_Arn", queueARN,
		"Flag_SteeringMenu_NextActionValue_3_Arn", flowARN,
		"Flag_SteeringMenu_NextActionValue_Default_Arn", queueARN)
	for _, tc := range []struct {
		name, pk, rt string
		want         flowconfig.Item
	}{
		{"menu: names and ARNs resolved, nothing for a menu, a number or a queue that does not exist", "Main", "SteeringMenu", wantMenu},
		{"escaped attribute name", "Odd", "SteeringMenu", plus(wantMenu, "Primary_Key", "Odd", "Note <&>", "x")},
		{"delivery: the default queue; a menu destination has no ARN", "+442079460100", "DeliveryId",
			plus(validDelivery, "Queue_DeliveryId_DefaultQueue_Arn", queueARN)},
		{"queue: out of hours to a menu", "Sales", "Queue", validQueue},
		{"a type of your own is answered as stored", "Holiday", "Calendar", item("Holiday", "Calendar", "Flag_X", "queue", "Queue_DeliveryId_DefaultQueue", "Sales")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookup(tc.pk, tc.rt); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}

	// Out of hours to a queue and to a flow.
	q := with(validQueue, "Flag_Queue_OutOfHourActionType", "queue", "Flag_Queue_OutOfHourActionValue", queueARN)
	f := with(validQueue, "Primary_Key", "Support", "Flag_Queue_OutOfHourActionType", "flow", "Flag_Queue_OutOfHourActionValue", "Info")
	if _, err := s.Import(ctx, inst, []flowconfig.Item{q, f}, false); err != nil {
		t.Fatal(err)
	}
	if got, want := lookup("Sales", "Queue"), plus(q, "Flag_Queue_OutOfHourActionValue_Arn", queueARN); !reflect.DeepEqual(got, want) {
		t.Errorf("queue out of hours to a queue: got %v", got)
	}
	if got, want := lookup("Support", "Queue"), plus(f, "Flag_Queue_OutOfHourActionValue_Arn", flowARN); !reflect.DeepEqual(got, want) {
		t.Errorf("queue out of hours to a flow: got %v", got)
	}

	// A resolver that fails fails the lookup: a flow must not take a
	// destination for unresolvable when the store could not answer.
	r.err = context.DeadlineExceeded
	if _, err := fns.TestInvoke(ctx, arn, event(instARN, map[string]string{"Primary_Key": "Main", "Resource_Type": "SteeringMenu"}), time.Second); err == nil {
		t.Error("the lookup succeeded although the references could not be resolved")
	}
}
