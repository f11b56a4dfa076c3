package contacts

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"unsafe"
)

// A Detail's JSON is what encoding/json writes for its Map, the map[string]any
// it replaced: keys sorted, every kind of value as encoding/json writes it.
func TestDetailJSONIsTheMaps(t *testing.T) {
	d := Detail{
		Str("why", `say "hi" <b>&</b> é `+"\u2028\x01"), Num("seconds", 1.6), Num("tiny", 1e-7), Num("huge", 1e21), Num("zero", 0),
		Int("press", 300), Bool("interruptible", true), Bool("continueFlow", false),
		Raw("request", []byte(`{ "a":"<x>", "b" : [1, 2] }`)), RawOrText("response", []byte(`{"k":"v"}`)),
		RawOrText("text", []byte("not json")), Any("prompts", []string{"a", "b"}), Any("none", nil),
		Object("params", 3), Str("Text", "hello"), Object("Nested", 1), Str("z", "y"),
		Str("after", "the object"),
	}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(d.Map())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Decoded, it writes the same again, and reads as a decoded map does.
	var back Detail
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil || string(again) != string(got) {
		t.Fatalf("round trip: %s, %v\nwant %s", again, err, got)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Map(), m) {
		t.Fatalf("decoded Map %v\nwant %v", back.Map(), m)
	}
}

func TestDetailLookup(t *testing.T) {
	d := Detail{Str("flow", "f"), Object("params", 2), Str("flow", "inside"), Str("next", "inside"), Int("n", 2)}
	if d.Text("flow") != "f" || d.Get("next") != nil || d.Get("n") != 2 {
		t.Fatalf("top-level reads see into the object: %v %v %v", d.Get("flow"), d.Get("next"), d.Get("n"))
	}
	if p, ok := d.Lookup("params"); !ok || !reflect.DeepEqual(p, map[string]any{"flow": "inside", "next": "inside"}) {
		t.Fatalf("params = %v, %v", p, ok)
	}
	if v := (Detail{RawOrText("r", []byte("oops"))}).Get("r"); v != "oops" {
		t.Fatalf("RawOrText of text = %#v", v)
	}
	if v := (Detail{RawOrText("r", []byte(`[1]`))}).Get("r"); string(v.(json.RawMessage)) != "[1]" {
		t.Fatalf("RawOrText of JSON = %#v", v)
	}
	d.Set(Num("interruptedAt", 1.5))
	d.Set(Str("flow", "g"))
	if d.Text("flow") != "g" || d.Get("interruptedAt") != 1.5 || len(d) != 6 {
		t.Fatalf("after Set: %v", d.Map())
	}
	// Setting a key an object holds replaces the object with its fields.
	d.Set(Str("params", "none"))
	if d.Text("params") != "none" || d.Get("n") != 2 || len(d) != 4 {
		t.Fatalf("after Set over the object: %v (%d fields)", d.Map(), len(d))
	}
}

func TestDetailJSONErrors(t *testing.T) {
	for _, d := range []Detail{{Num("x", math.NaN())}, {Object("params", 2), Str("a", "b")}, {Raw("r", []byte("{"))}} {
		if b, err := json.Marshal(d); err == nil {
			t.Errorf("%v encoded as %s", d, b)
		}
	}
}

// Report.AppendJSON and the store's record encoding write what
// encoding/json writes, for reports as the simulator builds them and as
// they decode.
func TestReportJSONIsEncodingJSONs(t *testing.T) {
	built := &Report{ContactID: "c-<1>", Outcome: Outcome{Disposition: "QUEUED", Queue: &QueueRef{Name: "Q & A", ARN: "arn"}},
		Events: []Event{
			{At: 0, Type: "flow", Detail: Detail{Str("flow", "f"), Str("name", "Main <entry>")}},
			{At: 1.6, Type: "lambda", Action: "look up", Detail: Detail{Str("phase", "request"),
				Raw("request", []byte(`{"Details": {"Parameters": {"k": "<v> & \u2028"}}}`)), Num("timeLimitSeconds", 3)}},
			{At: 1.7, Type: "lambda", Detail: Detail{RawOrText("response", []byte(`{ "a" : 1 }`)), Num("seconds", 1e-7)}},
			{At: 1.8, Type: "lambda", Detail: Detail{RawOrText("response", []byte(`<html>`)), Bool("timedOut", true)}},
			{At: 2, Type: "branch", Action: "menu", Detail: Detail{Str("why", "key \"1\"\n"), Object("params", 1), Str("Text", "é\xff"),
				Any("list", []string{"<a>"}), Int("press", 1)}},
			{At: 3, Type: "note"},
		}}
	var decoded Report
	if b, err := json.Marshal(built); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Report{built, &decoded, {ContactID: "none"}} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.AppendJSON(nil); err != nil || string(got) != string(want) {
			t.Errorf("AppendJSON: %s, %v\nencoding/json: %s", got, err, want)
		}
		rec := &Record{InstanceID: "i", ContactID: r.ContactID, Attributes: map[string]string{"a": "<b>"}, Report: r}
		for _, rec := range []*Record{rec, {InstanceID: "i", ContactID: "no report"}} {
			want, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := marshalRecord(rec); err != nil || string(got) != string(want) {
				t.Errorf("marshalRecord: %s, %v\nencoding/json: %s", got, err, want)
			}
		}
	}
}

// A Field packs every kind of value in 32 bytes (see Field): each reads
// back as it was given and writes as encoding/json writes it.
func TestFieldKinds(t *testing.T) {
	if n := unsafe.Sizeof(Field{}); n != 32 {
		t.Errorf("a Field takes %d bytes, want 32", n)
	}
	for _, tc := range []struct {
		f    Field
		want any // what Get returns
	}{
		{Str("k", ""), ""},
		{Str("k", "é<\x00"), "é<\x00"},
		{Num("k", 0), 0.0},
		{Num("k", -2.5e-9), -2.5e-9},
		{Int("k", -7), -7},
		{Int("k", 1<<40), 1 << 40},
		{Bool("k", true), true},
		{Bool("k", false), false},
		{Raw("k", []byte(`{"a":"<"}`)), json.RawMessage(`{"a":"<"}`)},
		{Raw("k", nil), json.RawMessage(nil)},
		{RawOrText("k", []byte(`[1]`)), json.RawMessage(`[1]`)},
		{RawOrText("k", []byte(`oops`)), "oops"},
		{RawOrText("k", nil), ""},
		{Any("k", nil), nil},
		{Any("k", []string{"a"}), []string{"a"}},
		{Any("k", map[string]any{"x": 1}), map[string]any{"x": 1}},
		{Any("k", 2.5), 2.5},
		{Any("k", 3), 3},
		{Any("k", true), true},
		{Any("k", "s<"), "s<"},
		{Any("k", json.RawMessage(`{"b":1}`)), json.RawMessage(`{"b":1}`)},
		{Any("k", json.RawMessage(nil)), json.RawMessage(nil)},
	} {
		d := Detail{tc.f}
		if got := d.Get("k"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: Get %#v, want %#v", tc.f, got, tc.want)
		}
		got, err := json.Marshal(d)
		if err != nil {
			t.Errorf("%v: %v", tc.f, err)
			continue
		}
		want, _ := json.Marshal(d.Map())
		if string(got) != string(want) {
			t.Errorf("%v: JSON %s, want %s", tc.f, got, want)
		}
		if _, err := d.appendJSON(nil, true); err != nil {
			t.Errorf("%v: HTML JSON: %v", tc.f, err)
		}
	}
	if _, err := json.Marshal(Detail{Num("k", math.NaN())}); err == nil {
		t.Error("NaN written")
	}
}
