// Package connect owns the Amazon Connect admin resources: instances,
// contact flows, flow modules, hours of operation, queues, phone numbers,
// prompts, the Lambda allow-list and their tags. It holds the domain rules
// and persists records in the store; the edge hands it typed requests.
package connect

import (
	"context"
	"log/slog"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/readcache"
	"github.com/hotline-dev/hotline/internal/store"
)

// Config says where the service lives: the account and Region that appear
// in every ARN it issues.
type Config struct {
	Region    string
	AccountID string
	Quotas    Quotas // zero fields take DefaultQuotas' values
	// OnInstanceDeleted is called after DeleteInstance removed an
	// instance, so that the services keeping data of their own per
	// instance (the configuration table, the Customer Profiles link) drop
	// it. A failure is logged: the instance is gone either way, and data
	// left under its unique id is unreachable.
	OnInstanceDeleted []func(ctx context.Context, instanceID string) error
}

// Service implements the Connect admin API on a store.
type Service struct {
	cfg   Config
	db    store.Store
	clock clock.Clock
	log   *slog.Logger

	// What every call reads, cached: the route of a dialled number
	// (NumberRoute), and for a flow's function invocations the answers of
	// LambdaAllowed and the ARNs ResolveARNs gives names. They change only
	// by this service's writes, all of which go through update, which
	// invalidates them all.
	routes  *readcache.Cache[string, route]
	allowed *readcache.Cache[allowKey, bool]
	arns    *readcache.Cache[refKey, string]
}

// route is what NumberRoute answers for a claimed number.
type route struct{ instanceID, flowID string }

// allowKey is a LambdaAllowed question: an instance reference and a
// function ARN.
type allowKey struct{ instance, function string }

// refKey is a reference to a queue or flow (a name, id or ARN) in an
// instance.
type refKey struct{ instance, arnType, ref string }

// New returns the Connect service.
func New(cfg Config, db store.Store, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.Quotas = cfg.Quotas.withDefaults()
	return &Service{cfg: cfg, db: db, clock: clk, log: log, routes: readcache.New[string, route](0),
		allowed: readcache.New[allowKey, bool](0), arns: readcache.New[refKey, string](0)}
}

// API returns the edge service carrying every Connect operation Hotline
// implements.
func (s *Service) API() *edge.Service {
	api := edge.NewService(awsmodel.MustLoad("connect"), "InvalidParameterException", "InternalServiceException")
	// AWS answers API-rate throttling of these with TooManyRequestsException
	// (the reference, §1.3 and §2); other Connect operations say ThrottlingException.
	api.ThrottleErrors = map[string]string{
		"StartOutboundVoiceContact": "TooManyRequestsException",
		"StartChatContact":          "TooManyRequestsException",
	}
	s.registerInstances(api)
	s.registerFlows(api)
	s.registerModules(api)
	s.registerHours(api)
	s.registerQueues(api)
	s.registerPhoneNumbers(api)
	s.registerPrompts(api)
	s.registerLambdas(api)
	s.registerTags(api)
	return api
}

// Error codes of the Connect model used across the package.
const (
	codeNotFound     = "ResourceNotFoundException"
	codeDuplicate    = "DuplicateResourceException"
	codeInUse        = "ResourceInUseException"
	codeInvalidParam = "InvalidParameterException"
	codeInvalidReq   = "InvalidRequestException"
	codeLimit        = "LimitExceededException"
	codeQuota        = "ServiceQuotaExceededException"
)

func notFound(format string, args ...any) error { return apierr.New(codeNotFound, format, args...) }

func invalidParam(format string, args ...any) error {
	return apierr.New(codeInvalidParam, format, args...)
}

// view and update run fn in a store transaction.
func (s *Service) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.db.View(ctx, fn)
}

// update is the service's only write path. Any write may change what the
// caches hold (an association, a queue's name, a deleted instance), and
// writes are rare next to calls, so every one invalidates them all once its
// transaction is over, whatever its outcome.
func (s *Service) update(ctx context.Context, fn func(tx store.RwTx) error) error {
	defer s.invalidate()
	return s.db.Update(ctx, fn)
}

func (s *Service) invalidate() {
	s.routes.Invalidate()
	s.allowed.Invalidate()
	s.arns.Invalidate()
}

func apiErr(code, format string, args ...any) error { return apierr.New(code, format, args...) }

func ptr[T any](v T) *T { return &v }

// maxResults applies a list operation's default page size.
func maxResults(requested *int32, def int) int {
	if requested == nil || *requested <= 0 {
		return def
	}
	return int(*requested)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
