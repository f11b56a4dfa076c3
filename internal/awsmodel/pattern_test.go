package awsmodel

import (
	"math/rand/v2"
	"testing"
)

// TestBytePatternsMatchRegexp checks every model pattern that is matched
// by byte tables against the regexp it stands for, on edge cases and
// random strings.
func TestBytePatternsMatchRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ09_-.:/+ @\n\x00\x7f\xc3\xa9\xff")
	inputs := []string{"", "é", "aé", "a\n", "\na", "A", "_", "-", "a-", "-a", "0", "a b"}
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)}), string([]byte{byte(c)})+"a")
	}
	for range 2000 {
		b := make([]byte, rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	n := 0
	for _, name := range []string{"connect", "customer-profiles"} {
		m := MustLoad(name)
		for shape, p := range m.patterns {
			if p.fast == nil {
				continue
			}
			n++
			for _, in := range inputs {
				if got, want := p.fast.match(in), p.main.MatchString(in); got != want {
					t.Errorf("%s %s %q: byte tables say %v, the regexp %v on %q", name, shape, m.Shapes[shape].Pattern, got, want, in)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no model pattern is matched by byte tables")
	}
	t.Logf("%d patterns matched by byte tables", n)
}

func TestCompileBytePattern(t *testing.T) {
	for expr, want := range map[string]bool{
		`^[a-zA-Z0-9_-]+$`:          true,
		`^[a-zA-Z_][a-zA-Z_0-9-]*$`: true,
		`^ab[c-e]$`:                 true,
		`[a-z]+`:                    false, // not anchored
		`^[a-z]+`:                   false,
		`^[a-z]*[0-9]$`:             false, // repetition before the end
		`^[\p{L}]+$`:                false, // beyond ASCII
		`^(?i)ab$`:                  false,
		`^[a-z]{2,3}$`:              false,
	} {
		if got := compileBytePattern(expr) != nil; got != want {
			t.Errorf("%s: byte tables %v, want %v", expr, got, want)
		}
	}
}
