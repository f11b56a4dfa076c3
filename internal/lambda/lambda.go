// Package lambda owns Hotline's function bindings and invokers: what runs
// when a flow's InvokeLambdaFunction action names a FunctionArn. A binding,
// kept in the store, maps the ARN to a built-in Go function, an HTTP
// endpoint that speaks the AWS Lambda Invoke API (SAM's start-lambda, a real
// AWS account) or a local command. The Invoker checks the instance's
// allow-list, resolves the binding, enforces the time limit and reports
// every failure as a typed *Error the flow interpreter can branch on. The
// package also serves the bindings' management API under /_hotline/functions.
// It builds no event and maps no response: that is the interpreter's job.
package lambda

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
)

// Kind says what a binding runs.
type Kind string

// The kinds of binding.
const (
	KindBuiltin Kind = "builtin" // a Go function registered with RegisterBuiltin
	KindHTTP    Kind = "http"    // an endpoint speaking the AWS Lambda Invoke API
	KindCommand Kind = "command" // a local process: event on stdin, response on stdout
)

// Binding says what runs when a flow invokes FunctionArn. Only the fields of
// its Kind may be set.
type Binding struct {
	FunctionArn string
	Kind        Kind

	// Builtin is the registered name of a built-in function.
	Builtin string `json:",omitempty"`

	// Endpoint is the base URL of a Lambda Invoke API, such as
	// http://127.0.0.1:3001 (sam local start-lambda) or
	// https://lambda.us-east-1.amazonaws.com.
	Endpoint string `json:",omitempty"`
	// FunctionName is sent as the Invoke API's FunctionName, as given (a
	// name, a SAM logical id or a full ARN). Empty means the name and
	// qualifier in the invoked ARN.
	FunctionName string `json:",omitempty"`
	// Region signs the request; empty means the Region in the ARN.
	Region string `json:",omitempty"`

	// Command is the argv of a local process; Command[0] is looked up in
	// PATH unless it holds a slash, and a relative path is taken from Dir.
	Command []string `json:",omitempty"`
	// Dir is the process's absolute working directory; empty means the
	// server's.
	Dir string `json:",omitempty"`
	// Env is added to the server's environment, overriding it.
	Env map[string]string `json:",omitempty"`

	// LastModifiedTime is when the binding was last put.
	LastModifiedTime time.Time
}

// functionARN is a Lambda function ARN, optionally qualified by a version
// or alias: the same rule Connect's AssociateLambdaFunction applies.
var functionARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):[0-9]{12}:function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)

var regionName = regexp.MustCompile(`^[a-z0-9-]+$`)

// parsedARN is what Invoke needs from a function ARN.
type parsedARN struct {
	region, name, qualifier string
	unqualified             string // the ARN without its qualifier
}

func parseARN(arn string) (parsedARN, bool) {
	m := functionARN.FindStringSubmatch(arn)
	if m == nil {
		return parsedARN{}, false
	}
	p := parsedARN{region: m[1], name: m[2], qualifier: m[3], unqualified: arn}
	if p.qualifier != "" {
		p.unqualified = strings.TrimSuffix(arn, ":"+p.qualifier)
	}
	return p, true
}

func invalidParam(format string, args ...any) error {
	return apierr.New("InvalidParameterException", format, args...)
}

func notFound(format string, args ...any) error {
	return apierr.New("ResourceNotFoundException", format, args...)
}

// validate checks a binding before it is stored, so that a mistake is
// reported when it is made rather than when a caller is on the line.
func (b *Binding) validate() error {
	if _, ok := parseARN(b.FunctionArn); !ok {
		return invalidParam("FunctionArn %q is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])", b.FunctionArn)
	}
	var stray []string
	has := func(name string, set bool) {
		if set {
			stray = append(stray, name)
		}
	}
	switch b.Kind {
	case KindBuiltin:
		if b.Builtin == "" {
			return invalidParam("a builtin binding needs Builtin, the name of a registered function")
		}
		if _, ok := builtin(b.Builtin); !ok {
			return invalidParam("no built-in function is registered as %q; this server has %s", b.Builtin, describeBuiltins())
		}
		has("Endpoint", b.Endpoint != "")
		has("FunctionName", b.FunctionName != "")
		has("Region", b.Region != "")
		has("Command", len(b.Command) > 0)
		has("Dir", b.Dir != "")
		has("Env", len(b.Env) > 0)
	case KindHTTP:
		if err := checkEndpoint(b.Endpoint); err != nil {
			return err
		}
		if b.Region != "" && !regionName.MatchString(b.Region) {
			return invalidParam("Region %q is not an AWS Region name", b.Region)
		}
		has("Builtin", b.Builtin != "")
		has("Command", len(b.Command) > 0)
		has("Dir", b.Dir != "")
		has("Env", len(b.Env) > 0)
	case KindCommand:
		if len(b.Command) == 0 || b.Command[0] == "" {
			return invalidParam("a command binding needs Command, the program and its arguments")
		}
		if b.Dir != "" && !filepath.IsAbs(b.Dir) {
			return invalidParam("Dir %q must be an absolute path: the server's working directory is not the caller's", b.Dir)
		}
		for k := range b.Env {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				return invalidParam("Env has the invalid variable name %q", k)
			}
		}
		has("Builtin", b.Builtin != "")
		has("Endpoint", b.Endpoint != "")
		has("FunctionName", b.FunctionName != "")
		has("Region", b.Region != "")
	case "":
		return invalidParam("Kind is required: builtin, http or command")
	default:
		return invalidParam("Kind %q is not one of builtin, http or command", b.Kind)
	}
	if len(stray) > 0 {
		return invalidParam("a %s binding does not take %s", b.Kind, strings.Join(stray, ", "))
	}
	return nil
}

func checkEndpoint(endpoint string) error {
	if endpoint == "" {
		return invalidParam("an http binding needs Endpoint, the base URL of a Lambda Invoke API (such as http://127.0.0.1:3001)")
	}
	if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
		return invalidParam("Endpoint %q must be an http:// or https:// URL", endpoint)
	}
	return nil
}

func describeBuiltins() string {
	names := Builtins()
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Sentinels for the kinds of invocation failure; test with errors.Is. Every
// error Invoke returns is an *Error carrying one of them.
var (
	ErrNotAllowed  = errors.New("function is not on the instance's allow-list")
	ErrNoBinding   = errors.New("no binding for the function")
	ErrTimeout     = errors.New("function timed out")
	ErrFunction    = errors.New("function error")
	ErrBadResponse = errors.New("bad function response")
	// ErrInvocation is a binding that could not be run: an endpoint that
	// cannot be reached or refuses the call, a command that cannot start, a
	// built-in missing from this build, a caller that gave up.
	ErrInvocation = errors.New("function invocation failed")
)

// Error is a failed invocation.
type Error struct {
	Kind        error // one of the sentinels above
	FunctionArn string
	// Type is the error type a function reported (a Lambda errorType such as
	// "ValueError", or "Unhandled"), when it reported one.
	Type    string
	Message string
	Err     error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Type != "" {
		msg = e.Type + ": " + msg
	}
	return fmt.Sprintf("lambda: %v: %s: %s", e.Kind, e.FunctionArn, msg)
}

// Is makes errors.Is(err, ErrTimeout) and its kin work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause, so errors.Is(err, context.Canceled)
// works too.
func (e *Error) Unwrap() error { return e.Err }

func failure(kind error, arn string, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, FunctionArn: arn, Message: fmt.Sprintf(format, args...), Err: cause}
}
