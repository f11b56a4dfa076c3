package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	types    map[string]*objectType    // by name; nil entry: no such type
	kinds    map[string]string         // custom key kinds read so far
	stats    domainStats               // changes to apply on commit
}

// purgeBatch bounds how much expired data one write transaction removes
// on its way, so a large expiry wave is spread over many writes.
const purgeBatch = 100

// begin loads the domain (answering 404 for an unknown one) and removes
// expired data that is due.
func (s *Service) begin(tx store.RwTx, domain string) (*wtx, error) {
	dom, err := s.domain(tx, domain)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	w := &wtx{
		s: s, tx: tx, dom: dom, now: now, nowNs: now.UnixNano(),
		profiles: map[string]*profileRecord{}, types: map[string]*objectType{}, kinds: map[string]string{},
	}
	if _, err := w.purgeDue(purgeBatch); err != nil {
		return nil, err
	}
	return w, nil
}

// domain reads a domain record (answering 404 for an unknown one). The
// record is shared and must not be modified.
func (s *Service) domain(tx store.Tx, domain string) (*domainRecord, error) {
	key := domainKey(domain)
	raw, err := getRaw(tx, key)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, notFound("Domain %s does not exist", domain)
	}
	if d, ok := s.domains.get(key, raw); ok {
		return d, nil
	}
	d := new(domainRecord)
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	s.domains.put(key, raw, d)
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
	b, err := w.tx.Get([]byte(profileKey(w.dom.Name, id)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p := &profileRecord{}
	if err := decodeProfile(b, p); err != nil {
		return nil, false, fmt.Errorf("profiles: corrupt profile %s: %w", id, err)
	}
	if p.Fields == nil {
		p.Fields = map[string]*fieldValue{}
	}
	p.raw = bytes.Clone(b)
	p.stored = p.state()
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

// saveProfile writes a profile (b is its JSON) and brings its indexes in
// line with it.
func (w *wtx) saveProfile(p *profileRecord, b []byte) error {
	dom := w.dom.Name
	now := p.state()
	old := p.stored
	if old == nil {
		old = &profileState{pairs: map[keyPair]bool{}, types: map[string]bool{}}
		w.stats.Profiles++
	}
	for kp := range now.pairs {
		if !old.pairs[kp] {
			if err := indexAdd(w.tx, dom, kp.key, kp.value, p.ID); err != nil {
				return err
			}
		}
	}
	for kp := range old.pairs {
		if !now.pairs[kp] {
			if err := indexRemove(w.tx, dom, kp.key, kp.value, p.ID); err != nil {
				return err
			}
		}
	}
	for t := range now.types {
		if !old.types[t] {
			if err := w.tx.Put([]byte(typeFieldsKey(dom, t, p.ID)), nil); err != nil {
				return err
			}
		}
	}
	for t := range old.types {
		if !now.types[t] {
			if err := w.tx.Delete([]byte(typeFieldsKey(dom, t, p.ID))); err != nil {
				return err
			}
		}
	}
	if now.expires != old.expires {
		if old.expires != 0 {
			if err := w.tx.Delete([]byte(expiryKey(dom, old.expires, "p/"+p.ID))); err != nil {
				return err
			}
		}
		if err := w.tx.Put([]byte(expiryKey(dom, now.expires, "p/"+p.ID)), nil); err != nil {
			return err
		}
	}
	w.stats.Metering += now.metering - old.metering
	p.stored, p.raw = now, b
	return w.tx.Put([]byte(profileKey(dom, p.ID)), b)
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
	for kp := range old.pairs {
		if err := indexRemove(w.tx, dom, kp.key, kp.value, p.ID); err != nil {
			return err
		}
	}
	for t := range old.types {
		if err := w.tx.Delete([]byte(typeFieldsKey(dom, t, p.ID))); err != nil {
			return err
		}
	}
	if old.expires != 0 {
		if err := w.tx.Delete([]byte(expiryKey(dom, old.expires, "p/"+p.ID))); err != nil {
			return err
		}
	}
	w.stats.Profiles--
	w.stats.Metering -= old.metering
	p.stored = nil
	return w.tx.Delete([]byte(profileKey(dom, p.ID)))
}

// object loads a stored object; ok is false when absent.
func (w *wtx) object(typ, uk string) (*objectRecord, bool, error) {
	o, ok, err := getObject(w.tx, objectKey(w.dom.Name, typ, uk))
	if err != nil || !ok {
		return nil, false, err
	}
	o.stored = o.state()
	return o, true, nil
}

// saveObject writes an object and its profile and expiry index entries.
func (w *wtx) saveObject(o *objectRecord) error {
	dom := w.dom.Name
	now, old := o.state(), o.stored
	if old == nil {
		w.stats.Objects++
		old = &objectState{}
	}
	w.stats.Bytes += now.size - old.size
	if old.profileID != now.profileID || old.seq != now.seq {
		if old.profileID != "" {
			if err := w.tx.Delete([]byte(profileObjectKey(dom, old.profileID, o.Type, old.seq))); err != nil {
				return err
			}
		}
		if err := w.tx.Put([]byte(profileObjectKey(dom, now.profileID, o.Type, now.seq)), []byte(o.UniqueKey)); err != nil {
			return err
		}
	}
	if old.expires != now.expires {
		if old.expires != 0 {
			if err := w.tx.Delete([]byte(expiryKey(dom, old.expires, "o/"+o.ref()))); err != nil {
				return err
			}
		}
		if err := w.tx.Put([]byte(expiryKey(dom, now.expires, "o/"+o.ref())), nil); err != nil {
			return err
		}
	}
	o.stored = now
	return w.tx.Put([]byte(objectKey(dom, o.Type, o.UniqueKey)), o.appendJSON(make([]byte, 0, len(o.objectJSON)+len(o.Object)+256)))
}

// deleteObject removes an object record and its index entries; the
// profile's supports and counts are the caller's (see detachObject).
func (w *wtx) deleteObject(o *objectRecord) error {
	dom := w.dom.Name
	key := objectKey(dom, o.Type, o.UniqueKey)
	// Deleting a profile deletes its objects, possibly under another copy
	// of the record; the store says whether this one is still there.
	if ok, err := store.Exists(w.tx, key); err != nil || !ok {
		return err
	}
	if old := o.stored; old != nil {
		if err := w.tx.Delete([]byte(profileObjectKey(dom, old.profileID, o.Type, old.seq))); err != nil {
			return err
		}
		if err := w.tx.Delete([]byte(expiryKey(dom, old.expires, "o/"+o.ref()))); err != nil {
			return err
		}
		w.stats.Objects--
		w.stats.Bytes -= old.size
		o.stored = nil
	}
	return w.tx.Delete([]byte(key))
}

// detachObject takes an object off its profile: its key supports and its
// place in the profile's counts. Field values it supplied stay, as AWS
// keeps profile data when an object goes; DeleteProfileObjectType scrubs.
func detachObject(p *profileRecord, o *objectRecord) {
	ref := o.ref()
	p.dropSupports(func(_, _ string, s keySupport) bool { return s.Ref == ref })
	p.Counts[o.Type]--
	if p.Counts[o.Type] <= 0 {
		delete(p.Counts, o.Type)
	}
	p.Objects--
	p.Bytes -= int64(len(o.Object))
}

// attachObject gives an object its place on a profile.
func attachObject(p *profileRecord, o *objectRecord) {
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	p.Counts[o.Type]++
	p.Objects++
	p.Bytes += int64(len(o.Object))
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
	}
	return w.deleteObject(o)
}

// purgeDue removes up to limit expired objects and profiles; done is true
// when nothing more is due.
func (w *wtx) purgeDue(limit int) (done bool, err error) {
	prefix := expiryPrefix(w.dom.Name)
	end := prefix + expiryStamp(w.nowNs+1)
	var due []string
	for k := range w.tx.Scan([]byte(prefix), []byte(end)) {
		if len(due) == limit {
			break
		}
		due = append(due, string(k))
	}
	for _, k := range due {
		_, ref, _ := strings.Cut(strings.TrimPrefix(k, prefix), "/")
		switch kind, rest, _ := strings.Cut(ref, "/"); kind {
		case "p":
			// profile() deletes an expired profile as it loads it.
			if _, _, err := w.profile(rest); err != nil {
				return false, err
			}
		case "o":
			typ, uk, _ := strings.Cut(rest, "/")
			o, ok, err := w.object(typ, uk)
			if err != nil {
				return false, err
			}
			if ok && o.expired(w.nowNs) {
				if err := w.removeObject(o); err != nil {
					return false, err
				}
			}
		default:
			return false, fmt.Errorf("profiles: corrupt expiry entry %s", k)
		}
		// A stale entry (its record moved on) goes too.
		if err := w.tx.Delete([]byte(k)); err != nil {
			return false, err
		}
	}
	return len(due) < limit, nil
}

// commit saves every changed profile and the statistics.
func (w *wtx) commit() error {
	for _, id := range sortedKeys(w.profiles) {
		p := w.profiles[id]
		if p.deleted {
			continue
		}
		p.refreshStandardKeys()
		b, err := p.appendJSON(make([]byte, 0, len(p.raw)+512))
		if err != nil {
			return err
		}
		if p.stored != nil && bytes.Equal(b, p.raw) {
			continue // loaded, not changed
		}
		if err := w.saveProfile(p, b); err != nil {
			return err
		}
	}
	if w.stats == (domainStats{}) {
		return nil
	}
	// Every transaction that adds or removes something changes the
	// domain's statistics: done at commit, so that concurrent
	// transactions do not conflict over them.
	delta, key, s := w.stats, statsKey(w.dom.Name), w.s
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
		s.stats.put(key, b, st)
		return tx.Put([]byte(key), b)
	})
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
