package profiles_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for this test (the CI machine has it): %v", tool, err)
		}
	}
}

// TestSeed002Boto3AndCLI replays seeds/002 with boto3 and with the AWS CLI
// against a real `hotline serve`.
func TestSeed002Boto3AndCLI(t *testing.T) {
	requireTools(t, "aws", "python3")
	seed := loadSeed(t)
	proc := testserver.Serve(t, testserver.Binary(t), t.TempDir())
	seedFile, _ := filepath.Abs("testdata/seed002.json")

	t.Run("boto3", func(t *testing.T) {
		cmd := exec.Command("python3", "testdata/seed002_boto3.py", proc.Endpoint, seedFile, "my-domain-name")
		cmd.Env = proc.Env()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "boto3: ok") {
			t.Fatalf("boto3: %v\n%s", err, out)
		}
	})

	t.Run("AWS CLI", func(t *testing.T) {
		const domain = "cli-domain"
		proc.AWS(t, "customer-profiles", "create-domain", "--domain-name", domain, "--default-expiration-days", "365")
		for _, raw := range seed.ObjectTypes {
			var in map[string]any
			if err := json.Unmarshal(raw, &in); err != nil {
				t.Fatal(err)
			}
			in["DomainName"] = domain
			b, _ := json.Marshal(in)
			file := filepath.Join(t.TempDir(), "type.json")
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
			proc.AWS(t, "customer-profiles", "put-profile-object-type", "--cli-input-json", "file://"+file)
		}
		for _, o := range seed.Objects {
			out := proc.AWS(t, "customer-profiles", "put-profile-object", "--domain-name", domain,
				"--object-type-name", o.ObjectTypeName, "--object", objectText(t, o.Object))
			if out["ProfileObjectUniqueKey"] == "" {
				t.Fatalf("put-profile-object printed %v", out)
			}
		}
		out := proc.AWS(t, append([]string{"customer-profiles", "search-profiles", "--domain-name", domain,
			"--key-name", seed.Search.KeyName, "--values"}, seed.Search.Values...)...)
		items, _ := out["Items"].([]any)
		if len(items) != 1 {
			t.Fatalf("search-profiles found %d profiles, want the seed's one: %v", len(items), out)
		}
		got := items[0].(map[string]any)
		attrs := map[string]string{}
		for k, v := range got["Attributes"].(map[string]any) {
			attrs[k], _ = v.(string)
		}
		checkSeedProfile(t, seed.Result.Items[0], func(member string) (string, bool) {
			v, ok := got[member].(string)
			return v, ok
		}, attrs)

		// An error as the CLI reports it: the code and a non-zero exit.
		_, stderr, err := proc.CLI("customer-profiles", "get-domain", "--domain-name", "no-such-domain")
		if err == nil || !strings.Contains(stderr, "ResourceNotFoundException") {
			t.Fatalf("get-domain of a missing domain: err %v, stderr %s", err, stderr)
		}
	})
}

// TestSeed002JavaScriptSDKv2 runs the seed's own JavaScript (aws-sdk v2,
// client.putProfileObjectType(...).promise() and so on) against a live
// server and checks what the SDK hands the program, including the null
// members the seed's printout shows.
func TestSeed002JavaScriptSDKv2(t *testing.T) {
	requireTools(t, "node", "npm")
	seed := loadSeed(t)
	modules := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", modules, "aws-sdk@2")
	install.Env = append(os.Environ(), "npm_config_update_notifier=false")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install aws-sdk@2: %v\n%s", err, out)
	}
	ts := testserver.Start(t, server.Config{})
	script, _ := filepath.Abs("testdata/seed002.js")
	cmd := exec.CommandContext(ctx, "node", script, ts.URL)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(modules, "node_modules"), "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node seed002.js: %v\n%s\n%s", err, out, stderr)
	}
	var result struct {
		Items     []map[string]any
		NextToken any
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("the script printed %s", out)
	}
	if len(result.Items) != 1 {
		t.Fatalf("searchProfiles found %d profiles, want the seed's one: %s", len(result.Items), out)
	}
	got, want := result.Items[0], seed.Result.Items[0]
	// The printout lists every member with null for unset ones: the SDK
	// must hand the program exactly those members.
	for member, w := range want {
		g, present := got[member]
		if !present {
			t.Errorf("%s is missing from the SDK's result; the seed shows %v", member, w)
			continue
		}
		if w == nil && g != nil {
			t.Errorf("%s = %v, want null", member, g)
		}
	}
	for member := range got {
		if _, ok := want[member]; !ok {
			t.Errorf("the SDK's result has %s, which the seed's printout does not", member)
		}
	}
	attrs := map[string]string{}
	if m, ok := got["Attributes"].(map[string]any); ok {
		for k, v := range m {
			attrs[k], _ = v.(string)
		}
	}
	checkSeedProfile(t, want, func(member string) (string, bool) {
		v, ok := got[member].(string)
		return v, ok
	}, attrs)
	if !strings.Contains(string(out), `"NextToken":null`) {
		t.Errorf("NextToken is not null in the SDK's result: %s", out)
	}
}
