package flow

import "testing"

// TestOperatorHolds pins what each condition operator means (reference
// §2); the interpreter and the linter both answer by it.
func TestOperatorHolds(t *testing.T) {
	tests := []struct {
		op              Operator
		result, operand string
		want            bool
	}{
		// Text operators compare exactly: case and space count.
		{OpEquals, "Sales", "Sales", true},
		{OpEquals, "Sales", "sales", false},
		{OpEquals, "Sales", "Sales ", false},
		{OpEquals, "", "", true},
		{OpEquals, "8", "8.0", false}, // Equals is text, even between numbers
		{OpTextStartsWith, "Sales-UK", "Sales", true},
		{OpTextStartsWith, "Sales-UK", "sales", false},
		{OpTextStartsWith, "Sales", "", true},
		{OpTextStartsWith, "Sa", "Sales", false},
		{OpTextEndsWith, "Sales-UK", "-UK", true},
		{OpTextEndsWith, "Sales-UK", "-uk", false},
		{OpTextEndsWith, "x", "", true},
		{OpTextContains, "Sales-UK", "es-U", true},
		{OpTextContains, "Sales-UK", "ES", false},
		{OpTextContains, "", "", true},
		{OpTextContains, "", "a", false},

		// Number operators compare values, whatever the spelling.
		{OpNumberGreaterThan, "10", "9", true}, // not text order
		{OpNumberGreaterThan, "9", "9", false},
		{OpNumberGreaterThan, "9.5", "9", true},
		{OpNumberGreaterThan, "-1", "-2", true},
		{OpNumberGreaterThan, "2e3", "1999", true},
		{OpNumberGreaterThan, " 7 ", "6", true}, // surrounding space is allowed
		{OpNumberGreaterThan, "+3", "2", true},
		{OpNumberGreaterThan, ".5", "0.4", true},
		{OpNumberGreaterThan, "5.", "4", true},
		{OpNumberGreaterOrEqualTo, "9", "9.0", true},
		{OpNumberGreaterOrEqualTo, "8.99", "9", false},
		{OpNumberLessThan, "9", "10", true},
		{OpNumberLessThan, "10", "10", false},
		{OpNumberLessThan, "-0", "0", false},
		{OpNumberLessOrEqualTo, "10", "10", true},
		{OpNumberLessOrEqualTo, "1E1", "10", true},
		{OpNumberLessOrEqualTo, "11", "10", false},

		// ... and are false unless both sides are numbers.
		{OpNumberGreaterThan, "ten", "9", false},
		{OpNumberLessThan, "9", "ten", false},
		{OpNumberLessOrEqualTo, "", "0", false},
		{OpNumberLessOrEqualTo, "0", "", false},
		{OpNumberGreaterOrEqualTo, "0x10", "1", false}, // no hex
		{OpNumberGreaterThan, "Inf", "1", false},       // no Inf
		{OpNumberLessThan, "NaN", "1", false},          // no NaN
		{OpNumberGreaterThan, "1_000", "1", false},     // no digit separators
		{OpNumberGreaterThan, "1e", "0", false},        // an exponent needs digits
		{OpNumberGreaterThan, "1e+", "0", false},
		{OpNumberGreaterThan, "1e400", "0", false}, // out of range
		{OpNumberGreaterThan, ".", "-1", false},
		{OpNumberGreaterThan, "-", "-1", false},
		{OpNumberGreaterThan, "1 2", "0", false},

		// An operator that is not one holds for nothing.
		{opUnknown, "a", "a", false},
		{numOperators, "1", "0", false},
	}
	for _, tc := range tests {
		if got := tc.op.Holds(tc.result, tc.operand); got != tc.want {
			t.Errorf("%v.Holds(%q, %q) = %v, want %v", tc.op, tc.result, tc.operand, got, tc.want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"8", 8, true},
		{"-1.5", -1.5, true},
		{"+2", 2, true},
		{"2e3", 2000, true},
		{"2E-1", 0.2, true},
		{" 7 ", 7, true},
		{"\t7\n", 7, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"007", 7, true},
		{"", 0, false},
		{" ", 0, false},
		{"+", 0, false},
		{".", 0, false},
		{"e3", 0, false},
		{"1e", 0, false},
		{"0x1p3", 0, false},
		{"inf", 0, false},
		{"-Infinity", 0, false},
		{"nan", 0, false},
		{"1_000", 0, false},
		{"1,5", 0, false},
		{"1e400", 0, false},
		{"12abc", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseNumber(tc.in)
		if ok != tc.ok || ok && got != tc.want { // the number is meaningless when !ok
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOperatorNumeric(t *testing.T) {
	for op := opUnknown; op <= numOperators; op++ {
		want := op >= OpNumberGreaterThan && op <= OpNumberLessOrEqualTo
		if got := op.Numeric(); got != want {
			t.Errorf("%v.Numeric() = %v, want %v", op, got, want)
		}
	}
}
