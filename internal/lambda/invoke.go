package lambda

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hotline-dev/hotline/internal/jsonscan"
)

// Invoker runs the functions an instance's flows invoke.
type Invoker struct {
	Functions *Service
	// Allowed reports whether an instance's flows may invoke a function:
	// (*connect.Service).LambdaAllowed, injected so that this package does
	// not depend on connect.
	Allowed func(ctx context.Context, instanceID, functionARN string) (bool, error)
}

// Invoke sends event to the function bound to functionARN on behalf of an
// instance and returns its JSON response. It fails, with an *Error, when the
// function is not on the instance's allow-list, has no binding, does not
// answer within timeout (0 means the Service's default), reports a function
// error, or answers with anything but JSON of at most the size limit
// (JSON null included, which Amazon Connect takes as an error).
func (iv *Invoker) Invoke(ctx context.Context, instanceID, functionARN string, event []byte, timeout time.Duration) ([]byte, error) {
	if iv.Allowed == nil {
		return nil, failure(ErrInvocation, functionARN, nil, "the invoker has no allow-list check")
	}
	ok, err := iv.Allowed(ctx, instanceID, functionARN)
	if err != nil {
		return nil, failure(ErrInvocation, functionARN, err, "checking the allow-list of instance %s: %v", instanceID, err)
	}
	if !ok {
		return nil, failure(ErrNotAllowed, functionARN, nil,
			"instance %s has not associated it; associate it with `aws connect associate-lambda-function`", instanceID)
	}
	return iv.Functions.call(ctx, functionARN, event, timeout)
}

// TestInvoke runs the function bound to functionARN as Invoke does, but
// without any instance's allow-list: it is for people debugging a binding,
// never for flows.
func (s *Service) TestInvoke(ctx context.Context, functionARN string, event []byte, timeout time.Duration) ([]byte, error) {
	return s.call(ctx, functionARN, event, timeout)
}

func (s *Service) call(ctx context.Context, arn string, event []byte, timeout time.Duration) ([]byte, error) {
	r, ok, err := s.resolve(ctx, arn)
	if !ok {
		return nil, failure(ErrNoBinding, arn, nil, "not a Lambda function ARN")
	}
	if err != nil {
		return nil, failure(ErrInvocation, arn, err, "reading its binding: %v", err)
	}
	p, b := r.p, r.b
	if b == nil {
		return nil, failure(ErrNoBinding, arn, nil, "bind it with `hotline functions put %s --builtin NAME | --http URL | --command 'ARGV'`", arn)
	}
	if timeout <= 0 {
		timeout = s.cfg.DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var resp []byte
	switch b.Kind {
	case KindBuiltin:
		resp, err = s.runBuiltin(cctx, arn, b, event)
	case KindHTTP:
		resp, err = s.runHTTP(cctx, arn, p, b, event)
	case KindCommand:
		resp, err = s.runCommand(cctx, arn, b, event)
	default:
		err = failure(ErrInvocation, arn, nil, "its binding has the unknown kind %q", b.Kind)
	}
	if err != nil {
		// The deadline decides what a failure was, whatever the runner made
		// of it: a function cut off at the limit is a timeout even when the
		// cut surfaces as a killed process or a broken connection.
		switch cerr := cctx.Err(); {
		case errors.Is(cerr, context.DeadlineExceeded):
			err = failure(ErrTimeout, arn, cerr, "no answer within %v", timeout)
		case cerr != nil:
			err = failure(ErrInvocation, arn, cerr, "the caller gave up: %v", cerr)
		}
	} else {
		resp, err = s.checkResponse(arn, resp)
	}
	// Checked first: the arguments would cost allocations at every
	// invocation even with debug logging off.
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.Debug("function invoked", "functionArn", arn, "kind", b.Kind, "took", time.Since(start), "err", err)
	}
	return resp, err
}

// checkResponse enforces what Amazon Connect demands of a response.
func (s *Service) checkResponse(arn string, resp []byte) ([]byte, error) {
	resp = bytes.TrimSpace(resp)
	switch {
	case len(resp) == 0:
		return nil, failure(ErrBadResponse, arn, nil, "the response is empty; it must be JSON")
	case len(resp) > s.cfg.MaxResponse:
		return nil, failure(ErrBadResponse, arn, nil, "the response is %d bytes; the limit is %d", len(resp), s.cfg.MaxResponse)
	case !jsonscan.Valid(resp):
		return nil, failure(ErrBadResponse, arn, nil, "the response is not JSON: %s", excerpt(resp))
	case string(resp) == "null":
		return nil, failure(ErrBadResponse, arn, nil, "the response is null, which Amazon Connect takes as an error")
	}
	return resp, nil
}

// runBuiltin runs a built-in function. It waits for it in another goroutine
// (a runner, runner.go) so that the time limit holds even for one that
// ignores ctx, and so that a panic is the function's error rather than the
// server's crash.
func (s *Service) runBuiltin(ctx context.Context, arn string, b *Binding, event []byte) ([]byte, error) {
	fn, ok := builtin(b.Builtin)
	if !ok {
		return nil, failure(ErrInvocation, arn, nil, "it is bound to the built-in %q, which this build of hotline does not have (it has %s)",
			b.Builtin, describeBuiltins())
	}
	run := &builtinRun{ctx: ctx, fn: fn, event: event, log: s.log, name: b.Builtin, arn: arn, done: make(chan builtinResult, 1)}
	run.start()
	select {
	case r := <-run.done:
		if r.err != nil {
			return nil, &Error{Kind: ErrFunction, FunctionArn: arn, Message: r.err.Error(), Err: r.err}
		}
		return r.resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// excerpt shortens output for an error message.
func excerpt(b []byte) string {
	const max = 1000
	b = bytes.TrimSpace(b)
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
