package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID    = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion  = "us-east-1"
	testService = "connect"
	testToken   = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDEXAMPLE+token/with=chars"
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	instanceARN = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
	// escapedARN is the ARN as the SDK puts it in a path label.
	escapedARN = "arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2F11111111-2222-3333-4444-555555555555"
)

var signTime = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func testCreds() aws.Credentials {
	return aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
}

func testVerifier(now time.Time) *Verifier {
	return &Verifier{
		Lookup: func(id string) (string, bool) {
			if id == testAKID {
				return testSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return now },
	}
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// newReq builds a client request; rawURL keeps its escaping (RawPath).
func newReq(t testing.TB, method, rawURL string, body []byte, headers map[string][]string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range headers {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

// signReq signs r with the real aws-sdk-go-v2 signer. payloadHash "" means
// the hex SHA-256 of body.
func signReq(t testing.TB, r *http.Request, body []byte, creds aws.Credentials, payloadHash string, at time.Time) {
	t.Helper()
	if payloadHash == "" {
		payloadHash = hexSHA(body)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, testService, testRegion, at); err != nil {
		t.Fatal(err)
	}
}

// presign returns a presigned client request made with the real signer.
func presign(t testing.TB, r *http.Request, creds aws.Credentials, payloadHash string, at time.Time) *http.Request {
	t.Helper()
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, payloadHash, testService, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(r.Method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if strings.EqualFold(k, "host") {
			continue
		}
		out.Header[k] = vs
	}
	return out
}

// toServer puts the client request through the HTTP/1.1 wire format and reads
// it back as net/http's server does, so Host, RawPath, Content-Length and
// header trimming are exactly what the edge will hand to Verify.
func toServer(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

func asError(t testing.TB, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *sigv4.Error", err, err)
	}
	return e
}

func TestVerifySignedBySDK(t *testing.T) {
	jsonBody := []byte(`{"InstanceId":"11111111-2222-3333-4444-555555555555","ContactFlowId":"flow-1","DestinationPhoneNumber":"+15555550100"}`)
	tagBody := []byte(`{"tags":{"team":"support"}}`)
	q := url.Values{}
	q.Add("queueTypes", "STANDARD")
	q.Add("queueTypes", "AGENT")
	q.Add("tag", "a b")
	q.Add("tag", "é")
	q.Add("tag", "a/b")
	q.Add("tag", "a-b")
	q.Add("name", "Zoë Smith & co+")
	q.Add("empty", "")
	q.Add("ключ", "значение")

	tests := []struct {
		name        string
		method, url string
		body        []byte
		headers     map[string][]string
		creds       aws.Credentials
		payloadHash string // "" = hash of body
		// wireQuery replaces the query after signing: the SDK sends its
		// canonical form, other clients send their own order and escaping.
		wireQuery string
	}{
		{name: "GET no query", method: "GET", url: "http://localhost:8080/instance/abc/queues"},
		{name: "GET empty path", method: "GET", url: "http://localhost:8080"},
		{name: "GET repeated keys spaces unicode (+ for space)", method: "GET", url: "http://localhost:8080/queues-summary/abc?" + q.Encode()},
		{name: "GET query reordered and escaped differently on the wire", method: "GET",
			url:       "http://localhost:8080/queues-summary/abc?" + q.Encode(),
			wireQuery: "%D0%BA%D0%BB%D1%8E%D1%87=%d0%b7%d0%bd%d0%b0%d1%87%d0%b5%d0%bd%d0%b8%d0%b5&tag=a-b&tag=%C3%A9&empty&tag=a%2fb&name=Zo%C3%AB+Smith+%26+co%2B&tag=a+b&queueTypes=AGENT&queue%54ypes=STANDARD"},
		{name: "GET query with %20 and reserved chars", method: "GET", url: "http://localhost:8080/users-summary/abc?nextToken=a%20b%2Fc%3D%3D&maxResults=5&x=%7E~"},
		{name: "PUT JSON", method: "PUT", url: "http://localhost:8080/contact/outbound-voice", body: jsonBody,
			headers: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "POST JSON", method: "POST", url: "http://localhost:8080/contact/stop", body: []byte(`{"ContactId":"c-1","InstanceId":"i-1"}`),
			headers: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "POST escaped ARN path", method: "POST", url: "http://localhost:8080/tags/" + escapedARN, body: tagBody,
			headers: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "DELETE escaped ARN path with query", method: "DELETE", url: "http://localhost:8080/tags/" + escapedARN + "?tagKeys=team&tagKeys=cost%20center"},
		{name: "path with escaped space and unicode", method: "GET", url: "http://localhost:8080/prompts/a%20b/%C3%A9t%C3%A9"},
		{name: "UNSIGNED-PAYLOAD", method: "POST", url: "http://localhost:8080/contact/stop", body: []byte(`{"ContactId":"c-1"}`),
			headers:     map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}},
			payloadHash: "UNSIGNED-PAYLOAD"},
		{name: "X-Amz-Content-Sha256 with the body hash", method: "PUT", url: "http://localhost:8080/contact/outbound-voice", body: jsonBody,
			headers: map[string][]string{"X-Amz-Content-Sha256": {hexSHA(jsonBody)}}},
		{name: "session token", method: "POST", url: "http://localhost:8080/contact/stop", body: []byte(`{}`),
			creds: aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: testToken}},
		{name: "headers with odd whitespace", method: "POST", url: "http://localhost:8080/contact/stop", body: []byte(`{}`),
			headers: map[string][]string{
				"Content-Type":       {"application/json"},
				"X-Hotline-Spaces":   {"  lots   of    spaces  "},
				"X-Hotline-Multiple": {"first  value", " second   value "},
				"X-Hotline-Inner":    {"a \t b"},
				"X-Amz-Target":       {"   leading-only"},
			}},
		{name: "empty body POST", method: "POST", url: "http://localhost:8080/contact/stop", body: []byte{}},
		{name: "non-default port-less host", method: "GET", url: "http://connect.localhost/instance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds.AccessKeyID == "" {
				creds = testCreds()
			}
			cr := newReq(t, tc.method, tc.url, tc.body, tc.headers)
			signReq(t, cr, tc.body, creds, tc.payloadHash, signTime)
			if tc.wireQuery != "" {
				if cr.URL.RawQuery == tc.wireQuery {
					t.Fatal("wire query is the signed form; the case tests nothing")
				}
				cr.URL.RawQuery = tc.wireQuery
			}
			sr, body := toServer(t, cr)

			id, err := testVerifier(signTime.Add(3*time.Second)).Verify(sr, body)
			if err != nil {
				t.Fatalf("Verify: %v\nAuthorization: %s", err, sr.Header.Get("Authorization"))
			}
			want := Identity{AccessKeyID: testAKID, Region: testRegion, Service: testService, SignedAt: signTime}
			if id != want {
				t.Fatalf("identity = %+v, want %+v", id, want)
			}
			if got := ServiceOf(sr); got != testService {
				t.Fatalf("ServiceOf = %q", got)
			}
		})
	}
}

// The path must be double-encoded: a verifier that signs the decoded path, or
// encodes it only once, rejects the SDK's signature on /tags/{resourceArn}.
func TestEscapedARNPathIsDoubleEncoded(t *testing.T) {
	cr := newReq(t, "POST", "http://localhost/tags/"+escapedARN, []byte(`{}`), nil)
	signReq(t, cr, []byte(`{}`), testCreds(), "", signTime)
	sr, body := toServer(t, cr)
	if sr.URL.RawPath != "/tags/"+escapedARN {
		t.Fatalf("server RawPath = %q; the wire form was not preserved", sr.URL.RawPath)
	}
	s := getScratch()
	defer putScratch(s)
	req := request{signedHeaders: "host"}
	s.canonicalRequest(sr, &req, body, variantSDK)
	line := strings.SplitN(string(s.creq), "\n", 3)[1]
	if want := "/tags/arn%253Aaws%253Aconnect%253Aus-east-1%253A123456789012%253Ainstance%252F11111111-2222-3333-4444-555555555555"; line != want {
		t.Fatalf("canonical URI = %q, want %q", line, want)
	}
	if _, err := testVerifier(signTime).Verify(sr, body); err != nil {
		t.Fatal(err)
	}
}

func TestPresignedSignedBySDK(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		headers map[string][]string
		creds   aws.Credentials
		payload string
		now     time.Time
	}{
		{name: "plain", url: "http://localhost:8080/instance/abc/queues?maxResults=5", payload: unsignedPayload, now: signTime},
		{name: "with expires and token", url: "http://localhost:8080/instance/abc?X-Amz-Expires=3600&q=a%20b",
			creds:   aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: testToken},
			payload: unsignedPayload, now: signTime.Add(59 * time.Minute)},
		{name: "escaped ARN path", url: "http://localhost:8080/tags/" + escapedARN, payload: unsignedPayload, now: signTime},
		{name: "header says the payload hash", url: "http://localhost:8080/instance",
			headers: map[string][]string{"X-Amz-Content-Sha256": {emptySHA256}}, payload: emptySHA256, now: signTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds.AccessKeyID == "" {
				creds = testCreds()
			}
			cr := presign(t, newReq(t, "GET", tc.url, nil, tc.headers), creds, tc.payload, signTime)
			sr, body := toServer(t, cr)
			id, err := testVerifier(tc.now).Verify(sr, body)
			if err != nil {
				t.Fatalf("Verify: %v\nURL: %s", err, sr.URL)
			}
			if id.AccessKeyID != testAKID || id.Service != testService || !id.SignedAt.Equal(signTime) {
				t.Fatalf("identity = %+v", id)
			}
			if got := ServiceOf(sr); got != testService {
				t.Fatalf("ServiceOf = %q", got)
			}
		})
	}
}

// signedPOST returns a typical SDK-signed request as the server sees it.
func signedPOST(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	body := []byte(`{"ContactId":"c-1","InstanceId":"i-1"}`)
	cr := newReq(t, "POST", "http://localhost:8080/contact/stop?a=1", body, map[string][]string{
		"Content-Type": {"application/json"},
		"X-Amz-Target": {"Stop"},
	})
	signReq(t, cr, body, testCreds(), "", signTime)
	return toServer(t, cr)
}

func TestVerifyFailures(t *testing.T) {
	const mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	tests := []struct {
		name   string
		mutate func(r *http.Request, body []byte) []byte // returns the body to verify
		now    time.Time
		code   string
		status int
		msg    string // exact message; "" = do not check
		prefix string // message prefix
	}{
		{name: "skew +15m is accepted", now: signTime.Add(15 * time.Minute)},
		{name: "skew -15m is accepted", now: signTime.Add(-15 * time.Minute)},
		{name: "skew +15m1s", now: signTime.Add(15*time.Minute + time.Second), code: CodeInvalidSignature, status: 403,
			msg: "Signature expired: 20250101T120000Z is now earlier than 20250101T120001Z (20250101T121501Z - 15 min.)"},
		{name: "skew -15m1s", now: signTime.Add(-15*time.Minute - time.Second), code: CodeInvalidSignature, status: 403,
			msg: "Signature not yet current: 20250101T120000Z is still later than 20250101T115959Z (20250101T114459Z + 15 min.)"},
		{name: "tampered body", mutate: func(r *http.Request, b []byte) []byte { return []byte(`{"ContactId":"c-2","InstanceId":"i-1"}`) },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered signed header", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Target", "Start"); return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered content-type", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("Content-Type", "text/plain"); return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "removed signed header", mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("X-Amz-Target"); return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered host", mutate: func(r *http.Request, b []byte) []byte { r.Host = "evil.example:8080"; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered path", mutate: func(r *http.Request, b []byte) []byte { r.URL.Path = "/contact/start"; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered method", mutate: func(r *http.Request, b []byte) []byte { r.Method = "PUT"; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered query value", mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "a=2"; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "added query param", mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "a=1&b=2"; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "removed query", mutate: func(r *http.Request, b []byte) []byte { r.URL.RawQuery = ""; return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "tampered X-Amz-Date", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "20250101T120001Z"); return b },
			code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "unsigned body-hash header vouching for a new body", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", hexSHA([]byte(`{"evil":true}`)))
			return []byte(`{"evil":true}`)
		}, code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "unsigned body-hash header for the same body", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", hexSHA(b))
			return b
		}},
		{name: "unknown access key", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAKID, "AKIDUNKNOWN", 1))
			return b
		}, code: CodeUnrecognizedClient, status: 403, msg: "The security token included in the request is invalid."},
		{name: "host not signed", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			return b
		}, code: CodeInvalidSignature, status: 403, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "signature flipped", mutate: func(r *http.Request, b []byte) []byte {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			flip := byte('0')
			if last == '0' {
				flip = '1'
			}
			r.Header.Set("Authorization", a[:len(a)-1]+string(flip))
			return b
		}, code: CodeInvalidSignature, status: 403, msg: mismatch},
		{name: "signature upper-case hex is the same signature", mutate: func(r *http.Request, b []byte) []byte {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
			return b
		}},
		{name: "both header and presigned query", mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = "a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return b
		}, code: CodeInvalidSignature, status: 400, msg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "no authentication", mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b },
			code: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "blank authorization", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("Authorization", "  "); return b },
			code: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "bad X-Amz-Date", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "2025-01-01T12:00:00Z"); return b },
			code: CodeIncompleteSignature, status: 400,
			msg: "Date must be in ISO-8601 'basic format'. Got '2025-01-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "impossible X-Amz-Date", mutate: func(r *http.Request, b []byte) []byte { r.Header.Set("X-Amz-Date", "20250230T120000Z"); return b },
			code: CodeIncompleteSignature, status: 400, prefix: "Date must be in ISO-8601 'basic format'. Got '20250230T120000Z'."},
		{name: "no date at all", mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("X-Amz-Date"); return b },
			code: CodeIncompleteSignature, status: 400, prefix: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential="},
		{name: "scope date differs from X-Amz-Date", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20250101/", "/20241231/", 1))
			return b
		}, code: CodeInvalidSignature, status: 403,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20241231' != '20250101', from '20250101T120000Z'."},
		{name: "wrong terminator", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "/aws5_request", 1))
			return b
		}, code: CodeInvalidSignature, status: 403, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "empty region", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "//", 1))
			return b
		}, code: CodeInvalidSignature, status: 403, msg: "Credential should be scoped to a valid region, not ''."},
		{name: "credential with four elements", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/connect/", "/", 1))
			return b
		}, code: CodeIncompleteSignature, status: 400,
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20250101/us-east-1/aws4_request'"},
		{name: "signature for another region", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/eu-west-2/", 1))
			return b
		}, code: CodeInvalidSignature, status: 403, msg: mismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sr, body := signedPOST(t)
			if tc.mutate != nil {
				body = tc.mutate(sr, body)
			}
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			id, err := testVerifier(now).Verify(sr, body)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("verified, identity %+v; want %s", id, tc.code)
			}
			e := asError(t, err)
			if e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("got %s %d (%s), want %s %d", e.Code, e.Status, e.Message, tc.code, tc.status)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Fatalf("message\n got %q\nwant %q", e.Message, tc.msg)
			}
			if tc.prefix != "" && !strings.HasPrefix(e.Message, tc.prefix) {
				t.Fatalf("message\n got %q\nwant prefix %q", e.Message, tc.prefix)
			}
			if id != (Identity{}) {
				t.Fatalf("identity %+v returned with an error", id)
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	cr := newReq(t, "POST", "http://localhost/contact/stop", []byte(`{}`), nil)
	signReq(t, cr, []byte(`{}`), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "not-the-secret"}, "", signTime)
	sr, body := toServer(t, cr)
	v := testVerifier(signTime)
	_, err := v.Verify(sr, body)
	if e := asError(t, err); e.Code != CodeInvalidSignature || e.Status != 403 {
		t.Fatalf("got %v", e)
	}
	if len(v.keys) != 0 {
		t.Fatalf("a failed verification cached %d signing keys", len(v.keys))
	}
}

// UNSIGNED-PAYLOAD means the client chose not to sign the body, so changing it
// cannot be detected; everything else still is.
func TestUnsignedPayloadLeavesBodyOut(t *testing.T) {
	cr := newReq(t, "POST", "http://localhost/contact/stop", []byte(`{"a":1}`),
		map[string][]string{"X-Amz-Content-Sha256": {unsignedPayload}})
	signReq(t, cr, nil, testCreds(), unsignedPayload, signTime)
	sr, _ := toServer(t, cr)
	if _, err := testVerifier(signTime).Verify(sr, []byte(`{"a":2}`)); err != nil {
		t.Fatalf("body should not be signed: %v", err)
	}
	sr.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if _, err := testVerifier(signTime).Verify(sr, nil); err == nil {
		t.Fatal("switching the payload mode verified")
	}
}

// A signed X-Amz-Content-Sha256 must not vouch for a body it does not hash.
func TestDeclaredPayloadHash(t *testing.T) {
	body := []byte(`{"ContactId":"c-1"}`)
	cr := newReq(t, "POST", "http://localhost/contact/stop", body,
		map[string][]string{"X-Amz-Content-Sha256": {hexSHA(body)}})
	signReq(t, cr, body, testCreds(), "", signTime)
	sr, got := toServer(t, cr)
	if !strings.Contains(sr.Header.Get("Authorization"), "x-amz-content-sha256") {
		t.Fatal("the SDK did not sign X-Amz-Content-Sha256; the case tests nothing")
	}
	if _, err := testVerifier(signTime).Verify(sr, got); err != nil {
		t.Fatal(err)
	}
	_, err := testVerifier(signTime).Verify(sr, []byte(`{"ContactId":"c-2"}`))
	if e := asError(t, err); e.Code != CodeInvalidSignature {
		t.Fatalf("tampered body under a signed hash: got %v", e)
	}
}

func TestMalformedAuthorization(t *testing.T) {
	const (
		cred     = "Credential=AKIDEXAMPLE/20250101/us-east-1/connect/aws4_request"
		sh       = "SignedHeaders=host;x-amz-date"
		sig      = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		reqCred  = "Authorization header requires 'Credential' parameter."
		reqSig   = "Authorization header requires 'Signature' parameter."
		reqSH    = "Authorization header requires 'SignedHeaders' parameter."
		reqDate  = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
		mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	)
	tests := []struct {
		name, header string
		noDate       bool
		code         string
		status       int
		msg          string
	}{
		{"bearer token", "Bearer abc.def", false, CodeIncompleteSignature, 400,
			reqCred + " " + reqSig + " " + reqSH + " Authorization=Bearer abc.def"},
		{"sigv2", "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", false, CodeIncompleteSignature, 400,
			reqCred + " " + reqSig + " " + reqSH + " Authorization=AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="},
		{"algorithm only", "AWS4-HMAC-SHA256", false, CodeIncompleteSignature, 400,
			reqCred + " " + reqSig + " " + reqSH + " Authorization=AWS4-HMAC-SHA256"},
		{"algorithm only, no date", "AWS4-HMAC-SHA256", true, CodeIncompleteSignature, 400,
			reqCred + " " + reqSig + " " + reqSH + " " + reqDate + " Authorization=AWS4-HMAC-SHA256"},
		{"unsupported algorithm", "AWS4-HMAC-SHA512 " + cred + ", " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now)."},
		{"missing signature", "AWS4-HMAC-SHA256 " + cred + ", " + sh, false, CodeIncompleteSignature, 400,
			reqSig + " Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sh},
		{"missing credential", "AWS4-HMAC-SHA256 " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			reqCred + " Authorization=AWS4-HMAC-SHA256 " + sh + ", " + sig},
		{"missing signed headers", "AWS4-HMAC-SHA256 " + cred + ", " + sig, false, CodeIncompleteSignature, 400,
			reqSH + " Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sig},
		{"empty signature value", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=", false, CodeIncompleteSignature, 400,
			reqSig + " Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature="},
		{"parameter without equals", "AWS4-HMAC-SHA256 Credential, " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			"'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential, " + sh + ", " + sig + "'."},
		{"space instead of comma", "AWS4-HMAC-SHA256 " + cred + " " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			reqSH + " Authorization=AWS4-HMAC-SHA256 " + cred + " " + sh + ", " + sig},
		{"empty signed headers", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, " + sig, false, CodeInvalidSignature, 403,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"credential without slashes", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE'"},
		{"credential with six elements", "AWS4-HMAC-SHA256 Credential=A/20250101/us-east-1/connect/x/aws4_request, " + sh + ", " + sig, false, CodeIncompleteSignature, 400,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'A/20250101/us-east-1/connect/x/aws4_request'"},
		{"short signature", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=abc", false, CodeInvalidSignature, 403, mismatch},
		{"non-hex signature", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + strings.Repeat("z", 64), false, CodeInvalidSignature, 403, mismatch},
		{"tabs and newlines of whitespace", "AWS4-HMAC-SHA256\t" + cred + ",\t\t" + sh + ",   \t" + sig, false, CodeInvalidSignature, 403, mismatch},
		{"no space after commas", "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sig, false, CodeInvalidSignature, 403, mismatch},
		{"trailing comma", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + ",", false, CodeInvalidSignature, 403, mismatch},
		{"unknown extra parameter", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Extra=1, " + sig, false, CodeInvalidSignature, 403, mismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReq(t, "GET", "http://localhost/instance", nil, map[string][]string{"Authorization": {tc.header}})
			if !tc.noDate {
				r.Header.Set("X-Amz-Date", "20250101T120000Z")
			}
			r.Host = "localhost"
			_, err := testVerifier(signTime).Verify(r, nil)
			if err == nil {
				t.Fatal("verified")
			}
			e := asError(t, err)
			if e.Code != tc.code || e.Status != tc.status || e.Message != tc.msg {
				t.Fatalf("got  %s %d %q\nwant %s %d %q", e.Code, e.Status, e.Message, tc.code, tc.status, tc.msg)
			}
		})
	}
}

func TestPresignedFailures(t *testing.T) {
	base := func(t *testing.T, extraQuery string) *http.Request {
		u := "http://localhost:8080/instance/abc"
		if extraQuery != "" {
			u += "?" + extraQuery
		}
		cr := presign(t, newReq(t, "GET", u, nil, nil), testCreds(), unsignedPayload, signTime)
		sr, _ := toServer(t, cr)
		return sr
	}
	del := func(r *http.Request, key string) {
		q := r.URL.Query()
		q.Del(key)
		r.URL.RawQuery = q.Encode()
	}
	set := func(r *http.Request, key, val string) {
		q := r.URL.Query()
		q.Set(key, val)
		r.URL.RawQuery = q.Encode()
	}
	tests := []struct {
		name   string
		query  string
		mutate func(r *http.Request)
		now    time.Time
		code   string
		status int
		msg    string
	}{
		{name: "expires honoured", query: "X-Amz-Expires=60", now: signTime.Add(60 * time.Second)},
		{name: "expired", query: "X-Amz-Expires=60", now: signTime.Add(61 * time.Second), code: CodeInvalidSignature, status: 403,
			msg: "Signature expired: 20250101T120000Z is now earlier than 20250101T120001Z (20250101T120101Z - 1 min.)"},
		{name: "expired, odd seconds", query: "X-Amz-Expires=90", now: signTime.Add(91 * time.Second), code: CodeInvalidSignature, status: 403,
			msg: "Signature expired: 20250101T120000Z is now earlier than 20250101T120001Z (20250101T120131Z - 90 sec.)"},
		{name: "no expires falls back to skew", now: signTime.Add(16 * time.Minute), code: CodeInvalidSignature, status: 403,
			msg: "Signature expired: 20250101T120000Z is now earlier than 20250101T120100Z (20250101T121600Z - 15 min.)"},
		{name: "from the future", query: "X-Amz-Expires=3600", now: signTime.Add(-16 * time.Minute), code: CodeInvalidSignature, status: 403,
			msg: "Signature not yet current: 20250101T120000Z is still later than 20250101T115900Z (20250101T114400Z + 15 min.)"},
		{name: "expires not a number", query: "X-Amz-Expires=soon", code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires should be a number"},
		{name: "expires negative", query: "X-Amz-Expires=-1", code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires must be non-negative"},
		{name: "expires over a week", query: "X-Amz-Expires=604801", code: CodeIncompleteSignature, status: 400,
			msg: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{name: "missing credential and date", mutate: func(r *http.Request) { del(r, "X-Amz-Credential"); del(r, "X-Amz-Date") },
			code: CodeIncompleteSignature, status: 400,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "missing signature", mutate: func(r *http.Request) { del(r, "X-Amz-Signature") }, code: CodeIncompleteSignature, status: 400,
			msg: "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters."},
		{name: "missing signed headers", mutate: func(r *http.Request) { del(r, "X-Amz-SignedHeaders") }, code: CodeIncompleteSignature, status: 400,
			msg: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "other algorithm", mutate: func(r *http.Request) { set(r, "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256") },
			code: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "tampered query", query: "maxResults=5", mutate: func(r *http.Request) { set(r, "maxResults", "6") },
			code: CodeInvalidSignature, status: 403, msg: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{name: "tampered expiry", query: "X-Amz-Expires=60", mutate: func(r *http.Request) { set(r, "X-Amz-Expires", "600") },
			code: CodeInvalidSignature, status: 403},
		{name: "tampered path", mutate: func(r *http.Request) { r.URL.Path = "/instance/abd" }, code: CodeInvalidSignature, status: 403},
		{name: "unknown key", mutate: func(r *http.Request) {
			set(r, "X-Amz-Credential", "AKIDOTHER/20250101/us-east-1/connect/aws4_request")
		}, code: CodeUnrecognizedClient, status: 403, msg: "The security token included in the request is invalid."},
		{name: "bad date", mutate: func(r *http.Request) { set(r, "X-Amz-Date", "20250101") }, code: CodeIncompleteSignature, status: 400,
			msg: "Date must be in ISO-8601 'basic format'. Got '20250101'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "host not signed", mutate: func(r *http.Request) { set(r, "X-Amz-SignedHeaders", "x-amz-date") }, code: CodeInvalidSignature, status: 403,
			msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base(t, tc.query)
			if tc.mutate != nil {
				tc.mutate(r)
			}
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			_, err := testVerifier(now).Verify(r, nil)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("verified")
			}
			e := asError(t, err)
			if e.Code != tc.code || e.Status != tc.status || (tc.msg != "" && e.Message != tc.msg) {
				t.Fatalf("got  %s %d %q\nwant %s %d %q", e.Code, e.Status, e.Message, tc.code, tc.status, tc.msg)
			}
		})
	}
}

// signCanonical signs a hand-written canonical request with the standard
// library, for the forms the Go SDK cannot produce (Date header, botocore's
// canonicalisation).
func signCanonical(secret, amzDate, scope, canonical string) string {
	mac := func(k []byte, s string) []byte {
		h := hmac.New(sha256.New, k)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	parts := strings.Split(scope, "/")
	k := mac([]byte("AWS4"+secret), parts[0])
	for _, p := range parts[1:] {
		k = mac(k, p)
	}
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hexSHA([]byte(canonical))
	return hex.EncodeToString(mac(k, sts))
}

func TestDateHeaderFallback(t *testing.T) {
	const scope = "20250101/us-east-1/connect/aws4_request"
	canonical := "GET\n/instance\n\ndate:Wed, 01 Jan 2025 12:00:00 GMT\nhost:localhost\n\ndate;host\n" + emptySHA256
	sig := signCanonical(testSecret, "20250101T120000Z", scope, canonical)
	r := newReq(t, "GET", "http://localhost/instance", nil, map[string][]string{
		"Date":          {"Wed, 01 Jan 2025 12:00:00 GMT"},
		"Authorization": {"AWS4-HMAC-SHA256 Credential=" + testAKID + "/" + scope + ", SignedHeaders=date;host, Signature=" + sig},
	})
	sr, body := toServer(t, r)
	id, err := testVerifier(signTime.Add(time.Minute)).Verify(sr, body)
	if err != nil {
		t.Fatal(err)
	}
	if !id.SignedAt.Equal(signTime) {
		t.Fatalf("SignedAt = %v", id.SignedAt)
	}
	sr.Header.Set("Date", "yesterday")
	_, err = testVerifier(signTime).Verify(sr, body)
	if e := asError(t, err); e.Code != CodeIncompleteSignature || !strings.HasPrefix(e.Message, "Date must be in ISO-8601 'basic format'. Got 'yesterday'.") {
		t.Fatalf("got %v", e)
	}
}

// botocore (the AWS CLI) collapses every whitespace run in header values and
// removes dot segments from the path before signing; the Go SDK does neither.
// Both must verify.
func TestBotocoreCanonicalForms(t *testing.T) {
	const (
		scope   = "20250101/us-east-1/connect/aws4_request"
		amzDate = "20250101T120000Z"
	)
	tests := []struct {
		name, target, header, canonical string
	}{
		{"tab in header value", "/instance", "a\t\tb  c",
			"GET\n/instance\n\nhost:localhost\nx-amz-date:" + amzDate + "\nx-custom:a b c\n\nhost;x-amz-date;x-custom\n" + emptySHA256},
		{"dot segments and double slash", "/a/./b//c/../d", "v",
			"GET\n/a/b/d\n\nhost:localhost\nx-amz-date:" + amzDate + "\nx-custom:v\n\nhost;x-amz-date;x-custom\n" + emptySHA256},
		{"both", "/a/../b", "x\ty",
			"GET\n/b\n\nhost:localhost\nx-amz-date:" + amzDate + "\nx-custom:x y\n\nhost;x-amz-date;x-custom\n" + emptySHA256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig := signCanonical(testSecret, amzDate, scope, tc.canonical)
			raw := "GET " + tc.target + " HTTP/1.1\r\nHost: localhost\r\nX-Amz-Date: " + amzDate + "\r\nX-Custom: " + tc.header +
				"\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" + testAKID + "/" + scope + ", SignedHeaders=host;x-amz-date;x-custom, Signature=" + sig + "\r\n\r\n"
			sr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := testVerifier(signTime).Verify(sr, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestServiceOf(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *http.Request)
		want  string
	}{
		{"none", func(r *http.Request) {}, ""},
		{"header", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/profile/aws4_request, SignedHeaders=host, Signature=00")
		}, "profile"},
		{"header with tabs", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256\tSignedHeaders=host,\tCredential=AK/20250101/us-east-1/connect/aws4_request")
		}, "connect"},
		{"header malformed credential", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20250101/connect/aws4_request")
		}, ""},
		{"other scheme", func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, ""},
		{"presigned", func(r *http.Request) {
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20250101%2Fus-east-1%2Fexecute-api%2Faws4_request"
		}, "execute-api"},
		{"presigned bad escape", func(r *http.Request) { r.URL.RawQuery = "X-Amz-Credential=AK%2G" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReq(t, "GET", "http://localhost/x", nil, nil)
			tc.setup(r)
			if got := ServiceOf(r); got != tc.want {
				t.Fatalf("ServiceOf = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSigningKeyCache(t *testing.T) {
	secret := testSecret
	v := &Verifier{
		Lookup: func(string) (string, bool) { return secret, true },
		Now:    func() time.Time { return signTime },
	}
	sr, body := signedPOST(t)
	for range 3 {
		if _, err := v.Verify(sr, body); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.keys) != 1 {
		t.Fatalf("cache holds %d keys, want 1", len(v.keys))
	}
	// A rotated secret must not be served from the cache.
	secret = "rotated"
	if _, err := v.Verify(sr, body); err == nil {
		t.Fatal("verified with a rotated secret")
	}
	secret = testSecret
	if _, err := v.Verify(sr, body); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentVerify(t *testing.T) {
	v := testVerifier(signTime)
	type input struct {
		r    *http.Request
		body []byte
	}
	var inputs []input
	for i := range 8 {
		body := []byte(`{"n":` + string(rune('0'+i)) + `}`)
		cr := newReq(t, "POST", "http://localhost/contact/stop?i="+string(rune('a'+i)), body, nil)
		signReq(t, cr, body, testCreds(), "", signTime)
		sr, b := toServer(t, cr)
		inputs = append(inputs, input{sr, b})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				in := inputs[(g+i)%len(inputs)]
				if _, err := v.Verify(in.r, in.body); err != nil {
					errs <- err
					return
				}
				// A tampered body must fail even while other goroutines share the pool.
				if _, err := v.Verify(in.r, append([]byte("x"), in.body...)); err == nil {
					errs <- errors.New("tampered body verified")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Code: CodeUnrecognizedClient, Status: 403, Message: "The security token included in the request is invalid."}
	if got := e.Error(); got != "UnrecognizedClientException: The security token included in the request is invalid." {
		t.Fatalf("Error() = %q", got)
	}
}

// BenchmarkVerify measures the hot path: a typical SDK-signed JSON POST whose
// signing key is already cached.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"InstanceId":"11111111-2222-3333-4444-555555555555","ContactFlowId":"22222222-3333-4444-5555-666666666666","DestinationPhoneNumber":"+15555550100","ClientToken":"7c9e6679-7425-40de-944b-e07fc1f90ae7","Attributes":{"customer":"42"}}`)
	cr := newReq(b, "PUT", "http://localhost:8080/contact/outbound-voice", body, map[string][]string{
		"Content-Type":            {"application/json"},
		"Amz-Sdk-Invocation-Id":   {"1f2e3d4c-5b6a-7980-1a2b-3c4d5e6f7a8b"},
		"Amz-Sdk-Request":         {"attempt=1; max=3"},
		"X-Amz-User-Agent":        {"aws-sdk-go-v2/1.47.7"},
		"Accept-Encoding":         {"identity"},
		"X-Amzn-Query-Mode":       {"true"},
		"X-Hotline-Trace-Context": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	})
	signReq(b, cr, body, testCreds(), "", signTime)
	sr, sbody := toServer(b, cr)
	v := testVerifier(signTime)
	if _, err := v.Verify(sr, sbody); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(sr, sbody); err != nil {
			b.Fatal(err)
		}
	}
}
