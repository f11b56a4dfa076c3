package profiles

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// fillJSON sets the fields of the value v points to by reflection, so that
// a field added to the generated types is covered without touching this
// test: each pointer, map and slice is set when r says so (always when r
// is nil), with strings that need escaping.
func fillJSON(v reflect.Value, r *rand.Rand) {
	set := func() bool { return r == nil || r.IntN(3) > 0 }
	text := func() string {
		s := []string{`plain`, `quote " and \ back`, `<b>&amp;</b>`, "line\nbreak\ttab", "é 漢字 \u2028", "ctl\x01", ""}
		if r == nil {
			return strings.Join(s, "|")
		}
		return s[r.IntN(len(s))]
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !set() {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fillJSON(v.Elem(), r)
	case reflect.Struct:
		for i := range v.NumField() {
			fillJSON(v.Field(i), r)
		}
	case reflect.String:
		v.SetString(text())
	case reflect.Map:
		if !set() {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range 3 {
			k := reflect.New(v.Type().Key()).Elem()
			fillJSON(k, r)
			e := reflect.New(v.Type().Elem()).Elem()
			fillJSON(e, r)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Slice:
		if !set() {
			return
		}
		s := reflect.MakeSlice(v.Type(), 0, 3)
		for i := range 3 {
			e := reflect.New(v.Type().Elem()).Elem()
			if i != 1 || r == nil { // the middle element of a random slice stays zero (a nil pointer)
				fillJSON(e, r)
			}
			s = reflect.Append(s, e)
		}
		v.Set(s)
	default:
		panic("fillJSON: no case for " + v.Kind().String())
	}
}

func TestAppendProfileJSON(t *testing.T) {
	full := &api.Profile{}
	fillJSON(reflect.ValueOf(full).Elem(), nil)
	tests := []struct {
		name string
		p    *api.Profile
	}{
		{"nil", nil},
		{"zero", &api.Profile{}},
		{"every field", full},
		{"empty map and slices", &api.Profile{Attributes: map[string]string{}, FoundByItems: []*api.FoundByKeyValue{},
			EngagementPreferences: &api.EngagementPreferences{Email: []*api.ContactPreference{}}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		p := &api.Profile{}
		fillJSON(reflect.ValueOf(p).Elem(), rng)
		tests = append(tests, struct {
			name string
			p    *api.Profile
		}{"random " + string(rune('a'+i%26)), p})
	}
	for _, tt := range tests {
		want, err := json.Marshal(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendProfileJSON(nil, tt.p); string(got) != string(want) {
			t.Fatalf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
	}
}

func TestSearchOutputJSON(t *testing.T) {
	full := &api.Profile{}
	fillJSON(reflect.ValueOf(full).Elem(), nil)
	token := `tok"en`
	tests := []struct {
		name string
		out  searchOutput
		want string
	}{
		{"empty last page", searchOutput{Items: []*api.Profile{}}, `{"Items":[],"NextToken":null}`},
		{"legacy nulls for unset members", searchOutput{Items: []*api.Profile{{ProfileId: ptr("p1"), FirstName: ptr("Ann")}}, NextToken: &token},
			`{"Items":[{"Attributes":null,"FirstName":"Ann","FoundByItems":null,"ProfileId":"p1",` +
				`"AccountNumber":null,"AdditionalInformation":null,"PartyType":null,"BusinessName":null,"MiddleName":null,` +
				`"LastName":null,"BirthDate":null,"Gender":null,"PhoneNumber":null,"MobilePhoneNumber":null,"HomePhoneNumber":null,` +
				`"BusinessPhoneNumber":null,"EmailAddress":null,"PersonalEmailAddress":null,"BusinessEmailAddress":null}],"NextToken":"tok\"en"}`},
	}
	for _, tt := range tests {
		got, err := tt.out.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	// A fully set profile has no legacy nulls, and the answer is what
	// encoding/json writes for the same items.
	got, err := searchOutput{Items: []*api.Profile{full, full}}.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(struct {
		Items     []*api.Profile
		NextToken *string
	}{[]*api.Profile{full, full}, nil})
	if string(got) != string(want) {
		t.Errorf("full profiles:\n got %s\nwant %s", got, want)
	}
}
