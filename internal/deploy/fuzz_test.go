package deploy

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// FuzzParseTemplate feeds arbitrary text to the template reader. It must
// answer (a template or an error) without panicking or hanging, and a
// YAML document it reads must mean what the same values written as JSON
// mean: the YAML walk (short forms, scalars, numbers) and the JSON path
// agree.
func FuzzParseTemplate(f *testing.F) {
	for _, name := range []string{"testdata/journey.yaml", "testdata/journey.json", "testdata/unsupported.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"Resources:\n  R: {Type: X, Properties: {A: !GetAtt R.Arn, B: !Sub 'x-${AWS::Region}', C: !Ref P}}\n",
		"Resources:\n  R:\n    Type: X\n    Properties:\n      N: [1, 1.5, -0, 0x1F, 1e3, true, null, ~, '2010-09-09', 2010-09-09]\n",
		"Resources:\n  R: &t {Type: X}\n  S: *t\n",
		"Resources: {R: {Type: X, Properties: !If [C, !Join ['', [a, !Select [0, !GetAZs '']]], !Ref 'AWS::NoValue']}}\n",
		"Resources:\n  R:\n    <<: {Type: X}\n",
		"\xef\xbb\xbf{\"Resources\": {\"R\": {\"Type\": \"X\"}}}",
		"- a\n- b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := ParseTemplate(data)
		doc, derr := parseDocument(data)
		if (err == nil) && derr != nil {
			t.Fatalf("ParseTemplate accepted what parseDocument refused: %v", derr)
		}
		if derr != nil {
			return
		}
		js, jerr := json.Marshal(doc)
		if jerr != nil {
			t.Fatalf("the document read does not marshal as JSON: %v", jerr)
		}
		again, err2 := ParseTemplate(js)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("YAML gave %v, the same values as JSON %v\nJSON: %s", err, err2, js)
		}
		if err == nil && !reflect.DeepEqual(tmpl, again) {
			t.Fatalf("YAML and its JSON differ:\n%#v\n%#v\nJSON: %s", tmpl, again, js)
		}
	})
}
