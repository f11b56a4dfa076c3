package flowconfig

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/hotline-dev/hotline/internal/jsonscan"
)

// The lookup runs several times per call, and encoding/json reads the
// whole event twice (a validation pass, then decoding) to pick three
// strings out of a kilobyte. eventFields reads them in one pass, skipping
// everything else; on anything it does not expect it gives up, and the
// caller decodes with encoding/json, which also words the error.

// lookupFields are what the lookup reads of an event; a nil pointer is a
// field that is absent or null.
type lookupFields struct {
	instanceARN, primaryKey, resourceType *string
}

var errFallback = errors.New("flowconfig: event needs the general decoder")

// eventFields extracts Details.ContactData.InstanceARN and
// Details.Parameters.Primary_Key / Resource_Type.
func eventFields(b []byte) (lookupFields, error) {
	var f lookupFields
	sc := scanner{b: b}
	err := sc.object(func(key []byte) error {
		if string(key) != "Details" {
			return sc.skip()
		}
		// A later duplicate replaces an earlier object whole, as
		// encoding/json decodes it.
		f = lookupFields{}
		return sc.object(func(key []byte) error {
			switch string(key) {
			case "ContactData":
				f.instanceARN = nil
				return sc.object(func(key []byte) error {
					if string(key) == "InstanceARN" {
						return sc.optString(&f.instanceARN)
					}
					return sc.skip()
				})
			case "Parameters":
				f.primaryKey, f.resourceType = nil, nil
				return sc.object(func(key []byte) error {
					switch string(key) {
					case AttrPrimaryKey:
						return sc.optString(&f.primaryKey)
					case AttrResourceType:
						return sc.optString(&f.resourceType)
					}
					return sc.skip()
				})
			}
			return sc.skip()
		})
	})
	if err == nil {
		sc.ws()
		if sc.i != len(sc.b) {
			err = errFallback
		}
	}
	return f, err
}

// scanner walks JSON it trusts to be well formed; what it cannot read is
// errFallback.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		// Most calls find no white space at all: one test for every byte
		// above the space.
		if c := s.b[s.i]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		s.i++
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// rawString returns a string token, quotes included.
func (s *scanner) rawString() ([]byte, error) {
	raw, _, err := s.rawStringEsc()
	return raw, err
}

// rawStringEsc is rawString, and whether the string has escapes.
func (s *scanner) rawStringEsc() (raw []byte, escaped bool, err error) {
	if s.peek() != '"' {
		return nil, false, errFallback
	}
	start := s.i
	for s.i++; s.i < len(s.b); s.i++ {
		// Most of a string needs nothing: skip it a word at a time.
		if s.i += jsonscan.PlainLen(s.b[s.i:]); s.i >= len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return nil, false, errFallback
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.b) || !isHex(s.b[s.i+1:s.i+5]) {
					return nil, false, errFallback
				}
				s.i += 4
			default:
				return nil, false, errFallback
			}
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		case c < 0x20:
			return nil, false, errFallback
		}
	}
	return nil, false, errFallback
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// str decodes a string token; escapes and invalid UTF-8 (which
// encoding/json replaces) are left to encoding/json.
func (s *scanner) str() (string, error) {
	raw, escaped, err := s.rawStringEsc()
	if err != nil {
		return "", err
	}
	if !escaped && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", errFallback
	}
	return v, nil
}

// optString reads a string, or null as no value; anything else is left to
// the general decoder.
func (s *scanner) optString(dst **string) error {
	if s.peek() == 'n' {
		return s.skip()
	}
	v, err := s.str()
	if err != nil {
		return err
	}
	*dst = &v
	return nil
}

// object calls member for each key, positioned at its value, which member
// must consume.
func (s *scanner) object(member func(key []byte) error) error {
	if s.peek() != '{' {
		return errFallback
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		raw, escaped, err := s.rawStringEsc()
		if err != nil {
			return err
		}
		key := raw[1 : len(raw)-1]
		if escaped {
			return errFallback // an escaped key: rare enough to decode properly
		}
		if s.peek() != ':' {
			return errFallback
		}
		s.i++
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errFallback
		}
	}
}

// skip passes over one value of any kind.
func (s *scanner) skip() error {
	switch c := s.peek(); {
	case c == '"':
		_, err := s.rawString()
		return err
	case c == '{':
		return s.object(func([]byte) error { return s.skip() })
	case c == '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return errFallback
			}
		}
	case c == 't', c == 'f', c == 'n', c == '-', c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && !endsLiteral(s.b[s.i]) {
			s.i++
		}
		return checkLiteral(s.b[start:s.i])
	}
	return errFallback
}

// endsLiteral reports whether c ends a literal: a delimiter or white space.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// checkLiteral accepts true, false, null and JSON numbers.
func checkLiteral(lit []byte) error {
	switch string(lit) {
	case "true", "false", "null":
		return nil
	}
	if !isNumber(lit) {
		return errFallback
	}
	return nil
}

// isNumber reports whether b is a JSON number (RFC 8259 §6), as
// encoding/json reads one: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}
