package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// wtx is one write transaction on a domain: the store transaction, what it
// has loaded, and the statistics it changed. Every secondary index is
// derived from the records when they are saved, by comparing them with
// what the store held when they were loaded, so operations only edit
// records. A wtx lives inside one run of an Update function (which the
// store may repeat), so it never outlives its transaction.
type wtx struct {
	s     *Service
	tx    store.RwTx
	dom   *domainRecord
	now   time.Time
	nowNs int64

	profiles map[string]*profileRecord // loaded or created, by id
	// The types read so far, by name (nil: no such type): the first in
	// type1, any other in types (made on first use).
	type1Name string
	type1     *objectType
	type1Set  bool
	types     map[string]*objectType
	kinds     map[string]string // custom key kinds read so far (made on first use)
	stats     domainStats       // changes to apply on commit
	state     profileState      // room for the new state of a profile being saved

	// key is where the key of each Get, Put and Delete is built (the store
	// copies what it keeps of a key); bounds holds a scan's bounds, which
	// must not change while it runs, and so is never used for anything else.
	key, bounds []byte
	keyBuf      [160]byte
	boundsBuf   [160]byte
	// ids are the owners of a key value soleOwner found, due the expiry
	// entries purgeDue found.
	ids, due []string
	idsBuf   [2]string
}

// purgeBatch bounds how much expired data one write transaction removes
// on its way, so a large expiry wave is spread over many writes.
const purgeBatch = 100

// begin loads the domain (answering 404 for an unknown one) and removes
// expired data that is due.
func (s *Service) begin(tx store.RwTx, domain string) (*wtx, error) {
	w := &wtx{s: s, tx: tx}
	w.key, w.bounds, w.ids = w.keyBuf[:0], w.boundsBuf[:0], w.idsBuf[:0]
	w.key = append(append(w.key, domainsPrefix...), domain...)
	dom, err := s.domainAt(tx, w.key, domain)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	w.dom, w.now, w.nowNs = dom, now, now.UnixNano()
	w.profiles = map[string]*profileRecord{}
	if s.purgeTime(domain, w.nowNs) {
		if _, err := w.purgeDue(purgeBatch); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// purgeTime reports whether a write in domain at now should look for due
// expiry entries: the first one in each PurgeInterval does. Looking costs
// every write a scan, and its transaction a range read that the store
// validates; and what is due is only garbage (reads never show expired
// data), which the janitor also removes every PurgeInterval and GetDomain
// before it counts.
func (s *Service) purgeTime(domain string, now int64) bool {
	v, ok := s.nextPurge.Load(domain)
	if !ok {
		v, _ = s.nextPurge.LoadOrStore(domain, new(atomic.Int64))
	}
	next := v.(*atomic.Int64)
	at := next.Load()
	return now >= at && next.CompareAndSwap(at, now+int64(s.cfg.PurgeInterval))
}

// domainAt reads a domain record (answering 404 for an unknown one), given
// its key, which it does not keep. The record is shared and must not be
// modified.
func (s *Service) domainAt(tx store.Tx, key []byte, domain string) (*domainRecord, error) {
	raw, err := getRawKey(tx, key)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, notFound("Domain %s does not exist", domain)
	}
	if d, ok := s.domains.lookup(key, raw); ok {
		return d, nil
	}
	d := new(domainRecord)
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	s.domains.put(string(key), raw, d)
	return d, nil
}

// update runs fn in a write transaction on a domain and commits its changes.
// The transaction runs concurrently with others (store.UpdateConcurrent)
// and may run again if they changed what it read: fn must only set, never
// accumulate, what it leaves outside the transaction.
func (s *Service) update(ctx context.Context, domain string, fn func(w *wtx) error) error {
	return store.UpdateConcurrent(ctx, s.db, func(tx store.RwTx) error {
		w, err := s.begin(tx, domain)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			return err
		}
		return w.commit()
	})
}

// profile loads a profile; ok is false when it does not exist or expired.
func (w *wtx) profile(id string) (*profileRecord, bool, error) {
	if p, ok := w.profiles[id]; ok {
		return p, !p.deleted, nil
	}
	w.key = appendProfileKey(w.key[:0], w.dom.Name, id)
	b, err := w.tx.Get(w.key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p := &profileRecord{}
	if err := decodeProfileOf(b, p, id); err != nil {
		return nil, false, fmt.Errorf("profiles: corrupt profile %s: %w", id, err)
	}
	if p.Fields == nil {
		p.Fields = map[string]*fieldValue{}
	}
	// The store's slice stays valid until the transaction ends, which
	// this record does not outlive: commit compares with it uncopied.
	p.raw = b
	p.stored = p.state(&p.storedBuf)
	w.profiles[id] = p
	if p.expired(w.nowNs) {
		return nil, false, w.deleteProfile(p)
	}
	return p, true, nil
}

// liveProfile is profile with a 404 for a missing one.
func (w *wtx) liveProfile(id string) (*profileRecord, error) {
	p, ok, err := w.profile(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("Profile %s does not exist in domain %s", id, w.dom.Name)
	}
	return p, nil
}

func (w *wtx) newProfile() *profileRecord {
	p := &profileRecord{ID: newProfileID(), Fields: map[string]*fieldValue{}, Created: w.nowNs}
	p.touch(w.now, w.dom.DefaultExpirationDays)
	w.profiles[p.ID] = p
	return p
}

// put and del write and delete the key built in w.key.
func (w *wtx) put(value []byte) error { return w.tx.Put(w.key, value) }
func (w *wtx) del() error             { return w.tx.Delete(w.key) }

// index adds (or, with remove, removes) the entry saying that profile id
// owns a key value.
func (w *wtx) index(kp keyPair, id string, remove bool) error {
	if !remove && kp.key == keyProfileID && kp.value == id {
		return nil // implied by the record (withOwnID)
	}
	w.key = append(appendIndexPrefix(w.key[:0], w.dom.Name, kp.key, kp.value), id...)
	if remove {
		return w.del()
	}
	return w.put(nil)
}

// typeFields adds (or removes) the marker saying that profile id holds
// standard fields from type typ.
func (w *wtx) typeFields(typ, id string, remove bool) error {
	w.key = appendTypeFieldsKey(w.key[:0], w.dom.Name, typ, id)
	if remove {
		return w.del()
	}
	return w.put(nil)
}

// noProfileState is what the indexes hold for a new profile.
var noProfileState profileState

// saveProfile writes a profile (b is its JSON) and brings its indexes in
// line with it.
func (w *wtx) saveProfile(p *profileRecord, b []byte) error {
	dom := w.dom.Name
	now, old := p.state(&w.state), p.stored
	if old == nil {
		old = &noProfileState
		w.stats.Profiles++
	}
	// Both states are sorted: one walk finds what came and what went.
	for i, j := 0, 0; i < len(now.pairs) || j < len(old.pairs); {
		c := -1
		switch {
		case i == len(now.pairs):
			c = 1
		case j < len(old.pairs):
			c = comparePairs(now.pairs[i], old.pairs[j])
		}
		var err error
		switch {
		case c < 0:
			err = w.index(now.pairs[i], p.ID, false)
			i++
		case c > 0:
			err = w.index(old.pairs[j], p.ID, true)
			j++
		default:
			i, j = i+1, j+1
		}
		if err != nil {
			return err
		}
	}
	for i, j := 0, 0; i < len(now.types) || j < len(old.types); {
		c := -1
		switch {
		case i == len(now.types):
			c = 1
		case j < len(old.types):
			c = strings.Compare(now.types[i], old.types[j])
		}
		var err error
		switch {
		case c < 0:
			i++ // the type's objects are on the profile: no marker yet
		case c > 0:
			err = w.typeFields(old.types[j], p.ID, true)
			j++
		default:
			i, j = i+1, j+1
		}
		if err != nil {
			return err
		}
	}
	for _, t := range p.parted {
		if slices.Contains(now.types, t) {
			if err := w.typeFields(t, p.ID, false); err != nil {
				return err
			}
		}
	}
	p.parted = nil
	if err := w.moveExpiry(old.queued, now.queued, 'p', p.ID, ""); err != nil {
		return err
	}
	w.stats.Metering += now.metering - old.metering
	// b is the caller's buffer, which it reuses: a profile saved is not
	// compared again (were it committed again, it would be saved again).
	p.setStored(now)
	p.raw = nil
	w.key = appendProfileKey(w.key[:0], dom, p.ID)
	return w.put(b)
}

// moveExpiry moves a record's expiry queue entry from the stamp from to
// the stamp to (0: none). The record is a profile (kind 'p', a its id) or
// an object (kind 'o', a its type, b its unique key).
func (w *wtx) moveExpiry(from, to int64, kind byte, a, b string) error {
	if from == to {
		return nil
	}
	if from != 0 {
		w.key = appendExpiryKey(w.key[:0], w.dom.Name, from, kind, a, b)
		if err := w.del(); err != nil {
			return err
		}
	}
	if to == 0 {
		return nil
	}
	w.key = appendExpiryKey(w.key[:0], w.dom.Name, to, kind, a, b)
	return w.put(nil)
}

// queueAt is where a record's expiry entry stands for requeue: at, unless
// the entry came due (the sweep found the record alive) and must move.
func queueAt(at int64, due bool) int64 {
	if due {
		return 0
	}
	return at
}

// deleteProfile removes a profile, its objects and its index entries.
func (w *wtx) deleteProfile(p *profileRecord) error {
	prefix := profileObjectsPrefix(w.dom.Name, p.ID)
	for _, k := range scanKeys(w.tx, prefix, -1) {
		rest := strings.TrimPrefix(k, prefix)
		typ, _, _ := strings.Cut(rest, "/")
		uk, err := w.tx.Get([]byte(k))
		if err != nil {
			return err
		}
		o, ok, err := w.object(typ, string(uk))
		if err != nil {
			return err
		}
		if ok {
			if err := w.deleteObject(o); err != nil {
				return err
			}
		}
	}
	return w.dropProfileRecord(p)
}

// dropProfileRecord removes a profile whose objects are gone or moved.
func (w *wtx) dropProfileRecord(p *profileRecord) error {
	if p.deleted {
		return nil
	}
	p.deleted = true
	old := p.stored
	if old == nil {
		return nil
	}
	dom := w.dom.Name
	for _, kp := range old.pairs {
		if err := w.index(kp, p.ID, true); err != nil {
			return err
		}
	}
	for _, t := range old.types {
		if err := w.typeFields(t, p.ID, true); err != nil {
			return err
		}
	}
	if err := w.moveExpiry(old.queued, 0, 'p', p.ID, ""); err != nil {
		return err
	}
	w.stats.Profiles--
	w.stats.Metering -= old.metering
	p.stored = nil
	w.key = appendProfileKey(w.key[:0], dom, p.ID)
	return w.del()
}

// object loads a stored object; ok is false when absent.
func (w *wtx) object(typ, uk string) (*objectRecord, bool, error) {
	return w.loadObject(typ, uk, false)
}

// objectHead is object without the object's text and keys (only the
// text's length): what replacing an object needs of the old version. The
// record it returns must not be saved.
func (w *wtx) objectHead(typ, uk string) (*objectRecord, bool, error) {
	return w.loadObject(typ, uk, true)
}

func (w *wtx) loadObject(typ, uk string, head bool) (*objectRecord, bool, error) {
	w.key = appendObjectKey(w.key[:0], w.dom.Name, typ, uk)
	raw, err := getRawKey(w.tx, w.key)
	if err != nil || raw == nil {
		return nil, false, err
	}
	o := new(objectRecord)
	if head {
		err = decodeObjectHead(raw, o, typ, uk)
	} else {
		err = decodeObject(raw, o)
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: corrupt record %s: %w", w.key, err)
	}
	o.setStored(o.state())
	return o, true, nil
}

// saveObject writes an object and its profile and expiry index entries.
func (w *wtx) saveObject(o *objectRecord) error {
	if o.head {
		return fmt.Errorf("profiles: object %s was read without its text and cannot be saved", o.ref())
	}
	dom := w.dom.Name
	old := o.stored
	if old == nil {
		w.stats.Objects++
		old = new(objectState)
	}
	o.Queue = requeue(queueAt(old.queued, o.requeue), o.Expires)
	o.requeue = false
	now := o.state()
	w.stats.Bytes += now.size - old.size
	if old.profileID != now.profileID || old.seq != now.seq {
		if old.profileID != "" {
			w.key = appendProfileObjectKey(w.key[:0], dom, old.profileID, o.Type, old.seq)
			if err := w.del(); err != nil {
				return err
			}
		}
		// The value (the unique key) follows the key in the same buffer.
		w.key = appendProfileObjectKey(w.key[:0], dom, now.profileID, o.Type, now.seq)
		n := len(w.key)
		w.key = append(w.key, o.UniqueKey...)
		if err := w.tx.Put(w.key[:n], w.key[n:]); err != nil {
			return err
		}
	}
	if err := w.moveExpiry(old.queued, now.queued, 'o', o.Type, o.UniqueKey); err != nil {
		return err
	}
	o.setStored(now)
	w.key = appendObjectKey(w.key[:0], dom, o.Type, o.UniqueKey)
	buf := getEncodeBuf()
	b := o.appendJSON(slices.Grow((*buf)[:0], o.jsonSize()))
	err := w.put(b)
	putEncodeBuf(buf, b)
	return err
}

// encodeBufs are buffers records are encoded into: the store copies what
// it is given, so one buffer serves one write after another.
var encodeBufs = sync.Pool{New: func() any { return new([]byte) }}

func getEncodeBuf() *[]byte { return encodeBufs.Get().(*[]byte) }

// putEncodeBuf returns buf, which b (grown from it) now is, to the pool;
// a very large one is left to the collector.
func putEncodeBuf(buf *[]byte, b []byte) {
	if cap(b) > 64<<10 {
		return
	}
	*buf = b[:0]
	encodeBufs.Put(buf)
}

// deleteObject removes an object record and its index entries; the
// profile's supports and counts are the caller's (see detachObject).
func (w *wtx) deleteObject(o *objectRecord) error {
	dom := w.dom.Name
	// Deleting a profile deletes its objects, possibly under another copy
	// of the record; the store says whether this one is still there.
	w.key = appendObjectKey(w.key[:0], dom, o.Type, o.UniqueKey)
	if raw, err := getRawKey(w.tx, w.key); err != nil || raw == nil {
		return err
	}
	if old := o.stored; old != nil {
		w.key = appendProfileObjectKey(w.key[:0], dom, old.profileID, o.Type, old.seq)
		if err := w.del(); err != nil {
			return err
		}
		if err := w.moveExpiry(old.queued, 0, 'o', o.Type, o.UniqueKey); err != nil {
			return err
		}
		w.stats.Objects--
		w.stats.Bytes -= old.size
		o.stored = nil
	}
	w.key = appendObjectKey(w.key[:0], dom, o.Type, o.UniqueKey)
	return w.del()
}

// detachObject takes an object off its profile: its key supports and its
// place in the profile's counts. Field values it supplied stay, as AWS
// keeps profile data when an object goes; DeleteProfileObjectType scrubs.
func detachObject(p *profileRecord, o *objectRecord) {
	detachRef(p, o, o.ref())
}

// detachRef is detachObject given the object's reference.
func detachRef(p *profileRecord, o *objectRecord, ref string) {
	p.dropSupports(func(_, _ string, s keySupport) bool { return s.Ref == ref })
	p.Counts[o.Type]--
	if p.Counts[o.Type] <= 0 {
		delete(p.Counts, o.Type)
	}
	p.Objects--
	p.Bytes -= o.textSize()
}

// attachObject gives an object its place on a profile.
func attachObject(p *profileRecord, o *objectRecord) {
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	p.Counts[o.Type]++
	p.Objects++
	p.Bytes += o.textSize()
	p.Seq++
	o.ProfileID, o.Seq = p.ID, p.Seq
}

// removeObject deletes an object and takes it off its profile.
func (w *wtx) removeObject(o *objectRecord) error {
	p, ok, err := w.profile(o.ProfileID)
	if err != nil {
		return err
	}
	if ok {
		detachObject(p, o)
		p.leftBy(o.Type)
	}
	return w.deleteObject(o)
}

// purgeDue removes up to limit expired objects and profiles; done is true
// when nothing more is due.
func (w *wtx) purgeDue(limit int) (done bool, err error) {
	// The bounds: the queue's prefix, and the prefix with the first stamp
	// not yet due.
	w.bounds = appendExpiryPrefix(w.bounds[:0], w.dom.Name)
	n := len(w.bounds)
	w.bounds = appendStamp(w.bounds, w.nowNs+1)
	// (A loop over the scan would put its state on the heap; this is one
	// closure.)
	w.due = w.due[:0]
	w.tx.Scan(w.bounds[:n:n], w.bounds)(func(k, _ []byte) bool {
		if len(w.due) == limit {
			return false
		}
		w.due = append(w.due, string(k))
		return true
	})
	due := w.due
	w.due = nil // due is the loop's below
	for _, k := range due {
		stampText, ref, _ := strings.Cut(k[n:], "/")
		stamp, err := strconv.ParseInt(stampText, 10, 64)
		if err != nil {
			return false, fmt.Errorf("profiles: corrupt expiry entry %s", k)
		}
		switch kind, rest, _ := strings.Cut(ref, "/"); kind {
		case "p":
			// profile() deletes an expired profile as it loads it; one
			// that lives on since its entry was queued gets a new entry at
			// its expiry when it is saved.
			p, ok, err := w.profile(rest)
			if err != nil {
				return false, err
			}
			if ok && p.stored != nil && p.stored.queued == stamp {
				p.requeue = true
			}
		case "o":
			typ, uk, _ := strings.Cut(rest, "/")
			o, ok, err := w.object(typ, uk)
			if err != nil {
				return false, err
			}
			switch {
			case !ok:
			case o.expired(w.nowNs):
				if err := w.removeObject(o); err != nil {
					return false, err
				}
			case o.stored.queued == stamp:
				o.requeue = true
				if err := w.saveObject(o); err != nil {
					return false, err
				}
			}
		default:
			return false, fmt.Errorf("profiles: corrupt expiry entry %s", k)
		}
		// A stale entry (one its record no longer has) goes too.
		if err := w.tx.Delete([]byte(k)); err != nil {
			return false, err
		}
	}
	return len(due) < limit, nil
}

// commit saves every changed profile and the statistics.
func (w *wtx) commit() error {
	if len(w.profiles) == 1 { // the usual write: no order to keep
		for _, p := range w.profiles {
			if err := w.commitProfile(p); err != nil {
				return err
			}
		}
	} else {
		for _, id := range sortedKeys(w.profiles) {
			if err := w.commitProfile(w.profiles[id]); err != nil {
				return err
			}
		}
	}
	if w.stats == (domainStats{}) {
		return nil
	}
	// Every transaction that adds or removes something changes the
	// domain's statistics: done at commit, so that concurrent
	// transactions do not conflict over them. The key is built here, not
	// in the store's serial section.
	delta, s := w.stats, w.s
	key := []byte(statsKey(w.dom.Name))
	w.stats = domainStats{}
	return store.Defer(w.tx, func(tx store.RwTx) error {
		st, err := s.readStats(tx, key)
		if err != nil {
			return err
		}
		st.Profiles += delta.Profiles
		st.Metering += delta.Metering
		st.Objects += delta.Objects
		st.Bytes += delta.Bytes
		b := st.appendJSON(nil)
		// The next write reads these bytes back: decoded already. (Kept even
		// if this transaction fails: the entry is only used on equal bytes.)
		// The store copies b, so the cache may keep it as it is.
		s.stats.putOwned(key, b, st)
		return tx.Put(key, b)
	})
}

// commitProfile saves a loaded or new profile unless it is deleted or
// unchanged.
func (w *wtx) commitProfile(p *profileRecord) error {
	if p.deleted {
		return nil
	}
	p.refreshStandardKeys()
	var at int64
	if p.stored != nil {
		at = p.stored.queued
	}
	p.Queue = requeue(queueAt(at, p.requeue), p.Expires)
	p.requeue = false
	buf := getEncodeBuf()
	b, err := p.appendJSON(slices.Grow((*buf)[:0], len(p.raw)+512))
	if err == nil && (p.stored == nil || !bytes.Equal(b, p.raw)) {
		err = w.saveProfile(p, b)
	} // else unchanged since loaded
	putEncodeBuf(buf, b)
	return err
}

// PurgeExpired deletes every expired object and profile in every domain
// and returns how many domains it visited. The janitor runs it; reads
// never show expired data either way.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	var domains []string
	err := s.db.View(ctx, func(tx store.Tx) error {
		domains = nil
		for _, k := range scanKeys(tx, domainsPrefix, -1) {
			domains = append(domains, strings.TrimPrefix(k, domainsPrefix))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, d := range domains {
		if err := s.purgeDomain(ctx, d); err != nil && !errors.Is(err, errGone) {
			return 0, err
		}
	}
	return len(domains), nil
}

var errGone = errors.New("domain deleted meanwhile")

// purgeDomain removes a domain's expired data in bounded transactions.
func (s *Service) purgeDomain(ctx context.Context, domain string) error {
	// Most of the time nothing is due; a read says so without a commit.
	due := false
	err := s.db.View(ctx, func(tx store.Tx) error {
		prefix := expiryPrefix(domain)
		for range tx.Scan([]byte(prefix), []byte(prefix+expiryStamp(s.clock.Now().UnixNano()+1))) {
			due = true
			break
		}
		return nil
	})
	if err != nil || !due {
		return err
	}
	for {
		done := false
		err := s.db.Update(ctx, func(tx store.RwTx) error {
			w, err := s.begin(tx, domain)
			if err != nil {
				return err
			}
			if done, err = w.purgeDue(purgeBatch); err != nil {
				return err
			}
			return w.commit()
		})
		if err != nil {
			if apierr.Is(err, codeNotFound) {
				return errGone
			}
			return err
		}
		if done {
			return nil
		}
	}
}
