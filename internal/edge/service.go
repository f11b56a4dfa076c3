package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

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
	codecs   map[string]*codec // by operation name
	mux      *http.ServeMux    // rest-json routing, built from the model
	server   *Server           // set by Server.Register
}

// opHandler runs one operation on a decoded, validated request.
type opHandler func(ctx context.Context, req *request) (any, error)

// request is a decoded operation request: the document validation sees
// (every member by member name), the raw JSON body, and the members bound
// to the URI, query string and headers.
type request struct {
	doc  map[string]any
	body []byte
	// parsed is the body's JSON object, members by wire name.
	parsed map[string]any
	// hasBody says the document holds at least one body member.
	hasBody bool
	// exact says parsed is the whole body, read exactly as encoding/json
	// reads it into a struct (no repeated keys, nothing after the value),
	// and the body has no member other than the input's body members, so
	// the typed input can be filled from parsed rather than by decoding the
	// body again. (Where parsed doubles as doc it also holds the bound
	// members decode adds; the filler skips them.)
	exact bool
	// bound holds the URI, query-string and header members, in the order
	// of the operation's codec.bound; nil where the request has none.
	bound    []any
	boundBuf [4]any
}

// codec is what decoding and encoding one operation needs from the model,
// worked out once when the service is built rather than on every request.
type codec struct {
	op    *awsmodel.Operation
	input *awsmodel.Shape // nil: the operation takes no input
	// hasBody says the input has members carried in the JSON body.
	hasBody bool
	// body maps the wire name of each body member to its member name.
	body map[string]string
	// bodyIsDoc says every body member's wire name is its member name, so
	// the parsed body can serve as the validation document itself.
	bodyIsDoc bool
	// located names every member bound elsewhere than the body (URI, query
	// string, headers, ...).
	located map[string]bool
	// keys holds the body members' wire names, so that parsing a body
	// reuses these strings for its top-level keys instead of allocating.
	keys map[string]string
	// bound lists the members read from the URI, query string or a header.
	bound []boundMember
	// output is the output shape when some of its members leave the body
	// (headers, the status code); nil when the whole output is the body.
	output *awsmodel.Shape
	// metrics caches the operation's metric series.
	metrics atomic.Pointer[opMetrics]
}

// boundMember is one input member bound to the URI, query string or a header.
type boundMember struct {
	name     string
	location string
	key      string          // the label, query key or canonical header name
	shape    *awsmodel.Shape // the member's shape (nil if the model lacks it)
	item     *awsmodel.Shape // a query list's item shape
}

func newCodec(m *awsmodel.Service, op *awsmodel.Operation) *codec {
	c := &codec{op: op, body: map[string]string{}, bodyIsDoc: true, located: map[string]bool{}, keys: map[string]string{}}
	if op.Output != nil {
		if sh := m.Shapes[op.Output.Shape]; sh != nil && hasNonBodyMembers(sh) {
			c.output = sh
		}
	}
	if op.Input == nil {
		return c
	}
	c.input = m.Shapes[op.Input.Shape]
	if c.input == nil {
		return c // a model naming a shape it lacks: nothing to read
	}
	// Sorted, so that the codec (and the order bound members are read in)
	// does not depend on map iteration.
	names := make([]string, 0, len(c.input.Members))
	for name := range c.input.Members {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ref := c.input.Members[name]
		if ref.Location == "" {
			c.hasBody = true
			wire := name
			if ref.LocationName != "" {
				wire = ref.LocationName
			}
			c.body[wire] = name
			c.keys[wire] = wire
			if wire != name {
				c.bodyIsDoc = false
			}
			continue
		}
		c.located[name] = true
		b := boundMember{name: name, location: ref.Location, key: ref.LocationName, shape: m.Shapes[ref.Shape]}
		switch ref.Location {
		case "uri":
		case "querystring":
			if b.shape != nil && b.shape.Type == "list" && b.shape.Member != nil {
				b.item = m.Shapes[b.shape.Member.Shape]
			}
		case "header":
			b.key = textproto.CanonicalMIMEHeaderKey(ref.LocationName)
		default:
			continue // not read from the request (headers maps, status codes)
		}
		c.bound = append(c.bound, b)
	}
	return c
}

// NewService returns a service whose every model operation is routed; the
// ones without a handler answer 501 naming the operation.
func NewService(model *awsmodel.Service, validationError, internalError string) *Service {
	s := &Service{
		Model:           model,
		ValidationError: validationError,
		InternalError:   internalError,
		handlers:        map[string]opHandler{},
		codecs:          map[string]*codec{},
	}
	for name, op := range model.Operations {
		s.codecs[name] = newCodec(model, op)
	}
	if model.Metadata.Protocol == "rest-json" {
		s.mux = http.NewServeMux()
		for _, name := range model.OperationNames() {
			op := model.Operations[name]
			path, _, _ := strings.Cut(op.HTTP.RequestURI, "?")
			path = strings.ReplaceAll(path, "+}", "...}")
			s.mux.Handle(op.HTTP.Method+" "+path, opRoute{svc: s, c: s.codecs[name]})
		}
		s.mux.Handle("/", opRoute{svc: s})
	}
	return s
}

// opRoute is what the rest-json mux resolves a request to; routing through
// the mux (rather than asking it) is what fills in r.PathValue.
type opRoute struct {
	svc *Service
	c   *codec // nil: no operation matches
}

func (o opRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o.c == nil {
		o.svc.server.reject(w, r, o.svc, o.svc.Model.Metadata.SigningName, apierr.New("UnknownOperationException",
			"%s has no operation at %s %s", o.svc.Model.Metadata.ServiceID, r.Method, r.URL.Path))
		return
	}
	o.svc.server.run(w, r, o.svc, o.c)
}

// Handle registers fn as the handler of operation op. In and Out are the
// operation's generated input and output types.
func Handle[In, Out any](s *Service, op string, fn func(ctx context.Context, in *In) (*Out, error)) {
	o, ok := s.Model.Operations[op]
	if !ok {
		panic(fmt.Sprintf("edge: the %s model has no operation %q", s.Model.Metadata.ServiceID, op))
	}
	t := reflect.TypeFor[In]()
	c := s.codecs[op]
	located := locatedFields(s.Model, o, t)
	bound := make([]int, len(c.bound))
	for i, b := range c.bound {
		bound[i] = located[b.name]
	}
	clearFields := make([]int, 0, len(located))
	for _, idx := range located {
		clearFields = append(clearFields, idx)
	}
	fill := newFiller(c, t)
	s.handlers[op] = func(ctx context.Context, req *request) (any, error) {
		in := new(In)
		v := reflect.ValueOf(in).Elem()
		// The generated types carry the body's wire names, so the body
		// decodes straight into them; when the request's body was read
		// exactly, its members are already decoded and set field by field.
		if req.hasBody {
			if !req.exact || !fill.fill(v, req.parsed) {
				var zero In
				*in = zero
				if err := json.Unmarshal(req.body, in); err != nil {
					return nil, apierr.New(s.ValidationError, "the request could not be read: %v", err)
				}
			}
		}
		// A member the model binds to the URI, query or a header is read
		// from there only, never from a body member of the same name.
		for _, idx := range clearFields {
			v.Field(idx).SetZero()
		}
		for i, val := range req.bound {
			if val != nil {
				setField(v.Field(bound[i]), val)
			}
		}
		out, err := fn(ctx, in)
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}
}

// locatedFields maps the input's URI, query-string and header members to the
// index of their field in the generated type.
func locatedFields(m *awsmodel.Service, op *awsmodel.Operation, t reflect.Type) map[string]int {
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

// decode builds the request document of the operation c describes from the
// HTTP request: body members from the JSON body, and URI, query-string and
// header members from where the model binds them, keyed by member name.
func (s *Service) decode(c *codec, r *http.Request, body []byte, req *request) error {
	req.body = body
	if c.input == nil {
		req.doc = map[string]any{}
		return nil
	}
	if c.hasBody && len(bytes.TrimSpace(body)) > 0 {
		v, exact := parseDoc(body, c.keys)
		if !exact {
			// parseDoc declined: encoding/json decides, in its own words.
			var slow any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&slow); err != nil {
				return apierr.New("SerializationException", "the request body is not valid JSON: %v", err)
			}
			v = slow
		}
		m, ok := v.(map[string]any)
		if !ok {
			return apierr.New("SerializationException", "the request body must be a JSON object")
		}
		req.parsed, req.exact = m, exact
		if c.bodyIsDoc {
			// The body is the document once members bound elsewhere are
			// dropped; members the model does not know are left in, as
			// validation looks only at the model's members.
			for k := range m {
				if _, ok := c.body[k]; ok {
					req.hasBody = true
					continue
				}
				req.exact = false // an unknown member, or a located one
				if c.located[k] {
					delete(m, k)
				}
			}
			req.doc = m
		} else {
			req.doc = make(map[string]any, len(c.body)+len(c.bound))
			for k, x := range m {
				if name, ok := c.body[k]; ok {
					req.doc[name] = x
					req.hasBody = true
				} else {
					req.exact = false // an unknown member, or a located one
				}
			}
		}
	}
	if req.doc == nil {
		req.doc = make(map[string]any, len(c.bound))
	}
	if len(c.bound) == 0 {
		return nil
	}
	req.bound = req.boundBuf[:0]
	if len(c.bound) > len(req.boundBuf) {
		req.bound = make([]any, 0, len(c.bound))
	}
	var query url.Values
	for _, b := range c.bound {
		var val any
		switch b.location {
		case "uri":
			if v := r.PathValue(b.key); v != "" {
				val = coerce(b.shape, v)
			}
		case "querystring":
			if query == nil {
				query = r.URL.Query()
			}
			vals, ok := query[b.key]
			if !ok {
				break
			}
			if b.shape != nil && b.shape.Type == "list" {
				items := make([]any, len(vals))
				for i, v := range vals {
					items[i] = coerce(b.item, v)
				}
				val = items
			} else {
				val = coerce(b.shape, vals[0])
			}
		case "header":
			if v := r.Header[b.key]; len(v) > 0 && v[0] != "" {
				val = coerce(b.shape, v[0])
			}
		}
		if val != nil {
			req.doc[b.name] = val
		}
		req.bound = append(req.bound, val)
	}
	return nil
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

// JSONAppender is an output that writes its own JSON body, compact, valid
// and in the model's shape. encode sends it as it is, sparing a large
// answer encoding/json's reflection and the compaction encoding/json runs
// over a Marshaler's output. Outputs with members bound to headers or the
// status code still go through encoding/json.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// encode renders an operation's output: the body as JSON, and members the
// model binds to headers or the status code moved there.
func (s *Service) encode(c *codec, out any) (status int, header http.Header, body []byte, err error) {
	op := c.op
	status = http.StatusOK
	if op.HTTP.ResponseCode != 0 {
		status = op.HTTP.ResponseCode
	}
	if out == nil {
		return status, nil, []byte("{}"), nil
	}
	if a, ok := out.(JSONAppender); ok && c.output == nil {
		body, err = a.AppendJSON(nil)
		return status, nil, body, err
	}
	body, err = json.Marshal(out)
	if err != nil || c.output == nil {
		return status, nil, body, err
	}
	shape := c.output
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
