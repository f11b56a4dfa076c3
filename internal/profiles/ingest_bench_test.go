package profiles

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hotline-dev/hotline/internal/profiles/api"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

// timedStore measures the time spent inside Update functions (the serial
// section of the store's single writer, whatever the commit costs), and
// how much of it the store's own calls took: the rest is what profiles
// itself spends there, whichever backend the store has.
type timedStore struct {
	store.Store
	ns, storeNs, n atomic.Int64
}

// Update measures fn by its thread's CPU time, which other processes on
// a busy machine do not inflate as they do wall time.
func (t *timedStore) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	return t.Store.Update(ctx, func(tx store.RwTx) error {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tt := &timedTx{RwTx: tx}
		t0 := threadCPU()
		err := fn(tt)
		t.ns.Add(threadCPU() - t0)
		t.storeNs.Add(tt.ns)
		t.n.Add(1)
		return err
	})
}

// timedTx adds up the CPU time of the store's calls (a scan's steps, not
// the loop bodies it runs).
type timedTx struct {
	store.RwTx
	ns int64
}

func (t *timedTx) timed(t0 int64) { t.ns += threadCPU() - t0 }

func (t *timedTx) Get(key []byte) ([]byte, error) {
	defer t.timed(threadCPU())
	return t.RwTx.Get(key)
}

func (t *timedTx) Put(key, value []byte) error {
	defer t.timed(threadCPU())
	return t.RwTx.Put(key, value)
}

func (t *timedTx) Delete(key []byte) error {
	defer t.timed(threadCPU())
	return t.RwTx.Delete(key)
}

func (t *timedTx) Scan(start, end []byte) iter.Seq2[[]byte, []byte] {
	return t.steps(t.RwTx.Scan(start, end))
}

func (t *timedTx) ScanReverse(start, end []byte) iter.Seq2[[]byte, []byte] {
	return t.steps(t.RwTx.ScanReverse(start, end))
}

func (t *timedTx) steps(seq iter.Seq2[[]byte, []byte]) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		t0 := threadCPU()
		for k, v := range seq {
			t.timed(t0)
			if !yield(k, v) {
				t0 = threadCPU()
				break
			}
			t0 = threadCPU()
		}
		t.timed(t0)
	}
}

// threadCPU is the CPU time of the calling thread, in nanoseconds.
func threadCPU() int64 {
	const clockThreadCPUTimeID = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// benchType is bench/profiles' customer type.
const benchType = `{
  "Description": "bench customers", "AllowProfileCreation": true,
  "Fields": {
    "accountId": {"Source": "_source.accountId", "Target": "_profile.AccountNumber"},
    "firstName": {"Source": "_source.firstName", "Target": "_profile.FirstName"},
    "lastName":  {"Source": "_source.lastName", "Target": "_profile.LastName"},
    "email":     {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone":     {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "tier":      {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}
  },
  "Keys": {"_account": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["accountId"]}]}
}`

func benchCustomer(i int) string {
	return fmt.Sprintf(`{"accountId":"%010d","firstName":"First%d","lastName":"Last%d","email":"user%d@example.com","phone":"+1 (%03d) %03d-%04d","tier":"%s"}`,
		i, i, i, i, 200+i/10_000_000, i/10_000%1000, i%10_000, []string{"gold", "silver", "bronze"}[i%3])
}

// benchService is a service on a bolt store in memory-backed storage when
// there is some (/dev/shm), so fsync costs little and the figures are the
// CPU of the calls.
func benchService(b *testing.B) (*Service, *timedStore) {
	dir := b.TempDir()
	db := openBenchBolt(b, dir)
	ts := &timedStore{Store: db}
	return benchServiceOn(b, ts), ts
}

func openBenchBolt(b *testing.B, dir string) store.Store {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err = os.MkdirTemp("/dev/shm", "hotline-profiles-bench-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = os.RemoveAll(dir) })
	}
	db, err := bolt.Open(filepath.Join(dir, "hotline.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

// newMemStore is a memStore closed when b ends.
func newMemStore(b *testing.B) *memStore {
	db := &memStore{}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

// benchServiceOn is a service on db with bench/profiles' domain and type.
func benchServiceOn(b *testing.B, db store.Store) *Service {
	s := New(Config{}, db, nil, nil)
	benchDomain(b, s, "bench", 365)
	return s
}

// benchDomain creates domain dom, whose profiles expire after days, with
// bench/profiles' Customer type.
func benchDomain(tb testing.TB, s *Service, dom string, days int32) {
	tb.Helper()
	if _, err := s.createDomain(context.Background(), &api.CreateDomainRequest{DomainName: dom, DefaultExpirationDays: days}); err != nil {
		tb.Fatal(err)
	}
	putBenchType(tb, s, dom, 0)
}

// putBenchType puts bench/profiles' Customer type into domain dom, its
// objects expiring after typeDays (the domain's default when 0).
func putBenchType(tb testing.TB, s *Service, dom string, typeDays int32) {
	tb.Helper()
	in := &api.PutProfileObjectTypeRequest{}
	if err := json.Unmarshal([]byte(benchType), in); err != nil {
		tb.Fatal(err)
	}
	in.DomainName, in.ObjectTypeName = dom, "Customer"
	if typeDays > 0 {
		in.ExpirationDays = &typeDays
	}
	if _, err := s.putObjectType(context.Background(), in); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkPutObject measures PutProfileObject in process (no HTTP) with
// concurrent callers. serial-ns/op is the CPU time inside the store's
// Update function per object, store-ns/op the part of it in the store's
// calls, own-ns/op the rest: what profiles spends in the single writer.
// Each clock reading is a system call of a few hundred nanoseconds, which
// inflates store-ns/op (and so serial-ns/op) by about a microsecond per
// store call; own-ns/op is what to compare.
func BenchmarkPutObject(b *testing.B) {
	put := func(s *Service, i int) {
		_, err := s.putObject(context.Background(), &api.PutProfileObjectRequest{
			DomainName: "bench", ObjectTypeName: "Customer", Object: benchCustomer(i),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	report := func(b *testing.B, ts *timedStore, n0, ns0, st0 int64) {
		if n := ts.n.Load() - n0; n > 0 {
			serial, st := ts.ns.Load()-ns0, ts.storeNs.Load()-st0
			b.ReportMetric(float64(serial)/float64(n), "serial-ns/op")
			b.ReportMetric(float64(st)/float64(n), "store-ns/op")
			b.ReportMetric(float64(serial-st)/float64(n), "own-ns/op")
		}
	}
	b.Run("new", func(b *testing.B) {
		s, ts := benchService(b)
		var seq atomic.Int64
		n0, ns0, st0 := ts.n.Load(), ts.ns.Load(), ts.storeNs.Load()
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				put(s, int(seq.Add(1)))
			}
		})
		report(b, ts, n0, ns0, st0)
	})
	b.Run("existing", func(b *testing.B) {
		s, ts := benchService(b)
		const customers = 20_000
		for i := range customers {
			put(s, i)
		}
		n0, ns0, st0 := ts.n.Load(), ts.ns.Load(), ts.storeNs.Load()
		b.ResetTimer()
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				put(s, rand.IntN(customers))
			}
		})
		report(b, ts, n0, ns0, st0)
	})
}

// BenchmarkPutObjectMem is PutProfileObject in process on a store in
// memory (memStore) whose calls cost little and that reads no clocks, one
// caller at a time: ns/op, B/op and allocs/op are then mostly profiles'
// own, the work before the transaction and the transaction's function,
// which the store's concurrent transactions run in the caller's goroutine.
// "new" creates a customer per object, "existing" re-puts one of 20,000
// (same UNIQUE key, same content).
func BenchmarkPutObjectMem(b *testing.B) {
	put := func(s *Service, text string) {
		_, err := s.putObject(context.Background(), &api.PutProfileObjectRequest{
			DomainName: "bench", ObjectTypeName: "Customer", Object: text,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("new", func(b *testing.B) {
		s := benchServiceOn(b, newMemStore(b))
		texts := make([]string, b.N)
		for i := range texts {
			texts[i] = benchCustomer(i)
		}
		b.ResetTimer()
		for i := range b.N {
			put(s, texts[i])
		}
	})
	b.Run("existing", func(b *testing.B) {
		s := benchServiceOn(b, newMemStore(b))
		const customers = 20_000
		texts := make([]string, customers)
		for i := range texts {
			texts[i] = benchCustomer(i)
			put(s, texts[i])
		}
		b.ResetTimer()
		for i := range b.N {
			put(s, texts[i*7919%customers])
		}
	})
}

// BenchmarkSearchProfiles is SearchProfiles by _phone in process, on the
// bolt store with 20,000 profiles, one caller at a time: the search and
// the rendering of its answer as the edge renders it (AppendJSON when
// the answer has it, else encoding/json). bench/profiles measures it over
// HTTP with a million profiles.
func BenchmarkSearchProfiles(b *testing.B) {
	s, _ := benchService(b)
	const customers = 20_000
	for i := range customers {
		if _, err := s.putObject(context.Background(), &api.PutProfileObjectRequest{
			DomainName: "bench", ObjectTypeName: "Customer", Object: benchCustomer(i),
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.ReportAllocs()
	for i := range b.N {
		c := i % customers
		phone := fmt.Sprintf("+1%03d%03d%04d", 200+c/10_000_000, c/10_000%1000, c%10_000)
		out, err := s.searchProfiles(context.Background(), &api.SearchProfilesRequest{DomainName: "bench", KeyName: "_phone", Values: []string{phone}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Items) != 1 {
			b.Fatalf("search for %s found %d profiles", phone, len(out.Items))
		}
		var body []byte
		if a, ok := any(out).(interface{ AppendJSON([]byte) ([]byte, error) }); ok {
			body, err = a.AppendJSON(nil)
		} else {
			body, err = json.Marshal(out)
		}
		if err != nil || len(body) == 0 {
			b.Fatal(err)
		}
	}
}
