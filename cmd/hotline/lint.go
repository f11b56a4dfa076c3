package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/smithy-go"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/flow"
	"github.com/hotline-dev/hotline/internal/flow/lint"
)

const lintUsage = `Usage: hotline lint [--module] [--type TYPE] [--instance ID [--endpoint URL]] [--json] FILE...

Checks flow (or, with --module, flow module) content files statically: what
CreateContactFlow would refuse, and defects it accepts (unreachable actions,
missing error branches, loops with no exit, ...). See docs/lint.md.

  --module         the files are flow modules
  --type TYPE      the flow type, to check which actions it allows:
                   CONTACT_FLOW, CUSTOMER_QUEUE, CUSTOMER_HOLD, CUSTOMER_WHISPER, AGENT_HOLD,
                   AGENT_WHISPER, OUTBOUND_WHISPER, AGENT_TRANSFER, QUEUE_TRANSFER, CAMPAIGN
  --instance ID    check the flows, modules, queues, hours, prompts and Lambda
                   functions the files name against this instance of a running server
  --endpoint URL   the server (default $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `)
  --json           print one JSON document instead of text

FILE "-" is standard input. The exit status is 1 when any error is found;
warnings alone do not fail.
`

// errLintFailed is what lintCmd returns when a file has error findings, so
// that the command exits 1.
var errLintFailed = errors.New("lint failed")

// lintCmd runs `hotline lint`; the report goes to standard output.
func lintCmd(args []string) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), lintUsage) }
	module := fs.Bool("module", false, "the files are flow modules")
	flowType := fs.String("type", "", "the flow type")
	instance := fs.String("instance", "", "instance to resolve references in")
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	asJSON := fs.Bool("json", false, "print JSON")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	switch {
	case len(files) == 0:
		return errors.New("lint: no files given (hotline lint --help)")
	case *module && *flowType != "":
		return errors.New("lint: --type is for flows; a flow module has no flow type")
	case *flowType != "" && !slices.Contains(lint.FlowTypes, *flowType):
		return fmt.Errorf("lint: unknown --type %q; the flow types are %s", *flowType, strings.Join(lint.FlowTypes, ", "))
	case *endpoint != "" && *instance == "":
		return errors.New("lint: --endpoint is only used with --instance")
	}

	contents := make([][]byte, len(files))
	for i, name := range files {
		if name == "-" {
			contents[i], err = io.ReadAll(os.Stdin)
		} else {
			contents[i], err = os.ReadFile(name)
		}
		if err != nil {
			return fmt.Errorf("lint: %w", err)
		}
	}

	opts := lint.Options{FlowType: *flowType}
	if *instance != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		r, err := newConnectResolver(ctx, *instance, *endpoint)
		if err != nil {
			return fmt.Errorf("lint: %w", err)
		}
		opts.Resolver = r
	}
	kind := flow.KindFlow
	if *module {
		kind = flow.KindModule
	}

	out := lintOutput{Files: make([]lintFile, len(files))}
	failed := 0
	for i, name := range files {
		rep := lint.Lint(contents[i], kind, opts)
		f := lintFile{File: name, Kind: "flow", FlowType: *flowType, Findings: rep.Findings,
			Errors: rep.Count(lint.SeverityError), Warnings: rep.Count(lint.SeverityWarning)}
		if *module {
			f.Kind = "module"
		}
		out.Files[i] = f
		out.Errors += f.Errors
		out.Warnings += f.Warnings
		if f.Errors > 0 {
			failed++
		}
	}

	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := out.writeText(os.Stdout); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%w: %s in %s", errLintFailed, plural(out.Errors, "error"), plural(failed, "file"))
	}
	return nil
}

// lintOutput is the --json document, and what the text form prints.
type lintOutput struct {
	Files    []lintFile `json:"files"`
	Errors   int        `json:"errors"`
	Warnings int        `json:"warnings"`
}

type lintFile struct {
	File     string         `json:"file"`
	Kind     string         `json:"kind"` // flow | module
	FlowType string         `json:"flowType,omitempty"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Findings []lint.Finding `json:"findings"`
}

// writeText prints "file:action: severity check: message" lines, a blank
// line between files, and a summary.
func (o *lintOutput) writeText(w io.Writer) error {
	var b strings.Builder
	first := true
	for _, f := range o.Files {
		if len(f.Findings) == 0 {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		for _, x := range f.Findings {
			b.WriteString(f.File)
			b.WriteByte(':')
			if x.ActionID != "" {
				// Identifiers cannot contain ":" (reference §1.1), so the
				// line splits unambiguously.
				b.WriteString(x.ActionID)
				b.WriteByte(':')
			}
			fmt.Fprintf(&b, " %s %s: %s\n", x.Severity, x.Check, x.Message)
		}
	}
	if !first {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s checked: %s, %s\n", plural(len(o.Files), "file"), plural(o.Errors, "error"), plural(o.Warnings, "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// connectResolver answers lint.Resolver questions with the Connect API of a
// running Hotline (or of AWS: only standard Connect operations are used).
// Answers are cached, since many files name the same queues and prompts.
type connectResolver struct {
	ctx      context.Context
	api      *connect.Client
	instance string
	cache    map[string]existence
	lambdas  map[string]bool // the allow-list, fetched on first use
}

type existence struct {
	ok  bool
	err error
}

// newConnectResolver builds a Connect client for endpoint the way the other
// CLI commands reach the server (standard AWS credentials, else the
// development pair test/test) and checks that the instance is there, so
// that a wrong endpoint or instance is one clear error rather than a
// finding per reference.
func newConnectResolver(ctx context.Context, instance, endpoint string) (*connectResolver, error) {
	endpoint = serverEndpoint(endpoint)
	cfg, err := awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	api := connect.NewFromConfig(cfg, func(o *connect.Options) { o.BaseEndpoint = aws.String(strings.TrimRight(endpoint, "/")) })
	if _, err := api.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(instance)}); err != nil {
		return nil, fmt.Errorf("instance %s at %s: %w", instance, endpoint, err)
	}
	return &connectResolver{ctx: ctx, api: api, instance: instance, cache: map[string]existence{}}, nil
}

func (r *connectResolver) FlowExists(ref string) (bool, error) {
	return r.exists("flow", ref, func() error {
		_, err := r.api.DescribeContactFlow(r.ctx, &connect.DescribeContactFlowInput{InstanceId: &r.instance, ContactFlowId: &ref})
		return err
	})
}

func (r *connectResolver) ModuleExists(ref string) (bool, error) {
	return r.exists("module", ref, func() error {
		_, err := r.api.DescribeContactFlowModule(r.ctx, &connect.DescribeContactFlowModuleInput{InstanceId: &r.instance, ContactFlowModuleId: &ref})
		return err
	})
}

func (r *connectResolver) QueueExists(ref string) (bool, error) {
	return r.exists("queue", ref, func() error {
		_, err := r.api.DescribeQueue(r.ctx, &connect.DescribeQueueInput{InstanceId: &r.instance, QueueId: &ref})
		return err
	})
}

func (r *connectResolver) HoursExists(ref string) (bool, error) {
	return r.exists("hours", ref, func() error {
		_, err := r.api.DescribeHoursOfOperation(r.ctx, &connect.DescribeHoursOfOperationInput{InstanceId: &r.instance, HoursOfOperationId: &ref})
		return err
	})
}

func (r *connectResolver) PromptExists(ref string) (bool, error) {
	return r.exists("prompt", ref, func() error {
		_, err := r.api.DescribePrompt(r.ctx, &connect.DescribePromptInput{InstanceId: &r.instance, PromptId: &ref})
		return err
	})
}

// FunctionAllowed looks the ARN up in the instance's allow-list, matched
// exactly, as the interpreter does before invoking.
func (r *connectResolver) FunctionAllowed(arn string) (bool, error) {
	if r.lambdas == nil {
		allowed := map[string]bool{}
		p := connect.NewListLambdaFunctionsPaginator(r.api, &connect.ListLambdaFunctionsInput{InstanceId: &r.instance})
		for p.HasMorePages() {
			page, err := p.NextPage(r.ctx)
			if err != nil {
				return false, apiProblem(err)
			}
			for _, fn := range page.LambdaFunctions {
				allowed[fn] = true
			}
		}
		r.lambdas = allowed
	}
	return r.lambdas[arn], nil
}

// exists runs a Describe call once per reference: found, not found, or why
// it cannot be told.
func (r *connectResolver) exists(kind, ref string, describe func() error) (bool, error) {
	key := kind + "\x00" + ref
	if e, ok := r.cache[key]; ok {
		return e.ok, e.err
	}
	var e existence
	var ae smithy.APIError
	switch err := describe(); {
	case err == nil:
		e.ok = true
	case errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException":
	case errors.As(err, &ae) && ae.ErrorCode() == "ContactFlowNotPublishedException":
		// TransferToFlow cannot run a flow that was only ever saved.
		e.err = errors.New("it exists but has no published version")
	default:
		e.err = apiProblem(err)
	}
	r.cache[key] = e
	return e.ok, e.err
}

// apiProblem shortens an SDK error to the service's code and message,
// which is what a finding needs; other errors are kept whole.
func apiProblem(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	return err
}
