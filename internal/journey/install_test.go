package journey_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/apierr"
	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/lint"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// TestFlowsLintClean: the flows as written pass every static check for
// their types, warnings included.
func TestFlowsLintClean(t *testing.T) {
	for _, c := range journey.Components() {
		content, err := journey.Content(c.Name)
		if err != nil {
			t.Fatal(err)
		}
		kind := flow.KindFlow
		if c.Type == "" {
			kind = flow.KindModule
		}
		if rep := lint.Lint([]byte(content), kind, lint.Options{FlowType: c.Type}); len(rep.Findings) > 0 {
			t.Errorf("%s: %+v", c.Name, rep.Findings)
		}
	}
}

// instanceResolver answers lint's questions from the connect service.
type instanceResolver struct {
	conn *hconnect.Service
	inst string
}

func found(err error) (bool, error) {
	if apierr.Is(err, "ResourceNotFoundException") {
		return false, nil
	}
	return err == nil, err
}

func (r instanceResolver) FlowExists(ref string) (bool, error) {
	_, err := r.conn.PublishedFlow(context.Background(), r.inst, ref)
	return found(err)
}
func (r instanceResolver) ModuleExists(ref string) (bool, error) {
	_, err := r.conn.PublishedModule(context.Background(), r.inst, ref)
	return found(err)
}
func (r instanceResolver) QueueExists(ref string) (bool, error) {
	_, err := r.conn.Queue(context.Background(), r.inst, ref)
	return found(err)
}
func (r instanceResolver) HoursExists(ref string) (bool, error) {
	_, err := r.conn.HoursOfOperation(context.Background(), r.inst, ref)
	return found(err)
}
func (r instanceResolver) PromptExists(ref string) (bool, error) {
	_, err := r.conn.Prompt(context.Background(), r.inst, ref)
	return found(err)
}
func (r instanceResolver) FunctionAllowed(arn string) (bool, error) {
	return r.conn.LambdaAllowed(context.Background(), r.inst, arn)
}

// TestInstalledFlowsResolve: once installed, every flow and module is
// published, compact, and refers only to what the instance has (the
// lookup function on its allow-list, the modules and flows by ARN).
func TestInstalledFlowsResolve(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()
	api := ts.Connect()
	in, err := journey.Install(ctx, api, ts.DefaultInstanceID, ts.LookupARN)
	if err != nil {
		t.Fatal(err)
	}
	if !in.LookupAssociated || len(in.Resources) != len(journey.Components()) {
		t.Fatalf("installed %+v", in)
	}
	res := instanceResolver{conn: ts.Server.Connect, inst: ts.DefaultInstanceID}
	for _, r := range in.Resources {
		var content string
		kind := flow.KindFlow
		if r.Type == "" {
			kind = flow.KindModule
			m, err := api.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: aws.String(ts.DefaultInstanceID), ContactFlowModuleId: aws.String(r.ID)})
			if err != nil {
				t.Fatal(err)
			}
			content = aws.ToString(m.ContactFlowModule.Content)
		} else {
			f, err := api.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: aws.String(ts.DefaultInstanceID), ContactFlowId: aws.String(r.ID)})
			if err != nil {
				t.Fatal(err)
			}
			if string(f.ContactFlow.Type) != r.Type || f.ContactFlow.Status != "PUBLISHED" {
				t.Errorf("%s: type %s, status %s", r.Name, f.ContactFlow.Type, f.ContactFlow.Status)
			}
			content = aws.ToString(f.ContactFlow.Content)
		}
		if strings.Contains(content, "${") || strings.Contains(content, "\n") {
			t.Errorf("%s is installed with placeholders or not compact: %.200s", r.Name, content)
		}
		if rep := lint.Lint([]byte(content), kind, lint.Options{FlowType: r.Type, Resolver: res}); len(rep.Findings) > 0 {
			t.Errorf("%s: %+v", r.Name, rep.Findings)
		}
	}
}

// TestInstallRefusesAClash: a flow of another type under a journey name is
// not taken over.
func TestInstallRefusesAClash(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()
	api := ts.Connect()
	if _, err := api.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: aws.String(ts.DefaultInstanceID),
		Name: aws.String(journey.QueueFlow), Type: "CUSTOMER_QUEUE",
		Content: aws.String(`{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := journey.Install(ctx, api, ts.DefaultInstanceID, ts.LookupARN)
	if err == nil || !strings.Contains(err.Error(), journey.QueueFlow) || !strings.Contains(err.Error(), "CUSTOMER_QUEUE") {
		t.Fatalf("err = %v", err)
	}
	if _, err := journey.Install(ctx, api, "", ts.LookupARN); err == nil {
		t.Error("installed in no instance")
	}
	if _, err := journey.Install(ctx, api, "00000000-0000-0000-0000-000000000000", ts.LookupARN); err == nil ||
		!strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("an unknown instance: %v", err)
	}
}

// TestLocalConnect: the in-process client goes through the signed API,
// signature check included.
func TestLocalConnect(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()
	good := journey.LocalConnect(ts.Handler(), "us-east-1", "test", "test")
	out, err := good.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(ts.DefaultInstanceID)})
	if err != nil || aws.ToString(out.Instance.Id) != ts.DefaultInstanceID {
		t.Fatalf("DescribeInstance = %+v, %v", out, err)
	}
	bad := journey.LocalConnect(ts.Handler(), "us-east-1", "test", "wrong")
	if _, err := bad.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(ts.DefaultInstanceID)}); err == nil ||
		!strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Errorf("a wrong secret: %v", err)
	}
}
