package profiles

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The encoders below write profile, object and statistics records without
// reflection: they run inside the store's serial write, where
// encoding/json's reflection and map sorting were a large share of the
// time. Their output is byte for byte what json.Marshal writes for the
// same record (TestRecordJSON and FuzzRecordJSON hold them to it), so
// stored bytes do not change and a loaded record still compares equal to
// its re-encoding when unchanged.

// plainJSON marks the bytes json.Marshal writes in a string as they are:
// printable ASCII other than the quote, the backslash and the three it
// escapes for HTML (<, >, &).
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendJSONString appends s as json.Marshal writes it: as it is when
// every byte is plain, else through json.Marshal itself, so escapes,
// invalid UTF-8 and U+2028/U+2029 come out as encoding/json has them.
func appendJSONString(dst []byte, s string) []byte {
	mark := len(dst)
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plainJSON[c] {
			continue
		}
		// The escapes an object's text is full of (quotes, mostly) are
		// written here as encoding/json writes them; anything else (HTML
		// characters, other control bytes, non-ASCII) is left to it.
		var esc string
		switch c {
		case '"':
			esc = `\"`
		case '\\':
			esc = `\\`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		case '\t':
			esc = `\t`
		default:
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst[:mark], b...)
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc...)
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendMember appends `,"name":` (without the comma for the first member).
func appendMember(dst []byte, name string) []byte {
	if dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

func appendIntMember(dst []byte, name string, v int64) []byte {
	return strconv.AppendInt(appendMember(dst, name), v, 10)
}

// sortedMapKeys returns m's keys in the order json.Marshal writes them.
func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendJSON appends the profile as json.Marshal writes it.
func (p *profileRecord) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, p.ID)
	if len(p.Fields) > 0 {
		dst = append(dst, `,"f":{`...)
		for i, path := range sortedMapKeys(p.Fields) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendJSONString(dst, path), ':')
			dst = p.Fields[path].appendJSON(dst)
		}
		dst = append(dst, '}')
	}
	if p.Prefs != nil {
		b, err := json.Marshal(p.Prefs) // rare, and generated code
		if err != nil {
			return nil, err
		}
		dst = append(append(dst, `,"ep":`...), b...)
	}
	if len(p.Keys) > 0 {
		dst = append(dst, `,"k":{`...)
		for i, key := range sortedMapKeys(p.Keys) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendJSONString(dst, key), ':')
			dst = appendSupports(dst, p.Keys[key])
		}
		dst = append(dst, '}')
	}
	if len(p.Counts) > 0 {
		dst = append(dst, `,"c":{`...)
		for i, typ := range sortedMapKeys(p.Counts) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendJSONString(dst, typ), ':')
			dst = strconv.AppendInt(dst, int64(p.Counts[typ]), 10)
		}
		dst = append(dst, '}')
	}
	if p.Objects != 0 {
		dst = appendIntMember(dst, "n", int64(p.Objects))
	}
	if p.Bytes != 0 {
		dst = appendIntMember(dst, "b", p.Bytes)
	}
	if p.Seq != 0 {
		dst = appendIntMember(dst, "s", p.Seq)
	}
	dst = appendIntMember(dst, "ca", p.Created)
	dst = appendIntMember(dst, "ua", p.Updated)
	dst = appendIntMember(dst, "x", p.Expires)
	return append(dst, '}'), nil
}

// appendSupports appends one key's values and their supports.
func appendSupports(dst []byte, vals map[string][]keySupport) []byte {
	if vals == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for i, v := range sortedMapKeys(vals) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendJSONString(dst, v), ':')
		sup := vals[v]
		if sup == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = append(dst, '[')
		for j, s := range sup {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"r":`...)
			dst = appendJSONString(dst, s.Ref)
			if s.Exp != 0 {
				dst = appendIntMember(dst, "e", s.Exp)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func (f *fieldValue) appendJSON(dst []byte) []byte {
	if f == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"v":`...)
	dst = appendJSONString(dst, f.V)
	if f.Manual {
		dst = append(dst, `,"m":true`...)
	}
	if f.Type != "" {
		dst = appendJSONString(appendMember(dst, "t"), f.Type)
	}
	if f.Object != "" {
		dst = appendJSONString(appendMember(dst, "o"), f.Object)
	}
	if f.Priority != 0 {
		dst = appendIntMember(dst, "p", int64(f.Priority))
	}
	if f.At != 0 {
		dst = appendIntMember(dst, "a", f.At)
	}
	return append(dst, '}')
}

// appendJSON appends the object record as json.Marshal writes it. The
// object's text is taken already encoded from objectJSON when the record
// has it (encoded before the write transaction).
func (o *objectRecord) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"t":`...)
	dst = appendJSONString(dst, o.Type)
	dst = appendJSONString(append(dst, `,"u":`...), o.UniqueKey)
	dst = appendJSONString(append(dst, `,"p":`...), o.ProfileID)
	dst = append(dst, `,"o":`...)
	if o.objectJSON != nil {
		dst = append(dst, o.objectJSON...)
	} else {
		dst = appendJSONString(dst, o.Object)
	}
	if len(o.Keys) > 0 {
		dst = append(dst, `,"k":{`...)
		for i, key := range sortedMapKeys(o.Keys) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendJSONString(dst, key), ':')
			vals := o.Keys[key]
			if vals == nil {
				dst = append(dst, "null"...)
				continue
			}
			dst = append(dst, '[')
			for j, v := range vals {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = appendJSONString(dst, v)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	dst = appendIntMember(dst, "s", o.Seq)
	dst = appendIntMember(dst, "a", o.At)
	dst = appendIntMember(dst, "ca", o.Created)
	dst = appendIntMember(dst, "x", o.Expires)
	return append(dst, '}')
}

// appendJSON appends the statistics as json.Marshal writes them.
func (st *domainStats) appendJSON(dst []byte) []byte {
	dst = strconv.AppendInt(append(dst, `{"p":`...), st.Profiles, 10)
	dst = appendIntMember(dst, "m", st.Metering)
	dst = appendIntMember(dst, "o", st.Objects)
	dst = appendIntMember(dst, "b", st.Bytes)
	return append(dst, '}')
}

// The decoders below read records in the form the encoders above write
// (members without spaces, no duplicates, no nulls where omitempty would
// have left a member out), a few times faster than encoding/json. On
// anything else they give up and the caller decodes with encoding/json,
// so they accept nothing encoding/json would read differently
// (FuzzDecodeRecords holds them to it).

// decodeProfile reads a stored profile record into p.
func decodeProfile(b []byte, p *profileRecord) error {
	d := recordDecoder{b: b}
	if d.profile(p) && d.end() {
		return nil
	}
	*p = profileRecord{}
	return json.Unmarshal(b, p)
}

// decodeObject reads a stored object record into o.
func decodeObject(b []byte, o *objectRecord) error {
	d := recordDecoder{b: b}
	if d.object(o) && d.end() {
		return nil
	}
	*o = objectRecord{}
	return json.Unmarshal(b, o)
}

// recordDecoder reads one record; every method returns false on what it
// does not expect, and the decoding is then abandoned.
type recordDecoder struct {
	b []byte
	i int
}

func (d *recordDecoder) end() bool { return d.i == len(d.b) }

func (d *recordDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *recordDecoder) word(w string) bool {
	if len(d.b)-d.i >= len(w) && string(d.b[d.i:d.i+len(w)]) == w {
		d.i += len(w)
		return true
	}
	return false
}

// str reads a string. Plain valid UTF-8 is copied as it is; a string with
// escapes goes to encoding/json, which alone says what its escapes and
// bad bytes become.
func (d *recordDecoder) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	escaped := false
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			span := d.b[start:d.i]
			d.i++
			if escaped {
				return unescape(d.b[start-1 : d.i])
			}
			if !utf8.Valid(span) {
				return "", false
			}
			return string(span), true
		case c == '\\':
			escaped = true
			d.i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// unescape reads a quoted string with escapes. The escapes appendJSONString
// writes itself are undone here; \u escapes and bytes that are not UTF-8
// go to encoding/json, which alone says what they become.
func unescape(q []byte) (string, bool) {
	span := q[1 : len(q)-1]
	if !utf8.Valid(span) {
		return unescapeJSON(q)
	}
	out := make([]byte, 0, len(span))
	for i := 0; i < len(span); i++ {
		c := span[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++ // str saw to it that an escape is followed by a byte
		switch span[i] {
		case '"', '\\', '/':
			out = append(out, span[i])
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		default: // \u, or not an escape at all
			return unescapeJSON(q)
		}
	}
	return string(out), true
}

func unescapeJSON(q []byte) (string, bool) {
	var s string
	if json.Unmarshal(q, &s) != nil {
		return "", false
	}
	return s, true
}

// int reads an integer of bits bits, written as encoding/json writes one.
func (d *recordDecoder) int(bits int) (int64, bool) {
	start := d.i
	d.eat('-')
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	n := d.i - digits
	if n == 0 || n > 1 && d.b[digits] == '0' {
		return 0, false
	}
	if d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, bits)
	return v, err == nil
}

// members reads an object's members, calling member with each name; seen
// refuses a repeated one (names are indexes into a small list).
func (d *recordDecoder) members(member func(name string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		name, ok := d.str()
		if !ok || !d.eat(':') || !member(name) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// once records that member i was read; false when it already was.
func once(seen *uint32, i int) bool {
	if *seen&(1<<i) != 0 {
		return false
	}
	*seen |= 1 << i
	return true
}

func (d *recordDecoder) profile(p *profileRecord) bool {
	var seen uint32
	return d.members(func(name string) bool {
		var ok bool
		switch name {
		case "id":
			if ok = once(&seen, 0); ok {
				p.ID, ok = d.str()
			}
		case "f":
			if ok = once(&seen, 1); ok {
				p.Fields = map[string]*fieldValue{}
				ok = d.members(func(path string) bool {
					f, ok := d.fieldValue()
					p.Fields[path] = f
					return ok
				})
			}
		case "k":
			if ok = once(&seen, 2); ok {
				p.Keys = map[string]map[string][]keySupport{}
				ok = d.members(func(key string) bool {
					vals, ok := d.supports()
					p.Keys[key] = vals
					return ok
				})
			}
		case "c":
			if ok = once(&seen, 3); ok {
				p.Counts = map[string]int{}
				ok = d.members(func(typ string) bool {
					n, ok := d.int(strconv.IntSize)
					p.Counts[typ] = int(n)
					return ok
				})
			}
		case "n":
			var n int64
			if ok = once(&seen, 4); ok {
				n, ok = d.int(strconv.IntSize)
				p.Objects = int(n)
			}
		case "b":
			if ok = once(&seen, 5); ok {
				p.Bytes, ok = d.int(64)
			}
		case "s":
			if ok = once(&seen, 6); ok {
				p.Seq, ok = d.int(64)
			}
		case "ca":
			if ok = once(&seen, 7); ok {
				p.Created, ok = d.int(64)
			}
		case "ua":
			if ok = once(&seen, 8); ok {
				p.Updated, ok = d.int(64)
			}
		case "x":
			if ok = once(&seen, 9); ok {
				p.Expires, ok = d.int(64)
			}
		}
		// "ep" (engagement preferences) and anything else: encoding/json.
		return ok
	})
}

// fieldValue reads a field value; null is a nil one.
func (d *recordDecoder) fieldValue() (*fieldValue, bool) {
	if d.word("null") {
		return nil, true
	}
	f := &fieldValue{}
	var seen uint32
	return f, d.members(func(name string) bool {
		var ok bool
		switch name {
		case "v":
			if ok = once(&seen, 0); ok {
				f.V, ok = d.str()
			}
		case "m":
			if ok = once(&seen, 1); ok {
				switch {
				case d.word("true"):
					f.Manual = true
				case d.word("false"):
					f.Manual = false
				default:
					ok = false
				}
			}
		case "t":
			if ok = once(&seen, 2); ok {
				f.Type, ok = d.str()
			}
		case "o":
			if ok = once(&seen, 3); ok {
				f.Object, ok = d.str()
			}
		case "p":
			var n int64
			if ok = once(&seen, 4); ok {
				n, ok = d.int(32)
				f.Priority = int32(n)
			}
		case "a":
			if ok = once(&seen, 5); ok {
				f.At, ok = d.int(64)
			}
		}
		return ok
	})
}

// supports reads one key's values and their supports; null is nil.
func (d *recordDecoder) supports() (map[string][]keySupport, bool) {
	if d.word("null") {
		return nil, true
	}
	vals := map[string][]keySupport{}
	return vals, d.members(func(v string) bool {
		if d.word("null") {
			vals[v] = nil
			return true
		}
		if !d.eat('[') {
			return false
		}
		sup := []keySupport{}
		if !d.eat(']') {
			for {
				var s keySupport
				var seen uint32
				ok := d.members(func(name string) bool {
					var ok bool
					switch name {
					case "r":
						if ok = once(&seen, 0); ok {
							s.Ref, ok = d.str()
						}
					case "e":
						if ok = once(&seen, 1); ok {
							s.Exp, ok = d.int(64)
						}
					}
					return ok
				})
				if !ok {
					return false
				}
				sup = append(sup, s)
				if d.eat(']') {
					break
				}
				if !d.eat(',') {
					return false
				}
			}
		}
		vals[v] = sup
		return true
	})
}

func (d *recordDecoder) object(o *objectRecord) bool {
	var seen uint32
	return d.members(func(name string) bool {
		var ok bool
		switch name {
		case "t":
			if ok = once(&seen, 0); ok {
				o.Type, ok = d.str()
			}
		case "u":
			if ok = once(&seen, 1); ok {
				o.UniqueKey, ok = d.str()
			}
		case "p":
			if ok = once(&seen, 2); ok {
				o.ProfileID, ok = d.str()
			}
		case "o":
			if ok = once(&seen, 3); ok {
				o.Object, ok = d.str()
			}
		case "k":
			if ok = once(&seen, 4); ok {
				o.Keys = map[string][]string{}
				ok = d.members(func(key string) bool {
					vals, ok := d.strings()
					o.Keys[key] = vals
					return ok
				})
			}
		case "s":
			if ok = once(&seen, 5); ok {
				o.Seq, ok = d.int(64)
			}
		case "a":
			if ok = once(&seen, 6); ok {
				o.At, ok = d.int(64)
			}
		case "ca":
			if ok = once(&seen, 7); ok {
				o.Created, ok = d.int(64)
			}
		case "x":
			if ok = once(&seen, 8); ok {
				o.Expires, ok = d.int(64)
			}
		}
		return ok
	})
}

// strings reads an array of strings; null is nil.
func (d *recordDecoder) strings() ([]string, bool) {
	if d.word("null") {
		return nil, true
	}
	if !d.eat('[') {
		return nil, false
	}
	out := []string{}
	if d.eat(']') {
		return out, true
	}
	for {
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if d.eat(']') {
			return out, true
		}
		if !d.eat(',') {
			return nil, false
		}
	}
}
