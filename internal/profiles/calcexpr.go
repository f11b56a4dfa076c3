package profiles

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// calcExpr is a compiled AttributeDetails.Expression: references to fields
// of one object type, written {ObjectType.field}, joined by + - * / and
// grouped by parentheses. AWS documents "basic math between attributes";
// Hotline has no numeric literals, which AWS does not document either.
type calcExpr struct {
	typ    string   // the object type every reference names
	fields []string // the distinct fields referenced, in order of appearance
	root   *calcNode
}

// calcNode is a reference (op 0) or an operation on two nodes.
type calcNode struct {
	op          byte
	field       string
	left, right *calcNode
}

// parseCalcExpr compiles an expression, saying what is wrong with it.
func parseCalcExpr(src string) (*calcExpr, error) {
	p := &calcParser{src: src}
	root, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.space(); p.pos < len(src) {
		return nil, fmt.Errorf("unexpected %q at offset %d", src[p.pos:p.pos+1], p.pos)
	}
	return &calcExpr{typ: p.typ, fields: p.fields, root: root}, nil
}

type calcParser struct {
	src    string
	pos    int
	typ    string
	fields []string
}

func (p *calcParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// sum reads term (('+'|'-') term)*.
func (p *calcParser) sum() (*calcNode, error) {
	return p.chain("+-", p.term)
}

// term reads factor (('*'|'/') factor)*.
func (p *calcParser) term() (*calcNode, error) {
	return p.chain("*/", p.factor)
}

func (p *calcParser) chain(ops string, next func() (*calcNode, error)) (*calcNode, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		if p.pos == len(p.src) || !strings.ContainsRune(ops, rune(p.src[p.pos])) {
			return left, nil
		}
		op := p.src[p.pos]
		p.pos++
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = &calcNode{op: op, left: left, right: right}
	}
}

// factor reads {ObjectType.field} or a parenthesised sum.
func (p *calcParser) factor() (*calcNode, error) {
	p.space()
	if p.pos == len(p.src) {
		return nil, fmt.Errorf("it ends where an attribute such as {ObjectType.field} is expected")
	}
	switch p.src[p.pos] {
	case '(':
		p.pos++
		n, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.space(); p.pos == len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("a parenthesis opened is not closed")
		}
		p.pos++
		return n, nil
	case '{':
		end := strings.IndexByte(p.src[p.pos:], '}')
		if end < 0 {
			return nil, fmt.Errorf("a { at offset %d is not closed", p.pos)
		}
		ref := p.src[p.pos+1 : p.pos+end]
		p.pos += end + 1
		// Type names have no dots; field names may.
		typ, field, ok := strings.Cut(ref, ".")
		if !ok || typ == "" || field == "" {
			return nil, fmt.Errorf("{%s} must name an object type and one of its fields, as {ObjectType.field}", ref)
		}
		if p.typ != "" && typ != p.typ {
			return nil, fmt.Errorf("it names the object types %s and %s; a calculated attribute reads one object type", p.typ, typ)
		}
		p.typ = typ
		if !slices.Contains(p.fields, field) {
			p.fields = append(p.fields, field)
		}
		return &calcNode{field: field}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d where an attribute such as {ObjectType.field} is expected", p.src[p.pos:p.pos+1], p.pos)
}

// calcValue is an expression's value in one object: its text, and the
// number it is (nil when it is not one).
type calcValue struct {
	text string
	num  *big.Rat
}

// eval computes the expression for one object, whose field values get
// returns. A lone reference yields the field's text as it is; arithmetic
// needs every operand to be a number and yields the result's canonical
// text. ok is false when there is no value: a field absent or empty, an
// operand that is not a number, a division by zero.
func (e *calcExpr) eval(get func(field string) (string, bool)) (calcValue, bool) {
	if e.root.op == 0 {
		text, ok := get(e.root.field)
		if !ok || text == "" {
			return calcValue{}, false
		}
		num, _ := parseNumber(text)
		return calcValue{text: text, num: num}, true
	}
	num, ok := e.root.number(get)
	if !ok {
		return calcValue{}, false
	}
	return calcValue{text: formatNumber(num), num: num}, true
}

func (n *calcNode) number(get func(field string) (string, bool)) (*big.Rat, bool) {
	if n.op == 0 {
		text, ok := get(n.field)
		if !ok {
			return nil, false
		}
		return parseNumber(text)
	}
	a, ok := n.left.number(get)
	if !ok {
		return nil, false
	}
	b, ok := n.right.number(get)
	if !ok {
		return nil, false
	}
	r := new(big.Rat)
	switch n.op {
	case '+':
		r.Add(a, b)
	case '-':
		r.Sub(a, b)
	case '*':
		r.Mul(a, b)
	case '/':
		if b.Sign() == 0 {
			return nil, false
		}
		r.Quo(a, b)
	}
	return r, true
}

// numberSyntax is a decimal number as JSON writes one, with an optional
// plus sign. The exponent is bounded so that a value cannot make the exact
// arithmetic below arbitrarily expensive.
var numberSyntax = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]{1,3})?$`)

// parseNumber reads a field value as an exact number; spaces around it are
// ignored. "$5", "1,000" and "true" are not numbers.
func parseNumber(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if !numberSyntax.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	return r, ok
}

// maxCalcValueLen is the longest Value the model allows.
const maxCalcValueLen = 255

// formatNumber renders a computed number: an integer exactly, anything
// else as the shortest decimal that reads back as the same float64
// (1/3 is 0.3333333333333333), never with an exponent unless that is the
// only way to fit the model's 255 characters.
func formatNumber(r *big.Rat) string {
	if r.IsInt() {
		if s := r.Num().String(); len(s) <= maxCalcValueLen {
			return s
		}
	}
	f, _ := r.Float64()
	if s := strconv.FormatFloat(f, 'f', -1, 64); len(s) <= maxCalcValueLen {
		return s
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Statistics of the model.
const (
	statFirst   = "FIRST_OCCURRENCE"
	statLast    = "LAST_OCCURRENCE"
	statCount   = "COUNT"
	statSum     = "SUM"
	statMin     = "MINIMUM"
	statMax     = "MAXIMUM"
	statAverage = "AVERAGE"
	statMode    = "MAX_OCCURRENCE"
)

// numericStat reports whether a statistic reads its values as numbers.
func numericStat(stat string) bool {
	switch stat {
	case statSum, statMin, statMax, statAverage:
		return true
	}
	return false
}

// aggregate applies a statistic to the values of the objects it covers, in
// ingestion order (numeric statistics are given numbers only). ok is false
// when there is no value: no objects, except for COUNT, which is then 0.
func aggregate(stat string, vals []calcValue) (string, bool) {
	if stat == statCount {
		return strconv.Itoa(len(vals)), true
	}
	if len(vals) == 0 {
		return "", false
	}
	switch stat {
	case statFirst:
		return vals[0].text, true
	case statLast:
		return vals[len(vals)-1].text, true
	case statMode:
		// The most frequent text; between equals, the one seen last.
		counts := map[string]int{}
		best, bestN := "", 0
		for _, v := range vals {
			counts[v.text]++
			if n := counts[v.text]; n >= bestN {
				best, bestN = v.text, n
			}
		}
		return best, true
	case statSum, statAverage:
		sum := new(big.Rat)
		for _, v := range vals {
			sum.Add(sum, v.num)
		}
		if stat == statAverage {
			sum.Quo(sum, new(big.Rat).SetInt64(int64(len(vals))))
		}
		return formatNumber(sum), true
	case statMin, statMax:
		best := vals[0].num
		for _, v := range vals[1:] {
			if c := v.num.Cmp(best); c < 0 && stat == statMin || c > 0 && stat == statMax {
				best = v.num
			}
		}
		return formatNumber(best), true
	}
	return "", false
}

// Threshold operators of the model.
const (
	opEqual    = "EQUAL_TO"
	opNotEqual = "NOT_EQUAL_TO"
	opGreater  = "GREATER_THAN"
	opLess     = "LESS_THAN"
)

// thresholdHolds compares a value with a threshold: as numbers when both
// are numbers ("5" equals "5.0"), else as text. GREATER_THAN and LESS_THAN
// have a numeric threshold (checked when the definition is written) and
// are false for a value that is not a number.
func thresholdHolds(value, op, threshold string) bool {
	v, vNum := parseNumber(value)
	t, tNum := parseNumber(threshold)
	if vNum && tNum {
		c := v.Cmp(t)
		switch op {
		case opEqual:
			return c == 0
		case opNotEqual:
			return c != 0
		case opGreater:
			return c > 0
		case opLess:
			return c < 0
		}
		return false
	}
	switch op {
	case opEqual:
		return value == threshold
	case opNotEqual:
		return value != threshold
	}
	return false
}

// cutValue shortens a value to the model's 255 characters.
func cutValue(s string) string {
	if utf8.RuneCountInString(s) <= maxCalcValueLen {
		return s
	}
	r := []rune(s)
	return string(r[:maxCalcValueLen])
}

// Range.TimestampFormat values of the model's documentation.
const (
	tsEpoch = "EPOCHMILLI"
	tsISO   = "ISO_8601"
)

// epochSecondsBelow separates the two precisions EPOCHMILLI accepts: a
// smaller magnitude is seconds (until the year 5138), a larger one
// milliseconds (from 1973).
const epochSecondsBelow = 100_000_000_000

// isoLayouts are the ISO 8601 forms AWS documents: seconds, optional
// fraction (Go accepts one after the seconds of any layout), and an offset
// of Z, ±HH:MM or ±HHMM, or none (UTC).
var isoLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"}

// parseCalcTime reads an object's timestamp in a TimestampFormat; with no
// format, digits alone are epoch time and anything else ISO 8601.
func parseCalcTime(format, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if format == "" {
		format = tsISO
		if n := strings.TrimPrefix(s, "-"); n != "" && strings.Trim(n, "0123456789") == "" {
			format = tsEpoch
		}
	}
	if format == tsEpoch {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not epoch seconds or milliseconds", s)
		}
		if n > -epochSecondsBelow && n < epochSecondsBelow {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as 2001-07-04T12:08:56.235-0700", s)
}
