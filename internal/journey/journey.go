// Package journey owns Hotline's core customer-journey flows: contact flows
// and flow modules, written in the flow language (flows/*.json), that run a
// data-driven journey from the configuration table (internal/flowconfig,
// seed 000): a welcome by dialled number, steering menus, queues with their
// hours, recording, analytics and whispers. Install creates them in an
// instance through the Amazon Connect API, as a user's own tools would;
// SetupDemo adds the demo department (queues, hours, a number, the table's
// items) that makes a fresh server answer a call. docs/journey.md explains
// the flows and every attribute they read.
package journey

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"
)

// The names of the core flows and modules in an instance.
const (
	// EntryFlow answers a dialled number: the flow to associate with it.
	EntryFlow = "Hotline_Journey_Entry"
	// RouteFlow follows a destination (queue, menu, flow, external number,
	// disconnect) and fails over to the working queue.
	RouteFlow = "Hotline_Journey_Route"
	// MenuFlow offers a steering menu.
	MenuFlow = "Hotline_Journey_Menu"
	// QueueFlow applies a queue's settings and hours and queues the contact.
	QueueFlow = "Hotline_Journey_Queue"
	// AgentWhisperFlow and CustomerWhisperFlow play a queue's whispers.
	AgentWhisperFlow    = "Hotline_Journey_AgentWhisper"
	CustomerWhisperFlow = "Hotline_Journey_CustomerWhisper"
	// RecordingModule sets recording and analytics from a queue's flags.
	RecordingModule = "Hotline_Journey_Recording"
)

// LookupPlaceholder is replaced in the flows by the lookup function's ARN;
// every other ${Name} by the ARN of the core flow or module so named.
const LookupPlaceholder = "LookupFunctionArn"

// component is one flow or module of the journey.
type component struct {
	name, file, description string
	flowType                string // "" for a module
}

// components in install order: modules first (flows invoke them), then the
// flows, which refer to one another.
var components = []component{
	{RecordingModule, "recording.json", "Sets recording, screen recording and analytics from the queue's Flag_Queue_* attributes", ""},
	{AgentWhisperFlow, "agent_whisper.json", "Plays the queue's Prompt_Queue_WhisperAgent to the agent", "AGENT_WHISPER"},
	{CustomerWhisperFlow, "customer_whisper.json", "Plays the queue's Prompt_Queue_WhisperCustomer to the customer", "CUSTOMER_WHISPER"},
	{EntryFlow, "entry.json", "Answers a dialled number from its DeliveryId item", "CONTACT_FLOW"},
	{RouteFlow, "route.json", "Follows the destination in Journey_Type and Journey_Value", "CONTACT_FLOW"},
	{MenuFlow, "menu.json", "Offers the steering menu named by Journey_Menu", "CONTACT_FLOW"},
	{QueueFlow, "queue.json", "Applies the working queue's Queue item and queues the contact", "CONTACT_FLOW"},
}

//go:embed flows/*.json
var flowFS embed.FS

// Content returns the content of a core flow or module, by name, with its
// ${...} placeholders as written.
func Content(name string) (string, error) {
	for _, c := range components {
		if c.name == name {
			b, err := flowFS.ReadFile("flows/" + c.file)
			return string(b), err
		}
	}
	return "", fmt.Errorf("journey: no core flow or module is named %q", name)
}

// Components returns the core flows and modules in install order, by name
// and flow type ("" for a module), not installed.
func Components() []Resource {
	out := make([]Resource, len(components))
	for i, c := range components {
		out[i] = Resource{Name: c.name, Type: c.flowType}
	}
	return out
}

// Resource is a flow or module of the journey as installed.
type Resource struct {
	Name string
	// Type is the flow type; "" for a module.
	Type    string
	ID, ARN string
	// Action is what Install did: created, updated or unchanged.
	Action string
}

// What Install did to a resource.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
)

// Installed is the outcome of Install.
type Installed struct {
	InstanceID string
	LookupARN  string
	// LookupAssociated says Install associated the lookup function with
	// the instance (false: it was associated already).
	LookupAssociated bool
	// Resources are the modules and flows, in install order.
	Resources []Resource
}

// Get returns the installed flow or module named name.
func (in *Installed) Get(name string) (Resource, bool) {
	for _, r := range in.Resources {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// Entry returns the entry flow, the one to associate with a number.
func (in *Installed) Entry() Resource {
	r, _ := in.Get(EntryFlow)
	return r
}

// stub is what a flow holds between its creation and its real content: the
// flows refer to one another's ARNs, which exist only once they do. It is
// saved, not published, so nothing can run it.
const stub = `{"Version":"2019-10-30","StartAction":"end","Actions":[{"Identifier":"end","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// Install creates or updates the core modules and flows in the instance
// through the Amazon Connect API, and associates the lookup function
// (lookupARN) with it so that the flows may invoke it. Resources are found
// by name: a second Install updates what changed and creates nothing.
func Install(ctx context.Context, api *connect.Client, instanceID, lookupARN string) (*Installed, error) {
	if instanceID == "" || lookupARN == "" {
		return nil, errors.New("journey: Install needs an instance and the lookup function's ARN")
	}
	out := &Installed{InstanceID: instanceID, LookupARN: lookupARN}
	_, err := api.AssociateLambdaFunction(ctx, &connect.AssociateLambdaFunctionInput{
		InstanceId: aws.String(instanceID), FunctionArn: aws.String(lookupARN)})
	switch {
	case err == nil:
		out.LookupAssociated = true
	case !isCode(err, "ResourceConflictException"):
		return nil, fmt.Errorf("associating the lookup function %s: %w", lookupARN, err)
	}

	modules, err := listModules(ctx, api, instanceID)
	if err != nil {
		return nil, err
	}
	flows, err := listFlows(ctx, api, instanceID)
	if err != nil {
		return nil, err
	}

	// Every flow exists before any content is written, so that each can
	// name the others' ARNs. Modules refer to nothing; they are created
	// below, before the flows that invoke them get their content.
	arns := map[string]string{LookupPlaceholder: lookupARN}
	for _, c := range components {
		r := Resource{Name: c.name, Type: c.flowType, Action: Unchanged}
		if c.flowType == "" {
			if m, ok := modules[c.name]; ok {
				r.ID, r.ARN = aws.ToString(m.Id), aws.ToString(m.Arn)
			}
		} else if f, ok := flows[c.name]; ok {
			if t := string(f.ContactFlowType); t != c.flowType {
				return nil, fmt.Errorf("instance %s has a flow named %s of type %s; the journey needs that name for a %s flow",
					instanceID, c.name, t, c.flowType)
			}
			r.ID, r.ARN = aws.ToString(f.Id), aws.ToString(f.Arn)
		} else {
			f, err := api.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
				InstanceId: aws.String(instanceID), Name: aws.String(c.name), Type: types.ContactFlowType(c.flowType),
				Description: aws.String(c.description), Content: aws.String(stub), Status: types.ContactFlowStatusSaved})
			if err != nil {
				return nil, fmt.Errorf("creating flow %s: %w", c.name, err)
			}
			r.ID, r.ARN, r.Action = aws.ToString(f.ContactFlowId), aws.ToString(f.ContactFlowArn), Created
		}
		if r.ARN != "" {
			arns[c.name] = r.ARN
		}
		out.Resources = append(out.Resources, r)
	}

	for i, c := range components {
		r := &out.Resources[i]
		raw, err := flowFS.ReadFile("flows/" + c.file)
		if err != nil {
			return nil, err
		}
		content, err := substitute(string(raw), arns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		// Installed compact, as the console exports flows: a flow's content
		// is read and hashed whenever a contact enters it.
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(content)); err != nil {
			return nil, fmt.Errorf("%s: %w", c.file, err)
		}
		content = compact.String()
		if c.flowType == "" {
			err = installModule(ctx, api, instanceID, c, content, r)
		} else {
			err = installFlow(ctx, api, instanceID, content, r)
		}
		if err != nil {
			return nil, err
		}
		arns[c.name] = r.ARN
	}
	return out, nil
}

// installModule creates the module, or updates its content when it differs.
func installModule(ctx context.Context, api *connect.Client, inst string, c component, content string, r *Resource) error {
	if r.ID == "" {
		m, err := api.CreateContactFlowModule(ctx, &connect.CreateContactFlowModuleInput{
			InstanceId: aws.String(inst), Name: aws.String(c.name), Description: aws.String(c.description),
			Content: aws.String(content)})
		if err != nil {
			return fmt.Errorf("creating flow module %s: %w", c.name, err)
		}
		r.ID, r.ARN, r.Action = aws.ToString(m.Id), aws.ToString(m.Arn), Created
		return nil
	}
	d, err := api.DescribeContactFlowModule(ctx, &connect.DescribeContactFlowModuleInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(r.ID)})
	if err != nil {
		return fmt.Errorf("reading flow module %s: %w", c.name, err)
	}
	if d.ContactFlowModule != nil && aws.ToString(d.ContactFlowModule.Content) == content {
		return nil
	}
	if _, err := api.UpdateContactFlowModuleContent(ctx, &connect.UpdateContactFlowModuleContentInput{
		InstanceId: aws.String(inst), ContactFlowModuleId: aws.String(r.ID), Content: aws.String(content)}); err != nil {
		return fmt.Errorf("updating flow module %s: %w", c.name, err)
	}
	r.Action = Updated
	return nil
}

// installFlow publishes the flow's content unless it is published already.
func installFlow(ctx context.Context, api *connect.Client, inst, content string, r *Resource) error {
	if r.Action != Created {
		d, err := api.DescribeContactFlow(ctx, &connect.DescribeContactFlowInput{
			InstanceId: aws.String(inst), ContactFlowId: aws.String(r.ID)})
		switch {
		case err == nil && d.ContactFlow != nil && aws.ToString(d.ContactFlow.Content) == content:
			return nil
		case err != nil && !isCode(err, "ContactFlowNotPublishedException"):
			return fmt.Errorf("reading flow %s: %w", r.Name, err)
		}
		r.Action = Updated
	}
	if _, err := api.UpdateContactFlowContent(ctx, &connect.UpdateContactFlowContentInput{
		InstanceId: aws.String(inst), ContactFlowId: aws.String(r.ID), Content: aws.String(content)}); err != nil {
		return fmt.Errorf("publishing flow %s: %w", r.Name, err)
	}
	return nil
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// substitute replaces every ${Name} with its value; a name with none is an
// error rather than a flow that fails at run time.
func substitute(content string, values map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(content, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for the placeholders %v", missing)
	}
	return out, nil
}

func listModules(ctx context.Context, api *connect.Client, inst string) (map[string]types.ContactFlowModuleSummary, error) {
	out := map[string]types.ContactFlowModuleSummary{}
	p := connect.NewListContactFlowModulesPaginator(api, &connect.ListContactFlowModulesInput{InstanceId: aws.String(inst)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the flow modules of instance %s: %w", inst, err)
		}
		for _, m := range page.ContactFlowModulesSummaryList {
			out[aws.ToString(m.Name)] = m
		}
	}
	return out, nil
}

func listFlows(ctx context.Context, api *connect.Client, inst string) (map[string]types.ContactFlowSummary, error) {
	out := map[string]types.ContactFlowSummary{}
	p := connect.NewListContactFlowsPaginator(api, &connect.ListContactFlowsInput{InstanceId: aws.String(inst)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the flows of instance %s: %w", inst, err)
		}
		for _, f := range page.ContactFlowSummaryList {
			out[aws.ToString(f.Name)] = f
		}
	}
	return out, nil
}

// isCode reports whether err is an AWS API error with that code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
