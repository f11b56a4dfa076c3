package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles/types"

	"github.com/hotline-dev/hotline/internal/profiles/importer"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func TestProfilesImport(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	ts := testserver.Start(t, server.Config{})
	c := cp.NewFromConfig(ts.AWSConfig())
	ctx := context.Background()
	if _, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String("d"), DefaultExpirationDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProfileObjectType(ctx, &cp.PutProfileObjectTypeInput{
		DomainName: aws.String("d"), ObjectTypeName: aws.String("Customer"), Description: aws.String("customers"),
		AllowProfileCreation: true,
		Fields: map[string]types.ObjectTypeField{
			"id":    {Source: aws.String("_source.id"), Target: aws.String("_profile.AccountNumber")},
			"phone": {Source: aws.String("_source.phone"), Target: aws.String("_profile.PhoneNumber")},
		},
		Keys: map[string][]types.ObjectTypeKey{
			"_account": {{FieldNames: []string{"id"}, StandardIdentifiers: []types.StandardIdentifier{"PROFILE", "UNIQUE"}}},
		},
	}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "customers.ndjson")
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, `{"id":"%d","phone":"+4420794601%02d"}`+"\n", i, i)
		if i == 3 {
			b.WriteString("{oops\n") // line 5
		}
	}
	b.WriteString(`{"phone":"+442079460199"}` + "\n") // line 32: no id
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := filepath.Join(dir, "rejected.ndjson")
	var out, errOut bytes.Buffer
	err := runProfiles(ctx, &out, &errOut, []string{"import", file, "--domain", "d", "--type", "Customer",
		"--errors", errs, "--endpoint", ts.URL}, false)
	if err == nil || err.Error() != "2 of 32 rows rejected" {
		t.Fatalf("got %v, want 2 rejections\n%s%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{
		"into domain d, object type Customer: complete",
		"30 rows accepted", "2 rows rejected",
		"line 5: InvalidJSON: not valid JSON",
		"line 32: BadRequestException: Object is missing the field id",
		"rejected rows are in " + errs,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\r") {
		t.Errorf("a progress bar was drawn on a non-terminal:\n%q", out.String())
	}
	rejected, _ := os.ReadFile(errs)
	if n := strings.Count(string(rejected), "\n"); n != 2 {
		t.Errorf("the errors file has %d lines:\n%s", n, rejected)
	}
	found, err := c.SearchProfiles(ctx, &cp.SearchProfilesInput{DomainName: aws.String("d"), KeyName: aws.String("_phone"),
		Values: []string{"+44 20 7946 0129"}})
	if err != nil || len(found.Items) != 1 || aws.ToString(found.Items[0].AccountNumber) != "29" {
		t.Fatalf("searching the last customer by phone: %v %+v", err, found)
	}

	t.Run("arguments", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"import", file}, "needs --domain and --type"},
			{[]string{"import", "--domain", "d", "--type", "T"}, "takes one FILE"},
			{[]string{"import", file, "--domain", "d", "--type", "T", "--resume", "--restart"}, "contradict"},
			{[]string{"import", file, "--domain", "d", "--type", "T", "--format", "xml"}, "unknown format"},
			{[]string{"export"}, "unknown subcommand"},
			{[]string{"import", file, "--domain", "d", "--type", "T", "--resume", "--endpoint", ts.URL}, "nothing to resume"},
		} {
			err := runProfiles(ctx, &out, &errOut, tc.args, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: got %v, want %q", tc.args, err, tc.want)
			}
		}
	})
}

func TestProgressView(t *testing.T) {
	var out bytes.Buffer
	v := &progressView{out: &out, tty: true}
	v.update(importer.Progress{Size: 2 << 20, Done: 1 << 20, Accepted: 1234, Rows: 1234, Elapsed: 2 * time.Second})
	line := out.String()
	for _, want := range []string{"\r[===============>", " 50% 1.0 MB/2.0 MB", "1,234 accepted", "617 rows/s", "ETA 2s", "\x1b[K"} {
		if !strings.Contains(line, want) {
			t.Errorf("bar %q lacks %q", line, want)
		}
	}
	v.clear()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("clear wrote %q", out.String())
	}

	out.Reset()
	v = &progressView{out: &out, every: 50 * time.Millisecond}
	v.update(importer.Progress{Size: 100, Done: 10, Accepted: 1})
	time.Sleep(60 * time.Millisecond)
	v.update(importer.Progress{Size: 100, Done: 50, Accepted: 5})
	v.update(importer.Progress{Size: 100, Done: 60, Accepted: 6})
	if got := out.String(); got != "progress:  50% (50 B of 100 B), 5 accepted, 0 rejected, 0 rows/s\n" {
		t.Errorf("plain progress %q: want one line per interval, the first after one interval", got)
	}
	if count(1234567) != "1,234,567" || count(-1000) != "-1,000" || count(999) != "999" {
		t.Error("count does not group thousands")
	}
}
