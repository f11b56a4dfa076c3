package deploy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// dependencies returns, for each resource, the resources that must exist
// before it: those its properties name with Ref, Fn::GetAtt or a ${}
// placeholder of Fn::Sub, and those its DependsOn lists. A name that is
// neither a parameter, a pseudo parameter nor a resource is an error here,
// before anything is created.
func dependencies(t *Template) (map[string][]string, error) {
	for name := range t.Parameters {
		if _, clash := t.Resources[name]; clash {
			return nil, fmt.Errorf("%s is both a parameter and a resource", name)
		}
	}
	deps := map[string][]string{}
	for _, id := range sortedKeys(t.Resources) {
		r := t.Resources[id]
		set := map[string]bool{}
		add := func(dep string) { set[dep] = true }
		if err := walkRefs(t, r.Properties, "Resources."+id+".Properties", add); err != nil {
			return nil, err
		}
		for _, d := range r.DependsOn {
			if _, ok := t.Resources[d]; !ok {
				return nil, fmt.Errorf("Resources.%s.DependsOn: %s is not a resource of the template", id, d)
			}
			add(d)
		}
		if set[id] {
			return nil, fmt.Errorf("%s refers to itself", "Resources."+id)
		}
		deps[id] = sortedKeys(set)
	}
	return deps, nil
}

// walkRefs calls add with every resource v refers to.
func walkRefs(t *Template, v any, path string, add func(string)) error {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			if err := walkRefs(t, e, fmt.Sprintf("%s[%d]", path, i), add); err != nil {
				return err
			}
		}
	case map[string]any:
		fn, arg, ok, err := intrinsic(v, path)
		if err != nil {
			return err
		}
		if !ok {
			for _, k := range sortedKeys(v) {
				if err := walkRefs(t, v[k], path+"."+k, add); err != nil {
					return err
				}
			}
			return nil
		}
		at := path + ": " + fn
		switch fn {
		case "Ref":
			name, ok := arg.(string)
			if !ok {
				return fmt.Errorf("%s takes a name", at)
			}
			return refTarget(t, name, at, add)
		case "Fn::GetAtt":
			id := ""
			switch a := arg.(type) {
			case string:
				id, _, _ = strings.Cut(a, ".")
			case []any:
				if len(a) > 0 {
					id, _ = a[0].(string)
				}
				if len(a) > 1 {
					if err := walkRefs(t, a[1], at, add); err != nil {
						return err
					}
				}
			}
			if _, ok := t.Resources[id]; !ok {
				return fmt.Errorf("%s: %q is not a resource of the template", at, id)
			}
			add(id)
			return nil
		case "Fn::Sub":
			text, vars := "", map[string]any{}
			switch a := arg.(type) {
			case string:
				text = a
			case []any:
				if len(a) == 2 {
					text, _ = a[0].(string)
					vars, _ = a[1].(map[string]any)
					if err := walkRefs(t, a[1], at, add); err != nil {
						return err
					}
				}
			}
			for _, name := range subNames(text) {
				if _, ok := vars[name]; ok {
					continue
				}
				if res, _, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
					if _, ok := t.Resources[res]; !ok {
						return fmt.Errorf("%s: ${%s}: %s is not a resource of the template", at, name, res)
					}
					add(res)
					continue
				}
				if err := refTarget(t, name, at+" ${"+name+"}", add); err != nil {
					return err
				}
			}
			return nil
		}
		return walkRefs(t, arg, at, add)
	}
	return nil
}

func refTarget(t *Template, name, at string, add func(string)) error {
	if _, ok := t.Resources[name]; ok {
		add(name)
		return nil
	}
	if _, ok := t.Parameters[name]; ok || name == "AWS::NoValue" || slices.Contains(pseudoParameters, name) {
		return nil
	}
	return fmt.Errorf("%s: %s names no parameter, pseudo parameter or resource of the template", at, name)
}

// order sorts the resources so that each comes after those it depends on.
// Among resources ready at the same time, rank decides (lower first), then
// the logical id, so that a plan reads the same every time. A cycle is an
// error naming it.
func order(deps map[string][]string, rank func(id string) int) ([]string, error) {
	waiting := map[string]int{} // id → number of dependencies not yet placed
	users := map[string][]string{}
	for id, ds := range deps {
		waiting[id] = len(ds)
		for _, d := range ds {
			users[d] = append(users[d], id)
		}
	}
	less := func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	}
	var ready []string
	for id, n := range waiting {
		if n == 0 {
			ready = append(ready, id)
		}
	}
	var out []string
	for len(ready) > 0 {
		slices.SortFunc(ready, less)
		id := ready[0]
		ready = ready[1:]
		out = append(out, id)
		for _, u := range users[id] {
			if waiting[u]--; waiting[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) == len(deps) {
		return out, nil
	}
	return nil, fmt.Errorf("the resources depend on each other in a cycle: %s", strings.Join(findCycle(deps, out), " → "))
}

// findCycle returns one cycle among the resources order could not place,
// as a path that ends where it starts.
func findCycle(deps map[string][]string, placed []string) []string {
	done := map[string]bool{}
	for _, id := range placed {
		done[id] = true
	}
	var rest []string
	for id := range deps {
		if !done[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	// Every unplaced resource has an unplaced dependency, so walking from
	// any of them must come back to a resource already on the path.
	seen := map[string]int{}
	var path []string
	for id := rest[0]; ; {
		if at, ok := seen[id]; ok {
			return append(path[at:], id)
		}
		seen[id] = len(path)
		path = append(path, id)
		for _, d := range deps[id] {
			if !done[d] {
				id = d
				break
			}
		}
	}
}
