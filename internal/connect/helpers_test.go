package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// Helpers shared by the tests of every resource family.

// startServer starts a Hotline server for the test and returns it, a
// Connect client for it and the id of its default instance.
func startServer(t *testing.T, cfg server.Config) (*testserver.Server, *connect.Client, string) {
	t.Helper()
	ts := testserver.Start(t, cfg)
	return ts, ts.Connect(), ts.DefaultInstanceID
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
	// InvalidContactFlowException's shape has no Message member, so the Go
	// SDK drops it; its problems list carries the detail instead.
	if apiErr.ErrorMessage() == "" && code != "InvalidContactFlowException" {
		t.Fatalf("%s has no message", code)
	}
}

// errorCase is a call that must fail with an AWS error code and HTTP status.
type errorCase struct {
	name   string
	call   func() error
	code   string
	status int
}

// wantUnchanged fails unless a failed call left a resource as it was,
// LastModifiedTime included.
func wantUnchanged[T any](t *testing.T, what string, before, after T) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed call changed %s:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// pager is an SDK paginator whose pages are O.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*connect.Options)) (O, error)
}

// eachPage hands every page p yields to fn and returns how many there were.
func eachPage[O any](t *testing.T, p pager[O], fn func(O)) int {
	t.Helper()
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		fn(out)
	}
	return pages
}

// wantFullPages fails unless n resources listed pageSize to a page came in
// at least as many pages as they fill.
func wantFullPages(t *testing.T, what string, n, pages int, pageSize int32) {
	t.Helper()
	if want := (n + int(pageSize) - 1) / int(pageSize); pages < want {
		t.Fatalf("%d %s in %d pages of %d", n, what, pages, pageSize)
	}
}

// idsByName maps the name of each summary of a list call to its id.
func idsByName[S any](summaries []S, nameAndID func(S) (name, id *string)) map[string]string {
	ids := map[string]string{}
	for _, s := range summaries {
		name, id := nameAndID(s)
		ids[aws.ToString(name)] = aws.ToString(id)
	}
	return ids
}

// sameSet reports whether got holds exactly the names in want, once each.
func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for _, w := range want {
		if seen[w] != 1 {
			return false
		}
	}
	return true
}

// createInstance creates a CONNECT_MANAGED instance with inbound and
// outbound calls enabled, and returns its id.
func createInstance(t *testing.T, c *connect.Client, alias string) string {
	t.Helper()
	out, err := c.CreateInstance(context.Background(), &connect.CreateInstanceInput{
		IdentityManagementType: types.DirectoryTypeConnectManaged, InstanceAlias: aws.String(alias),
		InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Id)
}

// recordingClient is an SDK HTTP client that keeps the last response body,
// to see error members the SDK does not model for an operation.
type recordingClient struct{ body []byte }

func (r *recordingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	r.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(r.body))
	return resp, err
}

func (r *recordingClient) message(t *testing.T) string {
	t.Helper()
	var body struct{ Message string }
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return body.Message
}

func (r *recordingClient) wantMembers(t *testing.T, want map[string]string) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("error member %s = %v, want %s (body %s)", k, got[k], v, r.body)
		}
	}
}
