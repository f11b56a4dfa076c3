package interp

import (
	"strconv"
	"sync"
	"testing"
)

// A STRING_MAP response seen again is the Data decoded the first time,
// complete (its JSON written), and what a fresh decoding would be.
func TestStringMapResponsesAreKept(t *testing.T) {
	for _, doc := range []string{
		`{"b":"<speak>x</speak>","a":"1"}`,  // reordered, HTML escaped apart
		`{"a":"1","n":2,"t":true,"z":null}`, // taken as text
		`{"a":"\u00e9","b":"x y"}`,          // not kept as written
		`{}`,
	} {
		first, err := mapResponse(doc, "STRING_MAP", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		again, err := mapResponse(doc, "STRING_MAP", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Errorf("%s: decoded again", doc)
		}
		if first.enc == nil || (!first.enc.same && first.enc.html == nil) {
			t.Errorf("%s: kept before its JSON was written: %+v", doc, first.enc)
		}
		fresh, err := parseData(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i := range fresh.items {
			fresh.items[i].kind = dataString
		}
		fresh.enc = nil
		if got, want := first.String(), string(fresh.appendJSON(nil, false)); got != want {
			t.Errorf("%s: String %s, want %s", doc, got, want)
		}
		if got, want := string(first.appendHTMLJSON(nil)), string(fresh.appendJSON(nil, true)); got != want {
			t.Errorf("%s: HTML JSON %s, want %s", doc, got, want)
		}
	}
	// A JSON response is not kept: it may nest values written lazily.
	doc := `{"a":{"b":"c"}}`
	x, _ := mapResponse(doc, "JSON", 1<<20)
	y, _ := mapResponse(doc, "JSON", 1<<20)
	if x == y {
		t.Error("a JSON response was shared")
	}
	// The limit still holds for a response kept.
	if _, err := mapResponse(`{"a":"1"}`, "STRING_MAP", 3); err == nil {
		t.Error("a kept response passed the size limit")
	}
}

// The cache starts again empty when full.
func TestStringMapResponsesBounded(t *testing.T) {
	var c responseCache
	for i := range maxCachedResponses + 10 {
		d, _ := parseData(`{"a":"` + strconv.Itoa(i) + `"}`)
		c.put(`{"a":"`+strconv.Itoa(i)+`"}`, d)
	}
	if c.get(`{"a":"0"}`) != nil || c.get(`{"a":"`+strconv.Itoa(maxCachedResponses+9)+`"}`) == nil {
		t.Error("the cache did not start again when full")
	}
	if n := c.n.Load(); n > maxCachedResponses {
		t.Errorf("%d responses kept", n)
	}
}

// Contacts on many goroutines read one kept response (go test -race).
func TestStringMapResponsesShared(t *testing.T) {
	doc := `{"Prompt":"<speak>Hi &amp; bye</speak>","Queue":"q1","N":"3"}`
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				d, err := mapResponse(doc, "STRING_MAP", 1<<20)
				if err != nil {
					t.Error(err)
					return
				}
				c := &Contact{ContactID: "c", Channel: "VOICE", Frames: []Frame{{FlowID: "f", Action: "a", External: d}}}
				if _, err := c.AppendJSON(nil); err != nil {
					t.Error(err)
				}
				_ = d.String()
				if v, _ := d.Get("Queue"); v != "q1" {
					t.Errorf("Queue = %q", v)
				}
			}
		}()
	}
	wg.Wait()
}
