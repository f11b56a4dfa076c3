package awsmodel

import "testing"

// BenchmarkValidate measures the validation of a valid PutProfileObject
// request document, the shape of the profile ingest path: three string
// members, two of them with patterns.
func BenchmarkValidate(b *testing.B) {
	m := MustLoad("customer-profiles")
	doc := map[string]any{
		"ObjectTypeName": "Customer",
		"Object":         `{"accountId":"0000012345","firstName":"First12345","lastName":"Last12345","email":"user12345@example.com","phone":"+1 (200) 001-2345","tier":"gold"}`,
		"DomainName":     "bench",
	}
	if err := m.Validate("PutProfileObjectRequest", doc); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Validate("PutProfileObjectRequest", doc); err != nil {
			b.Fatal(err)
		}
	}
}
