package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Document limits (reference §10).
const (
	// LanguageVersion is the only flow-language version that exists.
	LanguageVersion = "2019-10-30"
	// MaxContentLength is the content limit in characters (Unicode code points).
	MaxContentLength = 256000
	// MaxActions is the number of actions a flow may have.
	MaxActions = 250
	// MaxIdentifierLength is the length limit of an action Identifier in characters.
	MaxIdentifierLength = 50
)

// forbiddenIdentifierChars may not appear in an Identifier (reference §1.1).
const forbiddenIdentifierChars = `%:(\/)=$,;[]{}`

// prototypeNames may not be used as an Identifier: the list the flow-language
// documentation gives (the designer stores actions in JavaScript objects).
var prototypeNames = map[string]bool{
	"__proto__":            true,
	"constructor":          true,
	"__defineGetter__":     true,
	"__defineSetter__":     true,
	"toString":             true,
	"hasOwnProperty":       true,
	"isPrototypeOf":        true,
	"propertyIsEnumerable": true,
	"toLocaleString":       true,
	"valueOf":              true,
}

// Parse parses and validates content and returns the compiled flow, or *InvalidError.
//
// Keys are matched case-sensitively; unknown keys are ignored, and Metadata
// is never looked at. Problems come in a fixed order: content, then the
// document's own keys, then each action in document order.
func Parse(content []byte, kind Kind) (*Flow, error) {
	c := &compiler{kind: kind}
	top, ok := c.document(content)
	if !ok {
		return nil, c.ps.err()
	}
	f := c.compile(top)
	if err := c.ps.err(); err != nil {
		return nil, err
	}
	return f, nil
}

type compiler struct {
	ps   problems
	kind Kind
	// ids maps each identifier to the first action that has it, including
	// invalid identifiers, so that one bad identifier is reported once and
	// not again at every transition that names it.
	ids map[string]int
}

// document checks what must hold before anything else can be looked at.
func (c *compiler) document(content []byte) (map[string]json.RawMessage, bool) {
	if !utf8.Valid(content) {
		c.ps.doc("content is not valid UTF-8")
		return nil, false
	}
	if n := utf8.RuneCount(content); n > MaxContentLength {
		c.ps.doc("content is %d characters long; the limit is %d", n, MaxContentLength)
		return nil, false
	}
	if len(bytes.TrimSpace(content)) == 0 {
		c.ps.doc("content is empty")
		return nil, false
	}
	var probe json.RawMessage
	if err := json.Unmarshal(content, &probe); err != nil {
		c.ps.doc("content is not valid JSON: %s", describeJSONError(content, err))
		return nil, false
	}
	if jsonKind(content) != '{' {
		c.ps.doc("content must be a JSON object, not %s", describe(content))
		return nil, false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(content, &top); err != nil {
		c.ps.doc("content is not valid JSON: %v", err)
		return nil, false
	}
	return top, true
}

func (c *compiler) compile(top map[string]json.RawMessage) *Flow {
	f := &Flow{Kind: c.kind, StartAction: -1}

	// Decode every action before reporting anything, so that transitions
	// can be resolved whatever order the actions come in.
	actionsRaw, actionsProblem := actionList(top)
	hasActions := actionsProblem == ""
	objs := make([]map[string]json.RawMessage, len(actionsRaw))
	c.ids = make(map[string]int, len(actionsRaw))
	for i, raw := range actionsRaw {
		obj, ok := decodeObject(raw)
		if !ok {
			continue
		}
		objs[i] = obj
		if id, ok := decodeString(obj["Identifier"]); ok && id != "" {
			if _, dup := c.ids[id]; !dup {
				c.ids[id] = i
			}
		}
	}

	c.version(top)
	f.StartAction = c.startAction(top, hasActions)
	if !hasActions {
		c.ps.doc("%s", actionsProblem)
	} else if len(actionsRaw) > MaxActions {
		c.ps.doc("Actions has %d actions; the limit is %d", len(actionsRaw), MaxActions)
	}
	f.Settings = c.settings(top)

	f.Actions = make([]Action, len(actionsRaw))
	for i := range actionsRaw {
		if c.ps.full() {
			break
		}
		c.action(&f.Actions[i], i, actionsRaw[i], objs[i])
	}
	f.index = c.ids
	return f
}

func (c *compiler) version(top map[string]json.RawMessage) {
	raw, ok := top["Version"]
	if !ok {
		if _, legacy := top["modules"]; legacy {
			c.ps.doc("Version is required; this content looks like the pre-2019 console export format (\"modules\"), which is not flow language %s", LanguageVersion)
			return
		}
		c.ps.doc("Version is required")
		return
	}
	v, ok := decodeString(raw)
	switch {
	case !ok:
		c.ps.doc("Version must be the string %q, not %s", LanguageVersion, describe(raw))
	case v != LanguageVersion:
		c.ps.doc("Version %q is not supported; the only flow language version is %q", v, LanguageVersion)
	}
}

func (c *compiler) startAction(top map[string]json.RawMessage, hasActions bool) int {
	raw, ok := top["StartAction"]
	if !ok {
		c.ps.doc("StartAction is required")
		return -1
	}
	id, ok := decodeString(raw)
	switch {
	case !ok:
		c.ps.doc("StartAction must be a string, not %s", describe(raw))
		return -1
	case id == "":
		c.ps.doc("StartAction must not be empty")
		return -1
	}
	i, found := c.ids[id]
	if !found {
		// Without a usable Actions array every name would be unknown; that
		// problem is reported once, on Actions.
		if hasActions {
			c.ps.docKind(ProblemDanglingTarget, "StartAction %q does not name an action", id)
		}
		return -1
	}
	return i
}

// actionList returns the Actions array, or the problem that prevents it.
// The caller reports the problem after those of Version and StartAction.
func actionList(top map[string]json.RawMessage) ([]json.RawMessage, string) {
	raw, ok := top["Actions"]
	if !ok {
		return nil, "Actions is required"
	}
	list, ok := decodeArray(raw)
	if !ok {
		return nil, "Actions must be an array, not " + describe(raw)
	}
	return list, ""
}

func (c *compiler) settings(top map[string]json.RawMessage) json.RawMessage {
	raw, ok := top["Settings"]
	if !ok || c.kind != KindModule || jsonKind(raw) == 'n' {
		// Flows never carry Settings in real exports, but a stray one does
		// no harm, so it is ignored rather than refused.
		return nil
	}
	if jsonKind(raw) != '{' {
		c.ps.doc("Settings must be an object, not %s", describe(raw))
		return nil
	}
	return raw
}

func (c *compiler) action(a *Action, i int, raw json.RawMessage, obj map[string]json.RawMessage) {
	a.Next = -1
	a.Params = Param{Kind: ParamObject}
	if obj == nil {
		c.ps.action(i, "", "must be an object, not %s", describe(raw))
		return
	}
	id := c.identifier(a, i, obj)

	typeKnown := false
	switch raw, ok := obj["Type"]; {
	case !ok:
		c.ps.action(i, id, "Type is required")
	default:
		name, ok := decodeString(raw)
		if !ok {
			c.ps.action(i, id, "Type must be a string, not %s", describe(raw))
			break
		}
		t, ok := LookupActionType(name)
		if !ok {
			c.ps.actionKind(ProblemUnknownActionType, i, id, "unknown action type %q%s", name, legacyHint(name))
			break
		}
		a.Type, typeKnown = t, true
	}

	if raw, ok := obj["Parameters"]; ok && jsonKind(raw) != 'n' {
		if jsonKind(raw) != '{' {
			c.ps.action(i, id, "Parameters must be an object, not %s", describe(raw))
		} else if p, err := parseParams(raw); err != nil {
			c.ps.action(i, id, "Parameters: %v", err)
		} else {
			a.Parameters, a.Params = raw, p
		}
	}
	if typeKnown {
		if check := paramRules[a.Type]; check != nil {
			check(&a.Params, func(format string, args ...any) {
				c.ps.action(i, id, format, args...)
			})
		}
	}

	c.transitions(a, i, id, obj["Transitions"])
}

// identifier checks the Identifier and returns it when it is a non-empty
// string (valid or not), which is what problems are attributed to.
func (c *compiler) identifier(a *Action, i int, obj map[string]json.RawMessage) string {
	raw, ok := obj["Identifier"]
	if !ok {
		c.ps.action(i, "", "Identifier is required")
		return ""
	}
	id, ok := decodeString(raw)
	if !ok {
		c.ps.action(i, "", "Identifier must be a string, not %s", describe(raw))
		return ""
	}
	if id == "" {
		c.ps.action(i, "", "Identifier must not be empty")
		return ""
	}
	a.Identifier = id
	if n := utf8.RuneCountInString(id); n > MaxIdentifierLength {
		c.ps.action(i, id, "Identifier is %d characters long; the limit is %d", n, MaxIdentifierLength)
	}
	if bad := forbiddenIn(id); bad != "" {
		c.ps.action(i, id, "Identifier contains forbidden character(s) %s; none of %s may be used", bad, forbiddenIdentifierChars)
	}
	if prototypeNames[id] {
		c.ps.action(i, id, "Identifier %q is a reserved JavaScript prototype name", id)
	}
	if first := c.ids[id]; first != i {
		c.ps.action(i, id, "Identifier is not unique: Actions[%d] has the same Identifier", first)
	}
	return id
}

func (c *compiler) transitions(a *Action, i int, id string, raw json.RawMessage) {
	if raw == nil || jsonKind(raw) == 'n' {
		return
	}
	tr, ok := decodeObject(raw)
	if !ok {
		c.ps.action(i, id, "Transitions must be an object, not %s", describe(raw))
		return
	}
	if next, ok := tr["NextAction"]; ok && jsonKind(next) != 'n' {
		a.Next = c.target(i, id, "Transitions.NextAction", next)
	}

	if list, ok := c.branchList(i, id, "Errors", tr["Errors"]); ok {
		for j, raw := range list {
			where := "Transitions.Errors[" + strconv.Itoa(j) + "]"
			e, ok := decodeObject(raw)
			if !ok {
				c.ps.action(i, id, "%s must be an object, not %s", where, describe(raw))
				continue
			}
			b := ErrorBranch{Next: -1}
			switch et, ok := e["ErrorType"]; {
			case !ok:
				c.ps.action(i, id, "%s.ErrorType is required", where)
			default:
				s, ok := decodeString(et)
				if !ok {
					c.ps.action(i, id, "%s.ErrorType must be a string, not %s", where, describe(et))
				} else if s == "" {
					c.ps.action(i, id, "%s.ErrorType must not be empty", where)
				}
				b.ErrorType = s
			}
			b.Next = c.requiredTarget(i, id, where+".NextAction", e)
			a.Errors = append(a.Errors, b)
		}
	}

	if list, ok := c.branchList(i, id, "Conditions", tr["Conditions"]); ok {
		for j, raw := range list {
			where := "Transitions.Conditions[" + strconv.Itoa(j) + "]"
			e, ok := decodeObject(raw)
			if !ok {
				c.ps.action(i, id, "%s must be an object, not %s", where, describe(raw))
				continue
			}
			cond := c.condition(i, id, where+".Condition", e)
			cond.Next = c.requiredTarget(i, id, where+".NextAction", e)
			a.Conditions = append(a.Conditions, cond)
		}
	}
}

// branchList decodes Transitions.Errors or .Conditions; absent and null mean empty.
func (c *compiler) branchList(i int, id, name string, raw json.RawMessage) ([]json.RawMessage, bool) {
	if raw == nil || jsonKind(raw) == 'n' {
		return nil, false
	}
	list, ok := decodeArray(raw)
	if !ok {
		c.ps.action(i, id, "Transitions.%s must be an array, not %s", name, describe(raw))
		return nil, false
	}
	return list, true
}

func (c *compiler) condition(i int, id, where string, entry map[string]json.RawMessage) Condition {
	cond := Condition{Next: -1}
	raw, ok := entry["Condition"]
	if !ok {
		c.ps.action(i, id, "%s is required", where)
		return cond
	}
	obj, ok := decodeObject(raw)
	if !ok {
		c.ps.action(i, id, "%s must be an object, not %s", where, describe(raw))
		return cond
	}
	switch raw, ok := obj["Operator"]; {
	case !ok:
		c.ps.action(i, id, "%s.Operator is required", where)
	default:
		name, ok := decodeString(raw)
		if !ok {
			c.ps.action(i, id, "%s.Operator must be a string, not %s", where, describe(raw))
			break
		}
		op, ok := LookupOperator(name)
		if !ok {
			c.ps.action(i, id, "%s.Operator %q is not a known operator", where, name)
			break
		}
		cond.Operator = op
	}
	raw, ok = obj["Operands"]
	if !ok {
		c.ps.action(i, id, "%s.Operands is required", where)
		return cond
	}
	operands, ok := decodeArray(raw)
	if !ok {
		c.ps.action(i, id, "%s.Operands must be an array, not %s", where, describe(raw))
		return cond
	}
	// Every operator of the language takes exactly one string operand
	// (flow-language-actions, "List of Operators").
	if len(operands) != 1 {
		c.ps.action(i, id, "%s.Operands must hold exactly one operand, not %d", where, len(operands))
		return cond
	}
	s, ok := decodeString(operands[0])
	if !ok {
		c.ps.action(i, id, "%s.Operands[0] must be a string, not %s", where, describe(operands[0]))
		return cond
	}
	cond.Operand = ParseValue(s)
	return cond
}

func (c *compiler) requiredTarget(i int, id, where string, entry map[string]json.RawMessage) int {
	raw, ok := entry["NextAction"]
	if !ok {
		c.ps.action(i, id, "%s is required", where)
		return -1
	}
	return c.target(i, id, where, raw)
}

// target resolves a NextAction to an action index.
func (c *compiler) target(i int, id, where string, raw json.RawMessage) int {
	name, ok := decodeString(raw)
	if !ok {
		c.ps.action(i, id, "%s must be a string, not %s", where, describe(raw))
		return -1
	}
	j, ok := c.ids[name]
	if !ok {
		c.ps.actionKind(ProblemDanglingTarget, i, id, "%s refers to unknown action %q", where, name)
		return -1
	}
	return j
}

func legacyHint(name string) string {
	use, ok := legacyTypes[name]
	switch {
	case !ok:
		return ""
	case use == "":
		return " (a pre-2019 console export name, not a 2019-10-30 action type)"
	}
	return " (a pre-2019 console export name; the 2019-10-30 action type is " + use + ")"
}

func forbiddenIn(id string) string {
	var found []string
	for _, r := range forbiddenIdentifierChars {
		if strings.ContainsRune(id, r) {
			found = append(found, `"`+string(r)+`"`)
		}
	}
	return strings.Join(found, " ")
}

// jsonKind returns the first byte of a JSON value, which tells its kind:
// '{', '[', '"', 't', 'f', 'n', or a number's first byte; 0 when empty.
func jsonKind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// describe names the kind of a JSON value for messages.
func describe(raw []byte) string {
	switch k := jsonKind(raw); k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "nothing"
	default:
		return "a number"
	}
}

func decodeString(raw json.RawMessage) (string, bool) {
	if jsonKind(raw) != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func decodeObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if jsonKind(raw) != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return m, true
}

func decodeArray(raw json.RawMessage) ([]json.RawMessage, bool) {
	if jsonKind(raw) != '[' {
		return nil, false
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	return list, true
}

// describeJSONError adds the line and column to a syntax error, which is what
// a person editing the file needs.
func describeJSONError(content []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	// Offset counts the bytes read, including the offending one; at the end
	// of input there is no offending byte and the position is just past it.
	off := int(se.Offset)
	if off > len(content) {
		off = len(content)
	}
	if off > 0 && off <= len(content) && se.Error() != "unexpected end of JSON input" {
		off--
	}
	line := 1 + bytes.Count(content[:off], []byte("\n"))
	col := 1 + utf8.RuneCount(content[bytes.LastIndexByte(content[:off], '\n')+1:off])
	return se.Error() + " (line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col) + ")"
}
