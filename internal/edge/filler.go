package edge

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// filler sets the body members of a generated input type from the request's
// parsed JSON object, field by field, exactly as json.Unmarshal would set
// them from the body that object was read from. It knows the field types
// most operations have: strings, booleans, numbers, pointers to them, and
// lists and string-keyed maps of those. For anything else (a member whose
// field is a structure, a value of the wrong JSON type, a number that does
// not fit) fill reports false, and the caller unmarshals the body instead;
// that is what gives any error its wording.
//
// Filling from the object the edge has already parsed for validation is
// what spares each request a second decoding of its body.
type filler struct {
	fields map[string]fillField // by wire name
}

type fillField struct {
	index int
	set   setFunc // nil: the filler does not handle this member
	// skip marks a member bound to the URI, query string or a header. The
	// parsed body doubles as the validation document, which holds these
	// too; the decoder drops any the body itself carried.
	skip bool
}

// setFunc sets f from a decoded JSON value, or reports false without
// having set anything that matters (the caller then starts over).
type setFunc func(f reflect.Value, val any) bool

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// newFiller plans the filling of t's body members; nil when t is not a
// plain struct whose fields json.Unmarshal finds by their tags alone.
func newFiller(c *codec, t reflect.Type) *filler {
	if t.Kind() != reflect.Struct || unmarshals(t) {
		return nil
	}
	byName := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil // promoted fields: leave them to encoding/json
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") || !plainName(name) {
			return nil
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := byName[name]; dup {
			return nil
		}
		byName[name] = i
	}
	fl := &filler{fields: map[string]fillField{}}
	if c.bodyIsDoc {
		for name := range c.located {
			fl.fields[name] = fillField{skip: true}
		}
	}
	for wire := range c.body {
		idx, ok := byName[wire]
		if !ok {
			fl.fields[wire] = fillField{index: -1}
			continue
		}
		fl.fields[wire] = fillField{index: idx, set: setterFor(t.Field(idx).Type)}
	}
	return fl
}

// plainName reports whether a json tag name is one encoding/json takes as
// it is (it ignores some others and uses the field's name).
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// fill sets v's fields from obj, whose every member must be one of the
// input's body members or, where the object is also the validation
// document, a bound member (the decoder checks that).
func (fl *filler) fill(v reflect.Value, obj map[string]any) bool {
	if fl == nil {
		return false
	}
	for k, x := range obj {
		f, ok := fl.fields[k]
		if f.skip {
			continue
		}
		if !ok || f.set == nil || !f.set(v.Field(f.index), x) {
			return false
		}
	}
	return true
}

// unmarshals reports whether encoding/json decodes t with its own methods.
func unmarshals(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshalerType) || p.Implements(jsonUnmarshalerType) ||
		t.Implements(textUnmarshalerType) || p.Implements(textUnmarshalerType)
}

// setterFor returns how to set a field of type t, or nil.
func setterFor(t reflect.Type) setFunc {
	if unmarshals(t) {
		return nil
	}
	if set := scalarSetter(t); set != nil {
		return set
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := scalarSetter(t.Elem())
		if elem == nil {
			return nil
		}
		return pointerSetter(t, elem)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is base64 to encoding/json
		}
		elem := itemSetter(t.Elem())
		if elem == nil {
			return nil
		}
		return func(f reflect.Value, val any) bool {
			if val == nil {
				f.SetZero()
				return true
			}
			items, ok := val.([]any)
			if !ok {
				return false
			}
			sl := reflect.MakeSlice(t, len(items), len(items))
			for i, item := range items {
				// null leaves an item at its zero value, as in encoding/json.
				if item != nil && !elem(sl.Index(i), item) {
					return false
				}
			}
			f.Set(sl)
			return true
		}
	case reflect.Map:
		kt := t.Key()
		if kt.Kind() != reflect.String || unmarshals(kt) {
			return nil
		}
		elem := itemSetter(t.Elem())
		if elem == nil {
			return nil
		}
		return func(f reflect.Value, val any) bool {
			if val == nil {
				f.SetZero()
				return true
			}
			obj, ok := val.(map[string]any)
			if !ok {
				return false
			}
			m := reflect.MakeMapWithSize(t, len(obj))
			for k, x := range obj {
				// null stores the zero value, as in encoding/json.
				ev := reflect.New(t.Elem()).Elem()
				if x != nil && !elem(ev, x) {
					return false
				}
				kv := reflect.New(kt).Elem()
				kv.SetString(k)
				m.SetMapIndex(kv, ev)
			}
			f.Set(m)
			return true
		}
	}
	return nil
}

// itemSetter is setterFor for list items and map values: a scalar or a
// pointer to one.
func itemSetter(t reflect.Type) setFunc {
	if unmarshals(t) {
		return nil
	}
	if set := scalarSetter(t); set != nil {
		return set
	}
	if t.Kind() == reflect.Pointer {
		if elem := scalarSetter(t.Elem()); elem != nil {
			return pointerSetter(t, elem)
		}
	}
	return nil
}

func pointerSetter(t reflect.Type, elem setFunc) setFunc {
	return func(f reflect.Value, val any) bool {
		if val == nil {
			f.SetZero()
			return true
		}
		p := reflect.New(t.Elem())
		if !elem(p.Elem(), val) {
			return false
		}
		f.Set(p)
		return true
	}
}

// scalarSetter handles strings, booleans and numbers; JSON null leaves the
// field as it is, as encoding/json does.
func scalarSetter(t reflect.Type) setFunc {
	if unmarshals(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		return func(f reflect.Value, val any) bool {
			switch x := val.(type) {
			case nil:
				return true
			case string:
				f.SetString(x)
				return true
			}
			return false
		}
	case reflect.Bool:
		return func(f reflect.Value, val any) bool {
			switch x := val.(type) {
			case nil:
				return true
			case bool:
				f.SetBool(x)
				return true
			}
			return false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(f reflect.Value, val any) bool {
			switch x := val.(type) {
			case nil:
				return true
			case json.Number:
				n, err := strconv.ParseInt(string(x), 10, 64)
				if err != nil || f.OverflowInt(n) {
					return false
				}
				f.SetInt(n)
				return true
			}
			return false
		}
	case reflect.Float64:
		return func(f reflect.Value, val any) bool {
			switch x := val.(type) {
			case nil:
				return true
			case json.Number:
				n, err := strconv.ParseFloat(string(x), 64)
				if err != nil {
					return false
				}
				f.SetFloat(n)
				return true
			}
			return false
		}
	}
	return nil
}
