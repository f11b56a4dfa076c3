package profiles

import (
	"context"
	"slices"
	"strings"

	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// viewKind is wtx.kind for read transactions.
func viewKind(tx store.Tx, dom, key string, t *objectType) (string, error) {
	if k, ok := standardKinds[key]; ok {
		return k, nil
	}
	k, err := readKind(tx, dom, key)
	if err != nil || k != "" {
		return k, err
	}
	if t != nil {
		return t.keyKind(key), nil
	}
	return ctString, nil
}

// readProfile reads a live profile in a read transaction.
func (s *Service) readProfile(tx store.Tx, dom, id string) (*profileRecord, error) {
	p, ok, err := getProfile(tx, profileKey(dom, id))
	if err != nil {
		return nil, err
	}
	if !ok || p.expired(s.clock.Now().UnixNano()) {
		return nil, notFound("Profile %s does not exist in domain %s", id, dom)
	}
	return p, nil
}

func (s *Service) listObjects(ctx context.Context, in *api.ListProfileObjectsRequest) (*api.ListProfileObjectsResponse, error) {
	out := &api.ListProfileObjectsResponse{Items: []*api.ListProfileObjectsItem{}}
	now := s.clock.Now().UnixNano()
	err := s.db.View(ctx, func(tx store.Tx) error {
		dom := in.DomainName
		if err := domainExists(tx, dom); err != nil {
			return err
		}
		t, ok, err := readType(tx, dom, in.ObjectTypeName)
		if err != nil {
			return err
		}
		if !ok {
			if t = implicitType(in.ObjectTypeName); t == nil {
				return notFound("ObjectType %s does not exist in domain %s", in.ObjectTypeName, dom)
			}
		}
		if _, err := s.readProfile(tx, dom, in.ProfileId); err != nil {
			return err
		}
		var filterKey string
		var filter map[string]bool
		scope := dom + "/" + in.ProfileId + "/" + in.ObjectTypeName
		if f := in.ObjectFilter; f != nil {
			kind, err := viewKind(tx, dom, f.KeyName, t)
			if err != nil {
				return err
			}
			filterKey, filter = f.KeyName, map[string]bool{}
			for _, v := range f.Values {
				filter[normalize(kind, v)] = true
			}
			scope += "/" + f.KeyName + "=" + strings.Join(f.Values, "\x00")
		}
		req := pageRequest{scope: "objects/" + digest(scope), token: in.NextToken, max: pageSize(in.MaxResults, 100)}
		after, err := req.after()
		if err != nil {
			return err
		}
		// Most recent first: the personalised-routing samples read Items[0]
		// as the latest contact record. A token holds the sequence number
		// of the last object it returned.
		prefix := profileTypeObjectsPrefix(dom, in.ProfileId, in.ObjectTypeName)
		end := store.PrefixEnd([]byte(prefix))
		if after != "" {
			if len(after) != 16 || strings.Trim(after, "0123456789abcdef") != "" {
				return badRequest("NextToken is not valid: %v", pagetoken.ErrInvalid)
			}
			end = []byte(prefix + after)
		}
		var lastKey string
		for k, v := range tx.ScanReverse([]byte(prefix), end) {
			o, ok, err := getObject(tx, objectKey(dom, in.ObjectTypeName, string(v)))
			if err != nil {
				return err
			}
			if !ok || o.expired(now) || filter != nil && !matchesFilter(o, filterKey, filter) {
				continue
			}
			if len(out.Items) == req.max {
				out.NextToken = ptr(pagetoken.Encode(req.scope, lastKey))
				break
			}
			lastKey = strings.TrimPrefix(string(k), prefix)
			out.Items = append(out.Items, &api.ListProfileObjectsItem{
				ObjectTypeName: ptr(o.Type), ProfileObjectUniqueKey: ptr(o.UniqueKey), Object: ptr(o.Object),
			})
		}
		return nil
	})
	return out, err
}

func matchesFilter(o *objectRecord, key string, values map[string]bool) bool {
	return slices.ContainsFunc(o.Keys[key], func(v string) bool { return values[v] })
}

func (s *Service) deleteObject(ctx context.Context, in *api.DeleteProfileObjectRequest) (*api.DeleteProfileObjectResponse, error) {
	err := s.update(ctx, in.DomainName, func(w *wtx) error {
		p, err := w.liveProfile(in.ProfileId)
		if err != nil {
			return err
		}
		o, ok, err := w.object(in.ObjectTypeName, in.ProfileObjectUniqueKey)
		if err != nil {
			return err
		}
		if !ok || o.ProfileID != p.ID || o.expired(w.nowNs) {
			return notFound("ProfileObject %s of ObjectType %s does not exist on profile %s",
				in.ProfileObjectUniqueKey, in.ObjectTypeName, p.ID)
		}
		// Its keys leave the profile unless another object, the standard
		// profile or AddProfileKey still supports them.
		detachObject(p, o)
		p.leftBy(o.Type)
		p.touch(w.now, w.dom.DefaultExpirationDays)
		return w.deleteObject(o)
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteProfileObjectResponse{Message: ptr("ProfileObject " + in.ProfileObjectUniqueKey + " was deleted")}, nil
}
