package journey

import (
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	got, err := substitute(`{"A":"${One}","B":"${One}/${Two_2}","C":"$.External.X","D":"${"}`, map[string]string{"One": "1", "Two_2": "2"})
	if err != nil || got != `{"A":"1","B":"1/2","C":"$.External.X","D":"${"}` {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := substitute(`"${One}" "${Missing}" "${Gone}"`, map[string]string{"One": "1"}); err == nil ||
		!strings.Contains(err.Error(), "Missing") || !strings.Contains(err.Error(), "Gone") {
		t.Errorf("missing values: %v", err)
	}
	// Every placeholder in the embedded flows has a value at install time.
	names := map[string]string{LookupPlaceholder: "x"}
	for _, c := range components {
		names[c.name] = "x"
	}
	for _, c := range components {
		content, err := Content(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := substitute(content, names); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := Content("Nope"); err == nil {
		t.Error("Content of an unknown name")
	}
}
