package profiles_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func ids(items []types.Profile) []string {
	var out []string
	for _, p := range items {
		out = append(out, aws.ToString(p.ProfileId))
	}
	sort.Strings(out)
	return out
}

// eachPage calls page with each token it returns, starting with none, and
// returns how many pages there were.
func eachPage(page func(token *string) *string) int {
	n := 0
	for token := page(nil); ; token = page(token) {
		n++
		if token == nil {
			return n
		}
	}
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func TestSearchProfiles(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	mk := func(in cp.CreateProfileInput) string {
		in.DomainName = aws.String("d")
		out, err := c.CreateProfile(ctx, &in)
		check(t, err)
		return aws.ToString(out.ProfileId)
	}
	ann := mk(cp.CreateProfileInput{AccountNumber: aws.String("A1"), PhoneNumber: aws.String("(555)-123-4567"),
		EmailAddress: aws.String("Ann@Example.com"), FirstName: aws.String("Ann"), LastName: aws.String("Lee")})
	bob := mk(cp.CreateProfileInput{AccountNumber: aws.String("A2"), MobilePhoneNumber: aws.String("+1 555 123 4567"),
		PersonalEmailAddress: aws.String("bob@example.com")})
	cy := mk(cp.CreateProfileInput{AccountNumber: aws.String("A3"), BusinessPhoneNumber: aws.String("+44 20 7123 4567")})

	pair := func(key string, values ...string) types.AdditionalSearchKey {
		return types.AdditionalSearchKey{KeyName: aws.String(key), Values: values}
	}
	cases := []struct {
		name  string
		in    cp.SearchProfilesInput
		want  []string
		found map[string][]string // profile → "key=values" it was found by
	}{
		{"a phone number as E.164", cp.SearchProfilesInput{KeyName: aws.String("_phone"), Values: []string{"+15551234567"}}, sorted(ann, bob), nil},
		{"a phone number as written locally", cp.SearchProfilesInput{KeyName: aws.String("_phone"), Values: []string{"555.123.4567"}}, sorted(ann, bob), nil},
		{"a phone number with an international prefix", cp.SearchProfilesInput{KeyName: aws.String("_phone"), Values: []string{"0044 20 7123 4567"}}, []string{cy}, nil},
		{"an e-mail address in another case", cp.SearchProfilesInput{KeyName: aws.String("_email"), Values: []string{"ANN@example.COM"}}, []string{ann}, nil},
		{"alternative values", cp.SearchProfilesInput{KeyName: aws.String("_account"), Values: []string{"A1", "A3", "A9"}}, sorted(ann, cy), nil},
		{"a full name", cp.SearchProfilesInput{KeyName: aws.String("_fullName"), Values: []string{"ann  LEE"}}, []string{ann}, nil},
		{"a profile id", cp.SearchProfilesInput{KeyName: aws.String("_profileId"), Values: []string{cy}}, []string{cy}, nil},
		{"an account number is exact", cp.SearchProfilesInput{KeyName: aws.String("_account"), Values: []string{"a1"}}, nil, nil},
		{"a key nobody has", cp.SearchProfilesInput{KeyName: aws.String("loyaltyId"), Values: []string{"A1"}}, nil, nil},
		{"OR (the default)", cp.SearchProfilesInput{KeyName: aws.String("_account"), Values: []string{"A1"},
			AdditionalSearchKeys: []types.AdditionalSearchKey{pair("_email", "bob@example.com", "nobody@example.com")}},
			sorted(ann, bob), map[string][]string{ann: {"_account=[A1]"}, bob: {"_email=[bob@example.com]"}}},
		{"AND", cp.SearchProfilesInput{KeyName: aws.String("_phone"), Values: []string{"+15551234567"}, LogicalOperator: types.LogicalOperatorAnd,
			AdditionalSearchKeys: []types.AdditionalSearchKey{pair("_email", "bob@example.com", "nobody@example.com")}},
			[]string{bob}, map[string][]string{bob: {"_phone=[+15551234567]", "_email=[bob@example.com nobody@example.com]"}}},
		{"AND with no profile matching every pair", cp.SearchProfilesInput{KeyName: aws.String("_account"), Values: []string{"A1"},
			LogicalOperator: types.LogicalOperatorAnd, AdditionalSearchKeys: []types.AdditionalSearchKey{pair("_account", "A2")}}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.DomainName = aws.String("d")
			out, err := c.SearchProfiles(ctx, &in)
			check(t, err)
			if got := ids(out.Items); !slices.Equal(got, tc.want) {
				t.Fatalf("found %v, want %v", got, tc.want)
			}
			for _, p := range out.Items {
				var found []string
				for _, f := range p.FoundByItems {
					found = append(found, fmt.Sprintf("%s=%v", aws.ToString(f.KeyName), f.Values))
				}
				if want := tc.found[aws.ToString(p.ProfileId)]; !slices.Equal(found, want) {
					t.Errorf("%s FoundByItems %v, want %v", aws.ToString(p.ProfileId), found, want)
				}
			}
		})
	}

	_, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("nope"), KeyName: aws.String("_account"), Values: []string{"A1"}})
	wantError(t, err, "ResourceNotFoundException", 404)
}

func TestSearchProfilesPages(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	var all []string
	for range 25 {
		out, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), AccountNumber: aws.String("shared")})
		check(t, err)
		all = append(all, aws.ToString(out.ProfileId))
	}
	sort.Strings(all)
	first, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"), Values: []string{"shared"}})
	check(t, err)
	if len(first.Items) != 20 || first.NextToken == nil {
		t.Fatalf("the default page holds %d profiles (token %v), want 20 and a token", len(first.Items), first.NextToken != nil)
	}
	var got []string
	var token *string
	pages := 0
	for {
		out, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"),
			Values: []string{"shared"}, MaxResults: aws.Int32(10), NextToken: token})
		check(t, err)
		pages++
		got = append(got, ids(out.Items)...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if pages != 3 || !slices.Equal(got, all) {
		t.Fatalf("%d pages with %v, want 3 pages with every profile once", pages, got)
	}
	// A token belongs to its search.
	_, err = c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"),
		Values: []string{"other"}, NextToken: first.NextToken})
	wantError(t, err, "BadRequestException", 400)
}

func TestDomains(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	created, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String("main"), DefaultExpirationDays: aws.Int32(30),
		DeadLetterQueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/000000000000/dlq"), Tags: map[string]string{"team": "cx"},
		RuleBasedMatching: &types.RuleBasedMatchingRequest{Enabled: aws.Bool(true), MatchingRules: []types.MatchingRule{{Rule: []string{"EmailAddress"}}}},
		Matching:          &types.MatchingRequest{Enabled: aws.Bool(false)}})
	check(t, err)
	if created.CreatedAt == nil || created.LastUpdatedAt == nil || aws.ToInt32(created.DefaultExpirationDays) != 30 {
		t.Fatalf("CreateDomain answered %s", dump(created))
	}
	got, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("main")})
	check(t, err)
	if got.RuleBasedMatching == nil || got.RuleBasedMatching.Status != types.RuleBasedMatchingStatusActive ||
		len(got.RuleBasedMatching.MatchingRules) != 1 || got.Matching == nil || aws.ToBool(got.Matching.Enabled) ||
		got.Tags["team"] != "cx" || got.Stats == nil {
		t.Fatalf("GetDomain answered %s", dump(got))
	}
	// Absent members keep their value; an empty queue URL clears it.
	_, err = c.UpdateDomain(ctx, &cp.UpdateDomainInput{DomainName: aws.String("main"), DefaultExpirationDays: aws.Int32(60)})
	check(t, err)
	got, err = c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("main")})
	check(t, err)
	if aws.ToInt32(got.DefaultExpirationDays) != 60 || aws.ToString(got.DeadLetterQueueUrl) == "" || got.RuleBasedMatching == nil {
		t.Fatalf("a partial update lost members: %s", dump(got))
	}
	_, err = c.UpdateDomain(ctx, &cp.UpdateDomainInput{DomainName: aws.String("main"), DeadLetterQueueUrl: aws.String("")})
	check(t, err)
	got, err = c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("main")})
	check(t, err)
	if got.DeadLetterQueueUrl != nil {
		t.Fatalf("an empty DeadLetterQueueUrl did not clear it: %s", dump(got))
	}

	for i := range 4 {
		createDomain(t, c, fmt.Sprintf("extra-%d", i), 1)
	}
	var names []string
	eachPage(func(token *string) *string {
		out, err := c.ListDomains(ctx, &cp.ListDomainsInput{MaxResults: aws.Int32(2), NextToken: token})
		check(t, err)
		for _, d := range out.Items {
			names = append(names, aws.ToString(d.DomainName))
		}
		return out.NextToken
	})
	if want := []string{"extra-0", "extra-1", "extra-2", "extra-3", "main"}; !slices.Equal(names, want) {
		t.Fatalf("ListDomains pages gave %v", names)
	}

	// Deleting a domain deletes its profiles: a new domain of that name is empty.
	_, err = c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("main"), AccountNumber: aws.String("1")})
	check(t, err)
	del, err := c.DeleteDomain(ctx, &cp.DeleteDomainInput{DomainName: aws.String("main")})
	check(t, err)
	if aws.ToString(del.Message) == "" {
		t.Fatal("DeleteDomain has no message")
	}
	_, err = c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("main")})
	wantError(t, err, "ResourceNotFoundException", 404)
	createDomain(t, c, "main", 30)
	if got := search(t, c, "main", "_account", "1"); len(got) != 0 {
		t.Fatalf("a deleted domain's profile survived: %s", dump(got))
	}
}

func TestObjectTypesTemplatesAndTags(t *testing.T) {
	_, c, _ := seeded(t, server.Config{})
	ctx := context.Background()
	first, err := c.GetProfileObjectType(ctx, &cp.GetProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("TrialSubscription")})
	check(t, err)
	if aws.ToInt32(first.ExpirationDays) != 100 || !first.AllowProfileCreation || len(first.Fields) != 6 || first.Fields["UserId"].ContentType != types.FieldContentTypeString {
		t.Fatalf("GetProfileObjectType: %s", dump(first))
	}
	// PutProfileObjectType is an upsert that keeps CreatedAt.
	putType(t, c, "d", "TrialSubscription", `{"Description": "v2", "AllowProfileCreation": true, "SourcePriority": 3,
		"Fields": {"UserId": {"Source": "_source.UserId", "Target": "_profile.AccountNumber"}},
		"Keys": {"_account": [{"FieldNames": ["UserId"], "StandardIdentifiers": ["PROFILE", "UNIQUE"]}]}}`)
	second, err := c.GetProfileObjectType(ctx, &cp.GetProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("TrialSubscription")})
	check(t, err)
	if !second.CreatedAt.Equal(*first.CreatedAt) || aws.ToString(second.Description) != "v2" || aws.ToInt32(second.SourcePriority) != 3 || second.ExpirationDays != nil {
		t.Fatalf("after the upsert: %s", dump(second))
	}
	var listed []string
	eachPage(func(token *string) *string {
		out, err := c.ListProfileObjectTypes(ctx, &cp.ListProfileObjectTypesInput{DomainName: aws.String("d"), MaxResults: aws.Int32(2), NextToken: token})
		check(t, err)
		for _, it := range out.Items {
			listed = append(listed, aws.ToString(it.ObjectTypeName))
		}
		return out.NextToken
	})
	if want := []string{"MarketingAssignedOffers", "PurchasedSubscription", "TrialSubscription"}; !slices.Equal(listed, want) {
		t.Fatalf("ListProfileObjectTypes: %v", listed)
	}

	tmpls, err := c.ListProfileObjectTypeTemplates(ctx, &cp.ListProfileObjectTypeTemplatesInput{})
	check(t, err)
	var tmplIDs []string
	for _, it := range tmpls.Items {
		tmplIDs = append(tmplIDs, aws.ToString(it.TemplateId))
	}
	if want := []string{"CTR", "CTR-AutoAssociateOnly", "CTR-NoInferred"}; !slices.Equal(tmplIDs, want) {
		t.Fatalf("templates %v", tmplIDs)
	}
	tmpl, err := c.GetProfileObjectTypeTemplate(ctx, &cp.GetProfileObjectTypeTemplateInput{TemplateId: aws.String("CTR-NoInferred")})
	check(t, err)
	if k := tmpl.Keys["_phone"]; len(k) != 1 || !slices.Equal(k[0].StandardIdentifiers, []types.StandardIdentifier{"PROFILE", "SECONDARY"}) {
		t.Fatalf("CTR-NoInferred keys: %s", dump(tmpl.Keys))
	}

	arn := "arn:aws:profile:us-east-1:000000000000:domains/d"
	typeARN := arn + "/object-types/TrialSubscription"
	calcARN := arn + "/calculated-attributes/accounts"
	_, err = c.CreateCalculatedAttributeDefinition(ctx, &cp.CreateCalculatedAttributeDefinitionInput{
		DomainName: aws.String("d"), CalculatedAttributeName: aws.String("accounts"), Statistic: types.StatisticCount,
		AttributeDetails: &types.AttributeDetails{Expression: aws.String("{TrialSubscription.UserId}"),
			Attributes: []types.AttributeItem{{Name: aws.String("UserId")}}},
	})
	check(t, err)
	for _, r := range []string{arn, typeARN, calcARN} {
		_, err = c.TagResource(ctx, &cp.TagResourceInput{ResourceArn: aws.String(r), Tags: map[string]string{"env": "ci", "owner": "cx"}})
		check(t, err)
		_, err = c.UntagResource(ctx, &cp.UntagResourceInput{ResourceArn: aws.String(r), TagKeys: []string{"owner", "absent"}})
		check(t, err)
		tags, err := c.ListTagsForResource(ctx, &cp.ListTagsForResourceInput{ResourceArn: aws.String(r)})
		check(t, err)
		if len(tags.Tags) != 1 || tags.Tags["env"] != "ci" {
			t.Fatalf("tags of %s: %v", r, tags.Tags)
		}
	}
	dom, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	typ, err := c.GetProfileObjectType(ctx, &cp.GetProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("TrialSubscription")})
	check(t, err)
	calc, err := c.GetCalculatedAttributeDefinition(ctx, &cp.GetCalculatedAttributeDefinitionInput{DomainName: aws.String("d"), CalculatedAttributeName: aws.String("accounts")})
	check(t, err)
	if dom.Tags["env"] != "ci" || typ.Tags["env"] != "ci" || aws.ToString(typ.Description) != "v2" ||
		calc.Tags["env"] != "ci" || aws.ToString(calc.AttributeDetails.Expression) != "{TrialSubscription.UserId}" {
		t.Fatalf("tags are not on the records, or tagging changed them: %v %s %s", dom.Tags, dump(typ), dump(calc))
	}
}

// contactRecord is an Amazon Connect contact record as the CTR templates read it.
func contactRecord(id, phone string) string {
	return fmt.Sprintf(`{"ContactId":%q,"Channel":"VOICE","InitiationMethod":"INBOUND",
		"CustomerEndpoint":{"Address":%q,"Type":"TELEPHONE_NUMBER"},"SystemEndpoint":{"Address":"+442071234567","Type":"TELEPHONE_NUMBER"}}`, id, phone)
}

func TestContactRecordTemplates(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	for _, d := range []string{"inferred", "noinferred", "associate"} {
		createDomain(t, c, d, 365)
	}
	caller := func(d string) string {
		out, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String(d), PhoneNumber: aws.String("+1 (555) 123-4567")})
		check(t, err)
		return aws.ToString(out.ProfileId)
	}
	profileOf := func(d, contact string) []types.Profile { return search(t, c, d, "_ctrContactId", contact) }

	// CTR, used implicitly: no match by _ctrContactId, so an inferred
	// profile with the caller's number, even though one already exists.
	known := caller("inferred")
	putObject(t, c, "inferred", "CTR", contactRecord("c-1", "+15551234567"))
	inferred := only(t, profileOf("inferred", "c-1"))
	if aws.ToString(inferred.ProfileId) == known || aws.ToString(inferred.PhoneNumber) != "+15551234567" {
		t.Fatalf("CTR: %s", dump(inferred))
	}
	// A contact id added with AddProfileKey leads the record to that profile.
	_, err := c.AddProfileKey(ctx, &cp.AddProfileKeyInput{DomainName: aws.String("inferred"), ProfileId: aws.String(known),
		KeyName: aws.String("_ctrContactId"), Values: []string{"c-2"}})
	check(t, err)
	putObject(t, c, "inferred", "CTR", contactRecord("c-2", "+15550000000"))
	if got := listObjects(t, c, "inferred", "CTR", known); len(got) != 1 {
		t.Fatalf("the record did not follow AddProfileKey")
	}

	// CTR-NoInferred: the caller's _phone (SECONDARY) finds the profile.
	known = caller("noinferred")
	_, err = c.PutProfileObjectType(ctx, &cp.PutProfileObjectTypeInput{DomainName: aws.String("noinferred"), ObjectTypeName: aws.String("CTR"),
		Description: aws.String("No inferred contact record profiles"), TemplateId: aws.String("CTR-NoInferred")})
	check(t, err)
	putObject(t, c, "noinferred", "CTR", contactRecord("c-1", "5551234567"))
	if got := only(t, profileOf("noinferred", "c-1")); aws.ToString(got.ProfileId) != known {
		t.Fatalf("CTR-NoInferred did not associate the record with the caller's profile")
	}
	putObject(t, c, "noinferred", "CTR", contactRecord("c-2", "+15559999999"))
	only(t, profileOf("noinferred", "c-2")) // an inferred profile for a new caller

	// CTR-AutoAssociateOnly, used implicitly: associates, never creates.
	known = caller("associate")
	putObject(t, c, "associate", "CTR-AutoAssociateOnly", contactRecord("c-1", "+15551234567"))
	if got := only(t, profileOf("associate", "c-1")); aws.ToString(got.ProfileId) != known {
		t.Fatalf("CTR-AutoAssociateOnly did not associate")
	}
	putObject(t, c, "associate", "CTR-AutoAssociateOnly", contactRecord("c-2", "+15559999999"))
	if got := profileOf("associate", "c-2"); len(got) != 0 {
		t.Fatalf("CTR-AutoAssociateOnly created a profile: %s", dump(got))
	}
	dom, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("associate")})
	check(t, err)
	if dom.Stats.ProfileCount != 1 || dom.Stats.ObjectCount != 1 {
		t.Fatalf("stats: %s", dump(dom.Stats))
	}
}

func TestListProfileObjectsNewestFirstInPages(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	var want []string
	for i := range 5 {
		want = append([]string{putObject(t, c, "d", "CTR", contactRecord(fmt.Sprintf("c-%d", i), "+15551234567"))}, want...)
		if i == 0 {
			// Later records join the first one's profile by _ctrContactId.
			p := only(t, search(t, c, "d", "_ctrContactId", "c-0"))
			for j := 1; j < 5; j++ {
				_, err := c.AddProfileKey(ctx, &cp.AddProfileKeyInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
					KeyName: aws.String("_ctrContactId"), Values: []string{fmt.Sprintf("c-%d", j)}})
				check(t, err)
			}
		}
	}
	p := only(t, search(t, c, "d", "_ctrContactId", "c-0"))
	var got []string
	n := eachPage(func(token *string) *string {
		out, err := c.ListProfileObjects(ctx, &cp.ListProfileObjectsInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("CTR"),
			ProfileId: p.ProfileId, MaxResults: aws.Int32(2), NextToken: token})
		check(t, err)
		for _, it := range out.Items {
			got = append(got, aws.ToString(it.ProfileObjectUniqueKey))
		}
		return out.NextToken
	})
	if n != 3 {
		t.Fatalf("%d pages of 2 for 5 objects", n)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("objects %v, want newest first %v", got, want)
	}
}

func TestUpdateProfileAndBatchGetProfile(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	out, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), FirstName: aws.String("Jo"),
		GenderString: aws.String("non-binary"), ShippingAddress: &types.Address{City: aws.String("Leeds"), PostalCode: aws.String("LS1")}})
	check(t, err)
	id := out.ProfileId
	_, err = c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: id, LastName: aws.String("Bloggs"),
		ShippingAddress: &types.UpdateAddress{City: aws.String("York"), PostalCode: aws.String("")}})
	check(t, err)
	other, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), BusinessName: aws.String("Acme")})
	check(t, err)
	missing := "0123456789abcdef0123456789abcdef"
	batch, err := c.BatchGetProfile(ctx, &cp.BatchGetProfileInput{DomainName: aws.String("d"),
		ProfileIds: []string{aws.ToString(other.ProfileId), missing, aws.ToString(id)}})
	check(t, err)
	if len(batch.Profiles) != 2 || len(batch.Errors) != 1 || aws.ToString(batch.Errors[0].ProfileId) != missing ||
		aws.ToString(batch.Errors[0].Code) != "ResourceNotFoundException" {
		t.Fatalf("BatchGetProfile: %s", dump(batch))
	}
	jo := batch.Profiles[1]
	if aws.ToString(jo.FirstName) != "Jo" || aws.ToString(jo.LastName) != "Bloggs" || aws.ToString(jo.GenderString) != "non-binary" ||
		aws.ToString(jo.ShippingAddress.City) != "York" || jo.ShippingAddress.PostalCode != nil {
		t.Fatalf("after UpdateProfile: %s", dump(jo))
	}
	_, err = c.DeleteProfile(ctx, &cp.DeleteProfileInput{DomainName: aws.String("d"), ProfileId: id})
	check(t, err)
	_, err = c.DeleteProfile(ctx, &cp.DeleteProfileInput{DomainName: aws.String("d"), ProfileId: id})
	wantError(t, err, "ResourceNotFoundException", 404)
	if got := search(t, c, "d", "_fullName", "jo bloggs"); len(got) != 0 {
		t.Fatalf("a deleted profile is still found")
	}
}
