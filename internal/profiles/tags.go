package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
)

// maxTags is the model's limit of tags per resource.
const maxTags = 50

func (s *Service) registerTags(e *edge.Service) {
	handle(s, e, "TagResource", s.tagResource)
	handle(s, e, "UntagResource", s.untagResource)
	handle(s, e, "ListTagsForResource", s.listTags)
}

// tagRecordKey finds the store key of the record an ARN names: a domain
// (…:domains/<domain>) or an object type (…:domains/<domain>/object-types/<type>).
func (s *Service) tagRecordKey(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[5] == "" {
		return "", badRequest("resourceArn %q is not a valid ARN", arn)
	}
	region, account, resource := parts[3], parts[4], parts[5]
	switch {
	case account != s.cfg.AccountID:
		// Another account's resource: on AWS, IAM refuses before the service looks.
		return "", apierr.New(codeAccessDenied,
			"resourceArn %s belongs to account %s, not to this account (%s)", arn, account, s.cfg.AccountID)
	case region != s.cfg.Region:
		return "", notFound("resourceArn %s is in Region %s; this endpoint serves %s", arn, region, s.cfg.Region)
	}
	seg := strings.Split(resource, "/")
	switch {
	case len(seg) == 2 && seg[0] == "domains" && seg[1] != "":
		return domainKey(seg[1]), nil
	case len(seg) == 4 && seg[0] == "domains" && seg[1] != "" && seg[2] == "object-types" && seg[3] != "":
		return typeKey(seg[1], seg[3]), nil
	}
	return "", notFound("resource %s was not found", arn)
}

// readTags returns the record at key as raw members, and its tags.
func readTags(tx store.Tx, key, arn string) (map[string]json.RawMessage, map[string]string, error) {
	b, err := tx.Get([]byte(key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound("resource %s was not found", arn)
	}
	if err != nil {
		return nil, nil, err
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, nil, fmt.Errorf("profiles: corrupt record %s: %w", key, err)
	}
	tags := map[string]string{}
	if raw, ok := rec["Tags"]; ok {
		if err := json.Unmarshal(raw, &tags); err != nil {
			return nil, nil, fmt.Errorf("profiles: corrupt tags in record %s: %w", key, err)
		}
		if tags == nil {
			tags = map[string]string{}
		}
	}
	return rec, tags, nil
}

// editTags lets change edit the tags of the resource an ARN names; every
// other member of its record is written back untouched.
func (s *Service) editTags(ctx context.Context, arn string, change func(tags map[string]string) error) error {
	key, err := s.tagRecordKey(arn)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx store.RwTx) error {
		rec, tags, err := readTags(tx, key, arn)
		if err != nil {
			return err
		}
		if err := change(tags); err != nil {
			return err
		}
		raw := json.RawMessage("null")
		if len(tags) > 0 {
			if raw, err = json.Marshal(tags); err != nil {
				return err
			}
		}
		rec["Tags"] = raw
		return putJSON(tx, key, rec)
	})
}

func (s *Service) tagResource(ctx context.Context, in *api.TagResourceRequest) (*api.TagResourceResponse, error) {
	return &api.TagResourceResponse{}, s.editTags(ctx, in.ResourceArn, func(tags map[string]string) error {
		n := len(tags)
		for k := range in.Tags {
			if _, ok := tags[k]; !ok {
				n++
			}
		}
		if n > maxTags {
			return badRequest("resource %s would have %d tags; a resource may have at most %d", in.ResourceArn, n, maxTags)
		}
		for k, v := range in.Tags {
			tags[k] = v
		}
		return nil
	})
}

func (s *Service) untagResource(ctx context.Context, in *api.UntagResourceRequest) (*api.UntagResourceResponse, error) {
	// Keys the resource does not carry are ignored, as AWS does.
	return &api.UntagResourceResponse{}, s.editTags(ctx, in.ResourceArn, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

func (s *Service) listTags(ctx context.Context, in *api.ListTagsForResourceRequest) (*api.ListTagsForResourceResponse, error) {
	key, err := s.tagRecordKey(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &api.ListTagsForResourceResponse{}
	err = s.db.View(ctx, func(tx store.Tx) error {
		_, tags, err := readTags(tx, key, in.ResourceArn)
		out.Tags = tags
		return err
	})
	return out, err
}
