package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sdkAuthorization returns a real Authorization header and X-Amz-Date made by
// the aws-sdk-go-v2 signer, for seeding.
func sdkAuthorization(t testing.TB, method, target string, body []byte) (authz, amzDate string) {
	r := newReq(t, method, "http://localhost:8080"+target, body, map[string][]string{"Content-Type": {"application/json"}})
	signReq(t, r, body, testCreds(), "", signTime)
	return r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date")
}

func FuzzParseAuthorization(f *testing.F) {
	real, _ := sdkAuthorization(f, "POST", "/contact/stop", []byte(`{}`))
	for _, s := range []string{
		real,
		strings.ReplaceAll(real, ", ", ","),
		strings.ReplaceAll(real, ", ", ",\t  "),
		strings.Replace(real, "Signature=", "Signature", 1),
		strings.Replace(real, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1),
		strings.Replace(real, "SignedHeaders=", "SignedHeaders=,", 1),
		"",
		" ",
		",",
		"=",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 ",
		"AWS4-HMAC-SHA256 ,,,",
		"AWS4-HMAC-SHA256 Credential=",
		"AWS4-HMAC-SHA256 Credential==,Signature==,SignedHeaders==",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/, SignedHeaders=;;;, Signature=x",
		"AWS4-",
		"Bearer x",
		"AWS AKID:c2lnbmF0dXJl",
		"AWS4-HMAC-SHA256\tCredential=\xff\xfe/\x00/x/y/z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, hasDate := range []bool{true, false} {
			fields, err := parseAuthorization(h, hasDate)
			if err != nil {
				if err.Code != CodeIncompleteSignature || err.Status != http.StatusBadRequest || err.Message == "" {
					t.Fatalf("parse error %+v is not a well-formed IncompleteSignatureException", err)
				}
				continue
			}
			if !hasDate {
				t.Fatalf("parsed %q without a date", h)
			}
			if fields.credential == "" || fields.signature == "" {
				t.Fatalf("parsed %q into %+v with an empty required field", h, fields)
			}
			for _, part := range []string{fields.credential, fields.signedHeaders, fields.signature} {
				if !strings.Contains(h, part) {
					t.Fatalf("field %q is not part of the header %q", part, h)
				}
			}
			if c, ok := splitCredential(fields.credential); ok {
				joined := strings.Join([]string{c.accessKeyID, c.date, c.region, c.service, c.terminator}, "/")
				if joined != strings.TrimRight(fields.credential, "/") {
					t.Fatalf("credential %q split into %+v", fields.credential, c)
				}
			}
		}
		_ = authParam(h, "Credential")
	})
}

// FuzzVerify feeds arbitrary methods, paths, queries, headers and bodies to
// Verify, including ones net/http would never produce, seeded with genuine
// SDK signatures so that mutations reach the canonicalisation and signature
// code. Verify must never panic, must fail only with a well-formed *Error,
// and must never produce an identity that was not signed.
func FuzzVerify(f *testing.F) {
	type seed struct {
		method, rawPath, rawQuery, authz, amzDate, extra string
		body                                             []byte
	}
	var seeds []seed
	for _, s := range []struct {
		method, target string
		body           []byte
	}{
		{"POST", "/contact/stop", []byte(`{"ContactId":"c"}`)},
		{"GET", "/queues-summary/abc?queueTypes=STANDARD&queueTypes=AGENT&n=a%20b", nil},
		{"POST", "/tags/" + escapedARN, []byte(`{"tags":{"a":"b"}}`)},
	} {
		authz, date := sdkAuthorization(f, s.method, s.target, s.body)
		path, query, _ := strings.Cut(s.target, "?")
		seeds = append(seeds, seed{s.method, path, query, authz, date, "application/json", s.body})
	}
	presigned := presign(f, newReq(f, "GET", "http://localhost:8080/instance/abc?X-Amz-Expires=60&q=1", nil, nil), testCreds(), unsignedPayload, signTime)
	seeds = append(seeds,
		seed{"GET", presigned.URL.EscapedPath(), presigned.URL.RawQuery, "", "", "", nil},
		seed{"GET", "/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-5", "", "", "", nil},
		seed{"GET", "/%zz/..//./a", "a=%&b=;&c", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/connect/aws4_request, SignedHeaders=host;x-extra, Signature=00", "20250101T120000Z", "\t x \t", nil},
		seed{"", "", "", "Bearer", "99999999T999999Z", "", nil},
	)
	for _, s := range seeds {
		f.Add(s.method, s.rawPath, s.rawQuery, s.authz, s.amzDate, s.extra, s.body)
	}
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, authz, amzDate, extra string, body []byte) {
		verifyFuzzInput(t, method, rawPath, rawQuery, authz, amzDate, extra, body)
	})
}

// verifyFuzzInput builds a request from raw parts, verifies it, checks the
// invariants and reports whether it verified.
func verifyFuzzInput(t *testing.T, method, rawPath, rawQuery, authz, amzDate, extra string, body []byte) bool {
	path, perr := url.PathUnescape(rawPath)
	if perr != nil {
		path = rawPath
	}
	r := &http.Request{
		Method:        method,
		URL:           &url.URL{Path: path, RawPath: rawPath, RawQuery: rawQuery},
		Host:          "localhost:8080",
		Header:        http.Header{},
		ContentLength: int64(len(body)),
	}
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if amzDate != "" {
		r.Header.Set("X-Amz-Date", amzDate)
	}
	if extra != "" {
		r.Header.Set("Content-Type", extra)
		r.Header["x-extra"] = []string{extra, extra} // a map filled by hand
	}
	id, err := testVerifier(signTime).Verify(r, body)
	_ = ServiceOf(r)
	if err != nil {
		e, ok := err.(*Error)
		if !ok || e.Code == "" || e.Message == "" || (e.Status != 400 && e.Status != 403) {
			t.Fatalf("malformed error %#v", err)
		}
		return false
	}
	// Only a genuine seed (or a form AWS treats as identical) can verify,
	// since the fuzzer cannot forge an HMAC.
	if id.AccessKeyID != testAKID || id.Region == "" || id.Service == "" ||
		id.SignedAt.Sub(signTime) > 15*time.Minute || signTime.Sub(id.SignedAt) > 15*time.Minute {
		t.Fatalf("verified an identity %+v that was never issued", id)
	}
	return true
}

// The genuine seeds must verify through the fuzz harness, or the fuzzer would
// never reach the signature code.
func TestFuzzHarnessVerifiesGenuineSeeds(t *testing.T) {
	authz, date := sdkAuthorization(t, "POST", "/tags/"+escapedARN, []byte(`{"a":1}`))
	if !verifyFuzzInput(t, "POST", "/tags/"+escapedARN, "", authz, date, "application/json", []byte(`{"a":1}`)) {
		t.Fatal("signed seed did not verify")
	}
	if verifyFuzzInput(t, "POST", "/tags/"+escapedARN, "", authz, date, "application/json", []byte(`{"a":2}`)) {
		t.Fatal("tampered seed verified")
	}
	p := presign(t, newReq(t, "GET", "http://localhost:8080/instance/abc?X-Amz-Expires=60&q=1", nil, nil), testCreds(), unsignedPayload, signTime)
	if !verifyFuzzInput(t, "GET", p.URL.EscapedPath(), p.URL.RawQuery, "", "", "", nil) {
		t.Fatal("presigned seed did not verify")
	}
}
