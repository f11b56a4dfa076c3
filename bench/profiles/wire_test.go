package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const testHost = "127.0.0.1:8425"

// sdkRequest is the request the raw client sends: built by net/http and
// signed at t by aws-sdk-go-v2's signer.
func sdkRequest(t *testing.T, method, host, path string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+host+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "profile", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

// shapes are the requests the wire client sends.
var shapes = []struct {
	name, method, path string
	body               func(dst []byte, i int) []byte
}{
	{"put", http.MethodPut, putPath, appendPutBody},
	{"search", http.MethodPost, searchPath, appendSearchBody},
}

// TestLeanSignerMatchesSDK signs the same requests with the lean signer
// and aws-sdk-go-v2's, at fixed times, across a day boundary (the cached
// key changes) and for bodies of several lengths.
func TestLeanSignerMatchesSDK(t *testing.T) {
	for _, sh := range shapes {
		s := newLeanSigner("test", "test", "us-east-1", "profile", sh.method, testHost, sh.path)
		day := time.Date(2026, 11, 21, 23, 59, 58, 0, time.UTC)
		for n, at := range []time.Time{day, day.Add(time.Second), day.Add(2 * time.Second), day.Add(25 * time.Hour).In(time.FixedZone("X", 3600))} {
			for _, i := range []int{0, 7, 12345, 123_456_789} {
				body := sh.body(nil, i)
				want := sdkRequest(t, sh.method, testHost, sh.path, body, at)
				date, authz := s.sign(body, at)
				if got := string(authz); got != want.Header.Get("Authorization") {
					t.Errorf("%s, time %d, customer %d: Authorization\n got %s\nwant %s", sh.name, n, i, got, want.Header.Get("Authorization"))
				}
				if got := string(date); got != want.Header.Get("X-Amz-Date") {
					t.Errorf("%s, time %d: X-Amz-Date %s, want %s", sh.name, n, got, want.Header.Get("X-Amz-Date"))
				}
				if v := want.Header.Get("X-Amz-Content-Sha256"); v != "" {
					t.Errorf("the SDK sends X-Amz-Content-Sha256 %s; the lean signer must too", v)
				}
			}
		}
	}
}

// TestWireRequestMatchesNetHTTP checks that the wire client sends the
// bytes net/http's Request.Write sends for the SDK-signed request.
func TestWireRequestMatchesNetHTTP(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, sh := range shapes {
		for _, i := range []int{1, 99_999} {
			body := sh.body(nil, i)
			var want bytes.Buffer
			if err := sdkRequest(t, sh.method, testHost, sh.path, body, at).Write(&want); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			c := &wireConn{w: bufio.NewWriter(&got), body: body,
				sign: newLeanSigner("test", "test", "us-east-1", "profile", sh.method, testHost, sh.path)}
			if err := c.write(at); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s %d: the wire client sends\n%s\nnet/http sends\n%s", sh.name, i, got.String(), want.String())
			}
		}
	}
}

// TestAppendSearchBody holds the search body to encoding/json's.
func TestAppendSearchBody(t *testing.T) {
	for _, i := range []int{0, 12345, 99_999_999} {
		want, _ := json.Marshal(map[string]any{"KeyName": "_phone", "Values": []string{searchPhone(i)}})
		if got := appendSearchBody(nil, i); !bytes.Equal(got, want) {
			t.Errorf("customer %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendPutBody(t *testing.T) {
	var b []byte
	for _, i := range []int{0, 1, 2, 3, 9, 10, 12345, 99_999_999, 100_000_000, 1_234_567_890, 12_345_678_901} {
		b = appendPutBody(b[:0], i)
		if want := putBody(customer(i)); !bytes.Equal(b, want) {
			t.Errorf("customer %d:\n got %s\nwant %s", i, b, want)
		}
	}
}

func TestWireRead(t *testing.T) {
	cases := []struct {
		resp    string
		status  int
		closing bool
		body    string
	}{
		{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 200, false, "{}"},
		{"HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\nConnection: close\r\n\r\nerror", 400, true, "error"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 200, false, "abcde"},
		{"HTTP/1.0 200 OK\r\n\r\nto the end", 200, true, "to the end"},
	}
	for _, tc := range cases {
		// On a kept connection a second response follows, to check that
		// the first was read exactly to its end.
		next := ""
		if !tc.closing {
			next = "HTTP/1.1 204 No Content\r\n\r\n"
		}
		c := &wireConn{r: bufio.NewReader(strings.NewReader(tc.resp + next))}
		status, closing, err := c.read()
		if err != nil || status != tc.status || closing != tc.closing || string(c.resp) != tc.body {
			t.Errorf("%q: %d %v %q %v, want %d %v %q", tc.resp, status, closing, c.resp, err, tc.status, tc.closing, tc.body)
			continue
		}
		if !closing {
			if status, _, err := c.read(); err != nil || status != 204 {
				t.Errorf("%q: the next response reads as %d, %v", tc.resp, status, err)
			}
		}
	}
	c := &wireConn{r: bufio.NewReader(strings.NewReader("SSH-2.0\r\n"))}
	if _, _, err := c.read(); err == nil {
		t.Error("a malformed status line read without error")
	}
}

// BenchmarkWireRequest measures the wire client's work for one put
// besides the round trip: building the body, signing, writing.
func BenchmarkWireRequest(b *testing.B) {
	c := &wireConn{w: bufio.NewWriterSize(io.Discard, 8<<10),
		sign: newLeanSigner("test", "test", "us-east-1", "profile", http.MethodPut, testHost, putPath)}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		c.body = appendPutBody(c.body[:0], i)
		if err := c.write(time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
