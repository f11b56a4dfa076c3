package testserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Binary builds the hotline command into a temporary directory and returns
// its path, for tests that drive a real `hotline serve` process.
func Binary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hotline")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/hotline-dev/hotline/cmd/hotline").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Process is a `hotline serve` child process.
type Process struct {
	Endpoint   string // http://127.0.0.1:PORT
	InstanceID string // the default Connect instance
	cmd        *exec.Cmd
}

var (
	endpointLine = regexp.MustCompile(`endpoint:\s+(http://\S+)`)
	instanceLine = regexp.MustCompile(`default instance id:\s+(\S+)`)
)

// Serve starts `bin serve` on a random loopback port with the data
// directory dir and waits until it prints its endpoint. The process is
// stopped (and must stop cleanly) when the test ends.
func Serve(t testing.TB, bin, dir string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd}
	t.Cleanup(func() { p.Stop(t) })
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := endpointLine.FindStringSubmatch(sc.Text()); m != nil {
				p.Endpoint = m[1]
			}
			if m := instanceLine.FindStringSubmatch(sc.Text()); m != nil {
				p.InstanceID = m[1]
				close(found)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case <-found:
	case <-time.After(20 * time.Second):
		t.Fatal("hotline serve did not print its endpoint")
	}
	return p
}

// Stop interrupts the process and waits for it to exit.
func (p *Process) Stop(t testing.TB) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("hotline serve did not shut down cleanly: %v", err)
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Error("hotline serve ignored SIGINT")
	}
}

// Env is the environment for AWS tools talking to the process: the
// development credentials, us-east-1, no retries and no user config.
func (p *Process) Env() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
}

// CLI runs the AWS CLI against the process and returns its standard output
// and standard error; err is the CLI's failure, if any.
func (p *Process) CLI(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--endpoint-url", p.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = p.Env()
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// AWS runs the AWS CLI, failing the test if it fails, and decodes its
// JSON output.
func (p *Process) AWS(t testing.TB, args ...string) map[string]any {
	t.Helper()
	out, stderr, err := p.CLI(args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("aws %s printed %s", strings.Join(args, " "), out)
		}
	}
	return m
}
