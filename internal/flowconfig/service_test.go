package flowconfig_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

func keys(items []flowconfig.Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.PrimaryKey()+"/"+it.ResourceType())
	}
	return out
}

func stored(t *testing.T, s *flowconfig.Service) []string {
	t.Helper()
	items, err := s.Export(context.Background(), inst)
	if err != nil {
		t.Fatal(err)
	}
	return keys(items)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !apierr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestImportStoresAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	bad := with(validMenu, "Flag_SteeringMenu_Retries", "5")

	// One invalid item refuses the import: nothing is stored, and the
	// error lists the problem by item and attribute.
	_, err := s.Import(ctx, inst, replace(bad), false)
	wantCode(t, err, "InvalidParameterException")
	if !strings.Contains(err.Error(), `SteeringMenu "Main" Flag_SteeringMenu_Retries: "5"`) || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("message = %v", err)
	}
	ae, _ := apierr.As(err)
	if ps, ok := ae.Fields["Problems"].([]flowconfig.Problem); !ok || len(ps) != 1 {
		t.Errorf("Problems = %#v", ae.Fields["Problems"])
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("a refused import stored %v", got)
	}

	// Forced, everything is stored and the problem is reported.
	res, err := s.Import(ctx, inst, replace(bad), true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 4 || len(res.Problems) != 1 || res.Problems[0].Attribute != "Flag_SteeringMenu_Retries" {
		t.Errorf("forced import = %+v", res)
	}
	want := []string{"+442079460100/DeliveryId", "Main/SteeringMenu", "More/SteeringMenu", "Sales/Queue"}
	if got := stored(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}

	// Importing again replaces items, and references to stored menus count.
	res, err = s.Import(ctx, inst, []flowconfig.Item{validMenu}, false)
	if err != nil || res.Imported != 1 || len(res.Problems) != 0 {
		t.Fatalf("re-import = %+v, %v", res, err)
	}
	got, err := s.Get(ctx, inst, "Main", "SteeringMenu")
	if err != nil || got["Flag_SteeringMenu_Retries"] != "3" {
		t.Errorf("Get = %v, %v", got, err)
	}
}

func TestImportRefusals(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	long := strings.Repeat("k", flowconfig.MaxPrimaryKeyBytes+1)
	tests := []struct {
		name  string
		items []flowconfig.Item
		force bool
		code  string
		msg   string
	}{
		{"no items", nil, true, "InvalidParameterException", "no items"},
		{"no Primary_Key", []flowconfig.Item{{"Resource_Type": "Queue"}}, true, "InvalidParameterException", "no Primary_Key"},
		{"no Resource_Type", []flowconfig.Item{{"Primary_Key": "Sales"}}, true, "InvalidParameterException", "no Resource_Type"},
		{"NUL in a key", []flowconfig.Item{validMenu, item("a\x00b", "Holiday")}, true, "InvalidParameterException", "NUL"},
		{"key too long", []flowconfig.Item{item(long, "Holiday")}, true, "InvalidParameterException", "Primary_Key is 2049 bytes"},
		{"item too large", []flowconfig.Item{item("x", "Holiday", "Big", strings.Repeat("b", flowconfig.MaxItemBytes))}, true, "InvalidParameterException", "the limit is 409600"},
		{"empty attribute name", []flowconfig.Item{item("x", "Holiday", "", "v")}, true, "InvalidParameterException", "empty name"},
		{"twice", []flowconfig.Item{validQueue, validMenu, validQueue}, true, "InvalidParameterException", `Queue "Sales" is given twice (items 1 and 3)`},
		{"unknown instance", validTable(), true, "ResourceNotFoundException", "instance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			instance := inst
			if tc.code == "ResourceNotFoundException" {
				instance = "no-such-instance"
			}
			_, err := s.Import(ctx, instance, tc.items, tc.force)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want …%s…", err, tc.msg)
			}
			if got := stored(t, s); len(got) != 0 {
				t.Fatalf("a refused import stored %v", got)
			}
		})
	}
}

// failingStore fails the nth Put of every write transaction, to show that
// an import is one transaction: a failure part-way keeps nothing.
type failingStore struct {
	store.Store
	n int
}

type failingTx struct {
	store.RwTx
	left *int
}

func (f failingTx) Put(k, v []byte) error {
	if *f.left--; *f.left == 0 {
		return errors.New("disk full")
	}
	return f.RwTx.Put(k, v)
}

func (f *failingStore) Update(ctx context.Context, fn func(tx store.RwTx) error) error {
	return f.Store.Update(ctx, func(tx store.RwTx) error {
		left := f.n
		return fn(failingTx{tx, &left})
	})
}

func TestImportIsOneTransaction(t *testing.T) {
	db, err := bolt.Open(t.TempDir() + "/hotline.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s := flowconfig.New(&failingStore{Store: db, n: 3}, newResolver(), nil)
	_, err = s.Import(context.Background(), inst, validTable(), false)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the store's failure", err)
	}
	if got := stored(t, s); len(got) != 0 {
		t.Fatalf("a failed import kept %v", got)
	}
}

func TestPutGetDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	if _, err := s.Import(ctx, inst, validTable(), false); err != nil {
		t.Fatal(err)
	}

	// Put checks the item against the stored table.
	_, err := s.Put(ctx, inst, with(validDelivery, "Flag_DeliveryId_NextActionValue", "Nowhere"), false)
	wantCode(t, err, "InvalidParameterException")
	if got, _ := s.Get(ctx, inst, "+442079460100", "DeliveryId"); got["Flag_DeliveryId_NextActionValue"] != "Main" {
		t.Fatalf("a refused put changed the item: %v", got)
	}
	res, err := s.Put(ctx, inst, with(validDelivery, "Prompt_DeliveryId_WelcomeAdHoc", "We are closed on Monday."), false)
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("Put = %+v, %v", res, err)
	}
	got, err := s.Get(ctx, instARN, "+442079460100", "DeliveryId") // the instance by ARN
	if err != nil || got["Prompt_DeliveryId_WelcomeAdHoc"] != "We are closed on Monday." {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if !reflect.DeepEqual(got, with(validDelivery, "Prompt_DeliveryId_WelcomeAdHoc", "We are closed on Monday.")) {
		t.Errorf("Get = %v", got)
	}

	_, err = s.Get(ctx, inst, "+442079460100", "Queue")
	wantCode(t, err, "ResourceNotFoundException")
	_, err = s.Get(ctx, other, "+442079460100", "DeliveryId") // tables are per instance
	wantCode(t, err, "ResourceNotFoundException")

	// A menu other items lead to is not deleted unless forced; a menu
	// leading to itself does not hold itself.
	err = s.Delete(ctx, inst, "More", "SteeringMenu", false)
	wantCode(t, err, "ResourceInUseException")
	for _, by := range []string{`SteeringMenu "Main" Flag_SteeringMenu_NextActionValue_2`, `Queue "Sales" Flag_Queue_OutOfHourActionValue`} {
		if !strings.Contains(err.Error(), by) {
			t.Errorf("the refusal does not name %s: %v", by, err)
		}
	}
	if err := s.Delete(ctx, inst, "More", "SteeringMenu", true); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Check(ctx, inst, nil)
	if err != nil || len(ps) != 2 {
		t.Fatalf("Check after a forced delete = %v, %v; want the two dangling references", ps, err)
	}
	if _, err := s.Put(ctx, inst, item("Solo", "SteeringMenu", "Prompt_SteeringMenu_MenuOptions", "Press 9 to repeat.",
		"Flag_SteeringMenu_NextActionType_9", "steeringmenu", "Flag_SteeringMenu_NextActionValue_9", "Solo",
		"Flag_SteeringMenu_NextActionType_Default", "disconnect"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, inst, "Solo", "SteeringMenu", false); err != nil {
		t.Errorf("a menu leading only to itself: %v", err)
	}
	wantCode(t, s.Delete(ctx, inst, "Solo", "SteeringMenu", false), "ResourceNotFoundException")
	if err := s.Delete(ctx, inst, "Sales", "Queue", false); err != nil {
		t.Fatal(err)
	}
}

func TestCheckStoredAndPending(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	if _, err := s.Import(ctx, inst, replace(with(validQueue, "Flag_Queue_Analytics", "always")), true); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Check(ctx, inst, nil)
	if err != nil || len(ps) != 1 || ps[0].Attribute != "Flag_Queue_Analytics" {
		t.Fatalf("Check(stored) = %v, %v", ps, err)
	}
	// Pending items are checked over the stored table, and only they are
	// reported.
	ps, err = s.Check(ctx, inst, []flowconfig.Item{item("Night", "SteeringMenu", "Prompt_SteeringMenu_MenuOptions", "Press 1.",
		"Flag_SteeringMenu_NextActionType_1", "steeringmenu", "Flag_SteeringMenu_NextActionValue_1", "More",
		"Flag_SteeringMenu_NextActionType_Default", "steeringmenu", "Flag_SteeringMenu_NextActionValue_Default", "Later")})
	if err != nil || len(ps) != 1 || ps[0].PrimaryKey != "Night" || ps[0].Attribute != "Flag_SteeringMenu_NextActionValue_Default" {
		t.Fatalf("Check(pending) = %v, %v", ps, err)
	}
	_, err = s.Check(ctx, "nope", nil)
	wantCode(t, err, "ResourceNotFoundException")
}

func TestListPages(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t, newResolver())
	var items []flowconfig.Item
	for i := range 7 {
		items = append(items, item(fmt.Sprintf("day-%d", i), "Holiday"), item(fmt.Sprintf("day-%d", i), "Note"))
	}
	if _, err := s.Import(ctx, inst, items, false); err != nil {
		t.Fatal(err)
	}
	collect := func(rt string, max int) ([]string, int) {
		var got []string
		pages, token := 0, ""
		for {
			out, err := s.List(ctx, inst, flowconfig.ListInput{ResourceType: rt, MaxResults: max, NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			got = append(got, keys(out.Items)...)
			if token = out.NextToken; token == "" {
				return got, pages
			}
		}
	}
	all, pages := collect("", 5)
	if len(all) != 14 || pages != 3 || all[0] != "day-0/Holiday" || all[1] != "day-0/Note" {
		t.Errorf("all = %v in %d pages", all, pages)
	}
	notes, pages := collect("Note", 7)
	if len(notes) != 7 || pages != 1 || notes[6] != "day-6/Note" {
		t.Errorf("notes = %v in %d pages", notes, pages)
	}
	if got, _ := collect("Queue", 0); len(got) != 0 {
		t.Errorf("queues = %v", got)
	}

	first, err := s.List(ctx, inst, flowconfig.ListInput{ResourceType: "Note", MaxResults: 2})
	if err != nil || first.NextToken == "" {
		t.Fatal(first, err)
	}
	for _, in := range []flowconfig.ListInput{
		{ResourceType: "Holiday", NextToken: first.NextToken}, // another listing's token
		{NextToken: "garbage"},
		{MaxResults: flowconfig.MaxMaxResults + 1},
		{MaxResults: -1},
	} {
		_, err := s.List(ctx, inst, in)
		wantCode(t, err, "InvalidParameterException")
	}
	_, err = s.List(ctx, other, flowconfig.ListInput{NextToken: first.NextToken}) // another instance's
	wantCode(t, err, "InvalidParameterException")
}

func TestItemsAreDurableAndDroppedWithTheirInstance(t *testing.T) {
	ctx := context.Background()
	r := newResolver()
	s, db := newService(t, r)
	if _, err := s.Import(ctx, inst, validTable(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, other, []flowconfig.Item{item("x", "Holiday")}, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := bolt.Open(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db2.Close() })
	s2 := flowconfig.New(db2, r, nil)
	if got := stored(t, s2); len(got) != 4 {
		t.Fatalf("after reopening: %v", got)
	}
	if err := s2.DropInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s2); len(got) != 0 {
		t.Errorf("after DropInstance: %v", got)
	}
	if items, err := s2.Export(ctx, other); err != nil || len(items) != 1 {
		t.Errorf("the other instance's table: %v, %v", items, err)
	}
}
