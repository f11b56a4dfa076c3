package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Built-ins run on runner goroutines. Each run needs a goroutine other than
// the caller's (see runBuiltin), but a fresh goroutine starts with a small
// stack, which a built-in such as the configuration lookup grows, copying
// it, at every call: a sixth of a lookup's time. So a runner that finished
// one waits a while for the next instead of exiting.

// runnerIdle is how long an idle runner waits for another built-in before
// it exits.
const runnerIdle = 10 * time.Second

// builtinRun is one run of a built-in, handed to a runner.
type builtinRun struct {
	ctx   context.Context
	fn    BuiltinFunc
	event []byte
	// For the panic's log entry.
	log       *slog.Logger
	name, arn string
	// done receives the outcome; buffered, so that a runner never waits for
	// a caller that gave up.
	done chan builtinResult
}

type builtinResult struct {
	resp []byte
	err  error
}

// idleRunners hands a run to a runner waiting for one. It is unbuffered: a
// run is taken only by a runner that is free at that moment.
var idleRunners = make(chan *builtinRun)

// start runs r on an idle runner, or on a new one when none is free.
func (r *builtinRun) start() {
	select {
	case idleRunners <- r:
	default:
		go runner(r)
	}
}

func runner(r *builtinRun) {
	idle := time.NewTimer(runnerIdle)
	defer idle.Stop()
	for {
		r.run()
		r = nil // keep nothing of a finished run while idle
		idle.Reset(runnerIdle)
		select {
		case r = <-idleRunners:
		case <-idle.C:
			return
		}
	}
}

// run calls the built-in and sends its outcome; a panic is its error rather
// than the server's crash, and leaves the runner usable.
func (r *builtinRun) run() {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("built-in function panicked", "builtin", r.name, "functionArn", r.arn, "panic", p)
			r.done <- builtinResult{err: fmt.Errorf("panic: %v", p)}
		}
	}()
	resp, err := r.fn(r.ctx, r.event)
	r.done <- builtinResult{resp, err}
}
