package interp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseData checks the Data parser against encoding/json: the same
// documents are valid, and they decode to the same values.
func FuzzParseData(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `true`, `-0.5e+3`, `"a\"b\\c\/\u00e9\ud83d\ude00"`, `{"a":[1,{"b":null}],"a":2}`,
		`{"x":"\ud800\u0041"}`, `"\udc00"`, `[1,]`, `{"a" 1}`, `01`, `1.`, "\"\xff\"", `  {"k" : "v" }  `, `{"a":1}x`,
		`{"b":"1","a":{"d":[2,{"f":"<"}],"c":"&"},"b":"3"}`, `{"a":{"b":"1","a":"2"}}`,
		`{"b":"\n\"<x>\u001f\\","a":"\u2028\u003c\/"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := ParseData(doc)
		var want any
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		jerr := dec.Decode(&want)
		if jerr == nil && dec.More() {
			jerr = errTrailing
		}
		if jerr == nil && !json.Valid(doc) {
			jerr = errTrailing
		}
		if (err == nil) != (jerr == nil) {
			if err != nil && err.Error() == "JSON nested too deeply" {
				return
			}
			t.Fatalf("ParseData error %v, encoding/json error %v, for %q", err, jerr, doc)
		}
		if err != nil {
			return
		}
		// The JSON parseData kept (parser.plain) is what would be written.
		if d.kind == dataObject || d.kind == dataArray {
			fresh := *d
			fresh.enc = nil
			if got, want := d.String(), string(fresh.appendJSON(nil, false)); got != want {
				t.Fatalf("for %q String %s, want %s", doc, got, want)
			}
			if got, want := string(d.appendHTMLJSON(nil)), string(fresh.appendJSON(nil, true)); got != want {
				t.Fatalf("for %q appendHTMLJSON %s, want %s", doc, got, want)
			}
		}
		out, _ := json.Marshal(d)
		var got any
		dec = json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("re-encoded %q is not JSON: %v", out, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("for %q got %#v want %#v", doc, got, want)
		}
	})
}

var errTrailing = jsonError("trailing data")

type jsonError string

func (e jsonError) Error() string { return string(e) }
