package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/deploy/stacks"
)

// change is one Update* call an update needs, named for the report.
type change struct {
	what string
	do   func(ctx context.Context) error
}

// finish records the changes in act and, unless this is a dry run, makes
// them.
func (d *run) finish(ctx context.Context, act *Action, changes []change) error {
	act.Op = OpUnchanged
	if len(changes) > 0 {
		act.Op = OpUpdate
	}
	for _, c := range changes {
		act.Changes = append(act.Changes, c.what)
	}
	if d.opt.DryRun {
		return nil
	}
	for _, c := range changes {
		if err := c.do(ctx); err != nil {
			return fmt.Errorf("updating %s: %w", c.what, err)
		}
	}
	return nil
}

// planned is what a resource a dry run would create answers to Ref and
// Fn::GetAtt: stand-ins, since it has no id yet.
func planned(id string, attrs ...string) *stacks.Resource {
	sr := &stacks.Resource{PhysicalID: "<new " + id + ">", Attributes: map[string]string{"Ref": "<new " + id + ">"}}
	for _, a := range attrs {
		sr.Attributes[a] = "<new " + id + "." + a + ">"
	}
	return sr
}

// arnResource is the state of a Connect resource whose Ref is its ARN.
func arnResource(id, arn string, attrs ...string) *stacks.Resource {
	sr := &stacks.Resource{PhysicalID: id, Attributes: map[string]string{"Ref": arn}}
	for _, a := range attrs {
		sr.Attributes[a] = arn
	}
	return sr
}

// locate finds the existing resource: the one the stack's state recorded,
// if it is still there, else the one with the template's name. describe
// loads a resource by id; adopted says the name found it.
func locate(prev *stacks.Resource, describe func(id string) error, byName func() (string, error)) (found, adopted bool, err error) {
	if prev != nil {
		err := describe(prev.PhysicalID)
		if err == nil {
			return true, false, nil
		}
		if !isNotFound(err) {
			return false, false, err
		}
	}
	id, err := byName()
	if err != nil || id == "" {
		return false, false, err
	}
	if err := describe(id); err != nil {
		return false, false, err
	}
	return true, true, nil
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// tagChanges brings a resource's tags to the template's; a template
// without Tags leaves them alone.
func (d *run) tagChanges(arn string, cur, want map[string]string, present bool) []change {
	if !present {
		return nil
	}
	add := map[string]string{}
	for k, v := range want {
		if old, ok := cur[k]; !ok || old != v {
			add[k] = v
		}
	}
	var remove []string
	for k := range cur {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	slices.Sort(remove)
	return []change{{"Tags", func(ctx context.Context) error {
		if len(add) > 0 {
			if _, err := d.cfg.Connect.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: add}); err != nil {
				return err
			}
		}
		if len(remove) > 0 {
			if _, err := d.cfg.Connect.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: &arn, TagKeys: remove}); err != nil {
				return err
			}
		}
		return nil
	}}}
}

// optional returns nil for "", so that an absent description stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// AWS::Connect::ContactFlow

type flowSpec struct {
	Instance, Name, Type, Content, Description, State string
	Tags                                              map[string]string
	HasTags                                           bool
}

func buildFlow(_ *run, _ string, p *props) spec {
	s := &flowSpec{
		Instance:    lastSegment(p.required("InstanceArn")),
		Name:        p.required("Name"),
		Content:     p.required("Content"),
		Description: p.str("Description"),
		State:       p.oneOf("State", "ACTIVE", "ACTIVE", "ARCHIVED"),
	}
	flowTypes := enumStrings(types.ContactFlowType("").Values())
	if s.Type = p.required("Type"); s.Type != "" && !slices.Contains(flowTypes, s.Type) {
		p.fail("%s.Type %q must be one of %s", p.path, s.Type, strings.Join(flowTypes, ", "))
	}
	s.Tags, s.HasTags = p.tags()
	return s
}

func (s *flowSpec) createInput() *connect.CreateContactFlowInput {
	return &connect.CreateContactFlowInput{
		InstanceId: &s.Instance, Name: &s.Name, Type: types.ContactFlowType(s.Type), Content: &s.Content,
		Description: optional(s.Description), Tags: s.Tags,
	}
}

func (s *flowSpec) apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	var cur *types.ContactFlow
	describe := func(fid string) error {
		out, err := c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: &s.Instance, ContactFlowId: &fid})
		var draftOnly *types.ContactFlowNotPublishedException
		if errors.As(err, &draftOnly) {
			// A flow only ever saved: its content differs from any the
			// template has, so the update publishes the template's.
			out, err = c.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{InstanceId: &s.Instance, ContactFlowId: aws.String(fid + ":$SAVED")})
			if err == nil {
				out.ContactFlow.Content = nil
			}
		}
		if err != nil {
			return err
		}
		cur = out.ContactFlow
		return nil
	}
	found, adopted, err := locate(prev, describe, func() (string, error) { return d.flowByName(ctx, s.Instance, s.Name) })
	if err != nil {
		return nil, Action{}, err
	}
	if !found {
		if d.opt.DryRun {
			return planned(id, "ContactFlowArn"), Action{Op: OpCreate}, nil
		}
		out, err := c.CreateContactFlow(ctx, s.createInput())
		if err != nil {
			return nil, Action{}, err
		}
		fid, arn := aws.ToString(out.ContactFlowId), aws.ToString(out.ContactFlowArn)
		if s.State != "ACTIVE" {
			// CreateContactFlow has no state; archiving is an update.
			if _, err := c.UpdateContactFlowMetadata(ctx, &connect.UpdateContactFlowMetadataInput{
				InstanceId: &s.Instance, ContactFlowId: &fid, ContactFlowState: types.ContactFlowState(s.State),
			}); err != nil {
				return nil, Action{}, err
			}
		}
		return arnResource(fid, arn, "ContactFlowArn"), Action{Op: OpCreate, Physical: arn}, nil
	}
	fid, arn := aws.ToString(cur.Id), aws.ToString(cur.Arn)
	if string(cur.Type) != s.Type {
		return nil, Action{}, fmt.Errorf("flow %s (%s) is of type %s and the template says %s: CloudFormation would replace it, which hotline deploy does not do; delete the flow or give the resource another Name",
			s.Name, fid, cur.Type, s.Type)
	}
	var changes []change
	if aws.ToString(cur.Content) != s.Content {
		changes = append(changes, change{"Content", func(ctx context.Context) error {
			_, err := c.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{InstanceId: &s.Instance, ContactFlowId: &fid, Content: &s.Content})
			return err
		}})
	}
	var meta []string
	if aws.ToString(cur.Name) != s.Name {
		meta = append(meta, "Name")
	}
	if aws.ToString(cur.Description) != s.Description {
		meta = append(meta, "Description")
	}
	if string(cur.State) != s.State {
		meta = append(meta, "State")
	}
	if len(meta) > 0 {
		changes = append(changes, change{strings.Join(meta, ", "), func(ctx context.Context) error {
			_, err := c.UpdateContactFlowMetadata(ctx, &connect.UpdateContactFlowMetadataInput{
				InstanceId: &s.Instance, ContactFlowId: &fid, Name: &s.Name, Description: &s.Description,
				ContactFlowState: types.ContactFlowState(s.State),
			})
			return err
		}})
	}
	changes = append(changes, d.tagChanges(arn, cur.Tags, s.Tags, s.HasTags)...)
	act := Action{Adopted: adopted, Physical: arn}
	if err := d.finish(ctx, &act, changes); err != nil {
		return nil, Action{}, err
	}
	return arnResource(fid, arn, "ContactFlowArn"), act, nil
}

func (d *run) flowByName(ctx context.Context, inst, name string) (string, error) {
	return idByName(ctx, connect.NewListContactFlowsPaginator(d.cfg.Connect, &connect.ListContactFlowsInput{InstanceId: &inst}),
		func(o *connect.ListContactFlowsOutput) []types.ContactFlowSummary { return o.ContactFlowSummaryList },
		func(f types.ContactFlowSummary) (*string, *string) { return f.Name, f.Id }, name)
}

// AWS::Connect::ContactFlowModule

type moduleSpec struct {
	Instance, Name, Content, Description, State string
	Settings                                    *string
	ExternalInvocation                          *bool
	Tags                                        map[string]string
	HasTags                                     bool
}

func buildModule(_ *run, _ string, p *props) spec {
	s := &moduleSpec{
		Instance:    lastSegment(p.required("InstanceArn")),
		Name:        p.required("Name"),
		Content:     p.required("Content"),
		Description: p.str("Description"),
		State:       p.oneOf("State", "ACTIVE", "ACTIVE", "ARCHIVED"),
		Settings:    p.jsonString("Settings"),
	}
	if ext := p.object("ExternalInvocationConfiguration"); ext != nil {
		s.ExternalInvocation = ext.boolean("Enabled")
		p.merge(ext)
	}
	s.Tags, s.HasTags = p.tags()
	return s
}

func (s *moduleSpec) createInput() *connect.CreateContactFlowModuleInput {
	in := &connect.CreateContactFlowModuleInput{
		InstanceId: &s.Instance, Name: &s.Name, Content: &s.Content, Description: optional(s.Description),
		Settings: s.Settings, Tags: s.Tags,
	}
	if s.ExternalInvocation != nil {
		in.ExternalInvocationConfiguration = &types.ExternalInvocationConfiguration{Enabled: *s.ExternalInvocation}
	}
	return in
}

func (s *moduleSpec) apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	var cur *types.ContactFlowModule
	describe := func(mid string) error {
		out, err := c.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{InstanceId: &s.Instance, ContactFlowModuleId: &mid})
		if err != nil {
			return err
		}
		cur = out.ContactFlowModule
		return nil
	}
	found, adopted, err := locate(prev, describe, func() (string, error) { return d.moduleByName(ctx, s.Instance, s.Name) })
	if err != nil {
		return nil, Action{}, err
	}
	attrs := func(mid, arn string) *stacks.Resource {
		sr := arnResource(mid, arn, "ContactFlowModuleArn")
		sr.Attributes["Status"] = string(types.ContactFlowModuleStatusPublished)
		return sr
	}
	if !found {
		if d.opt.DryRun {
			return planned(id, "ContactFlowModuleArn", "Status"), Action{Op: OpCreate}, nil
		}
		out, err := c.CreateContactFlowModule(ctx, s.createInput())
		if err != nil {
			return nil, Action{}, err
		}
		mid, arn := aws.ToString(out.Id), aws.ToString(out.Arn)
		if s.State != "ACTIVE" {
			if _, err := c.UpdateContactFlowModuleMetadata(ctx, &connect.UpdateContactFlowModuleMetadataInput{
				InstanceId: &s.Instance, ContactFlowModuleId: &mid, State: types.ContactFlowModuleState(s.State),
			}); err != nil {
				return nil, Action{}, err
			}
		}
		return attrs(mid, arn), Action{Op: OpCreate, Physical: arn}, nil
	}
	mid, arn := aws.ToString(cur.Id), aws.ToString(cur.Arn)
	var changes []change
	var content []string
	if aws.ToString(cur.Content) != s.Content {
		content = append(content, "Content")
	}
	if s.Settings != nil && aws.ToString(cur.Settings) != *s.Settings {
		content = append(content, "Settings")
	}
	if len(content) > 0 {
		changes = append(changes, change{strings.Join(content, ", "), func(ctx context.Context) error {
			_, err := c.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
				InstanceId: &s.Instance, ContactFlowModuleId: &mid, Content: &s.Content, Settings: s.Settings,
			})
			return err
		}})
	}
	var meta []string
	if aws.ToString(cur.Name) != s.Name {
		meta = append(meta, "Name")
	}
	if aws.ToString(cur.Description) != s.Description {
		meta = append(meta, "Description")
	}
	if string(cur.State) != s.State {
		meta = append(meta, "State")
	}
	if len(meta) > 0 {
		changes = append(changes, change{strings.Join(meta, ", "), func(ctx context.Context) error {
			_, err := c.UpdateContactFlowModuleMetadata(ctx, &connect.UpdateContactFlowModuleMetadataInput{
				InstanceId: &s.Instance, ContactFlowModuleId: &mid, Name: &s.Name, Description: &s.Description,
				State: types.ContactFlowModuleState(s.State),
			})
			return err
		}})
	}
	if s.ExternalInvocation != nil {
		have := cur.ExternalInvocationConfiguration != nil && cur.ExternalInvocationConfiguration.Enabled
		if have != *s.ExternalInvocation {
			d.warn("%s: ExternalInvocationConfiguration cannot be changed on an existing flow module (the Connect API has no update for it); module %s keeps Enabled=%t", id, mid, have)
		}
	}
	changes = append(changes, d.tagChanges(arn, cur.Tags, s.Tags, s.HasTags)...)
	act := Action{Adopted: adopted, Physical: arn}
	if err := d.finish(ctx, &act, changes); err != nil {
		return nil, Action{}, err
	}
	return attrs(mid, arn), act, nil
}

func (d *run) moduleByName(ctx context.Context, inst, name string) (string, error) {
	return idByName(ctx, connect.NewListContactFlowModulesPaginator(d.cfg.Connect, &connect.ListContactFlowModulesInput{InstanceId: &inst}),
		func(o *connect.ListContactFlowModulesOutput) []types.ContactFlowModuleSummary {
			return o.ContactFlowModulesSummaryList
		},
		func(m types.ContactFlowModuleSummary) (*string, *string) { return m.Name, m.Id }, name)
}

// AWS::Connect::HoursOfOperation

type hoursSpec struct {
	Instance, Name, Description, TimeZone string
	Config                                []types.HoursOfOperationConfig
	Tags                                  map[string]string
	HasTags                               bool
}

func buildHours(_ *run, _ string, p *props) spec {
	s := &hoursSpec{
		Instance:    lastSegment(p.required("InstanceArn")),
		Name:        p.required("Name"),
		TimeZone:    p.required("TimeZone"),
		Description: p.str("Description"),
	}
	p.unsupported("Hotline has no hours-of-operation overrides or hierarchies in deploy yet",
		"HoursOfOperationOverrides", "ChildHoursOfOperations", "ParentHoursOfOperations")
	days := enumStrings(types.HoursOfOperationDays("").Values())
	for i, e := range p.list("Config") {
		m, ok := e.(map[string]any)
		if !ok {
			p.fail("%s.Config[%d] must be {Day, StartTime, EndTime}", p.path, i)
			continue
		}
		cp := newProps(fmt.Sprintf("%s.Config[%d]", p.path, i), m, nil)
		cfg := types.HoursOfOperationConfig{Day: types.HoursOfOperationDays(cp.required("Day"))}
		if cfg.Day != "" && !slices.Contains(days, string(cfg.Day)) {
			cp.fail("%s.Day %q must be one of %s", cp.path, cfg.Day, strings.Join(days, ", "))
		}
		cfg.StartTime, cfg.EndTime = timeSlice(cp, "StartTime"), timeSlice(cp, "EndTime")
		p.merge(cp)
		s.Config = append(s.Config, cfg)
	}
	if _, ok := p.m["Config"]; !ok {
		p.fail("%s.Config is required", p.path)
	}
	s.Tags, s.HasTags = p.tags()
	return s
}

func timeSlice(p *props, name string) *types.HoursOfOperationTimeSlice {
	o := p.object(name)
	if o == nil {
		p.fail("%s.%s is required", p.path, name)
		return nil
	}
	t := &types.HoursOfOperationTimeSlice{Hours: o.int32("Hours", 0, 23), Minutes: o.int32("Minutes", 0, 59)}
	if t.Hours == nil || t.Minutes == nil {
		o.fail("%s needs Hours and Minutes", o.path)
	}
	p.merge(o)
	return t
}

// configKey is a schedule in a form that compares equal however its slots
// are ordered.
func configKey(cfg []types.HoursOfOperationConfig) string {
	slots := make([]string, 0, len(cfg))
	at := func(t *types.HoursOfOperationTimeSlice) string {
		if t == nil {
			return "--:--"
		}
		return fmt.Sprintf("%02d:%02d", aws.ToInt32(t.Hours), aws.ToInt32(t.Minutes))
	}
	for _, c := range cfg {
		slots = append(slots, fmt.Sprintf("%s %s-%s", c.Day, at(c.StartTime), at(c.EndTime)))
	}
	slices.Sort(slots)
	return strings.Join(slots, "; ")
}

func (s *hoursSpec) createInput() *connect.CreateHoursOfOperationInput {
	return &connect.CreateHoursOfOperationInput{
		InstanceId: &s.Instance, Name: &s.Name, TimeZone: &s.TimeZone, Config: s.Config,
		Description: optional(s.Description), Tags: s.Tags,
	}
}

func (s *hoursSpec) apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	var cur *types.HoursOfOperation
	describe := func(hid string) error {
		out, err := c.DescribeHoursOfOperation(ctx, &connect.DescribeHoursOfOperationInput{InstanceId: &s.Instance, HoursOfOperationId: &hid})
		if err != nil {
			return err
		}
		cur = out.HoursOfOperation
		return nil
	}
	found, adopted, err := locate(prev, describe, func() (string, error) { return d.hoursByName(ctx, s.Instance, s.Name) })
	if err != nil {
		return nil, Action{}, err
	}
	if !found {
		if d.opt.DryRun {
			return planned(id, "HoursOfOperationArn"), Action{Op: OpCreate}, nil
		}
		out, err := c.CreateHoursOfOperation(ctx, s.createInput())
		if err != nil {
			return nil, Action{}, err
		}
		arn := aws.ToString(out.HoursOfOperationArn)
		return arnResource(aws.ToString(out.HoursOfOperationId), arn, "HoursOfOperationArn"), Action{Op: OpCreate, Physical: arn}, nil
	}
	hid, arn := aws.ToString(cur.HoursOfOperationId), aws.ToString(cur.HoursOfOperationArn)
	var what []string
	if aws.ToString(cur.Name) != s.Name {
		what = append(what, "Name")
	}
	if aws.ToString(cur.Description) != s.Description {
		what = append(what, "Description")
	}
	if aws.ToString(cur.TimeZone) != s.TimeZone {
		what = append(what, "TimeZone")
	}
	if configKey(cur.Config) != configKey(s.Config) {
		what = append(what, "Config")
	}
	var changes []change
	if len(what) > 0 {
		changes = append(changes, change{strings.Join(what, ", "), func(ctx context.Context) error {
			_, err := c.UpdateHoursOfOperation(ctx, &connect.UpdateHoursOfOperationInput{
				InstanceId: &s.Instance, HoursOfOperationId: &hid, Name: &s.Name, Description: &s.Description,
				TimeZone: &s.TimeZone, Config: s.Config,
			})
			return err
		}})
	}
	changes = append(changes, d.tagChanges(arn, cur.Tags, s.Tags, s.HasTags)...)
	act := Action{Adopted: adopted, Physical: arn}
	if err := d.finish(ctx, &act, changes); err != nil {
		return nil, Action{}, err
	}
	return arnResource(hid, arn, "HoursOfOperationArn"), act, nil
}

func (d *run) hoursByName(ctx context.Context, inst, name string) (string, error) {
	return idByName(ctx, connect.NewListHoursOfOperationsPaginator(d.cfg.Connect, &connect.ListHoursOfOperationsInput{InstanceId: &inst}),
		func(o *connect.ListHoursOfOperationsOutput) []types.HoursOfOperationSummary {
			return o.HoursOfOperationSummaryList
		},
		func(h types.HoursOfOperationSummary) (*string, *string) { return h.Name, h.Id }, name)
}

// AWS::Connect::Queue

type queueSpec struct {
	Instance, Name, Description string
	// Hours, and the ids in Outbound, are resource ids: the template gives
	// ARNs, the queue API takes and describes ids.
	Hours       string
	MaxContacts *int32
	Outbound    *types.OutboundCallerConfig
	Status      string
	Tags        map[string]string
	HasTags     bool
}

func buildQueue(_ *run, _ string, p *props) spec {
	s := &queueSpec{
		Instance:    lastSegment(p.required("InstanceArn")),
		Name:        p.required("Name"),
		Hours:       lastSegment(p.required("HoursOfOperationArn")),
		Description: p.str("Description"),
		MaxContacts: p.int32("MaxContacts", 0, 1<<31-1),
		Status:      p.oneOf("Status", "ENABLED", enumStrings(types.QueueStatus("").Values())...),
	}
	p.unsupported("Hotline has no quick connects or email channel yet", "QuickConnectArns", "OutboundEmailConfig", "AdditionalEmailAddresses")
	if o := p.object("OutboundCallerConfig"); o != nil {
		s.Outbound = &types.OutboundCallerConfig{OutboundCallerIdName: o.optStr("OutboundCallerIdName")}
		if v := o.str("OutboundCallerIdNumberArn"); v != "" {
			s.Outbound.OutboundCallerIdNumberId = aws.String(lastSegment(v))
		}
		if v := o.str("OutboundFlowArn"); v != "" {
			s.Outbound.OutboundFlowId = aws.String(lastSegment(v))
		}
		p.merge(o)
	}
	s.Tags, s.HasTags = p.tags()
	return s
}

func (s *queueSpec) createInput() *connect.CreateQueueInput {
	return &connect.CreateQueueInput{
		InstanceId: &s.Instance, Name: &s.Name, HoursOfOperationId: &s.Hours, Description: optional(s.Description),
		MaxContacts: s.MaxContacts, OutboundCallerConfig: s.Outbound, Tags: s.Tags,
	}
}

func sameOutbound(a, b *types.OutboundCallerConfig) bool {
	if a == nil {
		a = &types.OutboundCallerConfig{}
	}
	if b == nil {
		b = &types.OutboundCallerConfig{}
	}
	return aws.ToString(a.OutboundCallerIdName) == aws.ToString(b.OutboundCallerIdName) &&
		aws.ToString(a.OutboundCallerIdNumberId) == aws.ToString(b.OutboundCallerIdNumberId) &&
		aws.ToString(a.OutboundFlowId) == aws.ToString(b.OutboundFlowId)
}

func (s *queueSpec) apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	var cur *types.Queue
	describe := func(qid string) error {
		out, err := c.DescribeQueue(ctx, &connect.DescribeQueueInput{InstanceId: &s.Instance, QueueId: &qid})
		if err != nil {
			return err
		}
		cur = out.Queue
		return nil
	}
	found, adopted, err := locate(prev, describe, func() (string, error) { return d.queueByName(ctx, s.Instance, s.Name) })
	if err != nil {
		return nil, Action{}, err
	}
	attrs := func(qid, arn string) *stacks.Resource {
		sr := arnResource(qid, arn, "QueueArn")
		sr.Attributes["Type"] = string(types.QueueTypeStandard)
		return sr
	}
	if !found {
		if d.opt.DryRun {
			return planned(id, "QueueArn", "Type"), Action{Op: OpCreate}, nil
		}
		out, err := c.CreateQueue(ctx, s.createInput())
		if err != nil {
			return nil, Action{}, err
		}
		qid, arn := aws.ToString(out.QueueId), aws.ToString(out.QueueArn)
		if s.Status != string(types.QueueStatusEnabled) {
			// CreateQueue has no status: a new queue is enabled.
			if _, err := c.UpdateQueueStatus(ctx, &connect.UpdateQueueStatusInput{InstanceId: &s.Instance, QueueId: &qid, Status: types.QueueStatus(s.Status)}); err != nil {
				return nil, Action{}, err
			}
		}
		return attrs(qid, arn), Action{Op: OpCreate, Physical: arn}, nil
	}
	qid, arn := aws.ToString(cur.QueueId), aws.ToString(cur.QueueArn)
	var changes []change
	var naming []string
	if aws.ToString(cur.Name) != s.Name {
		naming = append(naming, "Name")
	}
	if aws.ToString(cur.Description) != s.Description {
		naming = append(naming, "Description")
	}
	if len(naming) > 0 {
		changes = append(changes, change{strings.Join(naming, ", "), func(ctx context.Context) error {
			_, err := c.UpdateQueueName(ctx, &connect.UpdateQueueNameInput{InstanceId: &s.Instance, QueueId: &qid, Name: &s.Name, Description: &s.Description})
			return err
		}})
	}
	if aws.ToString(cur.HoursOfOperationId) != s.Hours {
		changes = append(changes, change{"HoursOfOperationArn", func(ctx context.Context) error {
			_, err := c.UpdateQueueHoursOfOperation(ctx, &connect.UpdateQueueHoursOfOperationInput{InstanceId: &s.Instance, QueueId: &qid, HoursOfOperationId: &s.Hours})
			return err
		}})
	}
	if !equalInt32(cur.MaxContacts, s.MaxContacts) {
		changes = append(changes, change{"MaxContacts", func(ctx context.Context) error {
			_, err := c.UpdateQueueMaxContacts(ctx, &connect.UpdateQueueMaxContactsInput{InstanceId: &s.Instance, QueueId: &qid, MaxContacts: s.MaxContacts})
			return err
		}})
	}
	if !sameOutbound(cur.OutboundCallerConfig, s.Outbound) {
		changes = append(changes, change{"OutboundCallerConfig", func(ctx context.Context) error {
			cfg := s.Outbound
			if cfg == nil {
				cfg = &types.OutboundCallerConfig{} // the template has none: clear it
			}
			_, err := c.UpdateQueueOutboundCallerConfig(ctx, &connect.UpdateQueueOutboundCallerConfigInput{InstanceId: &s.Instance, QueueId: &qid, OutboundCallerConfig: cfg})
			return err
		}})
	}
	if string(cur.Status) != s.Status {
		changes = append(changes, change{"Status", func(ctx context.Context) error {
			_, err := c.UpdateQueueStatus(ctx, &connect.UpdateQueueStatusInput{InstanceId: &s.Instance, QueueId: &qid, Status: types.QueueStatus(s.Status)})
			return err
		}})
	}
	changes = append(changes, d.tagChanges(arn, cur.Tags, s.Tags, s.HasTags)...)
	act := Action{Adopted: adopted, Physical: arn}
	if err := d.finish(ctx, &act, changes); err != nil {
		return nil, Action{}, err
	}
	return attrs(qid, arn), act, nil
}

func equalInt32(a, b *int32) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func (d *run) queueByName(ctx context.Context, inst, name string) (string, error) {
	return idByName(ctx, connect.NewListQueuesPaginator(d.cfg.Connect, &connect.ListQueuesInput{InstanceId: &inst}),
		func(o *connect.ListQueuesOutput) []types.QueueSummary { return o.QueueSummaryList },
		func(q types.QueueSummary) (*string, *string) { return q.Name, q.Id }, name)
}

// AWS::Connect::IntegrationAssociation

type associationSpec struct {
	Instance, FunctionArn string
}

// integrationTypes are the IntegrationType values CloudFormation accepts;
// only LAMBDA_FUNCTION has a Hotline counterpart.
var integrationTypes = []string{"APPLICATION", "LAMBDA_FUNCTION", "LEX_BOT"}

func buildAssociation(_ *run, _ string, p *props) spec {
	s := &associationSpec{
		Instance:    lastSegment(p.required("InstanceId")),
		FunctionArn: p.required("IntegrationArn"),
	}
	if typ := p.required("IntegrationType"); typ != "" && typ != "LAMBDA_FUNCTION" {
		if slices.Contains(integrationTypes, typ) {
			p.fail("%s.IntegrationType %s is not supported by hotline deploy: only LAMBDA_FUNCTION (AssociateLambdaFunction) is", p.path, typ)
		} else {
			p.fail("%s.IntegrationType %q must be one of %s", p.path, typ, strings.Join(integrationTypes, ", "))
		}
	}
	return s
}

// associationID stands for the IntegrationAssociationId: Lambda
// associations have no id in the Connect API, so it is derived from what
// identifies one, the instance and the function.
func associationID(inst, arn string) string {
	sum := sha256.Sum256([]byte(inst + "\n" + arn))
	return "lambda-" + hex.EncodeToString(sum[:8])
}

func (s *associationSpec) apply(ctx context.Context, d *run, _ string, _ *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	aid := associationID(s.Instance, s.FunctionArn)
	sr := &stacks.Resource{PhysicalID: aid, Attributes: map[string]string{"Ref": aid, "IntegrationAssociationId": aid}}
	act := Action{Op: OpUnchanged, Physical: s.FunctionArn}
	p := connect.NewListLambdaFunctionsPaginator(c, &connect.ListLambdaFunctionsInput{InstanceId: &s.Instance})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Action{}, err
		}
		if slices.Contains(page.LambdaFunctions, s.FunctionArn) {
			return sr, act, nil
		}
	}
	act.Op = OpCreate
	if d.opt.DryRun {
		return sr, act, nil
	}
	if _, err := c.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{InstanceId: &s.Instance, FunctionArn: &s.FunctionArn}); err != nil {
		return nil, Action{}, err
	}
	return sr, act, nil
}

// pager is what every SDK list paginator offers.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*connect.Options)) (O, error)
}

// idByName walks a listing and returns the id of the item called name, or
// "" when there is none: a second deploy finds by name what the stack
// state does not know.
func idByName[O, S any](ctx context.Context, p pager[O], items func(O) []S, nameID func(S) (name, id *string), name string) (string, error) {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, it := range items(page) {
			if n, id := nameID(it); aws.ToString(n) == name {
				return aws.ToString(id), nil
			}
		}
	}
	return "", nil
}
