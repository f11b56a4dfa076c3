package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hotline-dev/hotline/internal/awsmodel"
	"github.com/hotline-dev/hotline/internal/sigv4"
)

// The shapes of Customer Profiles' PutProfileObject, as the generated
// types declare them.
type benchPutInput struct {
	DomainName     string `json:"DomainName"`
	Object         string `json:"Object"`
	ObjectTypeName string `json:"ObjectTypeName"`
}

type benchPutOutput struct {
	ProfileObjectUniqueKey *string `json:"ProfileObjectUniqueKey,omitempty"`
}

// benchWriter is a ResponseWriter that keeps nothing but the status, so a
// benchmark measures the edge rather than a recorder.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }
func (w *benchWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchBody is a request body that can be rewound without allocating.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

// BenchmarkServeHTTP measures the edge's own work for one REST-JSON call
// shaped like PutProfileObject, the way the AWS SDKs sign it: SigV4
// verification, routing, decoding, validation, the typed handler call
// (a trivial handler) and the encoding of its answer.
func BenchmarkServeHTTP(b *testing.B) {
	srv := NewServer(Config{Verifier: &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "secret", id == "AKID" }}})
	svc := NewService(awsmodel.MustLoad("customer-profiles"), "BadRequestException", "InternalServerException")
	key := "key"
	Handle(svc, "PutProfileObject", func(_ context.Context, in *benchPutInput) (*benchPutOutput, error) {
		if in.DomainName == "" || in.Object == "" {
			return nil, fmt.Errorf("empty input %+v", in)
		}
		return &benchPutOutput{ProfileObjectUniqueKey: &key}, nil
	})
	srv.Register(svc)

	object := `{"accountId":"0000012345","firstName":"First12345","lastName":"Last12345","email":"user12345@example.com","phone":"+1 (200) 001-2345","tier":"gold"}`
	body := []byte(`{"ObjectTypeName":"Customer","Object":` + quoteJSON(object) + `}`)
	req := httptest.NewRequest(http.MethodPut, "http://127.0.0.1:8425/domains/bench/profiles/objects", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
		req, hex.EncodeToString(sum[:]), "profile", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	rb := &benchBody{}
	req.Body = rb
	w := &benchWriter{h: http.Header{}}
	serve := func() {
		rb.Reset(body)
		clear(w.h)
		w.status = 0
		srv.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d, headers %v", w.status, w.h)
		}
	}
	serve()
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}

func quoteJSON(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
