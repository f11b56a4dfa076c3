package contacts_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// wantAPIError asserts that err is the AWS error code with the HTTP status
// and a message.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want %s (%d), got %v", code, status, err)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var httpErr *awshttp.ResponseError
	if !errors.As(err, &httpErr) || httpErr.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d for %s, got %v", status, code, err)
	}
	if apiErr.ErrorMessage() == "" {
		t.Fatalf("%s has no message", code)
	}
}

// apiServer is a live server on a virtual clock set to now (SigV4 checks
// the clock), and a client for it.
type apiServer struct {
	ts   *testserver.Server
	c    *connect.Client
	clk  *clock.Virtual
	inst string
	cts  *contacts.Service
}

func startAPIServer(t *testing.T) *apiServer {
	t.Helper()
	clk := clock.NewVirtual(time.Now().UTC().Truncate(time.Second))
	ts := testserver.Start(t, server.Config{Clock: clk})
	return &apiServer{ts: ts, c: ts.Connect(), clk: clk, inst: ts.DefaultInstanceID, cts: ts.Server.Contacts}
}

// put seeds a contact (nothing creates them through the API yet).
func (a *apiServer) put(t *testing.T, r *contacts.Record) *contacts.Record {
	t.Helper()
	if r.InstanceID == "" {
		r.InstanceID = a.inst
	}
	if r.ContactID == "" {
		r.ContactID = contacts.NewContactID()
	}
	if err := a.cts.Put(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (a *apiServer) describe(t *testing.T, id string) *types.Contact {
	t.Helper()
	out, err := a.c.DescribeContact(context.Background(), &connect.DescribeContactInput{InstanceId: aws.String(a.inst), ContactId: aws.String(id)})
	if err != nil {
		t.Fatalf("describing contact %s: %v", id, err)
	}
	return out.Contact
}

func (a *apiServer) attributes(t *testing.T, id string) map[string]string {
	t.Helper()
	out, err := a.c.GetContactAttributes(context.Background(), &connect.GetContactAttributesInput{InstanceId: aws.String(a.inst), InitialContactId: aws.String(id)})
	if err != nil {
		t.Fatalf("getting the attributes of %s: %v", id, err)
	}
	if out.Attributes == nil {
		t.Fatal("Attributes absent from the response")
	}
	return out.Attributes
}

func (a *apiServer) update(id string, attrs map[string]string) error {
	_, err := a.c.UpdateContactAttributes(context.Background(), &connect.UpdateContactAttributesInput{
		InstanceId: aws.String(a.inst), InitialContactId: aws.String(id), Attributes: attrs,
	})
	return err
}

func (a *apiServer) stop(id string) error {
	_, err := a.c.StopContact(context.Background(), &connect.StopContactInput{InstanceId: aws.String(a.inst), ContactId: aws.String(id)})
	return err
}

func (a *apiServer) instanceARN() string {
	return "arn:aws:connect:us-east-1:000000000000:instance/" + a.inst
}

const unknownID = "00000000-0000-4000-8000-000000000000"

func TestDescribeContact(t *testing.T) {
	a := startAPIServer(t)
	ctx := context.Background()
	t0 := a.clk.Now().Add(-time.Hour)
	full := a.put(t, &contacts.Record{
		InitialContactID: "first-segment", PreviousContactID: "previous-segment", RelatedContactID: "related",
		Channel: "VOICE", InitiationMethod: "INBOUND", Name: "Callback for Ana", Description: "asked about billing",
		CustomerEndpoint:    contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: "+447700900123"},
		SystemEndpoint:      contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: "+442079460000"},
		InitiationTimestamp: t0, ConnectedToSystemTimestamp: t0.Add(time.Second),
		DisconnectTimestamp: t0.Add(3 * time.Minute), DisconnectReason: "CUSTOMER_DISCONNECT",
		Queue:      &contacts.QueueInfo{ID: "q-1", ARN: "arn:q-1", Name: "Sales", EnqueueTimestamp: t0.Add(90 * time.Second)},
		Attributes: map[string]string{"lang": "cy", "empty": ""},
		Tags:       map[string]string{"team": "billing"},
	})
	bare := a.put(t, &contacts.Record{Channel: "CHAT", InitiationMethod: "API"})

	for _, instRef := range []string{a.inst, a.instanceARN()} {
		out, err := a.c.DescribeContact(ctx, &connect.DescribeContactInput{InstanceId: aws.String(instRef), ContactId: aws.String(full.ContactID)})
		if err != nil {
			t.Fatalf("describing with instance %s: %v", instRef, err)
		}
		c := out.Contact
		check := map[string][2]any{
			"Arn":                        {aws.ToString(c.Arn), "arn:aws:connect:us-east-1:000000000000:instance/" + a.inst + "/contact/" + full.ContactID},
			"Id":                         {aws.ToString(c.Id), full.ContactID},
			"InitialContactId":           {aws.ToString(c.InitialContactId), "first-segment"},
			"PreviousContactId":          {aws.ToString(c.PreviousContactId), "previous-segment"},
			"RelatedContactId":           {aws.ToString(c.RelatedContactId), "related"},
			"Channel":                    {c.Channel, types.ChannelVoice},
			"InitiationMethod":           {c.InitiationMethod, types.ContactInitiationMethodInbound},
			"Name":                       {aws.ToString(c.Name), "Callback for Ana"},
			"Description":                {aws.ToString(c.Description), "asked about billing"},
			"CustomerEndpoint":           {aws.ToString(c.CustomerEndpoint.Address) + " " + string(c.CustomerEndpoint.Type), "+447700900123 TELEPHONE_NUMBER"},
			"SystemEndpoint":             {aws.ToString(c.SystemEndpoint.Address) + " " + string(c.SystemEndpoint.Type), "+442079460000 TELEPHONE_NUMBER"},
			"InitiationTimestamp":        {aws.ToTime(c.InitiationTimestamp).UTC(), t0},
			"ConnectedToSystemTimestamp": {aws.ToTime(c.ConnectedToSystemTimestamp).UTC(), t0.Add(time.Second)},
			"DisconnectTimestamp":        {aws.ToTime(c.DisconnectTimestamp).UTC(), t0.Add(3 * time.Minute)},
			"LastUpdateTimestamp":        {aws.ToTime(c.LastUpdateTimestamp).UTC(), a.clk.Now()},
			"DisconnectReason":           {aws.ToString(c.DisconnectReason), "CUSTOMER_DISCONNECT"},
			"QueueInfo.Id":               {aws.ToString(c.QueueInfo.Id), "q-1"},
			"QueueInfo.EnqueueTimestamp": {aws.ToTime(c.QueueInfo.EnqueueTimestamp).UTC(), t0.Add(90 * time.Second)},
			"Attributes":                 {maps.Equal(c.Attributes, full.Attributes), true},
			"Tags":                       {maps.Equal(c.Tags, full.Tags), true},
		}
		for member, v := range check {
			if v[0] != v[1] {
				t.Errorf("%s = %v, want %v", member, v[0], v[1])
			}
		}
	}

	c := a.describe(t, bare.ContactID)
	if aws.ToString(c.InitialContactId) != bare.ContactID || c.Channel != types.ChannelChat || c.DisconnectTimestamp != nil ||
		c.ConnectedToSystemTimestamp != nil || c.QueueInfo != nil || c.CustomerEndpoint != nil || c.DisconnectReason != nil ||
		c.Attributes == nil || len(c.Attributes) != 0 || c.Tags != nil || c.Name != nil {
		t.Fatalf("a bare contact is described as %+v", c)
	}

	_, err := a.c.DescribeContact(ctx, &connect.DescribeContactInput{InstanceId: aws.String(a.inst), ContactId: aws.String(unknownID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = a.c.DescribeContact(ctx, &connect.DescribeContactInput{InstanceId: aws.String(unknownID), ContactId: aws.String(full.ContactID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	// A contact of one instance is not found through another.
	other, err := a.c.CreateInstance(ctx, &connect.CreateInstanceInput{
		IdentityManagementType: types.DirectoryTypeConnectManaged, InstanceAlias: aws.String("other"),
		InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.c.DescribeContact(ctx, &connect.DescribeContactInput{InstanceId: other.Id, ContactId: aws.String(full.ContactID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestGetContactAttributes(t *testing.T) {
	a := startAPIServer(t)
	r := a.put(t, &contacts.Record{Channel: "VOICE", InitiationMethod: "INBOUND", Attributes: map[string]string{"a": "1", "b": ""}})
	if got := a.attributes(t, r.ContactID); !maps.Equal(got, r.Attributes) {
		t.Fatalf("attributes %v, want %v", got, r.Attributes)
	}
	none := a.put(t, &contacts.Record{Channel: "VOICE", InitiationMethod: "INBOUND"})
	if got := a.attributes(t, none.ContactID); len(got) != 0 {
		t.Fatalf("attributes of a contact without any: %v", got)
	}
	_, err := a.c.GetContactAttributes(context.Background(), &connect.GetContactAttributesInput{InstanceId: aws.String(a.inst), InitialContactId: aws.String(unknownID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = a.c.GetContactAttributes(context.Background(), &connect.GetContactAttributesInput{InstanceId: aws.String(unknownID), InitialContactId: aws.String(r.ContactID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
}

func TestUpdateContactAttributes(t *testing.T) {
	a := startAPIServer(t)
	const limit = 32768
	fill := func(key string, bytes int) map[string]string { // key+value of exactly bytes
		return map[string]string{key: strings.Repeat("v", bytes-len(key))}
	}
	for _, tc := range []struct {
		name    string
		ended   bool
		before  map[string]string
		update  map[string]string
		after   map[string]string // nil: refused with InvalidParameterException
		message string            // part of the refusal's message
	}{
		{name: "merge", before: map[string]string{"a": "1", "b": "2"}, update: map[string]string{"b": "two", "c": "3"},
			after: map[string]string{"a": "1", "b": "two", "c": "3"}},
		{name: "empty value is stored as empty", before: map[string]string{"a": "1"}, update: map[string]string{"a": ""},
			after: map[string]string{"a": ""}},
		{name: "nothing to write", before: map[string]string{"a": "1"}, update: map[string]string{},
			after: map[string]string{"a": "1"}},
		{name: "ended contact", ended: true, before: map[string]string{"a": "1"}, update: map[string]string{"note": "escalate"},
			after: map[string]string{"a": "1", "note": "escalate"}},
		{name: "exactly 32768 bytes", update: fill("k", limit), after: fill("k", limit)},
		// A value may hold 32,767 characters, so the request spreads its bytes over two keys.
		{name: "32769 bytes", before: map[string]string{"a": "1"}, update: func() map[string]string {
			m := fill("k1", limit/2)
			maps.Copy(m, fill("k2", limit/2-1))
			return m
		}(), message: "32769 bytes"},
		{name: "merged map is what counts", before: fill("old", limit-9), update: map[string]string{"new": "123456"},
			after: func() map[string]string { m := fill("old", limit-9); m["new"] = "123456"; return m }()},
		{name: "merged map over by one", before: fill("old", limit-9), update: map[string]string{"new": "1234567"}, message: "32769 bytes"},
		{name: "an overwritten value counts once", before: fill("k", limit), update: fill("k", limit), after: fill("k", limit)},
		// 16,383 two-byte characters, a key and one more byte: 32,768 bytes.
		{name: "multi-byte at the limit", update: map[string]string{"k": strings.Repeat("é", 16383) + "x"},
			after: map[string]string{"k": strings.Repeat("é", 16383) + "x"}},
		{name: "multi-byte over the limit", update: map[string]string{"k": strings.Repeat("é", 16384)}, message: "32769 bytes"},
		{name: "three-byte characters", update: map[string]string{"k": strings.Repeat("€", 10923)}, message: "32770 bytes"},
		{name: "space in a key", update: map[string]string{"first name": "Ana"}, message: `"first name"`},
		{name: "dot in a key", update: map[string]string{"customer.tier": "gold"}, message: `"customer.tier"`},
		{name: "non-ASCII key", update: map[string]string{"ключ": "x"}, message: "ключ"},
		{name: "a bad key spoils the request", before: map[string]string{"a": "1"}, update: map[string]string{"good": "x", "bad/key": "y"}, message: `"bad/key"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &contacts.Record{Channel: "VOICE", InitiationMethod: "INBOUND", Attributes: maps.Clone(tc.before)}
			if tc.ended {
				r.DisconnectTimestamp, r.DisconnectReason = a.clk.Now(), "CUSTOMER_DISCONNECT"
			}
			a.put(t, r)
			before := a.describe(t, r.ContactID)
			a.clk.Advance(time.Second)
			err := a.update(r.ContactID, tc.update)
			if tc.after == nil {
				wantAPIError(t, err, "InvalidParameterException", 400)
				var apiErr smithy.APIError
				errors.As(err, &apiErr)
				if !strings.Contains(apiErr.ErrorMessage(), tc.message) {
					t.Fatalf("message %q does not mention %s", apiErr.ErrorMessage(), tc.message)
				}
				after := a.describe(t, r.ContactID)
				if !maps.Equal(after.Attributes, before.Attributes) || !aws.ToTime(after.LastUpdateTimestamp).Equal(aws.ToTime(before.LastUpdateTimestamp)) {
					t.Fatal("a refused update changed the contact")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := a.attributes(t, r.ContactID); !maps.Equal(got, tc.after) {
				t.Fatalf("attributes have %d keys, want %d (%v)", len(got), len(tc.after), slices.Sorted(maps.Keys(got)))
			}
			c := a.describe(t, r.ContactID)
			if !aws.ToTime(c.LastUpdateTimestamp).Equal(a.clk.Now()) {
				t.Fatalf("LastUpdateTimestamp %v, want %v", c.LastUpdateTimestamp, a.clk.Now())
			}
			if tc.ended && c.DisconnectTimestamp == nil {
				t.Fatal("updating an ended contact reopened it")
			}
		})
	}

	t.Run("unknown contact", func(t *testing.T) {
		wantAPIError(t, a.update(unknownID, map[string]string{"a": "1"}), "ResourceNotFoundException", 404)
	})
	t.Run("unknown instance", func(t *testing.T) {
		_, err := a.c.UpdateContactAttributes(context.Background(), &connect.UpdateContactAttributesInput{
			InstanceId: aws.String(unknownID), InitialContactId: aws.String(unknownID), Attributes: map[string]string{"a": "1"},
		})
		wantAPIError(t, err, "ResourceNotFoundException", 404)
	})
	t.Run("a live contact's engine state sees the change", func(t *testing.T) {
		r := a.put(t, &contacts.Record{
			Channel: "VOICE", InitiationMethod: "INBOUND", Attributes: map[string]string{"a": "1"},
			State: json.RawMessage(`{"ContactId":"x","Attributes":{"a":"1"},"Frames":[{"FlowId":"f","Action":"Menu"}]}`),
		})
		if err := a.update(r.ContactID, map[string]string{"b": "2"}); err != nil {
			t.Fatal(err)
		}
		got, err := a.cts.Get(context.Background(), a.inst, r.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"Attributes":{"a":"1","b":"2"},"ContactId":"x","Frames":[{"FlowId":"f","Action":"Menu"}]}`
		if string(got.State) != want {
			t.Fatalf("state %s, want %s", got.State, want)
		}
	})
}

func TestStopContact(t *testing.T) {
	a := startAPIServer(t)
	ctx := context.Background()
	live := a.put(t, &contacts.Record{
		Channel: "VOICE", InitiationMethod: "INBOUND", State: json.RawMessage(`{"ContactId":"x"}`),
	})
	a.clk.Advance(42 * time.Second)
	if err := a.stop(live.ContactID); err != nil {
		t.Fatal(err)
	}
	c := a.describe(t, live.ContactID)
	if !aws.ToTime(c.DisconnectTimestamp).Equal(a.clk.Now()) || aws.ToString(c.DisconnectReason) != "API" {
		t.Fatalf("after StopContact: DisconnectTimestamp %v, DisconnectReason %q", c.DisconnectTimestamp, aws.ToString(c.DisconnectReason))
	}
	if r, _ := a.cts.Get(ctx, a.inst, live.ContactID); r.State != nil || !r.Ended() {
		t.Fatalf("a stopped contact kept its engine state or is not ended: %+v", r)
	}
	wantAPIError(t, a.stop(live.ContactID), "ContactNotFoundException", 410)
	wantAPIError(t, a.stop(unknownID), "ContactNotFoundException", 410)

	ended := a.put(t, &contacts.Record{Channel: "VOICE", InitiationMethod: "INBOUND", DisconnectTimestamp: a.clk.Now(), DisconnectReason: "CUSTOMER_DISCONNECT"})
	wantAPIError(t, a.stop(ended.ContactID), "ContactNotFoundException", 410)
	if c := a.describe(t, ended.ContactID); aws.ToString(c.DisconnectReason) != "CUSTOMER_DISCONNECT" {
		t.Fatalf("stopping an ended contact changed its reason to %s", aws.ToString(c.DisconnectReason))
	}

	_, err := a.c.StopContact(ctx, &connect.StopContactInput{InstanceId: aws.String(unknownID), ContactId: aws.String(live.ContactID)})
	wantAPIError(t, err, "ResourceNotFoundException", 404)

	// Voice contacts of some initiation methods cannot be stopped; chats can.
	transfer := a.put(t, &contacts.Record{Channel: "VOICE", InitiationMethod: "TRANSFER"})
	wantAPIError(t, a.stop(transfer.ContactID), "InvalidRequestException", 400)
	if c := a.describe(t, transfer.ContactID); c.DisconnectTimestamp != nil {
		t.Fatal("a refused stop ended the contact")
	}
	chat := a.put(t, &contacts.Record{Channel: "CHAT", InitiationMethod: "TRANSFER"})
	if err := a.stop(chat.ContactID); err != nil {
		t.Fatal(err)
	}

	// A campaign's disconnect reason is recorded as given.
	campaign := a.put(t, &contacts.Record{Channel: "VOICE", InitiationMethod: "OUTBOUND"})
	_, err = a.c.StopContact(ctx, &connect.StopContactInput{
		InstanceId: aws.String(a.inst), ContactId: aws.String(campaign.ContactID),
		DisconnectReason: &types.DisconnectReason{Code: aws.String("OUTBOUND_DESTINATION_ENDPOINT_ERROR")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := a.describe(t, campaign.ContactID); aws.ToString(c.DisconnectReason) != "OUTBOUND_DESTINATION_ENDPOINT_ERROR" {
		t.Fatalf("DisconnectReason %s", aws.ToString(c.DisconnectReason))
	}
}

// searchIDs pages through a search with the SDK paginator and returns the
// contact ids in order, checking TotalCount on every page.
func searchIDs(t *testing.T, a *apiServer, in *connect.SearchContactsInput) []string {
	t.Helper()
	in.InstanceId = aws.String(a.inst)
	p := connect.NewSearchContactsPaginator(a.c, in)
	var ids []string
	var total int64 = -1
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 20 {
			t.Fatal("search does not end")
		}
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if out.TotalCount == nil || total >= 0 && *out.TotalCount != total {
			t.Fatalf("TotalCount %v, earlier pages said %d", out.TotalCount, total)
		}
		total = *out.TotalCount
		if in.MaxResults != nil && out.NextToken != nil && len(out.Contacts) != int(*in.MaxResults) {
			t.Fatalf("a page before the last has %d contacts", len(out.Contacts))
		}
		for _, c := range out.Contacts {
			if c.Arn == nil || c.InitiationTimestamp == nil || c.Channel == "" || c.InitiationMethod == "" {
				t.Fatalf("summary without Arn, InitiationTimestamp, Channel or InitiationMethod: %+v", c)
			}
			ids = append(ids, aws.ToString(c.Name))
		}
	}
	if total != int64(len(ids)) {
		t.Fatalf("TotalCount %d, but the pages held %d", total, len(ids))
	}
	return ids
}

func TestSearchContacts(t *testing.T) {
	a := startAPIServer(t)
	ctx := context.Background()
	base := a.clk.Now().Add(-24 * time.Hour)
	at := func(min int) *time.Time { v := base.Add(time.Duration(min) * time.Minute); return &v }
	// Contacts are named after their minute, so results read as a list.
	seedContact := func(min int, channel, method, queue string, ended bool) {
		r := &contacts.Record{Name: "m" + string(rune('0'+min)), Channel: channel, InitiationMethod: method, InitiationTimestamp: *at(min)}
		if queue != "" {
			r.Queue = &contacts.QueueInfo{ID: queue, EnqueueTimestamp: at(min).Add(30 * time.Second)}
		}
		if ended {
			r.DisconnectTimestamp = at(min).Add(5 * time.Minute)
		}
		a.put(t, r)
	}
	seedContact(0, "VOICE", "INBOUND", "sales", true)
	seedContact(1, "CHAT", "API", "support", false)
	seedContact(2, "VOICE", "OUTBOUND", "", true)
	seedContact(3, "VOICE", "INBOUND", "support", false)
	seedContact(4, "CHAT", "INBOUND", "sales", true)
	seedContact(5, "VOICE", "API", "sales", false)
	seedContact(6, "TASK", "API", "", false)

	initiated := func(from, to int) *types.SearchContactsTimeRange {
		return &types.SearchContactsTimeRange{Type: types.SearchContactsTimeRangeTypeInitiationTimestamp, StartTime: at(from), EndTime: at(to)}
	}
	asc := &types.Sort{FieldName: types.SortableFieldNameInitiationTimestamp, Order: types.SortOrderAscending}
	names := func(nums ...int) []string {
		out := []string{}
		for _, n := range nums {
			out = append(out, "m"+string(rune('0'+n)))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   connect.SearchContactsInput
		want []string
	}{
		{"newest first by default", connect.SearchContactsInput{TimeRange: initiated(0, 60)}, names(6, 5, 4, 3, 2, 1, 0)},
		{"ascending", connect.SearchContactsInput{TimeRange: initiated(0, 60), Sort: asc}, names(0, 1, 2, 3, 4, 5, 6)},
		{"time range", connect.SearchContactsInput{TimeRange: initiated(2, 5), Sort: asc}, names(2, 3, 4)},
		{"channels", connect.SearchContactsInput{TimeRange: initiated(0, 60), Sort: asc,
			SearchCriteria: &types.SearchCriteria{Channels: []types.Channel{types.ChannelChat, types.ChannelTask}}}, names(1, 4, 6)},
		{"initiation methods", connect.SearchContactsInput{TimeRange: initiated(0, 60), Sort: asc,
			SearchCriteria: &types.SearchCriteria{InitiationMethods: []types.ContactInitiationMethod{types.ContactInitiationMethodApi}}}, names(1, 5, 6)},
		{"queues", connect.SearchContactsInput{TimeRange: initiated(0, 60), Sort: asc,
			SearchCriteria: &types.SearchCriteria{QueueIds: []string{"sales"}}}, names(0, 4, 5)},
		{"every filter", connect.SearchContactsInput{TimeRange: initiated(1, 60), Sort: asc,
			SearchCriteria: &types.SearchCriteria{
				Channels: []types.Channel{types.ChannelVoice}, InitiationMethods: []types.ContactInitiationMethod{types.ContactInitiationMethodInbound, types.ContactInitiationMethodApi},
				QueueIds: []string{"sales", "support"}}}, names(3, 5)},
		{"disconnect time", connect.SearchContactsInput{Sort: asc, TimeRange: &types.SearchContactsTimeRange{
			Type: types.SearchContactsTimeRangeTypeDisconnectTimestamp, StartTime: at(6), EndTime: at(60)}}, names(2, 4)},
		{"enqueue time", connect.SearchContactsInput{Sort: asc, TimeRange: &types.SearchContactsTimeRange{
			Type: types.SearchContactsTimeRangeTypeEnqueueTimestamp, StartTime: at(1), EndTime: at(4)}}, names(1, 3)},
		{"agent connected time: no agents", connect.SearchContactsInput{TimeRange: &types.SearchContactsTimeRange{
			Type: types.SearchContactsTimeRangeTypeConnectedToAgentTimestamp, StartTime: at(0), EndTime: at(60)}}, names()},
		{"agent ids: no agents", connect.SearchContactsInput{TimeRange: initiated(0, 60),
			SearchCriteria: &types.SearchCriteria{AgentIds: []string{"agent-1"}}}, names()},
		{"this region", connect.SearchContactsInput{TimeRange: initiated(0, 2), Sort: asc,
			SearchCriteria: &types.SearchCriteria{ActiveRegions: []string{"eu-west-2", "us-east-1"}}}, names(0, 1)},
		{"another region", connect.SearchContactsInput{TimeRange: initiated(0, 60),
			SearchCriteria: &types.SearchCriteria{ActiveRegions: []string{"eu-west-2"}}}, names()},
		{"nothing in range", connect.SearchContactsInput{TimeRange: initiated(100, 200)}, names()},
	} {
		for _, size := range []int32{0, 1, 2, 3} {
			in := tc.in
			if size > 0 {
				in.MaxResults = aws.Int32(size)
			}
			if got := searchIDs(t, a, &in); !slices.Equal(got, tc.want) {
				t.Errorf("%s, page size %d: %v, want %v", tc.name, size, got, tc.want)
			}
		}
	}

	// A summary carries what the contact record has.
	out, err := a.c.SearchContacts(ctx, &connect.SearchContactsInput{InstanceId: aws.String(a.inst), TimeRange: initiated(0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Contacts[0]
	if s.QueueInfo == nil || aws.ToString(s.QueueInfo.Id) != "sales" || !aws.ToTime(s.QueueInfo.EnqueueTimestamp).Equal(at(0).Add(30*time.Second)) ||
		!aws.ToTime(s.DisconnectTimestamp).Equal(at(0).Add(5*time.Minute)) || !aws.ToTime(s.InitiationTimestamp).Equal(*at(0)) ||
		aws.ToString(s.InitialContactId) != aws.ToString(s.Id) || !strings.HasSuffix(aws.ToString(s.Arn), "/contact/"+aws.ToString(s.Id)) {
		t.Fatalf("summary %+v", s)
	}

	first, err := a.c.SearchContacts(ctx, &connect.SearchContactsInput{InstanceId: aws.String(a.inst), TimeRange: initiated(0, 60), MaxResults: aws.Int32(2)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v", err)
	}
	for _, tc := range []struct {
		name   string
		in     connect.SearchContactsInput
		code   string
		status int
	}{
		{"end before start", connect.SearchContactsInput{TimeRange: initiated(5, 4)}, "InvalidParameterException", 400},
		{"sort by channel", connect.SearchContactsInput{TimeRange: initiated(0, 60),
			Sort: &types.Sort{FieldName: types.SortableFieldNameChannel, Order: types.SortOrderAscending}}, "InvalidParameterException", 400},
		{"name criteria", connect.SearchContactsInput{TimeRange: initiated(0, 60), SearchCriteria: &types.SearchCriteria{
			Name: &types.NameCriteria{MatchType: types.SearchContactsMatchTypeMatchAny, SearchText: []string{"m1"}}}}, "InvalidParameterException", 400},
		{"token of another search", connect.SearchContactsInput{TimeRange: initiated(0, 59), NextToken: first.NextToken}, "InvalidParameterException", 400},
		{"made-up token", connect.SearchContactsInput{TimeRange: initiated(0, 60), NextToken: aws.String("not-a-token")}, "InvalidParameterException", 400},
		{"unknown instance", connect.SearchContactsInput{InstanceId: aws.String(unknownID), TimeRange: initiated(0, 60)}, "ResourceNotFoundException", 404},
	} {
		in := tc.in
		if in.InstanceId == nil {
			in.InstanceId = aws.String(a.inst)
		}
		_, err := a.c.SearchContacts(ctx, &in)
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, err, tc.code, tc.status) })
	}
}
