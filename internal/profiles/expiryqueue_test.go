package profiles

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// TestExpiryQueueIsLazy holds the expiry queue to its rules (see requeue):
// every live profile and object has exactly one queue entry, never after
// its expiry; an update that only postpones the expiry writes no entry; an
// entry that comes due while its record lives moves to the record's
// expiry; a shorter expiry moves the entry at once; and what expires goes
// when its time comes, not before.
func TestExpiryQueueIsLazy(t *testing.T) {
	const day = 24 * time.Hour
	type step struct {
		advance           time.Duration
		do                string // "put" (customer 1), "type <ExpirationDays>" or "purge"
		profiles, objects int    // stored afterwards
		moved             bool   // whether the queue's entries changed
	}
	for _, tc := range []struct {
		name     string
		typeDays int
		steps    []step
	}{
		{"a re-put moves no entry; a due entry moves on", 2, []step{
			{0, "put", 1, 1, true},                   // object expires on day 2, profile on day 30
			{1 * day, "put", 1, 1, false},            // day 3 and day 31; the entries stay
			{1*day + time.Hour, "purge", 1, 1, true}, // the object's entry came due: it moves to day 3
			{1 * day, "purge", 1, 0, true},           // day 3+1h: the object expired
			{27 * day, "purge", 1, 0, true},          // day 30+1h: the profile's entry moves to day 31
			{1 * day, "purge", 0, 0, true},
		}},
		{"an updated profile outlives its first expiry", 100, []step{
			{0, "put", 1, 1, true},
			{20 * day, "put", 1, 1, false},            // the profile now expires on day 50
			{10*day + time.Hour, "purge", 1, 1, true}, // day 30+1h: alive, its entry moves to day 50
			{20 * day, "purge", 0, 0, true},           // day 50+1h: gone, with its object
		}},
		{"a shorter expiry moves the entry at once", 20, []step{
			{0, "put", 1, 1, true},
			{0, "type 1", 1, 1, false},
			{time.Hour, "put", 1, 1, true}, // the object's entry moves from day 20 to day 1+1h
			{1 * day, "purge", 1, 0, true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			vclock := clock.NewVirtual(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC))
			db := &memStore{}
			s := New(Config{}, db, vclock, nil)
			if _, err := s.createDomain(ctx, &api.CreateDomainRequest{DomainName: "d", DefaultExpirationDays: 30}); err != nil {
				t.Fatal(err)
			}
			putBenchType(t, s, "d", int32(tc.typeDays))
			var queue []string
			for i, st := range tc.steps {
				vclock.Advance(st.advance)
				verb, arg, _ := strings.Cut(st.do, " ")
				switch verb {
				case "put":
					if _, err := s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: "Customer", Object: benchCustomer(1)}); err != nil {
						t.Fatal(err)
					}
				case "type":
					days, _ := strconv.Atoi(arg)
					putBenchType(t, s, "d", int32(days))
				case "purge":
					if _, err := s.PurgeExpired(ctx); err != nil {
						t.Fatal(err)
					}
				}
				profiles, objects, q := checkExpiryQueue(t, db)
				if profiles != st.profiles || objects != st.objects {
					t.Fatalf("step %d (%s): %d profiles and %d objects stored, want %d and %d", i, st.do, profiles, objects, st.profiles, st.objects)
				}
				if moved := !slices.Equal(q, queue); moved != st.moved {
					t.Fatalf("step %d (%s): queue moved %v, want %v: %q then %q", i, st.do, moved, st.moved, queue, q)
				}
				queue = q
			}
		})
	}
}

// checkExpiryQueue checks that the queue holds one entry per stored
// profile and object, at the stamp the record says (queued), not after
// its expiry, and nothing else; it returns how many profiles and objects
// are stored, and the queue's entries.
func checkExpiryQueue(t *testing.T, db *memStore) (profiles, objects int, entries []string) {
	t.Helper()
	want := map[string]bool{}
	queue := map[string]bool{}
	xp, pp, op := expiryPrefix("d"), domainPrefix("d")+"p/", objectPrefix("d", "Customer")
	db.m.Scan(func(k string, v []byte) bool {
		var entry string
		var expires, at int64
		switch {
		case strings.HasPrefix(k, xp):
			queue[k] = true
			entries = append(entries, k)
			return true
		case strings.HasPrefix(k, pp):
			p := &profileRecord{}
			if err := json.Unmarshal(v, p); err != nil {
				t.Fatal(err)
			}
			profiles++
			expires, at = p.Expires, queued(p.Queue, p.Expires)
			entry = expiryKey("d", at, "p/"+p.ID)
		case strings.HasPrefix(k, op):
			o := &objectRecord{}
			if err := json.Unmarshal(v, o); err != nil {
				t.Fatal(err)
			}
			objects++
			expires, at = o.Expires, queued(o.Queue, o.Expires)
			entry = expiryKey("d", at, "o/"+o.ref())
		default:
			return true
		}
		if at > expires {
			t.Errorf("%s: queued at %d, after its expiry %d", k, at, expires)
		}
		want[entry] = true
		return true
	})
	for k := range want {
		if !queue[k] {
			t.Errorf("no queue entry %s", k)
		}
	}
	for k := range queue {
		if !want[k] {
			t.Errorf("queue entry %s belongs to no record", k)
		}
	}
	return profiles, objects, entries
}

// TestWritesPurgeOncePerInterval: the first write in each PurgeInterval
// removes what is due, later ones in the interval do not look (what is
// due is invisible either way), and GetDomain still counts exactly.
func TestWritesPurgeOncePerInterval(t *testing.T) {
	ctx := context.Background()
	vclock := clock.NewVirtual(time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC))
	db := &memStore{}
	s := New(Config{PurgeInterval: time.Minute}, db, vclock, nil)
	benchDomain(t, s, "d", 1)
	put := func(i int) {
		t.Helper()
		if _, err := s.putObject(ctx, &api.PutProfileObjectRequest{DomainName: "d", ObjectTypeName: "Customer", Object: benchCustomer(i)}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() int {
		profiles, _, _ := checkExpiryQueue(t, db)
		return profiles
	}
	put(1)
	vclock.Advance(30 * time.Second)
	put(2)
	vclock.Advance(24*time.Hour - 20*time.Second) // customer 1 is due, 2 is not yet
	put(3)
	if n := stored(); n != 2 {
		t.Fatalf("%d profiles stored after the first write past customer 1's expiry, want 2", n)
	}
	vclock.Advance(30 * time.Second) // customer 2 is due too, within the same minute
	put(4)
	if n := stored(); n != 3 {
		t.Fatalf("%d profiles stored after a second write in the minute, want 3 (it does not look)", n)
	}
	dom, err := s.getDomain(ctx, &api.GetDomainRequest{DomainName: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if got := *dom.Stats.ProfileCount; got != 2 {
		t.Fatalf("GetDomain counts %d profiles, want 2", got)
	}
	if n := stored(); n != 2 {
		t.Fatalf("%d profiles stored after GetDomain, want 2", n)
	}
	vclock.Advance(time.Minute)
	put(5)
	if n := stored(); n != 3 {
		t.Fatalf("%d profiles stored, want 3", n)
	}
}
