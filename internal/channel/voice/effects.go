package voice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// whisperLimit is the longest a whisper flow may run (reference §10).
const whisperLimit = 2 * time.Minute

// handle performs a Step's effects in order and writes the report events
// they mean.
func (k *call) handle(effs []interp.Effect) {
	for i, e := range effs {
		switch e := e.(type) {
		case *interp.Trace:
			k.trace(e)
		case interp.Prompt:
			k.prompt(&e, actionOf(effs, i))
		case interp.StopPrompt:
			k.playing.active = false
		case interp.CollectInput:
			// Informative: the engine applies the input rules and keeps the timers.
		case interp.InvokeFunction:
			k.invoke(&e, actionOf(effs, i))
		case interp.TransferToNumber:
			k.dial(&e, actionOf(effs, i))
		case interp.QueueContact:
			k.queued(&e, actionOf(effs, i))
		case interp.StartBot:
			k.startBot(&e, actionOf(effs, i))
		case interp.CreateCallback:
			k.add(k.now, "callback", actionOf(effs, i), contacts.Str("queue", e.QueueARN), contacts.Str("number", e.Number),
				contacts.Num("delaySeconds", seconds(e.InitialDelay)), contacts.Int("maxAttempts", e.MaxAttempts),
				contacts.Str("why", "a callback contact would be created; the simulation does not place it"))
		case interp.UpdateRelatedContact:
			k.add(k.now, "note", actionOf(effs, i), contacts.Str("why", "attributes written to related contact "+e.ContactID))
		case interp.MediaStreamingChange:
			k.add(k.now, "media", actionOf(effs, i), contacts.Bool("streaming", e.Enabled), contacts.Bool("fromCustomer", e.From), contacts.Bool("toCustomer", e.To))
		case interp.Disconnect:
			k.add(k.now, "disconnect", "", contacts.Str("reason", e.Reason))
		case interp.FlowEnded:
			if e.Reason == interp.EndError {
				k.flowError = k.errorText(e.Error)
			}
		}
	}
}

// actionOf is the action that produced effect i: an action's effects come
// before its trace entry.
func actionOf(effs []interp.Effect, i int) string {
	for _, e := range effs[i+1:] {
		if t, ok := e.(*interp.Trace); ok {
			return t.Action
		}
	}
	return ""
}

// trace turns a trace entry into report events: each attribute change, the
// error raised, and the branch taken and why.
func (k *call) trace(t *interp.Trace) {
	switch t.Kind {
	case interp.TraceAction, interp.TraceWait, interp.TraceResume:
		for _, ch := range t.Changes {
			k.add(t.Time, "attribute", t.Action, contacts.Str("scope", ch.Scope), contacts.Str("key", ch.Key), contacts.Str("old", ch.Old), contacts.Str("new", ch.New))
		}
		if t.Error != "" {
			// The engine reuses the entry's parameters and changes after
			// the Step (StepFunc); errorText needs neither.
			k.lastErr = *t
			k.lastErr.Params, k.lastErr.Changes = nil, nil
			m := k.mark(8)
			k.fields = append(k.fields, contacts.Str("errorType", t.Error), contacts.Str("actionType", t.Type), contacts.Str("flow", t.FlowID), contacts.Str("why", t.Why))
			if t.Next != "" {
				k.fields = append(k.fields, contacts.Str("handledBy", t.Next))
			}
			k.addFrom(m, t.Time, "error", t.Action)
		}
		if t.Kind == interp.TraceWait {
			// The branch comes when the action resumes; keep what it used
			// (a copy: the engine reuses t.Params after the Step).
			k.waitParams = append(k.waitParams[:0], t.Params...)
			return
		}
		params := t.Params
		if t.Kind == interp.TraceResume && len(k.waitParams) > 0 {
			params = append(k.waitParams, params...)
		}
		// Emptied, not dropped: params may still be its memory until
		// paramFields below has read it; the next wait reuses it.
		k.waitParams = k.waitParams[:0]
		m := k.mark(8 + len(params))
		k.fields = append(k.fields, contacts.Str("actionType", t.Type), contacts.Str("flow", t.FlowID), contacts.Str("branch", t.Branch))
		if t.Why != "" {
			k.fields = append(k.fields, contacts.Str("why", t.Why))
		}
		if t.Next != "" {
			k.fields = append(k.fields, contacts.Str("next", t.Next))
		}
		if t.Result != "" {
			k.fields = append(k.fields, contacts.Str("result", t.Result))
		}
		if t.Module {
			k.fields = append(k.fields, contacts.Bool("module", true))
		}
		// The parameters, an object whose fields follow its own.
		obj := len(k.fields)
		k.fields = append(k.fields, contacts.Field{})
		k.paramFields(params)
		if n := len(k.fields) - obj - 1; n > 0 {
			k.fields[obj] = contacts.Object("params", n)
		} else {
			k.fields = k.fields[:obj]
		}
		k.addFrom(m, t.Time, "branch", t.Action)
	case interp.TraceEvent:
		if strings.HasPrefix(t.Why, "discarded keys") {
			return // the input event says so
		}
		k.add(t.Time, "note", t.Action, contacts.Str("why", t.Why))
	case interp.TraceEnd:
		m := k.mark(8)
		k.fields = append(k.fields, contacts.Str("flow", t.FlowID), contacts.Str("why", t.Why))
		if t.Error != "" {
			k.fields = append(k.fields, contacts.Str("error", t.Error))
		}
		k.addFrom(m, t.Time, "end", "")
	}
}

// paramFields adds an action's parameters after interpolation, without
// the function request and response (the lambda events carry them).
func (k *call) paramFields(ps []interp.Param) {
	for _, p := range ps {
		if p.Name == "Event" || p.Name == "Response" {
			continue
		}
		k.fields = append(k.fields, contacts.Str(p.Name, p.Value))
	}
}

func (k *call) errorText(errType string) string {
	t := &k.lastErr
	if t.Action == "" || t.Error != errType {
		return "the flow ended on " + errType + ", with no branch for it"
	}
	return fmt.Sprintf("action %q (%s) in flow %s: %s, with no branch for it: %s", t.Action, t.Type, t.FlowID, errType, t.Why)
}

// prompt starts playing a prompt.
func (k *call) prompt(p *interp.Prompt, action string) {
	dur := promptDuration(p)
	k.heard++
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Num("seconds", seconds(dur)), contacts.Str("voice", p.Voice))
	switch {
	case p.Text != "":
		k.fields = append(k.fields, contacts.Str("text", p.Text))
	case p.SSML != "":
		k.fields = append(k.fields, contacts.Str("ssml", p.SSML))
	case p.PromptID != "":
		k.fields = append(k.fields, contacts.Str("promptId", p.PromptID), contacts.Str("promptArn", p.PromptARN))
	default:
		k.fields = append(k.fields, contacts.Str("media", p.MediaURI))
	}
	if p.Interruptible {
		k.fields = append(k.fields, contacts.Bool("interruptible", true))
	}
	k.addFrom(m, k.now, "prompt", action)
	k.playing = playing{active: true, seq: p.Seq, end: k.now.Add(dur), event: len(k.events) - 1, interruptible: p.Interruptible}
	if k.p.hangupN > 0 && k.heard == k.p.hangupN {
		k.setHangup(k.playing.end, fmt.Sprintf("the script hangs up after prompt %d", k.heard))
	}
	// A barge-in entry is pressed into the first prompt it meets.
	if len(k.keys) == 0 && k.next < len(k.p.presses) && k.p.presses[k.next].BargeIn {
		pr := &k.p.presses[k.next]
		k.next++
		if p.Interruptible {
			k.inputSeq = p.Seq
		}
		k.schedule(pr, k.next, k.now, dur/2, true)
	}
}

// invoke runs a function for real, synchronously; the call's clock moves
// on by the time it took.
func (k *call) invoke(e *interp.InvokeFunction, action string) {
	// The engine writes the event, always JSON.
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("phase", "request"), contacts.Str("function", e.FunctionARN), contacts.Raw("request", e.Payload),
		contacts.Num("timeLimitSeconds", seconds(e.TimeLimit)), contacts.Str("responseType", e.ResponseType))
	if e.Async {
		k.fields = append(k.fields, contacts.Bool("async", true))
	}
	k.addFrom(m, k.now, "lambda", action)
	began := time.Now()
	resp, err := k.s.cfg.Invoker.Invoke(k.ctx, k.inst, e.FunctionARN, e.Payload, e.TimeLimit)
	took := time.Since(began)
	f := &pendingFn{seq: e.Seq, at: k.now.Add(took), arn: e.FunctionARN, res: interp.FunctionResult{Payload: resp, Duration: took}}
	if err != nil {
		f.res.Payload, f.res.Err = nil, err.Error()
		f.timedOut = errors.Is(err, lambda.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
	}
	if e.Async {
		// The flow does not wait; the answer is only reported.
		k.lambdaAnswer(k.now, f, action, "")
		return
	}
	k.fn = f
}

// lambdaAnswer reports a function's answer.
func (k *call) lambdaAnswer(at time.Time, f *pendingFn, action, timedOut string) {
	if action == "" && len(k.c.Frames) > 0 {
		action = k.c.Frames[len(k.c.Frames)-1].Action
	}
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("phase", "response"), contacts.Str("function", f.arn), contacts.Num("seconds", seconds(f.res.Duration)))
	switch {
	case timedOut != "":
		k.fields = append(k.fields, contacts.Bool("timedOut", true))
		if f.res.Err != "" {
			k.fields = append(k.fields, contacts.Str("error", timedOut+": "+f.res.Err))
		} else {
			k.fields = append(k.fields, contacts.Str("error", timedOut))
		}
	case f.res.Err != "":
		k.fields = append(k.fields, contacts.Str("error", f.res.Err))
	default:
		// JSON as JSON in the report, and anything else as text.
		k.fields = append(k.fields, contacts.RawOrText("response", f.res.Payload))
	}
	k.addFrom(m, at, "lambda", action)
}

// dial places a third-party call; the number plan decides what the far
// end does.
func (k *call) dial(e *interp.TransferToNumber, action string) {
	pl := k.p.dialResult(e.Number)
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("phase", "dial"), contacts.Str("number", e.Number), contacts.Num("ringSeconds", seconds(e.Timeout)),
		contacts.Bool("continueFlow", e.ContinueFlow), contacts.Str("numberPlan", pl.Result))
	if e.CallerIDNumber != "" {
		k.fields = append(k.fields, contacts.Str("callerId", e.CallerIDNumber))
	}
	if e.DTMF != "" {
		k.fields = append(k.fields, contacts.Str("dtmf", e.DTMF))
	}
	k.addFrom(m, k.now, "transfer", action)
	x := &pendingXfer{seq: e.Seq, number: e.Number, cont: e.ContinueFlow, talk: time.Duration(pl.Talk)}
	switch ring := time.Duration(pl.Ring); pl.Result {
	case DialAnswer:
		if ring > e.Timeout {
			x.at, x.result = k.now.Add(e.Timeout), interp.TransferNoAnswer
		} else {
			x.at, x.result = k.now.Add(ring), interp.TransferAnswered
		}
	case DialBusy:
		x.at, x.result = k.now.Add(busyTime), interp.TransferBusy
	case DialNoAnswer:
		x.at, x.result = k.now.Add(e.Timeout), interp.TransferNoAnswer
	default:
		x.at, x.result = k.now.Add(failTime), interp.TransferFailed
	}
	k.xfer = x
}

// queued notes the queue and the recording in force when the contact
// entered it.
func (k *call) queued(e *interp.QueueContact, action string) {
	k.queue, k.queuedAt = e, k.now
	k.rec.Queue = &contacts.QueueInfo{ID: e.QueueID, ARN: e.QueueARN, Name: e.QueueName, EnqueueTimestamp: k.now}
	k.rec.Recording = recordingOf(k.c)
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("queue", e.QueueName), contacts.Str("queueArn", e.QueueARN), contacts.Str("queueId", e.QueueID),
		contacts.Any("recording", recordingDetail(k.c)))
	if e.Priority != 0 {
		k.fields = append(k.fields, contacts.Int("priority", e.Priority))
	}
	if e.TimeAdjustment != 0 {
		k.fields = append(k.fields, contacts.Num("timeAdjustmentSeconds", seconds(e.TimeAdjustment)))
	}
	switch ref, set := k.c.EventHooks["CustomerQueue"]; {
	case !set:
		k.fields = append(k.fields, contacts.Str("customerQueueFlow", DefaultCustomerQueueFlowID))
	case ref == "":
		k.fields = append(k.fields, contacts.Str("customerQueueFlow", "disabled"))
	default:
		k.fields = append(k.fields, contacts.Str("customerQueueFlow", ref))
	}
	k.addFrom(m, k.now, "queue", action)
}

// recordingDetail is everything the contact's recording settings say.
func recordingDetail(c *interp.Contact) map[string]any {
	r := &c.Recording
	d := map[string]any{}
	if !r.Set && len(c.RecordingAndAnalytics) == 0 {
		d["set"] = false
		return d
	}
	var who []string
	if r.Agent {
		who = append(who, "Agent")
	}
	if r.Customer {
		who = append(who, "Customer")
	}
	d["participants"] = who
	d["ivr"], d["screen"] = r.IVR, r.Screen
	if r.Analytics.Enabled {
		a := map[string]any{"language": r.Analytics.Language, "modes": r.Analytics.Modes, "redaction": r.Analytics.Redaction}
		if r.Analytics.RedactionResults != "" {
			a["redactionResults"] = r.Analytics.RedactionResults
		}
		d["analytics"] = a
	}
	if len(c.RecordingAndAnalytics) > 0 {
		raw := make(map[string]json.RawMessage, len(c.RecordingAndAnalytics))
		maps.Copy(raw, c.RecordingAndAnalytics)
		d["recordingAndAnalytics"] = raw
	}
	return d
}

// startBot lets the script play the caller's part in a Lex interaction.
func (k *call) startBot(e *interp.StartBot, action string) {
	var dur time.Duration
	switch {
	case e.Text != "":
		dur = promptDuration(&interp.Prompt{Text: e.Text})
	case e.SSML != "":
		dur = promptDuration(&interp.Prompt{SSML: e.SSML})
	}
	bot := e.BotAliasARN
	if bot == "" {
		bot = e.BotName
	}
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("bot", bot))
	if e.Text != "" {
		k.fields = append(k.fields, contacts.Str("text", e.Text))
	} else if e.SSML != "" {
		k.fields = append(k.fields, contacts.Str("ssml", e.SSML))
	}
	k.addFrom(m, k.now, "bot", action)
	b := &pendingBot{seq: e.Seq, at: k.now.Add(dur)}
	if k.intents < len(k.p.intents) {
		in := k.p.intents[k.intents]
		k.intents++
		b.res = interp.BotResult{IntentName: in.Name, Slots: in.Slots, SessionAttributes: in.SessionAttributes,
			Confidence: in.Confidence, TimedOut: in.TimedOut}
		if in.TimedOut {
			b.at = b.at.Add(botSilence)
		} else {
			b.at = b.at.Add(k.p.think + utterance)
		}
	} else {
		b.res.Err = "the caller script gives no intent for this bot (give one with --intent NAME)"
	}
	k.bot = b
}

// runWhisper runs the agent whisper flow on a copy of the contact, as it
// would run when an agent answered, and keeps what the agent would hear.
func (k *call) runWhisper() {
	ref, set := k.c.EventHooks["AgentWhisper"]
	if set && ref == "" {
		k.add(k.now, "whisper", "", contacts.Bool("disabled", true), contacts.Str("why", "the AgentWhisper event hook is disabled"))
		return
	}
	if !set {
		ref = DefaultAgentWhisperFlowID
	}
	a := agentLeg(k.c)
	var said, problems []string
	var end time.Time
	var fn *pendingFn
	ev := interp.Event{Kind: interp.EventStart, Time: k.now, FlowID: ref}
	limit := k.now.Add(whisperLimit)
	for range maxSteps {
		effs, err := k.eng.Step(a, ev)
		if err != nil {
			problems = append(problems, err.Error())
			break
		}
		for _, e := range effs {
			switch e := e.(type) {
			case interp.Prompt:
				said = append(said, promptText(&e))
				end = ev.Time.Add(promptDuration(&e))
			case interp.InvokeFunction:
				began := time.Now()
				resp, err := k.s.cfg.Invoker.Invoke(k.ctx, k.inst, e.FunctionARN, e.Payload, e.TimeLimit)
				fn = &pendingFn{seq: e.Seq, at: ev.Time.Add(time.Since(began)), res: interp.FunctionResult{Payload: resp, Duration: time.Since(began)}}
				if err != nil {
					fn.res.Payload, fn.res.Err = nil, err.Error()
				}
			case *interp.Trace:
				if e.Error != "" && e.Next == "" && e.Kind != interp.TraceEvent {
					problems = append(problems, fmt.Sprintf("action %q: %s (%s)", e.Action, e.Error, e.Why))
				}
			}
		}
		if a.Status() != interp.StatusParked {
			break
		}
		w := a.Wait
		next := interp.Event{Seq: w.Seq}
		switch {
		case w.Kind == interp.WaitFunction && fn != nil && fn.seq == w.Seq && fn.at.Before(w.Deadline):
			next.Kind, next.Time, next.Function = interp.EventFunctionResult, fn.at, fn.res
		case (w.Kind == interp.WaitPrompt || w.Kind == interp.WaitPromptLoop || w.Kind == interp.WaitInput && w.Playing) &&
			(w.Deadline.IsZero() || end.Before(w.Deadline)):
			next.Kind, next.Time = interp.EventPromptDone, end
		case !w.Deadline.IsZero():
			// The agent presses nothing.
			next.Kind, next.Time = interp.EventTimeout, w.Deadline
		default:
			problems = append(problems, "the whisper flow waits for something the agent's side does not do ("+w.Kind.String()+")")
			next.Kind, next.Time = interp.EventInterrupt, ev.Time
		}
		if next.Time.After(limit) {
			problems = append(problems, "the whisper flow ran longer than "+whisperLimit.String()+", the most Amazon Connect allows; it was stopped")
			next = interp.Event{Kind: interp.EventInterrupt, Time: limit}
		}
		ev = next
		if ev.Kind == interp.EventInterrupt {
			_, _ = k.eng.Step(a, ev)
			break
		}
	}
	k.whisper = said
	m := k.mark(8)
	k.fields = append(k.fields, contacts.Str("flow", ref), contacts.Any("prompts", said))
	if len(problems) > 0 {
		k.fields = append(k.fields, contacts.Any("errors", problems))
	}
	k.addFrom(m, k.now, "whisper", "")
}

// agentLeg is a copy of the contact with no flow running, for the whisper:
// what the whisper flow writes must not reach the caller's contact.
func agentLeg(c *interp.Contact) *interp.Contact {
	a := *c
	a.Frames, a.Wait = nil, interp.Wait{}
	a.Attributes = maps.Clone(c.Attributes)
	a.EventHooks = maps.Clone(c.EventHooks)
	a.References = maps.Clone(c.References)
	a.RecordingAndAnalytics = maps.Clone(c.RecordingAndAnalytics)
	return &a
}

// add reports an event with the fields fs.
func (k *call) add(at time.Time, typ, action string, fs ...contacts.Field) {
	m := k.mark(len(fs))
	k.fields = append(k.fields, fs...)
	k.addFrom(m, at, typ, action)
}

// fieldChunk is how many fields the call's buffer takes at a time: about
// the report of two menus (a journey's takes some 560); 7.5 KB, below the
// size from which the runtime allocates, and clears, a large object.
const fieldChunk = 240

// mark is where the fields of the next event start in k.fields, with room
// for n fields (more grow the chunk as append does, copying it). The
// events' fields share chunks of one buffer rather than a map each: a
// chunk with too little room left is left for a new one, so that an
// event's fields stay together without copying the others'.
func (k *call) mark(n int) int {
	if cap(k.fields)-len(k.fields) < n {
		k.fields = make([]contacts.Field, 0, max(fieldChunk, n))
	}
	return len(k.fields)
}

// addFrom reports an event whose fields are those of k.fields from m on.
// A Detail is capped at its own fields, so that a later Set on it cannot
// write over the next event's.
func (k *call) addFrom(m int, at time.Time, typ, action string) {
	n := len(k.fields)
	k.nfields += n - m
	k.events = append(k.events, contacts.Event{At: k.at(at), Type: typ, Action: action, Detail: k.fields[m:n:n]})
}

// at is a time on the call's clock, in seconds from the start.
func (k *call) at(t time.Time) float64 { return seconds(t.Sub(k.start)) }

// seconds rounds to the millisecond.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
