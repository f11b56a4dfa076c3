package connect

import (
	"context"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// QueueExists reports whether ref (a queue name, id or ARN) names a queue of
// the instance; the configuration table names queues either way.
func (s *Service) QueueExists(ctx context.Context, instanceID, ref string) (bool, error) {
	return s.namedExists(ctx, instanceID, kindQueue, ref)
}

// FlowExists reports whether ref (a flow name, id or ARN) names a contact
// flow of the instance.
func (s *Service) FlowExists(ctx context.Context, instanceID, ref string) (bool, error) {
	return s.namedExists(ctx, instanceID, kindFlow, ref)
}

func (s *Service) namedExists(ctx context.Context, instanceID string, k kind, ref string) (bool, error) {
	var ok bool
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		if ok, err = store.Exists(tx, nameKey(instanceID, k, ref)); ok || err != nil {
			return err
		}
		id, err := s.idFromRef(instanceID, k, ref)
		if apierr.Is(err, codeNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		ok, err = store.Exists(tx, recordKey(instanceID, k, id))
		return err
	})
	return ok, err
}
