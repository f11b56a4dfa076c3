package edge

import (
	"encoding/json"
	"github.com/hotline-dev/hotline/internal/jsonscan"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDocDepth bounds the nesting parseDoc handles itself; deeper documents
// go to encoding/json, which has its own limit and error.
const maxDocDepth = 512

// parseDoc parses a request body that is exactly one JSON value, with only
// JSON whitespace around it, into what encoding/json's Decoder with
// UseNumber makes of it: map[string]any, []any, string, json.Number, bool
// and nil, with the same unescaping and the same replacement of invalid
// UTF-8. It reports false for anything else (a syntax error, data after the
// value, an object that repeats a key, very deep nesting), and the caller
// then asks encoding/json, whose answer (and error message) is the one
// clients get: parseDoc only ever saves work, it never decides.
//
// One pass over the body, without encoding/json's separate validation
// scan and per-byte state machine, is most of what the edge spent decoding
// a request.
//
// keys, when not nil, holds strings to reuse for the top-level object's
// keys (the operation's member names) rather than allocating them.
func parseDoc(b []byte, keys map[string]string) (any, bool) {
	p := docParser{b: b, keys: keys}
	p.skipSpace()
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.i == len(p.b)
}

type docParser struct {
	b    []byte
	i    int
	keys map[string]string // for the top-level object's keys
}

func (p *docParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *docParser) value(depth int) (any, bool) {
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *docParser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *docParser) object(depth int) (any, bool) {
	if depth > maxDocDepth {
		return nil, false
	}
	p.i++ // {
	m := make(map[string]any)
	var ok bool
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		var k string
		if depth == 1 && p.keys != nil {
			k, ok = p.key()
		} else {
			k, ok = p.str()
		}
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.skipSpace()
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
		more, ok := p.separator('}')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

// separator reads what follows a member or an element: a comma (more
// follow) or the closing byte (the end); ok is false on anything else.
func (p *docParser) separator(closing byte) (more, ok bool) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return false, false
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		p.skipSpace()
		return true, true
	case closing:
		p.i++
		return false, true
	}
	return false, false
}

func (p *docParser) array(depth int) (any, bool) {
	if depth > maxDocDepth {
		return nil, false
	}
	p.i++ // [
	a := make([]any, 0)
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		more, ok := p.separator(']')
		if !ok {
			return nil, false
		}
		if !more {
			return a, true
		}
	}
}

// number reads a number in JSON's grammar and keeps its text.
func (p *docParser) number() (any, bool) {
	b, start := p.b, p.i
	i := start
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		d := i + 1
		if i = skipDigits(b, d); i == d {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		if i = skipDigits(b, d); i == d {
			return nil, false
		}
	}
	p.i = i
	return json.Number(b[start:i]), true
}

// skipDigits returns the index after the run of digits at b[i:].
func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// key reads a string, returning the copy in p.keys when it has one.
func (p *docParser) key() (string, bool) {
	b := p.b
	for i := p.i + 1; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			if k, ok := p.keys[string(b[p.i+1:i])]; ok {
				p.i = i + 1
				return k, true
			}
			break
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
	}
	return p.str()
}

// str reads a string, unescaping it as encoding/json does.
func (p *docParser) str() (string, bool) {
	b := p.b
	start := p.i + 1
	i := start
	ascii := true
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s := b[start:i]
			if !ascii && !utf8.Valid(s) {
				return p.unescape(start)
			}
			p.i = i + 1
			return string(s), true
		case c == '\\':
			return p.unescape(start)
		case c < ' ':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		i++
	}
	return "", false
}

// unescape reads the string that starts at b[start] (after its quote) the
// long way: escapes, and invalid UTF-8 coerced to U+FFFD byte by byte.
func (p *docParser) unescape(start int) (string, bool) {
	b := p.b
	var stack [512]byte
	out := stack[:0]
	for i := start; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(out), true
		case c < ' ':
			return "", false
		case c == '\\':
			if i+1 >= len(b) {
				return "", false
			}
			if e, ok := jsonscan.SimpleEscape(b[i+1]); ok {
				out = append(out, e)
				i += 2
				continue
			}
			r := getu4(b[i:]) // -1 unless \u and four hex digits
			if r < 0 {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if dec := utf16.DecodeRune(r, getu4(b[i:])); dec != unicode.ReplacementChar {
					i += 6
					out = utf8.AppendRune(out, dec)
					continue
				}
				r = unicode.ReplacementChar
			}
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			// Copy the run of plain ASCII up to the next quote, escape,
			// control or non-ASCII byte at once.
			j := i + 1
			for j < len(b) && b[j] >= ' ' && b[j] < utf8.RuneSelf && b[j] != '"' && b[j] != '\\' {
				j++
			}
			out = append(out, b[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRune(b[i:])
			out = utf8.AppendRune(out, r)
			i += size
		}
	}
	return "", false
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
