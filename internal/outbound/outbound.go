// Package outbound owns outbound voice contacts: StartOutboundVoiceContact
// as Amazon Connect answers it (validation, the destination allow-list, the
// instance's concurrent-calls quota, ClientToken idempotency), and the
// simulated dialer that rings the customer on the server's clock, lets the
// number plan say how the far end answers, runs the contact flow through
// the voice simulator once the customer picks up, and ends the contact with
// the disconnect reason Amazon Connect would record. docs/outbound.md
// explains every choice.
package outbound

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// Settings are the server settings of outbound calling.
type Settings struct {
	// MaxActiveCalls is the concurrent active calls quota per instance:
	// outbound contacts ringing or connected. 0 means
	// DefaultMaxActiveCalls, Amazon Connect's default quota.
	MaxActiveCalls int
	// Destinations is the allow-list: E.164 prefixes that may be dialled,
	// and prefixes written "!+447" that may not. The longest matching entry
	// decides; a number no entry matches is refused. nil means
	// DefaultDestinations.
	Destinations []string
	// CampaignCalls allows TrafficType CAMPAIGN, which Amazon Connect
	// refuses until the account's campaigns quota is raised.
	CampaignCalls bool
	// NumberPlan says how the numbers Hotline dials behave; PUT
	// /_hotline/number-plan replaces it while the server runs.
	NumberPlan Plan
}

// DefaultMaxActiveCalls is Amazon Connect's default quota of concurrent
// active calls per instance.
const DefaultMaxActiveCalls = 10

// DefaultDestinations allows every number but UK mobiles (+447), the one
// restriction Amazon Connect's API reference documents for every account.
func DefaultDestinations() []string { return []string{"+", "!+447"} }

// Config is what the service needs.
type Config struct {
	Connect  *connect.Service
	Contacts *contacts.Service
	// Calls runs answered calls (voice.Simulator.RunOutbound).
	Calls    *voice.Simulator
	Settings Settings
}

// Service serves StartOutboundVoiceContact and dials the calls it places.
type Service struct {
	cfg   Config
	db    store.Store
	clock clock.Clock
	log   *slog.Logger
	dest  []destination

	planMu sync.RWMutex
	plan   Plan

	mu     sync.Mutex
	timers map[string]*pending // instance/contact → the call's next timer
	closed bool
	busy   sync.WaitGroup // timer functions running
}

// pending is a scheduled timer; the map holds it so a stop can cancel it.
type pending struct{ stop func() bool }

// New returns the service. db may be nil for a service that only registers
// its operation (the compatibility report). Call Start before serving.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clk == nil {
		clk = clock.Real{}
	}
	if cfg.Settings.MaxActiveCalls <= 0 {
		cfg.Settings.MaxActiveCalls = DefaultMaxActiveCalls
	}
	if cfg.Settings.Destinations == nil {
		cfg.Settings.Destinations = DefaultDestinations()
	}
	dest, err := parseDestinations(cfg.Settings.Destinations)
	if err != nil {
		return nil, err
	}
	if err := cfg.Settings.NumberPlan.Check(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, db: db, clock: clk, log: log, dest: dest, plan: cfg.Settings.NumberPlan,
		timers: map[string]*pending{}}, nil
}

// Register adds StartOutboundVoiceContact to the Connect edge service.
func (s *Service) Register(e *edge.Service) {
	edge.Handle(e, "StartOutboundVoiceContact", s.startOutbound)
}

// destination is one entry of the allow-list.
type destination struct {
	prefix string
	allow  bool
}

func parseDestinations(list []string) ([]destination, error) {
	out := make([]destination, 0, len(list))
	for _, raw := range list {
		e := strings.TrimSpace(raw)
		d := destination{allow: true}
		if p, ok := strings.CutPrefix(e, "!"); ok {
			d.allow, e = false, p
		}
		if !isPrefix(e) {
			return nil, fmt.Errorf("outbound destinations: %q is not an E.164 prefix such as +44 (or !+447 to refuse one)", raw)
		}
		d.prefix = e
		out = append(out, d)
	}
	return out, nil
}

// allows applies the allow-list: the longest matching entry decides.
func (s *Service) allows(number string) bool {
	allow, n := false, -1
	for _, d := range s.dest {
		if strings.HasPrefix(number, d.prefix) && len(d.prefix) > n {
			allow, n = d.allow, len(d.prefix)
		}
	}
	return allow
}

// Plan returns the number plan in force.
func (s *Service) Plan() Plan {
	s.planMu.RLock()
	defer s.planMu.RUnlock()
	return s.plan
}

// SetPlan replaces the number plan for calls placed from now on.
func (s *Service) SetPlan(p Plan) error {
	if err := p.Check(); err != nil {
		return err
	}
	s.planMu.Lock()
	s.plan = p
	s.planMu.Unlock()
	return nil
}

// Close stops every timer and waits for the timer functions running, so
// the store can be closed. Live calls stay live in the store; Start picks
// them up again.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	for k, p := range s.timers {
		p.stop()
		delete(s.timers, k)
	}
	s.mu.Unlock()
	s.busy.Wait()
}

func callKey(inst, id string) string { return inst + "/" + id }

// Stopped is contacts.Config.OnStop: StopContact ended the contact, so its
// dialer timer is cancelled and its slot in the quota freed.
func (s *Service) Stopped(ctx context.Context, instanceID, contactID string) {
	s.mu.Lock()
	p := s.timers[callKey(instanceID, contactID)]
	delete(s.timers, callKey(instanceID, contactID))
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
	if err := s.stopped(ctx, instanceID, contactID); err != nil {
		// The contact has ended; its timer, run again, frees the slot.
		s.log.Error("outbound: releasing a stopped call; retrying", "instanceId", instanceID, "contactId", contactID, "err", err)
		s.schedule(instanceID, contactID, s.clock.Now().Add(retryAfter))
	}
}
