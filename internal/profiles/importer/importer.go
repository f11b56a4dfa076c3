// Package importer owns bulk loading of Customer Profiles objects: it reads
// an NDJSON or CSV file, sends each row to a Hotline server as one
// PutProfileObject call (so the server's validation and identity
// resolution apply exactly as for any client), from a small pool of
// concurrent workers, and keeps a resumable position next to the file so
// an interrupted import continues where it stopped. It reports each row's
// outcome, progress and a summary; drawing them is the caller's business.
package importer

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/smithy-go"
)

// API is the part of the Customer Profiles client an import uses;
// *customerprofiles.Client has it.
type API interface {
	GetProfileObjectType(context.Context, *cp.GetProfileObjectTypeInput, ...func(*cp.Options)) (*cp.GetProfileObjectTypeOutput, error)
	GetProfileObjectTypeTemplate(context.Context, *cp.GetProfileObjectTypeTemplateInput, ...func(*cp.Options)) (*cp.GetProfileObjectTypeTemplateOutput, error)
	PutProfileObject(context.Context, *cp.PutProfileObjectInput, ...func(*cp.Options)) (*cp.PutProfileObjectOutput, error)
}

// Resume says what to do with a state file left by an earlier import.
type Resume int

const (
	// ResumeAuto continues from a state file that matches the file, the
	// domain and the type, and starts from the beginning without one or
	// when the file has changed since. A state file of an unfinished
	// import into another domain or type is an error.
	ResumeAuto Resume = iota
	// ResumeRequired is ResumeAuto, except that having nothing to resume
	// (no state file, or a changed file) is an error.
	ResumeRequired
	// Restart ignores any state file and imports the whole file.
	Restart
)

// Options describe one import.
type Options struct {
	Domain     string
	ObjectType string
	Path       string
	Format     Format // "" picks by the file name (FormatFor)
	Resume     Resume
	// Workers is how many PutProfileObject calls are in flight at once
	// (default 8).
	Workers int
	// CheckpointRows and CheckpointInterval say how often the position is
	// saved: after that many acknowledged rows or that much time, whichever
	// comes first (defaults 1000 rows, 1 s), and always when the import
	// stops.
	CheckpointRows     int
	CheckpointInterval time.Duration
	// ErrorsPath, when set, receives every rejected row as one JSON line:
	// {"line", "code", "message", and "object" (the row as sent) or "text"
	// (the row as read, when it could not be sent)}.
	ErrorsPath string
	// Drain is how long rows already sent may take to be acknowledged once
	// the context ends (default 30 s); then they are abandoned, and sent
	// again by the next run.
	Drain time.Duration

	// Progress, when set, is called about every ProgressInterval (default
	// 200 ms) and once at the end.
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Notice, when set, receives remarks for the user: resuming, a changed
	// file started over.
	Notice func(string)
	// OnResult, when set, is called with each row's outcome as it arrives.
	OnResult func(Result)
	// window bounds how far reading runs ahead of the checkpoint (rows);
	// tests shrink it.
	window int
}

// Rejection is why a row was not ingested.
type Rejection struct {
	Line    int64  `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is the outcome of one row: accepted with its object's unique key,
// or rejected.
type Result struct {
	Row       *Row
	UniqueKey string
	Rejection *Rejection // nil when accepted
}

// Progress is how far an import has come.
type Progress struct {
	Size     int64 // bytes in the file
	Done     int64 // bytes before the checkpoint position
	Start    int64 // where this run started, in bytes
	Accepted int64 // rows accepted, earlier runs included
	Rejected int64 // rows rejected, earlier runs included
	Rows     int64 // rows with an outcome in this run
	Elapsed  time.Duration
}

// Summary is what an import did.
type Summary struct {
	File       string
	StateFile  string
	ErrorsFile string
	Format     Format
	// Resumed is set when this run continued from ResumedFrom.
	Resumed     bool
	ResumedFrom Position
	// Complete is set when every row of the file has an outcome.
	Complete bool
	// Position is the checkpoint when the import stopped.
	Position   Position
	Accepted   int64
	Rejected   int64
	ByCode     map[string]int64
	Rejections []Rejection // the first ones, in line order
	Rows       int64       // rows with an outcome in this run
	Elapsed    time.Duration
}

// ErrInterrupted is returned (wrapped) when the context ended the import.
var ErrInterrupted = errors.New("import interrupted")

const (
	defaultWorkers    = 8
	defaultWindow     = 1024
	defaultCheckRows  = 1000
	defaultCheckEvery = time.Second
	defaultDrain      = 30 * time.Second
	defaultProgress   = 200 * time.Millisecond
)

// Run imports opts.Path. It returns a summary even when it fails; a
// summary that is not Complete has its position saved for the next run.
// Rejected rows are not an error.
func Run(ctx context.Context, api API, opts Options) (*Summary, error) {
	if opts.Workers <= 0 {
		opts.Workers = defaultWorkers
	}
	if opts.window <= 0 {
		opts.window = defaultWindow
	}
	if opts.CheckpointRows <= 0 {
		opts.CheckpointRows = defaultCheckRows
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = defaultCheckEvery
	}
	if opts.Drain <= 0 {
		opts.Drain = defaultDrain
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = defaultProgress
	}
	if opts.Format == "" {
		opts.Format = FormatFor(opts.Path)
	}
	sum := &Summary{File: opts.Path, StateFile: StatePath(opts.Path), Format: opts.Format, ByCode: map[string]int64{}}

	f, err := os.Open(opts.Path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	fp, err := fingerprint(f)
	if err != nil {
		return sum, err
	}
	st, resumed, err := prepareState(opts, fp)
	if err != nil {
		return sum, err
	}
	plan, err := resolveType(ctx, api, opts.Domain, opts.ObjectType)
	if err != nil {
		return sum, err
	}
	if resumed {
		sum.Resumed, sum.ResumedFrom = true, st.Position
		notice(opts, fmt.Sprintf("resuming %s at line %d (%d accepted, %d rejected so far)",
			opts.Path, st.Line+1, st.Accepted, st.Rejected))
	}
	errs, err := openErrors(opts, st, resumed)
	if err != nil {
		return sum, err
	}
	rd, err := newReader(opts.Format, f, st.Position)
	if err != nil {
		errs.close()
		return sum, err
	}
	r := &run{
		api: api, opts: opts, file: f, plan: plan, st: st, errs: errs, sched: newScheduler(),
		track: newTracker(st.Position), skip: map[int64]bool{}, started: time.Now(), size: fp.Size, startOff: st.Offset,
	}
	for _, off := range st.Done {
		r.skip[off] = true
	}
	// A state file exists from the first moment, so that a second run
	// started meanwhile sees what this one is doing.
	if err := r.checkpoint(); err != nil {
		errs.close()
		return sum, err
	}
	err = r.loop(ctx, rd)
	r.summarize(sum)
	return sum, err
}

func notice(opts Options, msg string) {
	if opts.Notice != nil {
		opts.Notice(msg)
	}
}

// prepareState decides, from the state file, where the import starts.
func prepareState(opts Options, fp Fingerprint) (*State, bool, error) {
	path := StatePath(opts.Path)
	fresh := &State{Version: stateVersion, File: opts.Path, Format: opts.Format, Domain: opts.Domain,
		ObjectType: opts.ObjectType, Fingerprint: fp, ByCode: map[string]int64{}, Started: time.Now()}
	if opts.Resume == Restart {
		return fresh, false, nil
	}
	old, err := loadState(path)
	switch {
	case err != nil:
		return nil, false, err
	case old == nil:
		if opts.Resume == ResumeRequired {
			return nil, false, fmt.Errorf("there is nothing to resume: %s does not exist", path)
		}
		return fresh, false, nil
	case old.Domain != opts.Domain || old.ObjectType != opts.ObjectType || old.Format != opts.Format:
		return nil, false, fmt.Errorf("%s holds an unfinished import of this file into domain %s, object type %s (%s); "+
			"resume it with those settings, or pass --restart to import into domain %s, object type %s from the beginning",
			path, old.Domain, old.ObjectType, old.Format, opts.Domain, opts.ObjectType)
	case old.Fingerprint != fp:
		if opts.Resume == ResumeRequired {
			return nil, false, fmt.Errorf("%s has changed since the import recorded in %s, which cannot be resumed; "+
				"pass --restart to import it from the beginning", opts.Path, path)
		}
		notice(opts, fmt.Sprintf("%s has changed since the interrupted import recorded in %s: importing it from the beginning", opts.Path, path))
		return fresh, false, nil
	}
	if old.ByCode == nil {
		old.ByCode = map[string]int64{}
	}
	return old, true, nil
}

// resolveType reads the object type's keys, which order the rows. A type
// that is not defined may be a template used implicitly.
func resolveType(ctx context.Context, api API, domain, typ string) (*orderPlan, error) {
	out, err := api.GetProfileObjectType(ctx, &cp.GetProfileObjectTypeInput{DomainName: &domain, ObjectTypeName: &typ})
	if err == nil {
		return newOrderPlan(out.Fields, out.Keys), nil
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFoundException" {
		return nil, fmt.Errorf("reading object type %s of domain %s: %w", typ, domain, err)
	}
	tpl, terr := api.GetProfileObjectTypeTemplate(ctx, &cp.GetProfileObjectTypeTemplateInput{TemplateId: &typ})
	if terr != nil {
		return nil, errors.New(ae.ErrorMessage())
	}
	return newOrderPlan(tpl.Fields, tpl.Keys), nil
}

// errorsFile writes rejected rows.
type errorsFile struct {
	f    *os.File
	w    *bufio.Writer
	path string
	size int64
}

func openErrors(opts Options, st *State, resumed bool) (*errorsFile, error) {
	path := opts.ErrorsPath
	if path == "" && resumed {
		path = st.ErrorsFile // keep writing where the interrupted run did
	}
	if path == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	flags := os.O_WRONLY | os.O_CREATE
	keep := resumed && abs == st.ErrorsFile
	if !keep {
		flags |= os.O_TRUNC
		if resumed && st.ErrorsFile != "" {
			notice(opts, fmt.Sprintf("rows rejected before this run are in %s", st.ErrorsFile))
		}
	}
	f, err := os.OpenFile(abs, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--errors: %w", err)
	}
	e := &errorsFile{f: f, w: bufio.NewWriter(f), path: abs}
	if keep {
		// Rows written after the last checkpoint are written again.
		if err := f.Truncate(st.ErrorsSize); err != nil {
			f.Close()
			return nil, err
		}
		e.size = st.ErrorsSize
	}
	if _, err := f.Seek(e.size, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	st.ErrorsFile, st.ErrorsSize = abs, e.size
	return e, nil
}

// sync makes what was written durable and returns the file's size.
func (e *errorsFile) sync() (int64, error) {
	if e == nil {
		return 0, nil
	}
	if err := e.w.Flush(); err != nil {
		return 0, err
	}
	return e.size, e.f.Sync()
}

func (e *errorsFile) close() {
	if e != nil {
		_ = e.w.Flush()
		_ = e.f.Close()
	}
}

// tracker turns acknowledgements, which arrive in any order, into the
// checkpoint: the end of the longest run of rows from the start that all
// have an outcome.
type tracker struct {
	next int64 // lowest sequence number without an outcome
	read int64 // next sequence number to give out
	rows map[int64]*trackedRow
	pos  Position
}

type trackedRow struct {
	start, end, endLine int64
	done                bool
}

func newTracker(pos Position) *tracker { return &tracker{rows: map[int64]*trackedRow{}, pos: pos} }

func (t *tracker) add(r *Row) int64 {
	seq := t.read
	t.read++
	t.rows[seq] = &trackedRow{start: r.Start, end: r.End, endLine: r.EndLine}
	return seq
}

func (t *tracker) done(seq int64) {
	t.rows[seq].done = true
	for {
		r, ok := t.rows[t.next]
		if !ok || !r.done {
			return
		}
		t.pos = Position{Offset: r.end, Line: r.endLine}
		delete(t.rows, t.next)
		t.next++
	}
}

// beyond lists the start offsets of rows with an outcome past the checkpoint.
func (t *tracker) beyond() []int64 {
	var out []int64
	for _, r := range t.rows {
		if r.done {
			out = append(out, r.start)
		}
	}
	slices.Sort(out)
	return out
}

// readyQueue holds the rows that may be sent, earliest first: a row
// released by an acknowledgement goes before rows read after it, so the
// checkpoint keeps moving.
type readyQueue []*task

func (q readyQueue) Len() int           { return len(q) }
func (q readyQueue) Less(i, j int) bool { return q[i].seq < q[j].seq }
func (q readyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)        { *q = append(*q, x.(*task)) }
func (q *readyQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}

// task is a row on its way to the server.
type task struct {
	seq     int64
	row     *Row
	tokens  []uint64
	waiting int // tokens whose queue it does not head yet
}

type outcome struct {
	t     *task
	uk    string
	rej   *Rejection
	fatal error
}

// run is one import in progress. Its fields belong to the loop goroutine.
type run struct {
	api   API
	opts  Options
	file  *os.File
	plan  *orderPlan
	st    *State
	errs  *errorsFile
	sched *scheduler
	track *tracker
	skip  map[int64]bool // rows acknowledged by the interrupted run past its checkpoint

	started        time.Time
	size, startOff int64
	rows           int64 // outcomes in this run
	sinceCheck     int
	lastCheck      time.Time
	complete       bool
}

type readItem struct {
	row *Row
	err error
}

func (r *run) loop(ctx context.Context, rd rowReader) error {
	defer r.errs.close()
	rows := make(chan readItem, 64)
	stopReading := make(chan struct{})
	go func() {
		for {
			row, err := rd.Next()
			select {
			case rows <- readItem{row, err}:
			case <-stopReading:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer close(stopReading)

	// Requests get a context of their own: when ctx ends, rows already
	// sent may still be acknowledged during the drain.
	reqCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	work := make(chan *task)
	results := make(chan outcome, r.opts.Workers)
	for range r.opts.Workers {
		go func() {
			for t := range work {
				results <- r.send(reqCtx, t)
			}
		}()
	}
	defer close(work)

	tick := time.NewTicker(min(r.opts.ProgressInterval, r.opts.CheckpointInterval))
	defer tick.Stop()
	var (
		ready    readyQueue
		inflight int
		eof      bool
		stopping bool
		fatal    error
		drain    <-chan time.Time
		done     = ctx.Done()
		lastProg time.Time
	)
	stop := func(err error) {
		if fatal == nil {
			fatal = err
		}
		if !stopping {
			stopping = true
			drain = time.After(r.opts.Drain)
		}
	}
	for !(stopping && inflight == 0) && !(eof && r.track.next == r.track.read) {
		// An interruption comes first: select picks at random among ready
		// cases, and would otherwise go on sending work it is ready for.
		if done != nil && ctx.Err() != nil {
			done = nil
			stop(ErrInterrupted)
			continue
		}
		var rowsCh <-chan readItem
		if !eof && !stopping && r.track.read-r.track.next < int64(r.opts.window) {
			rowsCh = rows
		}
		var workCh chan<- *task
		var next *task
		if !stopping && len(ready) > 0 {
			workCh, next = work, ready[0]
		}
		select {
		case it := <-rowsCh:
			switch {
			case it.err == io.EOF:
				eof = true
			case it.err != nil:
				stop(fmt.Errorf("reading %s: %w", r.opts.Path, it.err))
			default:
				if t := r.admit(it.row); t != nil && r.sched.add(t) {
					heap.Push(&ready, t)
				}
			}
		case workCh <- next:
			heap.Pop(&ready)
			inflight++
		case o := <-results:
			inflight--
			if o.fatal != nil {
				stop(o.fatal)
				continue
			}
			for _, t := range r.sched.done(o.t) {
				heap.Push(&ready, t)
			}
			r.record(o.t.seq, o.t.row, o.uk, o.rej)
		case <-tick.C:
		case <-done:
			done = nil
			stop(ErrInterrupted)
		case <-drain:
			abandon() // rows still in flight are sent again next time
		}
		if r.sinceCheck >= r.opts.CheckpointRows || r.sinceCheck > 0 && time.Since(r.lastCheck) >= r.opts.CheckpointInterval {
			if err := r.checkpoint(); err != nil {
				stop(err)
			}
		}
		if r.opts.Progress != nil && time.Since(lastProg) >= r.opts.ProgressInterval {
			lastProg = time.Now()
			r.opts.Progress(r.progress())
		}
	}
	r.complete = fatal == nil && eof && r.track.next == r.track.read
	if r.complete {
		if _, err := r.errs.sync(); err != nil {
			fatal = err
			r.complete = false
		} else if err := os.Remove(StatePath(r.opts.Path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if !r.complete {
		if err := r.checkpoint(); err != nil {
			fatal = errors.Join(fatal, err)
		}
	}
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress())
	}
	if fatal != nil {
		return fmt.Errorf("%w; stopped after line %d", fatal, r.track.pos.Line)
	}
	return nil
}

// admit takes a row just read: it returns the task to schedule, or nil
// when the row already has its outcome.
func (r *run) admit(row *Row) *task {
	seq := r.track.add(row)
	switch {
	case r.skip[row.Start]:
		// Acknowledged by the interrupted run, past its checkpoint.
		delete(r.skip, row.Start)
		r.track.done(seq)
		return nil
	case row.Err != nil:
		r.record(seq, row, "", row.Err)
		return nil
	}
	t := &task{seq: seq, row: row, tokens: r.plan.tokens(row.Doc)}
	row.Doc = nil // only ordering needed it
	return t
}

// send is one PutProfileObject call.
func (r *run) send(ctx context.Context, t *task) outcome {
	out, err := r.api.PutProfileObject(ctx, &cp.PutProfileObjectInput{
		DomainName: &r.opts.Domain, ObjectTypeName: &r.opts.ObjectType, Object: &t.row.Object,
	})
	if err == nil {
		return outcome{t: t, uk: aws.ToString(out.ProfileObjectUniqueKey)}
	}
	if rej := rejection(err); rej != nil {
		rej.Line = t.row.Line
		return outcome{t: t, rej: rej}
	}
	return outcome{t: t, fatal: fmt.Errorf("line %d: %w", t.row.Line, err)}
}

// rejection returns the reason the server refused a row, or nil when the
// failure is not the row's (unreachable server, credentials, a domain or
// type gone, throttling or a server error that outlasted the client's
// retries), which stops the import instead.
func rejection(err error) *Rejection {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return nil
	}
	switch s := re.HTTPStatusCode(); {
	case s < 400 || s >= 500, s == 401, s == 403, s == 404, s == 408, s == 429:
		return nil
	}
	rej := &Rejection{Code: "BadRequestException", Message: err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		rej.Code, rej.Message = ae.ErrorCode(), ae.ErrorMessage()
	}
	return rej
}

// record notes a row's outcome.
func (r *run) record(seq int64, row *Row, uk string, rej *Rejection) {
	r.track.done(seq)
	r.rows++
	r.sinceCheck++
	if rej == nil {
		r.st.Accepted++
	} else {
		r.st.Rejected++
		r.st.ByCode[rej.Code]++
		if len(r.st.Rejections) < maxKeptRejections {
			r.st.Rejections = append(r.st.Rejections, *rej)
		}
		r.writeRejection(row, rej)
	}
	if r.opts.OnResult != nil {
		r.opts.OnResult(Result{Row: row, UniqueKey: uk, Rejection: rej})
	}
}

// writeRejection appends a rejected row to the errors file.
func (r *run) writeRejection(row *Row, rej *Rejection) {
	if r.errs == nil {
		return
	}
	entry := struct {
		*Rejection
		Object json.RawMessage `json:"object,omitempty"`
		Text   string          `json:"text,omitempty"`
	}{Rejection: rej}
	if row.Object != "" {
		entry.Object = json.RawMessage(row.Object)
	} else {
		entry.Text = r.rawText(row)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(entry); err != nil {
		return // the row's text came through the reader; it always encodes
	}
	n, _ := r.errs.w.Write(b.Bytes())
	r.errs.size += int64(n)
}

// rawText reads a row's text back from the file.
func (r *run) rawText(row *Row) string {
	n := min(row.End-row.Start, maxLineBytes)
	buf := make([]byte, n)
	n2, _ := r.file.ReadAt(buf, row.Start)
	return string(bytes.TrimSpace(bytes.TrimPrefix(buf[:n2], bom)))
}

// checkpoint saves the position (and the errors file first, since the
// position vouches for it).
func (r *run) checkpoint() error {
	if r.errs != nil {
		size, err := r.errs.sync()
		if err != nil {
			return fmt.Errorf("writing %s: %w", r.errs.path, err)
		}
		r.st.ErrorsSize = size
	}
	r.st.Position = r.track.pos
	// Rows the interrupted run acknowledged that this one has not reached
	// yet still have their outcome.
	r.st.Done = append(r.track.beyond(), slices.Collect(maps.Keys(r.skip))...)
	slices.Sort(r.st.Done)
	r.st.Updated = time.Now()
	r.sinceCheck, r.lastCheck = 0, time.Now()
	return saveState(StatePath(r.opts.Path), r.st)
}

func (r *run) progress() Progress {
	p := Progress{Size: r.size, Done: r.track.pos.Offset, Start: r.startOff, Accepted: r.st.Accepted,
		Rejected: r.st.Rejected, Rows: r.rows, Elapsed: time.Since(r.started)}
	if r.complete {
		p.Done = r.size // blank lines after the last row included
	}
	return p
}

func (r *run) summarize(s *Summary) {
	s.Complete = r.complete
	s.Position = r.track.pos
	s.Accepted, s.Rejected, s.Rows = r.st.Accepted, r.st.Rejected, r.rows
	for k, v := range r.st.ByCode {
		s.ByCode[k] = v
	}
	s.Rejections = slices.Clone(r.st.Rejections)
	slices.SortStableFunc(s.Rejections, func(a, b Rejection) int { return cmp.Compare(a.Line, b.Line) })
	if r.errs != nil {
		s.ErrorsFile = r.errs.path
	}
	s.Elapsed = time.Since(r.started)
}
