package interp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// lookup resolves a reference against the contact and its running frame
// (reference §5). A path that names nothing is absent: "", false.
// Namespaces are matched on the first segment with a string switch, which
// compiles to length-then-bytes comparisons; the paths themselves were
// parsed when the flow was compiled.
func (r *run) lookup(p *flow.Path) (string, bool) {
	segs := p.Segments
	if len(segs) == 0 {
		return "", false
	}
	c := r.c
	rest := segs[1:]
	var fr *Frame
	if len(c.Frames) > 0 {
		fr = c.top()
	}
	switch segs[0].Name {
	case "Attributes":
		if len(rest) == 1 {
			v, ok := c.Attributes[rest[0].Name]
			return v, ok
		}
	case "Customer":
		return c.customerField(rest)
	case "FlowAttributes":
		if len(rest) == 1 && fr != nil {
			v, ok := fr.FlowAttributes[rest[0].Name]
			return v, ok
		}
	case "External":
		if fr != nil && fr.External != nil {
			return fr.External.lookup(rest)
		}
	case "Lex":
		if fr != nil && fr.Lex != nil {
			return fr.Lex.lookup(rest)
		}
	case "Metrics":
		if fr != nil && fr.Metrics != nil {
			return fr.Metrics.lookup(rest)
		}
	case "StoredCustomerInput":
		if len(rest) == 0 && fr != nil {
			return fr.StoredInput, fr.StoredInput != ""
		}
	case "CustomerEndpoint":
		return endpointField(c.CustomerEndpoint, rest)
	case "SystemEndpoint":
		return endpointField(c.SystemEndpoint, rest)
	case "Queue":
		return r.queueField(rest)
	case "References":
		if len(rest) == 2 {
			ref, ok := c.References[rest[0].Name]
			switch {
			case !ok:
			case rest[1].Name == "Value":
				return ref.Value, true
			case rest[1].Name == "Type":
				return ref.Type, true
			}
		}
	case "MediaStreams":
		return r.mediaField(rest)
	default:
		if len(rest) == 0 {
			return c.scalar(segs[0].Name)
		}
	}
	return "", false
}

// scalar returns the contact's top-level scalars.
func (c *Contact) scalar(name string) (string, bool) {
	var v string
	switch name {
	case "ContactId":
		v = c.ContactID
	case "InitialContactId":
		v = c.InitialContactID
	case "PreviousContactId":
		v = c.PreviousContactID
	case "Channel":
		v = c.Channel
	case "InitiationMethod":
		v = c.InitiationMethod
	case "InstanceARN":
		v = c.InstanceARN
	case "AwsRegion":
		v = c.region()
	case "CustomerId":
		v = c.CustomerID
	case "Name":
		v = c.Name
	case "Description":
		v = c.Description
	case "LanguageCode":
		v = c.language()
	case "TextToSpeechVoiceId":
		v = c.voiceID()
	case "CallbackNumber":
		v = c.CallbackNumber
	}
	return v, v != ""
}

// region is the Region of the instance ARN (arn:aws:connect:REGION:...).
func (c *Contact) region() string {
	s := c.InstanceARN
	for i := 0; i < 3; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, ':'); j >= 0 {
		return s[:j]
	}
	return ""
}

func endpointField(e Endpoint, rest []flow.Segment) (string, bool) {
	if len(rest) != 1 || e.Address == "" {
		return "", false
	}
	switch rest[0].Name {
	case "Address":
		return e.Address, true
	case "Type":
		return e.typ(), true
	}
	return "", false
}

func (r *run) queueField(rest []flow.Segment) (string, bool) {
	q := r.c.Queue
	if q.ID == "" || len(rest) == 0 {
		return "", false
	}
	switch rest[0].Name {
	case "Name":
		return q.Name, len(rest) == 1
	case "ARN":
		return q.ARN, len(rest) == 1
	case "OutboundCallerId":
		if len(rest) == 2 && q.OutboundCallerIDNumber != "" {
			switch rest[1].Name {
			case "Address":
				return q.OutboundCallerIDNumber, true
			case "Type":
				return "TELEPHONE_NUMBER", true
			}
		}
	}
	return "", false
}

func (r *run) mediaField(rest []flow.Segment) (string, bool) {
	m := r.c.MediaStreaming
	if len(rest) != 3 || rest[0].Name != "Customer" || rest[1].Name != "Audio" || m.Started.IsZero() {
		return "", false
	}
	switch rest[2].Name {
	case "StartTimestamp":
		return strconv.FormatInt(m.Started.UnixMilli(), 10), true
	case "StopTimestamp":
		if m.Stopped.IsZero() {
			return "", false
		}
		return strconv.FormatInt(m.Stopped.UnixMilli(), 10), true
	}
	return "", false
}

// text resolves free text (prompts): every well-formed reference is
// substituted, absent ones by "". Static text and a lone reference cost no
// allocation.
func (r *run) text(v flow.Value) string {
	switch v.Kind() {
	case flow.ValueStatic:
		return v.String()
	case flow.ValueReference:
		p, _ := v.Ref()
		s, _ := r.lookup(p)
		return s
	}
	// Two passes, so the result is allocated once at its size: a lookup
	// costs less than growing a buffer.
	parts := v.Parts()
	n := 0
	for _, part := range parts {
		if part.Ref == nil {
			n += len(part.Text)
		} else {
			s, _ := r.lookup(part.Ref)
			n += len(s)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, part := range parts {
		if part.Ref == nil {
			b.WriteString(part.Text)
			continue
		}
		s, _ := r.lookup(part.Ref)
		b.WriteString(s)
	}
	return b.String()
}

// value resolves any other parameter: like text, but a value that looks
// like a single reference and is not a well-formed one (the seed's
// "$.External. Flag") cannot resolve and is an error (reference §1.3, §11.14).
func (r *run) value(v flow.Value) (string, error) {
	if v.Malformed() {
		return "", fmt.Errorf("%q is not a valid reference", v.String())
	}
	return r.text(v), nil
}

// get returns the resolved value of a scalar member of p; present is false
// when it is missing or null.
func (r *run) get(p *flow.Param, name string) (s string, present bool, err error) {
	v, ok := p.ValueOf(name)
	if !ok {
		return "", false, nil
	}
	s, err = r.value(v)
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", name, err)
	}
	return s, true, nil
}

// static returns the text of a static-only member as written.
func static(p *flow.Param, name string) (string, bool) {
	v, ok := p.ValueOf(name)
	if !ok {
		return "", false
	}
	return v.String(), true
}

// isTrue reads the language's booleans, which are strings in any case.
func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// seconds reads a static duration in seconds; def when absent.
func seconds(p *flow.Param, name string, def time.Duration) (time.Duration, error) {
	s, ok := static(p, name)
	if !ok || strings.TrimSpace(s) == "" {
		return def, nil
	}
	f, ok := flow.ParseNumber(s)
	if !ok || f < 0 {
		return 0, fmt.Errorf("%s %q is not a number of seconds", name, s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// wholeNumber parses an integer-valued number ("3", "3.0").
func wholeNumber(s string) (int, bool) {
	f, ok := flow.ParseNumber(s)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}
