package connect_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
)

func listPromptNames(t *testing.T, c *connect.Client, inst string, perPage int32) ([]string, int) {
	t.Helper()
	var names []string
	p := connect.NewListPromptsPaginator(c, &connect.ListPromptsInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(perPage)})
	pages := eachPage(t, p, func(out *connect.ListPromptsOutput) {
		for _, s := range out.PromptSummaryList {
			if !strings.HasSuffix(aws.ToString(s.Arn), "/prompt/"+aws.ToString(s.Id)) || s.LastModifiedTime == nil || aws.ToString(s.LastModifiedRegion) != "us-east-1" {
				t.Fatalf("summary %+v", s)
			}
			names = append(names, aws.ToString(s.Name))
		}
	})
	slices.Sort(names)
	return names, pages
}

func TestPromptLifecycle(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})

	created, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{
		InstanceId: aws.String(inst), Name: aws.String("Welcome"), Description: aws.String("greeting"),
		S3Uri: aws.String("s3://prompts-bucket/en/welcome.wav"), Tags: map[string]string{"lang": "en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.PromptId)
	if aws.ToString(created.PromptARN) != "arn:aws:connect:us-east-1:000000000000:instance/"+inst+"/prompt/"+id {
		t.Fatalf("PromptARN = %s", aws.ToString(created.PromptARN))
	}
	for _, ref := range []string{id, aws.ToString(created.PromptARN)} {
		got, err := c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst), PromptId: aws.String(ref)})
		if err != nil {
			t.Fatal(err)
		}
		p := got.Prompt
		if aws.ToString(p.PromptId) != id || aws.ToString(p.PromptARN) != aws.ToString(created.PromptARN) || aws.ToString(p.Name) != "Welcome" ||
			aws.ToString(p.Description) != "greeting" || p.Tags["lang"] != "en" || p.LastModifiedTime == nil {
			t.Fatalf("describe(%s) = %+v", ref, p)
		}
	}

	// An https URL to an S3 object is allowed too.
	for _, name := range []string{"Hold", "Goodbye"} {
		if _, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{
			InstanceId: aws.String(inst), Name: aws.String(name),
			S3Uri: aws.String("https://prompts-bucket.s3.us-east-1.amazonaws.com/en/" + strings.ToLower(name) + ".wav"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if names, pages := listPromptNames(t, c, inst, 1); !slices.Equal(names, []string{"Goodbye", "Hold", "Welcome"}) || pages < 3 {
		t.Fatalf("listed %v in %d pages", names, pages)
	}

	ts.Restart(t)
	c = ts.Connect()
	got, err := c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst), PromptId: aws.String(id)})
	if err != nil || aws.ToString(got.Prompt.Name) != "Welcome" || got.Prompt.Tags["lang"] != "en" {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	if names, _ := listPromptNames(t, c, inst, 100); len(names) != 3 {
		t.Fatalf("after restart listed %v", names)
	}

	if _, err := c.DeletePrompt(ctx, &connect.DeletePromptInput{InstanceId: aws.String(inst), PromptId: created.PromptARN}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst), PromptId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// The name is free again.
	if _, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{
		InstanceId: aws.String(inst), Name: aws.String("Welcome"), S3Uri: aws.String("s3://prompts-bucket/en/welcome-v2.wav"),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPromptErrors(t *testing.T) {
	ctx := context.Background()
	_, c, inst := startServer(t, server.Config{Quotas: hconnect.Quotas{PromptsPerInstance: 2}})
	created, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{
		InstanceId: aws.String(inst), Name: aws.String("Welcome"), S3Uri: aws.String("s3://b/welcome.wav"),
	})
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, uri string) func() error {
		return func() error {
			_, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{InstanceId: aws.String(inst), Name: aws.String(name), S3Uri: aws.String(uri)})
			return err
		}
	}
	for _, tc := range []errorCase{
		{"duplicate name", create("Welcome", "s3://b/other.wav"), "DuplicateResourceException", 409},
		{"not an S3 location", create("Other", "ftp://b/other.wav"), "InvalidParameterException", 400},
		{"empty name", create("", "s3://b/other.wav"), "InvalidParameterException", 400},
		{"describe unknown", func() error {
			_, err := c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst), PromptId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"describe by another instance's ARN", func() error {
			_, err := c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst),
				PromptId: aws.String("arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-0000-0000-000000000000/prompt/" + aws.ToString(created.PromptId))})
			return err
		}, "ResourceNotFoundException", 404},
		{"delete unknown", func() error {
			_, err := c.DeletePrompt(ctx, &connect.DeletePromptInput{InstanceId: aws.String(inst), PromptId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"unknown instance", func() error {
			_, err := c.ListPrompts(ctx, &connect.ListPromptsInput{InstanceId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), tc.code, tc.status)
			got, err := c.DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: aws.String(inst), PromptId: created.PromptId})
			if err != nil || aws.ToString(got.Prompt.Name) != "Welcome" {
				t.Fatalf("prompt changed: %+v %v", got, err)
			}
			if names, _ := listPromptNames(t, c, inst, 10); !slices.Equal(names, []string{"Welcome"}) {
				t.Fatalf("prompts changed: %v", names)
			}
		})
	}

	if err := create("Second", "s3://b/second.wav")(); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, create("Third", "s3://b/third.wav")(), "LimitExceededException", 429)
	if names, _ := listPromptNames(t, c, inst, 10); !slices.Equal(names, []string{"Second", "Welcome"}) {
		t.Fatalf("after the quota refusal: %v", names)
	}
}
