package outbound

import (
	"io"
	"net/http"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/edge"
)

// Routes returns the number plan endpoints by http.ServeMux pattern; the
// server mounts them as signed internal endpoints:
//
//	GET /_hotline/number-plan   the plan in force, as {"rules": [...]}
//	PUT /_hotline/number-plan   replace it (same document); answers the plan
//
// A plan set here lasts until the server stops; `hotline serve
// --number-plan` sets the one it starts with.
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /_hotline/number-plan": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.writePlan(w, r)
		}),
		"PUT /_hotline/number-plan": http.HandlerFunc(s.servePutPlan),
	}
}

func (s *Service) servePutPlan(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.internal().WriteError(w, r, apierr.New("InvalidParameterException", "reading the body: %v", err))
		return
	}
	var p Plan
	if err := decodeStrict(body, &p); err != nil {
		s.internal().WriteError(w, r, apierr.New("InvalidParameterException", "the body is not a number plan ({\"rules\": [...]}): %v", err))
		return
	}
	if err := s.SetPlan(p); err != nil {
		s.internal().WriteError(w, r, apierr.New("InvalidParameterException", "%v", err))
		return
	}
	s.writePlan(w, r)
}

func (s *Service) writePlan(w http.ResponseWriter, r *http.Request) {
	p := s.Plan()
	if p.Rules == nil {
		p.Rules = []Rule{}
	}
	s.internal().WriteJSON(w, r, p)
}

// internal writes answers in the AWS shape the SDKs and internal/client parse.
func (s *Service) internal() edge.InternalAPI { return edge.InternalAPI{Log: s.log} }
