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
	values    []fieldVal // by field, in the order of the type's compiled fields
	keys      []keyValue // in matching order: by key name, then definition
	uniqueKey string     // the ProfileObjectUniqueKey
	at        int64      // source-last-updated time (unix nanos); 0 when not mapped

	// Room for the values and keys of the usual type.
	valuesBuf [8]fieldVal
	keysBuf   [4]keyValue
}

// fieldVal is a field's value in an object; ok is false when absent.
type fieldVal struct {
	v  string
	ok bool
}

// keyValue is one normalised key value of an object.
type keyValue struct {
	name, value string
	flags       keyFlags
}

// maxKeyValueLen is the longest key value: SearchProfiles can send no
// longer value, so a longer one could never be found.
const maxKeyValueLen = 255

// parseObject reads the Object member of PutProfileObject.
func parseObject(text string) (map[string]any, error) {
	if m, ok := parseObjectFast(text); ok {
		return m, nil
	}
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
	var buf [128]byte
	in := append(append(append(buf[:0], typ...), 0), v...)
	sum := sha256.Sum256(in)
	var out [43]byte // base64.RawURLEncoding.EncodedLen(sha256.Size)
	base64.RawURLEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// evaluate reads an object's field values and key values into ev.
func (w *wtx) evaluate(ev *evaluation, t *objectType, doc map[string]any) error {
	c := t.compiled
	ev.uniqueKey, ev.at = "", 0
	ev.values = ev.valuesBuf[:0]
	for _, f := range c.fields {
		v, ok := f.source.eval(doc)
		ev.values = append(ev.values, fieldVal{v, ok})
	}
	ev.keys = ev.keysBuf[:0]
	for i := 0; i < len(c.keys); {
		key := c.keys[i].name
		kind, err := w.kind(key, t)
		if err != nil {
			return err
		}
		for ; i < len(c.keys) && c.keys[i].name == key; i++ {
			d := &c.keys[i]
			unique := d.flags&keyUnique != 0
			var partsBuf [4]string
			parts := partsBuf[:0]
			for _, fi := range d.fields {
				v := ev.values[fi]
				if !v.ok {
					if unique {
						fn := c.fields[fi].name
						return badRequest("Object is missing the field %s (Source %s) of the UNIQUE key %s of ObjectType %s",
							fn, deref(t.Fields[fn].Source), key, t.Name)
					}
					break
				}
				parts = append(parts, v.v)
			}
			if len(parts) < len(d.fields) {
				continue // a key is indexed only when all its fields are present
			}
			v := normalize(kind, strings.Join(parts, " "))
			if v == "" {
				if unique {
					return badRequest("the UNIQUE key %s of ObjectType %s is empty in this object", key, t.Name)
				}
				continue
			}
			if utf8.RuneCountInString(v) > maxKeyValueLen {
				return badRequest("the value of key %s is longer than %d characters", key, maxKeyValueLen)
			}
			ev.keys = append(ev.keys, keyValue{name: key, value: v, flags: d.flags})
			if unique {
				ev.uniqueKey = uniqueObjectKey(t.Name, v)
			}
		}
	}
	if c.timeField >= 0 && c.timeLayout != "" {
		if raw := ev.values[c.timeField]; raw.ok {
			at, err := parseSourceTime(c.timeLayout, raw.v)
			if err != nil {
				return badRequest("%s %q does not match SourceLastUpdatedTimestampFormat %q: %v",
					sourceTimeField, raw.v, t.SourceLastUpdatedTimestampFormat, err)
			}
			ev.at = at.UnixNano()
		}
	}
	return nil
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
	// The stored record holds the text as a JSON string: escaped here,
	// once, not in the transaction, which may run twice.
	c := &putCall{textJSON: appendJSONString(make([]byte, 0, jsonStringSize(in.Object)), in.Object)}
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
		// The object is read in the transaction (it runs outside the
		// store's serial section): a rerun reads it afresh, under the type
		// and key kinds as they are then.
		if err := w.evaluate(&c.ev, t, doc); err != nil {
			return err
		}
		c.uk = c.ev.uniqueKey
		return w.ingest(t, &c.ev, in.Object, c.textJSON)
	})
	if err != nil {
		return nil, err
	}
	return &api.PutProfileObjectResponse{ProfileObjectUniqueKey: &c.uk}, nil
}

// putCall is what one PutProfileObject keeps across the runs of its
// transaction, in one allocation.
type putCall struct {
	textJSON []byte // the object's text as a JSON string
	ev       evaluation
	uk       string
}

// ingest finds (or creates) the object's profile and stores the object on
// it. textJSON is text encoded as a JSON string.
func (w *wtx) ingest(t *objectType, ev *evaluation, text string, textJSON []byte) error {
	// Only the old version's place (profile, sequence, expiry, size) is
	// needed: it is read without its text.
	prev, found, err := w.objectHead(t.Name, ev.uniqueKey)
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
	ref := o.ref()
	if found {
		// The new version replaces the old one wholesale.
		o.Created = prev.Created
		o.setStored(*prev.stored)
		prevRef := ref // (the record's own names, always)
		if prev.Type != o.Type || prev.UniqueKey != o.UniqueKey {
			prevRef = prev.ref()
		}
		detachRef(old, prev, prevRef)
		if p != old {
			old.leftBy(prev.Type)
		}
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
	if found && p == old && prev.Seq == p.Seq {
		// The new version replaces the profile's newest object: it keeps
		// that place (and its index entry) instead of taking the next.
		p.Seq--
	}
	attachObject(p, o)
	if err := w.applyFields(p, t, ev, o, created); err != nil {
		return err
	}
	// The record lists the key values (but LOOKUP_ONLY ones) as ev has them.
	o.keyList = ev.keys
	for _, kv := range ev.keys {
		if kv.flags&keyLookupOnly != 0 {
			continue // used to find the profile, never stored
		}
		if kv.flags&keyNewOnly != 0 && !created {
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
	for _, secondary := range [2]keyFlags{0, keySecondary} {
		for _, kv := range ev.keys {
			if kv.flags&keyProfile == 0 || kv.flags&keySecondary != secondary {
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
	// The index's entries for the value, in id order.
	w.bounds = appendIndexPrefix(w.bounds[:0], w.dom.Name, key, value)
	n := len(w.bounds)
	w.bounds = appendPrefixEnd(w.bounds, w.bounds[:n])
	w.ids = w.ids[:0]
	// (A loop over the scan would put its state on the heap; this is one
	// closure.)
	w.tx.Scan(w.bounds[:n:n], w.bounds[n:])(func(k, _ []byte) bool {
		// A longer value sharing this prefix (one containing a zero byte)
		// leaves more than an id after it.
		if id := k[n:]; len(id) == profileIDLen {
			w.ids = append(w.ids, w.profileID(id))
		}
		return true
	})
	if key == keyProfileID {
		w.ids = withOwnID(w.ids, value)
	}
	var found *profileRecord
	// Index entries can outlive what supports them until expired objects
	// are purged, so liveness is checked on the profiles themselves.
	for _, id := range w.ids {
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

// profileID returns id as a string: the id of a profile already loaded,
// else a copy.
func (w *wtx) profileID(id []byte) string {
	if p, ok := w.profiles[string(id)]; ok {
		return p.ID
	}
	return string(id)
}

// applyFields writes the object's targeted field values to the profile.
func (w *wtx) applyFields(p *profileRecord, t *objectType, ev *evaluation, o *objectRecord, created bool) error {
	src := fieldValue{Type: t.Name, Object: o.UniqueKey, Priority: t.SourcePriority, At: o.At}
	c := t.compiled
	values := &fieldValues{n: len(c.fields)}
	var targetedBuf [8]string
	targeted := targetedBuf[:0] // paths written, when the rule below needs them
	for i, f := range c.fields {
		v := ev.values[i]
		if !v.ok || !f.hasTarget {
			continue
		}
		if created {
			targeted = append(targeted, f.target)
		}
		if err := offer(p, f.target, v.v, src, values); err != nil {
			return err
		}
	}
	if !created {
		return nil
	}
	// An inferred profile also takes e-mail and phone fields that have no
	// target (AWS, "Inferred profiles").
	for i, f := range c.fields {
		v := ev.values[i]
		if !v.ok || f.hasTarget {
			continue
		}
		var path string
		switch f.contentType {
		case ctEmail:
			path = "EmailAddress"
		case ctPhone:
			path = "PhoneNumber"
		default:
			continue
		}
		if slices.Contains(targeted, path) {
			continue
		}
		targeted = append(targeted, path)
		if err := offer(p, path, v.v, src, values); err != nil {
			return err
		}
	}
	return nil
}

// fieldValues hands out new field values, n at a time, in one allocation.
type fieldValues struct {
	n    int
	free []fieldValue
}

func (a *fieldValues) new(v fieldValue) *fieldValue {
	if a == nil {
		f := new(fieldValue)
		*f = v
		return f
	}
	if len(a.free) == 0 {
		a.free = make([]fieldValue, max(a.n, 1))
	}
	f := &a.free[0]
	*f, a.free = v, a.free[1:]
	return f
}

// offer writes v at path unless the value there outranks it: a manual
// value always does; otherwise the lower SourcePriority wins, and between
// equal priorities the more recent value (by source timestamp, else
// ingestion time) wins. New field values come from values (nil: each its
// own allocation).
func offer(p *profileRecord, path, v string, src fieldValue, values *fieldValues) error {
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
	p.Fields[path] = values.new(nv)
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
	w.forgetType(typ)
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
				_ = offer(p, strings.TrimPrefix(*f.Target, profileTargetPrefix), val, src, nil)
			}
		}
	}
	return nil
}
