package outbound

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/store"
)

// The disconnect reasons Amazon Connect records for a call the far end did
// not answer (the contact records data model, DisconnectReason).
var unansweredReason = map[string]string{
	Busy:     "TELECOM_BUSY",
	NoAnswer: "TELECOM_TIMEOUT",
	Fail:     "TELECOM_PROBLEM",
	Invalid:  "TELECOM_NUMBER_INVALID",
}

// amdStatus is the AnsweringMachineDetectionStatus a call with detection
// ends up with, by what the far end did.
var amdStatus = map[string]string{
	Answer:   "HUMAN_ANSWERED",
	Machine:  "VOICEMAIL_BEEP",
	Busy:     "SIT_TONE_BUSY",
	NoAnswer: "AMD_UNANSWERED",
	Fail:     "AMD_NOT_APPLICABLE",
	Invalid:  "SIT_TONE_INVALID_NUMBER",
}

// retryAfter is how long a call waits before its timer runs again after a
// store failure.
const retryAfter = time.Second

// schedule arms the call's next timer for due on the server's clock. One
// timer per live call, and no goroutine while it waits.
func (s *Service) schedule(inst, id string, due time.Time) {
	key := callKey(inst, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if old := s.timers[key]; old != nil {
		old.stop()
	}
	p := &pending{}
	s.timers[key] = p
	// The map entry is in place before the timer can fire (the lock is
	// held), so fire always finds its own entry.
	p.stop = clock.AfterFunc(s.clock, due.Sub(s.clock.Now()), func() { s.fire(inst, id, p) })
}

// fire runs when a call's timer is due.
func (s *Service) fire(inst, id string, p *pending) {
	key := callKey(inst, id)
	s.mu.Lock()
	if s.closed || s.timers[key] != p {
		s.mu.Unlock()
		return // stopped or replaced meanwhile
	}
	delete(s.timers, key)
	s.busy.Add(1)
	s.mu.Unlock()
	defer s.busy.Done()
	if err := s.step(context.Background(), inst, id); err != nil {
		s.log.Error("outbound: a call could not move on; retrying", "instanceId", inst, "contactId", id, "err", err)
		s.schedule(inst, id, s.clock.Now().Add(retryAfter))
	}
}

// step moves a live call to its next phase.
func (s *Service) step(ctx context.Context, inst, id string) error {
	var lc *liveCall
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		lc, err = getLive(tx, inst, id)
		return err
	})
	switch {
	case err != nil:
		return err
	case lc == nil:
		return nil // ended meanwhile
	case lc.Phase == phaseTalking:
		return s.hangUp(ctx, lc)
	case lc.Dial.Result == Answer || lc.Dial.Result == Machine:
		return s.answer(ctx, lc)
	default:
		return s.unanswered(ctx, lc)
	}
}

// unanswered ends a call the far end did not pick up.
func (s *Service) unanswered(ctx context.Context, lc *liveCall) error {
	return s.db.Update(ctx, func(tx store.RwTx) error {
		if live, err := s.stillLive(tx, lc); err != nil || !live {
			return err
		}
		err := s.cfg.Contacts.UpdateIn(tx, lc.Instance, lc.Contact, func(r *contacts.Record) error {
			r.DisconnectTimestamp, r.DisconnectReason = lc.Due, unansweredReason[lc.Dial.Result]
			if lc.AMD {
				r.AnsweringMachineDetectionStatus = amdStatus[lc.Dial.Result]
			}
			r.State = nil
			return nil
		})
		if err != nil {
			return err
		}
		return dropLive(tx, lc.Instance, lc.Contact)
	})
}

// stillLive reports, inside tx, whether the call and its contact are still
// live; when the contact is over (StopContact got there first) it drops
// the call's bookkeeping.
func (s *Service) stillLive(tx store.RwTx, lc *liveCall) (bool, error) {
	if cur, err := getLive(tx, lc.Instance, lc.Contact); err != nil || cur == nil {
		return false, err
	}
	r, err := s.cfg.Contacts.GetIn(tx, lc.Instance, lc.Contact)
	if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
		return false, err
	}
	if err != nil || r.Ended() {
		return false, dropLive(tx, lc.Instance, lc.Contact)
	}
	return true, nil
}

// answer runs the flow of a call the customer picked up. The voice
// simulator runs the whole call at once on the call's own clock; the
// contact shows connected now and ends when the server's clock reaches the
// end of the run.
func (s *Service) answer(ctx context.Context, lc *liveCall) error {
	rec, err := s.cfg.Contacts.Get(ctx, lc.Instance, lc.Contact)
	if apierr.Is(err, "ResourceNotFoundException") || err == nil && rec.Ended() {
		return s.db.Update(ctx, func(tx store.RwTx) error { return dropLive(tx, lc.Instance, lc.Contact) })
	}
	if err != nil {
		return err
	}
	answered := lc.Due
	atBeep := lc.Dial.Result == Machine && lc.AwaitPrompt
	flowAt := answered
	if atBeep {
		flowAt = answered.Add(lc.Dial.Greeting)
	}
	rec.ConnectedToSystemTimestamp = answered
	// The attributes the run starts with: what changes after this is
	// UpdateContactAttributes' doing, which the run cannot see.
	started := maps.Clone(rec.Attributes)
	if lc.AMD {
		rec.AnsweringMachineDetectionStatus = amdStatus[lc.Dial.Result]
	}
	final, err := s.cfg.Calls.RunOutbound(ctx, &voice.OutboundCall{
		Contact: rec, FlowID: lc.FlowID, WhisperFlowID: lc.WhisperFlowID, Queue: lc.Queue,
		References: lc.References, At: flowAt, Script: lc.Dial.customerScript(atBeep),
	})
	if err != nil {
		return fmt.Errorf("running the flow of contact %s: %w", lc.Contact, err)
	}
	talking := false
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		talking = false
		if live, err := s.stillLive(tx, lc); err != nil || !live {
			return err
		}
		if !final.DisconnectTimestamp.After(s.clock.Now()) {
			// The flow ended the call at once (or the timer ran late).
			if err := s.cfg.Contacts.UpdateIn(tx, lc.Instance, lc.Contact, func(r *contacts.Record) error {
				publish(r, final, started)
				return nil
			}); err != nil {
				return err
			}
			return dropLive(tx, lc.Instance, lc.Contact)
		}
		next := *lc
		next.Phase, next.Due, next.Final, next.Answered = phaseTalking, final.DisconnectTimestamp, final, started
		next.FlowStart = flowAt
		if err := s.cfg.Contacts.UpdateIn(tx, lc.Instance, lc.Contact, func(r *contacts.Record) error {
			r.ConnectedToSystemTimestamp = answered
			r.AnsweringMachineDetectionStatus = rec.AnsweringMachineDetectionStatus
			return nil
		}); err != nil {
			return err
		}
		talking = true
		return putLive(tx, &next)
	})
	if err == nil && talking {
		s.schedule(lc.Instance, lc.Contact, final.DisconnectTimestamp)
	}
	return err
}

// hangUp ends a connected call when the server's clock reaches the end of
// its flow's run.
func (s *Service) hangUp(ctx context.Context, lc *liveCall) error {
	return s.db.Update(ctx, func(tx store.RwTx) error {
		if live, err := s.stillLive(tx, lc); err != nil || !live {
			return err
		}
		err := s.cfg.Contacts.UpdateIn(tx, lc.Instance, lc.Contact, func(r *contacts.Record) error {
			publish(r, lc.Final, lc.Answered)
			return nil
		})
		if err != nil {
			return err
		}
		return dropLive(tx, lc.Instance, lc.Contact)
	})
}

// publish makes r the record the flow's run ended with. Attributes that
// UpdateContactAttributes changed while the call was connected (they
// differ from answered) keep their new values: the run could not see them.
func publish(r, final *contacts.Record, answered map[string]string) {
	attrs := maps.Clone(final.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	for k, v := range r.Attributes {
		if old, ok := answered[k]; !ok || old != v {
			attrs[k] = v
		}
	}
	r.Attributes = attrs
	r.ConnectedToSystemTimestamp = final.ConnectedToSystemTimestamp
	r.DisconnectTimestamp, r.DisconnectReason = final.DisconnectTimestamp, final.DisconnectReason
	r.Queue, r.Recording, r.Report = final.Queue, final.Recording, final.Report
	r.State = nil
}

// stopped releases a call StopContact ended. A connected call keeps the
// part of its report the customer lived through.
func (s *Service) stopped(ctx context.Context, inst, id string) error {
	// Most contacts StopContact ends are not outbound calls: look first,
	// so they cost no write.
	var found bool
	err := s.db.View(ctx, func(tx store.Tx) error {
		lc, err := getLive(tx, inst, id)
		found = lc != nil
		return err
	})
	if err != nil || !found {
		return err
	}
	return s.db.Update(ctx, func(tx store.RwTx) error {
		lc, err := getLive(tx, inst, id)
		if err != nil || lc == nil {
			return err
		}
		if lc.Phase == phaseTalking && lc.Final != nil && lc.Final.Report != nil {
			r, err := s.cfg.Contacts.GetIn(tx, inst, id)
			if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
				return err
			}
			if err == nil && r.Ended() && r.Report == nil {
				err := s.cfg.Contacts.UpdateIn(tx, inst, id, func(r *contacts.Record) error {
					r.Report = cutReport(lc.Final.Report, lc.FlowStart, r.DisconnectTimestamp, r.DisconnectReason)
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
		return dropLive(tx, inst, id)
	})
}

// cutReport is the report of a run up to at, when StopContact ended the
// call; flowStart is the zero of the report's clock.
func cutReport(report *contacts.Report, flowStart, at time.Time, reason string) *contacts.Report {
	cut := at.Sub(flowStart).Seconds()
	out := &contacts.Report{ContactID: report.ContactID, Outcome: contacts.Outcome{Disposition: voice.Disconnected}}
	for _, e := range report.Events {
		if e.At > cut {
			break
		}
		out.Events = append(out.Events, e)
	}
	out.Events = append(out.Events, contacts.Event{At: max(cut, 0), Type: "disconnect",
		Detail: contacts.Detail{contacts.Str("reason", reason), contacts.Str("why", "StopContact ended the call")}})
	return out
}

// Start picks up the calls that were live when the server stopped: each
// gets its timer back (a call due while the server was down moves on at
// once), calls StopContact ended meanwhile are released, and every
// instance's count of active calls is rebuilt from the calls found.
func (s *Service) Start(ctx context.Context) error {
	var live []*liveCall
	err := s.db.Update(ctx, func(tx store.RwTx) error {
		live = live[:0]
		var drop [][]byte
		counts := map[string]int{}
		for k, v := range tx.Scan([]byte(liveRoot), store.PrefixEnd([]byte(liveRoot))) {
			rest := strings.TrimPrefix(string(k), liveRoot)
			inst, id, ok := strings.Cut(rest, "/")
			if !ok {
				return fmt.Errorf("outbound: corrupt live call key %q", k)
			}
			lc, err := decodeLive(v)
			if err != nil {
				return fmt.Errorf("outbound: live call %s: %w", rest, err)
			}
			r, err := s.cfg.Contacts.GetIn(tx, inst, id)
			if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
				return err
			}
			if err != nil || r.Ended() {
				drop = append(drop, append([]byte(nil), k...))
				continue
			}
			counts[inst]++
			live = append(live, lc)
		}
		for _, k := range drop {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		var stale [][]byte
		for k := range tx.Scan([]byte(countRoot), store.PrefixEnd([]byte(countRoot))) {
			stale = append(stale, append([]byte(nil), k...))
		}
		for _, k := range stale {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		for inst, n := range counts {
			if err := setActiveCalls(tx, inst, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, lc := range live {
		s.schedule(lc.Instance, lc.Contact, lc.Due)
	}
	return nil
}
