package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// A JSON 1.0 model with one operation, to exercise the X-Amz-Target codec.
const jsonModel = `{"metadata":{"protocol":"json","signingName":"echo","serviceId":"Echo","targetPrefix":"Echo_20240101","jsonVersion":"1.0"},
"operations":{"Echo":{"name":"Echo","http":{"method":"POST","requestUri":"/"},"input":{"shape":"EchoInput"},"output":{"shape":"EchoOutput"}},
"Fail":{"name":"Fail","http":{"method":"POST","requestUri":"/"},"input":{"shape":"EchoInput"}},
"Later":{"name":"Later","http":{"method":"POST","requestUri":"/"}}},
"shapes":{"EchoInput":{"type":"structure","required":["Text"],"members":{"Text":{"shape":"Text"},"Times":{"shape":"Times"}}},
"EchoOutput":{"type":"structure","members":{"Text":{"shape":"Text"}}},
"Text":{"type":"string","min":1,"max":10},"Times":{"type":"integer","min":1,"max":3},
"GoneException":{"type":"structure","exception":true,"error":{"httpStatusCode":410},"members":{"Message":{"shape":"Text"}}}}}`

type echoInput struct {
	Text  string `json:"Text"`
	Times *int32 `json:"Times,omitempty"`
}
type echoOutput struct {
	Text string `json:"Text"`
}

// testEdge serves the JSON model and the real Connect model with one
// handler each; everything else is unimplemented.
func testEdge(t testing.TB) http.Handler { return testEdgeWith(t, nil) }

func testEdgeWith(t testing.TB, limiter *throttle.Limiter) http.Handler {
	t.Helper()
	model, err := awsmodel.Parse([]byte(jsonModel))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{
		Verifier: &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "secret", id == "AKID" }},
		Throttle: limiter, AccountID: "000000000000",
	})
	echo := NewService(model, "ValidationException", "InternalServerError")
	echo.ThrottleErrors = map[string]string{"Fail": "TooManyRequestsException"}
	Handle(echo, "Echo", func(_ context.Context, in *echoInput) (*echoOutput, error) {
		return &echoOutput{Text: strings.Repeat(in.Text, int(aws.ToInt32(in.Times)))}, nil
	})
	Handle(echo, "Fail", func(_ context.Context, in *echoInput) (*struct{}, error) {
		if in.Text == "gone" {
			return nil, apierr.New("GoneException", "it is gone").With("Extra", []string{"a"})
		}
		return nil, io.ErrUnexpectedEOF
	})
	srv.Register(echo)
	connect := NewService(awsmodel.MustLoad("connect"), "InvalidParameterException", "InternalServiceException")
	type describeIn struct {
		InstanceId    string `json:"InstanceId"`
		ContactFlowId string `json:"ContactFlowId"`
	}
	Handle(connect, "DescribeContactFlow", func(_ context.Context, in *describeIn) (*describeIn, error) { return in, nil })
	srv.Register(connect)
	return srv
}

func signed(t testing.TB, method, url, service, body string, header map[string]string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestEdgeAnswers(t *testing.T) {
	h := testEdge(t)
	target := func(op string) map[string]string {
		return map[string]string{"X-Amz-Target": "Echo_20240101." + op, "Content-Type": "application/x-amz-json-1.0"}
	}
	cases := []struct {
		name      string
		req       *http.Request
		status    int
		errorType string
		bodyPart  string
	}{
		{"json 1.0 operation", signed(t, "POST", "/", "echo", `{"Text":"ab","Times":2}`, target("Echo")), 200, "", `{"Text":"abab"}`},
		{"json 1.0 validation", signed(t, "POST", "/", "echo", `{"Times":9}`, target("Echo")), 400, "ValidationException", "2 validation errors"},
		{"json 1.0 bad JSON", signed(t, "POST", "/", "echo", `{"Text":`, target("Echo")), 400, "SerializationException", "not valid JSON"},
		{"json 1.0 body not an object", signed(t, "POST", "/", "echo", `["x"]`, target("Echo")), 400, "SerializationException", "JSON object"},
		{"json 1.0 unknown target", signed(t, "POST", "/", "echo", `{}`, target("Nope")), 404, "UnknownOperationException", "Nope"},
		{"modelled error with members", signed(t, "POST", "/", "echo", `{"Text":"gone"}`, target("Fail")), 410, "GoneException", `"Extra":["a"]`},
		{"internal error hides details", signed(t, "POST", "/", "echo", `{"Text":"x"}`, target("Fail")), 500, "InternalServerError", "server log"},
		{"not implemented names the operation", signed(t, "POST", "/", "echo", `{}`, target("Later")), 501, "NotImplementedException", "Later"},
		{"rest-json labels", signed(t, "GET", "/contact-flows/inst-1/arn%3Aaws%3Aconnect%3Aus-east-1%3A1%3Ainstance%2Fi%2Fcontact-flow%2Ff", "connect", "", nil),
			200, "", `"ContactFlowId":"arn:aws:connect:us-east-1:1:instance/i/contact-flow/f"`},
		{"rest-json unimplemented", signed(t, "GET", "/users-summary/inst-1", "connect", "", nil), 501, "NotImplementedException", "ListUsers"},
		{"rest-json unknown path", signed(t, "GET", "/no/such/path", "connect", "", nil), 404, "UnknownOperationException", "/no/such/path"},
		{"rest-json method with no operation", signed(t, "PATCH", "/contact-flows/inst-1/f", "connect", "", nil), 404, "UnknownOperationException", "PATCH"},
		{"unknown service", signed(t, "POST", "/", "s3", `{}`, nil), 400, "UnknownServiceException", "s3"},
		{"unsigned", httptest.NewRequest("GET", "/contact-flows/a/b", nil), 403, "MissingAuthenticationTokenException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tc.req)
			if rec.Code != tc.status || rec.Header().Get("X-Amzn-ErrorType") != tc.errorType {
				t.Fatalf("got %d %q %s; want %d %q", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body, tc.status, tc.errorType)
			}
			if !strings.Contains(rec.Body.String(), tc.bodyPart) {
				t.Fatalf("body %s lacks %s", rec.Body, tc.bodyPart)
			}
			if rec.Header().Get("X-Amzn-RequestId") == "" || rec.Header().Get("Date") == "" {
				t.Fatal("missing X-Amzn-RequestId or Date")
			}
			if tc.errorType != "" {
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("error body is not JSON: %s", rec.Body)
				}
				if _, ok := body["Message"].(string); !ok {
					t.Fatalf("error body has no string Message: %s", rec.Body)
				}
			}
		})
	}
}

// FuzzDecode sends arbitrary bodies, paths and query strings through the
// rest-json and JSON 1.0 decoders and the validator: every answer must be a
// well-formed response, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add("POST", "/", "Echo", `{"Text":"ab","Times":2}`)
	f.Add("POST", "/", "Echo", `{"Text":null,"Times":"x"}`)
	f.Add("GET", "/contact-flows-summary/i?contactFlowTypes=CONTACT_FLOW&maxResults=abc&nextToken=%zz", "", "")
	f.Add("PUT", "/contact-flows/i", "", `{"Name":"x","Type":"CONTACT_FLOW","Content":"{}","Tags":{"a":1}}`)
	f.Add("POST", "/contact/outbound-voice", "", `{"Attributes":{"k":["v"]},"RingTimeoutInSeconds":1e999}`)
	f.Add("GET", "/contact-flows/%2F/%00", "", "")
	h := testEdge(f)
	f.Fuzz(func(t *testing.T, method, path, op, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#") || !validMethod(method) {
			return
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return // not a request a client could send
		}
		service := "connect"
		header := map[string]string{}
		if op != "" {
			service = "echo"
			header["X-Amz-Target"] = "Echo_20240101." + op
		}
		req := httptest.NewRequest(method, "http://localhost"+path, bytes.NewBufferString(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		sum := sha256.Sum256([]byte(body))
		_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
			req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 400 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%d with a non-JSON body: %q", rec.Code, rec.Body)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "PATCH":
		return true
	}
	return false
}

func TestThrottleAnswersBeforeValidation(t *testing.T) {
	clk := clock.NewVirtual(time.Now())
	h := testEdgeWith(t, throttle.New(map[string]throttle.Limit{"Echo": {Rate: 1, Burst: 2}, "Fail": {Rate: 1, Burst: 1}}, clk.Now))
	send := func(op, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, signed(t, "POST", "/", "echo", body, map[string]string{"X-Amz-Target": "Echo_20240101." + op}))
		return rec
	}
	for i, want := range []int{200, 200, 429} {
		if rec := send("Echo", `{"Text":"a"}`); rec.Code != want {
			t.Fatalf("Echo request %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	// Throttled even when the request is invalid, with the operation's own code.
	send("Fail", `{"Text":"x"}`)
	rec := send("Fail", `{}`)
	if rec.Code != 429 || rec.Header().Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
		t.Fatalf("Fail: %d %s %s", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body)
	}
	clk.Advance(time.Second)
	if rec := send("Echo", `{"Text":"a"}`); rec.Code != 200 {
		t.Fatalf("after a second: %d", rec.Code)
	}
}

// A member bound to the query string is never read from the body.
func TestBoundMembersComeOnlyFromTheirLocation(t *testing.T) {
	model, err := awsmodel.Parse([]byte(`{"metadata":{"protocol":"rest-json","signingName":"svc","serviceId":"Svc"},
"operations":{"Search":{"name":"Search","http":{"method":"POST","requestUri":"/search/{Domain}"},"input":{"shape":"SearchInput"},"output":{"shape":"SearchOutput"}}},
"shapes":{"SearchOutput":{"type":"structure","members":{"Domain":{"shape":"S"},"NextToken":{"shape":"S"},"Query":{"shape":"S"}}},"SearchInput":{"type":"structure","required":["Domain"],"members":{
  "Domain":{"shape":"S","location":"uri","locationName":"Domain"},
  "NextToken":{"shape":"S","location":"querystring","locationName":"next-token"},
  "Query":{"shape":"S"}}},
"S":{"type":"string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	type searchInput struct {
		Domain    string  `json:"Domain"`
		NextToken *string `json:"NextToken,omitempty"`
		Query     *string `json:"Query,omitempty"`
	}
	srv := NewServer(Config{Verifier: &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "secret", id == "AKID" }}})
	svc := NewService(model, "ValidationException", "InternalServerError")
	Handle(svc, "Search", func(_ context.Context, in *searchInput) (*searchInput, error) { return in, nil })
	srv.Register(svc)
	for _, tc := range []struct{ url, body, want string }{
		{"/search/d1", `{"Query":"q","NextToken":"from-body","Domain":"body"}`, `{"Domain":"d1","Query":"q"}`},
		{"/search/d1?next-token=t1", `{"Query":"q","NextToken":"from-body"}`, `{"Domain":"d1","NextToken":"t1","Query":"q"}`},
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, signed(t, "POST", tc.url, "svc", tc.body, nil))
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != tc.want {
			t.Errorf("%s %s: %d %s, want %s", tc.url, tc.body, rec.Code, rec.Body, tc.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := requestID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Fatalf("requestID() = %q: %v, version %d, variant %v", id, err, u.Version(), u.Variant())
		}
		if seen[id] {
			t.Fatalf("requestID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestHTTPDate(t *testing.T) {
	for _, tc := range []time.Time{
		time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 21, 22, 0, 0, 999_999_999, time.UTC), // the same second
		time.Date(2026, 11, 21, 22, 0, 1, 0, time.UTC),
		time.Date(2026, 11, 21, 23, 0, 1, 0, time.FixedZone("CET", 3600)), // the same instant as the one before
		time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	} {
		if got, want := httpDate(tc), tc.UTC().Format(http.TimeFormat); len(got) != 1 || got[0] != want {
			t.Errorf("httpDate(%v) = %q, want %q", tc, got, want)
		}
	}
}

// Requests are counted by operation and status, and timed, whichever path
// (cached series or lookup by labels) counts them.
func TestRequestMetrics(t *testing.T) {
	model, err := awsmodel.Parse([]byte(jsonModel))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := NewServer(Config{
		Verifier:   &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "secret", id == "AKID" }},
		Registerer: reg,
	})
	echo := NewService(model, "ValidationException", "InternalServerError")
	Handle(echo, "Echo", func(_ context.Context, in *echoInput) (*echoOutput, error) { return &echoOutput{Text: in.Text}, nil })
	Handle(echo, "Fail", func(_ context.Context, in *echoInput) (*struct{}, error) {
		return nil, apierr.New("GoneException", "gone")
	})
	srv.Register(echo)
	for _, c := range []struct{ op, body string }{
		{"Echo", `{}`}, {"Echo", `{"Text":"a"}`}, {"Echo", `{"Text":"b"}`}, {"Fail", `{"Text":"a"}`}, {"Echo", `{"Text":"c"}`},
	} {
		srv.ServeHTTP(httptest.NewRecorder(), signed(t, "POST", "/", "echo", c.body, map[string]string{"X-Amz-Target": "Echo_20240101." + c.op}))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				got[key] = float64(h.GetSampleCount())
			} else {
				got[key] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"hotline_requests_total operation=Echo service=echo status=200": 3,
		"hotline_requests_total operation=Echo service=echo status=400": 1,
		"hotline_requests_total operation=Fail service=echo status=410": 1,
		"hotline_request_duration_seconds operation=Echo service=echo":  4,
		"hotline_request_duration_seconds operation=Fail service=echo":  1,
	}
	if !maps.Equal(got, want) {
		t.Fatalf("metrics %v, want %v", got, want)
	}
}
