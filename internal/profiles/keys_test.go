package profiles

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/profiles/api"
)

func TestProfileObjectKey(t *testing.T) {
	for _, seq := range []int64{0, 1, 15, 16, 255, 1 << 40, math.MaxInt64, -1, -255, math.MinInt64} {
		want := fmt.Sprintf("%s%016x", profileTypeObjectsPrefix("d", "p", "T"), seq)
		if got := profileObjectKey("d", "p", "T", seq); got != want {
			t.Errorf("profileObjectKey(%d) = %q, want %q", seq, got, want)
		}
	}
}

func TestAppendKeys(t *testing.T) {
	check := func(name string, got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	pre := []byte("junk")
	for _, dom := range []string{"d", "my-domain"} {
		id, typ, uk, key, val := "0190a1b2c3d4e5f60718293a4b5c6d7e", "Customer", "uk_-x", "_phone", "+15550100"
		check("domain", appendDomainPrefix(pre, dom)[4:], domainPrefix(dom))
		check("profile", appendProfileKey(pre, dom, id)[4:], profileKey(dom, id))
		check("type", appendTypeKey(pre, dom, typ)[4:], typeKey(dom, typ))
		check("index", appendIndexPrefix(pre, dom, key, val)[4:], indexPrefix(dom, key, val))
		check("object", appendObjectKey(pre, dom, typ, uk)[4:], objectKey(dom, typ, uk))
		check("typefields", appendTypeFieldsKey(pre, dom, typ, id)[4:], typeFieldsKey(dom, typ, id))
		check("expiry prefix", appendExpiryPrefix(pre, dom)[4:], expiryPrefix(dom))
		for _, seq := range []int64{0, 1, 15, 16, 255, 1 << 40, math.MaxInt64, -1, -255, math.MinInt64} {
			check("profile object", appendProfileObjectKey(pre, dom, id, typ, seq)[4:], profileObjectKey(dom, id, typ, seq))
		}
		for _, at := range []int64{0, 1, 9, 10, 1700000000000000000, math.MaxInt64, -1, math.MinInt64} {
			check("stamp", appendStamp(pre, at)[4:], expiryStamp(at))
			check("profile expiry", appendExpiryKey(pre, dom, at, 'p', id, "")[4:], expiryKey(dom, at, "p/"+id))
			check("object expiry", appendExpiryKey(pre, dom, at, 'o', typ, uk)[4:], expiryKey(dom, at, "o/"+objectRef(typ, uk)))
		}
	}
}

// TestSearchByProfileID: a profile's own id is found without an index
// entry, an index entry written before that rule (or for the same id) does
// not find it twice, and an id given to another profile by AddProfileKey
// finds both.
func TestSearchByProfileID(t *testing.T) {
	ctx := context.Background()
	db := &memStore{}
	s := New(Config{}, db, clock.NewVirtual(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)), nil)
	benchDomain(t, s, "d", 30)
	var ids []string
	for i := range 2 {
		if _, err := s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: "Customer", Object: benchCustomer(i)}); err != nil {
			t.Fatal(err)
		}
		out, err := s.searchProfiles(ctx, &api.SearchProfilesRequest{DomainName: "d", KeyName: "_account", Values: []string{fmt.Sprintf("%010d", i)}})
		if err != nil || len(out.Items) != 1 {
			t.Fatalf("search by _account: %v, %v", out, err)
		}
		ids = append(ids, *out.Items[0].ProfileId)
	}
	a, b := ids[0], ids[1]
	db.m.Scan(func(k string, _ []byte) bool {
		if strings.Contains(k, "/k/_profileId/") {
			t.Errorf("index entry for a profile's own id: %q", k)
		}
		return true
	})
	find := func(id string) []string {
		t.Helper()
		out, err := s.searchProfiles(ctx, &api.SearchProfilesRequest{DomainName: "d", KeyName: "_profileId", Values: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range out.Items {
			got = append(got, *p.ProfileId)
		}
		return got
	}
	for _, c := range []struct {
		name  string
		setup func()
		id    string
		want  []string
	}{
		{"own id", func() {}, a, []string{a}},
		{"unknown id", func() {}, "0123456789abcdef0123456789abcdef", nil},
		{"not an id", func() {}, "nope", nil},
		{"an entry from before the rule", func() {
			db.m.Set(indexPrefix("d", keyProfileID, a)+a, nil)
			// It does not make the id look owned twice to matching either.
			ref := &api.PutProfileObjectTypeRequest{DomainName: "d", ObjectTypeName: "Ref", Description: "refs",
				Fields: map[string]*api.ObjectTypeField{"pid": {Source: ptr("_source.pid"), Target: ptr("_profile.AdditionalInformation")}},
				Keys:   map[string][]*api.ObjectTypeKey{"_profileId": {{FieldNames: []string{"pid"}, StandardIdentifiers: []string{"PROFILE", "UNIQUE"}}}}}
			if _, err := s.putObjectType(ctx, ref); err != nil {
				t.Fatal(err)
			}
			res, err := s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: "Ref", Object: `{"pid":"` + a + `"}`})
			if err != nil {
				t.Fatal(err)
			}
			raw, ok := db.m.Get(objectKey("d", "Ref", *res.ProfileObjectUniqueKey))
			if !ok || !strings.Contains(string(raw), `"p":"`+a+`"`) {
				t.Errorf("an object keyed by profile %s's id went elsewhere: %s", a, raw)
			}
		}, a, []string{a}},
		{"given to another profile", func() {
			if _, err := s.addProfileKey(ctx, &api.AddProfileKeyRequest{DomainName: "d", ProfileId: b, KeyName: "_profileId", Values: []string{a}}); err != nil {
				t.Fatal(err)
			}
		}, a, []string{a, b}},
	} {
		c.setup()
		if got := find(c.id); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: search _profileId %s = %v, want %v", c.name, c.id, got, c.want)
		}
	}
}
