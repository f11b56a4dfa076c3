package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/testserver"
)

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	ts := testserver.Start(t, server.Config{})
	if body := get(t, ts.URL+"/_hotline/health"); !strings.Contains(body, `"ok"`) {
		t.Fatalf("health: %s", body)
	}
	c := ts.Connect()
	if _, err := c.DescribeInstance(context.Background(), &connect.DescribeInstanceInput{InstanceId: aws.String(ts.DefaultInstanceID)}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.DescribeInstance(context.Background(), &connect.DescribeInstanceInput{InstanceId: aws.String("missing")})
	// A request that fails its signature is counted too.
	bad, _ := http.Get(ts.URL + "/contact-flows/x/y")
	bad.Body.Close()
	metrics := get(t, ts.URL+"/metrics")
	for _, want := range []string{
		`hotline_requests_total{operation="DescribeInstance",service="connect",status="200"} 1`,
		`hotline_requests_total{operation="DescribeInstance",service="connect",status="404"} 1`,
		`hotline_request_duration_seconds_bucket{operation="DescribeInstance",service="connect"`,
		`hotline_requests_total{operation="-",service="-",status="403"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
