package outbound

import (
	"context"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/flow/interp"
	"github.com/hotline-dev/hotline/internal/store"
)

// DefaultRingTimeout is how long the dialer rings when the request gives
// no RingTimeoutInSeconds (the API reference: 60 s).
const DefaultRingTimeout = 60 * time.Second

// maxReferenceBytes is the size limit on a contact's references (the model
// documentation of Reference: 4,096 UTF-8 bytes across all of them).
const maxReferenceBytes = 4096

// referenceTypes are the types a voice contact may be created with (the
// model documentation of References); ATTACHMENT and the email types are not.
var referenceTypes = map[string]bool{"URL": true, "NUMBER": true, "STRING": true, "DATE": true, "EMAIL": true}

func errInvalidRequest(format string, args ...any) error {
	return apierr.New("InvalidRequestException", format, args...)
}

func errInvalidParam(format string, args ...any) error {
	return apierr.New("InvalidParameterException", format, args...)
}

func errNotFound(format string, args ...any) error {
	return apierr.New("ResourceNotFoundException", format, args...)
}

// startOutbound is StartOutboundVoiceContact. The edge has already checked
// the model's constraints (required members, lengths, the anchored E.164
// pattern, RingTimeoutInSeconds 15..60, enums); the checks here run in the
// order docs/outbound.md gives, and nothing is stored unless all pass.
func (s *Service) startOutbound(ctx context.Context, in *api.StartOutboundVoiceContactRequest) (*api.StartOutboundVoiceContactResponse, error) {
	src, queueRef := deref(in.SourcePhoneNumber), deref(in.QueueId)
	traffic := deref(in.TrafficType)
	if traffic == "" {
		traffic = "GENERAL"
	}
	amd := in.AnswerMachineDetectionConfig
	amdOn := amd != nil && deref(amd.EnableAnswerMachineDetection)

	// The request as a whole.
	if src == "" && queueRef == "" {
		return nil, errInvalidRequest("give SourcePhoneNumber or QueueId: without a source number the queue's outbound caller ID is the caller ID")
	}
	if amdOn && traffic != "CAMPAIGN" {
		return nil, errInvalidRequest("AnswerMachineDetectionConfig.EnableAnswerMachineDetection requires TrafficType CAMPAIGN (it is %s)", traffic)
	}
	if in.OutboundStrategy != nil {
		return nil, apierr.New("AccessDeniedException", "OutboundStrategy may only be used by the Amazon Connect outbound campaigns service principal")
	}
	// Members the model cannot check.
	if strings.HasPrefix(in.ContactFlowId, "arn:") {
		return nil, errInvalidParam("ContactFlowId takes the flow's id (the UUID at the end of its ARN), not an ARN: %s", in.ContactFlowId)
	}
	if err := s.cfg.Contacts.CheckAttributes(in.Attributes); err != nil {
		return nil, err
	}
	refs, err := references(in.References)
	if err != nil {
		return nil, err
	}

	// The instance and what it allows.
	inst, enabled, err := s.cfg.Connect.OutboundCallsEnabled(ctx, in.InstanceId)
	if err != nil {
		return nil, err
	}
	if !enabled {
		return nil, apierr.New("OutboundContactNotPermittedException", "instance %s does not allow outbound calls (OutboundCallsEnabled is false)", inst)
	}
	if traffic == "CAMPAIGN" && !s.cfg.Settings.CampaignCalls {
		return nil, apierr.New("OutboundContactNotPermittedException",
			"campaign calls (TrafficType CAMPAIGN) are not allowed by default; start the server with --outbound-campaigns, as AWS needs a raised campaigns quota")
	}
	dest := in.DestinationPhoneNumber
	if !s.allows(dest) {
		return nil, apierr.New("DestinationNotAllowedException", "outbound calls to %s are not allowed (the allow-list is %s)", dest, strings.Join(s.cfg.Settings.Destinations, ","))
	}

	// The resources the request names.
	flow, err := s.cfg.Connect.PublishedFlow(ctx, inst, in.ContactFlowId)
	if apierr.Is(err, "ContactFlowNotPublishedException") {
		return nil, errInvalidRequest("contact flow %s has no published version; publish it before starting contacts on it", in.ContactFlowId)
	}
	if err != nil {
		return nil, err
	}
	if flow.Type != "CONTACT_FLOW" {
		return nil, errInvalidParam("contact flow %s is of type %s; an outbound contact runs a CONTACT_FLOW", flow.ID, flow.Type)
	}
	lc := &liveCall{Instance: inst, Phase: phaseRinging, FlowID: flow.ID, References: refs,
		AMD: amdOn, AwaitPrompt: amdOn && deref(amd.AwaitAnswerMachinePrompt)}
	system := src
	if queueRef != "" {
		q, err := s.cfg.Connect.Queue(ctx, inst, queueRef)
		if err != nil {
			return nil, err
		}
		lc.Queue = interp.QueueRef{ID: q.ID, ARN: s.cfg.Connect.QueueARN(inst, q.ID), Name: q.Name}
		lc.WhisperFlowID = q.OutboundFlowID
		if q.OutboundCallerIDNumberID != "" {
			n, err := s.cfg.Connect.PhoneNumber(ctx, q.OutboundCallerIDNumberID)
			if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
				return nil, err
			}
			lc.Queue.OutboundCallerIDNumber = n
		}
		if system == "" {
			system = lc.Queue.OutboundCallerIDNumber
		}
		if system == "" {
			return nil, errInvalidRequest("queue %s has no outbound caller ID number; give SourcePhoneNumber or set the queue's OutboundCallerConfig", q.ID)
		}
	}
	if src != "" {
		owner, _, err := s.cfg.Connect.NumberRoute(ctx, src)
		if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
			return nil, err
		}
		if owner != inst {
			return nil, errNotFound("phone number %s is not claimed by instance %s", src, inst)
		}
	}
	attrs := map[string]string{}
	related := deref(in.RelatedContactId)
	if related != "" {
		r, err := s.cfg.Contacts.Get(ctx, inst, related)
		if err != nil {
			return nil, err
		}
		maps.Copy(attrs, r.Attributes)
	}
	maps.Copy(attrs, in.Attributes)
	if n, limit := contacts.AttributeBytes(attrs), s.cfg.Contacts.MaxAttributeBytes(); n > limit {
		return nil, errInvalidParam("with the attributes of related contact %s the contact's attributes would take %d bytes, over the limit of %d", related, n, limit)
	}

	timeout := DefaultRingTimeout
	if in.RingTimeoutInSeconds != nil {
		timeout = time.Duration(*in.RingTimeoutInSeconds) * time.Second
	}
	plan := s.Plan()
	lc.Dial = plan.match(dest).outcome(timeout)

	id := contacts.NewContactID()
	lc.Contact = id
	token := deref(in.ClientToken)
	limit := s.cfg.Settings.MaxActiveCalls
	var got string
	var created bool
	err = s.db.Update(ctx, func(tx store.RwTx) error {
		got, created = "", false
		now := s.clock.Now().UTC()
		if err := pruneTokens(tx, now); err != nil {
			return err
		}
		var old *tokenEntry
		if token != "" {
			var err error
			if old, err = getToken(tx, inst, token); err != nil {
				return err
			}
			if old != nil && now.Before(old.Created.Add(TokenLifetime)) {
				r, err := s.cfg.Contacts.GetIn(tx, inst, old.ContactID)
				if err != nil && !apierr.Is(err, "ResourceNotFoundException") {
					return err
				}
				if err == nil && !r.Ended() {
					got = r.ContactID // the same request again: nothing new starts
					return nil
				}
			}
		}
		n, err := activeCalls(tx, inst)
		if err != nil {
			return err
		}
		if n >= limit {
			return apierr.New("LimitExceededException", "instance %s already has %d active calls, its concurrent active calls quota", inst, n)
		}
		rec := &contacts.Record{
			InstanceID: inst, ContactID: id, RelatedContactID: related,
			Channel: "VOICE", InitiationMethod: "API",
			Name: deref(in.Name), Description: deref(in.Description),
			CustomerEndpoint:    contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: dest},
			SystemEndpoint:      contacts.Endpoint{Type: "TELEPHONE_NUMBER", Address: system},
			InitiationTimestamp: now, Attributes: attrs, ClientToken: token, CampaignID: deref(in.CampaignId),
		}
		if err := s.cfg.Contacts.PutIn(tx, rec); err != nil {
			return err
		}
		lc.Due = now.Add(lc.Dial.After)
		if err := putLive(tx, lc); err != nil {
			return err
		}
		if err := setActiveCalls(tx, inst, n+1); err != nil {
			return err
		}
		if token != "" {
			if err := putToken(tx, inst, token, old, tokenEntry{ContactID: id, Created: now}); err != nil {
				return err
			}
		}
		got, created = id, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if created {
		s.schedule(inst, id, lc.Due)
	}
	return &api.StartOutboundVoiceContactResponse{ContactId: &got}, nil
}

// references checks the references a contact is created with and converts
// them for the flow engine.
func references(in map[string]*api.Reference) (map[string]interp.Reference, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]interp.Reference, len(in))
	size := 0
	for k, r := range in {
		if r == nil {
			return nil, errInvalidParam("reference %s has no value", strconv.Quote(k))
		}
		v := deref(r.Value)
		if !referenceTypes[r.Type] {
			return nil, errInvalidParam("reference %s: type %s is not supported when a voice contact is created; use URL, NUMBER, STRING, DATE or EMAIL", strconv.Quote(k), r.Type)
		}
		if why := badReference(r.Type, v); why != "" {
			return nil, errInvalidParam("reference %s of type %s: %s", strconv.Quote(k), r.Type, why)
		}
		size += len(k) + len(v)
		out[k] = interp.Reference{Type: r.Type, Value: v}
	}
	if size > maxReferenceBytes {
		return nil, errInvalidParam("the references take %d bytes (keys and values in UTF-8), over the limit of %d", size, maxReferenceBytes)
	}
	return out, nil
}

// badReference says what is wrong with a reference's value, or "".
func badReference(typ, v string) string {
	switch typ {
	case "NUMBER":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return strconv.Quote(v) + " is not a number"
		}
	case "DATE":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return strconv.Quote(v) + " is not an epoch timestamp"
		}
	case "URL":
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
			return strconv.Quote(v) + " is not an absolute URL"
		}
	case "EMAIL":
		if at := strings.LastIndexByte(v, '@'); at < 1 || at == len(v)-1 {
			return strconv.Quote(v) + " is not an email address"
		}
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
