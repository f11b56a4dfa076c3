package lint

import (
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// freeText are the parameters the interpreter reads as free text, in which
// every well-formed reference is substituted and the rest is spoken as is;
// every other string is read as a value, where text that starts like a
// reference must be exactly one (reference §1.3, internal/flow/interp).
var freeText = map[string]bool{"Text": true, "SSML": true}

// checkMalformed warns about values that look like a reference but are not
// one, such as the seed's "$.External. Flag_X": the interpreter cannot
// resolve them, so the action takes its error branch (reference §11.14).
func (l *linter) checkMalformed(i int, a *flow.Action) {
	walk(&a.Params, "Parameters", "", func(where, name string, v flow.Value) {
		s := v.String()
		if freeText[name] {
			if broken(s) {
				l.action(i, SeverityWarning, CheckMalformedReference,
					"%s %q holds a reference broken by white space (%q); the pieces are spoken as text", where, s, squeeze(s))
			}
			return
		}
		if v.Malformed() {
			l.action(i, SeverityWarning, CheckMalformedReference,
				"%s %q is not a well-formed reference: it cannot resolve, so the action takes its error branch%s", where, s, didYouMean(s))
		}
	})
	for k := range a.Conditions {
		c := &a.Conditions[k]
		if c.Operand.Malformed() {
			l.action(i, SeverityWarning, CheckMalformedReference,
				"Conditions[%d] operand %q is not a well-formed reference: the conditions cannot be evaluated, so the action takes its NoMatchingError branch%s",
				k, c.Operand.String(), didYouMean(c.Operand.String()))
		}
	}
}

// broken reports whether s is a single reference with white space inside it.
func broken(s string) bool {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "$") || !strings.ContainsAny(t, " \t\r\n") {
		return false
	}
	return flow.ParseValue(squeeze(t)).Kind() == flow.ValueReference
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func didYouMean(s string) string {
	if broken(s) {
		return " (white space inside a reference is not allowed: did you mean " + strconv.Quote(squeeze(s)) + "?)"
	}
	return ""
}

// walk calls fn for every string in p; where is its path for messages and
// name the object member that holds it ("" inside arrays).
func walk(p *flow.Param, where, name string, fn func(where, name string, v flow.Value)) {
	switch p.Kind {
	case flow.ParamString:
		fn(where, name, p.Value)
	case flow.ParamObject:
		for k := range p.Fields {
			f := &p.Fields[k]
			walk(&f.Param, member(where, f.Name), f.Name, fn)
		}
	case flow.ParamArray:
		for k := range p.Items {
			walk(&p.Items[k], where+"["+strconv.Itoa(k)+"]", name, fn)
		}
	}
}

// member appends a key to a path, quoting keys that are not plain names.
func member(where, key string) string {
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return where + "[" + strconv.Quote(key) + "]"
		}
	}
	if key == "" {
		return where + `[""]`
	}
	return where + "." + key
}

// resource is a kind of instance resource a flow can name.
type resource int

const (
	resFlow resource = iota
	resModule
	resQueue
	resHours
	resPrompt
	resFunction
)

var resourceNames = [...]string{
	resFlow:     "contact flow",
	resModule:   "flow module",
	resQueue:    "queue",
	resHours:    "hours of operation",
	resPrompt:   "prompt",
	resFunction: "Lambda function",
}

// resourceRef is one parameter that names a resource.
type resourceRef struct {
	where string
	kind  resource
	value flow.Value
}

// resourceRefs lists the parameters of a that name instance resources
// (reference §4): flows, modules, queues, hours, prompts and functions.
func resourceRefs(a *flow.Action) []resourceRef {
	var refs []resourceRef
	one := func(name string, k resource) {
		if v, ok := a.Params.ValueOf(name); ok {
			refs = append(refs, resourceRef{"Parameters." + name, k, v})
		}
	}
	switch a.Type {
	case flow.TypeTransferToFlow, flow.TypeCreateTask:
		one("ContactFlowId", resFlow)
	case flow.TypeUpdateContactEventHooks:
		if hooks, ok := a.Params.Get("EventHooks"); ok {
			for _, f := range hooks.Fields {
				if f.Param.Kind == flow.ParamString {
					refs = append(refs, resourceRef{member("Parameters.EventHooks", f.Name), resFlow, f.Param.Value})
				}
			}
		}
	case flow.TypeInvokeFlowModule:
		one("FlowModuleId", resModule)
	case flow.TypeUpdateContactTargetQueue, flow.TypeDequeueContactAndTransferToQueue,
		flow.TypeCheckMetricData, flow.TypeGetMetricData, flow.TypeCreateCallbackContact:
		one("QueueId", resQueue)
	case flow.TypeCheckHoursOfOperation:
		one("HoursOfOperationId", resHours)
	case flow.TypeMessageParticipant, flow.TypeGetParticipantInput, flow.TypeConnectParticipantWithLexBot:
		one("PromptId", resPrompt)
	case flow.TypeMessageParticipantIteratively:
		if msgs, ok := a.Params.Get("Messages"); ok {
			for k := range msgs.Items {
				if v, ok := msgs.Items[k].ValueOf("PromptId"); ok {
					refs = append(refs, resourceRef{"Parameters.Messages[" + strconv.Itoa(k) + "].PromptId", resPrompt, v})
				}
			}
		}
	case flow.TypeInvokeLambdaFunction:
		one("LambdaFunctionARN", resFunction)
	}
	return refs
}

// checkResources asks the Resolver about every static resource reference.
// References resolved at run time ($.Attributes.Queue) cannot be checked.
func (l *linter) checkResources(i int, a *flow.Action) {
	if l.opts.Resolver == nil {
		return
	}
	for _, r := range resourceRefs(a) {
		s := r.value.String()
		if !r.value.IsStatic() || r.value.Malformed() || strings.TrimSpace(s) == "" {
			continue
		}
		res := l.resolve(r.kind, s)
		label := resourceNames[r.kind]
		switch {
		case res.err != nil:
			l.action(i, SeverityError, CheckUnknownResource, "%s: cannot use %s %q: %v", r.where, label, s, res.err)
		case res.ok:
		case r.kind == resFunction:
			l.action(i, SeverityError, CheckUnknownResource,
				"%s: %s %q is not associated with the instance, so it cannot be invoked%s", r.where, label, s, placeholderHint(s))
		default:
			l.action(i, SeverityError, CheckUnknownResource,
				"%s: %s %q does not exist in the instance%s", r.where, label, s, placeholderHint(s))
		}
	}
}

func (l *linter) resolve(k resource, ref string) resolution {
	key := strconv.Itoa(int(k)) + "\x00" + ref
	if r, ok := l.resolved[key]; ok {
		return r
	}
	rv := l.opts.Resolver
	var r resolution
	switch k {
	case resFlow:
		r.ok, r.err = rv.FlowExists(ref)
	case resModule:
		r.ok, r.err = rv.ModuleExists(ref)
	case resQueue:
		r.ok, r.err = rv.QueueExists(ref)
	case resHours:
		r.ok, r.err = rv.HoursExists(ref)
	case resPrompt:
		r.ok, r.err = rv.PromptExists(ref)
	case resFunction:
		r.ok, r.err = rv.FunctionAllowed(ref)
	}
	if l.resolved == nil {
		l.resolved = map[string]resolution{}
	}
	l.resolved[key] = r
	return r
}

// placeholderHint recognises the deployment-time placeholders templates
// leave in flows (reference §1.3), the usual reason a reference is unknown.
func placeholderHint(s string) string {
	for _, mark := range []string{"${", "%%", "{{"} {
		if strings.Contains(s, mark) {
			return " (it looks like a deployment placeholder that was never substituted)"
		}
	}
	return ""
}
