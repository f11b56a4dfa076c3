package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// Profiles in flows. AWS links a Customer Profiles domain to a Connect
// instance in its console; Hotline keeps the link as a setting of its own
// (one domain per instance), and the flow engine's profile actions run
// against the linked domain through the same operations the API serves.

// linkPrefix holds one record per linked instance, outside any domain's
// range so that deleting a domain leaves the link (the actions then fail
// saying the domain is gone, rather than the link vanishing silently).
const linkPrefix = "profiles/link/"

func linkKey(instanceID string) string { return linkPrefix + instanceID }

// Link is an instance's link to a domain.
type Link struct {
	InstanceID string    `json:"InstanceId"`
	DomainName string    `json:"DomainName"`
	LinkedAt   time.Time `json:"LinkedAt"`
}

// instanceIDPattern is what an instance id may be; an ARN is cut to its id
// before it gets here.
var instanceIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,100}$`)

// LinkDomain links the instance to an existing domain, replacing any
// earlier link.
func (s *Service) LinkDomain(ctx context.Context, instanceID, domain string) (*Link, error) {
	if !instanceIDPattern.MatchString(instanceID) {
		return nil, badRequest("%q is not an instance id", instanceID)
	}
	l := &Link{InstanceID: instanceID, DomainName: domain, LinkedAt: s.clock.Now().UTC()}
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		if err := domainExists(tx, domain); err != nil {
			return err
		}
		return store.PutJSON(tx, linkKey(instanceID), l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// UnlinkDomain removes the instance's link; ResourceNotFoundException when
// there is none.
func (s *Service) UnlinkDomain(ctx context.Context, instanceID string) error {
	return s.db.Update(ctx, func(tx store.RwTx) error {
		ok, err := store.Exists(tx, linkKey(instanceID))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Instance %s is not linked to a Customer Profiles domain", instanceID)
		}
		return tx.Delete([]byte(linkKey(instanceID)))
	})
}

// DropLink removes the instance's link, if any: the instance was deleted.
func (s *Service) DropLink(ctx context.Context, instanceID string) error {
	return s.db.Update(ctx, func(tx store.RwTx) error {
		return tx.Delete([]byte(linkKey(instanceID)))
	})
}

// LinkedDomain returns the instance's link; ok is false when it has none.
func (s *Service) LinkedDomain(ctx context.Context, instanceID string) (l *Link, ok bool, err error) {
	err = s.db.View(ctx, func(tx store.Tx) error {
		l, ok, err = store.GetJSON[Link](tx, linkKey(instanceID))
		return err
	})
	if err != nil || !ok {
		return nil, false, err
	}
	return l, true, nil
}

// FlowProfiles returns the domain linked to the instance as the flow
// engine's profile actions use it, or interp.ErrNoProfiles.
func (s *Service) FlowProfiles(ctx context.Context, instanceID string) (interp.Profiles, error) {
	l, ok, err := s.LinkedDomain(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w (link one with: hotline profiles link DOMAIN)", interp.ErrNoProfiles)
	}
	return &flowDomain{s: s, ctx: ctx, domain: l.DomainName}, nil
}

// flowDomain runs the profile actions against one domain.
type flowDomain struct {
	s      *Service
	ctx    context.Context
	domain string
}

var _ interp.Profiles = (*flowDomain)(nil)

func (d *flowDomain) Search(keys []interp.ProfileKey, and bool, limit int) ([]map[string]string, error) {
	if len(keys) == 0 {
		return nil, errors.New("no search identifier")
	}
	in := &api.SearchProfilesRequest{DomainName: d.domain, KeyName: keys[0].Name, Values: []string{keys[0].Value},
		MaxResults: ptr(int32(limit))}
	for _, k := range keys[1:] {
		in.AdditionalSearchKeys = append(in.AdditionalSearchKeys, &api.AdditionalSearchKey{KeyName: k.Name, Values: []string{k.Value}})
	}
	if len(keys) > 1 {
		in.LogicalOperator = ptr("OR")
		if and {
			in.LogicalOperator = ptr("AND")
		}
	}
	if err := d.validate("SearchProfilesRequest", in); err != nil {
		return nil, err
	}
	out, err := d.s.searchProfiles(d.ctx, in)
	if err != nil {
		return nil, plain(err)
	}
	found := make([]map[string]string, len(out.Items))
	for i, p := range out.Items {
		found[i] = flowFields(p)
	}
	return found, nil
}

func (d *flowDomain) Create(fields map[string]string) (map[string]string, error) {
	doc, err := profileDocument(fields)
	if err != nil {
		return nil, err
	}
	doc["DomainName"] = d.domain
	in := &api.CreateProfileRequest{}
	if err := d.decode("CreateProfileRequest", doc, in); err != nil {
		return nil, err
	}
	out, err := d.s.createProfile(d.ctx, in)
	if err != nil {
		return nil, plain(err)
	}
	return d.Get(out.ProfileId)
}

func (d *flowDomain) Update(id string, fields map[string]string) (map[string]string, error) {
	doc, err := profileDocument(fields)
	if err != nil {
		return nil, err
	}
	doc["DomainName"], doc["ProfileId"] = d.domain, id
	in := &api.UpdateProfileRequest{}
	if err := d.decode("UpdateProfileRequest", doc, in); err != nil {
		return nil, err
	}
	if _, err := d.s.updateProfile(d.ctx, in); err != nil {
		return nil, plain(err)
	}
	return d.Get(id)
}

func (d *flowDomain) Get(id string) (map[string]string, error) {
	in := &api.BatchGetProfileRequest{DomainName: d.domain, ProfileIds: []string{id}}
	if err := d.validate("BatchGetProfileRequest", in); err != nil {
		return nil, err
	}
	out, err := d.s.batchGetProfile(d.ctx, in)
	if err != nil {
		return nil, plain(err)
	}
	if len(out.Profiles) == 0 {
		return nil, fmt.Errorf("%w: profile %s does not exist in domain %s", interp.ErrNotFound, id, d.domain)
	}
	return flowFields(out.Profiles[0]), nil
}

// Associate checks that the profile is live. The link itself is kept on
// the contact ($.Customer.ProfileId and its report): Hotline keeps no
// contact history per profile.
func (d *flowDomain) Associate(id, _ string) error {
	_, err := d.Get(id)
	return err
}

// Objects lists the profile's objects of the type through ListProfileObjects,
// with the key as its ObjectFilter.
func (d *flowDomain) Objects(id, objectType string, key *interp.ProfileKey, limit int) ([]string, error) {
	in := &api.ListProfileObjectsRequest{DomainName: d.domain, ProfileId: id, ObjectTypeName: objectType,
		MaxResults: ptr(int32(limit))}
	if key != nil {
		in.ObjectFilter = &api.ObjectFilter{KeyName: key.Name, Values: []string{key.Value}}
	}
	if err := d.validate("ListProfileObjectsRequest", in); err != nil {
		return nil, err
	}
	out, err := d.s.listObjects(d.ctx, in)
	if err != nil {
		return nil, plain(err)
	}
	objects := make([]string, len(out.Items))
	for i, it := range out.Items {
		objects[i] = deref(it.Object)
	}
	return objects, nil
}

// Calculated computes the profile's calculated attributes as
// ListCalculatedAttributesForProfile does.
func (d *flowDomain) Calculated(id string) (map[string]string, error) {
	vals, err := d.s.CalculatedAttributesForProfile(d.ctx, d.domain, id)
	if err != nil {
		return nil, plain(err)
	}
	out := make(map[string]string, len(vals))
	for _, v := range vals {
		out[v.Name] = v.Value
	}
	return out, nil
}

// validate checks a request against the Customer Profiles model, so a
// flow's values meet the same rules as an API caller's.
func (d *flowDomain) validate(shape string, in any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return d.decodeChecked(shape, b, nil)
}

// decode checks doc against the model and decodes it into out.
func (d *flowDomain) decode(shape string, doc map[string]any, out any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return d.decodeChecked(shape, b, out)
}

func (d *flowDomain) decodeChecked(shape string, b []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return err
	}
	if err := awsmodel.MustLoad("customer-profiles").Validate(shape, generic); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// plain turns a service error into its message with its code, for the
// contact's trace.
func plain(err error) error {
	if e, ok := apierr.As(err); ok {
		if e.Code == codeNotFound {
			return fmt.Errorf("%w: %s", interp.ErrNotFound, e.Message)
		}
		return fmt.Errorf("%s: %s", e.Code, e.Message)
	}
	return err
}

// Flow field names. The flow language flattens the profile: the generic
// Address's parts keep their own names (Address1, City, ...), the other
// addresses prefix theirs with the address kind (ShippingCity,
// MailingAddress1), and attributes are Attributes.<name>.
var flowAddressPrefixes = map[string]string{
	"Address": "", "ShippingAddress": "Shipping", "MailingAddress": "Mailing", "BillingAddress": "Billing",
}

// flowFieldPaths maps each flow field name to its path in a profile
// document: "FirstName" to FirstName, "ShippingCity" to ShippingAddress.City.
var flowFieldPaths = func() map[string][2]string {
	m := map[string][2]string{}
	for _, name := range stringMembers {
		m[name] = [2]string{name, ""}
	}
	for addr, prefix := range flowAddressPrefixes {
		for _, part := range addressParts {
			m[prefix+part] = [2]string{addr, part}
		}
	}
	return m
}()

// profileDocument turns flow fields into a CreateProfile/UpdateProfile
// document.
func profileDocument(fields map[string]string) (map[string]any, error) {
	doc := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		v := fields[name]
		if attr, ok := strings.CutPrefix(name, attributesPrefix); ok {
			attrs, _ := doc["Attributes"].(map[string]any)
			if attrs == nil {
				attrs = map[string]any{}
				doc["Attributes"] = attrs
			}
			attrs[attr] = v
			continue
		}
		path, ok := flowFieldPaths[name]
		if !ok {
			return nil, fmt.Errorf("%s is not a profile field (fields are the standard profile's, such as FirstName, City or ShippingPostalCode, and Attributes.<name>)", name)
		}
		if path[1] == "" {
			doc[path[0]] = v
			continue
		}
		addr, _ := doc[path[0]].(map[string]any)
		if addr == nil {
			addr = map[string]any{}
			doc[path[0]] = addr
		}
		addr[path[1]] = v
	}
	return doc, nil
}

// flowFields flattens a profile into flow field names.
func flowFields(p *api.Profile) map[string]string {
	b, _ := json.Marshal(p)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	out := map[string]string{}
	for name, v := range doc {
		switch v := v.(type) {
		case string:
			out[name] = v
		case map[string]any:
			if name == "Attributes" {
				for k, s := range v {
					if s, ok := s.(string); ok {
						out[attributesPrefix+k] = s
					}
				}
				continue
			}
			prefix, ok := flowAddressPrefixes[name]
			if !ok {
				continue
			}
			for part, s := range v {
				if s, ok := s.(string); ok {
					out[prefix+part] = s
				}
			}
		}
	}
	return out
}

// Routes serves the link setting:
//
//	GET    /_hotline/profiles/links/{instance}   the instance's link
//	PUT    /_hotline/profiles/links/{instance}   {"DomainName": "..."}
//	DELETE /_hotline/profiles/links/{instance}
func (s *Service) Routes() map[string]http.Handler {
	const path = "/_hotline/profiles/links/{instance}"
	api := edge.InternalAPI{Log: s.log, Status: map[string]int{codeNotFound: http.StatusNotFound}}
	return map[string]http.Handler{
		"GET " + path: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("instance")
			l, ok, err := s.LinkedDomain(r.Context(), id)
			if err == nil && !ok {
				err = notFound("Instance %s is not linked to a Customer Profiles domain", id)
			}
			if err != nil {
				api.WriteError(w, r, err)
				return
			}
			api.WriteJSON(w, r, l)
		}),
		"PUT " + path: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct{ DomainName string }
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
				api.WriteError(w, r, badRequest("the body must be {\"DomainName\": \"...\"}: %v", err))
				return
			}
			if in.DomainName == "" {
				api.WriteError(w, r, badRequest("DomainName is required"))
				return
			}
			l, err := s.LinkDomain(r.Context(), r.PathValue("instance"), in.DomainName)
			if err != nil {
				api.WriteError(w, r, err)
				return
			}
			api.WriteJSON(w, r, l)
		}),
		"DELETE " + path: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.UnlinkDomain(r.Context(), r.PathValue("instance")); err != nil {
				api.WriteError(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}
