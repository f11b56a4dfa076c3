package profiles

import (
	"encoding/json"
	"github.com/hotline-dev/hotline/internal/jsonscan"
	"slices"
	"strconv"
	"strings"
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
		// written here as encoding/json writes them, and other UTF-8 as it
		// is; anything else (HTML characters, other control bytes, invalid
		// UTF-8, U+2028 and U+2029) is left to it.
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
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s[i:])
				if r != utf8.RuneError && r != '\u2028' && r != '\u2029' {
					i += size - 1
					continue
				}
			}
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

// jsonStringSize is about how many bytes appendJSONString writes for s:
// exactly, when s needs no escapes but of quotes and backslashes.
func jsonStringSize(s string) int {
	return len(s) + 2 + strings.Count(s, `"`) + strings.Count(s, `\`)
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

// appendSortedKeys appends m's keys to dst in the order json.Marshal
// writes them. Callers pass a small array on their stack as dst, so the
// usual map needs no allocation.
func appendSortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// appendJSON appends the profile as json.Marshal writes it.
func (p *profileRecord) appendJSON(dst []byte) ([]byte, error) {
	// A small dst (a new record's) grows once, rather than as it fills.
	if free := cap(dst) - len(dst); free < 1024 {
		if size := p.jsonSize(); free < size {
			dst = slices.Grow(dst, size)
		}
	}
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, p.ID)
	if len(p.Fields) > 0 {
		dst = append(dst, `,"f":{`...)
		var buf [24]string
		for i, path := range appendSortedKeys(buf[:0], p.Fields) {
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
		var buf [12]string
		for i, key := range appendSortedKeys(buf[:0], p.Keys) {
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
		var buf [4]string
		for i, typ := range appendSortedKeys(buf[:0], p.Counts) {
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
	if p.Queue != 0 {
		dst = appendIntMember(dst, "q", p.Queue)
	}
	return append(dst, '}'), nil
}

// jsonSize is about the length of the profile's record, escapes aside.
func (p *profileRecord) jsonSize() int {
	n := 128 + len(p.ID) + 24*len(p.Counts)
	for path, f := range p.Fields {
		n += len(path) + 8
		if f != nil {
			n += len(f.V) + len(f.Type) + len(f.Object) + 56
		}
	}
	for key, vals := range p.Keys {
		n += len(key) + 8
		for v, sup := range vals {
			n += len(v) + 8
			for _, s := range sup {
				n += len(s.Ref) + 32
			}
		}
	}
	return n
}

// appendSupports appends one key's values and their supports.
func appendSupports(dst []byte, vals map[string][]keySupport) []byte {
	if vals == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	var buf [4]string
	for i, v := range appendSortedKeys(buf[:0], vals) {
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
	if o.Keys == nil && o.keyList != nil {
		dst = appendKeyList(dst, o.keyList)
	} else if len(o.Keys) > 0 {
		dst = append(dst, `,"k":{`...)
		var buf [8]string
		for i, key := range appendSortedKeys(buf[:0], o.Keys) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendJSONString(dst, key), ':')
			dst = appendStrings(dst, o.Keys[key])
		}
		dst = append(dst, '}')
	}
	dst = appendIntMember(dst, "s", o.Seq)
	dst = appendIntMember(dst, "a", o.At)
	dst = appendIntMember(dst, "ca", o.Created)
	dst = appendIntMember(dst, "x", o.Expires)
	if o.Queue != 0 {
		dst = appendIntMember(dst, "q", o.Queue)
	}
	return append(dst, '}')
}

// jsonSize is about the length of the object's record, escapes aside.
func (o *objectRecord) jsonSize() int {
	n := 160 + len(o.Type) + len(o.UniqueKey) + len(o.ProfileID)
	if o.objectJSON != nil {
		n += len(o.objectJSON)
	} else {
		n += jsonStringSize(o.Object)
	}
	for key, vals := range o.Keys {
		n += len(key) + 8
		for _, v := range vals {
			n += len(v) + 4
		}
	}
	for _, kv := range o.keyList {
		n += len(kv.name) + len(kv.value) + 8
	}
	return n
}

// appendKeyList appends the "k" member an object's record has for the key
// values its evaluation found (in key-name order): those of each name
// other than LOOKUP_ONLY ones, each once, in the order found; as Keys
// built from them would be written.
func appendKeyList(dst []byte, keys []keyValue) []byte {
	mark := len(dst)
	last := "" // the key written last
	for i, kv := range keys {
		if kv.flags&keyLookupOnly != 0 {
			continue
		}
		open := len(dst) == mark || kv.name != last
		last = kv.name
		if !open && seenKeyValue(keys[:i], kv) {
			continue
		}
		switch {
		case len(dst) == mark:
			dst = append(dst, `,"k":{`...)
		case open:
			dst = append(dst, "],"...)
		default:
			dst = append(dst, ',')
		}
		if open {
			dst = append(appendJSONString(dst, kv.name), ':', '[')
		}
		dst = appendJSONString(dst, kv.value)
	}
	if len(dst) > mark {
		dst = append(dst, ']', '}')
	}
	return dst
}

// seenKeyValue reports whether an earlier stored value of kv's key is
// kv's value.
func seenKeyValue(earlier []keyValue, kv keyValue) bool {
	for i := len(earlier) - 1; i >= 0 && earlier[i].name == kv.name; i-- {
		if earlier[i].flags&keyLookupOnly == 0 && earlier[i].value == kv.value {
			return true
		}
	}
	return false
}

// appendJSON appends the statistics as json.Marshal writes them.
func (st *domainStats) appendJSON(dst []byte) []byte {
	dst = slices.Grow(dst, 104) // the longest, in one allocation
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
	return decodeProfileOf(b, p, "")
}

// decodeProfileOf is decodeProfile for the profile whose id is id (or
// unknown: ""), whose copy it then keeps rather than copying the record's.
func decodeProfileOf(b []byte, p *profileRecord, id string) error {
	d := recordDecoder{b: b, id: id}
	if d.profile(p) && d.end() {
		return nil
	}
	*p = profileRecord{}
	return json.Unmarshal(b, p)
}

// decodeProfileKeys is decodeProfile keeping the key supports of the
// named keys only (all when keys is nil): enough to render the profile and
// to check that it owns those keys' values, as a search does. Such a
// profile must not be saved.
func decodeProfileKeys(b []byte, p *profileRecord, keys []string) error {
	d := recordDecoder{b: b, keys: keys}
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

// decodeObjectHead reads a stored object record of type typ and unique key
// uk into o, except its text (of which it keeps the length in o.size) and
// its keys; o.head says so. On a record the fast decoder gives up on, it
// reads the whole of it as decodeObject does.
func decodeObjectHead(b []byte, o *objectRecord, typ, uk string) error {
	d := recordDecoder{b: b, typ: typ, uk: uk, head: true}
	if d.object(o) && d.end() {
		o.head = true
		return nil
	}
	*o = objectRecord{}
	return decodeObject(b, o)
}

// recordDecoder reads one record; every method returns false on what it
// does not expect, and the decoding is then abandoned.
type recordDecoder struct {
	b []byte
	i int

	// Strings a record repeats (its id, the type and unique key of its
	// objects, their references), as last read or known beforehand: a
	// plain string equal to one is not copied again.
	id, typ, uk, ref string
	// head: skip an object's text (keeping its length) and keys.
	head bool
	// keys: when not nil, a profile's key supports are read for these
	// key names only (a search needs no others).
	keys []string
	// The field values and supports of a profile, allocated a few at a
	// time.
	fields []fieldValue
	sups   []keySupport
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

// quoted reads a string: q is it with its quotes, escaped says whether it
// holds escapes.
func (d *recordDecoder) quoted() (q []byte, escaped, ok bool) {
	if !d.eat('"') {
		return nil, false, false
	}
	start := d.i - 1
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return d.b[start:d.i], escaped, true
		case c == '\\':
			escaped = true
			d.i++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, false, false
		}
	}
	return nil, false, false
}

// str reads a string. Plain valid UTF-8 is copied as it is; a string with
// escapes goes to encoding/json, which alone says what its escapes and
// bad bytes become.
func (d *recordDecoder) str() (string, bool) {
	return d.strLike(nil)
}

// strLike is str returning *last, not a copy, when the string is plain and
// equal to it; otherwise it sets *last to what it read. last may be nil.
func (d *recordDecoder) strLike(last *string) (string, bool) {
	q, escaped, ok := d.quoted()
	if !ok {
		return "", false
	}
	if escaped {
		s, ok := unescape(q)
		if ok && last != nil {
			*last = s
		}
		return s, ok
	}
	span := q[1 : len(q)-1]
	if !utf8.Valid(span) {
		return "", false
	}
	if last != nil && string(span) == *last {
		return *last, true
	}
	s := string(span)
	if last != nil {
		*last = s
	}
	return s, true
}

// text is str without the copy of a plain string: the bytes returned are
// valid only until the next read.
func (d *recordDecoder) text() ([]byte, bool) {
	q, escaped, ok := d.quoted()
	if !ok {
		return nil, false
	}
	if escaped {
		s, ok := unescape(q)
		return []byte(s), ok
	}
	span := q[1 : len(q)-1]
	return span, utf8.Valid(span)
}

// strLen reads a string as str does, but only measures it.
func (d *recordDecoder) strLen() (int, bool) {
	q, escaped, ok := d.quoted()
	if !ok {
		return 0, false
	}
	span := q[1 : len(q)-1]
	if !escaped {
		return len(span), utf8.Valid(span)
	}
	if !utf8.Valid(span) {
		s, ok := unescapeJSON(q)
		return len(s), ok
	}
	// As unescape reads it.
	n := 0
	for i := 0; i < len(span); i++ {
		n++
		if span[i] != '\\' {
			continue
		}
		i++
		switch span[i] {
		case '"', '\\', '/', 'n', 'r', 't', 'b', 'f':
		default:
			s, ok := unescapeJSON(q)
			return len(s), ok
		}
	}
	return n, true
}

// knownStrings are names records hold many copies of: standard field paths,
// standard key names and support references. A decoded one is shared.
var knownStrings = func() map[string]string {
	m := map[string]string{refStandard: refStandard, refManual: refManual}
	for k := range standardKinds {
		m[k] = k
	}
	for _, f := range stringMembers {
		m[f] = f
	}
	for _, a := range addressMembers {
		for _, part := range addressParts {
			m[a+"."+part] = a + "." + part
		}
	}
	return m
}()

// share returns b as a string: a known one, or *last when equal to it
// (else it sets *last to the copy it returns).
func (d *recordDecoder) share(b []byte, last *string) string {
	if s, ok := knownStrings[string(b)]; ok {
		return s
	}
	if string(b) != *last {
		*last = string(b)
	}
	return *last
}

// known returns b as a string, shared when it is a known one.
func known(b []byte) string {
	if s, ok := knownStrings[string(b)]; ok {
		return s
	}
	return string(b)
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
		e, ok := jsonscan.SimpleEscape(span[i])
		if !ok { // \u, or not an escape at all
			return unescapeJSON(q)
		}
		out = append(out, e)
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
	if n > 18 { // might not fit
		v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, bits)
		return v, err == nil
	}
	var v int64
	for _, c := range d.b[digits:d.i] {
		v = v*10 + int64(c-'0')
	}
	if digits > start {
		v = -v
	}
	if bits < 64 && (v < -1<<(bits-1) || v > 1<<(bits-1)-1) {
		return 0, false
	}
	return v, true
}

// members reads an object's members, calling member with each name (its
// bytes are valid only until the next read); seen refuses a repeated one
// (names are indexes into a small list).
func (d *recordDecoder) members(member func(name []byte) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		name, ok := d.text()
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
	return d.members(func(name []byte) bool {
		var ok bool
		switch string(name) {
		case "id":
			if ok = once(&seen, 0); ok {
				p.ID, ok = d.strLike(&d.id)
			}
		case "f":
			if ok = once(&seen, 1); ok {
				p.Fields = map[string]*fieldValue{}
				ok = d.members(func(path []byte) bool {
					key := known(path)
					f, ok := d.fieldValue()
					p.Fields[key] = f
					return ok
				})
			}
		case "k":
			if ok = once(&seen, 2); ok {
				p.Keys = map[string]map[string][]keySupport{}
				ok = d.members(func(name []byte) bool {
					if d.keys != nil && !slices.Contains(d.keys, string(name)) {
						return d.skipValue()
					}
					key := known(name)
					vals, ok := d.supports()
					p.Keys[key] = vals
					return ok
				})
			}
		case "c":
			if ok = once(&seen, 3); ok {
				p.Counts = map[string]int{}
				ok = d.members(func(name []byte) bool {
					typ := d.typ
					if string(name) != typ {
						typ = string(name)
						d.typ = typ
					}
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
		case "q":
			if ok = once(&seen, 10); ok {
				p.Queue, ok = d.int(64)
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
	if len(d.fields) == cap(d.fields) {
		d.fields = make([]fieldValue, 0, 8)
	}
	d.fields = d.fields[:len(d.fields)+1]
	f := &d.fields[len(d.fields)-1]
	var seen uint32
	return f, d.members(func(name []byte) bool {
		var ok bool
		switch string(name) {
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
				f.Type, ok = d.strLike(&d.typ)
			}
		case "o":
			if ok = once(&seen, 3); ok {
				f.Object, ok = d.strLike(&d.uk)
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
	return vals, d.members(func(name []byte) bool {
		v := d.id // the _profileId value
		if string(name) != v {
			v = string(name)
		}
		if d.word("null") {
			vals[v] = nil
			return true
		}
		if !d.eat('[') {
			return false
		}
		// The value's supports go at the end of d.sups; its slice is
		// capped there, so appending to it never overwrites another's.
		if len(d.sups) == cap(d.sups) {
			d.sups = make([]keySupport, 0, 8)
		}
		start := len(d.sups)
		if !d.eat(']') {
			for {
				var s keySupport
				var seen uint32
				ok := d.members(func(name []byte) bool {
					var ok bool
					switch string(name) {
					case "r":
						if ok = once(&seen, 0); ok {
							var ref []byte
							if ref, ok = d.text(); ok {
								s.Ref = d.share(ref, &d.ref)
							}
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
				if len(d.sups) == cap(d.sups) {
					// Move this value's supports to a larger slab.
					grown := make([]keySupport, 0, max(8, 2*(len(d.sups)-start)))
					d.sups = append(grown, d.sups[start:]...)
					start = 0
				}
				d.sups = append(d.sups, s)
				if d.eat(']') {
					break
				}
				if !d.eat(',') {
					return false
				}
			}
		}
		vals[v] = d.sups[start:len(d.sups):len(d.sups)]
		return true
	})
}

func (d *recordDecoder) object(o *objectRecord) bool {
	var seen uint32
	return d.members(func(name []byte) bool {
		var ok bool
		switch string(name) {
		case "t":
			if ok = once(&seen, 0); ok {
				o.Type, ok = d.strLike(&d.typ)
			}
		case "u":
			if ok = once(&seen, 1); ok {
				o.UniqueKey, ok = d.strLike(&d.uk)
			}
		case "p":
			if ok = once(&seen, 2); ok {
				o.ProfileID, ok = d.str()
			}
		case "o":
			if ok = once(&seen, 3); ok {
				if d.head {
					var n int
					n, ok = d.strLen()
					o.size = int64(n)
				} else {
					o.Object, ok = d.str()
				}
			}
		case "k":
			if ok = once(&seen, 4); ok {
				if !d.head {
					o.Keys = map[string][]string{}
				}
				ok = d.members(func(name []byte) bool {
					if d.head {
						return d.skipStrings()
					}
					key := known(name)
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
		case "q":
			if ok = once(&seen, 9); ok {
				o.Queue, ok = d.int(64)
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

// skipStrings reads what strings reads, and keeps nothing.
// skipValue passes over one value of a record without keeping it: null,
// true, false, a string, an integer, or an array or object of those.
func (d *recordDecoder) skipValue() bool {
	switch {
	case d.word("null"), d.word("true"), d.word("false"):
		return true
	case d.i < len(d.b) && d.b[d.i] == '"':
		_, ok := d.strLen()
		return ok
	case d.i < len(d.b) && d.b[d.i] == '{':
		return d.members(func([]byte) bool { return d.skipValue() })
	case d.eat('['):
		if d.eat(']') {
			return true
		}
		for {
			if !d.skipValue() {
				return false
			}
			if d.eat(']') {
				return true
			}
			if !d.eat(',') {
				return false
			}
		}
	default:
		_, ok := d.int(64)
		return ok
	}
}

func (d *recordDecoder) skipStrings() bool {
	if d.word("null") {
		return true
	}
	if !d.eat('[') {
		return false
	}
	if d.eat(']') {
		return true
	}
	for {
		if _, ok := d.strLen(); !ok {
			return false
		}
		if d.eat(']') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}
