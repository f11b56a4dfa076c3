package deploy

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue resolves to: the property (or list
// element) holding it is removed.
type noValue struct{}

// pseudoParameters are the AWS:: names Ref accepts besides parameters and
// resources. AWS::NoValue is handled apart.
var pseudoParameters = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
	"AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

// resourceValues answers Ref and Fn::GetAtt on the template's resources.
type resourceValues interface {
	ref(logicalID string) (any, error)
	getAtt(logicalID, attr string) (any, error)
}

// resolver evaluates intrinsic functions.
type resolver struct {
	t         *Template
	params    map[string]any // string, or []any of strings for list types
	pseudo    map[string]any
	resources resourceValues

	conds   map[string]bool
	pending map[string]bool // conditions being evaluated, to catch cycles
}

// errUnsupported marks an intrinsic function hotline deploy does not run.
var errUnsupported = errors.New("not supported by hotline deploy")

func newResolver(t *Template, params, pseudo map[string]any, rv resourceValues) *resolver {
	return &resolver{t: t, params: params, pseudo: pseudo, resources: rv, conds: map[string]bool{}, pending: map[string]bool{}}
}

// resolve returns v with every intrinsic function evaluated. The result may
// be noValue at the top level; inside maps and lists it is dropped.
func (r *resolver) resolve(v any, path string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if fn, arg, ok, err := intrinsic(v, path); err != nil {
			return nil, err
		} else if ok {
			return r.call(fn, arg, path)
		}
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			x, err := r.resolve(v[k], path+"."+k)
			if err != nil {
				return nil, err
			}
			if _, drop := x.(noValue); !drop {
				out[k] = x
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			x, err := r.resolve(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			if _, drop := x.(noValue); !drop {
				out = append(out, x)
			}
		}
		return out, nil
	}
	return v, nil
}

// intrinsic reports whether m is a function call: a one-key map whose key
// is Ref or Fn::Something. Condition is a function only inside conditions,
// because properties (IAM policies) use it as a plain key.
func intrinsic(m map[string]any, path string) (fn string, arg any, ok bool, err error) {
	for k, a := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			if len(m) != 1 {
				return "", nil, false, fmt.Errorf("%s: %s must be the only key of its mapping", path, k)
			}
			return k, a, true, nil
		}
	}
	return "", nil, false, nil
}

func (r *resolver) call(fn string, arg any, path string) (any, error) {
	at := path + ": " + fn
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%s takes a name", at)
		}
		v, err := r.ref(name)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", at, name, err)
		}
		return v, nil
	case "Fn::GetAtt":
		return r.getAtt(arg, at)
	case "Fn::Sub":
		return r.sub(arg, at)
	case "Fn::Join":
		return r.join(arg, at)
	case "Fn::Select":
		return r.selectFn(arg, at)
	case "Fn::Split":
		return r.split(arg, at)
	case "Fn::FindInMap":
		return r.findInMap(arg, at)
	case "Fn::Base64":
		s, err := r.resolveString(arg, at)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::If":
		return r.ifFn(arg, at)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return nil, fmt.Errorf("%s is a condition function: use it in the Conditions section, or in Fn::If through a condition name", at)
	}
	return nil, fmt.Errorf("%s is %w", at, errUnsupported)
}

// ref answers Ref: a parameter, a pseudo parameter or a resource.
func (r *resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	if strings.HasPrefix(name, "AWS::") {
		if v, ok := r.pseudo[name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("is not a pseudo parameter hotline deploy knows (it knows %s)", strings.Join(pseudoParameters, ", "))
	}
	if _, ok := r.t.Resources[name]; ok {
		return r.resources.ref(name)
	}
	return nil, fmt.Errorf("names no parameter or resource of the template")
}

func (r *resolver) getAtt(arg any, at string) (any, error) {
	var parts []any
	switch a := arg.(type) {
	case string:
		res, attr, ok := strings.Cut(a, ".")
		if !ok {
			return nil, fmt.Errorf("%s %q must be Resource.Attribute", at, a)
		}
		parts = []any{res, attr}
	case []any:
		parts = a
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%s takes [Resource, Attribute]", at)
	}
	id, ok := parts[0].(string)
	if !ok {
		return nil, fmt.Errorf("%s: the resource must be a logical id", at)
	}
	attr, err := r.resolveString(parts[1], at)
	if err != nil {
		return nil, err
	}
	if _, ok := r.t.Resources[id]; !ok {
		return nil, fmt.Errorf("%s %s.%s: %s is not a resource of the template", at, id, attr, id)
	}
	v, err := r.resources.getAtt(id, attr)
	if err != nil {
		return nil, fmt.Errorf("%s %s.%s: %w", at, id, attr, err)
	}
	return v, nil
}

// sub runs Fn::Sub: "string" or ["string", {Var: value}].
func (r *resolver) sub(arg any, at string) (any, error) {
	var text string
	vars := map[string]string{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("%s takes a string or [string, {variables}]", at)
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: the first element must be a string", at)
		}
		text = s
		vm, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: the second element must map variable names to values", at)
		}
		for _, name := range sortedKeys(vm) {
			v, err := r.resolveString(vm[name], at+" variable "+name)
			if err != nil {
				return nil, err
			}
			vars[name] = v
		}
	default:
		return nil, fmt.Errorf("%s takes a string or [string, {variables}]", at)
	}
	return expandSub(text, func(name string) (string, error) {
		if v, ok := vars[name]; ok {
			return v, nil
		}
		var v any
		var err error
		if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			if _, ok := r.t.Resources[res]; !ok {
				return "", fmt.Errorf("%s: ${%s}: %s is not a resource of the template", at, name, res)
			}
			v, err = r.resources.getAtt(res, attr)
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			return "", fmt.Errorf("%s: ${%s} %w", at, name, err)
		}
		s, err := scalarString(v)
		if err != nil {
			return "", fmt.Errorf("%s: ${%s}: %v", at, name, err)
		}
		return s, nil
	})
}

// expandSub replaces each ${Name} in text by lookup(Name); ${!Literal}
// stands for the text ${Literal}.
func expandSub(text string, lookup func(string) (string, error)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		rest := text[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return "", fmt.Errorf("Fn::Sub: %q has no closing }", text[i:min(len(text), i+40)])
		}
		name := rest[:end]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
		} else {
			name = strings.TrimSpace(name)
			if name == "" {
				return "", fmt.Errorf("Fn::Sub: empty ${}")
			}
			v, err := lookup(name)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		}
		text = rest[end+1:]
	}
}

// subNames lists the names ${...} placeholders use, for dependency
// ordering; literals (${!x}) are left out.
func subNames(text string) []string {
	var names []string
	_, _ = expandSub(text, func(name string) (string, error) {
		names = append(names, name)
		return "", nil
	})
	return names
}

func (r *resolver) join(arg any, at string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return nil, fmt.Errorf("%s takes [delimiter, [values]]", at)
	}
	delim, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("%s: the delimiter must be a string", at)
	}
	list, err := r.resolveList(a[1], at)
	if err != nil {
		return nil, err
	}
	parts := make([]string, 0, len(list))
	for i, e := range list {
		s, err := scalarString(e)
		if err != nil {
			return nil, fmt.Errorf("%s: value %d: %v", at, i, err)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, delim), nil
}

func (r *resolver) selectFn(arg any, at string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return nil, fmt.Errorf("%s takes [index, [values]]", at)
	}
	idx, err := r.resolveString(a[0], at)
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return nil, fmt.Errorf("%s: index %q is not a whole number", at, idx)
	}
	list, err := r.resolveList(a[1], at)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(list) {
		return nil, fmt.Errorf("%s: index %d is out of range for a list of %d", at, i, len(list))
	}
	return list[i], nil
}

func (r *resolver) split(arg any, at string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return nil, fmt.Errorf("%s takes [delimiter, string]", at)
	}
	delim, ok := a[0].(string)
	if !ok || delim == "" {
		return nil, fmt.Errorf("%s: the delimiter must be a non-empty string", at)
	}
	s, err := r.resolveString(a[1], at)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, p := range strings.Split(s, delim) {
		out = append(out, p)
	}
	return out, nil
}

func (r *resolver) findInMap(arg any, at string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, fmt.Errorf("%s takes [MapName, TopLevelKey, SecondLevelKey]", at)
	}
	var keys [3]string
	for i := range keys {
		k, err := r.resolveString(a[i], at)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	m, ok := r.t.Mappings[keys[0]].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no mapping %q", at, keys[0])
	}
	top, ok := m[keys[1]].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: mapping %s has no key %q", at, keys[0], keys[1])
	}
	v, ok := top[keys[2]]
	if !ok {
		return nil, fmt.Errorf("%s: mapping %s.%s has no key %q", at, keys[0], keys[1], keys[2])
	}
	return v, nil
}

func (r *resolver) ifFn(arg any, at string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, fmt.Errorf("%s takes [ConditionName, valueIfTrue, valueIfFalse]", at)
	}
	name, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("%s: the first element must name a condition", at)
	}
	yes, err := r.condition(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	if yes {
		return r.resolve(a[1], at+"[true]")
	}
	return r.resolve(a[2], at+"[false]")
}

// condition evaluates a named condition of the Conditions section, once.
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	def, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %q in the Conditions section", name)
	}
	if r.pending[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.pending[name] = true
	defer delete(r.pending, name)
	v, err := r.evalCondition(def, "Conditions."+name)
	if err != nil {
		return false, err
	}
	r.conds[name] = v
	return v, nil
}

func (r *resolver) evalCondition(def any, path string) (bool, error) {
	m, ok := def.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("%s must be a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not) or {Condition: Name}", path)
	}
	for fn, arg := range m {
		at := path + ": " + fn
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("%s takes a condition name", at)
			}
			return r.condition(name)
		case "Fn::Equals":
			a, ok := arg.([]any)
			if !ok || len(a) != 2 {
				return false, fmt.Errorf("%s takes [value, value]", at)
			}
			x, err := r.resolveString(a[0], at)
			if err != nil {
				return false, err
			}
			y, err := r.resolveString(a[1], at)
			if err != nil {
				return false, err
			}
			return x == y, nil
		case "Fn::Not":
			a, ok := arg.([]any)
			if !ok || len(a) != 1 {
				return false, fmt.Errorf("%s takes [condition]", at)
			}
			v, err := r.evalCondition(a[0], at)
			return !v, err
		case "Fn::And", "Fn::Or":
			a, ok := arg.([]any)
			if !ok || len(a) < 2 || len(a) > 10 {
				return false, fmt.Errorf("%s takes 2 to 10 conditions", at)
			}
			and := fn == "Fn::And"
			for i, c := range a {
				v, err := r.evalCondition(c, fmt.Sprintf("%s[%d]", at, i))
				if err != nil {
					return false, err
				}
				if v != and {
					return v, nil // short-circuit: false for And, true for Or
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s is not a condition function", at)
	}
	panic("unreachable")
}

func (r *resolver) resolveString(v any, at string) (string, error) {
	x, err := r.resolve(v, at)
	if err != nil {
		return "", err
	}
	s, err := scalarString(x)
	if err != nil {
		return "", fmt.Errorf("%s: %v", at, err)
	}
	return s, nil
}

func (r *resolver) resolveList(v any, at string) ([]any, error) {
	x, err := r.resolve(v, at)
	if err != nil {
		return nil, err
	}
	list, ok := x.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a list, got %s", at, describe(x))
	}
	return list, nil
}

// scalarString converts a resolved scalar to the string CloudFormation
// would use.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("expected a string, got %s", describe(v))
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing (null)"
	case noValue:
		return "AWS::NoValue"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}

// parameterValues checks the parameters against the template and returns
// the value of each: given, else the default. Names of parameters with
// neither are returned in missing, sorted.
func parameterValues(t *Template, given map[string]string) (vals map[string]any, missing []string, err error) {
	for name := range given {
		if _, ok := t.Parameters[name]; !ok {
			return nil, nil, fmt.Errorf("--param %s: the template has no parameter %s (it has %s)", name, name, listOrNone(sortedKeys(t.Parameters)))
		}
	}
	vals = map[string]any{}
	for _, name := range sortedKeys(t.Parameters) {
		p := t.Parameters[name]
		raw, ok := given[name]
		if !ok {
			if !p.HasDefault {
				missing = append(missing, name)
				continue
			}
			if list, isList := p.Default.([]any); isList {
				// A list default is accepted as CloudFormation does for list types.
				parts := make([]string, 0, len(list))
				for _, e := range list {
					s, err := scalarString(e)
					if err != nil {
						return nil, nil, fmt.Errorf("Parameters.%s.Default: %v", name, err)
					}
					parts = append(parts, s)
				}
				raw = strings.Join(parts, ",")
			} else if raw, err = scalarString(p.Default); err != nil {
				return nil, nil, fmt.Errorf("Parameters.%s.Default: %v", name, err)
			}
		}
		v, err := parameterValue(p, raw)
		if err != nil {
			return nil, nil, err
		}
		vals[name] = v
	}
	return vals, missing, nil
}

func parameterValue(p *Parameter, raw string) (any, error) {
	typ := p.Type
	if strings.HasPrefix(typ, "AWS::SSM::Parameter::") {
		return nil, fmt.Errorf("parameter %s: type %s reads AWS Systems Manager, which hotline deploy does not: %w; pass the value with --param and change the type to String", p.Name, typ, errUnsupported)
	}
	isList := typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")
	var items []string
	if isList {
		for _, s := range strings.Split(raw, ",") {
			items = append(items, strings.TrimSpace(s))
		}
	} else {
		items = []string{raw}
	}
	for _, s := range items {
		if (typ == "Number" || typ == "List<Number>") && !isNumber(s) {
			return nil, fmt.Errorf("parameter %s: %q is not a number", p.Name, s)
		}
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, s) {
			return nil, fmt.Errorf("parameter %s: %q is not one of its AllowedValues (%s)", p.Name, s, strings.Join(p.AllowedValues, ", "))
		}
		if p.AllowedPattern != "" {
			ok, err := matchesWhole(p.AllowedPattern, s)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: AllowedPattern: %v", p.Name, err)
			}
			if !ok {
				return nil, fmt.Errorf("parameter %s: %q does not match its AllowedPattern %s", p.Name, s, p.AllowedPattern)
			}
		}
	}
	if !isList {
		return raw, nil
	}
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// matchesWhole reports whether s matches pattern as a whole, as
// CloudFormation applies AllowedPattern.
func matchesWhole(pattern, s string) (bool, error) {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return false, err
	}
	return re.MatchString(s), nil
}
