package flow

import (
	"strconv"
	"strings"
)

// ValueKind says what a string parameter value is made of (reference §1.3).
type ValueKind uint8

const (
	// ValueStatic is text with no JSONPath reference in it.
	ValueStatic ValueKind = iota
	// ValueReference is text that is exactly one JSONPath reference, such as "$.Attributes.Queue".
	ValueReference
	// ValueInterpolated is text with at least one reference and something else,
	// such as "Your balance is $.External.Balance.".
	ValueInterpolated
)

func (k ValueKind) String() string {
	switch k {
	case ValueStatic:
		return "static"
	case ValueReference:
		return "reference"
	case ValueInterpolated:
		return "interpolated"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a parsed string parameter. The zero Value is the empty static text.
//
// Whether references in a value are honoured depends on the parameter (static
// only, static or a single reference, or free text; reference §1.3). A Value
// records what the text contains; the interpreter applies the parameter's rule.
type Value struct {
	text      string
	kind      ValueKind
	malformed bool
	parts     []Part
}

// Part is one piece of a reference-bearing Value: literal text, or a reference.
type Part struct {
	// Text is the source text of the piece; for a reference, as written
	// (e.g. "$['AwsRegion']"), so joining every Text gives back the Value.
	Text string
	// Ref is the parsed reference, nil for literal text.
	Ref *Path
}

// Path is a parsed JSONPath reference such as $.External.Name or
// $.Attributes.['user attribute name']. The root "$" is implied.
type Path struct {
	Segments []Segment
}

// Segment is one step of a Path.
type Segment struct {
	// Name is the key as written, without quotes or brackets.
	Name string
	// Index is the array index Name denotes when Name is all decimal digits
	// (as in $.Views.ViewResultData.FormData.pickup.0), else -1. Whether a
	// segment indexes an array or names a key depends on the data at run time.
	Index int
}

// ParseValue parses s as a flow-language string value.
//
// A reference starts with "$" followed by one or more steps: ".name" where
// name is [A-Za-z0-9_-]+, or a bracketed quoted key "['any text']", itself
// optionally preceded by a dot ($.Attributes.['a b'], $['AwsRegion']). A dot
// not followed by a step ends the reference and stays in the text, so the
// sentence period in "... is $.External.vanity1. Your ..." is punctuation.
func ParseValue(s string) Value {
	v := Value{text: s}
	if strings.IndexByte(s, '$') < 0 {
		return v
	}
	var parts []Part
	lit := 0 // start of the literal text not yet emitted
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			break
		}
		i += j
		p, n := scanRef(s[i:])
		if n == 0 {
			i++
			continue
		}
		if parts == nil {
			parts = make([]Part, 0, 4)
		}
		if i > lit {
			parts = append(parts, Part{Text: s[lit:i]})
		}
		parts = append(parts, Part{Text: s[i : i+n], Ref: p})
		i += n
		lit = i
	}
	switch {
	case len(parts) == 0:
		// No reference at all.
	case len(parts) == 1 && lit == len(s):
		v.kind = ValueReference
		v.parts = parts
	default:
		if lit < len(s) {
			parts = append(parts, Part{Text: s[lit:]})
		}
		v.kind = ValueInterpolated
		v.parts = parts
	}
	v.malformed = v.kind != ValueReference && (strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$["))
	return v
}

// String returns the value's text exactly as written.
func (v Value) String() string { return v.text }

// Kind says whether the value is static, a single reference or interpolated.
func (v Value) Kind() ValueKind { return v.kind }

// IsStatic reports whether the value contains no reference.
func (v Value) IsStatic() bool { return v.kind == ValueStatic }

// Ref returns the reference when the whole value is exactly one reference.
func (v Value) Ref() (*Path, bool) {
	if v.kind != ValueReference {
		return nil, false
	}
	return v.parts[0].Ref, true
}

// Parts returns the pieces of a reference-bearing value in order; nil for static text.
func (v Value) Parts() []Part { return v.parts }

// Malformed reports whether the value looks like a single reference (it
// starts with "$." or "$[") but is not exactly one well-formed reference, as
// in "$.External. Flag_X". In a parameter that takes a single reference such
// a value cannot resolve, and the action must take its error branch (reference
// §1.3, §11.14); it must not be trimmed into a valid one. In free text the
// well-formed references it contains are interpolated as usual.
func (v Value) Malformed() bool { return v.malformed }

// Root returns the first segment's name ("External", "Attributes", ...).
func (p *Path) Root() string {
	if len(p.Segments) == 0 {
		return ""
	}
	return p.Segments[0].Name
}

// String returns the canonical text of the path: dotted names where the name
// is an identifier, the bracket form .['name'] otherwise.
func (p *Path) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.Segments {
		if isIdent(s.Name) {
			b.WriteByte('.')
			b.WriteString(s.Name)
		} else {
			b.WriteString(".['")
			b.WriteString(s.Name)
			b.WriteString("']")
		}
	}
	return b.String()
}

// scanRef reads the longest reference at the start of s (s[0] == '$') and
// returns it with its length in bytes, or length 0 when there is none.
func scanRef(s string) (*Path, int) {
	seg, n := scanStep(s[1:])
	if n == 0 {
		return nil, 0
	}
	// One allocation for the path and room for the usual two to four segments.
	p := &Path{Segments: make([]Segment, 1, 4)}
	p.Segments[0] = seg
	i := 1 + n
	for {
		seg, n := scanStep(s[i:])
		if n == 0 {
			break
		}
		p.Segments = append(p.Segments, seg)
		i += n
	}
	return p, i
}

// scanStep reads one ".name", ".['key']" or "['key']" step.
func scanStep(t string) (Segment, int) {
	if strings.HasPrefix(t, "['") {
		return scanBracket(t)
	}
	if len(t) < 2 || t[0] != '.' {
		return Segment{}, 0
	}
	if t[1] == '[' {
		seg, n := scanBracket(t[1:])
		if n == 0 {
			return Segment{}, 0
		}
		return seg, n + 1
	}
	n := 1
	for n < len(t) && isIdentByte(t[n]) {
		n++
	}
	if n == 1 {
		return Segment{}, 0
	}
	return newSegment(t[1:n]), n
}

// scanBracket reads "['key']": a non-empty key without single quotes.
func scanBracket(t string) (Segment, int) {
	if !strings.HasPrefix(t, "['") {
		return Segment{}, 0
	}
	end := strings.IndexByte(t[2:], '\'')
	if end <= 0 || 2+end+1 >= len(t) || t[2+end+1] != ']' {
		return Segment{}, 0
	}
	return newSegment(t[2 : 2+end]), 2 + end + 2
}

func newSegment(name string) Segment {
	seg := Segment{Name: name, Index: -1}
	if name != "" && strings.Trim(name, "0123456789") == "" {
		if n, err := strconv.Atoi(name); err == nil {
			seg.Index = n
		}
	}
	return seg
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
