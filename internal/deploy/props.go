package deploy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// props reads a resource's properties, collecting every problem so that
// one run reports them all. A property is resolved when it is read, not
// before: a function's Role (a GetAtt on an IAM role, which deploy skips)
// is never read, so it never fails. Each accessor marks its property as
// known; err then refuses the rest, as CloudFormation refuses a property
// the resource type does not have.
type props struct {
	path  string
	m     map[string]any
	res   *resolver // nil: the values hold no intrinsic functions
	known map[string]bool
	errs  []string
}

func newProps(path string, m map[string]any, res *resolver) *props {
	return &props{path: path, m: m, res: res, known: map[string]bool{}}
}

func (p *props) fail(format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

// get resolves a property; false when it is absent, null or AWS::NoValue
// (or fails to resolve, which is recorded).
func (p *props) get(name string) (any, bool) {
	p.known[name] = true
	v, ok := p.m[name]
	if !ok || v == nil {
		return nil, false
	}
	if p.res != nil {
		x, err := p.res.resolve(v, p.path+"."+name)
		if err != nil {
			p.errs = append(p.errs, err.Error())
			return nil, false
		}
		if _, drop := x.(noValue); drop {
			return nil, false
		}
		v = x
	}
	return v, true
}

// str returns a string property, "" when absent.
func (p *props) str(name string) string {
	if s := p.optStr(name); s != nil {
		return *s
	}
	return ""
}

// required returns a string property that must be present and not empty.
func (p *props) required(name string) string {
	before := len(p.errs)
	v, ok := p.get(name)
	if !ok {
		if len(p.errs) == before {
			p.fail("%s.%s is required", p.path, name)
		}
		return ""
	}
	s, err := scalarString(v)
	switch {
	case err != nil:
		p.fail("%s.%s: %v", p.path, name, err)
	case s == "":
		p.fail("%s.%s must not be empty", p.path, name)
	}
	return s
}

// optStr returns a string property, nil when absent.
func (p *props) optStr(name string) *string {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	s, err := scalarString(v)
	if err != nil {
		p.fail("%s.%s: %v", p.path, name, err)
	}
	return &s
}

// oneOf returns a string property that must be one of allowed (or absent,
// giving def).
func (p *props) oneOf(name, def string, allowed ...string) string {
	s := p.str(name)
	if s == "" {
		return def
	}
	if !slices.Contains(allowed, s) {
		p.fail("%s.%s %q must be one of %s", p.path, name, s, strings.Join(allowed, ", "))
	}
	return s
}

// int32 returns a whole-number property, nil when absent; numbers given as
// strings (a Ref to a Number parameter) are accepted, as CloudFormation does.
func (p *props) int32(name string, lo, hi int64) *int32 {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	s, err := scalarString(v)
	if err != nil {
		p.fail("%s.%s: %v", p.path, name, err)
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		p.fail("%s.%s %q must be a whole number from %d to %d", p.path, name, s, lo, hi)
		return nil
	}
	i := int32(n)
	return &i
}

func (p *props) boolean(name string) *bool {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	s, err := scalarString(v)
	if err != nil {
		p.fail("%s.%s: %v", p.path, name, err)
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.fail("%s.%s %q must be true or false", p.path, name, s)
		return nil
	}
	return &b
}

// object returns a nested mapping property, nil when absent.
func (p *props) object(name string) *props {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		p.fail("%s.%s must be a mapping", p.path, name)
		return nil
	}
	return newProps(p.path+"."+name, m, nil)
}

// list returns a list property, nil when absent.
func (p *props) list(name string) []any {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		p.fail("%s.%s must be a list", p.path, name)
		return nil
	}
	return l
}

// tags reads CloudFormation's Tags, a list of {Key, Value}. present is
// false when the template has no Tags, which leaves a resource's tags
// alone on update.
func (p *props) tags() (tags map[string]string, present bool) {
	v, ok := p.get("Tags")
	if !ok {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList {
		p.fail("%s.Tags must be a list of {Key, Value}", p.path)
		return nil, false
	}
	tags = map[string]string{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			p.fail("%s.Tags[%d] must be {Key, Value}", p.path, i)
			continue
		}
		t := newProps(fmt.Sprintf("%s.Tags[%d]", p.path, i), m, nil)
		k, v := t.required("Key"), t.str("Value")
		p.merge(t)
		if _, dup := tags[k]; dup {
			p.fail("%s.Tags: key %q is given twice", p.path, k)
		}
		tags[k] = v
	}
	return tags, true
}

// unsupported refuses properties hotline deploy cannot carry out; an empty
// value (an empty list, say) is accepted, since it asks for nothing.
func (p *props) unsupported(why string, names ...string) {
	for _, name := range names {
		v, ok := p.get(name)
		if !ok || isEmpty(v) {
			continue
		}
		p.fail("%s.%s is not supported by hotline deploy: %s", p.path, name, why)
	}
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	case string:
		return v == ""
	}
	return false
}

// ignoreRest accepts every property not read: resource types deploy maps
// onto something else (functions, tables) have many that mean nothing here.
func (p *props) ignoreRest() {
	for k := range p.m {
		p.known[k] = true
	}
}

// merge takes over a nested reader's problems after checking it.
func (p *props) merge(q *props) {
	if q == nil {
		return
	}
	q.checkUnknown()
	p.errs = append(p.errs, q.errs...)
}

func (p *props) checkUnknown() {
	for _, k := range sortedKeys(p.m) {
		if !p.known[k] {
			known := sortedKeys(p.known)
			p.fail("%s has no property %s (it has %s)", p.path, k, strings.Join(known, ", "))
		}
	}
}

// err returns every problem found, or nil.
func (p *props) err() error {
	p.checkUnknown()
	if len(p.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(p.errs, "\n"))
}

// jsonString accepts a property that is a JSON document, given either as a
// string or (as some templates write it) as a mapping, and returns it as a
// string.
func (p *props) jsonString(name string) *string {
	v, ok := p.get(name)
	if !ok {
		return nil
	}
	if s, isStr := v.(string); isStr {
		return &s
	}
	if _, isMap := v.(map[string]any); !isMap {
		p.fail("%s.%s must be a JSON string or a mapping", p.path, name)
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		p.fail("%s.%s: %v", p.path, name, err)
		return nil
	}
	s := string(b)
	return &s
}
