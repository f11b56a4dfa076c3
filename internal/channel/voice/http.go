package voice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
)

// maxBody bounds a call request; a script is a few hundred bytes.
const maxBody = 1 << 20

// Routes returns the call endpoints by http.ServeMux pattern. The server
// mounts each as a signed internal endpoint:
//
//	POST /_hotline/calls                             place a call; answers CallOutput
//	GET  /_hotline/calls/{contactId}[?instanceId=ID] the stored report of a call
func (s *Simulator) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /_hotline/calls":            http.HandlerFunc(s.servePlace),
		"GET /_hotline/calls/{contactId}": http.HandlerFunc(s.serveGet),
	}
}

// CallInput is the body of POST /_hotline/calls.
type CallInput struct {
	// InstanceID, when given, must be the instance the number is claimed to.
	InstanceID string `json:"instanceId,omitempty"`
	To         string `json:"to"`
	From       string `json:"from,omitempty"`
	// At is the start of the call on its virtual clock, RFC 3339; "" is now.
	At     string `json:"at,omitempty"`
	Script Script `json:"script"`
}

// CallOutput is the report of one call, as both endpoints answer it and
// `hotline call --json` prints it.
type CallOutput struct {
	InstanceID       string           `json:"instanceId"`
	ContactID        string           `json:"contactId"`
	From             string           `json:"from"`
	To               string           `json:"to"`
	StartedAt        time.Time        `json:"startedAt"`
	EndedAt          time.Time        `json:"endedAt,omitzero"`
	DisconnectReason string           `json:"disconnectReason,omitempty"`
	Events           []contacts.Event `json:"events"`
	Outcome          contacts.Outcome `json:"outcome"`
}

// marshal is json.Marshal(o), with the events written by
// contacts.AppendEventsJSON: through encoding/json they cost more than
// the rest of a call's answer.
func (o *CallOutput) marshal() ([]byte, error) {
	head := *o
	head.Events = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	// The events go in place of the null the head has (a string's quotes
	// are escaped, so the members' text cannot appear inside one).
	const none = `,"events":null,"outcome":`
	at := bytes.Index(b, []byte(none))
	if at < 0 {
		return nil, fmt.Errorf("voice: no events in %s", b)
	}
	out := make([]byte, 0, len(b)+512*len(o.Events))
	out = append(out, b[:at]...)
	out = append(out, `,"events":`...)
	if out, err = contacts.AppendEventsJSON(out, o.Events); err != nil {
		return nil, err
	}
	out = append(out, `,"outcome":`...)
	return append(out, b[at+len(none):]...), nil
}

// Output is the report of a stored call record.
func Output(r *contacts.Record) *CallOutput {
	o := &CallOutput{InstanceID: r.InstanceID, ContactID: r.ContactID, From: r.CustomerEndpoint.Address,
		To: r.SystemEndpoint.Address, StartedAt: r.InitiationTimestamp, EndedAt: r.DisconnectTimestamp,
		DisconnectReason: r.DisconnectReason}
	if r.Report != nil {
		o.Events, o.Outcome = r.Report.Events, r.Report.Outcome
	}
	if o.Events == nil {
		o.Events = []contacts.Event{}
	}
	return o
}

func (s *Simulator) servePlace(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, r, apierr.New("InvalidParameterException", "reading the body: %v", err))
		return
	}
	var in CallInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a misspelt field must not be dropped in silence
	if err := dec.Decode(&in); err != nil {
		s.writeError(w, r, apierr.New("InvalidParameterException", "the body is not a call: %v", err))
		return
	}
	c := &Call{InstanceID: in.InstanceID, To: in.To, From: in.From, Script: in.Script}
	if in.At != "" {
		if c.At, err = time.Parse(time.RFC3339, in.At); err != nil {
			s.writeError(w, r, apierr.New("InvalidParameterException", "at %q is not an RFC 3339 time such as 2026-11-23T09:00:00Z", in.At))
			return
		}
	}
	rec, err := s.Run(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, Output(rec))
}

func (s *Simulator) serveGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("contactId")
	inst := r.URL.Query().Get("instanceId")
	if inst == "" {
		inst = s.cfg.DefaultInstanceID
	}
	if inst == "" {
		s.writeError(w, r, apierr.New("InvalidParameterException", "give the instance as ?instanceId="))
		return
	}
	rec, err := s.cfg.Recorder.Get(r.Context(), inst, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec == nil || rec.Report == nil {
		s.writeError(w, r, apierr.New("ResourceNotFoundException", "contact %s of instance %s has no call report", id, inst))
		return
	}
	s.writeJSON(w, r, Output(rec))
}

var statusOf = map[string]int{
	"InvalidParameterException": http.StatusBadRequest,
	"InvalidRequestException":   http.StatusBadRequest,
	"ResourceNotFoundException": http.StatusNotFound,
	"ThrottlingException":       http.StatusTooManyRequests,
}

// writeError answers in the shape the AWS SDKs and internal/client parse:
// the code in X-Amzn-ErrorType and {"Message": ...}.
func (s *Simulator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, status, msg := "InternalServiceException", http.StatusInternalServerError, "an internal error occurred; the server log has the details"
	if e, ok := apierr.As(err); ok {
		code, status, msg = e.Code, statusOf[e.Code], e.Message
		if status == 0 {
			status = http.StatusBadRequest
		}
	} else {
		s.cfg.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	b, _ := json.Marshal(map[string]string{"Message": msg})
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Simulator) writeJSON(w http.ResponseWriter, r *http.Request, o *CallOutput) {
	b, err := o.marshal()
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the answer: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
