package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
)

// Service is one AWS service served on the edge: its model, the error codes
// it uses for bad input and internal failures, and its operation handlers.
type Service struct {
	Model *awsmodel.Service
	// ValidationError is the code for a request member that breaks the
	// model's constraints (InvalidParameterException for Connect,
	// BadRequestException for Customer Profiles).
	ValidationError string
	// InternalError is the code for an unexpected failure
	// (InternalServiceException for Connect, InternalServerException for
	// Customer Profiles).
	InternalError string
	// ThrottleErrors names the error a throttled operation answers, where
	// it is not ThrottlingException (Connect's StartOutboundVoiceContact
	// answers TooManyRequestsException).
	ThrottleErrors map[string]string

	handlers map[string]opHandler
	mux      *http.ServeMux // rest-json routing, built from the model
	server   *Server        // set by Server.Register
}

// opHandler runs one operation on a decoded, validated request.
type opHandler func(ctx context.Context, req *request) (any, error)

// request is a decoded operation request: the document validation sees
// (every member by member name), the raw JSON body, and the members bound
// to the URI, query string and headers.
type request struct {
	doc   map[string]any
	body  []byte
	bound map[string]any
}

// NewService returns a service whose every model operation is routed; the
// ones without a handler answer 501 naming the operation.
func NewService(model *awsmodel.Service, validationError, internalError string) *Service {
	s := &Service{
		Model:           model,
		ValidationError: validationError,
		InternalError:   internalError,
		handlers:        map[string]opHandler{},
	}
	if model.Metadata.Protocol == "rest-json" {
		s.mux = http.NewServeMux()
		for _, name := range model.OperationNames() {
			op := model.Operations[name]
			path, _, _ := strings.Cut(op.HTTP.RequestURI, "?")
			path = strings.ReplaceAll(path, "+}", "...}")
			s.mux.Handle(op.HTTP.Method+" "+path, opRoute{svc: s, op: op})
		}
		s.mux.Handle("/", opRoute{svc: s})
	}
	return s
}

// opRoute is what the rest-json mux resolves a request to; routing through
// the mux (rather than asking it) is what fills in r.PathValue.
type opRoute struct {
	svc *Service
	op  *awsmodel.Operation // nil: no operation matches
}

func (o opRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o.op == nil {
		o.svc.server.reject(w, r, o.svc, o.svc.Model.Metadata.SigningName, apierr.New("UnknownOperationException",
			"%s has no operation at %s %s", o.svc.Model.Metadata.ServiceID, r.Method, r.URL.Path))
		return
	}
	o.svc.server.run(w, r, o.svc, o.op)
}

// Handle registers fn as the handler of operation op. In and Out are the
// operation's generated input and output types.
func Handle[In, Out any](s *Service, op string, fn func(ctx context.Context, in *In) (*Out, error)) {
	o, ok := s.Model.Operations[op]
	if !ok {
		panic(fmt.Sprintf("edge: the %s model has no operation %q", s.Model.Metadata.ServiceID, op))
	}
	fields := boundFields(s.Model, o, reflect.TypeFor[In]())
	s.handlers[op] = func(ctx context.Context, req *request) (any, error) {
		in := new(In)
		// The generated types carry the body's wire names, so the body
		// decodes straight into them; bound members are set by field.
		if len(req.body) > 0 && len(req.doc) > len(req.bound) {
			if err := json.Unmarshal(req.body, in); err != nil {
				return nil, apierr.New(s.ValidationError, "the request could not be read: %v", err)
			}
		}
		v := reflect.ValueOf(in).Elem()
		// A member the model binds to the URI, query or a header is read
		// from there only, never from a body member of the same name.
		for name, idx := range fields {
			f := v.Field(idx)
			f.SetZero()
			if val, ok := req.bound[name]; ok {
				setField(f, val)
			}
		}
		out, err := fn(ctx, in)
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}
}

// boundFields maps the input's URI, query-string and header members to the
// index of their field in the generated type.
func boundFields(m *awsmodel.Service, op *awsmodel.Operation, t reflect.Type) map[string]int {
	fields := map[string]int{}
	if op.Input == nil || t.Kind() != reflect.Struct {
		return fields
	}
	for name, ref := range m.Shapes[op.Input.Shape].Members {
		if ref.Location == "" {
			continue
		}
		f, ok := t.FieldByName(strings.ToUpper(name[:1]) + name[1:])
		if !ok {
			panic(fmt.Sprintf("edge: %s has no field for member %s", t, name))
		}
		fields[name] = f.Index[0]
	}
	return fields
}

// setField stores a coerced URI, query or header value in a generated
// field. Validation has already checked the value against the model.
func setField(f reflect.Value, val any) {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		setField(p.Elem(), val)
		f.Set(p)
		return
	}
	switch f.Kind() {
	case reflect.String:
		if s, ok := val.(string); ok {
			f.SetString(s)
		}
	case reflect.Int32, reflect.Int64:
		if n, ok := val.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				f.SetInt(i)
			}
		}
	case reflect.Float64:
		if n, ok := val.(json.Number); ok {
			if x, err := n.Float64(); err == nil {
				f.SetFloat(x)
			}
		}
	case reflect.Bool:
		if b, ok := val.(bool); ok {
			f.SetBool(b)
		}
	case reflect.Slice:
		items, _ := val.([]any)
		sl := reflect.MakeSlice(f.Type(), len(items), len(items))
		for i, item := range items {
			setField(sl.Index(i), item)
		}
		f.Set(sl)
	}
}

func (s *Service) throttleError(op string) string {
	if code, ok := s.ThrottleErrors[op]; ok {
		return code
	}
	return "ThrottlingException"
}

// Implemented returns the names of the operations that have handlers, sorted.
func (s *Service) Implemented() []string {
	names := make([]string, 0, len(s.handlers))
	for n := range s.handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// jsonOperation finds the operation a JSON 1.0/1.1 request names in its
// X-Amz-Target header (POST / with X-Amz-Target: <prefix>.<Operation>).
func (s *Service) jsonOperation(r *http.Request) (*awsmodel.Operation, error) {
	target := r.Header.Get("X-Amz-Target")
	prefix, name, ok := strings.Cut(target, ".")
	if !ok || prefix != s.Model.Metadata.TargetPrefix || r.Method != http.MethodPost {
		return nil, apierr.New("UnknownOperationException", "%s has no operation %q (X-Amz-Target)", s.Model.Metadata.ServiceID, target)
	}
	op, found := s.Model.Operations[name]
	if !found {
		return nil, apierr.New("UnknownOperationException", "%s has no operation %q", s.Model.Metadata.ServiceID, name)
	}
	return op, nil
}

// decode builds the request document of op from the HTTP request: body
// members from the JSON body, and URI, query-string and header members
// from where the model binds them, keyed by member name.
func (s *Service) decode(op *awsmodel.Operation, r *http.Request, body []byte) (*request, error) {
	doc := map[string]any{}
	req := &request{doc: doc, body: body, bound: map[string]any{}}
	if op.Input == nil {
		return req, nil
	}
	shape := s.Model.Shapes[op.Input.Shape]
	if len(bytes.TrimSpace(body)) > 0 && hasBodyMembers(shape) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, apierr.New("SerializationException", "the request body is not valid JSON: %v", err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, apierr.New("SerializationException", "the request body must be a JSON object")
		}
		for name, ref := range shape.Members {
			if ref.Location != "" {
				continue
			}
			wire := name
			if ref.LocationName != "" {
				wire = ref.LocationName
			}
			if x, ok := m[wire]; ok {
				doc[name] = x
			}
		}
	}
	var query url.Values
	for name, ref := range shape.Members {
		switch ref.Location {
		case "uri":
			if v := r.PathValue(ref.LocationName); v != "" {
				doc[name] = coerce(s.Model.Shapes[ref.Shape], v)
			}
		case "querystring":
			if query == nil {
				query = r.URL.Query()
			}
			vals, ok := query[ref.LocationName]
			if !ok {
				continue
			}
			if sh := s.Model.Shapes[ref.Shape]; sh.Type == "list" {
				items := make([]any, len(vals))
				for i, v := range vals {
					items[i] = coerce(s.Model.Shapes[sh.Member.Shape], v)
				}
				doc[name] = items
			} else {
				doc[name] = coerce(sh, vals[0])
			}
		case "header":
			if v := r.Header.Get(ref.LocationName); v != "" {
				doc[name] = coerce(s.Model.Shapes[ref.Shape], v)
			}
		}
		if v, ok := doc[name]; ok && ref.Location != "" {
			req.bound[name] = v
		}
	}
	return req, nil
}

func hasBodyMembers(sh *awsmodel.Shape) bool {
	for _, ref := range sh.Members {
		if ref.Location == "" {
			return true
		}
	}
	return false
}

// coerce turns a string from the URI, query or a header into the JSON value
// its shape expects; a value that does not parse is left as a string so that
// validation names it.
func coerce(sh *awsmodel.Shape, v string) any {
	if sh == nil {
		return v
	}
	switch sh.Type {
	case "integer", "long", "double", "float":
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(v)
		}
	case "boolean":
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return v
}

// encode renders an operation's output: the body as JSON, and members the
// model binds to headers or the status code moved there.
func (s *Service) encode(op *awsmodel.Operation, out any) (status int, header http.Header, body []byte, err error) {
	status = http.StatusOK
	if op.HTTP.ResponseCode != 0 {
		status = op.HTTP.ResponseCode
	}
	if out == nil {
		return status, nil, []byte("{}"), nil
	}
	body, err = json.Marshal(out)
	if err != nil || op.Output == nil {
		return status, nil, body, err
	}
	shape := s.Model.Shapes[op.Output.Shape]
	if !hasNonBodyMembers(shape) {
		return status, nil, body, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return 0, nil, nil, err
	}
	header = http.Header{}
	for name, ref := range shape.Members {
		raw, ok := m[name]
		if !ok || ref.Location == "" {
			continue
		}
		delete(m, name)
		switch ref.Location {
		case "statusCode":
			if n, err := strconv.Atoi(string(raw)); err == nil {
				status = n
			}
		case "header":
			var v any
			_ = json.Unmarshal(raw, &v)
			header.Set(ref.LocationName, fmt.Sprint(v))
		}
	}
	body, err = json.Marshal(m)
	return status, header, body, err
}

func hasNonBodyMembers(sh *awsmodel.Shape) bool {
	for _, ref := range sh.Members {
		if ref.Location != "" {
			return true
		}
	}
	return false
}
