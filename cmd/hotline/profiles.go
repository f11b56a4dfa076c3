package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/profiles/importer"
)

const profilesUsage = `Usage:
  hotline profiles import --domain DOMAIN --type OBJECT_TYPE FILE
        [--format ndjson|csv] [--errors FILE] [--workers N] [--batch N]
        [--resume | --restart] [--endpoint URL]
  hotline profiles link [DOMAIN] [--instance ID] [--unlink] [--endpoint URL]

import reads FILE and puts each row into the Customer Profiles domain as an
object of OBJECT_TYPE, through PutProfileObject, so the server validates and
matches every row exactly as it does any client's.

  --format   ndjson (one JSON object per line; the default unless FILE ends
             in .csv) or csv (a header row names the fields; values are
             strings; empty cells are left out)
  --errors   write each rejected row, with its line and reason, to this file
             as one JSON object per line
  --workers  PutProfileObject calls in flight at once (default 8)
  --batch    save the position after this many rows (default 1000; also
             every second)
  --resume   continue an interrupted import, failing if there is none
  --restart  ignore an interrupted import and start from the first row

The position is kept in FILE` + importer.StateSuffix + ` while the import runs and
removed when it is complete. By default an import continues from there when
the file is unchanged, and starts over (saying so) when it has changed.
Ctrl-C stops it after the rows already sent are answered; a second Ctrl-C
quits at once. Rows that share a key value are sent in file order.

--endpoint defaults to $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `.
Exit status: 0 when every row was accepted, 1 otherwise.
See docs/profiles-import.md.
`

// profilesCmd runs `hotline profiles`.
func profilesCmd(args []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; !ok {
			return
		}
		fmt.Fprintln(os.Stderr, "\nhotline: stopping once the rows already sent are answered (Ctrl-C again to quit now)")
		cancel()
		if _, ok := <-sig; ok {
			// The position saved last is still valid: rows after it are
			// sent again next time.
			os.Exit(130)
		}
	}()
	return runProfiles(ctx, os.Stdout, os.Stderr, args, isTerminal(os.Stdout))
}

func runProfiles(ctx context.Context, out, errOut io.Writer, args []string, tty bool) error {
	if len(args) == 0 {
		fmt.Fprint(errOut, profilesUsage)
		return errors.New("profiles: name a subcommand: import or link")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "import":
	case "link":
		return runProfilesLink(ctx, out, errOut, args)
	case "help", "-h", "--help":
		fmt.Fprint(out, profilesUsage)
		return nil
	default:
		fmt.Fprint(errOut, profilesUsage)
		return fmt.Errorf("profiles: unknown subcommand %q", sub)
	}
	fs := flag.NewFlagSet("profiles import", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(fs.Output(), profilesUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	domain := fs.String("domain", "", "Customer Profiles domain")
	typ := fs.String("type", "", "profile object type")
	format := fs.String("format", "", "ndjson or csv")
	errorsPath := fs.String("errors", "", "file for rejected rows")
	workers := fs.Int("workers", 8, "calls in flight at once")
	batch := fs.Int("batch", 1000, "rows between saved positions")
	resume := fs.Bool("resume", false, "continue an interrupted import")
	restart := fs.Bool("restart", false, "start from the first row")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	switch {
	case len(pos) != 1:
		return fmt.Errorf("profiles import takes one FILE, got %q\n\n%s", pos, profilesUsage)
	case *domain == "" || *typ == "":
		return errors.New("profiles import needs --domain and --type")
	case *resume && *restart:
		return errors.New("--resume and --restart contradict each other")
	case *workers < 1 || *batch < 1:
		return errors.New("--workers and --batch must be at least 1")
	}
	opts := importer.Options{Domain: *domain, ObjectType: *typ, Path: pos[0], ErrorsPath: *errorsPath,
		Workers: *workers, CheckpointRows: *batch}
	if *format != "" {
		if opts.Format, err = importer.ParseFormat(*format); err != nil {
			return err
		}
	}
	switch {
	case *resume:
		opts.Resume = importer.ResumeRequired
	case *restart:
		opts.Resume = importer.Restart
	}
	api, err := profilesClient(ctx, *endpoint, *workers)
	if err != nil {
		return err
	}
	view := &progressView{out: out, tty: tty, every: 10 * time.Second}
	opts.Progress = view.update
	opts.Notice = func(s string) { view.clear(); fmt.Fprintln(errOut, "hotline:", s) }
	sum, err := importer.Run(ctx, api, opts)
	view.clear()
	printSummary(out, sum, opts)
	switch {
	case err != nil && !sum.Complete && sum.Rows+sum.Accepted+sum.Rejected > 0:
		return fmt.Errorf("%w\nthe position is saved in %s: run the same command again to continue", err, sum.StateFile)
	case err != nil:
		return err
	case sum.Rejected > 0:
		return fmt.Errorf("%s of %s rejected", count(sum.Rejected), rows(sum.Accepted+sum.Rejected))
	}
	return nil
}

// profilesClient is a Customer Profiles client for a Hotline server, with
// the credentials the AWS tools use (else the development pair) and
// retries patient enough for a long import: throttling and server errors
// are retried with backoff, and only then stop the import.
func profilesClient(ctx context.Context, endpoint string, workers int) (*cp.Client, error) {
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(60 * time.Second).
		WithTransportOptions(func(t *http.Transport) { t.MaxIdleConnsPerHost = workers })
	return cp.NewFromConfig(cfg, func(o *cp.Options) {
		o.BaseEndpoint = aws.String(strings.TrimRight(serverEndpoint(endpoint), "/"))
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 8
			o.MaxBackoff = 10 * time.Second
			// The client-side retry budget would turn a burst of
			// throttling into failures; backoff alone paces the workers.
			o.RateLimiter = ratelimit.None
		})
	}), nil
}

// progressView draws a progress bar on a terminal, else a line every so
// often.
type progressView struct {
	out   io.Writer
	tty   bool
	every time.Duration
	last  time.Time
	drawn bool
}

func (v *progressView) update(p importer.Progress) {
	frac := 1.0
	if p.Size > 0 {
		frac = float64(p.Done) / float64(p.Size)
	}
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Rows) / s
	}
	counts := fmt.Sprintf("%s accepted, %s rejected, %s rows/s", count(p.Accepted), count(p.Rejected), count(int64(rate)))
	if !v.tty {
		if v.last.IsZero() {
			v.last = time.Now() // the first line comes after one interval
			return
		}
		if time.Since(v.last) < v.every || p.Done == p.Size {
			return // the summary reports the end
		}
		v.last = time.Now()
		fmt.Fprintf(v.out, "progress: %3.0f%% (%s of %s), %s\n", frac*100, bytesText(p.Done), bytesText(p.Size), counts)
		return
	}
	eta := ""
	if done := p.Done - p.Start; done > 0 && p.Done < p.Size {
		left := time.Duration(float64(p.Elapsed) * float64(p.Size-p.Done) / float64(done))
		eta = " ETA " + left.Round(time.Second).String()
	}
	const width = 30
	n := int(frac * width)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	if n < width {
		bar = bar[:n] + ">" + bar[n+1:]
	}
	line := fmt.Sprintf("[%s] %3.0f%% %s/%s %s%s", bar, frac*100, bytesText(p.Done), bytesText(p.Size), counts, eta)
	if cols, _ := strconv.Atoi(os.Getenv("COLUMNS")); cols > 20 && len(line) >= cols {
		line = line[:cols-1]
	}
	fmt.Fprintf(v.out, "\r%s\x1b[K", line)
	v.drawn = true
}

// clear removes the bar so that other output starts on a clean line.
func (v *progressView) clear() {
	if v.drawn {
		fmt.Fprint(v.out, "\r\x1b[K")
		v.drawn = false
	}
}

// maxListed is how many rejections the summary lists one by one.
const maxListed = 20

func printSummary(out io.Writer, s *importer.Summary, opts importer.Options) {
	if s.Rows == 0 && !s.Resumed && !s.Complete {
		return // stopped before the first row: the error says why
	}
	state := "complete"
	if !s.Complete {
		state = fmt.Sprintf("stopped after line %s", count(s.Position.Line))
	}
	fmt.Fprintf(out, "%s into domain %s, object type %s: %s in %s", s.File, opts.Domain, opts.ObjectType, state,
		s.Elapsed.Round(time.Millisecond))
	if s.Resumed {
		fmt.Fprintf(out, " (resumed at line %s)", count(s.ResumedFrom.Line+1))
	}
	fmt.Fprintf(out, "\n  %s accepted\n  %s rejected\n", rows(s.Accepted), rows(s.Rejected))
	for _, code := range sortedCodes(s.ByCode) {
		fmt.Fprintf(out, "    %8s  %s\n", count(s.ByCode[code]), code)
	}
	for i, r := range s.Rejections {
		if i == maxListed {
			break
		}
		fmt.Fprintf(out, "  line %s: %s: %s\n", count(r.Line), r.Code, r.Message)
	}
	if more := s.Rejected - int64(min(len(s.Rejections), maxListed)); more > 0 {
		fmt.Fprintf(out, "  … and %s more", count(more))
		if s.ErrorsFile == "" {
			fmt.Fprint(out, " (--errors FILE lists them all)")
		}
		fmt.Fprintln(out)
	}
	if s.ErrorsFile != "" && s.Rejected > 0 {
		fmt.Fprintf(out, "  rejected rows are in %s\n", s.ErrorsFile)
	}
}

func sortedCodes(m map[string]int64) []string {
	codes := slices.Collect(maps.Keys(m))
	// Most frequent first, then by name.
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	return codes
}

// rows is "1 row", "2 rows", "1,000 rows".
func rows(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return count(n) + " rows"
}

// count writes n with thousands separators.
func count(n int64) string {
	if n < 0 {
		return "-" + count(-n)
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// isTerminal reports whether f is a terminal (a character device that is
// not /dev/null), where a redrawn progress bar makes sense.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}
