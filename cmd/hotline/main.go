// Command hotline is the Hotline contact-center engine: `hotline serve`
// runs the server; other subcommands are clients of a running server.
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // hours of operation must not depend on the host's zoneinfo
)

const usage = `hotline: a contact-center engine compatible with Amazon Connect

Usage:
  hotline serve [--listen ADDR] [--data DIR]   run the server
  hotline journey install [--instance ID]      install the core journey flows (docs/journey.md)
  hotline lint [--json] [--instance ID] FLOW.json...
                                               check flows as CreateContactFlow does, plus static checks
  hotline call NUMBER [--press KEYS]... [--at TIME] [--json]
                                               place a simulated call and show what happened
  hotline contacts watch [--instance ID] [--types T,...] [--from SEQ] [--json]
                                               follow contact events as they happen
  hotline config put|get|delete|list|import|export|check ...
                                               edit the configuration table data-driven flows read
  hotline deploy TEMPLATE [--param K=V] [--function ID=BINDING] [--dry-run] ...
                                               create a CloudFormation template's Connect resources
  hotline functions put|list|get|delete|invoke ...
                                               bind Lambda function ARNs to what runs them
  hotline profiles import --domain D --type T FILE [--format ndjson|csv] [--errors FILE] [--resume|--restart]
                                               bulk-load Customer Profiles objects
  hotline profiles link [DOMAIN] [--instance ID] [--unlink]
                                               give an instance's flows a Customer Profiles domain
  hotline version                              print the version

Run "hotline serve --help" for the server's settings.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "call":
		err = callCmd(os.Args[2:])
	case "contacts":
		err = contactsCmd(os.Args[2:])
	case "config":
		err = configCmd(os.Args[2:])
	case "deploy":
		err = deployCmd(os.Args[2:])
	case "functions":
		err = functionsCmd(os.Args[2:])
	case "journey":
		err = journeyCmd(os.Args[2:])
	case "lint":
		err = lintCmd(os.Args[2:])
	case "profiles":
		err = profilesCmd(os.Args[2:])
	case "version":
		fmt.Println("hotline", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "hotline: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hotline:", err)
		os.Exit(1)
	}
}

var version = "dev"
