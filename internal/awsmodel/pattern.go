package awsmodel

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"
)

// pattern is a model pattern translated for RE2. Models are written for Java
// regular expressions: some are escaped twice (`\\+[1-9]\\d{1,14}$` meaning
// E.164), some are wrapped in /slashes/, and some open with look-aheads that
// RE2 lacks. Leading look-aheads become separate checks.
type pattern struct {
	main    *regexp.Regexp
	mustNot []*regexp.Regexp // from (?!X): the text must not match ^X here
	must    []*regexp.Regexp // from (?=X): the text must match ^X here
	fast    *bytePattern     // main, when a byte table can match it
}

func (p *pattern) match(s string) bool {
	for _, re := range p.mustNot {
		if re.MatchString(s) {
			return false
		}
	}
	for _, re := range p.must {
		if !re.MatchString(s) {
			return false
		}
	}
	if p.fast != nil {
		return p.fast.match(s)
	}
	return p.main.MatchString(s)
}

var javaUnicode = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

func compilePattern(src string) (*pattern, error) {
	s := src
	if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
		s = s[1 : len(s)-1]
	}
	// A model string of `\\d` (two backslashes) was meant as `\d`. Such
	// patterns were copied from Java source, where String.matches anchors
	// the whole string, so they are anchored here too (the E.164 pattern
	// must not accept "abc+44...").
	if strings.Contains(s, `\\`) {
		s = strings.ReplaceAll(s, `\\`, `\`)
		if !strings.HasPrefix(s, "^") {
			s = "^(?:" + s + ")"
			if !strings.HasSuffix(s, "$)") {
				s += "$"
			}
		}
	}
	// Java's \uXXXX is RE2's \x{XXXX}.
	s = javaUnicode.ReplaceAllString(s, `\x{$1}`)
	anchored := strings.HasPrefix(s, "^")
	rest := strings.TrimPrefix(s, "^")
	p := &pattern{}
	for strings.HasPrefix(rest, "(?!") || strings.HasPrefix(rest, "(?=") {
		end := groupEnd(rest)
		if end < 0 {
			return nil, fmt.Errorf("unbalanced look-ahead in %q", src)
		}
		body := rest[3:end]
		re, err := regexp.Compile("^(?:" + body + ")")
		if err != nil {
			return nil, err
		}
		if rest[2] == '!' {
			p.mustNot = append(p.mustNot, re)
		} else {
			p.must = append(p.must, re)
		}
		rest = rest[end+1:]
	}
	if len(p.mustNot)+len(p.must) > 0 && !anchored {
		// A look-ahead without ^ may apply at any position; too rare to
		// emulate, so refuse rather than check the wrong thing.
		return nil, fmt.Errorf("unanchored look-ahead in %q", src)
	}
	if anchored {
		rest = "^" + rest
	}
	re, err := regexp.Compile(rest)
	if err != nil {
		return nil, err
	}
	p.main = re
	p.fast = compileBytePattern(rest)
	return p, nil
}

// groupEnd returns the index of the parenthesis closing the group that opens
// s, honouring escapes and character classes, or -1.
func groupEnd(s string) int {
	depth, inClass := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// UnenforceablePatterns names the shapes whose patterns cannot be translated
// to RE2 and are therefore not checked.
func UnenforceablePatterns(s *Service) []string {
	var names []string
	for name, sh := range s.Shapes {
		if sh.Pattern == "" {
			continue
		}
		if _, err := compilePattern(sh.Pattern); err != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// bytePattern matches the commonest model patterns, such as
// ^[a-zA-Z0-9_-]+$ and ^[a-zA-Z_][a-zA-Z_0-9-]*$, with byte tables rather
// than the regexp engine, which costs far more per byte: whole-text
// patterns of single ASCII characters or classes, the last of which may
// repeat. Such a pattern needs no backtracking, so it matches exactly the
// strings the regexp matches.
type bytePattern struct {
	one  []*[256]bool // the leading single characters
	rest *[256]bool   // the repeated last class; nil if there is none
	min  int          // the least repetitions of rest (0 for *, 1 for +)
}

func (p *bytePattern) match(s string) bool {
	if len(s) < len(p.one)+p.min || p.rest == nil && len(s) != len(p.one) {
		return false
	}
	for i, set := range p.one {
		if !set[s[i]] {
			return false
		}
	}
	for i := len(p.one); i < len(s); i++ {
		if !p.rest[s[i]] {
			return false
		}
	}
	return true
}

// compileBytePattern returns the bytePattern of expr, or nil when expr is
// not of that form.
func compileBytePattern(expr string) *bytePattern {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	sub := re.Sub
	if re.Op != syntax.OpConcat || len(sub) < 3 || sub[0].Op != syntax.OpBeginText || sub[len(sub)-1].Op != syntax.OpEndText {
		return nil
	}
	p := &bytePattern{}
	items := sub[1 : len(sub)-1]
	for i, it := range items {
		last := i == len(items)-1
		switch {
		case it.Op == syntax.OpLiteral && it.Flags&syntax.FoldCase == 0:
			for _, r := range it.Rune {
				set := asciiSet([]rune{r, r})
				if set == nil {
					return nil
				}
				p.one = append(p.one, set)
			}
		case it.Op == syntax.OpCharClass:
			set := asciiSet(it.Rune)
			if set == nil {
				return nil
			}
			p.one = append(p.one, set)
		case last && (it.Op == syntax.OpStar || it.Op == syntax.OpPlus) && it.Sub[0].Op == syntax.OpCharClass:
			if p.rest = asciiSet(it.Sub[0].Rune); p.rest == nil {
				return nil
			}
			if it.Op == syntax.OpPlus {
				p.min = 1
			}
		default:
			return nil
		}
	}
	return p
}

// asciiSet is the byte table of a class given as rune ranges, or nil when
// the class reaches beyond ASCII.
func asciiSet(ranges []rune) *[256]bool {
	set := new([256]bool)
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if lo < 0 || hi >= utf8.RuneSelf {
			return nil
		}
		for r := lo; r <= hi; r++ {
			set[r] = true
		}
	}
	return set
}
