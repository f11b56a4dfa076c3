package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func awsTestEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("HOTLINE_ENDPOINT", "")
}

func TestJourneyInstallCommand(t *testing.T) {
	awsTestEnv(t)
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()

	var out, errOut bytes.Buffer
	if err := runJourney(ctx, &out, &errOut, []string{"install", "--endpoint", ts.URL}); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, c := range journey.Components() {
		if !strings.Contains(out.String(), "created") || !strings.Contains(out.String(), c.Name) {
			t.Errorf("the output lacks %s:\n%s", c.Name, out.String())
		}
	}
	if !strings.Contains(out.String(), "associated the lookup function "+ts.LookupARN+" with instance "+ts.DefaultInstanceID) {
		t.Errorf("the output does not name the lookup function:\n%s", out.String())
	}

	// Again, flags after the subcommand in any order and the instance by id:
	// nothing to do.
	out.Reset()
	if err := runJourney(ctx, &out, &errOut, []string{"install", "--instance", ts.DefaultInstanceID, "--endpoint", ts.URL}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "unchanged") != len(journey.Components()) || !strings.Contains(out.String(), "associated with instance "+ts.DefaultInstanceID+" already") {
		t.Errorf("second install:\n%s", out.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "name a subcommand"},
		{[]string{"uninstall"}, "unknown subcommand"},
		{[]string{"install", "extra", "--endpoint", ts.URL}, "takes no arguments"},
		{[]string{"install", "--endpoint", ts.URL, "--instance", "00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException"},
		{[]string{"install", "--endpoint", ts.URL, "--function", "not-an-arn"}, "not a Lambda function ARN"},
	} {
		if err := runJourney(ctx, io.Discard, io.Discard, tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("journey %q: %v, want %q", tc.args, err, tc.want)
		}
	}
	if err := runJourney(ctx, io.Discard, io.Discard, []string{"install", "--help"}); err != nil {
		t.Errorf("--help: %v", err)
	}
}

// TestServeDemo sets the demo up as `hotline serve` does on a fresh data
// directory, with the server's own credentials, and calls it as the README
// says.
func TestServeDemo(t *testing.T) {
	awsTestEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDHOTLINE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s3cret")
	creds := map[string]string{"AKIDHOTLINE": "s3cret", "ZZZ": "other"}
	ts := testserver.Start(t, server.Config{Credentials: creds})
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if err := setUpDemo(ctx, ts.Server, "us-east-1", creds, log); err != nil {
		t.Fatal(err)
	}
	// --demo on a server that has it: nothing new, nothing refused.
	if err := setUpDemo(ctx, ts.Server, "us-east-1", creds, log); err != nil {
		t.Fatal(err)
	}
	if err := setUpDemo(ctx, ts.Server, "us-east-1", map[string]string{"AKIDHOTLINE": "wrong"}, log); err == nil {
		t.Error("the demo was set up with a key pair the server refuses")
	}

	c, err := client.New(ctx, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	var out voice.CallOutput
	in := voice.CallInput{To: journey.DemoNumber, At: "2026-11-24T10:00:00Z", Script: voice.Script{Presses: []string{"1", "1"}, QueueTime: voice.Duration(time.Second)}}
	if err := c.Do(ctx, "POST", "/_hotline/calls", in, &out); err != nil {
		t.Fatal(err)
	}
	if o := out.Outcome; o.Disposition != voice.Queued || o.Queue == nil || o.Queue.Name != "HarbourBikes_Sales_Online" {
		t.Errorf("the demo call: %+v", o)
	}
}
