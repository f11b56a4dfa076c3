package flow

import "strconv"

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
