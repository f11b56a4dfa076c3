package flow

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	real, err := os.ReadFile("testdata/inbound_menu.json")
	if err != nil {
		b.Fatal(err)
	}
	actions := make([]string, MaxActions)
	for i := range actions {
		next := fmt.Sprintf("a%d", (i+1)%MaxActions)
		actions[i] = act(fmt.Sprintf("a%d", i), "UpdateContactAttributes",
			`"Parameters":{"Attributes":{"Greeting":"Hello $.External.Name, you are caller $.Metrics.Queue.Size.","Queue":"$.External.Queue"}},`+
				`"Transitions":{"NextAction":"`+next+`","Errors":[{"ErrorType":"NoMatchingError","NextAction":"`+next+`"}]}`)
	}
	large := []byte(`{"Version":"2019-10-30","StartAction":"a0","Actions":[` + strings.Join(actions, ",") + `]}`)
	for _, bc := range []struct {
		name    string
		content []byte
	}{{"inbound_menu", real}, {"250_actions", large}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.content)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.content, KindFlow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseValue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseValue("Your balance is $.External.Balance. Thank you, $.Attributes.['first name'].")
	}
}
