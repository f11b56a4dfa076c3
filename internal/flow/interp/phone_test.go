package interp

import "testing"

func TestPhoneNumber(t *testing.T) {
	tests := []struct {
		digits, format, country, want string // want "" means invalid
	}{
		{"447700900123", "E164", "", "+447700900123"},
		{"447700900123", "E164", "GB", "+447700900123"},
		{"447700900123", "E164", "US", ""},
		{"0447700900", "E164", "", ""},
		{"1234567", "E164", "", ""},
		{"1234567890123456", "E164", "", ""},
		{"2065550123", "Local", "US", "+12065550123"},
		{"12065550123", "Local", "us", "+12065550123"},
		{"1065550123", "Local", "US", ""}, // area code starts with 1
		{"2061550123", "Local", "CA", ""}, // exchange starts with 1
		{"206555012", "Local", "US", ""},  // nine digits
		{"07700900123", "Local", "GB", "+447700900123"},
		{"612345678", "Local", "FR", "+33612345678"},
		{"12345", "Local", "DE", ""},
		{"0612345678", "Local", "XX", ""},
		{"12*4", "E164", "", ""},
	}
	for _, tt := range tests {
		got, err := phoneNumber(tt.digits, tt.format, tt.country)
		if tt.want == "" {
			if err == nil {
				t.Errorf("phoneNumber(%q, %s, %s) = %q, want an error", tt.digits, tt.format, tt.country, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("phoneNumber(%q, %s, %s) = %q, %v; want %q", tt.digits, tt.format, tt.country, got, err, tt.want)
		}
	}
}

func TestWaitKindText(t *testing.T) {
	for k := WaitNone; k <= WaitTimer; k++ {
		b, _ := k.MarshalText()
		var back WaitKind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("%v: %v, %v", k, back, err)
		}
	}
	var k WaitKind
	if err := k.UnmarshalText([]byte("nap")); err == nil {
		t.Error("unknown wait kind accepted")
	}
}
