package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func init() {
	lambda.RegisterBuiltin("cli-deploy-test.lookup", func(context.Context, []byte) ([]byte, error) { return []byte(`{}`), nil })
}

func TestParseBinding(t *testing.T) {
	cwd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec string
		want lambda.Binding
		err  string
	}{
		{"builtin:config.lookup", lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "config.lookup"}, ""},
		{"http:http://127.0.0.1:3001", lambda.Binding{Kind: lambda.KindHTTP, Endpoint: "http://127.0.0.1:3001"}, ""},
		{"http:https://lambda.eu-west-2.amazonaws.com#my-stack-Lookup-AbC",
			lambda.Binding{Kind: lambda.KindHTTP, Endpoint: "https://lambda.eu-west-2.amazonaws.com", FunctionName: "my-stack-Lookup-AbC"}, ""},
		{"command:python3 'my handler.py'", lambda.Binding{Kind: lambda.KindCommand, Command: []string{"python3", "my handler.py"}, Dir: cwd}, ""},
		{"builtin:", lambda.Binding{}, "needs the name"},
		{"http:127.0.0.1:3001", lambda.Binding{}, "http:// or https://"},
		{"command:", lambda.Binding{}, "needs a program"},
		{"command:sh -c 'x", lambda.Binding{}, "single quote"},
		{"lambda:arn", lambda.Binding{}, "a binding is builtin:NAME"},
		{"config.lookup", lambda.Binding{}, "a binding is builtin:NAME"},
	} {
		got, err := parseBinding(c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %+v, %v; want an error saying %q", c.spec, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
}

func TestStackNameFromPath(t *testing.T) {
	for path, want := range map[string]string{
		"src/cloudformation/cfn-connect-dynamic-flow-data.yaml": "cfn-connect-dynamic-flow-data",
		"journey.json":           "journey",
		"my_stack.v2.yml":        "my-stack-v2",
		"2024-flows.yaml":        "stack-2024-flows",
		"___.yaml":               "stack",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		if got := stackNameFromPath(path); got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}

func TestKeyValues(t *testing.T) {
	kv := keyValues{}
	for _, v := range []string{"a=1", "b=x=y", "c="} {
		if err := kv.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if want := (keyValues{"a": "1", "b": "x=y", "c": ""}); !reflect.DeepEqual(kv, want) {
		t.Errorf("got %v, want %v", kv, want)
	}
	for _, bad := range []string{"a=2", "novalue", "=x"} {
		if err := kv.Set(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// TestDeployCommand runs the command against a live server: flags in any
// order, the report on standard output, and the same failures as the
// package's (an unbound function, a bad flag).
func TestDeployCommand(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("HOTLINE_ENDPOINT", "")
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()
	template := filepath.Join("..", "..", "internal", "deploy", "testdata", "journey.yaml")

	var out bytes.Buffer
	err := runDeploy(ctx, &out, []string{"--endpoint", ts.URL, template, "--dry-run"})
	if err == nil || !strings.Contains(err.Error(), "rLookupFunction") || !strings.Contains(err.Error(), "--function") {
		t.Fatalf("a deploy with an unbound function: %v", err)
	}

	out.Reset()
	err = runDeploy(ctx, &out, []string{template, "--endpoint", ts.URL, "--stack-name", "cli-journey",
		"--function", "rLookupFunction=builtin:cli-deploy-test.lookup", "--param", "pWelcome=Hi from the CLI.", "--instance", ts.DefaultInstanceID})
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}
	for _, want := range []string{"Stack cli-journey on instance " + ts.DefaultInstanceID, "created       rMainFlow",
		"arn:aws:lambda:us-east-1:000000000000:function:cli-journey-rLookupFunction → builtin:cli-deploy-test.lookup",
		"Skipped:", "rLookupRole", "WARNING:", "oConfigTableName = cli-journey-rConfigTable (export cli-journey-oConfigTableName)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	// The --param reached the flow, through the Connect API.
	flows, err := ts.Connect().ListContactFlows(ctx, &connect.ListContactFlowsInput{InstanceId: &ts.DefaultInstanceID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range flows.ContactFlowSummaryList {
		if aws.ToString(f.Name) != "Journey_Core_Main" {
			continue
		}
		found = true
		d, err := ts.Connect().DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: &ts.DefaultInstanceID, ContactFlowId: f.Id})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(aws.ToString(d.ContactFlow.Content), "Hi from the CLI.") {
			t.Errorf("the main flow lacks the --param value:\n%s", aws.ToString(d.ContactFlow.Content))
		}
	}
	if !found {
		t.Error("the main flow was not created")
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "one template file"},
		{[]string{"a.yaml", "b.yaml"}, "one template file"},
		{[]string{"--param", "novalue", template}, "is not KEY=VALUE"},
		{[]string{"--function", "rLookupFunction=lambda:x", template}, "a binding is builtin:NAME"},
		{[]string{filepath.Join(t.TempDir(), "missing.yaml")}, "no such file"},
		{[]string{"--endpoint", ts.URL, "--stack-name", "9lives", template}, "must start with a letter"},
	} {
		if err := runDeploy(ctx, &out, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error saying %q", c.args, err, c.want)
		}
	}
}
