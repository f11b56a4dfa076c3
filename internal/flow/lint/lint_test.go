package lint

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Content builders: every flow in these tests is written here, small, for
// the check at hand.

func content(start string, actions ...string) []byte {
	return []byte(`{"Version":"2019-10-30","StartAction":` + strconv.Quote(start) + `,"Actions":[` + strings.Join(actions, ",") + `]}`)
}

// act is one action; params and transitions are JSON objects ("" for {}).
func act(id, typ, params, transitions string) string {
	if params == "" {
		params = "{}"
	}
	if transitions == "" {
		transitions = "{}"
	}
	return `{"Identifier":` + strconv.Quote(id) + `,"Type":` + strconv.Quote(typ) + `,"Parameters":` + params + `,"Transitions":` + transitions + `}`
}

// tr joins transition members into a Transitions object.
func tr(members ...string) string { return "{" + strings.Join(members, ",") + "}" }

func nx(id string) string { return `"NextAction":` + strconv.Quote(id) }

// errs lists error branches as type, target pairs.
func errs(pairs ...string) string {
	var list []string
	for i := 0; i < len(pairs); i += 2 {
		list = append(list, `{"ErrorType":`+strconv.Quote(pairs[i])+`,"NextAction":`+strconv.Quote(pairs[i+1])+`}`)
	}
	return `"Errors":[` + strings.Join(list, ",") + `]`
}

// conds lists conditions as operator, operand, target triples.
func conds(triples ...string) string {
	var list []string
	for i := 0; i < len(triples); i += 3 {
		list = append(list, `{"NextAction":`+strconv.Quote(triples[i+2])+`,"Condition":{"Operator":`+strconv.Quote(triples[i])+`,"Operands":[`+strconv.Quote(triples[i+1])+`]}}`)
	}
	return `"Conditions":[` + strings.Join(list, ",") + `]`
}

var end = act("end", "DisconnectParticipant", "", "")

// want is an expected finding; text must occur in the message.
type want struct {
	sev    Severity
	action string
	text   string
}

type lintCase struct {
	name    string
	content []byte
	kind    flow.Kind
	opts    Options
	want    []want
}

// runCases lints each case and compares the findings of check, in order,
// with want: every expected finding present, nothing else of that check.
func runCases(t *testing.T, check string, cases []lintCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := Lint(tc.content, tc.kind, tc.opts)
			var got []Finding
			for _, f := range rep.Findings {
				if f.Check == check {
					got = append(got, f)
				}
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				w := tc.want[i]
				ok = got[i].Severity == w.sev && got[i].ActionID == w.action && strings.Contains(got[i].Message, w.text)
			}
			if !ok {
				t.Errorf("%s findings:\n%s\nwant:\n%v\nall findings:\n%s", check, dump(got), tc.want, dump(rep.Findings))
			}
		})
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Severity) + " " + f.Check + " [" + f.ActionID + "] " + f.Message + "\n")
	}
	return b.String()
}

func TestParseProblems(t *testing.T) {
	runCases(t, CheckUnknownActionType, []lintCase{
		{name: "legacy type", content: content("a", act("a", "PlayPrompt", "", "")),
			want: []want{{SeverityError, "a", `unknown action type "PlayPrompt"`}}},
		{name: "known type", content: content("end", end)},
	})
	runCases(t, CheckDanglingTarget, []lintCase{
		{name: "next action", content: content("a", act("a", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, tr(nx("nowhere")))),
			want: []want{{SeverityError, "a", `Transitions.NextAction refers to unknown action "nowhere"`}}},
		{name: "error branch", content: content("a", act("a", "InvokeLambdaFunction", "", tr(nx("end"), errs("NoMatchingError", "gone"))), end),
			want: []want{{SeverityError, "a", `refers to unknown action "gone"`}}},
		{name: "start action", content: content("nowhere", end),
			want: []want{{SeverityError, "", `StartAction "nowhere" does not name an action`}}},
	})
	runCases(t, CheckInvalid, []lintCase{
		{name: "not JSON", content: []byte(`{"Version":`),
			want: []want{{SeverityError, "", "not valid JSON"}}},
		{name: "no version", content: []byte(`{"StartAction":"end","Actions":[` + end + `]}`),
			want: []want{{SeverityError, "", "Version is required"}}},
		{name: "unknown flow type", content: content("end", end), opts: Options{FlowType: "BOGUS"},
			want: []want{{SeverityError, "", `unknown flow type "BOGUS"`}}},
	})

	// The action is named by the report, not again in the message, and no
	// static check runs on content that does not parse.
	rep := Lint(content("a", act("a", "PlayPrompt", "", tr(nx("orphan"))), act("b", "InvokeLambdaFunction", "", "")), flow.KindFlow, Options{})
	if len(rep.Findings) != 2 {
		t.Fatalf("want the two parse problems only, got:\n%s", dump(rep.Findings))
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Message, "action ") || f.Severity != SeverityError {
			t.Errorf("finding %+v: want an error without the action prefix", f)
		}
	}
	if !rep.HasErrors() || rep.Count(SeverityWarning) != 0 {
		t.Errorf("HasErrors %v, warnings %d", rep.HasErrors(), rep.Count(SeverityWarning))
	}
}

func TestUnreachableAction(t *testing.T) {
	log := func(id, next string) string {
		return act(id, "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, tr(nx(next)))
	}
	runCases(t, CheckUnreachableAction, []lintCase{
		{name: "all reachable", content: content("a", log("a", "end"), end)},
		{name: "orphan", content: content("a", log("a", "end"), log("orphan", "end"), end),
			want: []want{{SeverityWarning, "orphan", `no path from StartAction "a"`}}},
		{name: "orphan chain", content: content("a", log("a", "end"), log("o1", "o2"), log("o2", "end"), end),
			want: []want{{SeverityWarning, "o1", ""}, {SeverityWarning, "o2", ""}}},
		{name: "reached only on error", content: content("a",
			act("a", "InvokeLambdaFunction", "", tr(nx("end"), errs("NoMatchingError", "sorry"))),
			act("sorry", "MessageParticipant", `{"Text":"Sorry."}`, tr(nx("end"), errs("NoMatchingError", "end"))), end)},
		{name: "reached only by a condition", content: content("c",
			act("c", "Compare", `{"ComparisonValue":"$.Attributes.X"}`, tr(nx("end"), conds("Equals", "1", "one"), errs("NoMatchingCondition", "end"))),
			log("one", "end"), end)},
	})
}

func TestMissingErrorBranch(t *testing.T) {
	lambda := `{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:123456789012:function:f"}`
	menu := `{"Text":"Press 1","StoreInput":"False","InputTimeLimitSeconds":"5"}`
	store := `{"Text":"Your number?","StoreInput":"True","InputTimeLimitSeconds":"5","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}}`
	runCases(t, CheckMissingErrorBranch, []lintCase{
		{name: "lambda without error branch", content: content("l", act("l", "InvokeLambdaFunction", lambda, tr(nx("end"))), end),
			want: []want{{SeverityWarning, "l", "no error branch for NoMatchingError: the flow ends if it happens"}}},
		{name: "lambda with error branch", content: content("l", act("l", "InvokeLambdaFunction", lambda, tr(nx("end"), errs("NoMatchingError", "end"))), end)},
		{name: "menu with nothing", content: content("m", act("m", "GetParticipantInput", menu, tr(conds("Equals", "1", "end"))), end),
			want: []want{{SeverityWarning, "m", "no error branch for InputTimeLimitExceeded, NoMatchingCondition or NoMatchingError: the flow ends if any of them happens"}}},
		{name: "menu with only the generic branch", content: content("m",
			act("m", "GetParticipantInput", menu, tr(conds("Equals", "1", "end"), errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "m", "no error branch of its own for InputTimeLimitExceeded or NoMatchingCondition: they go to the NoMatchingError branch"}}},
		{name: "menu with every branch", content: content("m",
			act("m", "GetParticipantInput", menu, tr(conds("Equals", "1", "end"),
				errs("InputTimeLimitExceeded", "end", "NoMatchingCondition", "end", "NoMatchingError", "end"))), end)},
		{name: "stored phone number", content: content("s",
			act("s", "GetParticipantInput", store, tr(nx("end"), errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "s", "no error branch of its own for InvalidPhoneNumber: it goes to the NoMatchingError branch"}}},
		{name: "transfer to queue with nothing", content: content("q", act("q", "TransferContactToQueue", "", ""), end),
			want: []want{{SeverityWarning, "q", "no error branch for QueueAtCapacity or NoMatchingError"}}},
		{name: "transfer to queue with the generic branch", content: content("q",
			act("q", "TransferContactToQueue", "", tr(nx("end"), errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "q", "no error branch of its own for QueueAtCapacity"}}},
		{name: "transfer to queue with both", content: content("q",
			act("q", "TransferContactToQueue", "", tr(errs("QueueAtCapacity", "end", "NoMatchingError", "end"))), end)},
		{name: "profile object with the generic branch", content: content("o",
			act("o", "GetCustomerProfileObject", `{"ProfileRequestData":{"ProfileId":"p","ObjectType":"order","UseLatest":"true"}}`,
				tr(nx("end"), errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "o", "no error branch of its own for NoneFoundError"}}},
		{name: "calculated attributes with both", content: content("c",
			act("c", "GetCalculatedAttributesForCustomerProfile", `{"ProfileRequestData":{"ProfileId":"p"}}`,
				tr(nx("end"), errs("NoneFoundError", "end", "NoMatchingError", "end"))), end)},
		{name: "compare with no else", content: content("c",
			act("c", "Compare", `{"ComparisonValue":"$.Attributes.X"}`, tr(conds("Equals", "1", "end"))), end),
			want: []want{{SeverityWarning, "c", "no error branch for NoMatchingCondition"}}},
		{name: "compare with NextAction as else", content: content("c",
			act("c", "Compare", `{"ComparisonValue":"$.Attributes.X"}`, tr(nx("end"), conds("Equals", "1", "end"))), end)},
		{name: "third party continuing", content: content("x",
			act("x", "TransferParticipantToThirdParty", `{"ThirdPartyPhoneNumber":"+15555550100","ContinueFlowExecution":"True"}`,
				tr(nx("end"), errs("CallFailed", "end", "NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "x", "own for ConnectionTimeLimitExceeded"}}},
		{name: "prompt in an inbound flow", content: content("p", act("p", "MessageParticipant", `{"Text":"Hi"}`, tr(nx("end"))), end),
			opts: Options{FlowType: "CONTACT_FLOW"},
			want: []want{{SeverityWarning, "p", "NoMatchingError"}}},
		{name: "prompt in a whisper flow cannot fail", content: content("p", act("p", "MessageParticipant", `{"Text":"Hi"}`, tr(nx("end"))), end),
			opts: Options{FlowType: "AGENT_WHISPER"}},
		{name: "an action that cannot fail", content: content("v",
			act("v", "UpdateContactTextToSpeechVoice", `{"TextToSpeechVoice":"Joanna"}`, tr(nx("end"))), end)},
	})
}

func TestLoopNoExit(t *testing.T) {
	set := func(id, next string) string {
		return act(id, "UpdateContactAttributes", `{"Attributes":{"k":"v"}}`, tr(nx(next), errs("NoMatchingError", "end")))
	}
	loop := func(id, cont, done string) string {
		return act(id, "Loop", `{"LoopCount":"3"}`, tr(conds("Equals", "ContinueLooping", cont, "Equals", "DoneLooping", done)))
	}
	cmp := `{"ComparisonValue":"$.Attributes.k"}`
	runCases(t, CheckLoopNoExit, []lintCase{
		{name: "bounded loop", content: content("L", loop("L", "u", "end"), set("u", "L"), end)},
		{name: "body never returns and never leaves", content: content("L",
			loop("L", "a", "end"), act("a", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, tr(nx("b"))),
			act("b", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Disabled"}`, tr(nx("a"))), end),
			want: []want{{SeverityError, "a", `loop with no exit: actions "a" and "b" lead only to one another`}}},
		{name: "self loop", content: content("c",
			act("c", "Compare", cmp, tr(nx("c"), conds("Equals", "1", "c"))), end),
			want: []want{{SeverityError, "c", "leads only back to itself"}}},
		{name: "DoneLooping back into the cycle", content: content("L", loop("L", "u", "u"), set("u", "L"), end),
			want: []want{{SeverityError, "L", `Loop "L" starts counting again after DoneLooping`}}},
		{name: "only an error leads out", content: content("u", set("u", "v"), set("v", "u"), end),
			want: []want{{SeverityError, "u", "only an error branch leads out"}}},
		{name: "a prompt in the cycle pauses it", content: content("L",
			loop("L", "p", "L"), act("p", "MessageParticipant", `{"Text":"Please hold"}`, tr(nx("L"), errs("NoMatchingError", "end"))), end)},
		{name: "a condition leads out", content: content("c",
			act("c", "Compare", cmp, tr(nx("end"), conds("Equals", "1", "u"))), set("u", "c"), end)},
		{name: "no match ends the flow", content: content("c",
			act("c", "Compare", cmp, tr(conds("Equals", "1", "u"))), set("u", "c"), end)},
		{name: "module invocation may pause", content: content("m",
			act("m", "InvokeFlowModule", `{"FlowModuleId":"mod"}`, tr(nx("m"), errs("NoMatchingError", "end"))), end)},
	})
}

func TestUnreachableCondition(t *testing.T) {
	cmp := func(cs ...string) []byte {
		return content("c", act("c", "Compare", `{"ComparisonValue":"$.Attributes.k"}`, tr(nx("end"), conds(cs...))), end)
	}
	runCases(t, CheckUnreachableCondition, []lintCase{
		{name: "distinct operands", content: cmp("Equals", "1", "end", "Equals", "2", "end")},
		{name: "duplicate Equals", content: cmp("Equals", "1", "end", "Equals", "2", "end", "Equals", "1", "end"),
			want: []want{{SeverityWarning, "c", `Conditions[2] (Equals "1") can never be chosen: Conditions[0] (Equals "1") comes first`}}},
		{name: "Equals shadowed by a prefix", content: cmp("TextStartsWith", "ab", "end", "Equals", "abc", "end"),
			want: []want{{SeverityWarning, "c", `Conditions[1] (Equals "abc") can never be chosen: Conditions[0] (TextStartsWith "ab")`}}},
		{name: "longer prefix after shorter", content: cmp("TextStartsWith", "a", "end", "TextStartsWith", "ab", "end"),
			want: []want{{SeverityWarning, "c", "Conditions[1]"}}},
		{name: "shorter prefix after longer", content: cmp("TextStartsWith", "ab", "end", "TextStartsWith", "a", "end")},
		{name: "empty contains catches all", content: cmp("TextContains", "", "end", "NumberLessThan", "3", "end"),
			want: []want{{SeverityWarning, "c", "Conditions[1]"}}},
		{name: "contains covers ends-with", content: cmp("TextContains", "#", "end", "TextEndsWith", "9#", "end"),
			want: []want{{SeverityWarning, "c", "Conditions[1]"}}},
		{name: "narrower bound after wider", content: cmp("NumberLessThan", "60", "end", "NumberLessThan", "50", "end"),
			want: []want{{SeverityWarning, "c", `Conditions[1] (NumberLessThan "50")`}}},
		{name: "ascending thresholds", content: content("d",
			act("d", "DistributeByPercentage", "", tr(conds("NumberLessThan", "31", "end", "NumberLessThan", "61", "end", "NumberLessThan", "101", "end"), errs("NoMatchingCondition", "end"))), end)},
		{name: "GreaterOrEqual covers GreaterThan at the same bound", content: cmp("NumberGreaterOrEqualTo", "5", "end", "NumberGreaterThan", "5", "end"),
			want: []want{{SeverityWarning, "c", "Conditions[1]"}}},
		{name: "GreaterThan does not cover GreaterOrEqual at the same bound", content: cmp("NumberGreaterThan", "5", "end", "NumberGreaterOrEqualTo", "5", "end")},
		{name: "Equals number inside an earlier range", content: cmp("NumberGreaterThan", "5", "end", "Equals", "7", "end"),
			want: []want{{SeverityWarning, "c", `Conditions[1] (Equals "7")`}}},
		{name: "non-numeric number operand", content: cmp("NumberGreaterThan", "many", "end"),
			want: []want{{SeverityWarning, "c", "its operand is not a number"}}},
		{name: "reference operands are not compared", content: cmp("Equals", "$.Attributes.a", "end", "Equals", "$.Attributes.a", "end")},
		{name: "loop result that does not exist", content: content("L",
			act("L", "Loop", `{"LoopCount":"2"}`, tr(conds("Equals", "ContinueLooping", "L", "Equals", "DoneLooping", "end", "Equals", "Done", "end"))), end),
			want: []want{{SeverityWarning, "L", "Loop results are only ContinueLooping and DoneLooping"}}},
		{name: "menu key that cannot be pressed", content: content("m",
			act("m", "GetParticipantInput", `{"Text":"Press","StoreInput":"False","InputTimeLimitSeconds":"5"}`,
				tr(conds("Equals", "1", "end", "Equals", "12", "end"), errs("InputTimeLimitExceeded", "end", "NoMatchingCondition", "end", "NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "m", `Conditions[1] (Equals "12") can never be chosen: the result of a menu is a single key`}}},
		{name: "stored input has no result", content: content("s",
			act("s", "GetParticipantInput", `{"Text":"Number?","StoreInput":"true","InputTimeLimitSeconds":"5"}`,
				tr(nx("end"), conds("Equals", "1", "end"), errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "s", "with StoreInput true there is no result to test"}}},
	})
}

func TestMissingCondition(t *testing.T) {
	hours := func(transitions string) []byte {
		return content("h", act("h", "CheckHoursOfOperation", "", transitions), end)
	}
	runCases(t, CheckMissingCondition, []lintCase{
		{name: "loop without DoneLooping and nothing else", content: content("L",
			act("L", "Loop", `{"LoopCount":"2"}`, tr(conds("Equals", "ContinueLooping", "L"))), end),
			want: []want{{SeverityError, "L", "no Equals condition for DoneLooping, and no other branch catches it: the flow ends there"}}},
		{name: "loop without DoneLooping but NextAction", content: content("L",
			act("L", "Loop", `{"LoopCount":"2"}`, tr(nx("end"), conds("Equals", "ContinueLooping", "L"))), end),
			want: []want{{SeverityWarning, "L", "no Equals condition for DoneLooping; it goes to NextAction instead"}}},
		{name: "hours with neither", content: hours(tr(errs("NoMatchingError", "end"))),
			want: []want{{SeverityWarning, "h", "no Equals condition for True or False; it goes to the NoMatchingError branch"}}},
		{name: "hours with both", content: hours(tr(conds("Equals", "True", "end", "Equals", "False", "end"), errs("NoMatchingError", "end")))},
		{name: "interrupted prompts without the branch", content: content("p",
			act("p", "MessageParticipantIteratively", `{"Messages":[{"Text":"Please hold"}],"InterruptFrequencySeconds":"30"}`, tr(errs("NoMatchingError", "end"))), end),
			want: []want{{SeverityWarning, "p", "no Equals condition for MessagesInterrupted"}}},
		{name: "uninterrupted prompts need none", content: content("p",
			act("p", "MessageParticipantIteratively", `{"Messages":[{"Text":"Please hold"}]}`, tr(errs("NoMatchingError", "end"))), end)},
	})
}

func TestMalformedReference(t *testing.T) {
	attrs := func(v string) []byte {
		return content("u", act("u", "UpdateContactAttributes", `{"Attributes":{"next":`+strconv.Quote(v)+`}}`, tr(nx("end"), errs("NoMatchingError", "end"))), end)
	}
	prompt := func(text string) []byte {
		return content("p", act("p", "MessageParticipant", `{"Text":`+strconv.Quote(text)+`}`, tr(nx("end"), errs("NoMatchingError", "end"))), end)
	}
	runCases(t, CheckMalformedReference, []lintCase{
		{name: "seed-style space", content: content("c",
			act("c", "Compare", `{"ComparisonValue":"$.External. Flag_X"}`, tr(nx("end"), conds("Equals", "1", "end"))), end),
			want: []want{{SeverityWarning, "c", `Parameters.ComparisonValue "$.External. Flag_X" is not a well-formed reference: it cannot resolve, so the action takes its error branch (white space inside a reference is not allowed: did you mean "$.External.Flag_X"?)`}}},
		{name: "attribute value", content: attrs("$.External. Flag_X"),
			want: []want{{SeverityWarning, "u", "Parameters.Attributes.next"}}},
		{name: "well-formed reference", content: attrs("$.External.Flag_X")},
		{name: "bracket reference", content: attrs("$.Attributes.['user attribute name']")},
		{name: "static text", content: attrs("menu")},
		{name: "prompt text with references", content: prompt("Hello $.External.Name. Your balance is $.External.Balance.")},
		{name: "prompt text with a broken reference", content: prompt("$.External. Greeting"),
			want: []want{{SeverityWarning, "p", `Parameters.Text "$.External. Greeting" holds a reference broken by white space ("$.External.Greeting")`}}},
		{name: "condition operand", content: content("c",
			act("c", "Compare", `{"ComparisonValue":"$.Attributes.a"}`, tr(nx("end"), conds("Equals", "$.Attributes. b", "end"))), end),
			want: []want{{SeverityWarning, "c", `Conditions[0] operand "$.Attributes. b" is not a well-formed reference`}}},
	})
}

func TestActionNotAllowed(t *testing.T) {
	toFlow := content("t", act("t", "TransferToFlow", `{"ContactFlowId":"f"}`, tr(errs("NoMatchingError", "end"))), end)
	runCases(t, CheckActionNotAllowed, []lintCase{
		{name: "transfer to flow in an inbound flow", content: toFlow, opts: Options{FlowType: "CONTACT_FLOW"}},
		{name: "transfer to flow in a queue flow", content: toFlow, opts: Options{FlowType: "CUSTOMER_QUEUE"},
			want: []want{{SeverityError, "t", "TransferToFlow is not allowed in a CUSTOMER_QUEUE flow (allowed in CONTACT_FLOW, AGENT_TRANSFER, QUEUE_TRANSFER)"}}},
		{name: "transfer to flow in a module", content: toFlow, kind: flow.KindModule,
			want: []want{{SeverityError, "t", "TransferToFlow is not allowed in a flow module"}}},
		{name: "no type given", content: toFlow},
		{name: "campaign flows are not checked", content: toFlow, opts: Options{FlowType: "CAMPAIGN"}},
		{name: "module return in a flow of unknown type", content: content("r", act("r", "EndFlowModuleExecution", "", "")),
			want: []want{{SeverityError, "r", "EndFlowModuleExecution is not allowed in any flow type (allowed in flow modules)"}}},
		{name: "module return in a module", content: content("r", act("r", "EndFlowModuleExecution", "", "")), kind: flow.KindModule},
		{name: "module invoking a module", content: content("m",
			act("m", "InvokeFlowModule", `{"FlowModuleId":"x"}`, tr(nx("r"), errs("NoMatchingError", "r"))), act("r", "EndFlowModuleExecution", "", "")),
			kind: flow.KindModule,
			want: []want{{SeverityError, "m", "InvokeFlowModule is not allowed in a flow module (allowed in CONTACT_FLOW)"}}},
		{name: "end flow in an inbound flow", content: content("e", act("e", "EndFlowExecution", "", "")), opts: Options{FlowType: "CONTACT_FLOW"},
			want: []want{{SeverityError, "e", "EndFlowExecution is not allowed in a CONTACT_FLOW flow"}}},
		{name: "end flow in a whisper flow", content: content("e", act("e", "EndFlowExecution", "", "")), opts: Options{FlowType: "CUSTOMER_WHISPER"}},
		{name: "unlisted action types are not restricted", content: content("d",
			act("d", "UpdateContactData", `{"LanguageCode":"en-US"}`, tr(nx("end"), errs("NoMatchingError", "end"))), end),
			opts: Options{FlowType: "AGENT_HOLD"}},
	})
}

// fakeResolver knows a fixed set of resources and counts the questions.
type fakeResolver struct {
	known map[string]bool // "kind:ref"
	fail  error
	asked map[string]int
}

func (r *fakeResolver) has(kind, ref string) (bool, error) {
	r.asked[kind+":"+ref]++
	if r.fail != nil {
		return false, r.fail
	}
	return r.known[kind+":"+ref], nil
}

func (r *fakeResolver) FlowExists(ref string) (bool, error)      { return r.has("flow", ref) }
func (r *fakeResolver) ModuleExists(ref string) (bool, error)    { return r.has("module", ref) }
func (r *fakeResolver) QueueExists(ref string) (bool, error)     { return r.has("queue", ref) }
func (r *fakeResolver) HoursExists(ref string) (bool, error)     { return r.has("hours", ref) }
func (r *fakeResolver) PromptExists(ref string) (bool, error)    { return r.has("prompt", ref) }
func (r *fakeResolver) FunctionAllowed(arn string) (bool, error) { return r.has("lambda", arn) }

func newFake() *fakeResolver {
	return &fakeResolver{asked: map[string]int{}, known: map[string]bool{
		"flow:f1": true, "module:m1": true, "queue:q1": true, "hours:h1": true, "prompt:p1": true, "lambda:arn:ok": true,
	}}
}

func TestUnknownResource(t *testing.T) {
	fe := errs("NoMatchingError", "end")
	one := func(typ, params string) []byte { return content("a", act("a", typ, params, tr(nx("end"), fe)), end) }
	cases := []struct {
		typ, params, missing, where string
	}{
		{"TransferToFlow", `{"ContactFlowId":"%s"}`, "f1", `Parameters.ContactFlowId: contact flow "%s" does not exist in the instance`},
		{"CreateTask", `{"Name":"t","ContactFlowId":"%s"}`, "f1", `Parameters.ContactFlowId: contact flow "%s"`},
		{"UpdateContactEventHooks", `{"EventHooks":{"CustomerQueue":"%s"}}`, "f1", `Parameters.EventHooks.CustomerQueue: contact flow "%s"`},
		{"InvokeFlowModule", `{"FlowModuleId":"%s"}`, "m1", `Parameters.FlowModuleId: flow module "%s" does not exist`},
		{"UpdateContactTargetQueue", `{"QueueId":"%s"}`, "q1", `Parameters.QueueId: queue "%s" does not exist`},
		{"CheckMetricData", `{"MetricType":"NumberOfAgentsAvailable","QueueId":"%s"}`, "q1", `queue "%s"`},
		{"CheckHoursOfOperation", `{"HoursOfOperationId":"%s"}`, "h1", `Parameters.HoursOfOperationId: hours of operation "%s"`},
		{"MessageParticipant", `{"PromptId":"%s"}`, "p1", `Parameters.PromptId: prompt "%s" does not exist`},
		{"MessageParticipantIteratively", `{"Messages":[{"Text":"hi"},{"PromptId":"%s"}]}`, "p1", `Parameters.Messages[1].PromptId: prompt "%s"`},
		{"InvokeLambdaFunction", `{"LambdaFunctionARN":"%s"}`, "arn:ok", `Parameters.LambdaFunctionARN: Lambda function "%s" is not associated with the instance`},
	}
	var lc []lintCase
	for _, c := range cases {
		fill := func(ref string) string { return strings.ReplaceAll(c.params, "%s", ref) }
		lc = append(lc,
			lintCase{name: c.typ + " known", content: one(c.typ, fill(c.missing)), opts: Options{Resolver: newFake()}},
			lintCase{name: c.typ + " unknown", content: one(c.typ, fill("nope")), opts: Options{Resolver: newFake()},
				want: []want{{SeverityError, "a", strings.ReplaceAll(c.where, "%s", "nope")}}},
			lintCase{name: c.typ + " dynamic", content: one(c.typ, fill("$.Attributes.Ref")), opts: Options{Resolver: newFake()}},
			lintCase{name: c.typ + " without a resolver", content: one(c.typ, fill("nope"))},
		)
	}
	lc = append(lc,
		lintCase{name: "placeholder", content: one("UpdateContactTargetQueue", `{"QueueId":"${QueueArn}"}`), opts: Options{Resolver: newFake()},
			want: []want{{SeverityError, "a", "deployment placeholder"}}},
		lintCase{name: "lookup failure", content: one("UpdateContactTargetQueue", `{"QueueId":"q1"}`),
			opts: Options{Resolver: &fakeResolver{asked: map[string]int{}, fail: errors.New("connection refused")}},
			want: []want{{SeverityError, "a", `Parameters.QueueId: cannot use queue "q1": connection refused`}}},
	)
	runCases(t, CheckUnknownResource, lc)

	// One question per resource, however often a flow names it.
	r := newFake()
	c := content("a",
		act("a", "UpdateContactTargetQueue", `{"QueueId":"q9"}`, tr(nx("b"), fe)),
		act("b", "UpdateContactTargetQueue", `{"QueueId":"q9"}`, tr(nx("end"), fe)), end)
	rep := Lint(c, flow.KindFlow, Options{Resolver: r})
	if got := rep.Count(SeverityError); got != 2 || r.asked["queue:q9"] != 1 {
		t.Errorf("errors %d, asked %d times; want 2 errors from 1 question\n%s", got, r.asked["queue:q9"], dump(rep.Findings))
	}
}

// TestCleanFlow is a flow written the way the designer writes them; no
// check may find anything in it, so that the checks stay quiet on good work.
func TestCleanFlow(t *testing.T) {
	fe := errs("NoMatchingError", "sorry")
	c := content("log",
		act("log", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, tr(nx("lambda"))),
		act("lambda", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:123456789012:function:lookup","InvocationTimeLimitSeconds":"8"}`, tr(nx("attrs"), fe)),
		act("attrs", "UpdateContactAttributes", `{"Attributes":{"Name":"$.External.Name","Greeting":"Hello $.External.Name."}}`, tr(nx("vip"), fe)),
		act("vip", "Compare", `{"ComparisonValue":"$.Attributes.Tier"}`, tr(nx("hours"),
			conds("Equals", "gold", "queue", "NumberGreaterThan", "3", "queue"), errs("NoMatchingCondition", "hours"))),
		act("hours", "CheckHoursOfOperation", "", tr(conds("Equals", "True", "menu", "Equals", "False", "closed"), fe)),
		act("menu", "GetParticipantInput", `{"Text":"Press 1 for sales, 2 for support.","StoreInput":"False","InputTimeLimitSeconds":"5"}`,
			tr(conds("Equals", "1", "queue", "Equals", "2", "queue"),
				errs("InputTimeLimitExceeded", "retry", "NoMatchingCondition", "retry", "NoMatchingError", "sorry"))),
		act("retry", "Loop", `{"LoopCount":"2"}`, tr(conds("Equals", "ContinueLooping", "menu", "Equals", "DoneLooping", "queue"))),
		act("queue", "UpdateContactTargetQueue", `{"QueueId":"$.Attributes.Queue"}`, tr(nx("transfer"), fe)),
		act("transfer", "TransferContactToQueue", "", tr(nx("sorry"), errs("QueueAtCapacity", "busy", "NoMatchingError", "sorry"))),
		act("busy", "MessageParticipant", `{"Text":"All our agents are busy."}`, tr(nx("end"), errs("NoMatchingError", "end"))),
		act("closed", "MessageParticipant", `{"PromptId":"p1"}`, tr(nx("end"), errs("NoMatchingError", "end"))),
		act("sorry", "MessageParticipant", `{"SSML":"<speak>Sorry.</speak>"}`, tr(nx("end"), errs("NoMatchingError", "end"))),
		end)
	r := newFake()
	r.known["lambda:arn:aws:lambda:us-east-1:123456789012:function:lookup"] = true
	rep := Lint(c, flow.KindFlow, Options{FlowType: "CONTACT_FLOW", Resolver: r})
	if len(rep.Findings) != 0 {
		t.Errorf("want no findings, got:\n%s", dump(rep.Findings))
	}
}

// TestOrder: document-level findings first, then by action in document
// order, whatever order the checks ran in.
func TestOrder(t *testing.T) {
	c := content("a",
		act("a", "InvokeLambdaFunction", `{"LambdaFunctionARN":"x"}`, tr(nx("end"))),
		act("orphan", "InvokeLambdaFunction", `{"LambdaFunctionARN":"x"}`, tr(nx("end"))),
		end)
	rep := Lint(c, flow.KindFlow, Options{FlowType: "NOPE"})
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.ActionID+"/"+f.Check)
	}
	want := []string{"/invalid", "a/missing-error-branch", "orphan/unreachable-action", "orphan/missing-error-branch"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order %v, want %v", got, want)
	}
}
