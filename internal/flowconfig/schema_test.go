package flowconfig_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/flowconfig"
)

// want is one expected problem: the item's Primary_Key, the attribute, the
// severity and a piece of the message.
type want struct {
	pk, attr string
	sev      flowconfig.Severity
	msg      string
}

func e(pk, attr, msg string) want { return want{pk, attr, flowconfig.SeverityError, msg} }
func w(pk, attr, msg string) want { return want{pk, attr, flowconfig.SeverityWarning, msg} }

// replace returns the valid table with each given item put in place of the
// one with the same keys, or added.
func replace(items ...flowconfig.Item) []flowconfig.Item {
	table := validTable()
next:
	for _, it := range items {
		for i, old := range table {
			if old.PrimaryKey() == it.PrimaryKey() && old.ResourceType() == it.ResourceType() {
				table[i] = it
				continue next
			}
		}
		table = append(table, it)
	}
	return table
}

func without(pk, rt string) []flowconfig.Item {
	var table []flowconfig.Item
	for _, it := range validTable() {
		if it.PrimaryKey() != pk || it.ResourceType() != rt {
			table = append(table, it)
		}
	}
	return table
}

func TestCheckRules(t *testing.T) {
	const num = "+442079460100"
	d, m, q := validDelivery, validMenu, validQueue
	otherPrompt := "arn:aws:connect:us-east-1:000000000000:instance/" + other + "/prompt/p-1"
	tests := []struct {
		name  string
		items []flowconfig.Item
		want  []want
	}{
		{"valid table", validTable(), nil},

		// DeliveryId
		{"number not E.164", replace(with(d, "Primary_Key", "02079460100")), []want{e("02079460100", "Primary_Key", "E.164")}},
		{"next action missing", replace(with(d, "Flag_DeliveryId_NextActionType", "-", "Flag_DeliveryId_NextActionValue", "-")),
			[]want{e(num, "Flag_DeliveryId_NextActionType", "is required")}},
		{"next action empty with a value", replace(with(d, "Flag_DeliveryId_NextActionType", "")),
			[]want{e(num, "Flag_DeliveryId_NextActionType", "is required"), e(num, "Flag_DeliveryId_NextActionValue", "is set but")}},
		{"next action unknown", replace(with(d, "Flag_DeliveryId_NextActionType", "menu")),
			[]want{e(num, "Flag_DeliveryId_NextActionType", `"menu" is not one of queue, steeringmenu, flow, external, disconnect`)}},
		{"next action wrong case", replace(with(d, "Flag_DeliveryId_NextActionType", "SteeringMenu")),
			[]want{e(num, "Flag_DeliveryId_NextActionType", `case-sensitive: "steeringmenu"`)}},
		{"queue by name", replace(with(d, "Flag_DeliveryId_NextActionType", "queue", "Flag_DeliveryId_NextActionValue", "Support")), nil},
		{"queue by ARN", replace(with(d, "Flag_DeliveryId_NextActionType", "queue", "Flag_DeliveryId_NextActionValue", queueARN)), nil},
		{"queue unknown", replace(with(d, "Flag_DeliveryId_NextActionType", "queue", "Flag_DeliveryId_NextActionValue", "Billing")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", `queue "Billing" is not in instance`)}},
		{"queue of another instance", replace(with(d, "Flag_DeliveryId_NextActionType", "queue",
			"Flag_DeliveryId_NextActionValue", strings.Replace(queueARN, inst, other, 1))),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", "is not in instance")}},
		{"queue without a value", replace(with(d, "Flag_DeliveryId_NextActionType", "queue", "Flag_DeliveryId_NextActionValue", "")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", "is required when Flag_DeliveryId_NextActionType is queue")}},
		{"menu missing", replace(with(d, "Flag_DeliveryId_NextActionValue", "Nowhere")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", `steering menu "Nowhere", which is not in the table`)}},
		{"menu is another type's key", replace(with(d, "Flag_DeliveryId_NextActionValue", "Sales")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", `steering menu "Sales"`)}},
		{"flow by name", replace(with(d, "Flag_DeliveryId_NextActionType", "flow", "Flag_DeliveryId_NextActionValue", "Info")), nil},
		{"flow by ARN", replace(with(d, "Flag_DeliveryId_NextActionType", "flow", "Flag_DeliveryId_NextActionValue", flowARN)), nil},
		{"flow unknown", replace(with(d, "Flag_DeliveryId_NextActionType", "flow", "Flag_DeliveryId_NextActionValue", "Survey")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", `contact flow "Survey" is not in instance`)}},
		{"external number", replace(with(d, "Flag_DeliveryId_NextActionType", "external", "Flag_DeliveryId_NextActionValue", "+14155550100")), nil},
		{"external not E.164", replace(with(d, "Flag_DeliveryId_NextActionType", "external", "Flag_DeliveryId_NextActionValue", "07700 900123")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", `"07700 900123" is not a phone number in E.164 form`)}},
		{"disconnect without a message", replace(with(d, "Flag_DeliveryId_NextActionType", "disconnect", "Flag_DeliveryId_NextActionValue", "-")), nil},
		{"disconnect with bad SSML", replace(with(d, "Flag_DeliveryId_NextActionType", "disconnect", "Flag_DeliveryId_NextActionValue", "<speak>Bye & thanks</speak>")),
			[]want{e(num, "Flag_DeliveryId_NextActionValue", "not well-formed SSML")}},
		{"default queue unknown", replace(with(d, "Queue_DeliveryId_DefaultQueue", "Billing")),
			[]want{e(num, "Queue_DeliveryId_DefaultQueue", `queue "Billing"`)}},
		{"default queue absent", replace(with(d, "Queue_DeliveryId_DefaultQueue", "-")), nil},
		{"customer profiles value", replace(with(d, "Flag_DeliveryId_CustomerProfiles", "yes")),
			[]want{e(num, "Flag_DeliveryId_CustomerProfiles", `"yes" is not one of enabled, disabled`)}},

		// Prompts, in every form.
		{"SSML prompt", replace(with(d, "Prompt_DeliveryId_Welcome", `<speak>Hello<break time="1s"/></speak>`)), nil},
		{"SSML not closed", replace(with(d, "Prompt_DeliveryId_Welcome", "<speak>Hello")),
			[]want{e(num, "Prompt_DeliveryId_Welcome", "not well-formed SSML")}},
		{"SSML with trailing text", replace(with(d, "Prompt_DeliveryId_Welcome", "<speak>Hello</speak> there")),
			[]want{e(num, "Prompt_DeliveryId_Welcome", "must end with </speak>")}},
		{"SSML with attributes", replace(with(d, "Prompt_DeliveryId_Welcome", `<speak version="1.1">Hello</speak>`)),
			[]want{w(num, "Prompt_DeliveryId_Welcome", "read out as text")}},
		{"prompt ARN", replace(with(d, "Prompt_DeliveryId_WelcomeAdHoc", instARN+"/prompt/p-1")), nil},
		{"prompt ARN of another instance", replace(with(d, "Prompt_DeliveryId_WelcomeAdHoc", otherPrompt)),
			[]want{e(num, "Prompt_DeliveryId_WelcomeAdHoc", "belongs to instance "+other)}},
		{"not a prompt ARN", replace(with(d, "Prompt_DeliveryId_WelcomeAdHoc", instARN+"/queue/q-1")),
			[]want{e(num, "Prompt_DeliveryId_WelcomeAdHoc", "is not a prompt ARN")}},
		{"audio URL", replace(with(d, "Prompt_DeliveryId_Welcome", "https://example.com/welcome.wav")), nil},
		{"bad audio URL", replace(with(d, "Prompt_DeliveryId_Welcome", "http:/welcome.wav")),
			[]want{e(num, "Prompt_DeliveryId_Welcome", "not an http:// or https:// URL")}},

		// SteeringMenu
		{"menu without Default", replace(with(m, "Flag_SteeringMenu_NextActionType_Default", "-", "Flag_SteeringMenu_NextActionValue_Default", "-")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionType_Default", "every steering menu needs a Default option")}},
		{"menu without menu prompt", replace(with(m, "Prompt_SteeringMenu_MenuOptions", "-")),
			[]want{e("Main", "Prompt_SteeringMenu_MenuOptions", "is required")}},
		{"retries 0", replace(with(m, "Flag_SteeringMenu_Retries", "0")), nil},
		{"retries 4", replace(with(m, "Flag_SteeringMenu_Retries", "4")),
			[]want{e("Main", "Flag_SteeringMenu_Retries", `"4" is not a number of retries from 0 to 3`)}},
		{"retries -1", replace(with(m, "Flag_SteeringMenu_Retries", "-1")), []want{e("Main", "Flag_SteeringMenu_Retries", "from 0 to 3")}},
		{"retries 01", replace(with(m, "Flag_SteeringMenu_Retries", "01")), []want{e("Main", "Flag_SteeringMenu_Retries", "from 0 to 3")}},
		{"retries words", replace(with(m, "Flag_SteeringMenu_Retries", "two")), []want{e("Main", "Flag_SteeringMenu_Retries", "from 0 to 3")}},
		{"option value without type", replace(with(m, "Flag_SteeringMenu_NextActionValue_5", "Sales")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionValue_5", "is set but Flag_SteeringMenu_NextActionType_5 is not")}},
		{"option prompt without type", replace(with(m, "Flag_SteeringMenu_NextActionPrompt_Hash", "Going back.")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionPrompt_Hash", "is set but Flag_SteeringMenu_NextActionType_Hash is not")}},
		{"option type unknown", replace(with(m, "Flag_SteeringMenu_NextActionType_1", "agent")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionType_1", `"agent" is not one of`)}},
		{"option to a missing menu", replace(with(m, "Flag_SteeringMenu_NextActionValue_2", "Less")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionValue_2", `steering menu "Less"`)}},
		{"option external", replace(with(m, "Flag_SteeringMenu_NextActionType_0", "external", "Flag_SteeringMenu_NextActionValue_0", "+442079460999")), nil},
		{"option prompt bad SSML", replace(with(m, "Flag_SteeringMenu_NextActionPrompt_1", "<speak>Putting you through")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionPrompt_1", "not well-formed SSML")}},
		{"option 10", replace(with(m, "Flag_SteeringMenu_NextActionType_10", "queue", "Flag_SteeringMenu_NextActionValue_10", "Sales")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionType_10", `"10" is not a menu option`), e("Main", "Flag_SteeringMenu_NextActionValue_10", `"10" is not a menu option`)}},
		{"option star lower case", replace(with(m, "Flag_SteeringMenu_NextActionType_star", "queue", "Flag_SteeringMenu_NextActionValue_star", "Sales")),
			[]want{e("Main", "Flag_SteeringMenu_NextActionType_star", `case-sensitive: "Star"`), e("Main", "Flag_SteeringMenu_NextActionValue_star", `"Star"`)}},
		{"menu out of hours prompt", replace(with(m, "Flag_SteeringMenu_OutOfHourActionType", "prompt", "Flag_SteeringMenu_OutOfHourValue", "We are closed.")), nil},
		{"menu out of hours prompt without value", replace(with(m, "Flag_SteeringMenu_OutOfHourActionType", "prompt")),
			[]want{e("Main", "Flag_SteeringMenu_OutOfHourValue", "is required when Flag_SteeringMenu_OutOfHourActionType is prompt")}},
		{"menu out of hours to a menu", replace(with(m, "Flag_SteeringMenu_OutOfHourActionType", "steeringmenu", "Flag_SteeringMenu_OutOfHourValue", "More")),
			[]want{e("Main", "Flag_SteeringMenu_OutOfHourActionType", `"steeringmenu" is not one of queue, prompt, flow, disconnect`)}},
		{"menu out of hours value alone", replace(with(m, "Flag_SteeringMenu_OutOfHourValue", "Closed.")),
			[]want{e("Main", "Flag_SteeringMenu_OutOfHourValue", "is set but Flag_SteeringMenu_OutOfHourActionType is not")}},
		{"menu retry prompt bad URL", replace(with(m, "Prompt_SteeringMenu_Retry", "https://")),
			[]want{e("Main", "Prompt_SteeringMenu_Retry", "URL")}},

		// Queue
		{"queue item for an unknown queue", replace(item("Billing", "Queue")),
			[]want{e("Billing", "Primary_Key", `queue "Billing" is not in instance`)}},
		{"queue item keyed by ARN", replace(item(queueARN, "Queue")), nil},
		{"recording", replace(with(q, "Flag_Queue_ContactRecording", "on")),
			[]want{e("Sales", "Flag_Queue_ContactRecording", `"on" is not one of enabled, disabled`)}},
		{"screen recording", replace(with(q, "Flag_Queue_ScreenRecording", "Enabled")),
			[]want{e("Sales", "Flag_Queue_ScreenRecording", `case-sensitive: "enabled"`)}},
		{"analytics", replace(with(q, "Flag_Queue_Analytics", "PostCall")),
			[]want{e("Sales", "Flag_Queue_Analytics", `"PostCall" is not one of postcall, realtime, disabled (values are case-sensitive: "postcall")`)}},
		{"analytics postcall and disabled", replace(with(q, "Flag_Queue_Analytics", "postcall"), with(validQueue, "Primary_Key", "Support", "Flag_Queue_Analytics", "disabled")), nil},
		{"redaction", replace(with(q, "Flag_Queue_Redaction", "Original")),
			[]want{e("Sales", "Flag_Queue_Redaction", `"Original" is not one of RedactedAndOriginal, Redacted`)}},
		{"redaction Redacted", replace(with(q, "Flag_Queue_Redaction", "Redacted")), nil},
		{"out of hours external", replace(with(q, "Flag_Queue_OutOfHourActionType", "external", "Flag_Queue_OutOfHourActionValue", "+442079460999")),
			[]want{e("Sales", "Flag_Queue_OutOfHourActionType", "is not one of queue, steeringmenu, flow, disconnect")}},
		{"out of hours queue", replace(with(q, "Flag_Queue_OutOfHourActionType", "queue", "Flag_Queue_OutOfHourActionValue", "Support")), nil},
		{"out of hours to a missing queue", replace(with(q, "Flag_Queue_OutOfHourActionType", "queue", "Flag_Queue_OutOfHourActionValue", "Night")),
			[]want{e("Sales", "Flag_Queue_OutOfHourActionValue", `queue "Night"`)}},
		{"out of hours flow", replace(with(q, "Flag_Queue_OutOfHourActionType", "flow", "Flag_Queue_OutOfHourActionValue", "Info")), nil},
		{"out of hours disconnect", replace(with(q, "Flag_Queue_OutOfHourActionType", "disconnect", "Flag_Queue_OutOfHourActionValue", "Closed.")), nil},
		{"out of hours menu missing", replace(with(q, "Flag_Queue_OutOfHourActionValue", "Night")),
			[]want{e("Sales", "Flag_Queue_OutOfHourActionValue", `steering menu "Night"`)}},
		{"out of hours value alone", replace(with(q, "Flag_Queue_OutOfHourActionType", "-")),
			[]want{e("Sales", "Flag_Queue_OutOfHourActionValue", "is set but Flag_Queue_OutOfHourActionType is not")}},
		{"time zone", replace(with(q, "Flag_Queue_Timezone", "Mars/Olympus")),
			[]want{e("Sales", "Flag_Queue_Timezone", "IANA time zone")}},
		{"time zone Local", replace(with(q, "Flag_Queue_Timezone", "Local")),
			[]want{e("Sales", "Flag_Queue_Timezone", "IANA time zone")}},
		{"whisper bad SSML", replace(with(q, "Prompt_Queue_WhisperAgent", "<speak><b>x</speak>")),
			[]want{e("Sales", "Prompt_Queue_WhisperAgent", "not well-formed SSML")}},

		// Anything else.
		{"misspelt attribute", replace(with(q, "Flag_Queue_Analytic", "realtime")),
			[]want{w("Sales", "Flag_Queue_Analytic", "is not part of the Queue schema")}},
		{"attribute of another type", replace(with(d, "Prompt_Queue_PreQueue", "Hello")),
			[]want{w(num, "Prompt_Queue_PreQueue", "is not part of the DeliveryId schema")}},
		{"attributes of one's own", replace(with(q, "Team", "North", "Colour", "blue")), nil},
		{"a resource type of one's own", replace(item("2026-12-25", "Holiday", "Flag_Closed", "yes")), nil},
		{"resource type in the wrong case", replace(item("Night", "steeringmenu")),
			[]want{w("Night", "Resource_Type", `did you mean "SteeringMenu"`)}},
		{"too large for Amazon Connect", replace(with(q, "Prompt_Queue_PreQueue", strings.Repeat("a", 33<<10))),
			[]want{e("Sales", "", "Amazon Connect accepts at most 32768")}},
		{"references into a menu that was removed", without("More", "SteeringMenu"),
			[]want{e("Main", "Flag_SteeringMenu_NextActionValue_2", `"More"`), e("Sales", "Flag_Queue_OutOfHourActionValue", `"More"`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flowconfig.CheckItems(context.Background(), newResolver(), inst, tc.items)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), list(got))
			}
			for i, p := range got {
				wt := tc.want[i]
				if p.PrimaryKey != wt.pk || p.Attribute != wt.attr || p.Severity != wt.sev || !strings.Contains(p.Message, wt.msg) {
					t.Errorf("problem %d = %s\nwant %s %s %s: …%s…", i, p, wt.sev, wt.pk, wt.attr, wt.msg)
				}
			}
		})
	}
}

func list(ps []flowconfig.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func TestProblemNamesItemAndAttribute(t *testing.T) {
	p := flowconfig.Problem{PrimaryKey: "Main", ResourceType: "SteeringMenu", Attribute: "Flag_SteeringMenu_Retries",
		Severity: flowconfig.SeverityError, Message: `"4" is not a number of retries from 0 to 3`}
	if got, want := p.String(), `SteeringMenu "Main" Flag_SteeringMenu_Retries: "4" is not a number of retries from 0 to 3`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	p.Severity = flowconfig.SeverityWarning
	if !strings.HasPrefix(p.String(), "warning: ") {
		t.Errorf("a warning reads %s", p)
	}
}

func TestCheckAsksTheResolverOncePerReference(t *testing.T) {
	r := newResolver()
	items := replace(with(validQueue, "Primary_Key", "Support"))
	if _, err := flowconfig.CheckItems(context.Background(), r, inst, items); err != nil {
		t.Fatal(err)
	}
	// Sales (named three times), the queue ARN, Support and the flow Info.
	if r.calls != 4 {
		t.Errorf("the resolver was asked %d times, want 4", r.calls)
	}
}

func TestCheckStopsOnResolverFailure(t *testing.T) {
	r := newResolver()
	r.err = errors.New("store closed")
	_, err := flowconfig.CheckItems(context.Background(), r, inst, validTable())
	if err == nil || !strings.Contains(err.Error(), "store closed") {
		t.Fatalf("err = %v, want the resolver's failure", err)
	}
}
