package main

// What the client subcommands (deploy, functions, config, lint, call) share:
// reading their arguments, reaching the server's Connect API with the
// credentials internal/client uses, and printing JSON. One copy, so that
// the subcommands cannot drift apart in how they do it.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/hotline-dev/hotline/internal/client"
)

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (`hotline lint a.json --json` and `hotline functions
// put ARN --builtin NAME` are natural things to type); everything after
// "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// serverEndpoint is the server a subcommand talks to: its --endpoint flag,
// else $HOTLINE_ENDPOINT, else the default, as internal/client.New has it.
func serverEndpoint(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("HOTLINE_ENDPOINT"); env != "" {
		return env
	}
	return client.DefaultEndpoint
}

// flagError is what a subcommand returns when parsing its flags failed
// with err: nil for -h or --help, whose usage the flag set has printed
// already (asking for help is no failure), else err.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// awsConfig loads the standard AWS configuration for talking to a Hotline
// server as internal/client does: Region us-east-1 unless one is set, and
// the development pair test/test unless credentials are configured, which
// a server on loopback accepts.
func awsConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS credentials: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Credentials == nil {
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "hotline development default"}, nil
		}))
	}
	return cfg, nil
}

// printJSON prints v as JSON indented by two spaces, on lines of its own.
func printJSON(out io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
