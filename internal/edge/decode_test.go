package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
)

// A rest-json model whose inputs have a member of every kind the filler
// sets, some it leaves to encoding/json, a member bound to the URI and (in
// FillWire) a body member whose wire name differs from its member name.
const fillModel = `{"metadata":{"protocol":"rest-json","signingName":"fill","serviceId":"Fill"},
"operations":{
 "Fill":{"name":"Fill","http":{"method":"PUT","requestUri":"/fill/{Loc}"},"input":{"shape":"FillInput"}},
 "FillWire":{"name":"FillWire","http":{"method":"PUT","requestUri":"/wire/{Loc}"},"input":{"shape":"FillWireInput"}}},
"shapes":{
 "FillInput":{"type":"structure","required":["Loc","S"],"members":{
  "S":{"shape":"Str"},"PS":{"shape":"Str"},"I32":{"shape":"Int"},"PI":{"shape":"Int"},"I64":{"shape":"Long"},
  "F":{"shape":"Dbl"},"B":{"shape":"Bool"},"PB":{"shape":"Bool"},"L":{"shape":"StrList"},"LP":{"shape":"StrList"},
  "M":{"shape":"StrMap"},"MP":{"shape":"IntMap"},"N":{"shape":"Nested"},"K":{"shape":"Str"},"T":{"shape":"Ts"},
  "Loc":{"shape":"Str","location":"uri","locationName":"Loc"},
  "Hdr":{"shape":"Int","location":"header","locationName":"x-fill-hdr"}}},
 "FillWireInput":{"type":"structure","members":{
  "S":{"shape":"Str"},"W":{"shape":"Str","locationName":"w-ire"},
  "Loc":{"shape":"Str","location":"uri","locationName":"Loc"}}},
 "Str":{"type":"string","max":8},"Int":{"type":"integer","min":0},"Long":{"type":"long"},"Dbl":{"type":"double"},
 "Bool":{"type":"boolean"},"Ts":{"type":"timestamp"},
 "StrList":{"type":"list","member":{"shape":"Str"}},
 "StrMap":{"type":"map","key":{"shape":"Str"},"value":{"shape":"Str"}},
 "IntMap":{"type":"map","key":{"shape":"Str"},"value":{"shape":"Int"}},
 "Nested":{"type":"structure","members":{"A":{"shape":"Str"}}}}}`

type fillKind string

type fillStamp struct{ raw string }

func (t *fillStamp) UnmarshalJSON(b []byte) error {
	if string(b) == `"bad"` {
		return errors.New("bad stamp")
	}
	t.raw = string(b)
	return nil
}

type fillNested struct {
	A string `json:"A"`
}

type fillInput struct {
	S   string            `json:"S"`
	PS  *string           `json:"PS,omitempty"`
	I32 int32             `json:"I32"`
	PI  *int32            `json:"PI,omitempty"`
	I64 *int64            `json:"I64,omitempty"`
	F   *float64          `json:"F,omitempty"`
	B   bool              `json:"B"`
	PB  *bool             `json:"PB,omitempty"`
	L   []string          `json:"L"`
	LP  []*string         `json:"LP"`
	M   map[string]string `json:"M"`
	MP  map[string]*int32 `json:"MP"`
	N   *fillNested       `json:"N,omitempty"`
	K   fillKind          `json:"K"`
	T   *fillStamp        `json:"T,omitempty"`
	Loc string            `json:"Loc"`
	Hdr *int32            `json:"Hdr,omitempty"`
}

type fillWireInput struct {
	S   *string `json:"S,omitempty"`
	W   *string `json:"w-ire,omitempty"`
	Loc string  `json:"Loc"`
}

func fillService(t testing.TB) *Service {
	t.Helper()
	model, err := awsmodel.Parse([]byte(fillModel))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(model, "ValidationException", "InternalServerError")
	Handle(svc, "Fill", func(_ context.Context, in *fillInput) (*fillInput, error) { return in, nil })
	Handle(svc, "FillWire", func(_ context.Context, in *fillWireInput) (*fillWireInput, error) { return in, nil })
	return svc
}

// oldDecode is the edge's decoding before the codec and parseDoc: the
// oracle the new decoding must agree with.
func oldDecode(m *awsmodel.Service, op *awsmodel.Operation, r *http.Request, body []byte) (doc map[string]any, hasBody bool, err error) {
	doc = map[string]any{}
	bound := map[string]any{}
	shape := m.Shapes[op.Input.Shape]
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false, apierr.New("SerializationException", "the request body is not valid JSON: %v", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false, apierr.New("SerializationException", "the request body must be a JSON object")
		}
		for name, ref := range shape.Members {
			if ref.Location != "" {
				continue
			}
			wire := name
			if ref.LocationName != "" {
				wire = ref.LocationName
			}
			if x, ok := obj[wire]; ok {
				doc[name] = x
			}
		}
	}
	for name, ref := range shape.Members {
		switch ref.Location {
		case "uri":
			if v := r.PathValue(ref.LocationName); v != "" {
				doc[name] = coerce(m.Shapes[ref.Shape], v)
			}
		case "header":
			if v := r.Header.Get(ref.LocationName); v != "" {
				doc[name] = coerce(m.Shapes[ref.Shape], v)
			}
		}
		if v, ok := doc[name]; ok && ref.Location != "" {
			bound[name] = v
		}
	}
	return doc, len(doc) > len(bound), nil
}

// oldTyped is what the old Handle made of the body: json.Unmarshal into
// the input, then the bound members set from their locations.
func oldTyped[In any](svc *Service, op string, body []byte, hasBody bool, set func(*In)) (*In, error) {
	in := new(In)
	if hasBody {
		if err := json.Unmarshal(body, in); err != nil {
			return nil, apierr.New(svc.ValidationError, "the request could not be read: %v", err)
		}
	}
	set(in)
	return in, nil
}

func violations(err error) []string {
	if err == nil {
		return nil
	}
	var ve *awsmodel.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var out []string
	for _, v := range ve.Violations {
		out = append(out, (&awsmodel.ValidationError{Violations: []awsmodel.Violation{v}}).Error())
	}
	slices.Sort(out)
	return out
}

// checkDecode runs one body through the new decoding and the old, and
// fails on any difference a client or a handler could see.
func checkDecode(t *testing.T, svc *Service, op, body, header string) {
	t.Helper()
	c := svc.codecs[op]
	r := httptest.NewRequest(http.MethodPut, "/x/loc", nil)
	r.SetPathValue("Loc", "loc")
	if header != "" {
		r.Header.Set("X-Fill-Hdr", header)
	}
	oldDoc, hasBody, oldErr := oldDecode(svc.Model, c.op, r, []byte(body))

	req := &request{}
	newErr := svc.decode(c, r, []byte(body), req)
	if (oldErr == nil) != (newErr == nil) || oldErr != nil && oldErr.Error() != newErr.Error() {
		t.Fatalf("%s %q: decode error %v, was %v", op, body, newErr, oldErr)
	}
	if oldErr != nil {
		return
	}
	if req.hasBody != hasBody {
		t.Fatalf("%s %q: hasBody %v, was %v", op, body, req.hasBody, hasBody)
	}
	// The document may keep members the model does not know (validation
	// ignores them); every member of the model must be as it was.
	for name := range c.input.Members {
		ov, oldHas := oldDoc[name]
		nv, newHas := req.doc[name]
		if oldHas != newHas || !reflect.DeepEqual(ov, nv) {
			t.Fatalf("%s %q: document member %s = %#v (%v), was %#v (%v)", op, body, name, nv, newHas, ov, oldHas)
		}
	}
	if o, n := violations(svc.Model.Validate(c.op.Input.Shape, oldDoc)), violations(svc.Model.Validate(c.op.Input.Shape, req.doc)); !slices.Equal(o, n) {
		t.Fatalf("%s %q: validation %q, was %q", op, body, n, o)
	}

	got, newErr := svc.handlers[op](context.Background(), req)
	var want any
	switch op {
	case "Fill":
		want, oldErr = oldTyped(svc, op, []byte(body), hasBody, func(in *fillInput) {
			in.Loc, in.Hdr = "loc", nil
			if v, ok := oldDoc["Hdr"]; ok {
				setField(reflect.ValueOf(in).Elem().FieldByName("Hdr"), v)
			}
		})
	case "FillWire":
		want, oldErr = oldTyped(svc, op, []byte(body), hasBody, func(in *fillWireInput) { in.Loc = "loc" })
	}
	if (oldErr == nil) != (newErr == nil) || oldErr != nil && oldErr.Error() != newErr.Error() {
		t.Fatalf("%s %q: handler error %v, was %v", op, body, newErr, oldErr)
	}
	if oldErr == nil && !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("%s %q: input %s, was %s", op, body, gj, wj)
	}
}

var decodeSeeds = []string{
	``, ` `, `{}`, `[]`, `null`, `"x"`, `5`, `{`, `{"S":`, `{"S":"a"`, `{"S":"a"}x`, `{"S":"a"} {}`, `{"S":"a"}  `,
	"\ufeff{}", "\f{}", `{"S":"abc","PS":"d","I32":5,"PI":-7,"I64":9007199254740993,"F":1.5e3,"B":true,"PB":false}`,
	`{"L":["a",null,"b"],"LP":["a",null],"M":{"a":"b","c":null},"MP":{"a":1,"b":null}}`,
	`{"L":[],"LP":null,"M":{},"MP":null,"N":null,"T":null}`,
	`{"N":{"A":"x"}}`, `{"T":"2024-01-01T00:00:00Z"}`, `{"T":"bad"}`, `{"K":"kind"}`,
	`{"S":"a","S":null}`, `{"PS":"a","PS":null}`, `{"M":{"a":"1","a":"2"}}`,
	`{"s":"lower"}`, `{"S":"a","s":"b"}`, `{"Loc":"body"}`, `{"Loc":5}`, `{"Hdr":"x"}`, `{"Unknown":1}`, `{"Unknown":{"S":1}}`,
	`{"I32":1.0}`, `{"I32":1e2}`, `{"I32":2147483648}`, `{"I32":-0}`, `{"I64":"5"}`, `{"F":1e400}`, `{"F":-0.0}`,
	`{"S":5}`, `{"B":"true"}`, `{"L":"a"}`, `{"L":[1]}`, `{"M":[]}`, `{"MP":{"a":1.5}}`, `{"LP":[true]}`,
	`{"S":"\u00e9\ud83d\ude00\ud800x\udc00\u0000"}`, `{"S":"\"\\\/\b\f\n\r\t"}`, "{\"S\":\"\xff\xfe\"}", "{\"S\":\"\xe2\x82\"}",
	"{\"S\":\"a\tb\"}", `{"S":"\x"}`, `{"S":"\u12"}`, `{"S":"\uZZZZ"}`, "{\"\xff\":1}", `{"\u0053":"escaped key"}`,
	`{"S" : "a" , "PS" :"b"}`, "\n\t{\r\n\"S\"\t:\"a\"}\n", `{"S":"a",}`, `{,}`, `{"S":tru}`, `{"S":nul}`, `{"I32":01}`,
	`{"I32":-}`, `{"I32":1.}`, `{"I32":1e}`, `{"I32":.5}`, `{"I32":+1}`, `{"w-ire":"w","S":"s"}`, `{"W":"member name"}`,
	`{"L":[[[[[[[]]]]]]]}`, strings.Repeat(`[`, 600) + strings.Repeat(`]`, 600),
	`{"N":` + strings.Repeat(`{"A":`, 600) + `1` + strings.Repeat(`}`, 600) + `}`,
}

func TestDecodeMatchesOldDecoding(t *testing.T) {
	svc := fillService(t)
	for _, body := range decodeSeeds {
		for _, op := range []string{"Fill", "FillWire"} {
			checkDecode(t, svc, op, body, "")
			checkDecode(t, svc, op, body, "12")
		}
	}
	checkDecode(t, svc, "Fill", `{"S":"a"}`, "x")
}

// The common request takes the fast path: one parse, no second decoding.
func TestDecodeFastPath(t *testing.T) {
	svc := fillService(t)
	r := httptest.NewRequest(http.MethodPut, "/fill/loc", nil)
	r.SetPathValue("Loc", "loc")
	for _, body := range []string{
		`{"S":"abc","PS":"d","I32":5,"PI":-7,"I64":9,"F":1.5,"B":true,"PB":false,"K":"k"}`,
		`{"L":["a",null],"LP":["a"],"M":{"a":"b"},"MP":{"a":1}}`,
		`{"S":"\"quoted\" \u00e9"}`,
	} {
		req := &request{}
		if err := svc.decode(svc.codecs["Fill"], r, []byte(body), req); err != nil {
			t.Fatal(err)
		}
		if !req.exact {
			t.Errorf("%s: not read exactly", body)
			continue
		}
		in := new(fillInput)
		if !newFiller(svc.codecs["Fill"], reflect.TypeFor[fillInput]()).fill(reflect.ValueOf(in).Elem(), req.parsed) {
			t.Errorf("%s: the filler declined", body)
		}
	}
}

func FuzzDecodeAgainstOld(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s, "")
	}
	f.Add(`{"S":"a"}`, "7")
	svc := fillService(f)
	f.Fuzz(func(t *testing.T, body, header string) {
		if strings.ContainsAny(header, "\r\n\x00") {
			return
		}
		checkDecode(t, svc, "Fill", body, header)
		checkDecode(t, svc, "FillWire", body, header)
	})
}

// FuzzParseDoc checks parseDoc against encoding/json: whatever it accepts,
// encoding/json reads the same way, as a whole valid document.
func FuzzParseDoc(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	keys := map[string]string{"S": "S", "PS": "PS"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, k := range []map[string]string{nil, keys} {
			v, ok := parseDoc([]byte(body), k)
			if !ok {
				continue
			}
			if !json.Valid([]byte(body)) {
				t.Fatalf("%q: accepted, but it is not valid JSON", body)
			}
			dec := json.NewDecoder(strings.NewReader(body))
			dec.UseNumber()
			var want any
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%q: accepted; encoding/json: %v", body, err)
			}
			if !reflect.DeepEqual(v, want) {
				t.Fatalf("%q: %#v, encoding/json %#v", body, v, want)
			}
		}
	})
}
