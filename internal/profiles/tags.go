package profiles

import (
	"context"
	"strings"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/tags"
)

// maxTags is the model's limit of tags per resource.
const maxTags = 50

func (s *Service) registerTags(e *edge.Service) {
	handle(s, e, "TagResource", s.tagResource)
	handle(s, e, "UntagResource", s.untagResource)
	handle(s, e, "ListTagsForResource", s.listTags)
}

// tagRecordKey finds the store key of the record an ARN names: a domain
// (…:domains/<domain>), an object type (…:domains/<domain>/object-types/<type>)
// or a calculated attribute (…:domains/<domain>/calculated-attributes/<name>).
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
	case len(seg) == 4 && seg[0] == "domains" && seg[1] != "" && seg[2] == "calculated-attributes" && seg[3] != "":
		return calcKey(seg[1], seg[3]), nil
	}
	return "", notFound("resource %s was not found", arn)
}

// editTags lets change edit the tags of the resource an ARN names; every
// other member of its record is written back untouched.
func (s *Service) editTags(ctx context.Context, arn string, change func(tags map[string]string) error) error {
	key, err := s.tagRecordKey(arn)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx store.RwTx) error {
		return tags.Edit(tx, "profiles", key, arn, change)
	})
}

func (s *Service) tagResource(ctx context.Context, in *api.TagResourceRequest) (*api.TagResourceResponse, error) {
	return &api.TagResourceResponse{}, s.editTags(ctx, in.ResourceArn, func(have map[string]string) error {
		if n, ok := tags.Merge(have, in.Tags, maxTags); !ok {
			return badRequest("resource %s would have %d tags; a resource may have at most %d", in.ResourceArn, n, maxTags)
		}
		return nil
	})
}

func (s *Service) untagResource(ctx context.Context, in *api.UntagResourceRequest) (*api.UntagResourceResponse, error) {
	// Keys the resource does not carry are ignored, as AWS does.
	return &api.UntagResourceResponse{}, s.editTags(ctx, in.ResourceArn, func(have map[string]string) error {
		tags.Remove(have, in.TagKeys)
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
		_, have, err := tags.Read(tx, "profiles", key, in.ResourceArn)
		out.Tags = have
		return err
	})
	return out, err
}
