package profiles

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// updateGolden rewrites testdata/stored_bytes.golden from the code as it
// is: go test ./internal/profiles -run TestStoredBytes -update.
var updateGolden = flag.Bool("update", false, "rewrite testdata/stored_bytes.golden")

// TestStoredBytes runs a fixed sequence of calls and compares every call's
// result and then every stored key and value, with profile ids renamed in
// creation order, with testdata/stored_bytes.golden: what is on disk is a
// format, which a change of code must not change unless it means to (and
// then -update records the new one, for review).
func TestStoredBytes(t *testing.T) {
	const golden = "testdata/stored_bytes.golden"
	ctx := context.Background()
	vclock := clock.NewVirtual(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC))
	db := &memStore{}
	s := New(Config{Quotas: Quotas{ObjectsPerProfile: 6}}, db, vclock, nil)
	var log strings.Builder
	note := func(call string, v any, err error) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(&log, "%s -> %s err=%v\n", call, b, err)
	}
	_, err := s.createDomain(ctx, &api.CreateDomainRequest{DomainName: "d", DefaultExpirationDays: 30})
	note("createDomain", nil, err)
	putType := func(name, def string) {
		in := &api.PutProfileObjectTypeRequest{}
		if err := json.Unmarshal([]byte(def), in); err != nil {
			t.Fatal(err)
		}
		in.DomainName, in.ObjectTypeName = "d", name
		_, err := s.putObjectType(ctx, in)
		note("putType "+name, nil, err)
	}
	putType("Customer", benchType)
	putType("Order", `{"Description": "orders", "AllowProfileCreation": false, "ExpirationDays": 2, "SourcePriority": 2,
		"SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ss",
		"Fields": {
			"id": {"Source": "_source.id"},
			"email": {"Source": "_source.email", "ContentType": "EMAIL_ADDRESS", "Target": "_profile.PersonalEmailAddress"},
			"phone": {"Source": "_source.phone", "ContentType": "PHONE_NUMBER"},
			"city": {"Source": "_source.addr.city", "Target": "_profile.ShippingAddress.City"},
			"gender": {"Source": "_source.gender", "Target": "_profile.Gender"},
			"sku": {"Source": "_source.sku"},
			"sourceLastUpdatedTimestamp": {"Source": "_source.updated"}
		},
		"Keys": {
			"orderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}],
			"_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
			"_phone": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["phone"]}],
			"sku": [{"StandardIdentifiers": ["LOOKUP_ONLY"], "FieldNames": ["sku"]}]
		}}`)
	putType("Lead", `{"Description": "leads", "AllowProfileCreation": true, "MaxProfileObjectCount": 2,
		"Fields": {
			"lid": {"Source": "_source.lid"},
			"mail": {"Source": "_source.mail", "ContentType": "EMAIL_ADDRESS"},
			"tel": {"Source": "_source.tel", "ContentType": "PHONE_NUMBER"},
			"ref": {"Source": "_source.ref", "ContentType": "NUMBER"},
			"name": {"Source": "{{_source.first}} {{_source.last}}", "Target": "_profile.FirstName"}
		},
		"Keys": {
			"leadId": [{"StandardIdentifiers": ["UNIQUE", "PROFILE"], "FieldNames": ["lid"]}],
			"refNo": [{"StandardIdentifiers": ["PROFILE", "NEW_ONLY"], "FieldNames": ["ref"]}],
			"_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["mail"]}]
		}}`)
	put := func(typ, text string) {
		res, err := s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: typ, Object: text})
		note("put "+typ+" "+text, res, err)
	}
	idOf := func(account string) string {
		prefix := "profiles/d/d/k/_account/" + account + "\x00"
		id := ""
		db.m.Ascend(prefix, func(k string, _ []byte) bool {
			if strings.HasPrefix(k, prefix) {
				id = k[len(prefix):]
			}
			return false
		})
		return id
	}

	for i := range 30 {
		put("Customer", benchCustomer(i))
		vclock.Advance(time.Second)
	}
	for i := range 30 {
		put("Customer", benchCustomer(i*7%30)) // re-puts
	}
	put("Customer", `{"accountId":"0000000003","firstName":"Ann","lastName":"Other","email":"user4@example.com","phone":"+1 (200) 000-0005","tier":"gold"}`)
	put("Customer", `{"accountId":"0000000003","firstName":"Ann  Marie","lastName":"O'Neil","email":"ANN@example.com ","tier":"<b>&"}`)
	put("Customer", `{"accountId":"0000000040","firstName":"Zoë","lastName":"Ünal","email":"user5@example.com"}`)
	put("Customer", `{"firstName":"no key"}`)
	put("Customer", `not json`)
	put("Customer", `{"accountId":"   "}`)
	put("Nope", `{"a":1}`)
	_, err = s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "nodomain", ObjectTypeName: "Customer", Object: `{"accountId":"1"}`})
	note("put nodomain", nil, err)

	put("Order", `{"id":"o1","email":"user1@example.com","sku":"A1","addr":{"city":"Oslo"},"gender":"female","updated":"2024-01-01T10:00:00"}`)
	put("Order", `{"id":"o2","email":"nobody@example.com","phone":"+1 (200) 000-0002","gender":"robot","updated":"2024-01-01T11:00:00"}`)
	put("Order", `{"id":"o3","email":"nobody@example.com"}`) // dropped: no match, no creation
	put("Order", `{"id":"o4","email":"user1@example.com","updated":"yesterday"}`)
	put("Order", `{"id":"o1","email":"user2@example.com","addr":{"city":"Bergen"},"updated":"2023-01-01T10:00:00"}`) // moves
	put("Lead", `{"lid":"l1","mail":"lead1@example.com","ref":"007.50","first":"Lee","last":"Ad"}`)
	put("Lead", `{"lid":"l2","mail":"lead1@example.com","ref":"8"}`)
	put("Lead", `{"lid":"l3","ref":"7.5"}`)
	put("Lead", `{"lid":"l4","mail":"lead1@example.com"}`) // MaxProfileObjectCount
	put("Lead", `{"lid":"l5","mail":"user6@example.com","first":"Six"}`)

	// Manual edits, an added key that makes a value ambiguous, a merge.
	_, err = s.updateProfile(ctx, &api.UpdateProfileRequest{DomainName: "d", ProfileId: idOf("0000000007"), FirstName: ptr("Manual"), LastName: ptr("")})
	note("updateProfile", nil, err)
	_, err = s.addProfileKey(ctx, &api.AddProfileKeyRequest{DomainName: "d", ProfileId: idOf("0000000008"), KeyName: "_email", Values: []string{"user9@example.com"}})
	note("addProfileKey", nil, err)
	put("Customer", benchCustomer(7))
	put("Order", `{"id":"o5","email":"user9@example.com","phone":"+1 (200) 000-0009"}`) // ambiguous e-mail, phone decides
	_, err = s.mergeProfiles(ctx, &api.MergeProfilesRequest{DomainName: "d", MainProfileId: idOf("0000000010"), ProfileIdsToBeMerged: []string{idOf("0000000011")}})
	note("mergeProfiles", nil, err)
	put("Customer", benchCustomer(11))
	for i := range 8 { // the objects-per-profile quota
		put("Order", fmt.Sprintf(`{"id":"q%d","email":"user12@example.com"}`, i))
	}

	// Expiry: orders (2 days) go, then profiles (30 days) not touched since.
	vclock.Advance(50 * time.Hour)
	put("Customer", benchCustomer(1))
	put("Order", `{"id":"o2","email":"user2@example.com"}`)
	vclock.Advance(29 * 24 * time.Hour)
	for i := range 5 {
		put("Customer", benchCustomer(i))
	}
	put("Customer", benchCustomer(100))
	res, err := s.getDomain(ctx, &api.GetDomainRequest{DomainName: "d"})
	note("getDomain", res.Stats, err)

	// The store, with profile ids renamed in creation order (they are
	// version 7 UUIDs, which sort by creation).
	var raw []string
	db.m.Scan(func(k string, v []byte) bool {
		raw = append(raw, k, string(v))
		return true
	})
	idRE := regexp.MustCompile(`[0-9a-f]{32}`)
	ids := idRE.FindAllString(log.String()+strings.Join(raw, "\n"), -1)
	rename := func(s string) string {
		return idRE.ReplaceAllStringFunc(s, func(id string) string {
			i, _ := slices.BinarySearch(ids, id)
			return fmt.Sprintf("PROFILE-%04d-%s", i, strings.Repeat("x", 19))
		})
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var dump strings.Builder
	dump.WriteString(rename(log.String()))
	for i := 0; i < len(raw); i += 2 {
		fmt.Fprintf(&dump, "%q = %q\n", rename(raw[i]), rename(raw[i+1]))
	}
	text := dump.String()
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if text != string(want) {
		got, wantLines := strings.Split(text, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(got), len(wantLines)) {
			if got[i] != wantLines[i] {
				t.Fatalf("stored bytes differ from %s at line %d:\n got: %s\nwant: %s\n(run with -update if the change is meant)", golden, i+1, got[i], wantLines[i])
			}
		}
		t.Fatalf("stored bytes differ from %s: %d lines, want %d (run with -update if the change is meant)", golden, len(got), len(wantLines))
	}
}
