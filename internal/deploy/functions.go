package deploy

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"

	"github.com/hotline-dev/hotline/internal/deploy/stacks"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// AWS::Serverless::Function and AWS::Lambda::Function become function
// bindings: Hotline runs no Lambda code, so the deploy is told what runs
// instead (--function), and binds the ARN the template's flows invoke.

type functionSpec struct {
	name, arn string
	binding   *lambda.Binding // the --function binding; nil keeps the server's
}

// functionName is Lambda's rule for a function name.
var functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func buildFunction(d *run, id string, p *props) spec {
	name := p.str("FunctionName")
	// Code, runtime, role, events...: nothing Hotline runs. Not reading
	// them also spares resolving references to skipped resources (Role).
	p.ignoreRest()
	if name == "" {
		// CloudFormation makes up a name from the stack and the logical id.
		name = d.opt.StackName + "-" + id
		if len(name) > 64 {
			name = name[:64]
		}
	}
	if !functionName.MatchString(name) {
		p.fail("%s.FunctionName %q is not a Lambda function name (letters, digits, - and _, at most 64)", p.path, name)
	}
	s := &functionSpec{name: name, arn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", d.inst.Region, d.inst.Account, name)}
	if b, ok := d.opt.Functions[id]; ok {
		b.FunctionArn = s.arn
		if b.Kind == lambda.KindHTTP && b.FunctionName == "" {
			// sam local start-lambda knows functions by logical id; a
			// FunctionName in the template is what a real account knows.
			b.FunctionName = id
			if n := p.str("FunctionName"); n != "" {
				b.FunctionName = n
			}
		}
		s.binding = &b
	}
	return s
}

func (s *functionSpec) apply(ctx context.Context, d *run, _ string, _ *stacks.Resource) (*stacks.Resource, Action, error) {
	sr := &stacks.Resource{PhysicalID: s.arn, Attributes: map[string]string{"Ref": s.name, "Arn": s.arn}}
	cur := d.bindings[s.arn]
	if s.binding == nil {
		// checkBindings made sure the server has one.
		return sr, Action{Op: OpUnchanged, Physical: s.arn + " → " + bindingString(cur)}, nil
	}
	act := Action{Op: OpCreate, Physical: s.arn + " → " + bindingString(s.binding)}
	if cur != nil {
		if sameBinding(cur, s.binding) {
			act.Op = OpUnchanged
			return sr, act, nil
		}
		act.Op, act.Changes = OpUpdate, []string{"binding (was " + bindingString(cur) + ")"}
	}
	if d.opt.DryRun {
		return sr, act, nil
	}
	if err := d.cfg.Hotline.Do(ctx, "PUT", "/_hotline/functions/"+url.PathEscape(s.arn), s.binding, nil); err != nil {
		return nil, Action{}, fmt.Errorf("binding %s: %w", s.arn, err)
	}
	return sr, act, nil
}

func sameBinding(a, b *lambda.Binding) bool {
	return a.Kind == b.Kind && a.Builtin == b.Builtin && a.Endpoint == b.Endpoint && a.FunctionName == b.FunctionName &&
		a.Region == b.Region && slices.Equal(a.Command, b.Command) && a.Dir == b.Dir && maps.Equal(a.Env, b.Env)
}

// AWS::DynamoDB::Table is the instance's configuration table: the one
// table the built-in lookup function reads, keyed like the seed's.

// configKeys is the key schema of a configuration table.
var configKeys = []KeyElement{{"Primary_Key", "HASH"}, {"Resource_Type", "RANGE"}}

type tableSpec struct {
	TableSpec
}

func buildTable(d *run, id string, p *props) spec {
	s := &tableSpec{TableSpec{LogicalID: id, InstanceID: d.inst.ID, TableName: p.str("TableName")}}
	for i, e := range p.list("KeySchema") {
		m, ok := e.(map[string]any)
		if !ok {
			p.fail("%s.KeySchema[%d] must be {AttributeName, KeyType}", p.path, i)
			continue
		}
		k := newProps(fmt.Sprintf("%s.KeySchema[%d]", p.path, i), m, nil)
		s.KeySchema = append(s.KeySchema, KeyElement{AttributeName: k.required("AttributeName"), KeyType: k.oneOf("KeyType", "", "HASH", "RANGE")})
		p.merge(k)
	}
	if st := p.object("StreamSpecification"); st != nil {
		s.Stream = true
		st.ignoreRest()
		p.merge(st)
	}
	// Billing, capacity, indexes, encryption: nothing a local table needs.
	p.ignoreRest()
	return s
}

func (s *tableSpec) apply(ctx context.Context, d *run, id string, _ *stacks.Resource) (*stacks.Resource, Action, error) {
	if !slices.Equal(s.KeySchema, configKeys) {
		d.warn("%s: an instance's configuration table is keyed by Primary_Key (HASH) and Resource_Type (RANGE); this table's KeySchema is %v, so its items will not fit", id, s.KeySchema)
	}
	attrs := func(info *TableInfo) *stacks.Resource {
		sr := &stacks.Resource{PhysicalID: info.Name, Attributes: map[string]string{"Ref": info.Name, "Arn": info.Arn}}
		if info.StreamArn != "" {
			sr.Attributes["StreamArn"] = info.StreamArn
		}
		return sr
	}
	if d.cfg.Tables == nil {
		// Ref and Fn::GetAtt still answer, with the names the table would
		// have, so that the rest of the template deploys.
		name := s.TableName
		if name == "" {
			name = d.opt.StackName + "-" + id
		}
		info := &TableInfo{Name: name, Arn: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", d.inst.Region, d.inst.Account, name)}
		if s.Stream {
			info.StreamArn = info.Arn + "/stream/1970-01-01T00:00:00.000"
		}
		d.warn("%s (AWS::DynamoDB::Table) was NOT set up: no configuration-table service is wired into this deploy, "+
			"so instance %s's configuration table was not touched and its items must be put there separately", id, d.inst.ID)
		return attrs(info), Action{Op: OpNotCreated, Physical: info.Arn}, nil
	}
	ts := s.TableSpec
	ts.DryRun = d.opt.DryRun
	info, err := d.cfg.Tables.EnsureTable(ctx, ts)
	if err != nil {
		return nil, Action{}, err
	}
	op := OpUnchanged
	if info.Created {
		op = OpCreate
	}
	return attrs(info), Action{Op: op, Physical: info.Arn}, nil
}
