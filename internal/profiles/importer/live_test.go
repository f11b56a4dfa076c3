package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// customerType maps a customer record: the account number is the UNIQUE
// and PROFILE key, so each account is one object on one profile.
const customerType = `{
  "Description": "customers", "AllowProfileCreation": true,
  "Fields": {
    "accountId": {"Source": "_source.accountId", "Target": "_profile.AccountNumber"},
    "firstName": {"Source": "_source.firstName", "Target": "_profile.FirstName"},
    "email":     {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone":     {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "version":   {"Source": "_source.version", "Target": "_profile.Attributes.version"}
  },
  "Keys": {
    "_account": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["accountId"]}],
    "_email":   [{"FieldNames": ["email"]}],
    "_phone":   [{"FieldNames": ["phone"]}]
  }
}`

// sample is an input file and what importing it must give.
type sample struct {
	path       string
	accounts   int
	rows       int // rows, valid or not
	accepted   int64
	rejections []Rejection // Message holds a fragment of the expected message
}

// writeSample writes an NDJSON file of accounts, each put in three versions
// one after the other (so the last must win however the workers race),
// with a bad JSON line, an object without its UNIQUE field and one the
// server refuses (a FirstName longer than the field) after every tenth
// account, and blank lines.
func writeSample(t *testing.T, path string, accounts int) *sample {
	t.Helper()
	s := &sample{path: path, accounts: accounts}
	var b strings.Builder
	line := int64(0)
	add := func(text string) {
		b.WriteString(text + "\n")
		line++
		if strings.TrimSpace(text) != "" {
			s.rows++
		}
	}
	for i := range accounts {
		for v := 1; v <= 3; v++ {
			add(fmt.Sprintf(`{"accountId":"A%05d","firstName":"Name%d-v%d","email":"user%d@example.com","phone":"+1555%07d","version":%d}`,
				i, i, v, i, i, v))
			s.accepted++
		}
		if i%10 == 9 {
			add(fmt.Sprintf(`{"accountId":"A%05d","firstName":`, i))
			s.rejections = append(s.rejections, Rejection{Line: line, Code: CodeInvalidJSON, Message: "not valid JSON"})
			add("")
			add(`{"firstName":"nobody"}`)
			s.rejections = append(s.rejections, Rejection{Line: line, Code: "BadRequestException", Message: "UNIQUE key _account"})
			add(fmt.Sprintf(`{"accountId":"B%05d","firstName":"%s"}`, i, strings.Repeat("x", 300)))
			s.rejections = append(s.rejections, Rejection{Line: line, Code: "BadRequestException", Message: "_profile.FirstName"})
			add("   ")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

func liveServer(t *testing.T, domains ...string) *cp.Client {
	t.Helper()
	ts := testserver.Start(t, server.Config{})
	c := cp.NewFromConfig(ts.AWSConfig())
	ctx := context.Background()
	for _, d := range domains {
		if _, err := c.CreateDomain(ctx, &cp.CreateDomainInput{DomainName: aws.String(d), DefaultExpirationDays: aws.Int32(365)}); err != nil {
			t.Fatal(err)
		}
		in := &cp.PutProfileObjectTypeInput{}
		if err := json.Unmarshal([]byte(customerType), in); err != nil {
			t.Fatal(err)
		}
		in.DomainName, in.ObjectTypeName = aws.String(d), aws.String("Customer")
		if _, err := c.PutProfileObjectType(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// checkSummary compares a finished import with what the sample must give.
func checkSummary(t *testing.T, got *Summary, s *sample) {
	t.Helper()
	if !got.Complete || got.Accepted != s.accepted || got.Rejected != int64(len(s.rejections)) {
		t.Fatalf("summary: complete %v, %d accepted, %d rejected; want complete, %d accepted, %d rejected",
			got.Complete, got.Accepted, got.Rejected, s.accepted, len(s.rejections))
	}
	byCode := map[string]int64{}
	for _, r := range s.rejections {
		byCode[r.Code]++
	}
	if !maps.Equal(got.ByCode, byCode) {
		t.Errorf("rejections by code %v, want %v", got.ByCode, byCode)
	}
	if len(got.Rejections) != len(s.rejections) {
		t.Fatalf("summary lists %d rejections, want %d: %+v", len(got.Rejections), len(s.rejections), got.Rejections)
	}
	for i, r := range got.Rejections {
		w := s.rejections[i]
		if r.Line != w.Line || r.Code != w.Code || !strings.Contains(r.Message, w.Message) {
			t.Errorf("rejection %d: got %+v, want line %d, %s, a message containing %q", i, r, w.Line, w.Code, w.Message)
		}
	}
	if _, err := os.Stat(StatePath(s.path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a complete import left its state file: %v", err)
	}
}

// checkErrorsFile reads an errors file: one line per rejected row, each
// with its reason and the row, in an order of its own.
func checkErrorsFile(t *testing.T, path string, s *sample) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Line          int64
			Code, Message string
			Object        map[string]any
			Text          string
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("errors file line %q: %v", sc.Text(), err)
		}
		if e.Code == "" || e.Message == "" || (e.Object == nil) == (e.Text == "") {
			t.Errorf("errors file entry %s lacks its reason or its row", sc.Text())
		}
		if e.Code == CodeInvalidJSON && !strings.HasPrefix(e.Text, `{"accountId":"A`) {
			t.Errorf("a row refused as invalid JSON should carry its text: %s", sc.Text())
		}
		lines = append(lines, e.Line)
	}
	slices.Sort(lines)
	var want []int64
	for _, r := range s.rejections {
		want = append(want, r.Line)
	}
	if !slices.Equal(lines, want) {
		t.Errorf("errors file holds lines %v, want %v", lines, want)
	}
}

// profileOf returns what a domain holds for an account, without ids.
func profileOf(t *testing.T, c *cp.Client, domain string, account int) string {
	t.Helper()
	out, err := c.SearchProfiles(context.Background(), &cp.SearchProfilesInput{
		DomainName: aws.String(domain), KeyName: aws.String("_account"), Values: []string{fmt.Sprintf("A%05d", account)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Fatalf("domain %s has %d profiles for account %d, want 1", domain, len(out.Items), account)
	}
	p := out.Items[0]
	return fmt.Sprintf("%s %s %s %s %v", aws.ToString(p.AccountNumber), aws.ToString(p.FirstName),
		aws.ToString(p.EmailAddress), aws.ToString(p.PhoneNumber), p.Attributes)
}

func checkDomain(t *testing.T, c *cp.Client, domain string, s *sample) {
	t.Helper()
	for i := range s.accounts {
		want := fmt.Sprintf("A%05d Name%d-v3 user%d@example.com +1555%07d map[version:3]", i, i, i, i)
		if got := profileOf(t, c, domain, i); got != want {
			t.Errorf("account %d: %s, want %s", i, got, want)
		}
	}
	dom, err := c.GetDomain(context.Background(), &cp.GetDomainInput{DomainName: aws.String(domain)})
	if err != nil {
		t.Fatal(err)
	}
	if dom.Stats.ProfileCount != int64(s.accounts) || dom.Stats.ObjectCount != int64(s.accounts) {
		t.Errorf("domain %s: %d profiles, %d objects; want %d of each", domain, dom.Stats.ProfileCount, dom.Stats.ObjectCount, s.accounts)
	}
}

func TestImportAgainstAServer(t *testing.T) {
	c := liveServer(t, "d")
	dir := t.TempDir()
	s := writeSample(t, filepath.Join(dir, "customers.ndjson"), 100)
	errs := filepath.Join(dir, "rejected.ndjson")
	var progress []Progress
	sum, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Customer", Path: s.path, ErrorsPath: errs,
		Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum, s)
	checkErrorsFile(t, errs, s)
	checkDomain(t, c, "d", s)
	if sum.Rows != int64(s.rows) || sum.Resumed {
		t.Errorf("this run handled %d rows (resumed %v), want all %d", sum.Rows, sum.Resumed, s.rows)
	}
	last := progress[len(progress)-1]
	if last.Done != last.Size || last.Accepted != s.accepted {
		t.Errorf("last progress %+v: want every byte done and %d accepted", last, s.accepted)
	}

	t.Run("CSV", func(t *testing.T) {
		path := filepath.Join(dir, "more.csv")
		csv := "\xEF\xBB\xBFaccountId,firstName,email,phone,version\n" +
			"C00001,\"Smith, Ann\",ann@example.com,(555) 010-0001,1\n" +
			"C00002,Bob,,,1\n" +
			"C00003,Eve\n" +
			",Nobody,,,1\n"
		if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Customer", Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Accepted != 2 || sum.Rejected != 2 || sum.Rejections[0].Line != 4 || sum.Rejections[0].Code != CodeInvalidCSV ||
			sum.Rejections[1].Line != 5 || sum.Rejections[1].Code != "BadRequestException" {
			t.Fatalf("CSV import: %+v", sum)
		}
		out, err := c.SearchProfiles(context.Background(), &cp.SearchProfilesInput{
			DomainName: aws.String("d"), KeyName: aws.String("_phone"), Values: []string{"+15550100001"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 1 || aws.ToString(out.Items[0].FirstName) != "Smith, Ann" || aws.ToString(out.Items[0].EmailAddress) != "ann@example.com" {
			t.Fatalf("the CSV customer found by phone: %+v", out.Items)
		}
	})

	t.Run("unknown object type", func(t *testing.T) {
		_, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Nope", Path: s.path, Resume: Restart})
		if err == nil || !strings.Contains(err.Error(), "Nope") {
			t.Fatalf("got %v, want the server's ResourceNotFoundException message", err)
		}
	})
}

// rowStarts lists the start offsets of every row of a file.
func rowStarts(t *testing.T, path string, format Format) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readRows(format, b, Position{})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range rows {
		out = append(out, r.Start)
	}
	return out
}

func TestImportInterruptedThenResumed(t *testing.T) {
	c := liveServer(t, "straight", "resumed")
	dir := t.TempDir()
	straight := writeSample(t, filepath.Join(dir, "straight.ndjson"), 150)
	sumStraight, err := Run(context.Background(), c, Options{Domain: "straight", ObjectType: "Customer", Path: straight.path})
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sumStraight, straight)

	s := writeSample(t, filepath.Join(dir, "resumed.ndjson"), 150)
	errs := filepath.Join(dir, "rejected.ndjson")
	seen := map[int64]int{} // row start → outcomes received, over both runs
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{Domain: "resumed", ObjectType: "Customer", Path: s.path, ErrorsPath: errs, CheckpointRows: 10,
		OnResult: func(r Result) {
			seen[r.Row.Start]++
			if len(seen) == 200 {
				cancel()
			}
		}}
	sum1, err := Run(ctx, c, opts)
	if !errors.Is(err, ErrInterrupted) || sum1.Complete {
		t.Fatalf("the cancelled import returned %v (complete %v)", err, sum1.Complete)
	}
	st, err := loadState(StatePath(s.path))
	if err != nil || st == nil {
		t.Fatalf("no state after the interruption: %v", err)
	}
	if st.Offset <= 0 || st.Offset >= st.Fingerprint.Size || st.Accepted+st.Rejected != int64(len(seen)) {
		t.Fatalf("state %+v after %d outcomes", st, len(seen))
	}
	if st.Position != sum1.Position {
		t.Errorf("state at %+v, summary at %+v", st.Position, sum1.Position)
	}

	if len(st.Done) == 0 {
		t.Fatalf("no row was acknowledged past the checkpoint %+v: the test does not exercise them", st.Position)
	}

	// A second run stopped before it reads a row must keep the rows the
	// first run acknowledged past its checkpoint.
	ctx, cancel = context.WithCancel(context.Background())
	opts.Notice = func(string) { cancel() } // "resuming …", just before the first row
	opts.OnResult = func(r Result) { seen[r.Row.Start]++ }
	sum2, err := Run(ctx, c, opts)
	if !errors.Is(err, ErrInterrupted) || !sum2.Resumed {
		t.Fatalf("the second run returned %v (resumed %v)", err, sum2.Resumed)
	}
	st2, err := loadState(StatePath(s.path))
	if err != nil || st2.Accepted+st2.Rejected != int64(len(seen)) || !slices.Equal(st2.Done, st.Done) {
		t.Fatalf("state %+v after %d outcomes: %v; want the first run's %v", st2, len(seen), err, st.Done)
	}

	var notices []string
	opts.OnResult = func(r Result) { seen[r.Row.Start]++ }
	opts.Notice = func(s string) { notices = append(notices, s) }
	sum3, err := Run(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !sum3.Resumed || sum3.ResumedFrom != st2.Position || len(notices) == 0 || !strings.Contains(notices[0], "resuming") {
		t.Errorf("the third run did not resume from %+v: %+v, notices %q", st2.Position, sum3, notices)
	}
	if sum1.Rows+sum2.Rows+sum3.Rows != int64(s.rows) {
		t.Errorf("the runs handled %d, %d and %d rows of %d", sum1.Rows, sum2.Rows, sum3.Rows, s.rows)
	}
	for _, start := range rowStarts(t, s.path, NDJSON) {
		if seen[start] != 1 {
			t.Errorf("the row at byte %d was ingested %d times", start, seen[start])
		}
	}
	if len(seen) != s.rows {
		t.Errorf("%d rows ingested, the file has %d", len(seen), s.rows)
	}
	checkSummary(t, sum3, s)
	checkErrorsFile(t, errs, s)
	checkDomain(t, c, "resumed", s)
	for i := range s.accounts {
		if a, b := profileOf(t, c, "straight", i), profileOf(t, c, "resumed", i); a != b {
			t.Errorf("account %d: straight import gave %s, interrupted and resumed %s", i, a, b)
		}
	}
}

// A process killed outright keeps only its last checkpoint: the rows
// acknowledged after it are sent again, which the UNIQUE key makes a
// replacement, and the errors file is cut back so each rejection is in it
// once.
func TestImportAfterACrash(t *testing.T) {
	c := liveServer(t, "d")
	dir := t.TempDir()
	s := writeSample(t, filepath.Join(dir, "customers.ndjson"), 120)
	errs := filepath.Join(dir, "rejected.ndjson")
	var snapshot []byte
	n := 0
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{Domain: "d", ObjectType: "Customer", Path: s.path, ErrorsPath: errs, CheckpointRows: 25,
		OnResult: func(Result) {
			n++
			switch n {
			case 150: // the checkpoint on disk now is what a crash would leave
				snapshot, _ = os.ReadFile(StatePath(s.path))
			case 250:
				cancel()
			}
		}}
	if _, err := Run(ctx, c, opts); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want an interruption", err)
	}
	if err := os.WriteFile(StatePath(s.path), snapshot, 0o644); err != nil {
		t.Fatal(err)
	}
	crashed, err := loadState(StatePath(s.path))
	if err != nil || crashed.Accepted+crashed.Rejected >= 150 || crashed.Offset == 0 {
		t.Fatalf("snapshot %+v: %v", crashed, err)
	}
	opts.OnResult = nil
	sum, err := Run(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.Rows <= int64(s.rows)-250 {
		t.Errorf("resumed %v with %d rows: the rows after the checkpoint must be sent again", sum.Resumed, sum.Rows)
	}
	checkSummary(t, sum, s)
	checkErrorsFile(t, errs, s)
	checkDomain(t, c, "d", s)
}

func TestChangedFileIsNotResumed(t *testing.T) {
	c := liveServer(t, "d", "other")
	dir := t.TempDir()
	s := writeSample(t, filepath.Join(dir, "customers.ndjson"), 60)
	interrupt := func() {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		_, err := Run(ctx, c, Options{Domain: "d", ObjectType: "Customer", Path: s.path, Resume: Restart, CheckpointRows: 5,
			OnResult: func(Result) {
				if n++; n == 50 {
					cancel()
				}
			}})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("got %v, want an interruption", err)
		}
	}

	t.Run("another domain", func(t *testing.T) {
		interrupt()
		_, err := Run(context.Background(), c, Options{Domain: "other", ObjectType: "Customer", Path: s.path})
		if err == nil || !strings.Contains(err.Error(), "unfinished import of this file into domain d") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("one byte changed", func(t *testing.T) {
		interrupt()
		b, _ := os.ReadFile(s.path)
		changed := strings.Replace(string(b), "Name59-v3", "Name59-v4", 1) // the same size
		if changed == string(b) {
			t.Fatal("the sample has no Name59-v3")
		}
		if err := os.WriteFile(s.path, []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Customer", Path: s.path, Resume: ResumeRequired}); err == nil ||
			!strings.Contains(err.Error(), "has changed") {
			t.Fatalf("--resume of a changed file: got %v", err)
		}
		var notices []string
		sum, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Customer", Path: s.path,
			Notice: func(s string) { notices = append(notices, s) }})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Resumed || sum.Rows != int64(s.rows) || len(notices) != 1 || !strings.Contains(notices[0], "from the beginning") {
			t.Fatalf("a changed file was resumed: %+v, notices %q", sum, notices)
		}
	})

	t.Run("nothing to resume", func(t *testing.T) {
		_, err := Run(context.Background(), c, Options{Domain: "d", ObjectType: "Customer", Path: s.path, Resume: ResumeRequired})
		if err == nil || !strings.Contains(err.Error(), "nothing to resume") {
			t.Fatalf("got %v", err)
		}
	})
}
