package jsonscan

import (
	"encoding/json"
	"testing"
)

// TestSimpleEscape holds SimpleEscape to encoding/json on every byte.
func TestSimpleEscape(t *testing.T) {
	for i := range 256 {
		c := byte(i)
		got, ok := SimpleEscape(c)
		var s string
		err := json.Unmarshal([]byte{'"', '\\', c, '"'}, &s)
		want := err == nil && len(s) == 1
		if ok != want || (ok && got != s[0]) {
			t.Errorf(`SimpleEscape(%q) = %q, %v; encoding/json reads "\%c" as %q (err %v)`, c, got, ok, c, s, err)
		}
	}
}
