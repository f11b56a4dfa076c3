package connect_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
)

// moduleContent is a module that sets a flow attribute and returns; its
// odd spacing shows whether content is kept byte for byte.
const moduleContent = `{"Version": "2019-10-30",  "StartAction": "Set result",
  "Metadata": {"entryPointPosition": {"x": 20, "y": 20}, "ActionMetadata": {}},
  "Settings": {"InputParameters": [], "OutputParameters": [],
    "Transitions": [{"DisplayName": "Success", "ReferenceName": "Success", "Description": ""}]},
  "Actions": [
    {"Identifier": "Set result", "Type": "UpdateFlowAttributes",
     "Parameters": {"FlowAttributes": {"Result": {"Value": "done"}}},
     "Transitions": {"NextAction": "Return", "Errors": [{"NextAction": "Return", "ErrorType": "NoMatchingError"}]}},
    {"Identifier": "Return", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}
  ]}`

// moduleSettings is a Settings member, also with odd spacing.
const moduleSettings = `{ "InputParameters":[ ],"OutputParameters" : [], "Transitions":[{"DisplayName":"Success","ReferenceName":"Success","Description":""}] }`

// brokenModule starts at an action that does not exist.
const brokenModule = `{"Version":"2019-10-30","StartAction":"nowhere","Actions":[]}`

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func describeModule(t *testing.T, c *connect.Client, inst, ref string) *types.ContactFlowModule {
	t.Helper()
	out, err := c.DescribeContactFlowModule(context.Background(), &connect.DescribeContactFlowModuleInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(ref),
	})
	if err != nil {
		t.Fatalf("describing module %s: %v", ref, err)
	}
	return out.ContactFlowModule
}

func createModule(t *testing.T, c *connect.Client, inst, name string) string {
	t.Helper()
	out, err := c.CreateContactFlowModule(context.Background(), &connect.CreateContactFlowModuleInput{
		InstanceId: aws.String(inst), Name: aws.String(name), Content: aws.String(moduleContent),
	})
	if err != nil {
		t.Fatalf("creating module %s: %v", name, err)
	}
	return aws.ToString(out.Id)
}

func listModuleNames(t *testing.T, c *connect.Client, inst string, state types.ContactFlowModuleState, pageSize int32) []string {
	t.Helper()
	var names []string
	p := connect.NewListContactFlowModulesPaginator(c, &connect.ListContactFlowModulesInput{
		InstanceId: aws.String(inst), ContactFlowModuleState: state, MaxResults: aws.Int32(pageSize),
	})
	pages := eachPage(t, p, func(out *connect.ListContactFlowModulesOutput) {
		for _, m := range out.ContactFlowModulesSummaryList {
			if m.Arn == nil || m.Id == nil || m.State == "" {
				t.Fatalf("summary without Arn, Id or State: %+v", m)
			}
			names = append(names, aws.ToString(m.Name))
		}
	})
	wantFullPages(t, "modules", len(names), pages, pageSize)
	return names
}

func TestFlowModuleLifecycle(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})

	in := &connect.CreateContactFlowModuleInput{
		InstanceId: aws.String(inst), Name: aws.String("Set result"), Description: aws.String("sets Result"),
		Content: aws.String(moduleContent), Settings: aws.String(moduleSettings), ClientToken: aws.String("token-1"),
		ExternalInvocationConfiguration: &types.ExternalInvocationConfiguration{Enabled: true},
		Tags:                            map[string]string{"team": "ivr"},
	}
	created, err := c.CreateContactFlowModule(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(created.Id), aws.ToString(created.Arn)
	if arn != "arn:aws:connect:us-east-1:000000000000:instance/"+inst+"/flow-module/"+id {
		t.Fatalf("unexpected ARN %s", arn)
	}

	// A retry with the same token is the same module, not a second one.
	again, err := c.CreateContactFlowModule(ctx, in)
	if err != nil || aws.ToString(again.Id) != id || aws.ToString(again.Arn) != arn {
		t.Fatalf("retried create = %+v, %v; want module %s", again, err, id)
	}

	for _, ref := range []string{id, arn, id + ":$SAVED"} {
		m := describeModule(t, c, inst, ref)
		if aws.ToString(m.Id) != id || aws.ToString(m.Arn) != arn || aws.ToString(m.Name) != "Set result" ||
			aws.ToString(m.Description) != "sets Result" || aws.ToString(m.Content) != moduleContent ||
			aws.ToString(m.Settings) != moduleSettings || aws.ToString(m.FlowModuleContentSha256) != sha(moduleContent) ||
			m.Status != types.ContactFlowModuleStatusPublished || m.State != types.ContactFlowModuleStateActive ||
			m.ExternalInvocationConfiguration == nil || !m.ExternalInvocationConfiguration.Enabled || m.Tags["team"] != "ivr" {
			t.Fatalf("describe(%s) = %+v", ref, m)
		}
	}

	// Pages of one, and the state filter.
	createModule(t, c, inst, "Two")
	three := createModule(t, c, inst, "Three")
	if names := listModuleNames(t, c, inst, "", 1); !sameSet(names, []string{"Set result", "Two", "Three"}) {
		t.Fatalf("listed %v", names)
	}
	if _, err := c.UpdateContactFlowModuleMetadata(ctx, &connect.UpdateContactFlowModuleMetadataInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(three), State: types.ContactFlowModuleStateArchived,
	}); err != nil {
		t.Fatal(err)
	}
	if names := listModuleNames(t, c, inst, types.ContactFlowModuleStateArchived, 1); !sameSet(names, []string{"Three"}) {
		t.Fatalf("archived: %v", names)
	}
	if names := listModuleNames(t, c, inst, types.ContactFlowModuleStateActive, 1); !sameSet(names, []string{"Set result", "Two"}) {
		t.Fatalf("active: %v", names)
	}

	// A saved draft is not validated and leaves the published module alone.
	if _, err := c.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id + ":$SAVED"), Content: aws.String(brokenModule),
	}); err != nil {
		t.Fatal(err)
	}
	if m := describeModule(t, c, inst, id); aws.ToString(m.Content) != moduleContent || m.Status != types.ContactFlowModuleStatusPublished {
		t.Fatalf("published after saving a draft: %+v", m)
	}
	if m := describeModule(t, c, inst, id+":$SAVED"); aws.ToString(m.Content) != brokenModule || m.Status != types.ContactFlowModuleStatusSaved ||
		aws.ToString(m.Settings) != moduleSettings || aws.ToString(m.FlowModuleContentSha256) != sha(brokenModule) {
		t.Fatalf("draft: %+v", m)
	}

	// Publishing new content keeps the Settings it does not replace, and
	// ends the draft.
	newContent := strings.Replace(moduleContent, `"done"`, `"finished"`, 1)
	if _, err := c.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(arn), Content: aws.String(newContent),
	}); err != nil {
		t.Fatal(err)
	}
	newSettings := `{"InputParameters":[],"OutputParameters":[],"Transitions":[]}`
	if _, err := c.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id), Settings: aws.String(newSettings),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateContactFlowModuleMetadata(ctx, &connect.UpdateContactFlowModuleMetadataInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id), Name: aws.String("Finish"),
		Description: aws.String("finishes"),
	}); err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart.
	ts.Restart(t)
	c = ts.Connect()
	for _, ref := range []string{id, id + ":$SAVED"} {
		m := describeModule(t, c, inst, ref)
		if aws.ToString(m.Content) != newContent || aws.ToString(m.Settings) != newSettings || aws.ToString(m.Name) != "Finish" ||
			aws.ToString(m.Description) != "finishes" || m.Status != types.ContactFlowModuleStatusPublished ||
			m.State != types.ContactFlowModuleStateActive || m.Tags["team"] != "ivr" {
			t.Fatalf("describe(%s) after restart: %+v", ref, m)
		}
	}
	if m := describeModule(t, c, inst, three); m.State != types.ContactFlowModuleStateArchived {
		t.Fatalf("Three after restart: %+v", m)
	}

	if _, err := c.DeleteContactFlowModule(ctx, &connect.DeleteContactFlowModuleInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// The name and the token went with the module.
	fresh, err := c.CreateContactFlowModule(ctx, in)
	if err != nil || aws.ToString(fresh.Id) == id {
		t.Fatalf("create after delete = %+v, %v", fresh, err)
	}
}

func TestFlowModuleErrors(t *testing.T) {
	ctx := context.Background()
	_, c, inst := startServer(t, server.Config{Quotas: hconnect.Quotas{ModulesPerInstance: 2}})
	created, err := c.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
		InstanceId: aws.String(inst), Name: aws.String("Mod"), Content: aws.String(moduleContent),
		Settings: aws.String(moduleSettings), ClientToken: aws.String("token-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.Id)
	before := describeModule(t, c, inst, id)

	create := func(name, content string, mod func(*connect.CreateContactFlowModuleInput)) func() error {
		return func() error {
			in := &connect.CreateContactFlowModuleInput{InstanceId: aws.String(inst), Name: aws.String(name), Content: aws.String(content)}
			if mod != nil {
				mod(in)
			}
			_, err := c.CreateContactFlowModule(ctx, in)
			return err
		}
	}
	updateContent := func(ref string, content, settings *string) func() error {
		return func() error {
			_, err := c.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
				InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(ref), Content: content, Settings: settings,
			})
			return err
		}
	}
	updateMetadata := func(ref string, in connect.UpdateContactFlowModuleMetadataInput) func() error {
		return func() error {
			in.InstanceId, in.ContactFlowModuleId = aws.String(inst), aws.String(ref)
			_, err := c.UpdateContactFlowModuleMetadata(ctx, &in)
			return err
		}
	}
	for _, tc := range []errorCase{
		{"invalid content", create("Broken", brokenModule, nil), "InvalidContactFlowModuleException", 400},
		{"settings not JSON", create("Bad settings", moduleContent, func(in *connect.CreateContactFlowModuleInput) {
			in.Settings = aws.String("{not json")
		}), "InvalidContactFlowModuleException", 400},
		{"settings not an object", create("Bad settings", moduleContent, func(in *connect.CreateContactFlowModuleInput) {
			in.Settings = aws.String("[]")
		}), "InvalidContactFlowModuleException", 400},
		{"duplicate name", create("Mod", moduleContent, nil), "DuplicateResourceException", 409},
		{"name too long", create(strings.Repeat("m", 128), moduleContent, nil), "InvalidParameterException", 400},
		{"blank name", create("   ", moduleContent, nil), "InvalidParameterException", 400},
		{"token reused for another request", create("Other", moduleContent, func(in *connect.CreateContactFlowModuleInput) {
			in.ClientToken = aws.String("token-1")
		}), "IdempotencyException", 409},
		{"describe: unknown id", func() error {
			_, err := c.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: aws.String(inst), ContactFlowModuleId: aws.String("no-such-module")})
			return err
		}, "ResourceNotFoundException", 404},
		{"describe: a version", func() error {
			_, err := c.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(id + ":3")})
			return err
		}, "InvalidRequestException", 400},
		{"publish invalid content", updateContent(id, aws.String(brokenModule), nil), "InvalidContactFlowModuleException", 400},
		{"publish bad settings", updateContent(id, nil, aws.String("nope")), "InvalidContactFlowModuleException", 400},
		{"update with nothing", updateContent(id, nil, nil), "InvalidRequestException", 400},
		{"update content: unknown id", updateContent("no-such-module", aws.String(moduleContent), nil), "ResourceNotFoundException", 404},
		{"unknown state", updateMetadata(id, connect.UpdateContactFlowModuleMetadataInput{State: "RETIRED"}), "InvalidParameterException", 400},
		{"update metadata: unknown id", updateMetadata("no-such-module", connect.UpdateContactFlowModuleMetadataInput{Name: aws.String("X")}), "ResourceNotFoundException", 404},
		{"delete: unknown id", func() error {
			_, err := c.DeleteContactFlowModule(ctx, &connect.DeleteContactFlowModuleInput{InstanceId: aws.String(inst), ContactFlowModuleId: aws.String("no-such-module")})
			return err
		}, "ResourceNotFoundException", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); tc.code == "InvalidContactFlowModuleException" {
				wantInvalidModule(t, err)
			} else {
				wantAPIError(t, err, tc.code, tc.status)
			}
			wantUnchanged(t, "the module", before, describeModule(t, c, inst, id))
			if names := listModuleNames(t, c, inst, "", 100); !sameSet(names, []string{"Mod"}) {
				t.Fatalf("modules now %v", names)
			}
		})
	}

	// Problems name what is wrong.
	_, err = c.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
		InstanceId: aws.String(inst), Name: aws.String("Broken"), Content: aws.String(brokenModule),
	})
	if p := wantInvalidModule(t, err); !strings.Contains(p, "nowhere") {
		t.Fatalf("the problems do not name the missing action: %s", p)
	}

	// A rename onto a taken name changes nothing; the quota is two.
	createModule(t, c, inst, "Second")
	second := describeModule(t, c, inst, listModuleIDs(t, c, inst)["Second"])
	wantAPIError(t, updateMetadata(aws.ToString(second.Id), connect.UpdateContactFlowModuleMetadataInput{Name: aws.String("Mod")})(),
		"DuplicateResourceException", 409)
	wantUnchanged(t, "the renamed module", second, describeModule(t, c, inst, aws.ToString(second.Id)))
	wantAPIError(t, create("Third", moduleContent, nil)(), "LimitExceededException", 429)
}

func listModuleIDs(t *testing.T, c *connect.Client, inst string) map[string]string {
	t.Helper()
	out, err := c.ListContactFlowModules(context.Background(), &connect.ListContactFlowModulesInput{InstanceId: aws.String(inst)})
	if err != nil {
		t.Fatal(err)
	}
	return idsByName(out.ContactFlowModulesSummaryList, func(m types.ContactFlowModuleSummary) (*string, *string) { return m.Name, m.Id })
}

// wantInvalidModule asserts InvalidContactFlowModuleException (400) and
// returns its problems. Its model shape has no Message member, so the SDK
// reports none and wantAPIError does not fit; the problems are what a
// person reads instead.
func wantInvalidModule(t *testing.T, err error) string {
	t.Helper()
	var invalid *types.InvalidContactFlowModuleException
	if !errors.As(err, &invalid) {
		t.Fatalf("want InvalidContactFlowModuleException, got %v", err)
	}
	var httpErr *awshttp.ResponseError
	if !errors.As(err, &httpErr) || httpErr.HTTPStatusCode() != 400 {
		t.Fatalf("want HTTP 400 for InvalidContactFlowModuleException, got %v", err)
	}
	var problems []string
	for _, p := range invalid.Problems {
		problems = append(problems, aws.ToString(p.Message))
	}
	if len(problems) == 0 || problems[0] == "" {
		t.Fatalf("InvalidContactFlowModuleException without problems: %v", err)
	}
	return strings.Join(problems, "; ")
}
