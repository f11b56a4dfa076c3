package interp

import "testing"

// parseData keeps the document as the object's JSON when it is written
// as String would write it but perhaps for the order of its members
// (parser.plain): what it keeps must be what String and appendHTMLJSON
// write from scratch.
func TestParseDataKeepsCanonicalJSON(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		kept bool // whether parseData keeps JSON for the object
	}{
		{`{}`, true},
		{`{"a":"1","b":"2"}`, true},
		{`{"b":"2","a":"1"}`, true},         // reordered
		{`{"a":"1","a":"2","b":"3"}`, true}, // the last of a repeated key
		{`{"b":"1","a":"2","b":"3"}`, true}, // repeated, reordered
		{`{"x":[1,-2.5e3,true,false,null,"s",[],{}]}`, true},
		{`{"o":{"a":"1","b":{"c":"2"}}}`, true}, // nested, sorted
		{`{"o":{"b":"1","a":"2"}}`, false},      // a nested object to reorder
		{`{"o":{"a":"1","a":"2"}}`, false},      // a nested repeated key
		{`{"a":"<b>&"}`, true},                  // HTML escaped apart
		{`{"z":"x","a":"<&>"}`, true},           // both
		{`{"a": "1"}`, false},                   // white space
		{` {"a":"1"}`, false},
		{`{"a":"1"} `, false},
		{`{"a":"\"q\\"}`, true}, // escapes as String writes them
		{`{"a":"x\n\r\t\u0001\u001f\u2028\u2029"}`, true},
		{`{"a":"<b x=\"1\">&"}`, true},
		{`{"a":"\/"}`, false}, // escapes String writes otherwise
		{`{"a":"\b"}`, false},
		{`{"a":"\f"}`, false},
		{`{"a":"\u000A"}`, false},
		{`{"a":"\u000a"}`, false},
		{`{"a":"\u001F"}`, false},
		{`{"a":"\u0041"}`, false},
		{`{"a":"\u003c"}`, false},
		{`{"a":"\u00e9"}`, false},
		{`{"a":"\ud83d\ude00"}`, false},
		{`{"a":"\n\u00e9"}`, false},
		{`{"a":"é\n"}`, false},
		{`{"a":"\né"}`, false},
		{`{"a":"é"}`, false},           // not ASCII
		{"{\"a\":\"\u2028\"}", false},  // written escaped
		{"{\"a\":\"\xff\"}", false},    // invalid UTF-8
		{`{"k\"":"1"}`, true},          // an escaped key
		{`[{"b":"1","a":"2"}]`, false}, // not an object
		{`"s"`, false},
	} {
		d, err := parseData(tc.doc)
		if err != nil {
			t.Fatalf("%s: %v", tc.doc, err)
		}
		if got := d.enc != nil; got != tc.kept {
			t.Errorf("%s: JSON kept %v, want %v", tc.doc, got, tc.kept)
		}
		fresh := *d
		fresh.enc = nil
		want := string(fresh.appendJSON(nil, false))
		wantHTML := string(fresh.appendJSON(nil, true))
		if got := d.String(); got != want && d.kind != dataString {
			t.Errorf("%s: String %s, want %s", tc.doc, got, want)
		}
		if got := string(d.appendHTMLJSON(nil)); got != wantHTML {
			t.Errorf("%s: appendHTMLJSON %s, want %s", tc.doc, got, wantHTML)
		}
		// Again, from what String kept.
		if got := string(d.appendHTMLJSON(nil)); got != wantHTML {
			t.Errorf("%s: appendHTMLJSON again %s, want %s", tc.doc, got, wantHTML)
		}
	}
}

// A STRING_MAP response whose numbers, booleans and nulls become strings
// is not the document any more.
func TestMapResponseDropsKeptJSON(t *testing.T) {
	for _, doc := range []string{`{"a":"1","b":2}`, `{"a":true}`, `{"a":null}`, `{"a":"x"}`} {
		d, err := mapResponse(doc, "STRING_MAP", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		fresh := *d
		fresh.enc = nil
		if got, want := d.String(), string(fresh.appendJSON(nil, false)); got != want {
			t.Errorf("%s: String %s, want %s", doc, got, want)
		}
	}
}
