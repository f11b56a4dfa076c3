package events_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/contacts"
	"github.com/hotline-dev/hotline/internal/contacts/events"
)

// FuzzParseTypes fuzzes the list of event types the event stream's types
// parameter and `hotline contacts watch --types` take.
func FuzzParseTypes(f *testing.F) {
	for _, s := range []string{
		// The tests' and docs/contact-events.md's.
		"DISCONNECTED", "HELD", "QUEUED,DISCONNECTED",
		// Edge cases.
		"", " ", ",", ",,", "QUEUED,", " QUEUED , DISCONNECTED ", "QUEUED,QUEUED", "queued", "QUEUED DISCONNECTED",
		"QUEUED,HELD,BOGUS", "COMPLETED,PAUSED,RESUMED,CONNECTED_TO_AGENT", "\tINITIATED\n", "QUEUED\u00a0", "\xffQUEUED",
		strings.Join(contacts.EventTypes, ","),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		got, err := events.ParseTypes(list)
		again, err2 := events.ParseTypes(list)
		if !reflect.DeepEqual(got, again) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("%q: two readings differ: %q, %v and %q, %v", list, got, err, again, err2)
		}

		var named []string // the non-blank entries, trimmed, in order
		for _, e := range strings.Split(list, ",") {
			if e = strings.TrimSpace(e); e != "" {
				named = append(named, e)
			}
		}
		if err != nil {
			if got != nil {
				t.Errorf("%q: rejected (%v) with a partly read list %q", list, err, got)
			}
			// An API error the stream answers 400 with, naming the first
			// entry that is not a type and the types there are.
			if !apierr.Is(err, "InvalidParameterException") {
				t.Errorf("%q: %v is not an InvalidParameterException", list, err)
			}
			bad := ""
			for _, e := range named {
				if !slices.Contains(contacts.EventTypes, e) {
					bad = e
					break
				}
			}
			if bad == "" {
				t.Fatalf("%q: every entry is a type, yet: %v", list, err)
			}
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(bad)) || !strings.Contains(msg, strings.Join(contacts.EventTypes, ", ")) {
				t.Errorf("%q: the error %q does not name %q and the types", list, msg, bad)
			}
			return
		}

		// Accepted: exactly the entries written, each a documented type.
		if !slices.Equal(got, named) {
			t.Errorf("%q read as %q, want %q", list, got, named)
		}
		for _, ty := range got {
			if !slices.Contains(contacts.EventTypes, ty) {
				t.Errorf("%q: accepted %q", list, ty)
			}
		}
		// `hotline contacts watch` sends the list on joined with commas; the
		// stream reads it as the same list.
		back, err := events.ParseTypes(strings.Join(got, ","))
		if err != nil || !slices.Equal(back, got) {
			t.Errorf("%q read as %q, which reads as %q, %v", list, got, back, err)
		}
	})
}
