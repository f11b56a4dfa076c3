package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// lintRun runs lintCmd with standard output captured. Tests using it must
// not run in parallel: they swap os.Stdout.
func lintRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = f
	runErr := lintCmd(args)
	os.Stdout = saved
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(out), runErr
}

const lintDir = "testdata/lint/"

func TestLintText(t *testing.T) {
	out, err := lintRun(t, lintDir+"warnings.json", lintDir+"clean.json", lintDir+"broken.json")
	want := `testdata/lint/warnings.json:Look up: warning missing-error-branch: no error branch for NoMatchingError: the flow ends if it happens
testdata/lint/warnings.json:Route: warning unreachable-condition: Conditions[1] (Equals "gold") can never be chosen: Conditions[0] (Equals "gold") comes first and is true whenever it is
testdata/lint/warnings.json:Route: warning malformed-reference: Parameters.ComparisonValue "$.External. Segment" is not a well-formed reference: it cannot resolve, so the action takes its error branch (white space inside a reference is not allowed: did you mean "$.External.Segment"?)
testdata/lint/warnings.json:Old greeting: warning unreachable-action: no path from StartAction "Look up" leads here

testdata/lint/broken.json:Hello: error unknown-action-type: unknown action type "PlayPrompt" (a pre-2019 console export name; the 2019-10-30 action type is MessageParticipant)
testdata/lint/broken.json:Hello: error dangling-target: Transitions.NextAction refers to unknown action "Bye"

3 files checked: 2 errors, 4 warnings
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if !errors.Is(err, errLintFailed) || err.Error() != "lint failed: 2 errors in 1 file" {
		t.Errorf("error %v, want errLintFailed with the counts", err)
	}
}

func TestLintExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		fail bool   // error findings: errLintFailed
		text string // in the output
	}{
		{"clean", []string{"clean.json"}, false, "1 file checked: 0 errors, 0 warnings"},
		{"clean inbound flow", []string{"--type", "CONTACT_FLOW", "clean.json"}, false, "0 errors, 0 warnings"},
		{"warnings alone pass", []string{"warnings.json"}, false, "0 errors, 4 warnings"},
		{"unknown type", []string{"broken.json"}, true, "unknown-action-type"},
		{"loop with no exit", []string{"loop.json"}, true,
			`loop.json:Count: error loop-no-exit: loop with no exit: actions "Count" and "Check" lead only to one another`},
		{"transfer in an inbound flow", []string{"--type", "CONTACT_FLOW", "transfer.json"}, false, "0 errors"},
		{"transfer in a queue flow", []string{"--type", "CUSTOMER_QUEUE", "transfer.json"}, true,
			"transfer.json:To main menu: error action-not-allowed: TransferToFlow is not allowed in a CUSTOMER_QUEUE flow"},
		{"flags after the file", []string{"clean.json", "--type", "CUSTOMER_QUEUE"}, true,
			"clean.json:Transfer: error action-not-allowed"},
		{"module", []string{"--module", "module.json"}, false, "0 errors, 0 warnings"},
		{"module linted as a flow", []string{"module.json"}, true,
			"module.json:Return: error action-not-allowed: EndFlowModuleExecution is not allowed in any flow type"},
		{"one failing file fails the run", []string{"clean.json", "broken.json", "warnings.json"}, true, "3 files checked: 2 errors, 4 warnings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				if strings.HasSuffix(a, ".json") {
					a = lintDir + a
				}
				args[i] = a
			}
			out, err := lintRun(t, args...)
			if tc.fail != errors.Is(err, errLintFailed) || !tc.fail && err != nil {
				t.Errorf("error %v, want failure %v", err, tc.fail)
			}
			if !strings.Contains(out, tc.text) {
				t.Errorf("output lacks %q:\n%s", tc.text, out)
			}
		})
	}
}

func TestLintUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		text string
	}{
		{"no files", nil, "no files given"},
		{"module with a type", []string{"--module", "--type", "CONTACT_FLOW", lintDir + "module.json"}, "--type is for flows"},
		{"unknown type", []string{"--type", "INBOUND", lintDir + "clean.json"}, `unknown --type "INBOUND"`},
		{"endpoint alone", []string{"--endpoint", "http://127.0.0.1:1", lintDir + "clean.json"}, "--endpoint is only used with --instance"},
		{"missing file", []string{lintDir + "absent.json"}, "absent.json"},
		{"unknown flag", []string{"--strict", lintDir + "clean.json"}, "-strict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := lintRun(t, tc.args...)
			if err == nil || errors.Is(err, errLintFailed) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %v, want a usage error about %q", err, tc.text)
			}
			if out != "" {
				t.Errorf("a usage error printed a report:\n%s", out)
			}
		})
	}
}

func TestLintJSON(t *testing.T) {
	out, err := lintRun(t, "--json", lintDir+"warnings.json", lintDir+"loop.json")
	if !errors.Is(err, errLintFailed) {
		t.Errorf("error %v, want errLintFailed (loop.json has an error)", err)
	}
	var doc struct {
		Files []struct {
			File     string `json:"file"`
			Kind     string `json:"kind"`
			Errors   int    `json:"errors"`
			Warnings int    `json:"warnings"`
			Findings []struct {
				Severity, ActionID, Check, Message string
			} `json:"findings"`
		} `json:"files"`
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON document:\n%s", out)
	}
	if len(doc.Files) != 2 || doc.Errors != 1 || doc.Warnings != 4 {
		t.Fatalf("files %d, errors %d, warnings %d; want 2, 1, 4\n%s", len(doc.Files), doc.Errors, doc.Warnings, out)
	}
	w, l := doc.Files[0], doc.Files[1]
	if w.File != lintDir+"warnings.json" || w.Kind != "flow" || w.Errors != 0 || w.Warnings != 4 || len(w.Findings) != 4 {
		t.Errorf("warnings.json entry: %+v", w)
	}
	if f := w.Findings[0]; f.Severity != "warning" || f.ActionID != "Look up" || f.Check != "missing-error-branch" || f.Message == "" {
		t.Errorf("first finding %+v", f)
	}
	if l.Errors != 1 || len(l.Findings) != 1 || l.Findings[0].Check != "loop-no-exit" || l.Findings[0].ActionID != "Count" {
		t.Errorf("loop.json entry: %+v", l)
	}
}

// TestLintInstance resolves references against a live server: the ones
// that name resources created here pass, the others are errors.
func TestLintInstance(t *testing.T) {
	// The CLI's credential chain must find the development pair, whatever
	// the machine running the test has configured.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))

	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	ctx := context.Background()
	inst := aws.String(ts.DefaultInstanceID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(lintDir + name)
		must(err)
		return string(b)
	}

	hours, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: inst, Name: aws.String("Lint hours"), TimeZone: aws.String("Europe/London"),
		Config: []types.HoursOfOperationConfig{{
			Day:       types.HoursOfOperationDaysMonday,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(9), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(17), Minutes: aws.Int32(0)},
		}},
	})
	must(err)
	queue, err := c.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: inst, Name: aws.String("Lint queue"), HoursOfOperationId: hours.HoursOfOperationId})
	must(err)
	module, err := c.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{InstanceId: inst, Name: aws.String("Lint module"), Content: aws.String(read("module.json"))})
	must(err)
	hold, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: inst, Name: aws.String("Lint hold"),
		Type: types.ContactFlowTypeCustomerQueue, Content: aws.String(read("transfer.json"))})
	must(err)
	prompt, err := c.CreatePrompt(ctx, &connect.CreatePromptInput{InstanceId: inst, Name: aws.String("Lint closed"), S3Uri: aws.String("s3://prompts/closed.wav")})
	must(err)
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:lookup"
	_, err = c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: inst, FunctionArn: aws.String(lambda)})
	must(err)

	// The queue is named by ARN, the rest by ID: flows use both.
	file := filepath.Join(dir, "references.json")
	must(os.WriteFile(file, []byte(strings.NewReplacer(
		"{{HOURS}}", aws.ToString(hours.HoursOfOperationId),
		"{{QUEUE}}", aws.ToString(queue.QueueArn),
		"{{MODULE}}", aws.ToString(module.Id),
		"{{FLOW}}", aws.ToString(hold.ContactFlowId),
		"{{PROMPT}}", aws.ToString(prompt.PromptId),
		"{{LAMBDA}}", lambda,
	).Replace(read("references.json"))), 0o644))

	out, err := lintRun(t, "--instance", ts.DefaultInstanceID, "--endpoint", ts.URL, "--type", "CONTACT_FLOW", file)
	want := file + `:Fallback queue: error unknown-resource: Parameters.QueueId: queue "7d1c3a52-0000-4000-8000-00000000dead" does not exist in the instance
` + file + `:Audit: error unknown-resource: Parameters.LambdaFunctionARN: Lambda function "arn:aws:lambda:us-east-1:123456789012:function:never-associated" is not associated with the instance, so it cannot be invoked

1 file checked: 2 errors, 0 warnings
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if !errors.Is(err, errLintFailed) {
		t.Errorf("error %v, want errLintFailed", err)
	}

	// The same file without --instance has nothing to complain about.
	if out, err := lintRun(t, "--type", "CONTACT_FLOW", file); err != nil || !strings.Contains(out, "0 errors, 0 warnings") {
		t.Errorf("without --instance: %v\n%s", err, out)
	}

	// A wrong instance is one clear error, not a finding per reference.
	out, err = lintRun(t, "--instance", "00000000-0000-4000-8000-000000000000", "--endpoint", ts.URL, file)
	if err == nil || errors.Is(err, errLintFailed) || !strings.Contains(err.Error(), "instance 00000000-0000-4000-8000-000000000000") || out != "" {
		t.Errorf("wrong instance: error %v, output %q", err, out)
	}
}

func TestLintArguments(t *testing.T) {
	// After "--" everything is a file name, even what looks like a flag.
	if _, err := lintRun(t, lintDir+"clean.json", "--", "--json"); err == nil || !strings.Contains(err.Error(), "--json: no such file") {
		t.Errorf(`"--json" after "--": error %v, want it read as a file`, err)
	}

	// "-" is standard input.
	in, err := os.Open(lintDir + "broken.json")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()
	out, err := lintRun(t, "-")
	if !errors.Is(err, errLintFailed) || !strings.HasPrefix(out, "-:Hello: error unknown-action-type: ") {
		t.Errorf("stdin: error %v, output:\n%s", err, out)
	}
}
