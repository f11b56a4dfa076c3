package interp

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hotline-dev/hotline/internal/flow"
)

// maxPromptChars is the text-to-speech limit per prompt (reference §10).
const maxPromptChars = 6000

func quote(s string) string { return strconv.Quote(s) }

// prompt builds the prompt p describes (Text, SSML, PromptId or Media).
// has is false when p describes none.
func (r *run) prompt(p *flow.Param) (pr Prompt, has bool, err error) {
	c := r.c
	pr = Prompt{Voice: c.voiceID(), VoiceEngine: c.Voice.Engine, LanguageCode: c.language()}
	if v, ok := p.ValueOf("Text"); ok {
		pr.Text = r.text(v)
		r.param("Text", pr.Text)
		if n := utf8.RuneCountInString(pr.Text); n > maxPromptChars {
			return pr, true, fmt.Errorf("the text is %d characters; text-to-speech takes at most %d", n, maxPromptChars)
		}
		return pr, true, nil
	}
	if v, ok := p.ValueOf("SSML"); ok {
		pr.SSML = r.text(v)
		r.param("SSML", pr.SSML)
		if n := utf8.RuneCountInString(pr.SSML); n > maxPromptChars {
			return pr, true, fmt.Errorf("the SSML is %d characters; text-to-speech takes at most %d", n, maxPromptChars)
		}
		return pr, true, checkSSML(pr.SSML)
	}
	if _, ok := p.ValueOf("PromptId"); ok {
		ref, _, err := r.get(p, "PromptId")
		if err != nil {
			return pr, true, err
		}
		r.param("PromptId", ref)
		if ref == "" {
			return pr, true, errors.New("PromptId is empty")
		}
		info, err := r.env.Prompt(ref)
		if err == nil && info == nil {
			err = ErrNotFound
		}
		if err != nil {
			return pr, true, fmt.Errorf("prompt %s: %w", ref, err)
		}
		pr.PromptID, pr.PromptARN, pr.PromptURI = info.ID, info.ARN, info.URI
		return pr, true, nil
	}
	if m, ok := p.Get("Media"); ok && m.Kind == flow.ParamObject {
		uri, _, err := r.get(m, "Uri")
		if err != nil {
			return pr, true, err
		}
		src, _ := static(m, "SourceType")
		r.param("Media.Uri", uri)
		if uri == "" {
			return pr, true, errors.New("Media.Uri is empty")
		}
		pr.MediaURI, pr.MediaSource = uri, src
		return pr, true, nil
	}
	return pr, false, nil
}

// checkSSML refuses what text-to-speech would: SSML that is not well-formed
// XML with a speak root.
func checkSSML(s string) error {
	ssmlPassed.RLock()
	_, ok := ssmlPassed.m[s]
	ssmlPassed.RUnlock()
	if ok {
		return nil
	}
	err := parseSSML(s)
	if err == nil {
		ssmlPassed.Lock()
		if len(ssmlPassed.m) >= maxSSMLPassed {
			clear(ssmlPassed.m)
		}
		ssmlPassed.m[s] = struct{}{}
		ssmlPassed.Unlock()
	}
	return err
}

// ssmlPassed is SSML that checkSSML passed, up to maxSSMLPassed strings
// (then it starts again): flows play the same few prompts at every call,
// and decoding the XML, which allocates at every token, cost more than
// the rest of playing a prompt.
var ssmlPassed = struct {
	sync.RWMutex
	m map[string]struct{}
}{m: map[string]struct{}{}}

const maxSSMLPassed = 256

func parseSSML(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("the SSML is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "speak" {
		return errors.New("the SSML has no <speak> root element")
	}
	return nil
}

// voiceOnly is the error of a voice-only action on another channel.
func (r *run) voiceOnly(a *flow.Action) (outcome, bool) {
	if r.c.Channel == "VOICE" {
		return outcome{}, false
	}
	return failure(a.Type.String() + " is for voice contacts; this is a " + r.c.Channel + " contact"), true
}

// MessageParticipant plays a prompt and waits until it has played.
func (r *run) messageParticipant(a *flow.Action) outcome {
	pr, has, err := r.prompt(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	if !has {
		return failure("no Text, SSML, PromptId or Media to play")
	}
	w := r.park(WaitPrompt, time.Time{})
	pr.Seq = w.Seq
	r.out = append(r.out, pr)
	return park("playing the prompt")
}

// MessageParticipantIteratively plays its messages round-robin until the
// interrupt timer fires (never, without InterruptFrequencySeconds).
func (r *run) messageIteratively(a *flow.Action) outcome {
	if o, bad := r.voiceOnly(a); bad {
		return o
	}
	msgs, ok := a.Params.Get("Messages")
	if !ok || msgs.Kind != flow.ParamArray || len(msgs.Items) == 0 {
		return failure("Messages must be a non-empty list")
	}
	every, err := seconds(&a.Params, "InterruptFrequencySeconds", 0)
	if err != nil {
		return failure(err.Error())
	}
	var deadline time.Time
	if every > 0 {
		deadline = r.now.Add(every)
		r.param("InterruptFrequencySeconds", every.String())
	}
	w := r.park(WaitPromptLoop, deadline)
	if o, ok := r.playMessage(a, 0, w.Seq); !ok {
		return o
	}
	if every > 0 {
		return park("playing " + strconv.Itoa(len(msgs.Items)) + " messages in a loop, interrupted after " + every.String())
	}
	return park("playing " + strconv.Itoa(len(msgs.Items)) + " messages in a loop")
}

func (r *run) playMessage(a *flow.Action, i int, seq uint32) (outcome, bool) {
	msgs, _ := a.Params.Get("Messages")
	pr, has, err := r.prompt(&msgs.Items[i])
	if err == nil && !has {
		err = errors.New("message " + strconv.Itoa(i) + " has no Text, SSML, PromptId or Media")
	}
	if err != nil {
		return failure(err.Error()), false
	}
	pr.Seq = seq
	r.out = append(r.out, pr)
	return outcome{}, true
}

func (r *run) resumeIteratively(a *flow.Action, ev Event) outcome {
	w := &r.c.Wait
	if ev.Kind == EventTimeout {
		r.out = append(r.out, StopPrompt{})
		return result("MessagesInterrupted", "the interrupt timer fired")
	}
	msgs, _ := a.Params.Get("Messages")
	w.Message = (w.Message + 1) % len(msgs.Items)
	if o, ok := r.playMessage(a, w.Message, w.Seq); !ok {
		return o
	}
	return stay("message " + strconv.Itoa(w.Message) + " playing")
}

// inputRules are GetParticipantInput's parameters, read from the action
// each time they are needed rather than stored with the contact.
type inputRules struct {
	store      bool
	timeout    time.Duration
	interdigit time.Duration
	maxLen     int
	terminator string
	cancel     bool
	phone      string // "" or the NumberFormat: Local or E164
	country    string
}

// Defaults where the parameters are silent (reference §4.1; docs/flow-engine.md).
const (
	defaultInputTimeout = 5 * time.Second
	defaultInterdigit   = 5 * time.Second
	defaultMaxDigits    = 20
)

func readInputRules(p *flow.Param) (inputRules, error) {
	in := inputRules{timeout: defaultInputTimeout, interdigit: defaultInterdigit, maxLen: 1}
	if s, ok := static(p, "StoreInput"); ok {
		in.store = isTrue(s)
	}
	var err error
	if in.timeout, err = seconds(p, "InputTimeLimitSeconds", defaultInputTimeout); err != nil {
		return in, err
	}
	if in.timeout <= 0 {
		return in, errors.New("InputTimeLimitSeconds must be more than 0")
	}
	if !in.store {
		return in, nil
	}
	if _, ok := p.Get("InputEncryption"); ok {
		return in, errFeature("InputEncryption (encrypted input) is not supported")
	}
	in.maxLen, in.terminator, in.cancel = defaultMaxDigits, "#", true
	if v, ok := p.Get("InputValidation"); ok {
		if cv, ok := v.Get("CustomValidation"); ok {
			if s, ok := static(cv, "MaximumLength"); ok {
				n, ok := wholeNumber(s)
				if !ok || n < 1 {
					return in, fmt.Errorf("MaximumLength %q is not a positive whole number", s)
				}
				in.maxLen = n
			}
		}
		if pv, ok := v.Get("PhoneNumberValidation"); ok {
			f, _ := static(pv, "NumberFormat")
			in.country, _ = static(pv, "CountryCode")
			switch {
			case strings.EqualFold(f, "E164"):
				in.phone = "E164"
			case strings.EqualFold(f, "Local"):
				in.phone = "Local"
			default:
				return in, fmt.Errorf("PhoneNumberValidation.NumberFormat %q is neither Local nor E164", f)
			}
			// E.164 has at most 15 digits.
			in.maxLen = 15
		}
	}
	if d, ok := p.Get("DTMFConfiguration"); ok {
		if s, ok := static(d, "InputTerminationSequence"); ok {
			if len(s) > 5 || !validKeys(s) && s != "" {
				return in, fmt.Errorf("InputTerminationSequence %q must be at most 5 keys", s)
			}
			in.terminator = s
		}
		if s, ok := static(d, "DisableCancelKey"); ok {
			in.cancel = !isTrue(s)
		}
		if in.interdigit, err = seconds(d, "InterdigitTimeLimitSeconds", defaultInterdigit); err != nil {
			return in, err
		}
		if in.interdigit <= 0 {
			return in, errors.New("InterdigitTimeLimitSeconds must be more than 0")
		}
	}
	return in, nil
}

// errFeature marks a parameter the engine does not implement: the contact
// faults rather than take an error branch that would hide the gap.
type errFeature string

func (e errFeature) Error() string { return string(e) }

// GetParticipantInput plays its prompt and collects DTMF keys (reference §4.1).
func (r *run) getInput(a *flow.Action) outcome {
	if o, bad := r.voiceOnly(a); bad {
		return o
	}
	in, err := readInputRules(&a.Params)
	var ef errFeature
	if errors.As(err, &ef) {
		return fault("action " + quote(a.Identifier) + ": " + err.Error())
	}
	if err != nil {
		return failure(err.Error())
	}
	pr, has, err := r.prompt(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	var deadline time.Time
	if !has {
		deadline = r.now.Add(in.timeout)
	}
	w := r.park(WaitInput, deadline)
	w.Playing = has
	if has {
		pr.Seq, pr.Interruptible = w.Seq, true
		r.out = append(r.out, pr)
	}
	ci := CollectInput{Seq: w.Seq, MaxDigits: in.maxLen, Timeout: in.timeout, Store: in.store}
	if in.store {
		ci.Interdigit, ci.Terminator = in.interdigit, in.terminator
		if in.cancel {
			ci.CancelKey = "*"
		}
	}
	r.out = append(r.out, ci)
	r.param("StoreInput", strconv.FormatBool(in.store))
	if s, ok := static(&a.Params, "InputTimeLimitSeconds"); ok {
		r.param("InputTimeLimitSeconds", s)
	}
	if in.store {
		r.param("MaximumLength", strconv.Itoa(in.maxLen))
		return park("storing up to " + strconv.Itoa(in.maxLen) + " keys")
	}
	return park("waiting for one key")
}

func (r *run) resumeInput(a *flow.Action, ev Event) outcome {
	in, err := readInputRules(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	w := &r.c.Wait
	switch ev.Kind {
	case EventPromptDone:
		if !w.Playing {
			return stay("the interrupted prompt stopped")
		}
		w.Playing = false
		w.Deadline = r.now.Add(in.timeout)
		return stay("prompt finished; waiting " + in.timeout.String() + " for the first key")
	case EventTimeout:
		if !in.store {
			return failed("InputTimeLimitExceeded", "no key within "+in.timeout.String())
		}
		if w.Digits == "" {
			return r.stored(in, "Timeout", "no key within "+in.timeout.String())
		}
		return r.stored(in, w.Digits, "no further key within "+in.interdigit.String())
	}
	// Keys. The first one stops an input prompt (Interruptible).
	w.Playing = false
	keys := ev.Digits
	if !in.store {
		// A menu takes one key; the key is the result.
		k := keys[:1]
		r.param("Key", k)
		r.discarded(keys[1:])
		return result(k, "key "+k+" pressed")
	}
	// The digits are w.Digits followed by keys[from:i+1]; they are joined
	// only when the collection ends or the event is used up.
	have, from := w.Digits, 0
	for i := 0; i < len(keys); i++ {
		if in.cancel && keys[i] == '*' {
			have, from = "", i+1
			w.Deadline = r.now.Add(in.timeout)
			continue
		}
		n := len(have) + i + 1 - from
		if in.terminator != "" && n >= len(in.terminator) && joinedSuffix(have, keys[from:i+1], in.terminator) {
			d := have + keys[from:i+1]
			r.discarded(keys[i+1:])
			return r.stored(in, d[:len(d)-len(in.terminator)], "terminated by "+in.terminator)
		}
		if n >= in.maxLen {
			r.discarded(keys[i+1:])
			return r.stored(in, have+keys[from:i+1], "maximum length "+strconv.Itoa(in.maxLen)+" reached")
		}
	}
	w.Digits = have + keys[from:]
	if from < len(keys) {
		w.Deadline = r.now.Add(in.interdigit)
	}
	return stay("keys so far " + quote(w.Digits))
}

// joinedSuffix reports whether a+b ends with suffix, without joining them.
func joinedSuffix(a, b, suffix string) bool {
	if len(b) >= len(suffix) {
		return strings.HasSuffix(b, suffix)
	}
	k := len(suffix) - len(b)
	return strings.HasSuffix(a, suffix[:k]) && suffix[k:] == b
}

// discarded notes keys that came after the input they were pressed into was complete.
func (r *run) discarded(keys string) {
	if keys != "" {
		r.param("DiscardedKeys", keys)
	}
}

// stored finishes a StoreInput collection.
func (r *run) stored(in inputRules, digits, why string) outcome {
	if in.phone != "" && digits != "Timeout" {
		n, err := phoneNumber(digits, in.phone, in.country)
		if err != nil {
			return failed("InvalidPhoneNumber", quote(digits)+": "+err.Error())
		}
		digits = n
	}
	fr := r.c.top()
	r.change("StoredCustomerInput", "", fr.StoredInput, digits)
	fr.StoredInput = digits
	return next(why)
}

// ConnectParticipantWithLexBot hands the caller to a bot and branches on
// the intent it recognised.
func (r *run) lexBot(a *flow.Action) outcome {
	sb := StartBot{LanguageCode: r.c.language()}
	if v2, ok := a.Params.Get("LexV2Bot"); ok {
		arn, _, err := r.get(v2, "AliasArn")
		if err != nil {
			return failure(err.Error())
		}
		sb.BotAliasARN = arn
		r.param("LexV2Bot.AliasArn", arn)
	} else if v1, ok := a.Params.Get("LexBot"); ok {
		var err error
		if sb.BotName, _, err = r.get(v1, "Name"); err != nil {
			return failure(err.Error())
		}
		sb.BotAlias, _ = static(v1, "Alias")
		sb.BotRegion, _ = static(v1, "Region")
		r.param("LexBot.Name", sb.BotName)
	}
	if sb.BotAliasARN == "" && sb.BotName == "" {
		return failure("no LexV2Bot.AliasArn or LexBot.Name")
	}
	pr, _, err := r.prompt(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	sb.Text, sb.SSML, sb.PromptARN = pr.Text, pr.SSML, pr.PromptARN
	if sa, ok := a.Params.Get("LexSessionAttributes"); ok && sa.Kind == flow.ParamObject {
		sb.SessionAttributes = make(map[string]string, len(sa.Fields))
		for i := range sa.Fields {
			f := &sa.Fields[i]
			if f.Param.Kind == flow.ParamObject || f.Param.Kind == flow.ParamArray {
				continue
			}
			v, err := r.value(f.Param.Value)
			if err != nil {
				return failure("LexSessionAttributes." + f.Name + ": " + err.Error())
			}
			sb.SessionAttributes[f.Name] = v
		}
	}
	w := r.park(WaitBot, time.Time{})
	sb.Seq = w.Seq
	r.out = append(r.out, sb)
	return park("waiting for the bot")
}

func (r *run) resumeLexBot(ev Event) outcome {
	b := ev.Bot
	if b.Err != "" {
		return fault("the bot could not run: " + b.Err)
	}
	if b.TimedOut {
		return failed("InputTimeLimitExceeded", "the caller gave the bot no input in time")
	}
	fr := r.c.top()
	fr.Lex = lexData(b)
	r.change("Lex", "IntentName", "", b.IntentName)
	return result(b.IntentName, "the bot recognised intent "+quote(b.IntentName))
}

// lexData lays a bot result out as $.Lex (reference §5).
func lexData(b BotResult) *Data {
	keys := []string{"IntentName", "Slots", "SessionAttributes"}
	items := []Data{{kind: dataString, text: b.IntentName}, *NewDataMap(b.Slots), *NewDataMap(b.SessionAttributes)}
	if b.Confidence != "" {
		keys = append(keys, "IntentConfidence")
		score := Data{kind: dataString, text: b.Confidence}
		if _, ok := flow.ParseNumber(b.Confidence); ok {
			score.kind = dataNumber
		}
		items = append(items, makeObject([]string{"Score"}, []Data{score}))
	}
	if b.DialogState != "" {
		keys = append(keys, "DialogState")
		items = append(items, Data{kind: dataString, text: b.DialogState})
	}
	if b.SentimentLabel != "" {
		keys = append(keys, "SentimentResponse")
		items = append(items, makeObject([]string{"Label"}, []Data{{kind: dataString, text: b.SentimentLabel}}))
	}
	d := makeObject(keys, items)
	return &d
}
