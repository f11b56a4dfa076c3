package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/hotline-dev/hotline/internal/client"
	hlconnect "github.com/hotline-dev/hotline/internal/connect"
	"github.com/hotline-dev/hotline/internal/flowconfig"
)

const configUsage = `Usage:
  hotline config put FILE [--force]
  hotline config put --item JSON [--force]
  hotline config get PRIMARY_KEY RESOURCE_TYPE
  hotline config delete PRIMARY_KEY RESOURCE_TYPE [--force]
  hotline config list [--type RESOURCE_TYPE]
  hotline config import PATH [--force]
  hotline config export [DIR]
  hotline config check [PATH]

Edits the configuration table that data-driven flows read: items keyed by
Primary_Key and Resource_Type (DeliveryId, SteeringMenu, Queue or your own)
whose attributes are strings. Item files are plain JSON, as in
{"Primary_Key": "+442079460100", "Resource_Type": "DeliveryId", ...}, or
DynamoDB-typed JSON ({"Primary_Key": {"S": "..."}}, optionally wrapped in
{"Item": ...}); a file may hold one item or an array.

  put       store one item, replacing any with the same keys
  get       print an item
  delete    remove an item; a steering menu other items lead to needs --force
  list      list the items, optionally of one Resource_Type
  import    store every item of a file or, recursively, of a folder's *.json
            files, all or nothing
  export    print every item as a JSON array, or write DIR/<Resource_Type>/<Primary_Key>.json
  check     check the stored table, or the items of PATH as they would be
            once imported, against the schema; exits 1 on errors

put and import refuse an item Check finds an error in; --force stores it
anyway. Every subcommand takes --instance ID (default: the instance with the
alias hotline) and --endpoint URL (default $HOTLINE_ENDPOINT, else ` + client.DefaultEndpoint + `).
See docs/configuration-table.md.
`

// configCmd runs `hotline config`.
func configCmd(args []string) error {
	return runConfig(context.Background(), os.Stdout, os.Stderr, args)
}

func runConfig(ctx context.Context, out, errOut io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(errOut, configUsage)
		return errors.New("config: name a subcommand: put, get, delete, list, import, export or check")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("config "+sub, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(fs.Output(), configUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	instance := fs.String("instance", "", "instance id or ARN")
	var (
		force          bool
		itemJSON, kind string
	)
	// The positional arguments each subcommand takes: at least, at most.
	var minPos, maxPos int
	switch sub {
	case "put":
		fs.BoolVar(&force, "force", false, "store the item even if check finds errors")
		fs.StringVar(&itemJSON, "item", "", "the item as JSON")
		minPos, maxPos = 0, 1
	case "get":
		minPos, maxPos = 2, 2
	case "delete":
		fs.BoolVar(&force, "force", false, "delete a steering menu other items lead to")
		minPos, maxPos = 2, 2
	case "list":
		fs.StringVar(&kind, "type", "", "only items of this Resource_Type")
	case "import":
		fs.BoolVar(&force, "force", false, "import even if check finds errors")
		minPos, maxPos = 1, 1
	case "export", "check":
		minPos, maxPos = 0, 1
	case "help", "-h", "--help":
		fmt.Fprint(out, configUsage)
		return nil
	default:
		fmt.Fprint(errOut, configUsage)
		return fmt.Errorf("config: unknown subcommand %q", sub)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) < minPos || len(pos) > maxPos {
		return fmt.Errorf("config %s: wrong arguments %q\n\n%s", sub, pos, configUsage)
	}

	// Items are read before anything is asked of the server, so that a
	// mistake in a file is reported as such.
	var items []flowconfig.Item
	switch sub {
	case "put":
		switch {
		case (len(pos) == 1) == (itemJSON != ""):
			return errors.New("config put takes either a FILE or --item JSON")
		case itemJSON != "":
			if items, err = flowconfig.ParseItems([]byte(itemJSON)); err != nil {
				return fmt.Errorf("--item: %w", err)
			}
		default:
			if items, err = flowconfig.LoadPath(pos[0]); err != nil {
				return err
			}
		}
		if len(items) != 1 {
			return fmt.Errorf("config put stores one item and was given %d; use config import", len(items))
		}
	case "import", "check":
		if len(pos) == 1 {
			if items, err = flowconfig.LoadPath(pos[0]); err != nil {
				return err
			}
		}
	}

	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	inst := *instance
	if inst == "" {
		if inst, err = configDefaultInstance(ctx, c.Endpoint); err != nil {
			return err
		}
	}
	base := "/_hotline/config/" + url.PathEscape(inst)
	itemPath := func(pk, rt string) string {
		return base + "/items/" + url.PathEscape(pk) + "/" + url.PathEscape(rt)
	}

	switch sub {
	case "put":
		it := items[0]
		path := itemPath(it.PrimaryKey(), it.ResourceType())
		if force {
			path += "?force=true"
		}
		var res flowconfig.PutOutput
		if err := c.Do(ctx, "PUT", path, it, &res); err != nil {
			return err
		}
		configProblems(errOut, res.Problems)
		return printJSON(out, res.Item)
	case "get":
		var res flowconfig.GetOutput
		if err := c.Do(ctx, "GET", itemPath(pos[0], pos[1]), nil, &res); err != nil {
			return err
		}
		return printJSON(out, res.Item)
	case "delete":
		path := itemPath(pos[0], pos[1])
		if force {
			path += "?force=true"
		}
		return c.Do(ctx, "DELETE", path, nil, nil)
	case "list":
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PRIMARY_KEY\tRESOURCE_TYPE\tATTRIBUTES")
		token := ""
		for {
			q := url.Values{"maxResults": {"1000"}}
			if kind != "" {
				q.Set("type", kind)
			}
			if token != "" {
				q.Set("nextToken", token)
			}
			var page flowconfig.ListOutput
			if err := c.Do(ctx, "GET", base+"/items?"+q.Encode(), nil, &page); err != nil {
				return err
			}
			for _, it := range page.Items {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", it.PrimaryKey(), it.ResourceType(), len(it)-2)
			}
			if token = page.NextToken; token == "" {
				return tw.Flush()
			}
		}
	case "import":
		in := flowconfig.ItemsInput{Force: force}
		for _, it := range items {
			b, err := json.Marshal(it)
			if err != nil {
				return err
			}
			in.Items = append(in.Items, b)
		}
		var res flowconfig.Result
		if err := c.Do(ctx, "POST", base+"/import", &in, &res); err != nil {
			return err
		}
		configProblems(errOut, res.Problems)
		_, err := fmt.Fprintf(out, "imported %d items into instance %s\n", res.Imported, inst)
		return err
	case "export":
		var res flowconfig.ExportOutput
		if err := c.Do(ctx, "GET", base+"/export", nil, &res); err != nil {
			return err
		}
		if len(pos) == 0 {
			return printJSON(out, res.Items)
		}
		for _, it := range res.Items {
			p := filepath.Join(pos[0], filepath.FromSlash(flowconfig.FileName(it)))
			b, err := json.MarshalIndent(it, "", "    ")
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
				return err
			}
		}
		_, err := fmt.Fprintf(out, "exported %d items to %s\n", len(res.Items), pos[0])
		return err
	default: // check
		var in any // no body: the stored table
		if items != nil {
			body := flowconfig.ItemsInput{}
			for _, it := range items {
				b, err := json.Marshal(it)
				if err != nil {
					return err
				}
				body.Items = append(body.Items, b)
			}
			in = &body
		}
		var res flowconfig.CheckOutput
		if err := c.Do(ctx, "POST", base+"/check", in, &res); err != nil {
			return err
		}
		errs := 0
		for _, p := range res.Problems {
			fmt.Fprintln(out, p)
			if p.Severity == flowconfig.SeverityError {
				errs++
			}
		}
		if errs > 0 {
			return fmt.Errorf("config check: %d errors, %d warnings", errs, len(res.Problems)-errs)
		}
		if len(res.Problems) == 0 {
			fmt.Fprintln(out, "no problems found")
		}
		return nil
	}
}

func configProblems(w io.Writer, ps []flowconfig.Problem) {
	for _, p := range ps {
		fmt.Fprintln(w, p)
	}
}

// configDefaultInstance finds the instance Hotline creates on first start,
// by its alias, through the Connect API a user's own tools would use.
func configDefaultInstance(ctx context.Context, endpoint string) (string, error) {
	cfg, err := awsConfig(ctx)
	if err != nil {
		return "", err
	}
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	api := connect.NewFromConfig(cfg, func(o *connect.Options) {
		o.BaseEndpoint = aws.String(strings.TrimRight(endpoint, "/"))
		// One question of a local server: retrying a refused connection
		// only delays the message that it is not running.
		o.Retryer = aws.NopRetryer{}
	})
	p := connect.NewListInstancesPaginator(api, &connect.ListInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("finding the default instance at %s (or pass --instance): %w", endpoint, err)
		}
		for _, in := range page.InstanceSummaryList {
			if aws.ToString(in.InstanceAlias) == hlconnect.DefaultInstanceAlias {
				return aws.ToString(in.Id), nil
			}
		}
	}
	return "", fmt.Errorf("no instance at %s has the alias %q; pass --instance ID", endpoint, hlconnect.DefaultInstanceAlias)
}
