package connect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// queueFixture is what queues refer to: two hours of operation, a phone
// number claimed to the instance and an outbound whisper flow.
type queueFixture struct {
	inst                       string
	hours, hoursARN, hours2    string
	phone, phoneARN, whisperID string
}

func newQueueFixture(t *testing.T, c *connect.Client, inst string) queueFixture {
	t.Helper()
	h := createHours(t, c, inst, "Office")
	h2 := createHours(t, c, inst, "Late")
	phone := claim(t, c, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(inst), PhoneNumber: aws.String("+15555550100")})
	return queueFixture{
		inst: inst, hours: aws.ToString(h.HoursOfOperationId), hoursARN: aws.ToString(h.HoursOfOperationArn),
		hours2: aws.ToString(h2.HoursOfOperationId),
		phone:  aws.ToString(phone.PhoneNumberId), phoneARN: aws.ToString(phone.PhoneNumberArn),
		whisperID: createFlow(t, c, inst, "Whisper", types.ContactFlowTypeOutboundWhisper),
	}
}

func createQueue(t *testing.T, c *connect.Client, inst, name, hours string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &connect.CreateQueueInput{
		InstanceId: aws.String(inst), Name: aws.String(name), HoursOfOperationId: aws.String(hours),
	})
	if err != nil {
		t.Fatalf("creating queue %s: %v", name, err)
	}
	return aws.ToString(out.QueueId)
}

func describeQueue(t *testing.T, c *connect.Client, inst, ref string) *types.Queue {
	t.Helper()
	out, err := c.DescribeQueue(context.Background(), &connect.DescribeQueueInput{InstanceId: aws.String(inst), QueueId: aws.String(ref)})
	if err != nil {
		t.Fatalf("describing queue %s: %v", ref, err)
	}
	return out.Queue
}

func listQueueNames(t *testing.T, c *connect.Client, inst string, queueTypes []types.QueueType, pageSize int32) []string {
	t.Helper()
	var names []string
	p := connect.NewListQueuesPaginator(c, &connect.ListQueuesInput{
		InstanceId: aws.String(inst), QueueTypes: queueTypes, MaxResults: aws.Int32(pageSize),
	})
	pages := eachPage(t, p, func(out *connect.ListQueuesOutput) {
		for _, q := range out.QueueSummaryList {
			if q.Arn == nil || q.Id == nil || q.QueueType != types.QueueTypeStandard || q.LastModifiedTime == nil {
				t.Fatalf("summary without Arn, Id, QueueType STANDARD or LastModifiedTime: %+v", q)
			}
			names = append(names, aws.ToString(q.Name))
		}
	})
	wantFullPages(t, "queues", len(names), pages, pageSize)
	return names
}

func TestQueueLifecycle(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	f := newQueueFixture(t, c, ts.DefaultInstanceID)
	inst := aws.String(f.inst)

	// References may be ids or ARNs; the queue keeps ids.
	created, err := c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Sales"), Description: aws.String("new business"),
		HoursOfOperationId: aws.String(f.hoursARN), MaxContacts: aws.Int32(10),
		OutboundCallerConfig: &types.OutboundCallerConfig{
			OutboundCallerIdName: aws.String("Acme Sales"), OutboundCallerIdNumberId: aws.String(f.phoneARN),
			OutboundFlowId: aws.String(f.whisperID),
		},
		Tags: map[string]string{"dept": "sales"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(created.QueueId), aws.ToString(created.QueueArn)
	if arn != "arn:aws:connect:us-east-1:000000000000:instance/"+f.inst+"/queue/"+id {
		t.Fatalf("unexpected ARN %s", arn)
	}
	for _, ref := range []string{id, arn} {
		q := describeQueue(t, c, f.inst, ref)
		oc := q.OutboundCallerConfig
		if aws.ToString(q.QueueId) != id || aws.ToString(q.QueueArn) != arn || aws.ToString(q.Name) != "Sales" ||
			aws.ToString(q.Description) != "new business" || aws.ToString(q.HoursOfOperationId) != f.hours ||
			aws.ToInt32(q.MaxContacts) != 10 || q.Status != types.QueueStatusEnabled || q.Tags["dept"] != "sales" ||
			q.LastModifiedTime == nil || aws.ToString(q.LastModifiedRegion) != "us-east-1" ||
			oc == nil || aws.ToString(oc.OutboundCallerIdName) != "Acme Sales" ||
			aws.ToString(oc.OutboundCallerIdNumberId) != f.phone || aws.ToString(oc.OutboundFlowId) != f.whisperID {
			t.Fatalf("describe(%s) = %+v %+v", ref, q, oc)
		}
	}
	// The engine's view.
	view, err := ts.Server.Connect.Queue(ctx, f.inst, arn)
	if err != nil {
		t.Fatal(err)
	}
	if want := (hconnect.Queue{
		ID: id, Name: "Sales", HoursOfOperationID: f.hours, Status: "ENABLED", MaxContacts: view.MaxContacts,
		OutboundCallerIDName: "Acme Sales", OutboundCallerIDNumberID: f.phone, OutboundFlowID: f.whisperID,
	}); *view != want || aws.ToInt32(view.MaxContacts) != 10 {
		t.Fatalf("Queue() = %+v", view)
	}

	// Pages of one; every queue is STANDARD.
	createQueue(t, c, f.inst, "Support", f.hours)
	createQueue(t, c, f.inst, "Billing", f.hours2)
	all := []string{"Sales", "Support", "Billing"}
	if names := listQueueNames(t, c, f.inst, nil, 1); !sameSet(names, all) {
		t.Fatalf("listed %v", names)
	}
	if names := listQueueNames(t, c, f.inst, []types.QueueType{types.QueueTypeStandard}, 2); !sameSet(names, all) {
		t.Fatalf("STANDARD: %v", names)
	}
	if names := listQueueNames(t, c, f.inst, []types.QueueType{types.QueueTypeAgent}, 2); len(names) != 0 {
		t.Fatalf("AGENT: %v", names)
	}

	// Each update.
	if _, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{
		InstanceId: inst, QueueId: aws.String(id), Name: aws.String("Sales EMEA"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{
		InstanceId: inst, QueueId: aws.String(arn), Description: aws.String("EMEA sales"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateQueueHoursOfOperation(ctx, &connect.UpdateQueueHoursOfOperationInput{
		InstanceId: inst, QueueId: aws.String(id), HoursOfOperationId: aws.String(f.hours2),
	}); err != nil {
		t.Fatal(err)
	}
	// The whole configuration is replaced: number and flow go.
	if _, err := c.UpdateQueueOutboundCallerConfig(ctx, &connect.UpdateQueueOutboundCallerConfigInput{
		InstanceId: inst, QueueId: aws.String(id), OutboundCallerConfig: &types.OutboundCallerConfig{OutboundCallerIdName: aws.String("Acme")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateQueueStatus(ctx, &connect.UpdateQueueStatusInput{
		InstanceId: inst, QueueId: aws.String(id), Status: types.QueueStatusDisabled,
	}); err != nil {
		t.Fatal(err)
	}
	// Leaving MaxContacts out removes the limit.
	if _, err := c.UpdateQueueMaxContacts(ctx, &connect.UpdateQueueMaxContactsInput{InstanceId: inst, QueueId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	// Support still holds the Office hours; once it is gone they can go.
	_, err = c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: inst, HoursOfOperationId: aws.String(f.hours)})
	wantAPIError(t, err, "ResourceInUseException", 409)
	if _, err := c.DeleteQueue(ctx, &connect.DeleteQueueInput{
		InstanceId: inst, QueueId: aws.String(listQueueIDs(t, c, f.inst)["Support"]),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: inst, HoursOfOperationId: aws.String(f.hours)}); err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart.
	ts.Restart(t)
	c = ts.Connect()
	q := describeQueue(t, c, f.inst, id)
	if aws.ToString(q.Name) != "Sales EMEA" || aws.ToString(q.Description) != "EMEA sales" ||
		aws.ToString(q.HoursOfOperationId) != f.hours2 || q.Status != types.QueueStatusDisabled || q.MaxContacts != nil ||
		q.OutboundCallerConfig == nil || aws.ToString(q.OutboundCallerConfig.OutboundCallerIdName) != "Acme" ||
		q.OutboundCallerConfig.OutboundCallerIdNumberId != nil || q.OutboundCallerConfig.OutboundFlowId != nil ||
		q.Tags["dept"] != "sales" {
		t.Fatalf("after restart: %+v %+v", q, q.OutboundCallerConfig)
	}
	if names := listQueueNames(t, c, f.inst, nil, 1); !sameSet(names, []string{"Sales EMEA", "Billing"}) {
		t.Fatalf("after restart listed %v", names)
	}

	for _, name := range []string{"Sales EMEA", "Billing"} {
		qid := listQueueIDs(t, c, f.inst)[name]
		if _, err := c.DeleteQueue(ctx, &connect.DeleteQueueInput{InstanceId: inst, QueueId: aws.String(qid)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeQueue(ctx, &connect.DescribeQueueInput{InstanceId: inst, QueueId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// With its queues gone, the Late hours can go; the name Sales EMEA is free.
	if _, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: inst, HoursOfOperationId: aws.String(f.hours2)}); err != nil {
		t.Fatal(err)
	}
	createQueue(t, c, f.inst, "Sales EMEA", aws.ToString(createHours(t, c, f.inst, "Again").HoursOfOperationId))
}

func TestQueueErrors(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{Quotas: hconnect.Quotas{QueuesPerInstance: 3}})
	c := ts.Connect()
	f := newQueueFixture(t, c, ts.DefaultInstanceID)
	inst := aws.String(f.inst)
	created, err := c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Sales"), HoursOfOperationId: aws.String(f.hours), MaxContacts: aws.Int32(5),
		OutboundCallerConfig: &types.OutboundCallerConfig{
			OutboundCallerIdNumberId: aws.String(f.phone), OutboundFlowId: aws.String(f.whisperID),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.QueueId)
	createQueue(t, c, f.inst, "Taken", f.hours2)
	before := describeQueue(t, c, f.inst, id)
	officeBefore := describeHours(t, c, f.inst, f.hours)

	// A number claimed to another instance is not this instance's.
	other := createInstance(t, c, "other")
	foreign := claim(t, c, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(other), PhoneNumber: aws.String("+15555550199")})

	create := func(name, hours string, mod func(*connect.CreateQueueInput)) func() error {
		return func() error {
			in := &connect.CreateQueueInput{InstanceId: inst, Name: aws.String(name), HoursOfOperationId: aws.String(hours)}
			if mod != nil {
				mod(in)
			}
			_, err := c.CreateQueue(ctx, in)
			return err
		}
	}
	caller := func(number, flow string) *types.OutboundCallerConfig {
		return &types.OutboundCallerConfig{OutboundCallerIdNumberId: aws.String(number), OutboundFlowId: aws.String(flow)}
	}
	for _, tc := range []errorCase{
		{"missing hours", create("Nowhere", "no-such-hours", nil), "ResourceNotFoundException", 404},
		{"hours ARN of another instance", create("Nowhere", "arn:aws:connect:us-east-1:000000000000:instance/"+other+"/operating-hours/"+f.hours, nil),
			"ResourceNotFoundException", 404},
		{"unclaimed number", create("Out", f.hours, func(in *connect.CreateQueueInput) {
			in.OutboundCallerConfig = caller("no-such-number", f.whisperID)
		}), "ResourceNotFoundException", 404},
		{"another instance's number", create("Out", f.hours, func(in *connect.CreateQueueInput) {
			in.OutboundCallerConfig = caller(aws.ToString(foreign.PhoneNumberId), f.whisperID)
		}), "ResourceNotFoundException", 404},
		{"missing whisper flow", create("Out", f.hours, func(in *connect.CreateQueueInput) {
			in.OutboundCallerConfig = caller(f.phone, "no-such-flow")
		}), "ResourceNotFoundException", 404},
		{"quick connect", create("Quick", f.hours, func(in *connect.CreateQueueInput) {
			in.QuickConnectIds = []string{"no-such-quick-connect"}
		}), "ResourceNotFoundException", 404},
		{"duplicate name", create("Taken", f.hours, nil), "DuplicateResourceException", 409},
		{"name too long", create(strings.Repeat("q", 128), f.hours, nil), "InvalidParameterException", 400},
		{"negative MaxContacts", create("Neg", f.hours, func(in *connect.CreateQueueInput) { in.MaxContacts = aws.Int32(-1) }),
			"InvalidParameterException", 400},
		{"describe: unknown id", func() error {
			_, err := c.DescribeQueue(ctx, &connect.DescribeQueueInput{InstanceId: inst, QueueId: aws.String("no-such-queue")})
			return err
		}, "ResourceNotFoundException", 404},
		{"rename onto another", func() error {
			_, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{InstanceId: inst, QueueId: aws.String(id), Name: aws.String("Taken")})
			return err
		}, "DuplicateResourceException", 409},
		{"rename with nothing", func() error {
			_, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{InstanceId: inst, QueueId: aws.String(id)})
			return err
		}, "InvalidParameterException", 400},
		{"update: missing hours", func() error {
			_, err := c.UpdateQueueHoursOfOperation(ctx, &connect.UpdateQueueHoursOfOperationInput{
				InstanceId: inst, QueueId: aws.String(id), HoursOfOperationId: aws.String("no-such-hours"),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"update: another instance's number", func() error {
			_, err := c.UpdateQueueOutboundCallerConfig(ctx, &connect.UpdateQueueOutboundCallerConfigInput{
				InstanceId: inst, QueueId: aws.String(id), OutboundCallerConfig: caller(aws.ToString(foreign.PhoneNumberArn), f.whisperID),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"update: unknown status", func() error {
			_, err := c.UpdateQueueStatus(ctx, &connect.UpdateQueueStatusInput{InstanceId: inst, QueueId: aws.String(id), Status: "PAUSED"})
			return err
		}, "InvalidParameterException", 400},
		{"update: unknown queue", func() error {
			_, err := c.UpdateQueueMaxContacts(ctx, &connect.UpdateQueueMaxContactsInput{InstanceId: inst, QueueId: aws.String("no-such-queue"), MaxContacts: aws.Int32(1)})
			return err
		}, "ResourceNotFoundException", 404},
		{"delete: unknown queue", func() error {
			_, err := c.DeleteQueue(ctx, &connect.DeleteQueueInput{InstanceId: inst, QueueId: aws.String("no-such-queue")})
			return err
		}, "ResourceNotFoundException", 404},
		{"delete hours in use", func() error {
			_, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: inst, HoursOfOperationId: aws.String(f.hours)})
			return err
		}, "ResourceInUseException", 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), tc.code, tc.status)
			wantUnchanged(t, "the queue", before, describeQueue(t, c, f.inst, id))
			wantUnchanged(t, "the Office hours", officeBefore, describeHours(t, c, f.inst, f.hours))
			if names := listQueueNames(t, c, f.inst, nil, 100); !sameSet(names, []string{"Sales", "Taken"}) {
				t.Fatalf("queues now %v", names)
			}
		})
	}

	// The in-use error names the hours, and the queue to change first.
	rec := &recordingClient{}
	cfg := ts.AWSConfig()
	cfg.HTTPClient = rec
	_, err = connect.NewFromConfig(cfg).DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{
		InstanceId: inst, HoursOfOperationId: aws.String(f.hours),
	})
	wantAPIError(t, err, "ResourceInUseException", 409)
	rec.wantMembers(t, map[string]string{"ResourceType": "HOURS_OF_OPERATION", "ResourceId": f.hoursARN})
	if !strings.Contains(rec.message(t), id) {
		t.Fatalf("the message does not name the queue: %s", rec.body)
	}

	// The quota is three.
	createQueue(t, c, f.inst, "Third", f.hours)
	wantAPIError(t, create("Fourth", f.hours, nil)(), "LimitExceededException", 429)
}

func listQueueIDs(t *testing.T, c *connect.Client, inst string) map[string]string {
	t.Helper()
	out, err := c.ListQueues(context.Background(), &connect.ListQueuesInput{InstanceId: aws.String(inst)})
	if err != nil {
		t.Fatal(err)
	}
	return idsByName(out.QueueSummaryList, func(q types.QueueSummary) (*string, *string) { return q.Name, q.Id })
}
