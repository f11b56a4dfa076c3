package profiles

import (
	"encoding/json"
	"github.com/hotline-dev/hotline/internal/jsonscan"
	"unicode/utf8"
)

// parseObjectFast reads an object's text as parseObject does
// (encoding/json with UseNumber), for the texts it reads the same way
// without help: a JSON object and nothing else, whose strings have no \u
// escapes and are valid UTF-8, nested less than maxFastDepth deep. Strings
// without escapes, numbers and member names share the text's memory. On
// anything else ok is false, and encoding/json reads the text (and says
// what is wrong with it). FuzzParseObject holds the two to the same
// results.
func parseObjectFast(text string) (m map[string]any, ok bool) {
	p := objectParser{s: text}
	p.space()
	if !p.next('{') {
		return nil, false
	}
	v, ok := p.object()
	if !ok {
		return nil, false
	}
	p.space()
	if p.i != len(p.s) {
		return nil, false
	}
	return v, true
}

// maxFastDepth bounds the nesting parseObjectFast reads (encoding/json's
// own limit is 10,000).
const maxFastDepth = 100

type objectParser struct {
	s     string
	i     int
	depth int
}

func (p *objectParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next consumes c if it comes next.
func (p *objectParser) next(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads an object's members, its '{' already read.
func (p *objectParser) object() (map[string]any, bool) {
	if p.depth++; p.depth > maxFastDepth {
		return nil, false
	}
	m := map[string]any{}
	p.space()
	if p.next('}') {
		p.depth--
		return m, true
	}
	for {
		p.space()
		if !p.next('"') {
			return nil, false
		}
		name, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if !p.next(':') {
			return nil, false
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		m[name] = v // the last of repeated names wins, as in encoding/json
		p.space()
		if p.next('}') {
			p.depth--
			return m, true
		}
		if !p.next(',') {
			return nil, false
		}
	}
}

// array reads an array's elements, its '[' already read.
func (p *objectParser) array() ([]any, bool) {
	if p.depth++; p.depth > maxFastDepth {
		return nil, false
	}
	a := []any{}
	p.space()
	if p.next(']') {
		p.depth--
		return a, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.space()
		if p.next(']') {
			p.depth--
			return a, true
		}
		if !p.next(',') {
			return nil, false
		}
	}
}

func (p *objectParser) value() (any, bool) {
	p.space()
	if p.i == len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		return p.object()
	case c == '[':
		p.i++
		return p.array()
	case c == '"':
		p.i++
		return p.str()
	case c == 't':
		return true, p.word("true")
	case c == 'f':
		return false, p.word("false")
	case c == 'n':
		return nil, p.word("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

func (p *objectParser) word(w string) bool {
	if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a string, its '"' already read.
func (p *objectParser) str() (string, bool) {
	start := p.i
	ascii := true
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			if !ascii && !utf8.ValidString(s) {
				return "", false // encoding/json replaces bad bytes
			}
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escaped reads the rest of a string that has escapes, from start.
func (p *objectParser) escaped(start int) (string, bool) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(b) {
				return "", false
			}
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			continue
		}
		if p.i++; p.i == len(p.s) {
			return "", false
		}
		e, ok := jsonscan.SimpleEscape(p.s[p.i])
		if !ok { // \u (surrogates and all) is encoding/json's
			return "", false
		}
		b = append(b, e)
	}
	return "", false
}

// number reads a number as its text: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *objectParser) number() (any, bool) {
	start := p.i
	p.next('-')
	switch {
	case p.next('0'):
	case p.digits() == 0:
		return nil, false
	}
	if p.next('.') && p.digits() == 0 {
		return nil, false
	}
	if p.next('e') || p.next('E') {
		if !p.next('+') {
			p.next('-')
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(p.s[start:p.i]), true
}

func (p *objectParser) digits() int {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}
