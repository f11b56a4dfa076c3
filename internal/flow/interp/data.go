package interp

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/hotline-dev/hotline/internal/jsonscan"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Data is a JSON value decoded once and kept in contact state: $.External
// (a Lambda response), $.Lex and $.Metrics. Objects keep their keys sorted
// so a lookup is a binary search and the stored form is deterministic.
// Numbers keep their text as written. The zero Data is JSON null.
type Data struct {
	kind  dataKind
	text  string   // a scalar's text: the string, the number as written, true/false
	keys  []string // an object's keys, sorted, unique
	items []Data   // an object's values (parallel to keys) or an array's elements
	// enc is an object's or array's JSON once String made it. A Data is
	// not changed once built, so it stays true: a function's response is
	// written into the contact's state at every wait until the next one.
	enc *dataJSON
}

// dataJSON is the JSON of a Data, as String returns it, and with HTML
// escaping once appendHTMLJSON made it.
type dataJSON struct {
	s string
	// same is whether s is also the JSON with HTML escaping: it has no
	// <, > or &. Otherwise html is that, once made.
	same bool
	html []byte
}

type dataKind uint8

const (
	dataNull dataKind = iota
	dataString
	dataNumber
	dataBool
	dataObject
	dataArray
)

// NewDataMap returns an object Data of string values.
func NewDataMap(m map[string]string) *Data {
	d := &Data{kind: dataObject, keys: make([]string, 0, len(m)), items: make([]Data, 0, len(m))}
	for k := range m {
		d.keys = append(d.keys, k)
	}
	sort.Strings(d.keys)
	for _, k := range d.keys {
		d.items = append(d.items, Data{kind: dataString, text: m[k]})
	}
	return d
}

// ParseData decodes a JSON document into Data. It is a small parser of
// its own rather than encoding/json's Decoder, whose token interface costs
// an allocation per token; function responses are decoded on every call.
func ParseData(doc []byte) (*Data, error) { return parseData(string(doc)) }

// parseData is ParseData of a string. The parser works on one string so
// that the strings of the Data (keys, values, numbers) are parts of it
// rather than an allocation each, the largest cost of decoding a response.
func parseData(doc string) (*Data, error) {
	p := parsers.Get().(*parser)
	defer p.release()
	p.s, p.i, p.plain = doc, 0, true
	p.space()
	d, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected data after the JSON value")
	}
	if p.plain && d.kind == dataObject {
		// The document was already written as String writes the object
		// (but perhaps for the order of its members): keep that JSON
		// rather than write it again when it is asked for. A function's
		// response is String'ed for the trace and written into the
		// contact's state at every wait.
		enc := p.canonical(&d)
		d.enc = &dataJSON{s: enc, same: strings.IndexByte(enc, '<') < 0 && strings.IndexByte(enc, '>') < 0 && strings.IndexByte(enc, '&') < 0}
	}
	return &d, nil
}

// canonical is the JSON String writes for d, the top-level object of a
// plain document (see parser.plain): its members' text as in the document,
// in d's order. The document itself when that is its order.
func (p *parser) canonical(d *Data) string {
	// p.spans holds the members' text in document order, p.order the
	// index of each among them in d's order (object).
	if len(p.order) == len(p.spans) && slices.IsSorted(p.order) {
		return p.s
	}
	n := 2
	for _, o := range p.order {
		n += int(p.spans[o].end-p.spans[o].start) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, o := range p.order {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.s[p.spans[o].start:p.spans[o].end]...)
	}
	b = append(b, '}')
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// parsers recycles parsers for their member stacks.
var parsers = sync.Pool{New: func() any {
	return &parser{keys: make([]string, 0, 32), items: make([]Data, 0, 32)}
}}

// release returns p to parsers, keeping nothing of the document.
func (p *parser) release() {
	if cap(p.items) > 1024 || cap(p.spans) > 1024 {
		return // a huge document's stacks are let go
	}
	clear(p.keys[:cap(p.keys)])
	clear(p.items[:cap(p.items)])
	p.s, p.keys, p.items, p.spans, p.order = "", p.keys[:0], p.items[:0], p.spans[:0], p.order[:0]
	parsers.Put(p)
}

// maxDataDepth bounds nesting so that a hostile response cannot exhaust the stack.
const maxDataDepth = 64

type parser struct {
	s string
	i int
	// The members of the objects being read, the innermost last: an
	// object copies its own out, sorted, when it ends, so that it is
	// allocated once at its size rather than grown.
	keys  []string
	items []Data
	// plain is true while the document is as String would write it, but
	// perhaps for the order of its top-level members: no white space, no
	// escapes, only ASCII in strings, and objects below the top sorted
	// with no repeated keys. spans are then the top-level members' text
	// ("key":value) in document order, and order their indexes in the
	// order the object keeps (canonical).
	plain bool
	spans []textSpan
	order []int32
}

// textSpan is a part of the document, from start to end.
type textSpan struct{ start, end int32 }

func (p *parser) errorf(msg string) error {
	return fmt.Errorf("%s at offset %d", msg, p.i)
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
			p.plain = false
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Data, error) {
	if depth > maxDataDepth {
		return Data{}, errors.New("JSON nested too deeply")
	}
	if p.i >= len(p.s) {
		return Data{}, p.errorf("unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return Data{kind: dataString, text: s}, err
	case c == 't':
		return p.literal("true", Data{kind: dataBool, text: "true"})
	case c == 'f':
		return p.literal("false", Data{kind: dataBool, text: "false"})
	case c == 'n':
		return p.literal("null", Data{})
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return Data{}, p.errorf("invalid character " + strconv.QuoteRune(rune(p.s[p.i])))
}

func (p *parser) literal(word string, d Data) (Data, error) {
	if !strings.HasPrefix(p.s[p.i:], word) {
		return Data{}, p.errorf("invalid literal")
	}
	p.i += len(word)
	return d, nil
}

// number checks the JSON number grammar and keeps the text as written.
func (p *parser) number() (Data, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return Data{}, p.errorf("invalid number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return Data{}, p.errorf("invalid number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return Data{}, p.errorf("invalid number")
		}
	}
	return Data{kind: dataNumber, text: p.s[start:p.i]}, nil
}

// str reads a string; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func (p *parser) str() (string, error) {
	p.i++ // the opening quote
	start := p.i
	ascii := true
	for p.i < len(p.s) {
		// Skip printable ASCII but for " \ < > & a word at a time; UTF-8
		// needs checking only when a byte from 0x80 turned up.
		if p.i += htmlSafeLen(p.s[p.i:]); p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !ascii {
				// Written again, U+2028 and U+2029 would be escaped.
				p.plain = false
				if !utf8.ValidString(s) {
					s = validUTF8(s)
				}
			}
			return s, nil
		}
		if c == '\\' {
			if !ascii {
				p.plain = false
			}
			return p.escaped(start)
		}
		if c < 0x20 {
			return "", p.errorf("control character in string")
		}
		ascii = ascii && c < utf8.RuneSelf
		p.i++
	}
	return "", p.errorf("unterminated string")
}

// escaped finishes a string that has escapes, from its start.
func (p *parser) escaped(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			s := string(b)
			if !utf8.ValidString(s) {
				s = validUTF8(s)
			}
			return s, nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c != '\\':
			if c >= utf8.RuneSelf {
				p.plain = false // see str
			}
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '/', 'b', 'f':
			// Written again as itself, \u0008 and \u000c.
			p.plain = false
		case 'u':
			if p.i+4 <= len(p.s) && !canonicalEscape(p.s[p.i:p.i+4]) {
				p.plain = false
			}
		}
		if c, ok := jsonscan.SimpleEscape(e); ok {
			b = append(b, c)
			continue
		}
		switch e {
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate pairs with a following low one; anything
				// else is U+FFFD, and a following escape is read on its own.
				pair := utf8.RuneError
				if r < 0xDC00 && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						pair = utf16.DecodeRune(r, lo)
					} else {
						p.i = save
					}
				}
				r = pair
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.errorf("invalid escape")
		}
	}
	return "", p.errorf("unterminated string")
}

// canonicalEscape reports whether \u and the four hex digits h are how
// appendJSONString writes the character they stand for: a control
// character but for \n, \r and \t, or U+2028 or U+2029, in lower case.
func canonicalEscape(h string) bool {
	const hex = "0123456789abcdef"
	if h[:2] == "00" {
		c, ok := strconv.ParseUint(h[2:], 16, 8)
		return ok == nil && c < 0x20 && c != '\n' && c != '\r' && c != '\t' && h[2] == hex[c>>4] && h[3] == hex[c&0xf]
	}
	return h == "2028" || h == "2029"
}

// validUTF8 replaces every byte that is not part of valid UTF-8 with
// U+FFFD, one per byte, as encoding/json does.
func validUTF8(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

func (p *parser) array(depth int) (Data, error) {
	p.i++
	d := Data{kind: dataArray, items: []Data{}}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return d, nil
	}
	for {
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return Data{}, err
		}
		d.items = append(d.items, item)
		p.space()
		if p.i >= len(p.s) {
			return Data{}, p.errorf("unexpected end of JSON")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return d, nil
		default:
			return Data{}, p.errorf("expected , or ]")
		}
	}
}

// object reads members in document order, then sorts them; a repeated key
// keeps its last value, as encoding/json does.
func (p *parser) object(depth int) (Data, error) {
	p.i++
	start := len(p.keys)
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return Data{kind: dataObject}, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return Data{}, p.errorf("expected a member name")
		}
		memberStart := p.i
		k, err := p.str()
		if err != nil {
			return Data{}, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return Data{}, p.errorf("expected :")
		}
		p.i++
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return Data{}, err
		}
		p.keys, p.items = append(p.keys, k), append(p.items, item)
		if p.plain {
			if depth == 0 {
				p.spans = append(p.spans, textSpan{int32(memberStart), int32(p.i)})
			} else if n := len(p.keys); n-1 > start && p.keys[n-2] >= k {
				p.plain = false // a nested object String would reorder
			}
		}
		p.space()
		if p.i >= len(p.s) {
			return Data{}, p.errorf("unexpected end of JSON")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			var order *[]int32
			if depth == 0 && p.plain {
				order = &p.order
			}
			d := sortedObject(p.keys[start:], p.items[start:], order)
			p.keys, p.items = p.keys[:start], p.items[:start]
			return d, nil
		default:
			return Data{}, p.errorf("expected , or }")
		}
	}
}

// sortedObject is makeObject of copies of keys and items, which it leaves
// as they are. It sorts indexes rather than moving the items about; with
// kept, it also appends there the index of each member it keeps, in its
// order.
func sortedObject(keys []string, items []Data, kept *[]int32) Data {
	var small [64]int32
	order := small[:0]
	if len(keys) > len(small) {
		order = make([]int32, 0, len(keys))
	}
	for i := range keys {
		order = append(order, int32(i))
	}
	// Insertion sort, stable: of repeated keys the last stays last.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && keys[order[j]] < keys[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	n := len(order)
	for i := 1; i < len(order); i++ {
		if keys[order[i]] == keys[order[i-1]] {
			n--
		}
	}
	d := Data{kind: dataObject, keys: make([]string, 0, n), items: make([]Data, 0, n)}
	for i, o := range order {
		if i+1 < len(order) && keys[order[i+1]] == keys[o] {
			continue // a later value of the key replaces this one
		}
		d.keys, d.items = append(d.keys, keys[o]), append(d.items, items[o])
		if kept != nil {
			*kept = append(*kept, o)
		}
	}
	return d
}

// makeObject sorts parallel keys and items by key, keeping the last of
// repeated keys. It sorts in place: the slices are the caller's to give.
func makeObject(keys []string, items []Data) Data {
	// Insertion sort: objects are small, often sorted already, and this
	// allocates nothing. It is stable, so of repeated keys the last stays last.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	if !hasRepeats(keys) {
		return Data{kind: dataObject, keys: keys, items: items}
	}
	n := 0
	for i := range keys {
		if n > 0 && keys[n-1] == keys[i] {
			items[n-1] = items[i]
			continue
		}
		keys[n], items[n] = keys[i], items[i]
		n++
	}
	return Data{kind: dataObject, keys: keys[:n:n], items: items[:n:n]}
}

func hasRepeats(sorted []string) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// get returns the member called name of an object, or the element it
// indexes of an array.
func (d *Data) get(seg flow.Segment) (*Data, bool) {
	switch d.kind {
	case dataObject:
		i, ok := slices.BinarySearch(d.keys, seg.Name)
		if !ok {
			return nil, false
		}
		return &d.items[i], true
	case dataArray:
		if seg.Index >= 0 && seg.Index < len(d.items) {
			return &d.items[seg.Index], true
		}
	}
	return nil, false
}

// lookup walks segs from d. A null leaf counts as absent.
func (d *Data) lookup(segs []flow.Segment) (string, bool) {
	for _, s := range segs {
		next, ok := d.get(s)
		if !ok {
			return "", false
		}
		d = next
	}
	return d.String(), d.kind != dataNull
}

// String returns a scalar's text, "" for null, and an object's or array's
// compact JSON (what a reference to a whole object substitutes).
func (d *Data) String() string {
	switch d.kind {
	case dataNull:
		return ""
	case dataString, dataNumber, dataBool:
		return d.text
	}
	if d.enc != nil {
		return d.enc.s
	}
	// Encoded in a recycled buffer: grown from nothing, a function's
	// response took as many allocations as doublings.
	bp := stringBuffers.Get().(*[]byte)
	b := d.appendJSON((*bp)[:0], false)
	s := string(b)
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		stringBuffers.Put(bp)
	}
	// Three IndexByte scans (vectorised) beat one ContainsAny (a byte loop).
	d.enc = &dataJSON{s: s, same: strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '>') < 0 && strings.IndexByte(s, '&') < 0}
	return s
}

// appendHTMLJSON is appendJSON with html, kept beside the JSON String
// kept (a function's response is String'ed for the trace).
func (d *Data) appendHTMLJSON(b []byte) []byte {
	switch {
	case d.enc == nil:
		return d.appendJSON(b, true)
	case d.enc.same:
		return append(b, d.enc.s...)
	case d.enc.html == nil:
		start := len(b)
		b = d.appendJSON(b, true)
		d.enc.html = bytes.Clone(b[start:])
		return b
	}
	return append(b, d.enc.html...)
}

// prepareHTML makes the JSON with HTML escaping appendHTMLJSON writes of
// an object or array, once String made its JSON: afterwards neither
// writes to d.
func (d *Data) prepareHTML() {
	if d.enc != nil && !d.enc.same && d.enc.html == nil {
		d.enc.html = d.appendJSON(nil, true)
	}
}

var stringBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Get returns the string at a dotted path ("Name.First", "OrderIds.0").
func (d *Data) Get(path string) (string, bool) {
	if d == nil {
		return "", false
	}
	var segs []flow.Segment
	for _, name := range strings.Split(path, ".") {
		idx := -1
		if n, err := strconv.Atoi(name); err == nil && n >= 0 {
			idx = n
		}
		segs = append(segs, flow.Segment{Name: name, Index: idx})
	}
	return d.lookup(segs)
}

// MarshalJSON writes d as the JSON it was decoded from (keys sorted).
func (d *Data) MarshalJSON() ([]byte, error) { return d.appendJSON(nil, false), nil }

// UnmarshalJSON reads any JSON value.
func (d *Data) UnmarshalJSON(b []byte) error {
	v, err := ParseData(b)
	if err != nil {
		return err
	}
	*d = *v
	return nil
}

// appendJSON appends d's compact JSON. With html, <, > and & in strings
// are written \u003c, \u003e and \u0026, as encoding/json's compaction of
// MarshalJSON's output leaves them (Contact.AppendJSON).
func (d *Data) appendJSON(b []byte, html bool) []byte {
	switch d.kind {
	case dataNull:
		return append(b, "null"...)
	case dataString:
		return appendJSONString(b, d.text, html)
	case dataNumber, dataBool:
		return append(b, d.text...)
	case dataArray:
		b = append(b, '[')
		for i := range d.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = d.items[i].appendJSON(b, html)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, k := range d.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k, html)
		b = append(b, ':')
		b = d.items[i].appendJSON(b, html)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string. Only what JSON requires is
// escaped (plus U+2028/U+2029 for JavaScript consumers); HTML characters
// are left alone, as the Java serialiser behind Amazon Connect leaves them.
func appendString(b []byte, s string) []byte { return appendJSONString(b, s, false) }

// appendJSONString is appendString, and with html also escapes <, > and &
// as \u00XX.
func appendJSONString(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip the run of bytes that need nothing in either mode (ASCII
		// but for controls and " \ < > &) a word at a time; what stops it
		// is looked at below (TestHTMLSafeBytesNeedNothing).
		if i += htmlSafeLen(s[i:]); i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 && !(html && (c == '<' || c == '>' || c == '&')) {
			i++
			continue
		}
		if c < 0x80 {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are E2 80 A8/A9 in UTF-8.
		if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[s[i+2]&0xf])
			i += 3
			start = i
			continue
		}
		i++
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
