package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// ParamKind is the JSON kind of a parameter node.
type ParamKind uint8

// The JSON kinds; ParamNull is first so that the zero Param is a JSON null.
const (
	ParamNull ParamKind = iota
	ParamString
	ParamNumber
	ParamBool
	ParamObject
	ParamArray
)

func (k ParamKind) String() string {
	switch k {
	case ParamNull:
		return "null"
	case ParamString:
		return "string"
	case ParamNumber:
		return "number"
	case ParamBool:
		return "boolean"
	case ParamObject:
		return "object"
	case ParamArray:
		return "array"
	}
	return "ParamKind(" + strconv.Itoa(int(k)) + ")"
}

// Param is one node of an action's parsed Parameters. Every string in the
// tree is pre-parsed into a Value so that the interpreter never parses text
// at run time.
type Param struct {
	Kind ParamKind
	// Value is the parsed text of a string. For a number or boolean it is the
	// literal as static text ("5", "true"): the language writes scalars as
	// strings, so readers can treat both alike.
	Value Value
	// Fields are an object's members in document order. A key repeated in
	// the source keeps its first position and its last value, as
	// encoding/json does.
	Fields []Field
	// Items are an array's elements.
	Items []Param
}

// Field is one member of an object Param.
type Field struct {
	Name string
	// Key is Name parsed as a Value: some maps (contact attributes) allow
	// references in keys.
	Key   Value
	Param Param
}

// Get returns the member called name of an object Param.
func (p *Param) Get(name string) (*Param, bool) {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i].Param, true
		}
	}
	return nil, false
}

// ValueOf returns the parsed string at name in an object Param; ok is false
// when the member is missing or is not a string, number or boolean.
func (p *Param) ValueOf(name string) (v Value, ok bool) {
	c, found := p.Get(name)
	if !found {
		return Value{}, false
	}
	switch c.Kind {
	case ParamString, ParamNumber, ParamBool:
		return c.Value, true
	}
	return Value{}, false
}

// parseParams builds the Param tree of raw, which must be valid JSON.
func parseParams(raw json.RawMessage) (Param, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	p, err := decodeParam(dec)
	if err != nil {
		return Param{}, err
	}
	if _, err := dec.Token(); err == nil {
		return Param{}, fmt.Errorf("unexpected data after the value")
	}
	return p, nil
}

// dedupeAt is the object size from which duplicate keys are found with a map
// instead of a scan, so that a huge object cannot make parsing quadratic.
const dedupeAt = 16

func decodeParam(dec *json.Decoder) (Param, error) {
	tok, err := dec.Token()
	if err != nil {
		return Param{}, err
	}
	switch t := tok.(type) {
	case nil:
		return Param{Kind: ParamNull}, nil
	case string:
		return Param{Kind: ParamString, Value: ParseValue(t)}, nil
	case json.Number:
		return Param{Kind: ParamNumber, Value: Value{text: string(t)}}, nil
	case bool:
		return Param{Kind: ParamBool, Value: Value{text: strconv.FormatBool(t)}}, nil
	case json.Delim:
		switch t {
		case '{':
			p := Param{Kind: ParamObject}
			var seen map[string]int
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return Param{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return Param{}, fmt.Errorf("object key is not a string")
				}
				child, err := decodeParam(dec)
				if err != nil {
					return Param{}, err
				}
				if i, dup := findField(p.Fields, seen, key); dup {
					p.Fields[i].Param = child
					continue
				}
				p.Fields = append(p.Fields, Field{Name: key, Key: ParseValue(key), Param: child})
				if seen != nil {
					seen[key] = len(p.Fields) - 1
				} else if len(p.Fields) >= dedupeAt {
					seen = make(map[string]int, 2*len(p.Fields))
					for i, f := range p.Fields {
						seen[f.Name] = i
					}
				}
			}
			if _, err := dec.Token(); err != nil {
				return Param{}, err
			}
			return p, nil
		case '[':
			p := Param{Kind: ParamArray, Items: []Param{}}
			for dec.More() {
				child, err := decodeParam(dec)
				if err != nil {
					return Param{}, err
				}
				p.Items = append(p.Items, child)
			}
			if _, err := dec.Token(); err != nil {
				return Param{}, err
			}
			return p, nil
		}
	}
	return Param{}, fmt.Errorf("unexpected token %v", tok)
}

func findField(fields []Field, seen map[string]int, key string) (int, bool) {
	if seen != nil {
		i, ok := seen[key]
		return i, ok
	}
	for i := range fields {
		if fields[i].Name == key {
			return i, true
		}
	}
	return 0, false
}
