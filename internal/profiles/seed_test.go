package profiles_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

var profileID = regexp.MustCompile(`^[a-f0-9]{32}$`)

// checkSeedProfile compares a found profile with the seed's printed result,
// member by member. get returns a member's value and whether it is set.
func checkSeedProfile(t *testing.T, want map[string]any, get func(member string) (string, bool), attrs map[string]string) {
	t.Helper()
	if id, _ := get("ProfileId"); !profileID.MatchString(id) {
		t.Errorf("ProfileId %q is not 32 lowercase hex digits", id)
	}
	for member, w := range want {
		switch member {
		case "ProfileId", "Attributes":
			continue
		}
		got, set := get(member)
		switch w := w.(type) {
		case nil:
			if set {
				t.Errorf("%s = %q, want it unset", member, got)
			}
		case string:
			if !set || got != w {
				t.Errorf("%s = %q (set %v), want %q", member, got, set, w)
			}
		}
	}
	wantAttrs := want["Attributes"].(map[string]any)
	if len(attrs) != len(wantAttrs) || len(wantAttrs) != 14 {
		t.Errorf("got %d attributes, want the seed's %d (14): %v", len(attrs), len(wantAttrs), attrs)
	}
	for name, w := range wantAttrs {
		if got, ok := attrs[name]; !ok || got != w {
			t.Errorf("Attributes.%s = %q (present %v), want %q", name, got, ok, w)
		}
	}
}

// sdkMember reads a string member of an SDK profile by name.
func sdkMember(p types.Profile) func(string) (string, bool) {
	return func(name string) (string, bool) {
		var v *string
		switch name {
		case "ProfileId":
			v = p.ProfileId
		case "AccountNumber":
			v = p.AccountNumber
		case "AdditionalInformation":
			v = p.AdditionalInformation
		case "PartyType":
			//lint:ignore SA1019 the seed's printout has the 2020 member
			return string(p.PartyType), p.PartyType != ""
		case "BusinessName":
			v = p.BusinessName
		case "FirstName":
			v = p.FirstName
		case "MiddleName":
			v = p.MiddleName
		case "LastName":
			v = p.LastName
		case "BirthDate":
			v = p.BirthDate
		case "Gender":
			//lint:ignore SA1019 the seed's printout has the 2020 member
			return string(p.Gender), p.Gender != ""
		case "PhoneNumber":
			v = p.PhoneNumber
		case "MobilePhoneNumber":
			v = p.MobilePhoneNumber
		case "HomePhoneNumber":
			v = p.HomePhoneNumber
		case "BusinessPhoneNumber":
			v = p.BusinessPhoneNumber
		case "EmailAddress":
			v = p.EmailAddress
		case "PersonalEmailAddress":
			v = p.PersonalEmailAddress
		case "BusinessEmailAddress":
			v = p.BusinessEmailAddress
		default:
			panic("no member " + name)
		}
		return aws.ToString(v), v != nil
	}
}

// TestSeed002GoSDK replays seeds/002 through aws-sdk-go-v2: the three
// object types verbatim, the three objects, and the search by _account,
// in every order of the three puts (the seed's result must not depend on
// it).
func TestSeed002GoSDK(t *testing.T) {
	seed := loadSeed(t)
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for n, order := range orders {
		t.Run(fmt.Sprintf("objects in order %v", order), func(t *testing.T) {
			domain := fmt.Sprintf("my-domain-name-%d", n)
			createDomain(t, c, domain, 365)
			for _, raw := range seed.ObjectTypes {
				putSeedType(t, c, domain, raw)
			}
			for _, i := range order {
				o := seed.Objects[i]
				putObject(t, c, domain, o.ObjectTypeName, objectText(t, o.Object))
			}
			items := search(t, c, domain, seed.Search.KeyName, seed.Search.Values...)
			if len(items) != len(seed.Result.Items) || len(items) != 1 {
				t.Fatalf("search found %d profiles, the seed shows %d (1): %s", len(items), len(seed.Result.Items), dump(items))
			}
			checkSeedProfile(t, seed.Result.Items[0], sdkMember(items[0]), items[0].Attributes)
			if items[0].Address != nil || items[0].FoundByItems != nil {
				t.Errorf("unexpected members: %s", dump(items[0]))
			}
		})
	}
}
