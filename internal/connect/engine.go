package connect

import (
	"context"

	"github.com/hotline-dev/hotline/internal/store"
)

// What the flow engine and the contact service read: published content,
// prompts, ARNs and instance references. Each answers the same API errors
// the Connect operations give (ResourceNotFoundException for an unknown
// reference), so callers can tell "names nothing" from a store failure.

// Published is the published content of a contact flow or flow module.
type Published struct {
	ID      string
	ARN     string
	Name    string
	Type    string // the flow type (CONTACT_FLOW, CUSTOMER_QUEUE, ...); "" for modules
	Content string
}

// PublishedFlow returns the published content of the contact flow ref (an
// id or ARN) names in the instance. A flow that was only ever saved answers
// ContactFlowNotPublishedException; a reference to the saved draft
// (":$SAVED") or to a version is refused, since only published content runs.
func (s *Service) PublishedFlow(ctx context.Context, instanceID, ref string) (*Published, error) {
	var out *Published
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, saved, err := s.loadFlow(tx, instanceID, ref)
		if err != nil {
			return err
		}
		if saved {
			return apiErr(codeInvalidReq, "%s addresses the saved draft of contact flow %s; only published content runs", ref, rec.ID)
		}
		if rec.Content == "" {
			return apiErr("ContactFlowNotPublishedException", "contact flow %s has no published version", rec.ID)
		}
		out = &Published{ID: rec.ID, ARN: s.arn(inst, kindFlow, rec.ID), Name: rec.Name, Type: rec.Type, Content: rec.Content}
		return nil
	})
	return out, err
}

// PublishedModule returns the published content of the flow module ref (an
// id or ARN) names in the instance. References to the saved draft or to a
// version are refused, as for flows.
func (s *Service) PublishedModule(ctx context.Context, instanceID, ref string) (*Published, error) {
	base, saved, err := splitSaved(ref)
	if err != nil {
		return nil, err
	}
	if saved {
		return nil, apiErr(codeInvalidReq, "%s addresses the saved draft of a flow module; only published content runs", ref)
	}
	var out *Published
	err = s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[moduleRecord](s, tx, instanceID, kindModule, base)
		if err != nil {
			return err
		}
		out = &Published{ID: rec.ID, ARN: s.arn(inst, kindModule, rec.ID), Name: rec.Name, Content: rec.Content}
		return nil
	})
	return out, err
}

// PromptInfo is a prompt as a channel plays it.
type PromptInfo struct {
	ID    string
	ARN   string
	Name  string
	S3URI string
}

// Prompt returns the prompt ref (an id or ARN) names in the instance.
func (s *Service) Prompt(ctx context.Context, instanceID, ref string) (*PromptInfo, error) {
	var out *PromptInfo
	err := s.view(ctx, func(tx store.Tx) error {
		inst, rec, err := loadRecord[promptRecord](s, tx, instanceID, kindPrompt, ref)
		if err != nil {
			return err
		}
		out = &PromptInfo{ID: rec.ID, ARN: s.arn(inst, kindPrompt, rec.ID), Name: rec.Name, S3URI: rec.S3Uri}
		return nil
	})
	return out, err
}

// QueueARN returns the ARN of the queue with id queueID in the instance
// with id instanceID (connect.Queue carries no ARN).
func (s *Service) QueueARN(instanceID, queueID string) string {
	return s.arn(instanceID, kindQueue, queueID)
}

// PhoneNumber returns the E.164 number of the claimed phone number with id
// phoneID (as a queue's outbound caller configuration stores it).
func (s *Service) PhoneNumber(ctx context.Context, phoneID string) (string, error) {
	var number string
	err := s.view(ctx, func(tx store.Tx) error {
		rec, ok, err := store.GetJSON[phoneRecord](tx, phoneKey(phoneID))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("phone number %s was not found", phoneID)
		}
		number = rec.Number
		return nil
	})
	return number, err
}

// InstanceID resolves an instance reference (an id or ARN) to the id of an
// instance that exists, or answers ResourceNotFoundException.
func (s *Service) InstanceID(ctx context.Context, ref string) (string, error) {
	var id string
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		id, err = s.instanceID(tx, ref)
		return err
	})
	return id, err
}

// OutboundCallsEnabled resolves an instance reference (an id or ARN) and
// reports whether the instance may place outbound calls, as CreateInstance
// set it. An unknown instance is ResourceNotFoundException.
func (s *Service) OutboundCallsEnabled(ctx context.Context, ref string) (id string, enabled bool, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		rec, err := s.instance(tx, ref)
		if err != nil {
			return err
		}
		id, enabled = rec.ID, rec.OutboundCallsEnabled
		return nil
	})
	return id, enabled, err
}
