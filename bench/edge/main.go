// Command edge measures DescribeContactFlow round trips over loopback HTTP
// through the whole edge (SigV4 check, routing, decode, validation, store
// read, encode) with 1 and 16 concurrent clients, against an empty handler
// on the same server in the same run, and prints rates, the ratio, and p50
// and p99 latencies (medians of several rounds).
//
//	go run ./bench/edge [-duration 2s] [-rounds 3]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/bench/internal/benchkit"
	"github.com/hotline-dev/hotline/internal/server"
)

const flowContent = `{"Version":"2019-10-30","StartAction":"bye","Actions":[{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

func main() {
	duration := flag.Duration("duration", 2*time.Second, "length of one measurement")
	rounds := flag.Int("rounds", 3, "rounds per configuration; medians are reported")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	defer benchkit.StartCPUProfile(*cpuProfile)()

	srv := benchkit.Serve(context.Background(), server.Config{})
	defer srv.Close()
	base := srv.Endpoint

	c := connect.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(base),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	created, err := c.CreateContactFlow(context.Background(), &connect.CreateContactFlowInput{
		InstanceId: aws.String(srv.DefaultInstanceID), Name: aws.String("bench"),
		Type: types.ContactFlowTypeContactFlow, Content: aws.String(flowContent),
	})
	if err != nil {
		log.Fatal(err)
	}
	describeURL := fmt.Sprintf("%s/contact-flows/%s/%s", base, srv.DefaultInstanceID, aws.ToString(created.ContactFlowId))
	emptyURL := base + "/_hotline/empty"

	fmt.Printf("DescribeContactFlow vs empty handler, loopback HTTP, %s x %d rounds (medians)\n", *duration, *rounds)
	fmt.Printf("%-8s %-20s %12s %10s %10s\n", "clients", "endpoint", "req/s", "p50", "p99")
	for _, clients := range []int{1, 16} {
		var empty, describe result
		for _, r := range []struct {
			name string
			url  string
			out  *result
		}{{"empty handler", emptyURL, &empty}, {"DescribeContactFlow", describeURL, &describe}} {
			*r.out = median(*rounds, func() result { return load(r.url, clients, *duration) })
			fmt.Printf("%-8d %-20s %12.0f %10s %10s\n", clients, r.name, r.out.rps, r.out.p50, r.out.p99)
		}
		fmt.Printf("%-8d ratio DescribeContactFlow / empty handler = %.2f\n", clients, describe.rps/empty.rps)
	}
}

type result struct {
	rps      float64
	p50, p99 time.Duration
}

// median is the run of median rps among n.
func median(n int, f func() result) result {
	return benchkit.Median(n, f, func(r result) float64 { return r.rps })
}

// load sends signed GETs to url from clients goroutines for d. Both
// endpoints get identically signed requests so the client-side cost is the
// same and the ratio shows the server's.
func load(url string, clients int, d time.Duration) result {
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	emptyHash := sha256.Sum256(nil)
	payloadHash := hex.EncodeToString(emptyHash[:])

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
				start := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, "connect", "us-east-1", start); err != nil {
					log.Fatal(err)
				}
				resp, err := hc.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					log.Fatalf("%s: HTTP %d %s", url, resp.StatusCode, bytes.TrimSpace(body))
				}
				local = append(local, time.Since(start))
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
