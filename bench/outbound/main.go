// Command outbound measures StartOutboundVoiceContact over loopback HTTP
// through the whole edge (SigV4 check, routing, decode, model validation,
// the handler's reads, the durable create with its token and quota
// bookkeeping) and on until each contact has been answered and a short
// flow has run (the dialer's timer, the voice simulator, the durable end),
// with the throttle set to unlimited, for 1 and 16 concurrent clients. The
// same run measures DescribeContactFlow round trips, and the command prints
// contacts completed per second, the API's p50 and p99 latencies, and the
// ratio of the API's p99 to DescribeContactFlow's (medians of rounds).
//
//	go run ./bench/outbound [-duration 2s] [-rounds 3]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/bench/internal/benchkit"
	"github.com/hotline-dev/hotline/internal/channel/voice"
	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// flowContent is the short flow each answered call runs: it writes an
// attribute and hangs up, taking no time on the call's clock, so the
// contact ends as soon as the flow has run.
const flowContent = `{"Version":"2019-10-30","StartAction":"mark","Actions":[
 {"Identifier":"mark","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"reached":"yes"}},
  "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
 {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

const (
	source      = "+12025550100"
	destination = "+15550000008"
)

func main() {
	duration := flag.Duration("duration", 2*time.Second, "length of one measurement")
	rounds := flag.Int("rounds", 3, "rounds per configuration; medians are reported")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	defer benchkit.StartCPUProfile(*cpuProfile)()

	srv := benchkit.Serve(context.Background(), server.Config{
		Throttle: map[string]throttle.Limit{}, // unlimited
		Outbound: outbound.Settings{
			MaxActiveCalls: math.MaxInt32,
			// The customer picks up after 1 ms.
			NumberPlan: outbound.Plan{Rules: []outbound.Rule{{Prefix: destination, Result: outbound.Answer, Ring: voice.Duration(time.Millisecond)}}},
		},
	})
	defer srv.Close()
	base := srv.Endpoint
	inst := srv.DefaultInstanceID

	c := connect.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()
	created, err := c.CreateContactFlow(ctx, &connect.CreateContactFlowInput{
		InstanceId: aws.String(inst), Name: aws.String("bench"),
		Type: types.ContactFlowTypeContactFlow, Content: aws.String(flowContent),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{InstanceId: aws.String(inst), PhoneNumber: aws.String(source)}); err != nil {
		log.Fatal(err)
	}
	flowID := aws.ToString(created.ContactFlowId)
	describe := fmt.Sprintf("%s/contact-flows/%s/%s", base, inst, flowID)
	start := func(n int64) (string, []byte) {
		body, _ := json.Marshal(map[string]any{
			"InstanceId": inst, "ContactFlowId": flowID, "DestinationPhoneNumber": destination,
			"SourcePhoneNumber": source, "ClientToken": "bench-" + strconv.FormatInt(n, 10),
			"Attributes": map[string]string{"name": "Ada"},
		})
		return base + "/contact/outbound-voice", body
	}

	fmt.Printf("StartOutboundVoiceContact until answered and the flow has run, vs DescribeContactFlow; loopback HTTP, throttle unlimited, %s x %d rounds (medians)\n", *duration, *rounds)
	fmt.Printf("%-8s %-26s %12s %10s %10s\n", "clients", "operation", "req/s", "p50", "p99")
	for _, clients := range []int{1, 16} {
		var d, s result
		d = median(*rounds, func() result {
			return load(http.MethodGet, func(int64) (string, []byte) { return describe, nil }, clients, *duration, nil)
		})
		s = median(*rounds, func() result {
			var ids sync.Map
			began := time.Now()
			r := load(http.MethodPut, start, clients, *duration, &ids)
			r.done = completed(srv.Server, inst, &ids, began)
			return r
		})
		fmt.Printf("%-8d %-26s %12.0f %10s %10s\n", clients, "DescribeContactFlow", d.rps, d.p50, d.p99)
		fmt.Printf("%-8d %-26s %12.0f %10s %10s\n", clients, "StartOutboundVoiceContact", s.rps, s.p50, s.p99)
		fmt.Printf("%-8d contacts completed (answered, flow run, ended) per second: %.0f\n", clients, s.done)
		fmt.Printf("%-8d ratio StartOutboundVoiceContact / DescribeContactFlow: p99 %.1f (p50 %.1f)\n", clients,
			float64(s.p99)/float64(d.p99), float64(s.p50)/float64(d.p50))
	}
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	done     float64 // contacts completed per second
}

// median is the run of median rps among n.
func median(n int, f func() result) result {
	return benchkit.Median(n, f, func(r result) float64 { return r.rps })
}

var seq atomic.Int64

// load sends signed requests from clients goroutines for d. ids, when not
// nil, collects the ContactId of each answer.
func load(method string, req func(n int64) (string, []byte), clients int, d time.Duration, ids *sync.Map) result {
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(deadline) {
				url, body := req(seq.Add(1))
				sum := sha256.Sum256(body)
				began := time.Now()
				r, _ := http.NewRequest(method, url, bytes.NewReader(body))
				if body != nil {
					r.Header.Set("Content-Type", "application/json")
				}
				if err := signer.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "connect", "us-east-1", began); err != nil {
					log.Fatal(err)
				}
				resp, err := hc.Do(r)
				if err != nil {
					log.Fatal(err)
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					log.Fatalf("%s %s: HTTP %d %s", method, url, resp.StatusCode, bytes.TrimSpace(out))
				}
				local = append(local, time.Since(began))
				if ids != nil {
					var v struct{ ContactId string }
					if err := json.Unmarshal(out, &v); err != nil || v.ContactId == "" {
						log.Fatalf("no ContactId in %s", out)
					}
					ids.Store(v.ContactId, true)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(latencies)
	n := len(latencies)
	return result{
		rps: float64(n) / d.Seconds(),
		p50: latencies[n/2].Round(time.Microsecond),
		p99: latencies[n*99/100].Round(time.Microsecond),
	}
}

// completed waits until every contact has ended and returns how many ended
// per second from began to the last end (the record's last write, on the
// server's real clock).
func completed(srv *server.Server, inst string, ids *sync.Map, began time.Time) float64 {
	n := 0
	var last time.Time
	ids.Range(func(k, _ any) bool {
		for {
			r, err := srv.Contacts.Get(context.Background(), inst, k.(string))
			if err != nil {
				log.Fatal(err)
			}
			if r.Ended() {
				if r.Attributes["reached"] != "yes" {
					log.Fatalf("contact %s ended without running the flow (%s)", r.ContactID, r.DisconnectReason)
				}
				if r.LastUpdateTimestamp.After(last) {
					last = r.LastUpdateTimestamp
				}
				n++
				return true
			}
			time.Sleep(time.Millisecond)
		}
	})
	return float64(n) / last.Sub(began).Seconds()
}
