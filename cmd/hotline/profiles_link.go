package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hotline-dev/hotline/internal/client"
)

const profilesLinkUsage = `Usage:
  hotline profiles link [DOMAIN] [--instance ID] [--unlink] [--endpoint URL]

link makes DOMAIN the Customer Profiles domain of a Connect instance: the
flow actions GetCustomerProfile, CreateCustomerProfile,
UpdateCustomerProfile and AssociateContactToCustomerProfile of the
instance's contacts use it. AWS links them in its console; in Hotline the
link is a setting of the server. Without DOMAIN it shows the link;
--unlink removes it.

  --instance  instance id or ARN (default: the instance Hotline creates on
              first start)

See docs/profiles.md#profiles-in-flows.
`

// runProfilesLink runs `hotline profiles link`.
func runProfilesLink(ctx context.Context, out, errOut io.Writer, args []string) error {
	fs := flag.NewFlagSet("profiles link", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(fs.Output(), profilesLinkUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	instance := fs.String("instance", "", "instance id or ARN")
	unlink := fs.Bool("unlink", false, "remove the link")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	switch {
	case len(pos) > 1:
		return fmt.Errorf("profiles link takes at most one DOMAIN, got %q\n\n%s", pos, profilesLinkUsage)
	case *unlink && len(pos) == 1:
		return errors.New("--unlink takes no DOMAIN")
	}
	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	inst := instanceID(*instance)
	if inst == "" {
		if inst, err = configDefaultInstance(ctx, c.Endpoint); err != nil {
			return err
		}
	}
	path := "/_hotline/profiles/links/" + url.PathEscape(inst)
	var link struct{ InstanceId, DomainName string }
	switch {
	case *unlink:
		if err := c.Do(ctx, http.MethodDelete, path, nil, nil); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "instance %s is no longer linked to a Customer Profiles domain\n", inst)
		return err
	case len(pos) == 1:
		if err := c.Do(ctx, http.MethodPut, path, map[string]string{"DomainName": pos[0]}, &link); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "instance %s now uses Customer Profiles domain %s\n", link.InstanceId, link.DomainName)
		return err
	}
	if err := c.Do(ctx, http.MethodGet, path, nil, &link); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "instance %s uses Customer Profiles domain %s\n", link.InstanceId, link.DomainName)
	return err
}

// instanceID cuts an instance ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID)
// to its id; anything else is taken as an id.
func instanceID(ref string) string {
	if _, id, ok := strings.Cut(ref, ":instance/"); ok && strings.HasPrefix(ref, "arn:") {
		return id
	}
	return ref
}
