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
// lookup function answers both at every lookup. The answers are cached
// until the service's next write (a queue or flow created, renamed or
// deleted, an instance deleted, ...); on a miss every reference is resolved
// in one read.
func (s *Service) ResolveARNs(ctx context.Context, instanceID string, queues, flows []string) (queueARNs, flowARNs []string, err error) {
	queueARNs, flowARNs = make([]string, len(queues)), make([]string, len(flows))
	lists := [...]struct {
		k         kind
		refs, out []string
	}{{kindQueue, queues, queueARNs}, {kindFlow, flows, flowARNs}}
	missed := false
	for _, l := range lists {
		for i, ref := range l.refs {
			arn, ok := s.arns.Get(refKey{instanceID, l.k.arnType, ref})
			l.out[i], missed = arn, missed || !ok
		}
	}
	if !missed {
		return queueARNs, flowARNs, nil
	}
	gen := s.arns.Gen()
	err = s.view(ctx, func(tx store.Tx) error {
		for _, l := range lists {
			for i, ref := range l.refs {
				id, err := s.resolveID(tx, instanceID, l.k, ref)
				if err != nil {
					return err
				}
				l.out[i] = ""
				if id != "" {
					l.out[i] = s.arn(instanceID, l.k, id)
				}
			}
		}
		return nil
	})
	if err != nil {
		return queueARNs, flowARNs, err
	}
	for _, l := range lists {
		for i, ref := range l.refs {
			s.arns.Add(gen, refKey{instanceID, l.k.arnType, ref}, l.out[i])
		}
	}
	return queueARNs, flowARNs, nil
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
	if ok, err := store.Exists(tx, recordKey(instanceID, k, id)); !ok || err != nil {
		return "", err
	}
	return id, nil
}
