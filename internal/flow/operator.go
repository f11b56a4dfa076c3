package flow

import (
	"strconv"
	"strings"
)

// Operator is a condition's comparison operator (reference §2). Every
// operator compares the action's result with exactly one string operand.
type Operator uint8

const (
	opUnknown Operator = iota
	// OpEquals is true when the result equals the operand exactly (case-sensitive).
	OpEquals
	// OpTextStartsWith is true when the result begins with the operand.
	OpTextStartsWith
	// OpTextEndsWith is true when the result ends with the operand.
	OpTextEndsWith
	// OpTextContains is true when the operand occurs in the result.
	OpTextContains
	// OpNumberGreaterThan is true when both are numbers and result > operand.
	OpNumberGreaterThan
	// OpNumberGreaterOrEqualTo is true when both are numbers and result >= operand.
	OpNumberGreaterOrEqualTo
	// OpNumberLessThan is true when both are numbers and result < operand.
	OpNumberLessThan
	// OpNumberLessOrEqualTo is true when both are numbers and result <= operand.
	OpNumberLessOrEqualTo

	numOperators
)

var operatorNames = [numOperators]string{
	OpEquals:                 "Equals",
	OpTextStartsWith:         "TextStartsWith",
	OpTextEndsWith:           "TextEndsWith",
	OpTextContains:           "TextContains",
	OpNumberGreaterThan:      "NumberGreaterThan",
	OpNumberGreaterOrEqualTo: "NumberGreaterOrEqualTo",
	OpNumberLessThan:         "NumberLessThan",
	OpNumberLessOrEqualTo:    "NumberLessOrEqualTo",
}

// LookupOperator returns the operator with the given name, matched exactly.
func LookupOperator(name string) (Operator, bool) {
	for op := opUnknown + 1; op < numOperators; op++ {
		if operatorNames[op] == name {
			return op, true
		}
	}
	return opUnknown, false
}

// String returns the operator's name as written in flow content.
func (op Operator) String() string {
	if op > opUnknown && op < numOperators {
		return operatorNames[op]
	}
	return "Operator(" + strconv.Itoa(int(op)) + ")"
}

// Numeric reports whether op compares numbers rather than text.
func (op Operator) Numeric() bool {
	switch op {
	case OpNumberGreaterThan, OpNumberGreaterOrEqualTo, OpNumberLessThan, OpNumberLessOrEqualTo:
		return true
	}
	return false
}

// Holds applies op to an action's result and a condition's operand, as a
// running flow does (reference §2): text operators are case-sensitive;
// number operators are false unless both sides are numbers (ParseNumber).
// It is here, beside the operators, so that the interpreter and the linter
// cannot come to disagree on what a condition means.
func (op Operator) Holds(result, operand string) bool {
	switch op {
	case OpEquals:
		return result == operand
	case OpTextStartsWith:
		return strings.HasPrefix(result, operand)
	case OpTextEndsWith:
		return strings.HasSuffix(result, operand)
	case OpTextContains:
		return strings.Contains(result, operand)
	}
	a, ok := ParseNumber(result)
	if !ok {
		return false
	}
	b, ok := ParseNumber(operand)
	if !ok {
		return false
	}
	switch op {
	case OpNumberGreaterThan:
		return a > b
	case OpNumberGreaterOrEqualTo:
		return a >= b
	case OpNumberLessThan:
		return a < b
	case OpNumberLessOrEqualTo:
		return a <= b
	}
	return false
}

// ParseNumber parses a number as flows read one: an optional sign, digits
// with an optional fraction, an optional exponent, surrounding space
// allowed ("8", "-1.5", "2e3", " 7 "). Hex, Inf, NaN and digit separators
// are not numbers here, though strconv.ParseFloat takes them.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
