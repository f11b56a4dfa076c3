package flowconfig

import (
	"encoding/json"
	"testing"
)

// appendJSONString writes JSON that decodes to the string, whatever it holds.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `a "quoted" \ path`, "tab\tnew\nline\x01\x1f", "é <b> & \u2028 long enough to take whole words", "\xff\xfe"} {
		b := appendJSONString([]byte("x"), s)
		var got string
		if err := json.Unmarshal(b[1:], &got); err != nil || b[0] != 'x' {
			t.Fatalf("%q: %s: %v", s, b, err)
		}
		if want := string([]rune(s)); got != s && got != want {
			t.Errorf("%q wrote %s, which reads %q", s, b, got)
		}
	}
}
