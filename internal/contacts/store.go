package contacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/store"
)

// Key layout. Everything lives under contacts/, one instance per prefix:
//
//	contacts/r/<inst>/<contactID>                the Record (JSON)
//	contacts/t/<inst>/<initiated>/<contactID>    search index entry (indexEntry JSON)
//
// <initiated> is the InitiationTimestamp in nanoseconds since the epoch,
// offset by 2^63 and written as 16 hex digits, so that key order is time
// order and a time range is one key range. The index entry carries the
// fields searches filter on, so a search reads only the records it returns.
const (
	recordRoot = "contacts/r/"
	indexRoot  = "contacts/t/"
)

func recordPrefix(inst string) string  { return recordRoot + inst + "/" }
func recordKey(inst, id string) string { return recordPrefix(inst) + id }
func indexPrefix(inst string) string   { return indexRoot + inst + "/" }
func timeKey(inst string, t time.Time) string {
	return indexPrefix(inst) + fmt.Sprintf("%016x", uint64(t.UnixNano())+1<<63)
}
func indexKey(r *Record) string {
	return timeKey(r.InstanceID, r.InitiationTimestamp) + "/" + r.ContactID
}

// indexEntry is what a search filters on; it is rewritten with the record.
type indexEntry struct {
	Channel    string `json:"c,omitempty"`
	Method     string `json:"m,omitempty"`
	Queue      string `json:"q,omitempty"`
	Enqueued   int64  `json:"e,omitempty"` // Unix nanoseconds; 0 when never queued
	Disconnect int64  `json:"d,omitempty"` // Unix nanoseconds; 0 while live
}

func entryOf(r *Record) indexEntry {
	e := indexEntry{Channel: r.Channel, Method: r.InitiationMethod}
	if r.Queue != nil {
		e.Queue = r.Queue.ID
		if !r.Queue.EnqueueTimestamp.IsZero() {
			e.Enqueued = r.Queue.EnqueueTimestamp.UnixNano()
		}
	}
	if r.Ended() {
		e.Disconnect = r.DisconnectTimestamp.UnixNano()
	}
	return e
}

// DefaultMaxAttributeBytes is Amazon Connect's limit on a contact's
// user-defined attributes: keys and values together, in UTF-8 bytes.
const DefaultMaxAttributeBytes = 32768

// DefaultFlowCacheSize is how many compiled flows and modules the service
// keeps for its Envs.
const DefaultFlowCacheSize = 512

// Config says where the service lives and how it reaches the rest of
// Hotline.
type Config struct {
	Region    string
	AccountID string
	// Connect resolves instance references (an id or ARN) for the API and
	// serves flows, queues and hours to Envs. Without it an instance
	// reference is taken as an id, unchecked.
	Connect *connect.Service
	// MaxAttributeBytes caps a contact's user-defined attributes; zero
	// means DefaultMaxAttributeBytes.
	MaxAttributeBytes int
	// FlowCacheSize bounds the compiled-flow cache; zero means
	// DefaultFlowCacheSize.
	FlowCacheSize int
	// OnStop is called after StopContact ended a live contact and stored
	// it, so that the channel running the contact can hang up.
	OnStop func(ctx context.Context, instanceID, contactID string)
	// OnAttributes is called after UpdateContactAttributes changed a live
	// contact, with the attributes the request wrote, so that the channel
	// holding the contact in memory can merge them before it next stores it.
	OnAttributes func(ctx context.Context, instanceID, contactID string, written map[string]string)
	// Profiles returns the Customer Profiles domain linked to an instance,
	// for the flow engine's profile actions; nil means no instance has one.
	Profiles func(ctx context.Context, instanceID string) (interp.Profiles, error)
}

// Service keeps contact records and serves the Connect contact APIs.
type Service struct {
	cfg   Config
	db    store.Store
	clock clock.Clock
	log   *slog.Logger
	flows *FlowCache
	// events is db, announcing the contact events it commits.
	events *EventStore
}

// New returns the contact service. db may be nil for a service that only
// registers its operations (the compatibility report). Contact events
// written by a channel in a transaction of its own (PutIn, UpdateIn) are
// announced to EventsChanged only when that transaction runs on the
// EventStore db is, or is wrapped in: pass the channel the same one.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clk == nil {
		clk = clock.Real{}
	}
	if cfg.MaxAttributeBytes <= 0 {
		cfg.MaxAttributeBytes = DefaultMaxAttributeBytes
	}
	if cfg.FlowCacheSize <= 0 {
		cfg.FlowCacheSize = DefaultFlowCacheSize
	}
	s := &Service{cfg: cfg, db: db, clock: clk, log: log, flows: NewFlowCache(cfg.FlowCacheSize)}
	if db != nil {
		// The server passes the EventStore every service writes through;
		// a store of the caller's own announces this service's commits.
		ev, ok := db.(*EventStore)
		if !ok {
			ev = NewEventStore(db)
		}
		s.db, s.events = ev, ev
	}
	return s
}

// NewContactID returns a new contact id: a lowercase UUID, as Connect's are.
func NewContactID() string { return uuid.NewString() }

// ContactARN returns the ARN of a contact.
func (s *Service) ContactARN(instanceID, contactID string) string {
	return fmt.Sprintf("arn:aws:connect:%s:%s:instance/%s/contact/%s", s.cfg.Region, s.cfg.AccountID, instanceID, contactID)
}

func contactNotFound(inst, id string) error {
	return apierr.New("ResourceNotFoundException", "contact %s was not found in instance %s", id, inst)
}

// checkIDs refuses ids that would break the key layout.
func checkIDs(inst, id string) error {
	if inst == "" || id == "" || strings.Contains(inst, "/") || strings.Contains(id, "/") {
		return fmt.Errorf("contacts: instance id %q and contact id %q must be non-empty and free of '/'", inst, id)
	}
	return nil
}

// Put stores r whole, creating or replacing the contact; it is durable when
// Put returns. Put fills in what r leaves empty — ARN, InitialContactID
// (the contact itself) and InitiationTimestamp (now) — and sets
// LastUpdateTimestamp to now, on r itself.
func (s *Service) Put(ctx context.Context, r *Record) error {
	if err := checkIDs(r.InstanceID, r.ContactID); err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx store.RwTx) error { return s.PutIn(tx, r) })
}

// Get returns the contact, or ResourceNotFoundException.
func (s *Service) Get(ctx context.Context, instanceID, contactID string) (*Record, error) {
	var r *Record
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = load(tx, instanceID, contactID)
		return err
	})
	return r, err
}

// Update changes a contact in one transaction: it reads the record, calls
// fn, and stores the result with LastUpdateTimestamp set to now. When fn
// fails nothing is written and Update returns fn's error. fn may be called
// more than once (the store retries a commit group) and must only change
// the record; it may not change the record's instance or contact id.
func (s *Service) Update(ctx context.Context, instanceID, contactID string, fn func(*Record) error) error {
	return s.update(ctx, instanceID, contactID, fn, false)
}

// update is Update; attributesByRequest is updateIn's.
func (s *Service) update(ctx context.Context, instanceID, contactID string, fn func(*Record) error, attributesByRequest bool) error {
	return s.db.Update(ctx, func(tx store.RwTx) error { return s.updateIn(tx, instanceID, contactID, fn, attributesByRequest) })
}

// load reads a record; an unknown one is ResourceNotFoundException.
func load(tx store.Tx, inst, id string) (*Record, error) {
	if checkIDs(inst, id) != nil {
		return nil, contactNotFound(inst, id)
	}
	b, err := tx.Get([]byte(recordKey(inst, id)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, contactNotFound(inst, id)
	}
	if err != nil {
		return nil, err
	}
	r := new(Record)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("contacts: corrupt record %s: %w", recordKey(inst, id), err)
	}
	return r, nil
}

// write stores r and its index entry, dropping the entry at prev (the
// record's previous index key, "" for a new contact) when the initiation
// time moved.
func write(tx store.RwTx, prev string, r *Record) error {
	if prev != "" && prev != indexKey(r) {
		if err := tx.Delete([]byte(prev)); err != nil {
			return err
		}
	}
	b, err := marshalRecord(r)
	if err != nil {
		return err
	}
	if err := tx.Put([]byte(recordKey(r.InstanceID, r.ContactID)), b); err != nil {
		return err
	}
	e, err := json.Marshal(entryOf(r))
	if err != nil {
		return err
	}
	return tx.Put([]byte(indexKey(r)), e)
}

// The timestamps a search's time range can bound (SearchContacts'
// TimeRange.Type). Hotline contacts have no scheduled or agent-connected
// time, so a range on those matches nothing.
const (
	TimeInitiation       = "INITIATION_TIMESTAMP"
	TimeDisconnect       = "DISCONNECT_TIMESTAMP"
	TimeEnqueue          = "ENQUEUE_TIMESTAMP"
	TimeScheduled        = "SCHEDULED_TIMESTAMP"
	TimeConnectedToAgent = "CONNECTED_TO_AGENT_TIMESTAMP"
)

// Query selects contacts of one instance. Results come in initiation-time
// order (contact id breaking ties).
type Query struct {
	InstanceID string
	// TimeField is the timestamp From and To bound: one of the Time
	// constants; "" means TimeInitiation. Only TimeInitiation narrows the
	// scan; the others filter every index entry of the instance.
	TimeField string
	// From is inclusive and To exclusive; a zero time leaves that end open.
	From, To time.Time
	// Each non-empty list keeps contacts whose field is one of its values.
	Channels          []string
	InitiationMethods []string
	QueueIDs          []string
	// Descending returns the newest contacts first.
	Descending bool
	// Limit is the page size; zero means 100.
	Limit int
	// NextToken resumes a search where a previous page of the same query
	// stopped; "" starts at the beginning.
	NextToken string
}

// Page is one page of a search.
type Page struct {
	Records []*Record
	// NextToken resumes the search; "" when this is the last page.
	NextToken string
	// Total is how many contacts match the query, on every page.
	Total int
}

// scope names a query without its paging, so that a token from one search
// cannot resume another.
func (q *Query) scope() string {
	sorted := func(l []string) string {
		c := slices.Clone(l)
		slices.Sort(c)
		return strings.Join(c, ",")
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixNano(), 10)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%t", q.InstanceID, q.TimeField,
		at(q.From), at(q.To), sorted(q.Channels), sorted(q.InitiationMethods), sorted(q.QueueIDs), q.Descending)
	return "contacts/" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Search returns one page of the contacts q selects. A NextToken that was
// not issued for the same query is InvalidParameterException.
func (s *Service) Search(ctx context.Context, q Query) (*Page, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.TimeField == "" {
		q.TimeField = TimeInitiation
	}
	after, err := pagetoken.Decode(q.scope(), q.NextToken)
	if err != nil {
		return nil, apierr.New("InvalidParameterException", "NextToken is not valid: %v", err)
	}
	prefix := indexPrefix(q.InstanceID)
	if after != "" && !strings.HasPrefix(after, prefix) {
		return nil, apierr.New("InvalidParameterException", "NextToken is not valid: %v", pagetoken.ErrInvalid)
	}
	lo, hi := []byte(prefix), store.PrefixEnd([]byte(prefix))
	if q.TimeField == TimeInitiation {
		if !q.From.IsZero() {
			lo = []byte(timeKey(q.InstanceID, q.From))
		}
		if !q.To.IsZero() {
			hi = []byte(timeKey(q.InstanceID, q.To))
		}
	}
	page := &Page{Records: []*Record{}}
	if q.TimeField == TimeScheduled || q.TimeField == TimeConnectedToAgent {
		return page, nil // no Hotline contact has these times
	}
	err = s.db.View(ctx, func(tx store.Tx) error {
		scan := tx.Scan
		if q.Descending {
			scan = tx.ScanReverse
		}
		var keys []string
		last := ""
		for k, v := range scan(lo, hi) {
			var e indexEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("contacts: corrupt index entry %s: %w", k, err)
			}
			if !q.matches(&e) {
				continue
			}
			page.Total++
			key := string(k)
			if after != "" && (!q.Descending && key <= after || q.Descending && key >= after) {
				continue
			}
			switch {
			case len(keys) < q.Limit:
				keys = append(keys, key)
				last = key
			case page.NextToken == "":
				page.NextToken = pagetoken.Encode(q.scope(), last)
			}
		}
		for _, k := range keys {
			id := k[strings.LastIndexByte(k, '/')+1:]
			r, err := load(tx, q.InstanceID, id)
			if err != nil {
				return err
			}
			page.Records = append(page.Records, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// matches applies the query's filters to an index entry.
func (q *Query) matches(e *indexEntry) bool {
	in := func(l []string, v string) bool { return len(l) == 0 || slices.Contains(l, v) }
	if !in(q.Channels, e.Channel) || !in(q.InitiationMethods, e.Method) || !in(q.QueueIDs, e.Queue) {
		return false
	}
	var t int64
	switch q.TimeField {
	case TimeInitiation:
		return true // the key range did it
	case TimeDisconnect:
		t = e.Disconnect
	case TimeEnqueue:
		t = e.Enqueued
	}
	if t == 0 {
		return false
	}
	return (q.From.IsZero() || t >= q.From.UnixNano()) && (q.To.IsZero() || t < q.To.UnixNano())
}

// CheckAttributes applies Amazon Connect's rules for user-defined contact
// attributes to attrs: every key only letters, digits, '-' and '_', and all
// keys and values together within the size limit (32,768 UTF-8 bytes by
// default). It answers InvalidParameterException naming what is wrong.
func (s *Service) CheckAttributes(attrs map[string]string) error {
	if err := checkAttributeKeys(attrs); err != nil {
		return err
	}
	return s.checkAttributeSize(attrs)
}

func checkAttributeKeys(attrs map[string]string) error {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys) // name the same key on every run
	for _, k := range keys {
		if !validKey(k) {
			return apierr.New("InvalidParameterException",
				"attribute key %s is not valid: keys may contain only letters, digits, '-' and '_'", strconv.Quote(k))
		}
	}
	return nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// AttributeBytes is the size of attrs as the limit counts it: every key
// and value in UTF-8 bytes. An empty value counts as nothing.
func AttributeBytes(attrs map[string]string) int {
	n := 0
	for k, v := range attrs {
		n += len(k) + len(v)
	}
	return n
}

// MaxAttributeBytes is the size limit CheckAttributes applies.
func (s *Service) MaxAttributeBytes() int { return s.cfg.MaxAttributeBytes }

func (s *Service) checkAttributeSize(attrs map[string]string) error {
	if n := AttributeBytes(attrs); n > s.cfg.MaxAttributeBytes {
		return apierr.New("InvalidParameterException",
			"the contact attributes would take %d bytes (keys and values in UTF-8), over the limit of %d; nothing was changed",
			n, s.cfg.MaxAttributeBytes)
	}
	return nil
}
