package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

const helloFlow = `{"Version":"2019-10-30","StartAction":"bye","Actions":[{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// noClientValidation removes the SDK's own required-member check so the
// server's validation is what answers.
func noClientValidation(o *connect.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

func errorOf(t *testing.T, err error) (code string, status int, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	var httpErr *awshttp.ResponseError
	if errors.As(err, &httpErr) {
		status = httpErr.HTTPStatusCode()
	}
	msg = apiErr.ErrorMessage()
	// The Go SDK reads only the problems list of this error, not a message.
	var invalid *types.InvalidContactFlowException
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			msg += aws.ToString(p.Message) + "\n"
		}
	}
	return apiErr.ErrorCode(), status, msg
}

// snapshot is what a bad request must leave untouched.
func snapshot(t *testing.T, c *connect.Client, inst string) string {
	t.Helper()
	out, err := c.ListContactFlows(context.Background(), &connect.ListContactFlowsInput{InstanceId: aws.String(inst)})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range out.ContactFlowSummaryList {
		d, err := c.DescribeContactFlow(context.Background(), &connect.DescribeContactFlowInput{InstanceId: aws.String(inst), ContactFlowId: s.Id})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(aws.ToString(d.ContactFlow.Name) + "=" + aws.ToString(d.ContactFlow.Content) + ";")
	}
	return b.String()
}

func TestBadInputThroughTheGoSDK(t *testing.T) {
	ctx := context.Background()
	vclock := clock.NewVirtual(time.Now())
	ts := testserver.Start(t, server.Config{Clock: vclock})
	good := connect.NewFromConfig(ts.AWSConfig(), noClientValidation)
	inst := ts.DefaultInstanceID
	existing, err := good.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: aws.String(inst), Name: aws.String("Existing"), Type: types.ContactFlowTypeContactFlow, Content: aws.String(helloFlow),
	})
	if err != nil {
		t.Fatal(err)
	}
	withCreds := func(id, secret string) *connect.Client {
		cfg := ts.AWSConfig()
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
		return connect.NewFromConfig(cfg)
	}
	create := func(c *connect.Client, in connect.CreateContactFlowInput) error {
		if in.InstanceId == nil {
			in.InstanceId = aws.String(inst)
		}
		_, err := c.CreateContactFlow(ctx, &in)
		return err
	}
	valid := connect.CreateContactFlowInput{Name: aws.String("New"), Type: types.ContactFlowTypeContactFlow, Content: aws.String(helloFlow)}
	with := func(f func(*connect.CreateContactFlowInput)) connect.CreateContactFlowInput {
		in := valid
		f(&in)
		return in
	}

	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		inMsg  string
	}{
		{"wrong secret", func() error { return create(withCreds("test", "wrong"), valid) }, "InvalidSignatureException", 403, "signature"},
		{"unknown access key", func() error { return create(withCreds("AKIDUNKNOWN", "test"), valid) }, "UnrecognizedClientException", 403, "security token"},
		{"missing required member", func() error { return create(good, with(func(in *connect.CreateContactFlowInput) { in.Content = nil })) },
			"InvalidParameterException", 400, "'Content'"},
		{"bad enum", func() error {
			return create(good, with(func(in *connect.CreateContactFlowInput) { in.Type = "SOMETHING_ELSE" }))
		}, "InvalidParameterException", 400, "enum value set"},
		{"dangling NextAction", func() error {
			return create(good, with(func(in *connect.CreateContactFlowInput) {
				in.Content = aws.String(strings.Replace(helloFlow, `"Transitions":{}`, `"Transitions":{"NextAction":"ghost"}`, 1))
			}))
		}, "InvalidContactFlowException", 400, "ghost"},
		{"duplicate name", func() error {
			return create(good, with(func(in *connect.CreateContactFlowInput) { in.Name = aws.String("Existing") }))
		},
			"DuplicateResourceException", 409, "Existing"},
		{"unknown instance", func() error {
			return create(good, with(func(in *connect.CreateContactFlowInput) { in.InstanceId = aws.String("nope") }))
		},
			"ResourceNotFoundException", 404, "nope"},
		{"unknown flow id", func() error {
			_, err := good.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: aws.String(inst), ContactFlowId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404, "00000000"},
		{"over-long alias", func() error {
			_, err := good.CreateInstance(ctx, &connect.CreateInstanceInput{
				IdentityManagementType: types.DirectoryTypeConnectManaged, InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true),
				InstanceAlias: aws.String(strings.Repeat("a", 46)),
			})
			return err
		}, "InvalidParameterException", 400, "less than or equal to 45"},
		{"bad pagination token", func() error {
			_, err := good.ListContactFlows(ctx, &connect.ListContactFlowsInput{InstanceId: aws.String(inst), NextToken: aws.String("not-a-token")})
			return err
		}, "InvalidParameterException", 400, "nextToken"},
		{"maxResults out of range", func() error {
			_, err := good.ListContactFlows(ctx, &connect.ListContactFlowsInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(1001)})
			return err
		}, "InvalidParameterException", 400, "1000"},
	}
	before := snapshot(t, good, inst)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, status, msg := errorOf(t, tc.call())
			if code != tc.code || status != tc.status || !strings.Contains(msg, tc.inMsg) {
				t.Fatalf("got %s (%d) %q; want %s (%d) containing %q", code, status, msg, tc.code, tc.status, tc.inMsg)
			}
			if after := snapshot(t, good, inst); after != before {
				t.Fatalf("stored data changed:\n%s\n%s", before, after)
			}
		})
	}

	// A client whose clock is 16 minutes off is refused with the skew message.
	t.Run("skewed clock", func(t *testing.T) {
		vclock.Advance(16 * time.Minute)
		defer vclock.Advance(-16 * time.Minute)
		_, err := good.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: aws.String(inst), ContactFlowId: existing.ContactFlowId})
		code, status, msg := errorOf(t, err)
		if code != "InvalidSignatureException" || status != 403 || !strings.Contains(msg, "Signature expired") {
			t.Fatalf("got %s (%d) %q", code, status, msg)
		}
	})
}
