package contacts

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTestService(t *testing.T) (*Service, *clock.Virtual, store.Store) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "contacts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewVirtual(t0)
	return New(Config{Region: "eu-west-2", AccountID: "123456789012"}, db, clk, nil), clk, db
}

func TestNewContactID(t *testing.T) {
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	a, b := NewContactID(), NewContactID()
	if !uuidRE.MatchString(a) || !uuidRE.MatchString(b) || a == b {
		t.Fatalf("contact ids %q and %q are not two distinct lowercase UUIDs", a, b)
	}
}

func TestPutFillsDefaultsAndGetReadsBack(t *testing.T) {
	s, clk, _ := newTestService(t)
	ctx := context.Background()
	r := &Record{
		InstanceID: "inst-1", ContactID: "c-1", Channel: "VOICE", InitiationMethod: "INBOUND",
		CustomerEndpoint: Endpoint{Type: "TELEPHONE_NUMBER", Address: "+447700900123"},
		Attributes:       map[string]string{"lang": "cy"},
	}
	if err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:connect:eu-west-2:123456789012:instance/inst-1/contact/c-1"; r.ARN != want {
		t.Fatalf("ARN %q, want %q", r.ARN, want)
	}
	if r.InitialContactID != "c-1" || !r.InitiationTimestamp.Equal(t0) || !r.LastUpdateTimestamp.Equal(t0) {
		t.Fatalf("defaults not filled in: %+v", r)
	}
	clk.Advance(time.Minute)
	got, err := s.Get(ctx, "inst-1", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ARN != r.ARN || got.Attributes["lang"] != "cy" || got.CustomerEndpoint != r.CustomerEndpoint || !got.InitiationTimestamp.Equal(t0) {
		t.Fatalf("read back %+v, stored %+v", got, r)
	}
	// A replace keeps what it is given and stamps the update time.
	got.Attributes["lang"] = "en"
	if err := s.Put(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Get(ctx, "inst-1", "c-1")
	if again.Attributes["lang"] != "en" || !again.LastUpdateTimestamp.Equal(t0.Add(time.Minute)) || !again.InitiationTimestamp.Equal(t0) {
		t.Fatalf("after replace: %+v", again)
	}
}

func TestGetUnknown(t *testing.T) {
	s, _, _ := newTestService(t)
	if err := s.Put(context.Background(), &Record{InstanceID: "inst-1", ContactID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ inst, id string }{
		{"inst-1", "c-2"},        // unknown contact
		{"inst-2", "c-1"},        // a contact of another instance
		{"inst-1", "c-1/x"},      // would leave the key layout
		{"inst-1", ""},           // empty
		{"inst-1/c-1", "../c-1"}, // would leave the key layout
	} {
		_, err := s.Get(context.Background(), tc.inst, tc.id)
		if !apierr.Is(err, "ResourceNotFoundException") {
			t.Errorf("Get(%q, %q) = %v, want ResourceNotFoundException", tc.inst, tc.id, err)
		}
	}
}

func TestPutRefusesBadIDs(t *testing.T) {
	s, _, _ := newTestService(t)
	for _, r := range []*Record{{InstanceID: "", ContactID: "c"}, {InstanceID: "i", ContactID: ""}, {InstanceID: "i", ContactID: "a/b"}} {
		if err := s.Put(context.Background(), r); err == nil {
			t.Errorf("Put(%q, %q) succeeded", r.InstanceID, r.ContactID)
		}
	}
}

func TestUpdate(t *testing.T) {
	s, clk, _ := newTestService(t)
	ctx := context.Background()
	if err := s.Put(ctx, &Record{InstanceID: "i", ContactID: "c", Attributes: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if err := s.Update(ctx, "i", "c", func(r *Record) error { r.Attributes["b"] = "2"; return nil }); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Get(ctx, "i", "c")
	if r.Attributes["a"] != "1" || r.Attributes["b"] != "2" || !r.LastUpdateTimestamp.Equal(t0.Add(time.Second)) {
		t.Fatalf("after update: %+v", r)
	}

	boom := errors.New("boom")
	clk.Advance(time.Second)
	err := s.Update(ctx, "i", "c", func(r *Record) error { r.Attributes["c"] = "3"; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	err = s.Update(ctx, "i", "c", func(r *Record) error { r.ContactID = "other"; return nil })
	if err == nil {
		t.Fatal("Update let fn change the contact id")
	}
	after, _ := s.Get(ctx, "i", "c")
	if len(after.Attributes) != 2 || !after.LastUpdateTimestamp.Equal(r.LastUpdateTimestamp) {
		t.Fatalf("a failed update changed the record: %+v", after)
	}
	if _, err := s.Get(ctx, "i", "other"); err == nil {
		t.Fatal("a refused id change stored a record")
	}
	if err := s.Update(ctx, "i", "nobody", func(*Record) error { return nil }); !apierr.Is(err, "ResourceNotFoundException") {
		t.Fatalf("Update of an unknown contact = %v", err)
	}
}

// indexKeys lists the search index of an instance.
func indexKeys(t *testing.T, db store.Store, inst string) []string {
	t.Helper()
	var keys []string
	err := db.View(context.Background(), func(tx store.Tx) error {
		p := []byte(indexPrefix(inst))
		for k := range tx.Scan(p, store.PrefixEnd(p)) {
			keys = append(keys, string(k))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestIndexFollowsInitiationTime(t *testing.T) {
	s, _, db := newTestService(t)
	ctx := context.Background()
	r := &Record{InstanceID: "i", ContactID: "c", InitiationTimestamp: t0}
	if err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if k := indexKeys(t, db, "i"); len(k) != 1 || k[0] != indexKey(r) {
		t.Fatalf("index %v", k)
	}
	// Through Put and through Update, the entry moves with the time.
	r.InitiationTimestamp = t0.Add(time.Hour)
	if err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if k := indexKeys(t, db, "i"); len(k) != 1 || k[0] != indexKey(r) {
		t.Fatalf("after Put: index %v, want [%s]", k, indexKey(r))
	}
	if err := s.Update(ctx, "i", "c", func(r *Record) error { r.InitiationTimestamp = t0.Add(-time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	r.InitiationTimestamp = t0.Add(-time.Hour)
	if k := indexKeys(t, db, "i"); len(k) != 1 || k[0] != indexKey(r) {
		t.Fatalf("after Update: index %v, want [%s]", k, indexKey(r))
	}
}

func TestTimeKeysSortAsTimes(t *testing.T) {
	times := []time.Time{
		time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), // before the epoch
		time.Unix(0, 0), time.Unix(0, 1), t0, t0.Add(time.Nanosecond), t0.Add(24 * time.Hour),
	}
	for i := 1; i < len(times); i++ {
		if a, b := timeKey("i", times[i-1]), timeKey("i", times[i]); a >= b {
			t.Errorf("key of %v (%s) does not sort before key of %v (%s)", times[i-1], a, times[i], b)
		}
	}
}

// seed stores contacts c00..c(n-1), one a minute from t0, cycling through
// channels, methods and queues; every third one has ended.
func seed(t *testing.T, s *Service, inst string, n int) []*Record {
	t.Helper()
	channels := []string{"VOICE", "CHAT"}
	methods := []string{"INBOUND", "OUTBOUND", "API"}
	var recs []*Record
	for i := range n {
		r := &Record{
			InstanceID: inst, ContactID: fmt.Sprintf("c%02d", i),
			Channel: channels[i%2], InitiationMethod: methods[i%3],
			InitiationTimestamp: t0.Add(time.Duration(i) * time.Minute),
		}
		if i%4 != 3 {
			r.Queue = &QueueInfo{ID: fmt.Sprintf("q%d", i%4), EnqueueTimestamp: r.InitiationTimestamp.Add(30 * time.Second)}
		}
		if i%3 == 0 {
			r.DisconnectTimestamp = r.InitiationTimestamp.Add(2 * time.Minute)
		}
		if err := s.Put(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

// searchAll pages through q with the given page size and returns the ids,
// checking that every page but the last is full and that Total holds.
func searchAll(t *testing.T, s *Service, q Query) []string {
	t.Helper()
	var ids []string
	total := -1
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("search does not end")
		}
		p, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && p.Total != total {
			t.Fatalf("Total changed between pages: %d then %d", total, p.Total)
		}
		total = p.Total
		for _, r := range p.Records {
			ids = append(ids, r.ContactID)
		}
		if p.NextToken == "" {
			break
		}
		if q.Limit > 0 && len(p.Records) != q.Limit {
			t.Fatalf("a page before the last has %d records, want %d", len(p.Records), q.Limit)
		}
		q.NextToken = p.NextToken
	}
	if total != len(ids) {
		t.Fatalf("Total %d, but the pages held %d contacts", total, len(ids))
	}
	return ids
}

func ids(nums ...int) []string {
	out := []string{}
	for _, n := range nums {
		out = append(out, fmt.Sprintf("c%02d", n))
	}
	return out
}

func TestSearch(t *testing.T) {
	s, _, _ := newTestService(t)
	seed(t, s, "i", 12)
	seed(t, s, "other", 3) // another instance's contacts never show

	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"everything, oldest first", Query{}, ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)},
		{"everything, newest first", Query{Descending: true}, ids(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)},
		{"from inclusive, to exclusive", Query{From: at(3), To: at(7)}, ids(3, 4, 5, 6)},
		{"open end", Query{From: at(9)}, ids(9, 10, 11)},
		{"open start", Query{To: at(2)}, ids(0, 1)},
		{"empty range", Query{From: at(3), To: at(3)}, ids()},
		{"channel", Query{Channels: []string{"CHAT"}}, ids(1, 3, 5, 7, 9, 11)},
		{"methods", Query{InitiationMethods: []string{"OUTBOUND", "API"}}, ids(1, 2, 4, 5, 7, 8, 10, 11)},
		{"queues", Query{QueueIDs: []string{"q0", "q2"}}, ids(0, 2, 4, 6, 8, 10)},
		{"all filters", Query{Channels: []string{"VOICE"}, InitiationMethods: []string{"INBOUND"}, QueueIDs: []string{"q0", "q2"}}, ids(0, 6)},
		{"filters and range, descending", Query{Channels: []string{"VOICE"}, From: at(2), To: at(9), Descending: true}, ids(8, 6, 4, 2)},
		{"no match", Query{Channels: []string{"TASK"}}, ids()},
		// Every third contact ended two minutes after it began.
		{"disconnect time", Query{TimeField: TimeDisconnect, From: at(5), To: at(9)}, ids(3, 6)},
		// Queued contacts were queued 30 s in; numbers 3, 7 and 11 never were.
		{"enqueue time", Query{TimeField: TimeEnqueue, From: at(2), To: at(8)}, ids(2, 4, 5, 6)},
		{"scheduled time", Query{TimeField: TimeScheduled}, ids()},
		{"agent time", Query{TimeField: TimeConnectedToAgent}, ids()},
	} {
		for _, limit := range []int{0, 1, 3, 5} {
			t.Run(fmt.Sprintf("%s/limit %d", tc.name, limit), func(t *testing.T) {
				q := tc.q
				q.InstanceID, q.Limit = "i", limit
				if got := searchAll(t, s, q); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
}

func TestSearchTokens(t *testing.T) {
	s, _, _ := newTestService(t)
	seed(t, s, "i", 6)
	ctx := context.Background()
	first, err := s.Search(ctx, Query{InstanceID: "i", Channels: []string{"VOICE"}, Limit: 1})
	if err != nil || first.NextToken == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	for name, q := range map[string]Query{
		"other filter":    {InstanceID: "i", Channels: []string{"CHAT"}},
		"other order":     {InstanceID: "i", Channels: []string{"VOICE"}, Descending: true},
		"other instance":  {InstanceID: "j", Channels: []string{"VOICE"}},
		"other range":     {InstanceID: "i", Channels: []string{"VOICE"}, From: t0},
		"not a token":     {InstanceID: "i", Channels: []string{"VOICE"}},
		"other time type": {InstanceID: "i", Channels: []string{"VOICE"}, TimeField: TimeDisconnect},
	} {
		q.NextToken = first.NextToken
		if name == "not a token" {
			q.NextToken = "garbage!"
		}
		if _, err := s.Search(ctx, q); !apierr.Is(err, "InvalidParameterException") {
			t.Errorf("%s: %v, want InvalidParameterException", name, err)
		}
	}
	// The same query with another page size resumes fine; the filter order
	// does not matter.
	next, err := s.Search(ctx, Query{InstanceID: "i", Channels: []string{"VOICE"}, Limit: 10, NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{next.Records[0].ContactID, next.Records[1].ContactID}; !slices.Equal(got, ids(2, 4)) || len(next.Records) != 2 {
		t.Fatalf("second page %v", next.Records)
	}
}

// A contact that changes between pages neither repeats nor hides the rest.
func TestSearchStableWhileContactsChange(t *testing.T) {
	s, _, _ := newTestService(t)
	seed(t, s, "i", 5)
	ctx := context.Background()
	p1, err := s.Search(ctx, Query{InstanceID: "i", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "i", "c00", func(r *Record) error { r.Name = "changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, &Record{InstanceID: "i", ContactID: "new", InitiationTimestamp: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	q := Query{InstanceID: "i", Limit: 2, NextToken: p1.NextToken}
	for q.NextToken != "" {
		p, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			got = append(got, r.ContactID)
		}
		q.NextToken = p.NextToken
	}
	if want := append(ids(2, 3, 4), "new"); !slices.Equal(got, want) {
		t.Fatalf("pages after the first: %v, want %v", got, want)
	}
}

func TestCheckAttributes(t *testing.T) {
	s, _, _ := newTestService(t)
	small := New(Config{MaxAttributeBytes: 10}, nil, nil, nil)
	for _, tc := range []struct {
		name  string
		svc   *Service
		attrs map[string]string
		bad   string // a part of the message; "" when accepted
	}{
		{"nil", s, nil, ""},
		{"plain keys", s, map[string]string{"a-Z_09": "x", "x": ""}, ""},
		{"exactly the limit", s, map[string]string{"k": strings.Repeat("v", 32767)}, ""},
		{"one byte over", s, map[string]string{"k": strings.Repeat("v", 32768)}, "32769 bytes"},
		{"keys count", s, map[string]string{strings.Repeat("k", 16384): strings.Repeat("v", 16385)}, "32769 bytes"},
		{"bytes, not characters", small, map[string]string{"k": "ééééé"}, "11 bytes"}, // 1 + 5×2
		{"multi-byte at the limit", small, map[string]string{"k": "€€€"}, ""},         // 1 + 3×3
		{"space in key", s, map[string]string{"first name": "x"}, `"first name"`},
		{"dot in key", s, map[string]string{"a.b": "x"}, `"a.b"`},
		{"non-ASCII key", s, map[string]string{"prénom": "x"}, "prénom"},
		{"empty key", s, map[string]string{"": "x"}, `""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.svc.CheckAttributes(tc.attrs)
			if tc.bad == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := apierr.As(err)
			if !ok || e.Code != "InvalidParameterException" || !strings.Contains(e.Message, tc.bad) {
				t.Fatalf("got %v, want InvalidParameterException mentioning %s", err, tc.bad)
			}
		})
	}
}

func TestMergeStateAttributes(t *testing.T) {
	for _, tc := range []struct{ state, want string }{
		{`{"ContactId":"c","Executed":3}`, `{"Attributes":{"a":"1"},"ContactId":"c","Executed":3}`},
		{`{"Attributes":{"a":"0","b":"2"},"Frames":[{"FlowId":"f","Action":"x"}]}`, `{"Attributes":{"a":"1","b":"2"},"Frames":[{"FlowId":"f","Action":"x"}]}`},
	} {
		got, err := mergeStateAttributes([]byte(tc.state), map[string]string{"a": "1"})
		if err != nil || string(got) != tc.want {
			t.Errorf("merge into %s = %s, %v; want %s", tc.state, got, err, tc.want)
		}
	}
	if _, err := mergeStateAttributes([]byte(`[1]`), nil); err == nil {
		t.Error("merging into a state that is not an object succeeded")
	}
}

// The hooks reach the channel after the record is stored, for live
// contacts only.
func TestHooks(t *testing.T) {
	s, clk, _ := newTestService(t)
	ctx := context.Background()
	type call struct {
		inst, id string
		attrs    map[string]string
		stored   bool // the hook saw the change in the store
	}
	var stops, writes []call
	s.cfg.OnStop = func(ctx context.Context, inst, id string) {
		r, err := s.Get(ctx, inst, id)
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, call{inst: inst, id: id, stored: r.Ended() && r.DisconnectReason == "API"})
	}
	s.cfg.OnAttributes = func(ctx context.Context, inst, id string, attrs map[string]string) {
		r, err := s.Get(ctx, inst, id)
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, call{inst: inst, id: id, attrs: attrs, stored: r.Attributes["x"] == attrs["x"]})
	}
	for _, id := range []string{"live", "ended"} {
		r := &Record{InstanceID: "i", ContactID: id, Channel: "VOICE", InitiationMethod: "INBOUND"}
		if id == "ended" {
			r.DisconnectTimestamp = clk.Now()
		}
		if err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"live", "ended"} {
		if _, err := s.updateContactAttributes(ctx, &api.UpdateContactAttributesRequest{
			InstanceId: "i", InitialContactId: id, Attributes: map[string]string{"x": "1"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Refused writes reach nobody.
	if _, err := s.updateContactAttributes(ctx, &api.UpdateContactAttributesRequest{
		InstanceId: "i", InitialContactId: "live", Attributes: map[string]string{"bad key": "1"},
	}); err == nil {
		t.Fatal("a bad key was accepted")
	}
	if len(writes) != 1 || writes[0].id != "live" || writes[0].inst != "i" || writes[0].attrs["x"] != "1" || !writes[0].stored {
		t.Fatalf("OnAttributes calls: %+v", writes)
	}

	if _, err := s.stopContact(ctx, &api.StopContactRequest{InstanceId: "i", ContactId: "live"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"live", "ended", "unknown"} {
		if _, err := s.stopContact(ctx, &api.StopContactRequest{InstanceId: "i", ContactId: id}); !apierr.Is(err, "ContactNotFoundException") {
			t.Fatalf("stopping %s: %v", id, err)
		}
	}
	if len(stops) != 1 || stops[0].inst != "i" || stops[0].id != "live" || !stops[0].stored {
		t.Fatalf("OnStop calls: %+v", stops)
	}
}
