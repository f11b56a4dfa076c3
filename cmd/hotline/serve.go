package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hotline-dev/hotline/internal/outbound"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/throttle"
)

// Defaults of `hotline serve`; each has an environment variable.
const (
	defaultListen = "127.0.0.1:8425"
	defaultData   = "./hotline-data"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", envOr("HOTLINE_LISTEN", defaultListen), "address to listen on (env HOTLINE_LISTEN)")
	data := fs.String("data", envOr("HOTLINE_DATA", defaultData), "data directory (env HOTLINE_DATA)")
	region := fs.String("region", envOr("HOTLINE_REGION", server.DefaultRegion), "AWS Region in the ARNs Hotline issues (env HOTLINE_REGION)")
	account := fs.String("account", envOr("HOTLINE_ACCOUNT_ID", server.DefaultAccountID), "AWS account id in the ARNs Hotline issues (env HOTLINE_ACCOUNT_ID)")
	creds := fs.String("credentials", os.Getenv("HOTLINE_CREDENTIALS"),
		"accepted access keys, as KEYID:SECRET[,KEYID:SECRET...] (env HOTLINE_CREDENTIALS)")
	throttleSpec := fs.String("throttle", os.Getenv("HOTLINE_THROTTLE"),
		"API rate limits as Operation=RATE:BURST[,...] or Operation=unlimited, over the defaults (env HOTLINE_THROTTLE)")
	numberPlan := fs.String("number-plan", os.Getenv("HOTLINE_NUMBER_PLAN"),
		"how dialled numbers answer outbound calls: PREFIX=RESULT[/RING[/HANGUP]][,...] (results answer, busy, no-answer, fail, invalid, machine) or @FILE.json (env HOTLINE_NUMBER_PLAN)")
	destinations := fs.String("outbound-destinations", envOr("HOTLINE_OUTBOUND_DESTINATIONS", strings.Join(outbound.DefaultDestinations(), ",")),
		"E.164 prefixes outbound calls may dial, !PREFIX for one they may not; the longest match decides (env HOTLINE_OUTBOUND_DESTINATIONS)")
	maxCalls := fs.Int("max-active-calls", envInt("HOTLINE_MAX_ACTIVE_CALLS", outbound.DefaultMaxActiveCalls),
		"concurrent active calls quota per instance (env HOTLINE_MAX_ACTIVE_CALLS)")
	campaigns := fs.Bool("outbound-campaigns", os.Getenv("HOTLINE_OUTBOUND_CAMPAIGNS") == "true",
		"allow StartOutboundVoiceContact with TrafficType CAMPAIGN, which AWS refuses until the campaigns quota is raised (env HOTLINE_OUTBOUND_CAMPAIGNS=true)")
	demo := fs.Bool("demo", false, "set the demo journey up in the default instance (done on a fresh data directory anyway)")
	logLevel := fs.String("log-level", envOr("HOTLINE_LOG_LEVEL", "info"), "debug, info, warn or error (env HOTLINE_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	gc := server.TuneGC()

	limits, err := throttle.ParseLimits(server.DefaultThrottle(), *throttleSpec)
	if err != nil {
		return err
	}
	plan, err := outbound.ParsePlan(*numberPlan)
	if err != nil {
		return err
	}
	out := outbound.Settings{MaxActiveCalls: *maxCalls, Destinations: splitList(*destinations), CampaignCalls: *campaigns, NumberPlan: plan}
	credentials, err := parseCredentials(*creds)
	if err != nil {
		return err
	}
	if len(credentials) == 0 {
		if !isLoopback(*listen) {
			return fmt.Errorf("refusing to listen on %s with no credentials configured: set --credentials KEYID:SECRET "+
				"(or HOTLINE_CREDENTIALS), or listen on a loopback address such as 127.0.0.1:8425", *listen)
		}
		log.Warn("no credentials configured: accepting the development pair test/test (loopback only)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, server.Config{
		DataDir: *data, Region: *region, AccountID: *account, Credentials: credentials, Logger: log, Throttle: limits,
		Outbound: out,
	})
	if err != nil {
		return err
	}
	if *demo || srv.FirstStart {
		if err := setUpDemo(ctx, srv, *region, credentials, log); err != nil {
			_ = srv.Shutdown(context.Background())
			return err
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	log.Info("hotline is serving", "listen", "http://"+ln.Addr().String(), "data", *data,
		"region", *region, "defaultInstanceId", srv.DefaultInstanceID, "throttle", throttle.Describe(limits), "gc", gc.String())
	fmt.Fprintf(os.Stderr, "\n  endpoint:             http://%s\n  default instance id:  %s\n\n", ln.Addr(), srv.DefaultInstanceID)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Join(err, srv.Shutdown(context.Background()))
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutCtx)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// splitList reads a comma-separated list; an empty string is an empty
// (not a missing) list.
func splitList(s string) []string {
	out := []string{}
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func parseCredentials(s string) (map[string]string, error) {
	creds := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("credentials: %q is not KEYID:SECRET", pair)
		}
		creds[id] = secret
	}
	return creds, nil
}

// isLoopback reports whether addr only accepts connections from this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
