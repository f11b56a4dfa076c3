package awsmodel

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Violation is one constraint a request member failed.
type Violation struct {
	Path    string // member path, e.g. "Config[0].StartTime.Hours"
	Value   any    // the offending value; nil when missing
	Message string // what the member must satisfy
}

// ValidationError lists the violations of one request, worded the way AWS
// services word them ("1 validation error detected: Value 'x' at 'Name'
// failed to satisfy constraint: Member must ...").
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Violations)
	if n == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", n)
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		if v.Value == nil {
			fmt.Fprintf(&b, "Value null at '%s' failed to satisfy constraint: %s", v.Path, v.Message)
		} else {
			fmt.Fprintf(&b, "Value '%s' at '%s' failed to satisfy constraint: %s", shorten(v.Value), v.Path, v.Message)
		}
	}
	return b.String()
}

func shorten(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if utf8.RuneCountInString(s) > 64 {
		r := []rune(s)
		s = string(r[:64]) + "..."
	}
	return s
}

// Validate checks a request document (as decoded by encoding/json with
// UseNumber, members keyed by member name) against the named shape. It
// returns nil or a *ValidationError naming every failing member.
func (s *Service) Validate(shapeName string, doc any) error {
	v := validator{svc: s}
	v.check(shapeName, "", doc)
	if len(v.out) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.out}
}

type validator struct {
	svc *Service
	out []Violation
}

func (v *validator) fail(path string, val any, format string, args ...any) {
	v.out = append(v.out, Violation{Path: path, Value: val, Message: fmt.Sprintf(format, args...)})
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func (v *validator) check(shapeName, path string, val any) {
	sh, ok := v.svc.Shapes[shapeName]
	if !ok || val == nil {
		return
	}
	switch sh.Type {
	case "structure":
		m, ok := val.(map[string]any)
		if !ok {
			v.fail(path, val, "Member must be a structure")
			return
		}
		for _, req := range sh.Required {
			if x, present := m[req]; !present || x == nil {
				v.fail(join(path, req), nil, "Member must not be null")
			}
		}
		set := 0
		for name, ref := range sh.Members {
			if x, present := m[name]; present && x != nil {
				set++
				v.check(ref.Shape, join(path, name), x)
			}
		}
		if sh.Union && set > 1 {
			v.fail(path, val, "Member must have exactly one member set")
		}
	case "list":
		l, ok := val.([]any)
		if !ok {
			v.fail(path, val, "Member must be a list")
			return
		}
		checkSize(v, sh, path, val, len(l), "length")
		for i, x := range l {
			if x == nil {
				continue
			}
			v.check(sh.Member.Shape, fmt.Sprintf("%s[%d]", path, i), x)
		}
	case "map":
		m, ok := val.(map[string]any)
		if !ok {
			v.fail(path, val, "Member must be a map")
			return
		}
		checkSize(v, sh, path, val, len(m), "length")
		for k, x := range m {
			v.check(sh.Key.Shape, path+".key", k)
			if x != nil {
				v.check(sh.Value.Shape, fmt.Sprintf("%s.%s", path, k), x)
			}
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			v.fail(path, val, "Member must be a string")
			return
		}
		if min, max := sizeBounds(sh); len(str) < min || len(str) > max {
			// Only a length near a bound needs the runes counted.
			checkSize(v, sh, path, str, utf8.RuneCountInString(str), "length")
		}
		if len(sh.Enum) > 0 && !contains(sh.Enum, str) {
			v.fail(path, str, "Member must satisfy enum value set: [%s]", strings.Join(sh.Enum, ", "))
		}
		if p := v.svc.patterns[shapeName]; p != nil && !p.match(str) {
			v.fail(path, str, "Member must satisfy regular expression pattern: %s", sh.Pattern)
		}
	case "integer", "long":
		f, ok := number(val)
		if !ok || f != math.Trunc(f) {
			v.fail(path, val, "Member must be an integer")
			return
		}
		v.rangeCheck(sh, path, val, f)
	case "double", "float":
		f, ok := number(val)
		if !ok {
			v.fail(path, val, "Member must be a number")
			return
		}
		v.rangeCheck(sh, path, val, f)
	case "boolean":
		if _, ok := val.(bool); !ok {
			v.fail(path, val, "Member must be a boolean")
		}
	case "timestamp":
		switch x := val.(type) {
		case json.Number:
			if !validEpoch(x) {
				v.fail(path, val, "Member must be a timestamp")
			}
		case string:
			if _, err := ParseTimestamp(x); err != nil {
				v.fail(path, val, "Member must be a timestamp")
			}
		default:
			v.fail(path, val, "Member must be a timestamp")
		}
	case "blob":
		str, ok := val.(string)
		if !ok {
			v.fail(path, val, "Member must be base64-encoded binary data")
			return
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			v.fail(path, val, "Member must be base64-encoded binary data")
			return
		}
		checkSize(v, sh, path, "<binary>", len(b), "length")
	}
}

// checkSize checks a size against the shape's bounds. It is generic so that
// a valid string is not boxed into an interface: only a violation keeps it.
func checkSize[T any](v *validator, sh *Shape, path string, val T, n int, what string) {
	if sh.Min != nil && float64(n) < *sh.Min {
		v.fail(path, val, "Member must have %s greater than or equal to %s", what, fmtNum(*sh.Min))
	}
	if sh.Max != nil && float64(n) > *sh.Max {
		v.fail(path, val, "Member must have %s less than or equal to %s", what, fmtNum(*sh.Max))
	}
}

// sizeBounds returns byte lengths between which a UTF-8 string certainly
// has a rune count within the shape's bounds: a string of n bytes has
// between ceil(n/4) and n runes (each invalid byte counts as one).
func sizeBounds(sh *Shape) (minBytes, maxBytes int) {
	minBytes, maxBytes = 0, math.MaxInt
	if sh.Min != nil {
		if *sh.Min > math.MaxInt/8 {
			return math.MaxInt, 0 // always count
		}
		minBytes = 4 * int(math.Ceil(*sh.Min))
	}
	if sh.Max != nil {
		if *sh.Max < 0 {
			return math.MaxInt, 0
		}
		if *sh.Max < math.MaxInt/8 {
			maxBytes = int(*sh.Max) // runes <= bytes <= floor(max)
		}
	}
	return minBytes, maxBytes
}

func (v *validator) rangeCheck(sh *Shape, path string, val any, f float64) {
	if sh.Min != nil && f < *sh.Min {
		v.fail(path, val, "Member must have value greater than or equal to %s", fmtNum(*sh.Min))
	}
	if sh.Max != nil && f > *sh.Max {
		v.fail(path, val, "Member must have value less than or equal to %s", fmtNum(*sh.Max))
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func number(val any) (float64, bool) {
	switch x := val.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
