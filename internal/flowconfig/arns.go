package flowconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// withARNs returns raw, an item's stored JSON, with the ARNs of the queues
// and flows it names added (see ARNSuffix). It runs at every lookup, so it
// reads the item in place rather than decoding it: only items whose type has
// destinations are read, and only destination values are unescaped.
func (s *Service) withARNs(ctx context.Context, inst, resourceType string, raw []byte) ([]byte, error) {
	ar, ok := s.res.(ARNResolver)
	if !ok {
		return raw, nil
	}
	switch resourceType {
	case TypeDeliveryID, TypeSteeringMenu, TypeQueue:
	default:
		return raw, nil
	}
	var buf [48]pair
	pairs, err := itemPairs(raw, buf[:0])
	if err != nil {
		return nil, err
	}
	var queueAttrs, flowAttrs, queues, flows []string
	add := func(typ, attr string, value []byte) error {
		v, err := unquote(value)
		if err != nil || v == "" {
			return err
		}
		switch typ {
		case ActionQueue:
			queueAttrs, queues = append(queueAttrs, attr), append(queues, v)
		case ActionFlow:
			flowAttrs, flows = append(flowAttrs, attr), append(flows, v)
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
	if len(queues)+len(flows) == 0 {
		return raw, nil
	}
	queueARNs, flowARNs, err := ar.ResolveARNs(ctx, inst, queues, flows)
	if err != nil {
		return nil, fmt.Errorf("resolving the queues %q and flows %q of %s: %w", queues, flows, resourceType, err)
	}
	body := bytes.TrimRight(raw, " \t\r\n")
	out := make([]byte, 0, len(body)+(len(queues)+len(flows))*160)
	out = append(out, body[:len(body)-1]...)
	for _, r := range []struct{ attrs, arns []string }{{queueAttrs, queueARNs}, {flowAttrs, flowARNs}} {
		for i, arn := range r.arns {
			if arn == "" {
				continue
			}
			out = appendJSONString(append(out, ','), r.attrs[i]+ARNSuffix)
			out = appendJSONString(append(out, ':'), arn)
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
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
