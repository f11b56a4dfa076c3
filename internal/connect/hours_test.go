package connect_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	_ "time/tzdata" // time zones must not depend on the machine running the tests

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
)

func slot(day types.HoursOfOperationDays, h1, m1, h2, m2 int32) types.HoursOfOperationConfig {
	return types.HoursOfOperationConfig{
		Day:       day,
		StartTime: &types.HoursOfOperationTimeSlice{Hours: aws.Int32(h1), Minutes: aws.Int32(m1)},
		EndTime:   &types.HoursOfOperationTimeSlice{Hours: aws.Int32(h2), Minutes: aws.Int32(m2)},
	}
}

// weekdays is Monday to Friday 9:00–17:30 with a lunch break, and Sunday
// round the clock (00:00 to 00:00, as the admin guide writes 24 hours).
var weekdays = []types.HoursOfOperationConfig{
	slot(types.HoursOfOperationDaysMonday, 9, 0, 12, 0),
	slot(types.HoursOfOperationDaysMonday, 13, 0, 17, 30),
	slot(types.HoursOfOperationDaysTuesday, 9, 0, 17, 30),
	slot(types.HoursOfOperationDaysWednesday, 9, 0, 17, 30),
	slot(types.HoursOfOperationDaysThursday, 9, 0, 17, 30),
	slot(types.HoursOfOperationDaysFriday, 9, 0, 17, 30),
	slot(types.HoursOfOperationDaysSunday, 0, 0, 0, 0),
}

func createHours(t *testing.T, c *connect.Client, inst, name string) *connect.CreateHoursOfOperationOutput {
	t.Helper()
	out, err := c.CreateHoursOfOperation(context.Background(), &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(inst), Name: aws.String(name), TimeZone: aws.String("Europe/London"), Config: weekdays,
	})
	if err != nil {
		t.Fatalf("creating hours %s: %v", name, err)
	}
	return out
}

func describeHours(t *testing.T, c *connect.Client, inst, id string) *types.HoursOfOperation {
	t.Helper()
	out, err := c.DescribeHoursOfOperation(context.Background(), &connect.DescribeHoursOfOperationInput{
		InstanceId: aws.String(inst), HoursOfOperationId: aws.String(id),
	})
	if err != nil {
		t.Fatalf("describing hours %s: %v", id, err)
	}
	return out.HoursOfOperation
}

func TestHoursOfOperationLifecycle(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})

	created, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(inst), Name: aws.String("Office"), Description: aws.String("the London office"),
		TimeZone: aws.String("Europe/London"), Config: weekdays, Tags: map[string]string{"site": "lon"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(created.HoursOfOperationId), aws.ToString(created.HoursOfOperationArn)
	if arn != "arn:aws:connect:us-east-1:000000000000:instance/"+inst+"/operating-hours/"+id {
		t.Fatalf("unexpected ARN %s", arn)
	}
	for _, ref := range []string{id, arn} {
		h := describeHours(t, c, inst, ref)
		if aws.ToString(h.HoursOfOperationId) != id || aws.ToString(h.HoursOfOperationArn) != arn ||
			aws.ToString(h.Name) != "Office" || aws.ToString(h.Description) != "the London office" ||
			aws.ToString(h.TimeZone) != "Europe/London" || h.Tags["site"] != "lon" ||
			h.LastModifiedTime == nil || aws.ToString(h.LastModifiedRegion) != "us-east-1" {
			t.Fatalf("describe(%s) = %+v", ref, h)
		}
		// The schedule comes back entry for entry, midnights included.
		if !reflect.DeepEqual(h.Config, weekdays) {
			t.Fatalf("describe(%s) Config = %s, want %s", ref, configString(h.Config), configString(weekdays))
		}
	}

	// The engine's view.
	view, err := ts.Server.Connect.HoursOfOperation(ctx, inst, arn)
	if err != nil {
		t.Fatal(err)
	}
	if view.ID != id || view.TimeZone != "Europe/London" || len(view.Config) != len(weekdays) ||
		view.Config[1] != (hconnect.HoursSlot{Day: "MONDAY", Start: hconnect.TimeOfDay{Hours: 13}, End: hconnect.TimeOfDay{Hours: 17, Minutes: 30}}) {
		t.Fatalf("HoursOfOperation() = %+v", view)
	}

	// Three pages of one.
	createHours(t, c, inst, "Night")
	createHours(t, c, inst, "Weekend")
	names := listHoursNames(t, c, inst, 1)
	if want := []string{"Night", "Office", "Weekend"}; !sameSet(names, want) {
		t.Fatalf("listed %v, want %v", names, want)
	}

	// Update each member; an empty Config means never open.
	if _, err := c.UpdateHoursOfOperation(ctx, &connect.UpdateHoursOfOperationInput{
		InstanceId: aws.String(inst), HoursOfOperationId: aws.String(id), Name: aws.String("Office hours"),
		Description: aws.String(""), TimeZone: aws.String("America/New_York"),
		Config: []types.HoursOfOperationConfig{slot(types.HoursOfOperationDaysSaturday, 10, 15, 14, 45)},
	}); err != nil {
		t.Fatal(err)
	}
	night := listHoursIDs(t, c, inst)["Night"]
	if _, err := c.UpdateHoursOfOperation(ctx, &connect.UpdateHoursOfOperationInput{
		InstanceId: aws.String(inst), HoursOfOperationId: aws.String(night), Config: []types.HoursOfOperationConfig{},
	}); err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart.
	ts.Restart(t)
	c = ts.Connect()
	h := describeHours(t, c, inst, id)
	if aws.ToString(h.Name) != "Office hours" || h.Description != nil || aws.ToString(h.TimeZone) != "America/New_York" ||
		!reflect.DeepEqual(h.Config, []types.HoursOfOperationConfig{slot(types.HoursOfOperationDaysSaturday, 10, 15, 14, 45)}) ||
		h.Tags["site"] != "lon" {
		t.Fatalf("after restart: %+v %s", h, configString(h.Config))
	}
	if n := describeHours(t, c, inst, night); len(n.Config) != 0 || aws.ToString(n.TimeZone) != "Europe/London" {
		t.Fatalf("Night after restart: %+v", n)
	}
	if names := listHoursNames(t, c, inst, 2); !sameSet(names, []string{"Night", "Office hours", "Weekend"}) {
		t.Fatalf("after restart listed %v", names)
	}

	if _, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{
		InstanceId: aws.String(inst), HoursOfOperationId: aws.String(id),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeHoursOfOperation(ctx, &connect.DescribeHoursOfOperationInput{InstanceId: aws.String(inst), HoursOfOperationId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// The name is free again.
	createHours(t, c, inst, "Office hours")
}

func TestHoursOfOperationErrors(t *testing.T) {
	ctx := context.Background()
	_, c, inst := startServer(t, server.Config{})
	id := aws.ToString(createHours(t, c, inst, "Office").HoursOfOperationId)
	createHours(t, c, inst, "Taken")
	before := describeHours(t, c, inst, id)

	create := func(name, tz string, cfg ...types.HoursOfOperationConfig) func() error {
		if cfg == nil {
			cfg = weekdays
		}
		return func() error {
			_, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
				InstanceId: aws.String(inst), Name: aws.String(name), TimeZone: aws.String(tz), Config: cfg,
			})
			return err
		}
	}
	update := func(in connect.UpdateHoursOfOperationInput) func() error {
		return func() error {
			in.InstanceId = aws.String(inst)
			if in.HoursOfOperationId == nil {
				in.HoursOfOperationId = aws.String(id)
			}
			_, err := c.UpdateHoursOfOperation(ctx, &in)
			return err
		}
	}
	for _, tc := range []errorCase{
		{"unknown time zone", create("Mars", "Mars/Olympus_Mons"), "InvalidParameterException", 400},
		{"server's own zone", create("Local", "Local"), "InvalidParameterException", 400},
		{"empty time zone", create("Empty", ""), "InvalidParameterException", 400},
		{"duplicate name", create("Taken", "UTC"), "DuplicateResourceException", 409},
		{"name too long", create(strings.Repeat("n", 128), "UTC"), "InvalidParameterException", 400},
		{"unknown day", create("Funday", "UTC", slot("FUNDAY", 9, 0, 17, 0)), "InvalidParameterException", 400},
		{"hour 24", create("Late", "UTC", slot(types.HoursOfOperationDaysMonday, 9, 0, 24, 0)), "InvalidParameterException", 400},
		{"minute 60", create("Late", "UTC", slot(types.HoursOfOperationDaysMonday, 9, 60, 17, 0)), "InvalidParameterException", 400},
		{"missing parent", func() error {
			_, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
				InstanceId: aws.String(inst), Name: aws.String("Child"), TimeZone: aws.String("UTC"), Config: weekdays,
				ParentHoursOfOperationConfigs: []types.ParentHoursOfOperationConfig{{HoursOfOperationId: aws.String("no-such-hours")}},
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"unknown instance", func() error {
			_, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
				InstanceId: aws.String("no-such-instance"), Name: aws.String("X"), TimeZone: aws.String("UTC"), Config: weekdays,
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"update: bad time zone", update(connect.UpdateHoursOfOperationInput{TimeZone: aws.String("Europe/Atlantis")}), "InvalidParameterException", 400},
		{"update: rename onto another", update(connect.UpdateHoursOfOperationInput{Name: aws.String("Taken")}), "DuplicateResourceException", 409},
		{"update: unknown id", update(connect.UpdateHoursOfOperationInput{HoursOfOperationId: aws.String("no-such-hours"), Name: aws.String("X")}), "ResourceNotFoundException", 404},
		{"update: another instance's ARN", update(connect.UpdateHoursOfOperationInput{
			HoursOfOperationId: aws.String("arn:aws:connect:us-east-1:000000000000:instance/other/operating-hours/" + id), Name: aws.String("X"),
		}), "ResourceNotFoundException", 404},
		{"describe: unknown id", func() error {
			_, err := c.DescribeHoursOfOperation(ctx, &connect.DescribeHoursOfOperationInput{InstanceId: aws.String(inst), HoursOfOperationId: aws.String("no-such-hours")})
			return err
		}, "ResourceNotFoundException", 404},
		{"delete: unknown id", func() error {
			_, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: aws.String(inst), HoursOfOperationId: aws.String("no-such-hours")})
			return err
		}, "ResourceNotFoundException", 404},
		{"list: page token of another listing", func() error {
			_, err := c.ListHoursOfOperations(ctx, &connect.ListHoursOfOperationsInput{InstanceId: aws.String(inst), NextToken: aws.String("bogus")})
			return err
		}, "InvalidParameterException", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), tc.code, tc.status)
			wantUnchanged(t, "the hours", before, describeHours(t, c, inst, id))
			if names := listHoursNames(t, c, inst, 100); !sameSet(names, []string{"Office", "Taken"}) {
				t.Fatalf("hours now %v", names)
			}
		})
	}
}

func TestHoursOfOperationParentsAndQuota(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{Quotas: hconnect.Quotas{HoursPerInstance: 2}})
	parent := createHours(t, c, inst, "Parent")

	// A parent may be named by ARN; it is listed with its name.
	child, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(inst), Name: aws.String("Child"), TimeZone: aws.String("UTC"), Config: weekdays,
		ParentHoursOfOperationConfigs: []types.ParentHoursOfOperationConfig{{HoursOfOperationId: parent.HoursOfOperationArn}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := describeHours(t, c, inst, aws.ToString(child.HoursOfOperationId)).ParentHoursOfOperations
	if len(got) != 1 || aws.ToString(got[0].Id) != aws.ToString(parent.HoursOfOperationId) || aws.ToString(got[0].Name) != "Parent" ||
		aws.ToString(got[0].Arn) != aws.ToString(parent.HoursOfOperationArn) {
		t.Fatalf("ParentHoursOfOperations = %+v", got)
	}

	// The quota is two.
	_, err = c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: aws.String(inst), Name: aws.String("Third"), TimeZone: aws.String("UTC"), Config: weekdays,
	})
	wantAPIError(t, err, "LimitExceededException", 429)

	// A parent with children stays.
	rec := &recordingClient{}
	cfg := ts.AWSConfig()
	cfg.HTTPClient = rec
	before := describeHours(t, c, inst, aws.ToString(parent.HoursOfOperationId))
	_, err = connect.NewFromConfig(cfg).DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{
		InstanceId: aws.String(inst), HoursOfOperationId: parent.HoursOfOperationId,
	})
	wantAPIError(t, err, "ResourceInUseException", 409)
	rec.wantMembers(t, map[string]string{"ResourceType": "HOURS_OF_OPERATION", "ResourceId": aws.ToString(parent.HoursOfOperationArn)})
	if !strings.Contains(rec.message(t), aws.ToString(child.HoursOfOperationId)) {
		t.Fatalf("the message does not name the child: %s", rec.body)
	}
	wantUnchanged(t, "the parent", before, describeHours(t, c, inst, aws.ToString(parent.HoursOfOperationId)))

	for _, h := range []*string{child.HoursOfOperationId, parent.HoursOfOperationId} {
		if _, err := c.DeleteHoursOfOperation(ctx, &connect.DeleteHoursOfOperationInput{InstanceId: aws.String(inst), HoursOfOperationId: h}); err != nil {
			t.Fatal(err)
		}
	}
}

func listHoursNames(t *testing.T, c *connect.Client, inst string, pageSize int32) []string {
	t.Helper()
	var names []string
	p := connect.NewListHoursOfOperationsPaginator(c, &connect.ListHoursOfOperationsInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(pageSize)})
	pages := eachPage(t, p, func(out *connect.ListHoursOfOperationsOutput) {
		for _, s := range out.HoursOfOperationSummaryList {
			if s.Arn == nil || s.Id == nil || s.LastModifiedTime == nil {
				t.Fatalf("summary without Arn, Id or LastModifiedTime: %+v", s)
			}
			names = append(names, aws.ToString(s.Name))
		}
	})
	wantFullPages(t, "hours", len(names), pages, pageSize)
	return names
}

func listHoursIDs(t *testing.T, c *connect.Client, inst string) map[string]string {
	t.Helper()
	out, err := c.ListHoursOfOperations(context.Background(), &connect.ListHoursOfOperationsInput{InstanceId: aws.String(inst)})
	if err != nil {
		t.Fatal(err)
	}
	return idsByName(out.HoursOfOperationSummaryList, func(s types.HoursOfOperationSummary) (*string, *string) { return s.Name, s.Id })
}

func configString(cfg []types.HoursOfOperationConfig) string {
	var b strings.Builder
	for _, c := range cfg {
		fmt.Fprintf(&b, "%s %s to %s; ", c.Day, sliceString(c.StartTime), sliceString(c.EndTime))
	}
	return b.String()
}

// sliceString shows a time slice as HH:MM, with "--" for a member that
// did not arrive.
func sliceString(s *types.HoursOfOperationTimeSlice) string {
	if s == nil {
		return "nil"
	}
	part := func(p *int32) string {
		if p == nil {
			return "--"
		}
		return fmt.Sprintf("%02d", *p)
	}
	return part(s.Hours) + ":" + part(s.Minutes)
}
