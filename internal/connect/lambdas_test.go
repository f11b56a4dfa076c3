package connect_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
)

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:"

func listLambdas(t *testing.T, c *connect.Client, inst string, perPage int32) ([]string, int) {
	t.Helper()
	var arns []string
	p := connect.NewListLambdaFunctionsPaginator(c, &connect.ListLambdaFunctionsInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(perPage)})
	pages := eachPage(t, p, func(out *connect.ListLambdaFunctionsOutput) {
		arns = append(arns, out.LambdaFunctions...)
	})
	slices.Sort(arns)
	return arns, pages
}

func TestLambdaAllowList(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})
	fns := []string{fnARN + "lookup", fnARN + "lookup:live", fnARN + "route:$LATEST"}
	for _, fn := range fns {
		if _, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fn)}); err != nil {
			t.Fatal(err)
		}
	}
	if got, pages := listLambdas(t, c, inst, 1); !slices.Equal(got, fns) || pages < 3 {
		t.Fatalf("listed %v in %d pages", got, pages)
	}
	for _, fn := range fns {
		if ok, err := ts.Server.Connect.LambdaAllowed(ctx, inst, fn); !ok || err != nil {
			t.Fatalf("LambdaAllowed(%s) = %v, %v", fn, ok, err)
		}
	}
	if ok, err := ts.Server.Connect.LambdaAllowed(ctx, inst, fnARN+"other"); ok || err != nil {
		t.Fatalf("LambdaAllowed(other) = %v, %v", ok, err)
	}

	ts.Restart(t)
	c = ts.Connect()
	if got, _ := listLambdas(t, c, inst, 25); !slices.Equal(got, fns) {
		t.Fatalf("after restart listed %v", got)
	}

	if _, err := c.DisassociateLambdaFunction(ctx, &connect.DisassociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fns[1])}); err != nil {
		t.Fatal(err)
	}
	if ok, err := ts.Server.Connect.LambdaAllowed(ctx, inst, fns[1]); ok || err != nil {
		t.Fatalf("LambdaAllowed after disassociating = %v, %v", ok, err)
	}
	if got, _ := listLambdas(t, c, inst, 25); !slices.Equal(got, []string{fns[0], fns[2]}) {
		t.Fatalf("after disassociating listed %v", got)
	}
	if _, err := ts.Server.Connect.LambdaAllowed(ctx, "00000000-0000-0000-0000-000000000000", fns[0]); err == nil {
		t.Fatal("LambdaAllowed answered for an unknown instance")
	}
}

func TestLambdaErrors(t *testing.T) {
	ctx := context.Background()
	_, c, inst := startServer(t, server.Config{Quotas: hconnect.Quotas{LambdasPerInstance: 2}})
	token := aws.String("5f0c7a54-2b1e-4c55-9d1f-2d3e4f5a6b7c")
	if _, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{
		InstanceId: aws.String(inst), FunctionArn: aws.String(fnARN + "lookup"), ClientToken: token,
	}); err != nil {
		t.Fatal(err)
	}
	associate := func(fn string) func() error {
		return func() error {
			_, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fn)})
			return err
		}
	}
	for _, tc := range []errorCase{
		{"associated twice", associate(fnARN + "lookup"), "ResourceConflictException", 409},
		{"not a Lambda ARN", associate("arn:aws:sns:us-east-1:000000000000:topic"), "InvalidParameterException", 400},
		{"a bare function name", associate("lookup"), "InvalidParameterException", 400},
		{"unknown instance", func() error {
			_, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{
				InstanceId: aws.String("00000000-0000-0000-0000-000000000000"), FunctionArn: aws.String(fnARN + "x"),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"disassociate one not associated", func() error {
			_, err := c.DisassociateLambdaFunction(ctx, &connect.DisassociateLambdaFunctionInput{InstanceId: aws.String(inst), FunctionArn: aws.String(fnARN + "never")})
			return err
		}, "ResourceNotFoundException", 404},
		{"list an unknown instance", func() error {
			_, err := c.ListLambdaFunctions(ctx, &connect.ListLambdaFunctionsInput{InstanceId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"page size over 25", func() error {
			_, err := c.ListLambdaFunctions(ctx, &connect.ListLambdaFunctionsInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(26)})
			return err
		}, "InvalidParameterException", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), tc.code, tc.status)
			if got, _ := listLambdas(t, c, inst, 25); !slices.Equal(got, []string{fnARN + "lookup"}) {
				t.Fatalf("allow-list changed: %v", got)
			}
		})
	}

	// A retry of the call that associated the function (same token) succeeds.
	if _, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{
		InstanceId: aws.String(inst), FunctionArn: aws.String(fnARN + "lookup"), ClientToken: token,
	}); err != nil {
		t.Fatalf("retried association: %v", err)
	}

	if err := associate(fnARN + "second")(); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, associate(fnARN+"third")(), "ServiceQuotaExceededException", 402)
	if got, _ := listLambdas(t, c, inst, 25); len(got) != 2 {
		t.Fatalf("after the quota refusal: %v", got)
	}
}
