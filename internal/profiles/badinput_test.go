package profiles_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/server"
)

// state renders everything a bad request must leave untouched in domain d:
// statistics, object types, the seed's profile and its objects.
func state(t *testing.T, c *cp.Client) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	dom, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	fmt.Fprintf(&b, "stats %s\n", dump(dom.Stats))
	typesOut, err := c.ListProfileObjectTypes(ctx, &cp.ListProfileObjectTypesInput{DomainName: aws.String("d")})
	check(t, err)
	for _, it := range typesOut.Items {
		got, err := c.GetProfileObjectType(ctx, &cp.GetProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: it.ObjectTypeName})
		check(t, err)
		fmt.Fprintf(&b, "type %s %s %s %v\n", aws.ToString(got.ObjectTypeName), got.LastUpdatedAt, dump(got.Fields), dump(got.Keys))
	}
	for _, p := range search(t, c, "d", "_account", "00001", "00002") {
		fmt.Fprintf(&b, "profile %s\n", dump(p))
		for _, it := range typesOut.Items {
			for _, o := range listObjects(t, c, "d", aws.ToString(it.ObjectTypeName), aws.ToString(p.ProfileId)) {
				fmt.Fprintf(&b, "object %s %s\n", aws.ToString(o.ProfileObjectUniqueKey), aws.ToString(o.Object))
			}
		}
	}
	domains, err := c.ListDomains(ctx, &cp.ListDomainsInput{})
	check(t, err)
	fmt.Fprintf(&b, "domains %d\n", len(domains.Items))
	return b.String()
}

func typeInput(name, fields, keys string) *cp.PutProfileObjectTypeInput {
	in := &cp.PutProfileObjectTypeInput{}
	def := fmt.Sprintf(`{"Description": "x", "AllowProfileCreation": true, "Fields": %s, "Keys": %s}`, fields, keys)
	if err := json.Unmarshal([]byte(def), in); err != nil {
		panic(err)
	}
	in.DomainName, in.ObjectTypeName = aws.String("d"), aws.String(name)
	return in
}

const (
	okFields = `{"id": {"Source": "_source.id", "Target": "_profile.AccountNumber"}}`
	okKeys   = `{"_account": [{"FieldNames": ["id"], "StandardIdentifiers": ["PROFILE", "UNIQUE"]}]}`
)

func TestBadInputChangesNothing(t *testing.T) {
	_, good, seed := seeded(t, server.Config{})
	for _, o := range seed.Objects {
		putObject(t, good, "d", o.ObjectTypeName, objectText(t, o.Object))
	}
	p := only(t, search(t, good, "d", "_account", "00001"))
	ctx := context.Background()
	// A client without the SDK's own validation, so the server answers.
	c := cp.New(good.Options(), noClientValidation)

	put := func(typ, object string) func() error {
		return func() error {
			_, err := c.PutProfileObject(ctx, &cp.PutProfileObjectInput{DomainName: aws.String("d"),
				ObjectTypeName: aws.String(typ), Object: aws.String(object)})
			return err
		}
	}
	putT := func(in *cp.PutProfileObjectTypeInput) func() error {
		return func() error { _, err := c.PutProfileObjectType(ctx, in); return err }
	}
	var fields, keys []string
	for i := range 11 {
		fields = append(fields, fmt.Sprintf(`"f%d": {"Source": "_source.f%d"}`, i, i))
		ids := `[]`
		if i == 0 {
			ids = `["UNIQUE"]`
		}
		keys = append(keys, fmt.Sprintf(`"k%d": [{"FieldNames": ["f%d"], "StandardIdentifiers": %s}]`, i, i, ids))
	}
	withTemplate := typeInput("CTR", okFields, okKeys)
	withTemplate.TemplateId = aws.String("CTR-NoInferred")

	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"an Object that is not JSON", put("TrialSubscription", `{"UserId": "00002",`), "BadRequestException", 400},
		{"an Object that is a JSON list", put("TrialSubscription", `[{"UserId": "00002"}]`), "BadRequestException", 400},
		{"an Object with data after it", put("TrialSubscription", `{"UserId": "00002"} {}`), "BadRequestException", 400},
		{"an Object missing its UNIQUE field (the sample's old userId)", put("TrialSubscription", `{"userId": "00002"}`), "BadRequestException", 400},
		{"an Object whose UNIQUE field is empty", put("TrialSubscription", `{"UserId": ""}`), "BadRequestException", 400},
		{"an unknown object type", put("NoSuchType", `{"UserId": "00002"}`), "ResourceNotFoundException", 404},
		{"an unknown domain", func() error {
			_, err := c.PutProfileObject(ctx, &cp.PutProfileObjectInput{DomainName: aws.String("nope"),
				ObjectTypeName: aws.String("TrialSubscription"), Object: aws.String(`{"UserId": "00002"}`)})
			return err
		}, "ResourceNotFoundException", 404},
		{"an Object over the model's 256000 characters", put("TrialSubscription", `{"UserId": "00002", "x": "`+strings.Repeat("a", 256000)+`"}`), "BadRequestException", 400},
		{"an Object over 250 KB in bytes", put("TrialSubscription", `{"UserId": "00002", "x": "`+strings.Repeat("é", 200000)+`"}`), "BadRequestException", 400},
		{"a value too long for its standard field", put("TrialSubscription", `{"UserId": "`+strings.Repeat("9", 256)+`"}`), "BadRequestException", 400},
		{"a Target outside _profile", putT(typeInput("T", `{"id": {"Source": "_source.id", "Target": "_order.Total"}}`, okKeys)), "BadRequestException", 400},
		{"a Target naming no standard field", putT(typeInput("T", `{"id": {"Source": "_source.id", "Target": "_profile.Nickname"}}`, okKeys)), "BadRequestException", 400},
		{"a Source outside _source", putT(typeInput("T", `{"id": {"Source": "$.id"}}`, okKeys)), "BadRequestException", 400},
		{"an unsupported Handlebars helper", putT(typeInput("T", `{"id": {"Source": "{{#with _source}}{{id}}{{/with}}"}}`, okKeys)), "BadRequestException", 400},
		{"too many keys", putT(typeInput("T", "{"+strings.Join(fields, ",")+"}", "{"+strings.Join(keys, ",")+"}")), "BadRequestException", 400},
		{"no UNIQUE key", putT(typeInput("T", okFields, `{"_account": [{"FieldNames": ["id"], "StandardIdentifiers": ["PROFILE"]}]}`)), "BadRequestException", 400},
		{"two UNIQUE keys", putT(typeInput("T", okFields, `{"a": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}], "b": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}]}`)), "BadRequestException", 400},
		{"UNIQUE with LOOKUP_ONLY", putT(typeInput("T", okFields, `{"a": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE", "LOOKUP_ONLY"]}]}`)), "BadRequestException", 400},
		{"a key naming a missing field", putT(typeInput("T", okFields, `{"a": [{"FieldNames": ["nope"], "StandardIdentifiers": ["UNIQUE"]}]}`)), "BadRequestException", 400},
		{"a source timestamp without its format", putT(typeInput("T", `{"id": {"Source": "_source.id"}, "sourceLastUpdatedTimestamp": {"Source": "_source.t"}}`,
			`{"a": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}]}`)), "BadRequestException", 400},
		{"a name reserved for standard types", putT(typeInput("_mine", okFields, okKeys)), "BadRequestException", 400},
		{"a TemplateId with Fields", putT(withTemplate), "BadRequestException", 400},
		{"an unknown TemplateId", putT(&cp.PutProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("T"),
			Description: aws.String("x"), TemplateId: aws.String("Nope")}), "BadRequestException", 400},
		{"a type without Description", putT(&cp.PutProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("T")}), "BadRequestException", 400},
		{"a bad next-token on SearchProfiles", func() error {
			_, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"),
				Values: []string{"00001"}, NextToken: aws.String("bm90LWEtdG9rZW4")})
			return err
		}, "BadRequestException", 400},
		{"a token of another listing on ListProfileObjects", func() error {
			tok := listToken(t, good)
			_, err := c.ListProfileObjects(ctx, &cp.ListProfileObjectsInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("TrialSubscription"),
				ProfileId: p.ProfileId, NextToken: aws.String(tok)})
			return err
		}, "BadRequestException", 400},
		{"a bad next-token on ListDomains", func() error {
			_, err := c.ListDomains(ctx, &cp.ListDomainsInput{NextToken: aws.String("garbage!")})
			return err
		}, "BadRequestException", 400},
		{"SearchProfiles without KeyName", func() error {
			_, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), Values: []string{"00001"}})
			return err
		}, "BadRequestException", 400},
		{"SearchProfiles with five additional keys", func() error {
			extra := make([]types.AdditionalSearchKey, 5)
			for i := range extra {
				extra[i] = types.AdditionalSearchKey{KeyName: aws.String("_email"), Values: []string{"x"}}
			}
			_, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"),
				Values: []string{"00001"}, AdditionalSearchKeys: extra})
			return err
		}, "BadRequestException", 400},
		{"SearchProfiles with LogicalOperator XOR", func() error {
			_, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_account"),
				Values: []string{"00001"}, LogicalOperator: "XOR"})
			return err
		}, "BadRequestException", 400},
		{"a domain that exists", func() error {
			_, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String("d"), DefaultExpirationDays: aws.Int32(5)})
			return err
		}, "BadRequestException", 400},
		{"DefaultExpirationDays 1099", func() error {
			_, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String("e"), DefaultExpirationDays: aws.Int32(1099)})
			return err
		}, "BadRequestException", 400},
		{"a domain name with a space", func() error {
			_, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String("a b"), DefaultExpirationDays: aws.Int32(5)})
			return err
		}, "BadRequestException", 400},
		{"UpdateProfile of an unknown profile", func() error {
			_, err := c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: aws.String(strings.Repeat("a", 32)),
				FirstName: aws.String("x")})
			return err
		}, "ResourceNotFoundException", 404},
		{"a profile id that is no id", func() error {
			_, err := c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: aws.String("not-an-id"), FirstName: aws.String("x")})
			return err
		}, "BadRequestException", 400},
		{"DeleteProfileObject of an unknown object", func() error {
			_, err := c.DeleteProfileObject(ctx, &cp.DeleteProfileObjectInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
				ObjectTypeName: aws.String("TrialSubscription"), ProfileObjectUniqueKey: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404},
		{"MergeProfiles into itself", func() error {
			_, err := c.MergeProfiles(ctx, &cp.MergeProfilesInput{DomainName: aws.String("d"), MainProfileId: p.ProfileId,
				ProfileIdsToBeMerged: []string{aws.ToString(p.ProfileId)}})
			return err
		}, "BadRequestException", 400},
		{"MergeProfiles of an unknown profile", func() error {
			_, err := c.MergeProfiles(ctx, &cp.MergeProfilesInput{DomainName: aws.String("d"), MainProfileId: p.ProfileId,
				ProfileIdsToBeMerged: []string{strings.Repeat("b", 32)}})
			return err
		}, "ResourceNotFoundException", 404},
		{"AddProfileKey with a phone number without digits", func() error {
			_, err := c.AddProfileKey(ctx, &cp.AddProfileKeyInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
				KeyName: aws.String("_phone"), Values: []string{"call me"}})
			return err
		}, "BadRequestException", 400},
		{"tagging another account's domain", func() error {
			_, err := c.TagResource(ctx, &cp.TagResourceInput{ResourceArn: aws.String("arn:aws:profile:us-east-1:111111111111:domains/d"),
				Tags: map[string]string{"a": "b"}})
			return err
		}, "AccessDeniedException", 403},
		{"tagging an unknown domain", func() error {
			_, err := c.TagResource(ctx, &cp.TagResourceInput{ResourceArn: aws.String("arn:aws:profile:us-east-1:000000000000:domains/nope"),
				Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException", 404},
		{"an unknown template", func() error {
			_, err := c.GetProfileObjectTypeTemplate(ctx, &cp.GetProfileObjectTypeTemplateInput{TemplateId: aws.String("Nope")})
			return err
		}, "ResourceNotFoundException", 404},
	}
	before := state(t, good)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.call(), tc.code, tc.status)
			if after := state(t, good); after != before {
				t.Fatalf("the request changed stored data:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// listToken returns a real next-token of ListDomains.
func listToken(t *testing.T, c *cp.Client) string {
	t.Helper()
	ctx := context.Background()
	for _, n := range []string{"tok-a", "tok-b"} {
		createDomain(t, c, n, 1)
	}
	out, err := c.ListDomains(ctx, &cp.ListDomainsInput{MaxResults: aws.Int32(1)})
	check(t, err)
	for _, n := range []string{"tok-a", "tok-b"} {
		_, err := c.DeleteDomain(ctx, &cp.DeleteDomainInput{DomainName: aws.String(n)})
		check(t, err)
	}
	if out.NextToken == nil {
		t.Fatal("ListDomains gave no token")
	}
	return aws.ToString(out.NextToken)
}
