package sigv4

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendValueByByte and appendLowerByByte are the byte-at-a-time forms the
// fast paths of appendValue and appendLower must agree with.
func appendValueByByte(s *scratch, b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
			if c < ' ' || c >= utf8.RuneSelf {
				s.headerWS = true
			}
		}
		b = append(b, c)
	}
	return b
}

func appendLowerByByte(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func FuzzCanonicalValue(f *testing.F) {
	for _, s := range []string{"", "application/json", "  a  b  ", "a \tb", "a  \t  b", "x\u00a0y", "aws-sdk-go-v2/1.0 os/linux", "Content-Type", "X-Amz-Date", "  ", "a b  c   d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var fast, slow scratch
		got := fast.appendValue([]byte("p:"), v, false)
		want := appendValueByByte(&slow, []byte("p:"), v)
		if !bytes.Equal(got, want) || fast.headerWS != slow.headerWS {
			t.Fatalf("appendValue(%q) = %q (ws %v), want %q (ws %v)", v, got, fast.headerWS, want, slow.headerWS)
		}
		if got, want := appendLower([]byte("p:"), v), appendLowerByByte([]byte("p:"), v); !bytes.Equal(got, want) {
			t.Fatalf("appendLower(%q) = %q, want %q", v, got, want)
		}
	})
}
