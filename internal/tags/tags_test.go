package tags_test

import (
	"encoding/json"
	"errors"
	"iter"
	"reflect"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/tags"
)

// memTx is the least of a store transaction that tags uses.
type memTx map[string][]byte

func (m memTx) Get(k []byte) ([]byte, error) {
	v, ok := m[string(k)]
	if !ok {
		return nil, store.ErrNotFound
	}
	return v, nil
}
func (m memTx) Put(k, v []byte) error { m[string(k)] = v; return nil }
func (m memTx) Delete(k []byte) error { delete(m, string(k)); return nil }
func (m memTx) Scan(_, _ []byte) iter.Seq2[[]byte, []byte] {
	panic("not used")
}
func (m memTx) ScanReverse(_, _ []byte) iter.Seq2[[]byte, []byte] {
	panic("not used")
}

func TestEditKeepsOtherMembers(t *testing.T) {
	tx := memTx{"k": []byte(`{"Name":"n","Nested":{"A":[1,2]},"Tags":null}`)}
	add := func(have map[string]string) error {
		_, _ = tags.Merge(have, map[string]string{"env": "ci"}, 50)
		return nil
	}
	if err := tags.Edit(tx, "svc", "k", "arn:x", add); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(tx["k"], &got)
	want := map[string]any{"Name": "n", "Nested": map[string]any{"A": []any{1.0, 2.0}}, "Tags": map[string]any{"env": "ci"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after tagging: %s", tx["k"])
	}

	// Untagging the last key writes Tags back as null.
	if err := tags.Edit(tx, "svc", "k", "arn:x", func(have map[string]string) error {
		tags.Remove(have, []string{"env", "never-there"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tx["k"]), `"Tags":null`) {
		t.Errorf("after untagging: %s", tx["k"])
	}

	// A refused change writes nothing.
	before := string(tx["k"])
	refused := errors.New("no")
	if err := tags.Edit(tx, "svc", "k", "arn:x", func(map[string]string) error { return refused }); !errors.Is(err, refused) {
		t.Errorf("Edit = %v, want the change's error", err)
	}
	if string(tx["k"]) != before {
		t.Errorf("a refused change wrote %s", tx["k"])
	}
}

func TestRead(t *testing.T) {
	tx := memTx{
		"untagged": []byte(`{"Name":"n"}`),
		"null":     []byte(`{"Tags":null}`),
		"tagged":   []byte(`{"Tags":{"a":"1"}}`),
		"corrupt":  []byte(`{`),
		"badtags":  []byte(`{"Tags":[1]}`),
	}
	for key, want := range map[string]map[string]string{"untagged": {}, "null": {}, "tagged": {"a": "1"}} {
		_, got, err := tags.Read(tx, "svc", key, "arn:x")
		if err != nil || got == nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Read(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	if _, _, err := tags.Read(tx, "svc", "missing", "arn:x"); !apierr.Is(err, "ResourceNotFoundException") ||
		err.(*apierr.Error).Message != "resource arn:x was not found" {
		t.Errorf("Read(missing) = %v", err)
	}
	for key, want := range map[string]string{"corrupt": "svc: corrupt record corrupt: ", "badtags": "svc: corrupt tags in record badtags: "} {
		if _, _, err := tags.Read(tx, "svc", key, "arn:x"); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Read(%s) = %v, want an error starting %q", key, err, want)
		}
	}
}

func TestMerge(t *testing.T) {
	have := map[string]string{"a": "1", "b": "2"}
	// Replacing a key does not count against the limit.
	if n, ok := tags.Merge(have, map[string]string{"b": "3", "c": "4"}, 3); !ok || n != 3 {
		t.Errorf("Merge = %d, %v; want 3, true", n, ok)
	}
	if want := map[string]string{"a": "1", "b": "3", "c": "4"}; !reflect.DeepEqual(have, want) {
		t.Errorf("merged %v, want %v", have, want)
	}
	// Over the limit, nothing changes.
	if n, ok := tags.Merge(have, map[string]string{"a": "9", "d": "5", "e": "6"}, 4); ok || n != 5 {
		t.Errorf("Merge = %d, %v; want 5, false", n, ok)
	}
	if have["a"] != "1" || len(have) != 3 {
		t.Errorf("a refused merge changed the tags: %v", have)
	}
}
