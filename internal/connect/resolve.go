package connect

import (
	"context"
	"errors"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// ResolveARNs returns the ARNs of the queues and contact flows the
// references (names, ids or ARNs) name in the instance, in the same order;
// "" for a reference that names none. Flows can address a queue or a flow
// only by id or ARN, while the configuration table may name them; its
// lookup function answers both, resolving every reference of an item in one
// read.
func (s *Service) ResolveARNs(ctx context.Context, instanceID string, queues, flows []string) (queueARNs, flowARNs []string, err error) {
	queueARNs, flowARNs = make([]string, len(queues)), make([]string, len(flows))
	err = s.view(ctx, func(tx store.Tx) error {
		for _, r := range []struct {
			k         kind
			refs, out []string
		}{{kindQueue, queues, queueARNs}, {kindFlow, flows, flowARNs}} {
			for i, ref := range r.refs {
				id, err := s.resolveID(tx, instanceID, r.k, ref)
				if err != nil {
					return err
				}
				if id != "" {
					r.out[i] = s.arn(instanceID, r.k, id)
				}
			}
		}
		return nil
	})
	return queueARNs, flowARNs, err
}

// resolveID looks the name up first, as namedExists does: a name is what
// people write, and an id is never a valid name of another resource.
func (s *Service) resolveID(tx store.Tx, instanceID string, k kind, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	b, err := tx.Get([]byte(nameKey(instanceID, k, ref)))
	switch {
	case err == nil:
		return string(b), nil
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	id, err := s.idFromRef(instanceID, k, ref)
	if apierr.Is(err, codeNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if ok, err := exists(tx, recordKey(instanceID, k, id)); !ok || err != nil {
		return "", err
	}
	return id, nil
}
