package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/journey"
	"github.com/hotline-dev/hotline/internal/server"
)

const journeyUsage = `Usage:
  hotline journey install [--instance ID] [--function ARN] [--endpoint URL]

Installs the core journey flows and modules (docs/journey.md) in an instance
through the Amazon Connect API: they read the configuration table (hotline
config) through its lookup function and run a data-driven journey from a
dialled number's DeliveryId item. Flows and modules are found by name, so a
second install updates what changed and creates nothing. The lookup function
is associated with the instance.

  --instance ID    instance id or ARN (default: the instance with the alias hotline)
  --function ARN   the lookup function's ARN (default: the server's built-in,
                   arn:aws:lambda:<region>:<account>:function:` + flowconfig.FunctionName + `)
  --endpoint URL   Hotline endpoint (default $HOTLINE_ENDPOINT, else http://127.0.0.1:8425)

Then route a number to the entry flow (` + journey.EntryFlow + `) with
aws connect associate-phone-number-contact-flow, and give it a DeliveryId item.
`

// journeyCmd runs `hotline journey`.
func journeyCmd(args []string) error {
	return runJourney(context.Background(), os.Stdout, os.Stderr, args)
}

func runJourney(ctx context.Context, out, errOut io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(errOut, journeyUsage)
		return errors.New("journey: name a subcommand: install")
	}
	switch args[0] {
	case "install":
	case "help", "-h", "--help":
		fmt.Fprint(out, journeyUsage)
		return nil
	default:
		fmt.Fprint(errOut, journeyUsage)
		return fmt.Errorf("journey: unknown subcommand %q", args[0])
	}
	fs := flag.NewFlagSet("journey install", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(fs.Output(), journeyUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	instance := fs.String("instance", "", "instance id or ARN")
	function := fs.String("function", "", "the lookup function's ARN")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("journey install takes no arguments, got %q\n\n%s", pos, journeyUsage)
	}
	ep := serverEndpoint(*endpoint)
	api, err := connectClient(ctx, ep)
	if err != nil {
		return err
	}
	if *instance == "" {
		if *instance, err = configDefaultInstance(ctx, ep); err != nil {
			return err
		}
	}
	d, err := api.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: instance})
	if err != nil {
		return fmt.Errorf("instance %s at %s: %w", *instance, ep, err)
	}
	lookup := *function
	if lookup == "" {
		// The server binds its built-in under its own Region and account,
		// which the instance's ARN carries.
		lookup, err = lookupARN(aws.ToString(d.Instance.Arn))
		if err != nil {
			return err
		}
	}
	in, err := journey.Install(ctx, api, aws.ToString(d.Instance.Id), lookup)
	if err != nil {
		return err
	}
	printInstalled(out, in)
	return nil
}

// lookupARN is the built-in lookup function's ARN on the server that
// issued instanceARN.
func lookupARN(instanceARN string) (string, error) {
	parts := strings.Split(instanceARN, ":")
	if len(parts) != 6 || parts[3] == "" || parts[4] == "" {
		return "", fmt.Errorf("%q is not an instance ARN; give the lookup function with --function", instanceARN)
	}
	return flowconfig.FunctionARN(parts[3], parts[4]), nil
}

func printInstalled(out io.Writer, in *journey.Installed) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range in.Resources {
		kind := "flow " + r.Type
		if r.Type == "" {
			kind = "module"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Action, kind, r.Name, r.ARN)
	}
	_ = tw.Flush()
	if in.LookupAssociated {
		fmt.Fprintf(out, "associated the lookup function %s with instance %s\n", in.LookupARN, in.InstanceID)
	} else {
		fmt.Fprintf(out, "the lookup function %s was associated with instance %s already\n", in.LookupARN, in.InstanceID)
	}
	fmt.Fprintf(out, "\nRoute a number to the journey:\n  aws connect associate-phone-number-contact-flow --instance-id %s \\\n"+
		"    --phone-number-id PHONE_NUMBER_ID --contact-flow-id %s\n", in.InstanceID, in.Entry().ID)
}

// setUpDemo sets the demo journey up in the server's default instance
// (journey.SetupDemo), before it listens: through its own signed Connect
// API, in process, with one of the key pairs it accepts (creds; none means
// the development pair). serve runs it on a fresh data directory and with
// --demo.
func setUpDemo(ctx context.Context, srv *server.Server, region string, creds map[string]string, log *slog.Logger) error {
	id, secret := "test", "test"
	if len(creds) > 0 {
		ids := make([]string, 0, len(creds))
		for k := range creds {
			ids = append(ids, k)
		}
		id = slices.Min(ids)
		secret = creds[id]
	}
	api := journey.LocalConnect(srv.Handler(), region, id, secret)
	d, err := journey.SetupDemo(ctx, api, srv.FlowConfig, srv.DefaultInstanceID, srv.LookupARN)
	if err != nil {
		return fmt.Errorf("setting up the demo journey (hotline serve --demo tries again): %w", err)
	}
	log.Info("the demo journey answers "+journey.DemoNumber+": try hotline call "+journey.DemoNumber+" --press 1 --press 1",
		"instanceId", d.InstanceID, "entryFlow", d.Entry().ID, "items", d.Items)
	return nil
}
