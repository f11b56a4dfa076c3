package contacts

import (
	"fmt"
	"maps"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// GetIn, PutIn and UpdateIn are Get, Put and Update inside a store
// transaction of the caller's, for a channel that keeps keys of its own
// next to its contacts (idempotency tokens, live-call entries) and must
// change both atomically. Like every store transaction function they may
// run more than once. PutIn and UpdateIn write the contact events of the
// change (events.go) in tx too.

// GetIn reads a contact in tx; an unknown one is ResourceNotFoundException.
func (s *Service) GetIn(tx store.Tx, instanceID, contactID string) (*Record, error) {
	return load(tx, instanceID, contactID)
}

// PutIn is Put in tx: it fills in what r leaves empty (ARN,
// InitialContactID, InitiationTimestamp) and sets LastUpdateTimestamp, on r.
func (s *Service) PutIn(tx store.RwTx, r *Record) error {
	if err := checkIDs(r.InstanceID, r.ContactID); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	if r.ARN == "" {
		r.ARN = s.ContactARN(r.InstanceID, r.ContactID)
	}
	if r.InitialContactID == "" {
		r.InitialContactID = r.ContactID
	}
	if r.InitiationTimestamp.IsZero() {
		r.InitiationTimestamp = now
	}
	r.LastUpdateTimestamp = now
	prev := ""
	old, err := load(tx, r.InstanceID, r.ContactID)
	switch {
	case err == nil:
		prev = indexKey(old)
	case !apierr.Is(err, "ResourceNotFoundException"):
		return err
	}
	if err := write(tx, prev, r); err != nil {
		return err
	}
	return s.emit(tx, lifecycleOf(old), r, nil)
}

// UpdateIn is Update in tx.
func (s *Service) UpdateIn(tx store.RwTx, instanceID, contactID string, fn func(*Record) error) error {
	return s.updateIn(tx, instanceID, contactID, fn, false)
}

// updateIn is UpdateIn. attributesByRequest says the change is a caller's
// request to change the contact's attributes (UpdateContactAttributes),
// which emits CONTACT_DATA_UPDATED when it changes them; attributes that
// flows change are not reported so (see docs/contact-events.md).
func (s *Service) updateIn(tx store.RwTx, instanceID, contactID string, fn func(*Record) error, attributesByRequest bool) error {
	r, err := load(tx, instanceID, contactID)
	if err != nil {
		return err
	}
	prev, before := indexKey(r), lifecycleOf(r)
	var attrs map[string]string
	if attributesByRequest {
		attrs = maps.Clone(r.Attributes) // fn may change the map in place
	}
	if err := fn(r); err != nil {
		return err
	}
	if r.InstanceID != instanceID || r.ContactID != contactID {
		return fmt.Errorf("contacts: Update may not change a contact's ids (%s/%s to %s/%s)",
			instanceID, contactID, r.InstanceID, r.ContactID)
	}
	r.LastUpdateTimestamp = s.clock.Now().UTC()
	if err := write(tx, prev, r); err != nil {
		return err
	}
	var updated []string
	if attributesByRequest && !maps.Equal(attrs, r.Attributes) {
		updated = []string{UpdatedAttributes}
	}
	return s.emit(tx, before, r, updated)
}
