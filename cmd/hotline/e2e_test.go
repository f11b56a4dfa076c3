package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hotline builds the binary once per test run.
func hotline(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hotline")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// served is a `hotline serve` child process.
type served struct {
	endpoint, instance string
	cmd                *exec.Cmd
}

var endpointLine = regexp.MustCompile(`endpoint:\s+(http://\S+)`)
var instanceLine = regexp.MustCompile(`default instance id:\s+(\S+)`)

func startServe(t *testing.T, bin, data string, extra ...string) *served {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd}
	t.Cleanup(func() { s.stop(t) })
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := endpointLine.FindStringSubmatch(line); m != nil {
				s.endpoint = m[1]
			}
			if m := instanceLine.FindStringSubmatch(line); m != nil {
				s.instance = m[1]
				close(found)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case <-found:
	case <-time.After(20 * time.Second):
		t.Fatal("hotline serve did not print its endpoint")
	}
	return s
}

func (s *served) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("hotline serve did not shut down cleanly: %v", err)
		}
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Error("hotline serve ignored SIGINT")
	}
}

// aws runs the AWS CLI against the server and decodes its JSON output.
func (s *served) aws(t *testing.T, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--endpoint-url", s.endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	m := map[string]any{}
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %s printed %s", strings.Join(args, " "), out)
		}
	}
	return m
}

func TestAWSCLIAndBoto3AgainstHotlineServe(t *testing.T) {
	for _, tool := range []string{"aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for this test (the CI machine has it): %v", tool, err)
		}
	}
	bin := hotline(t)
	data := t.TempDir()
	s := startServe(t, bin, data)
	flowFile, _ := filepath.Abs("testdata/hello.json")

	created := s.aws(t, "connect", "create-contact-flow", "--instance-id", s.instance, "--name", "CLI flow",
		"--type", "CONTACT_FLOW", "--content", "file://"+flowFile)
	flowID, _ := created["ContactFlowId"].(string)
	flowARN, _ := created["ContactFlowArn"].(string)
	if flowID == "" || flowARN == "" {
		t.Fatalf("create-contact-flow printed %v", created)
	}
	listed := s.aws(t, "connect", "list-contact-flows", "--instance-id", s.instance)
	if !strings.Contains(fmt.Sprint(listed), flowID) {
		t.Fatalf("list-contact-flows does not show %s: %v", flowID, listed)
	}
	number := s.aws(t, "connect", "claim-phone-number", "--instance-id", s.instance, "--phone-number", "+442071234567")
	numberID, _ := number["PhoneNumberId"].(string)
	s.aws(t, "connect", "associate-phone-number-contact-flow", "--phone-number-id", numberID,
		"--instance-id", s.instance, "--contact-flow-id", flowID)
	s.aws(t, "connect", "tag-resource", "--resource-arn", flowARN, "--tags", "env=ci")
	tags := s.aws(t, "connect", "list-tags-for-resource", "--resource-arn", flowARN)
	if !strings.Contains(fmt.Sprint(tags), "env:ci") {
		t.Fatalf("tags: %v", tags)
	}

	out, err := exec.Command("python3", "testdata/boto3_smoke.py", s.endpoint, s.instance, flowFile).CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}

	// Everything is still there after a restart on the same data directory.
	s.stop(t)
	s = startServe(t, bin, data)
	got := s.aws(t, "connect", "describe-contact-flow", "--instance-id", s.instance, "--contact-flow-id", flowID)
	if !strings.Contains(fmt.Sprint(got), "CLI flow") {
		t.Fatalf("after restart: %v", got)
	}
}

func TestServeRefusesAnOpenAddressWithoutCredentials(t *testing.T) {
	bin := hotline(t)
	out, err := exec.Command(bin, "serve", "--listen", "0.0.0.0:0", "--data", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--credentials") {
		t.Fatalf("want a refusal naming --credentials, got %v: %s", err, out)
	}
}
