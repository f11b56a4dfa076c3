package profiles_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// putType defines an object type written as the JSON body of
// PutProfileObjectType.
func putType(t *testing.T, c *cp.Client, domain, name, definition string) {
	t.Helper()
	in := &cp.PutProfileObjectTypeInput{}
	if err := json.Unmarshal([]byte(definition), in); err != nil {
		t.Fatalf("type %s: %v", name, err)
	}
	in.DomainName, in.ObjectTypeName = aws.String(domain), aws.String(name)
	if in.Description == nil {
		in.Description = aws.String(name)
	}
	_, err := c.PutProfileObjectType(context.Background(), in)
	check(t, err)
}

// seeded starts a server with the seed's domain and object types.
func seeded(t *testing.T, cfg server.Config) (*testserver.Server, *cp.Client, *seedData) {
	t.Helper()
	seed := loadSeed(t)
	ts := testserver.Start(t, cfg)
	c := client(ts)
	createDomain(t, c, "d", 365)
	for _, raw := range seed.ObjectTypes {
		putSeedType(t, c, "d", raw)
	}
	return ts, c, seed
}

// virtualSigner signs requests at the virtual clock's time: the server
// checks SigV4 skew against the clock it was given, so a client must move
// with it.
type virtualSigner struct {
	clk *clock.Virtual
	v4  *v4.Signer
}

func (s virtualSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.v4.SignHTTP(ctx, creds, r, payloadHash, service, region, s.clk.Now(), opts...)
}

func onClock(clk *clock.Virtual) func(*cp.Options) {
	return func(o *cp.Options) { o.HTTPSignerV4 = virtualSigner{clk: clk, v4: v4.NewSigner()} }
}

func TestSecondObjectForTheSameAccountUpdatesTheProfile(t *testing.T) {
	_, c, _ := seeded(t, server.Config{})
	first := putObject(t, c, "d", "TrialSubscription", `{"UserId":"00001","status":"Active","trialDays":"30"}`)
	second := putObject(t, c, "d", "TrialSubscription", `{"UserId":"00001","status":"Expired"}`)
	if first != second {
		t.Fatalf("a re-put returned another ProfileObjectUniqueKey: %s then %s", first, second)
	}
	p := only(t, search(t, c, "d", "_account", "00001"))
	// The new version replaced the object, and a value it lacks was not cleared.
	if got := attributes(p); !slices.Equal(got, []string{"TrialDays=30", "TrialStatus=Expired"}) {
		t.Fatalf("attributes %v", got)
	}
	objs := listObjects(t, c, "d", "TrialSubscription", aws.ToString(p.ProfileId))
	if len(objs) != 1 || aws.ToString(objs[0].ProfileObjectUniqueKey) != first || aws.ToString(objs[0].Object) != `{"UserId":"00001","status":"Expired"}` {
		t.Fatalf("objects %s", dump(objs))
	}
	putObject(t, c, "d", "PurchasedSubscription", `{"UserId":"00001","status":"Active"}`)
	dom, err := c.GetDomain(context.Background(), &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	if st := dom.Stats; st.ProfileCount != 1 || st.ObjectCount != 2 || st.MeteringProfileCount != 1 {
		t.Fatalf("stats %s", dump(st))
	}
}

func TestASharedEmailNeverJoinsTwoAccounts(t *testing.T) {
	_, c, _ := seeded(t, server.Config{})
	// The seed's offers index _email without PROFILE: two accounts, one address.
	putObject(t, c, "d", "MarketingAssignedOffers", `{"UserId":"00001","email":"Shared@Example.com"}`)
	putObject(t, c, "d", "MarketingAssignedOffers", `{"UserId":"00002","email":"shared@example.com"}`)
	owners := search(t, c, "d", "_email", "SHARED@example.COM")
	if len(owners) != 2 {
		t.Fatalf("want both accounts under the shared address, got %s", dump(owners))
	}
	// A type that matches by _email finds the address ambiguous: it never
	// attaches to either profile. Without AllowProfileCreation the object is
	// dropped; with it, a new profile is created.
	for _, allow := range []bool{false, true} {
		putType(t, c, "d", fmt.Sprintf("Signup%v", allow), fmt.Sprintf(`{"AllowProfileCreation": %v,
			"Fields": {"id": {"Source": "_source.id"}, "email": {"Source": "_source.email", "ContentType": "EMAIL_ADDRESS"}},
			"Keys": {"signupId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
			         "_email": [{"FieldNames": ["email"], "StandardIdentifiers": ["PROFILE"]}]}}`, allow))
		putObject(t, c, "d", fmt.Sprintf("Signup%v", allow), `{"id":"s1","email":"shared@example.com"}`)
	}
	for _, acct := range []string{"00001", "00002"} {
		p := only(t, search(t, c, "d", "_account", acct))
		for _, typ := range []string{"Signupfalse", "Signuptrue"} {
			if objs := listObjects(t, c, "d", typ, aws.ToString(p.ProfileId)); len(objs) != 0 {
				t.Fatalf("account %s received a %s object through an ambiguous key", acct, typ)
			}
		}
	}
	if got := search(t, c, "d", "signupId", "s1"); len(got) != 1 || got[0].AccountNumber != nil {
		t.Fatalf("want one new profile holding the signup, got %s", dump(got))
	}
	if got := search(t, c, "d", "_email", "shared@example.com"); len(got) != 3 {
		t.Fatalf("want 3 profiles with the address, got %d", len(got))
	}
}

func TestSecondaryKeysAreTriedOnlyWhenPrimaryKeysFail(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Order", `{"AllowProfileCreation": true,
		"Fields": {"order": {"Source": "_source.order"}, "acct": {"Source": "_source.acct", "Target": "_profile.AccountNumber"},
		           "phone": {"Source": "_source.phone", "ContentType": "PHONE_NUMBER"}},
		"Keys": {"_orderId": [{"FieldNames": ["order"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}],
		         "_phone": [{"FieldNames": ["phone"], "StandardIdentifiers": ["PROFILE", "SECONDARY"]}]}}`)
	byPhone, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), PhoneNumber: aws.String("(555)-123-4567")})
	check(t, err)
	byAccount, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), AccountNumber: aws.String("A2")})
	check(t, err)

	// The account is unknown, so the secondary _phone key (normalised:
	// +15551234567 is (555)-123-4567) finds the profile.
	putObject(t, c, "d", "Order", `{"order":"o1","acct":"A1","phone":"+15551234567"}`)
	if got := listObjects(t, c, "d", "Order", aws.ToString(byPhone.ProfileId)); len(got) != 1 {
		t.Fatalf("the phone's profile has %d orders, want 1", len(got))
	}
	// The account is known: the phone is not consulted.
	putObject(t, c, "d", "Order", `{"order":"o2","acct":"A2","phone":"555 123 4567"}`)
	if got := listObjects(t, c, "d", "Order", aws.ToString(byAccount.ProfileId)); len(got) != 1 {
		t.Fatalf("the account's profile has %d orders, want 1", len(got))
	}
	if got := listObjects(t, c, "d", "Order", aws.ToString(byPhone.ProfileId)); len(got) != 1 {
		t.Fatalf("the phone's profile has %d orders, want still 1", len(got))
	}
	// The first order gave the phone's profile its account number.
	if p := only(t, search(t, c, "d", "_account", "A1")); aws.ToString(p.ProfileId) != aws.ToString(byPhone.ProfileId) {
		t.Fatalf("A1 is on %s", aws.ToString(p.ProfileId))
	}
}

func TestLookupOnlyAndNewOnlyKeys(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Visit", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"},
		           "loyalty": {"Source": "_source.loyalty"}, "promo": {"Source": "_source.promo"}},
		"Keys": {"visitId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}],
		         "loyaltyId": [{"FieldNames": ["loyalty"], "StandardIdentifiers": ["PROFILE", "LOOKUP_ONLY"]}],
		         "promo": [{"FieldNames": ["promo"], "StandardIdentifiers": ["NEW_ONLY"]}]}}`)
	member, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d")})
	check(t, err)
	_, err = c.AddProfileKey(ctx, &cp.AddProfileKeyInput{DomainName: aws.String("d"), ProfileId: member.ProfileId,
		KeyName: aws.String("loyaltyId"), Values: []string{"L1"}})
	check(t, err)

	// LOOKUP_ONLY finds the member by L1...
	putObject(t, c, "d", "Visit", `{"id":"v1","loyalty":"L1"}`)
	if got := listObjects(t, c, "d", "Visit", aws.ToString(member.ProfileId)); len(got) != 1 {
		t.Fatalf("the visit did not reach the member through its loyalty id")
	}
	// ...but a new value is never stored: L2 cannot be searched.
	putObject(t, c, "d", "Visit", `{"id":"v2","loyalty":"L2"}`)
	if got := search(t, c, "d", "loyaltyId", "L2"); len(got) != 0 {
		t.Fatalf("a LOOKUP_ONLY value was stored: %s", dump(got))
	}
	// NEW_ONLY is stored when the object creates the profile, not after.
	putObject(t, c, "d", "Visit", `{"id":"v3","acct":"N1","promo":"SPRING"}`)
	created := only(t, search(t, c, "d", "promo", "SPRING"))
	putObject(t, c, "d", "Visit", `{"id":"v4","acct":"N1","promo":"SUMMER"}`)
	if got := search(t, c, "d", "promo", "SUMMER"); len(got) != 0 {
		t.Fatalf("a NEW_ONLY value was stored on an existing profile: %s", dump(got))
	}
	if got := listObjects(t, c, "d", "Visit", aws.ToString(created.ProfileId)); len(got) != 2 {
		t.Fatalf("want both N1 visits on one profile, got %d", len(got))
	}
}

func TestManualValuesSurviveIngestion(t *testing.T) {
	_, c, _ := seeded(t, server.Config{})
	ctx := context.Background()
	putType(t, c, "d", "Crm", `{"AllowProfileCreation": true,
		"Fields": {"acct": {"Source": "_source.acct", "Target": "_profile.AccountNumber"},
		           "name": {"Source": "{{_source.first}} {{_source.last}}", "Target": "_profile.FirstName"},
		           "tier": {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}},
		"Keys": {"_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE", "UNIQUE"]}]}}`)
	made, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), AccountNumber: aws.String("00007"),
		FirstName: aws.String("Agent Typed"), Attributes: map[string]string{"tier": "gold"}})
	check(t, err)
	putObject(t, c, "d", "Crm", `{"acct":"00007","first":"Ada","last":"Lovelace","tier":"silver"}`)
	p := only(t, search(t, c, "d", "_account", "00007"))
	if aws.ToString(p.ProfileId) != aws.ToString(made.ProfileId) || aws.ToString(p.FirstName) != "Agent Typed" || p.Attributes["tier"] != "gold" {
		t.Fatalf("ingestion overwrote manual values: %s", dump(p))
	}
	// Clearing a value with UpdateProfile lets ingestion fill it again.
	_, err = c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: made.ProfileId,
		FirstName: aws.String(""), Attributes: map[string]string{"tier": ""}})
	check(t, err)
	putObject(t, c, "d", "Crm", `{"acct":"00007","first":"Ada","last":"Lovelace","tier":"silver"}`)
	p = only(t, search(t, c, "d", "_account", "00007"))
	if aws.ToString(p.FirstName) != "Ada Lovelace" || p.Attributes["tier"] != "silver" {
		t.Fatalf("after clearing: %s", dump(p))
	}
	if got := only(t, search(t, c, "d", "_fullName", "ada   LOVELACE")); aws.ToString(got.ProfileId) != aws.ToString(made.ProfileId) {
		t.Fatalf("_fullName did not find the profile")
	}
}

func TestSourcePriorityAndSourceTimestamps(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	createDomain(t, c, "d", 365)
	def := func(priority string) string {
		return `{"AllowProfileCreation": true, ` + priority + `
			"SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ssXXX",
			"Fields": {"acct": {"Source": "_source.acct"}, "city": {"Source": "_source.city", "Target": "_profile.Address.City"},
			           "sourceLastUpdatedTimestamp": {"Source": "_source.updated"}},
			"Keys": {"_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE", "UNIQUE"]}]}}`
	}
	putType(t, c, "d", "Billing", def(`"SourcePriority": 1,`))
	putType(t, c, "d", "Web", def(""))
	city := func() string {
		return aws.ToString(only(t, search(t, c, "d", "_account", "42")).Address.City)
	}
	putObject(t, c, "d", "Web", `{"acct":"42","city":"Leeds","updated":"2024-01-01T00:00:00Z"}`)
	putObject(t, c, "d", "Billing", `{"acct":"42","city":"York","updated":"2023-01-01T00:00:00Z"}`)
	if got := city(); got != "York" {
		t.Fatalf("SourcePriority 1 should beat an unset priority even when older: %s", got)
	}
	putObject(t, c, "d", "Web", `{"acct":"42","city":"Hull","updated":"2025-01-01T00:00:00Z"}`)
	if got := city(); got != "York" {
		t.Fatalf("an unset priority overwrote SourcePriority 1: %s", got)
	}
	putObject(t, c, "d", "Billing", `{"acct":"42","city":"Bath","updated":"2022-06-01T00:00:00+01:00"}`)
	if got := city(); got != "York" {
		t.Fatalf("an older source timestamp overwrote a newer one: %s", got)
	}
	putObject(t, c, "d", "Billing", `{"acct":"42","city":"Ely","updated":"2023-06-01T00:00:00+01:00"}`)
	if got := city(); got != "Ely" {
		t.Fatalf("a newer source timestamp of the same priority did not win: %s", got)
	}
	_, err := c.PutProfileObject(context.Background(), &cp.PutProfileObjectInput{DomainName: aws.String("d"),
		ObjectTypeName: aws.String("Billing"), Object: aws.String(`{"acct":"42","city":"Ripon","updated":"last week"}`)})
	wantError(t, err, "BadRequestException", 400)
}

func TestExpiryFollowsTheVirtualClock(t *testing.T) {
	vclock := clock.NewVirtual(time.Now())
	ts := testserver.Start(t, server.Config{Clock: vclock})
	c := client(ts, onClock(vclock))
	ctx := context.Background()
	createDomain(t, c, "d", 3)
	putType(t, c, "d", "Ticket", `{"AllowProfileCreation": true, "ExpirationDays": 1,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct", "Target": "_profile.AccountNumber"}},
		"Keys": {"ticketId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	putObject(t, c, "d", "Ticket", `{"id":"t1","acct":"9"}`)
	p := only(t, search(t, c, "d", "ticketId", "t1"))
	id := aws.ToString(p.ProfileId)

	vclock.Advance(23 * time.Hour)
	if got := listObjects(t, c, "d", "Ticket", id); len(got) != 1 {
		t.Fatalf("the ticket expired early")
	}
	vclock.Advance(2 * time.Hour) // 25 h: the 1-day ticket is gone, the 3-day profile is not
	if got := listObjects(t, c, "d", "Ticket", id); len(got) != 0 {
		t.Fatalf("an expired ticket is still listed: %s", dump(got))
	}
	if got := search(t, c, "d", "ticketId", "t1"); len(got) != 0 {
		t.Fatalf("an expired object's key still finds its profile: %s", dump(got))
	}
	only(t, search(t, c, "d", "_account", "9"))
	dom, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	if dom.Stats.ObjectCount != 0 || dom.Stats.ProfileCount != 1 {
		t.Fatalf("stats after the object expired: %s", dump(dom.Stats))
	}

	vclock.Advance(3 * 24 * time.Hour) // the profile was last updated 3 days and 25 h ago
	if got := search(t, c, "d", "_account", "9"); len(got) != 0 {
		t.Fatalf("an expired profile is still found: %s", dump(got))
	}
	batch, err := c.BatchGetProfile(ctx, &cp.BatchGetProfileInput{DomainName: aws.String("d"), ProfileIds: []string{id}})
	check(t, err)
	if len(batch.Profiles) != 0 || len(batch.Errors) != 1 {
		t.Fatalf("BatchGetProfile of an expired profile: %s", dump(batch))
	}
	dom, err = c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	if dom.Stats.ProfileCount != 0 || dom.Stats.MeteringProfileCount != 0 {
		t.Fatalf("stats after the profile expired: %s", dump(dom.Stats))
	}
	// The same customer comes back as a new profile.
	putObject(t, c, "d", "Ticket", `{"id":"t1","acct":"9"}`)
	if again := only(t, search(t, c, "d", "_account", "9")); aws.ToString(again.ProfileId) == id {
		t.Fatalf("an expired profile came back")
	}
}

func TestConcurrentFirstObjectsCreateOneProfile(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Event", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct", "Target": "_profile.AccountNumber"}},
		"Keys": {"eventId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.PutProfileObject(context.Background(), &cp.PutProfileObjectInput{DomainName: aws.String("d"),
				ObjectTypeName: aws.String("Event"), Object: aws.String(fmt.Sprintf(`{"id":"e%d","acct":"new-customer"}`, i))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		check(t, err)
	}
	p := only(t, search(t, c, "d", "_account", "new-customer"))
	if got := listObjects(t, c, "d", "Event", aws.ToString(p.ProfileId)); len(got) != n {
		t.Fatalf("the profile has %d events, want %d", len(got), n)
	}
	dom, err := c.GetDomain(context.Background(), &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	if dom.Stats.ProfileCount != 1 {
		t.Fatalf("%d profiles for one customer", dom.Stats.ProfileCount)
	}
}

func TestDeleteProfileObjectTypeScrubsWhatItSupplied(t *testing.T) {
	_, c, seed := seeded(t, server.Config{})
	for _, o := range seed.Objects {
		putObject(t, c, "d", o.ObjectTypeName, objectText(t, o.Object))
	}
	p := only(t, search(t, c, "d", "_account", "00001"))
	// The offer was the last to write AccountNumber; the trial and purchase
	// still supply it afterwards.
	out, err := c.DeleteProfileObjectType(context.Background(), &cp.DeleteProfileObjectTypeInput{
		DomainName: aws.String("d"), ObjectTypeName: aws.String("MarketingAssignedOffers")})
	check(t, err)
	if aws.ToString(out.Message) == "" {
		t.Fatal("no message")
	}
	after := only(t, search(t, c, "d", "_account", "00001"))
	if aws.ToString(after.ProfileId) != aws.ToString(p.ProfileId) || after.EmailAddress != nil || aws.ToString(after.AccountNumber) != "00001" {
		t.Fatalf("after deleting the offers type: %s", dump(after))
	}
	for _, name := range []string{"offerName", "offerViewed"} {
		if _, ok := after.Attributes[name]; ok {
			t.Fatalf("%s was not scrubbed", name)
		}
	}
	if len(after.Attributes) != 12 {
		t.Fatalf("want the 12 trial and subscription attributes, got %v", attributes(after))
	}
	if got := search(t, c, "d", "_email", "test@test.com"); len(got) != 0 {
		t.Fatalf("the scrubbed address is still a key: %s", dump(got))
	}
	_, err = c.ListProfileObjects(context.Background(), &cp.ListProfileObjectsInput{DomainName: aws.String("d"),
		ObjectTypeName: aws.String("MarketingAssignedOffers"), ProfileId: p.ProfileId})
	wantError(t, err, "ResourceNotFoundException", 404)
}

func TestDeleteProfileObjectDropsKeysNoLongerSupported(t *testing.T) {
	_, c, seed := seeded(t, server.Config{})
	ctx := context.Background()
	putType(t, c, "d", "Case", `{"AllowProfileCreation": false,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"}},
		"Keys": {"_caseId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	putObject(t, c, "d", seed.Objects[0].ObjectTypeName, objectText(t, seed.Objects[0].Object))
	p := only(t, search(t, c, "d", "_account", "00001"))
	uk := putObject(t, c, "d", "Case", `{"id":"C-1","acct":"00001"}`)
	putObject(t, c, "d", "Case", `{"id":"C-2","acct":"00001"}`)
	_, err := c.AddProfileKey(ctx, &cp.AddProfileKeyInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
		KeyName: aws.String("_caseId"), Values: []string{"C-2"}})
	check(t, err)

	filtered, err := c.ListProfileObjects(ctx, &cp.ListProfileObjectsInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("Case"),
		ProfileId: p.ProfileId, ObjectFilter: &types.ObjectFilter{KeyName: aws.String("_caseId"), Values: []string{"C-1"}}})
	check(t, err)
	if len(filtered.Items) != 1 || aws.ToString(filtered.Items[0].ProfileObjectUniqueKey) != uk {
		t.Fatalf("ObjectFilter: %s", dump(filtered.Items))
	}
	_, err = c.DeleteProfileObject(ctx, &cp.DeleteProfileObjectInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
		ObjectTypeName: aws.String("Case"), ProfileObjectUniqueKey: aws.String(uk)})
	check(t, err)
	if got := search(t, c, "d", "_caseId", "C-1"); len(got) != 0 {
		t.Fatalf("C-1 outlived its only object: %s", dump(got))
	}
	_, err = c.DeleteProfileObject(ctx, &cp.DeleteProfileObjectInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
		ObjectTypeName: aws.String("Case"), ProfileObjectUniqueKey: aws.String(uniqueKeyOf(t, c, p, "C-2"))})
	check(t, err)
	// AddProfileKey still supports C-2.
	only(t, search(t, c, "d", "_caseId", "C-2"))
	_, err = c.DeleteProfileKey(ctx, &cp.DeleteProfileKeyInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
		KeyName: aws.String("_caseId"), Values: []string{"C-2"}})
	check(t, err)
	if got := search(t, c, "d", "_caseId", "C-2"); len(got) != 0 {
		t.Fatalf("C-2 outlived DeleteProfileKey")
	}
	_, err = c.DeleteProfileObject(ctx, &cp.DeleteProfileObjectInput{DomainName: aws.String("d"), ProfileId: p.ProfileId,
		ObjectTypeName: aws.String("Case"), ProfileObjectUniqueKey: aws.String(uk)})
	wantError(t, err, "ResourceNotFoundException", 404)
}

func uniqueKeyOf(t *testing.T, c *cp.Client, p types.Profile, caseID string) string {
	t.Helper()
	out, err := c.ListProfileObjects(context.Background(), &cp.ListProfileObjectsInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("Case"),
		ProfileId: p.ProfileId, ObjectFilter: &types.ObjectFilter{KeyName: aws.String("_caseId"), Values: []string{caseID}}})
	check(t, err)
	if len(out.Items) != 1 {
		t.Fatalf("case %s: %s", caseID, dump(out.Items))
	}
	return aws.ToString(out.Items[0].ProfileObjectUniqueKey)
}

func TestMergeProfiles(t *testing.T) {
	_, c, seed := seeded(t, server.Config{})
	ctx := context.Background()
	putObject(t, c, "d", "TrialSubscription", objectText(t, seed.Objects[0].Object))
	putObject(t, c, "d", "MarketingAssignedOffers", `{"UserId":"00002","email":"two@example.com","offerName":"B"}`)
	main := only(t, search(t, c, "d", "_account", "00001"))
	other := only(t, search(t, c, "d", "_account", "00002"))
	_, err := c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: main.ProfileId,
		FirstName: aws.String("Main"), Attributes: map[string]string{"note": "main's"}})
	check(t, err)
	_, err = c.UpdateProfile(ctx, &cp.UpdateProfileInput{DomainName: aws.String("d"), ProfileId: other.ProfileId,
		FirstName: aws.String("Other"), LastName: aws.String("Smith")})
	check(t, err)

	_, err = c.MergeProfiles(ctx, &cp.MergeProfilesInput{DomainName: aws.String("d"), MainProfileId: main.ProfileId,
		ProfileIdsToBeMerged: []string{aws.ToString(other.ProfileId)},
		FieldSourceProfileIds: &types.FieldSourceProfileIds{
			FirstName:  other.ProfileId,
			Attributes: map[string]string{"note": aws.ToString(other.ProfileId)}, // other has none: the note goes
		}})
	check(t, err)
	merged := only(t, search(t, c, "d", "_account", "00002"))
	if aws.ToString(merged.ProfileId) != aws.ToString(main.ProfileId) {
		t.Fatalf("the merged profile's key does not lead to the main profile")
	}
	if aws.ToString(merged.FirstName) != "Other" || aws.ToString(merged.LastName) != "Smith" ||
		aws.ToString(merged.AccountNumber) != "00001" || aws.ToString(merged.EmailAddress) != "two@example.com" {
		t.Fatalf("merged fields: %s", dump(merged))
	}
	if _, ok := merged.Attributes["note"]; ok || merged.Attributes["offerName"] != "B" || merged.Attributes["TrialStatus"] != "Expired" {
		t.Fatalf("merged attributes: %v", attributes(merged))
	}
	if got := listObjects(t, c, "d", "MarketingAssignedOffers", aws.ToString(main.ProfileId)); len(got) != 1 {
		t.Fatalf("the offer did not move to the main profile")
	}
	batch, err := c.BatchGetProfile(ctx, &cp.BatchGetProfileInput{DomainName: aws.String("d"),
		ProfileIds: []string{aws.ToString(main.ProfileId), aws.ToString(other.ProfileId)}})
	check(t, err)
	if len(batch.Profiles) != 1 || len(batch.Errors) != 1 || aws.ToString(batch.Errors[0].ProfileId) != aws.ToString(other.ProfileId) {
		t.Fatalf("BatchGetProfile after the merge: %s", dump(batch))
	}
	dom, err := c.GetDomain(ctx, &cp.GetDomainInput{DomainName: aws.String("d")})
	check(t, err)
	if dom.Stats.ProfileCount != 1 || dom.Stats.ObjectCount != 2 {
		t.Fatalf("stats after the merge: %s", dump(dom.Stats))
	}
}

func TestARePutFollowsItsKeys(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Order", `{"AllowProfileCreation": false,
		"Fields": {"order": {"Source": "_source.order"}, "acct": {"Source": "_source.acct"}},
		"Keys": {"_orderId": [{"FieldNames": ["order"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	mk := func(acct string) string {
		out, err := c.CreateProfile(ctx, &cp.CreateProfileInput{DomainName: aws.String("d"), AccountNumber: aws.String(acct)})
		check(t, err)
		return aws.ToString(out.ProfileId)
	}
	a, b := mk("A"), mk("B")
	holder := func() string { return aws.ToString(only(t, search(t, c, "d", "_orderId", "o1")).ProfileId) }
	putObject(t, c, "d", "Order", `{"order":"o1","acct":"A"}`)
	if holder() != a {
		t.Fatal("the order is not on A")
	}
	putObject(t, c, "d", "Order", `{"order":"o1","acct":"B"}`)
	if holder() != b || len(listObjects(t, c, "d", "Order", a)) != 0 {
		t.Fatal("the new version did not move to B")
	}
	putObject(t, c, "d", "Order", `{"order":"o1","acct":"nobody"}`)
	if holder() != b {
		t.Fatal("a version that matches nothing left its profile")
	}
	// Its keys went with it: B now holds _account "nobody".
	if got := only(t, search(t, c, "d", "_account", "nobody")); aws.ToString(got.ProfileId) != b {
		t.Fatal("the kept version's key is not on B")
	}
	// Without AllowProfileCreation an unmatched new object is dropped.
	putObject(t, c, "d", "Order", `{"order":"o2","acct":"stranger"}`)
	if got := search(t, c, "d", "_orderId", "o2"); len(got) != 0 {
		t.Fatalf("an unmatched object reached a profile: %s", dump(got))
	}
}

func TestEnumTargets(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Person", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"}, "g": {"Source": "_source.g", "Target": "_profile.Gender"},
		           "party": {"Source": "_source.party", "Target": "_profile.PartyType"}},
		"Keys": {"personId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}]}}`)
	putObject(t, c, "d", "Person", `{"id":"1","g":"female","party":"guild"}`)
	p := only(t, search(t, c, "d", "personId", "1"))
	//lint:ignore SA1019 Gender and PartyType are the members under test
	if p.Gender != types.GenderFemale || p.PartyType != "" || aws.ToString(p.PartyTypeString) != "guild" {
		t.Fatalf("enum targets: %s", dump(p))
	}
}

// TestChangedTypeAppliesAtOnce changes an object type, and deletes and
// recreates its domain, between puts: ingestion keeps decoded types and
// domains in memory, and must never ingest with a stale one.
func TestChangedTypeAppliesAtOnce(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	c := client(ts)
	ctx := context.Background()
	def := func(target string) string {
		return `{"AllowProfileCreation": true, "Fields": {
		  "id": {"Source": "_source.id", "Target": "_profile.AccountNumber"},
		  "v":  {"Source": "_source.v", "Target": "_profile.` + target + `"}},
		  "Keys": {"_account": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}]}}`
	}
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "T", def("FirstName"))
	putObject(t, c, "d", "T", `{"id":"1","v":"Ann"}`)
	putType(t, c, "d", "T", def("LastName"))
	putObject(t, c, "d", "T", `{"id":"2","v":"Lee"}`)
	if p := only(t, search(t, c, "d", "_account", "2")); aws.ToString(p.LastName) != "Lee" || p.FirstName != nil {
		t.Fatalf("after the type changed: %s", dump(p))
	}
	_, err := c.DeleteProfileObjectType(ctx, &cp.DeleteProfileObjectTypeInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("T")})
	check(t, err)
	if _, err := c.PutProfileObject(ctx, &cp.PutProfileObjectInput{DomainName: aws.String("d"), ObjectTypeName: aws.String("T"),
		Object: aws.String(`{"id":"3","v":"Kim"}`)}); err == nil {
		t.Fatal("put of a deleted type succeeded")
	}
	_, err = c.DeleteDomain(ctx, &cp.DeleteDomainInput{DomainName: aws.String("d")})
	check(t, err)
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "T", def("MiddleName"))
	putObject(t, c, "d", "T", `{"id":"4","v":"Jo"}`)
	if p := only(t, search(t, c, "d", "_account", "4")); aws.ToString(p.MiddleName) != "Jo" {
		t.Fatalf("after the domain was recreated: %s", dump(p))
	}
}
