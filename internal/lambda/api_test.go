package lambda_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/sigv4"
)

// startAPI serves s's routes behind a real edge, signed, as the server
// mounts them, and returns a client of the kind the CLI uses.
func startAPI(t *testing.T, s *lambda.Service) (*httptest.Server, *client.Client) {
	t.Helper()
	e := edge.NewServer(edge.Config{Verifier: &sigv4.Verifier{
		Lookup: func(id string) (string, bool) { return "test", id == "test" },
	}})
	for pattern, h := range s.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	c, err := client.New(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func fnPath(arn string) string { return "/_hotline/functions/" + url.PathEscape(arn) }

func TestManagementAPI(t *testing.T) {
	ctx := context.Background()
	s := newService(t, lambda.Config{})
	srv, c := startAPI(t, s)
	echo, slow, qualified := arnPrefix+"echo", arnPrefix+"slow", arnPrefix+"route:$LATEST"

	var put lambda.Binding
	if err := c.Do(ctx, "PUT", fnPath(echo), map[string]any{"Kind": "builtin", "Builtin": "test.echo"}, &put); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if put.FunctionArn != echo || put.Kind != lambda.KindBuiltin || put.LastModifiedTime.IsZero() {
		t.Fatalf("PUT answered %+v", put)
	}
	if err := c.Do(ctx, "PUT", fnPath(slow), &lambda.Binding{FunctionArn: slow, Kind: lambda.KindCommand,
		Command: []string{"sh", "-c", "sleep 5; echo '{}'"}}, nil); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if err := c.Do(ctx, "PUT", fnPath(qualified), map[string]any{"Kind": "builtin", "Builtin": "test.fail"}, nil); err != nil {
		t.Fatalf("PUT with a $LATEST qualifier: %v", err)
	}

	var got lambda.Binding
	if err := c.Do(ctx, "GET", fnPath(echo), nil, &got); err != nil || got.Builtin != "test.echo" {
		t.Fatalf("GET = %+v, %v", got, err)
	}
	var list lambda.ListOutput
	if err := c.Do(ctx, "GET", "/_hotline/functions", nil, &list); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, b := range list.Bindings {
		arns = append(arns, b.FunctionArn)
	}
	if strings.Join(arns, " ") != strings.Join([]string{echo, qualified, slow}, " ") {
		t.Fatalf("list = %v", arns)
	}

	var resp json.RawMessage
	if err := c.Do(ctx, "POST", fnPath(echo)+"/invoke", json.RawMessage(`{"Details":{"Parameters":{"k":"v"}}}`), &resp); err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if string(resp) != `{"Details":{"Parameters":{"k":"v"}}}` {
		t.Fatalf("invoke answered %s", resp)
	}
	if err := c.Do(ctx, "POST", fnPath(echo)+"/invoke", nil, &resp); err != nil || string(resp) != `{}` {
		t.Fatalf("invoke with no event = %s, %v", resp, err)
	}

	errs := []struct {
		name, method, path string
		body               any
		code               string
		status             int
		msg                string
	}{
		{"get missing", "GET", fnPath(arnPrefix + "nosuch"), nil, "ResourceNotFoundException", 404, "nosuch"},
		{"delete missing", "DELETE", fnPath(arnPrefix + "nosuch"), nil, "ResourceNotFoundException", 404, "nosuch"},
		{"invoke unbound", "POST", fnPath(arnPrefix+"nosuch") + "/invoke", nil, "ResourceNotFoundException", 404, "hotline functions put"},
		{"put bad ARN", "PUT", fnPath("lookup"), map[string]any{"Kind": "builtin", "Builtin": "test.echo"}, "InvalidParameterException", 400, "not a Lambda function ARN"},
		{"put unknown field", "PUT", fnPath(echo), map[string]any{"Kind": "builtin", "Builtin": "test.echo", "Enviroment": map[string]string{}}, "InvalidParameterException", 400, "Enviroment"},
		{"put other ARN", "PUT", fnPath(echo), map[string]any{"FunctionArn": slow, "Kind": "builtin", "Builtin": "test.echo"}, "InvalidParameterException", 400, "differs"},
		{"put unregistered builtin", "PUT", fnPath(echo), map[string]any{"Kind": "builtin", "Builtin": "nope"}, "InvalidParameterException", 400, "nope"},
		{"invoke non-JSON", "POST", fnPath(echo) + "/invoke", "x", "InvalidParameterException", 400, "not JSON"},
		{"invoke bad timeout", "POST", fnPath(echo) + "/invoke?timeoutSeconds=-1", nil, "InvalidParameterException", 400, "timeoutSeconds"},
		{"invoke timeout", "POST", fnPath(slow) + "/invoke?timeoutSeconds=0.2", nil, "FunctionTimeoutException", 504, "no answer within 200ms"},
		{"invoke function error", "POST", fnPath(qualified) + "/invoke", nil, "FunctionErrorException", 502, "no row for key 42"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			if raw, ok := tc.body.(string); ok { // not JSON: client.Do cannot send it
				status, code, msg := signedRaw(t, tc.method, srv.URL+tc.path, raw)
				if code != tc.code || status != tc.status || !strings.Contains(msg, tc.msg) {
					t.Fatalf("%s %s = %d %s %q; want %s (%d) saying %q", tc.method, tc.path, status, code, msg, tc.code, tc.status, tc.msg)
				}
				return
			}
			err := c.Do(ctx, tc.method, tc.path, tc.body, nil)
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Status != tc.status || !strings.Contains(ce.Message, tc.msg) {
				t.Fatalf("%s %s = %v; want %s (%d) saying %q", tc.method, tc.path, err, tc.code, tc.status, tc.msg)
			}
		})
	}
	// A rejected put changed nothing.
	if err := c.Do(ctx, "GET", fnPath(echo), nil, &got); err != nil || got.Builtin != "test.echo" {
		t.Fatalf("GET after rejected puts = %+v, %v", got, err)
	}

	if err := c.Do(ctx, "DELETE", fnPath(echo), nil, nil); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if err := c.Do(ctx, "GET", fnPath(echo), nil, nil); err == nil {
		t.Fatal("GET after DELETE succeeded")
	}

	// Unsigned requests are refused before reaching the service.
	for _, r := range []struct{ method, path string }{{"GET", "/_hotline/functions"}, {"PUT", fnPath(echo)}, {"POST", fnPath(slow) + "/invoke"}} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(`{"Kind":"builtin","Builtin":"test.echo"}`))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode < 400 || res.Header.Get("X-Amzn-ErrorType") == "" {
			t.Errorf("unsigned %s %s answered %d", r.method, r.path, res.StatusCode)
		}
	}
	if _, err := s.Get(ctx, echo); err == nil {
		t.Error("an unsigned PUT stored a binding")
	}
}

// signedRaw sends body as it is, signed, and returns the answer's status,
// error code and message.
func signedRaw(t *testing.T, method, target, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), client.SigningService, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m struct{ Message string }
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, res.Header.Get("X-Amzn-ErrorType"), m.Message
}
