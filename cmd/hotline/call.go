package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/contacts"
)

const callUsage = `Usage: hotline call NUMBER [--press KEYS]... [flags]

Places a simulated call to NUMBER (a number claimed in Hotline, in E.164)
and prints what the caller heard and did and what the flow did: every
prompt, every key and when, each function call with its request and
response, each attribute change, the branch taken at every action and why,
and how the call ended. The call runs on a virtual clock: waiting costs
nothing.

  --press KEYS        the keys for the next input the caller meets (repeat
                      for each input, in order):
                        1             1 s after the input's prompt ends
                        123#          keys pressed together
                        1@4s          4 s after the prompt ends
                        12@1s,34@1s   12, then 34 a second later
                        !1            during the next prompt (barge-in; a
                                      prompt that is not an input drops it)
                        -             silence: the input times out
                        hangup        hang up at this input
                      inputs after the last --press get silence
  --from NUMBER       the caller's number (default ` + voice.DefaultCaller + `)
  --at TIME           when the call starts, RFC 3339 (default: now)
  --hangup-after D    hang up D into the call, e.g. 30s
  --hangup-after-prompts N
                      hang up once the caller has heard N prompts
  --queue-time D      how long the caller waits in a queue (default 1m)
  --think-time D      from the end of a prompt to the first key (default 1s)
  --dial PREFIX=RESULT[/RING[/TALK]]
                      how the numbers a flow transfers to answer (repeatable;
                      the longest prefix wins): answer, busy, no-answer, fail;
                      e.g. +4420=busy or +1800=answer/3s/2m (default: answer
                      after 6 s, talk for 1 m)
  --intent NAME[:SLOT=VALUE,...]
                      what the caller says to the next Lex bot (repeatable);
                      "timeout" for silence
  --instance ID       the instance NUMBER must be claimed to
  --json              print the report as one JSON document
  --verbose, -v       also print engine notes and whole function events
  --endpoint URL      the server (default $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `)

The exit status is 1 when the call ends in ERROR. See docs/simulation.md.
`

// errCallFailed is what callCmd returns when the call ended in ERROR, so
// that the command exits 1 after printing the report.
var errCallFailed = errors.New("the call ended in ERROR")

// repeated is a flag that may be given many times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// callCmd runs `hotline call`; the report goes to standard output.
func callCmd(args []string) error {
	return runCall(context.Background(), os.Stdout, args)
}

func runCall(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), callUsage) }
	var presses, dials, intents repeated
	fs.Var(&presses, "press", "keys for the next input")
	fs.Var(&dials, "dial", "PREFIX=RESULT[/RING[/TALK]]")
	fs.Var(&intents, "intent", "NAME[:SLOT=VALUE,...]")
	from := fs.String("from", "", "the caller's number")
	at := fs.String("at", "", "start time, RFC 3339")
	hangupAfter := fs.Duration("hangup-after", 0, "hang up this long into the call")
	hangupPrompts := fs.Int("hangup-after-prompts", 0, "hang up after this many prompts")
	queueTime := fs.Duration("queue-time", 0, "time in queue")
	thinkTime := fs.Duration("think-time", 0, "time before the first key")
	instance := fs.String("instance", "", "instance id")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("verbose", false, "print notes and whole function events")
	fs.BoolVar(verbose, "v", false, "print notes and whole function events")
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("call: give one number to call, e.g. hotline call +442071234567 (got %d arguments)", len(pos))
	}
	in := voice.CallInput{InstanceID: *instance, To: pos[0], From: *from, At: *at, Script: voice.Script{
		Presses: presses, HangupAfter: voice.Duration(*hangupAfter), HangupAfterPrompts: *hangupPrompts,
		QueueTime: voice.Duration(*queueTime), ThinkTime: voice.Duration(*thinkTime),
	}}
	// Check what can be checked here, so that a typo is named as a flag.
	for _, p := range presses {
		if _, err := voice.ParsePress(p); err != nil {
			return fmt.Errorf("--press: %v", err)
		}
	}
	for _, d := range dials {
		v, err := voice.ParseDial(d)
		if err != nil {
			return fmt.Errorf("--dial: %v", err)
		}
		in.Script.Dial = append(in.Script.Dial, v)
	}
	for _, s := range intents {
		v, err := voice.ParseIntent(s)
		if err != nil {
			return fmt.Errorf("--intent: %v", err)
		}
		in.Script.Intents = append(in.Script.Intents, v)
	}
	if *at != "" {
		if _, err := time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("--at %q is not an RFC 3339 time such as 2026-11-23T09:00:00Z", *at)
		}
	}

	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	var report json.RawMessage
	if err := c.Do(ctx, "POST", "/_hotline/calls", &in, &report); err != nil {
		return err
	}
	var res voice.CallOutput
	if err := json.Unmarshal(report, &res); err != nil {
		return fmt.Errorf("the server's report is not a call report: %v", err)
	}
	if *asJSON {
		if _, err := fmt.Fprintf(out, "%s\n", report); err != nil {
			return err
		}
	} else {
		printCall(out, &res, *verbose)
	}
	if res.Outcome.Disposition == voice.Error {
		if *asJSON {
			// The report on standard output is for a program; say why here too.
			return fmt.Errorf("%w: %s", errCallFailed, res.Outcome.Error)
		}
		return errCallFailed
	}
	return nil
}

// printCall writes the report for a person.
func printCall(w io.Writer, r *voice.CallOutput, verbose bool) {
	fmt.Fprintf(w, "Call from %s to %s at %s\n  instance %s, contact %s\n\n",
		r.From, r.To, r.StartedAt.UTC().Format(time.RFC3339), r.InstanceID, r.ContactID)
	for i := range r.Events {
		if line := eventLine(&r.Events[i], verbose); line != "" {
			fmt.Fprintf(w, "%9s  %s\n", strconv.FormatFloat(r.Events[i].At, 'f', -1, 64)+"s", line)
		}
	}
	fmt.Fprintln(w)
	o := &r.Outcome
	switch o.Disposition {
	case voice.Queued:
		fmt.Fprintf(w, "Outcome: QUEUED in %s (%s)\n", o.Queue.Name, o.Queue.ARN)
	case voice.Transferred:
		fmt.Fprintf(w, "Outcome: TRANSFERRED to %s\n", o.TransferredTo)
	case voice.Disconnected:
		fmt.Fprintln(w, "Outcome: DISCONNECTED by the flow")
	case voice.CustomerHungUp:
		fmt.Fprintln(w, "Outcome: CUSTOMER_HUNG_UP (the caller hung up)")
	case voice.Error:
		fmt.Fprintf(w, "Outcome: ERROR: %s\n", o.Error)
	default:
		fmt.Fprintf(w, "Outcome: %s\n", o.Disposition)
	}
	if o.Queue != nil && o.Disposition != voice.Queued {
		fmt.Fprintf(w, "  was queued in %s (%s)\n", o.Queue.Name, o.Queue.ARN)
	}
	if o.Disposition == voice.Queued || o.Recording != nil {
		fmt.Fprintf(w, "  recording: %s\n", recordingText(o.Recording))
	}
	if o.Disposition == voice.Queued {
		if len(o.AgentWhisper) == 0 {
			fmt.Fprintln(w, "  agent whisper: (nothing)")
		} else {
			fmt.Fprintf(w, "  agent whisper: %s\n", quoteAll(o.AgentWhisper))
		}
	}
	if !r.EndedAt.IsZero() {
		fmt.Fprintf(w, "  call length %s, disconnect reason %s\n", r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond), r.DisconnectReason)
	}
}

func recordingText(rec *contacts.Recording) string {
	if rec == nil {
		return "not set (nothing is recorded)"
	}
	var parts []string
	if len(rec.RecordedParticipants) > 0 {
		parts = append(parts, "records "+strings.Join(rec.RecordedParticipants, " and "))
	} else {
		parts = append(parts, "records nobody")
	}
	if rec.ScreenRecording {
		parts = append(parts, "agent screen")
	}
	if rec.Analytics != "" {
		parts = append(parts, "analytics "+rec.Analytics)
	} else {
		parts = append(parts, "no analytics")
	}
	if rec.Redaction != "" {
		parts = append(parts, "redaction "+rec.Redaction)
	}
	return strings.Join(parts, ", ")
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// eventLine describes one report event, or "" to leave it out.
func eventLine(e *contacts.Event, verbose bool) string {
	d := e.Detail.Map()
	s := func(k string) string {
		if v, ok := d[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	switch e.Type {
	case "flow":
		line := fmt.Sprintf("flow      %s", s("flow"))
		if n := s("name"); n != "" {
			line += fmt.Sprintf(" %q (%s)", n, s("flowType"))
		}
		if h := s("hook"); h != "" {
			line += " as the " + h + " hook"
		}
		return line
	case "prompt":
		what := ""
		switch {
		case s("text") != "":
			what = strconv.Quote(s("text"))
		case s("ssml") != "":
			what = "SSML " + s("ssml")
		case s("promptId") != "":
			what = "prompt " + s("promptId")
		default:
			what = "audio " + s("media")
		}
		line := fmt.Sprintf("prompt    %s  [%ss", what, s("seconds"))
		if d["interruptible"] == true {
			line += ", interruptible"
		}
		if v := s("interruptedAt"); v != "" {
			line += ", cut short at " + v + "s"
		}
		return line + "]"
	case "input":
		line := "key       " + s("keys")
		switch {
		case d["dropped"] == true:
			line += "  (dropped: " + s("why") + ")"
		case d["interruptedPrompt"] == true:
			line += "  (during the prompt, which stops)"
		}
		return line
	case "timeout":
		return "timeout   the " + s("wait") + " wait's timer ran out"
	case "lambda":
		if s("phase") == "request" {
			req := "request " + compact(d["request"])
			if !verbose {
				req = "parameters " + compact(dig(d["request"], "Details", "Parameters"))
			}
			return fmt.Sprintf("lambda    invoke %s (limit %ss)\n%11s%s", s("function"), s("timeLimitSeconds"), "", req)
		}
		switch {
		case d["timedOut"] == true:
			return "lambda    timed out: " + s("error")
		case s("error") != "":
			return fmt.Sprintf("lambda    failed after %ss: %s", s("seconds"), s("error"))
		}
		return fmt.Sprintf("lambda    answered in %ss: %s", s("seconds"), compact(d["response"]))
	case "attribute":
		name := s("scope")
		if k := s("key"); k != "" {
			name += "." + k
		}
		return fmt.Sprintf("set       %s = %q (was %q)", name, s("new"), s("old"))
	case "branch":
		next := s("next")
		if next == "" {
			next = "(end)"
		}
		line := fmt.Sprintf("action    %s (%s) → %s", e.Action, s("actionType"), next)
		if b := s("branch"); b != "" {
			line += ": " + b
		}
		if y := s("why"); y != "" {
			line += " — " + y
		}
		if verbose {
			if p, ok := d["params"].(map[string]any); ok {
				line += "\n" + strings.Repeat(" ", 11) + "params " + params(p)
			}
		}
		return line
	case "error":
		line := fmt.Sprintf("error     %s", s("errorType"))
		if e.Action != "" {
			line += fmt.Sprintf(" at %s (%s)", e.Action, s("actionType"))
		}
		if y := s("why"); y != "" {
			line += ": " + y
		}
		if h := s("handledBy"); h != "" {
			line += " → handled by " + h
		}
		return line
	case "queue":
		if d["left"] == true {
			return "queue     " + s("why")
		}
		line := fmt.Sprintf("queue     placed in %s (%s)", s("queue"), s("queueArn"))
		if p := s("priority"); p != "" {
			line += ", priority " + p
		}
		line += ", customer queue flow " + s("customerQueueFlow")
		return line + "\n" + strings.Repeat(" ", 11) + "recording " + compact(d["recording"])
	case "whisper":
		if d["disabled"] == true {
			return "whisper   " + s("why")
		}
		line := "whisper   the agent would hear " + compact(d["prompts"]) + " (" + s("flow") + ")"
		if errs := s("errors"); errs != "" {
			line += "; problems: " + compact(d["errors"])
		}
		return line
	case "transfer":
		switch {
		case s("phase") == "dial":
			return fmt.Sprintf("transfer  dialling %s (rings up to %ss, number plan: %s, continue flow: %s)",
				s("number"), s("ringSeconds"), s("numberPlan"), s("continueFlow"))
		case s("result") == "ended":
			return "transfer  " + s("number") + ": " + s("why")
		}
		return "transfer  " + s("number") + ": " + s("result")
	case "bot":
		if s("intent") != "" || s("error") != "" || d["timedOut"] == true {
			line := "bot       the caller says: intent " + s("intent")
			if sl, ok := d["slots"]; ok {
				line += " " + compact(sl)
			}
			if d["timedOut"] == true {
				line = "bot       the caller says nothing"
			}
			if e := s("error"); e != "" {
				line = "bot       " + e
			}
			return line
		}
		return "bot       " + s("bot") + " asks " + strconv.Quote(s("text")+s("ssml"))
	case "hangup":
		return "hangup    " + s("why")
	case "disconnect":
		line := "disconnect " + s("reason")
		if y := s("why"); y != "" {
			line += ": " + y
		}
		return line
	case "end":
		if !verbose && s("error") == "" {
			return ""
		}
		line := "end       " + s("flow") + ": " + s("why")
		if x := s("error"); x != "" {
			line += " (" + x + ")"
		}
		return line
	case "note":
		if !verbose {
			return ""
		}
		return "note      " + s("why")
	}
	return fmt.Sprintf("%-9s %s %s", e.Type, e.Action, compact(d))
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// dig reads a nested field of decoded JSON, or nil.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func params(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(fmt.Sprint(p[k]))
	}
	return strings.Join(parts, " ")
}
