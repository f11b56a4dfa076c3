package profiles

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

func (s *Service) registerProfiles(e *edge.Service) {
	handle(s, e, "CreateProfile", s.createProfile)
	handle(s, e, "UpdateProfile", s.updateProfile)
	handle(s, e, "DeleteProfile", s.deleteProfile)
	handle(s, e, "AddProfileKey", s.addProfileKey)
	handle(s, e, "DeleteProfileKey", s.deleteProfileKey)
	handle(s, e, "MergeProfiles", s.mergeProfiles)
	handle(s, e, "BatchGetProfile", s.batchGetProfile)
}

// asProfile reads a CreateProfile or UpdateProfile request as a Profile:
// the requests carry the Profile's members under the same names.
func asProfile(req any) *api.Profile {
	b, _ := json.Marshal(req)
	p := &api.Profile{}
	_ = json.Unmarshal(b, p)
	return p
}

// setManual applies values from CreateProfile or UpdateProfile: they are
// manual, and ingestion never overwrites them. An empty value clears the
// field, which ingestion may then fill again.
func setManual(p *profileRecord, values map[string]*string, at int64) {
	for path, v := range values {
		if v == nil {
			continue
		}
		if *v == "" {
			delete(p.Fields, path)
			continue
		}
		p.Fields[path] = &fieldValue{V: *v, Manual: true, At: at}
	}
}

func (s *Service) createProfile(ctx context.Context, in *api.CreateProfileRequest) (*api.CreateProfileResponse, error) {
	var id string
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p := w.newProfile()
		setManual(p, flatten(asProfile(in)), w.nowNs)
		p.Prefs = in.EngagementPreferences
		id = p.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateProfileResponse{ProfileId: id}, nil
}

func (s *Service) updateProfile(ctx context.Context, in *api.UpdateProfileRequest) (*api.UpdateProfileResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p, err := w.liveProfile(in.ProfileId)
		if err != nil {
			return err
		}
		setManual(p, flatten(asProfile(in)), w.nowNs)
		if in.EngagementPreferences != nil {
			p.Prefs = in.EngagementPreferences
		}
		p.touch(w.now, w.dom.DefaultExpirationDays)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateProfileResponse{ProfileId: in.ProfileId}, nil
}

func (s *Service) deleteProfile(ctx context.Context, in *api.DeleteProfileRequest) (*api.DeleteProfileResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p, err := w.liveProfile(in.ProfileId)
		if err != nil {
			return err
		}
		return w.deleteProfile(p)
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteProfileResponse{Message: ptr("Profile " + in.ProfileId + " was deleted")}, nil
}

func (s *Service) addProfileKey(ctx context.Context, in *api.AddProfileKeyRequest) (*api.AddProfileKeyResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p, err := w.liveProfile(in.ProfileId)
		if err != nil {
			return err
		}
		kind, err := w.kind(in.KeyName, nil)
		if err != nil {
			return err
		}
		for _, v := range in.Values {
			n := normalize(kind, v)
			if n == "" {
				return badRequest("%q is not a valid value for key %s (compared as %s)", v, in.KeyName, kind)
			}
			// A value another profile owns is allowed; it just becomes
			// ambiguous for matching.
			p.addSupport(in.KeyName, n, keySupport{Ref: refManual})
		}
		p.touch(w.now, w.dom.DefaultExpirationDays)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.AddProfileKeyResponse{KeyName: ptr(in.KeyName), Values: in.Values}, nil
}

func (s *Service) deleteProfileKey(ctx context.Context, in *api.DeleteProfileKeyRequest) (*api.DeleteProfileKeyResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p, err := w.liveProfile(in.ProfileId)
		if err != nil {
			return err
		}
		kind, err := w.kind(in.KeyName, nil)
		if err != nil {
			return err
		}
		drop := map[string]bool{}
		for _, v := range in.Values {
			drop[normalize(kind, v)] = true
		}
		// Values the standard profile derives come back from its fields;
		// clear the field with UpdateProfile to remove them.
		p.dropSupports(func(key, value string, s keySupport) bool {
			return key == in.KeyName && drop[value] && s.Ref != refStandard
		})
		p.touch(w.now, w.dom.DefaultExpirationDays)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteProfileKeyResponse{Message: ptr("Key " + in.KeyName + " was deleted from profile " + in.ProfileId)}, nil
}

func (s *Service) mergeProfiles(ctx context.Context, in *api.MergeProfilesRequest) (*api.MergeProfilesResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		main, err := w.liveProfile(in.MainProfileId)
		if err != nil {
			return err
		}
		byID := map[string]*profileRecord{main.ID: main}
		var merged []*profileRecord
		for _, id := range in.ProfileIdsToBeMerged {
			if id == main.ID {
				return badRequest("ProfileIdsToBeMerged must not contain MainProfileId %s", id)
			}
			if byID[id] != nil {
				return badRequest("ProfileIdsToBeMerged lists %s twice", id)
			}
			p, err := w.liveProfile(id)
			if err != nil {
				return err
			}
			byID[id] = p
			merged = append(merged, p)
		}
		sources, err := fieldSources(in.FieldSourceProfileIds, byID)
		if err != nil {
			return err
		}
		// Standard fields: the union, the main profile winning conflicts...
		for _, p := range merged {
			for path, f := range p.Fields {
				if main.Fields[path] == nil {
					main.Fields[path] = f
				}
			}
			if main.Prefs == nil {
				main.Prefs = p.Prefs
			}
		}
		// ...unless FieldSourceProfileIds names the profile to take a field
		// from, even when that profile has no value for it.
		for member, src := range sources {
			if member == "EngagementPreferences" {
				main.Prefs = src.Prefs
				continue
			}
			paths := fieldGroup(main.Fields, member)
			for _, path := range fieldGroup(src.Fields, member) {
				if !slices.Contains(paths, path) {
					paths = append(paths, path)
				}
			}
			for _, path := range paths {
				if f := src.Fields[path]; f != nil {
					main.Fields[path] = f
				} else {
					delete(main.Fields, path)
				}
			}
		}
		// Keys and objects move to the main profile; the others go.
		for _, p := range merged {
			for key, vals := range p.Keys {
				for v, sup := range vals {
					for _, sp := range sup {
						if sp.Ref != refStandard {
							main.addSupport(key, v, sp)
						}
					}
				}
			}
			if err := w.moveObjects(p, main); err != nil {
				return err
			}
			// A field main took from p may come from an object that had
			// left p already (p's marker, which goes with p, said so).
			if p.stored != nil {
				for _, t := range p.stored.types {
					main.leftBy(t)
				}
			}
			if err := w.dropProfileRecord(p); err != nil {
				return err
			}
		}
		main.touch(w.now, w.dom.DefaultExpirationDays)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.MergeProfilesResponse{Message: ptr("Merged into profile " + in.MainProfileId)}, nil
}

// fieldSources reads FieldSourceProfileIds into member (or
// "Attributes.<name>") → the profile to take it from, which must be one of
// the profiles being merged.
func fieldSources(ids *api.FieldSourceProfileIds, byID map[string]*profileRecord) (map[string]*profileRecord, error) {
	out := map[string]*profileRecord{}
	if ids == nil {
		return out, nil
	}
	b, _ := json.Marshal(ids)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	pick := func(member, id string) error {
		p := byID[id]
		if p == nil {
			return badRequest("FieldSourceProfileIds.%s names %s, which is neither MainProfileId nor in ProfileIdsToBeMerged", member, id)
		}
		out[member] = p
		return nil
	}
	for member, raw := range m {
		if member == "Attributes" {
			var attrs map[string]string
			_ = json.Unmarshal(raw, &attrs)
			for name, id := range attrs {
				if err := pick(attributesPrefix+name, id); err != nil {
					return nil, err
				}
			}
			continue
		}
		var id string
		_ = json.Unmarshal(raw, &id)
		if err := pick(member, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// moveObjects re-homes every object of from on to.
func (w *wtx) moveObjects(from, to *profileRecord) error {
	prefix := profileObjectsPrefix(w.dom.Name, from.ID)
	for _, k := range scanKeys(w.tx, prefix, -1) {
		typ, _, _ := strings.Cut(strings.TrimPrefix(k, prefix), "/")
		uk, err := w.tx.Get([]byte(k))
		if err != nil {
			return err
		}
		o, ok, err := w.object(typ, string(uk))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		detachObject(from, o)
		attachObject(to, o)
		if err := w.saveObject(o); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) batchGetProfile(ctx context.Context, in *api.BatchGetProfileRequest) (*api.BatchGetProfileResponse, error) {
	out := &api.BatchGetProfileResponse{Profiles: []*api.Profile{}, Errors: []*api.BatchGetProfileError{}}
	err := s.db.View(ctx, func(tx store.Tx) error {
		if err := domainExists(tx, in.DomainName); err != nil {
			return err
		}
		for _, id := range in.ProfileIds {
			p, err := s.readProfile(tx, in.DomainName, id)
			if err != nil {
				if e, ok := asNotFound(err); ok {
					out.Errors = append(out.Errors, &api.BatchGetProfileError{Code: codeNotFound, Message: e, ProfileId: id})
					continue
				}
				return err
			}
			out.Profiles = append(out.Profiles, p.toAPI())
		}
		return nil
	})
	return out, err
}
