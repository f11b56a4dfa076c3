package voice

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t *testing.T, r *rig) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range r.sim.Routes() {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPPlaceAndGet(t *testing.T) {
	r := newRig(t)
	r.sim.cfg.DefaultInstanceID = testInstance
	r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
	srv := serve(t, r)

	body := `{"to":"` + testNumber + `","from":"+447700900123","at":"2026-11-23T10:00:00Z",
		"script":{"presses":["9","2"],"hangupAfter":"2m","dial":[{"prefix":"+1","result":"busy"}]}}`
	resp, err := http.Post(srv.URL+"/_hotline/calls", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var out CallOutput
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.ContactID != "contact-1" || out.InstanceID != testInstance || out.From != "+447700900123" || out.Outcome.Disposition != Disconnected ||
		out.StartedAt.Format("15:04") != "10:00" || len(out.Events) == 0 {
		t.Fatalf("answer %+v", out)
	}

	for _, path := range []string{"/_hotline/calls/contact-1", "/_hotline/calls/contact-1?instanceId=" + testInstance} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var got CallOutput
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		if got.ContactID != out.ContactID || len(got.Events) != len(out.Events) || got.Outcome.Disposition != Disconnected || got.EndedAt.IsZero() {
			t.Fatalf("GET %s: %+v", path, got)
		}
	}
}

func TestHTTPErrors(t *testing.T) {
	r := newRig(t)
	r.env.add(t, "main", "CONTACT_FLOW", menuFlow("welcome"))
	srv := serve(t, r)
	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/_hotline/calls", `{"to":"+15555550199"}`, 404, "ResourceNotFoundException"},
		{"POST", "/_hotline/calls", `{"to":"` + testNumber + `","script":{"pressess":["1"]}}`, 400, "InvalidParameterException"},
		{"POST", "/_hotline/calls", `{"to":"` + testNumber + `","at":"Monday"}`, 400, "InvalidParameterException"},
		{"POST", "/_hotline/calls", `{"to":"` + testNumber + `","script":{"hangupAfter":"soon"}}`, 400, "InvalidParameterException"},
		{"POST", "/_hotline/calls", `not json`, 400, "InvalidParameterException"},
		{"GET", "/_hotline/calls/nobody?instanceId=" + testInstance, "", 404, "ResourceNotFoundException"},
		// No instance given and no default configured.
		{"GET", "/_hotline/calls/nobody", "", 400, "InvalidParameterException"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Message string }
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.code || err != nil || m.Message == "" {
			t.Errorf("%s %s %s: %d %s %q (%v)", tt.method, tt.path, tt.body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), m.Message, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var s Script
	if err := json.Unmarshal([]byte(`{"hangupAfter":"1m30s","queueTime":45,"thinkTime":0.5}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.HangupAfter.String() != "1m30s" || s.QueueTime.String() != "45s" || s.ThinkTime.String() != "500ms" {
		t.Fatalf("%v %v %v", s.HangupAfter, s.QueueTime, s.ThinkTime)
	}
	b, _ := json.Marshal(Script{HangupAfter: s.HangupAfter})
	if string(b) != `{"hangupAfter":"1m30s"}` {
		t.Fatalf("%s", b)
	}
	// A number of seconds beyond what a duration holds would wrap around
	// and be refused as negative.
	err := json.Unmarshal([]byte(`{"queueTime":1e10}`), &s)
	if err == nil || !strings.Contains(err.Error(), "1e10 seconds is longer than any call") {
		t.Fatalf("queueTime 1e10: %v", err)
	}
}
