package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/testserver"
)

// hotline, startServe and served are this package's names for
// testserver.Binary and testserver.Serve, which the tests here (and in
// call_e2e_test.go) are written against.

// hotline builds the binary into the test's temporary directory.
func hotline(t *testing.T) string {
	t.Helper()
	return testserver.Binary(t)
}

// served is a `hotline serve` child process.
type served struct {
	endpoint, instance string
	p                  *testserver.Process
}

func startServe(t *testing.T, bin, data string, extra ...string) *served {
	t.Helper()
	p := testserver.Serve(t, bin, data, extra...)
	return &served{endpoint: p.Endpoint, instance: p.InstanceID, p: p}
}

func (s *served) stop(t *testing.T) { s.p.Stop(t) }

// aws runs the AWS CLI against the server and decodes its JSON output.
func (s *served) aws(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return s.p.AWS(t, args...)
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
