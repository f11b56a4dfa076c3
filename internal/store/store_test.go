package store_test

import (
	"bytes"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
)

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix, want []byte
	}{
		{nil, nil},
		{[]byte{}, nil},
		{[]byte("a"), []byte("b")},
		{[]byte("abc"), []byte("abd")},
		{[]byte("contact/"), []byte("contact0")},
		{[]byte{0x00}, []byte{0x01}},
		{[]byte{'a', 0xff}, []byte("b")},
		{[]byte{'a', 'b', 0xff, 0xff}, []byte("ac")},
		{[]byte{0xfe, 0xff}, []byte{0xff}},
		{[]byte{0xff}, nil},
		{[]byte{0xff, 0xff, 0xff}, nil},
	}
	for _, tt := range tests {
		in := bytes.Clone(tt.prefix)
		got := store.PrefixEnd(in)
		if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("PrefixEnd(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
		if !bytes.Equal(in, tt.prefix) {
			t.Errorf("PrefixEnd(%q) modified its argument to %q", tt.prefix, in)
		}
	}
}

// TestPrefixEndBound checks the defining property on every short key over a
// small alphabet: key starts with prefix exactly when prefix <= key < end.
func TestPrefixEndBound(t *testing.T) {
	alphabet := []byte{0x00, 0x01, 'a', 0xfe, 0xff}
	var keys [][]byte
	var gen func(k []byte)
	gen = func(k []byte) {
		keys = append(keys, bytes.Clone(k))
		if len(k) < 3 {
			for _, c := range alphabet {
				gen(append(k, c))
			}
		}
	}
	gen(nil)
	for _, p := range keys {
		end := store.PrefixEnd(p)
		for _, k := range keys {
			inRange := bytes.Compare(k, p) >= 0 && (end == nil || bytes.Compare(k, end) < 0)
			if inRange != bytes.HasPrefix(k, p) {
				t.Fatalf("prefix %q, end %q: key %q in range = %t, has prefix = %t", p, end, k, inRange, !inRange)
			}
		}
	}
}
