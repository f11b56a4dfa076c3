package flow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that it returns exactly one of
// a flow or an *InvalidError with 1–50 problems, and that an accepted flow
// keeps every index in range.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		content, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(content, true)
		f.Add(content, false)
	}
	for _, s := range []string{
		"", "{}", "[]", "null", `"x"`, "{", `{"Version":"2019-10-30"}`,
		`{"modules":[]}`,
		flowJSON(okStart, okEnd),
		flowJSON(),
		flowJSON(`"x"`, `{}`, `{"Identifier":1}`, `{"Identifier":"start","Type":1}`),
		flowJSON(act("start", "Loop", `"Parameters":{"LoopCount":"101"},"Transitions":{"Conditions":[{"NextAction":"start","Condition":{"Operator":"Equals","Operands":[{"Operator":"Equals"}]}}]}`)),
		flowJSON(act("start", "MessageParticipant", `"Parameters":{"Text":"$.External. x","SSML":"$['a'].b"},"Transitions":{"NextAction":"start","Errors":[{"ErrorType":"","NextAction":null},1]}`)),
		`{"Version":"2019-10-30","StartAction":"start","Settings":{"Transitions":[]},"Actions":[` + okStart + `,` + okEnd + `]}`,
		"{\"Version\":\"\xff\"}",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, content []byte, module bool) {
		kind := KindFlow
		if module {
			kind = KindModule
		}
		fl, err := Parse(content, kind)
		if err != nil {
			if fl != nil {
				t.Fatal("both a flow and an error")
			}
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("error %T, want *InvalidError", err)
			}
			if len(inv.Problems) == 0 || len(inv.Problems) > MaxProblems {
				t.Fatalf("%d problems", len(inv.Problems))
			}
			for _, p := range inv.Problems {
				if p.Message == "" {
					t.Fatal("empty problem message")
				}
				named := strings.HasPrefix(p.Message, fmt.Sprintf("action %q: ", p.ActionID))
				if named != (p.ActionID != "") {
					t.Fatalf("problem %q is not attributed to action %q", p.Message, p.ActionID)
				}
			}
			return
		}
		if fl == nil {
			t.Fatal("neither a flow nor an error")
		}
		if fl.Kind != kind {
			t.Fatalf("kind %v, want %v", fl.Kind, kind)
		}
		if kind == KindFlow && fl.Settings != nil {
			t.Fatal("a flow kept Settings")
		}
		checkCompiled(t, fl)
	})
}

// FuzzParseValue checks that ParseValue never panics and that its parse is
// faithful: the pieces give back the text, a reference's canonical form
// parses to the same path, and Malformed means exactly "looks like a single
// reference but is not one".
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{
		"", "plain", "$", "$.", "$..", "$.a", "$.a.", "$.a..b", "$.a b", "$.External. Flag_X",
		"$.Attributes.['user attribute name']", "$.Attributes['x']", "$['AwsRegion']",
		"$.Attributes.['']", "$.['a'", "$.x.['", "$[", "$['", "$[']", "$['a']b",
		"Your balance is $.External.Balance.", "$.Views.ViewResultData.FormData.pickup.0",
		"$.External.99999999999999999999", "$$.a$", "é$.é", "$.a-b_c.0.d",
		"${iLambdaLambdafunction}", "\xff$.a\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := ParseValue(s)
		if v.String() != s {
			t.Fatalf("String() = %q", v.String())
		}
		var joined strings.Builder
		refs := 0
		for _, p := range v.Parts() {
			if p.Text == "" {
				t.Fatalf("empty part in %q", s)
			}
			joined.WriteString(p.Text)
			if p.Ref == nil {
				continue
			}
			refs++
			if len(p.Ref.Segments) == 0 {
				t.Fatalf("reference without segments in %q", s)
			}
			for _, seg := range p.Ref.Segments {
				if seg.Name == "" {
					t.Fatalf("empty segment in %q", s)
				}
			}
			again, ok := ParseValue(p.Ref.String()).Ref()
			if !ok || !reflect.DeepEqual(again, p.Ref) {
				t.Fatalf("canonical %q of %q does not parse back", p.Ref.String(), p.Text)
			}
			whole, ok := ParseValue(p.Text).Ref()
			if !ok || !reflect.DeepEqual(whole, p.Ref) {
				t.Fatalf("reference text %q does not parse alone", p.Text)
			}
		}
		switch v.Kind() {
		case ValueStatic:
			if v.Parts() != nil {
				t.Fatalf("static %q has parts", s)
			}
		case ValueReference:
			if len(v.Parts()) != 1 || refs != 1 || joined.String() != s {
				t.Fatalf("reference %q has parts %+v", s, v.Parts())
			}
		case ValueInterpolated:
			if refs == 0 || len(v.Parts()) < 2 || joined.String() != s {
				t.Fatalf("interpolated %q has parts %+v", s, v.Parts())
			}
		default:
			t.Fatalf("kind %v", v.Kind())
		}
		shaped := strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$[")
		if v.Malformed() != (shaped && v.Kind() != ValueReference) {
			t.Fatalf("Malformed() = %v for %q (kind %v)", v.Malformed(), s, v.Kind())
		}
	})
}
