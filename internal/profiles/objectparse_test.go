package profiles

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// parseObjectSlow is parseObject without its fast path.
func parseObjectSlow(text string) (map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// checkParseObject fails unless parseObjectFast, where it reads text, reads
// what encoding/json does.
func checkParseObject(t *testing.T, text string) (fast bool) {
	t.Helper()
	got, ok := parseObjectFast(text)
	if !ok {
		return false
	}
	want, wok := parseObjectSlow(text)
	if !wok || !reflect.DeepEqual(got, want) {
		t.Errorf("parseObjectFast(%q) = %#v; encoding/json: %#v, %v", text, got, want, wok)
	}
	return true
}

var parseObjectSeeds = []string{
	`{}`, ` { } `, "\t{\"a\":1}\r\n", `{"a":"b","c":[1,2.5,-0,1e3,1E+2,-3.5e-7,true,false,null,{},[]],"d":{"e":"f"}}`,
	`{"accountId":"0000000001","firstName":"First1","email":"user1@example.com","phone":"+1 (200) 000-0001","tier":"gold"}`,
	`{"a":"q\"uote \\ \/ \b\f\n\r\t"}`, `{"a":"é ü 中文 😀"}`, `{"a":"\u00e9"}`, `{"a":"\ud800"}`, "{\"a\":\"bad\xff\"}",
	`{"a":1,"a":2}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`,
	`{"a":1}x`, `{"a":1}{}`, `[1]`, `"s"`, `1`, ``, ` `, `{`, `{"a"`, `{"a":`, `{"a":1,}`, `{,}`, `{"a":[1,]}`,
	"{\"a\":\"tab\there\"}", `{"a":"` + strings.Repeat("x", 300) + `"}`, strings.Repeat(`{"a":`, 150) + `1` + strings.Repeat(`}`, 150),
	`{"":""}`, `{"a" : "b" , "c" : [ 1 , 2 ] }`, "{\"a\":\"\u2028\u2029\"}", `{"a":"\"}`, `{"a":"\`,
}

func TestParseObject(t *testing.T) {
	fast := 0
	for _, s := range parseObjectSeeds {
		if checkParseObject(t, s) {
			fast++
		}
		// parseObject answers as encoding/json does either way.
		m, err := parseObject(s)
		want, wok := parseObjectSlow(s)
		if (err == nil) != wok || err == nil && !reflect.DeepEqual(m, want) {
			t.Errorf("parseObject(%q) = %v, %v; encoding/json: %v, %v", s, m, err, want, wok)
		}
	}
	if fast < 10 {
		t.Errorf("the fast path read only %d of the seeds", fast)
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range parseObjectSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { checkParseObject(t, text) })
}
