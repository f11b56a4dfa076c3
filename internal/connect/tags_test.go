package connect_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// taggable is one family of taggable resources: how to make one, and how
// its own Describe reports its tags and one other member (to prove tagging
// touches nothing else).
type taggable struct {
	name     string
	create   func(t *testing.T) (arn string)
	describe func(t *testing.T, arn string) (tags map[string]string, other string)
}

func lastSegment(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func listTags(t *testing.T, c *connect.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(context.Background(), &connect.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("listing tags of %s: %v", arn, err)
	}
	if out.Tags == nil {
		return map[string]string{}
	}
	return out.Tags
}

func taggables(ctx context.Context, ts *testserver.Server, c func() *connect.Client) []taggable {
	inst := ts.DefaultInstanceID
	instID := aws.String(inst)
	created := map[string]string{"created": "yes"}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hours := func(t *testing.T, name string) *connect.CreateHoursOfOperationOutput {
		out, err := c().CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
			InstanceId: instID, Name: aws.String(name), TimeZone: aws.String("Europe/London"), Tags: created,
			Config: []types.HoursOfOperationConfig{{
				Day:       types.HoursOfOperationDaysMonday,
				StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(0)},
				EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(0)},
			}},
		})
		check(t, err)
		return out
	}
	return []taggable{
		{"instance",
			func(t *testing.T) string { return "arn:aws:connect:us-east-1:000000000000:instance/" + inst },
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.Instance.Tags, aws.ToString(out.Instance.InstanceAlias)
			}},
		{"contact flow",
			func(t *testing.T) string {
				out, err := c().CreateContactFlow(ctx, &connect.CreateContactFlowInput{
					InstanceId: instID, Name: aws.String("Tagged"), Type: types.ContactFlowTypeContactFlow,
					Content: aws.String(readFixture(t, "hello.json")), Tags: created,
				})
				check(t, err)
				return aws.ToString(out.ContactFlowArn)
			},
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: instID, ContactFlowId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.ContactFlow.Tags, aws.ToString(out.ContactFlow.Content)
			}},
		{"flow module",
			func(t *testing.T) string {
				out, err := c().CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
					InstanceId: instID, Name: aws.String("Tagged"), Tags: created,
					Content: aws.String(`{"Version":"2019-10-30","StartAction":"end","Actions":[{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`),
				})
				check(t, err)
				return aws.ToString(out.Arn)
			},
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: instID, ContactFlowModuleId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.ContactFlowModule.Tags, aws.ToString(out.ContactFlowModule.Content)
			}},
		{"hours of operation",
			func(t *testing.T) string { return aws.ToString(hours(t, "Tagged").HoursOfOperationArn) },
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribeHoursOfOperation(ctx, &connect.DescribeHoursOfOperationInput{InstanceId: instID, HoursOfOperationId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.HoursOfOperation.Tags, aws.ToString(out.HoursOfOperation.TimeZone)
			}},
		{"queue",
			func(t *testing.T) string {
				h := hours(t, "For the queue")
				out, err := c().CreateQueue(ctx, &connect.CreateQueueInput{
					InstanceId: instID, Name: aws.String("Tagged"), HoursOfOperationId: h.HoursOfOperationId, Tags: created,
				})
				check(t, err)
				return aws.ToString(out.QueueArn)
			},
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribeQueue(ctx, &connect.DescribeQueueInput{InstanceId: instID, QueueId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.Queue.Tags, aws.ToString(out.Queue.Name)
			}},
		{"prompt",
			func(t *testing.T) string {
				out, err := c().CreatePrompt(ctx, &connect.CreatePromptInput{
					InstanceId: instID, Name: aws.String("Tagged"), S3Uri: aws.String("s3://b/tagged.wav"), Tags: created,
				})
				check(t, err)
				return aws.ToString(out.PromptARN)
			},
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribePrompt(ctx, &connect.DescribePromptInput{InstanceId: instID, PromptId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.Prompt.Tags, aws.ToString(out.Prompt.Name)
			}},
		{"phone number",
			func(t *testing.T) string {
				out, err := c().ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{
					PhoneNumber: aws.String("+15555550100"), InstanceId: instID, Tags: created,
				})
				check(t, err)
				return aws.ToString(out.PhoneNumberArn)
			},
			func(t *testing.T, arn string) (map[string]string, string) {
				out, err := c().DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: aws.String(lastSegment(arn))})
				check(t, err)
				return out.ClaimedPhoneNumberSummary.Tags, aws.ToString(out.ClaimedPhoneNumberSummary.PhoneNumber)
			}},
	}
}

// Every family is tagged through the same three operations, with ARNs
// carrying "/" and ":" that the SDK percent-encodes in the path (which the
// SigV4 check must then double-encode the way the SDK signed them).
func TestTagEveryFamily(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	client := func() *connect.Client { return ts.Connect() }
	families := taggables(ctx, ts, client)
	arns := map[string]string{}
	want := map[string]map[string]string{}

	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			c := client()
			arn := f.create(t)
			arns[f.name] = arn
			initial := listTags(t, c, arn)
			_, other := f.describe(t, arn)

			if _, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn),
				Tags: map[string]string{"env": "test", "path": "a:b/c d", "empty": ""}}); err != nil {
				t.Fatal(err)
			}
			expect := maps.Clone(initial)
			maps.Copy(expect, map[string]string{"env": "test", "path": "a:b/c d", "empty": ""})
			if got := listTags(t, c, arn); !maps.Equal(got, expect) {
				t.Fatalf("after tagging: %v, want %v", got, expect)
			}
			// The family's own Describe sees the same tags, and nothing else moved.
			if tags, o := f.describe(t, arn); !maps.Equal(tags, expect) || o != other {
				t.Fatalf("describe after tagging: tags %v, other %q (was %q)", tags, o, other)
			}

			// Overwrite one, remove one and one that is not there.
			if _, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "prod"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"empty", "absent"}}); err != nil {
				t.Fatal(err)
			}
			expect["env"] = "prod"
			delete(expect, "empty")
			if got := listTags(t, c, arn); !maps.Equal(got, expect) {
				t.Fatalf("after untagging: %v, want %v", got, expect)
			}

			// Refusals leave the tags as they were.
			fill := map[string]string{}
			for i := len(expect); i < 51; i++ {
				fill[fmt.Sprintf("k%02d", i)] = "v"
			}
			unknown := arn[:strings.LastIndex(arn, "/")+1] + "00000000-0000-0000-0000-000000000000"
			for _, tc := range []errorCase{
				{"reserved aws: prefix", func() error {
					_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"aws:owner": "x"}})
					return err
				}, "InvalidParameterException", 400},
				{"untag reserved aws: prefix", func() error {
					_, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"aws:owner"}})
					return err
				}, "InvalidParameterException", 400},
				{"more than 50 in all", func() error {
					_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn), Tags: fill})
					return err
				}, "InvalidParameterException", 400},
				{"tag an unknown id", func() error {
					_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(unknown), Tags: map[string]string{"a": "b"}})
					return err
				}, "ResourceNotFoundException", 404},
				{"untag an unknown id", func() error {
					_, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(unknown), TagKeys: []string{"a"}})
					return err
				}, "ResourceNotFoundException", 404},
				{"list an unknown id", func() error {
					_, err := c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: aws.String(unknown)})
					return err
				}, "ResourceNotFoundException", 404},
			} {
				wantAPIError(t, tc.call(), tc.code, tc.status)
				if got := listTags(t, c, arn); !maps.Equal(got, expect) {
					t.Fatalf("%s changed the tags: %v, want %v", tc.name, got, expect)
				}
			}

			// Exactly 50 is allowed.
			delete(fill, fmt.Sprintf("k%02d", 50))
			if _, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(arn), Tags: fill}); err != nil {
				t.Fatal(err)
			}
			maps.Copy(expect, fill)
			if got := listTags(t, c, arn); len(got) != 50 || !maps.Equal(got, expect) {
				t.Fatalf("with 50 tags: %d %v", len(got), got)
			}
			want[f.name] = expect
		})
	}

	ts.Restart(t)
	for _, f := range families {
		if arns[f.name] == "" {
			continue // its subtest failed already
		}
		if got := listTags(t, client(), arns[f.name]); !maps.Equal(got, want[f.name]) {
			t.Errorf("%s after restart: %v, want %v", f.name, got, want[f.name])
		}
	}
}

func TestTagBadARNs(t *testing.T) {
	ctx := context.Background()
	_, c, inst := startServer(t, server.Config{})
	instARN := "arn:aws:connect:us-east-1:000000000000:instance/" + inst
	if _, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(instARN), Tags: map[string]string{"keep": "me"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arn    string
		code   string
		status int
	}{
		{"not-an-arn", "InvalidParameterException", 400},
		{"arn:aws:s3:::a-bucket/with/key", "InvalidParameterException", 400},
		{"arn:aws:lambda:us-east-1:000000000000:function:f", "InvalidParameterException", 400},
		{"arn:aws:connect:us-east-1:111111111111:instance/" + inst, "AccessDeniedException", 403},
		{"arn:aws:connect:eu-west-2:000000000000:instance/" + inst, "ResourceNotFoundException", 404},
		{instARN + "/agent/00000000-0000-0000-0000-000000000000", "ResourceNotFoundException", 404},
		{instARN + "/contact-flow", "ResourceNotFoundException", 404},
		{"arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-0000-0000-000000000000", "ResourceNotFoundException", 404},
		{"arn:aws:connect:us-east-1:000000000000:phone-number/00000000-0000-0000-0000-000000000000", "ResourceNotFoundException", 404},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(tc.arn), Tags: map[string]string{"a": "b"}})
			wantAPIError(t, err, tc.code, tc.status)
			_, err = c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(tc.arn), TagKeys: []string{"keep"}})
			wantAPIError(t, err, tc.code, tc.status)
			_, err = c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: aws.String(tc.arn)})
			wantAPIError(t, err, tc.code, tc.status)
			if got := listTags(t, c, instARN); !maps.Equal(got, map[string]string{"keep": "me"}) {
				t.Fatalf("instance tags changed: %v", got)
			}
		})
	}
}
