package interp

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// plainContact is Contact without its methods: encoding/json writes it by
// reflection from the struct tags, as it wrote Contact before
// Contact.MarshalJSON existed. It is the reference AppendJSON must match.
type plainContact Contact

// checkContactJSON holds AppendJSON, MarshalJSON and an Encoder (what the
// simulator used) to encoding/json's reflection: the same bytes, or an
// error from both.
func checkContactJSON(t *testing.T, c *Contact) {
	t.Helper()
	want, werr := json.Marshal((*plainContact)(c))
	prefix := []byte("prefix:")
	got, gerr := c.AppendJSON(prefix)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("encoding/json error %v, AppendJSON error %v, for\n%#v", werr, gerr, c)
	}
	if gerr != nil {
		if string(got) != "prefix:" {
			t.Fatalf("AppendJSON failed and returned %q, want the buffer unchanged", got)
		}
		if _, err := json.Marshal(c); err == nil {
			t.Fatalf("json.Marshal succeeded where AppendJSON failed (%v)", gerr)
		}
		return
	}
	if !bytes.Equal(got[len(prefix):], want) || !bytes.HasPrefix(got, prefix) {
		t.Fatalf("AppendJSON differs from encoding/json:\n got %s\nwant %s", got[len(prefix):], want)
	}
	if m, err := json.Marshal(c); err != nil || !bytes.Equal(m, want) {
		t.Fatalf("json.Marshal through MarshalJSON (%v):\n got %s\nwant %s", err, m, want)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(c); err != nil || buf.String() != string(want)+"\n" {
		t.Fatalf("Encoder (%v):\n got %s\nwant %s", err, buf.Bytes(), want)
	}
}

// tricky are strings that exercise every escaping rule of encoding/json.
var tricky = []string{
	"", "a", "Hello there", "<b>&amp;</b>", `quote " backslash \ slash /`, "\b\f\n\r\t", "\x00\x01\x1f\x7f",
	"\u2028\u2029", "é, 😀, \u00a0", "\xff\xfe invalid", "\xe2\x80", "trailing \xe2\x80\xa8", "\u0080\u07ff\uffff",
	"+442071234567", "arn:aws:connect:eu-west-2:123456789012:instance/i/queue/q",
}

// gen makes contacts with random content in random fields.
type gen struct{ r *rand.Rand }

func (g gen) str() string {
	if g.r.IntN(3) == 0 {
		return ""
	}
	return tricky[g.r.IntN(len(tricky))]
}

func (g gen) bool() bool { return g.r.IntN(2) == 0 }

func (g gen) strMap() map[string]string {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	m := map[string]string{}
	for range g.r.IntN(12) {
		m[g.str()] = g.str()
	}
	return m
}

func (g gen) time() time.Time {
	switch g.r.IntN(8) {
	case 0, 1:
		return time.Time{}
	case 2:
		return time.Now() // a monotonic reading and the local zone
	case 3:
		return time.Date(2026, 11, 23, 9, 0, 0, g.r.IntN(1e9), time.FixedZone("", -5*3600-30*60))
	case 4:
		return time.Time{}.In(time.FixedZone("X", 3600)) // zero instant, a location
	case 5:
		if g.r.IntN(4) == 0 {
			return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // encoding/json refuses it
		}
		if g.r.IntN(4) == 0 {
			return time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) // refused too
		}
	}
	return time.Unix(g.r.Int64N(4e9), int64(g.r.IntN(3))*1e6).UTC()
}

var rawSamples = []string{`{"a": 1, "b": [true, null]}`, `"<&>"`, `{"Voice":{"x":"\u2028 <"}}`, "  7 ", `[]`, `{`, ``}

func (g gen) raw() json.RawMessage {
	switch g.r.IntN(6) {
	case 0:
		return nil
	case 1:
		return json.RawMessage{}
	}
	s := rawSamples[g.r.IntN(len(rawSamples))]
	if s == `{` && g.r.IntN(3) != 0 {
		s = `{}` // keep most contacts encodable
	}
	return json.RawMessage(s)
}

var dataSamples = []string{
	`null`, `"x"`, `-1.5e3`, `true`, `{}`, `[]`, `{"Name":"Ann <ann@example.com>","Tier":"gold & silver","n":[1,2,{"z":null}]}`,
	`{"b":"\u2028","a":"\u0007\"\\","c":"😀"}`, `[{"k":"v"},"<>",0]`,
}

func (g gen) data() *Data {
	if g.r.IntN(2) == 0 {
		return nil
	}
	if g.r.IntN(4) == 0 {
		return NewDataMap(g.strMap())
	}
	d, err := ParseData([]byte(dataSamples[g.r.IntN(len(dataSamples))]))
	if err != nil {
		panic(err)
	}
	return d
}

func (g gen) contact() *Contact {
	c := &Contact{
		ContactID: g.str(), InitialContactID: g.str(), PreviousContactID: g.str(), RelatedContactID: g.str(),
		Channel: g.str(), InitiationMethod: g.str(), InstanceARN: g.str(),
		CustomerID: g.str(), Name: g.str(), Description: g.str(), LanguageCode: g.str(),
		Attributes: g.strMap(), CallbackNumber: g.str(), EventHooks: g.strMap(), FlowLogging: g.bool(),
		RoutingCriteria: g.raw(), Queued: g.bool(),
		Executed: uint32(g.r.IntN(3)) * g.r.Uint32(), Rand: uint64(g.r.IntN(2)) * g.r.Uint64(), Clock: g.time(),
		Ended: g.bool(), DisconnectReason: g.str(), Fault: g.str(),
	}
	if g.bool() {
		c.CustomerEndpoint = Endpoint{Address: g.str(), Type: g.str()}
		c.SystemEndpoint = Endpoint{Address: g.str(), Type: g.str()}
	}
	if g.bool() {
		c.References = map[string]Reference{}
		for range g.r.IntN(4) {
			c.References[g.str()] = Reference{Type: g.str(), Value: g.str()}
		}
	}
	if g.bool() {
		c.Voice = Voice{ID: g.str(), Engine: g.str(), Style: g.str()}
	}
	if g.bool() {
		c.Queue = QueueRef{ID: g.str(), ARN: g.str(), Name: g.str(), OutboundCallerIDNumber: g.str()}
	}
	if g.bool() {
		c.Recording = Recording{Agent: g.bool(), Customer: g.bool(), Screen: g.bool(), IVR: g.bool(), Set: g.bool()}
		if g.bool() {
			a := &c.Recording.Analytics
			a.Enabled, a.Language, a.Redaction, a.RedactionResults = g.bool(), g.str(), g.bool(), g.str()
			switch g.r.IntN(3) {
			case 0:
				a.Modes = []string{} // not zero for omitzero, empty for omitempty
			case 1:
				a.Modes = []string{g.str(), g.str()}
			}
		}
	}
	if g.bool() {
		c.RecordingAndAnalytics = map[string]json.RawMessage{}
		for range g.r.IntN(3) {
			c.RecordingAndAnalytics[g.str()] = g.raw()
		}
	}
	if g.bool() {
		c.MediaStreaming = MediaStreaming{Enabled: g.bool(), Started: g.time(), Stopped: g.time(), From: g.bool(), To: g.bool()}
	}
	if g.bool() {
		c.Routing = Routing{Priority: g.r.IntN(3) - 1, TimeAdjustment: (g.r.IntN(3) - 1) * 1000}
	}
	switch g.r.IntN(3) {
	case 0:
	case 1:
		c.Frames = []Frame{}
	default:
		for range 1 + g.r.IntN(2) {
			f := Frame{FlowID: g.str(), Module: g.bool(), Action: g.str(), FlowAttributes: g.strMap(),
				External: g.data(), Lex: g.data(), Metrics: g.data(), StoredInput: g.str()}
			if g.bool() {
				f.Loops = map[string]int{}
				for range g.r.IntN(4) {
					f.Loops[g.str()] = g.r.IntN(5) - 1
				}
			}
			c.Frames = append(c.Frames, f)
		}
	}
	if g.bool() {
		c.Wait = Wait{Kind: WaitKind(g.r.IntN(9)), Seq: uint32(g.r.IntN(3)), Since: g.time(), Deadline: g.time(),
			Digits: g.str(), Playing: g.bool(), Message: g.r.IntN(3) - 1, Bridged: g.bool()}
	}
	return c
}

func TestContactJSONMatchesEncodingJSON(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for range 20000 {
		checkContactJSON(t, g.contact())
	}
	checkContactJSON(t, &Contact{})
	checkContactJSON(t, fullContact())
}

// FuzzContactJSON puts fuzzed strings, JSON and numbers in a generated
// contact and compares AppendJSON with encoding/json.
func FuzzContactJSON(f *testing.F) {
	f.Add(uint64(1), "a", "<&>", []byte(`{"a":"b"}`), int64(0))
	f.Add(uint64(2), "\xff\u2028", "\x00", []byte(` [1, "\u2029"] `), int64(-62135596800))
	f.Add(uint64(3), "", "é", []byte(`{`), int64(253402300800))
	f.Fuzz(func(t *testing.T, seed uint64, s1, s2 string, doc []byte, unix int64) {
		g := gen{rand.New(rand.NewPCG(seed, seed>>7))}
		c := g.contact()
		c.ContactID, c.Name = s1, s2
		c.Attributes = map[string]string{s1: s2, s2: s1, "k": s1 + s2}
		c.Customer = map[string]string{"ProfileId": s1, "Attributes." + s2: s2}
		c.RoutingCriteria = doc
		c.Clock = time.Unix(unix, 0).In(time.FixedZone("", int(unix%(26*3600))))
		if d, err := ParseData(doc); err == nil {
			c.Frames = append(c.Frames, Frame{FlowID: s1, Action: s2, External: d, Loops: map[string]int{s1: int(unix)}})
		}
		c.Wait.Digits = s2
		c.Wait.Since = time.Unix(unix, int64(seed%1e9)).UTC()
		checkContactJSON(t, c)
	})
}

// fullContact sets every field of a Contact and of the types in it, so that
// a field added later without a line in AppendJSON fails the test
// (TestFullContactIsFull keeps it full).
func fullContact() *Contact {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)
	ext, err := ParseData([]byte(`{"Name":"Ann <a&b>","Tier":"gold","List":[1,"2",null,true]}`))
	if err != nil {
		panic(err)
	}
	return &Contact{
		ContactID: "c-1", InitialContactID: "c-0", PreviousContactID: "c-p", RelatedContactID: "c-r",
		Channel: "VOICE", InitiationMethod: "INBOUND", InstanceARN: "arn:aws:connect:eu-west-2:1:instance/i",
		CustomerEndpoint: Endpoint{Address: "+447700900123", Type: "TELEPHONE_NUMBER"},
		SystemEndpoint:   Endpoint{Address: "+442071234567", Type: "TELEPHONE_NUMBER"},
		CustomerID:       "cust", Name: "A <name>", Description: "d & e",
		References:   map[string]Reference{"b": {Type: "URL", Value: "https://x/?a=1&b=2"}, "a": {Type: "STRING", Value: "v"}},
		LanguageCode: "en-GB", Voice: Voice{ID: "Amy", Engine: "neural", Style: "Conversational"},
		Queue:      QueueRef{ID: "q", ARN: "arn:q", Name: "Billing", OutboundCallerIDNumber: "+1"},
		Attributes: map[string]string{"z": "1", "a": "<2>", "m": "\u2028"}, CallbackNumber: "+1555",
		Customer: map[string]string{"ProfileId": "p1", "Attributes.tier": "gold"},
		Recording: Recording{Agent: true, Customer: true, Screen: true, IVR: true, Set: true,
			Analytics: Analytics{Enabled: true, Language: "en-US", Redaction: true, RedactionResults: "RedactedAndOriginal", Modes: []string{"PostContact", "RealTime"}}},
		RecordingAndAnalytics: map[string]json.RawMessage{"VoiceBehavior": json.RawMessage(`{ "x" : "<y>" }`)},
		EventHooks:            map[string]string{"CustomerQueue": "f-1", "AgentWhisper": ""},
		FlowLogging:           true,
		MediaStreaming:        MediaStreaming{Enabled: true, Started: t0, Stopped: t0.Add(time.Second), From: true, To: true},
		Routing:               Routing{Priority: 2, TimeAdjustment: -30},
		RoutingCriteria:       json.RawMessage(`{"Steps":[ ]}`),
		Queued:                true,
		Frames: []Frame{{FlowID: "f", Module: true, Action: "menu", FlowAttributes: map[string]string{"a": "b"},
			External: ext, Lex: NewDataMap(map[string]string{"IntentName": "Pay"}), Metrics: ext, StoredInput: "1234",
			Loops: map[string]int{"loop": 3, "again": -1}}},
		Wait:     Wait{Kind: WaitInput, Seq: 7, Since: t0, Deadline: t0.Add(5 * time.Second), Digits: "12", Playing: true, Message: 2, Bridged: true},
		Executed: 42, Rand: 1 << 63, Clock: t0, Ended: true, DisconnectReason: "CUSTOMER_DISCONNECT", Fault: "f",
	}
}

// TestFullContactIsFull: every exported field of Contact, and of every
// struct in it, is set in fullContact.
func TestFullContactIsFull(t *testing.T) {
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if v.IsZero() {
			t.Errorf("%s is zero in fullContact: add it there and to AppendJSON", path)
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			walk(path, v.Elem())
		case reflect.Slice:
			walk(path+"[0]", v.Index(0))
		case reflect.Map:
			if v.Type().Elem().Kind() == reflect.Struct {
				for it := v.MapRange(); it.Next(); {
					walk(path+"["+it.Key().String()+"]", it.Value())
				}
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() || v.Type() == reflect.TypeFor[Data]() {
				return
			}
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, v.Field(i))
				}
			}
		}
	}
	walk("Contact", reflect.ValueOf(fullContact()).Elem())
}

// A contact encoded by AppendJSON decodes to an equal contact (times in
// UTC without a monotonic reading, as the engine keeps them).
func TestContactJSONRoundTrip(t *testing.T) {
	c := fullContact()
	c.RecordingAndAnalytics["VoiceBehavior"] = json.RawMessage(`{"x":"\u003cy\u003e"}`) // as encoding/json keeps it
	c.RoutingCriteria = json.RawMessage(`{"Steps":[]}`)
	b, err := c.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back Contact
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	// Data keeps its JSON once made or read (Data.enc), a cache that
	// depends on how the value was made, not on the value.
	for _, x := range []*Contact{&back, c} {
		for i := range x.Frames {
			for _, d := range []*Data{x.Frames[i].External, x.Frames[i].Lex, x.Frames[i].Metrics} {
				if d != nil {
					d.enc = nil
				}
			}
		}
	}
	if !reflect.DeepEqual(&back, c) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", &back, c)
	}
}

func BenchmarkContactJSON(b *testing.B) {
	// Every field set, without the two json.RawMessage fields (which
	// encoding/json encodes in both cases): a contact parked on input.
	c := fullContact()
	c.RecordingAndAnalytics, c.RoutingCriteria = nil, nil
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = c.AppendJSON(buf[:0])
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal((*plainContact)(c))
		}
	})
}

// htmlSafeLen tests 8 bytes at a time: it must find the first unsafe byte
// exactly as a byte loop does, for every byte value at every position of
// strings of every length up to 24, after a run of every safe byte.
func TestHTMLSafeLen(t *testing.T) {
	slow := func(s string) int {
		for i := 0; i < len(s); i++ {
			if !htmlSafe[s[i]] {
				return i
			}
		}
		return len(s)
	}
	var safe []byte
	for c := range 256 {
		if htmlSafe[c] {
			safe = append(safe, byte(c))
		}
	}
	for n := 0; n <= 24; n++ {
		base := make([]byte, n)
		for i := range base {
			base[i] = safe[(i*7+n)%len(safe)]
		}
		if got := htmlSafeLen(string(base)); got != n {
			t.Fatalf("htmlSafeLen(%q) = %d, want %d", base, got, n)
		}
		for p := 0; p < n; p++ {
			for c := range 256 {
				s := []byte(string(base))
				s[p] = byte(c)
				if p+1 < n {
					s[p+1] = byte(255 - c) // a second byte, safe or not, after it
				}
				if got, want := htmlSafeLen(string(s)), slow(string(s)); got != want {
					t.Fatalf("htmlSafeLen(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
}

func FuzzHTMLSafeLen(f *testing.F) {
	f.Add("0123456789abcdef<")
	f.Add("arn:aws:connect:eu-west-2:123456789012:instance/\x7f\x80")
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s)
		for i := 0; i < len(s); i++ {
			if !htmlSafe[s[i]] {
				want = i
				break
			}
		}
		if got := htmlSafeLen(s); got != want {
			t.Fatalf("htmlSafeLen(%q) = %d, want %d", s, got, want)
		}
	})
}

// appendJSONString skips runs of htmlSafe bytes without looking at them:
// that is right only if it writes every such byte as it is, in both modes.
func TestHTMLSafeBytesNeedNothing(t *testing.T) {
	for c := range 256 {
		if !htmlSafe[c] {
			continue
		}
		for _, html := range []bool{false, true} {
			if got, want := string(appendJSONString(nil, string(rune(c)), html)), `"`+string(rune(c))+`"`; got != want {
				t.Errorf("byte %#x (html %v) is written %s, want %s", c, html, got, want)
			}
		}
	}
}
