package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/store"
)

// kind is a family of instance-scoped resources: its resource type in ARNs
// and the words used for it in messages.
type kind struct {
	arnType string
	label   string
}

var (
	kindFlow   = kind{"contact-flow", "contact flow"}
	kindModule = kind{"flow-module", "flow module"}
	kindHours  = kind{"operating-hours", "hours of operation"}
	kindQueue  = kind{"queue", "queue"}
	kindPrompt = kind{"prompt", "prompt"}
)

// Key layout. Instance-scoped records live under connect/i/<instance>/ so
// that deleting an instance is one range delete:
//
//	connect/instance/<id>                     instance record
//	connect/alias/<alias>                     instance id
//	connect/i/<inst>/<arnType>/r/<id>         resource record (JSON)
//	connect/i/<inst>/<arnType>/n/<name>       resource id (names are unique per kind)
//	connect/i/<inst>/<arnType>/t/<token>      resource id (a create's ClientToken)
//	connect/i/<inst>/lambda/<function ARN>    Lambda allow-list entry
//	connect/phone/r/<id>                      phone number record
//	connect/phone/n/<E.164 number>            phone number id
func instanceKey(id string) string      { return "connect/instance/" + id }
func aliasKey(alias string) string      { return "connect/alias/" + alias }
func instancePrefix(inst string) string { return "connect/i/" + inst + "/" }

func recordPrefix(inst string, k kind) string { return instancePrefix(inst) + k.arnType + "/r/" }
func recordKey(inst string, k kind, id string) string {
	return recordPrefix(inst, k) + id
}
func nameKey(inst string, k kind, name string) string {
	return instancePrefix(inst) + k.arnType + "/n/" + name
}

// tokenKey is where a create's ClientToken maps to the resource it made:
// connect/i/<inst>/<arnType>/t/<token>, beside the record and name keys so
// that deleting the instance removes it too.
func tokenKey(inst string, k kind, token string) string {
	return instancePrefix(inst) + k.arnType + "/t/" + token
}

func newID() string { return uuid.NewString() }

// arn builds the ARN of an instance-scoped resource.
func (s *Service) arn(inst string, k kind, id string) string {
	return fmt.Sprintf("%s/%s/%s", s.instanceARN(inst), k.arnType, id)
}

func (s *Service) instanceARN(inst string) string {
	return fmt.Sprintf("arn:aws:connect:%s:%s:instance/%s", s.cfg.Region, s.cfg.AccountID, inst)
}

// idFromRef accepts a resource id or its ARN (the Connect API takes either
// wherever it takes an id) and returns the id. An ARN must name a resource of
// kind k in instance inst.
func (s *Service) idFromRef(inst string, k kind, ref string) (string, error) {
	if !strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	prefix := s.instanceARN(inst) + "/" + k.arnType + "/"
	id, ok := strings.CutPrefix(ref, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", notFound("%s %s was not found in instance %s", k.label, ref, inst)
	}
	return id, nil
}

// pageRequest is a list call's paging: its token, its page size, and a scope
// naming the listing (and its filters) so a token cannot cross listings.
type pageRequest struct {
	scope string
	token *string
	max   int
}

// page lists the JSON records under prefix in key order, keeping those keep
// accepts, one page at a time.
func page[T any](tx store.Tx, prefix string, req pageRequest, keep func(*T) bool) ([]*T, *string, error) {
	tok := ""
	if req.token != nil {
		tok = *req.token
	}
	after, err := pagetoken.Decode(req.scope, tok)
	if err != nil {
		return nil, nil, invalidParam("nextToken is not valid: %v", err)
	}
	start := []byte(prefix)
	if after != "" {
		if !strings.HasPrefix(after, prefix) {
			return nil, nil, invalidParam("nextToken is not valid: %v", pagetoken.ErrInvalid)
		}
		start = append([]byte(after), 0)
	}
	var (
		items   []*T
		lastKey string
	)
	for k, v := range tx.Scan(start, store.PrefixEnd([]byte(prefix))) {
		item := new(T)
		if err := json.Unmarshal(v, item); err != nil {
			return nil, nil, fmt.Errorf("connect: corrupt record %s: %w", k, err)
		}
		if keep != nil && !keep(item) {
			continue
		}
		if len(items) == req.max {
			next := pagetoken.Encode(req.scope, lastKey)
			return items, &next, nil
		}
		items = append(items, item)
		lastKey = string(k)
	}
	return items, nil, nil
}

// claimName reserves name for the resource id within its kind, answering
// DuplicateResourceException when another resource holds it.
func claimName(tx store.RwTx, inst string, k kind, name, id string) error {
	key := []byte(nameKey(inst, k, name))
	b, err := tx.Get(key)
	switch {
	case err == nil && string(b) != id:
		return apiErr(codeDuplicate, "a %s named %q already exists in instance %s", k.label, name, inst)
	case err == nil:
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return tx.Put(key, []byte(id))
}

// rename moves the name reservation of id from *name to *to and sets *name,
// when an update gives a new name (to is not nil).
func rename(tx store.RwTx, inst string, k kind, id string, name, to *string) error {
	if to == nil || *name == *to {
		return nil
	}
	old := *name
	if err := claimName(tx, inst, k, *to, id); err != nil {
		return err
	}
	*name = *to
	return tx.Delete([]byte(nameKey(inst, k, old)))
}

// checkQuota refuses to add one more resource of kind k beyond limit.
func checkQuota(tx store.Tx, inst string, k kind, limit int) error {
	prefix := []byte(recordPrefix(inst, k))
	n := 0
	for range tx.Scan(prefix, store.PrefixEnd(prefix)) {
		n++
	}
	if n >= limit {
		return apiErr(codeLimit, "instance %s already has %d %s resources, its quota", inst, n, k.label)
	}
	return nil
}

// savedQualifier addresses the saved draft of a flow or module.
const savedQualifier = ":$SAVED"

// splitSaved splits the ":$SAVED" qualifier off a flow or module
// reference. Any other qualifier selects a version, which Hotline does not
// keep.
func splitSaved(ref string) (base string, saved bool, err error) {
	base, saved = strings.CutSuffix(ref, savedQualifier)
	if hasVersion(base) {
		return "", false, apiErr(codeInvalidReq, "versions are not supported by Hotline yet: %q", ref)
	}
	return base, saved, nil
}

// hasVersion reports whether a flow or module reference, ":$SAVED" cut
// off, still carries a qualifier (":<version>"): an id has no colon and an
// ARN has five.
func hasVersion(ref string) bool {
	colons := strings.Count(ref, ":")
	return strings.HasPrefix(ref, "arn:") && colons > 5 || !strings.HasPrefix(ref, "arn:") && colons > 0
}

// stamp is the last-modified time of a record; records embed it so that
// insertRecord and modifyRecord can set it.
type stamp struct {
	LastModified time.Time
}

func (st *stamp) touch(t time.Time) { st.LastModified = t.UTC() }

// stamped is a record that embeds stamp.
type stamped interface{ touch(time.Time) }

// insertRecord adds rec, a new record of kind k with that id and name, to
// instance inst: it refuses one beyond the instance's quota of limit or
// under a name another record holds, then stamps and stores it.
func insertRecord(s *Service, tx store.RwTx, inst string, k kind, limit int, id, name string, rec stamped) error {
	if err := checkQuota(tx, inst, k, limit); err != nil {
		return err
	}
	if err := claimName(tx, inst, k, name, id); err != nil {
		return err
	}
	rec.touch(s.clock.Now())
	return store.PutJSON(tx, recordKey(inst, k, id), rec)
}

// loadRecord reads the record of kind k that ref (an id or ARN) names in
// the instance instRef names, answering ResourceNotFoundException for
// either.
func loadRecord[T any](s *Service, tx store.Tx, instRef string, k kind, ref string) (inst string, rec *T, err error) {
	instID, err := s.instanceID(tx, instRef)
	if err != nil {
		return "", nil, err
	}
	id, err := s.idFromRef(instID, k, ref)
	if err != nil {
		return "", nil, err
	}
	rec, ok, err := store.GetJSON[T](tx, recordKey(instID, k, id))
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, notFound("%s %s was not found in instance %s", k.label, ref, instID)
	}
	return instID, rec, nil
}

// viewRecord is loadRecord in a read transaction of its own.
func viewRecord[T any](ctx context.Context, s *Service, instRef string, k kind, ref string) (rec *T, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		_, rec, err = loadRecord[T](s, tx, instRef, k, ref)
		return err
	})
	return rec, err
}

// modifyRecord loads a record, lets change edit it, stamps it and stores it
// back, all in one transaction: when change fails nothing is written.
func modifyRecord[T any, P interface {
	*T
	stamped
}](ctx context.Context, s *Service, instRef string, k kind, ref string, change func(tx store.RwTx, inst string, rec P) error) error {
	return s.update(ctx, func(tx store.RwTx) error {
		inst, rec, err := loadRecord[T](s, tx, instRef, k, ref)
		if err != nil {
			return err
		}
		if err := change(tx, inst, P(rec)); err != nil {
			return err
		}
		P(rec).touch(s.clock.Now())
		// loadRecord resolved ref already, so this cannot fail.
		id, _ := s.idFromRef(inst, k, ref)
		return store.PutJSON(tx, recordKey(inst, k, id), rec)
	})
}

// listRecords answers a list call on the records of kind k in the instance
// instRef names. req gives the page request for the instance's id; one page
// of the records keep accepts (every one when keep is nil) is handed to
// add, in key order, with the instance's id. It returns the next page's
// token.
func listRecords[T any](ctx context.Context, s *Service, instRef string, k kind, req func(inst string) pageRequest, keep func(*T) bool, add func(inst string, rec *T)) (next *string, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		instID, err := s.instanceID(tx, instRef)
		if err != nil {
			return err
		}
		recs, token, err := page(tx, recordPrefix(instID, k), req(instID), keep)
		if err != nil {
			return err
		}
		for _, r := range recs {
			add(instID, r)
		}
		next = token
		return nil
	})
	return next, err
}

// eachRecord calls fn with every record of kind k in the instance, in key
// order, stopping at the first error.
func eachRecord[T any](tx store.Tx, inst string, k kind, fn func(*T) error) error {
	prefix := []byte(recordPrefix(inst, k))
	for key, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
		rec := new(T)
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("connect: corrupt record %s: %w", key, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// dropRecord deletes a record and its name reservation.
func dropRecord(tx store.RwTx, inst string, k kind, id, name string) error {
	if err := tx.Delete([]byte(nameKey(inst, k, name))); err != nil {
		return err
	}
	return tx.Delete([]byte(recordKey(inst, k, id)))
}
