package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

const arnPrefix = "arn:aws:lambda:eu-west-2:123456789012:function:"

// Built-ins are registered once per test binary: registering twice panics.
var echoCalls atomic.Int64

func init() {
	lambda.RegisterBuiltin("test.echo", func(_ context.Context, event []byte) ([]byte, error) {
		echoCalls.Add(1)
		return event, nil
	})
	lambda.RegisterBuiltin("test.fail", func(context.Context, []byte) ([]byte, error) {
		return nil, errors.New("no row for key 42")
	})
	lambda.RegisterBuiltin("test.panic", func(context.Context, []byte) ([]byte, error) {
		panic("index out of range")
	})
	// It ignores ctx: the time limit must hold regardless.
	lambda.RegisterBuiltin("test.stubborn", func(context.Context, []byte) ([]byte, error) {
		time.Sleep(3 * time.Second)
		return []byte(`{}`), nil
	})
	lambda.RegisterBuiltin("test.text", func(context.Context, []byte) ([]byte, error) {
		return []byte("Welcome to Hotline"), nil
	})
	lambda.RegisterBuiltin("test.null", func(context.Context, []byte) ([]byte, error) {
		return []byte("null"), nil
	})
	lambda.RegisterBuiltin("test.big", func(context.Context, []byte) ([]byte, error) {
		return []byte(`"` + strings.Repeat("x", 40<<10) + `"`), nil
	})
}

var testCreds = aws.Credentials{AccessKeyID: "AKIDLAMBDATEST", SecretAccessKey: "lambda-test-secret"}

func openStore(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newService(t *testing.T, cfg lambda.Config) *lambda.Service {
	t.Helper()
	if cfg.Credentials == nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")
	}
	db := openStore(t, filepath.Join(t.TempDir(), "hotline.db"))
	return lambda.New(cfg, db, clock.NewVirtual(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)), nil)
}

func mustPut(t *testing.T, s *lambda.Service, b lambda.Binding) {
	t.Helper()
	if _, err := s.Put(context.Background(), &b); err != nil {
		t.Fatalf("Put %s: %v", b.FunctionArn, err)
	}
}

// fakeLambda is an HTTP server implementing the Lambda Invoke API. It
// verifies every request's SigV4 signature and checks that it is signed
// for the service lambda.
type fakeLambda struct {
	t    *testing.T
	srv  *httptest.Server
	stop chan struct{}

	mu    sync.Mutex
	calls map[string]int // by FunctionName
	seen  []invocation
}

type invocation struct {
	FunctionName, Qualifier, Region, InvocationType string
}

func newFakeLambda(t *testing.T) *fakeLambda {
	f := &fakeLambda{t: t, stop: make(chan struct{}), calls: map[string]int{}}
	v := &sigv4.Verifier{Lookup: func(id string) (string, bool) {
		return testCreds.SecretAccessKey, id == testCreds.AccessKeyID
	}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		id, err := v.Verify(r, body)
		if err != nil {
			t.Errorf("fake Lambda: signature rejected: %v", err)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if id.Service != "lambda" {
			t.Errorf("fake Lambda: request signed for service %q, want lambda", id.Service)
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
		name, ok2 := strings.CutSuffix(name, "/invocations")
		if r.Method != http.MethodPost || !ok || !ok2 {
			t.Errorf("fake Lambda: unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		f.mu.Lock()
		f.calls[name]++
		n := f.calls[name]
		f.seen = append(f.seen, invocation{name, r.URL.Query().Get("Qualifier"), id.Region, r.Header.Get("X-Amz-Invocation-Type")})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch name {
		case "echo", "HelloWorldFunction", "arn:aws:lambda:eu-west-2:123456789012:function:echo:live":
			_, _ = w.Write(body)
		case "fail":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = io.WriteString(w, `{"errorMessage":"'Primary_Key' not found","errorType":"KeyError","stackTrace":[]}`)
		case "text":
			_, _ = io.WriteString(w, "OK")
		case "hang":
			select {
			case <-r.Context().Done():
			case <-f.stop:
			}
		case "flaky": // fails twice, then answers
			if n <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `{"message":"try again"}`)
				return
			}
			_, _ = w.Write(body)
		case "down":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"message":"internal"}`)
		case "throttled":
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"message":"Rate exceeded"}`)
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"Type":"User","message":"Function not found: `+name+`"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.stop) }) // runs first: frees hanging handlers
	return f
}

func (f *fakeLambda) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeLambda) last() invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		return invocation{}
	}
	return f.seen[len(f.seen)-1]
}

// closedEndpoint is an address where nothing listens.
func closedEndpoint(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func writeScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

const event = `{"Name":"ContactFlowEvent","Details":{"ContactData":{"ContactId":"c-1"},"Parameters":{"key":"welcome"}}}`

func TestInvokeBindings(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("command bindings are tested with sh and python3")
	}
	fake := newFakeLambda(t)
	down := closedEndpoint(t)
	dir := t.TempDir()
	// A Python handler that reads the event, its environment and a file in
	// its working directory: Env and Dir must reach it.
	writeScript(t, dir, "greeting.txt", "Hello from the table")
	writeScript(t, dir, "handler.py", `import json, os, sys
event = json.load(sys.stdin)
key = event["Details"]["Parameters"]["key"]
with open("greeting.txt") as f:
    text = f.read()
print(json.dumps({"Key": key, "Prompt": text, "Stage": os.environ["STAGE"]}))
`)
	writeScript(t, dir, "echo.sh", "#!/bin/sh\ncat\n")

	tests := []struct {
		name    string
		binding lambda.Binding
		bind    string // the binding's ARN; empty means invoke's
		invoke  string // the invoked ARN; empty means bind's
		timeout time.Duration
		want    error  // nil or the sentinel
		resp    string // the exact response on success
		msg     []string
		check   func(t *testing.T)
	}{
		{name: "builtin", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.echo"}, resp: event},
		{name: "builtin error", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.fail"},
			want: lambda.ErrFunction, msg: []string{"no row for key 42"}},
		{name: "builtin panic", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.panic"},
			want: lambda.ErrFunction, msg: []string{"panic: index out of range"}},
		{name: "builtin ignoring its deadline", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.stubborn"},
			timeout: 100 * time.Millisecond, want: lambda.ErrTimeout, msg: []string{"100ms"}},
		{name: "builtin text", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.text"},
			want: lambda.ErrBadResponse, msg: []string{"not JSON", "Welcome to Hotline"}},
		{name: "builtin null", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.null"},
			want: lambda.ErrBadResponse, msg: []string{"null"}},
		{name: "builtin over 32 KB", binding: lambda.Binding{Kind: lambda.KindBuiltin, Builtin: "test.big"},
			want: lambda.ErrBadResponse, msg: []string{"limit is 32768"}},

		{name: "http", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "echo", resp: event,
			check: func(t *testing.T) {
				if got, want := fake.last(), (invocation{"echo", "", "eu-west-2", "RequestResponse"}); got != want {
					t.Errorf("fake Lambda saw %+v, want %+v", got, want)
				}
			}},
		{name: "http qualified ARN uses the unqualified binding", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL},
			bind: arnPrefix + "echo", invoke: arnPrefix + "echo:live", resp: event,
			check: func(t *testing.T) {
				if got, want := fake.last(), (invocation{"echo", "live", "eu-west-2", "RequestResponse"}); got != want {
					t.Errorf("fake Lambda saw %+v, want %+v", got, want)
				}
			}},
		{name: "http function name and region", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL + "/",
			FunctionName: "HelloWorldFunction", Region: "us-east-1"}, bind: arnPrefix + "hello", invoke: arnPrefix + "hello:live", resp: event,
			check: func(t *testing.T) {
				if got, want := fake.last(), (invocation{"HelloWorldFunction", "", "us-east-1", "RequestResponse"}); got != want {
					t.Errorf("fake Lambda saw %+v, want %+v", got, want)
				}
			}},
		{name: "http full ARN as function name", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL,
			FunctionName: arnPrefix + "echo:live"}, invoke: arnPrefix + "other", resp: event},
		{name: "http function error", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "fail",
			want: lambda.ErrFunction, msg: []string{"KeyError: 'Primary_Key' not found"}},
		{name: "http hangs", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "hang",
			timeout: 200 * time.Millisecond, want: lambda.ErrTimeout, msg: []string{"no answer within 200ms"}},
		{name: "http text", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "text",
			want: lambda.ErrBadResponse, msg: []string{"not JSON: OK"}},
		{name: "http 5xx retried", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "flaky",
			timeout: 10 * time.Second, resp: event,
			check: func(t *testing.T) {
				if n := fake.count("flaky"); n != 3 {
					t.Errorf("flaky was called %d times, want 3", n)
				}
			}},
		{name: "http 5xx retried three times", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "down",
			timeout: 10 * time.Second, want: lambda.ErrInvocation, msg: []string{"500"},
			check: func(t *testing.T) {
				if n := fake.count("down"); n != 4 {
					t.Errorf("down was called %d times, want 4 (three retries)", n)
				}
			}},
		{name: "http throttling retried", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "throttled",
			timeout: 10 * time.Second, want: lambda.ErrInvocation, msg: []string{"TooManyRequestsException", "Rate exceeded"},
			check: func(t *testing.T) {
				if n := fake.count("throttled"); n != 4 {
					t.Errorf("throttled was called %d times, want 4 (three retries)", n)
				}
			}},
		{name: "http function not found", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: fake.srv.URL}, invoke: arnPrefix + "nosuch",
			want: lambda.ErrInvocation, msg: []string{"ResourceNotFoundException", "Function not found: nosuch"},
			check: func(t *testing.T) {
				if n := fake.count("nosuch"); n != 1 {
					t.Errorf("a 404 was tried %d times, want 1", n)
				}
			}},
		{name: "http endpoint down", binding: lambda.Binding{Kind: lambda.KindHTTP, Endpoint: down}, invoke: arnPrefix + "unreachable",
			want: lambda.ErrInvocation, msg: []string{"connection refused"}},

		{name: "command script", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"python3", "handler.py"}, Dir: dir,
			Env: map[string]string{"STAGE": "test"}},
			// Python's start-up alone can take seconds on a loaded CI machine.
			timeout: 30 * time.Second,
			resp:    `{"Key": "welcome", "Prompt": "Hello from the table", "Stage": "test"}`},
		{name: "command relative to its dir", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"./echo.sh"}, Dir: dir}, resp: event},
		{name: "command exit status", binding: lambda.Binding{Kind: lambda.KindCommand,
			Command: []string{"sh", "-c", `cat >/dev/null; echo "KeyError: 'Primary_Key'" >&2; exit 3`}},
			want: lambda.ErrFunction, msg: []string{"exit status 3", "KeyError: 'Primary_Key'"}},
		{name: "command stderr only", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"sh", "-c", "echo 'caught: bad key' >&2"}},
			want: lambda.ErrFunction, msg: []string{"standard error: caught: bad key"}},
		{name: "command stderr is a log beside a response", binding: lambda.Binding{Kind: lambda.KindCommand,
			Command: []string{"sh", "-c", `echo 'looking up' >&2; echo '{"ok":"1"}'`}}, resp: `{"ok":"1"}`},
		{name: "command silent", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"true"}},
			want: lambda.ErrBadResponse, msg: []string{"empty"}},
		{name: "command text", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"echo", "hello"}},
			want: lambda.ErrBadResponse, msg: []string{"not JSON: hello"}},
		{name: "command sleeps", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{"sh", "-c", "sleep 10; echo '{}'"}},
			timeout: 200 * time.Millisecond, want: lambda.ErrTimeout, msg: []string{"no answer within 200ms"}},
		{name: "command missing", binding: lambda.Binding{Kind: lambda.KindCommand, Command: []string{filepath.Join(dir, "nosuch")}},
			want: lambda.ErrInvocation, msg: []string{"cannot run", "nosuch"}},
	}
	s := newService(t, lambda.Config{})
	iv := &lambda.Invoker{Functions: s, Allowed: func(context.Context, string, string) (bool, error) { return true, nil }}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bind, arn := tc.bind, tc.invoke
			if bind == "" && arn == "" {
				bind = arnPrefix + "fn" + strconv.Itoa(i)
			}
			if bind == "" {
				bind = arn
			}
			if arn == "" {
				arn = bind
			}
			b := tc.binding
			b.FunctionArn = bind
			mustPut(t, s, b)
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			start := time.Now()
			resp, err := iv.Invoke(context.Background(), "inst-1", arn, []byte(event), timeout)
			took := time.Since(start)
			if took > timeout+time.Second {
				t.Errorf("Invoke took %v with a %v limit", took, timeout)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				if string(resp) != tc.resp {
					t.Fatalf("response %s, want %s", resp, tc.resp)
				}
			} else {
				var e *lambda.Error
				if !errors.Is(err, tc.want) || !errors.As(err, &e) {
					t.Fatalf("Invoke = %q, %v; want %v", resp, err, tc.want)
				}
				if resp != nil {
					t.Errorf("a failure returned the response %q", resp)
				}
				if e.FunctionArn != arn {
					t.Errorf("error names %s, want %s", e.FunctionArn, arn)
				}
				for _, m := range tc.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not say %q", err, m)
					}
				}
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// TestCommandTimeoutKillsChildren checks that a command killed at its time
// limit takes what it started with it.
func TestCommandTimeoutKillsChildren(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups are a Unix matter")
	}
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	s := newService(t, lambda.Config{})
	arn := arnPrefix + "spawner"
	mustPut(t, s, lambda.Binding{FunctionArn: arn, Kind: lambda.KindCommand,
		Command: []string{"sh", "-c", `sleep 30 & echo $! > "$PIDFILE"; wait`}, Env: map[string]string{"PIDFILE": pidFile}})
	_, err := s.TestInvoke(context.Background(), arn, []byte(event), 300*time.Millisecond)
	if !errors.Is(err, lambda.ErrTimeout) {
		t.Fatalf("TestInvoke: %v, want a timeout", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the command's child %d outlived the time limit", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: ask the kernel
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestInvokerRefusals(t *testing.T) {
	ctx := context.Background()
	s := newService(t, lambda.Config{})
	bound, unbound := arnPrefix+"bound", arnPrefix+"unbound"
	mustPut(t, s, lambda.Binding{FunctionArn: bound, Kind: lambda.KindBuiltin, Builtin: "test.echo"})
	allowList := map[string]bool{"inst-1/" + bound: true, "inst-1/" + unbound: true}
	allowed := func(_ context.Context, inst, arn string) (bool, error) {
		if inst == "gone" {
			return false, apierr.New("ResourceNotFoundException", "instance gone was not found")
		}
		return allowList[inst+"/"+arn], nil
	}
	tests := []struct {
		name      string
		iv        *lambda.Invoker
		inst, arn string
		want      error
		msg       string
	}{
		{"not on the allow-list", &lambda.Invoker{Functions: s, Allowed: allowed}, "inst-2", bound, lambda.ErrNotAllowed, "inst-2"},
		{"unknown instance", &lambda.Invoker{Functions: s, Allowed: allowed}, "gone", bound, lambda.ErrInvocation, "instance gone was not found"},
		{"no allow-list check", &lambda.Invoker{Functions: s}, "inst-1", bound, lambda.ErrInvocation, "no allow-list check"},
		{"allowed but unbound", &lambda.Invoker{Functions: s, Allowed: allowed}, "inst-1", unbound, lambda.ErrNoBinding, "hotline functions put"},
	}
	before := echoCalls.Load()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.iv.Invoke(ctx, tc.inst, tc.arn, []byte(event), time.Second)
			if !errors.Is(err, tc.want) || resp != nil {
				t.Fatalf("Invoke = %q, %v; want %v", resp, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
	if n := echoCalls.Load() - before; n != 0 {
		t.Errorf("refused invocations ran the function %d times", n)
	}
	// The same function, allowed, runs.
	iv := &lambda.Invoker{Functions: s, Allowed: allowed}
	if resp, err := iv.Invoke(ctx, "inst-1", bound, []byte(event), time.Second); err != nil || string(resp) != event {
		t.Fatalf("allowed Invoke = %q, %v", resp, err)
	}
	// A caller that gives up is neither a timeout nor a success.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := iv.Invoke(cctx, "inst-1", bound, []byte(event), time.Second); !errors.Is(err, context.Canceled) || errors.Is(err, lambda.ErrTimeout) {
		t.Fatalf("Invoke with a cancelled context: %v", err)
	}
}

func TestPutValidates(t *testing.T) {
	ctx := context.Background()
	s := newService(t, lambda.Config{})
	good := arnPrefix + "good"
	tests := []struct {
		name string
		b    lambda.Binding
		msg  string
	}{
		{"bad ARN", lambda.Binding{FunctionArn: "arn:aws:connect:eu-west-2:123456789012:instance/x", Kind: lambda.KindBuiltin, Builtin: "test.echo"}, "not a Lambda function ARN"},
		{"no kind", lambda.Binding{FunctionArn: good, Builtin: "test.echo"}, "Kind is required"},
		{"unknown kind", lambda.Binding{FunctionArn: good, Kind: "grpc"}, `Kind "grpc"`},
		{"unregistered builtin", lambda.Binding{FunctionArn: good, Kind: lambda.KindBuiltin, Builtin: "config.lookup"}, "test.echo"},
		{"builtin without name", lambda.Binding{FunctionArn: good, Kind: lambda.KindBuiltin}, "needs Builtin"},
		{"builtin with endpoint", lambda.Binding{FunctionArn: good, Kind: lambda.KindBuiltin, Builtin: "test.echo", Endpoint: "http://x"}, "does not take Endpoint"},
		{"http without endpoint", lambda.Binding{FunctionArn: good, Kind: lambda.KindHTTP}, "needs Endpoint"},
		{"http endpoint not a URL", lambda.Binding{FunctionArn: good, Kind: lambda.KindHTTP, Endpoint: "127.0.0.1:3001"}, "http:// or https://"},
		{"http with command", lambda.Binding{FunctionArn: good, Kind: lambda.KindHTTP, Endpoint: "http://x", Command: []string{"x"}}, "does not take Command"},
		{"http bad region", lambda.Binding{FunctionArn: good, Kind: lambda.KindHTTP, Endpoint: "http://x", Region: "EU West"}, "Region"},
		{"command empty", lambda.Binding{FunctionArn: good, Kind: lambda.KindCommand}, "needs Command"},
		{"command relative dir", lambda.Binding{FunctionArn: good, Kind: lambda.KindCommand, Command: []string{"x"}, Dir: "fns"}, "absolute"},
		{"command bad env", lambda.Binding{FunctionArn: good, Kind: lambda.KindCommand, Command: []string{"x"}, Env: map[string]string{"A=B": "c"}}, "A=B"},
		{"command with builtin", lambda.Binding{FunctionArn: good, Kind: lambda.KindCommand, Command: []string{"x"}, Builtin: "test.echo"}, "does not take Builtin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, &tc.b)
			e, ok := apierr.As(err)
			if !ok || e.Code != "InvalidParameterException" || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("Put = %v, want InvalidParameterException saying %q", err, tc.msg)
			}
		})
	}
	if bs, err := s.List(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("after rejected puts List = %v, %v", bs, err)
	}
}

func TestBindingsPersist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotline.db")
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	fake := newFakeLambda(t)
	creds := credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")
	want := []lambda.Binding{
		{FunctionArn: arnPrefix + "a-builtin", Kind: lambda.KindBuiltin, Builtin: "test.echo"},
		{FunctionArn: arnPrefix + "b-command", Kind: lambda.KindCommand, Command: []string{"sh", "-c", "cat"}, Dir: "/", Env: map[string]string{"X": "1"}},
		{FunctionArn: arnPrefix + "echo", Kind: lambda.KindHTTP, Endpoint: fake.srv.URL, Region: "eu-west-2"},
	}

	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s := lambda.New(lambda.Config{Credentials: creds}, db, clock.NewVirtual(now), nil)
	for _, b := range want {
		mustPut(t, s, b)
	}
	if err := s.Delete(ctx, want[0].FunctionArn); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, want[0]) // put back: a delete must not leave a trace
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2 := openStore(t, path)
	s2 := lambda.New(lambda.Config{Credentials: creds}, db2, clock.Real{}, nil)
	got, err := s2.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("after reopening, %d bindings, want %d", len(got), len(want))
	}
	for i, b := range got {
		w := want[i]
		w.LastModifiedTime = now
		gb, _ := json.Marshal(b)
		wb, _ := json.Marshal(&w)
		if string(gb) != string(wb) {
			t.Errorf("after reopening binding %d is\n%s\nwant\n%s", i, gb, wb)
		}
		resp, err := s2.TestInvoke(ctx, b.FunctionArn, []byte(event), 5*time.Second)
		if err != nil || string(resp) != event {
			t.Errorf("after reopening, invoking %s = %q, %v", b.FunctionArn, resp, err)
		}
	}
	if err := s2.Delete(ctx, want[1].FunctionArn); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, want[1].FunctionArn); !apierr.Is(err, "ResourceNotFoundException") {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := s2.Delete(ctx, want[1].FunctionArn); !apierr.Is(err, "ResourceNotFoundException") {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestCommandResponseLimit(t *testing.T) {
	s := newService(t, lambda.Config{MaxResponse: 64})
	arn := arnPrefix + "chatty"
	mustPut(t, s, lambda.Binding{FunctionArn: arn, Kind: lambda.KindCommand,
		Command: []string{"sh", "-c", `printf '"%0100d"' 0`}})
	_, err := s.TestInvoke(context.Background(), arn, []byte(event), 5*time.Second)
	if !errors.Is(err, lambda.ErrBadResponse) || !strings.Contains(err.Error(), "102 bytes; the limit is 64") {
		t.Fatalf("TestInvoke: %v", err)
	}
}

func TestUnregisteredBuiltinFailsLoudly(t *testing.T) {
	// A binding stored by a build that had the built-in, read by one that
	// does not: written to the store directly, as Put would refuse it.
	ctx := context.Background()
	db := openStore(t, filepath.Join(t.TempDir(), "hotline.db"))
	arn := arnPrefix + "lookup"
	rec := `{"FunctionArn":"` + arn + `","Kind":"builtin","Builtin":"flowconfig.lookup","LastModifiedTime":"2025-03-01T09:00:00Z"}`
	if err := db.Update(ctx, func(tx store.RwTx) error { return tx.Put([]byte("lambda/binding/"+arn), []byte(rec)) }); err != nil {
		t.Fatal(err)
	}
	s := lambda.New(lambda.Config{}, db, nil, nil)
	_, err := s.TestInvoke(ctx, arn, []byte(event), time.Second)
	if !errors.Is(err, lambda.ErrInvocation) || !strings.Contains(err.Error(), `"flowconfig.lookup"`) {
		t.Fatalf("TestInvoke: %v", err)
	}
}
