package interp

import (
	"strings"
	"testing"
	"time"
)

func TestMessageParticipant(t *testing.T) {
	tests := []struct {
		name   string
		params string
		attrs  map[string]string
		said   []string
		branch string // of the action "p"
	}{
		{"text", `{"Text":"Hello"}`, nil, []string{"Hello"}, "NextAction"},
		{"text interpolated", `{"Text":"Hi $.Attributes.name, your number is $.CustomerEndpoint.Address."}`, map[string]string{"name": "Ann"},
			[]string{"Hi Ann, your number is +447700900123."}, "NextAction"},
		{"missing reference is empty", `{"Text":"Hi $.Attributes.name!"}`, nil, []string{"Hi !"}, "NextAction"},
		{"ssml", `{"SSML":"<speak>Hi <break time=\"1s\"/> $.Attributes.name</speak>"}`, map[string]string{"name": "Ann"},
			[]string{`<speak>Hi <break time="1s"/> Ann</speak>`}, "NextAction"},
		{"ssml not well-formed", `{"SSML":"<speak>Hi <b></speak>"}`, nil, []string{"Error."}, "Error NoMatchingError"},
		{"ssml without speak", `{"SSML":"<p>Hi</p>"}`, nil, []string{"Error."}, "Error NoMatchingError"},
		{"ssml breaks on a bad attribute value", `{"SSML":"<speak>$.Attributes.name</speak>"}`, map[string]string{"name": "A & B"}, []string{"Error."}, "Error NoMatchingError"},
		{"prompt id", `{"PromptId":"p-hold"}`, nil, []string{"prompt:p-hold"}, "NextAction"},
		{"prompt arn from attribute", `{"PromptId":"$.Attributes.prompt"}`, map[string]string{"prompt": instanceARN + "/prompt/p-hold"}, []string{"prompt:p-hold"}, "NextAction"},
		{"unknown prompt", `{"PromptId":"p-nope"}`, nil, []string{"Error."}, "Error NoMatchingError"},
		{"malformed prompt reference", `{"PromptId":"$.Attributes. prompt"}`, nil, []string{"Error."}, "Error NoMatchingError"},
		{"media", `{"Media":{"Uri":"s3://bucket/$.Attributes.name/x.wav","SourceType":"S3","MediaType":"Audio"}}`, map[string]string{"name": "hi"}, []string{"media:s3://bucket/hi/x.wav"}, "NextAction"},
		{"text too long", `{"Text":"` + strings.Repeat("a", 6001) + `"}`, nil, []string{"Error."}, "Error NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("p", "MessageParticipant", tt.params, onErr("end", "err")),
				say("err", "Error.", "end"),
				hangup("end"),
			))
			s := newSim(t, env)
			s.c.Attributes = tt.attrs
			s.call("main")
			eqList(t, "said", s.said(), tt.said)
			eq(t, "branch", s.last("p").Branch, tt.branch)
		})
	}
}

func TestPromptUsesVoiceAndWaitsForPlayback(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("voice", "UpdateContactTextToSpeechVoice", `{"TextToSpeechVoice":"Amy","TextToSpeechEngine":"Neural"}`, to("lang")),
		act("lang", "UpdateContactData", `{"LanguageCode":"en-GB"}`, onErr("p", "p")),
		say("p", "Hello.", "end"),
		hangup("end"),
	))
	s := newSim(t, env)
	effs := s.step(Event{Kind: EventStart, FlowID: "main"})
	var pr Prompt
	for _, e := range effs {
		if p, ok := e.(Prompt); ok {
			pr = p
		}
	}
	if pr.Voice != "Amy" || pr.VoiceEngine != "Neural" || pr.LanguageCode != "en-GB" || pr.Interruptible || pr.Seq != s.c.Wait.Seq {
		t.Fatalf("prompt %+v, wait %+v", pr, s.c.Wait)
	}
	eq(t, "wait", s.c.Wait.Kind, WaitPrompt)
	if !s.c.Wait.Deadline.IsZero() {
		t.Error("a prompt wait has a timer")
	}
}

func TestMessageParticipantIteratively(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "queue", "CUSTOMER_QUEUE", doc(
		act("loop", "MessageParticipantIteratively", `{"Messages":[{"Text":"One."},{"PromptId":"p-hold"},{"Text":"Caller $.Attributes.n."}],"InterruptFrequencySeconds":"5"}`,
			tr{errors: [][2]string{{"NoMatchingError", "end"}}, conds: [][3]string{{"Equals", "MessagesInterrupted", "offer"}}}),
		say("offer", "Still waiting.", "end"),
		act("end", "EndFlowExecution", `{}`, tr{}),
	))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"n": "7"}
	s.promptTime = 2 * time.Second
	s.call("queue")
	// 0 s One, 2 s hold, 4 s caller 7 (cut at 5 s), then the offer.
	eqList(t, "said", s.said(), []string{"One.", "prompt:p-hold", "Caller 7.", "Still waiting."})
	if n := len(find[StopPrompt](s)); n != 1 {
		t.Errorf("%d StopPrompt effects", n)
	}
	eq(t, "branch", s.last("loop").Branch, `Condition[0] Equals "MessagesInterrupted"`)
	eq(t, "status", s.c.Status(), StatusIdle) // a queue flow's end leaves the contact queued

	// Not on chat; an empty list is an error.
	env.addFlow(t, "empty", "CUSTOMER_QUEUE", doc(act("loop", "MessageParticipantIteratively", `{"Messages":[]}`, onErr("", "end")), act("end", "EndFlowExecution", `{}`, tr{})))
	s = newSim(t, env).call("empty")
	eq(t, "empty", s.last("loop").Branch, "Error NoMatchingError")
	s = newSim(t, env)
	s.c.Channel = "CHAT"
	s.call("queue")
	eq(t, "chat", s.last("loop").Branch, "Error NoMatchingError")
}

// inputFlow wraps one GetParticipantInput "in" whose branches each play
// their own name.
func inputFlow(params string) string {
	return doc(
		act("in", "GetParticipantInput", params, tr{next: "next",
			errors: [][2]string{{"InputTimeLimitExceeded", "timeout"}, {"NoMatchingCondition", "nomatch"}, {"InvalidPhoneNumber", "invalid"}, {"NoMatchingError", "error"}},
			conds:  [][3]string{{"Equals", "1", "one"}, {"Equals", "#", "hash"}, {"Equals", "*", "star"}}}),
		say("next", "next $.StoredCustomerInput", "end"),
		say("one", "one", "end"),
		say("hash", "hash", "end"),
		say("star", "star", "end"),
		say("timeout", "timeout", "end"),
		say("nomatch", "nomatch", "end"),
		say("invalid", "invalid", "end"),
		say("error", "error", "end"),
		hangup("end"),
	)
}

func TestGetParticipantInput(t *testing.T) {
	const menu = `{"Text":"Menu","InputTimeLimitSeconds":"4","StoreInput":"false"}`
	const store = `{"Text":"Enter","StoreInput":"True","InputTimeLimitSeconds":"6","InputValidation":{"CustomValidation":{"MaximumLength":"4"}}}`
	tests := []struct {
		name   string
		params string
		keys   []string
		want   string // the last thing said
		stored string
	}{
		{"menu key", menu, []string{"1"}, "one", ""},
		{"menu key interrupts the prompt", menu, []string{"!1"}, "one", ""},
		{"menu hash", menu, []string{"#"}, "hash", ""},
		{"menu star is a key", menu, []string{"*"}, "star", ""},
		{"menu no match", menu, []string{"5"}, "nomatch", ""},
		{"menu takes the first key only", menu, []string{"15"}, "one", ""},
		{"menu timeout", menu, []string{"timeout"}, "timeout", ""},
		{"menu without StoreInput", `{"Text":"Menu"}`, []string{"1"}, "one", ""},
		{"store terminated by #", store, []string{"12#"}, "next 12", "12"},
		{"store max length", store, []string{"123456"}, "next 1234", "1234"},
		{"store keys over several events", store, []string{"1", "2", "3", "4"}, "next 1234", "1234"},
		{"store interdigit gap ends input", store, []string{"12", "timeout"}, "next 12", "12"},
		{"store timeout stores Timeout", store, []string{"timeout"}, "next Timeout", "Timeout"},
		{"store star cancels", store, []string{"12*34#"}, "next 34", "34"},
		{"store star cancels then timeout", store, []string{"12*", "timeout"}, "next Timeout", "Timeout"},
		{"store hash alone", store, []string{"#"}, "next ", ""},
		{"store keys after the terminator are dropped", store, []string{"1#99"}, "next 1", "1"},
		{"store cancel disabled", `{"Text":"Enter","StoreInput":"true","InputValidation":{"CustomValidation":{"MaximumLength":"9"}},"DTMFConfiguration":{"DisableCancelKey":"TRUE"}}`,
			[]string{"12*4#"}, "next 12*4", "12*4"},
		{"store custom terminator", `{"Text":"Enter","StoreInput":"True","InputValidation":{"CustomValidation":{"MaximumLength":"9"}},"DTMFConfiguration":{"InputTerminationSequence":"**","DisableCancelKey":"True"}}`,
			[]string{"1#2**"}, "next 1#2", "1#2"},
		{"store terminator split across events", `{"Text":"Enter","StoreInput":"True","InputValidation":{"CustomValidation":{"MaximumLength":"9"}},"DTMFConfiguration":{"InputTerminationSequence":"**","DisableCancelKey":"True"}}`,
			[]string{"1#2*", "*"}, "next 1#2", "1#2"},
		{"store phone E164", `{"Text":"Number","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}}`,
			[]string{"447700900123#"}, "next +447700900123", "+447700900123"},
		{"store phone local US", `{"Text":"Number","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"US"}}}`,
			[]string{"2065550123#"}, "next +12065550123", "+12065550123"},
		{"store phone local GB trunk zero", `{"Text":"Number","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"GB"}}}`,
			[]string{"07700900123#"}, "next +447700900123", "+447700900123"},
		{"store phone invalid", `{"Text":"Number","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"US"}}}`,
			[]string{"12345#"}, "invalid", ""},
		{"store phone timeout is still Timeout", `{"Text":"Number","StoreInput":"True","InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}}`,
			[]string{"timeout"}, "next Timeout", "Timeout"},
		{"bad time limit", `{"Text":"Menu","InputTimeLimitSeconds":"soon"}`, nil, "error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(tt.params))
			s := newSim(t, env)
			s.keys = tt.keys
			s.call("main")
			said := s.said()
			eq(t, "last said", said[len(said)-1], tt.want)
			if len(s.keys) != 0 {
				t.Errorf("keys left over: %q", s.keys)
			}
			stored := ""
			for _, c := range s.last("in").Changes {
				if c.Scope == "StoredCustomerInput" {
					stored = c.New
				}
			}
			eq(t, "stored", stored, tt.stored)
		})
	}
}

func TestGetParticipantInputTimers(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(`{"Text":"Enter","StoreInput":"True","InputTimeLimitSeconds":"6","InputValidation":{"CustomValidation":{"MaximumLength":"9"}},"DTMFConfiguration":{"InterdigitTimeLimitSeconds":"2"}}`))
	s := newSim(t, env)
	effs := s.step(Event{Kind: EventStart, FlowID: "main"})
	var ci CollectInput
	var pr Prompt
	for _, e := range effs {
		switch e := e.(type) {
		case CollectInput:
			ci = e
		case Prompt:
			pr = e
		}
	}
	if !pr.Interruptible || ci.MaxDigits != 9 || ci.Timeout != 6*time.Second || ci.Interdigit != 2*time.Second || ci.Terminator != "#" || ci.CancelKey != "*" || !ci.Store {
		t.Fatalf("prompt %+v collect %+v", pr, ci)
	}
	// No timer while the prompt plays.
	if !s.c.Wait.Deadline.IsZero() || !s.c.Wait.Playing {
		t.Fatalf("wait %+v", s.c.Wait)
	}
	s.step(Event{Kind: EventPromptDone, Time: t0.Add(3 * time.Second)})
	eq(t, "first-key deadline", s.c.Wait.Deadline, t0.Add(9*time.Second))
	s.step(Event{Kind: EventDigits, Digits: "4", Time: t0.Add(5 * time.Second)})
	eq(t, "interdigit deadline", s.c.Wait.Deadline, t0.Add(7*time.Second))
	eq(t, "digits so far", s.c.Wait.Digits, "4")
	s.step(Event{Kind: EventTimeout, Time: t0.Add(7 * time.Second)})
	s.run()
	said := s.said()
	eq(t, "stored", said[len(said)-1], "next 4")
}

// A key during the input prompt interrupts it; the prompt's late "done"
// changes nothing.
func TestInputPromptInterrupted(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(`{"Text":"Enter","StoreInput":"True","InputValidation":{"CustomValidation":{"MaximumLength":"3"}}}`))
	s := newSim(t, env)
	s.step(Event{Kind: EventStart, FlowID: "main"})
	s.step(Event{Kind: EventDigits, Digits: "9", Time: t0.Add(time.Second)})
	deadline := s.c.Wait.Deadline
	s.step(Event{Kind: EventPromptDone, Time: t0.Add(2 * time.Second)})
	eq(t, "deadline unchanged", s.c.Wait.Deadline, deadline)
	s.step(Event{Kind: EventDigits, Digits: "87", Time: t0.Add(3 * time.Second)})
	s.run()
	said := s.said()
	eq(t, "stored", said[len(said)-1], "next 987")
}

func TestGetParticipantInputFaultsOnEncryption(t *testing.T) {
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", inputFlow(`{"Text":"Card","StoreInput":"True","InputEncryption":{"EncryptionKeyId":"k","Key":"-----BEGIN CERTIFICATE-----"},"InputValidation":{"CustomValidation":{"MaximumLength":"16"}}}`))
	s := newSim(t, env).call("main")
	if !strings.Contains(s.c.Fault, "InputEncryption") || !strings.Contains(s.c.Fault, `"in"`) {
		t.Errorf("fault %q", s.c.Fault)
	}
}

func TestLexBot(t *testing.T) {
	flowDoc := doc(
		act("bot", "ConnectParticipantWithLexBot", `{"Text":"How can I help?","LexV2Bot":{"AliasArn":"arn:aws:lex:eu-west-2:123456789012:bot-alias/B/A"},"LexSessionAttributes":{"caller":"$.CustomerEndpoint.Address"}}`,
			tr{errors: [][2]string{{"InputTimeLimitExceeded", "silent"}, {"NoMatchingCondition", "other"}, {"NoMatchingError", "other"}},
				conds: [][3]string{{"Equals", "CheckBalance", "balance"}}}),
		say("balance", "Balance for account $.Lex.Slots.account, confidence $.Lex.IntentConfidence.Score.", "end"),
		say("other", "Other $.Lex.IntentName.", "end"),
		say("silent", "Silent.", "end"),
		hangup("end"),
	)
	tests := []struct {
		name string
		bot  []BotResult
		said string
	}{
		{"intent", []BotResult{{IntentName: "CheckBalance", Slots: map[string]string{"account": "42"}, Confidence: "0.91"}}, "Balance for account 42, confidence 0.91."},
		{"other intent", []BotResult{{IntentName: "Goodbye"}}, "Other Goodbye."},
		{"timeout", []BotResult{{TimedOut: true}}, "Silent."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.addFlow(t, "main", "CONTACT_FLOW", flowDoc)
			s := newSim(t, env)
			s.bots = tt.bot
			s.call("main")
			said := s.said()
			eq(t, "said", said[len(said)-1], tt.said)
			sb := find[StartBot](s)
			if len(sb) != 1 || sb[0].Text != "How can I help?" || sb[0].SessionAttributes["caller"] != "+447700900123" || sb[0].BotAliasARN == "" {
				t.Errorf("StartBot %+v", sb)
			}
		})
	}
	// Without a scripted intent the contact faults: no silent success.
	env := newEnv()
	env.addFlow(t, "main", "CONTACT_FLOW", flowDoc)
	s := newSim(t, env).call("main")
	if !strings.Contains(s.c.Fault, "no scripted intent") {
		t.Errorf("fault %q", s.c.Fault)
	}
	eq(t, "status", s.c.Status(), StatusEnded)
}
