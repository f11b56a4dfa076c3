package interp

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Profiles is the Customer Profiles domain linked to the contact's
// instance, as the Customer Profiles actions use it. A profile is a flat
// map in the flow language's field names: FirstName, Address1, City,
// ShippingCity, MailingPostalCode, Attributes.<name>, and its id under
// ProfileId. Methods return ErrNotFound (wrapped) for a profile id that
// names nothing.
type Profiles interface {
	// Search returns up to limit profiles that have every key (and) or any
	// key (!and); a key's Name is a search key such as _phone or _account.
	Search(keys []ProfileKey, and bool, limit int) ([]map[string]string, error)
	// Create creates a profile with fields and returns it.
	Create(fields map[string]string) (map[string]string, error)
	// Update sets fields on the profile with id and returns it.
	Update(id string, fields map[string]string) (map[string]string, error)
	// Get returns the profile with id.
	Get(id string) (map[string]string, error)
	// Associate links the contact to the profile with id.
	Associate(id, contactID string) error
	// Objects returns the JSON text of the profile's objects of
	// objectType, most recent first, at most limit: every one, or those
	// whose key has the value when key is not nil.
	Objects(id, objectType string, key *ProfileKey, limit int) ([]string, error)
	// Calculated returns the values the domain's calculated attributes
	// have for the profile, by attribute name.
	Calculated(id string) (map[string]string, error)
}

// ProfileKey is one search identifier of GetCustomerProfile.
type ProfileKey struct {
	Name  string
	Value string
}

// ErrNoProfiles is what Env.Profiles returns when no Customer Profiles
// domain is linked to the instance.
var ErrNoProfiles = errors.New("no Customer Profiles domain is linked to this instance")

// maxProfileKeys is how many search identifiers GetCustomerProfile takes
// ("up to five total").
const maxProfileKeys = 5

// The errors of GetCustomerProfile beyond NoMatchingError.
const (
	errNoneFound     = "NoneFoundError"
	errMultipleFound = "MultipleFoundError"
)

// customerScope is the Change scope of writes to $.Customer.
const customerScope = "Customer"

// profileAction runs the Customer Profiles actions.
func (r *run) profileAction(a *flow.Action) outcome {
	req, ok := a.Params.Get("ProfileRequestData")
	if !ok || req.Kind != flow.ParamObject {
		return failure("no ProfileRequestData object")
	}
	prof, err := r.env.Profiles()
	if err != nil {
		return failure(err.Error())
	}
	switch a.Type {
	case flow.TypeGetCustomerProfile:
		return r.getProfile(a, req, prof)
	case flow.TypeCreateCustomerProfile:
		fields, err := r.profileFields(req, false)
		if err != nil {
			return failure(err.Error())
		}
		p, err := prof.Create(fields)
		if err != nil {
			return failure("CreateProfile: " + err.Error())
		}
		if err := r.exposeProfile(a, p); err != nil {
			return failure("created profile " + p["ProfileId"] + ", but " + err.Error())
		}
		return next("created profile " + p["ProfileId"])
	case flow.TypeUpdateCustomerProfile:
		id, err := r.profileID(req)
		if err != nil {
			return failure(err.Error())
		}
		fields, err := r.profileFields(req, true)
		if err != nil {
			return failure(err.Error())
		}
		p, err := prof.Update(id, fields)
		if err != nil {
			return failure("UpdateProfile: " + err.Error())
		}
		if err := r.exposeProfile(a, p); err != nil {
			return failure("updated profile " + id + ", but " + err.Error())
		}
		return next("updated profile " + id)
	case flow.TypeGetCustomerProfileObject:
		return r.getProfileObject(a, req, prof)
	case flow.TypeGetCalculatedAttributesForCustomerProfile:
		return r.getCalculatedAttributes(a, req, prof)
	case flow.TypeAssociateContactToCustomerProfile:
		id, err := r.profileID(req)
		if err != nil {
			return failure(err.Error())
		}
		contact, _, err := r.request(req, "ContactId")
		if err != nil {
			return failure(err.Error())
		}
		if contact == "" {
			contact = r.c.ContactID
		}
		r.param("ContactId", contact)
		if err := prof.Associate(id, contact); err != nil {
			return failure("associating contact " + contact + " with profile " + id + ": " + err.Error())
		}
		return next("contact " + contact + " associated with profile " + id)
	}
	return fault("action " + quote(a.Identifier) + ": " + a.Type.String() + " is not a profile action")
}

// getProfile searches by one identifier or by SearchCriteria and, when
// exactly one profile matches, exposes it under $.Customer.
func (r *run) getProfile(a *flow.Action, req *flow.Param, prof Profiles) outcome {
	keys, and, err := r.searchKeys(req)
	if err != nil {
		return failure(err.Error())
	}
	found, err := prof.Search(keys, and, 2)
	if err != nil {
		return failure("SearchProfiles: " + err.Error())
	}
	switch len(found) {
	case 0:
		return failed(errNoneFound, "no profile matches "+describeKeys(keys, and))
	case 1:
		if err := r.exposeProfile(a, found[0]); err != nil {
			return failure(err.Error())
		}
		return next("found profile " + found[0]["ProfileId"])
	}
	return failed(errMultipleFound, "more than one profile matches "+describeKeys(keys, and))
}

// searchKeys reads IdentifierName and IdentifierValue (the reference's
// documentation also spells it IdentiferValue), or SearchCriteria with
// LogicalOperator.
func (r *run) searchKeys(req *flow.Param) ([]ProfileKey, bool, error) {
	var keys []ProfileKey
	and := true
	if crit, ok := req.Get("SearchCriteria"); ok && crit.Kind == flow.ParamArray {
		op, _, err := r.request(req, "LogicalOperator")
		if err != nil {
			return nil, false, err
		}
		switch strings.ToUpper(op) {
		case "AND":
		case "OR":
			and = false
		default:
			return nil, false, errors.New("SearchCriteria needs LogicalOperator AND or OR, not " + quote(op))
		}
		for i := range crit.Items {
			k, err := r.profileKey(&crit.Items[i])
			if err != nil {
				return nil, false, err
			}
			keys = append(keys, k)
		}
	} else {
		k, err := r.profileKey(req)
		if err != nil {
			return nil, false, err
		}
		keys = append(keys, k)
	}
	if len(keys) > maxProfileKeys {
		return nil, false, errors.New("more than 5 search identifiers")
	}
	r.param("LogicalOperator", logicalOperator(and))
	return keys, and, nil
}

func (r *run) profileKey(p *flow.Param) (ProfileKey, error) {
	if p.Kind != flow.ParamObject {
		return ProfileKey{}, errors.New("a search identifier must be an object")
	}
	name, _, err := r.request(p, "IdentifierName")
	if err != nil {
		return ProfileKey{}, err
	}
	value, present, err := r.request(p, "IdentifierValue")
	if !present && err == nil {
		value, _, err = r.request(p, "IdentiferValue")
	}
	if err != nil {
		return ProfileKey{}, err
	}
	if name == "" {
		return ProfileKey{}, errors.New("IdentifierName is missing or empty")
	}
	if value == "" {
		return ProfileKey{}, errors.New("IdentifierValue for " + name + " is missing or resolves to nothing")
	}
	r.param("IdentifierName", name)
	r.param("IdentifierValue", value)
	return ProfileKey{Name: name, Value: value}, nil
}

func describeKeys(keys []ProfileKey, and bool) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Name + " " + quote(k.Value)
	}
	return strings.Join(parts, " "+strings.ToLower(logicalOperator(and))+" ")
}

// logicalOperator names the way search keys combine, as SearchProfiles
// spells it.
func logicalOperator(and bool) string {
	if and {
		return "AND"
	}
	return "OR"
}

// The block's limits: "Request values can't exceed 255 characters", and
// the Customer Profiles contact attributes of a flow total at most 14,000
// characters.
const (
	maxRequestValue   = 255
	maxCustomerValues = 14000
)

// request is get for a member of ProfileRequestData, held to the block's
// limit on request values.
func (r *run) request(p *flow.Param, name string) (string, bool, error) {
	v, present, err := r.get(p, name)
	if err == nil {
		if err = checkRequestValue(v); err != nil {
			err = errors.New(name + ": " + err.Error())
		}
	}
	return v, present, err
}

func checkRequestValue(v string) error {
	if n := utf8.RuneCountInString(v); n > maxRequestValue {
		return fmt.Errorf("the value is %d characters long; Customer Profiles actions take at most %d", n, maxRequestValue)
	}
	return nil
}

// profileID reads ProfileRequestData.ProfileId.
func (r *run) profileID(req *flow.Param) (string, error) {
	id, _, err := r.request(req, "ProfileId")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("ProfileId is missing or resolves to nothing")
	}
	r.param("ProfileId", id)
	return id, nil
}

// profileFields reads the profile fields of ProfileRequestData, every
// member but the ids. A value that resolves to nothing is left out.
func (r *run) profileFields(req *flow.Param, update bool) (map[string]string, error) {
	fields := make(map[string]string, len(req.Fields))
	for i := range req.Fields {
		f := &req.Fields[i]
		if f.Name == "ProfileId" && update || f.Name == "ContactId" {
			continue
		}
		switch f.Param.Kind {
		case flow.ParamString, flow.ParamNumber, flow.ParamBool:
		case flow.ParamNull:
			continue
		default:
			return nil, errors.New("ProfileRequestData." + f.Name + " must be a string")
		}
		v, err := r.value(f.Param.Value)
		if err == nil {
			err = checkRequestValue(v)
		}
		if err != nil {
			return nil, errors.New("ProfileRequestData." + f.Name + ": " + err.Error())
		}
		if v == "" {
			continue
		}
		fields[f.Name] = v
		r.param(f.Name, v)
	}
	return fields, nil
}

// responseFields reads ProfileResponseData: a list of field names (as
// console exports write it) or an object whose member names are the
// fields (as the older documentation shows it).
func responseFields(a *flow.Action) []string {
	p, ok := a.Params.Get("ProfileResponseData")
	if !ok {
		return nil
	}
	var names []string
	switch p.Kind {
	case flow.ParamArray:
		for i := range p.Items {
			if p.Items[i].Kind == flow.ParamString {
				names = append(names, p.Items[i].Value.String())
			}
		}
	case flow.ParamObject:
		for i := range p.Fields {
			names = append(names, p.Fields[i].Name)
		}
	}
	return names
}

// exposeProfile puts the profile's id and the fields ProfileResponseData
// asks for under $.Customer: added to what is there for the profile
// already exposed, replacing it for another. $.Customer belongs to the
// contact: later flows of the same contact see it.
func (r *run) exposeProfile(a *flow.Action, p map[string]string) error {
	c := r.c
	next := map[string]string{}
	if c.Customer["ProfileId"] == p["ProfileId"] {
		maps.Copy(next, c.Customer)
	}
	next["ProfileId"] = p["ProfileId"]
	for _, name := range responseFields(a) {
		if v, ok := p[name]; ok && v != "" {
			next[name] = v
		}
	}
	size := 0
	for _, v := range next {
		size += utf8.RuneCountInString(v)
	}
	if size > maxCustomerValues {
		return fmt.Errorf("$.Customer would hold %d characters; a flow's Customer Profiles attributes hold at most %d (ask for fewer fields in ProfileResponseData)", size, maxCustomerValues)
	}
	keys := make([]string, 0, len(next)+len(c.Customer))
	for k := range next {
		keys = append(keys, k)
	}
	for k := range c.Customer {
		if _, ok := next[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if old, v := c.Customer[k], next[k]; old != v {
			r.change(customerScope, k, old, v)
		}
	}
	c.Customer = next
	return nil
}

// customerField resolves $.Customer.<Field>; nested names such as
// $.Customer.Attributes.tier are kept under their dotted path.
func (c *Contact) customerField(rest []flow.Segment) (string, bool) {
	switch len(rest) {
	case 0:
		return "", false
	case 1:
		v, ok := c.Customer[rest[0].Name]
		return v, ok
	}
	names := make([]string, len(rest))
	for i := range rest {
		names[i] = rest[i].Name
	}
	v, ok := c.Customer[strings.Join(names, ".")]
	return v, ok
}
