package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// callFunction is a Lambda handler run as a local command: it looks the
// caller up by the phone parameter of the event.
const callFunction = `import json, sys
event = json.load(sys.stdin)
phone = event["Details"]["Parameters"]["phone"]
json.dump({"name": "Ada" if phone == "+447700900123" else "stranger", "tier": "gold"}, sys.stdout)
`

// TestHotlineCallAgainstHotlineServe sets an instance up over the AWS API
// (a flow, a module, hours, a queue, a function, a number), places calls
// with `hotline call`, and checks what the caller heard, the branches the
// flow took and how each call ended.
func TestHotlineCallAgainstHotlineServe(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 runs the test's function (the CI machine has it): %v", err)
	}
	bin := hotline(t)
	s := startServe(t, bin, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cc := connect.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(s.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	inst := aws.String(s.instance)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	hours, err := cc.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: inst, Name: aws.String("Office"), TimeZone: aws.String("Europe/London"),
		Config: weekdays(9, 17),
	})
	must(err)
	queue, err := cc.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Billing"), HoursOfOperationId: hours.HoursOfOperationId,
	})
	must(err)
	module, err := cc.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
		InstanceId: inst, Name: aws.String("Record the call"), Content: aws.String(`{
		  "Version": "2019-10-30", "StartAction": "set-recording",
		  "Settings": {"InputParameters": [], "OutputParameters": [], "Transitions": [{"DisplayName": "Success", "ReferenceName": "Success", "Description": ""}]},
		  "Actions": [
		    {"Identifier": "set-recording", "Type": "UpdateContactRecordingBehavior",
		     "Parameters": {"RecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]}}, "Transitions": {"NextAction": "mark"}},
		    {"Identifier": "mark", "Type": "UpdateContactAttributes", "Parameters": {"Attributes": {"recorded": "yes"}},
		     "Transitions": {"NextAction": "return", "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "return"}]}},
		    {"Identifier": "return", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}
		  ]}`),
	})
	must(err)

	// The function: a local command bound to an ARN the instance allows.
	fnARN := "arn:aws:lambda:us-east-1:000000000000:function:lookup-caller"
	script := filepath.Join(t.TempDir(), "lookup.py")
	must(os.WriteFile(script, []byte(callFunction), 0o644))
	if out, err := hotlineCmd(bin, s, "functions", "put", fnARN, "--command", "python3 "+script).CombinedOutput(); err != nil {
		t.Fatalf("functions put: %v\n%s", err, out)
	}
	_, err = cc.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: inst, FunctionArn: aws.String(fnARN)})
	must(err)

	mainLine, err := cc.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Main line"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(mainFlow(*hours.HoursOfOperationId, *module.Id, fnARN, *queue.QueueId)),
	})
	must(err)
	// A flow that invokes a function the instance never associated, with
	// no error branch: the call fails.
	broken, err := cc.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: inst, Name: aws.String("Broken line"), Type: types.ContactFlowTypeContactFlow,
		Content: aws.String(`{"Version":"2019-10-30","StartAction":"fn","Actions":[
		  {"Identifier":"fn","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:000000000000:function:not-associated","InvocationTimeLimitSeconds":"3"},"Transitions":{"NextAction":"bye"}},
		  {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`),
	})
	must(err)
	for number, flowID := range map[string]*string{"+442071234567": mainLine.ContactFlowId, "+442071234568": broken.ContactFlowId} {
		claimed, err := cc.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{TargetArn: aws.String(instanceARN(s.instance)), PhoneNumber: aws.String(number)})
		must(err)
		_, err = cc.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
			PhoneNumberId: claimed.PhoneNumberId, InstanceId: inst, ContactFlowId: flowID,
		})
		must(err)
	}

	t.Run("open, known caller, presses 1: queued", func(t *testing.T) {
		r := callJSON(t, bin, s, 0, "+442071234567", "--from", "+447700900123", "--at", "2026-11-23T10:00:00Z", "--press", "1")
		wantList(t, "prompts", r.prompts(), []string{
			"Welcome to Hotline Bank.",
			"Hello Ada. Press 1 for billing or 2 to hang up.",
			"Thank you for calling. Your call is very important to us and will be answered in the order it was received.",
		}, true)
		// The module's actions run between the invoker's and its return.
		wantList(t, "branches", r.branches(), []string{"welcome→hours", "hours→lookup", "lookup→record",
			"record→set-recording", "set-recording→mark", "mark→return", "return→", "record→menu", "menu→set-queue", "set-queue→queue", "queue→"}, true)
		if r.Outcome.Disposition != "QUEUED" || r.Outcome.Queue == nil || r.Outcome.Queue.Name != "Billing" || r.Outcome.Queue.ARN != *queue.QueueArn {
			t.Fatalf("outcome %+v", r.Outcome)
		}
		if strings.Join(r.Outcome.AgentWhisper, "|") != "Billing" {
			t.Fatalf("agent whisper %q", r.Outcome.AgentWhisper)
		}
		if r.Outcome.Recording == nil || strings.Join(r.Outcome.Recording.RecordedParticipants, ",") != "AGENT,CUSTOMER" {
			t.Fatalf("recording %+v", r.Outcome.Recording)
		}
		var sawRequest, sawResponse, sawAttr bool
		for _, e := range r.Events {
			switch {
			case e.Type == "lambda" && e.Detail["phase"] == "request":
				sawRequest = strings.Contains(mustJSON(e.Detail["request"]), `"phone":"+447700900123"`)
			case e.Type == "lambda" && e.Detail["phase"] == "response":
				sawResponse = strings.Contains(mustJSON(e.Detail["response"]), `"name":"Ada"`)
			case e.Type == "attribute" && e.Detail["key"] == "recorded":
				sawAttr = e.Detail["new"] == "yes"
			}
		}
		if !sawRequest || !sawResponse || !sawAttr {
			t.Fatalf("lambda request %v, response %v, module attribute %v", sawRequest, sawResponse, sawAttr)
		}
		if r.ContactID == "" {
			t.Fatal("no contactId")
		}
	})

	t.Run("open, presses 2: disconnected", func(t *testing.T) {
		r := callJSON(t, bin, s, 0, "+442071234567", "--at", "2026-11-23T10:00:00Z", "--press", "2")
		wantList(t, "prompts", r.prompts(), []string{"Welcome to Hotline Bank.", "Hello stranger. Press 1 for billing or 2 to hang up.", "Goodbye."}, false)
		if r.Outcome.Disposition != "DISCONNECTED" {
			t.Fatalf("outcome %+v", r.Outcome)
		}
	})

	t.Run("Sunday: closed", func(t *testing.T) {
		r := callJSON(t, bin, s, 0, "+442071234567", "--at", "2026-11-22T10:00:00Z")
		wantList(t, "prompts", r.prompts(), []string{"Welcome to Hotline Bank.", "We are closed."}, false)
		wantList(t, "branches", r.branches(), []string{"welcome→hours", "hours→closed", "closed→bye", "bye→"}, false)
	})

	t.Run("readable output", func(t *testing.T) {
		out, err := hotlineCmd(bin, s, "call", "+442071234567", "--at", "2026-11-23T10:00:00Z", "--press", "!1").CombinedOutput()
		if err != nil {
			t.Fatalf("hotline call: %v\n%s", err, out)
		}
		for _, want := range []string{
			`prompt    "Welcome to Hotline Bank."`,
			"key       1  (dropped: the prompt playing cannot be interrupted)",
			"lambda    invoke " + fnARN,
			`set       Attributes.recorded = "yes" (was "")`,
			"action    hours (CheckHoursOfOperation) → lookup: Condition[0] Equals \"True\" — open at Monday 10:00 GMT",
			"timeout   the input wait's timer ran out",
			"Outcome: DISCONNECTED by the flow",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("a failing flow exits 1", func(t *testing.T) {
		r := callJSON(t, bin, s, 1, "+442071234568")
		if r.Outcome.Disposition != "ERROR" || !strings.Contains(r.Outcome.Error, `"fn"`) || !strings.Contains(r.Outcome.Error, "not-associated") {
			t.Fatalf("outcome %+v", r.Outcome)
		}
	})

	t.Run("a number nobody claimed", func(t *testing.T) {
		out, err := hotlineCmd(bin, s, "call", "+15555550199").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "ResourceNotFoundException") {
			t.Fatalf("want ResourceNotFoundException, got %v:\n%s", err, out)
		}
	})
}

// mainFlow greets, checks the office hours, looks the caller up, runs the
// recording module, and offers a menu whose 1 queues the call.
func mainFlow(hoursID, moduleID, fnARN, queueID string) string {
	return `{"Version":"2019-10-30","StartAction":"welcome","Actions":[
	  {"Identifier":"welcome","Type":"MessageParticipant","Parameters":{"Text":"Welcome to Hotline Bank."},"Transitions":{"NextAction":"hours","Errors":[{"ErrorType":"NoMatchingError","NextAction":"hours"}]}},
	  {"Identifier":"hours","Type":"CheckHoursOfOperation","Parameters":{"HoursOfOperationId":"` + hoursID + `"},
	   "Transitions":{"NextAction":"closed","Conditions":[
	     {"NextAction":"lookup","Condition":{"Operator":"Equals","Operands":["True"]}},
	     {"NextAction":"closed","Condition":{"Operator":"Equals","Operands":["False"]}}],
	     "Errors":[{"ErrorType":"NoMatchingError","NextAction":"closed"}]}},
	  {"Identifier":"lookup","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"` + fnARN + `","InvocationTimeLimitSeconds":"8",
	     "LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"},"ResponseValidation":{"ResponseType":"STRING_MAP"}},
	   "Transitions":{"NextAction":"record","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"record","Type":"InvokeFlowModule","Parameters":{"FlowModuleId":"` + moduleID + `"},
	   "Transitions":{"NextAction":"menu","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"menu","Type":"GetParticipantInput","Parameters":{"Text":"Hello $.External.name. Press 1 for billing or 2 to hang up.","StoreInput":"False","InputTimeLimitSeconds":"5"},
	   "Transitions":{"NextAction":"goodbye","Conditions":[
	     {"NextAction":"set-queue","Condition":{"Operator":"Equals","Operands":["1"]}},
	     {"NextAction":"goodbye","Condition":{"Operator":"Equals","Operands":["2"]}}],
	     "Errors":[{"ErrorType":"InputTimeLimitExceeded","NextAction":"goodbye"},{"ErrorType":"NoMatchingCondition","NextAction":"goodbye"},{"ErrorType":"NoMatchingError","NextAction":"goodbye"}]}},
	  {"Identifier":"set-queue","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"` + queueID + `"},"Transitions":{"NextAction":"queue","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"queue","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"QueueAtCapacity","NextAction":"bye"},{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"closed","Type":"MessageParticipant","Parameters":{"Text":"We are closed."},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"goodbye","Type":"MessageParticipant","Parameters":{"Text":"Goodbye."},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}
	]}`
}

func weekdays(open, close int32) []types.HoursOfOperationConfig {
	var cfg []types.HoursOfOperationConfig
	for _, d := range []types.HoursOfOperationDays{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"} {
		cfg = append(cfg, types.HoursOfOperationConfig{Day: d,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(open), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(close), Minutes: aws.Int32(0)}})
	}
	return cfg
}

func instanceARN(id string) string { return "arn:aws:connect:us-east-1:000000000000:instance/" + id }

// hotlineCmd runs a client command of the binary against the server, with
// the credentials the AWS clients read.
func hotlineCmd(bin string, s *served, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, append(args, "--endpoint", s.endpoint)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	return cmd
}

// callReport is what `hotline call --json` prints.
type callReport struct {
	ContactID string `json:"contactId"`
	Events    []struct {
		At     float64        `json:"at"`
		Type   string         `json:"type"`
		Action string         `json:"action"`
		Detail map[string]any `json:"detail"`
	} `json:"events"`
	Outcome struct {
		Disposition string `json:"disposition"`
		Queue       *struct {
			Name string `json:"name"`
			ARN  string `json:"arn"`
		} `json:"queue"`
		Recording *struct {
			RecordedParticipants []string
		} `json:"recording"`
		AgentWhisper []string `json:"agentWhisper"`
		Error        string   `json:"error"`
	} `json:"outcome"`
}

func (r *callReport) prompts() []string {
	var out []string
	for _, e := range r.Events {
		if e.Type == "prompt" {
			if s, ok := e.Detail["text"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (r *callReport) branches() []string {
	var out []string
	for _, e := range r.Events {
		if e.Type == "branch" {
			next, _ := e.Detail["next"].(string)
			out = append(out, e.Action+"→"+next)
		}
	}
	return out
}

// callJSON runs `hotline call --json`, checks its exit status, and reads
// the report.
func callJSON(t *testing.T, bin string, s *served, status int, args ...string) *callReport {
	t.Helper()
	cmd := hotlineCmd(bin, s, append([]string{"call", "--json"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != status {
		t.Fatalf("hotline call %s exited %d, want %d\n%s\n%s", strings.Join(args, " "), code, status, stderr.String(), out)
	}
	var r callReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("hotline call --json printed %s: %v\n%s", out, err, stderr.String())
	}
	return &r
}

// wantList compares lists; prefix accepts got having more entries after want's.
func wantList(t *testing.T, what string, got, want []string, prefix bool) {
	t.Helper()
	if prefix && len(got) > len(want) {
		got = got[:len(want)]
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s =\n  %q\nwant\n  %q", what, got, want)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
