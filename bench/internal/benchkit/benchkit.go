// Package benchkit holds what the benchmark programs share: a CPU profile
// of the run and a Hotline server on loopback over a fresh data directory.
// Setup failures end the program: a benchmark has nothing to report then.
package benchkit

import (
	"context"
	"log"
	"net"
	"os"
	"runtime/pprof"

	"github.com/hotline-dev/hotline/internal/server"
)

// StartCPUProfile profiles the CPU into the file at path until the
// returned function is called; with path "" it does nothing.
func StartCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

// Server is a Hotline serving on a loopback port.
type Server struct {
	*server.Server
	// Endpoint is its base URL, http://127.0.0.1:PORT.
	Endpoint string
	dir      string
}

// Serve starts a server with cfg over a fresh data directory under the
// system's temporary directory (cfg.DataDir is replaced).
func Serve(ctx context.Context, cfg server.Config) *Server {
	dir, err := os.MkdirTemp("", "hotline-bench-")
	if err != nil {
		log.Fatal(err)
	}
	cfg.DataDir = dir
	srv, err := server.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	return &Server{Server: srv, Endpoint: "http://" + ln.Addr().String(), dir: dir}
}

// Close stops the server and removes its data directory.
func (s *Server) Close() {
	_ = s.Shutdown(context.Background())
	_ = os.RemoveAll(s.dir)
}
