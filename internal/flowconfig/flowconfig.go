// Package flowconfig owns the configuration table that data-driven flows
// read (seed 000): items keyed by Primary_Key and Resource_Type whose
// attributes are strings, stored per instance. It validates items against
// the schema of the DeliveryId, SteeringMenu and Queue resource types,
// imports and exports them in the plain and DynamoDB-typed JSON forms, serves
// the signed management API under /_hotline/config/ and provides the
// built-in lookup function flows invoke as if it were the seed's Lambda.
// Queues and flows live in the connect package; this one reaches them only
// through a Resolver, so that it does not depend on connect.
package flowconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/readcache"
	"github.com/hotline-dev/hotline/internal/store"
)

// The key attributes, and the resource types whose schema Check knows.
const (
	AttrPrimaryKey   = "Primary_Key"
	AttrResourceType = "Resource_Type"

	TypeDeliveryID   = "DeliveryId"
	TypeSteeringMenu = "SteeringMenu"
	TypeQueue        = "Queue"
)

// Limits, as DynamoDB sets them for a table keyed as the seed's is.
const (
	MaxPrimaryKeyBytes   = 2048      // a partition key
	MaxResourceTypeBytes = 1024      // a sort key
	MaxItemBytes         = 400 << 10 // an item: attribute names and values
)

// Item is one row of the table: Primary_Key, Resource_Type and the other
// attributes, all strings.
type Item map[string]string

// PrimaryKey returns the item's Primary_Key.
func (it Item) PrimaryKey() string { return it[AttrPrimaryKey] }

// ResourceType returns the item's Resource_Type.
func (it Item) ResourceType() string { return it[AttrResourceType] }

// MarshalJSON writes the keys first and the other attributes in name order,
// the way a person writes an item file.
func (it Item) MarshalJSON() ([]byte, error) {
	if it == nil {
		return []byte("null"), nil
	}
	names := make([]string, 0, len(it))
	for k := range it {
		if k != AttrPrimaryKey && k != AttrResourceType {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	b := make([]byte, 0, 64*len(it))
	b = append(b, '{')
	add := func(k, v string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		b = append(append(append(b, kb...), ':'), vb...)
	}
	for _, k := range []string{AttrPrimaryKey, AttrResourceType} {
		if v, ok := it[k]; ok {
			add(k, v)
		}
	}
	for _, k := range names {
		add(k, it[k])
	}
	return append(b, '}'), nil
}

// size is the item's size as DynamoDB counts it: names plus values.
func (it Item) size() int {
	n := 0
	for k, v := range it {
		n += len(k) + len(v)
	}
	return n
}

// Resolver answers what the table's items refer to outside it. The server
// implements it over internal/connect.
type Resolver interface {
	// InstanceID returns the id of the instance ref (an id or ARN) names,
	// or an error carrying ResourceNotFoundException when there is none.
	InstanceID(ctx context.Context, ref string) (string, error)
	// QueueExists reports whether ref, a queue name or ARN, names a queue
	// of the instance.
	QueueExists(ctx context.Context, instanceID, ref string) (bool, error)
	// FlowExists reports whether ref, a contact flow name or ARN, names a
	// flow of the instance.
	FlowExists(ctx context.Context, instanceID, ref string) (bool, error)
}

// Service keeps the configuration tables of every instance.
type Service struct {
	db  store.Store
	res Resolver
	log *slog.Logger

	// items caches the lookup function's reads (nil: no such item), since
	// every call looks items up several times. Items change only through
	// Import (and Put), Delete and DropInstance, which invalidate it.
	items *readcache.Cache[lookupKey, *lookupItem]
}

// lookupKey names an item of an instance's table.
type lookupKey struct{ inst, pk, rt string }

// New returns a Service keeping its items in db and resolving queues, flows
// and instances with res, which is required.
func New(db store.Store, res Resolver, log *slog.Logger) *Service {
	if res == nil {
		panic("flowconfig: New needs a Resolver")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, res: res, log: log, items: readcache.New[lookupKey, *lookupItem](0)}
}

// Key layout. Items sort by Primary_Key, then Resource_Type; NUL cannot
// occur in either (validateShape refuses it), so it separates them:
//
//	flowconfig/<instance id>/<Primary_Key>\x00<Resource_Type>   Item (JSON)
func instancePrefix(inst string) string { return "flowconfig/" + inst + "/" }

func itemKey(inst, pk, rt string) []byte {
	return []byte(instancePrefix(inst) + pk + "\x00" + rt)
}

func invalidParam(format string, args ...any) *apierr.Error {
	return apierr.New("InvalidParameterException", format, args...)
}

func notFound(format string, args ...any) *apierr.Error {
	return apierr.New("ResourceNotFoundException", format, args...)
}

// describe names an item in messages.
func describe(pk, rt string) string { return fmt.Sprintf("%s %q", rt, pk) }

// validateShape refuses what cannot be stored at all, whatever force says:
// missing or oversized keys, a NUL in a key, an empty attribute name, an
// item over DynamoDB's size limit.
func validateShape(it Item) error {
	pk, rt := it.PrimaryKey(), it.ResourceType()
	switch {
	case pk == "":
		return invalidParam("an item has no Primary_Key")
	case rt == "":
		return invalidParam("item %q has no Resource_Type", pk)
	case len(pk) > MaxPrimaryKeyBytes:
		return invalidParam("%s: Primary_Key is %d bytes; the limit is %d", describe(pk[:40]+"…", rt), len(pk), MaxPrimaryKeyBytes)
	case len(rt) > MaxResourceTypeBytes:
		return invalidParam("item %q: Resource_Type is %d bytes; the limit is %d", pk, len(rt), MaxResourceTypeBytes)
	case strings.ContainsRune(pk, 0) || strings.ContainsRune(rt, 0):
		return invalidParam("%s: the keys may not contain the NUL character", describe(pk, rt))
	}
	if _, ok := it[""]; ok {
		return invalidParam("%s has an attribute with an empty name", describe(pk, rt))
	}
	if n := it.size(); n > MaxItemBytes {
		return invalidParam("%s is %d bytes; the limit is %d", describe(pk, rt), n, MaxItemBytes)
	}
	return nil
}

// instance resolves an instance id or ARN.
func (s *Service) instance(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", invalidParam("an instance id is required")
	}
	return s.res.InstanceID(ctx, ref)
}

func decodeItem(key, v []byte) (Item, error) {
	it := Item{}
	if err := json.Unmarshal(v, &it); err != nil {
		return nil, fmt.Errorf("flowconfig: corrupt record %q: %w", key, err)
	}
	return it, nil
}

// Get returns the item (pk, rt) of an instance, or ResourceNotFoundException.
func (s *Service) Get(ctx context.Context, instance, pk, rt string) (Item, error) {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	var it Item
	err = s.db.View(ctx, func(tx store.Tx) error {
		key := itemKey(inst, pk, rt)
		v, err := tx.Get(key)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("no item with Primary_Key %q and Resource_Type %q in instance %s", pk, rt, inst)
		}
		if err != nil {
			return err
		}
		it, err = decodeItem(key, v)
		return err
	})
	return it, err
}

// lookup returns an item as the lookup function answers it, from the cache
// or else the store; nil when there is none. It is the lookup function's
// path, so it neither resolves the instance nor decodes the item.
func (s *Service) lookup(ctx context.Context, inst, pk, rt string) (*lookupItem, error) {
	return s.items.Load(lookupKey{inst, pk, rt}, func() (*lookupItem, error) {
		var raw []byte
		err := s.db.View(ctx, func(tx store.Tx) error {
			v, err := tx.Get(itemKey(inst, pk, rt))
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			raw = append([]byte(nil), v...)
			return err
		})
		if err != nil || raw == nil {
			return nil, err
		}
		return s.prepareLookup(rt, raw)
	})
}

// Result is what a write reports besides success: the problems Check found
// in the items written (warnings, and errors too when forced).
type Result struct {
	Imported int       `json:"Imported"`
	Problems []Problem `json:"Problems"`
}

// Put stores one item, replacing any with the same keys. It is Import of
// one item: refused, with the problems, when Check finds an error in it,
// unless force.
func (s *Service) Put(ctx context.Context, instance string, it Item, force bool) (*Result, error) {
	return s.Import(ctx, instance, []Item{it}, force)
}

// Import stores items, replacing those with the same keys, in one store
// transaction: all of them or none. Check runs first over the table as it
// would be afterwards; an error in any imported item refuses the whole
// import (InvalidParameterException carrying "Problems") unless force.
// Items that cannot be stored at all are refused even when forced.
func (s *Service) Import(ctx context.Context, instance string, items []Item, force bool) (*Result, error) {
	if len(items) == 0 {
		return nil, invalidParam("there are no items to import")
	}
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	seen := make(map[[2]string]int, len(items))
	vals := make([][]byte, len(items))
	for i, it := range items {
		if err := validateShape(it); err != nil {
			return nil, err
		}
		k := [2]string{it.PrimaryKey(), it.ResourceType()}
		if j, dup := seen[k]; dup {
			return nil, invalidParam("%s is given twice (items %d and %d)", describe(k[0], k[1]), j+1, i+1)
		}
		seen[k] = i
		if vals[i], err = json.Marshal(it); err != nil {
			return nil, err
		}
	}
	problems, err := s.check(ctx, inst, items)
	if err != nil {
		return nil, err
	}
	if n := countErrors(problems); n > 0 && !force {
		return nil, refusal(n, problems)
	}
	// The menus the items lead to, outside the import, were there when
	// Check looked; the transaction makes sure they still are, so that a
	// concurrent delete cannot leave a dangling reference behind an
	// unforced import.
	var needed [][]byte
	if !force {
		for _, it := range items {
			for _, ref := range menuRefs(it) {
				if _, own := seen[[2]string{ref.value, TypeSteeringMenu}]; !own {
					needed = append(needed, itemKey(inst, ref.value, TypeSteeringMenu))
				}
			}
		}
	}
	defer s.items.Invalidate()
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		for _, key := range needed {
			if _, err := tx.Get(key); errors.Is(err, store.ErrNotFound) {
				return apierr.New("ResourceConflictException", "steering menu %q was deleted while the import was checked; nothing was imported",
					strings.TrimSuffix(strings.TrimPrefix(string(key), instancePrefix(inst)), "\x00"+TypeSteeringMenu))
			} else if err != nil {
				return err
			}
		}
		for i, it := range items {
			if err := tx.Put(itemKey(inst, it.PrimaryKey(), it.ResourceType()), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if problems == nil {
		problems = []Problem{}
	}
	return &Result{Imported: len(items), Problems: problems}, nil
}

// refusal is the error of an import refused for its problems. The message
// lists them all, since a CLI user sees only the message.
func refusal(errs int, problems []Problem) *apierr.Error {
	var b strings.Builder
	noun := "errors"
	if errs == 1 {
		noun = "error"
	}
	fmt.Fprintf(&b, "%d %s; nothing was imported (force imports anyway):", errs, noun)
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return invalidParam("%s", b.String()).With("Problems", problems)
}

// Delete removes the item (pk, rt). A steering menu other items lead to is
// refused with ResourceInUseException, naming them, unless force.
func (s *Service) Delete(ctx context.Context, instance, pk, rt string, force bool) error {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return err
	}
	defer s.items.Invalidate()
	return s.db.Update(ctx, func(tx store.RwTx) error {
		key := itemKey(inst, pk, rt)
		if _, err := tx.Get(key); errors.Is(err, store.ErrNotFound) {
			return notFound("no item with Primary_Key %q and Resource_Type %q in instance %s", pk, rt, inst)
		} else if err != nil {
			return err
		}
		if rt == TypeSteeringMenu && !force {
			var users []string
			prefix := []byte(instancePrefix(inst))
			for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
				it, err := decodeItem(k, v)
				if err != nil {
					return err
				}
				if it.PrimaryKey() == pk && it.ResourceType() == rt {
					continue // a menu may lead to itself ("press 9 to repeat")
				}
				for _, ref := range menuRefs(it) {
					if ref.value == pk {
						users = append(users, describe(it.PrimaryKey(), it.ResourceType())+" "+ref.attr)
					}
				}
			}
			if len(users) > 0 {
				return apierr.New("ResourceInUseException", "steering menu %q is the destination of %s; change those first, or delete with force",
					pk, strings.Join(users, ", "))
			}
		}
		return tx.Delete(key)
	})
}

// List paging.
const (
	DefaultMaxResults = 100
	MaxMaxResults     = 1000
)

// ListInput selects a page of items.
type ListInput struct {
	ResourceType string // only items of this type; "" means all
	MaxResults   int    // 0 means DefaultMaxResults
	NextToken    string
}

// ListOutput is a page of items, in Primary_Key then Resource_Type order.
type ListOutput struct {
	Items     []Item `json:"Items"`
	NextToken string `json:"NextToken,omitempty"`
}

// List returns a page of an instance's items.
func (s *Service) List(ctx context.Context, instance string, in ListInput) (*ListOutput, error) {
	max := in.MaxResults
	switch {
	case max == 0:
		max = DefaultMaxResults
	case max < 1 || max > MaxMaxResults:
		return nil, invalidParam("MaxResults must be between 1 and %d", MaxMaxResults)
	}
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	prefix := instancePrefix(inst)
	scope := "flowconfig/" + inst + "/" + in.ResourceType
	after, err := pagetoken.Decode(scope, in.NextToken)
	if err != nil || after != "" && !strings.HasPrefix(after, prefix) {
		return nil, invalidParam("NextToken is not valid: %v", pagetoken.ErrInvalid)
	}
	start := []byte(prefix)
	if after != "" {
		start = append([]byte(after), 0)
	}
	out := &ListOutput{Items: []Item{}}
	err = s.db.View(ctx, func(tx store.Tx) error {
		last := ""
		for k, v := range tx.Scan(start, store.PrefixEnd([]byte(prefix))) {
			if in.ResourceType != "" && !strings.HasSuffix(string(k), "\x00"+in.ResourceType) {
				continue
			}
			if len(out.Items) == max {
				out.NextToken = pagetoken.Encode(scope, last)
				return nil
			}
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, it)
			last = string(k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Export returns every item of an instance, in Primary_Key then
// Resource_Type order.
func (s *Service) Export(ctx context.Context, instance string) ([]Item, error) {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	return s.all(ctx, inst)
}

func (s *Service) all(ctx context.Context, inst string) ([]Item, error) {
	items := []Item{}
	err := s.db.View(ctx, func(tx store.Tx) error {
		prefix := []byte(instancePrefix(inst))
		for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		return nil
	})
	return items, err
}

// DropInstance removes every item of an instance; the server calls it when
// the instance is deleted. It does not resolve the id, which may already
// be gone.
func (s *Service) DropInstance(ctx context.Context, instanceID string) error {
	if instanceID == "" || strings.Contains(instanceID, "/") {
		return invalidParam("DropInstance needs an instance id")
	}
	defer s.items.Invalidate()
	return s.db.Update(ctx, func(tx store.RwTx) error {
		prefix := []byte(instancePrefix(instanceID))
		var keys [][]byte
		for k := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
