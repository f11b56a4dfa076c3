package interp

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// UpdateContactAttributes writes $.Attributes, all or nothing, within the
// 32,768-byte limit (reference §4.3, §10).
func (r *run) updateAttributes(a *flow.Action) outcome {
	target := "Current"
	if s, ok := static(&a.Params, "TargetContact"); ok && s != "" {
		target = s
	}
	attrs, ok := a.Params.Get("Attributes")
	if !ok || attrs.Kind != flow.ParamObject {
		return failure("no Attributes object")
	}
	keys := make([]string, len(attrs.Fields))
	vals := make([]string, len(attrs.Fields))
	for i := range attrs.Fields {
		f := &attrs.Fields[i]
		k, err := r.value(f.Key)
		if err != nil {
			return failure("attribute key: " + err.Error())
		}
		if k == "" {
			return failure("attribute key " + quote(f.Name) + " resolves to nothing")
		}
		switch f.Param.Kind {
		case flow.ParamString, flow.ParamNumber, flow.ParamBool, flow.ParamNull:
		default:
			return failure("attribute " + k + ": the value must be a string")
		}
		v, err := r.value(f.Param.Value)
		if err != nil {
			return failure("attribute " + k + ": " + err.Error())
		}
		keys[i], vals[i] = k, v
		r.param(k, v)
	}
	switch {
	case strings.EqualFold(target, "Current"):
	case strings.EqualFold(target, "Related"):
		if r.c.RelatedContactID == "" {
			return failure("TargetContact Related, but the contact has no related contact")
		}
		m := make(map[string]string, len(keys))
		for i, k := range keys {
			m[k] = vals[i]
		}
		r.out = append(r.out, UpdateRelatedContact{ContactID: r.c.RelatedContactID, Attributes: m})
		return next("attributes sent to related contact " + r.c.RelatedContactID)
	default:
		return failure("TargetContact " + quote(target) + " is neither Current nor Related")
	}
	c := r.c
	// The size after the write: keys and values in UTF-8 bytes; a key
	// written twice (once through a dynamic key) counts its last value.
	size := 0
	for k, v := range c.Attributes {
		if indexOf(keys, k) < 0 {
			size += len(k) + len(v)
		}
	}
	for i, k := range keys {
		if indexOf(keys[i+1:], k) < 0 {
			size += len(k) + len(vals[i])
		}
	}
	if size > r.lim.MaxAttributeBytes {
		return failure("the attributes would take " + strconv.Itoa(size) + " bytes; the limit is " + strconv.Itoa(r.lim.MaxAttributeBytes))
	}
	if c.Attributes == nil {
		c.Attributes = make(map[string]string, len(keys))
	}
	for i, k := range keys {
		old, had := c.Attributes[k]
		if !had {
			old = ""
		}
		r.change("Attributes", k, old, vals[i])
		c.Attributes[k] = vals[i]
	}
	return next("")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// UpdateContactData sets contact fields, all or nothing (reference §4.3).
func (r *run) updateContactData(a *flow.Action) outcome {
	type set struct {
		name string
		dst  *string
	}
	c := r.c
	fields := []set{{"Name", &c.Name}, {"Description", &c.Description}, {"LanguageCode", &c.LanguageCode}, {"CustomerId", &c.CustomerID}}
	vals := make([]string, len(fields))
	have := make([]bool, len(fields))
	for i, f := range fields {
		v, ok, err := r.get(&a.Params, f.name)
		if err != nil {
			return failure(err.Error())
		}
		vals[i], have[i] = v, ok
		if ok {
			r.param(f.name, v)
		}
	}
	var refs []Reference
	var refNames []string
	if p, ok := a.Params.Get("References"); ok && p.Kind == flow.ParamObject {
		for i := range p.Fields {
			f := &p.Fields[i]
			name, err := r.value(f.Key)
			if err != nil {
				return failure("References: " + err.Error())
			}
			ref := Reference{Type: "STRING"}
			switch f.Param.Kind {
			case flow.ParamObject:
				if ref.Value, _, err = r.get(&f.Param, "Value"); err != nil {
					return failure("References." + name + ": " + err.Error())
				}
				if t, ok := static(&f.Param, "Type"); ok {
					ref.Type = t
				}
			default:
				if ref.Value, err = r.value(f.Param.Value); err != nil {
					return failure("References." + name + ": " + err.Error())
				}
			}
			refs = append(refs, ref)
			refNames = append(refNames, name)
			r.param("References."+name, ref.Value)
		}
	}
	for i, f := range fields {
		if have[i] {
			r.change("Contact", f.name, *f.dst, vals[i])
			*f.dst = vals[i]
		}
	}
	for i, ref := range refs {
		if c.References == nil {
			c.References = make(map[string]Reference, len(refs))
		}
		r.change("References", refNames[i], c.References[refNames[i]].Value, ref.Value)
		c.References[refNames[i]] = ref
	}
	return next("")
}

// UpdateContactTextToSpeechVoice sets the voice of later prompts.
func (r *run) setVoice(a *flow.Action) outcome {
	v := r.c.Voice
	if s, ok := static(&a.Params, "TextToSpeechVoice"); ok {
		v.ID = s
		r.param("TextToSpeechVoice", s)
	}
	if s, ok := static(&a.Params, "TextToSpeechEngine"); ok {
		v.Engine = s
		r.param("TextToSpeechEngine", s)
	}
	if s, ok := static(&a.Params, "TextToSpeechStyle"); ok {
		v.Style = s
		r.param("TextToSpeechStyle", s)
	}
	r.change("Contact", "TextToSpeechVoiceId", r.c.voiceID(), v.ID)
	r.c.Voice = v
	return next("")
}

// UpdateContactTargetQueue sets the working queue (reference §4.3).
func (r *run) setQueue(a *flow.Action) outcome {
	var q *Queue
	if ref, ok, err := r.get(&a.Params, "QueueId"); err != nil {
		return failure(err.Error())
	} else if ok {
		r.param("QueueId", ref)
		if ref == "" {
			return failure("QueueId is empty")
		}
		if q, err = r.queue(ref); err != nil {
			return failure(err.Error())
		}
	} else if ref, ok, err := r.get(&a.Params, "AgentId"); err != nil {
		return failure(err.Error())
	} else if ok {
		r.param("AgentId", ref)
		q, err = r.env.AgentQueue(ref)
		if err == nil && q == nil {
			err = ErrNotFound
		}
		if err != nil {
			return failure("agent " + ref + ": " + err.Error())
		}
	} else {
		return failure("no QueueId or AgentId")
	}
	r.change("Queue", "Name", r.c.Queue.Name, q.Name)
	r.c.Queue = QueueRef{ID: q.ID, ARN: q.ARN, Name: q.Name, OutboundCallerIDNumber: q.OutboundCallerIDNumber}
	return next("working queue " + q.Name)
}

// TransferContactToQueue places the contact in the working queue and ends
// the flow; NextAction is never followed on success (reference §1.2, §11.3).
func (r *run) transferToQueue() outcome {
	c := r.c
	if c.Queue.ID == "" {
		return failure("no working queue is set")
	}
	if c.Queued {
		return failure("the contact is already in a queue")
	}
	q, err := r.queue(c.Queue.ID)
	if err != nil {
		return failure(err.Error())
	}
	r.param("Queue", q.Name)
	if q.Disabled {
		return failure("queue " + q.Name + " is disabled")
	}
	if q.MaxContacts != nil {
		m, err := r.metrics(q)
		if err != nil {
			return failure(err.Error())
		}
		if m.ContactsInQueue >= *q.MaxContacts {
			return failed("QueueAtCapacity", "queue "+q.Name+" holds "+strconv.Itoa(m.ContactsInQueue)+" contacts, its maximum")
		}
	}
	c.Queued = true
	r.out = append(r.out, QueueContact{
		QueueID: q.ID, QueueARN: q.ARN, QueueName: q.Name,
		Priority:            c.Routing.Priority,
		TimeAdjustment:      time.Duration(c.Routing.TimeAdjustment) * time.Second,
		CustomerQueueFlowID: c.EventHooks["CustomerQueue"],
		RoutingCriteria:     c.RoutingCriteria,
	})
	return ended(EndQueued, "placed in queue "+q.Name)
}

// TransferParticipantToThirdParty dials out and bridges (reference §4.1).
func (r *run) thirdParty(a *flow.Action) outcome {
	if o, bad := r.voiceOnly(a); bad {
		return o
	}
	num, _, err := r.get(&a.Params, "ThirdPartyPhoneNumber")
	if err != nil {
		return failure(err.Error())
	}
	r.param("ThirdPartyPhoneNumber", num)
	if !isE164(num) {
		return failure("ThirdPartyPhoneNumber " + quote(num) + " is not an E.164 number")
	}
	t := TransferToNumber{Number: num, Timeout: 30 * time.Second}
	if t.Timeout, err = seconds(&a.Params, "ThirdPartyConnectionTimeLimitSeconds", 30*time.Second); err != nil {
		return failure(err.Error())
	}
	if t.Timeout > 600*time.Second {
		return failure("ThirdPartyConnectionTimeLimitSeconds is more than 600")
	}
	if s, ok := static(&a.Params, "ContinueFlowExecution"); ok {
		t.ContinueFlow = isTrue(s)
	}
	if t.DTMF, _, err = r.get(&a.Params, "ThirdPartyDTMFDigits"); err != nil {
		return failure(err.Error())
	}
	if len(t.DTMF) > 50 || strings.Trim(t.DTMF, "0123456789,*#") != "" {
		return failure("ThirdPartyDTMFDigits " + quote(t.DTMF) + " must be at most 50 of 0-9 , * #")
	}
	if cid, ok := a.Params.Get("CallerId"); ok && cid.Kind == flow.ParamObject {
		if t.CallerIDNumber, _, err = r.get(cid, "Number"); err != nil {
			return failure(err.Error())
		}
		if t.CallerIDName, _, err = r.get(cid, "Name"); err != nil {
			return failure(err.Error())
		}
	}
	r.param("ContinueFlowExecution", strconv.FormatBool(t.ContinueFlow))
	w := r.park(WaitTransfer, time.Time{})
	t.Seq = w.Seq
	r.out = append(r.out, t)
	return park("dialling " + num)
}

func (r *run) resumeThirdParty(a *flow.Action, ev Event) outcome {
	cont := false
	if s, ok := static(&a.Params, "ContinueFlowExecution"); ok {
		cont = isTrue(s)
	}
	w := &r.c.Wait
	switch ev.Transfer {
	case TransferAnswered:
		if !cont {
			return ended(EndTransferred, "the third party answered; the call is bridged and the flow ends")
		}
		w.Bridged = true
		return stay("the third party answered; the flow resumes when they hang up")
	case TransferCompleted:
		if cont {
			return next("the third party hung up")
		}
		return ended(EndTransferred, "the call was bridged and the flow ends")
	case TransferNoAnswer:
		if cont {
			return failed("ConnectionTimeLimitExceeded", "the third party did not answer")
		}
		return failure("the third party did not answer")
	}
	if cont {
		return failed("CallFailed", "the call failed: "+ev.Transfer.String())
	}
	return failure("the call failed: " + ev.Transfer.String())
}

// The event hooks a flow may set (reference §4.3).
var eventHooks = map[string]bool{
	"CustomerQueue": true, "CustomerHold": true, "CustomerWhisper": true, "AgentHold": true,
	"AgentWhisper": true, "CustomerRemaining": true, "DefaultAgentUI": true,
	"DisconnectAgentUI": true, "PauseContact": true, "ResumeContact": true,
}

// UpdateContactEventHooks records which flow runs on an event.
func (r *run) eventHooks(a *flow.Action) outcome {
	hooks, ok := a.Params.Get("EventHooks")
	if !ok || hooks.Kind != flow.ParamObject || len(hooks.Fields) == 0 {
		return failure("no EventHooks")
	}
	type hook struct{ name, flow string }
	var set []hook
	for i := range hooks.Fields {
		f := &hooks.Fields[i]
		if !eventHooks[f.Name] {
			return failure("unknown event hook " + quote(f.Name))
		}
		ref, err := r.value(f.Param.Value)
		if err != nil {
			return failure(f.Name + ": " + err.Error())
		}
		r.param(f.Name, ref)
		id := ""
		if !hookDisabled(&a.Params, f.Name) {
			def, err := r.env.Flow(ref)
			if err == nil && def == nil {
				err = ErrNotFound
			}
			if err != nil {
				return failure(f.Name + " flow " + ref + ": " + err.Error())
			}
			if id = def.ID; id == "" {
				id = ref
			}
		}
		set = append(set, hook{f.Name, id})
	}
	c := r.c
	if c.EventHooks == nil {
		c.EventHooks = make(map[string]string, len(set))
	}
	for _, h := range set {
		r.change("EventHooks", h.name, c.EventHooks[h.name], h.flow)
		c.EventHooks[h.name] = h.flow
	}
	return next("")
}

func hookDisabled(p *flow.Param, name string) bool {
	cfg, ok := p.Get("EventHooksConfiguration")
	if !ok {
		return false
	}
	h, ok := cfg.Get(name)
	if !ok {
		return false
	}
	s, _ := static(h, "DisableExecution")
	return isTrue(s)
}

// UpdateContactRecordingBehavior sets recording and analytics flags.
func (r *run) recording(a *flow.Action) outcome {
	rec := Recording{Set: true}
	if rb, ok := a.Params.Get("RecordingBehavior"); ok {
		if list, ok := rb.Get("RecordedParticipants"); ok {
			for _, it := range list.Items {
				switch it.Value.String() {
				case "Agent":
					rec.Agent = true
				case "Customer":
					rec.Customer = true
				}
			}
		}
		if list, ok := rb.Get("ScreenRecordedParticipants"); ok {
			for _, it := range list.Items {
				rec.Screen = rec.Screen || it.Value.String() == "Agent"
			}
		}
		if s, ok := static(rb, "IVRRecordingBehavior"); ok {
			rec.IVR = strings.EqualFold(s, "Enabled")
		}
	}
	if ab, ok := a.Params.Get("AnalyticsBehavior"); ok {
		s, _ := static(ab, "Enabled")
		rec.Analytics.Enabled = isTrue(s)
		rec.Analytics.Language, _ = static(ab, "AnalyticsLanguage")
		s, _ = static(ab, "AnalyticsRedactionBehavior")
		rec.Analytics.Redaction = strings.EqualFold(s, "Enabled")
		var err error
		if rec.Analytics.RedactionResults, _, err = r.get(ab, "AnalyticsRedactionResults"); err != nil {
			return failure(err.Error())
		}
		if cc, ok := ab.Get("ChannelConfiguration"); ok {
			if v, ok := cc.Get("Voice"); ok {
				if modes, ok := v.Get("AnalyticsModes"); ok {
					for _, it := range modes.Items {
						rec.Analytics.Modes = append(rec.Analytics.Modes, it.Value.String())
					}
				}
			}
		}
		if m, ok := static(ab, "AnalyticsMode"); ok && len(rec.Analytics.Modes) == 0 {
			rec.Analytics.Modes = []string{m}
		}
	}
	r.param("Recorded", recordedText(rec))
	r.change("Contact", "Recording", recordedText(r.c.Recording), recordedText(rec))
	r.c.Recording = rec
	return next("")
}

func recordedText(rec Recording) string {
	var parts []string
	if rec.Agent {
		parts = append(parts, "Agent")
	}
	if rec.Customer {
		parts = append(parts, "Customer")
	}
	if rec.IVR {
		parts = append(parts, "IVR")
	}
	if rec.Screen {
		parts = append(parts, "Screen")
	}
	if rec.Analytics.Enabled {
		parts = append(parts, "Analytics("+strings.Join(rec.Analytics.Modes, ",")+")")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// UpdateContactRecordingAndAnalyticsBehavior keeps each channel behaviour
// object as given, references resolved (reference §4.3: no export of it was
// found, so its fields get no engine meaning beyond being kept).
func (r *run) recordingAndAnalytics(a *flow.Action) outcome {
	if len(a.Params.Fields) == 0 {
		return failure("no channel behaviour object")
	}
	vals := make([]json.RawMessage, len(a.Params.Fields))
	for i := range a.Params.Fields {
		b, err := r.appendParam(nil, &a.Params.Fields[i].Param)
		if err != nil {
			return failure(a.Params.Fields[i].Name + ": " + err.Error())
		}
		vals[i] = b
	}
	c := r.c
	if c.RecordingAndAnalytics == nil {
		c.RecordingAndAnalytics = make(map[string]json.RawMessage, len(vals))
	}
	for i := range a.Params.Fields {
		name := a.Params.Fields[i].Name
		r.param(name, string(vals[i]))
		r.change("RecordingAndAnalytics", name, string(c.RecordingAndAnalytics[name]), string(vals[i]))
		c.RecordingAndAnalytics[name] = vals[i]
	}
	return next("")
}

// UpdateContactMediaStreamingBehavior starts or stops streaming the
// customer's audio; the times show in $.MediaStreams.
func (r *run) mediaStreaming(a *flow.Action) outcome {
	if o, bad := r.voiceOnly(a); bad {
		return o
	}
	state, _ := static(&a.Params, "MediaStreamingState")
	r.param("MediaStreamingState", state)
	m := r.c.MediaStreaming
	switch {
	case strings.EqualFold(state, "Enabled"):
		m = MediaStreaming{Enabled: true, Started: r.now}
		if ps, ok := a.Params.Get("Participants"); ok {
			for _, p := range ps.Items {
				if t, _ := static(&p, "ParticipantType"); t != "Customer" {
					continue
				}
				if dirs, ok := p.Get("MediaDirections"); ok {
					for _, d := range dirs.Items {
						m.From = m.From || d.Value.String() == "From"
						m.To = m.To || d.Value.String() == "To"
					}
				}
			}
		}
		if !m.From && !m.To {
			m.From = true
		}
	case strings.EqualFold(state, "Disabled"):
		if !m.Enabled {
			return next("streaming was not on")
		}
		m.Enabled, m.Stopped = false, r.now
	default:
		return failure("MediaStreamingState " + quote(state) + " is neither Enabled nor Disabled")
	}
	r.c.MediaStreaming = m
	r.out = append(r.out, MediaStreamingChange{Enabled: m.Enabled, From: m.From, To: m.To})
	return next("")
}

// UpdateContactRoutingBehavior sets the queue priority or age adjustment.
func (r *run) routingBehavior(a *flow.Action) outcome {
	rt := r.c.Routing
	if s, ok, err := r.get(&a.Params, "QueuePriority"); err != nil {
		return failure(err.Error())
	} else if ok {
		n, isNum := wholeNumber(s)
		if !isNum || n < 1 {
			return failure("QueuePriority " + quote(s) + " is not a whole number above 0")
		}
		rt.Priority = n
		r.param("QueuePriority", s)
	}
	if s, ok, err := r.get(&a.Params, "QueueTimeAdjustmentSeconds"); err != nil {
		return failure(err.Error())
	} else if ok {
		n, isNum := wholeNumber(s)
		if !isNum {
			return failure("QueueTimeAdjustmentSeconds " + quote(s) + " is not a whole number")
		}
		rt.TimeAdjustment = n
		r.param("QueueTimeAdjustmentSeconds", s)
	}
	if rt == r.c.Routing {
		return next("nothing to change")
	}
	r.c.Routing = rt
	return next("")
}

// UpdateContactRoutingCriteria (the name exports use) and
// UpdateRoutingCriteria (the documented one) store the routing criteria for
// the router, references resolved (reference §4.2, §11.12).
func (r *run) routingCriteria(a *flow.Action) outcome {
	p := &a.Params
	if rc, ok := a.Params.Get("RoutingCriteria"); ok {
		p = rc
	}
	if p.Kind != flow.ParamObject || len(p.Fields) == 0 {
		return failure("no RoutingCriteria")
	}
	b, err := r.appendParam(nil, p)
	if err != nil {
		return failure("RoutingCriteria: " + err.Error())
	}
	r.param("RoutingCriteria", string(b))
	r.change("Contact", "RoutingCriteria", string(r.c.RoutingCriteria), string(b))
	r.c.RoutingCriteria = b
	return next("")
}

// UpdateContactCallbackNumber sets the number CreateCallbackContact dials.
func (r *run) callbackNumber(a *flow.Action) outcome {
	n, ok, err := r.get(&a.Params, "CallbackNumber")
	if err != nil {
		return failure(err.Error())
	}
	if !ok {
		return failure("no CallbackNumber")
	}
	r.param("CallbackNumber", n)
	if !isE164(n) {
		return failed("InvalidCallbackNumber", quote(n)+" is not an E.164 number")
	}
	r.change("Contact", "CallbackNumber", r.c.CallbackNumber, n)
	r.c.CallbackNumber = n
	return next("")
}

// CreateCallbackContact asks for a callback to the callback number.
func (r *run) createCallback(a *flow.Action) outcome {
	q, err := r.metricQueue(a)
	if err != nil {
		return failure(err.Error())
	}
	cb := CreateCallback{QueueID: q.ID, QueueARN: q.ARN, MaxAttempts: 1, PreviousContactID: r.c.ContactID}
	cb.Number = r.c.CallbackNumber
	if cb.Number == "" {
		cb.Number = r.c.CustomerEndpoint.Address
	}
	if !isE164(cb.Number) {
		return failure("no callback number: " + quote(cb.Number) + " is not an E.164 number")
	}
	if cb.InitialDelay, err = seconds(&a.Params, "InitialCallDelaySeconds", 0); err != nil {
		return failure(err.Error())
	}
	if cb.RetryDelay, err = seconds(&a.Params, "RetryDelaySeconds", 0); err != nil {
		return failure(err.Error())
	}
	if s, ok := static(&a.Params, "MaximumConnectionAttempts"); ok {
		n, isNum := wholeNumber(s)
		if !isNum || n < 0 {
			return failure("MaximumConnectionAttempts " + quote(s) + " is not a whole number")
		}
		// The corpus holds "0"; a callback is attempted at least once.
		cb.MaxAttempts = max(n, 1)
	}
	const limit = 259200 * time.Second
	if cb.InitialDelay > limit || cb.RetryDelay > limit {
		return failure("a callback delay is more than 259200 seconds")
	}
	r.param("Queue", q.Name)
	r.param("Number", cb.Number)
	r.out = append(r.out, cb)
	return next("callback to " + cb.Number + " in queue " + q.Name)
}

// isE164 reports whether s is +, a digit 1-9 and 1 to 14 more digits.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var errNested = errors.New("nested too deeply")

// appendParam writes p as JSON with every string resolved (dynamic values
// in Lambda parameters and behaviour objects).
func (r *run) appendParam(b []byte, p *flow.Param) ([]byte, error) {
	return r.appendParamDepth(b, p, 0)
}

func (r *run) appendParamDepth(b []byte, p *flow.Param, depth int) ([]byte, error) {
	if depth > maxDataDepth {
		return nil, errNested
	}
	var err error
	switch p.Kind {
	case flow.ParamNull:
		return append(b, "null"...), nil
	case flow.ParamString:
		s, err := r.value(p.Value)
		if err != nil {
			return nil, err
		}
		return appendString(b, s), nil
	case flow.ParamNumber, flow.ParamBool:
		return append(b, p.Value.String()...), nil
	case flow.ParamArray:
		b = append(b, '[')
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.appendParamDepth(b, &p.Items[i], depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	b = append(b, '{')
	for i := range p.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.Fields[i].Name)
		b = append(b, ':')
		if b, err = r.appendParamDepth(b, &p.Fields[i].Param, depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}
