// Package server assembles a Hotline server: it opens the store, builds the
// services and the edge, and serves them on one listener until stopped.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/contacts/events"
	"github.com/hotline-dev/hotline/internal/deploy/stacks"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/profiles"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// Config is what a server needs to start.
type Config struct {
	DataDir   string
	Region    string
	AccountID string
	// Credentials maps access key ids to secrets. Empty means the
	// development pair test/test, which the caller allows only on loopback.
	Credentials map[string]string
	Clock       clock.Clock
	Logger      *slog.Logger
	Quotas      connect.Quotas
	// Throttle is the API rate limit per operation; nil means DefaultThrottle.
	Throttle map[string]throttle.Limit
	// Outbound sets outbound calling: quota, allow-list, number plan.
	Outbound outbound.Settings
	// Events tunes the delivery of contact events to webhooks.
	Events events.Settings
}

// DefaultThrottle returns the rate limits Hotline applies unless told
// otherwise: Amazon Connect's documented limits for the operations whose
// callers are expected to handle throttling. Other operations are not
// throttled by default (AWS's account-wide 2/s would only slow local
// development); --throttle sets any operation's limit.
func DefaultThrottle() map[string]throttle.Limit {
	return map[string]throttle.Limit{
		"StartOutboundVoiceContact": {Rate: 2, Burst: 5},
		"StartChatContact":          {Rate: 5, Burst: 8},
	}
}

// Defaults for an unconfigured server.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Server is a running Hotline.
type Server struct {
	cfg     Config
	db      store.Store
	edge    *edge.Server
	Connect *connect.Service
	// FlowConfig is the configuration table data-driven flows read.
	FlowConfig *flowconfig.Service
	// LookupARN is the function ARN bound to the table's lookup function.
	LookupARN        string
	unregisterLookup func()
	// Contacts keeps contact records and serves the contact APIs.
	Contacts *contacts.Service
	// Functions holds the Lambda function bindings flows invoke.
	Functions *lambda.Service
	// Profiles is Customer Profiles, and the domain each instance's flows use.
	Profiles *profiles.Service
	// DefaultInstanceID is the id of the instance created on first start.
	DefaultInstanceID string
	// FirstStart says this start created the default instance: the data
	// directory was new.
	FirstStart bool
	outbound   *outbound.Service
	events     *events.Service
	mu         sync.Mutex // guards http: Serve and Shutdown may race
	http       *http.Server
}

// New opens the data directory and builds every service.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	creds := cfg.Credentials
	if len(creds) == 0 {
		creds = map[string]string{"test": "test"}
	}
	raw, err := bolt.Open(filepath.Join(cfg.DataDir, "hotline.db"))
	if err != nil {
		return nil, err
	}
	// Every service that changes a contact writes its events in its own
	// transaction; the store announces them to their readers once committed.
	db := contacts.NewEventStore(raw)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Throttle == nil {
		cfg.Throttle = DefaultThrottle()
	}
	e := edge.NewServer(edge.Config{
		Throttle:  throttle.New(cfg.Throttle, cfg.Clock.Now),
		AccountID: cfg.AccountID,
		Verifier: &sigv4.Verifier{
			Lookup: func(id string) (string, bool) { s, ok := creds[id]; return s, ok },
			Now:    cfg.Clock.Now,
		},
		Logger:     cfg.Logger,
		Registerer: reg,
	})
	prof := profiles.New(profiles.Config{Region: cfg.Region, AccountID: cfg.AccountID}, db, cfg.Clock, cfg.Logger)
	var fc *flowconfig.Service // built over conn, and drops a deleted instance's table
	conn := connect.New(connect.Config{Region: cfg.Region, AccountID: cfg.AccountID, Quotas: cfg.Quotas,
		OnInstanceDeleted: []func(context.Context, string) error{
			func(ctx context.Context, id string) error { return fc.DropInstance(ctx, id) },
			prof.DropLink,
		}}, db, cfg.Clock, cfg.Logger)
	var ob *outbound.Service // StopContact hangs up the outbound calls it dials
	cts := contacts.New(contacts.Config{Region: cfg.Region, AccountID: cfg.AccountID, Connect: conn,
		OnStop:   func(ctx context.Context, inst, id string) { ob.Stopped(ctx, inst, id) },
		Profiles: prof.FlowProfiles}, db, cfg.Clock, cfg.Logger)
	connAPI := conn.API()
	cts.Register(connAPI)
	e.Register(connAPI)
	fns := lambda.New(lambda.Config{}, db, cfg.Clock, cfg.Logger)
	for pattern, h := range fns.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	for pattern, h := range stacks.New(db, cfg.Clock, cfg.Logger).Routes() {
		e.HandleInternal(pattern, h, true)
	}
	fc = flowconfig.New(db, conn, cfg.Logger)
	for pattern, h := range fc.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	unregisterLookup := fc.RegisterBuiltin()
	lookupARN, err := fc.EnsureBinding(ctx, fns, cfg.Region, cfg.AccountID)
	if err != nil {
		unregisterLookup()
		db.Close()
		return nil, fmt.Errorf("binding the configuration lookup function: %w", err)
	}
	e.Register(prof.API())
	for pattern, h := range prof.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	e.HandleInternal("GET /_hotline/health", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}), false)
	e.HandleInternal("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), false)
	// An unauthenticated no-op, the baseline the edge benchmark compares to.
	e.HandleInternal("GET /_hotline/empty", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}), false)

	id, created, err := conn.EnsureDefaultInstance(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("creating the default instance: %w", err)
	}
	if created {
		cfg.Logger.Info("created the default instance", "instanceId", id, "alias", connect.DefaultInstanceAlias)
	}
	calls := voice.New(voice.Config{
		Route:             conn.NumberRoute,
		Env:               func(instanceID string) interp.Env { return cts.Env(instanceID, nil) },
		Invoker:           &lambda.Invoker{Functions: fns, Allowed: conn.LambdaAllowed},
		Recorder:          cts,
		Region:            cfg.Region,
		AccountID:         cfg.AccountID,
		Clock:             cfg.Clock,
		DefaultInstanceID: id,
		Logger:            cfg.Logger,
	})
	for pattern, h := range calls.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	if ob, err = outbound.New(outbound.Config{Connect: conn, Contacts: cts, Calls: calls, Settings: cfg.Outbound}, db, cfg.Clock, cfg.Logger); err == nil {
		err = ob.Start(ctx)
	}
	if err != nil {
		unregisterLookup()
		db.Close()
		return nil, err
	}
	ob.Register(connAPI)
	for pattern, h := range ob.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	ev := events.New(events.Config{Contacts: cts, Connect: conn, DefaultInstanceID: id, Settings: cfg.Events}, db, cfg.Clock, cfg.Logger)
	for pattern, h := range ev.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	ev.Start()
	return &Server{events: ev, cfg: cfg, db: db, edge: e, Connect: conn, Contacts: cts, Functions: fns, Profiles: prof, DefaultInstanceID: id, FirstStart: created, outbound: ob,
		FlowConfig: fc, LookupARN: lookupARN, unregisterLookup: unregisterLookup}, nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.edge }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{Handler: s.edge, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.http = hs
	s.mu.Unlock()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, waits for those in flight, and closes
// the store.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.events.Close() // its streams would hold the HTTP shutdown; its dispatcher writes to the store
	s.mu.Lock()
	hs := s.http
	s.mu.Unlock()
	if hs != nil {
		err = hs.Shutdown(ctx)
	}
	s.unregisterLookup()
	s.outbound.Close() // its timers write to the store
	return errors.Join(err, s.db.Close())
}
