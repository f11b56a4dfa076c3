package profiles_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/profiles"
)

// calcHarness is a live service on a virtual clock with a domain d whose
// Order objects carry a total, a tax, a channel and two timestamps, and
// whose Visit objects expire after a day.
type calcHarness struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Virtual
	svc   *profiles.Service
	c     *cp.Client
}

// calcT0 is when the harness starts.
var calcT0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

func newCalcHarness(t *testing.T) *calcHarness {
	h := &calcHarness{t: t, ctx: context.Background(), clock: clock.NewVirtual(calcT0)}
	h.svc, h.c = liveService(t, profiles.Config{Region: "us-east-1", AccountID: "000000000000"}, h.clock)
	createDomain(t, h.c, "d", 365)
	putType(t, h.c, "d", "Order", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"}, "total": {"Source": "_source.total"},
		           "tax": {"Source": "_source.tax"}, "channel": {"Source": "_source.channel"}, "placedAt": {"Source": "_source.placedAt"}},
		"Keys": {"orderId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	putType(t, h.c, "d", "Visit", `{"AllowProfileCreation": true, "ExpirationDays": 1,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"}},
		"Keys": {"visitId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	return h
}

func (h *calcHarness) put(typ, object string) { putObject(h.t, h.c, "d", typ, object) }

// profile is the id of the profile of an account.
func (h *calcHarness) profile(acct string) string {
	return aws.ToString(only(h.t, search(h.t, h.c, "d", "_account", acct)).ProfileId)
}

// define creates a definition written as the JSON body of
// CreateCalculatedAttributeDefinition.
func (h *calcHarness) define(name, body string) error {
	in := &cp.CreateCalculatedAttributeDefinitionInput{}
	if err := json.Unmarshal([]byte(body), in); err != nil {
		h.t.Fatalf("definition %s: %v", name, err)
	}
	in.DomainName, in.CalculatedAttributeName = aws.String("d"), aws.String(name)
	_, err := h.c.CreateCalculatedAttributeDefinition(h.ctx, in)
	return err
}

func (h *calcHarness) get(name, profile string) (*cp.GetCalculatedAttributeForProfileOutput, error) {
	return h.c.GetCalculatedAttributeForProfile(h.ctx, &cp.GetCalculatedAttributeForProfileInput{
		DomainName: aws.String("d"), CalculatedAttributeName: aws.String(name), ProfileId: aws.String(profile)})
}

// value is a definition's value for a profile; "-" when it has none.
func (h *calcHarness) value(name, profile string) string {
	h.t.Helper()
	out, err := h.get(name, profile)
	check(h.t, err)
	if aws.ToString(out.CalculatedAttributeName) != name || aws.ToString(out.IsDataPartial) != "false" {
		h.t.Fatalf("%s answered %s", name, dump(out))
	}
	if out.Value == nil {
		return "-"
	}
	return *out.Value
}

// orders puts four orders of account A, ten days apart, and leaves the
// clock five days after the last: 35, 25, 15 and 5 days ago.
func (h *calcHarness) orders() {
	for i, o := range []string{
		`{"id":"o1","acct":"A","total":10,"tax":1,"channel":"web","placedAt":"%s","meta":{"placed":"%[1]s"}}`,
		`{"id":"o2","acct":"A","total":"20.5","tax":"2","channel":"phone","placedAt":"2020-01-01T00:00:00Z"}`,
		`{"id":"o3","acct":"A","total":"n/a","channel":"web"}`,
		`{"id":"o4","acct":"A","total":30,"tax":3,"channel":"phone","placedAt":"%d"}`,
	} {
		if i > 0 {
			h.clock.Advance(10 * 24 * time.Hour)
		}
		switch i {
		case 0: // placed a day before the harness will end, though put 35 days before
			o = fmt.Sprintf(o, calcT0.Add(34*24*time.Hour).Format(time.RFC3339))
		case 3: // placed 40 days ago, in epoch milliseconds
			o = fmt.Sprintf(o, calcT0.Add(-10*24*time.Hour).UnixMilli())
		}
		h.put("Order", o)
	}
	h.clock.Advance(5 * 24 * time.Hour)
}

func TestCalculatedAttributeValues(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	_, err := h.c.CreateProfile(h.ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), AccountNumber: aws.String("B")})
	check(t, err)
	b := h.profile("B") // no objects at all
	day := func(d int) time.Time { return calcT0.Add(time.Duration(d) * 24 * time.Hour) }

	for _, tc := range []struct {
		name, body string
		a, b       string    // the values for A and B; "-" for none
		last       time.Time // A's LastObjectTimestamp; zero for none
	}{
		{"sum", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`,
			"60.5", "-", day(30)}, // "n/a" is not a number and does not count
		{"average30", `{"Statistic": "AVERAGE", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"Range": {"Value": 30, "Unit": "DAYS"}}}`, "25.25", "-", day(30)},
		{"countOrders", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"}}`,
			"4", "0", day(30)},
		{"countTotals", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`,
			"4", "0", day(30)}, // COUNT counts values that are not numbers too
		{"sumWithTax", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}, {"Name": "tax"}],
			"Expression": "{Order.total} + {Order.tax}"}}`, "66.5", "-", day(30)},
		{"bigSpender", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"Threshold": {"Value": "50", "Operator": "GREATER_THAN"}}}`, "true", "-", day(30)},
		{"smallSpender", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"Threshold": {"Value": "50", "Operator": "LESS_THAN"}}}`, "false", "-", day(30)},
		{"fewOrders", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"},
			"Conditions": {"Threshold": {"Value": "3", "Operator": "LESS_THAN"}}}`, "false", "true", day(30)},
		{"firstChannel", `{"Statistic": "FIRST_OCCURRENCE", "AttributeDetails": {"Attributes": [{"Name": "channel"}], "Expression": "{Order.channel}"}}`,
			"web", "-", day(30)},
		{"lastChannel", `{"Statistic": "LAST_OCCURRENCE", "AttributeDetails": {"Attributes": [{"Name": "channel"}], "Expression": "{Order.channel}"}}`,
			"phone", "-", day(30)},
		{"usualChannel", `{"Statistic": "MAX_OCCURRENCE", "AttributeDetails": {"Attributes": [{"Name": "channel"}], "Expression": "{Order.channel}"}}`,
			"phone", "-", day(30)}, // web and phone twice each: phone was seen last
		{"lastTwo", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"ObjectCount": 2}}`, "50.5", "-", day(30)},
		{"smallest", `{"Statistic": "MINIMUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`,
			"10", "-", day(30)},
		{"largest", `{"Statistic": "MAXIMUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`,
			"30", "-", day(30)},
		{"between", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"Range": {"ValueRange": {"Start": 25, "End": 10}, "Unit": "DAYS"}}}`, "20.5", "-", day(10)},
		{"placedRecently", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
			"Conditions": {"Range": {"Value": 30, "Unit": "DAYS", "TimestampSource": "{Order.placedAt}", "TimestampFormat": "ISO_8601"}}}`,
			"10", "-", day(34)}, // o1 by its placedAt; o4's epoch time is not ISO 8601, o3 has none
		{"placedAnyFormat", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"},
			"Conditions": {"Range": {"Value": 60, "Unit": "DAYS", "TimestampSource": "{Order.placedAt}"}}}`,
			"2", "0", day(34)}, // o1 (ISO 8601) and o4 (epoch, 40 days ago); o2 was placed in 2020
		{"placedByPath", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"},
			"Conditions": {"Range": {"Value": 30, "Unit": "DAYS", "TimestampSource": "{Order.meta.placed}"}}}`,
			"1", "0", day(34)}, // a path in the object that no field maps
		{"visits", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Visit.id}"}}`,
			"0", "0", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, h.define(tc.name, strings.Replace(tc.body, "{", `{"UseHistoricalData": true, `, 1)))
			if got := h.value(tc.name, a); got != tc.a {
				t.Errorf("A: %s, want %s", got, tc.a)
			}
			if got := h.value(tc.name, b); got != tc.b {
				t.Errorf("B: %s, want %s", got, tc.b)
			}
			out, err := h.get(tc.name, a)
			check(t, err)
			if got := aws.ToTime(out.LastObjectTimestamp); !got.Equal(tc.last) {
				t.Errorf("LastObjectTimestamp %v, want %v", got, tc.last)
			}
		})
	}
}

func TestCalculatedAttributeWithoutHistoricalData(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	check(t, h.define("sum", `{"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`))
	check(t, h.define("count", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"}}`))
	if got := h.value("sum", a) + " " + h.value("count", a); got != "- 0" {
		t.Fatalf("before any new object: %s, want none and 0", got)
	}
	h.clock.Advance(time.Hour)
	h.put("Order", `{"id":"o5","acct":"A","total":7}`)
	h.put("Order", `{"id":"o1","acct":"A","total":11}`) // a re-put counts from when it was made
	if got := h.value("sum", a) + " " + h.value("count", a); got != "18 2" {
		t.Fatalf("after two new puts: %s, want 18 2", got)
	}
}

func TestCalculatedAttributeExpiredObjectsDoNotCount(t *testing.T) {
	h := newCalcHarness(t)
	check(t, h.define("visits", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Visit.id}"}}`))
	h.put("Visit", `{"id":"v1","acct":"A"}`)
	h.clock.Advance(12 * time.Hour)
	h.put("Visit", `{"id":"v2","acct":"A"}`)
	a := h.profile("A")
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{0, "2"}, {12 * time.Hour, "1"}, {12 * time.Hour, "0"}} {
		h.clock.Advance(step.advance)
		if got := h.value("visits", a); got != step.want {
			t.Fatalf("%v later: %s visits, want %s", step.advance, got, step.want)
		}
	}
}

func TestCalculatedAttributesForProfileLists(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	defs := map[string]string{
		"c_sum":   `{"DisplayName": "Total spent", "UseHistoricalData": true, "Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`,
		"a_count": `{"UseHistoricalData": true, "Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"}}`,
		"b_none":  `{"UseHistoricalData": true, "Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "tax"}], "Expression": "{Order.tax}"}, "Conditions": {"Range": {"Value": 1, "Unit": "DAYS"}}}`,
		"d_last":  `{"UseHistoricalData": true, "Statistic": "LAST_OCCURRENCE", "AttributeDetails": {"Attributes": [{"Name": "channel"}], "Expression": "{Order.channel}"}}`,
	}
	for name, body := range defs {
		check(t, h.define(name, body))
	}
	want := []profiles.CalculatedValue{
		{Name: "a_count", Value: "4"}, {Name: "c_sum", DisplayName: "Total spent", Value: "60.5"}, {Name: "d_last", Value: "phone"},
	}
	got, err := h.svc.CalculatedAttributesForProfile(h.ctx, "d", a)
	check(t, err)
	if !slices.Equal(got, want) {
		t.Fatalf("CalculatedAttributesForProfile = %+v, want %+v", got, want)
	}
	// The API lists the same, a page at a time; b_none has no value and is left out.
	var listed []profiles.CalculatedValue
	pages := eachPage(func(token *string) *string {
		out, err := h.c.ListCalculatedAttributesForProfile(h.ctx, &cp.ListCalculatedAttributesForProfileInput{
			DomainName: aws.String("d"), ProfileId: aws.String(a), MaxResults: aws.Int32(2), NextToken: token})
		check(t, err)
		for _, it := range out.Items {
			listed = append(listed, profiles.CalculatedValue{Name: aws.ToString(it.CalculatedAttributeName),
				DisplayName: aws.ToString(it.DisplayName), Value: aws.ToString(it.Value)})
		}
		return out.NextToken
	})
	if !slices.Equal(listed, want) || pages != 2 {
		t.Fatalf("ListCalculatedAttributesForProfile listed %+v in %d pages, want %+v in 2", listed, pages, want)
	}

	for _, tc := range []struct {
		domain, profile, code string
	}{{"nope", a, "ResourceNotFoundException"}, {"d", strings.Repeat("0", 32), "ResourceNotFoundException"}} {
		_, err := h.svc.CalculatedAttributesForProfile(h.ctx, tc.domain, tc.profile)
		if e, ok := apierr.As(err); !ok || e.Code != tc.code {
			t.Errorf("CalculatedAttributesForProfile(%s, %s): %v, want %s", tc.domain, tc.profile, err, tc.code)
		}
	}
}

func TestBatchGetCalculatedAttributeForProfile(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	h.put("Order", `{"id":"z1","acct":"Z","total":5}`)
	z := h.profile("Z")
	check(t, h.define("sum", `{"UseHistoricalData": true, "Statistic": "SUM",
		"AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`))
	missing := strings.Repeat("f", 32)
	names := map[string]string{a: "A", z: "Z", missing: "missing"}
	batch := func(o *types.ConditionOverrides) string {
		out, err := h.c.BatchGetCalculatedAttributeForProfile(h.ctx, &cp.BatchGetCalculatedAttributeForProfileInput{
			DomainName: aws.String("d"), CalculatedAttributeName: aws.String("sum"), ProfileIds: []string{a, missing, z},
			ConditionOverrides: o})
		check(t, err)
		var got []string
		for _, v := range out.CalculatedAttributeValues {
			got = append(got, fmt.Sprintf("%s=%s", names[aws.ToString(v.ProfileId)], aws.ToString(v.Value)))
		}
		for _, e := range out.Errors {
			got = append(got, fmt.Sprintf("%s:%s", names[aws.ToString(e.ProfileId)], aws.ToString(e.Code)))
		}
		return strings.Join(got, " ")
	}
	if got, want := batch(nil), "A=60.5 Z=5 missing:ResourceNotFoundException"; got != want {
		t.Fatalf("batch: %s, want %s", got, want)
	}
	// From 20 to 1 days ago: o3 ("n/a") and o4 (30) of A; Z's order is from today.
	over := &types.ConditionOverrides{Range: &types.RangeOverride{Start: aws.Int32(20), End: 1, Unit: types.RangeUnitDays}}
	if got, want := batch(over), "A=30 Z= missing:ResourceNotFoundException"; got != want {
		t.Fatalf("batch from 20 to 1 days ago: %s, want %s", got, want)
	}
}

// calcState renders the domain's definitions, which a refused request
// must leave as they were.
func (h *calcHarness) calcState() string {
	h.t.Helper()
	out, err := h.c.ListCalculatedAttributeDefinitions(h.ctx, &cp.ListCalculatedAttributeDefinitionsInput{DomainName: aws.String("d")})
	check(h.t, err)
	var b strings.Builder
	for _, it := range out.Items {
		d, err := h.c.GetCalculatedAttributeDefinition(h.ctx, &cp.GetCalculatedAttributeDefinitionInput{
			DomainName: aws.String("d"), CalculatedAttributeName: it.CalculatedAttributeName})
		check(h.t, err)
		fmt.Fprintf(&b, "%s\n", dump(d))
	}
	return b.String()
}

func TestCalculatedAttributeBadInputChangesNothing(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	const good = `{"UseHistoricalData": true, "Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`
	check(t, h.define("spent", good))
	// A client without the SDK's own validation, so the server answers.
	c := cp.New(h.c.Options(), noClientValidation)
	create := func(domain, name, body string) func() error {
		return func() error {
			in := &cp.CreateCalculatedAttributeDefinitionInput{}
			if err := json.Unmarshal([]byte(body), in); err != nil {
				t.Fatal(err)
			}
			in.DomainName, in.CalculatedAttributeName = aws.String(domain), aws.String(name)
			_, err := c.CreateCalculatedAttributeDefinition(h.ctx, in)
			return err
		}
	}
	def := func(attrs, expr, extra string) string {
		return fmt.Sprintf(`{"Statistic": "SUM", "AttributeDetails": {"Attributes": %s, "Expression": %q}%s}`, attrs, expr, extra)
	}
	total := `[{"Name": "total"}]`
	update := func(name, conditions string) func() error {
		return func() error {
			in := &cp.UpdateCalculatedAttributeDefinitionInput{DomainName: aws.String("d"), CalculatedAttributeName: aws.String(name),
				DisplayName: aws.String("Renamed")}
			if conditions != "" {
				in.Conditions = &types.Conditions{}
				if err := json.Unmarshal([]byte(conditions), in.Conditions); err != nil {
					t.Fatal(err)
				}
			}
			_, err := c.UpdateCalculatedAttributeDefinition(h.ctx, in)
			return err
		}
	}
	getFor := func(name, profile string) func() error {
		return func() error { _, err := h.get(name, profile); return err }
	}
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		says   string // part of the message
	}{
		{"an unknown domain", create("nope", "x", good), "ResourceNotFoundException", 404, "Domain nope"},
		{"an unknown object type", create("d", "x", def(total, "{Refund.total}", "")), "ResourceNotFoundException", 404, "ObjectType Refund"},
		{"an unknown field", create("d", "x", def(`[{"Name": "price"}]`, "{Order.price}", "")), "BadRequestException", 400, "field price"},
		{"a name that breaks the pattern", create("d", "9lives", good), "BadRequestException", 400, "CalculatedAttributeName"},
		{"a duplicate", create("d", "spent", good), "BadRequestException", 400, "already exists"},
		{"a Filter", create("d", "x", def(total, "{Order.total}", `, "Filter": {"Include": "ALL", "Groups": [{"Type": "ALL",
			"Dimensions": [{"Attributes": {"channel": {"DimensionType": "INCLUSIVE", "Values": ["web"]}}}]}]}`)),
			"BadRequestException", 400, "does not support"},
		{"three attributes", create("d", "x", def(`[{"Name": "total"}, {"Name": "tax"}, {"Name": "id"}]`,
			"{Order.total} + {Order.tax} + {Order.id}", "")), "BadRequestException", 400, "one or two fields"},
		{"an attribute the expression does not use", create("d", "x", def(`[{"Name": "total"}, {"Name": "tax"}]`, "{Order.total}", "")),
			"BadRequestException", 400, "does not use"},
		{"an expression field not listed", create("d", "x", def(total, "{Order.total} + {Order.tax}", "")), "BadRequestException", 400, "does not list"},
		{"two object types", create("d", "x", def(total, "{Order.total} + {Visit.total}", "")), "BadRequestException", 400, "one object type"},
		{"an expression that does not parse", create("d", "x", def(total, "{Order.total} +", "")), "BadRequestException", 400, "not valid"},
		{"a statistic the model lacks", create("d", "x", `{"Statistic": "MEDIAN", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}}`),
			"BadRequestException", 400, "Statistic"},
		{"ObjectCount 0", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"ObjectCount": 0}`)), "BadRequestException", 400, "ObjectCount"},
		{"ObjectCount 101", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"ObjectCount": 101}`)), "BadRequestException", 400, "ObjectCount"},
		{"a Range without a unit", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Value": 3}}`)), "BadRequestException", 400, "Unit"},
		{"a Range without a length", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS"}}`)), "BadRequestException", 400, "Value or ValueRange"},
		{"a range ending before it starts", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS", "ValueRange": {"Start": 5, "End": 10}}}`)),
			"BadRequestException", 400, "must not be after"},
		{"an unknown TimestampFormat", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS", "Value": 3,
			"TimestampSource": "{Order.placedAt}", "TimestampFormat": "RFC822"}}`)), "BadRequestException", 400, "TimestampFormat"},
		{"a TimestampFormat alone", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS", "Value": 3, "TimestampFormat": "ISO_8601"}}`)),
			"BadRequestException", 400, "needs a TimestampSource"},
		{"a TimestampSource without braces", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS", "Value": 3,
			"TimestampSource": "Order.placedAt}"}}`)), "BadRequestException", 400, "must be written"},
		{"a TimestampSource of another type", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Range": {"Unit": "DAYS", "Value": 3,
			"TimestampSource": "{Visit.at}"}}`)), "BadRequestException", 400, "TimestampSource"},
		{"a threshold above a word", create("d", "x", def(total, "{Order.total}", `, "Conditions": {"Threshold": {"Value": "lots", "Operator": "GREATER_THAN"}}`)),
			"BadRequestException", 400, "must be a number"},
		{"an update of an unknown definition", update("nope", ""), "ResourceNotFoundException", 404, "nope"},
		{"an update with bad conditions", update("spent", `{"ObjectCount": 500}`), "BadRequestException", 400, "ObjectCount"},
		{"a delete of an unknown definition", func() error {
			_, err := c.DeleteCalculatedAttributeDefinition(h.ctx, &cp.DeleteCalculatedAttributeDefinitionInput{
				DomainName: aws.String("d"), CalculatedAttributeName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, "nope"},
		{"a value for an unknown profile", getFor("spent", strings.Repeat("0", 32)), "ResourceNotFoundException", 404, "Profile"},
		{"a value of an unknown definition", getFor("nope", a), "ResourceNotFoundException", 404, "nope"},
		{"a batch over a range ending before it starts", func() error {
			_, err := c.BatchGetCalculatedAttributeForProfile(h.ctx, &cp.BatchGetCalculatedAttributeForProfileInput{
				DomainName: aws.String("d"), CalculatedAttributeName: aws.String("spent"), ProfileIds: []string{a},
				ConditionOverrides: &types.ConditionOverrides{Range: &types.RangeOverride{Start: aws.Int32(1), End: 2, Unit: types.RangeUnitDays}}})
			return err
		}, "BadRequestException", 400, "must not be after"},
		{"a page token of another listing", func() error {
			_, err := c.ListCalculatedAttributeDefinitions(h.ctx, &cp.ListCalculatedAttributeDefinitionsInput{
				DomainName: aws.String("d"), NextToken: aws.String("garbage")})
			return err
		}, "BadRequestException", 400, "NextToken"},
	}
	before := h.calcState()
	if !strings.Contains(before, `"spent"`) {
		t.Fatalf("the state shows no definition: the test would check nothing\n%s", before)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := wantError(t, tc.call(), tc.code, tc.status)
			if !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
			if after := h.calcState(); after != before {
				t.Fatalf("the refused request changed the definitions:\nbefore %s\nafter %s", before, after)
			}
		})
	}
}

func TestCalculatedAttributeDefinitionLifecycle(t *testing.T) {
	h := newCalcHarness(t)
	h.orders()
	a := h.profile("A")
	check(t, h.define("spent", `{"DisplayName": "Spent", "Description": "All orders", "UseHistoricalData": true, "Tags": {"team": "cx"},
		"Statistic": "SUM", "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"},
		"Conditions": {"Range": {"Value": 30, "Unit": "DAYS"}}}`))
	get := func() *cp.GetCalculatedAttributeDefinitionOutput {
		out, err := h.c.GetCalculatedAttributeDefinition(h.ctx, &cp.GetCalculatedAttributeDefinitionInput{
			DomainName: aws.String("d"), CalculatedAttributeName: aws.String("spent")})
		check(t, err)
		return out
	}
	got := get()
	if aws.ToString(got.DisplayName) != "Spent" || aws.ToString(got.Description) != "All orders" || got.Statistic != types.StatisticSum ||
		aws.ToString(got.AttributeDetails.Expression) != "{Order.total}" || aws.ToInt32(got.Conditions.Range.Value) != 30 ||
		got.Tags["team"] != "cx" || !aws.ToBool(got.UseHistoricalData) || got.Status != types.ReadinessStatusCompleted ||
		!aws.ToTime(got.CreatedAt).Equal(h.clock.Now()) || !aws.ToTime(got.LastUpdatedAt).Equal(h.clock.Now()) {
		t.Fatalf("GetCalculatedAttributeDefinition: %s", dump(got))
	}
	if v := h.value("spent", a); v != "50.5" {
		t.Fatalf("spent over 30 days: %s", v)
	}

	// An update changes what it sends and keeps the rest.
	h.clock.Advance(time.Minute)
	_, err := h.c.UpdateCalculatedAttributeDefinition(h.ctx, &cp.UpdateCalculatedAttributeDefinitionInput{
		DomainName: aws.String("d"), CalculatedAttributeName: aws.String("spent"),
		Conditions: &types.Conditions{Range: &types.Range{Value: aws.Int32(60), Unit: types.UnitDays}}})
	check(t, err)
	got = get()
	if aws.ToString(got.DisplayName) != "Spent" || aws.ToInt32(got.Conditions.Range.Value) != 60 ||
		!aws.ToTime(got.CreatedAt).Equal(calcT0.Add(35*24*time.Hour)) || !aws.ToTime(got.LastUpdatedAt).Equal(h.clock.Now()) {
		t.Fatalf("after the update: %s", dump(got))
	}
	if v := h.value("spent", a); v != "60.5" {
		t.Fatalf("spent over 60 days: %s", v)
	}

	listed, err := h.c.ListCalculatedAttributeDefinitions(h.ctx, &cp.ListCalculatedAttributeDefinitionsInput{DomainName: aws.String("d")})
	check(t, err)
	if len(listed.Items) != 1 || aws.ToString(listed.Items[0].CalculatedAttributeName) != "spent" || aws.ToString(listed.Items[0].DisplayName) != "Spent" {
		t.Fatalf("ListCalculatedAttributeDefinitions: %s", dump(listed.Items))
	}

	_, err = h.c.DeleteCalculatedAttributeDefinition(h.ctx, &cp.DeleteCalculatedAttributeDefinitionInput{
		DomainName: aws.String("d"), CalculatedAttributeName: aws.String("spent")})
	check(t, err)
	_, err = h.get("spent", a)
	wantError(t, err, "ResourceNotFoundException", 404)
}

func TestCalculatedAttributeQuotaAndDomainDeletion(t *testing.T) {
	h := newCalcHarness(t)
	body := `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Order.id}"}}`
	for i := range 50 {
		check(t, h.define(fmt.Sprintf("c%02d", i), body))
	}
	wantError(t, h.define("c50", body), "BadRequestException", 400)
	var names []string
	eachPage(func(token *string) *string {
		out, err := h.c.ListCalculatedAttributeDefinitions(h.ctx, &cp.ListCalculatedAttributeDefinitionsInput{
			DomainName: aws.String("d"), MaxResults: aws.Int32(20), NextToken: token})
		check(t, err)
		for _, it := range out.Items {
			names = append(names, aws.ToString(it.CalculatedAttributeName))
		}
		return out.NextToken
	})
	if len(names) != 50 || names[0] != "c00" || names[49] != "c49" || !slices.IsSorted(names) {
		t.Fatalf("listed %v", names)
	}

	// Deleting the domain deletes its definitions.
	_, err := h.c.DeleteDomain(h.ctx, &cp.DeleteDomainInput{DomainName: aws.String("d")})
	check(t, err)
	createDomain(t, h.c, "d", 365)
	out, err := h.c.ListCalculatedAttributeDefinitions(h.ctx, &cp.ListCalculatedAttributeDefinitionsInput{DomainName: aws.String("d")})
	check(t, err)
	if len(out.Items) != 0 {
		t.Fatalf("a recreated domain lists %d definitions of the deleted one", len(out.Items))
	}
}

// TestCalculatedAttributeObjectTypes: a template used implicitly may be
// read, and deleting the type a definition reads keeps the definition,
// which then has no value (COUNT 0).
func TestCalculatedAttributeObjectTypes(t *testing.T) {
	h := newCalcHarness(t)
	check(t, h.define("channels", `{"Statistic": "MAX_OCCURRENCE", "AttributeDetails": {"Attributes": [{"Name": "Channel"}], "Expression": "{CTR.Channel}"}}`))
	check(t, h.define("visits", `{"Statistic": "COUNT", "AttributeDetails": {"Attributes": [{"Name": "id"}], "Expression": "{Visit.id}"}}`))
	h.put("Visit", `{"id":"v1","acct":"A"}`)
	a := h.profile("A")
	if got := h.value("visits", a); got != "1" {
		t.Fatalf("visits before the type is deleted: %s", got)
	}
	_, err := h.c.DeleteProfileObjectType(h.ctx, &cp.DeleteProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("Visit")})
	check(t, err)
	if got := h.value("visits", a); got != "0" {
		t.Fatalf("visits after the type is deleted: %s", got)
	}
	if got := h.value("channels", a); got != "-" {
		t.Fatalf("channels of a profile without contact records: %s", got)
	}
}
