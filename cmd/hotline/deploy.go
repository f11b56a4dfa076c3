package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/deploy"
	"github.com/hotline-dev/hotline/internal/lambda"
)

const deployUsage = `Usage:
  hotline deploy TEMPLATE [--param KEY=VALUE]... [--function LOGICALID=BINDING]...
                 [--stack-name NAME] [--instance ID] [--endpoint URL] [--dry-run]

Creates (or, the second time, updates) a CloudFormation template's Amazon
Connect resources in a Hotline instance through the Connect API: contact
flows, flow modules, hours of operation, queues, phone numbers and Lambda
integrations. Other resources are listed as skipped.

  --param KEY=VALUE        a template parameter (repeatable); parameters named
                           ...InstanceArn or ...InstanceId default to the instance
  --function ID=BINDING    what runs the template's function ID (repeatable):
                             builtin:NAME            a function built into hotline
                             http:URL[#NAME]         a Lambda Invoke API endpoint, such as
                                                     sam local start-lambda's; NAME is the
                                                     function it knows (default: the
                                                     template's FunctionName, else ID)
                             command:PROGRAM ARGS    a local program, split like a shell
                                                     does; event on stdin, response on stdout
                           a function already bound on the server needs none
  --stack-name NAME        AWS::StackName and the name the deploy state is kept
                           under (default: the template's file name)
  --instance ID            the instance (id or ARN; default: the server's only
                           instance, else its default one)
  --dry-run                print the plan and change nothing

--endpoint defaults to $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `. See docs/deploy.md.
`

// deployCmd runs `hotline deploy`.
func deployCmd(args []string) error {
	return runDeploy(context.Background(), os.Stdout, args)
}

func runDeploy(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), deployUsage) }
	params, functions := keyValues{}, keyValues{}
	fs.Var(params, "param", "KEY=VALUE template parameter (repeatable)")
	fs.Var(functions, "function", "LOGICALID=BINDING for a template function (repeatable)")
	stackName := fs.String("stack-name", "", "stack name")
	instance := fs.String("instance", "", "instance id or ARN")
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	dryRun := fs.Bool("dry-run", false, "print the plan, change nothing")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprint(os.Stderr, deployUsage)
		return fmt.Errorf("deploy takes one template file, got %d arguments", len(pos))
	}
	path := pos[0]
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	t, err := deploy.ParseTemplate(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bindings := map[string]lambda.Binding{}
	for id, spec := range functions {
		b, err := parseBinding(spec)
		if err != nil {
			return fmt.Errorf("--function %s=%s: %w", id, spec, err)
		}
		bindings[id] = b
	}
	if *stackName == "" {
		*stackName = stackNameFromPath(path)
	}
	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	conn, err := connectClient(ctx, c.Endpoint)
	if err != nil {
		return err
	}
	res, err := deploy.Deploy(ctx, deploy.Config{Connect: conn, Hotline: c}, t, deploy.Options{
		StackName: *stackName, Instance: *instance, Params: params, Functions: bindings, DryRun: *dryRun,
	})
	if res != nil {
		res.Print(out)
	}
	return err
}

// keyValues collects repeated KEY=VALUE flags.
type keyValues map[string]string

func (kv keyValues) String() string { return fmt.Sprint(map[string]string(kv)) }

func (kv keyValues) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	if _, dup := kv[k]; dup {
		return fmt.Errorf("%s is given twice", k)
	}
	kv[k] = val
	return nil
}

// parseBinding reads a --function binding: builtin:NAME, http:URL[#NAME]
// or command:PROGRAM ARGS.
func parseBinding(spec string) (lambda.Binding, error) {
	kind, rest, _ := strings.Cut(spec, ":")
	switch kind {
	case "builtin":
		if rest == "" {
			return lambda.Binding{}, errors.New("builtin: needs the name of a built-in function")
		}
		return lambda.Binding{Kind: lambda.KindBuiltin, Builtin: rest}, nil
	case "http":
		endpoint, name, _ := strings.Cut(rest, "#")
		if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
			return lambda.Binding{}, fmt.Errorf("http: needs an http:// or https:// URL, as in http:http://127.0.0.1:3001")
		}
		return lambda.Binding{Kind: lambda.KindHTTP, Endpoint: endpoint, FunctionName: name}, nil
	case "command":
		argv, err := splitArgv(rest)
		if err != nil {
			return lambda.Binding{}, fmt.Errorf("command: %w", err)
		}
		if len(argv) == 0 {
			return lambda.Binding{}, errors.New("command: needs a program")
		}
		// The server runs it: a relative program or file is taken from
		// where the person deploying stands.
		dir, err := filepath.Abs(".")
		if err != nil {
			return lambda.Binding{}, err
		}
		return lambda.Binding{Kind: lambda.KindCommand, Command: argv, Dir: dir}, nil
	}
	return lambda.Binding{}, errors.New("a binding is builtin:NAME, http:URL[#NAME] or command:PROGRAM ARGS")
}

var notStackChar = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// stackNameFromPath makes a stack name of a template's file name, as a
// person would name the stack: cfn-connect-flows.yaml → cfn-connect-flows.
func stackNameFromPath(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	name := strings.Trim(notStackChar.ReplaceAllString(base, "-"), "-")
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		name = "stack-" + name
	}
	return strings.TrimSuffix(name[:min(len(name), 128)], "-")
}

// connectClient is an Amazon Connect client for the Hotline endpoint, with
// the credentials internal/client uses: the standard AWS sources, else the
// development pair test/test.
func connectClient(ctx context.Context, endpoint string) (*connect.Client, error) {
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	return connect.NewFromConfig(cfg), nil
}
