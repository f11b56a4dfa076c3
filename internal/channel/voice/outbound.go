package voice

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// OutboundCall is a call Amazon Connect placed (StartOutboundVoiceContact)
// that the customer answered. The contact already exists; the flow runs
// from the moment of the answer.
type OutboundCall struct {
	// Contact is the contact as it was created: ids, endpoints (customer:
	// the number dialled; system: the caller id), name, description,
	// attributes, initiation time. RunOutbound does not change it.
	Contact *contacts.Record
	// FlowID is the contact flow to run. WhisperFlowID, when set, is the
	// queue's outbound whisper flow, which the customer hears first.
	FlowID, WhisperFlowID string
	// Queue is the contact's working queue ($.Queue): the queue the
	// request named, or zero.
	Queue interp.QueueRef
	// References are the contact's references ($.References).
	References map[string]interp.Reference
	// At is when the customer answered: the call's clock starts there.
	At time.Time
	// Script is what the customer does once they have answered.
	Script Script
}

// OutboundWhisperHook names the queue's outbound whisper flow in the report.
const OutboundWhisperHook = "OutboundWhisper"

// RunOutbound runs an answered outbound call to its end on the call's
// virtual clock and returns the final record: endpoints and ids as given,
// ConnectedToSystemTimestamp the answer (unless the contact has one), the
// attributes, queue and recording the flows left, the disconnect time and
// reason on the call's clock, and the report.
//
// It stores nothing. The call runs ahead of the server's clock, so its wait
// states would show the store a future; the caller keeps the record and
// publishes it when its clock reaches the end of the call. An error means
// the script is not valid or the context ended; what goes wrong in a flow
// is the report's business, as for Run.
func (s *Simulator) RunOutbound(ctx context.Context, in *OutboundCall) (*contacts.Record, error) {
	p, err := in.Script.compile()
	if err != nil {
		return nil, apierr.New("InvalidParameterException", "script: %v", err)
	}
	r := in.Contact
	inst := r.InstanceID
	// A Simulator of this call's own that keeps nothing and encodes no
	// wait states, over the parent's Env (so its compiled flows are shared).
	ahead := &Simulator{cfg: s.cfg}
	ahead.cfg.Recorder, ahead.cfg.Persist = keepNothing{}, PersistEnd
	ahead.envs.Store(inst, s.env(inst))

	start := in.At.UTC()
	attrs := maps.Clone(r.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	k := &call{
		s: ahead, ctx: ctx, inst: inst, p: p, start: start, now: start,
		eng: interp.Engine{Env: newCallEnv(ahead.env(inst)), Limits: s.cfg.Limits},
		c: &interp.Contact{
			ContactID: r.ContactID, InitialContactID: r.InitialContactID, PreviousContactID: r.PreviousContactID,
			RelatedContactID: r.RelatedContactID, Channel: "VOICE", InitiationMethod: r.InitiationMethod,
			InstanceARN:      s.instanceARN(inst),
			CustomerEndpoint: interp.Endpoint{Address: r.CustomerEndpoint.Address},
			SystemEndpoint:   interp.Endpoint{Address: r.SystemEndpoint.Address},
			Name:             r.Name, Description: r.Description,
			References: maps.Clone(in.References), Queue: in.Queue, Attributes: attrs,
		},
	}
	s.reportBuffers(k)
	// The call persists nothing (PersistEnd, keepNothing), so it needs no
	// state buffer.
	k.rec = *r
	k.rec.Attributes, k.rec.State, k.rec.Report = attrs, nil, nil
	if k.rec.ConnectedToSystemTimestamp.IsZero() {
		k.rec.ConnectedToSystemTimestamp = start
	}
	k.report = &contacts.Report{ContactID: r.ContactID}
	k.add(start, "note", "", contacts.Str("why", "the customer at "+r.CustomerEndpoint.Address+
		" answered the outbound call from "+r.SystemEndpoint.Address))
	if p.hangupAfter > 0 {
		k.setHangup(start.Add(p.hangupAfter), "the customer hangs up "+p.hangupAfter.String()+" after answering")
	}
	if err := k.runOutbound(in.WhisperFlowID, in.FlowID); err != nil {
		return nil, err
	}
	return &k.rec, nil
}

// runOutbound is run for an outbound call: the whisper flow (if any), then
// the contact flow once the whisper has ended without ending the contact.
func (k *call) runOutbound(whisper, flowID string) error {
	began := time.Now()
	pending := flowID
	if whisper == "" {
		k.startMain(&pending)
	} else if err := k.startFlow(whisper, OutboundWhisperHook); err != nil {
		// A whisper that cannot run is skipped, as a missing prompt would be:
		// the customer still reaches the flow the request named.
		k.add(k.now, "error", "", contacts.Str("why", "the queue's outbound whisper flow cannot run ("+err.Error()+"); the contact flow runs"))
		k.startMain(&pending)
	}
	for !k.c.Ended && k.broken == "" && k.storeErr == nil {
		if err := k.ctx.Err(); err != nil {
			return err
		}
		if time.Since(began) > k.s.cfg.MaxRealTime {
			k.fail("the call took more than " + k.s.cfg.MaxRealTime.String() + " of real time (function invocations run for real); the simulation stopped it")
			break
		}
		if k.steps++; k.steps > maxSteps {
			k.hangUp(k.now, "the simulation stopped the call after "+strconv.Itoa(maxSteps)+" events", true)
			continue
		}
		switch {
		case k.c.Status() == interp.StatusParked:
			k.advance()
		case k.queue != nil && !k.queueStarted:
			k.enterQueue()
		case pending != "" && k.queue == nil && k.transferredTo == "":
			k.startMain(&pending)
		default:
			k.idle()
		}
	}
	if k.storeErr != nil {
		return k.storeErr
	}
	return k.finish()
}

// startMain starts the contact flow *ref names, once.
func (k *call) startMain(ref *string) {
	flowID := *ref
	*ref = ""
	if err := k.startFlow(flowID, ""); err != nil {
		k.fail("the contact flow cannot run: " + err.Error())
	}
}

// keepNothing is the Recorder of a call run ahead of the server's clock.
type keepNothing struct{}

func (keepNothing) Put(context.Context, *contacts.Record) error { return nil }
func (keepNothing) Get(_ context.Context, inst, id string) (*contacts.Record, error) {
	return nil, apierr.New("ResourceNotFoundException", "contact %s of instance %s is not kept by an outbound run", id, inst)
}

// Check reports what is wrong with the script, as Run would refuse it.
func (s *Script) Check() error {
	_, err := s.compile()
	return err
}
