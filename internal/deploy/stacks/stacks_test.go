package stacks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var _ clock.Clock = fixedClock{}

// stacksMux serves the state routes unsigned, as the edge does once the
// signature is checked.
func stacksMux(t *testing.T) *http.ServeMux {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	mux := http.NewServeMux()
	for pattern, h := range New(db, fixedClock{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}, nil).Routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

func call(t *testing.T, mux http.Handler, method, path, body string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header().Get("X-Amzn-ErrorType"), string(b)
}

func TestStacksAPI(t *testing.T) {
	mux := stacksMux(t)
	if code, errType, _ := call(t, mux, "GET", "/_hotline/deploy/stacks/journey", ""); code != 404 || errType != "ResourceNotFoundException" {
		t.Errorf("a stack never deployed: %d %s", code, errType)
	}
	body := `{"InstanceID": "i", "Resources": {"rQ": {"Type": "AWS::Connect::Queue", "PhysicalID": "q1", "Attributes": {"Ref": "arn:q1"}}}}`
	code, _, out := call(t, mux, "PUT", "/_hotline/deploy/stacks/journey", body)
	if code != 200 {
		t.Fatalf("PUT: %d %s", code, out)
	}
	var st Stack
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.StackName != "journey" || !st.LastUpdatedTime.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("stored %+v", st)
	}
	code, _, out = call(t, mux, "GET", "/_hotline/deploy/stacks/journey", "")
	if code != 200 || !strings.Contains(out, `"PhysicalID":"q1"`) {
		t.Errorf("GET: %d %s", code, out)
	}
	if code, _, out := call(t, mux, "PUT", "/_hotline/deploy/stacks/second", `{}`); code != 200 || !strings.Contains(out, `"StackName":"second"`) {
		t.Errorf("PUT second: %d %s", code, out)
	}
	code, _, out = call(t, mux, "GET", "/_hotline/deploy/stacks", "")
	var list List
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 200 || len(list.Stacks) != 2 ||
		list.Stacks[0].StackName != "journey" || list.Stacks[1].StackName != "second" {
		t.Errorf("list: %d %s", code, out)
	}

	for _, c := range []struct{ path, body, want string }{
		{"/_hotline/deploy/stacks/1bad", `{}`, "must start with a letter"},
		{"/_hotline/deploy/stacks/has_underscore", `{}`, "must start with a letter"},
		{"/_hotline/deploy/stacks/a", `{"StackName": "b"}`, "differs from the path's a"},
		{"/_hotline/deploy/stacks/a", `{"Resourcez": {}}`, "the body is not a stack"},
		{"/_hotline/deploy/stacks/a", `not json`, "the body is not a stack"},
		{"/_hotline/deploy/stacks/a", `{"Resources": {"r": {"Type": "X"}}}`, "resource r needs a Type and a PhysicalID"},
	} {
		code, errType, out := call(t, mux, "PUT", c.path, c.body)
		if code != 400 || errType != "InvalidParameterException" || !strings.Contains(out, c.want) {
			t.Errorf("PUT %s %s: %d %s %s, want 400 saying %q", c.path, c.body, code, errType, out, c.want)
		}
	}
	// A refused PUT leaves the stored stack as it was.
	if _, _, out := call(t, mux, "GET", "/_hotline/deploy/stacks/journey", ""); !strings.Contains(out, `"q1"`) {
		t.Errorf("journey after refused PUTs: %s", out)
	}
}
