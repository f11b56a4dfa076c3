package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/store"
)

// Webhooks are kept per instance. Key layout:
//
//	webhooks/w/<inst>/<name>   the webhook's configuration (Webhook JSON)
//	webhooks/d/<inst>/<name>   its delivery state (delivery JSON)
//
// The two are kept apart so that the dispatcher, which writes the
// delivery state after each batch, never rewrites a configuration the API
// changed meanwhile; it checks the configuration's Generation instead.
const (
	hookRoot  = "webhooks/w/"
	stateRoot = "webhooks/d/"
)

func hookKey(inst, name string) []byte  { return []byte(hookRoot + inst + "/" + name) }
func stateKey(inst, name string) []byte { return []byte(stateRoot + inst + "/" + name) }

// Webhook is a webhook's stored configuration.
type Webhook struct {
	URL string `json:"url"`
	// EventTypes, when not empty, are the only event types delivered;
	// the others are passed over.
	EventTypes []string `json:"eventTypes,omitempty"`
	// Secret signs each delivery (X-Hotline-Signature); "" sends none.
	Secret         string    `json:"secret,omitempty"`
	InitialBackoff Duration  `json:"initialBackoff,omitzero"`
	MaxBackoff     Duration  `json:"maxBackoff,omitzero"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	// Generation changes with every PUT, so the dispatcher can tell that
	// the webhook it delivered for was replaced or deleted meanwhile.
	Generation string `json:"generation"`
}

// delivery is a webhook's delivery state.
type delivery struct {
	// Cursor is the sequence number of the last event acknowledged (or
	// passed over by the filter): delivery resumes after it.
	Cursor    uint64 `json:"cursor"`
	Delivered uint64 `json:"delivered,omitempty"` // events acknowledged, ever
	// Failures counts failed attempts in a row; zero after a 2xx.
	Failures      int       `json:"failures,omitempty"`
	NextAttempt   time.Time `json:"nextAttempt,omitzero"`
	LastAttempt   time.Time `json:"lastAttempt,omitzero"`
	LastDelivered time.Time `json:"lastDelivered,omitzero"`
	LastStatus    int       `json:"lastStatus,omitempty"`
	LastError     string    `json:"lastError,omitempty"`
}

// WebhookInput is the body of PUT /_hotline/webhooks/{name}. A PUT
// replaces the whole configuration.
type WebhookInput struct {
	URL        string   `json:"url"`
	EventTypes []string `json:"eventTypes,omitempty"`
	Secret     string   `json:"secret,omitempty"`
	// InitialBackoff and MaxBackoff override the server's for this webhook.
	InitialBackoff Duration `json:"initialBackoff,omitzero"`
	MaxBackoff     Duration `json:"maxBackoff,omitzero"`
	// After, when given, makes delivery resume after that sequence number
	// (0: every event still kept). Without it a new webhook receives the
	// events that happen from now on, and a replaced one resumes where it
	// was.
	After *uint64 `json:"after,omitempty"`
}

// WebhookOutput is a webhook as the API answers it: its configuration
// (the secret left out) and its delivery state.
type WebhookOutput struct {
	Name           string    `json:"name"`
	InstanceID     string    `json:"instanceId"`
	URL            string    `json:"url"`
	EventTypes     []string  `json:"eventTypes"`
	HasSecret      bool      `json:"hasSecret"`
	InitialBackoff Duration  `json:"initialBackoff"`
	MaxBackoff     Duration  `json:"maxBackoff"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	// Cursor is the sequence number of the last event acknowledged or
	// passed over; LastSequence the instance's latest event.
	Cursor        uint64    `json:"cursor"`
	LastSequence  uint64    `json:"lastSequence"`
	Delivered     uint64    `json:"delivered"`
	Failures      int       `json:"failures"`
	NextAttempt   time.Time `json:"nextAttempt,omitzero"`
	LastAttempt   time.Time `json:"lastAttempt,omitzero"`
	LastDelivered time.Time `json:"lastDelivered,omitzero"`
	LastStatus    int       `json:"lastStatus,omitempty"`
	LastError     string    `json:"lastError,omitempty"`
}

// WebhookList is the answer of GET /_hotline/webhooks.
type WebhookList struct {
	Webhooks []*WebhookOutput `json:"webhooks"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// maxSecret bounds a secret; HMAC takes any length, but a secret is a
// configuration value, not a payload.
const maxSecret = 1024

func (s *Service) check(name string, in *WebhookInput) error {
	if !nameRE.MatchString(name) {
		return apierr.New("InvalidParameterException", "webhook name %q is not valid: 1 to 64 letters, digits, '-' and '_'", name)
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apierr.New("InvalidParameterException", "url %q is not an absolute http or https URL", in.URL)
	}
	for _, t := range in.EventTypes {
		if !slices.Contains(contacts.EventTypes, t) {
			return apierr.New("InvalidParameterException", "eventTypes: %q is not a contact event type: use %s",
				t, strings.Join(contacts.EventTypes, ", "))
		}
	}
	if len(in.Secret) > maxSecret {
		return apierr.New("InvalidParameterException", "the secret is longer than %d bytes", maxSecret)
	}
	if in.InitialBackoff < 0 || in.MaxBackoff < 0 {
		return apierr.New("InvalidParameterException", "backoffs may not be negative")
	}
	if in.InitialBackoff > 0 && in.MaxBackoff > 0 && in.MaxBackoff < in.InitialBackoff {
		return apierr.New("InvalidParameterException", "maxBackoff %s is below initialBackoff %s",
			time.Duration(in.MaxBackoff), time.Duration(in.InitialBackoff))
	}
	return nil
}

// backoffs returns a webhook's first and longest wait after a failure.
func (s *Service) backoffs(w *Webhook) (initial, longest time.Duration) {
	initial, longest = s.set.InitialBackoff, s.set.MaxBackoff
	if w.InitialBackoff > 0 {
		initial = time.Duration(w.InitialBackoff)
	}
	if w.MaxBackoff > 0 {
		longest = time.Duration(w.MaxBackoff)
	}
	return initial, max(initial, longest)
}

// Put creates or replaces a webhook of an instance (an id or ARN; "" is
// the default instance).
func (s *Service) Put(ctx context.Context, instance, name string, in *WebhookInput) (*WebhookOutput, error) {
	if err := s.check(name, in); err != nil {
		return nil, err
	}
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var out *WebhookOutput
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		last, err := s.cfg.Contacts.LastEventSeqIn(tx, inst)
		if err != nil {
			return err
		}
		w := &Webhook{URL: in.URL, EventTypes: in.EventTypes, Secret: in.Secret, InitialBackoff: in.InitialBackoff,
			MaxBackoff: in.MaxBackoff, Created: now, Updated: now, Generation: uuid.NewString()}
		old, d, err := getHook(tx, inst, name)
		if err != nil {
			return err
		}
		switch {
		case old != nil:
			w.Created = old.Created
			// A replaced webhook is tried again at once: its new URL or
			// secret may be what the failures needed.
			d.Failures, d.NextAttempt = 0, time.Time{}
		default:
			d = &delivery{Cursor: last}
		}
		if in.After != nil {
			d.Cursor = min(*in.After, last)
		}
		if err := putJSON(tx, hookKey(inst, name), w); err != nil {
			return err
		}
		if err := putJSON(tx, stateKey(inst, name), d); err != nil {
			return err
		}
		out = s.output(inst, name, w, d, last)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return out, nil
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, instance, name string) (*WebhookOutput, error) {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	var out *WebhookOutput
	err = s.db.View(ctx, func(tx store.Tx) error {
		w, d, err := getHook(tx, inst, name)
		if err != nil {
			return err
		}
		if w == nil {
			return notFound(inst, name)
		}
		last, err := s.cfg.Contacts.LastEventSeqIn(tx, inst)
		out = s.output(inst, name, w, d, last)
		return err
	})
	return out, err
}

// List returns an instance's webhooks in name order.
func (s *Service) List(ctx context.Context, instance string) (*WebhookList, error) {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	out := &WebhookList{Webhooks: []*WebhookOutput{}}
	err = s.db.View(ctx, func(tx store.Tx) error {
		out.Webhooks = out.Webhooks[:0]
		last, err := s.cfg.Contacts.LastEventSeqIn(tx, inst)
		if err != nil {
			return err
		}
		prefix := hookRoot + inst + "/"
		var names []string
		for k := range tx.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix))) {
			names = append(names, string(k[len(prefix):]))
		}
		for _, name := range names {
			w, d, err := getHook(tx, inst, name)
			if err != nil {
				return err
			}
			out.Webhooks = append(out.Webhooks, s.output(inst, name, w, d, last))
		}
		return nil
	})
	return out, err
}

// Delete removes a webhook, and with it what it had still to receive.
func (s *Service) Delete(ctx context.Context, instance, name string) error {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return err
	}
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		if _, err := tx.Get(hookKey(inst, name)); errors.Is(err, store.ErrNotFound) {
			return notFound(inst, name)
		} else if err != nil {
			return err
		}
		if err := tx.Delete(hookKey(inst, name)); err != nil {
			return err
		}
		return tx.Delete(stateKey(inst, name))
	})
	if err == nil {
		s.wake() // pruning may go further now
	}
	return err
}

func notFound(inst, name string) error {
	return apierr.New("ResourceNotFoundException", "instance %s has no webhook named %s", inst, name)
}

func (s *Service) output(inst, name string, w *Webhook, d *delivery, last uint64) *WebhookOutput {
	initial, longest := s.backoffs(w)
	o := &WebhookOutput{Name: name, InstanceID: inst, URL: w.URL, EventTypes: w.EventTypes, HasSecret: w.Secret != "",
		InitialBackoff: Duration(initial), MaxBackoff: Duration(longest), Created: w.Created, Updated: w.Updated,
		Cursor: d.Cursor, LastSequence: last, Delivered: d.Delivered, Failures: d.Failures, NextAttempt: d.NextAttempt,
		LastAttempt: d.LastAttempt, LastDelivered: d.LastDelivered, LastStatus: d.LastStatus, LastError: d.LastError}
	if o.EventTypes == nil {
		o.EventTypes = []string{}
	}
	return o
}

// getHook reads a webhook and its delivery state; w is nil when there is
// no such webhook.
func getHook(tx store.Tx, inst, name string) (w *Webhook, d *delivery, err error) {
	w, d = new(Webhook), new(delivery)
	if ok, err := getJSON(tx, hookKey(inst, name), w); err != nil || !ok {
		return nil, nil, err
	}
	if _, err := getJSON(tx, stateKey(inst, name), d); err != nil {
		return nil, nil, err
	}
	return w, d, nil
}

func getJSON(tx store.Tx, key []byte, v any) (bool, error) {
	b, err := tx.Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("events: corrupt %s: %w", key, err)
	}
	return true, nil
}

func putJSON(tx store.RwTx, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(key, b)
}

// The HTTP API.

func (s *Service) servePut(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.api().WriteError(w, r, apierr.New("InvalidParameterException", "reading the body: %v", err))
		return
	}
	var in WebhookInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a misspelt member must not be dropped in silence
	if err := dec.Decode(&in); err != nil {
		s.api().WriteError(w, r, apierr.New("InvalidParameterException", "the body is not a webhook ({\"url\": ...}): %v", err))
		return
	}
	out, err := s.Put(r.Context(), r.URL.Query().Get("instanceId"), r.PathValue("name"), &in)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, out)
}

func (s *Service) serveGet(w http.ResponseWriter, r *http.Request) {
	out, err := s.Get(r.Context(), r.URL.Query().Get("instanceId"), r.PathValue("name"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, out)
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	out, err := s.List(r.Context(), r.URL.Query().Get("instanceId"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, out)
}

func (s *Service) serveDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete(r.Context(), r.URL.Query().Get("instanceId"), r.PathValue("name")); err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
