package importer

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
)

// got is a row as the tests compare it.
type got struct {
	Line, EndLine int64
	Object        string // the JSON sent, or "" when refused
	Code          string // the refusal's code
	Msg           string // a fragment of the refusal's message
}

// readRows reads every row of data from pos.
func readRows(format Format, data []byte, pos Position) ([]*Row, error) {
	rd, err := newReader(format, bytes.NewReader(data), pos)
	if err != nil {
		return nil, err
	}
	var rows []*Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

func TestReader(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", maxLineBytes) + `"}`
	for _, tc := range []struct {
		name   string
		format Format
		input  string
		want   []got
	}{{
		name: "ndjson blank lines, spaces and CRLF", format: NDJSON,
		input: "{\"a\":1}\n\n   \n\t{\"b\": \"two\"}  \r\n\r\n",
		want:  []got{{Line: 1, EndLine: 1, Object: `{"a":1}`}, {Line: 4, EndLine: 4, Object: `{"b": "two"}`}},
	}, {
		name: "ndjson without a final newline", format: NDJSON,
		input: "{\"a\":1}\n{\"b\":2}",
		want:  []got{{Line: 1, EndLine: 1, Object: `{"a":1}`}, {Line: 2, EndLine: 2, Object: `{"b":2}`}},
	}, {
		name: "ndjson byte order mark", format: NDJSON,
		input: "\xEF\xBB\xBF{\"a\":1}\n",
		want:  []got{{Line: 1, EndLine: 1, Object: `{"a":1}`}},
	}, {
		name: "ndjson bad lines are refused with their line", format: NDJSON,
		input: "{\"ok\":1}\n{bad\n[1,2]\n\"str\"\n{\"a\":1} {\"b\":2}\nnull\n{\"a\":\n{\"ok\":2}\n",
		want: []got{
			{Line: 1, EndLine: 1, Object: `{"ok":1}`},
			{Line: 2, EndLine: 2, Code: CodeInvalidJSON, Msg: "not valid JSON: invalid character 'b' looking for beginning of object key string at character 2"},
			{Line: 3, EndLine: 3, Code: CodeInvalidJSON, Msg: "not a JSON object but an array"},
			{Line: 4, EndLine: 4, Code: CodeInvalidJSON, Msg: "not a JSON object but a string"},
			{Line: 5, EndLine: 5, Code: CodeInvalidJSON, Msg: "more data after the object"},
			{Line: 6, EndLine: 6, Code: CodeInvalidJSON, Msg: "not a JSON object but null"},
			{Line: 7, EndLine: 7, Code: CodeInvalidJSON, Msg: "unexpected EOF"},
			{Line: 8, EndLine: 8, Object: `{"ok":2}`},
		},
	}, {
		name: "ndjson line too long for any object", format: NDJSON,
		input: "{\"a\":1}\n" + long + "\n{\"b\":2}\n",
		want: []got{
			{Line: 1, EndLine: 1, Object: `{"a":1}`},
			{Line: 2, EndLine: 2, Code: CodeInvalidJSON, Msg: "longer than"},
			{Line: 3, EndLine: 3, Object: `{"b":2}`},
		},
	}, {
		name: "ndjson that is not UTF-8 is refused, not mangled", format: NDJSON,
		input: "{\"name\":\"Jos\xE9\"}\n{\"name\":\"José\"}\n",
		want: []got{
			{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "not UTF-8 text: byte 0xE9 at character 13; save the file as UTF-8"},
			{Line: 2, EndLine: 2, Object: `{"name":"José"}`},
		},
	}, {
		// A position counts from the first character of the line as an
		// editor shows it: leading spaces and tabs are characters too,
		// though the object sent is trimmed.
		name: "ndjson not UTF-8 after leading spaces and tabs", format: NDJSON,
		input: "  {\"name\":\"Jos\xE9\"}\n\t{\"name\":\"Jos\xE9\"}  \r\n \t {\"a\":\"\xE9\"}\n",
		want: []got{
			{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 15;"},
			{Line: 2, EndLine: 2, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 14;"},
			{Line: 3, EndLine: 3, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 10;"},
		},
	}, {
		// An editor does not show a byte order mark, so it is not counted;
		// the spaces after it are.
		name: "ndjson not UTF-8 after a byte order mark", format: NDJSON,
		input: "\xEF\xBB\xBF  {\"name\":\"Jos\xE9\"}\n",
		want:  []got{{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 15;"}},
	}, {
		name: "ndjson not UTF-8 right after a byte order mark", format: NDJSON,
		input: "\xEF\xBB\xBF{\"name\":\"Jos\xE9\"}\n",
		want:  []got{{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 13;"}},
	}, {
		// Characters, not bytes: a no-break space and an ideographic space
		// (trimmed like any Unicode space) and an é are one character each.
		name: "ndjson not UTF-8 after multi-byte characters", format: NDJSON,
		input: "\u00A0\u3000{\"é\":\"Jos\xE9\"}\n{\"é\":\"Jos\xE9\"}\n",
		want: []got{
			{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 12;"},
			{Line: 2, EndLine: 2, Code: CodeInvalidJSON, Msg: "byte 0xE9 at character 10;"},
		},
	}, {
		// A syntax error names the character it is about, counted like
		// the bad bytes above; an object cut short has none to name.
		name: "ndjson syntax errors say where", format: NDJSON,
		input: "  {\"a\":1,}\n\u00A0{\"é\":tru}\n\t{\"a\":[1,2}\n{\"a\":\"x\n",
		want: []got{
			{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "not valid JSON: invalid character '}' looking for beginning of object key string at character 10"},
			{Line: 2, EndLine: 2, Code: CodeInvalidJSON, Msg: "not valid JSON: invalid character '}' in literal true (expecting 'e') at character 10"},
			{Line: 3, EndLine: 3, Code: CodeInvalidJSON, Msg: "not valid JSON: invalid character '}' after array element at character 11"},
			{Line: 4, EndLine: 4, Code: CodeInvalidJSON, Msg: "not valid JSON: unexpected EOF"},
		},
	}, {
		name: "ndjson syntax error after a byte order mark", format: NDJSON,
		input: "\xEF\xBB\xBF{\"a\" 1}\n",
		want:  []got{{Line: 1, EndLine: 1, Code: CodeInvalidJSON, Msg: "invalid character '1' after object key at character 6"}},
	}, {
		name: "csv quoted fields", format: CSV,
		input: "id,name,note\n" +
			"1,\"Smith, John\",\"He said \"\"hi\"\"\nand left\"\n" +
			"2,Ann,\n" +
			"3,\"<b>&\",\"\"\n",
		want: []got{
			{Line: 2, EndLine: 3, Object: `{"id":"1","name":"Smith, John","note":"He said \"hi\"\nand left"}`},
			{Line: 4, EndLine: 4, Object: `{"id":"2","name":"Ann"}`},
			{Line: 5, EndLine: 5, Object: `{"id":"3","name":"<b>&"}`},
		},
	}, {
		name: "csv byte order mark, CRLF and padded header", format: CSV,
		input: "\xEF\xBB\xBF id , Name\r\n7,Zoë\r\n",
		want:  []got{{Line: 2, EndLine: 2, Object: `{"id":"7","Name":"Zoë"}`}},
	}, {
		name: "csv ragged rows are refused", format: CSV,
		input: "id,name\n1\n2,b,c\n3,c\n",
		want: []got{
			{Line: 2, EndLine: 2, Code: CodeInvalidCSV, Msg: "the row has 1 fields and the header 2"},
			{Line: 3, EndLine: 3, Code: CodeInvalidCSV, Msg: "the row has 3 fields and the header 2"},
			{Line: 4, EndLine: 4, Object: `{"id":"3","name":"c"}`},
		},
	}, {
		name: "csv bad quoting is refused and reading goes on", format: CSV,
		input: "id,name\n1,a\"b\n2,\"x\"y\n3,ok\n",
		want: []got{
			{Line: 2, EndLine: 2, Code: CodeInvalidCSV, Msg: `bare " in non-quoted-field (line 2, column 4)`},
			{Line: 3, EndLine: 3, Code: CodeInvalidCSV, Msg: `extraneous or missing " in quoted-field`},
			{Line: 4, EndLine: 4, Object: `{"id":"3","name":"ok"}`},
		},
	}, {
		name: "csv that is not UTF-8 is refused, not mangled", format: CSV,
		input: "id,name\n1,Zo\xEB\n2,Zoë\n",
		want: []got{
			{Line: 2, EndLine: 2, Code: CodeInvalidCSV, Msg: `the value of "name" is not UTF-8 text: byte 0xEB at character 3`},
			{Line: 3, EndLine: 3, Object: `{"id":"2","name":"Zoë"}`},
		},
	}, {
		// A value is not trimmed, so its position already counts the
		// spaces it starts with.
		name: "csv not UTF-8 after leading spaces in the value", format: CSV,
		input: "id,name\n1,  Zo\xEB\n",
		want:  []got{{Line: 2, EndLine: 2, Code: CodeInvalidCSV, Msg: `the value of "name" is not UTF-8 text: byte 0xEB at character 5;`}},
	}, {
		name: "csv blank and empty rows are skipped", format: CSV,
		input: "id,name\n\n,\n  , \n3,c\n",
		want:  []got{{Line: 5, EndLine: 5, Object: `{"id":"3","name":"c"}`}},
	}, {
		name: "csv unterminated quote runs to the end", format: CSV,
		input: "id,name\n1,a\n2,\"open\n3,c\n",
		want: []got{
			{Line: 2, EndLine: 2, Object: `{"id":"1","name":"a"}`},
			{Line: 3, EndLine: 4, Code: CodeInvalidCSV, Msg: "extraneous or missing"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := readRows(tc.format, []byte(tc.input), Position{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tc.want) {
				t.Fatalf("got %d rows, want %d: %s", len(rows), len(tc.want), describe(rows))
			}
			for i, row := range rows {
				w := tc.want[i]
				g := got{Line: row.Line, EndLine: row.EndLine, Object: row.Object}
				if row.Err != nil {
					g.Code, g.Msg = row.Err.Code, row.Err.Message
					if row.Err.Line != row.Line {
						t.Errorf("row %d: refusal names line %d, the row is at %d", i, row.Err.Line, row.Line)
					}
				}
				if g.Line != w.Line || g.EndLine != w.EndLine || g.Object != w.Object || g.Code != w.Code ||
					!strings.Contains(g.Msg, w.Msg) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
				}
				if (row.Object == "") != (row.Doc == nil) {
					t.Errorf("row %d: Object %q but Doc %v", i, row.Object, row.Doc)
				}
				if row.Start >= row.End || i > 0 && row.Start != rows[i-1].End && tc.format == CSV {
					t.Errorf("row %d spans [%d, %d), the previous ended at %d", i, row.Start, row.End, rows[max(i-1, 0)].End)
				}
			}
			// Reading from any row's end, as a resumed import does, gives
			// exactly the rows after it.
			for i, row := range rows {
				rest, err := readRows(tc.format, []byte(tc.input), Position{Offset: row.End, Line: row.EndLine})
				if err != nil {
					t.Fatal(err)
				}
				if a, b := describe(rest), describe(rows[i+1:]); a != b {
					t.Errorf("resuming after row %d:\n got %s\nwant %s", i, a, b)
				}
			}
		})
	}
}

func describe(rows []*Row) string {
	var b bytes.Buffer
	for _, r := range rows {
		code := ""
		if r.Err != nil {
			code = r.Err.Code
		}
		b.WriteString(strings.Join([]string{itoa(r.Line), itoa(r.EndLine), itoa(r.Start), itoa(r.End), r.Object, code}, "|"))
		b.WriteString("; ")
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCSVHeaderErrors(t *testing.T) {
	for input, want := range map[string]string{
		"":                  "empty",
		"\n\n":              "empty",
		"id,,name\n1,2,3":   "column 2 has no name",
		"id,name,id\n1,2,3": `column "id" appears twice`,
		"id,\"name\n":       "reading the CSV header",
		"id,na\xEFme\n1,2":  "the name of column 2 is not UTF-8 text: byte 0xEF at character 3",
		// Counted from the start of the cell as written, not from the
		// trimmed name; a byte order mark is not counted.
		" id , na\xEFme\n1,2":     "the name of column 2 is not UTF-8 text: byte 0xEF at character 4;",
		"id,\t na\xEFme\n1,2":     "the name of column 2 is not UTF-8 text: byte 0xEF at character 5;",
		"\xEF\xBB\xBFna\xEFme\n1": "the name of column 1 is not UTF-8 text: byte 0xEF at character 3;",
	} {
		_, err := newReader(CSV, strings.NewReader(input), Position{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("header %q: got %v, want an error containing %q", input, err, want)
		}
	}
}

func TestFormat(t *testing.T) {
	for path, want := range map[string]Format{"a.csv": CSV, "A.CSV": CSV, "a.ndjson": NDJSON, "a.jsonl": NDJSON, "a": NDJSON} {
		if got := FormatFor(path); got != want {
			t.Errorf("FormatFor(%q) = %s, want %s", path, got, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat accepted xml")
	}
}
