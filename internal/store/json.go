package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The helpers below are how domain packages keep records as JSON values.

// GetJSON reads the record at key into a new T; ok is false when absent.
func GetJSON[T any](tx Tx, key string) (v *T, ok bool, err error) {
	b, err := tx.Get([]byte(key))
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v = new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, false, fmt.Errorf("store: corrupt record %s: %w", key, err)
	}
	return v, true, nil
}

// PutJSON stores v as JSON at key.
func PutJSON(tx RwTx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put([]byte(key), b)
}

// Exists reports whether key holds a value.
func Exists(tx Tx, key string) (bool, error) {
	_, err := tx.Get([]byte(key))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DeletePrefix removes every key that starts with prefix.
func DeletePrefix(tx RwTx, prefix string) error {
	var keys [][]byte
	for k := range tx.Scan([]byte(prefix), PrefixEnd([]byte(prefix))) {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
