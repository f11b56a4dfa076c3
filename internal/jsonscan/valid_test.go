package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `null`, `nul`, `nulll`, `true`, `false`, `tru`, `"`, `""`, `"a"`, `"\"`, `"\\"`,
	`"\u00e9"`, `"\u00G9"`, `"\u00e"`, `"\x"`, `"\/\b\f\n\r\t"`, "\"\x1f\"", "\"\x7f\xff\xfe\"", `"é"`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e10`, `+1`, `1.5.5`,
	`{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":[1,2,{"b":null}]}`, `[1,]`, `[,1]`, `[1 2]`,
	`{} {}`, `{}x`, `[` + strings.Repeat(`[`, 9998) + strings.Repeat(`]`, 9999), `[` + strings.Repeat(`[`, 9999) + strings.Repeat(`]`, 10000),
	`{"Primary_Key":"+442079460100","Flag":"disabled","n":12.5,"b":true,"z":null}`,
}

func TestValid(t *testing.T) {
	for _, c := range validCases {
		if got, want := Valid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Errorf("Valid(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

// TestValidMutations compares the two on many small changes of JSON
// documents: a byte replaced, removed or doubled.
func TestValidMutations(t *testing.T) {
	docs := []string{
		`{"a":[1,-2.5e+3,true,false,null,"x\"y\u00e9"],"b":{"c":{}},"d":[]}`,
		`[0, 1.0, -0.5E-7, "\\/\b\f\n\r\t", {"k" : "v"} ]`,
		`{"Prompt_Welcome":"Welcome to Harbour Bikes, the best bikes in town.","Queue_Arn":"arn:aws:connect:us-east-1:0:instance/5dc9b530"}`,
	}
	alphabet := []byte(" \t\n{}[],:\"\\/-+.0123456789eEabfnrtu\x00\x1f\x80é")
	for _, d := range docs {
		for i := range len(d) {
			for _, c := range alphabet {
				for _, m := range []string{d[:i] + string(c) + d[i+1:], d[:i] + d[i+1:], d[:i] + d[i:i+1] + d[i:]} {
					if got, want := Valid([]byte(m)), json.Valid([]byte(m)); got != want {
						t.Fatalf("Valid(%q) = %v, json.Valid says %v", m, got, want)
					}
				}
			}
		}
	}
}

// TestPlainLen holds PlainLen to a byte loop for every byte at every
// position of strings up to 24 bytes.
func TestPlainLen(t *testing.T) {
	slow := func(b []byte) int {
		for i, c := range b {
			if c < 0x20 || c == '"' || c == '\\' {
				return i
			}
		}
		return len(b)
	}
	for n := 0; n <= 24; n++ {
		base := make([]byte, n)
		for i := range base {
			base[i] = byte(0x20 + (i*7+n)%0x5f)
			if base[i] == '"' || base[i] == '\\' {
				base[i] = 'a'
			}
		}
		if got := PlainLen(base); got != n {
			t.Fatalf("PlainLen(%q) = %d, want %d", base, got, n)
		}
		for p := 0; p < n; p++ {
			for c := range 256 {
				b := append([]byte(nil), base...)
				b[p] = byte(c)
				if got, want := PlainLen(b), slow(b); got != want {
					t.Fatalf("PlainLen(%q) = %d, want %d", b, got, want)
				}
				if got, want := PlainLen(string(b)), slow(b); got != want {
					t.Fatalf("PlainLen(string %q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}
