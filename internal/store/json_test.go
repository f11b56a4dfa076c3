package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func TestJSONRecords(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type rec struct{ Name string }
	ctx := context.Background()
	err = db.Update(ctx, func(tx store.RwTx) error {
		for _, k := range []string{"a/1", "a/2", "b/1"} {
			if err := store.PutJSON(tx, k, rec{Name: k}); err != nil {
				return err
			}
		}
		return tx.Put([]byte("c/bad"), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.RwTx) error { return store.DeletePrefix(tx, "a/") })
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(ctx, func(tx store.Tx) error {
		for _, tc := range []struct {
			key    string
			want   string
			ok     bool
			hasErr bool
		}{{"a/1", "", false, false}, {"b/1", "b/1", true, false}, {"c/bad", "", false, true}, {"zz", "", false, false}} {
			v, ok, err := store.GetJSON[rec](tx, tc.key)
			if ok != tc.ok || (err != nil) != tc.hasErr || (ok && v.Name != tc.want) {
				t.Errorf("GetJSON(%s) = %v, %v, %v", tc.key, v, ok, err)
			}
			if e, _ := store.Exists(tx, tc.key); e != (tc.ok || tc.hasErr) {
				t.Errorf("Exists(%s) = %v", tc.key, e)
			}
		}
		return nil
	})
}
