// Package testserver runs a real Hotline server on a random loopback port
// for tests, with AWS SDK clients pointed at it.
package testserver

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/server"
)

// Server is a live Hotline on 127.0.0.1.
type Server struct {
	URL     string // http://127.0.0.1:PORT
	DataDir string
	*server.Server
	cfg  server.Config
	addr string
}

// Start serves Hotline on a random port with a fresh data directory; it is
// stopped when the test ends.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ts := &Server{DataDir: cfg.DataDir, cfg: cfg}
	ts.start(t, "127.0.0.1:0")
	return ts
}

func (ts *Server) start(t testing.TB, addr string) {
	t.Helper()
	srv, err := server.New(context.Background(), ts.cfg)
	if err != nil {
		t.Fatalf("starting hotline: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	ts.Server, ts.addr, ts.URL = srv, ln.Addr().String(), "http://"+ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { ts.stop() })
}

func (ts *Server) stop() {
	if ts.Server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ts.Server.Shutdown(ctx)
	ts.Server = nil
}

// Restart stops the server and starts it again on the same port and data
// directory.
func (ts *Server) Restart(t testing.TB) {
	t.Helper()
	ts.RestartWith(t, nil)
}

// RestartWith is Restart running between (when not nil) while the server
// is down: to move a virtual clock with none of the server's timers armed,
// as a real server's time passes while it is stopped.
func (ts *Server) RestartWith(t testing.TB, between func()) {
	t.Helper()
	ts.stop()
	if between != nil {
		between()
	}
	ts.start(t, ts.addr)
}

// AWSConfig is an SDK configuration for this server: credentials test/test,
// us-east-1, and no retries, so tests see every error as it is answered.
func (ts *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(ts.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   http.DefaultClient,
	}
}

// Connect returns an aws-sdk-go-v2 Amazon Connect client for this server.
func (ts *Server) Connect() *connect.Client {
	return connect.NewFromConfig(ts.AWSConfig())
}
