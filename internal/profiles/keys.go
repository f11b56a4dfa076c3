package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-dev/hotline/internal/pagetoken"
	"github.com/hotline-dev/hotline/internal/store"
)

// Key layout. Everything of a domain lives under profiles/d/<domain>/ so
// that deleting a domain is one range delete:
//
//	profiles/domain/<domain>                      domain record
//	profiles/d/<dom>/stats                        domain statistics (GetDomain Stats)
//	profiles/d/<dom>/type/<type>                  object type record
//	profiles/d/<dom>/kind/<key>                   ContentType that normalises a custom key's values
//	profiles/d/<dom>/p/<profileId>                profile record
//	profiles/d/<dom>/k/<key>/<value>\x00<id>      search index: profile <id> owns that normalised key value
//	profiles/d/<dom>/o/<type>/<uniqueKey>         profile object record
//	profiles/d/<dom>/po/<profileId>/<type>/<seq>  unique key of a profile's object, in ingestion order
//	profiles/d/<dom>/tf/<type>/<profileId>        marker: an object of type left the profile, whose fields type supplied
//	profiles/d/<dom>/ca/<name>                    calculated attribute definition
//	profiles/d/<dom>/x/<unixnano>/<ref>           expiry queue; ref is p/<profileId> or o/<type>/<uniqueKey>
//
// Names in the middle of a key cannot contain "/" (the model's patterns
// forbid it), and a key value is always the last segment, so prefixes never
// collide. SearchProfiles by one key value is one seek to the value's index
// prefix, which lists its owners in id order, and one Get per profile. An
// entry per owner (rather than one entry listing them all) keeps adding an
// owner to a value thousands of profiles share as cheap as to a rare one.
const domainsPrefix = "profiles/domain/"

func domainKey(dom string) string    { return domainsPrefix + dom }
func domainPrefix(dom string) string { return "profiles/d/" + dom + "/" }
func statsKey(dom string) string     { return domainPrefix(dom) + "stats" }

func typePrefix(dom string) string     { return domainPrefix(dom) + "type/" }
func typeKey(dom, name string) string  { return typePrefix(dom) + name }
func kindPrefix(dom string) string     { return domainPrefix(dom) + "kind/" }
func kindKey(dom, key string) string   { return kindPrefix(dom) + key }
func profileKey(dom, id string) string { return domainPrefix(dom) + "p/" + id }
func indexPrefix(dom, key, value string) string {
	return domainPrefix(dom) + "k/" + key + "/" + value + "\x00"
}
func objectPrefix(dom, typ string) string  { return domainPrefix(dom) + "o/" + typ + "/" }
func objectKey(dom, typ, uk string) string { return objectPrefix(dom, typ) + uk }

func profileObjectsPrefix(dom, id string) string { return domainPrefix(dom) + "po/" + id + "/" }
func profileTypeObjectsPrefix(dom, id, typ string) string {
	return profileObjectsPrefix(dom, id) + typ + "/"
}
func profileObjectKey(dom, id, typ string, seq int64) string {
	return string(appendProfileObjectKey(nil, dom, id, typ, seq))
}

func typeFieldsPrefix(dom, typ string) string  { return domainPrefix(dom) + "tf/" + typ + "/" }
func typeFieldsKey(dom, typ, id string) string { return typeFieldsPrefix(dom, typ) + id }

func expiryPrefix(dom string) string { return domainPrefix(dom) + "x/" }
func expiryKey(dom string, at int64, ref string) string {
	return expiryPrefix(dom) + expiryStamp(at) + "/" + ref
}

// expiryStamp renders unix nanoseconds with a fixed width so that the
// expiry queue sorts by time.
func expiryStamp(at int64) string {
	s := strconv.FormatInt(max(at, 0), 10)
	return strings.Repeat("0", 20-len(s)) + s
}

// The append forms below build the same keys into a caller's buffer, so a
// transaction can reuse one buffer for every key it reads or writes (the
// store copies what it keeps). TestAppendKeys holds them to the forms above.

func appendDomainPrefix(b []byte, dom string) []byte {
	b = append(b, "profiles/d/"...)
	b = append(b, dom...)
	return append(b, '/')
}

func appendProfileKey(b []byte, dom, id string) []byte {
	return append(append(appendDomainPrefix(b, dom), "p/"...), id...)
}

func appendTypeKey(b []byte, dom, name string) []byte {
	return append(append(appendDomainPrefix(b, dom), "type/"...), name...)
}

// appendIndexPrefix appends indexPrefix(dom, key, value).
func appendIndexPrefix(b []byte, dom, key, value string) []byte {
	b = append(append(appendDomainPrefix(b, dom), "k/"...), key...)
	b = append(append(b, '/'), value...)
	return append(b, 0)
}

func appendObjectKey(b []byte, dom, typ, uk string) []byte {
	b = append(append(appendDomainPrefix(b, dom), "o/"...), typ...)
	return append(append(b, '/'), uk...)
}

func appendProfileObjectKey(b []byte, dom, id, typ string, seq int64) []byte {
	b = append(append(appendDomainPrefix(b, dom), "po/"...), id...)
	b = append(append(append(b, '/'), typ...), '/')
	width, mag := 16, uint64(seq)
	if seq < 0 { // never, but as %016x would: the sign counts in the width
		b = append(b, '-')
		width, mag = 15, -mag
	}
	n := len(b)
	b = strconv.AppendUint(b, mag, 16)
	if pad := width - (len(b) - n); pad > 0 {
		b = append(b, zeros[:pad]...)
		copy(b[n+pad:], b[n:len(b)-pad])
		copy(b[n:n+pad], zeros[:pad])
	}
	return b
}

func appendTypeFieldsKey(b []byte, dom, typ, id string) []byte {
	b = append(append(appendDomainPrefix(b, dom), "tf/"...), typ...)
	return append(append(b, '/'), id...)
}

func appendExpiryPrefix(b []byte, dom string) []byte {
	return append(appendDomainPrefix(b, dom), "x/"...)
}

// appendExpiryKey appends expiryKey(dom, at, kind+"/"+a+"/"+b) for an
// object (kind 'o', a its type, b its unique key) or, with b empty,
// expiryKey(dom, at, "p/"+a) for a profile (kind 'p', a its id).
func appendExpiryKey(dst []byte, dom string, at int64, kind byte, a, b string) []byte {
	dst = append(appendStamp(appendExpiryPrefix(dst, dom), at), '/', kind, '/')
	dst = append(dst, a...)
	if kind == 'o' {
		dst = append(append(dst, '/'), b...)
	}
	return dst
}

const zeros = "00000000000000000000"

// appendPrefixEnd appends store.PrefixEnd(prefix) to dst.
func appendPrefixEnd(dst, prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] < 0xff {
			n := len(dst)
			dst = append(dst, prefix[:i+1]...)
			dst[n+i]++
			return dst
		}
	}
	return dst
}

// appendStamp appends expiryStamp(at).
func appendStamp(b []byte, at int64) []byte {
	n := len(b)
	b = strconv.AppendInt(b, max(at, 0), 10)
	if pad := 20 - (len(b) - n); pad > 0 {
		b = append(b, zeros[:pad]...)
		copy(b[n+pad:], b[n:len(b)-pad])
		copy(b[n:n+pad], zeros[:pad])
	}
	return b
}

// profileIDLen is the length of a profile id: a UUID without its dashes.
const profileIDLen = 32

// scanKeys returns up to limit keys (all when limit < 0) under prefix.
func scanKeys(tx store.Tx, prefix string, limit int) []string {
	var keys []string
	for k := range tx.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix))) {
		if limit >= 0 && len(keys) == limit {
			break
		}
		keys = append(keys, string(k))
	}
	return keys
}

// indexIDs returns, in id order, up to limit (all when limit < 0) ids of
// the profiles the index holds for a key value.
func indexIDs(tx store.Tx, dom, key, value string, limit int) []string {
	prefix := indexPrefix(dom, key, value)
	var ids []string
	for k := range tx.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix))) {
		if limit >= 0 && len(ids) == limit {
			break
		}
		// A longer value sharing this prefix (one containing a zero byte)
		// leaves more than an id after it.
		if id := k[len(prefix):]; len(id) == profileIDLen {
			ids = append(ids, string(id))
		}
	}
	if key == keyProfileID {
		ids = withOwnID(ids, value)
	}
	return ids
}

// withOwnID adds to the owners of a _profileId value (ids, in id order)
// the profile whose id it is, if it may be one. Every profile owns its own
// id, as its record says, so the index holds no entry for that: one entry
// fewer for every new profile. It holds entries only for an id a profile
// owns otherwise (AddProfileKey, an object's key), and those written before
// this rule, which are found twice and counted once.
func withOwnID(ids []string, value string) []string {
	if len(value) != profileIDLen {
		return ids
	}
	i, found := slices.BinarySearch(ids, value)
	if found {
		return ids
	}
	return slices.Insert(ids, i, value)
}

// digest shortens a listing's filters for its page tokens, which the model
// limits to 1024 characters.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// pageRequest is a list call's paging: its token, its page size, and a scope
// naming the listing (and its filters) so a token cannot cross listings.
type pageRequest struct {
	scope string
	token *string
	max   int
}

// after decodes the request's token; "" means the first page.
func (r pageRequest) after() (string, error) {
	after, err := pagetoken.Decode(r.scope, deref(r.token))
	if err != nil {
		return "", badRequest("NextToken is not valid: %v", err)
	}
	return after, nil
}

// page lists the JSON records under prefix in key order, one page at a time.
func page[T any](tx store.Tx, prefix string, req pageRequest) ([]*T, *string, error) {
	after, err := req.after()
	if err != nil {
		return nil, nil, err
	}
	start := []byte(prefix)
	if after != "" {
		if !strings.HasPrefix(after, prefix) {
			return nil, nil, badRequest("NextToken is not valid: %v", pagetoken.ErrInvalid)
		}
		start = append([]byte(after), 0)
	}
	var (
		items   []*T
		lastKey string
	)
	for k, v := range tx.Scan(start, store.PrefixEnd([]byte(prefix))) {
		if len(items) == req.max {
			next := pagetoken.Encode(req.scope, lastKey)
			return items, &next, nil
		}
		item := new(T)
		if err := json.Unmarshal(v, item); err != nil {
			return nil, nil, fmt.Errorf("profiles: corrupt record %s: %w", k, err)
		}
		items = append(items, item)
		lastKey = string(k)
	}
	return items, nil, nil
}
