// Package edge owns Hotline's HTTP front door: one port for every AWS
// service, SigV4 verification, routing by the service named in the
// credential scope, the rest-json and JSON 1.0 codecs, AWS error responses,
// request ids, metrics and access logs. It knows nothing of storage: every
// operation is a typed request → typed response function registered by a
// service package.
package edge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// DefaultMaxBody is the largest request body the edge reads.
const DefaultMaxBody = 8 << 20

// Config configures a Server.
type Config struct {
	Verifier *sigv4.Verifier
	Logger   *slog.Logger
	// Registerer receives the request metrics; nil means none are kept.
	Registerer prometheus.Registerer
	MaxBody    int64
	// Throttle limits request rates per account, Region and operation;
	// nil means no limits.
	Throttle *throttle.Limiter
	// AccountID is the account every credential belongs to (the throttle's
	// account scope).
	AccountID string
}

// Server is the edge. Register services on it, then serve it.
type Server struct {
	verifier *sigv4.Verifier
	log      *slog.Logger
	maxBody  int64
	services map[string]*Service // by SigV4 signing name
	throttle *throttle.Limiter
	account  string
	internal *http.ServeMux // Hotline's own endpoints under /_hotline/ and /metrics

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewServer returns an edge with no services.
func NewServer(cfg Config) *Server {
	s := &Server{
		verifier: cfg.Verifier,
		log:      cfg.Logger,
		maxBody:  cfg.MaxBody,
		services: map[string]*Service{},
		internal: http.NewServeMux(),
		throttle: cfg.Throttle,
		account:  cfg.AccountID,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_requests_total",
			Help: "API requests by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hotline_request_duration_seconds",
			Help:    "API request latency by service and operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14),
		}, []string{"service", "operation"}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBody
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(s.requests, s.latency)
	}
	return s
}

// Register serves svc under its model's signing name.
func (s *Server) Register(svc *Service) {
	svc.server = s
	s.services[svc.Model.Metadata.SigningName] = svc
}

// HandleInternal serves one of Hotline's own endpoints. Paths must start
// with /_hotline/ (or be /metrics); signed says whether callers must sign
// requests like any AWS API call.
func (s *Server) HandleInternal(pattern string, h http.Handler, signed bool) {
	if !signed {
		s.internal.Handle(pattern, h)
		return
	}
	s.internal.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := s.readBody(r)
		if err != nil {
			s.writeError(w, r, nil, err)
			return
		}
		id, err := s.verifier.Verify(r, body)
		if err != nil {
			s.writeError(w, r, nil, err)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		h.ServeHTTP(w, (&reqState{id: id}).with(r))
	}))
}

// reqState is what the edge knows of a request: who signed it, the body
// it read, its request id. It is itself the context the request carries
// on (the request's own, extended with it), so that one allocation holds
// everything the edge adds to a request.
type reqState struct {
	context.Context // the request's own context

	id   sigv4.Identity
	body []byte
	req  request // the decoded operation request, kept here to save an allocation

	// requestID is the X-Amzn-RequestId header's value; its text lives in
	// idText, so neither the value nor its slice is an allocation of its own.
	requestID [1]string
	idText    [36]byte
}

type stateKey struct{}

// Value implements context.Context: the state under stateKey{}, anything
// else from the request's own context.
func (st *reqState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return st
	}
	return st.Context.Value(key)
}

// with returns r carrying st as its context.
func (st *reqState) with(r *http.Request) *http.Request {
	st.Context = r.Context()
	return r.WithContext(st)
}

// stateOf returns the state of a request the edge has accepted, or nil.
func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().(*reqState); ok {
		return st
	}
	st, _ := r.Context().Value(stateKey{}).(*reqState)
	return st
}

// setRequestID gives the request a new id and returns its header value.
func (st *reqState) setRequestID() []string {
	formatRequestID(&st.idText)
	// The string shares idText's memory, which is never written again;
	// the header map keeps the state alive as long as it holds the value.
	st.requestID[0] = unsafe.String(&st.idText[0], len(st.idText))
	return st.requestID[:]
}

// IdentityFrom returns the verified caller of the request that ctx belongs to.
func IdentityFrom(ctx context.Context) (sigv4.Identity, bool) {
	st, ok := ctx.Value(stateKey{}).(*reqState)
	if !ok {
		return sigv4.Identity{}, false
	}
	return st.id, true
}

// Header names as net/http keys them (canonical form), set straight into
// the header map so that no request spends an allocation canonicalising
// them. The wire carries the same bytes Header.Set would have stored.
const (
	headerRequestID   = "X-Amzn-Requestid" // X-Amzn-RequestId
	headerErrorType   = "X-Amzn-Errortype" // X-Amzn-ErrorType
	headerContentType = "Content-Type"
)

// jsonContentType is the Content-Type of every answer. Responses share the
// slice (net/http copies header values when it writes them); code that
// changes a header replaces its slice, never an element of it.
var jsonContentType = []string{"application/json"}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &reqState{}
	h := w.Header()
	h[headerRequestID] = st.setRequestID()
	h["Date"] = httpDate(time.Now())
	if strings.HasPrefix(r.URL.Path, "/_hotline/") || r.URL.Path == "/metrics" {
		s.internal.ServeHTTP(w, r)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.reject(w, r, nil, sigv4.ServiceOf(r), err)
		return
	}
	id, err := s.verifier.Verify(r, body)
	if err != nil {
		s.reject(w, r, nil, sigv4.ServiceOf(r), err)
		return
	}
	svc, ok := s.services[id.Service]
	if !ok {
		s.reject(w, r, nil, id.Service, apierr.New("UnknownServiceException",
			"this endpoint does not serve the AWS service %q named in the request's credential scope", id.Service))
		return
	}
	st.id, st.body = id, body
	r = st.with(r)
	if svc.mux != nil {
		svc.mux.ServeHTTP(w, r)
		return
	}
	op, err := svc.jsonOperation(r)
	if err != nil {
		s.reject(w, r, svc, id.Service, err)
		return
	}
	s.run(w, r, svc, svc.codecs[op.Name])
}

// reject answers a request that never reached an operation (bad signature,
// unknown service or route) and counts it under the operation "-".
func (s *Server) reject(w http.ResponseWriter, r *http.Request, svc *Service, service string, err error) {
	status := s.writeError(w, r, svc, err)
	if service == "" {
		service = "-"
	}
	s.requests.WithLabelValues(service, "-", statusLabel(status)).Inc()
}

func (s *Server) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := readAll(r.Body, r.ContentLength, s.maxBody)
	if errors.Is(err, errTooLarge) {
		return nil, apierr.New("RequestEntityTooLargeException", "the request body is larger than %d bytes", s.maxBody)
	}
	return body, err
}

var errTooLarge = errors.New("request body too large")

// readAll is io.ReadAll of at most limit bytes (errTooLarge beyond, as
// http.MaxBytesReader would fail), starting from a buffer of the declared
// length so that a typical body is read into one allocation of its size
// rather than grown from 512 bytes. A large declared length is not trusted
// with more than maxPrealloc until the bytes arrive.
func readAll(rd io.Reader, declared, limit int64) ([]byte, error) {
	const maxPrealloc = 64 << 10
	size := int64(512)
	if declared >= 0 {
		size = min(declared+1, maxPrealloc) // +1: room for the read that sees EOF
	}
	b := make([]byte, 0, size)
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, errTooLarge
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next size
		}
	}
}

// run decodes, validates and executes one operation and writes its answer.
func (s *Server) run(w http.ResponseWriter, r *http.Request, svc *Service, c *codec) {
	start := time.Now()
	op := c.op
	status := s.execute(w, r, svc, c)
	name := svc.Model.Metadata.SigningName
	m := c.metrics.Load()
	if m == nil || m.server != s {
		m = &opMetrics{server: s, latency: s.latency.WithLabelValues(name, op.Name)}
		c.metrics.Store(m)
	}
	if status == http.StatusOK {
		if m.ok == nil {
			// Looked up at the first success, so that an operation that
			// has never succeeded shows no count of 200s.
			m = &opMetrics{server: s, latency: m.latency, ok: s.requests.WithLabelValues(name, op.Name, "200")}
			c.metrics.Store(m)
		}
		m.ok.Inc()
	} else {
		s.requests.WithLabelValues(name, op.Name, statusLabel(status)).Inc()
	}
	m.latency.Observe(time.Since(start).Seconds())
}

// opMetrics are one operation's series, looked up once rather than by
// label values on every request: the latency histogram and the count of
// successes, the answer most requests get. A stored opMetrics is never
// changed; a new one replaces it.
type opMetrics struct {
	server  *Server // whose metrics these are
	latency prometheus.Observer
	ok      prometheus.Counter // nil until the operation first answers 200
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request, svc *Service, c *codec) int {
	op := c.op
	handler, ok := svc.handlers[op.Name]
	if !ok {
		return s.writeError(w, r, svc, apierr.New("NotImplementedException",
			"Hotline does not implement %s %s yet; see docs/compatibility.md", svc.Model.Metadata.ServiceID, op.Name))
	}
	// AWS throttles before it looks at the request.
	st := stateOf(r)
	if st == nil {
		st = &reqState{}
	}
	if s.throttle != nil && !s.throttle.Allow(s.account, st.id.Region, op.Name) {
		return s.writeError(w, r, svc, apierr.New(svc.throttleError(op.Name), "Rate exceeded"))
	}
	req := &st.req
	if err := svc.decode(c, r, st.body, req); err != nil {
		return s.writeError(w, r, svc, err)
	}
	if op.Input != nil {
		if err := svc.Model.Validate(op.Input.Shape, req.doc); err != nil {
			return s.writeError(w, r, svc, apierr.New(svc.ValidationError, "%s", err.Error()))
		}
	}
	out, err := handler(r.Context(), req)
	if err != nil {
		return s.writeError(w, r, svc, err)
	}
	status, header, payload, err := svc.encode(c, out)
	if err != nil {
		return s.writeError(w, r, svc, err)
	}
	h := w.Header()
	for k, v := range header {
		h[k] = v
	}
	h[headerContentType] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(payload)
	return status
}

// statusLabel is strconv.Itoa(status), without the allocation for the
// statuses most answers have.
func statusLabel(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusBadRequest:
		return "400"
	case http.StatusNotFound:
		return "404"
	}
	return strconv.Itoa(status)
}

// statusOf gives edge-level errors that no service model defines their status.
var statusOf = map[string]int{
	"UnknownOperationException":      http.StatusNotFound,
	"UnknownServiceException":        http.StatusBadRequest,
	"NotImplementedException":        http.StatusNotImplemented,
	"SerializationException":         http.StatusBadRequest,
	"RequestEntityTooLargeException": http.StatusRequestEntityTooLarge,
	"ThrottlingException":            http.StatusTooManyRequests,
	"TooManyRequestsException":       http.StatusTooManyRequests,
}

// writeError writes err in the shape every AWS SDK parses: the code in
// X-Amzn-ErrorType and a JSON body with Message and any modelled members.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, svc *Service, err error) int {
	var (
		code, msg string
		status    int
		fields    map[string]any
	)
	var sigErr *sigv4.Error
	switch e, ok := apierr.As(err); {
	case ok:
		code, msg, fields = e.Code, e.Message, e.Fields
		if svc != nil {
			status, _ = svc.Model.ErrorStatus(code)
		}
		if status == 0 {
			status = statusOf[code]
		}
		if status == 0 {
			status = http.StatusBadRequest
		}
	case errors.As(err, &sigErr):
		code, msg, status = sigErr.Code, sigErr.Message, sigErr.Status
	default:
		code, msg, status = "InternalServiceException", "an internal error occurred; the server log has the details", http.StatusInternalServerError
		if svc != nil {
			code = svc.InternalError
		}
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path,
			"requestId", w.Header().Get(headerRequestID), "err", err)
	}
	payload := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		payload[k] = v
	}
	payload["Message"] = msg
	b, _ := json.Marshal(payload)
	h := w.Header()
	h[headerErrorType] = []string{code}
	h[headerContentType] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(b)
	s.log.Debug("request failed", "method", r.Method, "path", r.URL.Path, "code", code, "status", status)
	return status
}

// requestID returns a version 4 UUID for X-Amzn-RequestId.
func requestID() string {
	var b [36]byte
	formatRequestID(&b)
	return string(b[:])
}

// formatRequestID writes a version 4 UUID in its text form. A request id
// needs to be unique, not unguessable, so its bits come from math/rand/v2
// (a per-thread ChaCha8 seeded by the system) instead of a getrandom call
// per request as uuid.NewString makes.
func formatRequestID(dst *[36]byte) {
	var u [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(hi>>(8*i)), byte(lo>>(8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	const digits = "0123456789abcdef"
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = digits[c>>4], digits[c&15]
		j += 2
	}
}

// lastDate is the Date header of the current second, formatted once.
var lastDate atomic.Pointer[struct {
	sec int64
	v   []string
}]

// httpDate formats t as the Date header's value (http.TimeFormat) once a
// second; the responses of that second share it, as they share
// jsonContentType.
func httpDate(t time.Time) []string {
	sec := t.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.v
	}
	d := &struct {
		sec int64
		v   []string
	}{sec, []string{t.UTC().Format(http.TimeFormat)}}
	lastDate.Store(d)
	return d.v
}
