package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func init() {
	lambda.RegisterBuiltin("cli-test.echo", func(_ context.Context, event []byte) ([]byte, error) { return event, nil })
}

func TestSplitArgv(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"python3 handler.py", []string{"python3", "handler.py"}, ""},
		{"  node   index.js  ", []string{"node", "index.js"}, ""},
		{`sh -c 'cat; echo "$HOME"'`, []string{"sh", "-c", `cat; echo "$HOME"`}, ""},
		{`echo "a \"b\" \$c \d" e\ f ''`, []string{"echo", `a "b" $c \d`, "e f", ""}, ""},
		{`a'b'"c"d`, []string{"abcd"}, ""},
		{"", nil, ""},
		{"sh -c 'cat", nil, "single quote"},
		{`echo "x`, nil, "double quote"},
		{`echo x\`, nil, "backslash"},
	}
	for _, tc := range tests {
		got, err := splitArgv(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("splitArgv(%q) = %q, %v; want an error about %s", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitArgv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestFunctionsCommand drives the subcommands against the management API
// served, signed, by a real edge.
func TestFunctionsCommand(t *testing.T) {
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	svc := lambda.New(lambda.Config{}, db, clock.Real{}, nil)
	e := edge.NewServer(edge.Config{Verifier: &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "test", id == "test" }}})
	for pattern, h := range svc.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("event.json", []byte(`{"Details":{"Parameters":{"key":"welcome"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:lambda:us-east-1:000000000000:function:"
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runFunctions(ctx, &out, append(args, "--endpoint", srv.URL))
		return out.String(), err
	}

	if _, err := run("put", arn+"echo", "--builtin", "cli-test.echo"); err != nil {
		t.Fatal(err)
	}
	out, err := run("put", arn+"shell", "--command", `sh -c 'printf "{\"Stage\":\"%s\"}" "$STAGE"'`, "--env", "STAGE=ci", "--dir", ".")
	if err != nil {
		t.Fatal(err)
	}
	var b lambda.Binding
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("put printed %q: %v", out, err)
	}
	wantDir, _ := filepath.EvalSymlinks(dir)
	gotDir, _ := filepath.EvalSymlinks(b.Dir)
	if b.Kind != lambda.KindCommand || gotDir != wantDir || b.Env["STAGE"] != "ci" || len(b.Command) != 3 {
		t.Fatalf("put stored %+v", b)
	}
	if _, err := run("put", arn+"sam", "--http", "http://127.0.0.1:3001", "--function-name", "HelloWorldFunction"); err != nil {
		t.Fatal(err)
	}

	out, err = run("list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "FUNCTION ARN") ||
		!strings.Contains(lines[1], "builtin") || !strings.Contains(lines[1], "cli-test.echo") ||
		!strings.Contains(lines[2], "http://127.0.0.1:3001 (HelloWorldFunction)") || !strings.Contains(lines[3], "sh -c") {
		t.Fatalf("list printed\n%s", out)
	}

	if out, err = run("get", arn+"sam"); err != nil || !strings.Contains(out, `"Endpoint": "http://127.0.0.1:3001"`) {
		t.Fatalf("get = %q, %v", out, err)
	}
	if out, err = run("invoke", arn+"echo", "--payload", "@event.json"); err != nil || out != `{"Details":{"Parameters":{"key":"welcome"}}}`+"\n" {
		t.Fatalf("invoke = %q, %v", out, err)
	}
	if out, err = run("invoke", "--timeout", "5", arn+"shell"); err != nil || out != `{"Stage":"ci"}`+"\n" {
		t.Fatalf("invoke = %q, %v", out, err)
	}
	if _, err := run("delete", arn+"echo"); err != nil {
		t.Fatal(err)
	}
	var ce *client.Error
	if _, err := run("get", arn+"echo"); !errors.As(err, &ce) || ce.Code != "ResourceNotFoundException" {
		t.Fatalf("get after delete: %v", err)
	}

	refusals := []struct {
		args []string
		msg  string
	}{
		{[]string{"put", arn + "x"}, "exactly one of"},
		{[]string{"put", arn + "x", "--builtin", "a", "--http", "http://x"}, "exactly one of"},
		{[]string{"put", arn + "x", "--builtin", "a", "--region", "us-east-1"}, "go with --http"},
		{[]string{"put", arn + "x", "--http", "http://x", "--env", "A=1"}, "go with --command"},
		{[]string{"put", arn + "x", "--command", "sh -c 'x"}, "single quote"},
		{[]string{"put", arn + "x", "--builtin", "nope"}, "InvalidParameterException"},
		{[]string{"invoke", arn + "shell", "--payload", "{"}, "not JSON"},
		{[]string{"invoke", arn + "shell", "--payload", "@missing.json"}, "missing.json"},
		{[]string{"get"}, "one function ARN"},
		{[]string{"list", "extra"}, "no arguments"},
		{[]string{"rename", arn + "x"}, "unknown subcommand"},
	}
	for _, r := range refusals {
		if _, err := run(r.args...); err == nil || !strings.Contains(err.Error(), r.msg) {
			t.Errorf("functions %q = %v; want an error saying %q", r.args, err, r.msg)
		}
	}
}
