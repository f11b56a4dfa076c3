package journey

import (
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// LocalConnect returns an Amazon Connect client whose requests h, a
// server's handler, answers in process: the same signed AWS API a user's
// tools call (signature check, validation, the operations themselves),
// without a listener. The server uses it to set up its demo before it
// listens. The key pair must be one the server accepts.
func LocalConnect(h http.Handler, region, accessKeyID, secretAccessKey string) *connect.Client {
	return connect.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		BaseEndpoint: aws.String("http://hotline.local"),
		HTTPClient:   &http.Client{Transport: handlerTransport{h}},
		// In process, a failure is an answer, not a network hiccup.
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	})
}

// handlerTransport is an http.RoundTripper that serves each request with a
// handler.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// The handler expects what net/http's server makes of a request: the
	// Host the client named (which the signature covers) and the URI.
	in := r.Clone(r.Context())
	if in.Host == "" {
		in.Host = r.URL.Host
	}
	in.RequestURI = r.URL.RequestURI()
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, in)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}
