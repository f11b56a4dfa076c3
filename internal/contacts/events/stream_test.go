package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/contacts/events"
	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// queueFlow puts the caller in a queue; helloFlow greets and hangs up.
func queueFlow(queueID string) string {
	return `{"Version":"2019-10-30","StartAction":"set","Actions":[
	  {"Identifier":"set","Type":"UpdateContactTargetQueue","Parameters":{"QueueId":"` + queueID + `"},"Transitions":{"NextAction":"queue","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"queue","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"QueueAtCapacity","NextAction":"bye"},{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
	  {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`
}

const helloFlow = `{"Version":"2019-10-30","StartAction":"hi","Actions":[
 {"Identifier":"hi","Type":"MessageParticipant","Parameters":{"Text":"Hello"},"Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// live is a server on the real clock with a queue, an inbound number whose
// flow queues the caller, and an outbound number plan that answers fast.
type live struct {
	ts      *testserver.Server
	sdk     *connect.Client
	c       *client.Client
	inst    string
	inbound string // the number a simulated call dials
	source  string // the caller id of outbound calls
	hello   string // the outbound flow
	queue   string // the queue's id
}

func startLive(t *testing.T) *live {
	t.Helper()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "HOTLINE_ENDPOINT": ""} {
		t.Setenv(k, v)
	}
	plan, err := outbound.ParsePlan("+1555=answer/50ms/300ms")
	if err != nil {
		t.Fatal(err)
	}
	ts := testserver.Start(t, server.Config{Outbound: outbound.Settings{NumberPlan: plan}})
	l := &live{ts: ts, sdk: ts.Connect(), inst: ts.DefaultInstanceID, inbound: "+442071234567", source: "+12025550100"}
	ctx := context.Background()
	inst := aws.String(l.inst)
	var days []types.HoursOfOperationConfig
	for _, d := range types.HoursOfOperationDays("").Values() {
		days = append(days, types.HoursOfOperationConfig{Day: d,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(0), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(23), Minutes: aws.Int32(59)}})
	}
	hours, err := l.sdk.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{InstanceId: inst, Name: aws.String("Always"), TimeZone: aws.String("UTC"), Config: days})
	if err != nil {
		t.Fatal(err)
	}
	q, err := l.sdk.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: inst, Name: aws.String("Sales"), HoursOfOperationId: hours.HoursOfOperationId})
	if err != nil {
		t.Fatal(err)
	}
	l.queue = aws.ToString(q.QueueId)
	flow := func(name, content string) string {
		out, err := l.sdk.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: inst, Name: aws.String(name),
			Type: types.ContactFlowTypeContactFlow, Content: aws.String(content)})
		if err != nil {
			t.Fatalf("creating flow %s: %v", name, err)
		}
		return aws.ToString(out.ContactFlowId)
	}
	queued := flow("Queue", queueFlow(l.queue))
	l.hello = flow("Hello", helloFlow)
	for _, n := range []string{l.inbound, l.source} {
		num, err := l.sdk.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: inst, PhoneNumber: aws.String(n)})
		if err != nil {
			t.Fatal(err)
		}
		if n == l.inbound {
			if _, err := l.sdk.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{InstanceId: inst,
				PhoneNumberId: num.PhoneNumberId, ContactFlowId: aws.String(queued)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if l.c, err = client.New(ctx, ts.URL); err != nil {
		t.Fatal(err)
	}
	return l
}

// call places a simulated inbound call that waits a second in the queue.
func (l *live) call(t *testing.T) string {
	t.Helper()
	var out struct {
		ContactID string `json:"contactId"`
	}
	in := map[string]any{"to": l.inbound, "from": "+447700900123", "script": map[string]any{"queueTime": "1s"}}
	if err := l.c.Do(context.Background(), "POST", "/_hotline/calls", in, &out); err != nil {
		t.Fatal(err)
	}
	return out.ContactID
}

// dial starts an outbound contact.
func (l *live) dial(t *testing.T) string {
	t.Helper()
	out, err := l.sdk.StartOutboundVoiceContact(context.Background(), &connect.StartOutboundVoiceContactInput{
		InstanceId: aws.String(l.inst), ContactFlowId: aws.String(l.hello), DestinationPhoneNumber: aws.String("+15550100"),
		SourcePhoneNumber: aws.String(l.source)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ContactId)
}

// sse is one event read from a stream.
type sse struct {
	id  uint64
	ev  contacts.ContactEvent
	raw string
}

// openStream opens the event stream at path and sends its events (blocks
// with data) on a channel, which is closed when the stream ends.
func (l *live) openStream(t *testing.T, ctx context.Context, query string) (<-chan sse, uint64) {
	t.Helper()
	resp, err := l.c.Stream(ctx, "/_hotline/contacts/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	// The opening block: a comment and the position the stream starts after.
	var start uint64
	for sc.Scan() && sc.Text() != "" {
		if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			start, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	ch := make(chan sse, 100)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		var cur sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if cur.raw != "" {
					if err := json.Unmarshal([]byte(cur.raw), &cur.ev); err != nil {
						t.Errorf("event %d is not JSON: %v", cur.id, err)
					}
					ch <- cur
				}
				cur = sse{}
			case strings.HasPrefix(line, "id: "):
				cur.id, _ = strconv.ParseUint(line[4:], 10, 64)
			case strings.HasPrefix(line, "data: "):
				cur.raw = line[6:]
			}
		}
	}()
	return ch, start
}

// collect reads events until want returns true for the list so far.
func collect(t *testing.T, ch <-chan sse, want func([]sse) bool) []sse {
	t.Helper()
	var got []sse
	timeout := time.After(15 * time.Second)
	for !want(got) {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended after %d events", len(got))
			}
			got = append(got, e)
		case <-timeout:
			t.Fatalf("timed out with %d events: %v", len(got), summary(got))
		}
	}
	return got
}

func summary(evs []sse) []string {
	var out []string
	for _, e := range evs {
		out = append(out, strconv.FormatUint(e.id, 10)+" "+e.ev.Detail.EventType+" "+e.ev.Detail.ContactID)
	}
	return out
}

func ofContact(evs []sse, id string) []string {
	var out []string
	for _, e := range evs {
		if e.ev.Detail.ContactID == id {
			out = append(out, e.ev.Detail.EventType)
		}
	}
	return out
}

// TestStreamFromALiveServer follows a simulated inbound call, an outbound
// contact and an attribute update through a signed stream, resumes it
// from a sequence number with a type filter, and delivers the same events
// to a webhook set through the signed API.
func TestStreamFromALiveServer(t *testing.T) {
	l := startLive(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	rc := newReceiver(t)
	var hook events.WebhookOutput
	if err := l.c.Do(ctx, "PUT", "/_hotline/webhooks/crm", events.WebhookInput{URL: rc.srv.URL, Secret: "k"}, &hook); err != nil {
		t.Fatal(err)
	}
	if hook.InstanceID != l.inst || !hook.HasSecret || hook.Cursor != 0 {
		t.Fatalf("the webhook: %+v", hook)
	}

	stream, start := l.openStream(t, ctx, "")
	if start != 0 {
		t.Fatalf("a fresh server's stream starts after %d", start)
	}
	in := l.call(t)
	got := collect(t, stream, func(evs []sse) bool { return len(ofContact(evs, in)) == 3 })
	if want := "INITIATED,QUEUED,DISCONNECTED"; strings.Join(ofContact(got, in), ",") != want {
		t.Fatalf("the inbound call's events: %v, want %s", ofContact(got, in), want)
	}
	queued := got[1].ev.Detail
	if queued.QueueInfo == nil || !strings.HasSuffix(queued.QueueInfo.QueueARN, "/queue/"+l.queue) || queued.Channel != "VOICE" ||
		queued.InitiationMethod != "INBOUND" || queued.InstanceARN != "arn:aws:connect:us-east-1:000000000000:instance/"+l.inst {
		t.Fatalf("QUEUED: %+v", queued)
	}

	out := l.dial(t)
	got = append(got, collect(t, stream, func(evs []sse) bool { return len(ofContact(evs, out)) == 3 })...)
	if want := "INITIATED,CONNECTED_TO_SYSTEM,DISCONNECTED"; strings.Join(ofContact(got, out), ",") != want {
		t.Fatalf("the outbound contact's events: %v, want %s", ofContact(got, out), want)
	}
	if _, err := l.sdk.UpdateContactAttributes(ctx, &connect.UpdateContactAttributesInput{InstanceId: aws.String(l.inst),
		InitialContactId: aws.String(out), Attributes: map[string]string{"outcome": "sold"}}); err != nil {
		t.Fatal(err)
	}
	got = append(got, collect(t, stream, func(evs []sse) bool { return len(evs) == 1 })...)
	if d := got[len(got)-1].ev.Detail; d.EventType != "CONTACT_DATA_UPDATED" || d.ContactID != out || len(d.UpdatedProperties) != 1 {
		t.Fatalf("after UpdateContactAttributes: %+v", d)
	}
	for i, e := range got {
		if e.id != uint64(i+1) {
			t.Fatalf("the stream's ids are not 1, 2, ...: %v", summary(got))
		}
	}

	// Resume after the first event, DISCONNECTED only: a replay.
	resumed, _ := l.openStream(t, ctx, "?after=1&types=DISCONNECTED&instanceId="+l.inst)
	again := collect(t, resumed, func(evs []sse) bool { return len(evs) == 2 })
	if again[0].id != 3 || again[1].ev.Detail.ContactID != out || again[0].raw != got[2].raw {
		t.Fatalf("resumed: %v", summary(again))
	}

	// The webhook got the same seven events, in order.
	waitFor(t, "the webhook", func() bool { return len(rc.deliveries()) == len(got) })
	for i, d := range rc.deliveries() {
		if string(d.body) != got[i].raw {
			t.Fatalf("delivery %d differs from stream event %d", i+1, got[i].id)
		}
	}
	// The cursor is stored after the batch the receiver acknowledged.
	var list events.WebhookList
	waitFor(t, "the acknowledgements", func() bool {
		if err := l.c.Do(ctx, "GET", "/_hotline/webhooks", nil, &list); err != nil {
			t.Fatal(err)
		}
		return len(list.Webhooks) == 1 && list.Webhooks[0].Cursor == uint64(len(got))
	})
	if h := list.Webhooks[0]; h.LastSequence != uint64(len(got)) || h.Delivered != uint64(len(got)) || h.Failures != 0 {
		t.Fatalf("the webhook: %+v", h)
	}

	// A stopping server ends the streams rather than wait for them.
	began := time.Now()
	l.ts.Restart(t)
	if d := time.Since(began); d > 4*time.Second { // a held shutdown waits 5 s
		t.Fatalf("the restart took %s: the open streams held it", d)
	}
	for range stream {
	}
}

// TestAPIErrors: the stream and the webhook API are signed, and refuse
// what they cannot serve as Hotline's other APIs do.
func TestAPIErrors(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()
	resp, err := http.Get(l.ts.URL + "/_hotline/contacts/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("an unsigned stream request was answered %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		method, path string
		body         any
		code         string
		status       int
	}{
		{"GET", "/_hotline/contacts/events?after=x", nil, "InvalidParameterException", 400},
		{"GET", "/_hotline/contacts/events?types=HELD", nil, "InvalidParameterException", 400},
		{"GET", "/_hotline/contacts/events?instanceId=00000000-0000-0000-0000-000000000000", nil, "ResourceNotFoundException", 404},
		{"PUT", "/_hotline/webhooks/crm", map[string]any{"url": "ftp://example.com"}, "InvalidParameterException", 400},
		{"PUT", "/_hotline/webhooks/crm", map[string]any{"url": "http://example.com", "eventTypes": []string{"HELD"}}, "InvalidParameterException", 400},
		{"PUT", "/_hotline/webhooks/crm", map[string]any{"url": "http://example.com", "urll": "x"}, "InvalidParameterException", 400},
		{"PUT", "/_hotline/webhooks/crm", map[string]any{"url": "http://example.com", "initialBackoff": "1m", "maxBackoff": "1s"}, "InvalidParameterException", 400},
		{"PUT", "/_hotline/webhooks/a.b", map[string]any{"url": "http://example.com"}, "InvalidParameterException", 400},
		{"PUT", "/_hotline/webhooks/crm?instanceId=nope", map[string]any{"url": "http://example.com"}, "ResourceNotFoundException", 404},
		{"GET", "/_hotline/webhooks/none", nil, "ResourceNotFoundException", 404},
		{"DELETE", "/_hotline/webhooks/none", nil, "ResourceNotFoundException", 404},
	} {
		var err error
		if strings.HasPrefix(tc.path, "/_hotline/contacts/events") {
			_, err = l.c.Stream(ctx, tc.path, nil)
		} else {
			err = l.c.Do(ctx, tc.method, tc.path, tc.body, nil)
		}
		var e *client.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Status != tc.status || e.Message == "" {
			t.Errorf("%s %s: %v, want %s (%d)", tc.method, tc.path, err, tc.code, tc.status)
		}
	}
	// Create, read, delete by the instance's ARN; the secret never comes back.
	arn := "?instanceId=arn:aws:connect:us-east-1:000000000000:instance/" + l.inst
	var out events.WebhookOutput
	in := map[string]any{"url": "https://example.com/hook", "secret": "s", "eventTypes": []string{"DISCONNECTED"}, "maxBackoff": "30s"}
	if err := l.c.Do(ctx, "PUT", "/_hotline/webhooks/crm"+arn, in, &out); err != nil {
		t.Fatal(err)
	}
	if err := l.c.Do(ctx, "GET", "/_hotline/webhooks/crm", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.URL != "https://example.com/hook" || !out.HasSecret || out.MaxBackoff != events.Duration(30*time.Second) ||
		out.InitialBackoff != events.Duration(time.Second) || len(out.EventTypes) != 1 {
		t.Fatalf("the webhook: %+v", out)
	}
	var raw map[string]any
	if err := l.c.Do(ctx, "GET", "/_hotline/webhooks/crm", nil, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["secret"]; ok {
		t.Fatalf("the secret was answered: %v", raw)
	}
	if err := l.c.Do(ctx, "DELETE", "/_hotline/webhooks/crm"+arn, nil, nil); err != nil {
		t.Fatal(err)
	}
	var list events.WebhookList
	if err := l.c.Do(ctx, "GET", "/_hotline/webhooks", nil, &list); err != nil || len(list.Webhooks) != 0 {
		t.Fatalf("after the delete: %+v, %v", list, err)
	}
}
