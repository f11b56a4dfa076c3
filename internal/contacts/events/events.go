// Package events owns the delivery of contact events: the webhooks an
// instance is configured with (their signed HTTP API and the one
// dispatcher that posts the events to them, in order, at least once), and
// the server-sent event stream `hotline contacts watch` reads. The events
// themselves are derived and stored by internal/contacts, in the outbox it
// writes in the same transaction as each contact change.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// Defaults of Settings.
const (
	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
	DefaultTimeout        = 10 * time.Second
	DefaultKeep           = 10000
)

// Settings tune webhook delivery; every zero member means its default.
type Settings struct {
	// InitialBackoff is the wait after a webhook's first failed delivery;
	// each further failure in a row doubles it, up to MaxBackoff. A webhook
	// may set its own.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Timeout bounds one delivery: a receiver that has not answered by then
	// has failed it.
	Timeout time.Duration
	// Keep is how many of an instance's latest events stay in the outbox
	// once every webhook has them, for streams to resume from.
	Keep int
}

func (s Settings) withDefaults() Settings {
	if s.InitialBackoff <= 0 {
		s.InitialBackoff = DefaultInitialBackoff
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = DefaultMaxBackoff
	}
	if s.MaxBackoff < s.InitialBackoff {
		s.MaxBackoff = s.InitialBackoff
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Keep <= 0 {
		s.Keep = DefaultKeep
	}
	return s
}

// Config is what the service needs.
type Config struct {
	// Contacts writes the outbox this service reads.
	Contacts *contacts.Service
	// Connect resolves instance references (an id or ARN); nil takes a
	// reference as an id, unchecked.
	Connect *connect.Service
	// DefaultInstanceID is the instance a request that names none means.
	DefaultInstanceID string
	Settings          Settings
	// HTTPClient posts to webhooks; nil means one with Settings.Timeout
	// that does not follow redirects.
	HTTPClient *http.Client
}

// Service keeps the webhooks, runs the dispatcher and serves event streams.
type Service struct {
	cfg   Config
	set   Settings
	db    store.Store
	clock clock.Clock
	log   *slog.Logger
	http  *http.Client

	kick    chan struct{} // the webhooks changed: the dispatcher looks again
	done    chan struct{} // closed by Close: the dispatcher and streams end
	ctx     context.Context
	cancel  context.CancelFunc
	started sync.Once
	closed  sync.Once
	stopped chan struct{} // closed when the dispatcher has returned
}

// New returns the service; Start starts its dispatcher. db must be the
// store cfg.Contacts writes.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	set := cfg.Settings.withDefaults()
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{
			Timeout: set.Timeout,
			// A redirect is an answer that is not 2xx: following it would
			// post the event somewhere the webhook does not name.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, set: set, db: db, clock: clk, log: log, http: hc,
		kick: make(chan struct{}, 1), done: make(chan struct{}), ctx: ctx, cancel: cancel, stopped: make(chan struct{})}
}

// Start starts the dispatcher.
func (s *Service) Start() {
	s.started.Do(func() { go s.run() })
}

// Close ends the event streams, stops the dispatcher (abandoning a
// delivery in flight, which is made again after a restart: the cursor had
// not moved) and waits for it. The store must stay open until it returns.
func (s *Service) Close() {
	s.closed.Do(func() {
		close(s.done)
		s.cancel()
		started := true
		s.started.Do(func() { started = false })
		if started {
			<-s.stopped
		}
	})
}

// Routes returns the service's endpoints by http.ServeMux pattern; the
// server mounts each as a signed internal endpoint. instanceId (an id or
// ARN; the default instance when absent) names the instance:
//
//	GET    /_hotline/contacts/events?instanceId=&after=SEQ&types=T,...   the event stream (text/event-stream)
//	GET    /_hotline/webhooks?instanceId=                                the instance's webhooks
//	PUT    /_hotline/webhooks/{name}?instanceId=                         create or replace one (WebhookInput)
//	GET    /_hotline/webhooks/{name}?instanceId=                         one, with its delivery state
//	DELETE /_hotline/webhooks/{name}?instanceId=                         remove one
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /_hotline/contacts/events":    http.HandlerFunc(s.serveStream),
		"GET /_hotline/webhooks":           http.HandlerFunc(s.serveList),
		"PUT /_hotline/webhooks/{name}":    http.HandlerFunc(s.servePut),
		"GET /_hotline/webhooks/{name}":    http.HandlerFunc(s.serveGet),
		"DELETE /_hotline/webhooks/{name}": http.HandlerFunc(s.serveDelete),
	}
}

// api writes answers in the AWS shape the SDKs and internal/client parse.
func (s *Service) api() edge.InternalAPI {
	return edge.InternalAPI{Log: s.log, Status: map[string]int{"ResourceNotFoundException": http.StatusNotFound}}
}

// instance resolves a request's instance reference.
func (s *Service) instance(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		ref = s.cfg.DefaultInstanceID
	}
	if ref == "" {
		return "", apierr.New("InvalidParameterException", "instanceId is required")
	}
	if s.cfg.Connect == nil {
		return ref, nil
	}
	return s.cfg.Connect.InstanceID(ctx, ref)
}

// ParseTypes reads a list of event types (comma-separated, as the
// stream's types parameter and `hotline contacts watch --types` take it);
// a type Amazon Connect does not document is InvalidParameterException.
func ParseTypes(list string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(contacts.EventTypes, t) {
			return nil, apierr.New("InvalidParameterException", "%q is not a contact event type: use %s", t, strings.Join(contacts.EventTypes, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// keepTypes returns the filter of ReadEvents for a list of types; nil
// (every type) for an empty list.
func keepTypes(types []string) func(string) bool {
	if len(types) == 0 {
		return nil
	}
	return func(t string) bool { return slices.Contains(types, t) }
}

// Duration is a time.Duration written in JSON as Go writes durations
// ("1.5s", "2m0s") and read from such a string.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"2s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
