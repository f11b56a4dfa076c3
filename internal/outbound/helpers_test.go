package outbound_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// The tests run a real server on a virtual clock and talk to it with
// aws-sdk-go-v2, signing at the virtual time (the server checks SigV4
// skew against its own clock).

// helloFlow greets the customer by the name attribute (6 words: 2.4 s on
// the call's clock), marks the contact and hangs up.
const helloFlow = `{"Version":"2019-10-30","StartAction":"greet","Actions":[
 {"Identifier":"greet","Type":"MessageParticipant","Parameters":{"Text":"Hello $.Attributes.name, this is Hotline calling"},
  "Transitions":{"NextAction":"mark","Errors":[{"ErrorType":"NoMatchingError","NextAction":"mark"}]}},
 {"Identifier":"mark","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"greeted":"yes"}},
  "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// menuFlow asks for a key (2.4 s) and records a 1 as a confirmation.
const menuFlow = `{"Version":"2019-10-30","StartAction":"ask","Actions":[
 {"Identifier":"ask","Type":"GetParticipantInput","Parameters":{"Text":"Press 1 to confirm your appointment.","StoreInput":"False","InputTimeLimitSeconds":"5"},
  "Transitions":{"NextAction":"bye","Conditions":[{"NextAction":"confirm","Condition":{"Operator":"Equals","Operands":["1"]}}],
   "Errors":[{"ErrorType":"NoMatchingCondition","NextAction":"bye"},{"ErrorType":"InputTimeLimitExceeded","NextAction":"bye"},{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"confirm","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"confirmed":"yes"}},
  "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// whisperFlow is a queue's outbound whisper: the customer hears who calls.
const whisperFlow = `{"Version":"2019-10-30","StartAction":"who","Actions":[
 {"Identifier":"who","Type":"MessageParticipant","Parameters":{"Text":"This call is from Hotline"},
  "Transitions":{"NextAction":"end","Errors":[{"ErrorType":"NoMatchingError","NextAction":"end"}]}},
 {"Identifier":"end","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`

const queueFlow = `{"Version":"2019-10-30","StartAction":"end","Actions":[
 {"Identifier":"end","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`

// The number plan the rigs start with; each prefix is one far-end behaviour.
const (
	numBusy        = "+15550000001"
	numNoAnswer    = "+15550000002"
	numSlowAnswer  = "+15550000003" // rings 20 s
	numFail        = "+15550000004"
	numInvalid     = "+15550000005"
	numMachine     = "+15550000006"
	numHangsUp     = "+15550000007" // hangs up 1 s after answering
	numAnswers     = "+15550000008" // no rule: answers after 6 s
	numPresses     = "+15550000009" // presses 1
	testPlan       = "+15550000001=busy,+15550000002=no-answer,+15550000003=answer/20s,+15550000004=fail,+15550000005=invalid,+15550000006=machine/4s,+15550000007=answer/1s/1s"
	testPlanPress  = `{"rules":[{"prefix":"+15550000009","result":"answer","ring":"2s","customer":{"presses":["1"]}}]}`
	defaultCallsTo = numAnswers
)

type rig struct {
	ts     *testserver.Server
	clk    *clock.Virtual
	c      *connect.Client
	inst   string
	hello  string // flow ids
	menu   string
	source string // a number claimed to the instance
	// sourceID is the source number's id.
	sourceID string
}

// newRig starts a server on a virtual clock with the test number plan;
// out sets the other outbound settings. limits nil means no throttle, so
// tests can call as often as they like.
func newRig(t *testing.T, out outbound.Settings, limits map[string]throttle.Limit) *rig {
	t.Helper()
	if limits == nil {
		limits = map[string]throttle.Limit{}
	}
	plan, err := outbound.ParsePlan(testPlan)
	if err != nil {
		t.Fatal(err)
	}
	out.NumberPlan.Rules = append(plan.Rules, out.NumberPlan.Rules...)
	clk := clock.NewVirtual(time.Now().UTC().Truncate(time.Second))
	ts := testserver.Start(t, server.Config{Clock: clk, Throttle: limits, Outbound: out})
	r := &rig{ts: ts, clk: clk, inst: ts.DefaultInstanceID}
	r.c = connect.NewFromConfig(ts.AWSConfig(), func(o *connect.Options) {
		o.HTTPSignerV4 = virtualSigner{clk: clk, v4: v4.NewSigner()}
	})
	r.hello = r.flow(t, r.inst, "Hello", types.ContactFlowTypeContactFlow, helloFlow)
	r.menu = r.flow(t, r.inst, "Menu", types.ContactFlowTypeContactFlow, menuFlow)
	r.sourceID, r.source = r.claim(t, r.inst, "+12025550100")
	return r
}

// virtualSigner signs at the virtual clock's time.
type virtualSigner struct {
	clk *clock.Virtual
	v4  *v4.Signer
}

func (s virtualSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.v4.SignHTTP(ctx, creds, r, payloadHash, service, region, s.clk.Now(), opts...)
}

func (r *rig) flow(t *testing.T, inst, name string, typ types.ContactFlowType, content string) string {
	t.Helper()
	out, err := r.c.CreateContactFlow(context.Background(), &connect.CreateContactFlowInput{
		InstanceId: aws.String(inst), Name: aws.String(name), Type: typ, Content: aws.String(content)})
	if err != nil {
		t.Fatalf("creating flow %s: %v", name, err)
	}
	return aws.ToString(out.ContactFlowId)
}

func (r *rig) claim(t *testing.T, inst, number string) (id, e164 string) {
	t.Helper()
	out, err := r.c.ClaimPhoneNumber(context.Background(), &connect.ClaimPhoneNumberInput{
		InstanceId: aws.String(inst), PhoneNumber: aws.String(number)})
	if err != nil {
		t.Fatalf("claiming %s: %v", number, err)
	}
	return aws.ToString(out.PhoneNumberId), number
}

// call is a StartOutboundVoiceContact request from the rig's number to
// its hello flow.
func (r *rig) call(to string) *connect.StartOutboundVoiceContactInput {
	return &connect.StartOutboundVoiceContactInput{
		InstanceId: aws.String(r.inst), ContactFlowId: aws.String(r.hello),
		DestinationPhoneNumber: aws.String(to), SourcePhoneNumber: aws.String(r.source),
		Attributes: map[string]string{"name": "Ada"},
	}
}

func (r *rig) start(t *testing.T, in *connect.StartOutboundVoiceContactInput) string {
	t.Helper()
	out, err := r.c.StartOutboundVoiceContact(context.Background(), in)
	if err != nil {
		t.Fatalf("StartOutboundVoiceContact: %v", err)
	}
	if id := aws.ToString(out.ContactId); id != "" {
		return id
	}
	t.Fatal("no ContactId")
	return ""
}

func (r *rig) describe(t *testing.T, id string) *types.Contact {
	t.Helper()
	out, err := r.c.DescribeContact(context.Background(), &connect.DescribeContactInput{
		InstanceId: aws.String(r.inst), ContactId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeContact %s: %v", id, err)
	}
	return out.Contact
}

// record reads the stored contact, report included.
func (r *rig) record(t *testing.T, id string) *contacts.Record {
	t.Helper()
	rec, err := r.ts.Contacts.Get(context.Background(), r.inst, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// count is how many contacts the instance has (any state).
func (r *rig) count(t *testing.T) int {
	t.Helper()
	now := r.clk.Now()
	out, err := r.c.SearchContacts(context.Background(), &connect.SearchContactsInput{
		InstanceId: aws.String(r.inst),
		TimeRange: &types.SearchContactsTimeRange{Type: types.SearchContactsTimeRangeTypeInitiationTimestamp,
			StartTime: aws.Time(now.Add(-30 * 24 * time.Hour)), EndTime: aws.Time(now.Add(time.Hour))},
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(aws.ToInt64(out.TotalCount))
}

func (r *rig) stop(t *testing.T, id string) error {
	t.Helper()
	_, err := r.c.StopContact(context.Background(), &connect.StopContactInput{InstanceId: aws.String(r.inst), ContactId: aws.String(id)})
	return err
}

// internal sends a signed request to one of Hotline's own endpoints.
func (r *rig) internal(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), "hotline", "us-east-1", r.clk.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wantAPIError asserts that err is the AWS error code with the HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want %s (%d), got %v", code, status, err)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var httpErr *awshttp.ResponseError
	if !errors.As(err, &httpErr) || httpErr.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d for %s, got %v", status, code, err)
	}
	if apiErr.ErrorMessage() == "" {
		t.Fatalf("%s has no message", code)
	}
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// sameTime compares a timestamp from the API with an expected time to the
// millisecond.
func sameTime(got *time.Time, want time.Time) bool {
	return got != nil && got.Sub(want).Abs() < time.Millisecond
}
