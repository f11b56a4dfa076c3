package profiles_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/testserver"
)

// calcScenario is what every client does: an object type with a numeric
// field, three purchases of one customer, three definitions, and the
// values they must yield.
type calcScenario struct {
	ObjectTypeName string
	ObjectType     map[string]any
	Objects        []string
	Account        string
	Definitions    []map[string]any
	Want           map[string]string
}

// newCalcScenario dates the purchases relative to now: two in the last
// few days and one in 2020, which a 30-day range on their own timestamp
// leaves out.
func newCalcScenario(now time.Time) *calcScenario {
	day := func(d int) string { return now.AddDate(0, 0, -d).UTC().Format(time.RFC3339) }
	amount := map[string]any{"Attributes": []map[string]string{{"Name": "amount"}}, "Expression": "{Purchase.amount}"}
	return &calcScenario{
		ObjectTypeName: "Purchase",
		ObjectType: map[string]any{
			"Description": "purchases", "AllowProfileCreation": true,
			"Fields": map[string]any{"id": map[string]string{"Source": "_source.id"}, "acct": map[string]string{"Source": "_source.acct"},
				"amount": map[string]string{"Source": "_source.amount"}, "at": map[string]string{"Source": "_source.at"}},
			"Keys": map[string]any{
				"purchaseId": []map[string]any{{"FieldNames": []string{"id"}, "StandardIdentifiers": []string{"UNIQUE"}}},
				"_account":   []map[string]any{{"FieldNames": []string{"acct"}, "StandardIdentifiers": []string{"PROFILE"}}}},
		},
		Objects: []string{
			`{"id":"p1","acct":"C-1","amount":10,"at":"` + day(2) + `"}`,
			`{"id":"p2","acct":"C-1","amount":"25.5","at":"` + day(1) + `"}`,
			`{"id":"p3","acct":"C-1","amount":40,"at":"2020-01-01T00:00:00Z"}`,
		},
		Account: "C-1",
		Definitions: []map[string]any{
			{"CalculatedAttributeName": "average30", "DisplayName": "Average purchase", "Statistic": "AVERAGE", "AttributeDetails": amount,
				"Conditions": map[string]any{"Range": map[string]any{"Value": 30, "Unit": "DAYS",
					"TimestampSource": "{Purchase.at}", "TimestampFormat": "ISO_8601"}}},
			{"CalculatedAttributeName": "purchases", "Statistic": "COUNT",
				"AttributeDetails": map[string]any{"Attributes": []map[string]string{{"Name": "id"}}, "Expression": "{Purchase.id}"}},
			{"CalculatedAttributeName": "bigSpender", "Statistic": "SUM", "AttributeDetails": amount,
				"Conditions": map[string]any{"Threshold": map[string]string{"Value": "70", "Operator": "GREATER_THAN"}}},
		},
		Want: map[string]string{"average30": "17.75", "purchases": "3", "bigSpender": "true"},
	}
}

// writeJSON writes v to a file in dir and returns its path.
func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestCalculatedAttributesRealClients runs the scenario with boto3, the AWS
// CLI and aws-sdk-go-v2 against a real `hotline serve`, each in its own
// domain.
func TestCalculatedAttributesRealClients(t *testing.T) {
	requireTools(t, "aws", "python3")
	proc := testserver.Serve(t, testserver.Binary(t), t.TempDir())
	sc := newCalcScenario(time.Now())

	t.Run("boto3", func(t *testing.T) {
		file := writeJSON(t, t.TempDir(), "scenario.json", sc)
		cmd := exec.Command("python3", "testdata/calculated_boto3.py", proc.Endpoint, file, "calc-boto3")
		cmd.Env = proc.Env()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "boto3: ok") {
			t.Fatalf("boto3: %v\n%s", err, out)
		}
	})

	t.Run("AWS CLI", func(t *testing.T) {
		const domain = "calc-cli"
		dir := t.TempDir()
		cli := func(args ...string) map[string]any {
			return proc.AWS(t, append([]string{"customer-profiles"}, args...)...)
		}
		cli("create-domain", "--domain-name", domain, "--default-expiration-days", "365")
		typ := maps.Clone(sc.ObjectType)
		typ["DomainName"], typ["ObjectTypeName"] = domain, sc.ObjectTypeName
		cli("put-profile-object-type", "--cli-input-json", "file://"+writeJSON(t, dir, "type.json", typ))
		for _, d := range sc.Definitions {
			d = maps.Clone(d)
			d["DomainName"] = domain
			cli("create-calculated-attribute-definition", "--cli-input-json", "file://"+writeJSON(t, dir, "def.json", d))
		}
		for _, o := range sc.Objects {
			cli("put-profile-object", "--domain-name", domain, "--object-type-name", sc.ObjectTypeName, "--object", o)
		}
		items, _ := cli("search-profiles", "--domain-name", domain, "--key-name", "_account", "--values", sc.Account)["Items"].([]any)
		if len(items) != 1 {
			t.Fatalf("search-profiles found %d profiles", len(items))
		}
		profile, _ := items[0].(map[string]any)["ProfileId"].(string)
		for name, want := range sc.Want {
			got := cli("get-calculated-attribute-for-profile", "--domain-name", domain, "--profile-id", profile,
				"--calculated-attribute-name", name)
			if got["Value"] != want {
				t.Errorf("%s = %v, want %s", name, got["Value"], want)
			}
		}
		listed, _ := cli("list-calculated-attributes-for-profile", "--domain-name", domain, "--profile-id", profile)["Items"].([]any)
		got := map[string]string{}
		for _, it := range listed {
			m := it.(map[string]any)
			got[m["CalculatedAttributeName"].(string)], _ = m["Value"].(string)
		}
		if !maps.Equal(got, sc.Want) {
			t.Errorf("list-calculated-attributes-for-profile: %v, want %v", got, sc.Want)
		}
		batch := cli("batch-get-calculated-attribute-for-profile", "--domain-name", domain,
			"--calculated-attribute-name", "purchases", "--profile-ids", profile)
		values, _ := batch["CalculatedAttributeValues"].([]any)
		if len(values) != 1 || values[0].(map[string]any)["Value"] != sc.Want["purchases"] {
			t.Errorf("batch-get-calculated-attribute-for-profile: %v", batch)
		}

		// An unknown profile, as the CLI reports it: the code and a non-zero exit.
		_, stderr, err := proc.CLI("customer-profiles", "get-calculated-attribute-for-profile", "--domain-name", domain,
			"--profile-id", strings.Repeat("0", 32), "--calculated-attribute-name", "purchases")
		if err == nil || !strings.Contains(stderr, "ResourceNotFoundException") {
			t.Fatalf("a value for an unknown profile: err %v, stderr %s", err, stderr)
		}
	})

	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		const domain = "calc-go"
		ctx := context.Background()
		c := cp.New(cp.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(proc.Endpoint), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		})
		createDomain(t, c, domain, 365)
		typ := &cp.PutProfileObjectTypeInput{}
		fromJSON(t, sc.ObjectType, typ)
		typ.DomainName, typ.ObjectTypeName = aws.String(domain), aws.String(sc.ObjectTypeName)
		_, err := c.PutProfileObjectType(ctx, typ)
		check(t, err)
		for _, d := range sc.Definitions {
			in := &cp.CreateCalculatedAttributeDefinitionInput{}
			fromJSON(t, d, in)
			in.DomainName = aws.String(domain)
			out, err := c.CreateCalculatedAttributeDefinition(ctx, in)
			check(t, err)
			if aws.ToString(out.CalculatedAttributeName) != d["CalculatedAttributeName"] || out.CreatedAt == nil {
				t.Fatalf("CreateCalculatedAttributeDefinition answered %s", dump(out))
			}
		}
		for _, o := range sc.Objects {
			putObject(t, c, domain, sc.ObjectTypeName, o)
		}
		profile := aws.ToString(only(t, search(t, c, domain, "_account", sc.Account)).ProfileId)
		for name, want := range sc.Want {
			out, err := c.GetCalculatedAttributeForProfile(ctx, &cp.GetCalculatedAttributeForProfileInput{
				DomainName: aws.String(domain), CalculatedAttributeName: aws.String(name), ProfileId: aws.String(profile)})
			check(t, err)
			if got := aws.ToString(out.Value); got != want {
				t.Errorf("%s = %s, want %s", name, got, want)
			}
		}
		listed, err := c.ListCalculatedAttributesForProfile(ctx, &cp.ListCalculatedAttributesForProfileInput{
			DomainName: aws.String(domain), ProfileId: aws.String(profile)})
		check(t, err)
		var names []string
		for _, it := range listed.Items {
			names = append(names, aws.ToString(it.CalculatedAttributeName))
			if want := sc.Want[aws.ToString(it.CalculatedAttributeName)]; aws.ToString(it.Value) != want {
				t.Errorf("listed %s = %s, want %s", aws.ToString(it.CalculatedAttributeName), aws.ToString(it.Value), want)
			}
		}
		if want := slices.Sorted(maps.Keys(sc.Want)); !slices.Equal(names, want) {
			t.Errorf("listed %v, want %v", names, want)
		}
		batch, err := c.BatchGetCalculatedAttributeForProfile(ctx, &cp.BatchGetCalculatedAttributeForProfileInput{
			DomainName: aws.String(domain), CalculatedAttributeName: aws.String("average30"), ProfileIds: []string{profile}})
		check(t, err)
		if len(batch.CalculatedAttributeValues) != 1 || aws.ToString(batch.CalculatedAttributeValues[0].Value) != sc.Want["average30"] {
			t.Errorf("BatchGetCalculatedAttributeForProfile: %s", dump(batch.CalculatedAttributeValues))
		}

		// A Filter, which Hotline does not implement, is refused rather than ignored.
		in := &cp.CreateCalculatedAttributeDefinitionInput{}
		fromJSON(t, sc.Definitions[1], in)
		in.DomainName, in.CalculatedAttributeName = aws.String(domain), aws.String("filtered")
		in.Filter = &types.Filter{Include: types.IncludeAll, Groups: []types.FilterGroup{{Type: types.TypeAll,
			Dimensions: []types.FilterDimension{{Attributes: map[string]types.FilterAttributeDimension{
				"amount": {DimensionType: types.FilterDimensionTypeGreaterThan, Values: []string{"20"}}}}}}}}
		_, err = c.CreateCalculatedAttributeDefinition(ctx, in)
		if msg := wantError(t, err, "BadRequestException", 400); !strings.Contains(msg, "Filter") {
			t.Fatalf("the refusal says %q", msg)
		}
	})
}

// fromJSON fills a client input from the scenario's JSON form.
func fromJSON(t *testing.T, v, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}
