package awsmodel

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPatternTranslation(t *testing.T) {
	cases := []struct {
		pattern string
		in      string
		want    bool
	}{
		// The model's E.164 pattern is escaped twice; it means \+[1-9]\d{1,14}$.
		{`\\+[1-9]\\d{1,14}$`, "+442071234567", true},
		{`\\+[1-9]\\d{1,14}$`, "442071234567", false},
		{`\\+[1-9]\\d{1,14}$`, "+0123", false},
		{`\\+[1-9]\\d{1,14}$`, `\\+44`, false},
		// Leading look-aheads become separate checks.
		{`^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`, "my-instance", true},
		{`^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`, "d-1234567890", false},
		{`^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, "team", true},
		{`^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, "aws:createdBy", false},
		{`/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$/`, "Passw0rdX", true},
		{`/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$/`, "password1", false},
		{`.*\\S.*`, "  x ", true},
		{`.*\\S.*`, "   ", false},
		{`^[\\P{C}\\r\\n\\t]*$`, "line\nnext", true},
		{`^[\\P{C}\\r\\n\\t]*$`, "bell\a", false},
		{`[\u0041-\u005A]+`, "ABC", true},
	}
	for _, tc := range cases {
		p, err := compilePattern(tc.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		if got := p.match(tc.in); got != tc.want {
			t.Errorf("%q matching %q = %v, want %v", tc.pattern, tc.in, got, tc.want)
		}
	}
}

func TestEmbeddedModelsLoad(t *testing.T) {
	for _, name := range []string{"connect", "customer-profiles"} {
		m, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Operations) < 100 || m.Metadata.Protocol != "rest-json" {
			t.Fatalf("%s: %d operations, protocol %q", name, len(m.Operations), m.Metadata.Protocol)
		}
	}
	m := MustLoad("connect")
	if st, ok := m.ErrorStatus("ContactNotFoundException"); !ok || st != 410 {
		t.Fatalf("ContactNotFoundException status = %d, %v", st, ok)
	}
	if st, ok := m.ErrorStatus("ServiceQuotaExceededException"); !ok || st != 402 {
		t.Fatalf("ServiceQuotaExceededException status = %d, %v", st, ok)
	}
	// Only the one pattern RE2 cannot express (an unanchored look-ahead) goes unchecked.
	if got := UnenforceablePatterns(m); len(got) > 1 {
		t.Fatalf("unenforceable patterns: %v", got)
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidate(t *testing.T) {
	m := MustLoad("connect")
	cases := []struct {
		shape string
		doc   string
		want  []string // substrings of the error; none means valid
	}{
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"Sales","HoursOfOperationId":"h"}`, nil},
		{"CreateQueueRequest", `{"InstanceId":"i","HoursOfOperationId":"h"}`, []string{"1 validation error", "Value null at 'Name'", "must not be null"}},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"` + strings.Repeat("é", 128) + `","HoursOfOperationId":"h"}`,
			[]string{"at 'Name'", "length less than or equal to 127"}},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"` + strings.Repeat("é", 127) + `","HoursOfOperationId":"h"}`, nil},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"x","HoursOfOperationId":"h","MaxContacts":-1}`, []string{"greater than or equal to 0"}},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"x","HoursOfOperationId":"h","MaxContacts":1.5}`, []string{"must be an integer"}},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":7,"HoursOfOperationId":"h"}`, []string{"must be a string"}},
		{"CreateQueueRequest", `{"InstanceId":"i","Name":"x","HoursOfOperationId":"h","Tags":{"aws:x":"y"}}`, []string{"Tags.key", "pattern"}},
		{"CreateContactFlowRequest", `{"InstanceId":"i","Name":"x","Type":"NOPE","Content":"{}"}`, []string{"enum value set", "CONTACT_FLOW"}},
		{"CreateHoursOfOperationRequest", `{"InstanceId":"i","Name":"x","TimeZone":"UTC","Config":[{"Day":"MONDAY","StartTime":{"Hours":24,"Minutes":0},"EndTime":{"Hours":1,"Minutes":0}}]}`,
			[]string{"Config[0].StartTime.Hours", "less than or equal to 23"}},
		{"CreateHoursOfOperationRequest", `{"InstanceId":"i","TimeZone":"UTC","Config":"x"}`, []string{"2 validation errors", "must be a list"}},
		{"ClaimPhoneNumberRequest", `{"PhoneNumber":"+442071234567"}`, nil},
		{"ClaimPhoneNumberRequest", `{"PhoneNumber":"02071234567"}`, []string{"regular expression"}},
		{"UpdateContactScheduleRequest", `{"InstanceId":"i","ContactId":"c","ScheduledTime":1795255200.5}`, nil},
		{"UpdateContactScheduleRequest", `{"InstanceId":"i","ContactId":"c","ScheduledTime":"2026-11-21T10:00:00Z"}`, nil},
		{"UpdateContactScheduleRequest", `{"InstanceId":"i","ContactId":"c","ScheduledTime":1e300}`, []string{"at 'ScheduledTime'", "must be a timestamp"}},
		{"UpdateContactScheduleRequest", `{"InstanceId":"i","ContactId":"c","ScheduledTime":"soon"}`, []string{"must be a timestamp"}},
	}
	for _, tc := range cases {
		err := m.Validate(tc.shape, decode(t, tc.doc))
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s %s: unexpected %v", tc.shape, tc.doc, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s %s: valid, want %v", tc.shape, tc.doc, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %s: %q lacks %q", tc.shape, tc.doc, err, w)
			}
		}
	}
}

func TestTimestampJSON(t *testing.T) {
	ts := NewTimestamp(time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC))
	b, _ := json.Marshal(ts)
	if string(b) != "1795255200.123" {
		t.Fatalf("marshal = %s", b)
	}
	whole, _ := json.Marshal(NewTimestamp(time.Unix(1795255200, 0)))
	if string(whole) != "1795255200" {
		t.Fatalf("marshal whole = %s", whole)
	}
	for _, in := range []string{`1795255200.123`, `"2026-11-21T10:00:00.123Z"`, `"1795255200.123"`} {
		var got Timestamp
		if err := json.Unmarshal([]byte(in), &got); err != nil || got.UnixMilli() != ts.UnixMilli() {
			t.Errorf("unmarshal %s = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{`"yesterday"`, `1e300`, `-1e300`, `"1e300"`, `253402300800`, `-62135596801`, `"NaN"`, `"Inf"`} {
		var bad Timestamp
		if err := json.Unmarshal([]byte(in), &bad); err == nil {
			t.Errorf("unmarshal of %s succeeded: %v", in, bad)
		}
	}
	for _, in := range []string{`253402300799`, `-62135596800`, `0`} {
		var edge Timestamp
		if err := json.Unmarshal([]byte(in), &edge); err != nil {
			t.Errorf("unmarshal of %s: %v", in, err)
		}
		if b, _ := json.Marshal(edge); string(b) != in {
			t.Errorf("%s read back as %s", in, b)
		}
	}
}

// FuzzValidate feeds arbitrary JSON documents to the validator, which must
// answer without panicking.
func FuzzValidate(f *testing.F) {
	m := MustLoad("connect")
	f.Add("CreateQueueRequest", `{"InstanceId":"i","Name":"Sales","HoursOfOperationId":"h","Tags":{"a":"b"}}`)
	f.Add("CreateHoursOfOperationRequest", `{"Config":[{"StartTime":{"Hours":1e400}}]}`)
	f.Add("StartOutboundVoiceContactRequest", `{"Attributes":{"":null},"References":{"r":{"Type":"URL"}}}`)
	f.Add("CreateContactFlowRequest", `[1,2,3]`)
	f.Fuzz(func(t *testing.T, shape, doc string) {
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		_ = m.Validate(shape, v)
	})
}
