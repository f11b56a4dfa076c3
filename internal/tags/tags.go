// Package tags keeps resource tags the way Hotline's Amazon Connect and
// Customer Profiles services both store them: as a top-level "Tags" map in
// the resource's JSON record, edited in place so that every other member
// of the record is written back untouched, whatever its Go type. Each
// service keeps what differs (which ARNs name which records, its error
// codes and limit).
package tags

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/store"
)

// Read returns the record at key as raw members, and its tags (never nil).
// arn names the resource in the not-found error; service ("connect",
// "profiles") prefixes the error for a corrupt record.
func Read(tx store.Tx, service, key, arn string) (map[string]json.RawMessage, map[string]string, error) {
	b, err := tx.Get([]byte(key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, apierr.New("ResourceNotFoundException", "resource %s was not found", arn)
	}
	if err != nil {
		return nil, nil, err
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, nil, fmt.Errorf("%s: corrupt record %s: %w", service, key, err)
	}
	tags := map[string]string{}
	if raw, ok := rec["Tags"]; ok {
		if err := json.Unmarshal(raw, &tags); err != nil {
			return nil, nil, fmt.Errorf("%s: corrupt tags in record %s: %w", service, key, err)
		}
		if tags == nil { // "Tags": null
			tags = map[string]string{}
		}
	}
	return rec, tags, nil
}

// Edit lets change edit the tags of the record at key (see Read) and writes
// the record back, its Tags null when none are left.
func Edit(tx store.RwTx, service, key, arn string, change func(tags map[string]string) error) error {
	rec, tags, err := Read(tx, service, key, arn)
	if err != nil {
		return err
	}
	if err := change(tags); err != nil {
		return err
	}
	raw := json.RawMessage("null")
	if len(tags) > 0 {
		if raw, err = json.Marshal(tags); err != nil {
			return err
		}
	}
	rec["Tags"] = raw
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.Put([]byte(key), b)
}

// Merge adds add to tags, replacing the values of keys already there,
// unless the resource would then have more than limit tags; n is how many
// it has, or would have had.
func Merge(tags, add map[string]string, limit int) (n int, ok bool) {
	n = len(tags)
	for k := range add {
		if _, ok := tags[k]; !ok {
			n++
		}
	}
	if n > limit {
		return n, false
	}
	for k, v := range add {
		tags[k] = v
	}
	return n, true
}

// Remove deletes keys from tags; keys the resource does not carry are
// ignored, as AWS does.
func Remove(tags map[string]string, keys []string) {
	for _, k := range keys {
		delete(tags, k)
	}
}
