package sigv4

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"
)

// TestConnectClientEndToEnd drives the real generated Connect client (its
// serializers, middleware stack and signer) against a real HTTP server that
// verifies every request, as the edge will.
func TestConnectClientEndToEnd(t *testing.T) {
	v := &Verifier{Lookup: func(id string) (string, bool) { return testSecret, id == testAKID }}
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		id, err := v.Verify(r, body)
		if err != nil {
			e := err.(*Error)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", e.Code)
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{"Message": e.Message})
			return
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath()+" "+id.Service)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()

	client := func(secret string) *connect.Client {
		return connect.New(connect.Options{
			Region:           testRegion,
			BaseEndpoint:     aws.String(srv.URL),
			RetryMaxAttempts: 1,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: secret, SessionToken: testToken}, nil
			}),
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	good := client(testSecret)

	if _, err := good.TagResource(ctx, &connect.TagResourceInput{
		ResourceArn: aws.String(instanceARN),
		Tags:        map[string]string{"team": "support", "cost center": "42 ü"},
	}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := good.UntagResource(ctx, &connect.UntagResourceInput{
		ResourceArn: aws.String(instanceARN),
		TagKeys:     []string{"team", "cost center", "ü/ß"},
	}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if _, err := good.ListQueues(ctx, &connect.ListQueuesInput{
		InstanceId: aws.String("11111111-2222-3333-4444-555555555555"),
		QueueTypes: []types.QueueType{types.QueueTypeStandard, types.QueueTypeAgent},
		MaxResults: aws.Int32(7),
		NextToken:  aws.String("a b/c+d=="),
	}); err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	if _, err := good.StartOutboundVoiceContact(ctx, &connect.StartOutboundVoiceContactInput{
		InstanceId:             aws.String("11111111-2222-3333-4444-555555555555"),
		ContactFlowId:          aws.String("flow-1"),
		DestinationPhoneNumber: aws.String("+15555550100"),
		Attributes:             map[string]string{"name": "Zoë"},
	}); err != nil {
		t.Fatalf("StartOutboundVoiceContact: %v", err)
	}

	_, err := client("wrong").StopContact(ctx, &connect.StopContactInput{
		ContactId: aws.String("c-1"), InstanceId: aws.String("i-1"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != CodeInvalidSignature {
		t.Fatalf("wrong secret: got %v, want %s", err, CodeInvalidSignature)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("verified %d requests, want 4: %v", len(seen), seen)
	}
	if want := "POST /tags/" + escapedARN + " connect"; seen[0] != want {
		t.Fatalf("first request %q, want %q", seen[0], want)
	}
}
