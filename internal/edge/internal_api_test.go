package edge_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/edge"
)

// TestInternalAPIAnswers pins the answer shape Hotline's own APIs share
// with the AWS services: status by code (400 when unlisted), the code in
// X-Amzn-ErrorType, Message plus any extra members, and nothing of an
// internal error but a line in the log.
func TestInternalAPIAnswers(t *testing.T) {
	var logged bytes.Buffer
	api := edge.InternalAPI{
		Log:    slog.New(slog.NewTextHandler(&logged, nil)),
		Status: map[string]int{"ResourceNotFoundException": http.StatusNotFound},
	}
	for _, tc := range []struct {
		name   string
		write  func(w http.ResponseWriter, r *http.Request)
		status int
		code   string
		body   string
		logs   string
	}{
		{"listed code", func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, r, apierr.New("ResourceNotFoundException", "no %s", "x"))
		}, 404, "ResourceNotFoundException", `{"Message":"no x"}`, ""},
		{"unlisted code", func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, r, apierr.New("InvalidParameterException", "bad"))
		}, 400, "InvalidParameterException", `{"Message":"bad"}`, ""},
		{"extra members", func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, r, apierr.New("InvalidParameterException", "bad").With("Problems", []string{"p"}))
		}, 400, "InvalidParameterException", `{"Message":"bad","Problems":["p"]}`, ""},
		{"wrapped", func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, r, errors.Join(errors.New("context"), apierr.New("ResourceNotFoundException", "gone")))
		}, 404, "ResourceNotFoundException", `{"Message":"gone"}`, ""},
		{"internal", func(w http.ResponseWriter, r *http.Request) {
			api.WriteError(w, r, errors.New("disk on fire"))
		}, 500, "InternalServiceException", `{"Message":"an internal error occurred; the server log has the details"}`, "disk on fire"},
		{"explicit status", func(w http.ResponseWriter, r *http.Request) {
			edge.WriteAPIError(w, http.StatusGatewayTimeout, &apierr.Error{Code: "FunctionTimeoutException", Message: "slow"})
		}, 504, "FunctionTimeoutException", `{"Message":"slow"}`, ""},
		{"json", func(w http.ResponseWriter, r *http.Request) {
			api.WriteJSON(w, r, map[string]int{"A": 1})
		}, 200, "", `{"A":1}`, ""},
		{"unencodable json", func(w http.ResponseWriter, r *http.Request) {
			api.WriteJSON(w, r, math.Inf(1))
		}, 500, "InternalServiceException", `{"Message":"an internal error occurred; the server log has the details"}`, "encoding the answer"},
		{"raw json", func(w http.ResponseWriter, r *http.Request) {
			edge.WriteRawJSON(w, []byte(`{"B":[2]}`))
		}, 200, "", `{"B":[2]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			rec := httptest.NewRecorder()
			tc.write(rec, httptest.NewRequest("GET", "/_hotline/x", nil))
			if rec.Code != tc.status || rec.Header().Get("X-Amzn-ErrorType") != tc.code ||
				rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("answered %d, X-Amzn-ErrorType %q, Content-Type %q; want %d, %q, application/json",
					rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Header().Get("Content-Type"), tc.status, tc.code)
			}
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			_ = json.Unmarshal([]byte(tc.body), &want)
			if g, w := mustJSON(got), mustJSON(want); g != w {
				t.Errorf("body %s, want %s", g, w)
			}
			if tc.logs == "" && logged.Len() > 0 || !strings.Contains(logged.String(), tc.logs) {
				t.Errorf("logged %q, want a line with %q", logged.String(), tc.logs)
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
