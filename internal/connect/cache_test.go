package connect_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/server"
)

// LambdaAllowed and ResolveARNs answer from a cache; every write through
// the API must show in their very next answer.

func TestLambdaAllowedFollowsWrites(t *testing.T) {
	ctx := context.Background()
	ts, c, _ := startServer(t, server.Config{})
	inst := createInstance(t, c, "cached")
	instARN := "arn:aws:connect:us-east-1:000000000000:instance/" + inst
	fn := fnARN + "cached"
	want := func(what string, allowed bool) {
		t.Helper()
		// By id and by ARN, each twice: the second answer is the cache's.
		for _, ref := range []string{inst, instARN, inst, instARN} {
			if ok, err := ts.Server.Connect.LambdaAllowed(ctx, ref, fn); ok != allowed || err != nil {
				t.Fatalf("%s: LambdaAllowed(%s) = %v, %v; want %v", what, ref, ok, err, allowed)
			}
		}
	}
	associate := func() {
		t.Helper()
		if _, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fn)}); err != nil {
			t.Fatal(err)
		}
	}

	want("never associated", false)
	associate()
	want("associated", true)
	if _, err := c.DisassociateLambdaFunction(ctx, &connect.DisassociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	want("disassociated", false)
	associate()
	want("associated again", true)
	if _, err := c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: aws.String(inst)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if ok, err := ts.Server.Connect.LambdaAllowed(ctx, inst, fn); ok || !apierr.Is(err, "ResourceNotFoundException") {
			t.Fatalf("after DeleteInstance: LambdaAllowed = %v, %v; want ResourceNotFoundException", ok, err)
		}
	}
}

func TestResolveARNsFollowsWrites(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})
	hours := aws.ToString(createHours(t, c, inst, "Office").HoursOfOperationId)
	base := "arn:aws:connect:us-east-1:000000000000:instance/" + inst
	queues, flows := []string{"Sales", "Sales2"}, []string{"Info", "Info2"}
	want := func(what string, wantQ, wantF []string) {
		t.Helper()
		for range 2 { // the second answer is the cache's
			q, f, err := ts.Server.Connect.ResolveARNs(ctx, inst, queues, flows)
			if err != nil || !reflect.DeepEqual(q, wantQ) || !reflect.DeepEqual(f, wantF) {
				t.Fatalf("%s: ResolveARNs = %q, %q, %v; want %q, %q", what, q, f, err, wantQ, wantF)
			}
		}
	}

	want("nothing created", []string{"", ""}, []string{"", ""})
	q := createQueue(t, c, inst, "Sales", hours)
	qARN := base + "/queue/" + q
	want("queue created", []string{qARN, ""}, []string{"", ""})
	f := createFlow(t, c, inst, "Info", types.ContactFlowTypeContactFlow)
	fARN := base + "/contact-flow/" + f
	want("flow created", []string{qARN, ""}, []string{fARN, ""})

	if _, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{InstanceId: aws.String(inst), QueueId: aws.String(q), Name: aws.String("Sales2")}); err != nil {
		t.Fatal(err)
	}
	want("queue renamed", []string{"", qARN}, []string{fARN, ""})
	if _, err := c.UpdateContactFlowName(ctx, &connect.UpdateContactFlowNameInput{InstanceId: aws.String(inst), ContactFlowId: aws.String(f), Name: aws.String("Info2")}); err != nil {
		t.Fatal(err)
	}
	want("flow renamed", []string{"", qARN}, []string{"", fARN})

	if _, err := c.DeleteQueue(ctx, &connect.DeleteQueueInput{InstanceId: aws.String(inst), QueueId: aws.String(q)}); err != nil {
		t.Fatal(err)
	}
	want("queue deleted", []string{"", ""}, []string{"", fARN})
	if _, err := c.DeleteContactFlow(ctx, &connect.DeleteContactFlowInput{InstanceId: aws.String(inst), ContactFlowId: aws.String(f)}); err != nil {
		t.Fatal(err)
	}
	want("flow deleted", []string{"", ""}, []string{"", ""})

	// A queue recreated under the old name is a new queue with a new ARN.
	q = createQueue(t, c, inst, "Sales", hours)
	want("queue recreated", []string{base + "/queue/" + q, ""}, []string{"", ""})

	// And an instance deleted takes its names with it.
	other := createInstance(t, c, "doomed")
	oq := createQueue(t, c, other, "Sales", aws.ToString(createHours(t, c, other, "Office").HoursOfOperationId))
	resolve := func() []string {
		t.Helper()
		got, _, err := ts.Server.Connect.ResolveARNs(ctx, other, []string{"Sales"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := resolve(); got[0] != "arn:aws:connect:us-east-1:000000000000:instance/"+other+"/queue/"+oq {
		t.Fatalf("the other instance's queue resolved to %q", got)
	}
	if _, err := c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	if got := resolve(); got[0] != "" {
		t.Fatalf("after DeleteInstance the queue resolved to %q", got)
	}
}

func TestNumberRouteFollowsWrites(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})
	const number = "+15555550142"
	want := func(what, flow string) {
		t.Helper()
		for range 2 { // the second answer is the cache's
			if gotInst, gotFlow, err := ts.Server.Connect.NumberRoute(ctx, number); err != nil || gotInst != inst || gotFlow != flow {
				t.Fatalf("%s: NumberRoute = %s, %s, %v; want %s, %q", what, gotInst, gotFlow, err, inst, flow)
			}
		}
	}
	id := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String(number), InstanceId: aws.String(inst)}).PhoneNumberId
	want("claimed", "")
	flow := createFlow(t, c, inst, "Routed", types.ContactFlowTypeContactFlow)
	if _, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		PhoneNumberId: id, InstanceId: aws.String(inst), ContactFlowId: aws.String(flow)}); err != nil {
		t.Fatal(err)
	}
	want("associated", flow)
	if _, err := c.DeleteContactFlow(ctx, &connect.DeleteContactFlowInput{InstanceId: aws.String(inst), ContactFlowId: aws.String(flow)}); err != nil {
		t.Fatal(err)
	}
	want("flow deleted", "")
	if _, err := c.ReleasePhoneNumber(ctx, &connect.ReleasePhoneNumberInput{PhoneNumberId: id}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := ts.Server.Connect.NumberRoute(ctx, number); !apierr.Is(err, "ResourceNotFoundException") {
			t.Fatalf("released: NumberRoute error %v, want ResourceNotFoundException", err)
		}
	}
}
