package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/lambda"
)

const functionsUsage = `Usage:
  hotline functions put ARN --builtin NAME
  hotline functions put ARN --http URL [--function-name NAME] [--region REGION]
  hotline functions put ARN --command 'PROGRAM ARGS...' [--dir DIR] [--env NAME=VALUE]...
  hotline functions list
  hotline functions get ARN
  hotline functions delete ARN
  hotline functions invoke ARN [--payload JSON|@FILE|@-] [--timeout SECONDS]

Binds the Lambda function ARNs that flows invoke to what Hotline runs instead:
  --builtin NAME        a function built into hotline
  --http URL            an endpoint speaking the AWS Lambda Invoke API, such as
                        http://127.0.0.1:3001 (sam local start-lambda) or
                        https://lambda.us-east-1.amazonaws.com
  --function-name NAME  the FunctionName to send (default: the name and qualifier in ARN)
  --region REGION       the Region to sign for (default: the Region in ARN)
  --command 'ARGV'      a local program, split like a shell does (quotes, no
                        expansion); it reads the event on standard input and
                        writes the response JSON on standard output
  --dir DIR             its working directory (default: the current directory)
  --env NAME=VALUE      an environment variable for it (repeatable)

invoke test-runs a binding, ignoring the instance's allow-list: --payload is
the event (default {}), --timeout the limit in seconds (default 8).

Every subcommand takes --endpoint URL (default $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `).
See docs/functions.md.
`

// functionsCmd runs `hotline functions`.
func functionsCmd(args []string) error {
	return runFunctions(context.Background(), os.Stdout, args)
}

func runFunctions(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, functionsUsage)
		return errors.New("functions: name a subcommand: put, list, get, delete or invoke")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("functions "+sub, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), functionsUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	var (
		builtin, httpURL, functionName, region, command, dir, payload string
		timeout                                                       float64
		env                                                           functionsEnv
	)
	switch sub {
	case "put":
		fs.StringVar(&builtin, "builtin", "", "built-in function name")
		fs.StringVar(&httpURL, "http", "", "Lambda Invoke API endpoint")
		fs.StringVar(&functionName, "function-name", "", "FunctionName to send")
		fs.StringVar(&region, "region", "", "Region to sign for")
		fs.StringVar(&command, "command", "", "local program and arguments")
		fs.StringVar(&dir, "dir", "", "working directory of the command")
		fs.Var(&env, "env", "NAME=VALUE for the command (repeatable)")
	case "invoke":
		fs.StringVar(&payload, "payload", "{}", "event JSON, @FILE or @- (standard input)")
		fs.Float64Var(&timeout, "timeout", 0, "time limit in seconds")
	case "list", "get", "delete":
	case "help", "-h", "--help":
		fmt.Fprint(out, functionsUsage)
		return nil
	default:
		fmt.Fprint(os.Stderr, functionsUsage)
		return fmt.Errorf("functions: unknown subcommand %q", sub)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	wantPos := 1
	if sub == "list" {
		wantPos = 0
	}
	if len(pos) != wantPos {
		if wantPos == 0 {
			return fmt.Errorf("functions list takes no arguments, got %q", pos)
		}
		return fmt.Errorf("functions %s takes one function ARN, got %d arguments", sub, len(pos))
	}

	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		var list lambda.ListOutput
		if err := c.Do(ctx, "GET", "/_hotline/functions", nil, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FUNCTION ARN\tKIND\tRUNS")
		for _, b := range list.Bindings {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", b.FunctionArn, b.Kind, functionsTarget(b))
		}
		return tw.Flush()
	case "get":
		var b lambda.Binding
		if err := c.Do(ctx, "GET", functionsPath(pos[0]), nil, &b); err != nil {
			return err
		}
		return printJSON(out, &b)
	case "delete":
		return c.Do(ctx, "DELETE", functionsPath(pos[0]), nil, nil)
	case "put":
		b, err := functionsBinding(pos[0], builtin, httpURL, functionName, region, command, dir, env)
		if err != nil {
			return err
		}
		var stored lambda.Binding
		if err := c.Do(ctx, "PUT", functionsPath(pos[0]), b, &stored); err != nil {
			return err
		}
		return printJSON(out, &stored)
	default: // invoke
		event, err := functionsPayload(payload)
		if err != nil {
			return err
		}
		path := functionsPath(pos[0]) + "/invoke"
		if timeout != 0 {
			if timeout < 0 {
				return errors.New("--timeout must be a number of seconds above 0")
			}
			path += "?timeoutSeconds=" + strconv.FormatFloat(timeout, 'f', -1, 64)
		}
		var resp json.RawMessage
		if err := c.Do(ctx, "POST", path, event, &resp); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", resp)
		return err
	}
}

func functionsPath(arn string) string { return "/_hotline/functions/" + url.PathEscape(arn) }

// functionsBinding builds the binding that put sends, refusing a mix of
// kinds here so the message names the flags rather than the JSON fields.
func functionsBinding(arn, builtin, httpURL, functionName, region, command, dir string, env functionsEnv) (*lambda.Binding, error) {
	kinds := 0
	for _, set := range []bool{builtin != "", httpURL != "", command != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, errors.New("functions put needs exactly one of --builtin NAME, --http URL or --command 'ARGV'")
	}
	if httpURL == "" && (functionName != "" || region != "") {
		return nil, errors.New("--function-name and --region go with --http")
	}
	if command == "" && (dir != "" || len(env) > 0) {
		return nil, errors.New("--dir and --env go with --command")
	}
	b := &lambda.Binding{FunctionArn: arn}
	switch {
	case builtin != "":
		b.Kind, b.Builtin = lambda.KindBuiltin, builtin
	case httpURL != "":
		b.Kind, b.Endpoint, b.FunctionName, b.Region = lambda.KindHTTP, httpURL, functionName, region
	default:
		argv, err := splitArgv(command)
		if err != nil {
			return nil, fmt.Errorf("--command: %w", err)
		}
		if len(argv) == 0 {
			return nil, errors.New("--command is empty")
		}
		// The server runs the command, so a relative directory (or none)
		// is resolved here, where the person typing it stands.
		if dir == "" {
			dir = "."
		}
		if dir, err = filepath.Abs(dir); err != nil {
			return nil, err
		}
		b.Kind, b.Command, b.Dir = lambda.KindCommand, argv, dir
		if len(env) > 0 {
			b.Env = map[string]string(env)
		}
	}
	return b, nil
}

// functionsPayload reads --payload: JSON, @FILE, or @- for standard input.
func functionsPayload(p string) (json.RawMessage, error) {
	data := []byte(p)
	if name, ok := strings.CutPrefix(p, "@"); ok {
		var err error
		if name == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return nil, fmt.Errorf("--payload: %w", err)
		}
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("--payload is not JSON: %.200s", data)
	}
	return json.RawMessage(data), nil
}

func functionsTarget(b *lambda.Binding) string {
	switch b.Kind {
	case lambda.KindBuiltin:
		return b.Builtin
	case lambda.KindHTTP:
		if b.FunctionName != "" {
			return b.Endpoint + " (" + b.FunctionName + ")"
		}
		return b.Endpoint
	case lambda.KindCommand:
		s := strings.Join(b.Command, " ")
		if b.Dir != "" {
			s += " (in " + b.Dir + ")"
		}
		return s
	}
	return ""
}

// functionsEnv collects repeated --env NAME=VALUE flags.
type functionsEnv map[string]string

func (e *functionsEnv) String() string { return fmt.Sprint(map[string]string(*e)) }

func (e *functionsEnv) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q is not NAME=VALUE", v)
	}
	if *e == nil {
		*e = functionsEnv{}
	}
	(*e)[name] = value
	return nil
}

// splitArgv splits a command line into words as a POSIX shell does, with
// quotes and backslashes but no expansion of any kind: the words are handed
// to the program as they are, with no shell in between.
func splitArgv(s string) ([]string, error) {
	var (
		words []string
		word  strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			word.WriteString(s[i+1 : i+1+end])
			i += end + 1
			in = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				// In double quotes a backslash escapes only these.
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				word.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			in = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			word.WriteByte(s[i])
			in = true
		default:
			word.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, word.String())
	}
	return words, nil
}
