package interp

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// copyEffects is what a StepFunc callback must do to keep effects: copy
// the trace entries, their parameters and their changes.
func copyEffects(effs []Effect) []Effect {
	out := slices.Clone(effs)
	for i, e := range out {
		if t, ok := e.(*Trace); ok {
			c := *t
			c.Params, c.Changes = slices.Clone(t.Params), slices.Clone(t.Changes)
			out[i] = &c
		}
	}
	return out
}

// StepFunc hands the callback exactly the effects Step returns, for every
// event of calls that park, resume, write data, take error branches and
// invoke a module; and the contacts end equal.
func TestStepFuncMatchesStep(t *testing.T) {
	env := benchEnv(t)
	env.addModule(t, "mod", doc(
		act("m-set", "UpdateContactAttributes", `{"Attributes":{"inModule":"yes"}}`, onErr("m-bad", "m-end")),
		act("m-bad", "Compare", `{"ComparisonValue":"$.Attributes.nothing"}`, tr{conds: [][3]string{{"Equals", "x", "m-end"}}}),
		act("m-end", "EndFlowModuleExecution", `{}`, tr{}),
	))
	env.addFlow(t, "with-module", "CONTACT_FLOW", doc(
		act("invoke", "InvokeFlowModule", `{"FlowModuleId":"mod"}`, onErr("greet", "greet")),
		say("greet", "Hello $.Attributes.inModule.", "input"),
		act("input", "GetParticipantInput", `{"Text":"Press a key.","InputTimeLimitSeconds":"2"}`,
			tr{conds: [][3]string{{"Equals", "1", "end"}}, errors: [][2]string{{"InputTimeLimitExceeded", "end"}, {"NoMatchingCondition", "end"}, {"NoMatchingError", "end"}}}),
		hangup("end"),
	))
	for _, flowID := range []string{"menu", "with-module"} {
		eng := &Engine{Env: env}
		a, b := newContact("c-"+flowID), newContact("c-"+flowID)
		steps := 0
		step := func(ev Event) {
			t.Helper()
			want, werr := eng.Step(a, ev)
			called := false
			gerr := eng.StepFunc(b, ev, func(effs []Effect) {
				called = true
				got := copyEffects(effs)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s, %s event: StepFunc effects\n%#v\nStep effects\n%#v", flowID, ev.Kind, got, want)
				}
			})
			if (werr == nil) != (gerr == nil) || called != (gerr == nil) {
				t.Fatalf("%s: Step error %v, StepFunc error %v (called %v)", flowID, werr, gerr, called)
			}
			steps++
		}
		tm := t0
		step(Event{Kind: EventStart, Time: tm, FlowID: flowID})
		step(Event{Kind: EventStart, Time: tm, FlowID: flowID}) // refused: a flow is running
		for a.Status() == StatusParked {
			tm = tm.Add(time.Second)
			w := &a.Wait
			ev := Event{Time: tm, Seq: w.Seq}
			switch {
			case w.Kind == WaitFunction:
				ev.Kind, ev.Function = EventFunctionResult, FunctionResult{Payload: benchResponse}
			case w.Kind == WaitPrompt || w.Kind == WaitInput && w.Playing:
				ev.Kind = EventPromptDone
			case w.Kind == WaitInput && flowID == "with-module":
				ev.Kind, ev.Time = EventTimeout, w.Deadline
				tm = w.Deadline
			case w.Kind == WaitInput && a.Frames[0].Action == "menu":
				ev.Kind, ev.Digits = EventDigits, "1"
			case w.Kind == WaitInput:
				ev.Kind, ev.Digits = EventDigits, "12345678"
			default:
				t.Fatalf("unexpected wait %v", w.Kind)
			}
			step(ev)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: contacts differ after %d steps:\n%#v\n%#v", flowID, steps, a, b)
		}
		if steps < 5 || a.Attributes["inModule"] != "yes" && flowID == "with-module" || a.Fault != "" {
			t.Fatalf("%s: %d steps, attributes %v, fault %q: not the path meant", flowID, steps, a.Attributes, a.Fault)
		}
	}
}
