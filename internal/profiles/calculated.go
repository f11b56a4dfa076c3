package profiles

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// Calculated attributes. A definition names one object type, one or two of
// its fields combined by an expression, a statistic, and conditions (a time
// window, how many objects, a threshold). Hotline stores the definitions
// and computes a value on every read from the profile's objects of that
// type, so ingestion does no extra work and a value is always current.

// maxCalcAttributes is how many fields one definition may read: "at most
// two fields from that ObjectType", says the API reference (the model
// allows a list of 50).
const maxCalcAttributes = 2

// maxCalcObjectCount is the largest ObjectCount (CloudFormation's maximum;
// the model sets none).
const maxCalcObjectCount = 100

func calcPrefix(dom string) string    { return domainPrefix(dom) + "ca/" }
func calcKey(dom, name string) string { return calcPrefix(dom) + name }

// calcDefinition is a calculated attribute definition as stored.
type calcDefinition struct {
	Name              string
	DisplayName       *string `json:",omitempty"`
	Description       *string `json:",omitempty"`
	AttributeDetails  *api.AttributeDetails
	Statistic         string
	Conditions        *api.Conditions   `json:",omitempty"`
	UseHistoricalData *bool             `json:",omitempty"`
	Tags              map[string]string `json:",omitempty"`
	CreatedAt         time.Time
	LastUpdatedAt     time.Time
}

// calcPlan is a definition ready to compute.
type calcPlan struct {
	def       *calcDefinition
	expr      *calcExpr
	window    *calcWindow
	tsField   string      // TimestampSource as written after the type: a field name or a path
	tsPath    *sourceExpr // TimestampSource as a path in the object; nil without one
	tsFormat  string
	count     int // ObjectCount; 0 is every object
	threshold *api.Threshold
}

// calcWindow is a time window in days back from now: objects from start
// days ago to end days ago count (negative days are in the future).
type calcWindow struct{ start, end int32 }

func (w *calcWindow) contains(at, now time.Time) bool {
	now = now.UTC()
	from, to := now.AddDate(0, 0, -int(w.start)), now.AddDate(0, 0, -int(w.end))
	return !at.Before(from) && !at.After(to)
}

// compile checks everything of a definition that does not depend on the
// domain's object types.
func (d *calcDefinition) compile() (*calcPlan, error) {
	ad := d.AttributeDetails
	if ad == nil {
		return nil, badRequest("AttributeDetails is required")
	}
	expr, err := parseCalcExpr(ad.Expression)
	if err != nil {
		return nil, badRequest("AttributeDetails.Expression %q is not valid: %v", ad.Expression, err)
	}
	if n := len(ad.Attributes); n == 0 || n > maxCalcAttributes {
		return nil, badRequest("AttributeDetails lists %d attributes; a calculated attribute reads one or two fields of its object type", n)
	}
	var names []string
	for _, a := range ad.Attributes {
		if a == nil || a.Name == "" {
			return nil, badRequest("every AttributeDetails.Attributes item needs a Name")
		}
		if slices.Contains(names, a.Name) {
			return nil, badRequest("AttributeDetails lists the attribute %s twice", a.Name)
		}
		if !slices.Contains(expr.fields, a.Name) {
			return nil, badRequest("AttributeDetails lists the attribute %s, which Expression %q does not use", a.Name, ad.Expression)
		}
		names = append(names, a.Name)
	}
	for _, f := range expr.fields {
		if !slices.Contains(names, f) {
			return nil, badRequest("Expression %q uses {%s.%s}, which AttributeDetails.Attributes does not list", ad.Expression, expr.typ, f)
		}
	}
	switch d.Statistic {
	case statFirst, statLast, statCount, statSum, statMin, statMax, statAverage, statMode:
	default:
		return nil, badRequest("Statistic %q is not one of the model's statistics", d.Statistic)
	}
	p := &calcPlan{def: d, expr: expr}
	if err := p.conditions(d.Conditions); err != nil {
		return nil, err
	}
	return p, nil
}

// conditions checks and compiles a definition's Conditions.
func (p *calcPlan) conditions(c *api.Conditions) error {
	if c == nil {
		return nil
	}
	if c.ObjectCount != nil {
		n := *c.ObjectCount
		if n < 1 || n > maxCalcObjectCount {
			return badRequest("Conditions.ObjectCount is %d; it must be from 1 to %d", n, maxCalcObjectCount)
		}
		p.count = int(n)
	}
	if th := c.Threshold; th != nil {
		switch th.Operator {
		case opEqual, opNotEqual:
		case opGreater, opLess:
			if _, ok := parseNumber(th.Value); !ok {
				return badRequest("Conditions.Threshold.Value %q must be a number for %s", th.Value, th.Operator)
			}
		default:
			return badRequest("Conditions.Threshold.Operator %q is not one of the model's operators", th.Operator)
		}
		p.threshold = th
	}
	if r := c.Range; r != nil {
		w, err := rangeWindow(r.Unit, r.Value, r.ValueRange)
		if err != nil {
			return err
		}
		p.window = w
		if err := p.timestamp(r.TimestampSource, r.TimestampFormat); err != nil {
			return err
		}
	}
	return nil
}

// rangeWindow is the window of a Range: ValueRange if given, else the
// last Value days.
func rangeWindow(unit *string, value *int32, vr *api.ValueRange) (*calcWindow, error) {
	if unit == nil {
		return nil, badRequest("Conditions.Range.Unit is required (DAYS)")
	}
	if *unit != "DAYS" {
		return nil, badRequest("Conditions.Range.Unit %q is not DAYS, the only unit", *unit)
	}
	switch {
	case vr != nil:
		return overrideWindow(vr.Start, vr.End)
	case value != nil:
		if *value < 0 {
			return nil, badRequest("Conditions.Range.Value %d is negative", *value)
		}
		return &calcWindow{start: *value}, nil
	}
	return nil, badRequest("Conditions.Range needs Value or ValueRange")
}

// overrideWindow is the window from start to end days ago.
func overrideWindow(start, end int32) (*calcWindow, error) {
	if start < end {
		return nil, badRequest("the range starts %d days ago and ends %d days ago: the start must not be after the end "+
			"(positive numbers are days in the past, negative ones days in the future)", start, end)
	}
	return &calcWindow{start: start, end: end}, nil
}

// timestamp compiles Range.TimestampSource and TimestampFormat.
func (p *calcPlan) timestamp(source, format *string) error {
	if format != nil {
		if source == nil {
			return badRequest("Conditions.Range.TimestampFormat needs a TimestampSource")
		}
		if *format != tsEpoch && *format != tsISO {
			return badRequest("Conditions.Range.TimestampFormat %q must be %s or %s", *format, tsEpoch, tsISO)
		}
		p.tsFormat = *format
	}
	if source == nil {
		return nil
	}
	ref, opened := strings.CutPrefix(*source, "{")
	ref, closed := strings.CutSuffix(ref, "}")
	if !opened || !closed {
		return badRequest("Conditions.Range.TimestampSource %q must be written {%s.<field or path>}", *source, p.expr.typ)
	}
	typ, path, _ := strings.Cut(ref, ".")
	if typ != p.expr.typ || path == "" {
		return badRequest("Conditions.Range.TimestampSource %q must name a field or path of %s, the object type of Expression, as {%s.<field or path>}",
			*source, p.expr.typ, p.expr.typ)
	}
	expr, err := parseSource("_source." + path)
	if err != nil {
		return badRequest("Conditions.Range.TimestampSource %q is not a path in the object: %v", *source, err)
	}
	p.tsField, p.tsPath = path, expr
	return nil
}

// checkCalcType checks the plan against the domain's object types: the type
// must exist (or be a template used implicitly) and define every field the
// expression reads.
func checkCalcType(tx store.Tx, dom string, p *calcPlan) error {
	t, ok, err := readType(tx, dom, p.expr.typ)
	if err != nil {
		return err
	}
	if !ok {
		if t = implicitType(p.expr.typ); t == nil {
			return notFound("ObjectType %s does not exist in domain %s", p.expr.typ, dom)
		}
	}
	for _, f := range p.expr.fields {
		if _, ok := t.Fields[f]; !ok {
			return badRequest("Expression reads the field %s, which ObjectType %s does not define", f, t.Name)
		}
	}
	return nil
}

func (s *Service) registerCalculated(e *edge.Service) {
	handle(s, e, "CreateCalculatedAttributeDefinition", s.createCalculated)
	handle(s, e, "GetCalculatedAttributeDefinition", s.getCalculated)
	handle(s, e, "UpdateCalculatedAttributeDefinition", s.updateCalculated)
	handle(s, e, "DeleteCalculatedAttributeDefinition", s.deleteCalculated)
	handle(s, e, "ListCalculatedAttributeDefinitions", s.listCalculated)
	handle(s, e, "GetCalculatedAttributeForProfile", s.getCalculatedForProfile)
	handle(s, e, "ListCalculatedAttributesForProfile", s.listCalculatedForProfile)
	handle(s, e, "BatchGetCalculatedAttributeForProfile", s.batchGetCalculatedForProfile)
}

func (s *Service) createCalculated(ctx context.Context, in *api.CreateCalculatedAttributeDefinitionRequest) (*api.CreateCalculatedAttributeDefinitionResponse, error) {
	if in.Filter != nil {
		return nil, badRequest("Filter: Hotline does not support calculated attribute filters yet; " +
			"leave Filter out (every object of the type then counts)")
	}
	d := &calcDefinition{
		Name: in.CalculatedAttributeName, DisplayName: in.DisplayName, Description: in.Description,
		AttributeDetails: in.AttributeDetails, Statistic: in.Statistic, Conditions: in.Conditions,
		UseHistoricalData: in.UseHistoricalData, Tags: in.Tags,
	}
	p, err := d.compile()
	if err != nil {
		return nil, err
	}
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		if err := checkCalcType(tx, in.DomainName, p); err != nil {
			return err
		}
		key := calcKey(in.DomainName, d.Name)
		found, err := store.Exists(tx, key)
		if err != nil {
			return err
		}
		if found {
			return badRequest("calculated attribute %s already exists in domain %s", d.Name, in.DomainName)
		}
		quota := s.cfg.Quotas.CalculatedAttributesPerDomain
		if n := len(scanKeys(tx, calcPrefix(in.DomainName), quota)); n >= quota {
			return badRequest("domain %s already has %d calculated attribute definitions, its quota", in.DomainName, n)
		}
		now := s.clock.Now().UTC()
		d.CreatedAt, d.LastUpdatedAt = now, now
		return store.PutJSON(tx, key, d)
	})
	if err != nil {
		return nil, err
	}
	// The model gives Create the same answer as Get.
	return (*api.CreateCalculatedAttributeDefinitionResponse)(d.output()), nil
}

// output renders a definition as GetCalculatedAttributeDefinition answers
// it. The values are computed on read, so a definition is complete at
// once, historical data included.
func (d *calcDefinition) output() *api.GetCalculatedAttributeDefinitionResponse {
	return &api.GetCalculatedAttributeDefinitionResponse{
		CalculatedAttributeName: ptr(d.Name), DisplayName: d.DisplayName, Description: d.Description,
		AttributeDetails: d.AttributeDetails, Conditions: d.Conditions, Statistic: ptr(d.Statistic),
		CreatedAt: awsmodel.NewTimestamp(d.CreatedAt), LastUpdatedAt: awsmodel.NewTimestamp(d.LastUpdatedAt),
		UseHistoricalData: d.UseHistoricalData, Status: ptr("COMPLETED"),
		Readiness: &api.Readiness{ProgressPercentage: ptr(int32(100))}, Tags: d.Tags,
	}
}

// readCalc reads a definition, answering 404 for an unknown domain or name.
func readCalc(tx store.Tx, dom, name string) (*calcDefinition, error) {
	if err := domainExists(tx, dom); err != nil {
		return nil, err
	}
	d, ok, err := store.GetJSON[calcDefinition](tx, calcKey(dom, name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("calculated attribute %s does not exist in domain %s", name, dom)
	}
	return d, nil
}

func (s *Service) getCalculated(ctx context.Context, in *api.GetCalculatedAttributeDefinitionRequest) (*api.GetCalculatedAttributeDefinitionResponse, error) {
	var out *api.GetCalculatedAttributeDefinitionResponse
	err := s.db.View(ctx, func(tx store.Tx) error {
		d, err := readCalc(tx, in.DomainName, in.CalculatedAttributeName)
		if err != nil {
			return err
		}
		out = d.output()
		return nil
	})
	return out, err
}

func (s *Service) updateCalculated(ctx context.Context, in *api.UpdateCalculatedAttributeDefinitionRequest) (*api.UpdateCalculatedAttributeDefinitionResponse, error) {
	var d *calcDefinition
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		var err error
		if d, err = readCalc(tx, in.DomainName, in.CalculatedAttributeName); err != nil {
			return err
		}
		// Members absent from the request keep their value; Conditions
		// sent replace the definition's whole block.
		if in.DisplayName != nil {
			d.DisplayName = in.DisplayName
		}
		if in.Description != nil {
			d.Description = in.Description
		}
		if in.Conditions != nil {
			d.Conditions = in.Conditions
		}
		// The expression (and so its type) cannot change here.
		if _, err := d.compile(); err != nil {
			return err
		}
		d.LastUpdatedAt = s.clock.Now().UTC()
		return store.PutJSON(tx, calcKey(in.DomainName, d.Name), d)
	})
	if err != nil {
		return nil, err
	}
	r := d.output()
	return &api.UpdateCalculatedAttributeDefinitionResponse{
		CalculatedAttributeName: r.CalculatedAttributeName, DisplayName: r.DisplayName, Description: r.Description,
		AttributeDetails: r.AttributeDetails, Conditions: r.Conditions, Statistic: r.Statistic,
		CreatedAt: r.CreatedAt, LastUpdatedAt: r.LastUpdatedAt, UseHistoricalData: r.UseHistoricalData,
		Status: r.Status, Readiness: r.Readiness, Tags: r.Tags,
	}, nil
}

func (s *Service) deleteCalculated(ctx context.Context, in *api.DeleteCalculatedAttributeDefinitionRequest) (*api.DeleteCalculatedAttributeDefinitionResponse, error) {
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		if _, err := readCalc(tx, in.DomainName, in.CalculatedAttributeName); err != nil {
			return err
		}
		return tx.Delete([]byte(calcKey(in.DomainName, in.CalculatedAttributeName)))
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteCalculatedAttributeDefinitionResponse{}, nil
}

func (s *Service) listCalculated(ctx context.Context, in *api.ListCalculatedAttributeDefinitionsRequest) (*api.ListCalculatedAttributeDefinitionsResponse, error) {
	out := &api.ListCalculatedAttributeDefinitionsResponse{Items: []*api.ListCalculatedAttributeDefinitionItem{}}
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		defs, next, err := page[calcDefinition](tx, calcPrefix(in.DomainName), pageRequest{
			scope: "calculated/" + in.DomainName, token: in.NextToken, max: pageSize(in.MaxResults, 100),
		})
		if err != nil {
			return err
		}
		for _, d := range defs {
			r := d.output()
			out.Items = append(out.Items, &api.ListCalculatedAttributeDefinitionItem{
				CalculatedAttributeName: r.CalculatedAttributeName, DisplayName: r.DisplayName, Description: r.Description,
				CreatedAt: r.CreatedAt, LastUpdatedAt: r.LastUpdatedAt, UseHistoricalData: r.UseHistoricalData,
				Status: r.Status, Tags: r.Tags,
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

// calcResult is a calculated attribute's value for one profile.
type calcResult struct {
	value string
	ok    bool      // false: no value
	last  time.Time // the newest object the value covers; zero when none
}

// calcReader computes calculated attributes in one read transaction. It
// parses each object once, however many definitions read it.
type calcReader struct {
	s    *Service
	tx   store.Tx
	dom  string
	now  time.Time
	docs map[string]map[string]any
	// live holds, by profile id and type, the live objects in ingestion
	// order, so definitions that read one type share one scan.
	live map[[2]string][]*objectRecord
}

func (s *Service) calcReader(tx store.Tx, dom string) *calcReader {
	return &calcReader{s: s, tx: tx, dom: dom, now: s.clock.Now(), docs: map[string]map[string]any{},
		live: map[[2]string][]*objectRecord{}}
}

// liveObjects returns the profile's unexpired objects of type typ in
// ingestion order.
func (r *calcReader) liveObjects(profileID, typ string) ([]*objectRecord, error) {
	if objs, ok := r.live[[2]string{profileID, typ}]; ok {
		return objs, nil
	}
	var objs []*objectRecord
	nowNs := r.now.UnixNano()
	prefix := profileTypeObjectsPrefix(r.dom, profileID, typ)
	for _, uk := range r.tx.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix))) {
		o, ok, err := getObject(r.tx, objectKey(r.dom, typ, string(uk)))
		if err != nil {
			return nil, err
		}
		if ok && !o.expired(nowNs) {
			objs = append(objs, o)
		}
	}
	r.live[[2]string{profileID, typ}] = objs
	return objs, nil
}

// calcObject is one object a calculation covers.
type calcObject struct {
	value calcValue
	at    time.Time
}

// compute calculates a definition for a live profile; window, when not
// nil, replaces the definition's Range window.
func (r *calcReader) compute(p *calcPlan, profileID string, window *calcWindow) (calcResult, error) {
	if window == nil {
		window = p.window
	}
	typ := p.expr.typ
	t, err := r.s.compiledType(r.tx, []byte(typeKey(r.dom, typ)), typ)
	if err != nil {
		return calcResult{}, err
	}
	var objs []calcObject
	if t != nil {
		if objs, err = r.objects(p, t, profileID, window); err != nil {
			return calcResult{}, err
		}
	}
	if p.count > 0 && len(objs) > p.count {
		objs = objs[len(objs)-p.count:] // the most recent ones
	}
	vals := make([]calcValue, len(objs))
	var res calcResult
	for i, o := range objs {
		vals[i] = o.value
		if o.at.After(res.last) {
			res.last = o.at
		}
	}
	res.value, res.ok = aggregate(p.def.Statistic, vals)
	if res.ok && p.threshold != nil {
		res.value = fmt.Sprint(thresholdHolds(res.value, p.threshold.Operator, p.threshold.Value))
	}
	res.value = cutValue(res.value)
	return res, nil
}

// objects returns, in ingestion order, the profile's objects of type t that
// the plan covers and their values.
func (r *calcReader) objects(p *calcPlan, t *objectType, profileID string, window *calcWindow) ([]calcObject, error) {
	sources := t.compiled.sources
	// A field the type no longer defines has no value in any object.
	get := func(doc map[string]any) func(string) (string, bool) {
		return func(field string) (string, bool) {
			if src := sources[field]; src != nil {
				return src.eval(doc)
			}
			return "", false
		}
	}
	tsExpr := p.tsPath
	if src := sources[p.tsField]; src != nil {
		tsExpr = src // a field of the type: read as ingestion reads it
	}
	historical := deref(p.def.UseHistoricalData)
	created := p.def.CreatedAt.UnixNano()
	numeric := numericStat(p.def.Statistic)
	live, err := r.liveObjects(profileID, t.Name)
	if err != nil {
		return nil, err
	}
	var out []calcObject
	for _, o := range live {
		// Without UseHistoricalData only objects put since the definition
		// was created count (a re-put counts from the time it was made).
		if !historical && max(o.Created, o.At) < created {
			continue
		}
		doc, err := r.doc(objectKey(r.dom, t.Name, o.UniqueKey), o)
		if err != nil {
			return nil, err
		}
		at := time.Unix(0, o.At).UTC()
		if tsExpr != nil {
			text, ok := tsExpr.eval(doc)
			if !ok {
				continue // an object that cannot be placed in time is outside every window
			}
			if at, err = parseCalcTime(p.tsFormat, text); err != nil {
				continue
			}
		}
		if window != nil && !window.contains(at, r.now) {
			continue
		}
		v, ok := p.expr.eval(get(doc))
		if !ok || numeric && v.num == nil {
			continue
		}
		out = append(out, calcObject{value: v, at: at})
	}
	return out, nil
}

// doc parses an object's text once per reader.
func (r *calcReader) doc(key string, o *objectRecord) (map[string]any, error) {
	if doc, ok := r.docs[key]; ok {
		return doc, nil
	}
	doc, err := parseObject(o.Object)
	if err != nil {
		return nil, fmt.Errorf("profiles: stored object %s does not parse: %w", key, err)
	}
	r.docs[key] = doc
	return doc, nil
}

// plan compiles a stored definition.
func (d *calcDefinition) plan() (*calcPlan, error) {
	p, err := d.compile()
	if err != nil {
		return nil, fmt.Errorf("profiles: stored calculated attribute %s no longer compiles: %w", d.Name, err)
	}
	return p, nil
}

// calculatedForProfile reads a definition and computes it for a live
// profile.
func (s *Service) calculatedForProfile(ctx context.Context, dom, name, profileID string) (*calcDefinition, calcResult, error) {
	var (
		d   *calcDefinition
		res calcResult
	)
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		if d, err = readCalc(tx, dom, name); err != nil {
			return err
		}
		if _, err := s.readProfile(tx, dom, profileID); err != nil {
			return err
		}
		p, err := d.plan()
		if err != nil {
			return err
		}
		res, err = s.calcReader(tx, dom).compute(p, profileID, nil)
		return err
	})
	return d, res, err
}

func (s *Service) getCalculatedForProfile(ctx context.Context, in *api.GetCalculatedAttributeForProfileRequest) (*api.GetCalculatedAttributeForProfileResponse, error) {
	d, res, err := s.calculatedForProfile(ctx, in.DomainName, in.CalculatedAttributeName, in.ProfileId)
	if err != nil {
		return nil, err
	}
	// A profile with nothing to calculate from still answers, without a
	// Value: the attribute exists, the profile has no value for it.
	out := &api.GetCalculatedAttributeForProfileResponse{
		CalculatedAttributeName: ptr(d.Name), DisplayName: d.DisplayName, IsDataPartial: ptr("false"),
	}
	if res.ok {
		out.Value = ptr(res.value)
	}
	if !res.last.IsZero() {
		out.LastObjectTimestamp = awsmodel.NewTimestamp(res.last)
	}
	return out, nil
}

// calculatedValues computes for a live profile, in name order, the domain's
// definitions named after after, up to limit (> 0) values; definitions
// without a value are left out. more says whether another value follows.
func (s *Service) calculatedValues(tx store.Tx, dom, profileID, after string, limit int) (vals []CalculatedValue, results []calcResult, more bool, err error) {
	if _, err := s.readProfile(tx, dom, profileID); err != nil {
		return nil, nil, false, err
	}
	r := s.calcReader(tx, dom)
	prefix := calcPrefix(dom)
	start := []byte(prefix)
	if after != "" {
		start = []byte(calcKey(dom, after) + "\x00")
	}
	for k, v := range tx.Scan(start, store.PrefixEnd([]byte(prefix))) {
		d := new(calcDefinition)
		if err := json.Unmarshal(v, d); err != nil {
			return nil, nil, false, fmt.Errorf("profiles: corrupt record %s: %w", k, err)
		}
		p, err := d.plan()
		if err != nil {
			return nil, nil, false, err
		}
		res, err := r.compute(p, profileID, nil)
		if err != nil {
			return nil, nil, false, err
		}
		if !res.ok {
			continue
		}
		if limit > 0 && len(vals) == limit {
			return vals, results, true, nil // another value follows: the page is not the last
		}
		vals = append(vals, CalculatedValue{Name: d.Name, DisplayName: deref(d.DisplayName), Value: res.value})
		results = append(results, res)
	}
	return vals, results, false, nil
}

func (s *Service) listCalculatedForProfile(ctx context.Context, in *api.ListCalculatedAttributesForProfileRequest) (*api.ListCalculatedAttributesForProfileResponse, error) {
	out := &api.ListCalculatedAttributesForProfileResponse{Items: []*api.ListCalculatedAttributeForProfileItem{}}
	req := pageRequest{scope: "calculated-for/" + in.DomainName + "/" + in.ProfileId, token: in.NextToken, max: pageSize(in.MaxResults, 100)}
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		after, err := req.after()
		if err != nil {
			return err
		}
		vals, results, more, err := s.calculatedValues(tx, in.DomainName, in.ProfileId, after, req.max)
		if err != nil {
			return err
		}
		for i, v := range vals {
			it := &api.ListCalculatedAttributeForProfileItem{
				CalculatedAttributeName: ptr(v.Name), DisplayName: optional(v.DisplayName),
				IsDataPartial: ptr("false"), Value: ptr(v.Value),
			}
			if last := results[i].last; !last.IsZero() {
				it.LastObjectTimestamp = awsmodel.NewTimestamp(last)
			}
			out.Items = append(out.Items, it)
		}
		if more {
			out.NextToken = ptr(pagetoken.Encode(req.scope, vals[len(vals)-1].Name))
		}
		return nil
	})
	return out, err
}

func (s *Service) batchGetCalculatedForProfile(ctx context.Context, in *api.BatchGetCalculatedAttributeForProfileRequest) (*api.BatchGetCalculatedAttributeForProfileResponse, error) {
	var window *calcWindow
	if o := in.ConditionOverrides; o != nil && o.Range != nil {
		if o.Range.Unit != "DAYS" {
			return nil, badRequest("ConditionOverrides.Range.Unit %q is not DAYS, the only unit", o.Range.Unit)
		}
		var err error
		if window, err = overrideWindow(o.Range.Start, deref(o.Range.End)); err != nil {
			return nil, err
		}
	}
	out := &api.BatchGetCalculatedAttributeForProfileResponse{
		CalculatedAttributeValues: []*api.CalculatedAttributeValue{},
		ConditionOverrides:        in.ConditionOverrides,
		Errors:                    []*api.BatchGetCalculatedAttributeForProfileError{},
	}
	err := s.db.View(ctx, func(tx store.Tx) error {
		d, err := readCalc(tx, in.DomainName, in.CalculatedAttributeName)
		if err != nil {
			return err
		}
		p, err := d.plan()
		if err != nil {
			return err
		}
		r := s.calcReader(tx, in.DomainName)
		for _, id := range in.ProfileIds {
			if _, err := s.readProfile(tx, in.DomainName, id); err != nil {
				if msg, ok := asNotFound(err); ok {
					out.Errors = append(out.Errors, &api.BatchGetCalculatedAttributeForProfileError{Code: codeNotFound, Message: msg, ProfileId: id})
					continue
				}
				return err
			}
			res, err := r.compute(p, id, window)
			if err != nil {
				return err
			}
			v := &api.CalculatedAttributeValue{
				CalculatedAttributeName: ptr(d.Name), DisplayName: d.DisplayName, IsDataPartial: ptr("false"), ProfileId: ptr(id),
			}
			if res.ok {
				v.Value = ptr(res.value)
			}
			if !res.last.IsZero() {
				v.LastObjectTimestamp = awsmodel.NewTimestamp(res.last)
			}
			out.CalculatedAttributeValues = append(out.CalculatedAttributeValues, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CalculatedValue is one calculated attribute's value for a profile.
type CalculatedValue struct {
	Name, DisplayName, Value string
	// IsDataPartial is always false in Hotline: values are computed on read
	// from every stored object.
	IsDataPartial bool
}

// CalculatedAttributesForProfile returns the values of every calculated
// attribute definition of the domain for the profile, in name order.
// An attribute with no value for the profile is left out. An unknown
// domain or profile answers ResourceNotFoundException, as the API does.
func (s *Service) CalculatedAttributesForProfile(ctx context.Context, domain, profileID string) ([]CalculatedValue, error) {
	var vals []CalculatedValue
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, domain); err != nil {
			return err
		}
		var err error
		vals, _, _, err = s.calculatedValues(tx, domain, profileID, "", 0)
		return err
	})
	return vals, err
}
