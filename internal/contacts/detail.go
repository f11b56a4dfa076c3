package contacts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/jsonscan"
)

// Detail is the fields of a report event, in the order they were added: a
// list the simulator carves out of one buffer per call rather than a
// map[string]any, whose map and boxed values were most of a simulated
// call's garbage. Its JSON is the map's: an object with its keys sorted,
// each value as encoding/json writes it. A field made by Object is
// followed in the list by the fields of its object.
type Detail []Field

// Field is one key of a Detail and its value. It is kept to 32 bytes, two
// words of them pointers: the fields are most of the memory of a call's
// report, and the garbage collector reads every pointer in them, and
// records the pointers copied while it runs. The value is packed in p and
// x (see kind):
//
//   - a string: p its bytes and x its length;
//   - bytes (Raw, RawOrText, a decoded object or list): p the bytes, x the
//     length with the kind in its top byte, as for a string;
//   - a number, whole number, boolean, object size or null: p one of
//     scalarTags, which no string or slice points to, that says which,
//     and x the value;
//   - what Any was given: p an *anyBox holding it, x the kind.
type Field struct {
	Key string
	p   unsafe.Pointer
	x   uint64
}

// fieldKind is what a Field holds.
type fieldKind uint8

// The kinds, in the order of the tags: those of x's top byte first, then
// those of scalarTags.
const (
	kindString    fieldKind = iota
	kindRaw                 // json.RawMessage
	kindRawOrText           // RawOrText
	kindDecoded             // an object or list a decoded Detail keeps as JSON
	kindAny                 // what Any was given, in an *anyBox
	kindFloat               // the float64's bits
	kindInt                 // the int
	kindBool                // 1 for true
	kindObject              // how many fields follow
	kindNull
)

// scalarTags are what p points to for the kinds from kindFloat on.
var scalarTags [kindNull - kindFloat + 1]byte

// lenMask keeps the length of x; its top byte is the kind.
const lenMask = 1<<56 - 1

// anyBox holds a value Any was given.
type anyBox struct{ v any }

func scalar(key string, k fieldKind, x uint64) Field {
	return Field{Key: key, p: unsafe.Pointer(&scalarTags[k-kindFloat]), x: x}
}

func bytesField(key string, k fieldKind, b []byte) Field {
	return Field{Key: key, p: unsafe.Pointer(unsafe.SliceData(b)), x: uint64(len(b)) | uint64(k)<<56}
}

// kind says what f holds.
func (f *Field) kind() fieldKind {
	if i := uintptr(f.p) - uintptr(unsafe.Pointer(&scalarTags)); i < uintptr(len(scalarTags)) {
		return kindFloat + fieldKind(i)
	}
	return fieldKind(f.x >> 56)
}

// str is the value of a string field.
func (f *Field) str() string { return unsafe.String((*byte)(f.p), int(f.x&lenMask)) }

// bytes is the value of a Raw, RawOrText or decoded field, nil as it was
// given.
func (f *Field) bytes() []byte {
	if f.p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(f.p), int(f.x&lenMask))
}

// String writes the field as key:value, for people reading a Detail
// printed with fmt.
func (f Field) String() string { return fmt.Sprintf("%s:%v", f.Key, Detail{f}.value(0)) }

// Str is a string field.
func Str(key, s string) Field {
	return Field{Key: key, p: unsafe.Pointer(unsafe.StringData(s)), x: uint64(len(s))}
}

// Num is a number field.
func Num(key string, f float64) Field { return scalar(key, kindFloat, math.Float64bits(f)) }

// Int is a whole-number field.
func Int(key string, n int) Field { return scalar(key, kindInt, uint64(n)) }

// Bool is a true or false field.
func Bool(key string, b bool) Field {
	var x uint64
	if b {
		x = 1
	}
	return scalar(key, kindBool, x)
}

// Raw is a field whose value is JSON already (a function's request or
// answer). b is kept, not copied.
func Raw(key string, b []byte) Field { return bytesField(key, kindRaw, b) }

// RawOrText is a field whose value is b as JSON when b is valid JSON, and
// as a string otherwise (a function's answer, which may be anything). The
// check waits until the value is read or written: a report is often never
// encoded, and a function's answer is checked as it is parsed anyway.
func RawOrText(key string, b []byte) Field { return bytesField(key, kindRawOrText, b) }

// Object is a field whose value is an object: the n fields that follow it
// in the Detail (fields of objects inside it included).
func Object(key string, n int) Field { return scalar(key, kindObject, uint64(n)) }

// Any is a field of any value encoding/json can write (lists, maps).
func Any(key string, v any) Field {
	if v == nil {
		return scalar(key, kindNull, 0)
	}
	return Field{Key: key, p: unsafe.Pointer(&anyBox{v}), x: uint64(kindAny) << 56}
}

// next is the index of the field after d[i] and its object's fields.
func (d Detail) next(i int) int {
	if d[i].kind() == kindObject {
		return i + 1 + int(d[i].x)
	}
	return i + 1
}

// value is the value of d[i] (see Lookup).
func (d Detail) value(i int) any {
	f := &d[i]
	switch f.kind() {
	case kindString:
		return f.str()
	case kindObject:
		return d[i+1 : d.next(i)].Map()
	case kindRaw:
		return json.RawMessage(f.bytes())
	case kindRawOrText:
		v := f.bytes()
		if !json.Valid(v) {
			return string(v)
		}
		return json.RawMessage(v)
	case kindNull:
		return nil
	case kindDecoded:
		var a any
		_ = json.Unmarshal(f.bytes(), &a) // checked when it was decoded
		return a
	case kindFloat:
		return math.Float64frombits(f.x)
	case kindInt:
		return int(f.x)
	case kindBool:
		return f.x != 0
	}
	return (*anyBox)(f.p).v
}

// Lookup is the value of key, and whether d has it. The value is what the
// map held: a string, float64, int, bool, json.RawMessage, map[string]any
// for an object, or what Any was given (for a decoded Detail, what
// encoding/json decodes into an any).
func (d Detail) Lookup(key string) (any, bool) {
	for i := 0; i < len(d); i = d.next(i) {
		if d[i].Key == key {
			return d.value(i), true
		}
	}
	return nil, false
}

// Get is the value of key (see Lookup), or nil.
func (d Detail) Get(key string) any {
	v, _ := d.Lookup(key)
	return v
}

// Text is the value of key when it is a string, or "".
func (d Detail) Text(key string) string {
	for i := 0; i < len(d); i = d.next(i) {
		if d[i].Key == key && d[i].kind() == kindString {
			return d[i].str()
		}
	}
	return ""
}

// Set replaces the field of f's key, or adds f. f may not be an Object.
func (d *Detail) Set(f Field) {
	if f.kind() == kindObject {
		panic("contacts: Detail.Set of an object")
	}
	for i := 0; i < len(*d); i = d.next(i) {
		if (*d)[i].Key == f.Key {
			*d = append((*d)[:i+1], (*d)[d.next(i):]...)
			(*d)[i] = f
			return
		}
	}
	*d = append(*d, f)
}

// Map is d as a map from key to value (see Lookup).
func (d Detail) Map() map[string]any {
	if d == nil {
		return nil
	}
	m := make(map[string]any, len(d))
	for i := 0; i < len(d); i = d.next(i) {
		m[d[i].Key] = d.value(i)
	}
	return m
}

// MarshalJSON writes d as encoding/json writes the map[string]any of
// Detail.Map, keys sorted; a key added twice is written once, the last.
// Raw JSON goes out as it is: encoding/json compacts what MarshalJSON
// returns, and escapes <, >, & and U+2028/U+2029 in it. Strings are
// written escaped already, which compaction leaves as they are.
func (d Detail) MarshalJSON() ([]byte, error) {
	return d.appendJSON(make([]byte, 0, 64*len(d)+2), false)
}

// appendJSON writes d; with html, exactly as encoding/json would, compacted
// and HTML escaped (Report.AppendJSON), else as MarshalJSON returns it.
func (d Detail) appendJSON(b []byte, html bool) ([]byte, error) {
	if d == nil {
		return append(b, "null"...), nil
	}
	// The keys' order: an event has a handful of fields, so sorting
	// indexes on the stack beats sorting a copy.
	var small [16]int32
	order := small[:0]
	if len(d) > len(small) {
		order = make([]int32, 0, len(d))
	}
	for i := 0; i < len(d); i = d.next(i) {
		if d.next(i) > len(d) {
			return nil, fmt.Errorf("detail %q: the object has fewer fields than it says", d[i].Key)
		}
		order = append(order, int32(i))
	}
	slices.SortStableFunc(order, func(x, y int32) int { return strings.Compare(d[x].Key, d[y].Key) })
	b = append(b, '{')
	first := true
	for j, i := range order {
		if j+1 < len(order) && d[order[j+1]].Key == d[i].Key {
			continue // the later one wins, as in a map
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = interp.AppendJSONString(b, d[i].Key)
		b = append(b, ':')
		var err error
		if d[i].kind() == kindObject {
			b, err = d[i+1:d.next(int(i))].appendJSON(b, html)
		} else {
			b, err = d[i].appendValue(b, html)
		}
		if err != nil {
			return nil, fmt.Errorf("detail %q: %w", d[i].Key, err)
		}
	}
	return append(b, '}'), nil
}

func (f *Field) appendValue(b []byte, html bool) ([]byte, error) {
	var raw []byte
	v := any(nil) // what Any was given
	switch f.kind() {
	case kindString:
		return interp.AppendJSONString(b, f.str()), nil
	case kindFloat:
		return appendFloat(b, math.Float64frombits(f.x))
	case kindInt:
		return strconv.AppendInt(b, int64(f.x), 10), nil
	case kindBool:
		return strconv.AppendBool(b, f.x != 0), nil
	case kindNull:
		return append(b, "null"...), nil
	case kindRaw:
		// encoding/json's compaction refuses it if it is not JSON.
		raw = f.bytes()
		if raw == nil {
			v = json.RawMessage(nil)
		}
	case kindRawOrText:
		x := f.bytes()
		if !jsonscan.Valid(x) {
			return interp.AppendJSONString(b, string(x)), nil
		}
		raw = x
	case kindDecoded:
		raw = f.bytes()
	case kindAny:
		// As Str, Num, Int, Bool and Raw write what Any may be given too.
		switch x := (*anyBox)(f.p).v.(type) {
		case float64:
			return appendFloat(b, x)
		case int:
			return strconv.AppendInt(b, int64(x), 10), nil
		case bool:
			return strconv.AppendBool(b, x), nil
		case json.RawMessage:
			raw = x
		}
		v = (*anyBox)(f.p).v
	case kindObject: // written by appendJSON; a lone one is its size
		v = int(f.x)
	}
	if raw != nil {
		if !html {
			return append(b, raw...), nil
		}
		// Compacted and escaped, as encoding/json writes a RawMessage.
		j, err := json.Marshal(json.RawMessage(raw))
		if err != nil {
			return nil, err
		}
		return append(b, j...), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// appendFloat writes f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("unsupported value %v", f)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// UnmarshalJSON reads an object, keys sorted. Strings, numbers and
// booleans become typed fields; objects, lists and null hold what
// encoding/json decodes into an any, as the map held them.
func (d *Detail) UnmarshalJSON(b []byte) error {
	if out, ok := parseDetail(b); ok {
		*d = out
		return nil
	}
	// What parseDetail does not take (null, escapes, invalid UTF-8 or
	// JSON) is decoded, or refused, by encoding/json.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		*d = nil
		return nil
	}
	out := make(Detail, 0, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out = append(out, Str(k, v))
		case float64:
			out = append(out, Num(k, v))
		case bool:
			out = append(out, Bool(k, v))
		default:
			out = append(out, Any(k, v))
		}
	}
	slices.SortFunc(out, func(x, y Field) int { return strings.Compare(x.Key, y.Key) })
	*d = out
	return nil
}

// parseDetail reads the object b in one pass, keeping its objects and
// lists as JSON until they are read; false means it leaves b to
// encoding/json. Decoding into a map first read a report several times.
func parseDetail(b []byte) (Detail, bool) {
	p := detailParser{b: b}
	p.ws()
	if !p.take('{') {
		return nil, false
	}
	out := make(Detail, 0, 8)
	p.ws()
	if p.take('}') {
		return out, p.end()
	}
	for {
		p.ws()
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.ws()
		if !p.take(':') {
			return nil, false
		}
		p.ws()
		f, ok := p.value(k)
		if !ok {
			return nil, false
		}
		out = append(out, f)
		p.ws()
		if p.take('}') {
			break
		}
		if !p.take(',') {
			return nil, false
		}
	}
	if !p.end() {
		return nil, false
	}
	// Sorted, and of a repeated key the last, as a map keeps it.
	slices.SortStableFunc(out, func(x, y Field) int { return strings.Compare(x.Key, y.Key) })
	n := 0
	for i := range out {
		if n > 0 && out[n-1].Key == out[i].Key {
			out[n-1] = out[i]
			continue
		}
		out[n] = out[i]
		n++
	}
	return out[:n], true
}

type detailParser struct {
	b []byte
	i int
}

func (p *detailParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *detailParser) take(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *detailParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// str reads a string with no escapes, of valid UTF-8.
func (p *detailParser) str() (string, bool) {
	if !p.take('"') {
		return "", false
	}
	start := p.i
	p.i += jsonscan.PlainLen(p.b[p.i:])
	if !p.take('"') || !utf8.Valid(p.b[start:p.i-1]) {
		return "", false
	}
	return string(p.b[start : p.i-1]), true
}

func (p *detailParser) value(k string) (Field, bool) {
	if p.i >= len(p.b) {
		return Field{}, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		s, ok := p.str()
		return Str(k, s), ok
	case c == 't' && bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return Bool(k, true), true
	case c == 'f' && bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return Bool(k, false), true
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-.eE0123456789", p.b[p.i]) >= 0 {
			p.i++
		}
		n, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
		return Num(k, n), err == nil
	case c == '{' || c == '[':
		start := p.i
		if !p.skip() || !jsonscan.Valid(p.b[start:p.i]) {
			return Field{}, false
		}
		// A copy: b is encoding/json's.
		return bytesField(k, kindDecoded, bytes.Clone(p.b[start:p.i])), true
	}
	return Field{}, false
}

// skip passes an object or list, counting brackets outside strings.
func (p *detailParser) skip() bool {
	depth := 0
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				p.i++
				return true
			}
		case '"':
			p.i++
			for {
				p.i += jsonscan.PlainLen(p.b[p.i:])
				if p.i >= len(p.b) {
					return false
				}
				if p.b[p.i] == '"' {
					break
				}
				if p.b[p.i] != '\\' {
					return false // a control character
				}
				p.i += 2 // an escape; \uXXXX is checked by encoding/json
			}
		}
		p.i++
	}
	return false
}

// AppendJSON appends r as encoding/json writes it. Through encoding/json a
// report costs more to write than the maps the details were: it compacts
// all a json.Marshaler (each Detail) writes once more. The store and the
// call endpoints write reports with this instead.
func (r *Report) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"contactId":`...)
	b = interp.AppendJSONString(b, r.ContactID)
	b = append(b, `,"events":`...)
	b, err := AppendEventsJSON(b, r.Events)
	if err != nil {
		return nil, err
	}
	o, err := json.Marshal(&r.Outcome)
	if err != nil {
		return nil, err
	}
	b = append(append(b, `,"outcome":`...), o...)
	return append(b, '}'), nil
}

// AppendEventsJSON appends events as encoding/json writes the slice.
func AppendEventsJSON(b []byte, events []Event) ([]byte, error) {
	if events == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range events {
		e := &events[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"at":`...)
		var err error
		if b, err = appendFloat(b, e.At); err != nil {
			return nil, err
		}
		b = interp.AppendJSONString(append(b, `,"type":`...), e.Type)
		if e.Action != "" {
			b = interp.AppendJSONString(append(b, `,"action":`...), e.Action)
		}
		if len(e.Detail) > 0 {
			if b, err = e.Detail.appendJSON(append(b, `,"detail":`...), true); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// marshalRecord is json.Marshal(r), with the report (its last member, most
// of a finished call's bytes) written by Report.AppendJSON.
func marshalRecord(r *Record) ([]byte, error) {
	if r.Report == nil {
		return json.Marshal(r)
	}
	head := *r
	head.Report = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], `,"Report":`...)
	if b, err = r.Report.AppendJSON(b); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
