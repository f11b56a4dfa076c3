package profiles_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

// liveService serves a profiles service with its own configuration on a
// real HTTP listener behind the edge (SigV4, routing, validation), for the
// settings server.Config does not carry.
func liveService(t *testing.T, cfg profiles.Config, clk *clock.Virtual) (*profiles.Service, *cp.Client) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := profiles.New(cfg, db, clk, nil)
	e := edge.NewServer(edge.Config{Verifier: &sigv4.Verifier{
		Lookup: func(id string) (string, bool) { return "test", id == "test" },
		Now:    clk.Now,
	}})
	e.Register(svc.API())
	hs := httptest.NewServer(e)
	t.Cleanup(func() {
		hs.Close()
		_ = db.Close()
	})
	c := cp.New(cp.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, onClock(clk))
	return svc, c
}

func TestObjectQuotas(t *testing.T) {
	_, c := liveService(t, profiles.Config{Region: "us-east-1", AccountID: "000000000000",
		Quotas: profiles.Quotas{ObjectsPerProfile: 3, MaxProfileBytes: 200}}, clock.NewVirtual(time.Now()))
	createDomain(t, c, "d", 365)
	putType(t, c, "d", "Event", `{"AllowProfileCreation": true,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"}, "pad": {"Source": "_source.pad"}},
		"Keys": {"eventId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	putType(t, c, "d", "Capped", `{"AllowProfileCreation": true, "MaxProfileObjectCount": 1,
		"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"}},
		"Keys": {"cappedId": [{"FieldNames": ["id"], "StandardIdentifiers": ["UNIQUE"]}],
		         "_account": [{"FieldNames": ["acct"], "StandardIdentifiers": ["PROFILE"]}]}}`)
	ctx := context.Background()
	put := func(typ, obj string) error {
		_, err := c.PutProfileObject(ctx, &cp.PutProfileObjectInput{DomainName: aws.String("d"), ObjectTypeName: aws.String(typ), Object: aws.String(obj)})
		return err
	}
	check(t, put("Capped", `{"id":"c1","acct":"A"}`))
	wantError(t, put("Capped", `{"id":"c2","acct":"A"}`), "BadRequestException", 400)
	check(t, put("Capped", `{"id":"c1","acct":"A"}`)) // replacing the one object is not adding one
	check(t, put("Event", `{"id":"e1","acct":"A"}`))
	check(t, put("Event", `{"id":"e2","acct":"A"}`))
	wantError(t, put("Event", `{"id":"e3","acct":"A"}`), "BadRequestException", 400) // a fourth object
	// 200 bytes of objects per profile.
	check(t, put("Event", `{"id":"b1","acct":"B","pad":"`+fmt.Sprintf("%0100d", 0)+`"}`))
	wantError(t, put("Event", `{"id":"b2","acct":"B","pad":"`+fmt.Sprintf("%0100d", 0)+`"}`), "BadRequestException", 400)
	p := only(t, search(t, c, "d", "_account", "A"))
	if n := len(listObjects(t, c, "d", "Event", aws.ToString(p.ProfileId))); n != 2 {
		t.Fatalf("%d events stored after the refusals, want 2", n)
	}
}

func TestThrottling(t *testing.T) {
	vclock := clock.NewVirtual(time.Now())
	_, c := liveService(t, profiles.Config{Region: "us-east-1", AccountID: "000000000000",
		Quotas: profiles.Quotas{RequestsPerSecond: 1, Burst: 2}}, vclock)
	ctx := context.Background()
	list := func() error { _, err := c.ListDomains(ctx, &cp.ListDomainsInput{}); return err }
	check(t, list())
	check(t, list())
	wantError(t, list(), "ThrottlingException", 429)
	createDomain(t, c, "other-operation-has-its-own-bucket", 1)
	vclock.Advance(time.Second)
	check(t, list())
	wantError(t, list(), "ThrottlingException", 429)
}

func TestSearchByKeyMatchesSearchProfiles(t *testing.T) {
	vclock := clock.NewVirtual(time.Now())
	svc, c := liveService(t, profiles.Config{Region: "us-east-1", AccountID: "000000000000"}, vclock)
	ctx := context.Background()
	createDomain(t, c, "d", 365)
	var want []string
	for _, in := range []cp.CreateProfileInput{
		{PhoneNumber: aws.String("(555)-123-4567"), FirstName: aws.String("Ann"), Attributes: map[string]string{"tier": "gold"}},
		{HomePhoneNumber: aws.String("+15551234567"), ShippingAddress: nil},
		{PhoneNumber: aws.String("+15550000000")},
	} {
		in.DomainName = aws.String("d")
		out, err := c.CreateProfile(ctx, &in)
		check(t, err)
		want = append(want, aws.ToString(out.ProfileId))
	}
	ann := want[0]
	want = sorted(want[:2]...)
	got, err := svc.SearchByKey(ctx, "d", "_phone", "555 123 4567")
	check(t, err)
	var gotIDs []string
	for _, p := range got {
		gotIDs = append(gotIDs, p.ID)
	}
	if !slices.Equal(gotIDs, want) || !slices.Equal(gotIDs, ids(search(t, c, "d", "_phone", "555 123 4567"))) {
		t.Fatalf("SearchByKey found %v, want %v", gotIDs, want)
	}
	annFound := false
	for _, p := range got {
		if p.ID == ann {
			annFound = true
			if p.Fields["FirstName"] != "Ann" || p.Attributes["tier"] != "gold" || p.Fields["PhoneNumber"] != "(555)-123-4567" {
				t.Fatalf("SearchByKey profile: %+v", p)
			}
		}
	}
	if !annFound {
		t.Fatal("SearchByKey did not return Ann")
	}
	if _, err := svc.SearchByKey(ctx, "nope", "_phone", "1"); err == nil {
		t.Fatal("SearchByKey in a missing domain succeeded")
	}
}
