package connect

import (
	"context"
	"strings"

	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/tags"
)

// maxTagsPerResource is Amazon Connect's limit ("Amazon Connect services
// support up to 50 tags per resource", admin guide, Tagging resources).
const maxTagsPerResource = 50

// taggableKinds are the instance-scoped families whose records carry a
// top-level Tags map and so can be tagged by ARN.
var taggableKinds = []kind{kindFlow, kindModule, kindHours, kindQueue, kindPrompt}

func (s *Service) registerTags(e *edge.Service) {
	edge.Handle(e, "TagResource", s.tagResource)
	edge.Handle(e, "UntagResource", s.untagResource)
	edge.Handle(e, "ListTagsForResource", s.listTags)
}

// tagRecordKey finds the store key of the record an ARN names. Tagging is
// generic: every taggable record is JSON with a top-level "Tags" map, so one
// code path serves instances, phone numbers and every instance-scoped kind.
func (s *Service) tagRecordKey(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[5] == "" {
		return "", invalidParam("resourceArn %q is not a valid ARN", arn)
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case partition != "aws" || service != "connect":
		return "", invalidParam("resourceArn %s is not an Amazon Connect resource", arn)
	case account != s.cfg.AccountID:
		// Another account's resource: on AWS, IAM refuses before Connect looks.
		return "", apiErr("AccessDeniedException", "resourceArn %s belongs to account %s, not to this account (%s)", arn, account, s.cfg.AccountID)
	case region != s.cfg.Region:
		return "", notFound("resourceArn %s is in Region %s; this endpoint serves %s", arn, region, s.cfg.Region)
	}
	seg := strings.Split(resource, "/")
	switch {
	case len(seg) == 2 && seg[0] == "instance" && seg[1] != "":
		return instanceKey(seg[1]), nil
	case len(seg) == 2 && seg[0] == "phone-number" && seg[1] != "":
		return phoneKey(seg[1]), nil
	case len(seg) == 4 && seg[0] == "instance" && seg[1] != "" && seg[3] != "":
		for _, k := range taggableKinds {
			if seg[2] == k.arnType {
				return recordKey(seg[1], k, seg[3]), nil
			}
		}
	}
	return "", notFound("resource %s was not found", arn)
}

// editTags lets change edit the tags of the resource an ARN names and
// writes the record back with every other member untouched.
func (s *Service) editTags(ctx context.Context, arn string, change func(tags map[string]string) error) error {
	key, err := s.tagRecordKey(arn)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.RwTx) error {
		return tags.Edit(tx, "connect", key, arn, change)
	})
}

func (s *Service) tagResource(ctx context.Context, in *api.TagResourceRequest) (*struct{}, error) {
	return nil, s.editTags(ctx, in.ResourceArn, func(have map[string]string) error {
		if n, ok := tags.Merge(have, in.Tags, maxTagsPerResource); !ok {
			return invalidParam("resource %s would have %d tags; a resource may have at most %d", in.ResourceArn, n, maxTagsPerResource)
		}
		return nil
	})
}

func (s *Service) untagResource(ctx context.Context, in *api.UntagResourceRequest) (*struct{}, error) {
	// Keys the resource does not carry are ignored, as AWS does.
	return nil, s.editTags(ctx, in.ResourceArn, func(have map[string]string) error {
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
	err = s.view(ctx, func(tx store.Tx) error {
		_, have, err := tags.Read(tx, "connect", key, in.ResourceArn)
		if have == nil {
			have = map[string]string{} // AWS answers "tags": {} for an untagged resource
		}
		out.Tags = have
		return err
	})
	return out, err
}
