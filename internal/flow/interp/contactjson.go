package interp

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file writes a Contact as JSON by hand. A channel stores the contact
// at every wait, and encoding/json's reflection was the largest cost of a
// simulated call (about 40 %). The output is byte for byte what
// encoding/json writes for the struct and its tags (json.Marshal, or an
// Encoder with its default HTML escaping): field order, omitempty and
// omitzero, sorted map keys, HTML-safe string escapes, RFC 3339 times.
// TestContactJSONMatchesEncodingJSON and FuzzContactJSON hold it to that,
// so a field added to Contact (or one of its types) must be added here too:
// the tests fill every field and fail on a difference.

// MarshalJSON writes the contact exactly as encoding/json would without
// this method, faster (see AppendJSON).
func (c *Contact) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 1024))
}

// AppendJSON appends the contact's JSON to b, exactly as encoding/json
// writes the struct, and returns the extended buffer. On error (a time
// outside years 0-9999, invalid JSON in a RawMessage: what encoding/json
// refuses too) it returns b unchanged and the error.
func (c *Contact) AppendJSON(b []byte) ([]byte, error) {
	return c.AppendJSONCache(b, nil)
}

// AppendJSONCache is AppendJSON for a contact encoded again and again (at
// every wait of a call): what did not change since the last encoding with
// jc is copied from it rather than written again. jc may be nil; a cache
// may serve any contact, and only one goroutine at a time.
func (c *Contact) AppendJSONCache(b []byte, jc *JSONCache) ([]byte, error) {
	w := jsonWriter{cache: jc}
	out := w.contact(b, c)
	if w.err != nil {
		return b, w.err
	}
	return out, nil
}

// JSONCache keeps parts of a contact's JSON between encodings
// (AppendJSONCache): the members before Attributes (ids, endpoints, name,
// language, voice, queue), which seldom change in a call, and the
// attributes, whose sorting and escaping was the largest part of the
// encoding. Each part is used only when the contact holds what it was
// written from, compared field by field, key by key: nothing needs to
// tell the cache about a change. The zero JSONCache is empty.
type JSONCache struct {
	head    contactHead
	headOK  bool
	headEnc []byte
	// attrs are the attributes attrsEnc was written from, sorted.
	attrs    []entry[string]
	attrsOK  bool
	attrsEnc []byte
	// times are the last times written, with their text: a contact's
	// clock, the start of its wait and its deadline recur from one wait
	// to the next.
	times [4]timeText
	next  int // the entry of times to replace
}

// timeText is a time and its RFC 3339 text, quotes included.
type timeText struct {
	t    time.Time
	text []byte
}

// Reset empties the cache, keeping its buffers: it then holds no part of
// any contact.
func (jc *JSONCache) Reset() {
	clear(jc.attrs)
	times := jc.times
	*jc = JSONCache{headEnc: jc.headEnc[:0], attrs: jc.attrs[:0], attrsEnc: jc.attrsEnc[:0]}
	for i := range times {
		jc.times[i].text = times[i].text[:0]
	}
}

// contactHead is what the members before Attributes are written from, but
// for References (a contact with references is not cached).
type contactHead struct {
	ContactID, InitialContactID, PreviousContactID, RelatedContactID string
	Channel, InitiationMethod, InstanceARN                           string
	CustomerEndpoint, SystemEndpoint                                 Endpoint
	CustomerID, Name, Description, LanguageCode                      string
	Voice                                                            Voice
	Queue                                                            QueueRef
}

func headOf(c *Contact) contactHead {
	return contactHead{
		ContactID: c.ContactID, InitialContactID: c.InitialContactID, PreviousContactID: c.PreviousContactID,
		RelatedContactID: c.RelatedContactID, Channel: c.Channel, InitiationMethod: c.InitiationMethod,
		InstanceARN: c.InstanceARN, CustomerEndpoint: c.CustomerEndpoint, SystemEndpoint: c.SystemEndpoint,
		CustomerID: c.CustomerID, Name: c.Name, Description: c.Description, LanguageCode: c.LanguageCode,
		Voice: c.Voice, Queue: c.Queue,
	}
}

// sameAttrs reports whether m holds exactly the attributes jc.attrs: as
// many, and each of those with its value.
func (jc *JSONCache) sameAttrs(m map[string]string) bool {
	if !jc.attrsOK || len(m) != len(jc.attrs) {
		return false
	}
	for _, e := range jc.attrs {
		if v, ok := m[e.k]; !ok || v != e.v {
			return false
		}
	}
	return true
}

// jsonWriter writes JSON objects member by member. Its methods take the
// buffer and return it extended, rather than keep it in the writer: the
// buffer then lives in the caller's locals, and appending to it costs no
// GC write barrier (a store of a slice through a pointer does, and the
// garbage collector is often running while calls are simulated). The
// writer keeps only scalars, and the first error, which sticks: the
// caller checks it once at the end.
type jsonWriter struct {
	err error
	// first is true until a member is written in the object being written.
	first bool
	cache *JSONCache // nil when there is none
}

// open starts an object; each member is written with name.
func (w *jsonWriter) open(b []byte) []byte {
	w.first = true
	return append(b, '{')
}

func (w *jsonWriter) close(b []byte) []byte {
	w.first = false
	return append(b, '}')
}

// name writes a member's name, after a comma unless it is the object's
// first member. Every method that takes a name n takes it quoted and with
// its colon (`"ContactId":`): the tags need no escaping, and writing them
// whole is one append.
func (w *jsonWriter) name(b []byte, n string) []byte {
	if !w.first {
		b = append(b, ',')
	}
	w.first = false
	return append(b, n...)
}

// str writes a member that is always present.
func (w *jsonWriter) str(b []byte, n, v string) []byte {
	return appendStdString(w.name(b, n), v)
}

// strOmit writes a string member tagged omitempty.
func (w *jsonWriter) strOmit(b []byte, n, v string) []byte {
	if v == "" {
		return b
	}
	return w.str(b, n, v)
}

// boolOmit writes a bool member tagged omitempty.
func (w *jsonWriter) boolOmit(b []byte, n string, v bool) []byte {
	if !v {
		return b
	}
	return append(w.name(b, n), "true"...)
}

// intOmit writes an integer member tagged omitempty.
func (w *jsonWriter) intOmit(b []byte, n string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(w.name(b, n), v, 10)
}

// uintOmit writes an unsigned integer member tagged omitempty.
func (w *jsonWriter) uintOmit(b []byte, n string, v uint64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendUint(w.name(b, n), v, 10)
}

// timeOmit writes a time.Time member tagged omitzero (Time.IsZero), as
// Time.MarshalJSON does: strict RFC 3339, an error outside years 0-9999.
func (w *jsonWriter) timeOmit(b []byte, n string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	if jc := w.cache; jc != nil {
		// == rather than Equal: the same instant in another location,
		// or with a monotonic reading, may be written otherwise.
		for i := range jc.times {
			if e := &jc.times[i]; e.t == t && len(e.text) > 0 {
				return append(w.name(b, n), e.text...)
			}
		}
		b = w.name(b, n)
		start := len(b)
		b = w.appendTime(b, t)
		if w.err == nil {
			e := &jc.times[jc.next]
			jc.next = (jc.next + 1) % len(jc.times)
			e.t, e.text = t, append(e.text[:0], b[start:]...)
		}
		return b
	}
	return w.appendTime(w.name(b, n), t)
}

// appendTime writes t as Time.MarshalJSON does.
func (w *jsonWriter) appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		w.fail(err)
		return b
	}
	return append(out, '"')
}

func (w *jsonWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// raw writes a json.RawMessage as encoding/json does: compacted, HTML
// escaped, "null" when nil, an error when invalid. These fields are rare
// (recording and routing settings), so encoding/json itself does it.
func (w *jsonWriter) raw(b []byte, m json.RawMessage) []byte {
	out, err := json.Marshal(m)
	if err != nil {
		w.fail(err)
		return append(b, "null"...) // keeps the document well formed; the error wins
	}
	return append(b, out...)
}

// data writes a *Data member tagged omitempty. encoding/json compacts
// what Data.MarshalJSON returns with HTML escaping, which for Data's
// always-valid compact JSON only escapes <, > and & in strings.
func (w *jsonWriter) data(b []byte, n string, d *Data) []byte {
	if d == nil {
		return b
	}
	return d.appendHTMLJSON(w.name(b, n))
}

// entry is a map's key and value.
type entry[V any] struct {
	k string
	v V
}

// sortedEntries returns the entries of m sorted by key as encoding/json
// sorts them (byte-wise), appended to buf[:0]. Callers pass an array on
// their stack, so that a map of up to its size costs no allocation.
func sortedEntries[V any](m map[string]V, buf []entry[V]) []entry[V] {
	buf = buf[:0]
	for k, v := range m {
		buf = append(buf, entry[V]{k, v})
	}
	slices.SortFunc(buf, func(a, b entry[V]) int { return strings.Compare(a.k, b.k) })
	return buf
}

// keyScratch is the size of the stack arrays map entries are sorted in.
const keyScratch = 16

// stringMap writes a map[string]string member tagged omitempty.
func (w *jsonWriter) stringMap(b []byte, n string, m map[string]string) []byte {
	if len(m) == 0 {
		return b
	}
	var scratch [keyScratch]entry[string]
	return appendEntries(w.name(b, n), sortedEntries(m, scratch[:]))
}

// appendEntries writes sorted entries as an object.
func appendEntries(b []byte, es []entry[string]) []byte {
	b = append(b, '{')
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendStdString(b, e.k), ':')
		b = appendStdString(b, e.v)
	}
	return append(b, '}')
}

// attributes writes the Attributes member, through the cache if there is
// one.
func (w *jsonWriter) attributes(b []byte, m map[string]string) []byte {
	jc := w.cache
	if jc == nil || len(m) == 0 {
		return w.stringMap(b, `"Attributes":`, m)
	}
	if !jc.sameAttrs(m) {
		jc.attrs = sortedEntries(m, jc.attrs)
		jc.attrsEnc = appendEntries(jc.attrsEnc[:0], jc.attrs)
		jc.attrsOK = true
	}
	return append(w.name(b, `"Attributes":`), jc.attrsEnc...)
}

// head writes the members before Attributes, through the cache if there
// is one.
func (w *jsonWriter) head(b []byte, c *Contact) []byte {
	jc := w.cache
	if jc == nil || len(c.References) > 0 {
		return w.headMembers(b, c)
	}
	h := headOf(c)
	if !jc.headOK || jc.head != h {
		start := len(b)
		b = w.headMembers(b, c)
		jc.head, jc.headOK = h, true
		jc.headEnc = append(jc.headEnc[:0], b[start:]...)
		return b
	}
	// ContactId is always written: what follows is not the first member.
	w.first = false
	return append(b, jc.headEnc...)
}

func (w *jsonWriter) contact(b []byte, c *Contact) []byte {
	b = w.open(b)
	b = w.head(b, c)
	b = w.attributes(b, c.Attributes)
	b = w.stringMap(b, `"Customer":`, c.Customer)
	b = w.strOmit(b, `"CallbackNumber":`, c.CallbackNumber)
	b = w.recording(b, &c.Recording)
	return w.contactTail(b, c)
}

// headMembers writes the members before Attributes.
func (w *jsonWriter) headMembers(b []byte, c *Contact) []byte {
	b = w.str(b, `"ContactId":`, c.ContactID)
	b = w.strOmit(b, `"InitialContactId":`, c.InitialContactID)
	b = w.strOmit(b, `"PreviousContactId":`, c.PreviousContactID)
	b = w.strOmit(b, `"RelatedContactId":`, c.RelatedContactID)
	b = w.str(b, `"Channel":`, c.Channel)
	b = w.strOmit(b, `"InitiationMethod":`, c.InitiationMethod)
	b = w.strOmit(b, `"InstanceARN":`, c.InstanceARN)
	b = w.endpoint(b, `"CustomerEndpoint":`, &c.CustomerEndpoint)
	b = w.endpoint(b, `"SystemEndpoint":`, &c.SystemEndpoint)
	b = w.strOmit(b, `"CustomerId":`, c.CustomerID)
	b = w.strOmit(b, `"Name":`, c.Name)
	b = w.strOmit(b, `"Description":`, c.Description)
	if len(c.References) > 0 {
		b = append(w.name(b, `"References":`), '{')
		var scratch [keyScratch]entry[Reference]
		for i, e := range sortedEntries(c.References, scratch[:]) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendStdString(b, e.k), `:{"Type":`...)
			b = append(appendStdString(b, e.v.Type), `,"Value":`...)
			b = append(appendStdString(b, e.v.Value), '}')
		}
		b = append(b, '}')
	}
	b = w.strOmit(b, `"LanguageCode":`, c.LanguageCode)
	// omitzero on a struct without an IsZero method means every field is
	// its zero value: == for comparable structs, field by field otherwise.
	if c.Voice != (Voice{}) {
		b = w.open(w.name(b, `"Voice":`))
		b = w.strOmit(b, `"Id":`, c.Voice.ID)
		b = w.strOmit(b, `"Engine":`, c.Voice.Engine)
		b = w.strOmit(b, `"Style":`, c.Voice.Style)
		b = w.close(b)
	}
	if c.Queue != (QueueRef{}) {
		b = w.open(w.name(b, `"Queue":`))
		b = w.str(b, `"Id":`, c.Queue.ID)
		b = w.strOmit(b, `"ARN":`, c.Queue.ARN)
		b = w.strOmit(b, `"Name":`, c.Queue.Name)
		b = w.strOmit(b, `"OutboundCallerIdNumber":`, c.Queue.OutboundCallerIDNumber)
		b = w.close(b)
	}
	return b
}

// contactTail writes the members after Recording.
func (w *jsonWriter) contactTail(b []byte, c *Contact) []byte {
	if len(c.RecordingAndAnalytics) > 0 {
		b = append(w.name(b, `"RecordingAndAnalytics":`), '{')
		var scratch [keyScratch]entry[json.RawMessage]
		for i, e := range sortedEntries(c.RecordingAndAnalytics, scratch[:]) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendStdString(b, e.k), ':')
			b = w.raw(b, e.v)
		}
		b = append(b, '}')
	}
	b = w.stringMap(b, `"EventHooks":`, c.EventHooks)
	b = w.boolOmit(b, `"FlowLogging":`, c.FlowLogging)
	if m := &c.MediaStreaming; *m != (MediaStreaming{}) {
		b = w.open(w.name(b, `"MediaStreaming":`))
		b = w.boolOmit(b, `"Enabled":`, m.Enabled)
		b = w.timeOmit(b, `"Started":`, m.Started)
		b = w.timeOmit(b, `"Stopped":`, m.Stopped)
		b = w.boolOmit(b, `"From":`, m.From)
		b = w.boolOmit(b, `"To":`, m.To)
		b = w.close(b)
	}
	if c.Routing != (Routing{}) {
		b = w.open(w.name(b, `"Routing":`))
		b = w.intOmit(b, `"Priority":`, int64(c.Routing.Priority))
		b = w.intOmit(b, `"TimeAdjustmentSeconds":`, int64(c.Routing.TimeAdjustment))
		b = w.close(b)
	}
	if len(c.RoutingCriteria) > 0 {
		b = w.raw(w.name(b, `"RoutingCriteria":`), c.RoutingCriteria)
	}
	b = w.boolOmit(b, `"Queued":`, c.Queued)
	if len(c.Frames) > 0 {
		b = append(w.name(b, `"Frames":`), '[')
		for i := range c.Frames {
			if i > 0 {
				b = append(b, ',')
			}
			b = w.frame(b, &c.Frames[i])
		}
		b = append(b, ']')
	}
	if c.Wait != (Wait{}) {
		b = w.wait(w.name(b, `"Wait":`), &c.Wait)
	}
	b = w.uintOmit(b, `"Executed":`, uint64(c.Executed))
	b = w.uintOmit(b, `"Rand":`, c.Rand)
	b = w.timeOmit(b, `"Clock":`, c.Clock)
	b = w.boolOmit(b, `"Ended":`, c.Ended)
	b = w.strOmit(b, `"DisconnectReason":`, c.DisconnectReason)
	b = w.strOmit(b, `"Fault":`, c.Fault)
	return w.close(b)
}

func (w *jsonWriter) endpoint(b []byte, n string, e *Endpoint) []byte {
	if *e == (Endpoint{}) {
		return b
	}
	b = w.open(w.name(b, n))
	b = w.strOmit(b, `"Address":`, e.Address)
	b = w.strOmit(b, `"Type":`, e.Type)
	return w.close(b)
}

func (w *jsonWriter) recording(b []byte, r *Recording) []byte {
	a := &r.Analytics
	// Modes makes Recording and Analytics incomparable; a nil slice is
	// zero, an empty one is not (reflect.Value.IsZero).
	analyticsZero := !a.Enabled && a.Language == "" && !a.Redaction && a.RedactionResults == "" && a.Modes == nil
	if !r.Agent && !r.Customer && !r.Screen && !r.IVR && !r.Set && analyticsZero {
		return b
	}
	b = w.open(w.name(b, `"Recording":`))
	b = w.boolOmit(b, `"Agent":`, r.Agent)
	b = w.boolOmit(b, `"Customer":`, r.Customer)
	b = w.boolOmit(b, `"Screen":`, r.Screen)
	b = w.boolOmit(b, `"IVR":`, r.IVR)
	b = w.boolOmit(b, `"Set":`, r.Set)
	if !analyticsZero {
		b = w.open(w.name(b, `"Analytics":`))
		b = w.boolOmit(b, `"Enabled":`, a.Enabled)
		b = w.strOmit(b, `"Language":`, a.Language)
		b = w.boolOmit(b, `"Redaction":`, a.Redaction)
		b = w.strOmit(b, `"RedactionResults":`, a.RedactionResults)
		if len(a.Modes) > 0 {
			b = append(w.name(b, `"Modes":`), '[')
			for i, m := range a.Modes {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendStdString(b, m)
			}
			b = append(b, ']')
		}
		b = w.close(b)
	}
	return w.close(b)
}

func (w *jsonWriter) frame(b []byte, f *Frame) []byte {
	b = w.open(b)
	b = w.str(b, `"FlowId":`, f.FlowID)
	b = w.boolOmit(b, `"Module":`, f.Module)
	b = w.str(b, `"Action":`, f.Action)
	b = w.stringMap(b, `"FlowAttributes":`, f.FlowAttributes)
	b = w.data(b, `"External":`, f.External)
	b = w.data(b, `"Lex":`, f.Lex)
	b = w.data(b, `"Metrics":`, f.Metrics)
	b = w.strOmit(b, `"StoredCustomerInput":`, f.StoredInput)
	if len(f.Loops) > 0 {
		b = append(w.name(b, `"Loops":`), '{')
		var scratch [keyScratch]entry[int]
		for i, e := range sortedEntries(f.Loops, scratch[:]) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendStdString(b, e.k), ':')
			b = strconv.AppendInt(b, int64(e.v), 10)
		}
		b = append(b, '}')
	}
	return w.close(b)
}

func (w *jsonWriter) wait(b []byte, x *Wait) []byte {
	b = w.open(b)
	if x.Kind != WaitNone {
		// WaitKind is an encoding.TextMarshaler: a string.
		b = w.str(b, `"Kind":`, x.Kind.String())
	}
	b = w.uintOmit(b, `"Seq":`, uint64(x.Seq))
	b = w.timeOmit(b, `"Since":`, x.Since)
	b = w.timeOmit(b, `"Deadline":`, x.Deadline)
	b = w.strOmit(b, `"Digits":`, x.Digits)
	b = w.boolOmit(b, `"Playing":`, x.Playing)
	b = w.intOmit(b, `"Message":`, int64(x.Message))
	b = w.boolOmit(b, `"Bridged":`, x.Bridged)
	return w.close(b)
}

// htmlSafe[c] is true for the bytes encoding/json writes as they are in a
// string when it escapes HTML (its default): printable ASCII and DEL,
// except " \ < > &. Bytes from 0x80 are false: UTF-8 is checked apart.
var htmlSafe = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// htmlSafeLen is the length of the run of htmlSafe bytes s starts with.
// Scanning the contact's strings byte by byte was the largest part of
// AppendJSON, so whole words of 8 bytes are tested at once while they are
// safe (htmlUnsafe), and the word that is not is scanned byte by byte.
// TestHTMLSafeLen holds it to the byte loop for every byte at every
// position.
func htmlSafeLen(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if htmlUnsafe(word(s[i:])) != 0 {
			break
		}
	}
	// The last bytes of a string of 8 or more, as the word that ends it
	// (whose start was checked already): most strings end safe, and this
	// spares the byte loop.
	if i < len(s) && i >= 8 && len(s)-i < 8 && htmlUnsafe(word(s[len(s)-8:])) == 0 {
		return len(s)
	}
	for ; i < len(s); i++ {
		if !htmlSafe[s[i]] {
			return i
		}
	}
	return len(s)
}

// word is the first 8 bytes of s, little-endian: byte loads the compiler
// merges into one 8-byte load.
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// htmlUnsafe is non-zero exactly when some byte of w is not htmlSafe.
// With ones = 0x0101...01 and highs = 0x8080...80: a byte from 0x80 has
// its high bit set in w itself; a byte below 0x20 sets it in w - ones*0x20,
// and a byte equal to c (a zero byte of x = w ^ ones*c) in x - ones. The
// other high bits those differences set come from bytes from 0x80 (seen
// in w already) or from the borrow of a byte found already: the test
// needs none of the "&^ w" of the classic test, (w - ones*n) &^ w.
func htmlUnsafe(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, amp, lt, gt, bslash := w^(ones*'"'), w^(ones*'&'), w^(ones*'<'), w^(ones*'>'), w^(ones*'\\')
	return (w | (w - ones*0x20) | (quote - ones) | (amp - ones) | (lt - ones) | (gt - ones) | (bslash - ones)) & highs
}

// appendStdString appends s as encoding/json writes a Go string with HTML
// escaping: \" \\ \b \f \n \r \t, other control characters and < > & as
// \u00XX, U+2028 and U+2029 escaped, and each byte of invalid UTF-8 as
// \ufffd. (Data's appendString follows Amazon Connect instead.)
func appendStdString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most strings (ids, ARNs, numbers, names) need no escape at all:
		// skip safe bytes in a loop of their own, which compiles tight.
		i += htmlSafeLen(s[i:])
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
