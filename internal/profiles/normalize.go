package profiles

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field content types. They decide how a key's values are compared when
// searching and matching; the profile itself keeps the value as sent.
const (
	ctString = "STRING"
	ctNumber = "NUMBER"
	ctPhone  = "PHONE_NUMBER"
	ctEmail  = "EMAIL_ADDRESS"
	ctName   = "NAME"
)

// Standard key names, indexed from the standard profile itself.
const (
	keyAccount   = "_account"
	keyProfileID = "_profileId"
	keyPhone     = "_phone"
	keyEmail     = "_email"
	keyFullName  = "_fullName"
)

// standardKinds fixes the comparison of the standard keys whatever
// ContentType an object type gives the fields that feed them, so that a
// standard key has one meaning across every source.
var standardKinds = map[string]string{
	keyAccount:   ctString,
	keyProfileID: ctString,
	keyPhone:     ctPhone,
	keyEmail:     ctEmail,
	keyFullName:  ctName,
}

// normalize returns the form of v that key comparisons use; "" means the
// value cannot be a key value (a phone number without digits, say).
func normalize(kind, v string) string {
	switch kind {
	case ctPhone:
		return normalizePhone(v)
	case ctEmail:
		return strings.ToLower(strings.TrimSpace(v))
	case ctName:
		if isASCII(v) {
			var room [64]byte
			b := appendNameWords(room[:0], v, 0)
			if string(b) == v {
				return v
			}
			return string(b)
		}
		return strings.ToLower(strings.Join(strings.Fields(v), " "))
	case ctNumber:
		return normalizeNumber(v)
	}
	return v
}

// appendNormal appends normalize(kind, v) to dst.
func appendNormal(dst []byte, kind, v string) []byte {
	switch kind {
	case ctPhone:
		return appendNormalPhone(dst, v)
	case ctEmail:
		if t := strings.TrimSpace(v); isASCII(t) {
			for i := 0; i < len(t); i++ {
				dst = append(dst, lowerASCII(t[i]))
			}
			return dst
		}
	case ctName:
		if isASCII(v) {
			return appendNameWords(dst, v, len(dst))
		}
	default:
		if kind != ctNumber {
			return append(dst, v...)
		}
	}
	return append(dst, normalize(kind, v)...)
}

// normalizePhone reduces a phone number to E.164-style digits. Numbers
// without a country code are read as North American (+1) when they have
// ten digits, as most of AWS's examples are.
func normalizePhone(v string) string {
	var room [32]byte
	return string(appendNormalPhone(room[:0], v))
}

// appendNormalPhone appends normalizePhone(v) to dst.
func appendNormalPhone(dst []byte, v string) []byte {
	plus := strings.HasPrefix(strings.TrimSpace(v), "+")
	start := len(dst)
	dst = append(dst, '+')
	for _, r := range v {
		if r >= '0' && r <= '9' {
			dst = append(dst, byte(r))
		} else if unicode.IsLetter(r) && len(dst) > start+1 {
			break // an extension ("x123", "ext. 4") ends the number
		}
	}
	d := dst[start+1:]
	switch {
	case len(d) == 0:
		return dst[:start]
	case plus:
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		copy(d, d[2:])
		dst = dst[:len(dst)-2]
	case len(d) == 10:
		dst = append(dst, 0)
		copy(dst[start+2:], dst[start+1:])
		dst[start+1] = '1'
	}
	// Eleven digits starting with 1, and any other number: "+" and them.
	return dst
}

// appendNameWords appends the words of an ASCII v lower-cased, each after
// a space unless it is the first since start: normalize(ctName, v) for
// such a v.
func appendNameWords(dst []byte, v string, start int) []byte {
	for i := 0; i < len(v); {
		for i < len(v) && asciiSpace(v[i]) {
			i++
		}
		if i == len(v) {
			break
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		for ; i < len(v) && !asciiSpace(v[i]); i++ {
			dst = append(dst, lowerASCII(v[i]))
		}
	}
	return dst
}

// asciiSpace reports the bytes strings.Fields and strings.TrimSpace take
// for space in ASCII text.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

var plainNumber = regexp.MustCompile(`^([+-]?)(\d+)(?:\.(\d+))?$`)

// normalizeNumber writes a decimal number canonically ("007.50" → "7.5");
// other text is kept as sent.
func normalizeNumber(v string) string {
	v = strings.TrimSpace(v)
	m := plainNumber.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	intPart := strings.TrimLeft(m[2], "0")
	if intPart == "" {
		intPart = "0"
	}
	frac := strings.TrimRight(m[3], "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if m[1] == "-" && out != "0" {
		out = "-" + out
	}
	return out
}

// javaLayout converts a java.text.SimpleDateFormat pattern, the syntax of
// SourceLastUpdatedTimestampFormat, to a Go time layout.
func javaLayout(pattern string) (string, error) {
	var b strings.Builder
	runes := []rune(pattern)
	for i := 0; i < len(runes); {
		c := runes[i]
		if c == '\'' {
			j := i + 1
			for j < len(runes) && runes[j] != '\'' {
				j++
			}
			if j == len(runes) {
				return "", fmt.Errorf("unterminated quote in %q", pattern)
			}
			if j == i+1 {
				b.WriteRune('\'') // '' is a literal quote
			} else {
				b.WriteString(string(runes[i+1 : j]))
			}
			i = j + 1
			continue
		}
		if !unicode.IsLetter(c) {
			if c >= '0' && c <= '9' {
				return "", fmt.Errorf("digits outside quotes are ambiguous in %q", pattern)
			}
			b.WriteRune(c)
			i++
			continue
		}
		n := 1
		for i+n < len(runes) && runes[i+n] == c {
			n++
		}
		i += n
		layout, ok := javaToken(c, n)
		if !ok {
			return "", fmt.Errorf("%q is not a supported SimpleDateFormat letter", strings.Repeat(string(c), n))
		}
		b.WriteString(layout)
	}
	return b.String(), nil
}

func javaToken(c rune, n int) (string, bool) {
	switch c {
	case 'y', 'u':
		if n == 2 {
			return "06", true
		}
		return "2006", true
	case 'M':
		switch {
		case n >= 4:
			return "January", true
		case n == 3:
			return "Jan", true
		case n == 2:
			return "01", true
		}
		return "1", true
	case 'd':
		if n >= 2 {
			return "02", true
		}
		return "2", true
	case 'H':
		return "15", true
	case 'h':
		if n >= 2 {
			return "03", true
		}
		return "3", true
	case 'm':
		if n >= 2 {
			return "04", true
		}
		return "4", true
	case 's':
		if n >= 2 {
			return "05", true
		}
		return "5", true
	case 'S':
		return strings.Repeat("0", n), true
	case 'a':
		return "PM", true
	case 'E':
		if n >= 4 {
			return "Monday", true
		}
		return "Mon", true
	case 'z':
		return "MST", true
	case 'Z':
		return "-0700", true
	case 'X':
		switch n {
		case 1:
			return "Z07", true
		case 2:
			return "Z0700", true
		}
		return "Z07:00", true
	}
	return "", false
}

// parseSourceTime reads a source-last-updated timestamp with the Go layout
// of the type's SimpleDateFormat pattern. Go also accepts a fraction after
// the seconds that the pattern does not mention.
func parseSourceTime(layout, v string) (time.Time, error) {
	return time.Parse(layout, strings.TrimSpace(v))
}
