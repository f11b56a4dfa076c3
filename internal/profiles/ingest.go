package profiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// evaluation is what one object yields under its type.
type evaluation struct {
	values    map[string]string // field name → value, for fields present in the object
	keys      []keyValue        // in matching order: by key name, then definition
	uniqueKey string            // the ProfileObjectUniqueKey
	at        int64             // source-last-updated time (unix nanos); 0 when not mapped
	// kinds are the comparisons used for custom keys, by key name: an
	// evaluation made outside the transaction holds only if they still do.
	kinds map[string]string
}

// keyValue is one normalised key value of an object.
type keyValue struct {
	name, value string
	ids         []string
}

func (k keyValue) has(id string) bool { return slices.Contains(k.ids, id) }

// maxKeyValueLen is the longest key value: SearchProfiles can send no
// longer value, so a longer one could never be found.
const maxKeyValueLen = 255

// parseObject reads the Object member of PutProfileObject.
func parseObject(text string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("Object is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("Object is not valid JSON: unexpected data after the top-level value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("Object must be a JSON object")
	}
	return m, nil
}

// uniqueObjectKey is the ProfileObjectUniqueKey of the object of type typ
// whose UNIQUE key has the normalised value v: deterministic, so a re-put
// returns (and replaces) the same object.
func uniqueObjectKey(typ, v string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// evaluate reads an object's field values and key values.
func (w *wtx) evaluate(t *objectType, doc map[string]any) (*evaluation, error) {
	return evaluate(t, doc, func(key string) (string, error) { return w.kind(key, t) })
}

// evaluate reads an object's field values and key values, comparing key
// values as kind says.
func evaluate(t *objectType, doc map[string]any, kindOf func(key string) (string, error)) (*evaluation, error) {
	ev := &evaluation{values: map[string]string{}}
	for name, expr := range t.compiled.sources {
		if v, ok := expr.eval(doc); ok {
			ev.values[name] = v
		}
	}
	for _, key := range t.compiled.keyNames {
		kind, err := kindOf(key)
		if err != nil {
			return nil, err
		}
		if _, std := standardKinds[key]; !std {
			if ev.kinds == nil {
				ev.kinds = map[string]string{}
			}
			ev.kinds[key] = kind
		}
		for _, d := range t.Keys[key] {
			unique := slices.Contains(d.StandardIdentifiers, idUnique)
			parts := make([]string, 0, len(d.FieldNames))
			for _, fn := range d.FieldNames {
				v, ok := ev.values[fn]
				if !ok {
					if unique {
						return nil, badRequest("Object is missing the field %s (Source %s) of the UNIQUE key %s of ObjectType %s",
							fn, deref(t.Fields[fn].Source), key, t.Name)
					}
					break
				}
				parts = append(parts, v)
			}
			if len(parts) < len(d.FieldNames) {
				continue // a key is indexed only when all its fields are present
			}
			v := normalize(kind, strings.Join(parts, " "))
			if v == "" {
				if unique {
					return nil, badRequest("the UNIQUE key %s of ObjectType %s is empty in this object", key, t.Name)
				}
				continue
			}
			if utf8.RuneCountInString(v) > maxKeyValueLen {
				return nil, badRequest("the value of key %s is longer than %d characters", key, maxKeyValueLen)
			}
			ev.keys = append(ev.keys, keyValue{name: key, value: v, ids: d.StandardIdentifiers})
			if unique {
				ev.uniqueKey = uniqueObjectKey(t.Name, v)
			}
		}
	}
	if raw, ok := ev.values[sourceTimeField]; ok && t.compiled.timeLayout != "" {
		at, err := parseSourceTime(t.compiled.timeLayout, raw)
		if err != nil {
			return nil, badRequest("%s %q does not match SourceLastUpdatedTimestampFormat %q: %v",
				sourceTimeField, raw, t.SourceLastUpdatedTimestampFormat, err)
		}
		ev.at = at.UnixNano()
	}
	return ev, nil
}

func (s *Service) registerObjects(e *edge.Service) {
	handle(s, e, "PutProfileObject", s.putObject)
	handle(s, e, "ListProfileObjects", s.listObjects)
	handle(s, e, "DeleteProfileObject", s.deleteObject)
}

func (s *Service) putObject(ctx context.Context, in *api.PutProfileObjectRequest) (*api.PutProfileObjectResponse, error) {
	if n := len(in.Object); n > s.cfg.Quotas.MaxObjectBytes {
		return nil, badRequest("Object is %d bytes; an object may be at most %d bytes", n, s.cfg.Quotas.MaxObjectBytes)
	}
	doc, err := parseObject(in.Object)
	if err != nil {
		return nil, err
	}
	// Reading the object under its type needs nothing from the store but
	// the type and key kinds, so it happens here, before joining the
	// serial write; the transaction uses it only if what it read still
	// holds there.
	pre := s.preEvaluate(ctx, in.DomainName, in.ObjectTypeName, doc)
	// The stored record holds the text as a JSON string: escaped here, not
	// in the serial write.
	textJSON := appendJSONString(nil, in.Object)
	var uk string
	// Matching and every write happen in one serializable transaction, so
	// concurrent first objects of a new customer create one profile.
	err = s.update(ctx, in.DomainName, func(w *wtx) error {
		t, err := w.objectType(in.ObjectTypeName)
		if err != nil {
			return err
		}
		if t == nil {
			return notFound("ObjectType %s does not exist in domain %s", in.ObjectTypeName, w.dom.Name)
		}
		ev, err := w.reuse(pre, t)
		if err != nil {
			return err
		}
		if ev == nil {
			if ev, err = w.evaluate(t, doc); err != nil {
				return err
			}
		}
		uk = ev.uniqueKey
		return w.ingest(t, ev, in.Object, textJSON)
	})
	if err != nil {
		return nil, err
	}
	return &api.PutProfileObjectResponse{ProfileObjectUniqueKey: &uk}, nil
}

// preEvaluation is an object read under its type outside the write
// transaction.
type preEvaluation struct {
	t  *objectType // the compiled type it was read under (shared, from s.types)
	ev *evaluation
}

// preEvaluate reads an object under its type in a read transaction; nil
// when that fails in any way (the write transaction then reads it itself
// and reports what is wrong).
func (s *Service) preEvaluate(ctx context.Context, dom, typ string, doc map[string]any) *preEvaluation {
	var pre *preEvaluation
	_ = s.db.View(ctx, func(tx store.Tx) error {
		t, err := s.compiledType(tx, dom, typ)
		if err != nil || t == nil {
			return err
		}
		ev, err := evaluate(t, doc, func(key string) (string, error) {
			if k, ok := standardKinds[key]; ok {
				return k, nil
			}
			return customKind(tx, dom, key, t)
		})
		if err == nil {
			pre = &preEvaluation{t: t, ev: ev}
		}
		return nil
	})
	return pre
}

// reuse returns the evaluation made before the transaction when the type
// and key kinds it used are still those of the domain; nil otherwise.
func (w *wtx) reuse(pre *preEvaluation, t *objectType) (*evaluation, error) {
	if pre == nil || pre.t != t {
		return nil, nil
	}
	for key, kind := range pre.ev.kinds {
		k, err := w.kind(key, t)
		if err != nil {
			return nil, err
		}
		if k != kind {
			return nil, nil
		}
	}
	return pre.ev, nil
}

// ingest finds (or creates) the object's profile and stores the object on
// it. textJSON is text encoded as a JSON string.
func (w *wtx) ingest(t *objectType, ev *evaluation, text string, textJSON []byte) error {
	prev, found, err := w.object(t.Name, ev.uniqueKey)
	if err != nil {
		return err
	}
	if found && prev.expired(w.nowNs) {
		if err := w.removeObject(prev); err != nil {
			return err
		}
		found = false
	}
	p, err := w.match(ev)
	if err != nil {
		return err
	}
	var old *profileRecord
	if found {
		var live bool
		if old, live, err = w.profile(prev.ProfileID); err != nil {
			return err
		}
		if !live {
			found = false // its profile expired, and took the object with it
		} else if p == nil {
			p = old // nothing matches the new version: it stays where it was
		}
	}
	created := false
	if p == nil {
		if !t.AllowProfileCreation {
			// AWS sends such an object to the domain's dead-letter queue; it
			// never reaches a profile, so Hotline does not keep it.
			w.s.log.Info("profile object matched no profile and its type may not create one; dropped",
				"domain", w.dom.Name, "objectType", t.Name, "uniqueKey", ev.uniqueKey)
			return nil
		}
		p, created = w.newProfile(), true
	}
	o := &objectRecord{Type: t.Name, UniqueKey: ev.uniqueKey, Object: text, Created: w.nowNs, At: w.nowNs, objectJSON: textJSON}
	if ev.at != 0 {
		o.At = ev.at
	}
	days := t.ExpirationDays
	if days <= 0 {
		days = w.dom.DefaultExpirationDays
	}
	o.Expires = w.now.Add(time.Duration(days) * 24 * time.Hour).UnixNano()
	if found {
		// The new version replaces the old one wholesale.
		o.Created, o.stored = prev.Created, prev.stored
		detachObject(old, prev)
		old.touch(w.now, w.dom.DefaultExpirationDays)
	}
	q := w.s.cfg.Quotas
	switch {
	case t.MaxProfileObjectCount > 0 && p.Counts[t.Name] >= int(t.MaxProfileObjectCount):
		return badRequest("profile %s already has %d objects of ObjectType %s, its MaxProfileObjectCount",
			p.ID, p.Counts[t.Name], t.Name)
	case p.Objects >= q.ObjectsPerProfile:
		return badRequest("profile %s already has %d objects, the most a profile may have", p.ID, p.Objects)
	case p.Bytes+int64(len(text)) > q.MaxProfileBytes:
		return badRequest("profile %s would hold %d bytes of objects; a profile may hold at most %d",
			p.ID, p.Bytes+int64(len(text)), q.MaxProfileBytes)
	}
	attachObject(p, o)
	if err := w.applyFields(p, t, ev, o, created); err != nil {
		return err
	}
	ref := o.ref()
	for _, kv := range ev.keys {
		if kv.has(idLookupOnly) {
			continue // used to find the profile, never stored
		}
		if o.Keys == nil {
			o.Keys = map[string][]string{}
		}
		if !slices.Contains(o.Keys[kv.name], kv.value) {
			o.Keys[kv.name] = append(o.Keys[kv.name], kv.value)
		}
		if kv.has(idNewOnly) && !created {
			continue
		}
		p.addSupport(kv.name, kv.value, keySupport{Ref: ref, Exp: o.Expires})
	}
	p.touch(w.now, w.dom.DefaultExpirationDays)
	return w.saveObject(o)
}

// match finds the profile an object belongs to: the first PROFILE key (in
// key-name order) whose value exactly one profile owns, then the same with
// the PROFILE+SECONDARY keys. A value owned by several profiles is
// ambiguous and never used.
func (w *wtx) match(ev *evaluation) (*profileRecord, error) {
	for _, secondary := range []bool{false, true} {
		for _, kv := range ev.keys {
			if !kv.has(idProfile) || kv.has(idSecondary) != secondary {
				continue
			}
			owner, err := w.soleOwner(kv.name, kv.value)
			if err != nil {
				return nil, err
			}
			if owner != nil {
				return owner, nil
			}
		}
	}
	return nil, nil
}

// soleOwner returns the one live profile that owns a key value, or nil
// when none or several do.
func (w *wtx) soleOwner(key, value string) (*profileRecord, error) {
	var found *profileRecord
	// Index entries can outlive what supports them until expired objects
	// are purged, so liveness is checked on the profiles themselves.
	for _, id := range indexIDs(w.tx, w.dom.Name, key, value, -1) {
		p, ok, err := w.profile(id)
		if err != nil {
			return nil, err
		}
		if !ok || !p.owns(key, value, w.nowNs) {
			continue
		}
		if found != nil {
			return nil, nil // ambiguous
		}
		found = p
	}
	return found, nil
}

// applyFields writes the object's targeted field values to the profile.
func (w *wtx) applyFields(p *profileRecord, t *objectType, ev *evaluation, o *objectRecord, created bool) error {
	src := fieldValue{Type: t.Name, Object: o.UniqueKey, Priority: t.SourcePriority, At: o.At}
	targeted := map[string]bool{}
	for _, name := range t.compiled.fieldNames {
		f := t.Fields[name]
		v, ok := ev.values[name]
		if !ok || f.Target == nil {
			continue
		}
		path := strings.TrimPrefix(*f.Target, profileTargetPrefix)
		targeted[path] = true
		if err := offer(p, path, v, src); err != nil {
			return err
		}
	}
	if !created {
		return nil
	}
	// An inferred profile also takes e-mail and phone fields that have no
	// target (AWS, "Inferred profiles").
	for _, name := range t.compiled.fieldNames {
		f := t.Fields[name]
		v, ok := ev.values[name]
		if !ok || f.Target != nil {
			continue
		}
		var path string
		switch deref(f.ContentType) {
		case ctEmail:
			path = "EmailAddress"
		case ctPhone:
			path = "PhoneNumber"
		default:
			continue
		}
		if targeted[path] {
			continue
		}
		targeted[path] = true
		if err := offer(p, path, v, src); err != nil {
			return err
		}
	}
	return nil
}

// offer writes v at path unless the value there outranks it: a manual
// value always does; otherwise the lower SourcePriority wins, and between
// equal priorities the more recent value (by source timestamp, else
// ingestion time) wins.
func offer(p *profileRecord, path, v string, src fieldValue) error {
	if enum, ok := enumMembers[path]; ok {
		if up := strings.ToUpper(strings.TrimSpace(v)); slices.Contains(enum.values, up) {
			v = up
		} else if enum.twin != "" {
			path = enum.twin
		} else {
			return nil
		}
	}
	if n := utf8.RuneCountInString(v); n > maxFieldLen(path) {
		return badRequest("the value for _profile.%s from ObjectType %s is %d characters; the field holds at most %d",
			path, src.Type, n, maxFieldLen(path))
	}
	if cur := p.Fields[path]; cur != nil {
		if cur.Manual || src.rank() > cur.rank() || src.rank() == cur.rank() && src.At < cur.At {
			return nil
		}
	}
	nv := src
	nv.V = v
	if p.Fields == nil {
		p.Fields = map[string]*fieldValue{}
	}
	p.Fields[path] = &nv
	return nil
}

// deleteTypeData removes every object of a type and scrubs the standard
// fields it supplied; a scrubbed field takes the best value the profile's
// remaining objects offer, if any.
func (w *wtx) deleteTypeData(typ string) error {
	dom := w.dom.Name
	touched := map[string]*profileRecord{}
	prefix := objectPrefix(dom, typ)
	for _, k := range scanKeys(w.tx, prefix, -1) {
		o, ok, err := w.object(typ, strings.TrimPrefix(k, prefix))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p, live, err := w.profile(o.ProfileID)
		if err != nil {
			return err
		}
		if live {
			detachObject(p, o)
			touched[p.ID] = p
		}
		if err := w.deleteObject(o); err != nil {
			return err
		}
	}
	prefix = typeFieldsPrefix(dom, typ)
	for _, k := range scanKeys(w.tx, prefix, -1) {
		p, live, err := w.profile(strings.TrimPrefix(k, prefix))
		if err != nil {
			return err
		}
		if live {
			touched[p.ID] = p
		}
	}
	delete(w.types, typ)
	for _, id := range sortedKeys(touched) {
		p := touched[id]
		scrubbed := map[string]bool{}
		for path, f := range p.Fields {
			if f.Type == typ && !f.Manual {
				delete(p.Fields, path)
				scrubbed[path] = true
			}
		}
		if len(scrubbed) > 0 {
			if err := w.rederive(p, scrubbed, typ); err != nil {
				return err
			}
		}
	}
	return nil
}

// rederive offers the given paths the values the profile's objects (other
// than those of type skip) supply.
func (w *wtx) rederive(p *profileRecord, paths map[string]bool, skip string) error {
	prefix := profileObjectsPrefix(w.dom.Name, p.ID)
	for k, v := range w.tx.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix))) {
		typ, _, _ := strings.Cut(strings.TrimPrefix(string(k), prefix), "/")
		if typ == skip {
			continue
		}
		o, ok, err := w.object(typ, string(bytes.Clone(v)))
		if err != nil {
			return err
		}
		t, err := w.objectType(typ)
		if err != nil {
			return err
		}
		if !ok || t == nil {
			continue
		}
		doc, err := parseObject(o.Object)
		if err != nil {
			continue
		}
		src := fieldValue{Type: t.Name, Object: o.UniqueKey, Priority: t.SourcePriority, At: o.At}
		for _, name := range sortedKeys(t.Fields) {
			f := t.Fields[name]
			if f.Target == nil || !paths[strings.TrimPrefix(*f.Target, profileTargetPrefix)] {
				continue
			}
			if val, ok := t.compiled.sources[name].eval(doc); ok {
				_ = offer(p, strings.TrimPrefix(*f.Target, profileTargetPrefix), val, src)
			}
		}
	}
	return nil
}
