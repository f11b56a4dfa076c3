package connect_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/server"
)

func TestResolveARNs(t *testing.T) {
	ts, c, inst := startServer(t, server.Config{})
	other := createInstance(t, c, "other")
	hours := aws.ToString(createHours(t, c, inst, "Office").HoursOfOperationId)
	q := createQueue(t, c, inst, "Sales", hours)
	f := createFlow(t, c, inst, "Info", types.ContactFlowTypeContactFlow)
	otherQ := createQueue(t, c, other, "Sales", aws.ToString(createHours(t, c, other, "Office").HoursOfOperationId))
	base := "arn:aws:connect:us-east-1:000000000000:instance/" + inst
	qARN, fARN := base+"/queue/"+q, base+"/contact-flow/"+f

	queues := []string{"Sales", q, qARN, "", "Missing", "Info", base + "/queue/nope", "arn:aws:connect:us-east-1:000000000000:instance/" + other + "/queue/" + otherQ}
	flows := []string{"Info", f, fARN, "Sales", f + ":$SAVED"}
	gotQ, gotF, err := ts.Server.Connect.ResolveARNs(context.Background(), inst, queues, flows)
	if err != nil {
		t.Fatal(err)
	}
	// By name, id or ARN; a flow's name is no queue's; another instance's
	// queue is not this one's.
	if want := []string{qARN, qARN, qARN, "", "", "", "", ""}; !reflect.DeepEqual(gotQ, want) {
		t.Errorf("queues: got %q, want %q", gotQ, want)
	}
	if want := []string{fARN, fARN, fARN, "", ""}; !reflect.DeepEqual(gotF, want) {
		t.Errorf("flows: got %q, want %q", gotF, want)
	}
}
