package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/testserver"
)

// The e2e number plan: quick rings so the real clock keeps the test short.
// outbound_boto3.py names the same numbers.
const e2ePlan = "+15550000001=busy/0.2s,+15550000004=fail/0.2s,+15550000005=invalid/0.2s,+15550000006=machine/0.2s," +
	"+15550000007=answer/0.2s/0.3s,+15550000008=answer/0.2s,+15550000010=answer/50s"

const (
	e2eHello = `{"Version":"2019-10-30","StartAction":"hi","Actions":[
 {"Identifier":"hi","Type":"MessageParticipant","Parameters":{"Text":"Hi $.Attributes.name"},"Transitions":{"NextAction":"mark","Errors":[{"ErrorType":"NoMatchingError","NextAction":"mark"}]}},
 {"Identifier":"mark","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"greeted":"yes"}},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
	e2eMenu = `{"Version":"2019-10-30","StartAction":"ask","Actions":[
 {"Identifier":"ask","Type":"GetParticipantInput","Parameters":{"Text":"Press 1.","StoreInput":"False","InputTimeLimitSeconds":"5"},
  "Transitions":{"NextAction":"bye","Conditions":[{"NextAction":"yes","Condition":{"Operator":"Equals","Operands":["1"]}}],
   "Errors":[{"ErrorType":"NoMatchingCondition","NextAction":"bye"},{"ErrorType":"InputTimeLimitExceeded","NextAction":"bye"},{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"yes","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"confirmed":"yes"}},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
)

func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for this test (the CI machine has it): %v", tool, err)
		}
	}
}

// outboundSetup creates the flows and numbers the boto3 script uses.
func outboundSetup(t *testing.T, p *testserver.Process) (flow, menu, source string) {
	t.Helper()
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + path
	}
	flow, _ = p.AWS(t, "connect", "create-contact-flow", "--instance-id", p.InstanceID, "--name", "Hello",
		"--type", "CONTACT_FLOW", "--content", file("hello.json", e2eHello))["ContactFlowId"].(string)
	menu, _ = p.AWS(t, "connect", "create-contact-flow", "--instance-id", p.InstanceID, "--name", "Menu",
		"--type", "CONTACT_FLOW", "--content", file("menu.json", e2eMenu))["ContactFlowId"].(string)
	source = "+12025550100"
	p.AWS(t, "connect", "claim-phone-number", "--instance-id", p.InstanceID, "--phone-number", source)
	if flow == "" || menu == "" {
		t.Fatal("create-contact-flow printed no id")
	}
	return flow, menu, source
}

func boto3(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("python3", append([]string{"testdata/outbound_boto3.py"}, args...)...).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		t.Fatalf("boto3 %s: %v\n%s", args[0], err, out)
	}
}

func TestOutboundWithBoto3AndTheCLI(t *testing.T) {
	requireTools(t)
	bin := testserver.Binary(t)
	data := t.TempDir()
	serve := func() *testserver.Process {
		return testserver.Serve(t, bin, data, "--throttle", "StartOutboundVoiceContact=unlimited",
			"--number-plan", e2ePlan, "--max-active-calls", "3")
	}
	p := serve()
	flow, menu, source := outboundSetup(t, p)
	other, _ := p.AWS(t, "connect", "create-instance", "--identity-management-type", "CONNECT_MANAGED",
		"--instance-alias", "elsewhere", "--inbound-calls-enabled", "--no-outbound-calls-enabled")["Id"].(string)
	otherSource := "+12025550199"
	p.AWS(t, "connect", "claim-phone-number", "--instance-id", other, "--phone-number", otherSource)

	boto3(t, "functional", p.Endpoint, p.InstanceID, flow, menu, source, otherSource)

	// The AWS CLI: a call started with a token is found again by the same
	// token after a restart, and StopContact ends it.
	start := []string{"connect", "start-outbound-voice-contact", "--instance-id", p.InstanceID, "--contact-flow-id", flow,
		"--destination-phone-number", "+15550000010", "--source-phone-number", source, "--client-token", "cli-token",
		"--attributes", "name=Grace"}
	id, _ := p.AWS(t, start...)["ContactId"].(string)
	c := p.AWS(t, "connect", "describe-contact", "--instance-id", p.InstanceID, "--contact-id", id)["Contact"].(map[string]any)
	if c["InitiationMethod"] != "API" || c["DisconnectTimestamp"] != nil {
		t.Fatalf("describe-contact: %v", c)
	}
	p.Stop(t)
	p = serve()
	if again, _ := p.AWS(t, start...)["ContactId"].(string); again != id {
		t.Fatalf("after a restart the token started %s, want %s", again, id)
	}
	p.AWS(t, "connect", "stop-contact", "--instance-id", p.InstanceID, "--contact-id", id)
	c = p.AWS(t, "connect", "describe-contact", "--instance-id", p.InstanceID, "--contact-id", id)["Contact"].(map[string]any)
	if c["DisconnectReason"] != "API" {
		t.Fatalf("after stop-contact: %v", c)
	}
	_, stderr, err := p.CLI("connect", "start-outbound-voice-contact", "--instance-id", p.InstanceID, "--contact-flow-id", flow,
		"--destination-phone-number", "+447700900123", "--source-phone-number", source)
	if err == nil || !strings.Contains(stderr, "DestinationNotAllowedException") {
		t.Fatalf("a UK mobile: %v %s", err, stderr)
	}
}

func TestOutboundThrottleWithBoto3AndTheCLI(t *testing.T) {
	requireTools(t)
	bin := testserver.Binary(t)
	// The default burst of 5, refilled at 0.1/s rather than 2/s: on the real
	// clock the count after a burst of Python threads would otherwise
	// depend on how fast they run. The default rate is tested exactly on a
	// virtual clock (internal/outbound TestThrottleOverTime).
	p := testserver.Serve(t, bin, t.TempDir(), "--number-plan", e2ePlan, "--max-active-calls", "1000",
		"--throttle", "StartOutboundVoiceContact=0.1:5")
	flow, _, source := outboundSetup(t, p)
	boto3(t, "throttle", p.Endpoint, p.InstanceID, flow, source)
	_, stderr, err := p.CLI("connect", "start-outbound-voice-contact", "--instance-id", p.InstanceID, "--contact-flow-id", flow,
		"--destination-phone-number", "+15550000001", "--source-phone-number", source)
	if err == nil || !strings.Contains(stderr, "TooManyRequestsException") {
		t.Fatalf("the CLI right after the burst: %v %s", err, stderr)
	}
}
