package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is the layout of an input file.
type Format string

// The formats Run reads.
const (
	// NDJSON is one JSON object per line; blank lines are skipped.
	NDJSON Format = "ndjson"
	// CSV has a header row naming the fields; every value is a string.
	CSV Format = "csv"
)

// FormatFor picks a format from a file name: .csv is CSV, anything else
// (.ndjson, .jsonl, .json) NDJSON.
func FormatFor(path string) Format {
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return CSV
	}
	return NDJSON
}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case NDJSON, CSV:
		return f, nil
	case "jsonl", "json":
		return NDJSON, nil
	}
	return "", fmt.Errorf("unknown format %q: use ndjson or csv", s)
}

// Codes of rows refused before they reach the server.
const (
	CodeInvalidJSON = "InvalidJSON"
	CodeInvalidCSV  = "InvalidCSV"
)

// maxLineBytes bounds an NDJSON line: the model allows 256,000 characters
// of Object, at most 4 bytes each, so a longer line can never be accepted
// and is not worth holding in memory.
const maxLineBytes = 256000*4 + 1024

var bom = []byte{0xEF, 0xBB, 0xBF}

// Position is a place in an input file: a byte offset at the start of a
// line and how many lines come before it.
type Position struct {
	Offset int64 `json:"offset"`
	Line   int64 `json:"line"`
}

// Row is one record of the input, with where it lies in the file.
type Row struct {
	Line    int64 // first line of the row, from 1
	EndLine int64 // last line (a CSV value may span lines)
	Start   int64 // byte offset where the row's text begins (after the previous row)
	End     int64 // byte offset just after it
	// Object is the JSON text PutProfileObject sends; empty when Err is set.
	Object string
	// Doc is Object decoded (numbers as json.Number), for ordering.
	Doc map[string]any
	// Err says why the row cannot be sent at all.
	Err *Rejection
}

// rowReader yields the rows of a file in order; io.EOF ends them.
type rowReader interface {
	Next() (*Row, error)
}

// newReader reads f in the given format from pos (the zero Position is the
// beginning of the file). A CSV reader reads the header from the start of
// the file whatever pos is.
func newReader(format Format, f io.ReadSeeker, pos Position) (rowReader, error) {
	switch format {
	case NDJSON:
		return newNDJSONReader(f, pos)
	case CSV:
		return newCSVReader(f, pos)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// ndjsonReader reads one JSON object per line.
type ndjsonReader struct {
	br   *bufio.Reader
	off  int64
	line int64
}

func newNDJSONReader(f io.ReadSeeker, pos Position) (*ndjsonReader, error) {
	if _, err := f.Seek(pos.Offset, io.SeekStart); err != nil {
		return nil, err
	}
	return &ndjsonReader{br: bufio.NewReaderSize(f, 256<<10), off: pos.Offset, line: pos.Line}, nil
}

func (r *ndjsonReader) Next() (*Row, error) {
	for {
		start := r.off
		text, n, tooLong, err := readLine(r.br, maxLineBytes)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if n == 0 {
			return nil, io.EOF
		}
		r.off += n
		r.line++
		if start == 0 {
			text = bytes.TrimPrefix(text, bom)
		}
		// line is the line as an editor shows it (no byte order mark), from
		// which any position in a message counts; text, trimmed, is the
		// object sent.
		line := text
		text = bytes.TrimSpace(line)
		if len(text) == 0 && !tooLong {
			continue // blank lines separate nothing and are not rows
		}
		row := &Row{Line: r.line, EndLine: r.line, Start: start, End: r.off}
		if tooLong {
			row.Err = &Rejection{Line: r.line, Code: CodeInvalidJSON,
				Message: fmt.Sprintf("the line is longer than %d bytes, more than any object the service accepts", maxLineBytes)}
			return row, nil
		}
		if !utf8.Valid(text) {
			// The trimmed space is valid UTF-8, so the first bad byte of
			// line is the first of text; counted in line, its position
			// includes the leading space.
			row.Err = &Rejection{Line: r.line, Code: CodeInvalidJSON,
				Message: "the line " + notUTF8(line)}
			return row, nil
		}
		doc, err := decodeObject(text)
		if err != nil {
			msg := err.Error()
			if at, ok := syntaxErrorAt(err); ok {
				// at is in text; count from the line's start, as above.
				lead := len(line) - len(bytes.TrimLeftFunc(line, unicode.IsSpace))
				msg += " at character " + strconv.Itoa(1+utf8.RuneCount(line[:lead+at]))
			}
			row.Err = &Rejection{Line: r.line, Code: CodeInvalidJSON, Message: msg}
			return row, nil
		}
		row.Object, row.Doc = string(text), doc
		return row, nil
	}
}

// readLine reads through the next newline. It returns at most limit bytes
// of the line (tooLong says the rest was skipped) and n, the bytes consumed.
func readLine(br *bufio.Reader, limit int) (line []byte, n int64, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(line)+len(chunk) > limit {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, n, tooLong, err
	}
}

// notUTF8 says why text that is not UTF-8 is refused, naming its first bad
// byte: "is not UTF-8 text: byte 0xE9 at character 13; save the file as
// UTF-8". Sending such text would replace each bad byte with U+FFFD and
// change the customer's data without a word; a file saved in another
// encoding (Latin-1, Windows-1252) is the usual cause.
//
// The position counts characters (runes, each bad byte one) from 1 at the
// start of text, so callers pass text as the file has it, untrimmed: the
// whole NDJSON line (without a byte order mark, which an editor does not
// show), the CSV cell.
func notUTF8(text []byte) string {
	char := 1
	for at := 0; at < len(text); char++ {
		r, n := utf8.DecodeRune(text[at:])
		if r == utf8.RuneError && n == 1 {
			return fmt.Sprintf("is not UTF-8 text: byte 0x%02X at character %d; save the file as UTF-8", text[at], char)
		}
		at += n
	}
	return "is UTF-8 text" // not called on valid text
}

// decodeObject parses one JSON object, refusing anything else.
func decodeObject(text []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not valid JSON: more data after the object (one object per line)")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object but %s", jsonKind(v))
	}
	return m, nil
}

// syntaxErrorAt is the byte offset, in the text decodeObject was given, of
// the character a JSON syntax error is about. Other errors (the text ends
// before the object does) have no such character.
func syntaxErrorAt(err error) (int, bool) {
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset < 1 {
		return 0, false
	}
	return int(se.Offset) - 1, true // Offset counts the offending byte
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// csvReader reads a header row and then one object per record, whose
// members are the header's names with the record's values as strings.
type csvReader struct {
	cr     *csv.Reader
	header []string
	base   Position // where cr's input starts in the file
}

func newCSVReader(f io.ReadSeeker, pos Position) (*csvReader, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 256<<10)
	skip := int64(0)
	if b, _ := br.Peek(len(bom)); bytes.Equal(b, bom) {
		skip = int64(len(bom))
		_, _ = br.Discard(len(bom))
	}
	r := &csvReader{cr: newCSV(br), base: Position{Offset: skip}}
	header, err := r.cr.Read()
	if err == io.EOF {
		return nil, errors.New("the CSV file is empty: it needs a header row naming the fields")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	seen := map[string]bool{}
	for i, cell := range header {
		h := strings.TrimSpace(cell)
		switch {
		case h == "":
			return nil, fmt.Errorf("CSV header: column %d has no name", i+1)
		case seen[h]:
			return nil, fmt.Errorf("CSV header: column %q appears twice", h)
		case !utf8.ValidString(h):
			// Counted in the cell as written: the trimmed space is valid,
			// and the position should match what the file shows.
			return nil, fmt.Errorf("CSV header: the name of column %d %s", i+1, notUTF8([]byte(cell)))
		}
		seen[h], header[i] = true, h
	}
	r.header = header
	if headerEnd := skip + r.cr.InputOffset(); pos.Offset > headerEnd {
		// Resuming: the header came from the top; the rows continue at pos.
		if _, err := f.Seek(pos.Offset, io.SeekStart); err != nil {
			return nil, err
		}
		r.cr, r.base = newCSV(bufio.NewReaderSize(f, 256<<10)), pos
	}
	return r, nil
}

func newCSV(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // ragged rows are refused one by one, not fatal
	return cr
}

func (r *csvReader) Next() (*Row, error) {
	for {
		start := r.base.Offset + r.cr.InputOffset()
		rec, err := r.cr.Read()
		end := r.base.Offset + r.cr.InputOffset()
		if err == io.EOF {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			msg := pe.Err.Error()
			if pe.Column > 0 {
				msg = fmt.Sprintf("%s (line %d, column %d)", msg, r.base.Line+int64(pe.Line), pe.Column)
			}
			return &Row{Line: r.base.Line + int64(pe.StartLine), EndLine: r.base.Line + int64(pe.Line), Start: start, End: end,
				Err: &Rejection{Line: r.base.Line + int64(pe.StartLine), Code: CodeInvalidCSV, Message: msg}}, nil
		}
		if err != nil {
			return nil, err
		}
		first, _ := r.cr.FieldPos(0)
		last, _ := r.cr.FieldPos(len(rec) - 1)
		row := &Row{
			Line:    r.base.Line + int64(first),
			EndLine: r.base.Line + int64(last) + int64(strings.Count(rec[len(rec)-1], "\n")),
			Start:   start, End: end,
		}
		if blank(rec) {
			continue // a row of empty cells (",,,") carries nothing
		}
		if len(rec) != len(r.header) {
			row.Err = &Rejection{Line: row.Line, Code: CodeInvalidCSV,
				Message: fmt.Sprintf("the row has %d fields and the header %d", len(rec), len(r.header))}
			return row, nil
		}
		for i, v := range rec {
			if !utf8.ValidString(v) {
				row.Err = &Rejection{Line: row.Line, Code: CodeInvalidCSV,
					Message: fmt.Sprintf("the value of %q %s", r.header[i], notUTF8([]byte(v)))}
				return row, nil
			}
		}
		row.Object, row.Doc = r.object(rec)
		return row, nil
	}
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// object renders a record as a JSON object in header order. An empty cell
// is left out: CSV cannot tell "" from absent, and an absent member is what
// the mapping treats as "no value".
func (r *csvReader) object(rec []string) (string, map[string]any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the text is data, stored as sent
	doc := make(map[string]any, len(rec))
	b.WriteByte('{')
	for i, v := range rec {
		if v == "" {
			continue
		}
		if len(doc) > 0 {
			b.WriteByte(',')
		}
		_ = enc.Encode(r.header[i]) // strings always encode
		b.Truncate(b.Len() - 1)     // Encode's newline
		b.WriteByte(':')
		_ = enc.Encode(v)
		b.Truncate(b.Len() - 1)
		doc[r.header[i]] = v
	}
	b.WriteByte('}')
	return b.String(), doc
}
