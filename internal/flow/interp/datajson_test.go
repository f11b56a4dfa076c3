package interp

import "testing"

// String keeps an object's JSON, and the state's HTML-escaped JSON comes
// from it only when escaping changes nothing.
func TestDataKeptJSON(t *testing.T) {
	for _, doc := range []string{`{"b":"x","a":[1,"y"]}`, `{"a":"<b> & c"}`, `[{"k":"v"}]`} {
		d, err := ParseData([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		plain, html := string(d.appendJSON(nil, false)), string(d.appendJSON(nil, true))
		if got := string(d.appendHTMLJSON(nil)); got != html {
			t.Errorf("%s before String: %s, want %s", doc, got, html)
		}
		for range 2 {
			if got := d.String(); got != plain {
				t.Errorf("%s: String = %s, want %s", doc, got, plain)
			}
			if got := string(d.appendHTMLJSON(nil)); got != html {
				t.Errorf("%s after String: %s, want %s", doc, got, html)
			}
		}
	}
}
