// Package client owns how Hotline's CLI talks to a running server: it finds
// the endpoint (--endpoint, HOTLINE_ENDPOINT, or the local default) and signs
// every request with SigV4 using the credentials the AWS clients use (the
// standard AWS environment variables and profiles), because Hotline's own
// endpoints demand a signature just as the AWS APIs do.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// DefaultEndpoint is where `hotline serve` listens unless told otherwise.
const DefaultEndpoint = "http://127.0.0.1:8425"

// SigningService is the SigV4 service name of Hotline's own endpoints.
const SigningService = "hotline"

// Client calls a Hotline server.
type Client struct {
	Endpoint string
	creds    aws.CredentialsProvider
	region   string
	http     *http.Client
}

// New returns a client for endpoint ("" means HOTLINE_ENDPOINT, then the
// default). Credentials and Region come from the standard AWS sources;
// with none configured it falls back to the development pair test/test,
// which a server on loopback accepts.
func New(ctx context.Context, endpoint string) (*Client, error) {
	if endpoint == "" {
		endpoint = os.Getenv("HOTLINE_ENDPOINT")
	}
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return nil, fmt.Errorf("loading AWS credentials: %w", err)
	}
	c := &Client{Endpoint: strings.TrimRight(endpoint, "/"), creds: cfg.Credentials, region: cfg.Region,
		http: &http.Client{Timeout: 60 * time.Second}}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.creds == nil {
		c.creds = aws.AnonymousCredentials{}
	}
	if _, err := c.creds.Retrieve(ctx); err != nil {
		c.creds = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "hotline development default"}, nil
		}))
	}
	return c, nil
}

// Error is an error answer from the server, in the AWS shape.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message) }

// Do sends a signed request with body in (marshalled as JSON when not nil)
// and decodes a JSON answer into out (when not nil).
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := c.request(ctx, method, path, payload)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.send(c.http, req, payload)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return errorOf(resp, body)
	}
	if out != nil && len(body) > 0 {
		return json.Unmarshal(body, out)
	}
	return nil
}

// Stream sends a signed GET whose answer lasts (a server-sent event
// stream) and returns the open response once its headers are in; the
// caller reads and closes its body, and ends it by cancelling ctx. An
// error answer is returned as *Error.
func (c *Client) Stream(ctx context.Context, path string, header http.Header) (*http.Response, error) {
	req, err := c.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// No overall timeout: the answer is as long as the caller wants it.
	resp, err := c.send(&http.Client{Transport: c.http.Transport}, req, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, errorOf(resp, body)
	}
	return resp, nil
}

func (c *Client) request(ctx context.Context, method, path string, payload []byte) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, method, c.Endpoint+path, bytes.NewReader(payload))
}

// send signs req (whose body is payload) and sends it with hc.
func (c *Client) send(hc *http.Client, req *http.Request, payload []byte) (*http.Response, error) {
	ctx := req.Context()
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(payload)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), SigningService, c.region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Hotline at %s (start it with `hotline serve`, or set --endpoint / HOTLINE_ENDPOINT): %w", c.Endpoint, err)
	}
	return resp, nil
}

// errorOf reads an error answer in the AWS shape.
func errorOf(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-ErrorType")}
	var m struct{ Message string }
	if json.Unmarshal(body, &m) == nil {
		e.Message = m.Message
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
	}
	return e
}
