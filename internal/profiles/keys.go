package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
//	profiles/d/<dom>/tf/<type>/<profileId>        marker: the profile holds standard fields from type
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
	// fmt.Sprintf("%s%016x") without fmt: this runs on every write.
	prefix := profileTypeObjectsPrefix(dom, id, typ)
	b := make([]byte, 0, len(prefix)+17)
	b = append(b, prefix...)
	width, mag := 16, uint64(seq)
	if seq < 0 { // never, but as %016x would: the sign counts in the width
		b = append(b, '-')
		width, mag = 15, -mag
	}
	hex := strconv.FormatUint(mag, 16)
	for range width - len(hex) {
		b = append(b, '0')
	}
	return string(append(b, hex...))
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
	return ids
}

// indexAdd records that profile id owns a key value.
func indexAdd(tx store.RwTx, dom, key, value, id string) error {
	return tx.Put([]byte(indexPrefix(dom, key, value)+id), nil)
}

// indexRemove records that profile id no longer owns a key value.
func indexRemove(tx store.RwTx, dom, key, value, id string) error {
	return tx.Delete([]byte(indexPrefix(dom, key, value) + id))
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
