package flow

import (
	"reflect"
	"strings"
	"testing"
)

// part is a compact description of a Part for tables: a literal's text, or
// a reference's segment names joined by "|" behind a "ref:" prefix.
func describeParts(v Value) []string {
	var out []string
	for _, p := range v.Parts() {
		if p.Ref == nil {
			out = append(out, p.Text)
			continue
		}
		names := make([]string, len(p.Ref.Segments))
		for i, s := range p.Ref.Segments {
			names[i] = s.Name
		}
		out = append(out, "ref:"+strings.Join(names, "|"))
	}
	return out
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		in        string
		kind      ValueKind
		malformed bool
		parts     []string // nil for static text
	}{
		// Static text.
		{in: "", kind: ValueStatic},
		{in: "Hello there", kind: ValueStatic},
		{in: "8", kind: ValueStatic},
		{in: "True", kind: ValueStatic},
		{in: "Costs $5", kind: ValueStatic},
		{in: "$", kind: ValueStatic},
		{in: "a $ sign", kind: ValueStatic},
		{in: "${iLambdaLambdafunction}", kind: ValueStatic},
		{in: "%%INVOKE_TELEPHONY_FUNCTION_ARN%%", kind: ValueStatic},
		{in: "{{phoneNumber}}", kind: ValueStatic},
		{in: "$..x", kind: ValueStatic, malformed: true},
		{in: "$.", kind: ValueStatic, malformed: true},
		{in: "$. x", kind: ValueStatic, malformed: true},
		{in: "$['unterminated", kind: ValueStatic, malformed: true},
		{in: "$.Attributes['']", kind: ValueInterpolated, malformed: true, parts: []string{"ref:Attributes", "['']"}},

		// A single reference.
		{in: "$.Attributes.Queue", kind: ValueReference, parts: []string{"ref:Attributes|Queue"}},
		{in: "$.StoredCustomerInput", kind: ValueReference, parts: []string{"ref:StoredCustomerInput"}},
		{in: "$.External.Flag_SteeringMenu_Retries", kind: ValueReference, parts: []string{"ref:External|Flag_SteeringMenu_Retries"}},
		{in: "$.Attributes.x-amz-key", kind: ValueReference, parts: []string{"ref:Attributes|x-amz-key"}},
		{in: "$.Views.ViewResultData.FormData.pickup.0", kind: ValueReference, parts: []string{"ref:Views|ViewResultData|FormData|pickup|0"}},
		{in: "$.Attributes.['user attribute name']", kind: ValueReference, parts: []string{"ref:Attributes|user attribute name"}},
		{in: "$.Attributes['user attribute name']", kind: ValueReference, parts: []string{"ref:Attributes|user attribute name"}},
		{in: "$['AwsRegion']", kind: ValueReference, parts: []string{"ref:AwsRegion"}},
		{in: "$.['Attributes'].['a.b'].c", kind: ValueReference, parts: []string{"ref:Attributes|a.b|c"}},

		// Malformed single references: they interpolate in text, but a
		// single-reference parameter must fail on them.
		{in: "$.External. Flag_Flow_NextActionValue", kind: ValueInterpolated, malformed: true, parts: []string{"ref:External", ". Flag_Flow_NextActionValue"}},
		{in: "$.Attributes.Queue ", kind: ValueInterpolated, malformed: true, parts: []string{"ref:Attributes|Queue", " "}},
		{in: "$.External.x.", kind: ValueInterpolated, malformed: true, parts: []string{"ref:External|x", "."}},
		{in: "$.A..B", kind: ValueInterpolated, malformed: true, parts: []string{"ref:A", "..B"}},
		{in: "$.Attributes.['open", kind: ValueInterpolated, malformed: true, parts: []string{"ref:Attributes", ".['open"}},

		// Interpolated text.
		{in: "Your balance is $.External.Balance.", kind: ValueInterpolated, parts: []string{"Your balance is ", "ref:External|Balance", "."}},
		{in: "…number is $.External.vanity1.  Your call", kind: ValueInterpolated, parts: []string{"…number is ", "ref:External|vanity1", ".  Your call"}},
		{in: "$.A$.B", kind: ValueInterpolated, malformed: true, parts: []string{"ref:A", "ref:B"}},
		{in: "$$.A", kind: ValueInterpolated, parts: []string{"$", "ref:A"}},
		{in: "Hi $.Attributes.['first name']!", kind: ValueInterpolated, parts: []string{"Hi ", "ref:Attributes|first name", "!"}},
		{in: " $.Attributes.Queue", kind: ValueInterpolated, parts: []string{" ", "ref:Attributes|Queue"}},
		{in: "It costs $.50", kind: ValueInterpolated, parts: []string{"It costs ", "ref:50"}},
		{in: "order $.External.OrderIds.0, thanks", kind: ValueInterpolated, parts: []string{"order ", "ref:External|OrderIds|0", ", thanks"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v := ParseValue(tt.in)
			if v.String() != tt.in {
				t.Errorf("String() = %q, want the input", v.String())
			}
			if v.Kind() != tt.kind {
				t.Errorf("Kind() = %v, want %v", v.Kind(), tt.kind)
			}
			if v.Malformed() != tt.malformed {
				t.Errorf("Malformed() = %v, want %v", v.Malformed(), tt.malformed)
			}
			if got := describeParts(v); !reflect.DeepEqual(got, tt.parts) {
				t.Errorf("parts = %q, want %q", got, tt.parts)
			}
			_, isRef := v.Ref()
			if isRef != (tt.kind == ValueReference) {
				t.Errorf("Ref() ok = %v, want %v", isRef, tt.kind == ValueReference)
			}
			if v.IsStatic() != (tt.kind == ValueStatic) {
				t.Errorf("IsStatic() = %v", v.IsStatic())
			}
		})
	}
}

func TestSegmentIndex(t *testing.T) {
	tests := []struct {
		in    string
		index []int
	}{
		{"$.Views.ViewResultData.FormData.pickup.0", []int{-1, -1, -1, -1, 0}},
		{"$.External.OrderIds.12.Id", []int{-1, -1, 12, -1}},
		{"$.External.007", []int{-1, 7}},
		{"$.External.1a", []int{-1, -1}},
		{"$.External.99999999999999999999999", []int{-1, -1}},
		{"$.Attributes.['3']", []int{-1, 3}},
	}
	for _, tt := range tests {
		p, ok := ParseValue(tt.in).Ref()
		if !ok {
			t.Errorf("%q: not a reference", tt.in)
			continue
		}
		var got []int
		for _, s := range p.Segments {
			got = append(got, s.Index)
		}
		if !reflect.DeepEqual(got, tt.index) {
			t.Errorf("%q: indexes %v, want %v", tt.in, got, tt.index)
		}
	}
}

func TestPathString(t *testing.T) {
	tests := []struct{ in, canonical, root string }{
		{"$.Attributes.Queue", "$.Attributes.Queue", "Attributes"},
		{"$['AwsRegion']", "$.AwsRegion", "AwsRegion"},
		{"$.Attributes['user attribute name']", "$.Attributes.['user attribute name']", "Attributes"},
		{"$.External.OrderIds.0", "$.External.OrderIds.0", "External"},
	}
	for _, tt := range tests {
		p, ok := ParseValue(tt.in).Ref()
		if !ok {
			t.Fatalf("%q: not a reference", tt.in)
		}
		if got := p.String(); got != tt.canonical {
			t.Errorf("%q: String() = %q, want %q", tt.in, got, tt.canonical)
		}
		if got := p.Root(); got != tt.root {
			t.Errorf("%q: Root() = %q, want %q", tt.in, got, tt.root)
		}
		back, ok := ParseValue(p.String()).Ref()
		if !ok || !reflect.DeepEqual(back, p) {
			t.Errorf("%q: canonical form %q does not parse back to the same path", tt.in, p.String())
		}
	}
}

func TestZeroValueIsEmptyStatic(t *testing.T) {
	var v Value
	if !v.IsStatic() || v.String() != "" || v.Malformed() || v.Parts() != nil {
		t.Errorf("zero Value = %+v, want empty static text", v)
	}
}
