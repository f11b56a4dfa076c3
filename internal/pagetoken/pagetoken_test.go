package pagetoken

import (
	"errors"
	"testing"
)

func TestRoundTripAndRefusals(t *testing.T) {
	tok := Encode("flows/i-1/CONTACT_FLOW", "connect/i/i-1/contact-flow/r/abc")
	if after, err := Decode("flows/i-1/CONTACT_FLOW", tok); err != nil || after != "connect/i/i-1/contact-flow/r/abc" {
		t.Fatalf("round trip = %q, %v", after, err)
	}
	if after, err := Decode("anything", ""); err != nil || after != "" {
		t.Fatalf("empty token = %q, %v", after, err)
	}
	for _, tc := range []struct{ name, scope, tok string }{
		{"other listing", "flows/i-2/CONTACT_FLOW", tok},
		{"not base64", "flows/i-1/CONTACT_FLOW", "not a token!"},
		{"base64 of garbage", "flows/i-1/CONTACT_FLOW", "Z2FyYmFnZQ"},
		{"no position", "s", Encode("s", "")},
		{"truncated", "flows/i-1/CONTACT_FLOW", tok[:len(tok)-3]},
	} {
		if _, err := Decode(tc.scope, tc.tok); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
		}
	}
}
