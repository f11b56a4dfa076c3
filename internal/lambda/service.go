package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/readcache"
	"github.com/hotline-dev/hotline/internal/store"
)

// Defaults of Config.
const (
	// DefaultMaxResponse is Amazon Connect's limit on a function's response.
	DefaultMaxResponse = 32 << 10
	// DefaultTimeout applies when Invoke is given no time limit: the flow
	// interpreter's default InvocationTimeLimitSeconds, 8 s.
	DefaultTimeout = 8 * time.Second
)

// Config configures a Service.
type Config struct {
	// Credentials sign the requests of http bindings. Nil means the
	// server's AWS credentials from the environment and shared files, or
	// test/test when there are none (SAM's start-lambda accepts any).
	Credentials aws.CredentialsProvider
	// MaxResponse is the largest response accepted, in bytes; 0 means
	// DefaultMaxResponse.
	MaxResponse int
	// DefaultTimeout is the time limit when Invoke is given none; 0 means
	// DefaultTimeout.
	DefaultTimeout time.Duration
}

// Service keeps the bindings and runs them.
type Service struct {
	cfg   Config
	db    store.Store
	clock clock.Clock
	log   *slog.Logger

	credsOnce sync.Once
	creds     aws.CredentialsProvider

	// bindings caches what resolve found for an invoked function ARN,
	// because every invocation needs it and bindings change only through
	// Put and Delete, which invalidate it. Get and List read the store, so
	// what they return is the caller's to keep.
	bindings *readcache.Cache[string, resolved]

	mu      sync.Mutex
	clients map[string]*awslambda.Client // by endpoint and signing Region
}

// New returns a Service keeping its bindings in db.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = DefaultMaxResponse
	}
	if cfg.DefaultTimeout <= 0 {
		cfg.DefaultTimeout = DefaultTimeout
	}
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, db: db, clock: clk, log: log, clients: map[string]*awslambda.Client{},
		bindings: readcache.New[string, resolved](0)}
}

// Key layout:
//
//	lambda/binding/<function ARN>   Binding (JSON)
const bindingPrefix = "lambda/binding/"

func bindingKey(arn string) []byte { return []byte(bindingPrefix + arn) }

// Put stores b, replacing any binding of the same ARN, and returns it as
// stored. An invalid binding is an InvalidParameterException and changes
// nothing.
func (s *Service) Put(ctx context.Context, b *Binding) (*Binding, error) {
	if err := b.validate(); err != nil {
		return nil, err
	}
	stored := *b
	stored.LastModifiedTime = s.clock.Now().UTC()
	val, err := json.Marshal(&stored)
	if err != nil {
		return nil, err
	}
	// Every cached resolution goes: a binding of an unqualified ARN also
	// serves its aliases and versions.
	defer s.bindings.Invalidate()
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		return tx.Put(bindingKey(b.FunctionArn), val)
	})
	if err != nil {
		return nil, err
	}
	return &stored, nil
}

// Get returns the binding of exactly arn, or a ResourceNotFoundException.
func (s *Service) Get(ctx context.Context, arn string) (*Binding, error) {
	var b *Binding
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		b, err = getBinding(tx, arn)
		return err
	})
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, notFound("no binding for function %s", arn)
	}
	return b, nil
}

// List returns every binding in ARN order.
func (s *Service) List(ctx context.Context) ([]*Binding, error) {
	out := []*Binding{}
	err := s.db.View(ctx, func(tx store.Tx) error {
		prefix := []byte(bindingPrefix)
		for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			b := new(Binding)
			if err := json.Unmarshal(v, b); err != nil {
				return fmt.Errorf("lambda: corrupt record %s: %w", k, err)
			}
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// Delete removes the binding of exactly arn; a missing one is a
// ResourceNotFoundException.
func (s *Service) Delete(ctx context.Context, arn string) error {
	defer s.bindings.Invalidate()
	return s.db.Update(ctx, func(tx store.RwTx) error {
		if _, err := tx.Get(bindingKey(arn)); errors.Is(err, store.ErrNotFound) {
			return notFound("no binding for function %s", arn)
		} else if err != nil {
			return err
		}
		return tx.Delete(bindingKey(arn))
	})
}

// getBinding reads the binding of exactly arn; nil when there is none.
func getBinding(tx store.Tx, arn string) (*Binding, error) {
	v, err := tx.Get(bindingKey(arn))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := new(Binding)
	if err := json.Unmarshal(v, b); err != nil {
		return nil, fmt.Errorf("lambda: corrupt record %s: %w", bindingKey(arn), err)
	}
	return b, nil
}

// resolved is what an invoked ARN comes to: the ARN parsed, and the
// binding that serves it (nil: none).
type resolved struct {
	p parsedARN
	b *Binding
}

// resolve parses an invoked ARN (ok false: it is not a function ARN) and
// finds its binding: its own, or else that of the unqualified function, so
// one binding serves every alias and version. The binding returned is
// shared with other invocations: read it only.
func (s *Service) resolve(ctx context.Context, arn string) (r resolved, ok bool, err error) {
	if r, ok := s.bindings.Get(arn); ok {
		return r, true, nil
	}
	p, ok := parseARN(arn)
	if !ok {
		return resolved{}, false, nil
	}
	gen := s.bindings.Gen()
	var b *Binding
	err = s.db.View(ctx, func(tx store.Tx) error {
		var err error
		if b, err = getBinding(tx, arn); err != nil || b != nil {
			return err
		}
		if p.qualifier != "" {
			b, err = getBinding(tx, p.unqualified)
		}
		return err
	})
	if err != nil {
		return resolved{}, true, err
	}
	r = resolved{p: p, b: b}
	s.bindings.Add(gen, arn, r)
	return r, true, nil
}
