package flowconfig

import (
	"encoding/json"
	"errors"
	"testing"
)

// A realistic event, as the flow interpreter writes it.
const connectEvent = `{"Details":{"ContactData":{"Attributes":{"Flag_DeliveryId_NextActionType":"steeringmenu","Prompt_DeliveryId_Welcome":"Welcome to \"Harbour\" Bikes.\n","Queue_DeliveryId_DefaultQueue":"HarbourBikes_Default"},"AwsRegion":"us-east-1","Channel":"VOICE","ContactId":"5ca32fbd-8f92-46af-92a5-6b0f970f0efe","CustomerEndpoint":{"Address":"+447700900123","Type":"TELEPHONE_NUMBER"},"CustomerId":null,"Description":null,"InitialContactId":"5ca32fbd-8f92-46af-92a5-6b0f970f0efe","InitiationMethod":"INBOUND","InstanceARN":"arn:aws:connect:us-east-1:000000000000:instance/11111111-2222-3333-4444-555555555555","LanguageCode":"en-US","MediaStreams":{"Customer":{"Audio":null}},"Name":null,"PreviousContactId":"5ca32fbd-8f92-46af-92a5-6b0f970f0efe","Queue":null,"References":{},"RelatedContactId":null,"SegmentAttributes":{},"SystemEndpoint":{"Address":"+442079460100","Type":"TELEPHONE_NUMBER"},"Tags":{},"Priority":[1,2.5e3,-0.5,true,false,[],[{}]]},"Parameters":{"Primary_Key":"HarbourBikes_Main","Resource_Type":"SteeringMenu"}},"Name":"ContactFlowEvent"}`

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestEventFields(t *testing.T) {
	tests := []struct {
		name, event   string
		arn, pk, rt   string
		needsFallback bool
	}{
		{"Connect's event", connectEvent, "arn:aws:connect:us-east-1:000000000000:instance/11111111-2222-3333-4444-555555555555", "HarbourBikes_Main", "SteeringMenu", false},
		{"whitespace and escapes", " {\n \"Details\" : { \"Parameters\" : { \"Primary_Key\" : \"a\\\"b\\u00e9\" , \"Resource_Type\":\"Q\\/1\" } } } \n", "<nil>", "a\"bé", "Q/1", false},
		{"null parameters", `{"Details":{"ContactData":{"InstanceARN":null},"Parameters":{"Primary_Key":null}}}`, "<nil>", "<nil>", "<nil>", false},
		{"last duplicate wins", `{"Details":{"Parameters":{"Primary_Key":"a","Primary_Key":"b","Resource_Type":"c"}}}`, "<nil>", "b", "c", false},
		{"names are exact", `{"details":{"Parameters":{"Primary_Key":"a"}},"Details":{"parameters":{"Primary_Key":"b"}}}`, "<nil>", "<nil>", "<nil>", false},
		{"empty", `{}`, "<nil>", "<nil>", "<nil>", false},
		{"null details", `{"Details":null}`, "<nil>", "<nil>", "<nil>", true},
		{"number parameter", `{"Details":{"Parameters":{"Primary_Key":1}}}`, "", "", "", true},
		{"escaped key", `{"Details":{"Parameters":{"Primary\u005fKey":"a","Resource_Type":"b"}}}`, "<nil>", "a", "b", true},
		{"truncated", `{"Details":{"Parameters":{"Primary_Key":"a"`, "", "", "", true},
		{"trailing garbage", `{"Details":{}} x`, "", "", "", true},
		{"bad literal", `{"Details":{"Queue":nul}}`, "", "", "", true},
		{"control character", "{\"Details\":{\"Parameters\":{\"Primary_Key\":\"a\tb\"}}}", "", "", "", true},
		{"an array", `[1]`, "", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := eventFields([]byte(tc.event))
			if tc.needsFallback {
				if !errors.Is(err, errFallback) {
					t.Fatalf("eventFields took an event it should leave to encoding/json: %+v", f)
				}
				f, err = decodeEvent([]byte(tc.event))
				if tc.arn == "" {
					if err == nil {
						t.Fatalf("decodeEvent accepted it: %+v", f)
					}
					return
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := [3]string{deref(f.instanceARN), deref(f.primaryKey), deref(f.resourceType)}; got != [3]string{tc.arn, tc.pk, tc.rt} {
				t.Errorf("got %q, want %q", got, [3]string{tc.arn, tc.pk, tc.rt})
			}
		})
	}
}

// FuzzEventFields holds the fast reader to the general one: whatever it
// accepts, it reads as encoding/json does.
func FuzzEventFields(f *testing.F) {
	f.Add([]byte(connectEvent))
	f.Add([]byte(`{"Details":{"Parameters":{"Primary_Key":"a\u00e9\\","Resource_Type":"b"},"ContactData":{"InstanceARN":"x"}}}`))
	f.Add([]byte(`{"Details":{"ContactData":[1,{"a":[]}],"Parameters":{}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, err := eventFields(b)
		if err != nil {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("eventFields accepted invalid JSON %q", b)
		}
		slow, err := decodeEvent(b)
		if err != nil {
			t.Fatalf("eventFields accepted %q, which encoding/json refuses: %v", b, err)
		}
		for _, p := range [][2]*string{{fast.instanceARN, slow.instanceARN}, {fast.primaryKey, slow.primaryKey}, {fast.resourceType, slow.resourceType}} {
			if deref(p[0]) != deref(p[1]) {
				t.Fatalf("%q: eventFields read %+v, encoding/json %+v", b, fast, slow)
			}
		}
	})
}

func BenchmarkEventFields(b *testing.B) {
	event := []byte(connectEvent)
	b.Run("eventFields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := eventFields(event); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeEvent(event); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// isNumber takes exactly the numbers encoding/json takes.
func TestIsNumber(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "-1", "10", "1.5", "-1.5", "0.5", "1e3", "1E3", "1e+3", "1e-3", "2.5e3", "-0.5E-10",
		"", "-", "01", "-01", "1.", ".5", "1e", "1e+", "+1", "1.5.5", "0x1", "1-", "--1", "1ee3", "NaN", "Infinity", "1 ",
	} {
		var n json.Number
		want := json.Unmarshal([]byte(s), &n) == nil && s != "" && s[len(s)-1] != ' '
		if got := isNumber([]byte(s)); got != want {
			t.Errorf("isNumber(%q) = %v, encoding/json %v", s, got, want)
		}
	}
}
