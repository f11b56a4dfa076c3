package profiles

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseCalcExpr(t *testing.T) {
	for _, tc := range []struct {
		src    string
		typ    string
		fields []string
		err    string // part of the error; "" for none
	}{
		{src: "{Order.total}", typ: "Order", fields: []string{"total"}},
		{src: "{Order.total} + {Order.tax}", typ: "Order", fields: []string{"total", "tax"}},
		{src: "({Order.a}-{Order.b})*{Order.a} / {Order.b}", typ: "Order", fields: []string{"a", "b"}},
		{src: "{Order.item.price}", typ: "Order", fields: []string{"item.price"}}, // field names may hold dots
		{src: "", err: "ends where an attribute"},
		{src: "{Order.total} +", err: "ends where an attribute"},
		{src: "{Order.total} {Order.tax}", err: `unexpected "{"`},
		{src: "{Order.total} + 1", err: `unexpected "1"`},
		{src: "{Order}", err: "must name an object type and one of its fields"},
		{src: "{.total}", err: "must name an object type"},
		{src: "{Order.total", err: "is not closed"},
		{src: "({Order.total}", err: "parenthesis opened is not closed"},
		{src: "{Order.total} + {Refund.total}", err: "object types Order and Refund"},
		{src: "Order.total", err: `unexpected "O"`},
	} {
		t.Run(tc.src, func(t *testing.T) {
			e, err := parseCalcExpr(tc.src)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.typ != tc.typ || !slices.Equal(e.fields, tc.fields) {
				t.Fatalf("type %s fields %v, want %s %v", e.typ, e.fields, tc.typ, tc.fields)
			}
		})
	}
}

func TestCalcExprEval(t *testing.T) {
	obj := map[string]string{"a": "10", "b": "4", "zero": "0", "word": "gold", "pad": "007.50", "empty": "", "money": "$5"}
	get := func(f string) (string, bool) { v, ok := obj[f]; return v, ok }
	for _, tc := range []struct {
		src     string
		want    string
		numeric bool
		ok      bool
	}{
		{"{T.a}", "10", true, true},
		{"{T.word}", "gold", false, true},
		{"{T.pad}", "007.50", true, true}, // a lone field keeps its text
		{"{T.empty}", "", false, false},
		{"{T.missing}", "", false, false},
		{"{T.a} + {T.b}", "14", true, true},
		{"{T.a} - {T.b} * {T.b}", "-6", true, true}, // * before -
		{"({T.a} - {T.b}) * {T.b}", "24", true, true},
		{"{T.a} / {T.b}", "2.5", true, true},
		{"{T.b} / {T.a} / {T.a}", "0.04", true, true},
		{"{T.pad} * {T.b}", "30", true, true}, // arithmetic renders canonically
		{"{T.a} / {T.zero}", "", false, false},
		{"{T.a} + {T.word}", "", false, false},
		{"{T.a} + {T.money}", "", false, false},
		{"{T.a} + {T.missing}", "", false, false},
	} {
		t.Run(tc.src, func(t *testing.T) {
			e, err := parseCalcExpr(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			v, ok := e.eval(get)
			if ok != tc.ok || v.text != tc.want || (v.num != nil) != tc.numeric {
				t.Fatalf("got %q (number %v, ok %v), want %q (number %v, ok %v)", v.text, v.num, ok, tc.want, tc.numeric, tc.ok)
			}
		})
	}
}

func TestParseNumberAndFormat(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" when not a number
	}{
		{"42", "42"}, {"-7", "-7"}, {"+3", "3"}, {" 12 ", "12"}, {"007.50", "7.5"}, {"1e3", "1000"}, {"2.5E-1", "0.25"},
		{"99999999999999999999", "99999999999999999999"}, // integers stay exact
		{"$5", ""}, {"1,000", ""}, {"true", ""}, {".5", ""}, {"5.", ""}, {"0x10", ""}, {"1e1000", ""}, {"NaN", ""}, {"", ""},
	} {
		r, ok := parseNumber(tc.in)
		got := ""
		if ok {
			got = formatNumber(r)
		}
		if got != tc.want {
			t.Errorf("parseNumber(%q) renders %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	vals := func(texts ...string) []calcValue {
		var out []calcValue
		for _, s := range texts {
			n, _ := parseNumber(s)
			out = append(out, calcValue{text: s, num: n})
		}
		return out
	}
	for _, tc := range []struct {
		stat string
		in   []calcValue
		want string
		ok   bool
	}{
		{statCount, vals("a", "b", "a"), "3", true},
		{statCount, nil, "0", true}, // a count of nothing is 0
		{statSum, vals("10", "20.5", "0.1", "0.2"), "30.8", true},
		{statSum, nil, "", false},
		{statAverage, vals("10", "20", "25"), "18.333333333333332", true},
		{statAverage, vals("1", "2"), "1.5", true},
		{statMin, vals("5", "-2", "007"), "-2", true},
		{statMax, vals("5", "-2", "007"), "7", true},
		{statFirst, vals("voice", "chat", "chat"), "voice", true},
		{statLast, vals("voice", "chat", "task"), "task", true},
		{statMode, vals("voice", "chat", "chat", "voice", "task"), "voice", true}, // a tie: voice was seen last
		{statMode, vals("chat", "voice", "chat"), "chat", true},
		{statFirst, nil, "", false},
	} {
		got, ok := aggregate(tc.stat, tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s of %d values = %q, %v; want %q, %v", tc.stat, len(tc.in), got, ok, tc.want, tc.ok)
		}
	}
}

func TestThresholdHolds(t *testing.T) {
	for _, tc := range []struct {
		value, op, threshold string
		want                 bool
	}{
		{"100", opGreater, "99.5", true},
		{"99.5", opGreater, "99.5", false},
		{"5", opLess, "10", true},
		{"5.0", opEqual, "5", true}, // numbers compare as numbers
		{"5.0", opNotEqual, "5", false},
		{"gold", opEqual, "gold", true},
		{"gold", opEqual, "Gold", false},
		{"gold", opNotEqual, "silver", true},
		{"gold", opGreater, "5", false}, // not a number: never greater nor less
		{"gold", opLess, "5", false},
	} {
		if got := thresholdHolds(tc.value, tc.op, tc.threshold); got != tc.want {
			t.Errorf("%q %s %q = %v, want %v", tc.value, tc.op, tc.threshold, got, tc.want)
		}
	}
}

func TestParseCalcTime(t *testing.T) {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	for _, tc := range []struct {
		format, in string
		want       time.Time // zero: refused
	}{
		{tsEpoch, "1737587945945", at("2025-01-22T23:19:05.945Z")},
		{tsEpoch, "1737587945", at("2025-01-22T23:19:05Z")}, // seconds
		{tsEpoch, "2001-07-04T12:08:56Z", time.Time{}},
		{tsISO, "2001-07-04T12:08:56.235-0700", at("2001-07-04T19:08:56.235Z")},
		{tsISO, "2001-07-04T12:08:56.235-07:00", at("2001-07-04T19:08:56.235Z")},
		{tsISO, "2001-07-04T12:08:56Z", at("2001-07-04T12:08:56Z")},
		{tsISO, "2001-07-04T12:08:56", at("2001-07-04T12:08:56Z")}, // no offset: UTC
		{tsISO, "2001-07-04", time.Time{}},
		{tsISO, "1737587945945", time.Time{}},
		{"", "1737587945945", at("2025-01-22T23:19:05.945Z")}, // no format: digits are epoch time
		{"", "2001-07-04T12:08:56+0200", at("2001-07-04T10:08:56Z")},
		{"", "yesterday", time.Time{}},
	} {
		got, err := parseCalcTime(tc.format, tc.in)
		if tc.want.IsZero() {
			if err == nil {
				t.Errorf("%s %q read as %v, want a refusal", tc.format, tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s %q = %v, %v; want %v", tc.format, tc.in, got, err, tc.want)
		}
	}
}

func TestCalcWindow(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		w    calcWindow
		at   time.Time
		want bool
	}{
		{calcWindow{start: 30}, now.AddDate(0, 0, -30), true}, // the bounds are in
		{calcWindow{start: 30}, now.AddDate(0, 0, -30).Add(-time.Nanosecond), false},
		{calcWindow{start: 30}, now, true},
		{calcWindow{start: 30}, now.Add(time.Second), false},
		{calcWindow{start: 30, end: 10}, now.AddDate(0, 0, -5), false},
		{calcWindow{start: 30, end: 10}, now.AddDate(0, 0, -20), true},
		{calcWindow{start: -1, end: -7}, now.AddDate(0, 0, 3), true}, // a window in the future
		{calcWindow{start: -1, end: -7}, now, false},
	} {
		if got := tc.w.contains(tc.at, now); got != tc.want {
			t.Errorf("window %+v contains %v: %v, want %v", tc.w, tc.at, got, tc.want)
		}
	}
}

// FuzzParseCalcExpr holds the expression parser to what it promises on any
// input: no panic; an accepted expression names one object type and the
// fields it lists, each written in it as {type.field}; evaluating it over
// any field values never panics, and a value it yields is a number's
// canonical text when the expression does arithmetic.
func FuzzParseCalcExpr(f *testing.F) {
	for _, s := range []string{
		"{Order.total}", "{Order.total} + {Order.tax}", "({Order.a}-{Order.b})*{Order.a} / {Order.b}",
		"{Order.item.price}", "{A.x} + {B.y}", "((({T.x})))", "{T.x} +", "{T.}", "{.x}", "{T.x", "", " ( { T.x } ) ",
	} {
		f.Add(s, "12.5", "-3")
	}
	f.Fuzz(func(t *testing.T, src, a, b string) {
		e, err := parseCalcExpr(src)
		if err != nil {
			return
		}
		if e.typ == "" || len(e.fields) == 0 {
			t.Fatalf("%q: accepted without a type or fields: %+v", src, e)
		}
		for _, field := range e.fields {
			if !strings.Contains(src, e.typ+"."+field+"}") {
				t.Fatalf("%q: field %q is not written as {%s.%s}", src, field, e.typ, field)
			}
		}
		vals := map[string]string{e.fields[0]: a}
		if len(e.fields) > 1 {
			vals[e.fields[1]] = b
		}
		v, ok := e.eval(func(field string) (string, bool) { s, ok := vals[field]; return s, ok })
		if !ok || e.root.op == 0 {
			return
		}
		if v.num == nil || v.text != formatNumber(v.num) {
			t.Fatalf("%q over %q, %q: arithmetic gave %+v", src, a, b, v)
		}
	})
}

// FuzzParseCalcTime: no panic, and an accepted time reads back the same
// from its own RFC 3339 text (seconds precision aside).
func FuzzParseCalcTime(f *testing.F) {
	for _, s := range []string{"1700000000", "1700000000123", "-5", "2001-07-04T12:08:56.235-0700",
		"2001-07-04T12:08:56Z", "2001-07-04T12:08:56", "2001-07-04", "", "99999999999999999999"} {
		f.Add("", s)
		f.Add(tsEpoch, s)
		f.Add(tsISO, s)
	}
	f.Fuzz(func(t *testing.T, format, s string) {
		if format != "" && format != tsEpoch && format != tsISO {
			return // refused when the definition is written
		}
		at, err := parseCalcTime(format, s)
		if err != nil {
			return
		}
		if at.Location() != time.UTC {
			t.Fatalf("%q read as %v, not in UTC", s, at)
		}
		if at.Year() < 0 || at.Year() > 9999 {
			return // RFC 3339 has no text for it
		}
		back, err := parseCalcTime(tsISO, at.Format(time.RFC3339Nano))
		if err != nil || !back.Equal(at) {
			t.Fatalf("%q read as %v; its own text reads back as %v, %v", s, at, back, err)
		}
	})
}
