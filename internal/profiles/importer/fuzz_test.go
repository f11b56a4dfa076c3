package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReader feeds arbitrary files to both readers. Whatever the bytes, a
// reader must not fail (beyond a refused CSV header), its rows must tile
// the file in order, an accepted row must be a JSON object that says what
// Doc says, an NDJSON line refused as not UTF-8 must name its first bad
// byte and that byte's place in the line as the file has it, and reading
// from any row's end, as a resumed import does, must give exactly the rows
// after it.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"{\"a\":1}\n\n   \n\t{\"b\": \"two\"}  \r\n\r\n",
		"\xEF\xBB\xBF{\"a\":1}\n{bad\n[1,2]\n\"str\"\n{\"a\":1} {\"b\":2}\nnull\n{\"a\":\n{\"ok\":2}",
		"id,name,email\n1,Ann,a@x.com\n,,\n2,\"Bo\nb\",\n3,\"un\"terminated\n4\n",
		"\xEF\xBB\xBFid;name\r\n\"1\",\"x\"\"y\"\r\n\n\n5,6,7\r\n",
		"a\n\"\n",
		"{\"a\":\"\\ud800\"}\n{\"a\":1e999}\n",
		"\xEF\xBB\xBF \t{\"é\":\"Jos\xE9\"}\n\u00A0 {\"a\":\"\xE9\"}\r\n",
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
				if format == NDJSON {
					checkNotUTF8(t, i, data, row)
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

// checkNotUTF8 checks that an NDJSON row refused as not UTF-8 names the
// first bad byte of its line and counts its place in characters from the
// start of the line as the file has it (a byte order mark at the start of
// the file is not counted).
func checkNotUTF8(t *testing.T, i int, data []byte, row *Row) {
	t.Helper()
	at := strings.Index(row.Err.Message, "not UTF-8 text: ")
	if at < 0 {
		return
	}
	var b byte
	var char int
	if _, err := fmt.Sscanf(row.Err.Message[at:], "not UTF-8 text: byte 0x%X at character %d", &b, &char); err != nil {
		t.Fatalf("row %d: %q: %v", i, row.Err.Message, err)
	}
	line := data[row.Start:row.End]
	if row.Start == 0 {
		line = bytes.TrimPrefix(line, bom)
	}
	off := 0
	for c := 1; c < char; c++ {
		if off >= len(line) {
			t.Fatalf("row %d: %q: the line %q has fewer characters", i, row.Err.Message, line)
		}
		r, n := utf8.DecodeRune(line[off:])
		if r == utf8.RuneError && n == 1 {
			t.Fatalf("row %d: %q: the line %q has a bad byte at character %d", i, row.Err.Message, line, c)
		}
		off += n
	}
	if r, n := utf8.DecodeRune(line[off:]); off >= len(line) || r != utf8.RuneError || n != 1 || line[off] != b {
		t.Fatalf("row %d: %q: character %d of the line %q is not the bad byte 0x%02X", i, row.Err.Message, char, line, b)
	}
}
