package importer

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzReader feeds arbitrary files to both readers. Whatever the bytes, a
// reader must not fail (beyond a refused CSV header), its rows must tile
// the file in order, an accepted row must be a JSON object that says what
// Doc says, and reading from any row's end, as a resumed import does,
// must give exactly the rows after it.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"{\"a\":1}\n\n   \n\t{\"b\": \"two\"}  \r\n\r\n",
		"\xEF\xBB\xBF{\"a\":1}\n{bad\n[1,2]\n\"str\"\n{\"a\":1} {\"b\":2}\nnull\n{\"a\":\n{\"ok\":2}",
		"id,name,email\n1,Ann,a@x.com\n,,\n2,\"Bo\nb\",\n3,\"un\"terminated\n4\n",
		"\xEF\xBB\xBFid;name\r\n\"1\",\"x\"\"y\"\r\n\n\n5,6,7\r\n",
		"a\n\"\n",
		"{\"a\":\"\\ud800\"}\n{\"a\":1e999}\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		format := NDJSON
		if csv {
			format = CSV
		}
		rows, err := readRows(format, data, Position{})
		if err != nil {
			if format == NDJSON {
				t.Fatalf("NDJSON reader failed: %v", err)
			}
			return // a CSV header the reader refuses, with a message
		}
		var prevEnd, prevLine int64
		for i, row := range rows {
			if row.Start < prevEnd || row.Start >= row.End || row.End > int64(len(data)) {
				t.Fatalf("row %d spans [%d, %d) after %d, in a file of %d bytes", i, row.Start, row.End, prevEnd, len(data))
			}
			if row.Line <= prevLine || row.EndLine < row.Line {
				t.Fatalf("row %d: lines %d-%d after line %d", i, row.Line, row.EndLine, prevLine)
			}
			prevEnd, prevLine = row.End, row.EndLine
			if row.Err != nil {
				if row.Object != "" || row.Doc != nil || row.Err.Message == "" || row.Err.Line != row.Line {
					t.Fatalf("row %d: refused (%+v) with Object %q", i, *row.Err, row.Object)
				}
				continue
			}
			var doc map[string]any
			dec := json.NewDecoder(bytes.NewReader([]byte(row.Object)))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil || doc == nil {
				t.Fatalf("row %d: accepted %q, which is not a JSON object (%v)", i, row.Object, err)
			}
			if !reflect.DeepEqual(doc, row.Doc) {
				t.Fatalf("row %d: Object %q decodes to %v, Doc is %v", i, row.Object, doc, row.Doc)
			}
		}
		for i, row := range rows {
			rest, err := readRows(format, data, Position{Offset: row.End, Line: row.EndLine})
			if err != nil {
				t.Fatalf("resuming after row %d: %v", i, err)
			}
			if a, b := describe(rest), describe(rows[i+1:]); a != b {
				t.Fatalf("resuming after row %d:\n got %s\nwant %s", i, a, b)
			}
		}
	})
}
