package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a parsed CloudFormation template. Values keep the template's
// shape: maps, lists, strings, json.Number, bools and nil, with every
// intrinsic function in its long form ({"Ref": ...}, {"Fn::Sub": ...}), so
// that YAML short forms and JSON templates resolve alike.
type Template struct {
	Description string
	Transforms  []string
	Parameters  map[string]*Parameter
	Mappings    map[string]any
	Conditions  map[string]any
	Resources   map[string]*Resource
	Outputs     map[string]*Output
	// Ignored names the top-level sections hotline deploy reads but does
	// not act on (Rules, Globals, Metadata), so a plan can say so.
	Ignored []string
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Name           string
	Type           string
	Default        any // nil when HasDefault is false
	HasDefault     bool
	AllowedValues  []string
	AllowedPattern string
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	DependsOn  []string
	Condition  string
}

// Output is one entry of the Outputs section.
type Output struct {
	Name        string
	Description string
	Value       any
	ExportName  any // nil when the output has no Export
	Condition   string
}

// serverlessTransform is the one transform hotline deploy understands: the
// SAM resource types it needs (AWS::Serverless::Function) it handles itself.
const serverlessTransform = "AWS::Serverless-2016-10-31"

// ParseTemplate reads a template in YAML (short-form intrinsics included)
// or JSON.
func ParseTemplate(data []byte) (*Template, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the template must be a mapping of sections (Parameters, Resources, Outputs...)")
	}
	return buildTemplate(top)
}

// parseDocument reads a template's text into plain values, short forms
// rewritten into long ones, as JSON would hold them.
func parseDocument(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		// JSON is YAML too, but a JSON file indented with tabs is not, and
		// encoding/json keeps numbers exactly.
		var doc any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("the template is not valid JSON: %w", err)
		}
		return doc, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("the template is not valid YAML: %w", err)
	}
	if root.Kind == 0 {
		return nil, fmt.Errorf("the template is empty")
	}
	return fromNode(&root)
}

func buildTemplate(top map[string]any) (*Template, error) {
	t := &Template{
		Parameters: map[string]*Parameter{}, Mappings: map[string]any{}, Conditions: map[string]any{},
		Resources: map[string]*Resource{}, Outputs: map[string]*Output{},
	}
	for _, key := range sortedKeys(top) {
		v := top[key]
		var err error
		switch key {
		case "AWSTemplateFormatVersion":
		case "Description":
			t.Description, _ = v.(string)
		case "Metadata", "Rules", "Globals":
			// Globals only feed SAM properties hotline deploy does not use
			// (runtime, memory, environment); Rules assert on parameters.
			t.Ignored = append(t.Ignored, key)
		case "Transform":
			err = t.parseTransform(v)
		case "Parameters":
			err = t.parseParameters(v)
		case "Mappings":
			t.Mappings, err = asMap(v, "Mappings")
		case "Conditions":
			t.Conditions, err = asMap(v, "Conditions")
		case "Resources":
			err = t.parseResources(v)
		case "Outputs":
			err = t.parseOutputs(v)
		default:
			err = fmt.Errorf("unknown top-level section %q", key)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("the template has no Resources")
	}
	return t, nil
}

func (t *Template) parseTransform(v any) error {
	var names []string
	switch v := v.(type) {
	case string:
		names = []string{v}
	case []any:
		for _, n := range v {
			s, ok := n.(string)
			if !ok {
				return errors.New("the Transform section must list names; hotline deploy does not run transforms with parameters")
			}
			names = append(names, s)
		}
	default:
		return errors.New("the Transform section must be a name or a list of names")
	}
	for _, n := range names {
		if n != serverlessTransform {
			return fmt.Errorf("the transform %s is not supported by hotline deploy (only %s is)", n, serverlessTransform)
		}
	}
	t.Transforms = names
	return nil
}

func (t *Template) parseParameters(v any) error {
	m, err := asMap(v, "Parameters")
	if err != nil {
		return err
	}
	for name, raw := range m {
		path := "Parameters." + name
		pm, err := asMap(raw, path)
		if err != nil {
			return err
		}
		p := &Parameter{Name: name}
		if p.Type, err = stringField(pm, "Type", path); err != nil {
			return err
		}
		if p.Type == "" {
			return fmt.Errorf("%s has no Type", path)
		}
		if d, ok := pm["Default"]; ok {
			p.Default, p.HasDefault = d, true
		}
		if av, ok := pm["AllowedValues"]; ok {
			list, ok := av.([]any)
			if !ok {
				return fmt.Errorf("%s.AllowedValues must be a list", path)
			}
			for _, a := range list {
				s, err := scalarString(a)
				if err != nil {
					return fmt.Errorf("%s.AllowedValues: %v", path, err)
				}
				p.AllowedValues = append(p.AllowedValues, s)
			}
		}
		if p.AllowedPattern, err = stringField(pm, "AllowedPattern", path); err != nil {
			return err
		}
		t.Parameters[name] = p
	}
	return nil
}

// resourceAttributes are the keys a resource entry may have besides Type
// and Properties; those hotline deploy does not act on are accepted and
// ignored, since they govern replacement and deletion, which it never does.
var resourceAttributes = map[string]bool{
	"DeletionPolicy": true, "UpdateReplacePolicy": true, "UpdatePolicy": true,
	"CreationPolicy": true, "Metadata": true,
}

func (t *Template) parseResources(v any) error {
	m, err := asMap(v, "Resources")
	if err != nil {
		return err
	}
	for id, raw := range m {
		path := "Resources." + id
		if !logicalIDPattern(id) {
			return fmt.Errorf("%s: a logical id must be alphanumeric", path)
		}
		rm, err := asMap(raw, path)
		if err != nil {
			return err
		}
		r := &Resource{LogicalID: id, Properties: map[string]any{}}
		for _, key := range sortedKeys(rm) {
			val := rm[key]
			switch {
			case key == "Type":
				if r.Type, err = stringField(rm, "Type", path); err != nil {
					return err
				}
			case key == "Properties":
				if val == nil {
					continue
				}
				if r.Properties, err = asMap(val, path+".Properties"); err != nil {
					return err
				}
			case key == "DependsOn":
				switch d := val.(type) {
				case string:
					r.DependsOn = []string{d}
				case []any:
					for _, x := range d {
						s, ok := x.(string)
						if !ok {
							return fmt.Errorf("%s.DependsOn must list logical ids", path)
						}
						r.DependsOn = append(r.DependsOn, s)
					}
				default:
					return fmt.Errorf("%s.DependsOn must be a logical id or a list of them", path)
				}
			case key == "Condition":
				if r.Condition, err = stringField(rm, "Condition", path); err != nil {
					return err
				}
			case resourceAttributes[key]:
			default:
				return fmt.Errorf("%s: unknown resource attribute %q", path, key)
			}
		}
		if r.Type == "" {
			return fmt.Errorf("%s has no Type", path)
		}
		t.Resources[id] = r
	}
	return nil
}

func (t *Template) parseOutputs(v any) error {
	m, err := asMap(v, "Outputs")
	if err != nil {
		return err
	}
	for name, raw := range m {
		path := "Outputs." + name
		om, err := asMap(raw, path)
		if err != nil {
			return err
		}
		o := &Output{Name: name}
		val, ok := om["Value"]
		if !ok {
			return fmt.Errorf("%s has no Value", path)
		}
		o.Value = val
		if o.Description, err = stringField(om, "Description", path); err != nil {
			return err
		}
		if o.Condition, err = stringField(om, "Condition", path); err != nil {
			return err
		}
		if ex, ok := om["Export"]; ok {
			em, err := asMap(ex, path+".Export")
			if err != nil {
				return err
			}
			o.ExportName = em["Name"]
		}
		t.Outputs[name] = o
	}
	return nil
}

func logicalIDPattern(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func asMap(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a mapping", path)
	}
	return m, nil
}

func stringField(m map[string]any, key, path string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s.%s must be a string", path, key)
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fromNode turns a YAML node into template values, rewriting the short-form
// intrinsics (!Ref X, !Sub ..., !GetAtt A.B) into their long forms. yaml.v3
// cannot decode custom tags into interface values, hence the walk.
func fromNode(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		// CloudFormation refuses aliases too. Expanding them here would
		// also let a few lines of nested aliases grow into billions of
		// values.
		return nil, fmt.Errorf("line %d: YAML aliases (*%s) are not accepted in CloudFormation templates; repeat the value", n.Line, n.Value)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return shortForm(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping keys must be plain strings", k.Line)
			}
			if k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys (<<) are not accepted in CloudFormation templates", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			val, err := fromNode(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// scalar converts a plain YAML scalar. Numbers become json.Number so that a
// value is written back exactly as the template spells it (3, not 3.0).
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str", "!!binary", "!!timestamp":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("line %d: %s is not a number CloudFormation accepts", n.Line, n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, n.Tag)
}

// shortForm rewrites a tagged node: !Ref and !Condition keep their names,
// every other !Name becomes Fn::Name. Functions the resolver does not know
// are refused there, with the name the template used.
func shortForm(n *yaml.Node) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	key := "Fn::" + name
	if name == "Ref" || name == "Condition" {
		key = name
	}
	var arg any
	var err error
	switch n.Kind {
	case yaml.ScalarNode:
		arg = n.Value
		if name == "GetAtt" {
			// !GetAtt Resource.Attribute; an attribute may itself hold dots.
			res, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %s must be Resource.Attribute", n.Line, n.Value)
			}
			arg = []any{res, attr}
		}
	case yaml.SequenceNode, yaml.MappingNode:
		plain := *n
		plain.Tag = ""
		if arg, err = fromNode(&plain); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("line %d: !%s takes a value", n.Line, name)
	}
	return map[string]any{key: arg}, nil
}
