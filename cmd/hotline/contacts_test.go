package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// lockedBuffer is an io.Writer the watch goroutine writes while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSuffix(l.b.String(), "\n"), "\n")
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// watchServer is a server whose number +442071234567 runs a flow that
// queues the caller; it returns the queue's id.
func watchServer(t *testing.T) (*testserver.Server, string) {
	t.Helper()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "HOTLINE_ENDPOINT": ""} {
		t.Setenv(k, v)
	}
	ts := testserver.Start(t, server.Config{})
	ctx := context.Background()
	api := ts.Connect()
	inst := aws.String(ts.DefaultInstanceID)
	hours, err := api.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{InstanceId: inst, Name: aws.String("Hours"),
		TimeZone: aws.String("UTC"), Config: weekdays(0, 23)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := api.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: inst, Name: aws.String("Billing"), HoursOfOperationId: hours.HoursOfOperationId})
	if err != nil {
		t.Fatal(err)
	}
	flow := `{"Version":"2019-10-30","StartAction":"set","Actions":[
	  {"Identifier":"set","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"` + aws.ToString(q.QueueId) + `"},"Transitions":{"NextAction":"queue","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"queue","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"QueueAtCapacity","NextAction":"bye"},{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
	f, err := api.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: inst, Name: aws.String("Queue"),
		Type: types.ContactFlowTypeContactFlow, Content: aws.String(flow)})
	if err != nil {
		t.Fatal(err)
	}
	num, err := api.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: inst, PhoneNumber: aws.String("+442071234567")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{InstanceId: inst,
		PhoneNumberId: num.PhoneNumberId, ContactFlowId: f.ContactFlowId}); err != nil {
		t.Fatal(err)
	}
	return ts, aws.ToString(q.QueueId)
}

// placeCall places a simulated call that waits 1 s in the queue and
// returns its contact id.
func placeCall(t *testing.T, ts *testserver.Server) string {
	t.Helper()
	c, err := client.New(context.Background(), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		ContactID string `json:"contactId"`
	}
	in := map[string]any{"to": "+442071234567", "script": map[string]any{"queueTime": "1s"}}
	if err := c.Do(context.Background(), "POST", "/_hotline/calls", in, &out); err != nil {
		t.Fatal(err)
	}
	return out.ContactID
}

// watching runs `hotline contacts watch` with args until the returned stop
// is called; stop returns what the command returned.
func watching(t *testing.T, out, errOut io.Writer, args ...string) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runContacts(ctx, out, errOut, append([]string{"watch"}, args...)) }()
	t.Cleanup(cancel)
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("watch did not end when its context did")
			return nil
		}
	}
}

func watchWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitLines(t *testing.T, b *lockedBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if l := b.lines(); len(l) >= n && l[0] != "" {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d lines:\n%s", n, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestContactsWatchCommand(t *testing.T) {
	ts, queue := watchServer(t)

	// JSON lines from now on: the events of a call placed after the watch
	// started, each with its sequence number.
	before := placeCall(t, ts) // events 1 to 3, before the watch
	var jsonOut, errOut lockedBuffer
	stop := watching(t, &jsonOut, &errOut, "--endpoint", ts.URL, "--json")
	watchWait(t, "the stream to open", func() bool { return strings.Contains(errOut.String(), "after sequence number 3") })
	id := placeCall(t, ts)
	lines := waitLines(t, &jsonOut, 3)
	if err := stop(); err != nil {
		t.Fatalf("watch: %v\n%s", err, errOut.String())
	}
	var types []string
	for i, line := range lines {
		var got struct {
			Sequence uint64                `json:"sequence"`
			Event    contacts.ContactEvent `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if got.Sequence != uint64(i+4) || got.Event.Detail.ContactID != id || got.Event.DetailType != "Amazon Connect Contact Event" {
			t.Fatalf("line %d: %s", i+1, line)
		}
		types = append(types, got.Event.Detail.EventType)
	}
	if strings.Join(types, ",") != "INITIATED,QUEUED,DISCONNECTED" {
		t.Fatalf("events %v", types)
	}

	// Lines, replayed from sequence number 1 with a type filter.
	var text lockedBuffer
	stop = watching(t, &text, io.Discard, "--from", "3", "--types", "QUEUED,DISCONNECTED", "--instance", ts.DefaultInstanceID, "--endpoint", ts.URL)
	lines = waitLines(t, &text, 3)
	line := regexp.MustCompile(`^(\d+) +(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) +(\S+) +(\S+) +(\S+) +(\S+)$`)
	for i, want := range [][]string{{"3", "DISCONNECTED", before, "VOICE", queue}, {"5", "QUEUED", id, "VOICE", queue}, {"6", "DISCONNECTED", id, "VOICE", queue}} {
		m := line.FindStringSubmatch(lines[i])
		if m == nil || m[1] != want[0] || m[3] != want[1] || m[4] != want[2] || m[5] != want[3] || m[6] != want[4] {
			t.Fatalf("line %d %q, want %v", i+1, lines[i], want)
		}
	}

	// A restarted server: watch reconnects where it stopped, and shows the
	// next call's events, none twice.
	var errs lockedBuffer
	stop2 := watching(t, &jsonOut, &errs, "--endpoint", ts.URL, "--from", "7", "--json")
	watchWait(t, "the second stream to open", func() bool { return strings.Contains(errs.String(), "after sequence number 6") })
	ts.Restart(t)
	id2 := placeCall(t, ts)
	lines = waitLines(t, &text, 5) // the text watch reconnected too
	waitLines(t, &jsonOut, 6)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errs.String(), "reconnecting") {
		t.Errorf("watch did not say it reconnected: %q", errs.String())
	}
	if len(lines) != 5 || !strings.HasPrefix(lines[3], "8 ") || !strings.Contains(lines[3], id2) || !strings.HasPrefix(lines[4], "9 ") {
		t.Fatalf("after the restart:\n%s", strings.Join(lines, "\n"))
	}
	if got := jsonOut.lines(); len(got) != 6 || !strings.Contains(got[3], `"sequence":7`) || !strings.Contains(got[5], id2) {
		t.Fatalf("the JSON watch across the restart:\n%s", strings.Join(got, "\n"))
	}
}

func TestContactsCommandErrors(t *testing.T) {
	ts, _ := watchServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "name a subcommand"},
		{[]string{"list"}, "unknown subcommand"},
		{[]string{"watch", "extra", "--endpoint", ts.URL}, "takes no arguments"},
		{[]string{"watch", "--types", "HELD", "--endpoint", ts.URL}, "not a contact event type"},
		{[]string{"watch", "--from", "-3", "--endpoint", ts.URL}, "not a sequence number"},
		{[]string{"watch", "--instance", "00000000-0000-0000-0000-000000000000", "--endpoint", ts.URL}, "ResourceNotFoundException"},
		{[]string{"watch", "--endpoint", "http://127.0.0.1:1"}, "cannot reach Hotline"},
	} {
		if err := runContacts(ctx, io.Discard, io.Discard, tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("contacts %q: %v, want %q", tc.args, err, tc.want)
		}
	}
	var out bytes.Buffer
	if err := runContacts(ctx, &out, io.Discard, []string{"help"}); err != nil || !strings.Contains(out.String(), "contacts watch") {
		t.Errorf("help: %v\n%s", err, out.String())
	}
	if err := runContacts(ctx, io.Discard, io.Discard, []string{"watch", "--help"}); err != nil {
		t.Errorf("watch --help: %v", err)
	}
}
