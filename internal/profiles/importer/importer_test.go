package importer

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cp "github.com/aws/aws-sdk-go-v2/service/customerprofiles"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func apiError(status int, code string) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: code + " happened"},
	}}
}

func TestRejectionOnlyForTheRowsFault(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string // the rejection's code; "" stops the import
	}{
		{apiError(400, "BadRequestException"), "BadRequestException"},
		{apiError(413, "RequestEntityTooLargeException"), "RequestEntityTooLargeException"},
		{apiError(404, "ResourceNotFoundException"), ""},
		{apiError(403, "AccessDeniedException"), ""},
		{apiError(429, "ThrottlingException"), ""},
		{apiError(500, "InternalServerException"), ""},
		{context.Canceled, ""},
		{errors.New("connection refused"), ""},
	} {
		rej := rejection(tc.err)
		switch {
		case tc.want == "" && rej != nil:
			t.Errorf("%v: rejected the row as %s; the import should stop", tc.err, rej.Code)
		case tc.want != "" && (rej == nil || rej.Code != tc.want || rej.Message != tc.want+" happened"):
			t.Errorf("%v: got %+v, want a %s rejection", tc.err, rej, tc.want)
		}
	}
}

// fakeAPI acknowledges puts after an optional hook, and fails every put
// once failing is set.
type fakeAPI struct {
	failing  atomic.Bool
	hook     func(object string)
	mu       sync.Mutex
	inflight int
	maxIn    int
}

func (f *fakeAPI) GetProfileObjectType(context.Context, *cp.GetProfileObjectTypeInput, ...func(*cp.Options)) (*cp.GetProfileObjectTypeOutput, error) {
	out := &cp.GetProfileObjectTypeOutput{}
	return out, json.Unmarshal([]byte(customerType), out)
}

func (f *fakeAPI) GetProfileObjectTypeTemplate(context.Context, *cp.GetProfileObjectTypeTemplateInput, ...func(*cp.Options)) (*cp.GetProfileObjectTypeTemplateOutput, error) {
	return nil, apiError(404, "ResourceNotFoundException")
}

func (f *fakeAPI) PutProfileObject(_ context.Context, in *cp.PutProfileObjectInput, _ ...func(*cp.Options)) (*cp.PutProfileObjectOutput, error) {
	f.mu.Lock()
	f.inflight++
	f.maxIn = max(f.maxIn, f.inflight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	if f.hook != nil {
		f.hook(*in.Object)
	}
	if f.failing.Load() {
		return nil, apiError(503, "ServiceUnavailable")
	}
	return &cp.PutProfileObjectOutput{ProfileObjectUniqueKey: aws.String("k")}, nil
}

// A server failure stops the import at a clean position; the next run
// sends exactly the rows that had no outcome.
func TestServerFailureStopsAndResumes(t *testing.T) {
	s := writeSample(t, filepath.Join(t.TempDir(), "customers.ndjson"), 100)
	api := &fakeAPI{}
	seen := map[int64]int{}
	opts := Options{Domain: "d", ObjectType: "Customer", Path: s.path, CheckpointRows: 7,
		OnResult: func(r Result) {
			if seen[r.Row.Start]++; len(seen) == 120 {
				api.failing.Store(true)
			}
		}}
	sum, err := Run(context.Background(), api, opts)
	if err == nil || !strings.Contains(err.Error(), "ServiceUnavailable") || sum.Complete {
		t.Fatalf("got %v (complete %v), want the server's failure", err, sum.Complete)
	}
	st, err := loadState(StatePath(s.path))
	if err != nil || st == nil || st.Accepted+st.Rejected != int64(len(seen)) {
		t.Fatalf("state %+v after %d outcomes: %v", st, len(seen), err)
	}

	api.failing.Store(false)
	sum, err = Run(context.Background(), api, opts)
	if err != nil {
		t.Fatal(err)
	}
	invalid := int64(0) // the fake accepts what the server would refuse
	for _, r := range s.rejections {
		if r.Code == CodeInvalidJSON {
			invalid++
		}
	}
	if !sum.Complete || sum.Rejected != invalid || sum.Accepted+sum.Rejected != int64(s.rows) {
		t.Errorf("summary %+v: want all %d rows, %d rejected", sum, s.rows, invalid)
	}
	for _, start := range rowStarts(t, s.path, NDJSON) {
		if seen[start] != 1 {
			t.Errorf("the row at byte %d has %d outcomes", start, seen[start])
		}
	}
}

// Rows sharing a key value reach the server in file order, while the
// others run concurrently.
func TestRowsOfOneKeyKeepTheirOrder(t *testing.T) {
	s := writeSample(t, filepath.Join(t.TempDir(), "customers.ndjson"), 200)
	var mu sync.Mutex
	last := map[string]float64{} // account → version last put
	var outOfOrder []string
	api := &fakeAPI{hook: func(object string) {
		var o struct {
			AccountID string
			Version   float64
		}
		_ = json.Unmarshal([]byte(object), &o)
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) // let the workers overtake each other
		mu.Lock()
		defer mu.Unlock()
		if o.Version != last[o.AccountID]+1 && strings.HasPrefix(o.AccountID, "A") {
			outOfOrder = append(outOfOrder, object)
		}
		last[o.AccountID] = o.Version
	}}
	sum, err := Run(context.Background(), api, Options{Domain: "d", ObjectType: "Customer", Path: s.path, window: 64})
	if err != nil || !sum.Complete {
		t.Fatalf("%v %+v", err, sum)
	}
	if len(outOfOrder) > 0 {
		t.Errorf("%d puts overtook an earlier version, e.g. %s", len(outOfOrder), outOfOrder[0])
	}
	if api.maxIn < 2 {
		t.Errorf("at most %d puts were in flight: the workers did not run concurrently", api.maxIn)
	}
}

func TestFold(t *testing.T) {
	// Values the server normalises alike must fold alike.
	for _, same := range [][]any{
		{"+1 (555) 010-0001", "555-010-0001", "0015550100001", json.Number("15550100001")},
		{"Ann@Example.COM", " ann@example.com "},
		{"Mary  Ann", "mary ann"},
		{json.Number("7.50"), "007.5", "7.5"},
	} {
		for _, v := range same[1:] {
			if fold(v) != fold(same[0]) {
				t.Errorf("fold(%q) = %q, fold(%q) = %q", v, fold(v), same[0], fold(same[0]))
			}
		}
	}
	if fold("A00001") == fold("A00002") {
		t.Error("distinct accounts fold alike")
	}
}

func TestOrderPlanReadsKeysWithIdentifiersOnly(t *testing.T) {
	out := &cp.GetProfileObjectTypeOutput{}
	if err := json.Unmarshal([]byte(`{
	  "Fields": {
	    "id":   {"Source": "_source.ids[1].value"},
	    "name": {"Source": "{{_source.first}} {{_source.last}}"},
	    "mail": {"Source": "_source.mail"}
	  },
	  "Keys": {
	    "_x":     [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}],
	    "_name":  [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["name"]}],
	    "_email": [{"FieldNames": ["mail"]}]
	  }}`), out); err != nil {
		t.Fatal(err)
	}
	plan := newOrderPlan(out.Fields, out.Keys)
	doc := func(s string) map[string]any {
		d, err := decodeObject([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := plan.tokens(doc(`{"ids":[{"value":"x"},{"value":"K1"}],"first":"Ann","last":"Lee","mail":"a@b.c"}`))
	if len(a) != 3 {
		t.Fatalf("tokens %v: want the id and both name parts", a)
	}
	b := plan.tokens(doc(`{"ids":[{},{"value":"k1"}],"mail":"a@b.c"}`))
	c := plan.tokens(doc(`{"first":"zed","mail":"a@b.c"}`))
	if len(b) != 1 || !slices.Contains(a, b[0]) || len(c) != 1 || slices.Contains(a, c[0]) {
		t.Errorf("a %v, b %v, c %v: b shares the id with a, c shares nothing (the e-mail key has no identifiers)", a, b, c)
	}
}
