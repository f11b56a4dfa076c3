package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/channel/voice"
)

// callServer answers POST /_hotline/calls with report, and keeps the
// request it was sent.
func callServer(t *testing.T, report string) (*httptest.Server, *voice.CallInput) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	got := &voice.CallInput{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/_hotline/calls" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(report))
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

const queuedReport = `{"instanceId":"i-1","contactId":"c-1","from":"+12025550123","to":"+442071234567",
 "startedAt":"2026-11-23T10:00:00Z","endedAt":"2026-11-23T10:01:07.5Z","disconnectReason":"CUSTOMER_DISCONNECT",
 "events":[
  {"at":0,"type":"flow","detail":{"flow":"f-1","name":"Main","flowType":"CONTACT_FLOW"}},
  {"at":0,"type":"prompt","action":"menu","detail":{"text":"Press 1 for sales.","seconds":1.6,"interruptible":true}},
  {"at":1.6,"type":"note","action":"menu","detail":{"why":"prompt finished; waiting 5s for the first key"}},
  {"at":2.6,"type":"input","action":"menu","detail":{"keys":"1","press":1}},
  {"at":2.6,"type":"branch","action":"menu","detail":{"actionType":"GetParticipantInput","branch":"Condition[0] Equals \"1\"","next":"lookup","why":"key 1 pressed","params":{"StoreInput":"false"}}},
  {"at":2.6,"type":"lambda","action":"lookup","detail":{"phase":"request","function":"arn:aws:lambda:us-east-1:000000000000:function:f","timeLimitSeconds":3,"request":{"Details":{"Parameters":{"phone":"+12025550123"}},"Name":"ContactFlowEvent"}}},
  {"at":2.65,"type":"lambda","action":"lookup","detail":{"phase":"response","function":"arn:aws:lambda:us-east-1:000000000000:function:f","seconds":0.05,"response":{"name":"Ann"}}},
  {"at":2.65,"type":"attribute","action":"save","detail":{"scope":"Attributes","key":"name","old":"","new":"Ann"}},
  {"at":2.65,"type":"queue","action":"q","detail":{"queue":"Sales","queueArn":"arn:q","customerQueueFlow":"hotline-default-customer-queue","recording":{"participants":["Agent"]}}},
  {"at":67.5,"type":"whisper","detail":{"flow":"hotline-default-agent-whisper","prompts":["Sales"]}}],
 "outcome":{"disposition":"QUEUED","queue":{"name":"Sales","arn":"arn:q"},"recording":{"RecordedParticipants":["AGENT"],"Analytics":"POST_CALL"},"agentWhisper":["Sales"]}}`

func TestCallText(t *testing.T) {
	srv, sent := callServer(t, queuedReport)
	var out strings.Builder
	err := runCall(context.Background(), &out, []string{"+442071234567", "--press", "1", "--press", "!2@1s", "--dial", "+44=busy",
		"--intent", "Balance:account=savings", "--at", "2026-11-23T10:00:00Z", "--hangup-after", "2m", "--endpoint", srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if sent.To != "+442071234567" || strings.Join(sent.Script.Presses, ",") != "1,!2@1s" || len(sent.Script.Dial) != 1 || sent.Script.Dial[0].Result != "busy" ||
		len(sent.Script.Intents) != 1 || sent.Script.Intents[0].Slots["account"] != "savings" || sent.At != "2026-11-23T10:00:00Z" || sent.Script.HangupAfter.String() != "2m0s" {
		t.Fatalf("sent %+v", sent)
	}
	for _, want := range []string{
		`0s  prompt    "Press 1 for sales."  [1.6s, interruptible]`,
		"2.6s  key       1",
		`2.6s  action    menu (GetParticipantInput) → lookup: Condition[0] Equals "1" — key 1 pressed`,
		`parameters {"phone":"+12025550123"}`,
		`2.65s  lambda    answered in 0.05s: {"name":"Ann"}`,
		`set       Attributes.name = "Ann" (was "")`,
		"queue     placed in Sales (arn:q), customer queue flow hotline-default-customer-queue",
		`whisper   the agent would hear ["Sales"]`,
		"Outcome: QUEUED in Sales (arn:q)",
		"recording: records AGENT, analytics POST_CALL",
		`agent whisper: "Sales"`,
		"call length 1m7.5s, disconnect reason CUSTOMER_DISCONNECT",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Engine notes and parameters show only with --verbose.
	if strings.Contains(out.String(), "waiting 5s") || strings.Contains(out.String(), "StoreInput") {
		t.Errorf("notes without --verbose:\n%s", out.String())
	}
	out.Reset()
	if err := runCall(context.Background(), &out, []string{"-v", "+442071234567", "--endpoint", srv.URL}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"note      prompt finished; waiting 5s", `params StoreInput="false"`, `"Name":"ContactFlowEvent"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verbose output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCallExitsNonZeroOnError(t *testing.T) {
	report := `{"contactId":"c-2","events":[],"outcome":{"disposition":"ERROR","error":"action \"x\" (CreateTask): not implemented"}}`
	srv, _ := callServer(t, report)
	var out strings.Builder
	err := runCall(context.Background(), &out, []string{"+442071234567", "--endpoint", srv.URL})
	if !errors.Is(err, errCallFailed) || !strings.Contains(out.String(), `Outcome: ERROR: action "x" (CreateTask): not implemented`) {
		t.Fatalf("err %v, output:\n%s", err, out.String())
	}
	out.Reset()
	err = runCall(context.Background(), &out, []string{"--json", "+442071234567", "--endpoint", srv.URL})
	if !errors.Is(err, errCallFailed) || !strings.Contains(err.Error(), "CreateTask") || strings.TrimSpace(out.String()) != report {
		t.Fatalf("--json: err %v, output %s", err, out.String())
	}
}

func TestCallArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "give one number"},
		{[]string{"+1", "+2"}, "give one number"},
		{[]string{"+442071234567", "--press", "1x"}, "--press"},
		{[]string{"+442071234567", "--dial", "+1=maybe"}, "--dial"},
		{[]string{"+442071234567", "--intent", ":x=1"}, "--intent"},
		{[]string{"+442071234567", "--at", "tomorrow"}, "--at"},
	} {
		err := runCall(context.Background(), io.Discard, tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error naming %s", tt.args, err, tt.want)
		}
	}
}
