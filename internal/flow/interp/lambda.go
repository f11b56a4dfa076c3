package interp

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Function invocation limits (reference §4.4, §10).
const (
	defaultFunctionTimeout = 8 * time.Second
	maxSyncTimeout         = 8 * time.Second
	maxAsyncTimeout        = 60 * time.Second
)

// functionRules are InvokeLambdaFunction's static parameters.
type functionRules struct {
	limit        time.Duration
	async        bool
	responseType string
}

func readFunctionRules(p *flow.Param) (functionRules, error) {
	fr := functionRules{responseType: "STRING_MAP"}
	if s, ok := static(p, "InvocationType"); ok {
		fr.async = strings.EqualFold(s, "ASYNCHRONOUS")
	}
	var err error
	if fr.limit, err = seconds(p, "InvocationTimeLimitSeconds", defaultFunctionTimeout); err != nil {
		return fr, err
	}
	ceiling := maxSyncTimeout
	if fr.async {
		ceiling = maxAsyncTimeout
	}
	if fr.limit <= 0 || fr.limit > ceiling {
		return fr, errors.New("InvocationTimeLimitSeconds must be more than 0 and at most " + ceiling.String())
	}
	if rv, ok := p.Get("ResponseValidation"); ok {
		if s, ok := static(rv, "ResponseType"); ok {
			switch strings.ToUpper(s) {
			case "STRING_MAP":
			case "JSON":
				fr.responseType = "JSON"
			default:
				return fr, errors.New("ResponseValidation.ResponseType " + quote(s) + " is neither STRING_MAP nor JSON")
			}
		}
	}
	return fr, nil
}

// InvokeLambdaFunction sends the Amazon Connect event to a function and,
// when synchronous, waits for its answer (reference §4.4, §6).
func (r *run) invokeFunction(a *flow.Action) outcome {
	arn, _, err := r.get(&a.Params, "LambdaFunctionARN")
	if err != nil {
		return failure(err.Error())
	}
	r.param("LambdaFunctionARN", arn)
	if arn == "" {
		return failure("no LambdaFunctionARN")
	}
	rules, err := readFunctionRules(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	payload, err := r.lambdaEvent(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	fn := InvokeFunction{FunctionARN: arn, Payload: payload, TimeLimit: rules.limit, Async: rules.async, ResponseType: rules.responseType}
	// The trace shares the event's bytes rather than copying them: nothing
	// writes to an event once built (InvokeFunction.Payload).
	r.param("Event", unsafe.String(unsafe.SliceData(payload), len(payload)))
	if rules.async {
		r.out = append(r.out, fn)
		return next("asynchronous invocation: the flow does not wait and $.External is unchanged")
	}
	w := r.park(WaitFunction, r.now.Add(rules.limit))
	fn.Seq = w.Seq
	r.out = append(r.out, fn)
	return park("waiting up to " + rules.limit.String() + " for the function")
}

func (r *run) resumeFunction(a *flow.Action, ev Event) outcome {
	rules, err := readFunctionRules(&a.Params)
	if err != nil {
		return failure(err.Error())
	}
	if ev.Kind == EventTimeout {
		return failure("the function did not answer within " + rules.limit.String())
	}
	res := ev.Function
	took := ev.Time.Sub(r.c.Wait.Since)
	if res.Duration > 0 {
		took = res.Duration
	}
	r.param("Duration", took.String())
	if res.Duration > rules.limit {
		return failure("the function took " + res.Duration.String() + "; the limit is " + rules.limit.String())
	}
	if res.Err != "" {
		return failure("the function failed: " + res.Err)
	}
	// The response's bytes serve the trace and $.External, uncopied: the
	// channel hands them over (FunctionResult.Payload).
	resp := unsafe.String(unsafe.SliceData(res.Payload), len(res.Payload))
	r.param("Response", resp)
	d, err := mapResponse(resp, rules.responseType, r.lim.MaxResponseBytes)
	if err != nil {
		return failure(err.Error())
	}
	fr := r.c.top()
	old := ""
	if fr.External != nil {
		old = fr.External.String()
	}
	fr.External = d
	r.change("External", "", old, d.String())
	return next("the function answered in " + took.String())
}

// mapResponse turns a response into $.External: a flat map of strings
// (STRING_MAP, numbers and booleans taken as their text) or any JSON
// object or array (JSON). Anything else is the action's error (reference §6).
func mapResponse(payload string, responseType string, maxBytes int) (*Data, error) {
	if len(payload) > maxBytes {
		return nil, errors.New("the response is " + strconv.Itoa(len(payload)) + " bytes; the limit is " + strconv.Itoa(maxBytes))
	}
	stringMap := responseType != "JSON"
	if stringMap {
		if d := stringMaps.get(payload); d != nil {
			return d, nil
		}
	}
	d, err := parseData(payload)
	if err != nil {
		return nil, errors.New("the response is not JSON: " + err.Error())
	}
	switch d.kind {
	case dataNull:
		return nil, errors.New("the function returned null")
	case dataObject:
	case dataArray:
		if responseType == "JSON" {
			return d, nil
		}
		return nil, errors.New("a STRING_MAP response must be an object, not an array")
	default:
		return nil, errors.New("the response must be a JSON object")
	}
	if responseType == "JSON" {
		return d, nil
	}
	for i := range d.items {
		it := &d.items[i]
		switch it.kind {
		case dataObject, dataArray:
			return nil, errors.New("a STRING_MAP response may not nest values; " + quote(d.keys[i]) + " holds one (use ResponseType JSON)")
		case dataNull:
			it.text = ""
		}
		if it.kind != dataString {
			// Written as a string now: the JSON parseData kept is not
			// the object's any more.
			it.kind, d.enc = dataString, nil
		}
	}
	stringMaps.put(payload, d)
	return d, nil
}

// lambdaEvent builds the event Amazon Connect sends (reference §6): keys in
// the order the real service writes them (alphabetical), absent optional
// strings as null, Queue null without a working queue.
func (r *run) lambdaEvent(p *flow.Param) ([]byte, error) {
	c := r.c
	// About the event's size: the rest of an event is under 1 KB (a queue
	// and references are rare), the attributes are what varies.
	var scratch [32]string
	keys, size := scratch[:0], 1024
	for k, v := range c.Attributes {
		keys = append(keys, k)
		size += len(k) + len(v) + len(`"":"",`)
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, `{"Details":{"ContactData":{"Attributes":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, c.Attributes[k])
	}
	b = append(b, `},"AwsRegion":`...)
	b = appendOptional(b, c.region())
	b = append(b, `,"Channel":`...)
	b = appendString(b, c.Channel)
	b = append(b, `,"ContactId":`...)
	b = appendString(b, c.ContactID)
	b = append(b, `,"CustomerEndpoint":`...)
	b = appendEndpoint(b, c.CustomerEndpoint)
	b = append(b, `,"CustomerId":`...)
	b = appendOptional(b, c.CustomerID)
	b = append(b, `,"Description":`...)
	b = appendOptional(b, c.Description)
	b = append(b, `,"InitialContactId":`...)
	b = appendString(b, c.InitialContactID)
	b = append(b, `,"InitiationMethod":`...)
	b = appendOptional(b, c.InitiationMethod)
	b = append(b, `,"InstanceARN":`...)
	b = appendOptional(b, c.InstanceARN)
	b = append(b, `,"LanguageCode":`...)
	b = appendString(b, c.language())
	b = append(b, `,"MediaStreams":{"Customer":{"Audio":`...)
	if m := c.MediaStreaming; !m.Started.IsZero() {
		b = append(b, `{"StartFragmentNumber":null,"StartTimestamp":`...)
		b = appendString(b, strconv.FormatInt(m.Started.UnixMilli(), 10))
		b = append(b, `,"StopTimestamp":`...)
		if m.Stopped.IsZero() {
			b = append(b, "null"...)
		} else {
			b = appendString(b, strconv.FormatInt(m.Stopped.UnixMilli(), 10))
		}
		b = append(b, `,"StreamARN":null}`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `}},"Name":`...)
	b = appendOptional(b, c.Name)
	b = append(b, `,"PreviousContactId":`...)
	prev := c.PreviousContactID
	if prev == "" {
		prev = c.ContactID
	}
	b = appendString(b, prev)
	b = append(b, `,"Queue":`...)
	if q := c.Queue; q.ID != "" {
		b = append(b, `{"ARN":`...)
		b = appendString(b, q.ARN)
		b = append(b, `,"Name":`...)
		b = appendString(b, q.Name)
		b = append(b, `,"OutboundCallerId":`...)
		b = appendEndpoint(b, Endpoint{Address: q.OutboundCallerIDNumber})
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"References":{`...)
	if len(c.References) > 0 {
		names := make([]string, 0, len(c.References))
		for k := range c.References {
			names = append(names, k)
		}
		slices.Sort(names)
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			ref := c.References[k]
			b = appendString(b, k)
			b = append(b, `:{"Type":`...)
			b = appendString(b, ref.Type)
			b = append(b, `,"Value":`...)
			b = appendString(b, ref.Value)
			b = append(b, '}')
		}
	}
	b = append(b, `},"SystemEndpoint":`...)
	b = appendEndpoint(b, c.SystemEndpoint)
	b = append(b, `},"Parameters":{`...)
	if attrs, ok := p.Get("LambdaInvocationAttributes"); ok && attrs.Kind == flow.ParamObject {
		for i := range attrs.Fields {
			f := &attrs.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, f.Name)
			b = append(b, ':')
			var err error
			if f.Param.Kind == flow.ParamNumber || f.Param.Kind == flow.ParamBool {
				// Parameters are strings on the wire whatever the JSON said.
				b = appendString(b, f.Param.Value.String())
				continue
			}
			if b, err = r.appendParam(b, &f.Param); err != nil {
				return nil, errors.New("LambdaInvocationAttributes." + f.Name + ": " + err.Error())
			}
		}
	}
	b = append(b, `}},"Name":"ContactFlowEvent"}`...)
	return b, nil
}

func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendEndpoint(b []byte, e Endpoint) []byte {
	if e.Address == "" {
		return append(b, "null"...)
	}
	b = append(b, `{"Address":`...)
	b = appendString(b, e.Address)
	b = append(b, `,"Type":`...)
	b = appendString(b, e.typ())
	return append(b, '}')
}

// stringMaps keeps the STRING_MAP responses decoded lately, by their text,
// for the contacts that get the same answer again: a configuration lookup
// answers every caller of a menu alike, and decoding the answer (an object
// of some twenty strings, allocated member by member) was a tenth of a
// simulated call. A Data kept here is shared by contacts, on any
// goroutine, so it must never change: a STRING_MAP response is a flat
// object of strings, whose only lazily written parts (its JSON, with and
// without HTML escaping) are written before it is kept, and which nothing
// writes to afterwards ($.External is replaced, never modified).
var stringMaps responseCache

// The bounds of the cache: answers of up to maxCachedResponse bytes, and
// up to maxCachedResponses of them, after which it starts again empty.
const (
	maxCachedResponse  = 4 << 10
	maxCachedResponses = 1024
)

type responseCache struct {
	m atomic.Pointer[sync.Map] // response text → *Data
	n atomic.Int32             // responses stored in m
}

// get is the Data decoded from the response s, or nil.
func (c *responseCache) get(s string) *Data {
	if m := c.m.Load(); m != nil {
		if d, ok := m.Load(s); ok {
			return d.(*Data)
		}
	}
	return nil
}

// put keeps d, decoded from s (which is never modified: FunctionResult.Payload).
func (c *responseCache) put(s string, d *Data) {
	if len(s) > maxCachedResponse {
		return
	}
	// Written now, once: a shared Data may not be written to.
	_ = d.String()
	d.prepareHTML()
	m := c.m.Load()
	if m == nil || c.n.Add(1) > maxCachedResponses {
		m = new(sync.Map)
		c.m.Store(m)
		c.n.Store(1)
	}
	m.Store(s, d)
}
