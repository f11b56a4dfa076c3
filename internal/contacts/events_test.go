package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

// readAll returns every stored event of inst, decoded, in order.
func readAll(t *testing.T, s *Service, inst string) ([]StoredEvent, []ContactEvent) {
	t.Helper()
	raw, _, err := s.ReadEvents(context.Background(), inst, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]ContactEvent, len(raw))
	for i, e := range raw {
		if err := json.Unmarshal(e.JSON, &evs[i]); err != nil {
			t.Fatal(err)
		}
		if evs[i].Detail.EventType != e.Type || evs[i].ID != e.ID {
			t.Fatalf("stored event %d: type %q id %q, envelope says %q %q", e.Seq, e.Type, e.ID, evs[i].Detail.EventType, evs[i].ID)
		}
	}
	return raw, evs
}

func typesOf(raw []StoredEvent) []string {
	var out []string
	for _, e := range raw {
		out = append(out, e.Type)
	}
	return out
}

// TestEventDerivation writes contacts through every write path and checks
// the events each write emits: the right types, in lifecycle order, each
// once.
func TestEventDerivation(t *testing.T) {
	ctx := context.Background()
	queueA := &QueueInfo{ID: "qa", ARN: "arn:aws:connect:eu-west-2:123456789012:instance/inst-1/queue/qa", Name: "A"}
	queueB := &QueueInfo{ID: "qb", ARN: "arn:aws:connect:eu-west-2:123456789012:instance/inst-1/queue/qb", Name: "B"}
	outbound := func(id string) *Record {
		return &Record{InstanceID: "inst-1", ContactID: id, Channel: "VOICE", InitiationMethod: "API",
			CustomerEndpoint: Endpoint{Type: "TELEPHONE_NUMBER", Address: "+15550100"},
			SystemEndpoint:   Endpoint{Type: "TELEPHONE_NUMBER", Address: "+12025550100"}}
	}
	inbound := func(id string) *Record {
		r := outbound(id)
		r.InitiationMethod, r.ConnectedToSystemTimestamp = "INBOUND", t0
		return r
	}
	type step struct {
		name  string
		write func(s *Service, clk *clock.Virtual) error
		want  []string
	}
	update := func(id string, fn func(*Record)) func(*Service, *clock.Virtual) error {
		return func(s *Service, clk *clock.Virtual) error {
			return s.Update(ctx, "inst-1", id, func(r *Record) error { fn(r); return nil })
		}
	}
	put := func(r *Record) func(*Service, *clock.Virtual) error {
		return func(s *Service, _ *clock.Virtual) error { return s.Put(ctx, r) }
	}
	setAttrs := func(id string, attrs map[string]string) func(*Service, *clock.Virtual) error {
		return func(s *Service, _ *clock.Virtual) error {
			_, err := s.updateContactAttributes(ctx, &api.UpdateContactAttributesRequest{InstanceId: "inst-1", InitialContactId: id, Attributes: attrs})
			return err
		}
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"outbound call answered, queued, ended", []step{
			{"created", put(outbound("c")), []string{EventInitiated}},
			{"ringing: nothing new", update("c", func(r *Record) { r.Name = "x" }), nil},
			{"answered", update("c", func(r *Record) { r.ConnectedToSystemTimestamp = t0.Add(6 * time.Second) }), []string{EventConnectedToSystem}},
			{"answered again (same time)", update("c", func(r *Record) { r.ConnectedToSystemTimestamp = t0.Add(6 * time.Second) }), nil},
			{"queued", update("c", func(r *Record) { q := *queueA; q.EnqueueTimestamp = t0.Add(9 * time.Second); r.Queue = &q }), []string{EventQueued}},
			{"still in the queue", update("c", func(r *Record) { r.Attributes = map[string]string{"k": "v"} }), nil},
			{"moved to another queue", update("c", func(r *Record) { q := *queueB; q.EnqueueTimestamp = t0.Add(20 * time.Second); r.Queue = &q }), []string{EventQueued}},
			{"ended", update("c", func(r *Record) {
				r.DisconnectTimestamp, r.DisconnectReason = t0.Add(time.Minute), "CUSTOMER_DISCONNECT"
			}), []string{EventDisconnected}},
			{"report added after the end", update("c", func(r *Record) { r.Report = &Report{ContactID: "c"} }), nil},
		}},
		{"outbound call not answered", []step{
			{"created", put(outbound("c")), []string{EventInitiated}},
			{"busy", update("c", func(r *Record) { r.DisconnectTimestamp, r.DisconnectReason = t0.Add(2*time.Second), "TELECOM_BUSY" }), []string{EventDisconnected}},
		}},
		{"outbound flow that ends at once", []step{
			{"created", put(outbound("c")), []string{EventInitiated}},
			{"answered, queued and ended in one write", update("c", func(r *Record) {
				q := *queueA
				q.EnqueueTimestamp = t0.Add(7 * time.Second)
				r.ConnectedToSystemTimestamp, r.Queue, r.DisconnectTimestamp = t0.Add(6*time.Second), &q, t0.Add(8*time.Second)
			}), []string{EventConnectedToSystem, EventQueued, EventDisconnected}},
		}},
		{"inbound call stored at each wait", []step{
			{"created, in the flow", put(inbound("c")), []string{EventInitiated}},
			{"stored again", put(inbound("c")), nil},
		}},
		{"inbound call stored once at its end", []step{
			{"created ended", put(func() *Record {
				r := inbound("c")
				q := *queueA
				q.EnqueueTimestamp = t0.Add(5 * time.Second)
				r.Queue, r.DisconnectTimestamp, r.DisconnectReason = &q, t0.Add(30*time.Second), "CUSTOMER_DISCONNECT"
				return r
			}()), []string{EventInitiated, EventQueued, EventDisconnected}},
		}},
		{"attributes", []step{
			{"created", put(outbound("c")), []string{EventInitiated}},
			{"UpdateContactAttributes", setAttrs("c", map[string]string{"a": "1"}), []string{EventDataUpdated}},
			{"UpdateContactAttributes with the same values", setAttrs("c", map[string]string{"a": "1"}), nil},
			{"UpdateContactAttributes with nothing", setAttrs("c", map[string]string{}), nil},
			{"an empty value is a change", setAttrs("c", map[string]string{"b": ""}), []string{EventDataUpdated}},
			{"a flow's change (Update)", update("c", func(r *Record) { r.Attributes["a"] = "2" }), nil},
			{"refused: over the limit", func(s *Service, _ *clock.Virtual) error {
				err := setAttrs("c", map[string]string{"big": string(make([]byte, DefaultMaxAttributeBytes))})(s, nil)
				if err == nil {
					return errors.New("an oversized update was accepted")
				}
				return nil
			}, nil},
			{"StopContact", func(s *Service, _ *clock.Virtual) error {
				_, err := s.stopContact(ctx, &api.StopContactRequest{InstanceId: "inst-1", ContactId: "c"})
				return err
			}, []string{EventDisconnected}},
			{"UpdateContactAttributes on the ended contact", setAttrs("c", map[string]string{"a": "3"}), []string{EventDataUpdated}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk, _ := newTestService(t)
			var all []string
			for _, st := range tc.steps {
				clk.Advance(time.Second)
				before, _ := readAll(t, s, "inst-1")
				if err := st.write(s, clk); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				after, _ := readAll(t, s, "inst-1")
				if got := typesOf(after[len(before):]); !slices.Equal(got, st.want) {
					t.Fatalf("%s: events %q, want %q", st.name, got, st.want)
				}
				all = append(all, st.want...)
			}
			raw, _ := readAll(t, s, "inst-1")
			for i, e := range raw {
				if e.Seq != uint64(i+1) {
					t.Fatalf("sequence numbers %v are not 1, 2, 3, ...", raw)
				}
			}
			if got := typesOf(raw); !slices.Equal(got, all) {
				t.Fatalf("outbox %q, want %q", got, all)
			}
		})
	}
}

// TestEventShape checks the envelope and the detail against Amazon
// Connect's contact events, and that each event shows the contact as it
// was at its stage.
func TestEventShape(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	q := &QueueInfo{ID: "q1", ARN: "arn:aws:connect:eu-west-2:123456789012:instance/inst-1/queue/q1", Name: "Sales",
		EnqueueTimestamp: t0.Add(7*time.Second + 250*time.Millisecond)}
	r := &Record{InstanceID: "inst-1", ContactID: "c-1", Channel: "VOICE", InitiationMethod: "API", CampaignID: "camp-1",
		CustomerEndpoint: Endpoint{Type: "TELEPHONE_NUMBER", Address: "+15550100"},
		SystemEndpoint:   Endpoint{Type: "TELEPHONE_NUMBER", Address: "+12025550100"},
		Tags:             map[string]string{"Dept": "Finance"}}
	if err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, "inst-1", "c-1", func(r *Record) error {
		r.ConnectedToSystemTimestamp, r.AnsweringMachineDetectionStatus = t0.Add(6*time.Second), "HUMAN_ANSWERED"
		r.Queue, r.DisconnectTimestamp, r.DisconnectReason = q, t0.Add(40*time.Second), "CONTACT_FLOW_DISCONNECT"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, evs := readAll(t, s, "inst-1")
	if len(evs) != 4 {
		t.Fatalf("events %q", typesOf(raw))
	}
	instARN := "arn:aws:connect:eu-west-2:123456789012:instance/inst-1"
	for _, e := range evs {
		if e.Version != "0" || e.Source != "aws.connect" || e.DetailType != "Amazon Connect Contact Event" ||
			e.Account != "123456789012" || e.Region != "eu-west-2" || len(e.ID) != 36 ||
			!slices.Equal(e.Resources, []string{instARN, r.ARN}) {
			t.Errorf("%s envelope: %+v", e.Detail.EventType, e)
		}
		d := e.Detail
		if d.ContactID != "c-1" || d.InitialContactID != "c-1" || d.Channel != "VOICE" || d.InstanceARN != instARN ||
			d.InitiationMethod != "API" || d.InitiationTimestamp != "2026-03-02T09:00:00.000Z" ||
			d.CustomerEndpoint == nil || d.CustomerEndpoint.Address != "+15550100" ||
			d.SystemEndpoint == nil || d.SystemEndpoint.Address != "+12025550100" || d.Campaign == nil || d.Campaign.CampaignID != "camp-1" {
			t.Errorf("%s detail: %+v", d.EventType, d)
		}
		if d.Tags["aws:connect:instanceId"] != "inst-1" || d.Tags["aws:connect:systemEndpoint"] != "+12025550100" || d.Tags["Dept"] != "Finance" {
			t.Errorf("%s tags: %v", d.EventType, d.Tags)
		}
	}
	init, conn, queued, disc := evs[0].Detail, evs[1].Detail, evs[2].Detail, evs[3].Detail
	if evs[0].Time != "2026-03-02T09:00:00Z" || init.ConnectedToSystemTimestamp != "" || init.QueueInfo != nil || init.DisconnectTimestamp != "" {
		t.Errorf("INITIATED shows more than an initiated contact: %s %+v", evs[0].Time, init)
	}
	if evs[1].Time != "2026-03-02T09:00:06Z" || conn.ConnectedToSystemTimestamp != "2026-03-02T09:00:06.000Z" ||
		conn.AnsweringMachineDetectionStatus != "HUMAN_ANSWERED" || conn.QueueInfo != nil || conn.DisconnectTimestamp != "" {
		t.Errorf("CONNECTED_TO_SYSTEM: %s %+v", evs[1].Time, conn)
	}
	wantQ := EventQueueInfo{QueueARN: q.ARN, QueueType: "STANDARD", EnqueueTimestamp: "2026-03-02T09:00:07.250Z"}
	if evs[2].Time != "2026-03-02T09:00:07Z" || queued.QueueInfo == nil || *queued.QueueInfo != wantQ || queued.DisconnectTimestamp != "" {
		t.Errorf("QUEUED: %s %+v", evs[2].Time, queued)
	}
	if evs[3].Time != "2026-03-02T09:00:40Z" || disc.DisconnectTimestamp != "2026-03-02T09:00:40.000Z" ||
		disc.DisconnectReason != "CONTACT_FLOW_DISCONNECT" || disc.QueueInfo == nil || disc.ConnectedToSystemTimestamp == "" {
		t.Errorf("DISCONNECTED: %s %+v", evs[3].Time, disc)
	}
	// The wire names are Connect's.
	var doc map[string]any
	if err := json.Unmarshal(raw[3].JSON, &doc); err != nil {
		t.Fatal(err)
	}
	detail, _ := doc["detail"].(map[string]any)
	for _, k := range []string{"eventType", "contactId", "channel", "instanceArn", "initiationMethod", "initiationTimestamp",
		"connectedToSystemTimestamp", "disconnectTimestamp", "queueInfo", "tags"} {
		if _, ok := detail[k]; !ok {
			t.Errorf("the DISCONNECTED detail has no %q: %v", k, detail)
		}
	}
	if doc["detail-type"] != "Amazon Connect Contact Event" {
		t.Errorf("detail-type: %v", doc["detail-type"])
	}

	if _, err := s.updateContactAttributes(ctx, &api.UpdateContactAttributesRequest{InstanceId: "inst-1", InitialContactId: "c-1",
		Attributes: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	_, evs = readAll(t, s, "inst-1")
	if d := evs[4].Detail; d.EventType != EventDataUpdated || !slices.Equal(d.UpdatedProperties, []string{"UserDefinedAttributes"}) || d.DisconnectTimestamp == "" {
		t.Errorf("CONTACT_DATA_UPDATED: %+v", d)
	}
}

// TestOutboxIsAtomicWithTheRecord: an event exists exactly when its change
// was committed, survives a reopening of the store, and sequence numbers
// stay gapless under concurrent writers.
func TestOutboxIsAtomicWithTheRecord(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contacts.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(t0)
	s := New(Config{Region: "eu-west-2", AccountID: "123456789012"}, db, clk, nil)

	// A transaction that fails after the change keeps neither.
	boom := errors.New("boom")
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		if err := s.PutIn(tx, &Record{InstanceID: "inst-1", ContactID: "lost", Channel: "VOICE", InitiationMethod: "API"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if raw, _ := readAll(t, s, "inst-1"); len(raw) != 0 {
		t.Fatalf("a rolled-back change left events: %v", typesOf(raw))
	}
	if _, err := s.Get(ctx, "inst-1", "lost"); err == nil {
		t.Fatal("the rolled-back record exists")
	}
	// A refused update (UpdateIn's function fails) writes no event either.
	if err := s.Put(ctx, &Record{InstanceID: "inst-1", ContactID: "c-0", Channel: "VOICE", InitiationMethod: "API"}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, "inst-1", "c-0", func(r *Record) error { r.DisconnectTimestamp = t0; return boom })
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}

	// Concurrent writers: every contact's events, each number once.
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("c-%d", i+1)
			if err := s.Put(ctx, &Record{InstanceID: "inst-1", ContactID: id, Channel: "VOICE", InitiationMethod: "API"}); err != nil {
				errs <- err
				return
			}
			errs <- s.Update(ctx, "inst-1", id, func(r *Record) error { r.DisconnectTimestamp = clk.Now(); return nil })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Service) {
		t.Helper()
		raw, evs := readAll(t, s, "inst-1")
		if len(raw) != 2*n+1 {
			t.Fatalf("%d events, want %d", len(raw), 2*n+1)
		}
		seen := map[string][]string{}
		for i, e := range raw {
			if e.Seq != uint64(i+1) {
				t.Fatalf("event %d has sequence number %d", i+1, e.Seq)
			}
			seen[evs[i].Detail.ContactID] = append(seen[evs[i].Detail.ContactID], e.Type)
		}
		for id, types := range seen {
			want := []string{EventInitiated, EventDisconnected}
			if id == "c-0" {
				want = want[:1]
			}
			if !slices.Equal(types, want) {
				t.Fatalf("contact %s has events %q, want %q", id, types, want)
			}
		}
		var last uint64
		if err := s.db.View(ctx, func(tx store.Tx) error { last, err = s.LastEventSeqIn(tx, "inst-1"); return err }); err != nil || last != 2*n+1 {
			t.Fatalf("last sequence number %d (%v), want %d", last, err, 2*n+1)
		}
	}
	check(s)

	// Acknowledged changes keep their events across a reopening.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(New(Config{Region: "eu-west-2", AccountID: "123456789012"}, db, clk, nil))
}

// TestEventStoreAnnouncesCommittedEvents: readers wake after a commit that
// wrote events, and only then.
func TestEventStoreAnnouncesCommittedEvents(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	ch := s.EventsChanged()
	if err := s.db.Update(ctx, func(tx store.RwTx) error { return tx.Put([]byte("other/key"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	_ = s.db.Update(ctx, func(tx store.RwTx) error {
		if err := s.PutIn(tx, &Record{InstanceID: "inst-1", ContactID: "c-1"}); err != nil {
			return err
		}
		return errors.New("rolled back")
	})
	if closed(ch) {
		t.Fatal("announced without a committed event")
	}
	if err := s.Put(ctx, &Record{InstanceID: "inst-1", ContactID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	if !closed(ch) {
		t.Fatal("a committed event was not announced")
	}
	if closed(s.EventsChanged()) {
		t.Fatal("the next channel is closed already")
	}
}

func TestReadEventsFiltersAndPrunes(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	for i := range 5 {
		id := fmt.Sprintf("c-%d", i)
		if err := s.Put(ctx, &Record{InstanceID: "inst-1", ContactID: id, Channel: "VOICE", InitiationMethod: "API"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, "inst-1", id, func(r *Record) error { r.DisconnectTimestamp = t0; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	ends := func(t string) bool { return t == EventDisconnected }
	got, scanned, err := s.ReadEvents(ctx, "inst-1", 0, 2, ends)
	if err != nil || len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 4 || scanned != 4 {
		t.Fatalf("first page: %v, scanned %d, %v", got, scanned, err)
	}
	got, scanned, _ = s.ReadEvents(ctx, "inst-1", 8, 10, ends)
	if len(got) != 1 || got[0].Seq != 10 || scanned != 10 {
		t.Fatalf("last page: %v, scanned %d", got, scanned)
	}
	got, scanned, _ = s.ReadEvents(ctx, "inst-1", 10, 10, nil)
	if len(got) != 0 || scanned != 10 {
		t.Fatalf("past the end: %v, scanned %d", got, scanned)
	}
	if n, err := s.PruneEvents(ctx, "inst-1", 6); err != nil || n != 6 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	got, _, _ = s.ReadEvents(ctx, "inst-1", 0, 100, nil)
	if len(got) != 4 || got[0].Seq != 7 {
		t.Fatalf("after pruning: %v", got)
	}
	// Numbers go on from the counter, never reused.
	if err := s.Put(ctx, &Record{InstanceID: "inst-1", ContactID: "late"}); err != nil {
		t.Fatal(err)
	}
	seqs, err := s.EventSeqs(ctx)
	if err != nil || seqs["inst-1"] != 11 {
		t.Fatalf("EventSeqs %v, %v", seqs, err)
	}
}
