package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hotline-dev/hotline/internal/client"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/contacts/events"
)

const contactsUsage = `Usage:
  hotline contacts watch [--instance ID] [--types TYPE,...] [--from SEQ] [--json] [--endpoint URL]

watch follows the contact events of an instance (default: the instance with
the alias hotline) as they happen, shaped as Amazon Connect's: one line per
event with its sequence number, time, type, contact id, channel and queue
id, or with --json one JSON object per line, {"sequence": N, "event": E},
where E is the EventBridge envelope a webhook receives.

  --from SEQ     start at the event with sequence number SEQ, replaying the
                 events the server still keeps (--from 1: all of them);
                 without it, start with the events that happen from now on
  --types T,...  only these event types: INITIATED, CONNECTED_TO_SYSTEM,
                 QUEUED, DISCONNECTED, CONTACT_DATA_UPDATED

A dropped connection is opened again where the stream stopped, so no event
is missed; Ctrl-C ends the watch. See docs/contact-events.md.
`

// contactsCmd runs `hotline contacts`.
func contactsCmd(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContacts(ctx, os.Stdout, os.Stderr, args)
}

func runContacts(ctx context.Context, out, errOut io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(errOut, contactsUsage)
		return errors.New("contacts: name a subcommand: watch")
	}
	switch args[0] {
	case "watch":
		return runWatch(ctx, out, errOut, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(out, contactsUsage)
		return nil
	}
	fmt.Fprint(errOut, contactsUsage)
	return fmt.Errorf("contacts: unknown subcommand %q", args[0])
}

// Reconnection waits of watch: the server may be restarting.
const (
	watchRetryMin = 500 * time.Millisecond
	watchRetryMax = 10 * time.Second
)

// runWatch streams the events until ctx ends (a nil error) or the first
// connection is refused (its error).
func runWatch(ctx context.Context, out, errOut io.Writer, args []string) error {
	fs := flag.NewFlagSet("contacts watch", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() { fmt.Fprint(fs.Output(), contactsUsage) }
	endpoint := fs.String("endpoint", "", "Hotline endpoint")
	instance := fs.String("instance", "", "instance id or ARN")
	typeList := fs.String("types", "", "only these event types, comma-separated")
	from := fs.String("from", "", "start at this sequence number")
	asJSON := fs.Bool("json", false, "print each event as a JSON line")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) > 0 {
		return fmt.Errorf("contacts watch takes no arguments, got %q", pos)
	}
	types, err := events.ParseTypes(*typeList)
	if err != nil {
		return fmt.Errorf("--types: %w", err)
	}
	q := url.Values{}
	if *instance != "" {
		q.Set("instanceId", *instance)
	}
	if len(types) > 0 {
		q.Set("types", strings.Join(types, ","))
	}
	// after is where the next connection starts; nil: from now on.
	var after *uint64
	if *from != "" {
		n, err := strconv.ParseUint(*from, 10, 64)
		if err != nil {
			return fmt.Errorf("--from %q is not a sequence number", *from)
		}
		n = max(n, 1) - 1
		after = &n
	}
	c, err := client.New(ctx, *endpoint)
	if err != nil {
		return err
	}
	show := printEventLine
	if *asJSON {
		show = printEventJSON
	}
	connected := false
	wait := watchRetryMin
	for {
		if after != nil {
			q.Set("after", strconv.FormatUint(*after, 10))
		}
		resp, err := c.Stream(ctx, "/_hotline/contacts/events?"+q.Encode(), nil)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			var apiErr *client.Error
			if !connected || errors.As(err, &apiErr) {
				return err // nothing to resume, or the server refuses the request itself
			}
			fmt.Fprintf(errOut, "hotline: %v; trying again in %s\n", err, wait)
		} else {
			first := !connected
			connected, wait = true, watchRetryMin
			err = readEventStream(resp.Body, func(id uint64, data []byte) error {
				after = &id
				if data == nil { // the stream's opening position
					if first {
						fmt.Fprintf(errOut, "hotline: watching the contact events after sequence number %d; Ctrl-C ends\n", id)
					}
					return nil
				}
				return show(out, id, data)
			})
			resp.Body.Close()
			if ctx.Err() != nil {
				return nil
			}
			if !isReadError(err) {
				return err // the output failed
			}
			fmt.Fprintf(errOut, "hotline: the event stream was interrupted; reconnecting\n")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, watchRetryMax)
	}
}

// readError marks a failure to read the stream, after which watch
// reconnects; any other error of readEventStream comes from its callback.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

func isReadError(err error) bool {
	var re readError
	return errors.As(err, &re)
}

// readEventStream reads server-sent events from r, calling fn with each
// event's id and data; a block with an id and no data (the stream's
// opening position) calls fn with nil data. It returns fn's error, or a
// readError when the stream breaks or ends (the server never ends one on
// its own).
func readEventStream(r io.Reader, fn func(id uint64, data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var (
		id             uint64
		hasID, hasData bool
		data           []byte
	)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 { // the end of a block
			if hasID {
				if !hasData {
					data = nil
				}
				if err := fn(id, data); err != nil {
					return err
				}
			}
			hasID, hasData, data = false, false, data[:0]
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "id":
			n, err := strconv.ParseUint(string(value), 10, 64)
			if err != nil {
				return readError{fmt.Errorf("the stream sent a bad id %q", value)}
			}
			id, hasID = n, true
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, value...), true
		}
		// Comments (":"), event and retry lines carry nothing watch uses.
	}
	if err := sc.Err(); err != nil {
		return readError{err}
	}
	return readError{io.ErrUnexpectedEOF} // the server never ends a stream on its own
}

// printEventJSON prints {"sequence": N, "event": <envelope>}.
func printEventJSON(out io.Writer, seq uint64, data []byte) error {
	_, err := fmt.Fprintf(out, "{\"sequence\":%d,\"event\":%s}\n", seq, data)
	return err
}

// printEventLine prints one line: sequence number, time, type, contact,
// channel and queue id ("-" outside a queue).
func printEventLine(out io.Writer, seq uint64, data []byte) error {
	var ev contacts.ContactEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("event %d is not a contact event: %w", seq, err)
	}
	d := ev.Detail
	queue := "-"
	if d.QueueInfo != nil && d.QueueInfo.QueueARN != "" {
		queue = d.QueueInfo.QueueARN[strings.LastIndexByte(d.QueueInfo.QueueARN, '/')+1:]
	}
	_, err := fmt.Fprintf(out, "%-6d %s  %-19s  %s  %-5s  %s\n", seq, ev.Time, d.EventType, d.ContactID, d.Channel, queue)
	return err
}
