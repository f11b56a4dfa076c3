package lambda

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"time"
)

// Output kept of a command's standard error, for the error message.
const maxStderr = 16 << 10

// commandWaitDelay bounds the wait for a killed command's output pipes, in
// case something it started escaped its process group and holds them open.
const commandWaitDelay = 500 * time.Millisecond

// runCommand runs a command binding: the event on standard input, the
// response on standard output. ctx's deadline kills the command and
// everything it started.
func (s *Service) runCommand(ctx context.Context, arn string, b *Binding, event []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.Command[0], b.Command[1:]...)
	cmd.Dir = b.Dir
	if len(b.Env) > 0 {
		cmd.Env = os.Environ()
		keys := make([]string, 0, len(b.Env))
		for k := range b.Env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			cmd.Env = append(cmd.Env, k+"="+b.Env[k]) // later entries win
		}
	}
	cmd.Stdin = bytes.NewReader(event)
	stdout := &capped{max: s.cfg.MaxResponse}
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	killProcessGroup(cmd)
	cmd.WaitDelay = commandWaitDelay

	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		e := &Error{Kind: ErrFunction, FunctionArn: arn, Err: err, Message: "exited with " + exit.ProcessState.String()}
		if msg := excerpt(stderr.buf.Bytes()); msg != "" {
			e.Message += ": " + msg
		}
		return nil, e
	case err != nil:
		return nil, failure(ErrInvocation, arn, err, "cannot run %q: %v", b.Command[0], err)
	case stdout.n > int64(s.cfg.MaxResponse):
		return nil, failure(ErrBadResponse, arn, nil, "the response is %d bytes; the limit is %d", stdout.n, s.cfg.MaxResponse)
	case len(bytes.TrimSpace(stdout.buf.Bytes())) == 0 && len(bytes.TrimSpace(stderr.buf.Bytes())) > 0:
		// A handler that caught its own exception and printed it.
		return nil, failure(ErrFunction, arn, nil, "wrote nothing to standard output, and to standard error: %s", excerpt(stderr.buf.Bytes()))
	}
	return stdout.buf.Bytes(), nil
}

// capped is a writer that keeps the first max bytes and counts the rest,
// so that a chatty command neither blocks on a full pipe nor fills memory.
type capped struct {
	buf bytes.Buffer
	max int
	n   int64
}

func (c *capped) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
