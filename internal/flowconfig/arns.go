package flowconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hotline-dev/hotline/internal/jsonscan"
)

// Destinations by name or ARN. The table may name a queue or a flow either
// way, but a flow can only address one by id or ARN: UpdateContactTargetQueue
// and TransferToFlow take no names, in Amazon Connect as in Hotline. So the
// lookup function resolves the names: beside every attribute that names a
// queue or a flow, its answer carries the same attribute name plus ARNSuffix
// with the ARN, when the reference names one in the instance. A reference
// that names nothing gets no such attribute, which a flow reads as "" and
// treats as a destination it cannot follow. The stored item is unchanged;
// the added attributes exist only in the function's answer.

// ARNSuffix ends the names of the attributes the lookup function adds:
// Queue_DeliveryId_DefaultQueue_Arn, Flag_SteeringMenu_NextActionValue_1_Arn,
// Flag_Queue_OutOfHourActionValue_Arn and so on.
const ARNSuffix = "_Arn"

// ARNResolver is implemented by a Resolver that can also give the ARNs of
// the queues and flows references name, in order, "" for one that names
// none. The server's (internal/connect) does; with a Resolver that does not,
// the lookup answers items as stored.
type ARNResolver interface {
	ResolveARNs(ctx context.Context, instanceID string, queues, flows []string) (queueARNs, flowARNs []string, err error)
}

// pair is one attribute of a stored item, its key and value as they are in
// the JSON (quotes off, escapes in).
type pair struct{ k, v []byte }

// lookupItem is an item as the lookup function answers it: its stored JSON
// and the queues and flows it names, each with the attribute the ARN goes
// beside, read out once when the item is read (prepareLookup) and cached
// with it until the item changes.
type lookupItem struct {
	raw                []byte // never modified: shared by the lookups
	queueAttrs, queues []string
	flowAttrs, flows   []string
}

// prepareLookup reads out the destinations of raw, an item's stored JSON,
// for withARNs. It reads the item in place rather than decoding it, and
// only when there is something to resolve: items whose type has
// destinations, with a Resolver that gives ARNs.
func (s *Service) prepareLookup(resourceType string, raw []byte) (*lookupItem, error) {
	it := &lookupItem{raw: raw}
	if _, ok := s.res.(ARNResolver); !ok {
		return it, nil
	}
	switch resourceType {
	case TypeDeliveryID, TypeSteeringMenu, TypeQueue:
	default:
		return it, nil
	}
	var buf [48]pair
	pairs, err := itemPairs(raw, buf[:0])
	if err != nil {
		return nil, err
	}
	add := func(typ, attr string, value []byte) error {
		v, err := unquote(value)
		if err != nil || v == "" {
			return err
		}
		switch typ {
		case ActionQueue:
			it.queueAttrs, it.queues = append(it.queueAttrs, attr), append(it.queues, v)
		case ActionFlow:
			it.flowAttrs, it.flows = append(it.flowAttrs, attr), append(it.flows, v)
		}
		return nil
	}
	for _, p := range pairs {
		var err error
		// string(p.k) in a comparison does not allocate.
		switch k := p.k; {
		case resourceType == TypeDeliveryID && string(k) == deliveryDefaultQueue:
			err = add(ActionQueue, deliveryDefaultQueue, p.v)
		case resourceType == TypeDeliveryID && string(k) == deliveryType:
			err = addValue(pairs, p.v, deliveryValue, "", add)
		case resourceType == TypeQueue && string(k) == queueOOHType:
			err = addValue(pairs, p.v, queueOOHValue, "", add)
		case resourceType == TypeSteeringMenu && string(k) == menuOOHType:
			err = addValue(pairs, p.v, menuOOHValue, "", add)
		case resourceType == TypeSteeringMenu && len(k) > len(menuType) && string(k[:len(menuType)]) == menuType:
			err = addValue(pairs, p.v, menuValue, string(k[len(menuType):]), add)
		}
		if err != nil {
			return nil, err
		}
	}
	return it, nil
}

// withARNs returns the item's stored JSON with the ARNs of the queues and
// flows it names added (see ARNSuffix), in a new slice: the lookup's answer.
// The names are resolved at every lookup, so that a queue renamed or
// recreated is followed at once (the Resolver may cache them).
func (s *Service) withARNs(ctx context.Context, inst, resourceType string, it *lookupItem) ([]byte, error) {
	if len(it.queues)+len(it.flows) == 0 {
		return bytes.Clone(it.raw), nil
	}
	queueARNs, flowARNs, err := s.res.(ARNResolver).ResolveARNs(ctx, inst, it.queues, it.flows)
	if err != nil {
		return nil, fmt.Errorf("resolving the queues %q and flows %q of %s: %w", it.queues, it.flows, resourceType, err)
	}
	added := [...]struct{ attrs, arns []string }{{it.queueAttrs, queueARNs}, {it.flowAttrs, flowARNs}}
	body := bytes.TrimRight(it.raw, " \t\r\n")
	// The answer's size when nothing needs escaping, so that it is
	// allocated once.
	size := len(body)
	for _, r := range added {
		for i, arn := range r.arns {
			if arn != "" {
				size += len(`,"":""`) + len(r.attrs[i]) + len(ARNSuffix) + len(arn)
			}
		}
	}
	out := make([]byte, 0, size)
	out = append(out, body[:len(body)-1]...)
	for _, r := range added {
		for i, arn := range r.arns {
			if arn == "" {
				continue
			}
			out = appendJSONContent(append(out, ',', '"'), r.attrs[i])
			out = appendJSONString(append(out, ARNSuffix+`":`...), arn)
		}
	}
	return append(out, '}'), nil
}

// addValue passes the value attribute (valueAttr+option) of a destination
// to add, when its type attribute's value (typ, as in the JSON) is queue or
// flow.
func addValue(pairs []pair, typ []byte, valueAttr, option string, add func(typ, attr string, value []byte) error) error {
	var t string
	switch string(typ) {
	case ActionQueue:
		t = ActionQueue
	case ActionFlow:
		t = ActionFlow
	default:
		return nil
	}
	for _, p := range pairs {
		if len(p.k) == len(valueAttr)+len(option) && string(p.k[:len(valueAttr)]) == valueAttr && string(p.k[len(valueAttr):]) == option {
			return add(t, valueAttr+option, p.v)
		}
	}
	return nil
}

// itemPairs lists the attributes of a stored item, a flat JSON object of
// strings, appending to dst.
func itemPairs(raw []byte, dst []pair) ([]pair, error) {
	sc := scanner{b: raw}
	err := sc.object(func(key []byte) error {
		v, err := sc.rawString()
		if err != nil {
			return err
		}
		dst = append(dst, pair{k: key, v: v[1 : len(v)-1]})
		return nil
	})
	if err == nil {
		sc.ws()
		if sc.i != len(sc.b) {
			err = errFallback
		}
	}
	if err == nil {
		return dst, nil
	}
	// An escaped key (Item.MarshalJSON escapes <, > and & in names too):
	// decode properly, and hand the values on escaped, as the fast path does.
	it := Item{}
	if err := json.Unmarshal(raw, &it); err != nil {
		return nil, fmt.Errorf("flowconfig: stored item is not a flat string map: %w", err)
	}
	dst = dst[:0]
	for k, v := range it {
		q := appendJSONString(nil, v)
		dst = append(dst, pair{k: []byte(k), v: q[1 : len(q)-1]})
	}
	return dst, nil
}

// unquote returns a JSON string's content (without its quotes).
func unquote(v []byte) (string, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v), nil
	}
	sc := scanner{b: append(append([]byte{'"'}, v...), '"')}
	return sc.str()
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	return append(appendJSONContent(append(b, '"'), s), '"')
}

// appendJSONContent appends s as the content of a JSON string, without
// the quotes.
func appendJSONContent(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for len(s) > 0 {
		// Runs that need no escape are copied whole.
		n := jsonscan.PlainLen(s)
		b = append(b, s[:n]...)
		if n == len(s) {
			break
		}
		switch c := s[n]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		default: // below 0x20
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		s = s[n+1:]
	}
	return b
}
