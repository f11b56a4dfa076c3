package profiles_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/hotline-dev/hotline/internal/testserver"
)

// seedData is testdata/seed002.json: the calls and the printed result of
// seeds/002, shared by the Go, boto3, CLI and JavaScript tests.
type seedData struct {
	ObjectTypes []json.RawMessage
	Objects     []struct {
		ObjectTypeName string
		Object         json.RawMessage
	}
	Search struct {
		KeyName string
		Values  []string
	}
	Result struct {
		Items     []map[string]any
		NextToken any
	}
}

func loadSeed(t *testing.T) *seedData {
	t.Helper()
	b, err := os.ReadFile("testdata/seed002.json")
	if err != nil {
		t.Fatal(err)
	}
	var s seedData
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// objectText is an object as the seed sends it: JSON.stringify(obj).
func objectText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func client(ts *testserver.Server, opts ...func(*cp.Options)) *cp.Client {
	return cp.NewFromConfig(ts.AWSConfig(), opts...)
}

// noClientValidation removes the SDK's own required-member check so the
// server's validation is what answers.
func noClientValidation(o *cp.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		// Operations with no required member have no validation step.
		_, _ = s.Initialize.Remove("OperationInputValidation")
		return nil
	})
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func createDomain(t *testing.T, c *cp.Client, name string, days int32) {
	t.Helper()
	_, err := c.CreateDomain(context.Background(), &cp.CreateDomainInput{DomainName: aws.String(name), DefaultExpirationDays: aws.Int32(days)})
	check(t, err)
}

// putSeedType defines one of the seed's object types in domain.
func putSeedType(t *testing.T, c *cp.Client, domain string, raw json.RawMessage) {
	t.Helper()
	in := &cp.PutProfileObjectTypeInput{}
	if err := json.Unmarshal(raw, in); err != nil {
		t.Fatal(err)
	}
	in.DomainName = aws.String(domain)
	_, err := c.PutProfileObjectType(context.Background(), in)
	check(t, err)
}

func putObject(t *testing.T, c *cp.Client, domain, typ, object string) string {
	t.Helper()
	out, err := c.PutProfileObject(context.Background(), &cp.PutProfileObjectInput{
		DomainName: aws.String(domain), ObjectTypeName: aws.String(typ), Object: aws.String(object),
	})
	check(t, err)
	return aws.ToString(out.ProfileObjectUniqueKey)
}

func search(t *testing.T, c *cp.Client, domain, key string, values ...string) []types.Profile {
	t.Helper()
	out, err := c.SearchProfiles(context.Background(), &cp.SearchProfilesInput{
		DomainName: aws.String(domain), KeyName: aws.String(key), Values: values,
	})
	check(t, err)
	return out.Items
}

// only returns the one profile a search must find.
func only(t *testing.T, items []types.Profile) types.Profile {
	t.Helper()
	if len(items) != 1 {
		t.Fatalf("want exactly one profile, got %d: %s", len(items), dump(items))
	}
	return items[0]
}

func listObjects(t *testing.T, c *cp.Client, domain, typ, profile string) []types.ListProfileObjectsItem {
	t.Helper()
	out, err := c.ListProfileObjects(context.Background(), &cp.ListProfileObjectsInput{
		DomainName: aws.String(domain), ObjectTypeName: aws.String(typ), ProfileId: aws.String(profile),
	})
	check(t, err)
	return out.Items
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// errorOf returns an API error's code, HTTP status and message.
func errorOf(t *testing.T, err error) (code string, status int, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	var httpErr *awshttp.ResponseError
	if errors.As(err, &httpErr) {
		status = httpErr.HTTPStatusCode()
	}
	return apiErr.ErrorCode(), status, apiErr.ErrorMessage()
}

// wantError fails unless err is the API error code with HTTP status.
func wantError(t *testing.T, err error, code string, status int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s (%d), got success", code, status)
	}
	gotCode, gotStatus, msg := errorOf(t, err)
	if gotCode != code || gotStatus != status {
		t.Fatalf("want %s (%d), got %s (%d): %s", code, status, gotCode, gotStatus, msg)
	}
	if msg == "" {
		t.Fatalf("%s has no message", code)
	}
	return msg
}

// attributes returns a profile's attributes as sorted "k=v" lines.
func attributes(p types.Profile) []string {
	var out []string
	for k, v := range p.Attributes {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
