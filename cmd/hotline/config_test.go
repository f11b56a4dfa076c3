package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/clock"
	"github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/sigv4"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

// cliResolver knows one instance and the demo's queues and flow by name.
type cliResolver struct {
	id     string
	queues map[string]bool
	flows  map[string]bool
}

func (r *cliResolver) InstanceID(_ context.Context, ref string) (string, error) {
	if ref == r.id || strings.HasSuffix(ref, ":instance/"+r.id) {
		return r.id, nil
	}
	return "", apierr.New("ResourceNotFoundException", "instance %s was not found", ref)
}

func (r *cliResolver) QueueExists(_ context.Context, _, ref string) (bool, error) {
	return r.queues[ref], nil
}

func (r *cliResolver) FlowExists(_ context.Context, _, ref string) (bool, error) {
	return r.flows[ref], nil
}

// startConfigServer serves the Connect API (for the default instance's
// alias) and the configuration API, signed, on one edge.
func startConfigServer(t *testing.T) (instanceID string) {
	t.Helper()
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	conn := connect.New(connect.Config{Region: "us-east-1", AccountID: "000000000000"}, db, clock.Real{}, nil)
	id, _, err := conn.EnsureDefaultInstance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queues, flows, err := flowconfig.DemoReferences()
	if err != nil {
		t.Fatal(err)
	}
	r := &cliResolver{id: id, queues: map[string]bool{}, flows: map[string]bool{}}
	for _, q := range queues {
		r.queues[q] = true
	}
	for _, f := range flows {
		r.flows[f] = true
	}
	svc := flowconfig.New(db, r, nil)
	e := edge.NewServer(edge.Config{Verifier: &sigv4.Verifier{Lookup: func(id string) (string, bool) { return "test", id == "test" }}})
	e.Register(conn.API())
	for pattern, h := range svc.Routes() {
		e.HandleInternal(pattern, h, true)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
		"HOTLINE_ENDPOINT": srv.URL} {
		t.Setenv(k, v)
	}
	return id
}

// demoDir writes the demo items as files, the way a user keeps them.
func demoDir(t *testing.T) string {
	t.Helper()
	items, err := flowconfig.DemoItems()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, it := range items {
		p := filepath.Join(dir, filepath.FromSlash(flowconfig.FileName(it)))
		b, _ := json.MarshalIndent(it, "", "    ")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConfigCommand(t *testing.T) {
	id := startConfigServer(t)
	ctx := context.Background()
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := runConfig(ctx, &out, &errOut, args)
		return out.String(), errOut.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(args...)
		if err != nil {
			t.Fatalf("config %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	dir := demoDir(t)

	// check PATH looks at files before they are imported.
	if out := must("check", dir); !strings.Contains(out, "no problems found") {
		t.Errorf("check DIR = %s", out)
	}
	// Import, into the default instance found by its alias.
	if out := must("import", dir); out != "imported 10 items into instance "+id+"\n" {
		t.Errorf("import = %q", out)
	}
	out := must("list", "--type", "SteeringMenu")
	if want := "PRIMARY_KEY           RESOURCE_TYPE  ATTRIBUTES\nHarbourBikes_Main     SteeringMenu   17\nHarbourBikes_Sales    SteeringMenu   17\nHarbourBikes_Service  SteeringMenu   15\n"; out != want {
		t.Errorf("list --type SteeringMenu =\n%s\nwant\n%s", out, want)
	}
	if n := strings.Count(must("list", "--instance", id), "\n"); n != 11 {
		t.Errorf("list has %d lines, want a header and 10 items", n)
	}

	// get prints the item as put; put changes it (by flag and by file).
	var got flowconfig.Item
	if err := json.Unmarshal([]byte(must("get", "+442079460100", "DeliveryId")), &got); err != nil {
		t.Fatal(err)
	}
	if got["Flag_DeliveryId_NextActionValue"] != "HarbourBikes_Main" {
		t.Errorf("get = %v", got)
	}
	got["Prompt_DeliveryId_WelcomeAdHoc"] = "We are closed on the 26th."
	b, _ := json.Marshal(got)
	must("put", "--item", string(b))
	if !strings.Contains(must("get", "+442079460100", "DeliveryId", "--instance", id), `"Prompt_DeliveryId_WelcomeAdHoc": "We are closed on the 26th."`) {
		t.Error("put --item did not change the item")
	}
	typed := filepath.Join(t.TempDir(), "holiday.json")
	if err := os.WriteFile(typed, []byte(`{"Item": {"Primary_Key": {"S": "2026-12-25"}, "Resource_Type": {"S": "Holiday"}, "Flag_Queue_Closed": {"S": "yes"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := run("put", typed); err != nil || !strings.Contains(out, `"Primary_Key": "2026-12-25"`) || errOut != "" {
		t.Errorf("put FILE = %s, %s, %v", out, errOut, err)
	}

	// An invalid item is refused, naming item and attribute, unless forced;
	// warnings are reported on standard error.
	bad := `{"Primary_Key": "HarbourBikes_Sales", "Resource_Type": "Queue", "Flag_Queue_Analytics": "sometimes", "Flag_Queue_Analytic": "x"}`
	_, _, err := run("put", "--item", bad)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "InvalidParameterException" || !strings.Contains(err.Error(), `Queue "HarbourBikes_Sales" Flag_Queue_Analytics: "sometimes" is not one of postcall, realtime, disabled`) {
		t.Fatalf("put of an invalid item: %v", err)
	}
	if _, errOut, err := run("put", "--item", bad, "--force"); err != nil || !strings.Contains(errOut, "Flag_Queue_Analytics") || !strings.Contains(errOut, "warning: ") {
		t.Fatalf("put --force: %v, %s", err, errOut)
	}

	// check now fails, listing the problems.
	out, _, err = run("check")
	if err == nil || !strings.Contains(err.Error(), "1 errors, 1 warnings") || !strings.Contains(out, `Flag_Queue_Analytics: "sometimes"`) {
		t.Errorf("check = %s, %v", out, err)
	}

	// An import is all or nothing.
	mixed := filepath.Join(t.TempDir(), "mixed.json")
	if err := os.WriteFile(mixed, []byte(`[{"Primary_Key": "Extra", "Resource_Type": "Holiday"}, {"Primary_Key": "HarbourBikes_Main", "Resource_Type": "SteeringMenu", "Prompt_SteeringMenu_MenuOptions": "Press 1."}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run("import", mixed)
	if err == nil || !strings.Contains(err.Error(), "Flag_SteeringMenu_NextActionType_Default: is required") {
		t.Fatalf("import of an invalid menu: %v", err)
	}
	if _, _, err := run("get", "Extra", "Holiday"); !errors.As(err, &ce) || ce.Code != "ResourceNotFoundException" {
		t.Errorf("a refused import stored its valid item: %v", err)
	}

	// delete refuses a menu in use unless forced.
	_, _, err = run("delete", "HarbourBikes_Sales", "SteeringMenu")
	if !errors.As(err, &ce) || ce.Code != "ResourceInUseException" {
		t.Errorf("delete of a menu in use: %v", err)
	}
	must("delete", "2026-12-25", "Holiday")

	// Export to stdout and to a folder, and re-import what was exported.
	var all []flowconfig.Item
	if err := json.Unmarshal([]byte(must("export")), &all); err != nil || len(all) != 10 {
		t.Fatalf("export = %d items, %v", len(all), err)
	}
	out = must("export", filepath.Join(t.TempDir(), "backup"))
	backup := strings.TrimSpace(strings.TrimPrefix(out, "exported 10 items to "))
	files, err := flowconfig.LoadPath(backup)
	if err != nil {
		t.Fatal(err)
	}
	// The files come back in folder order, the export in key order.
	byKey := func(a, b flowconfig.Item) int {
		return strings.Compare(a.PrimaryKey()+"\x00"+a.ResourceType(), b.PrimaryKey()+"\x00"+b.ResourceType())
	}
	slices.SortFunc(files, byKey)
	if !reflect.DeepEqual(files, all) {
		t.Errorf("the exported files differ from the export:\n%v\n%v", files, all)
	}
	if _, err := os.Stat(filepath.Join(backup, "DeliveryId", "+442079460100.json")); err != nil {
		t.Errorf("export layout: %v", err)
	}
	must("import", backup, "--force")
}

func TestConfigCommandUsage(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		args []string
		msg  string
	}{
		{nil, "name a subcommand"},
		{[]string{"frob"}, `unknown subcommand "frob"`},
		{[]string{"get", "only-one"}, "wrong arguments"},
		{[]string{"delete", "a", "b", "c"}, "wrong arguments"},
		{[]string{"import"}, "wrong arguments"},
		{[]string{"list", "extra"}, "wrong arguments"},
		{[]string{"put"}, "either a FILE or --item"},
		{[]string{"put", "f.json", "--item", "{}"}, "either a FILE or --item"},
		{[]string{"put", "--item", `{"Primary_Key": "a"}`}, "--item: the item has no Resource_Type"},
		{[]string{"put", "--item", `[{"Primary_Key": "a", "Resource_Type": "b"}, {"Primary_Key": "c", "Resource_Type": "b"}]`}, "given 2; use config import"},
		{[]string{"import", "/no/such/dir"}, "no such file"},
		{[]string{"list", "--nope"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		err := runConfig(ctx, &out, &errOut, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("config %q: %v; want an error with %q", tc.args, err, tc.msg)
		}
	}
	var out bytes.Buffer
	if err := runConfig(ctx, &out, &out, []string{"help"}); err != nil || !strings.Contains(out.String(), "hotline config import PATH") {
		t.Errorf("help: %v\n%s", err, out.String())
	}
}

func TestConfigCommandNeedsAnInstance(t *testing.T) {
	startConfigServer(t)
	var out, errOut bytes.Buffer
	err := runConfig(context.Background(), &out, &errOut, []string{"list", "--instance", "no-such-instance"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "ResourceNotFoundException" {
		t.Errorf("an unknown instance: %v", err)
	}
	t.Setenv("HOTLINE_ENDPOINT", "http://127.0.0.1:1")
	err = runConfig(context.Background(), &out, &errOut, []string{"list"})
	if err == nil || !strings.Contains(err.Error(), "pass --instance") {
		t.Errorf("no server to ask for the default instance: %v", err)
	}
}
