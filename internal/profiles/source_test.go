package profiles_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// TestFieldSources checks how Source expressions read an object, each case
// one field that targets an attribute of the same name.
func TestFieldSources(t *testing.T) {
	cases := []struct {
		name, source string
		want         string // "" means the attribute must be absent
	}{
		{"nested", "_source.address.city", "Leeds"},
		{"arrayIndex", "_source.items[1].sku", "B2"},
		{"number", "_source.amount", "42.50"},
		{"boolean", "_source.vip", "true"},
		{"object", "_source.address", `{"city":"Leeds","zip":"LS1"}`},
		{"null", "_source.none", ""},
		{"missing", "_source.missing", ""},
		{"caseSensitive", "_source.userid", ""},
		{"concatenation", "{{_source.first}} {{_source.last}}", "Ada Lovelace"},
		{"constant", "{{! a constant }}web", "web"},
		{"ifElse", "{{#if _source.vip}}VIP{{else}}regular{{/if}}", "VIP"},
		{"ifFalse", "{{#if _source.none}}set{{else}}unset{{/if}}", "unset"},
		{"unless", "{{#unless _source.none}}no-none{{/unless}}", "no-none"},
		{"each", "{{#each _source.items}}{{@index}}={{sku}};{{/each}}", "0=A1;1=B2;"},
		{"eachThis", "{{#each _source.tags}}[{{this}}]{{/each}}", "[a][b]"},
		{"allMissing", "{{_source.missing}} {{_source.gone}}", ""},
		{"notEscaped", "{{_source.html}}|{{{_source.html}}}", "<b>&</b>|<b>&</b>"},
	}
	var fields []string
	for _, tc := range cases {
		fields = append(fields, `"`+tc.name+`": {"Source": `+strconv.Quote(tc.source)+`, "Target": "_profile.Attributes.`+tc.name+`"}`)
	}
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Rich", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"},
		           "points": {"Source": "_source.amount", "ContentType": "NUMBER"},
		           "nick": {"Source": "{{_source.first}} {{_source.last}}", "ContentType": "NAME"}, `+strings.Join(fields, ", ")+`},
		"Keys": {"richId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "points": [{"FieldNames": ["points"]}], "nick": [{"FieldNames": ["nick"]}]}}`)
	putObject(t, c, "d", "Rich", `{"id":"r1","UserId":"u","address":{"zip":"LS1","city":"Leeds"},"items":[{"sku":"A1"},{"sku":"B2"}],
		"amount":42.50,"vip":true,"none":null,"first":"Ada","last":"Lovelace","tags":["a","b"],"html":"<b>&</b>"}`)
	p := only(t, search(t, c, "d", "richId", "r1"))
	for _, tc := range cases {
		got, ok := p.Attributes[tc.name]
		if tc.want == "" && ok || tc.want != "" && got != tc.want {
			t.Errorf("%s: Source %s gave %q (present %v), want %q", tc.name, tc.source, got, ok, tc.want)
		}
	}
	// NUMBER and NAME keys compare canonical forms.
	only(t, search(t, c, "d", "points", "0042.5"))
	only(t, search(t, c, "d", "nick", "  ADA   lovelace "))
}
