// Package profiles owns Amazon Connect Customer Profiles: domains, profile
// object types and their templates, object ingestion with identity
// resolution, the standard profile and its search keys, merges, expiry and
// tags. It holds the domain rules and keeps every record and secondary
// index in the store; the edge hands it typed requests.
package profiles

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// Config says where the service lives and which limits it applies.
type Config struct {
	Region    string
	AccountID string
	Quotas    Quotas // zero fields take DefaultQuotas' values
	// PurgeInterval is how often expired objects and profiles are deleted
	// in the background; 0 means one minute. Reads never see expired data
	// whether or not it has been purged.
	PurgeInterval time.Duration
}

// Quotas are Customer Profiles' limits. The defaults are AWS's default
// service quotas; every one is a setting.
type Quotas struct {
	DomainsPerAccount    int
	ObjectTypesPerDomain int
	KeysPerObjectType    int
	ObjectsPerProfile    int
	// CalculatedAttributesPerDomain is how many calculated attribute
	// definitions a domain may hold.
	CalculatedAttributesPerDomain int
	// MaxObjectBytes is the largest object, in bytes of its JSON text.
	MaxObjectBytes int
	// MaxProfileBytes is the total size of all objects of one profile.
	MaxProfileBytes int64
	// RequestsPerSecond throttles each operation with a token bucket of
	// Burst tokens; 0 (the default) never throttles.
	RequestsPerSecond float64
	Burst             int
}

// DefaultQuotas returns Customer Profiles' default quotas.
func DefaultQuotas() Quotas {
	return Quotas{
		DomainsPerAccount:             100,
		ObjectTypesPerDomain:          100,
		KeysPerObjectType:             10,
		ObjectsPerProfile:             1000,
		CalculatedAttributesPerDomain: 50,
		MaxObjectBytes:                250 * 1024,
		MaxProfileBytes:               50 << 20,
	}
}

func (q Quotas) withDefaults() Quotas {
	d := DefaultQuotas()
	for _, f := range []struct{ v, def *int }{
		{&q.DomainsPerAccount, &d.DomainsPerAccount},
		{&q.ObjectTypesPerDomain, &d.ObjectTypesPerDomain},
		{&q.KeysPerObjectType, &d.KeysPerObjectType},
		{&q.ObjectsPerProfile, &d.ObjectsPerProfile},
		{&q.CalculatedAttributesPerDomain, &d.CalculatedAttributesPerDomain},
		{&q.MaxObjectBytes, &d.MaxObjectBytes},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if q.MaxProfileBytes == 0 {
		q.MaxProfileBytes = d.MaxProfileBytes
	}
	if q.RequestsPerSecond > 0 && q.Burst <= 0 {
		q.Burst = max(1, int(q.RequestsPerSecond))
	}
	return q
}

// Service implements the Customer Profiles API on a store.
type Service struct {
	cfg      Config
	db       store.Store
	clock    clock.Clock
	log      *slog.Logger
	throttle *throttle

	// Decoded records by store key, each checked against the stored bytes
	// before use (see recordCache).
	types   recordCache[*objectType]
	domains recordCache[*domainRecord]
	stats   recordCache[domainStats]

	// nextPurge holds, by domain, when a write next looks for due expiry
	// entries (unix nanos, *atomic.Int64; see purgeTime).
	nextPurge sync.Map
}

// New returns the Customer Profiles service. With a store it also starts
// the background purge of expired data, which stops when the store closes.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clk == nil {
		clk = clock.Real{}
	}
	cfg.Quotas = cfg.Quotas.withDefaults()
	if cfg.PurgeInterval <= 0 {
		cfg.PurgeInterval = time.Minute
	}
	s := &Service{cfg: cfg, db: db, clock: clk, log: log, throttle: newThrottle(cfg.Quotas, clk)}
	if db != nil {
		go s.janitor()
	}
	return s
}

// API returns the edge service carrying every Customer Profiles operation
// Hotline implements.
func (s *Service) API() *edge.Service {
	api := edge.NewService(awsmodel.MustLoad("customer-profiles"), codeBadRequest, "InternalServerException")
	s.registerDomains(api)
	s.registerObjectTypes(api)
	s.registerObjects(api)
	s.registerProfiles(api)
	s.registerSearch(api)
	s.registerTags(api)
	s.registerCalculated(api)
	return api
}

// handle registers fn as the handler of op behind the operation's throttle.
func handle[In, Out any](s *Service, e *edge.Service, op string, fn func(context.Context, *In) (*Out, error)) {
	edge.Handle(e, op, func(ctx context.Context, in *In) (*Out, error) {
		if !s.throttle.allow(op) {
			return nil, apierr.New(codeThrottling, "Rate exceeded for %s", op)
		}
		return fn(ctx, in)
	})
}

// Error codes of the Customer Profiles model.
const (
	codeBadRequest   = "BadRequestException"
	codeNotFound     = "ResourceNotFoundException"
	codeAccessDenied = "AccessDeniedException"
	codeThrottling   = "ThrottlingException"
)

// asNotFound returns the message of a ResourceNotFoundException.
func asNotFound(err error) (string, bool) {
	if e, ok := apierr.As(err); ok && e.Code == codeNotFound {
		return e.Message, true
	}
	return "", false
}

func badRequest(format string, args ...any) error { return apierr.New(codeBadRequest, format, args...) }
func notFound(format string, args ...any) error   { return apierr.New(codeNotFound, format, args...) }

// throttle is a token bucket per operation.
type throttle struct {
	rate  float64
	burst float64
	clock clock.Clock

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newThrottle(q Quotas, clk clock.Clock) *throttle {
	return &throttle{rate: q.RequestsPerSecond, burst: float64(q.Burst), clock: clk, buckets: map[string]*bucket{}}
}

func (t *throttle) allow(op string) bool {
	if t.rate <= 0 {
		return true
	}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[op]
	if !ok {
		b = &bucket{tokens: t.burst, last: now}
		t.buckets[op] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(t.burst, b.tokens+elapsed*t.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// janitor deletes expired data every PurgeInterval until the store closes.
func (s *Service) janitor() {
	tick := time.NewTicker(s.cfg.PurgeInterval)
	defer tick.Stop()
	for range tick.C {
		if _, err := s.PurgeExpired(context.Background()); err != nil {
			if errors.Is(err, store.ErrClosed) {
				return
			}
			s.log.Error("purging expired profile data", "err", err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for an empty string, so absent members stay absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pageSize applies a list operation's default page size.
func pageSize(requested *int32, def int) int {
	if requested == nil || *requested <= 0 {
		return def
	}
	return int(*requested)
}
