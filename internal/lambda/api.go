package lambda

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/edge"
)

// Test invocations may run longer than a flow's (at most 8 s), since a
// person debugging a function may want to see a slow one finish.
const (
	defaultTestTimeout = 8 * time.Second
	maxTestTimeout     = 900 * time.Second // Lambda's own maximum
)

// Routes returns the management API, by http.ServeMux pattern. The server
// mounts each route as a signed internal endpoint.
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /_hotline/functions":               http.HandlerFunc(s.serveList),
		"PUT /_hotline/functions/{arn}":         http.HandlerFunc(s.servePut),
		"GET /_hotline/functions/{arn}":         http.HandlerFunc(s.serveGet),
		"DELETE /_hotline/functions/{arn}":      http.HandlerFunc(s.serveDelete),
		"POST /_hotline/functions/{arn}/invoke": http.HandlerFunc(s.serveInvoke),
	}
}

// ListOutput is the answer of GET /_hotline/functions.
type ListOutput struct {
	Bindings []*Binding
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	bs, err := s.List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, &ListOutput{Bindings: bs})
}

func (s *Service) servePut(w http.ResponseWriter, r *http.Request) {
	arn := r.PathValue("arn")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b Binding
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a misspelt field must not be dropped in silence
	if err := dec.Decode(&b); err != nil {
		s.writeError(w, r, invalidParam("the body is not a binding: %v", err))
		return
	}
	if b.FunctionArn == "" {
		b.FunctionArn = arn
	}
	if b.FunctionArn != arn {
		s.writeError(w, r, invalidParam("the body's FunctionArn %s differs from the path's %s", b.FunctionArn, arn))
		return
	}
	stored, err := s.Put(r.Context(), &b)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, stored)
}

func (s *Service) serveGet(w http.ResponseWriter, r *http.Request) {
	b, err := s.Get(r.Context(), r.PathValue("arn"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, b)
}

func (s *Service) serveDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete(r.Context(), r.PathValue("arn")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveInvoke test-invokes a function: the body is the event (empty means
// {}), the answer the function's response. ?timeoutSeconds=N sets the time
// limit.
func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	timeout := defaultTestTimeout
	if v := r.URL.Query().Get("timeoutSeconds"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 || time.Duration(n*float64(time.Second)) > maxTestTimeout {
			s.writeError(w, r, invalidParam("timeoutSeconds %q must be a number of seconds above 0 and at most %v", v, maxTestTimeout.Seconds()))
			return
		}
		timeout = time.Duration(n * float64(time.Second))
	}
	event, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(bytes.TrimSpace(event)) == 0 {
		event = []byte("{}")
	}
	if !json.Valid(event) {
		s.writeError(w, r, invalidParam("the event is not JSON"))
		return
	}
	resp, err := s.TestInvoke(r.Context(), r.PathValue("arn"), event, timeout)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	edge.WriteRawJSON(w, resp)
}

// invokeErrors gives each kind of invocation failure its error code and
// HTTP status in the management API.
var invokeErrors = []struct {
	kind   error
	code   string
	status int
}{
	{ErrNoBinding, "ResourceNotFoundException", http.StatusNotFound},
	{ErrTimeout, "FunctionTimeoutException", http.StatusGatewayTimeout},
	{ErrFunction, "FunctionErrorException", http.StatusBadGateway},
	{ErrBadResponse, "InvalidResponseException", http.StatusBadGateway},
	{ErrInvocation, "FunctionInvocationException", http.StatusBadGateway},
}

var statusOf = map[string]int{
	"InvalidParameterException": http.StatusBadRequest,
	"ResourceNotFoundException": http.StatusNotFound,
}

// api answers the management API's requests in the AWS shape.
func (s *Service) api() edge.InternalAPI { return edge.InternalAPI{Log: s.log, Status: statusOf} }

// writeError answers an invocation failure with the code and status
// invokeErrors gives its kind, and any other error as edge.InternalAPI
// does.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ie *Error
	if errors.As(err, &ie) {
		for _, m := range invokeErrors {
			if errors.Is(ie, m.kind) {
				edge.WriteAPIError(w, m.status, &apierr.Error{Code: m.code, Message: ie.Error()})
				return
			}
		}
	}
	s.api().WriteError(w, r, err)
}
