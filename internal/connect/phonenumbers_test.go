package connect_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	hconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func claim(t *testing.T, c *connect.Client, in *connect.ClaimPhoneNumberInput) *connect.ClaimPhoneNumberOutput {
	t.Helper()
	out, err := c.ClaimPhoneNumber(context.Background(), in)
	if err != nil {
		t.Fatalf("claiming %s: %v", aws.ToString(in.PhoneNumber), err)
	}
	return out
}

func describeNumber(t *testing.T, c *connect.Client, ref string) *types.ClaimedPhoneNumberSummary {
	t.Helper()
	out, err := c.DescribePhoneNumber(context.Background(), &connect.DescribePhoneNumberInput{PhoneNumberId: aws.String(ref)})
	if err != nil {
		t.Fatalf("describing %s: %v", ref, err)
	}
	return out.ClaimedPhoneNumberSummary
}

// listNumbersV2 pages through ListPhoneNumbersV2 and returns the numbers and
// the number of pages.
func listNumbersV2(t *testing.T, c *connect.Client, in *connect.ListPhoneNumbersV2Input) ([]string, int) {
	t.Helper()
	var got []string
	pages := eachPage(t, connect.NewListPhoneNumbersV2Paginator(c, in), func(out *connect.ListPhoneNumbersV2Output) {
		for _, s := range out.ListPhoneNumbersSummaryList {
			got = append(got, aws.ToString(s.PhoneNumber))
		}
	})
	slices.Sort(got)
	return got, pages
}

func TestPhoneNumberLifecycle(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{})
	instARN := "arn:aws:connect:us-east-1:000000000000:instance/" + inst

	// By InstanceId and by TargetArn; a toll-free and a foreign number.
	us := claim(t, c, &connect.ClaimPhoneNumberInput{
		PhoneNumber: aws.String("+15555550100"), InstanceId: aws.String(inst),
		PhoneNumberDescription: aws.String("main line"), Tags: map[string]string{"team": "voice"},
	})
	tollFree := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+18005550199"), TargetArn: aws.String(instARN)})
	uk := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+442071838750"), InstanceId: aws.String(instARN)})
	id := aws.ToString(us.PhoneNumberId)
	if aws.ToString(us.PhoneNumberArn) != "arn:aws:connect:us-east-1:000000000000:phone-number/"+id {
		t.Fatalf("PhoneNumberArn = %s", aws.ToString(us.PhoneNumberArn))
	}

	for _, tc := range []struct {
		ref     string
		number  string
		country types.PhoneNumberCountryCode
		typ     types.PhoneNumberType
		desc    string
		teamTag string
	}{
		{id, "+15555550100", types.PhoneNumberCountryCodeUs, types.PhoneNumberTypeDid, "main line", "voice"},
		{aws.ToString(us.PhoneNumberArn), "+15555550100", types.PhoneNumberCountryCodeUs, types.PhoneNumberTypeDid, "main line", "voice"},
		{aws.ToString(tollFree.PhoneNumberId), "+18005550199", types.PhoneNumberCountryCodeUs, types.PhoneNumberTypeTollFree, "", ""},
		{aws.ToString(uk.PhoneNumberId), "+442071838750", types.PhoneNumberCountryCodeGb, types.PhoneNumberTypeDid, "", ""},
	} {
		got := describeNumber(t, c, tc.ref)
		if aws.ToString(got.PhoneNumber) != tc.number || got.PhoneNumberCountryCode != tc.country || got.PhoneNumberType != tc.typ ||
			aws.ToString(got.PhoneNumberDescription) != tc.desc || got.Tags["team"] != tc.teamTag ||
			aws.ToString(got.InstanceId) != inst || aws.ToString(got.TargetArn) != instARN ||
			got.PhoneNumberStatus == nil || got.PhoneNumberStatus.Status != types.PhoneNumberWorkflowStatusClaimed ||
			!strings.HasSuffix(aws.ToString(got.PhoneNumberArn), "/"+aws.ToString(got.PhoneNumberId)) {
			t.Fatalf("describe(%s) = %+v", tc.ref, got)
		}
	}

	// V2: paging one per page, and each filter.
	all := []string{"+15555550100", "+18005550199", "+442071838750"}
	for _, tc := range []struct {
		name string
		in   connect.ListPhoneNumbersV2Input
		want []string
	}{
		{"every instance", connect.ListPhoneNumbersV2Input{}, all},
		{"by instance", connect.ListPhoneNumbersV2Input{InstanceId: aws.String(inst)}, all},
		{"by target", connect.ListPhoneNumbersV2Input{TargetArn: aws.String(instARN)}, all},
		{"by country", connect.ListPhoneNumbersV2Input{PhoneNumberCountryCodes: []types.PhoneNumberCountryCode{types.PhoneNumberCountryCodeGb}}, all[2:]},
		{"by type", connect.ListPhoneNumbersV2Input{PhoneNumberTypes: []types.PhoneNumberType{types.PhoneNumberTypeTollFree}}, all[1:2]},
		{"by prefix", connect.ListPhoneNumbersV2Input{PhoneNumberPrefix: aws.String("+1")}, all[:2]},
		{"by prefix and type", connect.ListPhoneNumbersV2Input{PhoneNumberPrefix: aws.String("+1555"), PhoneNumberTypes: []types.PhoneNumberType{types.PhoneNumberTypeDid}}, all[:1]},
	} {
		in := tc.in
		in.MaxResults = aws.Int32(1)
		got, pages := listNumbersV2(t, c, &in)
		if !slices.Equal(got, tc.want) || pages < len(tc.want) {
			t.Fatalf("%s: listed %v in %d pages, want %v", tc.name, got, pages, tc.want)
		}
	}

	// The older instance-scoped listing, with its own summary shape.
	var v1 []string
	p := connect.NewListPhoneNumbersPaginator(c, &connect.ListPhoneNumbersInput{InstanceId: aws.String(inst), MaxResults: aws.Int32(2)})
	pages := eachPage(t, p, func(out *connect.ListPhoneNumbersOutput) {
		for _, s := range out.PhoneNumberSummaryList {
			if !strings.HasSuffix(aws.ToString(s.Arn), "/"+aws.ToString(s.Id)) || s.PhoneNumberCountryCode == "" {
				t.Fatalf("v1 summary %+v", s)
			}
			v1 = append(v1, aws.ToString(s.PhoneNumber))
		}
	})
	slices.Sort(v1)
	if !slices.Equal(v1, all) || pages != 2 {
		t.Fatalf("ListPhoneNumbers: %v in %d pages", v1, pages)
	}
	tf, err := c.ListPhoneNumbers(ctx, &connect.ListPhoneNumbersInput{
		InstanceId: aws.String(inst), PhoneNumberTypes: []types.PhoneNumberType{types.PhoneNumberTypeTollFree},
	})
	if err != nil || len(tf.PhoneNumberSummaryList) != 1 || aws.ToString(tf.PhoneNumberSummaryList[0].PhoneNumber) != "+18005550199" {
		t.Fatalf("ListPhoneNumbers by type: %+v %v", tf, err)
	}

	// Route the number to a flow; the engine's lookup sees it.
	flowID := createFlow(t, c, inst, "Inbound", types.ContactFlowTypeContactFlow)
	if _, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		PhoneNumberId: us.PhoneNumberArn, InstanceId: aws.String(inst), ContactFlowId: aws.String(flowID),
	}); err != nil {
		t.Fatal(err)
	}
	if gotInst, gotFlow, err := ts.Server.Connect.NumberRoute(ctx, "+15555550100"); err != nil || gotInst != inst || gotFlow != flowID {
		t.Fatalf("NumberRoute = %s, %s, %v", gotInst, gotFlow, err)
	}

	// Everything survives a restart.
	ts.Restart(t)
	c = ts.Connect()
	if got := describeNumber(t, c, id); aws.ToString(got.PhoneNumberDescription) != "main line" || got.Tags["team"] != "voice" {
		t.Fatalf("after restart: %+v", got)
	}
	if got, _ := listNumbersV2(t, c, &connect.ListPhoneNumbersV2Input{}); !slices.Equal(got, all) {
		t.Fatalf("after restart listed %v", got)
	}
	if _, gotFlow, err := ts.Server.Connect.NumberRoute(ctx, "+15555550100"); err != nil || gotFlow != flowID {
		t.Fatalf("NumberRoute after restart = %s, %v", gotFlow, err)
	}

	// Disassociating leaves the number unrouted; doing it again is harmless.
	for range 2 {
		if _, err := c.DisassociatePhoneNumberContactFlow(ctx, &connect.DisassociatePhoneNumberContactFlowInput{
			PhoneNumberId: aws.String(id), InstanceId: aws.String(inst),
		}); err != nil {
			t.Fatal(err)
		}
	}
	if gotInst, gotFlow, err := ts.Server.Connect.NumberRoute(ctx, "+15555550100"); err != nil || gotInst != inst || gotFlow != "" {
		t.Fatalf("NumberRoute after disassociate = %s, %s, %v", gotInst, gotFlow, err)
	}

	// Release; the number is gone and can be claimed again.
	if _, err := c.ReleasePhoneNumber(ctx, &connect.ReleasePhoneNumberInput{PhoneNumberId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	_, _, err = ts.Server.Connect.NumberRoute(ctx, "+15555550100")
	if err == nil {
		t.Fatal("NumberRoute found a released number")
	}
	again := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550100"), InstanceId: aws.String(inst)})
	if aws.ToString(again.PhoneNumberId) == id {
		t.Fatal("a reclaimed number kept its old id")
	}
}

func TestPhoneNumberCountryAndType(t *testing.T) {
	ts := testserver.Start(t, server.Config{Quotas: hconnect.Quotas{PhoneNumbersPerInstance: 20}})
	c := ts.Connect()
	for _, tc := range []struct {
		number  string
		country types.PhoneNumberCountryCode
		typ     types.PhoneNumberType
	}{
		{"+12125550100", "US", "DID"},
		{"+18885550100", "US", "TOLL_FREE"},
		{"+18335550100", "US", "TOLL_FREE"},
		{"+14165550100", "CA", "DID"},
		{"+17875550100", "PR", "DID"},
		{"+18765550100", "JM", "DID"},
		{"+448081570000", "GB", "TOLL_FREE"},
		{"+441481700000", "GG", "DID"},
		{"+4930901820", "DE", "DID"},
		{"+33142685300", "FR", "DID"},
		{"+61299999999", "AU", "DID"},
		{"+819012345678", "JP", "DID"},
		{"+77012345678", "KZ", "DID"},
		{"+74951234567", "RU", "DID"},
		{"+2348031234567", "NG", "DID"},
		{"+80012345678", "", "UIFN"},
	} {
		out := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String(tc.number), InstanceId: aws.String(ts.DefaultInstanceID)})
		got := describeNumber(t, c, aws.ToString(out.PhoneNumberId))
		if got.PhoneNumberCountryCode != tc.country || got.PhoneNumberType != tc.typ {
			t.Errorf("%s: country %q type %q, want %q %q", tc.number, got.PhoneNumberCountryCode, got.PhoneNumberType, tc.country, tc.typ)
		}
	}
}

func TestPhoneNumberErrors(t *testing.T) {
	ctx := context.Background()
	ts, c, inst := startServer(t, server.Config{Quotas: hconnect.Quotas{PhoneNumbersPerInstance: 2}})
	first := claim(t, c, &connect.ClaimPhoneNumberInput{
		PhoneNumber: aws.String("+15555550100"), InstanceId: aws.String(inst), PhoneNumberDescription: aws.String("first"),
	})
	id := aws.ToString(first.PhoneNumberId)
	flowID := createFlow(t, c, inst, "Inbound", types.ContactFlowTypeContactFlow)
	queueFlow := createFlow(t, c, inst, "Queue", types.ContactFlowTypeCustomerQueue)
	if _, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		PhoneNumberId: aws.String(id), InstanceId: aws.String(inst), ContactFlowId: aws.String(flowID),
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []errorCase{
		{"claimed twice", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550100"), InstanceId: aws.String(inst)})
			return err
		}, "InvalidParameterException", 400},
		{"national format", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("5555550101"), InstanceId: aws.String(inst)})
			return err
		}, "InvalidParameterException", 400},
		{"leading zero", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+05555550101"), InstanceId: aws.String(inst)})
			return err
		}, "InvalidParameterException", 400},
		{"text before the number", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("tel:+15555550101"), InstanceId: aws.String(inst)})
			return err
		}, "InvalidParameterException", 400},
		{"sixteen digits", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+1555555010123456"), InstanceId: aws.String(inst)})
			return err
		}, "InvalidParameterException", 400},
		{"no instance", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550101")})
			return err
		}, "InvalidParameterException", 400},
		{"unknown instance", func() error {
			_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550101"), InstanceId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"describe unknown", func() error {
			_, err := c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"describe another account's ARN", func() error {
			_, err := c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: aws.String("arn:aws:connect:us-east-1:111111111111:phone-number/" + id)})
			return err
		}, "ResourceNotFoundException", 404},
		{"release unknown", func() error {
			_, err := c.ReleasePhoneNumber(ctx, &connect.ReleasePhoneNumberInput{PhoneNumberId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"associate a missing flow", func() error {
			_, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
				PhoneNumberId: aws.String(id), InstanceId: aws.String(inst), ContactFlowId: aws.String("00000000-0000-0000-0000-000000000000"),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"associate a queue flow", func() error {
			_, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
				PhoneNumberId: aws.String(id), InstanceId: aws.String(inst), ContactFlowId: aws.String(queueFlow),
			})
			return err
		}, "InvalidParameterException", 400},
		{"associate an unknown number", func() error {
			_, err := c.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
				PhoneNumberId: aws.String("00000000-0000-0000-0000-000000000000"), InstanceId: aws.String(inst), ContactFlowId: aws.String(flowID),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"disassociate in an unknown instance", func() error {
			_, err := c.DisassociatePhoneNumberContactFlow(ctx, &connect.DisassociatePhoneNumberContactFlowInput{
				PhoneNumberId: aws.String(id), InstanceId: aws.String("00000000-0000-0000-0000-000000000000"),
			})
			return err
		}, "ResourceNotFoundException", 404},
		{"prefix without +", func() error {
			_, err := c.ListPhoneNumbersV2(ctx, &connect.ListPhoneNumbersV2Input{PhoneNumberPrefix: aws.String("1555")})
			return err
		}, "InvalidParameterException", 400},
		{"list an unknown instance", func() error {
			_, err := c.ListPhoneNumbersV2(ctx, &connect.ListPhoneNumbersV2Input{InstanceId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "ResourceNotFoundException", 404},
		{"token from another listing", func() error {
			_, err := c.ListPhoneNumbersV2(ctx, &connect.ListPhoneNumbersV2Input{NextToken: aws.String("bm90IGEgdG9rZW4")})
			return err
		}, "InvalidParameterException", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), tc.code, tc.status)
			// Nothing stored has changed.
			got := describeNumber(t, c, id)
			if aws.ToString(got.PhoneNumber) != "+15555550100" || aws.ToString(got.PhoneNumberDescription) != "first" || aws.ToString(got.InstanceId) != inst {
				t.Fatalf("number changed: %+v", got)
			}
			if numbers, _ := listNumbersV2(t, c, &connect.ListPhoneNumbersV2Input{}); !slices.Equal(numbers, []string{"+15555550100"}) {
				t.Fatalf("numbers changed: %v", numbers)
			}
			if _, gotFlow, err := ts.Server.Connect.NumberRoute(ctx, "+15555550100"); err != nil || gotFlow != flowID {
				t.Fatalf("route changed: %s %v", gotFlow, err)
			}
		})
	}

	// A retried claim (same ClientToken) gets the same number back; the
	// token cannot be reused for a different number.
	in := &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550102"), InstanceId: aws.String(inst), ClientToken: aws.String("a9c2f3a4-1111-4e5f-8a9b-0123456789ab")}
	a, b := claim(t, c, in), claim(t, c, in)
	if aws.ToString(a.PhoneNumberId) != aws.ToString(b.PhoneNumberId) {
		t.Fatalf("retried claim gave %s then %s", aws.ToString(a.PhoneNumberId), aws.ToString(b.PhoneNumberId))
	}
	_, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550103"), InstanceId: aws.String(inst), ClientToken: in.ClientToken})
	wantAPIError(t, err, "IdempotencyException", 409)

	// The instance now holds its quota of two.
	_, err = c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550104"), InstanceId: aws.String(inst)})
	wantAPIError(t, err, "ServiceQuotaExceededException", 402)
	if numbers, _ := listNumbersV2(t, c, &connect.ListPhoneNumbersV2Input{}); len(numbers) != 2 {
		t.Fatalf("after the refused claims: %v", numbers)
	}
}

// Deleting an instance releases its numbers, and only its numbers.
func TestDeleteInstanceReleasesNumbers(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	second := aws.String(createInstance(t, c, "second"))
	gone := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550100"), InstanceId: second})
	kept := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550101"), InstanceId: aws.String(ts.DefaultInstanceID)})
	if _, err := c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: second}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: gone.PhoneNumberId})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	describeNumber(t, c, aws.ToString(kept.PhoneNumberId))
	claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550100"), InstanceId: aws.String(ts.DefaultInstanceID)})
}

// A number a queue calls out from cannot be released until the queue lets go.
func TestReleaseNumberInUse(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	c := ts.Connect()
	inst := aws.String(ts.DefaultInstanceID)
	num := claim(t, c, &connect.ClaimPhoneNumberInput{PhoneNumber: aws.String("+15555550100"), InstanceId: inst})
	hours, err := c.CreateHoursOfOperation(ctx, &connect.CreateHoursOfOperationInput{
		InstanceId: inst, Name: aws.String("Always"), TimeZone: aws.String("UTC"), Config: []types.HoursOfOperationConfig{},
	})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := c.CreateQueue(ctx, &connect.CreateQueueInput{
		InstanceId: inst, Name: aws.String("Sales"), HoursOfOperationId: hours.HoursOfOperationId,
		OutboundCallerConfig: &types.OutboundCallerConfig{OutboundCallerIdNumberId: num.PhoneNumberId},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ReleasePhoneNumber(ctx, &connect.ReleasePhoneNumberInput{PhoneNumberId: num.PhoneNumberId})
	wantAPIError(t, err, "ResourceInUseException", 409)
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || inUse.ResourceType != types.ResourceTypePhoneNumber || aws.ToString(inUse.ResourceId) != aws.ToString(num.PhoneNumberArn) {
		t.Fatalf("ResourceInUseException members: %+v", inUse)
	}
	describeNumber(t, c, aws.ToString(num.PhoneNumberId))

	if _, err := c.UpdateQueueOutboundCallerConfig(ctx, &connect.UpdateQueueOutboundCallerConfigInput{
		InstanceId: inst, QueueId: queue.QueueId, OutboundCallerConfig: &types.OutboundCallerConfig{},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReleasePhoneNumber(ctx, &connect.ReleasePhoneNumberInput{PhoneNumberId: num.PhoneNumberArn}); err != nil {
		t.Fatal(err)
	}
}
