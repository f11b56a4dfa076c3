package edge

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/hotline-dev/hotline/internal/apierr"
)

// Hotline's own signed APIs under /_hotline/ (function bindings, the
// configuration table, deploy state, ...) have no AWS service model, so the
// model-driven codec of Server does not answer for them. Their handlers
// answer through InternalAPI instead, in the same shape: the AWS SDKs and
// internal/client parse both alike.

// internalErrorMessage is all a caller learns of an unexpected failure; the
// cause goes to the server log.
const internalErrorMessage = "an internal error occurred; the server log has the details"

// InternalAPI writes the answers of one of Hotline's own HTTP APIs.
type InternalAPI struct {
	// Log receives the errors that are not *apierr.Error, whose details
	// the answer leaves out; nil logs nothing.
	Log *slog.Logger
	// Status gives an error code its HTTP status; a code it does not list
	// answers 400, as most AWS client errors do.
	Status map[string]int
}

// WriteError answers err: an *apierr.Error with its code, message and
// extra members, anything else as InternalServiceException (500), logged.
func (a InternalAPI) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apierr.As(err)
	if !ok {
		if a.Log != nil {
			a.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		WriteAPIError(w, http.StatusInternalServerError, &apierr.Error{Code: "InternalServiceException", Message: internalErrorMessage})
		return
	}
	status := a.Status[e.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	WriteAPIError(w, status, e)
}

// WriteJSON answers 200 with v as JSON.
func (a InternalAPI) WriteJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.WriteError(w, r, fmt.Errorf("encoding the answer: %w", err))
		return
	}
	WriteRawJSON(w, b)
}

// WriteAPIError writes e with the given status in the shape every AWS SDK
// parses: the code in X-Amzn-ErrorType and a JSON body with Message and any
// extra members of e.
func WriteAPIError(w http.ResponseWriter, status int, e *apierr.Error) {
	body := make(map[string]any, len(e.Fields)+1)
	body["Message"] = e.Message
	for k, v := range e.Fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteRawJSON answers 200 with b, which is JSON already (a stored record
// or a function's response, passed on as it is).
func WriteRawJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
