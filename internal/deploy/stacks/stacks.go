// Package stacks owns the deploy state the server keeps for `hotline
// deploy`: per stack name, the resources the last deploy made (logical id →
// type, physical id, and the values Ref and Fn::GetAtt give), so that the
// next deploy of the same template updates them instead of making them
// again. It stores stacks under deploy/stacks/ and serves them, signed, at
// /_hotline/deploy/stacks. It is apart from internal/deploy so that the
// server links none of the deploy client.
package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// Stack is what the server keeps of a deployed stack: enough for the next
// deploy of the same template to find what the last one made.
type Stack struct {
	StackName  string
	InstanceID string
	// Resources are by logical id.
	Resources map[string]*Resource
	// Outputs are the resolved outputs of the last deploy.
	Outputs         map[string]string `json:",omitempty"`
	LastUpdatedTime time.Time
}

// Resource is one resource a deploy created or adopted.
type Resource struct {
	Type string
	// PhysicalID is the resource's own id: a flow or queue id, a phone
	// number id, a function ARN, a table name.
	PhysicalID string
	// Attributes are the values Ref ("Ref") and Fn::GetAtt return.
	Attributes map[string]string
}

// namePattern is CloudFormation's rule for stack names.
var namePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)

// ValidName reports whether name is a stack name CloudFormation accepts: a
// letter, then letters, digits and hyphens, at most 128 in all.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Service keeps deploy state per stack name in the store and serves it
// under /_hotline/deploy/stacks.
type Service struct {
	db    store.Store
	clock clock.Clock
	log   *slog.Logger
}

// New returns the deploy-state service, keeping its stacks in db.
func New(db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, log: log}
}

// Key layout:
//
//	deploy/stacks/<stack name>   Stack (JSON)
const stackPrefix = "deploy/stacks/"

func stackKey(name string) []byte { return []byte(stackPrefix + name) }

// Routes returns the state API, by http.ServeMux pattern; the server mounts
// each as a signed internal endpoint.
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /_hotline/deploy/stacks":        http.HandlerFunc(s.serveList),
		"GET /_hotline/deploy/stacks/{name}": http.HandlerFunc(s.serveGet),
		"PUT /_hotline/deploy/stacks/{name}": http.HandlerFunc(s.servePut),
	}
}

// List is the answer of GET /_hotline/deploy/stacks.
type List struct {
	Stacks []*Stack
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	list := &List{Stacks: []*Stack{}}
	err := s.db.View(r.Context(), func(tx store.Tx) error {
		prefix := []byte(stackPrefix)
		for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			st := new(Stack)
			if err := json.Unmarshal(v, st); err != nil {
				return fmt.Errorf("deploy: corrupt record %s: %w", k, err)
			}
			list.Stacks = append(list.Stacks, st)
		}
		return nil
	})
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, list)
}

func (s *Service) serveGet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var val []byte
	err := s.db.View(r.Context(), func(tx store.Tx) error {
		v, err := tx.Get(stackKey(name))
		if err != nil {
			return err
		}
		val = bytes.Clone(v)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		s.api().WriteError(w, r, apierr.New("ResourceNotFoundException", "stack %s has never been deployed", name))
		return
	}
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	edge.WriteRawJSON(w, val)
}

func (s *Service) servePut(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !ValidName(name) {
		s.api().WriteError(w, r, invalidParam("stack name %q must start with a letter and hold only letters, digits and hyphens (at most 128)", name))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	st := new(Stack)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a misspelt field must not be dropped in silence
	if err := dec.Decode(st); err != nil {
		s.api().WriteError(w, r, invalidParam("the body is not a stack: %v", err))
		return
	}
	if st.StackName == "" {
		st.StackName = name
	}
	if st.StackName != name {
		s.api().WriteError(w, r, invalidParam("the body's StackName %s differs from the path's %s", st.StackName, name))
		return
	}
	for id, res := range st.Resources {
		if res == nil || res.Type == "" || res.PhysicalID == "" {
			s.api().WriteError(w, r, invalidParam("resource %s needs a Type and a PhysicalID", id))
			return
		}
	}
	st.LastUpdatedTime = s.clock.Now().UTC()
	val, err := json.Marshal(st)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	if err := s.db.Update(r.Context(), func(tx store.RwTx) error { return tx.Put(stackKey(name), val) }); err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	edge.WriteRawJSON(w, val)
}

var statusOf = map[string]int{
	"InvalidParameterException": http.StatusBadRequest,
	"ResourceNotFoundException": http.StatusNotFound,
}

// api answers the state API's requests in the AWS shape.
func (s *Service) api() edge.InternalAPI { return edge.InternalAPI{Log: s.log, Status: statusOf} }

func invalidParam(format string, args ...any) error {
	return apierr.New("InvalidParameterException", format, args...)
}
