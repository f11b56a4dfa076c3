package flowconfig_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/flowconfig"
)

func TestParseItems(t *testing.T) {
	q := flowconfig.Item{"Primary_Key": "Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": "realtime"}
	m := flowconfig.Item{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "Flag_SteeringMenu_Retries": "1"}
	const (
		plainQ = `{"Primary_Key": "Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": "realtime"}`
		typedQ = `{"Primary_Key": {"S": "Sales"}, "Resource_Type": {"S": "Queue"}, "Flag_Queue_Analytics": {"S": "realtime"}}`
		typedM = `{"Primary_Key": {"S": "Main"}, "Resource_Type": {"S": "SteeringMenu"}, "Flag_SteeringMenu_Retries": {"S": "1"}}`
	)
	tests := []struct {
		name string
		in   string
		want []flowconfig.Item
		err  string
	}{
		{"plain", plainQ, []flowconfig.Item{q}, ""},
		{"plain with an empty value", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "Flag_SteeringMenu_Retries": "1", "Prompt_SteeringMenu_Retry": ""}`,
			[]flowconfig.Item{{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "Flag_SteeringMenu_Retries": "1", "Prompt_SteeringMenu_Retry": ""}}, ""},
		{"typed", typedQ, []flowconfig.Item{q}, ""},
		{"get-item answer", `{"Item": ` + typedQ + `, "ConsumedCapacity": null}`, []flowconfig.Item{q}, ""},
		{"plain in Item", `{"Item": ` + plainQ + `}`, []flowconfig.Item{q}, ""},
		{"scan answer", `{"Items": [` + typedQ + `, ` + typedM + `], "Count": 2, "ScannedCount": 2}`, []flowconfig.Item{q, m}, ""},
		{"array of plain and typed", `[` + plainQ + `, ` + typedM + `]`, []flowconfig.Item{q, m}, ""},
		{"array of Item wrappers", `[{"Item": ` + typedQ + `}, {"Item": ` + typedM + `}]`, []flowconfig.Item{q, m}, ""},
		{"mixed forms in an item", `{"Primary_Key": {"S": "Sales"}, "Resource_Type": "Queue", "Flag_Queue_Analytics": "realtime"}`, []flowconfig.Item{q}, ""},

		{"empty", "  ", nil, "empty"},
		{"empty array", "[]", nil, "no items"},
		{"not JSON", `{"Primary_Key": `, nil, "not JSON"},
		{"a string", `"Sales"`, nil, "must be a JSON object"},
		{"no Primary_Key", `{"Resource_Type": "Queue"}`, nil, "no Primary_Key"},
		{"empty Resource_Type", `{"Primary_Key": "Sales", "Resource_Type": ""}`, nil, "no Resource_Type"},
		{"a number", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "Flag_SteeringMenu_Retries": 1}`, nil, `attribute Flag_SteeringMenu_Retries: 1 is not a string`},
		{"null", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": null}`, nil, "attribute X: null is not a string"},
		{"typed N", `{"Primary_Key": {"S": "Main"}, "Resource_Type": {"S": "SteeringMenu"}, "Flag_SteeringMenu_Retries": {"N": "1"}}`, nil,
			"attribute Flag_SteeringMenu_Retries: it is a DynamoDB N; the configuration table holds strings (S)"},
		{"typed BOOL", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": {"BOOL": true}}`, nil, "DynamoDB BOOL"},
		{"typed with two types", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": {"S": "a", "N": "1"}}`, nil, "exactly one type"},
		{"typed S not a string", `{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": {"S": 1}}`, nil, "JSON string"},
		{"bad item in an array", `[` + plainQ + `, {"Primary_Key": "x"}]`, nil, "item 2: the item has no Resource_Type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flowconfig.ParseItems([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestItemMarshalsKeysFirst(t *testing.T) {
	b, err := json.Marshal(flowconfig.Item{"Flag_B": "2", "Resource_Type": "Queue", "Flag_A": `say "hi"`, "Primary_Key": "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Primary_Key":"Sales","Resource_Type":"Queue","Flag_A":"say \"hi\"","Flag_B":"2"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadPath(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"DeliveryId/Main.json":      `{"Primary_Key": "+442079460100", "Resource_Type": "DeliveryId"}`,
		"SteeringMenu/Menus.JSON":   `[{"Primary_Key": "A", "Resource_Type": "SteeringMenu"}, {"Item": {"Primary_Key": {"S": "B"}, "Resource_Type": {"S": "SteeringMenu"}}}]`,
		"Queue/Sales.json":          `{"Primary_Key": {"S": "Sales"}, "Resource_Type": {"S": "Queue"}}`,
		"README.md":                 "not an item",
		".git/config.json":          "not an item either",
		"Queue/.Sales.json.swp":     "editor junk",
		"Queue/.hidden-sales.json":  "{",
		"SteeringMenu/notes/x.json": `{"Primary_Key": "C", "Resource_Type": "SteeringMenu"}`,
	})
	items, err := flowconfig.LoadPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(items), []string{"+442079460100/DeliveryId", "Sales/Queue", "A/SteeringMenu", "B/SteeringMenu", "C/SteeringMenu"}; !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %v, want %v", got, want)
	}
	one, err := flowconfig.LoadPath(filepath.Join(dir, "Queue", "Sales.json"))
	if err != nil || len(one) != 1 || one[0].PrimaryKey() != "Sales" {
		t.Errorf("a single file: %v, %v", one, err)
	}

	bad := writeFiles(t, map[string]string{"Queue/Sales.json": `{"Primary_Key": "Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": {"N": "1"}}`})
	_, err = flowconfig.LoadPath(bad)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(bad, "Queue", "Sales.json")+": attribute Flag_Queue_Analytics") {
		t.Errorf("a bad file: %v", err)
	}

	dup := writeFiles(t, map[string]string{
		"a.json": `{"Primary_Key": "Sales", "Resource_Type": "Queue"}`,
		"b.json": `{"Item": {"Primary_Key": {"S": "Sales"}, "Resource_Type": {"S": "Queue"}}}`,
		"c.json": `[{"Primary_Key": "M", "Resource_Type": "SteeringMenu"}, {"Primary_Key": "M", "Resource_Type": "SteeringMenu"}]`,
	})
	_, err = flowconfig.LoadPath(dup)
	if err == nil || !strings.Contains(err.Error(), `Queue "Sales" is given twice (in a.json and b.json)`) {
		t.Errorf("a duplicate across files: %v", err)
	}
	_, err = flowconfig.LoadPath(filepath.Join(dup, "c.json"))
	if err == nil || !strings.Contains(err.Error(), `SteeringMenu "M" is given twice (in `+filepath.Join(dup, "c.json")+")") {
		t.Errorf("a duplicate in one file: %v", err)
	}

	empty := writeFiles(t, map[string]string{"README.md": "no items here"})
	_, err = flowconfig.LoadPath(empty)
	if !errors.Is(err, flowconfig.ErrNoItemFiles) || !strings.Contains(err.Error(), empty) {
		t.Errorf("a folder with no items: %v", err)
	}
	if _, err := flowconfig.LoadPath(filepath.Join(empty, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing path: %v", err)
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct{ pk, rt, want string }{
		{"+442079460100", "DeliveryId", "DeliveryId/+442079460100.json"},
		{"HarbourBikes_Main", "SteeringMenu", "SteeringMenu/HarbourBikes_Main.json"},
		{"a/b c", "Queue", "Queue/a%2Fb%20c.json"},
		{"..", "x/y", "x%2Fy/%2E..json"},
	} {
		if got := flowconfig.FileName(flowconfig.Item{"Primary_Key": tc.pk, "Resource_Type": tc.rt}); got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.pk, tc.rt, got, tc.want)
		}
	}
}

// FuzzParseItems feeds arbitrary files to the item reader: it must answer
// without panicking, every item it accepts has both keys, and the items
// written back as a plain JSON array read back the same.
func FuzzParseItems(f *testing.F) {
	for _, s := range []string{
		`{"Primary_Key": "Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": "realtime"}`,
		`{"Items": [{"Primary_Key": {"S": "Main"}, "Resource_Type": {"S": "SteeringMenu"}}], "Count": 1}`,
		`[{"Item": {"Primary_Key": "a", "Resource_Type": "b", "X": {"S": "\u00e9"}}}, {"Primary_Key": "c", "Resource_Type": "d"}]`,
		`{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": {"N": "1"}}`,
		`[[[{"Item": {"Item": {"Primary_Key": "a", "Resource_Type": "b"}}}]]]`,
		`{"Primary_Key": "Main", "Resource_Type": "SteeringMenu", "X": 1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := flowconfig.ParseItems(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for i, it := range items {
			if it["Primary_Key"] == "" || it["Resource_Type"] == "" {
				t.Fatalf("item %d lacks a key: %v", i, it)
			}
		}
		b, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		again, err := flowconfig.ParseItems(b)
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Fatalf("written back as %s, read %v, %v; want %v", b, again, err, items)
		}
	})
}
