package importer

import (
	"cmp"
	"encoding/json"
	"hash/maphash"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"
)

// Ordering. Rows run concurrently, but two rows that could touch the same
// stored object or profile must reach the server in file order: a later
// version of an object must replace an earlier one, not the reverse, and
// between sources of equal priority the later put wins a profile field.
// On the server such rows meet through key values: the UNIQUE key names
// the object, the PROFILE keys find the profile. So each row gets ordering
// tokens, one per value read by a key that has standard identifiers, and a
// row is sent only once every earlier row sharing a token is acknowledged.
//
// Tokens err on the side of sharing. The server compares key values after
// normalising them by ContentType (a phone number's digits, an e-mail in
// lower case); the importer cannot run that code, so it folds values more
// coarsely (see fold), which can only make unrelated rows wait for each
// other, never let related rows overtake. A Handlebars Source yields a
// token per _source path it reads. What tokens cannot see is a link made by
// data already on the server (a profile owning both an account number and
// an e-mail address that two rows carry separately); such rows may land in
// either order, as they would from two independent clients.

// orderPlan lists the _source paths whose values order rows.
type orderPlan struct {
	paths [][]pathStep
}

type pathStep struct {
	name    string
	index   int
	isIndex bool
}

// templateRef finds the _source accessors inside a Handlebars Source.
var templateRef = regexp.MustCompile(`_source((?:\.[^.\[\]\s{}()"']+|\[[0-9]+\])*)`)

// newOrderPlan reads an object type's keys and fields.
func newOrderPlan(fields map[string]types.ObjectTypeField, keys map[string][]types.ObjectTypeKey) *orderPlan {
	p := &orderPlan{}
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		for _, d := range keys[name] {
			if len(d.StandardIdentifiers) == 0 {
				continue // indexed for search only; never matches or replaces
			}
			for _, fn := range d.FieldNames {
				f, ok := fields[fn]
				if !ok || f.Source == nil {
					continue
				}
				for _, acc := range sourcePaths(*f.Source) {
					if !seen[acc] {
						seen[acc] = true
						p.paths = append(p.paths, parsePath(acc))
					}
				}
			}
		}
	}
	return p
}

// sourcePaths returns the accessors (after "_source") a Source reads.
func sourcePaths(src string) []string {
	if !strings.Contains(src, "{{") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(src), "_source"); ok {
			return []string{rest}
		}
		return nil
	}
	var out []string
	for _, m := range templateRef.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// parsePath splits ".a.b[2]" into steps; what the server would refuse
// cannot reach a stored type, so anything odd just ends the path.
func parsePath(s string) []pathStep {
	var steps []pathStep
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			steps = append(steps, pathStep{name: s[:end]})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return steps
			}
			n, _ := strconv.Atoi(s[1:end])
			steps = append(steps, pathStep{index: n, isIndex: true})
			s = s[end+1:]
		default:
			return steps
		}
	}
	return steps
}

var tokenSeed = maphash.MakeSeed()

// tokens returns a row's ordering tokens, without duplicates.
func (p *orderPlan) tokens(doc map[string]any) []uint64 {
	var out []uint64
	for _, path := range p.paths {
		v, ok := lookup(doc, path)
		if !ok {
			continue
		}
		f := fold(v)
		if f == "" {
			continue
		}
		h := maphash.String(tokenSeed, f)
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func lookup(doc map[string]any, path []pathStep) (any, bool) {
	var cur any = doc
	for _, st := range path {
		switch c := cur.(type) {
		case map[string]any:
			if st.isIndex {
				return nil, false
			}
			v, ok := c[st.name]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if !st.isIndex || st.index >= len(c) {
				return nil, false
			}
			cur = c[st.index]
		default:
			return nil, false
		}
	}
	return cur, cur != nil
}

// fold reduces a value to what every normalisation the server applies
// would keep at least: letters and digits, lower case; a run of digits
// (a phone number with or without its country code or 00 prefix, a
// number with padding zeros) to its last ten digits without zeros at
// either end.
func fold(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	var b strings.Builder
	digits := true
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
			digits = false
		}
	}
	out := b.String()
	if digits {
		if len(out) > 10 {
			out = out[len(out)-10:]
		}
		out = strings.Trim(out, "0")
		if out == "" && b.Len() > 0 {
			out = "0"
		}
	}
	return out
}

// scheduler releases rows in file order per token: a row is ready when it
// heads the queue of every one of its tokens.
type scheduler struct {
	queues map[uint64][]*task
}

func newScheduler() *scheduler { return &scheduler{queues: map[uint64][]*task{}} }

// add queues t and reports whether it may be sent now.
func (s *scheduler) add(t *task) bool {
	for _, tok := range t.tokens {
		q := s.queues[tok]
		if len(q) > 0 {
			t.waiting++
		}
		s.queues[tok] = append(q, t)
	}
	return t.waiting == 0
}

// done removes an acknowledged t, which heads all its queues, and returns
// the rows that became ready, in file order.
func (s *scheduler) done(t *task) []*task {
	var ready []*task
	for _, tok := range t.tokens {
		q := s.queues[tok][1:]
		if len(q) == 0 {
			delete(s.queues, tok)
			continue
		}
		s.queues[tok] = q
		next := q[0]
		if next.waiting--; next.waiting == 0 {
			ready = append(ready, next)
		}
	}
	slices.SortFunc(ready, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	return ready
}
