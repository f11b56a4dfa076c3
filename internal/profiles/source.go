package profiles

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// sourceExpr is a compiled field Source: either a JSON accessor rooted at
// _source ("_source.Address.City", "_source.items[0].id") or a Handlebars
// template ("{{_source.firstName}} {{_source.lastName}}") supporting
// {{path}}, {{{path}}}, {{#if}}, {{#unless}}, {{#each}}, {{else}} and
// comments. Only _source may be read, as on AWS.
type sourceExpr struct {
	path  []step // accessor; nil for a template
	nodes []node // template
}

// step is one accessor segment: a member name, or an index when isIndex.
type step struct {
	name    string
	index   int
	isIndex bool
}

type nodeKind int

const (
	nodeText nodeKind = iota
	nodeVar
	nodeIf
	nodeUnless
	nodeEach
)

type node struct {
	kind      nodeKind
	text      string
	ref       ref
	then, alt []node
}

// ref is a path inside a template: rooted at _source, at the current
// {{#each}} item (this, or a bare name), or the item's @index/@key.
type ref struct {
	root  bool // starts at _source
	steps []step
	meta  string // "@index" or "@key"
}

// parseSource compiles a Source, answering what is wrong with it.
func parseSource(src string) (*sourceExpr, error) {
	if strings.Contains(src, "{{") {
		nodes, rest, end, err := parseNodes(src, false)
		if err != nil {
			return nil, err
		}
		if end != "" || rest != "" {
			return nil, fmt.Errorf("{{%s}} has no matching block", end)
		}
		return &sourceExpr{nodes: nodes}, nil
	}
	r, err := parseRef(src, false)
	if err != nil {
		return nil, err
	}
	if !r.root || len(r.steps) == 0 {
		return nil, fmt.Errorf("%q must be a _source accessor such as _source.FirstName, or a Handlebars expression", src)
	}
	return &sourceExpr{path: r.steps}, nil
}

// parseRef reads "_source.a.b[2]", "this.x", "x" (inside #each), "@index".
func parseRef(s string, inEach bool) (ref, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "@root.")
	if s == "@index" || s == "@key" {
		if !inEach {
			return ref{}, fmt.Errorf("%s is only defined inside {{#each}}", s)
		}
		return ref{meta: s}, nil
	}
	var r ref
	switch {
	case s == "_source" || strings.HasPrefix(s, "_source.") || strings.HasPrefix(s, "_source["):
		r.root, s = true, strings.TrimPrefix(s, "_source")
	case inEach && (s == "this" || strings.HasPrefix(s, "this.") || strings.HasPrefix(s, "this[")):
		s = strings.TrimPrefix(s, "this")
	case inEach && s != "" && !strings.ContainsAny(s[:1], ".[@"):
		s = "." + s
	default:
		return ref{}, fmt.Errorf("%q does not start at _source; only _source may be referenced", s)
	}
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 {
				return ref{}, fmt.Errorf("empty member name in accessor")
			}
			r.steps = append(r.steps, step{name: s[:end]})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return ref{}, fmt.Errorf("unterminated [ in accessor")
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n < 0 {
				return ref{}, fmt.Errorf("array index %q is not a number", s[1:end])
			}
			r.steps = append(r.steps, step{index: n, isIndex: true})
			s = s[end+1:]
		default:
			return ref{}, fmt.Errorf("unexpected %q in accessor", s[:1])
		}
	}
	return r, nil
}

// parseNodes reads template text up to the end of input or a closing tag
// ({{/x}} or {{else}}) of the enclosing block, which it returns in end.
func parseNodes(s string, inEach bool) (nodes []node, rest, end string, err error) {
	for s != "" {
		open := strings.Index(s, "{{")
		if open < 0 {
			nodes = append(nodes, node{kind: nodeText, text: s})
			return nodes, "", "", nil
		}
		if open > 0 {
			nodes = append(nodes, node{kind: nodeText, text: s[:open]})
		}
		s = s[open:]
		raw := strings.HasPrefix(s, "{{{")
		closing := "}}"
		if raw {
			closing = "}}}"
		}
		if strings.HasPrefix(s, "{{!--") {
			closing = "--}}"
		}
		stop := strings.Index(s, closing)
		if stop < 0 {
			return nil, "", "", fmt.Errorf("unterminated {{ in template")
		}
		tag := s[len("{{"):stop]
		if raw {
			tag = s[len("{{{"):stop]
		}
		s = s[stop+len(closing):]
		tag = strings.TrimSpace(tag)
		switch {
		case strings.HasPrefix(tag, "!"):
			continue
		case tag == "else":
			return nodes, s, "else", nil
		case strings.HasPrefix(tag, "/"):
			return nodes, s, strings.TrimSpace(tag[1:]), nil
		case strings.HasPrefix(tag, "#"):
			helper, arg, _ := strings.Cut(strings.TrimSpace(tag[1:]), " ")
			var n node
			switch helper {
			case "if":
				n.kind = nodeIf
			case "unless":
				n.kind = nodeUnless
			case "each":
				n.kind = nodeEach
			default:
				return nil, "", "", fmt.Errorf("the Handlebars helper #%s is not supported (use if, unless or each)", helper)
			}
			if n.ref, err = parseRef(arg, inEach); err != nil {
				return nil, "", "", err
			}
			var blockEnd string
			n.then, s, blockEnd, err = parseNodes(s, inEach || n.kind == nodeEach)
			if err != nil {
				return nil, "", "", err
			}
			if blockEnd == "else" {
				n.alt, s, blockEnd, err = parseNodes(s, inEach)
				if err != nil {
					return nil, "", "", err
				}
			}
			if blockEnd != helper {
				return nil, "", "", fmt.Errorf("{{#%s}} is closed by {{/%s}}", helper, blockEnd)
			}
			nodes = append(nodes, n)
		default:
			r, err := parseRef(tag, inEach)
			if err != nil {
				return nil, "", "", err
			}
			nodes = append(nodes, node{kind: nodeVar, ref: r})
		}
	}
	return nodes, "", "", nil
}

// eval applies the expression to a parsed object. ok is false when the
// value is absent: a missing path, a JSON null, or a template whose output
// is only whitespace.
func (e *sourceExpr) eval(doc map[string]any) (string, bool) {
	if e.nodes == nil {
		v, found := walk(doc, e.path)
		if !found || v == nil {
			return "", false
		}
		return scalarText(v), true
	}
	var b strings.Builder
	render(&b, e.nodes, doc, frame{})
	out := b.String()
	if strings.TrimSpace(out) == "" {
		return "", false
	}
	return out, true
}

// frame is the current {{#each}} item.
type frame struct {
	item  any
	index int
	key   string
	in    bool
}

func render(b *strings.Builder, nodes []node, doc map[string]any, f frame) {
	for _, n := range nodes {
		switch n.kind {
		case nodeText:
			b.WriteString(n.text)
		case nodeVar:
			if v, ok := resolve(n.ref, doc, f); ok && v != nil {
				b.WriteString(scalarText(v))
			}
		case nodeIf, nodeUnless:
			v, _ := resolve(n.ref, doc, f)
			if truthy(v) == (n.kind == nodeIf) {
				render(b, n.then, doc, f)
			} else {
				render(b, n.alt, doc, f)
			}
		case nodeEach:
			v, _ := resolve(n.ref, doc, f)
			switch c := v.(type) {
			case []any:
				for i, item := range c {
					render(b, n.then, doc, frame{item: item, index: i, in: true})
				}
				if len(c) == 0 {
					render(b, n.alt, doc, f)
				}
			case map[string]any:
				keys := sortedKeys(c)
				for i, k := range keys {
					render(b, n.then, doc, frame{item: c[k], index: i, key: k, in: true})
				}
				if len(c) == 0 {
					render(b, n.alt, doc, f)
				}
			default:
				render(b, n.alt, doc, f)
			}
		}
	}
}

func resolve(r ref, doc map[string]any, f frame) (any, bool) {
	switch r.meta {
	case "@index":
		return json.Number(strconv.Itoa(f.index)), f.in
	case "@key":
		return f.key, f.in
	}
	if r.root {
		return walk(doc, r.steps)
	}
	return walk(f.item, r.steps)
}

// walk follows an accessor from v.
func walk(v any, steps []step) (any, bool) {
	for _, st := range steps {
		if st.isIndex {
			arr, ok := v.([]any)
			if !ok || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[st.name]; !ok {
			return nil, false
		}
	}
	return v, true
}

// truthy follows Handlebars: false, null, "", 0 and empty lists are false.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case []any:
		return len(x) > 0
	}
	return true
}

// scalarText renders a JSON value as a profile value: strings as they are,
// numbers as written in the object, objects and lists as compact JSON.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
