package connect_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func createFlow(t *testing.T, c *connect.Client, inst, name string, typ types.ContactFlowType) string {
	t.Helper()
	out, err := c.CreateContactFlow(context.Background(), &connect.CreateContactFlowInput{
		InstanceId: aws.String(inst), Name: aws.String(name), Type: typ, Content: aws.String(readFixture(t, "hello.json")),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ContactFlowId)
}

func TestContactFlowLifecycle(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	inst := aws.String(ts.DefaultInstanceID)
	content := readFixture(t, "hello.json")

	created, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Hello"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(content), Description: aws.String("says hello"),
		Tags: map[string]string{"team": "voice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.ContactFlowId)
	if !strings.HasSuffix(aws.ToString(created.ContactFlowArn), "/contact-flow/"+id) ||
		!strings.HasPrefix(aws.ToString(created.ContactFlowArn), "arn:aws:connect:us-east-1:000000000000:instance/"+ts.DefaultInstanceID) {
		t.Fatalf("unexpected ARN %s", aws.ToString(created.ContactFlowArn))
	}
	if len(aws.ToString(created.FlowContentSha256)) != 64 {
		t.Fatalf("FlowContentSha256 = %q", aws.ToString(created.FlowContentSha256))
	}

	// By id and by ARN, with the content byte for byte (Metadata included).
	for _, ref := range []string{id, aws.ToString(created.ContactFlowArn)} {
		got, err := c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: inst, ContactFlowId: aws.String(ref)})
		if err != nil {
			t.Fatal(err)
		}
		f := got.ContactFlow
		if aws.ToString(f.Content) != content || aws.ToString(f.Name) != "Hello" || f.Status != types.ContactFlowStatusPublished ||
			f.State != types.ContactFlowStateActive || f.Type != types.ContactFlowTypeContactFlow || f.Tags["team"] != "voice" ||
			f.LastModifiedTime == nil {
			t.Fatalf("describe(%s) = %+v", ref, f)
		}
	}

	// Pagination across pages, and the type filter.
	for _, name := range []string{"Two", "Three"} {
		if _, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
			InstanceId: inst, Name: aws.String(name), Type: types.ContactFlowTypeCustomerQueue, Content: aws.String(content),
		}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := connect.NewListContactFlowsPaginator(c, &connect.ListContactFlowsInput{InstanceId: inst, MaxResults: aws.Int32(1)})
	pages := eachPage(t, p, func(out *connect.ListContactFlowsOutput) {
		for _, s := range out.ContactFlowSummaryList {
			names = append(names, aws.ToString(s.Name))
		}
	})
	if len(names) != 3 || pages < 3 {
		t.Fatalf("listed %v in %d pages", names, pages)
	}
	queued, err := c.ListContactFlows(ctx, &connect.ListContactFlowsInput{
		InstanceId: inst, ContactFlowTypes: []types.ContactFlowType{types.ContactFlowTypeCustomerQueue},
	})
	if err != nil || len(queued.ContactFlowSummaryList) != 2 {
		t.Fatalf("type filter: %v %v", queued, err)
	}

	// Updates.
	newContent := strings.Replace(content, "Hello,", "Welcome,", 1)
	if _, err := c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: inst, ContactFlowId: aws.String(id), Content: aws.String(newContent),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateContactFlowName(ctx, &connect.UpdateContactFlowNameInput{
		InstanceId: inst, ContactFlowId: aws.String(id), Name: aws.String("Welcome"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateContactFlowMetadata(ctx, &connect.UpdateContactFlowMetadataInput{
		InstanceId: inst, ContactFlowId: aws.String(id), ContactFlowState: types.ContactFlowStateArchived,
	}); err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart.
	ts.Restart(t)
	c = ts.Connect()
	got, err := c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: inst, ContactFlowId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ContactFlow.Content) != newContent || aws.ToString(got.ContactFlow.Name) != "Welcome" ||
		got.ContactFlow.State != types.ContactFlowStateArchived {
		t.Fatalf("after restart: %+v", got.ContactFlow)
	}

	if _, err := c.DeleteContactFlow(ctx, &connect.DeleteContactFlowInput{InstanceId: inst, ContactFlowId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: inst, ContactFlowId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// The name is free again.
	if _, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Welcome"), Type: types.ContactFlowTypeContactFlow, Content: aws.String(content),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestContactFlowSavedDraft(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	inst := aws.String(ts.DefaultInstanceID)

	// A saved flow is not validated and is not published.
	created, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Draft"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(`{"Version":"2019-10-30","StartAction":"nowhere","Actions":[]}`), Status: types.ContactFlowStatusSaved,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: inst, ContactFlowId: created.ContactFlowId})
	wantAPIError(t, err, "ContactFlowNotPublishedException", 404)
	got, err := c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{
		InstanceId: inst, ContactFlowId: aws.String(aws.ToString(created.ContactFlowId) + ":$SAVED"),
	})
	if err != nil || got.ContactFlow.Status != types.ContactFlowStatusSaved {
		t.Fatalf("describe draft: %v %v", got, err)
	}
	// Publishing validates.
	_, err = c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: inst, ContactFlowId: created.ContactFlowId,
		Content: aws.String(`{"Version":"2019-10-30","StartAction":"nowhere","Actions":[]}`),
	})
	wantAPIError(t, err, "InvalidContactFlowException", 400)
	var invalid *types.InvalidContactFlowException
	if !errors.As(err, &invalid) || invalid.Problems == nil || len(invalid.Problems) == 0 {
		t.Fatalf("InvalidContactFlowException without problems: %v", err)
	}
	if _, err := c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: inst, ContactFlowId: created.ContactFlowId, Content: aws.String(readFixture(t, "hello.json")),
	}); err != nil {
		t.Fatal(err)
	}
	pub, err := c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: inst, ContactFlowId: created.ContactFlowId})
	if err != nil || pub.ContactFlow.Status != types.ContactFlowStatusPublished {
		t.Fatalf("after publishing: %v %v", pub, err)
	}
}
