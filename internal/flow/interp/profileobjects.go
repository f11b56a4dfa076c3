package interp

import (
	"errors"
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Where GetCustomerProfileObject and GetCalculatedAttributesForCustomerProfile
// put what they read: $.Customer.ObjectAttributes.<field> and
// $.Customer.CalculatedAttributes.<name>.
const (
	objectAttributesPrefix     = "ObjectAttributes."
	calculatedAttributesPrefix = "CalculatedAttributes."
)

// standardObjectTypes are the ObjectType values that name Customer
// Profiles' standard objects (assets, orders, cases), whose fields the
// action exposes as $.Customer.Asset.*, and so on. Hotline's object types
// are custom ones, which map only onto the profile.
var standardObjectTypes = map[string]bool{
	"Asset": true, "Order": true, "Case": true, "_asset": true, "_order": true, "_case": true,
}

// getProfileObject runs GetCustomerProfileObject: it finds one object of
// ObjectType for ProfileId, the most recent one (UseLatest) or the one
// whose key IdentifierName has IdentifierValue, and exposes the fields
// ProfileResponseData asks for as $.Customer.ObjectAttributes.<field>.
func (r *run) getProfileObject(a *flow.Action, req *flow.Param, prof Profiles) outcome {
	id, err := r.profileID(req)
	if err != nil {
		return failure(err.Error())
	}
	typ, _, err := r.request(req, "ObjectType")
	if err != nil {
		return failure(err.Error())
	}
	if typ == "" {
		return failure("ObjectType is missing or resolves to nothing")
	}
	r.param("ObjectType", typ)
	if standardObjectTypes[typ] {
		return fault("action " + quote(a.Identifier) + ": standard " + typ + " objects are not supported by Hotline " +
			"(its object types are custom ones; read one with its own type name and ObjectAttributes.<field>)")
	}
	latest, err := r.useLatest(req)
	if err != nil {
		return failure(err.Error())
	}
	// An empty IdentifierName is no identifier (an export may carry one
	// beside UseLatest).
	name, _, err := r.request(req, "IdentifierName")
	if err != nil {
		return failure(err.Error())
	}
	var key *ProfileKey
	if name != "" {
		k, err := r.profileKey(req)
		if err != nil {
			return failure(err.Error())
		}
		key = &k
	} else if !latest {
		return failure("GetCustomerProfileObject needs UseLatest true, or IdentifierName and IdentifierValue")
	}
	if _, err := prof.Get(id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return failed(errNoneFound, err.Error())
		}
		return failure(err.Error())
	}
	limit := 2 // to tell one match from several
	if latest {
		limit = 1
	}
	objects, err := prof.Objects(id, typ, key, limit)
	if err != nil {
		return failure("ListProfileObjects: " + err.Error())
	}
	what := typ + " object of profile " + id
	if key != nil {
		what += " with " + key.Name + " " + quote(key.Value)
	}
	switch len(objects) {
	case 0:
		return failed(errNoneFound, "no "+what)
	case 1:
	default:
		return failure("more than one " + what + " (set UseLatest to take the most recent)")
	}
	p, err := objectFields(a, id, objects[0])
	if err != nil {
		return failure("the " + what + ": " + err.Error())
	}
	if err := r.exposeProfile(a, p); err != nil {
		return failure(err.Error())
	}
	return next("found the " + what)
}

// useLatest reads UseLatest, a boolean that exports write as a string.
func (r *run) useLatest(req *flow.Param) (bool, error) {
	v, present, err := r.request(req, "UseLatest")
	if err != nil || !present || strings.TrimSpace(v) == "" {
		return false, err
	}
	switch {
	case isTrue(v):
		r.param("UseLatest", "true")
		return true, nil
	case strings.EqualFold(strings.TrimSpace(v), "false"):
		return false, nil
	}
	return false, errors.New("UseLatest must be true or false, not " + quote(v))
}

// objectFields picks the ObjectAttributes.<field> names of
// ProfileResponseData out of an object's JSON text. A field is a member of
// the object or a dotted path into it, read as a function's JSON response
// is read ($.External): objects and arrays as their JSON text, null and
// absent fields not at all.
func objectFields(a *flow.Action, id, object string) (map[string]string, error) {
	doc, err := parseData(object)
	if err != nil || doc.kind != dataObject {
		return nil, errors.New("not a JSON object")
	}
	p := map[string]string{"ProfileId": id}
	for _, name := range responseFields(a) {
		path, ok := strings.CutPrefix(name, objectAttributesPrefix)
		if !ok {
			continue
		}
		if v, ok := doc.Get(path); ok {
			p[name] = v
		}
	}
	return p, nil
}

// getCalculatedAttributes runs GetCalculatedAttributesForCustomerProfile:
// the profile's calculated attributes that ProfileResponseData asks for
// go under $.Customer.CalculatedAttributes.<name>. An attribute without a
// value for the profile is left out, as GetProfile leaves out empty
// fields.
func (r *run) getCalculatedAttributes(a *flow.Action, req *flow.Param, prof Profiles) outcome {
	id, err := r.profileID(req)
	if err != nil {
		return failure(err.Error())
	}
	if _, err := prof.Get(id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return failed(errNoneFound, err.Error())
		}
		return failure(err.Error())
	}
	values, err := prof.Calculated(id)
	if err != nil {
		return failure("ListCalculatedAttributesForProfile: " + err.Error())
	}
	p := map[string]string{"ProfileId": id}
	for name, v := range values {
		p[calculatedAttributesPrefix+name] = v
	}
	if err := r.exposeProfile(a, p); err != nil {
		return failure(err.Error())
	}
	return next("read " + strconv.Itoa(len(values)) + " calculated attributes of profile " + id)
}
