package profiles

import (
	"encoding/hex"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// domainRecord is a domain. Matching, RuleBasedMatching and DataStore are
// kept as sent and echoed back; Hotline runs no matching jobs.
type domainRecord struct {
	Name                  string
	DefaultExpirationDays int32
	DefaultEncryptionKey  *string         `json:",omitempty"`
	DeadLetterQueueUrl    *string         `json:",omitempty"`
	Matching              json.RawMessage `json:",omitempty"`
	RuleBasedMatching     json.RawMessage `json:",omitempty"`
	DataStore             json.RawMessage `json:",omitempty"`
	Tags                  map[string]string
	CreatedAt             time.Time
	LastUpdatedAt         time.Time
}

// domainStats are the running totals GetDomain reports.
type domainStats struct {
	Profiles int64 `json:"p"`
	Metering int64 `json:"m"`
	Objects  int64 `json:"o"`
	Bytes    int64 `json:"b"`
}

// meteringCount is how many profiles a profile counts as for
// MeteringProfileCount: one per started hundred objects, at least one.
func meteringCount(objects int) int64 {
	return max(1, int64(math.Ceil(float64(objects)/100)))
}

// fieldValue is one value of the standard profile and where it came from,
// which decides whether a later source may overwrite it and what
// DeleteProfileObjectType scrubs.
type fieldValue struct {
	V      string `json:"v"`
	Manual bool   `json:"m,omitempty"` // set by CreateProfile/UpdateProfile
	Type   string `json:"t,omitempty"` // object type that supplied it
	Object string `json:"o,omitempty"` // unique key of the object that supplied it
	// Priority is the supplying type's SourcePriority; 0 means unset,
	// which ranks below every set priority.
	Priority int32 `json:"p,omitempty"`
	// At is when the value was current at its source (the object's
	// source-last-updated timestamp, else its ingestion time), unix nanos.
	At int64 `json:"a,omitempty"`
}

// rank orders priorities: lower wins, unset loses to everything.
func (f *fieldValue) rank() int64 {
	if f.Priority <= 0 {
		return math.MaxInt64
	}
	return int64(f.Priority)
}

// keySupport is one reason a profile holds a key value. A value stays on
// the profile while anything supports it.
type keySupport struct {
	// Ref is refStandard (derived from the standard profile), refManual
	// (AddProfileKey) or "<type>/<uniqueKey>" for an object's key.
	Ref string `json:"r"`
	// Exp is when the supporting object expires (unix nanos); 0 is never.
	Exp int64 `json:"e,omitempty"`
}

const (
	refStandard = "std"
	refManual   = "manual"
)

func objectRef(typ, uk string) string { return typ + "/" + uk }

// profileRecord is a profile: its standard fields by path ("FirstName",
// "ShippingAddress.City", "Attributes.Tier"), its key values, and counts of
// its objects.
type profileRecord struct {
	ID      string                             `json:"id"`
	Fields  map[string]*fieldValue             `json:"f,omitempty"`
	Prefs   *api.EngagementPreferences         `json:"ep,omitempty"`
	Keys    map[string]map[string][]keySupport `json:"k,omitempty"`
	Counts  map[string]int                     `json:"c,omitempty"` // objects by type
	Objects int                                `json:"n,omitempty"`
	Bytes   int64                              `json:"b,omitempty"`
	Seq     int64                              `json:"s,omitempty"` // last object sequence number
	Created int64                              `json:"ca"`
	Updated int64                              `json:"ua"`
	Expires int64                              `json:"x"`
	// Queue is the stamp of the profile's expiry queue entry when it is not
	// Expires (see requeue); 0 means Expires.
	Queue int64 `json:"q,omitempty"`

	stored  *profileState // what the store's indexes hold for it; nil when new
	raw     []byte        // the record as loaded, to skip saving it unchanged
	deleted bool
	// requeue: the queue entry came due before the profile expired, and
	// moves to Expires when the profile is saved.
	requeue bool
	// parted are the types of objects that left the profile in this
	// transaction (see leftBy): their fields may outlive them here.
	parted []string
	// storedBuf is where stored points once set: no allocation of its own.
	storedBuf profileState
}

// profileState is the part of a profile that secondary indexes mirror.
type profileState struct {
	pairs    []keyPair // sorted (comparePairs)
	types    []string  // sorted
	queued   int64     // stamp of the expiry queue entry; 0 is none
	metering int64

	// Room for the usual profile's pairs and types, in the same allocation.
	pairsBuf [8]keyPair
	typesBuf [2]string
}

type keyPair struct{ key, value string }

func comparePairs(a, b keyPair) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.value, b.value)
}

// leftBy notes that an object of type typ left the profile. The marker
// tf/<type>/<id> lets DeleteProfileObjectType find the profiles holding
// fields that type supplied; while an object of the type is on the
// profile, the type's objects lead there, so the marker is written only
// when one leaves (if the type still supplies a field then), not for
// every new profile.
func (p *profileRecord) leftBy(typ string) {
	if !slices.Contains(p.parted, typ) {
		p.parted = append(p.parted, typ)
	}
}

// setStored records st as what the store's indexes now hold.
func (p *profileRecord) setStored(st *profileState) {
	p.storedBuf = *st
	p.stored = &p.storedBuf
	// The copy's slices use its own room when they fit there.
	if len(st.pairs) <= len(p.storedBuf.pairsBuf) {
		p.stored.pairs = append(p.storedBuf.pairsBuf[:0], st.pairs...)
	}
	if len(st.types) <= len(p.storedBuf.typesBuf) {
		p.stored.types = append(p.storedBuf.typesBuf[:0], st.types...)
	}
}

// state returns the profile's state, in st.
func (p *profileRecord) state(st *profileState) *profileState {
	*st = profileState{queued: queued(p.Queue, p.Expires), metering: meteringCount(p.Objects)}
	st.pairs = st.pairsBuf[:0]
	for k, vals := range p.Keys {
		for v := range vals {
			st.pairs = append(st.pairs, keyPair{k, v})
		}
	}
	slices.SortFunc(st.pairs, comparePairs)
	st.types = st.typesBuf[:0]
	for _, f := range p.Fields {
		if f.Type != "" && !slices.Contains(st.types, f.Type) {
			st.types = append(st.types, f.Type)
		}
	}
	slices.Sort(st.types)
	return st
}

// newProfileID returns a new profile id: a version 7 UUID without its
// dashes, which AWS's ids look like (32 hex digits). Version 7 ids start
// with the time, so a new profile's records and index entries keyed by its
// id append to the end of their ranges instead of landing on a random
// page of the store each.
func newProfileID() string {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	var b [profileIDLen]byte
	hex.Encode(b[:], id[:])
	return string(b[:])
}

func (p *profileRecord) expired(now int64) bool { return p.Expires != 0 && p.Expires <= now }

// owns reports whether a live support holds the key value.
func (p *profileRecord) owns(key, value string, now int64) bool {
	for _, s := range p.Keys[key][value] {
		if s.Exp == 0 || s.Exp > now {
			return true
		}
	}
	return false
}

func (p *profileRecord) addSupport(key, value string, s keySupport) {
	if p.Keys == nil {
		p.Keys = map[string]map[string][]keySupport{}
	}
	vals := p.Keys[key]
	if vals == nil {
		vals = map[string][]keySupport{}
		p.Keys[key] = vals
	}
	for i, x := range vals[value] {
		if x.Ref == s.Ref {
			vals[value][i] = s
			return
		}
	}
	vals[value] = append(vals[value], s)
}

// dropSupports removes every support keep rejects, and the key values left
// with none. It edits the supports in place: no two key values of a
// profile share their supports' array.
func (p *profileRecord) dropSupports(drop func(key, value string, s keySupport) bool) {
	for key, vals := range p.Keys {
		for v, sup := range vals {
			if !slices.ContainsFunc(sup, func(s keySupport) bool { return drop(key, v, s) }) {
				continue // the common case on every commit: nothing to change
			}
			kept := slices.DeleteFunc(sup, func(s keySupport) bool { return drop(key, v, s) })
			if len(kept) == 0 {
				delete(vals, v)
			} else {
				vals[v] = kept
			}
		}
		if len(vals) == 0 {
			delete(p.Keys, key)
		}
	}
}

// Fields the standard keys derive from.
var (
	phoneFields = [...]string{"PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"}
	emailFields = [...]string{"EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"}
	nameFields  = [...]string{"FirstName", "MiddleName", "LastName"}
)

// refreshStandardKeys re-derives the standard keys from the standard
// fields. The result is that of dropping every standard support and adding
// one back to each value the fields give (so that each such value has one,
// after its other supports); done in place, it changes nothing when the
// fields did not change.
func (p *profileRecord) refreshStandardKeys() {
	// The values the fields give: normalised into buf, or the fields' own.
	var (
		room [256]byte
		want [10]stdKeyValue
		n    int
	)
	buf := room[:0]
	add := func(key, raw string) {
		start := len(buf)
		buf = appendNormal(buf, standardKinds[key], raw)
		if kv, ok := newStdKeyValue(key, raw, buf, start); ok {
			want[n], n = kv, n+1
			if !kv.inBuf {
				buf = buf[:start]
			}
		}
	}
	add(keyProfileID, p.ID)
	add(keyAccount, p.value("AccountNumber"))
	for _, f := range phoneFields {
		add(keyPhone, p.value(f))
	}
	for _, f := range emailFields {
		add(keyEmail, p.value(f))
	}
	first, middle, last := p.value(nameFields[0]), p.value(nameFields[1]), p.value(nameFields[2])
	if isASCII(first) && isASCII(middle) && isASCII(last) {
		// Their words, lower-cased, one space apart: their join as a name.
		start := len(buf)
		for _, v := range [...]string{first, middle, last} {
			buf = appendNameWords(buf, v, start)
		}
		if kv, ok := newStdKeyValue(keyFullName, "", buf, start); ok {
			want[n], n = kv, n+1
		}
	} else {
		var name []string
		for _, v := range [...]string{first, middle, last} {
			if v != "" {
				name = append(name, v)
			}
		}
		add(keyFullName, strings.Join(name, " "))
	}
	wanted := func(key, value string) bool {
		for i := range n {
			if want[i].key == key && want[i].is(buf, value) {
				return true
			}
		}
		return false
	}

	std := keySupport{Ref: refStandard}
	for key, vals := range p.Keys {
		for v, sup := range vals {
			stds := 0
			for _, s := range sup {
				if s.Ref == refStandard {
					stds++
				}
			}
			switch {
			case wanted(key, v):
				if stds == 1 && sup[len(sup)-1] == std {
					continue
				}
				if stds > 0 {
					sup = slices.DeleteFunc(sup, isStandard)
				}
				vals[v] = append(sup, std)
			case stds > 0:
				if sup = slices.DeleteFunc(sup, isStandard); len(sup) == 0 {
					delete(vals, v)
				} else {
					vals[v] = sup
				}
			}
		}
		if len(vals) == 0 {
			delete(p.Keys, key)
		}
	}
	// The values the profile did not have, their supports in one
	// allocation.
	var added []keySupport
	for i := range n {
		kv := &want[i]
		vals := p.Keys[kv.key]
		var had bool
		if kv.inBuf {
			_, had = vals[string(buf[kv.start:kv.end])]
		} else {
			_, had = vals[kv.own]
		}
		if had {
			continue
		}
		if len(added) == 0 {
			added = make([]keySupport, n-i)
		}
		added[0] = std
		if vals == nil {
			if p.Keys == nil {
				p.Keys = map[string]map[string][]keySupport{}
			}
			vals = map[string][]keySupport{}
			p.Keys[kv.key] = vals
		}
		value := kv.own
		if kv.inBuf {
			value = string(buf[kv.start:kv.end])
		}
		vals[value], added = added[:1:1], added[1:]
	}
}

func isStandard(s keySupport) bool { return s.Ref == refStandard }

// stdKeyValue is a standard key value a profile's fields give: the field's
// own value (own), or one normalised from it, in a buffer.
type stdKeyValue struct {
	key        string
	own        string
	inBuf      bool
	start, end int
}

// newStdKeyValue is the value normalised into buf[start:], if any; raw is
// the field's value.
func newStdKeyValue(key, raw string, buf []byte, start int) (stdKeyValue, bool) {
	switch {
	case len(buf) == start:
		return stdKeyValue{}, false
	case string(buf[start:]) == raw:
		return stdKeyValue{key: key, own: raw}, true
	}
	return stdKeyValue{key: key, inBuf: true, start: start, end: len(buf)}, true
}

// is reports whether the value is v.
func (kv *stdKeyValue) is(buf []byte, v string) bool {
	if kv.inBuf {
		return string(buf[kv.start:kv.end]) == v
	}
	return kv.own == v
}

func (p *profileRecord) value(path string) string {
	if f := p.Fields[path]; f != nil {
		return f.V
	}
	return ""
}

// touch marks the profile updated, which restarts its expiry window.
func (p *profileRecord) touch(now time.Time, days int32) {
	p.Updated = now.UnixNano()
	p.Expires = now.Add(time.Duration(days) * 24 * time.Hour).UnixNano()
}

// objectRecord is a stored profile object.
type objectRecord struct {
	Type      string `json:"t"`
	UniqueKey string `json:"u"`
	ProfileID string `json:"p"`
	Object    string `json:"o"` // the JSON text as the client sent it
	// Keys are the object's key values (normalised) other than LOOKUP_ONLY
	// ones, which ListProfileObjects' ObjectFilter matches.
	Keys    map[string][]string `json:"k,omitempty"`
	Seq     int64               `json:"s"`
	At      int64               `json:"a"` // the time its field values carry
	Created int64               `json:"ca"`
	Expires int64               `json:"x"`
	// Queue is the stamp of the object's expiry queue entry when it is not
	// Expires (see requeue); 0 means Expires.
	Queue int64 `json:"q,omitempty"`

	stored    *objectState
	storedBuf objectState // where stored points once set
	// objectJSON is Object encoded as a JSON string, when it was encoded
	// ahead of the write transaction (see appendJSON).
	objectJSON []byte
	// keyList, when Keys is nil, gives the keys of a new version as its
	// evaluation found them (see appendJSON).
	keyList []keyValue
	// head marks a record read without Object and Keys (objectHead); size
	// is then the length of Object.
	head bool
	size int64
	// requeue is profileRecord's.
	requeue bool
}

type objectState struct {
	profileID string
	seq       int64
	queued    int64 // stamp of the expiry queue entry; 0 is none
	size      int64
}

func (o *objectRecord) state() objectState {
	return objectState{profileID: o.ProfileID, seq: o.Seq, queued: queued(o.Queue, o.Expires), size: o.textSize()}
}

// queued is the stamp of a record's expiry queue entry, given its Queue
// and Expires: a record says where its entry stands only when that is not
// at its expiry (which is where records written before the queue was lazy
// have theirs).
func queued(queue, expires int64) int64 {
	if queue != 0 {
		return queue
	}
	return expires
}

// requeue returns where a record's expiry queue entry is to stand (the
// value of its Queue), given where it stands (0: nowhere) and the record's
// expiry. The queue is lazy: an entry at or before the expiry stays where
// it is, and when it comes due the sweep (purgeDue) finds the record alive
// and moves the entry to the expiry of the moment. So a profile updated a
// thousand times a day moves its entry about once per expiry period, not
// a thousand times, and replacing an object writes no queue entries. An
// expiry earlier than the entry (a shorter ExpirationDays) moves it now.
func requeue(at, expires int64) int64 {
	if at == 0 || at >= expires {
		return 0 // at Expires
	}
	return at
}

// setStored records st as what the store's indexes now hold.
func (o *objectRecord) setStored(st objectState) {
	o.storedBuf = st
	o.stored = &o.storedBuf
}

// textSize is the length of the object's text.
func (o *objectRecord) textSize() int64 {
	if o.head {
		return o.size
	}
	return int64(len(o.Object))
}

func (o *objectRecord) ref() string { return objectRef(o.Type, o.UniqueKey) }

func (o *objectRecord) expired(now int64) bool { return o.Expires != 0 && o.Expires <= now }

// Standard profile members, by name. Each is a field path of its own;
// addresses contribute "<Address>.<Part>" paths and Attributes
// "Attributes.<name>".
var (
	stringMembers = []string{
		"AccountNumber", "AdditionalInformation", "PartyType", "PartyTypeString", "BusinessName",
		"FirstName", "MiddleName", "LastName", "BirthDate", "Gender", "GenderString",
		"PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber",
		"EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress", "ProfileType",
	}
	addressMembers = []string{"Address", "ShippingAddress", "MailingAddress", "BillingAddress"}
	addressParts   = []string{"Address1", "Address2", "Address3", "Address4", "City", "County", "State", "Province", "Country", "PostalCode"}

	// enumMembers are members with closed values; a value outside them
	// lands in the free-text twin when there is one.
	enumMembers = map[string]struct {
		values []string
		twin   string
	}{
		"Gender":      {[]string{"MALE", "FEMALE", "UNSPECIFIED"}, "GenderString"},
		"PartyType":   {[]string{"INDIVIDUAL", "BUSINESS", "OTHER"}, "PartyTypeString"},
		"ProfileType": {[]string{"ACCOUNT_PROFILE", "PROFILE"}, ""},
	}
)

const attributesPrefix = "Attributes."

// maxFieldLen is the model's limit for a standard field's value.
func maxFieldLen(path string) int {
	if path == "AdditionalInformation" {
		return 1000
	}
	return 255
}

// validTarget reports whether path (a Target without "_profile.") names a
// standard field.
func validTarget(path string) bool {
	if name, ok := strings.CutPrefix(path, attributesPrefix); ok {
		return name != "" && len(name) <= 255
	}
	if slices.Contains(stringMembers, path) {
		return true
	}
	addr, part, ok := strings.Cut(path, ".")
	return ok && slices.Contains(addressMembers, addr) && slices.Contains(addressParts, part)
}

// fieldGroup returns the paths of p that a top-level member name covers
// (an address covers its parts).
func fieldGroup(fields map[string]*fieldValue, member string) []string {
	if slices.Contains(addressMembers, member) {
		var paths []string
		for path := range fields {
			if strings.HasPrefix(path, member+".") {
				paths = append(paths, path)
			}
		}
		return paths
	}
	return []string{member}
}

// flatten turns a profile document (a CreateProfile or UpdateProfile
// request read as a Profile) into field paths; a nil value is absent, an
// empty one clears.
func flatten(doc *api.Profile) map[string]*string {
	out := map[string]*string{}
	b, _ := json.Marshal(doc)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	for _, name := range stringMembers {
		if raw, ok := m[name]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				out[name] = &s
			}
		}
	}
	for _, addr := range addressMembers {
		raw, ok := m[addr]
		if !ok {
			continue
		}
		var parts map[string]string
		if json.Unmarshal(raw, &parts) == nil {
			for part, v := range parts {
				if slices.Contains(addressParts, part) {
					out[addr+"."+part] = ptr(v)
				}
			}
		}
	}
	for name, v := range doc.Attributes {
		out[attributesPrefix+name] = ptr(v)
	}
	return out
}

// toAPI renders the profile as the API's Profile.
func (p *profileRecord) toAPI() *api.Profile {
	out := &api.Profile{ProfileId: ptr(p.ID), EngagementPreferences: p.Prefs}
	for path, f := range p.Fields {
		if name, ok := strings.CutPrefix(path, attributesPrefix); ok {
			if out.Attributes == nil {
				out.Attributes = map[string]string{}
			}
			out.Attributes[name] = f.V
			continue
		}
		if addr, part, ok := strings.Cut(path, "."); ok {
			if set := addressField[part]; set != nil {
				a := addressOf(out, addr)
				if *a == nil {
					*a = &api.Address{}
				}
				*set(*a) = ptr(f.V)
			}
			continue
		}
		if set := stringField[path]; set != nil {
			*set(out) = ptr(f.V)
		}
	}
	return out
}

// Setters of the generated Profile's members, so that rendering a profile
// (the search hot path) needs no reflection.
var stringField = map[string]func(*api.Profile) **string{
	"AccountNumber":         func(p *api.Profile) **string { return &p.AccountNumber },
	"AdditionalInformation": func(p *api.Profile) **string { return &p.AdditionalInformation },
	"PartyType":             func(p *api.Profile) **string { return &p.PartyType },
	"PartyTypeString":       func(p *api.Profile) **string { return &p.PartyTypeString },
	"BusinessName":          func(p *api.Profile) **string { return &p.BusinessName },
	"FirstName":             func(p *api.Profile) **string { return &p.FirstName },
	"MiddleName":            func(p *api.Profile) **string { return &p.MiddleName },
	"LastName":              func(p *api.Profile) **string { return &p.LastName },
	"BirthDate":             func(p *api.Profile) **string { return &p.BirthDate },
	"Gender":                func(p *api.Profile) **string { return &p.Gender },
	"GenderString":          func(p *api.Profile) **string { return &p.GenderString },
	"PhoneNumber":           func(p *api.Profile) **string { return &p.PhoneNumber },
	"MobilePhoneNumber":     func(p *api.Profile) **string { return &p.MobilePhoneNumber },
	"HomePhoneNumber":       func(p *api.Profile) **string { return &p.HomePhoneNumber },
	"BusinessPhoneNumber":   func(p *api.Profile) **string { return &p.BusinessPhoneNumber },
	"EmailAddress":          func(p *api.Profile) **string { return &p.EmailAddress },
	"PersonalEmailAddress":  func(p *api.Profile) **string { return &p.PersonalEmailAddress },
	"BusinessEmailAddress":  func(p *api.Profile) **string { return &p.BusinessEmailAddress },
	"ProfileType":           func(p *api.Profile) **string { return &p.ProfileType },
}

var addressField = map[string]func(*api.Address) **string{
	"Address1":   func(a *api.Address) **string { return &a.Address1 },
	"Address2":   func(a *api.Address) **string { return &a.Address2 },
	"Address3":   func(a *api.Address) **string { return &a.Address3 },
	"Address4":   func(a *api.Address) **string { return &a.Address4 },
	"City":       func(a *api.Address) **string { return &a.City },
	"County":     func(a *api.Address) **string { return &a.County },
	"State":      func(a *api.Address) **string { return &a.State },
	"Province":   func(a *api.Address) **string { return &a.Province },
	"Country":    func(a *api.Address) **string { return &a.Country },
	"PostalCode": func(a *api.Address) **string { return &a.PostalCode },
}

func addressOf(p *api.Profile, member string) **api.Address {
	switch member {
	case "ShippingAddress":
		return &p.ShippingAddress
	case "MailingAddress":
		return &p.MailingAddress
	case "BillingAddress":
		return &p.BillingAddress
	}
	return &p.Address
}

// Profile is a standard profile as the rest of Hotline (the flow engine's
// Customer Profiles actions) sees it.
type Profile struct {
	ID string
	// Fields holds the standard fields by path: "FirstName",
	// "ShippingAddress.City"; unset fields are absent.
	Fields map[string]string
	// Attributes holds the custom attributes.
	Attributes map[string]string
}

func (p *profileRecord) toProfile() Profile {
	out := Profile{ID: p.ID, Fields: map[string]string{}, Attributes: map[string]string{}}
	for path, f := range p.Fields {
		if name, ok := strings.CutPrefix(path, attributesPrefix); ok {
			out.Attributes[name] = f.V
		} else {
			out.Fields[path] = f.V
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	return keys
}
