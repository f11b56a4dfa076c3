package interp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// checkCached encodes c through jc and fresh, and fails on a difference.
func checkCached(t *testing.T, step string, c *Contact, jc *JSONCache) {
	t.Helper()
	want, werr := c.AppendJSON(nil)
	got, gerr := c.AppendJSONCache([]byte("prefix"), jc)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: error %v through the cache, %v fresh", step, gerr, werr)
	}
	if string(got) != "prefix"+string(want) {
		t.Fatalf("%s: through the cache\n%s\nfresh\n%s", step, got, want)
	}
}

// The attributes change in every way between encodings.
func TestJSONCacheAttributes(t *testing.T) {
	c := fullContact()
	c.References = nil
	jc := &JSONCache{}
	checkCached(t, "start", c, jc)
	for _, tc := range []struct {
		name   string
		change func(m map[string]string) map[string]string
	}{
		{"unchanged", func(m map[string]string) map[string]string { return m }},
		{"a value", func(m map[string]string) map[string]string { m["a"] = "<3>"; return m }},
		{"a value of the same text", func(m map[string]string) map[string]string {
			m["a"] = strings.Clone(m["a"])
			return m
		}},
		{"a key added", func(m map[string]string) map[string]string { m["b"] = "new"; return m }},
		{"a key deleted", func(m map[string]string) map[string]string { delete(m, "z"); return m }},
		{"one key for another, same value", func(m map[string]string) map[string]string {
			v := m["b"]
			delete(m, "b")
			m["c"] = v
			return m
		}},
		{"one key for another, another value", func(m map[string]string) map[string]string {
			delete(m, "c")
			m["d"] = "\x01\"\\"
			return m
		}},
		{"an empty value", func(m map[string]string) map[string]string { m["d"] = ""; return m }},
		{"emptied", func(m map[string]string) map[string]string { clear(m); return m }},
		{"refilled", func(m map[string]string) map[string]string { m["a"] = "<2>"; return m }},
		{"nil", func(map[string]string) map[string]string { return nil }},
		{"a new map, same attributes", func(map[string]string) map[string]string { return map[string]string{"a": "<2>"} }},
		{"a new map, others", func(map[string]string) map[string]string {
			return map[string]string{"é": "ü", "\u2028": "x", "k": "v"}
		}},
		{"many", func(map[string]string) map[string]string {
			m := map[string]string{}
			for i := range 40 {
				m[strings.Repeat("k", i+1)] = strings.Repeat("v", 40-i)
			}
			return m
		}},
		{"many, one changed", func(m map[string]string) map[string]string { m["kkk"] = "changed"; return m }},
	} {
		c.Attributes = tc.change(c.Attributes)
		checkCached(t, tc.name, c, jc)
		checkCached(t, tc.name+" (again)", c, jc)
	}
}

// Every field of the contact, and of every struct in it, changes in turn
// between encodings through one cache.
func TestJSONCacheEveryField(t *testing.T) {
	for _, refs := range []bool{false, true} {
		c := fullContact()
		if !refs {
			c.References = nil // the members before Attributes are cached
		}
		jc := &JSONCache{}
		checkCached(t, "start", c, jc)
		var walk func(path string, v reflect.Value)
		walk = func(path string, v reflect.Value) {
			step := func() {
				t.Helper()
				checkCached(t, path, c, jc)
			}
			switch v.Kind() {
			case reflect.String:
				old := v.String()
				v.SetString(old + "<é>")
				step()
				v.SetString("")
				step()
				v.SetString(old)
				step()
			case reflect.Bool:
				v.SetBool(!v.Bool())
				step()
				v.SetBool(!v.Bool())
				step()
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				v.SetInt(v.Int() + 1)
				step()
				v.SetInt(0)
				step()
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				v.SetUint(v.Uint() + 1)
				step()
				v.SetUint(0)
				step()
			case reflect.Struct:
				if tm, ok := v.Interface().(time.Time); ok {
					v.Set(reflect.ValueOf(tm.Add(time.Second)))
					step()
					v.Set(reflect.ValueOf(time.Time{}))
					step()
					return
				}
				for i := range v.NumField() {
					if f := v.Type().Field(i); f.IsExported() {
						walk(path+"."+f.Name, v.Field(i))
					}
				}
			case reflect.Pointer: // *Data
				d, err := ParseData([]byte(`{"b":"<x>","a":[1,{"c":"d"}]}`))
				if err != nil {
					t.Fatal(err)
				}
				v.Set(reflect.ValueOf(d))
				step()
				v.Set(reflect.Zero(v.Type()))
				step()
			case reflect.Slice:
				switch v.Type() {
				case reflect.TypeFor[json.RawMessage]():
					v.Set(reflect.ValueOf(json.RawMessage(`{"k" : "<v>"}`)))
					step()
					v.Set(reflect.Zero(v.Type()))
					step()
				case reflect.TypeFor[[]string]():
					v.Set(reflect.Append(v, reflect.ValueOf("x<")))
					step()
					v.Set(reflect.Zero(v.Type()))
					step()
				default: // []Frame
					for i := range v.Len() {
						walk(path+"[i]", v.Index(i))
					}
					v.Set(reflect.Append(v, v.Index(0)))
					step()
					v.Set(v.Slice(0, 0))
					step()
				}
			case reflect.Map:
				k := reflect.ValueOf("new<key>")
				e := reflect.New(v.Type().Elem()).Elem()
				switch e.Kind() {
				case reflect.String:
					e.SetString("new value")
				case reflect.Int:
					e.SetInt(7)
				case reflect.Slice:
					e.Set(reflect.ValueOf(json.RawMessage(`{"n":1}`)))
				case reflect.Struct:
					e.Field(0).SetString("URL")
				}
				if v.IsNil() {
					v.Set(reflect.MakeMap(v.Type()))
				}
				v.SetMapIndex(k, e)
				step()
				v.SetMapIndex(k, reflect.Value{})
				step()
				v.Set(reflect.Zero(v.Type()))
				step()
			default:
				t.Fatalf("%s: a %s field: teach this test to change it", path, v.Kind())
			}
		}
		walk("Contact", reflect.ValueOf(c).Elem())
	}
}

// A reset cache keeps nothing of the contact.
func TestJSONCacheReset(t *testing.T) {
	c := fullContact()
	c.References = nil
	jc := &JSONCache{}
	checkCached(t, "start", c, jc)
	jc.Reset()
	if !reflect.DeepEqual(jc.head, contactHead{}) || jc.headOK || jc.attrsOK || len(jc.attrs) != 0 {
		t.Fatalf("reset cache: %+v", jc)
	}
	for _, e := range jc.attrs[:cap(jc.attrs)] {
		if e != (entry[string]{}) {
			t.Fatalf("reset cache keeps %q", e.k)
		}
	}
	checkCached(t, "after reset", c, jc)
}

// Times recur between encodings in other locations, with a monotonic
// reading, and out of range.
func TestJSONCacheTimes(t *testing.T) {
	c := fullContact()
	jc := &JSONCache{}
	t0 := c.Clock
	for i, tm := range []time.Time{
		t0,
		t0.In(time.FixedZone("X", 3600)), // the same instant, written otherwise
		t0.In(time.FixedZone("Y", 3600)), // another zone of the same offset
		t0.Round(0),
		time.Now(), // a monotonic reading
		t0.Add(time.Nanosecond),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // refused
		t0,
		t0.Add(time.Second),
		t0.Add(2 * time.Second),
		t0.Add(3 * time.Second),
		t0.Add(4 * time.Second),
		t0,
	} {
		c.Clock = tm
		c.Wait.Since = tm.Add(-time.Second)
		checkCached(t, "time "+tm.String()+" #"+string(rune('a'+i)), c, jc)
	}
}
