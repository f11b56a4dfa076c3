package contacts

import (
	"container/list"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// Env is the flow engine's view of one Connect instance: published flows
// and modules, queues, hours of operation and prompts read through the
// connect service, and queue metrics from whoever routes contacts. It is
// safe for concurrent use, so one Env can serve every contact of its
// instance.
type Env struct {
	ctx     context.Context
	conn    *connect.Service
	flows   *FlowCache
	inst    string
	metrics func(queueID string) interp.Metrics
	// profiles finds the instance's Customer Profiles domain; nil: none.
	profiles func(ctx context.Context, instanceID string) (interp.Profiles, error)
}

var _ interp.Env = (*Env)(nil)

// NewEnv returns the Env of the instance with id instanceID. Compiled flows
// are kept in cache (shared across contacts; nil means a cache of its own
// of DefaultFlowCacheSize). metrics reports a queue's real-time metrics; nil
// reports every queue empty with no agents, which is the truth while
// Hotline simulates no agents.
func NewEnv(conn *connect.Service, cache *FlowCache, instanceID string, metrics func(queueID string) interp.Metrics) *Env {
	if cache == nil {
		cache = NewFlowCache(DefaultFlowCacheSize)
	}
	return &Env{ctx: context.Background(), conn: conn, flows: cache, inst: instanceID, metrics: metrics}
}

// Env returns the Env of an instance over the service's Connect and its
// shared flow cache.
func (s *Service) Env(instanceID string, metrics func(queueID string) interp.Metrics) *Env {
	e := NewEnv(s.cfg.Connect, s.flows, instanceID, metrics)
	e.profiles = s.cfg.Profiles
	return e
}

// WithContext returns a copy of e whose store reads use ctx (the engine's
// Env methods take none).
func (e *Env) WithContext(ctx context.Context) *Env {
	c := *e
	c.ctx = ctx
	return &c
}

// notFound turns the connect service's answer for a reference that names
// nothing into interp.ErrNotFound, keeping its message for the trace.
func notFound(err error) error {
	if e, ok := apierr.As(err); ok {
		switch e.Code {
		case "ResourceNotFoundException", "ContactFlowNotPublishedException", "InvalidRequestException":
			return fmt.Errorf("%w: %s", interp.ErrNotFound, e.Message)
		}
	}
	return err
}

// Flow returns the published contact flow ref (an id or ARN) names,
// compiled.
func (e *Env) Flow(ref string) (*interp.FlowDef, error) {
	p, err := e.conn.PublishedFlow(e.ctx, e.inst, ref)
	if err != nil {
		return nil, notFound(err)
	}
	f, err := e.flows.Compile(flow.KindFlow, p.ID, p.Content)
	if err != nil {
		return nil, err
	}
	return &interp.FlowDef{ID: p.ID, ARN: p.ARN, Name: p.Name, Type: p.Type, Flow: f}, nil
}

// Module returns the published flow module ref (an id or ARN) names,
// compiled.
func (e *Env) Module(ref string) (*interp.FlowDef, error) {
	p, err := e.conn.PublishedModule(e.ctx, e.inst, ref)
	if err != nil {
		return nil, notFound(err)
	}
	f, err := e.flows.Compile(flow.KindModule, p.ID, p.Content)
	if err != nil {
		return nil, err
	}
	return &interp.FlowDef{ID: p.ID, ARN: p.ARN, Name: p.Name, Flow: f}, nil
}

// Queue returns the standard queue ref (an id or ARN) names, with its
// outbound caller number resolved to E.164.
func (e *Env) Queue(ref string) (*interp.Queue, error) {
	q, err := e.conn.Queue(e.ctx, e.inst, ref)
	if err != nil {
		return nil, notFound(err)
	}
	out := &interp.Queue{
		ID: q.ID, ARN: e.conn.QueueARN(e.inst, q.ID), Name: q.Name, HoursID: q.HoursOfOperationID,
		Disabled: q.Status == "DISABLED",
	}
	if q.MaxContacts != nil {
		n := int(*q.MaxContacts)
		out.MaxContacts = &n
	}
	if q.OutboundCallerIDNumberID != "" {
		number, err := e.conn.PhoneNumber(e.ctx, q.OutboundCallerIDNumberID)
		switch {
		case err == nil:
			out.OutboundCallerIDNumber = number
		case !apierr.Is(err, "ResourceNotFoundException"):
			return nil, err
		}
		// A number released since the queue named it leaves no caller ID.
	}
	return out, nil
}

// AgentQueue answers ErrNotFound: agent queues come with users, and Hotline
// has none yet.
func (e *Env) AgentQueue(ref string) (*interp.Queue, error) {
	return nil, fmt.Errorf("%w: agent %s (Hotline has no agents or agent queues)", interp.ErrNotFound, ref)
}

// Hours returns the hours of operation ref (an id or ARN) names, its time
// zone loaded.
func (e *Env) Hours(ref string) (*interp.Hours, error) {
	h, err := e.conn.HoursOfOperation(e.ctx, e.inst, ref)
	if err != nil {
		return nil, notFound(err)
	}
	loc, err := location(h.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("hours of operation %s: %w", h.ID, err)
	}
	out := &interp.Hours{ID: h.ID, Location: loc, Config: make([]interp.HoursSlot, 0, len(h.Config))}
	for _, sl := range h.Config {
		day, ok := weekdays[sl.Day]
		if !ok {
			return nil, fmt.Errorf("hours of operation %s: unknown day %q", h.ID, sl.Day)
		}
		out.Config = append(out.Config, interp.HoursSlot{
			Day:   day,
			Start: interp.TimeOfDay{Hours: sl.Start.Hours, Minutes: sl.Start.Minutes},
			End:   interp.TimeOfDay{Hours: sl.End.Hours, Minutes: sl.End.Minutes},
		})
	}
	return out, nil
}

var weekdays = map[string]time.Weekday{
	"SUNDAY": time.Sunday, "MONDAY": time.Monday, "TUESDAY": time.Tuesday, "WEDNESDAY": time.Wednesday,
	"THURSDAY": time.Thursday, "FRIDAY": time.Friday, "SATURDAY": time.Saturday,
}

// locations caches loaded time zones: loading one parses the tz database,
// and an instance has few zones, all checked when their hours were saved.
var locations sync.Map // name → *time.Location

func location(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

// Prompt returns the prompt ref (an id or ARN) names.
func (e *Env) Prompt(ref string) (*interp.PromptResource, error) {
	p, err := e.conn.Prompt(e.ctx, e.inst, ref)
	if err != nil {
		return nil, notFound(err)
	}
	return &interp.PromptResource{ID: p.ID, ARN: p.ARN, Name: p.Name, URI: p.S3URI}, nil
}

// QueueMetrics returns the injected metrics of the queue.
func (e *Env) QueueMetrics(queueID string) (interp.Metrics, error) {
	if e.metrics == nil {
		return interp.Metrics{}, nil
	}
	return e.metrics(queueID), nil
}

// Profiles returns the Customer Profiles domain linked to the instance.
func (e *Env) Profiles() (interp.Profiles, error) {
	if e.profiles == nil {
		return nil, interp.ErrNoProfiles
	}
	return e.profiles(e.ctx, e.inst)
}

// FlowCache keeps compiled flows and modules by id and content digest, so
// each published version is compiled once however many contacts run it,
// and a republished flow is compiled afresh. It holds at most its size,
// dropping the least recently used. It is safe for concurrent use.
type FlowCache struct {
	mu      sync.Mutex
	size    int
	order   *list.List // of *cached, most recently used first
	entries map[cacheKey]*list.Element
}

type cacheKey struct {
	kind flow.Kind
	id   string
	sum  [sha256.Size]byte
}

type cached struct {
	key  cacheKey
	flow *flow.Flow
}

// NewFlowCache returns a cache of at most size compiled flows (at least 1).
func NewFlowCache(size int) *FlowCache {
	return &FlowCache{size: max(size, 1), order: list.New(), entries: map[cacheKey]*list.Element{}}
}

// Compile returns content compiled as kind, from the cache when the same
// id and content were compiled before. Content that does not compile is an
// error and is not cached.
func (c *FlowCache) Compile(kind flow.Kind, id, content string) (*flow.Flow, error) {
	key := cacheKey{kind: kind, id: id, sum: sha256.Sum256([]byte(content))}
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		f := el.Value.(*cached).flow
		c.mu.Unlock()
		return f, nil
	}
	c.mu.Unlock()
	// Compile outside the lock: two contacts racing on a new version both
	// compile it, and one result is kept; nobody waits on a compile.
	f, err := flow.Parse([]byte(content), kind)
	if err != nil {
		return nil, fmt.Errorf("%s %s does not compile: %w", kind, id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cached).flow, nil
	}
	c.entries[key] = c.order.PushFront(&cached{key: key, flow: f})
	for c.order.Len() > c.size {
		old := c.order.Remove(c.order.Back()).(*cached)
		delete(c.entries, old.key)
	}
	return f, nil
}

// Len returns how many compiled flows the cache holds.
func (c *FlowCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
