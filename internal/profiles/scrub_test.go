package profiles

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// TestDeleteTypeScrubsFieldsItsObjectsLeft: DeleteProfileObjectType
// scrubs a field its type supplied whether the supplying object is still
// on the profile or left it before (deleted, expired, moved to another
// profile, or its profile merged into another). The type-fields marker is
// written only when an object leaves (leftBy), so each way of leaving is a
// case here.
func TestDeleteTypeScrubsFieldsItsObjectsLeft(t *testing.T) {
	const src = `{"id":"s1","acct":"1","nick":"Nick"}`
	for _, tc := range []struct {
		name   string
		before func(h *scrubHarness) // after profiles 1 and 2 exist and src is on profile 1
	}{
		{"the object is still on the profile", func(h *scrubHarness) {}},
		{"the object was deleted", func(h *scrubHarness) {
			h.must(h.s.deleteObject(h.ctx, &api.DeleteProfileObjectRequest{DomainName: "d", ObjectTypeName: "Src",
				ProfileId: h.id("1"), ProfileObjectUniqueKey: h.uk}))
		}},
		{"the object expired", func(h *scrubHarness) {
			h.clock.Advance(49 * time.Hour)
			_, err := h.s.PurgeExpired(h.ctx)
			h.must(nil, err)
			if n := h.objects("Src"); n != 0 {
				h.t.Fatalf("%d Src objects after they expired", n)
			}
		}},
		{"the object moved to another profile", func(h *scrubHarness) {
			h.put("Src", `{"id":"s1","acct":"2","nick":"Other"}`)
		}},
		{"its profile was merged, after the object left it", func(h *scrubHarness) {
			h.must(h.s.deleteObject(h.ctx, &api.DeleteProfileObjectRequest{DomainName: "d", ObjectTypeName: "Src",
				ProfileId: h.id("1"), ProfileObjectUniqueKey: h.uk}))
			h.must(h.s.mergeProfiles(h.ctx, &api.MergeProfilesRequest{DomainName: "d", MainProfileId: h.id("2"),
				ProfileIdsToBeMerged: []string{h.id("1")}}))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newScrubHarness(t)
			h.put("Base", `{"acct":"1"}`)
			h.put("Base", `{"acct":"2"}`)
			h.uk = h.put("Src", src)
			tc.before(h)
			nicks := 0
			for _, acct := range []string{"1", "2"} {
				if p := h.profile(acct); p != nil && p.MiddleName != nil {
					nicks++
				}
			}
			if nicks == 0 {
				t.Fatal("no profile holds the field the Src object supplied: the case tests nothing")
			}
			h.must(h.s.deleteObjectType(h.ctx, &api.DeleteProfileObjectTypeRequest{DomainName: "d", ObjectTypeName: "Src"}))
			for _, acct := range []string{"1", "2"} {
				if p := h.profile(acct); p != nil && p.MiddleName != nil {
					t.Errorf("profile of account %s keeps MiddleName %q from the deleted type", acct, *p.MiddleName)
				}
			}
		})
	}
}

type scrubHarness struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Virtual
	db    *memStore
	s     *Service
	uk    string
}

func newScrubHarness(t *testing.T) *scrubHarness {
	h := &scrubHarness{t: t, ctx: context.Background(), clock: clock.NewVirtual(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)), db: &memStore{}}
	h.s = New(Config{}, h.db, h.clock, nil)
	h.must(h.s.createDomain(h.ctx, &api.CreateDomainRequest{DomainName: "d", DefaultExpirationDays: 30}))
	for name, def := range map[string]string{
		"Base": `{"Description": "accounts", "AllowProfileCreation": true,
			"Fields": {"acct": {"Source": "_source.acct", "Target": "_profile.AccountNumber"}},
			"Keys": {"_account": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["acct"]}]}}`,
		"Src": `{"Description": "a source of nicknames", "AllowProfileCreation": false, "ExpirationDays": 2,
			"Fields": {"id": {"Source": "_source.id"}, "acct": {"Source": "_source.acct"},
			           "nick": {"Source": "_source.nick", "Target": "_profile.MiddleName"}},
			"Keys": {"srcId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}],
			         "_account": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["acct"]}]}}`,
	} {
		in := &api.PutProfileObjectTypeRequest{}
		if err := json.Unmarshal([]byte(def), in); err != nil {
			t.Fatal(err)
		}
		in.DomainName, in.ObjectTypeName = "d", name
		h.must(h.s.putObjectType(h.ctx, in))
	}
	return h
}

func (h *scrubHarness) must(_ any, err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *scrubHarness) put(typ, object string) string {
	h.t.Helper()
	res, err := h.s.putObject(h.ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: typ, Object: object})
	h.must(nil, err)
	return *res.ProfileObjectUniqueKey
}

// profile is the profile of an account, or nil.
func (h *scrubHarness) profile(acct string) *api.Profile {
	h.t.Helper()
	out, err := h.s.searchProfiles(h.ctx, &api.SearchProfilesRequest{DomainName: "d", KeyName: "_account", Values: []string{acct}})
	h.must(nil, err)
	if len(out.Items) == 0 {
		return nil
	}
	return out.Items[0]
}

func (h *scrubHarness) id(acct string) string {
	h.t.Helper()
	p := h.profile(acct)
	if p == nil {
		h.t.Fatalf("no profile for account %s", acct)
	}
	return *p.ProfileId
}

func (h *scrubHarness) objects(typ string) int {
	n := 0
	prefix := objectPrefix("d", typ)
	h.db.m.Ascend(prefix, func(k string, _ []byte) bool {
		if len(k) < len(prefix) || k[:len(prefix)] != prefix {
			return false
		}
		n++
		return true
	})
	return n
}
