package profiles

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// wantMarshal fails unless got is what json.Marshal writes for v.
func wantMarshal(t *testing.T, name string, v any, got []byte) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func TestRecordJSON(t *testing.T) {
	strs := []string{"", "plain", `q"uote`, `back\slash`, "<html>&", "tab\there", "nl\n", "é ü 中文", "\u2028\u2029",
		"bad\xffutf8", "\x00\x1f\x7f", "emoji 😀"}
	profiles := map[string]*profileRecord{
		"empty": {},
		"new":   {ID: "0190a1b2c3d4e5f60718293a4b5c6d7e", Fields: map[string]*fieldValue{}, Created: 1, Updated: 2, Expires: 3},
		"full": {
			ID: "id",
			Fields: map[string]*fieldValue{
				"FirstName":      {V: "Ann", Type: "Customer", Object: "uk", Priority: 2, At: 99},
				"LastName":       {V: "", Manual: true},
				"Address.City":   {V: "Zürich"},
				"Attributes.<x>": {V: `a"b`, Priority: -1, At: -5},
				"nil":            nil,
			},
			Prefs: &api.EngagementPreferences{},
			Keys: map[string]map[string][]keySupport{
				"_phone":   {"+15550100": {{Ref: refStandard}, {Ref: "Customer/uk", Exp: 123}}},
				"_account": {"a": nil, "b": {}},
				"nilvals":  nil,
				"empty":    {},
			},
			Counts:  map[string]int{"Customer": 3, "Order": -1, "": 0},
			Objects: 4, Bytes: -7, Seq: 1 << 62,
			Created: -1, Updated: 0, Expires: 1<<63 - 1,
		},
	}
	for i, s := range strs {
		profiles["str"+s] = &profileRecord{ID: s, Fields: map[string]*fieldValue{s: {V: s, Type: s, Object: s}},
			Keys: map[string]map[string][]keySupport{s: {s: {{Ref: s}}}}, Counts: map[string]int{s: i}}
	}
	for name, p := range profiles {
		got, err := p.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		wantMarshal(t, "profile "+name, p, got)
	}

	objects := map[string]*objectRecord{
		"empty": {},
		"full": {Type: "Customer", UniqueKey: "uk", ProfileID: "p", Object: `{"a":"<b>"}`,
			Keys: map[string][]string{"_account": {"1", "2"}, "nil": nil, "empty": {}}, Seq: 3, At: -4, Created: 5, Expires: 6},
	}
	for _, s := range strs {
		objects["str"+s] = &objectRecord{Type: s, UniqueKey: s, ProfileID: s, Object: s, Keys: map[string][]string{s: {s}}}
	}
	for name, o := range objects {
		wantMarshal(t, "object "+name, o, o.appendJSON(nil))
		// Encoded ahead of the transaction: the same bytes.
		pre := *o
		pre.objectJSON = appendJSONString(nil, o.Object)
		wantMarshal(t, "pre-encoded object "+name, o, pre.appendJSON(nil))
	}

	for _, st := range []domainStats{{}, {Profiles: 1, Metering: -2, Objects: 1 << 40, Bytes: 9}} {
		wantMarshal(t, "stats", st, st.appendJSON(nil))
	}
}

// FuzzRecordJSON holds the encoders to json.Marshal on arbitrary strings
// and numbers.
func FuzzRecordJSON(f *testing.F) {
	f.Add("id", "FirstName", "Ann", "Customer", "_phone", "+15550100", int64(1), true)
	f.Add("<&>", "\u2028", "\xff\xfe", "\"", "\\", "\x00", int64(-1), false)
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g string, n int64, flag bool) {
		p := &profileRecord{
			ID:      a,
			Fields:  map[string]*fieldValue{b: {V: c, Manual: flag, Type: d, Object: e, Priority: int32(n), At: n}, g: {V: a}},
			Keys:    map[string]map[string][]keySupport{e: {g: {{Ref: a, Exp: n}, {Ref: b}}}, d: {c: nil}},
			Counts:  map[string]int{d: int(n), a: 1},
			Objects: int(n), Bytes: n, Seq: -n, Created: n, Updated: n / 3, Expires: n ^ 5,
		}
		got, err := p.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		wantMarshal(t, "profile", p, got)
		o := &objectRecord{Type: a, UniqueKey: b, ProfileID: c, Object: d, Keys: map[string][]string{e: {g, a}},
			Seq: n, At: -n, Created: n, Expires: n}
		wantMarshal(t, "object", o, o.appendJSON(nil))
		st := &domainStats{Profiles: n, Metering: -n, Objects: n, Bytes: n}
		wantMarshal(t, "stats", st, st.appendJSON(nil))
	})
}

// fastDecode runs only the fast decoders: ok is false where they give up.
func fastDecode(b []byte) (p *profileRecord, pok bool, o *objectRecord, ook bool) {
	p, o = &profileRecord{}, &objectRecord{}
	d := recordDecoder{b: b}
	pok = d.profile(p) && d.end()
	d = recordDecoder{b: b}
	ook = d.object(o) && d.end()
	return p, pok, o, ook
}

// checkDecode fails unless the fast decoders, where they accept b, read
// what encoding/json reads.
func checkDecode(t *testing.T, b []byte) {
	t.Helper()
	p, pok, o, ook := fastDecode(b)
	if pok {
		var want profileRecord
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("fast profile decoder accepted %q, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(*p, want) {
			t.Fatalf("profile %q:\n got %#v\nwant %#v", b, *p, want)
		}
	}
	if ook {
		var want objectRecord
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("fast object decoder accepted %q, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(*o, want) {
			t.Fatalf("object %q:\n got %#v\nwant %#v", b, *o, want)
		}
	}
	// Reading the supports of some keys only reads the same profile less
	// those of the others, wherever the full decoder takes the record.
	for _, keys := range [][]string{{}, {"k"}, {"_phone", "nil"}} {
		var full, some profileRecord
		if decodeProfile(b, &full) != nil {
			continue
		}
		if err := decodeProfileKeys(b, &some, keys); err != nil {
			t.Fatalf("decodeProfileKeys(%q, %q): %v; decodeProfile takes it", b, keys, err)
		}
		if pok { // else both are encoding/json's reading
			for name := range full.Keys {
				if !slices.Contains(keys, name) {
					delete(full.Keys, name)
				}
			}
		}
		if !reflect.DeepEqual(full, some) {
			t.Fatalf("decodeProfileKeys(%q, %q):\n got %#v\nwant %#v", b, keys, some, full)
		}
	}
	// Knowing the strings a record repeats beforehand changes nothing.
	hp := &profileRecord{}
	d := recordDecoder{b: b, id: "id", typ: "t", uk: "o"}
	if ok := d.profile(hp) && d.end(); ok != pok || ok && !reflect.DeepEqual(hp, p) {
		t.Fatalf("profile %q with hints: %v %#v; without: %v %#v", b, ok, hp, pok, p)
	}
	// The head decoder takes what the object decoder takes, and reads the
	// same but the text (only its length) and the keys.
	ho := &objectRecord{}
	d = recordDecoder{b: b, typ: "t", uk: "u", head: true}
	if ok := d.object(ho) && d.end(); ok != ook {
		t.Fatalf("head decoder took %q: %v; object decoder: %v", b, ok, ook)
	} else if ok {
		want := *o
		want.Object, want.Keys, want.size = "", nil, int64(len(o.Object))
		if !reflect.DeepEqual(*ho, want) {
			t.Fatalf("head of %q:\n got %#v\nwant %#v", b, *ho, want)
		}
	}
}

func TestDecodeRecords(t *testing.T) {
	full := &profileRecord{
		ID: "id",
		Fields: map[string]*fieldValue{
			"FirstName": {V: "Ann", Type: "Customer", Object: "uk", Priority: 2, At: 99},
			"LastName":  {V: "", Manual: true}, "x": nil, "Attributes.\u00e9<": {V: "a\"b\\c\u2028\x01"},
		},
		Keys: map[string]map[string][]keySupport{
			"_phone": {"+15550100": {{Ref: refStandard}, {Ref: "Customer/uk", Exp: 123}}},
			"_x":     {"a": nil, "b": {}}, "nil": nil, "empty": {},
		},
		Counts: map[string]int{"Customer": 3, "": -1}, Objects: 4, Bytes: -7, Seq: 1 << 62,
		Created: -1, Expires: 1<<63 - 1,
	}
	obj := &objectRecord{Type: "Customer", UniqueKey: "uk", ProfileID: "p", Object: `{"a":"<b>\u00e9"}`,
		Keys: map[string][]string{"_account": {"1", "2"}, "nil": nil, "empty": {}}, Seq: 3, At: -4, Created: 5, Expires: 6}
	pb, _ := full.appendJSON(nil)
	ob := obj.appendJSON(nil)
	for _, tc := range []struct {
		name     string
		in       string
		pok, ook bool // whether the fast decoders take it
	}{
		{"profile", string(pb), true, false},
		{"object", string(ob), false, true},
		{"empty", `{}`, true, true},
		{"ints", `{"n":-0,"b":9223372036854775807}`, true, false},
		{"int overflow", `{"b":9223372036854775808}`, false, false},
		{"priority overflow", `{"f":{"a":{"v":"","p":2147483648}}}`, false, false},
		{"priority bounds", `{"f":{"a":{"v":"","p":-2147483648},"b":{"v":"","p":2147483647}}}`, true, false},
		{"priority underflow", `{"f":{"a":{"v":"","p":-2147483649}}}`, false, false},
		{"int bounds", `{"b":-9223372036854775808,"s":999999999999999999,"ca":-1000000000000000000}`, true, false},
		{"int underflow", `{"b":-9223372036854775809}`, false, false},
		{"minus", `{"b":-}`, false, false},
		{"leading zero", `{"s":01}`, false, false},
		{"float", `{"s":1.0}`, false, false},
		{"exponent", `{"s":1e3}`, false, false},
		{"space", `{ "id":"a"}`, false, false},
		{"trailing", `{"id":"a"} `, false, false},
		{"duplicate", `{"id":"a","id":"b"}`, false, false},
		{"case", `{"ID":"a"}`, false, false},
		{"escaped name", `{"\u0069d":"a"}`, true, false},
		{"escapes", `{"id":"\ud800\u00e9\n\/"}`, true, false},
		{"simple escapes", `{"id":"a\"b\\c\/d\n\r\t\b\f"}`, true, false},
		{"escape and utf8", `{"id":"é\"中"}`, true, false},
		{"escape and bad utf8", "{\"id\":\"\\\"\xff\"}", true, false},
		{"bad escape", `{"id":"\x"}`, false, false},
		{"escaped non-ASCII", `{"id":"\é"}`, false, false},
		{"escaped control", "{\"id\":\"\\\x01\"}", false, false},
		{"bad utf8", "{\"id\":\"\xff\"}", false, false},
		{"null member", `{"id":null}`, false, false},
		{"prefs", `{"ep":{}}`, false, false},
		{"unknown", `{"zz":1}`, false, false},
		{"bad bool", `{"f":{"a":{"v":"","m":1}}}`, false, false},
		{"false", `{"f":{"a":{"v":"","m":false}}}`, true, false},
		{"unterminated", `{"id":"a`, false, false},
		{"dangling escape", `{"id":"a\`, false, false},
		{"control", "{\"id\":\"a\x01\"}", false, false},
		{"object keys", `{"k":{"a":[],"b":null,"c":["x","y"]}}`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, pok, _, ook := fastDecode([]byte(tc.in))
			if pok != tc.pok || ook != tc.ook {
				t.Errorf("fast decoders took %q: profile %v, object %v; want %v, %v", tc.in, pok, ook, tc.pok, tc.ook)
			}
			checkDecode(t, []byte(tc.in))
			// The full decoders read what encoding/json reads either way.
			var p, wantP profileRecord
			if err, werr := decodeProfile([]byte(tc.in), &p), json.Unmarshal([]byte(tc.in), &wantP); (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(p, wantP) {
				t.Errorf("decodeProfile(%q) = %#v, %v; want %#v, %v", tc.in, p, err, wantP, werr)
			}
			var o, wantO objectRecord
			if err, werr := decodeObject([]byte(tc.in), &o), json.Unmarshal([]byte(tc.in), &wantO); (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(o, wantO) {
				t.Errorf("decodeObject(%q) = %#v, %v; want %#v, %v", tc.in, o, err, wantO, werr)
			}
			var h objectRecord
			if err, werr := decodeObjectHead([]byte(tc.in), &h, "Customer", "uk"), json.Unmarshal([]byte(tc.in), &wantO); (err == nil) != (werr == nil) {
				t.Errorf("decodeObjectHead(%q) = %v, want %v", tc.in, err, werr)
			} else if err == nil {
				size := h.textSize()
				if h.head {
					h.Object, h.Keys, h.head, h.size = wantO.Object, wantO.Keys, false, 0
				}
				if !reflect.DeepEqual(h, wantO) || size != int64(len(wantO.Object)) {
					t.Errorf("decodeObjectHead(%q) = %#v, want %#v", tc.in, h, wantO)
				}
			}
		})
	}
}

// FuzzDecodeRecords holds the fast decoders to encoding/json on any input.
func FuzzDecodeRecords(f *testing.F) {
	p := &profileRecord{ID: "id", Fields: map[string]*fieldValue{"a": {V: "b\"", Manual: true, Type: "t", Object: "o", Priority: 1, At: 2}, "n": nil},
		Keys: map[string]map[string][]keySupport{"k": {"v": {{Ref: "r", Exp: 1}}, "w": nil, "z": {}}, "n": nil}, Counts: map[string]int{"t": 1},
		Objects: 1, Bytes: 2, Seq: 3, Created: 4, Updated: 5, Expires: 6}
	pb, _ := p.appendJSON(nil)
	f.Add(pb)
	f.Add((&objectRecord{Type: "t", UniqueKey: "u", ProfileID: "p", Object: `{"a":1}`, Keys: map[string][]string{"k": {"v"}, "n": nil}}).appendJSON(nil))
	f.Add([]byte(`{"id":"\u00e9\ud800","n":-0,"f":{"a":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}
