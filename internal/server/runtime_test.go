package server

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func restoreGC(t *testing.T) {
	percent := debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func TestTuneGCDefaults(t *testing.T) {
	restoreGC(t)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	s := TuneGC()
	if s.GCPercent != DefaultGCPercent || s.GCSource != "default" {
		t.Fatalf("GOGC: %+v", s)
	}
	if got := debug.SetGCPercent(-1); got != DefaultGCPercent {
		t.Fatalf("the runtime's GOGC is %d", got)
	}
	debug.SetGCPercent(DefaultGCPercent)
	if avail, _ := availableMemory(); avail > 0 {
		if want := int64(float64(avail) * MemoryLimitShare); s.MemoryLimit != want || debug.SetMemoryLimit(-1) != want {
			t.Fatalf("memory limit %d, want %d", s.MemoryLimit, want)
		}
	}
	t.Log(s)
}

// GOGC and GOMEMLIMIT, when set, are the user's and left alone.
func TestTuneGCRespectsEnvironment(t *testing.T) {
	restoreGC(t)
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	// The runtime read them at start; stand in for that.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	s := TuneGC()
	if s.GCPercent != 150 || s.GCSource != "GOGC" || s.MemoryLimit != 1<<30 || s.LimitSource != "GOMEMLIMIT" {
		t.Fatalf("%+v", s)
	}
	if got := s.String(); got != "GOGC=150 (GOGC), GOMEMLIMIT=1.0GiB (GOMEMLIMIT)" {
		t.Fatalf("String() = %q", got)
	}
}

func TestCgroupLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// v2: the limit is on a parent of the process's cgroup.
	write("v2/self", "0::/app/worker\n")
	write("v2/fs/memory.max", "max\n")
	write("v2/fs/app/memory.max", "2147483648\n")
	write("v2/fs/app/worker/memory.max", "max\n")
	if got := cgroupLimit(filepath.Join(dir, "v2/self"), filepath.Join(dir, "v2/fs")); got != 2<<30 {
		t.Errorf("v2: %d", got)
	}
	// v1: the unlimited value is ignored, the tighter of two limits wins.
	write("v1/self", "4:memory:/a/b\n3:cpu,cpuacct:/\n")
	write("v1/fs/memory/memory.limit_in_bytes", "9223372036854771712\n")
	write("v1/fs/memory/a/memory.limit_in_bytes", "4294967296\n")
	write("v1/fs/memory/a/b/memory.limit_in_bytes", "1073741824\n")
	if got := cgroupLimit(filepath.Join(dir, "v1/self"), filepath.Join(dir, "v1/fs")); got != 1<<30 {
		t.Errorf("v1: %d", got)
	}
	// No limit anywhere, or no cgroup file at all.
	write("none/self", "0::/\n")
	write("none/fs/memory.max", "max\n")
	if got := cgroupLimit(filepath.Join(dir, "none/self"), filepath.Join(dir, "none/fs")); got != 0 {
		t.Errorf("none: %d", got)
	}
	if got := cgroupLimit(filepath.Join(dir, "missing"), dir); got != 0 {
		t.Errorf("missing: %d", got)
	}
}

func TestMemTotal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "meminfo")
	if err := os.WriteFile(p, []byte("MemFree:  100 kB\nMemTotal:       24731708 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := memTotal(p); got != 24731708<<10 {
		t.Fatalf("memTotal = %d", got)
	}
	if got := memTotal(filepath.Join(t.TempDir(), "none")); got != 0 {
		t.Fatalf("missing file: %d", got)
	}
	s := GCSettings{GCPercent: -1, GCSource: "GOGC", MemoryLimit: math.MaxInt64, LimitSource: "none"}
	if got := s.String(); !strings.Contains(got, "GOGC=off") || !strings.Contains(got, "GOMEMLIMIT=none") {
		t.Fatalf("String() = %q", got)
	}
}
