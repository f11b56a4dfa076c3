// Package deploy owns `hotline deploy`: it reads a CloudFormation template
// (YAML with short-form intrinsics, or JSON), resolves its parameters and
// intrinsic functions, orders its resources by their dependencies, and
// makes the Amazon Connect ones exist in a Hotline instance through the
// same Connect API a user calls (flows, flow modules, hours of operation,
// queues, phone numbers, Lambda integrations). It maps a template's Lambda
// functions to Hotline function bindings and its DynamoDB table to the
// instance's configuration table, lists what it skips (IAM, logs,
// permissions), and refuses what it cannot do before it changes anything.
// A second deploy of a template updates what the first made, finding it
// through the per-stack state the server keeps (package
// internal/deploy/stacks) or by name.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/client"
	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/deploy/stacks"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// TableCreator maps a template's AWS::DynamoDB::Table onto the
// configuration table of an instance (there is one per instance).
type TableCreator interface {
	// EnsureTable makes sure the instance's configuration table exists and
	// returns what Ref and Fn::GetAtt answer for the template's table.
	EnsureTable(ctx context.Context, spec TableSpec) (*TableInfo, error)
}

// TableSpec is what a template says of its table.
type TableSpec struct {
	LogicalID  string
	InstanceID string
	// TableName is the TableName property; "" when the template has none.
	TableName string
	KeySchema []KeyElement
	// Stream is whether the table has a StreamSpecification.
	Stream bool
	// DryRun asks what would happen: EnsureTable must change nothing.
	DryRun bool
}

// KeyElement is one entry of a table's KeySchema.
type KeyElement struct {
	AttributeName string
	KeyType       string // HASH or RANGE
}

// TableInfo is what the template's table resolves to.
type TableInfo struct {
	Name      string // Ref
	Arn       string
	StreamArn string // "" when the table has no stream
	// Created says the configuration table did not exist before (or, in a
	// dry run, would not have).
	Created bool
}

// Config is what a deploy talks to.
type Config struct {
	// Connect is an Amazon Connect client pointed at the Hotline endpoint.
	Connect *connect.Client
	// Hotline calls Hotline's own signed endpoints: function bindings and
	// the stack state.
	Hotline *client.Client
	// Tables maps DynamoDB tables onto configuration tables; nil means no
	// configuration-table service is wired in, which the deploy reports
	// loudly for every table.
	Tables TableCreator
}

// Options are the choices of one deploy.
type Options struct {
	// StackName is AWS::StackName, and the key of the stack's state.
	StackName string
	// Instance is the instance id or ARN that pseudo-instance parameters
	// and tables use; "" means the server's only instance, or its default.
	Instance string
	// Params are --param values by parameter name.
	Params map[string]string
	// Functions are the bindings of the template's functions by logical id;
	// FunctionArn is left empty (the deploy sets it).
	Functions map[string]lambda.Binding
	// DryRun plans without changing anything.
	DryRun bool
}

// Operations an Action reports.
const (
	OpCreate     = "create"
	OpUpdate     = "update"
	OpUnchanged  = "unchanged"
	OpNotCreated = "not created"
)

// Action is what deploy did (or, in a dry run, would do) to one resource.
type Action struct {
	LogicalID string
	Type      string
	Op        string
	// Adopted is set when the resource was not in the stack's state and
	// was found by its name.
	Adopted bool
	// Changes name what an update changes.
	Changes []string
	// Physical is the resource's ARN (or id, or name).
	Physical string
}

// Skip is a resource deploy left out.
type Skip struct {
	LogicalID, Type, Reason string
}

// OutputValue is one resolved output.
type OutputValue struct {
	Name, Description, Value, ExportName string
	// Unavailable says why Value could not be resolved ("" when it was).
	Unavailable string
}

// Result is the report of a deploy; Deploy returns what it did even when
// it fails partway.
type Result struct {
	StackName  string
	InstanceID string
	DryRun     bool
	Actions    []Action
	Skipped    []Skip
	// Retained are resources the stack's state had that the template no
	// longer has: deploy deletes nothing, so they are left in place.
	Retained []Skip
	Notes    []string
	Warnings []string
	Outputs  []OutputValue
}

// run is one deploy in progress.
type run struct {
	cfg  Config
	opt  Options
	t    *Template
	res  *Result
	inst instanceInfo

	params map[string]any
	pseudo map[string]any
	deps   map[string][]string
	order  []string

	// kind of each resource: handled (in typeInfos), or skipped with a
	// reason, or not created because its condition is false.
	skipped map[string]string
	off     map[string]string // id → the false condition

	prev    *stacks.Stack // state of the last deploy; empty when none
	next    *stacks.Stack
	applied map[string]*stacks.Resource // this deploy's resources by logical id

	stateless bool // the server has no state endpoint
	bindings  map[string]*lambda.Binding
}

type instanceInfo struct {
	ID, ARN, Region, Account string
}

// Deploy carries out t.
func Deploy(ctx context.Context, cfg Config, t *Template, opt Options) (*Result, error) {
	if !stacks.ValidName(opt.StackName) {
		return nil, fmt.Errorf("stack name %q must start with a letter and hold only letters, digits and hyphens (at most 128); give one with --stack-name", opt.StackName)
	}
	d := &run{
		cfg: cfg, opt: opt, t: t,
		res:     &Result{StackName: opt.StackName, DryRun: opt.DryRun},
		skipped: map[string]string{}, off: map[string]string{},
		applied: map[string]*stacks.Resource{},
	}
	if err := d.prepare(ctx); err != nil {
		return d.res, err
	}
	if err := d.execute(ctx); err != nil {
		return d.res, err
	}
	return d.res, nil
}

// prepare does every check that needs no change: instance, parameters,
// order, resource types, properties, outputs and function bindings. Any
// failure here leaves the instance untouched.
func (d *run) prepare(ctx context.Context) error {
	if err := d.findInstance(ctx); err != nil {
		return err
	}
	d.res.InstanceID = d.inst.ID
	d.pseudo = map[string]any{
		"AWS::AccountId":        d.inst.Account,
		"AWS::NotificationARNs": []any{},
		"AWS::Partition":        "aws",
		"AWS::Region":           d.inst.Region,
		"AWS::StackId":          fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/hotline", d.inst.Region, d.inst.Account, d.opt.StackName),
		"AWS::StackName":        d.opt.StackName,
		"AWS::URLSuffix":        "amazonaws.com",
	}
	if err := d.parameters(); err != nil {
		return err
	}
	var err error
	if d.deps, err = dependencies(d.t); err != nil {
		return err
	}
	if err := d.classify(); err != nil {
		return err
	}
	if d.order, err = order(d.deps, func(id string) int {
		if info, ok := typeInfos[d.t.Resources[id].Type]; ok {
			return info.rank
		}
		return 0
	}); err != nil {
		return err
	}
	for id := range d.opt.Functions {
		r, ok := d.t.Resources[id]
		if !ok || (r.Type != typeSAMFunction && r.Type != typeLambdaFunction) {
			return fmt.Errorf("--function %s: the template has no function %s (its functions: %s)", id, id, listOrNone(d.functionIDs()))
		}
	}
	if err := d.check(ctx); err != nil {
		return err
	}
	return d.checkBindings(ctx)
}

func (d *run) findInstance(ctx context.Context) error {
	c := d.cfg.Connect
	var arn string
	if d.opt.Instance != "" {
		out, err := c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(lastSegment(d.opt.Instance))})
		if err != nil {
			return fmt.Errorf("instance %s: %w", d.opt.Instance, err)
		}
		arn = aws.ToString(out.Instance.Arn)
	} else {
		var all []types.InstanceSummary
		p := connect.NewListInstancesPaginator(c, &connect.ListInstancesInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("listing instances: %w", err)
			}
			all = append(all, page.InstanceSummaryList...)
		}
		var names []string
		for _, s := range all {
			names = append(names, aws.ToString(s.Id)+" ("+aws.ToString(s.InstanceAlias)+")")
			if aws.ToString(s.InstanceAlias) == hconnect.DefaultInstanceAlias {
				arn = aws.ToString(s.Arn)
			}
		}
		switch {
		case len(all) == 0:
			return errors.New("the server has no Connect instance; create one or give --instance")
		case len(all) == 1:
			arn = aws.ToString(all[0].Arn)
		case arn == "":
			return fmt.Errorf("the server has several instances and none is the default (%s); choose one with --instance: %s",
				hconnect.DefaultInstanceAlias, strings.Join(names, ", "))
		}
	}
	m := instanceARN.FindStringSubmatch(arn)
	if m == nil {
		return fmt.Errorf("the server answered an instance ARN of an unexpected form: %q", arn)
	}
	d.inst = instanceInfo{ARN: arn, Region: m[1], Account: m[2], ID: m[3]}
	return nil
}

var instanceARN = regexp.MustCompile(`^arn:aws[a-z-]*:connect:([a-z0-9-]+):([0-9]{12}):instance/([A-Za-z0-9-]+)$`)

// instanceParam matches the parameters that name the instance, such as
// pConnectInstanceArn or ConnectInstanceId: left without a value, they get
// the deploy's instance, so a template written for AWS needs no --param.
var instanceParam = regexp.MustCompile(`(?i)instance(arn|id)$`)

func (d *run) parameters() error {
	vals, missing, err := parameterValues(d.t, d.opt.Params)
	if err != nil {
		return err
	}
	var still []string
	for _, name := range missing {
		m := instanceParam.FindStringSubmatch(name)
		if m == nil || d.t.Parameters[name].Type != "String" {
			still = append(still, name)
			continue
		}
		v, what := d.inst.ARN, "ARN"
		if strings.EqualFold(m[1], "id") {
			v, what = d.inst.ID, "id"
		}
		vals[name] = v
		d.res.Notes = append(d.res.Notes, fmt.Sprintf("parameter %s = %s (the instance's %s; give --param %s=... to choose another)", name, v, what, name))
	}
	if len(still) > 0 {
		var flags []string
		for _, n := range still {
			flags = append(flags, "--param "+n+"=VALUE")
		}
		return fmt.Errorf("parameters without a value or Default: %s; give %s", strings.Join(still, ", "), strings.Join(flags, " "))
	}
	d.params = vals
	return nil
}

// classify sorts each resource into carried out, skipped, or off (its
// condition is false), and fails on Connect types deploy does not support.
func (d *run) classify() error {
	r := newResolver(d.t, d.params, d.pseudo, noResources{})
	var unsupported []string
	for _, id := range sortedKeys(d.t.Resources) {
		res := d.t.Resources[id]
		if res.Condition != "" {
			on, err := r.condition(res.Condition)
			if err != nil {
				return fmt.Errorf("Resources.%s.Condition: %w", id, err)
			}
			if !on {
				d.off[id] = res.Condition
				continue
			}
		}
		if _, ok := typeInfos[res.Type]; ok {
			continue
		}
		reason, ok := skipReason(res.Type)
		if !ok {
			unsupported = append(unsupported, fmt.Sprintf("%s (%s)", id, res.Type))
			continue
		}
		d.skipped[id] = reason
		d.res.Skipped = append(d.res.Skipped, Skip{LogicalID: id, Type: res.Type, Reason: reason})
	}
	for _, id := range sortedKeys(d.off) {
		d.res.Skipped = append(d.res.Skipped, Skip{LogicalID: id, Type: d.t.Resources[id].Type,
			Reason: "its condition " + d.off[id] + " is false"})
	}
	if len(unsupported) > 0 {
		return fmt.Errorf("the template has Amazon Connect resources hotline deploy does not support: %s; it supports %s",
			strings.Join(unsupported, ", "), strings.Join(SupportedTypes(), ", "))
	}
	tables := 0
	for id, res := range d.t.Resources {
		if res.Type == typeTable && d.off[id] == "" {
			tables++
		}
	}
	if tables > 1 {
		d.warn("the template has %d DynamoDB tables; an instance has one configuration table, so they all map to it", tables)
	}
	return nil
}

// check builds every resource's spec and resolves every output with
// stand-in values for what does not exist yet, so that a bad property or
// an unsupported function stops the deploy before it changes anything.
func (d *run) check(ctx context.Context) error {
	r := newResolver(d.t, d.params, d.pseudo, standIns{d})
	var problems []string
	for _, id := range d.order {
		if _, err := d.build(id, r); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, name := range sortedKeys(d.t.Outputs) {
		if _, err := d.output(name, r); err != nil && !isNotMade(err) {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the template cannot be deployed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// build reads one carried-out resource's spec; nil for other resources.
func (d *run) build(id string, r *resolver) (spec, error) {
	res := d.t.Resources[id]
	info, ok := typeInfos[res.Type]
	if !ok || d.off[id] != "" {
		return nil, nil
	}
	p := newProps("Resources."+id+".Properties", res.Properties, r)
	s := info.build(d, id, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *run) functionIDs() []string {
	var ids []string
	for _, id := range sortedKeys(d.t.Resources) {
		if typ := d.t.Resources[id].Type; typ == typeSAMFunction || typ == typeLambdaFunction {
			ids = append(ids, id)
		}
	}
	return ids
}

// checkBindings stops the deploy when a function has neither a --function
// binding nor one already on the server for its ARN.
func (d *run) checkBindings(ctx context.Context) error {
	var list lambda.ListOutput
	if err := d.cfg.Hotline.Do(ctx, "GET", "/_hotline/functions", nil, &list); err != nil {
		return fmt.Errorf("listing function bindings: %w", err)
	}
	d.bindings = map[string]*lambda.Binding{}
	for _, b := range list.Bindings {
		d.bindings[b.FunctionArn] = b
	}
	r := newResolver(d.t, d.params, d.pseudo, standIns{d})
	var unbound []string
	for _, id := range d.functionIDs() {
		if d.off[id] != "" {
			continue
		}
		if _, ok := d.opt.Functions[id]; ok {
			continue
		}
		s, err := d.build(id, r)
		if err != nil {
			return err
		}
		arn := s.(*functionSpec).arn
		if _, ok := d.bindings[arn]; ok {
			continue
		}
		unbound = append(unbound, fmt.Sprintf("%s (%s)", id, arn))
	}
	if len(unbound) == 0 {
		return nil
	}
	var have []string
	for _, arn := range sortedKeys(d.bindings) {
		b := d.bindings[arn]
		have = append(have, fmt.Sprintf("%s → %s", arn, bindingString(b)))
	}
	return fmt.Errorf("no binding for the template's function %s: nothing was changed.\n"+
		"Bind each with --function LogicalId=builtin:NAME, --function LogicalId=http:URL or --function LogicalId='command:PROGRAM ARGS'.\n"+
		"Bindings on the server: %s", strings.Join(unbound, ", "), listOrNone(have))
}

// execute applies the resources in order and resolves the outputs. The
// stack's state is saved even after a failure, so that the next deploy
// finds what this one made.
func (d *run) execute(ctx context.Context) (err error) {
	if err := d.loadState(ctx); err != nil {
		return err
	}
	d.next = &stacks.Stack{StackName: d.opt.StackName, InstanceID: d.inst.ID, Resources: map[string]*stacks.Resource{}, Outputs: map[string]string{}}
	// What the last deploy recorded of resources still in the template is
	// kept until this one replaces it, so that a deploy failing halfway
	// does not lose the rest.
	for id, sr := range d.prev.Resources {
		if r, ok := d.t.Resources[id]; ok && r.Type == sr.Type && d.off[id] == "" {
			d.next.Resources[id] = sr
		}
	}
	if !d.opt.DryRun {
		defer func() {
			if serr := d.saveState(ctx); serr != nil {
				err = errors.Join(err, serr)
			}
		}()
	}
	r := newResolver(d.t, d.params, d.pseudo, liveValues{d})
	for _, id := range d.order {
		s, err := d.build(id, r)
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		typ := d.t.Resources[id].Type
		prev := d.prev.Resources[id]
		if prev != nil && prev.Type != typ {
			prev = nil // the logical id now names another kind of resource
		}
		sr, act, err := s.apply(ctx, d, id, prev)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", id, typ, err)
		}
		sr.Type, act.LogicalID, act.Type = typ, id, typ
		d.applied[id] = sr
		d.next.Resources[id] = sr
		d.res.Actions = append(d.res.Actions, act)
	}
	for _, id := range sortedKeys(d.prev.Resources) {
		if _, still := d.next.Resources[id]; !still {
			old := d.prev.Resources[id]
			d.res.Retained = append(d.res.Retained, Skip{LogicalID: id, Type: old.Type,
				Reason: "no longer in the template; deploy deletes nothing, so " + old.PhysicalID + " is left as it is"})
		}
	}
	for _, name := range sortedKeys(d.t.Outputs) {
		o, err := d.output(name, r)
		if err != nil {
			if !isNotMade(err) {
				return err
			}
			o.Unavailable = err.Error()
		}
		if o == nil {
			continue
		}
		d.res.Outputs = append(d.res.Outputs, *o)
		if o.Unavailable == "" {
			d.next.Outputs[name] = o.Value
		}
	}
	return nil
}

// output resolves one output; nil when its condition is false. An output
// that refers to a skipped resource is returned with a notMadeError.
func (d *run) output(name string, r *resolver) (*OutputValue, error) {
	o := d.t.Outputs[name]
	path := "Outputs." + name
	if o.Condition != "" {
		on, err := r.condition(o.Condition)
		if err != nil {
			return nil, fmt.Errorf("%s.Condition: %w", path, err)
		}
		if !on {
			return nil, nil
		}
	}
	out := &OutputValue{Name: name, Description: o.Description}
	v, err := r.resolveString(o.Value, path+".Value")
	if err != nil {
		return out, err
	}
	out.Value = v
	if o.ExportName != nil {
		if out.ExportName, err = r.resolveString(o.ExportName, path+".Export.Name"); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (d *run) warn(format string, args ...any) {
	d.res.Warnings = append(d.res.Warnings, fmt.Sprintf(format, args...))
}

// loadState reads the stack's state. A server without the state endpoint
// is still deployed to, matching resources by name alone.
func (d *run) loadState(ctx context.Context) error {
	d.prev = &stacks.Stack{Resources: map[string]*stacks.Resource{}}
	var st stacks.Stack
	err := d.cfg.Hotline.Do(ctx, "GET", stackPath(d.opt.StackName), nil, &st)
	var ce *client.Error
	switch {
	case err == nil:
		if st.InstanceID != "" && st.InstanceID != d.inst.ID {
			// The recorded resources belong to the other instance.
			d.warn("stack %s was last deployed to instance %s; this deploy goes to %s and does not touch what it made there", d.opt.StackName, st.InstanceID, d.inst.ID)
		} else if st.Resources != nil {
			d.prev = &st
		}
	case errors.As(err, &ce) && ce.Status == 404 && ce.Code == "ResourceNotFoundException":
	case errors.As(err, &ce) && ce.Status == 404:
		d.stateless = true
		d.warn("this server does not keep deploy state (no /_hotline/deploy/stacks endpoint): resources are matched by name only, and phone numbers by their claim token")
	default:
		return fmt.Errorf("reading the state of stack %s: %w", d.opt.StackName, err)
	}
	return nil
}

func (d *run) saveState(ctx context.Context) error {
	if d.stateless {
		return nil
	}
	if err := d.cfg.Hotline.Do(ctx, "PUT", stackPath(d.opt.StackName), d.next, nil); err != nil {
		return fmt.Errorf("saving the state of stack %s (the next deploy will match resources by name only): %w", d.opt.StackName, err)
	}
	return nil
}

func stackPath(name string) string { return "/_hotline/deploy/stacks/" + url.PathEscape(name) }

// notMadeError is a reference to a resource this deploy does not make: a
// skipped one, or one whose condition is false. An output may refer to
// one (it is then printed as unavailable); a resource deploy makes may not.
type notMadeError struct{ msg string }

func (e *notMadeError) Error() string { return e.msg }

func isNotMade(err error) bool {
	var nm *notMadeError
	return errors.As(err, &nm)
}

// noResources answers conditions, which may not refer to resources.
type noResources struct{}

func (noResources) ref(id string) (any, error) {
	return nil, fmt.Errorf("conditions cannot refer to resources (%s)", id)
}

func (noResources) getAtt(id, attr string) (any, error) {
	return nil, fmt.Errorf("conditions cannot refer to resources (%s.%s)", id, attr)
}

// liveValues answers Ref and Fn::GetAtt from the resources applied so far.
type liveValues struct{ d *run }

func (v liveValues) ref(id string) (any, error) { return v.getAtt(id, "Ref") }

func (v liveValues) getAtt(id, attr string) (any, error) {
	if err := v.d.madeHere(id, attr); err != nil {
		return nil, err
	}
	sr := v.d.applied[id]
	if sr == nil {
		// Order places every resource after those it names.
		return nil, fmt.Errorf("%s is not made yet", id)
	}
	val, ok := sr.Attributes[attr]
	if !ok {
		return nil, fmt.Errorf("%s has no %s", id, attr)
	}
	return val, nil
}

// standIns answers Ref and Fn::GetAtt with stand-in text, for checking a
// template before anything exists.
type standIns struct{ d *run }

func (v standIns) ref(id string) (any, error) { return v.getAtt(id, "Ref") }

func (v standIns) getAtt(id, attr string) (any, error) {
	if err := v.d.madeHere(id, attr); err != nil {
		return nil, err
	}
	if attr == "Ref" {
		return "<" + id + ">", nil
	}
	return "<" + id + "." + attr + ">", nil
}

// madeHere checks that id is a resource this deploy makes and that attr
// is one of its attributes.
func (d *run) madeHere(id, attr string) error {
	typ := d.t.Resources[id].Type
	if reason, ok := d.skipped[id]; ok {
		return &notMadeError{fmt.Sprintf("%s (%s) is skipped by hotline deploy: %s", id, typ, reason)}
	}
	if cond, ok := d.off[id]; ok {
		return &notMadeError{fmt.Sprintf("%s is not made: its condition %s is false", id, cond)}
	}
	if attr != "Ref" && !hasAttr(typ, attr) {
		return fmt.Errorf("%s has no attribute %s (it has %s)", typ, attr, strings.Join(typeInfos[typ].attrs, ", "))
	}
	return nil
}

// lastSegment returns what follows the last "/" of an ARN: the resource id.
// Anything that is not an ARN is returned as it is.
func lastSegment(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	return s[strings.LastIndexByte(s, '/')+1:]
}

func bindingString(b *lambda.Binding) string {
	switch b.Kind {
	case lambda.KindBuiltin:
		return "builtin:" + b.Builtin
	case lambda.KindHTTP:
		s := "http:" + b.Endpoint
		if b.FunctionName != "" {
			s += " (" + b.FunctionName + ")"
		}
		return s
	case lambda.KindCommand:
		return "command:" + strings.Join(b.Command, " ")
	}
	return string(b.Kind)
}

// Print writes the report for a person.
func (r *Result) Print(w io.Writer) {
	verb := map[string]string{OpCreate: "created", OpUpdate: "updated", OpUnchanged: "unchanged", OpNotCreated: "NOT CREATED"}
	if r.DryRun {
		verb = map[string]string{OpCreate: "would create", OpUpdate: "would update", OpUnchanged: "unchanged", OpNotCreated: "NOT CREATED"}
		fmt.Fprintf(w, "Dry run of stack %s on instance %s: nothing was changed.\n", r.StackName, r.InstanceID)
	} else {
		fmt.Fprintf(w, "Stack %s on instance %s\n", r.StackName, r.InstanceID)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if len(r.Actions) > 0 {
		fmt.Fprintln(w, "Resources:")
	}
	for _, a := range r.Actions {
		line := fmt.Sprintf("  %-13s %-40s %s", verb[a.Op], a.LogicalID, a.Type)
		if a.Adopted {
			line += " (found by name)"
		}
		if len(a.Changes) > 0 {
			line += " [" + strings.Join(a.Changes, ", ") + "]"
		}
		if a.Physical != "" {
			line += " " + a.Physical
		}
		fmt.Fprintln(w, line)
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w, "Skipped:")
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "  %-40s %s: %s\n", s.LogicalID, s.Type, s.Reason)
		}
	}
	for _, s := range r.Retained {
		fmt.Fprintf(w, "Retained: %s (%s) %s\n", s.LogicalID, s.Type, s.Reason)
	}
	for _, msg := range r.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", msg)
	}
	if len(r.Outputs) > 0 {
		fmt.Fprintln(w, "Outputs:")
		for _, o := range r.Outputs {
			line := "  " + o.Name + " = " + o.Value
			if o.Unavailable != "" {
				line = "  " + o.Name + " unavailable: " + o.Unavailable
			}
			if o.ExportName != "" {
				line += " (export " + o.ExportName + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
}
