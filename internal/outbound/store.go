package outbound

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/store"
)

// Key layout, next to the contact records (internal/contacts):
//
//	outbound/live/<inst>/<contact>          liveCall JSON: a call ringing or connected
//	outbound/n/<inst>                       how many live calls the instance has (decimal)
//	outbound/tok/<inst>/<token>             tokenEntry JSON: the contact a ClientToken started
//	outbound/exp/<created>/<inst>/<token>   "" : tokens by creation time, for expiry
//
// <created> is nanoseconds since the epoch, offset by 2^63, as 16 hex
// digits, so key order is time order. Instance ids are UUIDs (no '/'); a
// token may hold anything and always comes last.
const (
	liveRoot  = "outbound/live/"
	countRoot = "outbound/n/"
	tokenRoot = "outbound/tok/"
	expRoot   = "outbound/exp/"
)

func liveKey(inst, id string) []byte     { return []byte(liveRoot + inst + "/" + id) }
func countKey(inst string) []byte        { return []byte(countRoot + inst) }
func tokenKey(inst, token string) []byte { return []byte(tokenRoot + inst + "/" + token) }
func stamp(t time.Time) string           { return fmt.Sprintf("%016x", uint64(t.UnixNano())+1<<63) }
func expKey(created time.Time, inst, token string) []byte {
	return []byte(expRoot + stamp(created) + "/" + inst + "/" + token)
}

// TokenLifetime is how long a ClientToken names the contact it started.
const TokenLifetime = 7 * 24 * time.Hour

// The phases of a live call.
const (
	phaseRinging = "ringing" // the dialer waits for the far end's answer (or lack of one)
	phaseTalking = "talking" // answered; the flow's run ends the call at Due
)

// liveCall is a call in progress: everything its next timer needs, so a
// restarted server picks it up where it was.
type liveCall struct {
	Instance string
	Contact  string
	Phase    string
	// Due is when the phase ends on the server's clock.
	Due time.Time
	// Ringing: what the far end does at Due, and what runs if it answers.
	Dial          dialOutcome
	AMD           bool // answering-machine detection asked for
	AwaitPrompt   bool // the flow starts at the machine's beep
	FlowID        string
	WhisperFlowID string                      `json:",omitempty"`
	Queue         interp.QueueRef             `json:",omitzero"`
	References    map[string]interp.Reference `json:",omitempty"`
	// Talking: the record the flow's run ended with, published at Due, and
	// the attributes the contact had when it was answered (what changed
	// since is UpdateContactAttributes' doing, and wins over the flow's).
	Final    *contacts.Record  `json:",omitempty"`
	Answered map[string]string `json:",omitempty"`
	// FlowStart is the zero of the report's clock: the answer, or a
	// machine's beep.
	FlowStart time.Time `json:",omitzero"`
}

func getLive(tx store.Tx, inst, id string) (*liveCall, error) {
	b, err := tx.Get(liveKey(inst, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lc, err := decodeLive(b)
	if err != nil {
		return nil, fmt.Errorf("outbound: corrupt live call %s/%s: %w", inst, id, err)
	}
	return lc, nil
}

func decodeLive(b []byte) (*liveCall, error) {
	lc := new(liveCall)
	return lc, json.Unmarshal(b, lc)
}

func putLive(tx store.RwTx, lc *liveCall) error {
	b, err := json.Marshal(lc)
	if err != nil {
		return err
	}
	return tx.Put(liveKey(lc.Instance, lc.Contact), b)
}

// dropLive ends a live call's bookkeeping: its entry goes and its slot in
// the instance's quota is freed. A call with no entry is left alone, so
// the slot is freed once whoever gets there first.
func dropLive(tx store.RwTx, inst, id string) error {
	if _, err := tx.Get(liveKey(inst, id)); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if err := tx.Delete(liveKey(inst, id)); err != nil {
		return err
	}
	n, err := activeCalls(tx, inst)
	if err != nil {
		return err
	}
	return setActiveCalls(tx, inst, n-1)
}

func activeCalls(tx store.Tx, inst string) (int, error) {
	b, err := tx.Get(countKey(inst))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}

func setActiveCalls(tx store.RwTx, inst string, n int) error {
	if n <= 0 {
		return tx.Delete(countKey(inst))
	}
	return tx.Put(countKey(inst), []byte(strconv.Itoa(n)))
}

// tokenEntry is what a ClientToken names.
type tokenEntry struct {
	ContactID string
	Created   time.Time
}

func getToken(tx store.Tx, inst, token string) (*tokenEntry, error) {
	b, err := tx.Get(tokenKey(inst, token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e := new(tokenEntry)
	if err := json.Unmarshal(b, e); err != nil {
		return nil, fmt.Errorf("outbound: corrupt token entry %s: %w", tokenKey(inst, token), err)
	}
	return e, nil
}

// putToken points token at a new contact, moving its expiry entry.
func putToken(tx store.RwTx, inst, token string, old *tokenEntry, e tokenEntry) error {
	if old != nil {
		if err := tx.Delete(expKey(old.Created, inst, token)); err != nil {
			return err
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tx.Put(tokenKey(inst, token), b); err != nil {
		return err
	}
	return tx.Put(expKey(e.Created, inst, token), nil)
}

// prunePerStart bounds the expired tokens one request deletes, so a burst
// of expiries is spread over the requests that follow.
const prunePerStart = 8

// pruneTokens deletes up to prunePerStart tokens created before
// now-TokenLifetime. Expired tokens are ignored whether pruned or not;
// pruning only keeps them from piling up.
func pruneTokens(tx store.RwTx, now time.Time) error {
	end := []byte(expRoot + stamp(now.Add(-TokenLifetime)))
	var keys [][]byte
	for k := range tx.Scan([]byte(expRoot), end) {
		keys = append(keys, append([]byte(nil), k...))
		if len(keys) == prunePerStart {
			break
		}
	}
	for _, k := range keys {
		rest := strings.TrimPrefix(string(k), expRoot)
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) != 3 {
			return fmt.Errorf("outbound: corrupt token expiry key %q", k)
		}
		if err := tx.Delete(tokenKey(parts[1], parts[2])); err != nil {
			return err
		}
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// customerScript is what the far end does once it answers: the rule's
// script, and for a machine a hangup when its recording time is up.
func (o *dialOutcome) customerScript(flowStartsAtBeep bool) voice.Script {
	sc := o.Customer
	if o.Result == Machine && sc.HangupAfter == 0 {
		d := DefaultMessageTime
		if !flowStartsAtBeep {
			d += o.Greeting
		}
		sc.HangupAfter = voice.Duration(d)
	}
	return sc
}
