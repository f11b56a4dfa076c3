package flowconfig_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/sigv4"
)

// startAPI serves s's routes behind a real edge, signed, as the server
// mounts them, and returns a client of the kind the CLI uses.
func startAPI(t *testing.T, s *flowconfig.Service) (*httptest.Server, *client.Client) {
	t.Helper()
	e := edge.NewServer(edge.Config{Verifier: &sigv4.Verifier{
		Lookup: func(id string) (string, bool) { return "test", id == "test" },
	}})
	for pattern, h := range s.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	c, err := client.New(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func itemPath(instance, pk, rt string) string {
	return "/_hotline/config/" + url.PathEscape(instance) + "/items/" + url.PathEscape(pk) + "/" + url.PathEscape(rt)
}

func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != code || ce.Status != status || !strings.Contains(ce.Message, msg) {
		t.Fatalf("err = %v, want %s (HTTP %d) with %q", err, code, status, msg)
	}
}

func TestManagementAPI(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	srv, c := startAPI(t, s)
	base := "/_hotline/config/" + inst

	// Import, typed and plain items together.
	typedMenu := map[string]map[string]string{}
	for k, v := range validMenu {
		typedMenu[k] = map[string]string{"S": v}
	}
	var imp flowconfig.Result
	in := map[string]any{"Items": []any{validDelivery, map[string]any{"Item": typedMenu}, validMore, validQueue}}
	if err := c.Do(ctx, "POST", base+"/import", in, &imp); err != nil {
		t.Fatal(err)
	}
	if imp.Imported != 4 || len(imp.Problems) != 0 {
		t.Fatalf("import = %+v", imp)
	}

	// GET answers as DynamoDB's GetItem does; the instance may be an ARN
	// and the key may hold characters that need escaping.
	var got flowconfig.GetOutput
	if err := c.Do(ctx, "GET", itemPath(instARN, "Main", "SteeringMenu"), nil, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Item, validMenu) {
		t.Errorf("GET = %v", got.Item)
	}

	// PUT takes the keys from the path when the body leaves them out.
	odd := "Team/North & South?"
	var put flowconfig.PutOutput
	if err := c.Do(ctx, "PUT", itemPath(inst, odd, "Holiday"), map[string]string{"Closed": "yes"}, &put); err != nil {
		t.Fatal(err)
	}
	if put.Item.PrimaryKey() != odd || put.Item["Closed"] != "yes" || put.Problems == nil {
		t.Errorf("PUT = %+v", put)
	}
	var gotOdd flowconfig.GetOutput
	if err := c.Do(ctx, "GET", itemPath(inst, odd, "Holiday"), nil, &gotOdd); err != nil || !reflect.DeepEqual(gotOdd.Item, put.Item) {
		t.Fatalf("GET of an escaped key = %v, %v", gotOdd.Item, err)
	}

	// PUT of an invalid item is refused unless forced.
	bad := with(validQueue, "Flag_Queue_Redaction", "none")
	err := c.Do(ctx, "PUT", itemPath(inst, "Sales", "Queue"), bad, nil)
	wantAPIError(t, err, "InvalidParameterException", 400, `Queue "Sales" Flag_Queue_Redaction: "none" is not one of`)
	if err := c.Do(ctx, "PUT", itemPath(inst, "Sales", "Queue")+"?force=true", bad, &put); err != nil || len(put.Problems) != 1 {
		t.Fatalf("forced PUT = %+v, %v", put, err)
	}

	// List, paged and filtered.
	var page flowconfig.ListOutput
	if err := c.Do(ctx, "GET", base+"/items?type=SteeringMenu&maxResults=1", nil, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].PrimaryKey() != "Main" || page.NextToken == "" {
		t.Fatalf("first page = %+v", page)
	}
	var page2 flowconfig.ListOutput
	if err := c.Do(ctx, "GET", base+"/items?type=SteeringMenu&maxResults=1&nextToken="+url.QueryEscape(page.NextToken), nil, &page2); err != nil {
		t.Fatal(err)
	}
	if len(page2.Items) != 1 || page2.Items[0].PrimaryKey() != "More" || page2.NextToken != "" {
		t.Fatalf("second page = %+v", page2)
	}

	// Check and export.
	var chk flowconfig.CheckOutput
	if err := c.Do(ctx, "POST", base+"/check", nil, &chk); err != nil {
		t.Fatal(err)
	}
	if len(chk.Problems) != 1 || chk.Problems[0].Attribute != "Flag_Queue_Redaction" {
		t.Errorf("check = %+v", chk)
	}
	var chk2 flowconfig.CheckOutput
	if err := c.Do(ctx, "POST", base+"/check", map[string]any{"Items": []any{validQueue}}, &chk2); err != nil || chk2.Problems == nil || len(chk2.Problems) != 0 {
		t.Errorf("check of pending items = %+v, %v", chk2, err)
	}
	var exp flowconfig.ExportOutput
	if err := c.Do(ctx, "GET", base+"/export", nil, &exp); err != nil {
		t.Fatal(err)
	}
	if got := keys(exp.Items); !reflect.DeepEqual(got, []string{"+442079460100/DeliveryId", "Main/SteeringMenu", "More/SteeringMenu", "Sales/Queue", odd + "/Holiday"}) {
		t.Errorf("export = %v", got)
	}

	// Delete.
	err = c.Do(ctx, "DELETE", itemPath(inst, "More", "SteeringMenu"), nil, nil)
	wantAPIError(t, err, "ResourceInUseException", 409, "is the destination of")
	if err := c.Do(ctx, "DELETE", itemPath(inst, "More", "SteeringMenu")+"?force=true", nil, nil); err != nil {
		t.Fatal(err)
	}
	err = c.Do(ctx, "GET", itemPath(inst, "More", "SteeringMenu"), nil, nil)
	wantAPIError(t, err, "ResourceNotFoundException", 404, `no item with Primary_Key "More"`)

	// Refusals.
	refusals := []struct {
		name, method, path string
		body               any
		code               string
		status             int
		msg                string
	}{
		{"unknown instance", "GET", "/_hotline/config/nope/items", nil, "ResourceNotFoundException", 404, "instance nope"},
		{"import without a body", "POST", base + "/import", nil, "InvalidParameterException", 400, `{"Items": [...]`},
		{"import with a misspelt field", "POST", base + "/import", map[string]any{"Items": []any{validQueue}, "Forced": true}, "InvalidParameterException", 400, "Forced"},
		{"import of a number", "POST", base + "/import", map[string]any{"Items": []any{map[string]any{"Primary_Key": "x", "Resource_Type": "y", "n": 1}}}, "InvalidParameterException", 400, "Items[0]: attribute n"},
		{"import of an invalid item", "POST", base + "/import", map[string]any{"Items": []any{with(validQueue, "Flag_Queue_Analytics", "live")}}, "InvalidParameterException", 400, "nothing was imported"},
		{"PUT with other keys", "PUT", itemPath(inst, "Sales", "Queue"), validMenu, "InvalidParameterException", 400, "differs from the path's"},
		{"PUT of two items", "PUT", itemPath(inst, "Sales", "Queue"), []any{validQueue, validQueue}, "InvalidParameterException", 400, "PUT takes one"},
		{"PUT with bad force", "PUT", itemPath(inst, "Sales", "Queue") + "?force=maybe", validQueue, "InvalidParameterException", 400, "force"},
		{"bad maxResults", "GET", base + "/items?maxResults=0", nil, "InvalidParameterException", 400, "maxResults"},
		{"bad nextToken", "GET", base + "/items?nextToken=xyz", nil, "InvalidParameterException", 400, "NextToken"},
		{"delete a missing item", "DELETE", itemPath(inst, "Nope", "Queue"), nil, "ResourceNotFoundException", 404, "Nope"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, c.Do(ctx, tc.method, tc.path, tc.body, nil), tc.code, tc.status, tc.msg)
		})
	}

	// A refused import answers its problems as data too.
	body := `{"Items": [{"Primary_Key": "Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": "live"}]}`
	resp, err := http.Post(srv.URL+base+"/import", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("an unsigned import was accepted")
	}
	status, raw := signedRaw(t, "POST", srv.URL+base+"/import", body)
	var answer struct {
		Message  string
		Problems []flowconfig.Problem
	}
	if err := json.Unmarshal(raw, &answer); status != 400 || err != nil || len(answer.Problems) != 1 || answer.Problems[0].Attribute != "Flag_Queue_Analytics" {
		t.Errorf("answer = %d %s (%v)", status, raw, err)
	}
}

// signedRaw sends a signed request and returns the status and raw body of
// the answer, which client.Client does not expose for errors.
func signedRaw(t *testing.T, method, target, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), client.SigningService, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
