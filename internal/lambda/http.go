package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// Retries of http bindings: Amazon Connect retries throttling and 5xx
// answers up to three times within the time limit, and nothing else. The
// backoff is ours (Connect does not document its own): full jitter over
// 100 ms doubling per attempt, at most 1 s, so retries fit in a flow's 8 s.
const (
	httpMaxAttempts = 4
	httpBaseBackoff = 100 * time.Millisecond
	httpMaxBackoff  = time.Second
)

// runHTTP calls the Lambda Invoke API at the binding's endpoint with the
// AWS SDK, so that the request is exactly what AWS and SAM expect.
func (s *Service) runHTTP(ctx context.Context, arn string, p parsedARN, b *Binding, event []byte) ([]byte, error) {
	region := b.Region
	if region == "" {
		region = p.region
	}
	in := &awslambda.InvokeInput{FunctionName: aws.String(b.FunctionName), Payload: event,
		InvocationType: types.InvocationTypeRequestResponse}
	if b.FunctionName == "" {
		in.FunctionName = aws.String(p.name)
		if p.qualifier != "" {
			in.Qualifier = aws.String(p.qualifier)
		}
	}
	out, err := s.lambdaClient(b.Endpoint, region).Invoke(ctx, in)
	if err != nil {
		var (
			apiErr  smithy.APIError
			httpErr *awshttp.ResponseError
		)
		if errors.As(err, &apiErr) && errors.As(err, &httpErr) {
			return nil, failure(ErrInvocation, arn, err, "%s refused the invocation of %s (HTTP %d): %s: %s",
				b.Endpoint, *in.FunctionName, httpErr.HTTPStatusCode(), apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return nil, failure(ErrInvocation, arn, err, "calling %s: %v", b.Endpoint, err)
	}
	if out.FunctionError != nil {
		// The Lambda runtimes' error document; anything else is quoted whole.
		var doc struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		e := &Error{Kind: ErrFunction, FunctionArn: arn, Type: *out.FunctionError, Message: excerpt(out.Payload)}
		if json.Unmarshal(out.Payload, &doc) == nil && (doc.ErrorMessage != "" || doc.ErrorType != "") {
			e.Message = doc.ErrorMessage
			if doc.ErrorType != "" {
				e.Type = doc.ErrorType
			}
		}
		return nil, e
	}
	return out.Payload, nil
}

// lambdaClient returns the client for an endpoint and signing Region,
// made once so that connections are reused.
func (s *Service) lambdaClient(endpoint, region string) *awslambda.Client {
	key := endpoint + " " + region
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c
	}
	c := awslambda.New(awslambda.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  s.credentials(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = httpMaxAttempts
			o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
				ceiling := min(httpMaxBackoff, httpBaseBackoff<<min(attempt, 10))
				return time.Duration(rand.Int64N(int64(ceiling))) + 1, nil
			})
			o.Retryables = []retry.IsErrorRetryable{
				retry.NoRetryCanceledError{},
				retry.RetryableHTTPStatusCode{Codes: retry.DefaultRetryableHTTPStatusCodes},
				retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
			}
			// A retry budget shared across calls would let one failing
			// function stop the retries of every other.
			o.RateLimiter = ratelimit.None
		}),
	})
	s.clients[key] = c
	return c
}

// credentials returns the provider that signs http bindings' requests.
func (s *Service) credentials() aws.CredentialsProvider {
	s.credsOnce.Do(func() {
		if s.cfg.Credentials != nil {
			s.creds = s.cfg.Credentials
			return
		}
		// The instance metadata service is left out: probing it from a
		// laptop or CI machine sends traffic to an address that is not ours.
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
		if err != nil {
			s.log.Warn("cannot load AWS credentials for http function bindings; signing with test/test", "err", err)
		}
		s.creds = fallbackCredentials{inner: cfg.Credentials}
	})
	return s.creds
}

// fallbackCredentials are the configured AWS credentials, or the
// development pair test/test when there are none: SAM's start-lambda checks
// no signature, and AWS rejects test/test with a message that says why.
type fallbackCredentials struct{ inner aws.CredentialsProvider }

func (f fallbackCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if f.inner != nil {
		if c, err := f.inner.Retrieve(ctx); err == nil {
			return c, nil
		}
	}
	return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "hotline development default"}, nil
}
