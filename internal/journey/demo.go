package journey

import (
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/flowconfig"
)

// The demo department, Harbour Bikes: its items are flowconfig.DemoItems;
// the resources they name are created here.
const (
	// DemoNumber is the demo's dialled number, claimed to the instance and
	// answered by the entry flow.
	DemoNumber = "+442079460100"
	// DemoInformationFlow is the flow the demo's menus and out-of-hours
	// rules send a contact to.
	DemoInformationFlow = "HarbourBikes_Information"
	// DemoOfficeHours is open Monday to Saturday 08:00–18:00 in London and
	// closed at night and on Sundays: the demo's out of hours.
	DemoOfficeHours = "HarbourBikes_OfficeHours"
	// DemoAlwaysOpen is open around the clock.
	DemoAlwaysOpen = "HarbourBikes_AlwaysOpen"
	// DemoTimeZone is the time zone of both sets of hours.
	DemoTimeZone = "Europe/London"
)

// DemoQueues are the demo's queues and the hours each keeps. The default
// queue never closes, so that a caller sent to it out of hours is queued.
var DemoQueues = []struct{ Name, Hours string }{
	{"HarbourBikes_Default", DemoAlwaysOpen},
	{"HarbourBikes_Sales", DemoOfficeHours},
	{"HarbourBikes_Sales_Online", DemoOfficeHours},
	{"HarbourBikes_Sales_Store", DemoOfficeHours},
	{"HarbourBikes_Service", DemoOfficeHours},
	{"HarbourBikes_Service_Repairs", DemoOfficeHours},
}

//go:embed demo/HarbourBikes_Information.json
var informationFlow string

// Table is where SetupDemo imports the demo's items: the server's
// configuration table (*flowconfig.Service).
type Table interface {
	Import(ctx context.Context, instance string, items []flowconfig.Item, force bool) (*flowconfig.Result, error)
}

// Demo is what SetupDemo set up.
type Demo struct {
	*Installed
	// PhoneNumberID is the claimed DemoNumber.
	PhoneNumberID string
	// Queues and Hours are the ids of the demo's queues and hours, by name.
	Queues, Hours map[string]string
	// InformationFlowID is the id of DemoInformationFlow.
	InformationFlowID string
	// Items is how many configuration items were imported.
	Items int
}

// SetupDemo makes the instance answer DemoNumber with the demo journey: it
// installs the core flows (Install), creates the demo's hours, queues and
// information flow where the instance has none of those names, claims the
// number if needed and associates it with the entry flow, and imports the
// demo items into the configuration table, replacing any with the same keys.
// Everything but the items goes through the Amazon Connect API, as a user's
// tools would; run again, it creates nothing new and restores the items.
func SetupDemo(ctx context.Context, api *connect.Client, table Table, instanceID, lookupARN string) (*Demo, error) {
	in, err := Install(ctx, api, instanceID, lookupARN)
	if err != nil {
		return nil, err
	}
	d := &Demo{Installed: in, Queues: map[string]string{}, Hours: map[string]string{}}
	if err := d.hours(ctx, api); err != nil {
		return nil, err
	}
	if err := d.queues(ctx, api); err != nil {
		return nil, err
	}
	if err := d.information(ctx, api); err != nil {
		return nil, err
	}
	if err := d.number(ctx, api); err != nil {
		return nil, err
	}
	items, err := flowconfig.DemoItems()
	if err != nil {
		return nil, err
	}
	res, err := table.Import(ctx, instanceID, items, false)
	if err != nil {
		return nil, fmt.Errorf("importing the demo items: %w", err)
	}
	d.Items = res.Imported
	return d, nil
}

func (d *Demo) hours(ctx context.Context, api *connect.Client) error {
	p := connect.NewListHoursOfOperationsPaginator(api, &connect.ListHoursOfOperationsInput{InstanceId: aws.String(d.InstanceID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing hours of operation: %w", err)
		}
		for _, h := range page.HoursOfOperationSummaryList {
			d.Hours[aws.ToString(h.Name)] = aws.ToString(h.Id)
		}
	}
	slot := func(day types.HoursOfOperationDays, from, to int32) types.HoursOfOperationConfig {
		return types.HoursOfOperationConfig{Day: day,
			StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(from), Minutes: aws.Int32(0)},
			EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(to), Minutes: aws.Int32(0)}}
	}
	var office, always []types.HoursOfOperationConfig
	for _, day := range types.HoursOfOperationDays("").Values() {
		// 00:00 to 00:00 is the whole day.
		always = append(always, slot(day, 0, 0))
		if day != types.HoursOfOperationDaysSunday {
			office = append(office, slot(day, 8, 18))
		}
	}
	for _, h := range []struct {
		name, description string
		config            []types.HoursOfOperationConfig
	}{
		{DemoOfficeHours, "Harbour Bikes: Monday to Saturday, 8am to 6pm", office},
		{DemoAlwaysOpen, "Harbour Bikes: around the clock", always},
	} {
		if d.Hours[h.name] != "" {
			continue
		}
		out, err := api.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
			InstanceId: aws.String(d.InstanceID), Name: aws.String(h.name), Description: aws.String(h.description),
			TimeZone: aws.String(DemoTimeZone), Config: h.config})
		if err != nil {
			return fmt.Errorf("creating hours of operation %s: %w", h.name, err)
		}
		d.Hours[h.name] = aws.ToString(out.HoursOfOperationId)
	}
	return nil
}

func (d *Demo) queues(ctx context.Context, api *connect.Client) error {
	existing := map[string]string{}
	p := connect.NewListQueuesPaginator(api, &connect.ListQueuesInput{InstanceId: aws.String(d.InstanceID),
		QueueTypes: []types.QueueType{types.QueueTypeStandard}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing queues: %w", err)
		}
		for _, q := range page.QueueSummaryList {
			existing[aws.ToString(q.Name)] = aws.ToString(q.Id)
		}
	}
	for _, q := range DemoQueues {
		if id := existing[q.Name]; id != "" {
			d.Queues[q.Name] = id
			continue
		}
		out, err := api.CreateQueue(ctx, &connect.CreateQueueInput{InstanceId: aws.String(d.InstanceID),
			Name: aws.String(q.Name), HoursOfOperationId: aws.String(d.Hours[q.Hours]),
			Description: aws.String("Harbour Bikes demo queue")})
		if err != nil {
			return fmt.Errorf("creating queue %s: %w", q.Name, err)
		}
		d.Queues[q.Name] = aws.ToString(out.QueueId)
	}
	return nil
}

func (d *Demo) information(ctx context.Context, api *connect.Client) error {
	flows, err := listFlows(ctx, api, d.InstanceID)
	if err != nil {
		return err
	}
	if f, ok := flows[DemoInformationFlow]; ok {
		d.InformationFlowID = aws.ToString(f.Id)
		return nil
	}
	out, err := api.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: aws.String(d.InstanceID),
		Name: aws.String(DemoInformationFlow), Type: types.ContactFlowTypeContactFlow,
		Description: aws.String("Harbour Bikes: where we are and when we are open"), Content: aws.String(informationFlow)})
	if err != nil {
		return fmt.Errorf("creating flow %s: %w", DemoInformationFlow, err)
	}
	d.InformationFlowID = aws.ToString(out.ContactFlowId)
	return nil
}

// number claims DemoNumber unless the instance has it, and routes it to the
// entry flow.
func (d *Demo) number(ctx context.Context, api *connect.Client) error {
	// A prefix is at most 11 digits long.
	p := connect.NewListPhoneNumbersV2Paginator(api, &connect.ListPhoneNumbersV2Input{InstanceId: aws.String(d.InstanceID),
		PhoneNumberPrefix: aws.String(DemoNumber[:12])})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing phone numbers: %w", err)
		}
		for _, n := range page.ListPhoneNumbersSummaryList {
			if aws.ToString(n.PhoneNumber) == DemoNumber {
				d.PhoneNumberID = aws.ToString(n.PhoneNumberId)
			}
		}
	}
	if d.PhoneNumberID == "" {
		out, err := api.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(d.InstanceID),
			PhoneNumber: aws.String(DemoNumber), PhoneNumberDescription: aws.String("Harbour Bikes demo")})
		if err != nil {
			return fmt.Errorf("claiming %s (is it claimed by another instance?): %w", DemoNumber, err)
		}
		d.PhoneNumberID = aws.ToString(out.PhoneNumberId)
	}
	entry := d.Entry()
	if entry.ID == "" {
		return errors.New("journey: the entry flow was not installed")
	}
	if _, err := api.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		InstanceId: aws.String(d.InstanceID), PhoneNumberId: aws.String(d.PhoneNumberID), ContactFlowId: aws.String(entry.ID)}); err != nil {
		return fmt.Errorf("routing %s to %s: %w", DemoNumber, EntryFlow, err)
	}
	return nil
}
