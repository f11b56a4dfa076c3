package profiles

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// objectType is a profile object type: how objects of the type are read,
// which standard fields they feed and which keys they carry.
type objectType struct {
	Name                             string
	Description                      string
	TemplateID                       string `json:",omitempty"`
	ExpirationDays                   int32  `json:",omitempty"` // 0: the domain's default
	EncryptionKey                    *string
	AllowProfileCreation             bool
	SourceLastUpdatedTimestampFormat string `json:",omitempty"`
	MaxProfileObjectCount            int32  `json:",omitempty"`
	SourcePriority                   int32  `json:",omitempty"`
	Fields                           map[string]*api.ObjectTypeField
	Keys                             map[string][]*api.ObjectTypeKey
	Tags                             map[string]string
	CreatedAt                        time.Time
	LastUpdatedAt                    time.Time

	compiled *compiledType
}

// compiledType is an object type ready for ingestion.
type compiledType struct {
	keyNames   []string // sorted: the order in which keys are matched
	fieldNames []string // sorted: the order in which fields are applied
	sources    map[string]*sourceExpr
	timeLayout string // Go layout of SourceLastUpdatedTimestampFormat

	fields    []compiledField // in fieldNames order
	keys      []compiledKey   // in matching order: by key name, then definition
	timeField int             // index in fields of sourceTimeField; -1 when none
}

// compiledField is a field as ingestion uses it.
type compiledField struct {
	name        string
	source      *sourceExpr
	target      string // the Target's path, without "_profile."
	hasTarget   bool
	contentType string
}

// compiledKey is one definition of a key.
type compiledKey struct {
	name   string
	std    bool  // a standard key, of fixed kind
	fields []int // indexes in compiledType.fields
	flags  keyFlags
}

// keyFlags are the standard identifiers of a key definition that
// ingestion acts on.
type keyFlags uint8

const (
	keyProfile keyFlags = 1 << iota
	keyUnique
	keySecondary
	keyLookupOnly
	keyNewOnly
)

func flagsOf(ids []string) keyFlags {
	var f keyFlags
	for _, id := range ids {
		switch id {
		case idProfile:
			f |= keyProfile
		case idUnique:
			f |= keyUnique
		case idSecondary:
			f |= keySecondary
		case idLookupOnly:
			f |= keyLookupOnly
		case idNewOnly:
			f |= keyNewOnly
		}
	}
	return f
}

// Standard identifiers with behaviour in Hotline; the others are accepted
// and stored.
const (
	idProfile    = "PROFILE"
	idUnique     = "UNIQUE"
	idSecondary  = "SECONDARY"
	idLookupOnly = "LOOKUP_ONLY"
	idNewOnly    = "NEW_ONLY"
)

// sourceTimeField is the field whose value is the object's
// source-last-updated timestamp, parsed with SourceLastUpdatedTimestampFormat.
const sourceTimeField = "sourceLastUpdatedTimestamp"

const profileTargetPrefix = "_profile."

// compile checks a definition and prepares it for ingestion, answering
// BadRequestException with what is wrong.
func (t *objectType) compile(maxKeys int) error {
	if len(t.Fields) == 0 {
		return badRequest("ObjectType %s must define Fields (or name a TemplateId)", t.Name)
	}
	if len(t.Keys) == 0 {
		return badRequest("ObjectType %s must define at least one key", t.Name)
	}
	if len(t.Keys) > maxKeys {
		return badRequest("ObjectType %s defines %d keys; an object type may have at most %d", t.Name, len(t.Keys), maxKeys)
	}
	c := &compiledType{sources: map[string]*sourceExpr{}, keyNames: sortedKeys(t.Keys)}
	for _, name := range sortedKeys(t.Fields) {
		f := t.Fields[name]
		if f == nil || f.Source == nil {
			return badRequest("field %s of ObjectType %s has no Source", name, t.Name)
		}
		expr, err := parseSource(*f.Source)
		if err != nil {
			return badRequest("field %s of ObjectType %s: Source %q is not valid: %v", name, t.Name, *f.Source, err)
		}
		c.sources[name] = expr
		if f.Target != nil {
			path, ok := strings.CutPrefix(*f.Target, profileTargetPrefix)
			if !ok || !validTarget(path) {
				return badRequest("field %s of ObjectType %s: Target %q must name a standard profile field, such as "+
					"_profile.FirstName, _profile.ShippingAddress.City or _profile.Attributes.<name>", name, t.Name, *f.Target)
			}
		}
	}
	uniques := 0
	for _, key := range sortedKeys(t.Keys) {
		defs := t.Keys[key]
		if len(defs) == 0 {
			return badRequest("key %s of ObjectType %s has no definition", key, t.Name)
		}
		for _, d := range defs {
			if d == nil || len(d.FieldNames) == 0 {
				return badRequest("key %s of ObjectType %s must list FieldNames", key, t.Name)
			}
			for _, fn := range d.FieldNames {
				if _, ok := t.Fields[fn]; !ok {
					return badRequest("key %s of ObjectType %s names the field %s, which Fields does not define", key, t.Name, fn)
				}
			}
			ids := d.StandardIdentifiers
			if slices.Contains(ids, idUnique) {
				uniques++
				if slices.Contains(ids, idLookupOnly) {
					return badRequest("key %s of ObjectType %s: UNIQUE cannot be combined with LOOKUP_ONLY", key, t.Name)
				}
			}
			if slices.Contains(ids, idSecondary) && !slices.Contains(ids, idProfile) {
				return badRequest("key %s of ObjectType %s: SECONDARY is only meaningful with PROFILE", key, t.Name)
			}
		}
	}
	if uniques != 1 {
		return badRequest("ObjectType %s must define exactly one UNIQUE key; it defines %d", t.Name, uniques)
	}
	if _, ok := t.Fields[sourceTimeField]; ok && t.SourceLastUpdatedTimestampFormat == "" {
		return badRequest("ObjectType %s maps %s, so it must set SourceLastUpdatedTimestampFormat", t.Name, sourceTimeField)
	}
	if t.SourceLastUpdatedTimestampFormat != "" {
		layout, err := javaLayout(t.SourceLastUpdatedTimestampFormat)
		if err != nil {
			return badRequest("SourceLastUpdatedTimestampFormat is not valid: %v", err)
		}
		c.timeLayout = layout
	}
	c.fieldNames = sortedKeys(t.Fields)
	c.timeField = -1
	index := make(map[string]int, len(c.fieldNames))
	for i, name := range c.fieldNames {
		f := t.Fields[name]
		cf := compiledField{name: name, source: c.sources[name], contentType: deref(f.ContentType)}
		if f.Target != nil {
			cf.target, cf.hasTarget = strings.TrimPrefix(*f.Target, profileTargetPrefix), true
		}
		if name == sourceTimeField {
			c.timeField = i
		}
		c.fields = append(c.fields, cf)
		index[name] = i
	}
	for _, key := range c.keyNames {
		_, std := standardKinds[key]
		for _, d := range t.Keys[key] {
			ck := compiledKey{name: key, std: std, flags: flagsOf(d.StandardIdentifiers)}
			for _, fn := range d.FieldNames {
				ck.fields = append(ck.fields, index[fn])
			}
			c.keys = append(c.keys, ck)
		}
	}
	t.compiled = c
	return nil
}

// keyKind is the ContentType this type gives a key: that of its field, or
// of its fields when they agree; STRING otherwise.
func (t *objectType) keyKind(key string) string {
	kind := ""
	for _, d := range t.Keys[key] {
		for _, fn := range d.FieldNames {
			ct := ctString
			if f := t.Fields[fn]; f != nil && f.ContentType != nil {
				ct = *f.ContentType
			}
			if kind != "" && kind != ct {
				return ctString
			}
			kind = ct
		}
	}
	if kind == "" {
		return ctString
	}
	return kind
}

func (s *Service) registerObjectTypes(e *edge.Service) {
	handle(s, e, "PutProfileObjectType", s.putObjectType)
	handle(s, e, "GetProfileObjectType", s.getObjectType)
	handle(s, e, "ListProfileObjectTypes", s.listObjectTypes)
	handle(s, e, "DeleteProfileObjectType", s.deleteObjectType)
	handle(s, e, "ListProfileObjectTypeTemplates", s.listTemplates)
	handle(s, e, "GetProfileObjectTypeTemplate", s.getTemplate)
}

func (s *Service) putObjectType(ctx context.Context, in *api.PutProfileObjectTypeRequest) (*api.PutProfileObjectTypeResponse, error) {
	t := &objectType{
		Name: in.ObjectTypeName, Description: in.Description, TemplateID: deref(in.TemplateId),
		ExpirationDays: deref(in.ExpirationDays), EncryptionKey: in.EncryptionKey,
		AllowProfileCreation: deref(in.AllowProfileCreation), SourceLastUpdatedTimestampFormat: deref(in.SourceLastUpdatedTimestampFormat),
		MaxProfileObjectCount: deref(in.MaxProfileObjectCount), SourcePriority: deref(in.SourcePriority),
		Fields: in.Fields, Keys: in.Keys, Tags: in.Tags,
	}
	if t.TemplateID != "" {
		tmpl, ok := templates[t.TemplateID]
		if !ok {
			return nil, badRequest("TemplateId %s is not a template Hotline knows; see ListProfileObjectTypeTemplates", t.TemplateID)
		}
		if in.Fields != nil || in.Keys != nil || in.AllowProfileCreation != nil || in.SourceLastUpdatedTimestampFormat != nil {
			return nil, badRequest("TemplateId %s supplies Fields, Keys, AllowProfileCreation and SourceLastUpdatedTimestampFormat; "+
				"do not send them with it", t.TemplateID)
		}
		t.Fields, t.Keys, t.AllowProfileCreation = tmpl.Fields, tmpl.Keys, deref(tmpl.AllowProfileCreation)
		t.SourceLastUpdatedTimestampFormat = deref(tmpl.SourceLastUpdatedTimestampFormat)
	}
	if strings.HasPrefix(t.Name, "_") {
		if _, ok := templates[t.Name]; !ok {
			return nil, badRequest("ObjectTypeName %s: names starting with _ are reserved for standard object types", t.Name)
		}
	}
	if err := t.compile(s.cfg.Quotas.KeysPerObjectType); err != nil {
		return nil, err
	}
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		old, ok, err := store.GetJSON[objectType](w.tx, typeKey(w.dom.Name, t.Name))
		if err != nil {
			return err
		}
		t.CreatedAt, t.LastUpdatedAt = w.now.UTC(), w.now.UTC()
		if ok {
			// An upsert: the type keeps its birth date (and its tags unless
			// new ones are sent).
			t.CreatedAt = old.CreatedAt
			if t.Tags == nil {
				t.Tags = old.Tags
			}
		} else if n := len(scanKeys(w.tx, typePrefix(w.dom.Name), s.cfg.Quotas.ObjectTypesPerDomain)); n >= s.cfg.Quotas.ObjectTypesPerDomain {
			return badRequest("domain %s already has %d object types, its quota", w.dom.Name, n)
		}
		if err := store.PutJSON(w.tx, typeKey(w.dom.Name, t.Name), t); err != nil {
			return err
		}
		return w.rebuildKinds()
	})
	if err != nil {
		return nil, err
	}
	r := s.typeOutput(t)
	return &api.PutProfileObjectTypeResponse{
		ObjectTypeName: r.ObjectTypeName, Description: r.Description, TemplateId: r.TemplateId,
		ExpirationDays: r.ExpirationDays, EncryptionKey: r.EncryptionKey, AllowProfileCreation: r.AllowProfileCreation,
		SourceLastUpdatedTimestampFormat: r.SourceLastUpdatedTimestampFormat, MaxProfileObjectCount: r.MaxProfileObjectCount,
		MaxAvailableProfileObjectCount: r.MaxAvailableProfileObjectCount, SourcePriority: r.SourcePriority,
		Fields: r.Fields, Keys: r.Keys, Tags: r.Tags, CreatedAt: r.CreatedAt, LastUpdatedAt: r.LastUpdatedAt,
	}, nil
}

// typeOutput renders a type as GetProfileObjectType answers it.
func (s *Service) typeOutput(t *objectType) *api.GetProfileObjectTypeResponse {
	out := &api.GetProfileObjectTypeResponse{
		ObjectTypeName: t.Name, Description: t.Description, TemplateId: optional(t.TemplateID),
		EncryptionKey: t.EncryptionKey, AllowProfileCreation: ptr(t.AllowProfileCreation),
		SourceLastUpdatedTimestampFormat: optional(t.SourceLastUpdatedTimestampFormat),
		MaxAvailableProfileObjectCount:   ptr(int32(s.cfg.Quotas.ObjectsPerProfile)),
		Fields:                           t.Fields, Keys: t.Keys, Tags: t.Tags,
		CreatedAt: awsmodel.NewTimestamp(t.CreatedAt), LastUpdatedAt: awsmodel.NewTimestamp(t.LastUpdatedAt),
	}
	if t.ExpirationDays > 0 {
		out.ExpirationDays = ptr(t.ExpirationDays)
	}
	if t.MaxProfileObjectCount > 0 {
		out.MaxProfileObjectCount = ptr(t.MaxProfileObjectCount)
	}
	if t.SourcePriority > 0 {
		out.SourcePriority = ptr(t.SourcePriority)
	}
	return out
}

// readType reads an explicitly defined type.
func readType(tx store.Tx, dom, name string) (*objectType, bool, error) {
	return store.GetJSON[objectType](tx, typeKey(dom, name))
}

// domainExists answers 404 for an unknown domain in read transactions.
func domainExists(tx store.Tx, dom string) error {
	ok, err := store.Exists(tx, domainKey(dom))
	if err != nil {
		return err
	}
	if !ok {
		return notFound("Domain %s does not exist", dom)
	}
	return nil
}

func (s *Service) getObjectType(ctx context.Context, in *api.GetProfileObjectTypeRequest) (*api.GetProfileObjectTypeResponse, error) {
	var out *api.GetProfileObjectTypeResponse
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		t, ok, err := readType(tx, in.DomainName, in.ObjectTypeName)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("ObjectType %s does not exist in domain %s", in.ObjectTypeName, in.DomainName)
		}
		out = s.typeOutput(t)
		return nil
	})
	return out, err
}

func (s *Service) listObjectTypes(ctx context.Context, in *api.ListProfileObjectTypesRequest) (*api.ListProfileObjectTypesResponse, error) {
	out := &api.ListProfileObjectTypesResponse{Items: []*api.ListProfileObjectTypeItem{}}
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		types, next, err := page[objectType](tx, typePrefix(in.DomainName), pageRequest{
			scope: "types/" + in.DomainName, token: in.NextToken, max: pageSize(in.MaxResults, 100),
		})
		if err != nil {
			return err
		}
		for _, t := range types {
			r := s.typeOutput(t)
			out.Items = append(out.Items, &api.ListProfileObjectTypeItem{
				ObjectTypeName: t.Name, Description: t.Description, CreatedAt: r.CreatedAt, LastUpdatedAt: r.LastUpdatedAt,
				MaxProfileObjectCount: r.MaxProfileObjectCount, MaxAvailableProfileObjectCount: r.MaxAvailableProfileObjectCount,
				SourcePriority: r.SourcePriority, Tags: t.Tags,
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

// objectType resolves a type for ingestion: the domain's own definition,
// else a template of that name used implicitly.
func (w *wtx) objectType(name string) (*objectType, error) {
	if w.type1Set && w.type1Name == name {
		return w.type1, nil
	}
	if t, ok := w.types[name]; ok {
		return t, nil
	}
	w.key = appendTypeKey(w.key[:0], w.dom.Name, name)
	t, err := w.s.compiledType(w.tx, w.key, name)
	if err != nil {
		return nil, err
	}
	switch {
	case !w.type1Set:
		w.type1Name, w.type1, w.type1Set = name, t, true
	case w.types == nil:
		w.types = map[string]*objectType{name: t}
	default:
		w.types[name] = t
	}
	return t, nil
}

// forgetType drops what the transaction read of a type.
func (w *wtx) forgetType(name string) {
	if w.type1Set && w.type1Name == name {
		w.type1Name, w.type1, w.type1Set = "", nil, false
	}
	delete(w.types, name)
}

// kind is the ContentType that normalises a key's values in this domain:
// fixed for the standard keys, else the one recorded for the domain, else
// the one the ingesting type (if any) gives it.
func (w *wtx) kind(key string, t *objectType) (string, error) {
	if k, ok := standardKinds[key]; ok {
		return k, nil
	}
	if k, ok := w.kinds[key]; ok {
		return k, nil
	}
	k, err := customKind(w.tx, w.dom.Name, key, t)
	if err != nil {
		return "", err
	}
	if w.kinds == nil {
		w.kinds = map[string]string{}
	}
	w.kinds[key] = k
	return k, nil
}

// customKind is kind for a key that is not a standard one.
func customKind(tx store.Tx, dom, key string, t *objectType) (string, error) {
	k, err := readKind(tx, dom, key)
	if err != nil {
		return "", err
	}
	if k == "" {
		k = ctString
		if t != nil {
			k = t.keyKind(key)
		}
	}
	return k, nil
}

// readKind returns the recorded kind of a custom key, "" when none.
func readKind(tx store.Tx, dom, key string) (string, error) {
	b, err := tx.Get([]byte(kindKey(dom, key)))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return string(b), err
}

// rebuildKinds records, for every custom key name of the domain, the
// ContentType of the oldest object type defining it: key names are global
// to a domain, so one comparison must serve every type that uses them.
func (w *wtx) rebuildKinds() error {
	var types []*objectType
	for _, k := range scanKeys(w.tx, typePrefix(w.dom.Name), -1) {
		t, ok, err := store.GetJSON[objectType](w.tx, k)
		if err != nil {
			return err
		}
		if ok {
			types = append(types, t)
		}
	}
	sort.SliceStable(types, func(i, j int) bool {
		if !types[i].CreatedAt.Equal(types[j].CreatedAt) {
			return types[i].CreatedAt.Before(types[j].CreatedAt)
		}
		return types[i].Name < types[j].Name
	})
	kinds := map[string]string{}
	for _, t := range types {
		for key := range t.Keys {
			if _, std := standardKinds[key]; std {
				continue
			}
			if _, seen := kinds[key]; !seen {
				kinds[key] = t.keyKind(key)
			}
		}
	}
	if err := store.DeletePrefix(w.tx, kindPrefix(w.dom.Name)); err != nil {
		return err
	}
	for key, kind := range kinds {
		if err := w.tx.Put([]byte(kindKey(w.dom.Name, key)), []byte(kind)); err != nil {
			return err
		}
	}
	w.kinds = nil
	return nil
}

func (s *Service) deleteObjectType(ctx context.Context, in *api.DeleteProfileObjectTypeRequest) (*api.DeleteProfileObjectTypeResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		ok, err := store.Exists(w.tx, typeKey(w.dom.Name, in.ObjectTypeName))
		if err != nil {
			return err
		}
		// A template used implicitly has objects but no definition; deleting
		// it removes them all the same.
		if !ok && implicitType(in.ObjectTypeName) == nil {
			return notFound("ObjectType %s does not exist in domain %s", in.ObjectTypeName, w.dom.Name)
		}
		if err := w.deleteTypeData(in.ObjectTypeName); err != nil {
			return err
		}
		if err := w.tx.Delete([]byte(typeKey(w.dom.Name, in.ObjectTypeName))); err != nil {
			return err
		}
		w.forgetType(in.ObjectTypeName)
		return w.rebuildKinds()
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteProfileObjectTypeResponse{Message: "ObjectType " + in.ObjectTypeName + " was deleted"}, nil
}

func (s *Service) listTemplates(_ context.Context, in *api.ListProfileObjectTypeTemplatesRequest) (*api.ListProfileObjectTypeTemplatesResponse, error) {
	req := pageRequest{scope: "templates", token: in.NextToken, max: pageSize(in.MaxResults, 100)}
	after, err := req.after()
	if err != nil {
		return nil, err
	}
	out := &api.ListProfileObjectTypeTemplatesResponse{Items: []*api.ListProfileObjectTypeTemplateItem{}}
	for _, id := range sortedKeys(templates) {
		if id <= after {
			continue
		}
		if len(out.Items) == req.max {
			out.NextToken = ptr(pagetoken.Encode(req.scope, *out.Items[len(out.Items)-1].TemplateId))
			break
		}
		t := templates[id]
		out.Items = append(out.Items, &api.ListProfileObjectTypeTemplateItem{
			TemplateId: t.TemplateId, SourceName: t.SourceName, SourceObject: t.SourceObject,
		})
	}
	return out, nil
}

func (s *Service) getTemplate(_ context.Context, in *api.GetProfileObjectTypeTemplateRequest) (*api.GetProfileObjectTypeTemplateResponse, error) {
	t, ok := templates[in.TemplateId]
	if !ok {
		return nil, notFound("Template %s does not exist", in.TemplateId)
	}
	return t, nil
}
