package server

import (
	"bufio"
	"math"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

// Garbage-collector defaults for a server process; see TuneGC.
const (
	// DefaultGCPercent is the GOGC a server runs with unless GOGC is set.
	DefaultGCPercent = 400
	// MemoryLimitShare is the share of the memory the process may use
	// (its cgroup's limit, else the machine's RAM) that becomes the soft
	// memory limit unless GOMEMLIMIT is set.
	MemoryLimitShare = 0.75
)

// GCSettings says how TuneGC set up the garbage collector.
type GCSettings struct {
	GCPercent int    // the GOGC in effect; -1 is off
	GCSource  string // "GOGC" (the environment) or "default"
	// MemoryLimit is the soft memory limit in bytes; math.MaxInt64 is none.
	MemoryLimit int64
	// LimitSource is "GOMEMLIMIT" (the environment), "cgroup" or "RAM"
	// (MemoryLimitShare of either), or "none" when neither was found.
	LimitSource string
}

// TuneGC sets the garbage collector up for serving, once at start, and
// says what it chose. Both `hotline serve` and the benchmarks call it, so
// a benchmark measures the process a user runs.
//
// A server's heap is small (tens of MB) and its work allocates a lot per
// request, so at Go's default GOGC=100 it collects very often for little
// memory saved. Unless GOGC is set, TuneGC sets GOGC=400: the heap may grow
// to five times the live data (instead of twice) between collections,
// which collects a quarter as often.
//
// So that the larger headroom can never take the memory a process is
// allowed, TuneGC also sets a soft memory limit, unless GOMEMLIMIT is set:
// MemoryLimitShare of the cgroup's memory limit (a container's limit), or of
// the machine's RAM when there is none. Near the limit the collector runs
// as often as it must to stay under it, whatever GOGC says. The rest is left
// for memory the Go runtime does not count, such as the pages of the
// memory-mapped store file.
func TuneGC() GCSettings {
	s := GCSettings{GCSource: "GOGC", LimitSource: "GOMEMLIMIT"}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
		s.GCSource = "default"
	}
	s.GCPercent = debug.SetGCPercent(-1)
	debug.SetGCPercent(s.GCPercent)
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail, source := availableMemory(); avail > 0 {
			debug.SetMemoryLimit(int64(float64(avail) * MemoryLimitShare))
			s.LimitSource = source
		} else {
			s.LimitSource = "none"
		}
	}
	s.MemoryLimit = debug.SetMemoryLimit(-1)
	return s
}

// String renders the settings for the log: "GOGC=400 (default),
// GOMEMLIMIT=17.7GiB (75% of RAM)".
func (s GCSettings) String() string {
	var b strings.Builder
	b.WriteString("GOGC=")
	if s.GCPercent < 0 {
		b.WriteString("off")
	} else {
		b.WriteString(strconv.Itoa(s.GCPercent))
	}
	b.WriteString(" (" + s.GCSource + "), GOMEMLIMIT=")
	if s.MemoryLimit == math.MaxInt64 {
		b.WriteString("none")
	} else {
		b.WriteString(strconv.FormatFloat(float64(s.MemoryLimit)/(1<<30), 'f', 1, 64) + "GiB")
	}
	switch s.LimitSource {
	case "cgroup", "RAM":
		b.WriteString(" (" + strconv.Itoa(int(MemoryLimitShare*100)) + "% of " + s.LimitSource + ")")
	default:
		b.WriteString(" (" + s.LimitSource + ")")
	}
	return b.String()
}

// availableMemory is the memory this process may use: the tightest memory
// limit of its cgroup and the cgroups above it, or the machine's RAM if
// that is less or there is no limit. 0 means unknown (not Linux).
func availableMemory() (int64, string) {
	ram := memTotal("/proc/meminfo")
	limit := cgroupLimit("/proc/self/cgroup", "/sys/fs/cgroup")
	if limit > 0 && (ram == 0 || limit < ram) {
		return limit, "cgroup"
	}
	if ram > 0 {
		return ram, "RAM"
	}
	return 0, ""
}

// memTotal reads MemTotal from /proc/meminfo.
func memTotal(file string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimit returns the tightest memory limit on the cgroup this process
// belongs to (cgroup v2's memory.max or v1's memory.limit_in_bytes, on the
// cgroup and every ancestor visible under root), or 0 when none is set.
func cgroupLimit(selfCgroup, root string) int64 {
	b, err := os.ReadFile(selfCgroup)
	if err != nil {
		return 0
	}
	var best int64
	consider := func(dir, file, cgPath string) {
		// Walk from the process's cgroup up to the root of the mount; in a
		// container the process's own cgroup is usually the root itself.
		for p := path.Clean("/" + cgPath); ; p = path.Dir(p) {
			if n := readLimit(path.Join(dir, p, file)); n > 0 && (best == 0 || n < best) {
				best = n
			}
			if p == "/" {
				return
			}
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		// hierarchy-id:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			consider(root, "memory.max", parts[2]) // v2
		case hasController(parts[1], "memory"):
			consider(path.Join(root, "memory"), "memory.limit_in_bytes", parts[2]) // v1
		}
	}
	return best
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads a cgroup memory limit file; "max" (v2) and the huge
// value v1 uses for "no limit" are 0.
func readLimit(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	s := strings.TrimSpace(string(b))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= math.MaxInt64/2 {
		return 0 // "max", garbage, or v1's page-rounded MaxInt64
	}
	return n
}
