package flowconfig

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ParseItems reads the items in one JSON document, in any of the forms
// item files come in:
//
//   - a plain item, as the seed's files are: {"Primary_Key": "...", "Resource_Type": "...", ...};
//   - a DynamoDB-typed item, as `aws dynamodb put-item --item file://` takes:
//     {"Primary_Key": {"S": "..."}, ...};
//   - either wrapped as {"Item": {...}} (get-item's answer) or
//     {"Items": [...]} (scan's answer);
//   - an array of any of these.
//
// Every attribute must be a string (plain, or typed "S"): the lookup
// function answers a string map, which is all Amazon Connect accepts.
func ParseItems(data []byte) ([]Item, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("the file is empty")
	}
	var items []Item
	var walk func(raw json.RawMessage, where string) error
	walk = func(raw json.RawMessage, where string) error {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '[':
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("%snot JSON: %w", where, err)
			}
			for i, r := range list {
				if err := walk(r, fmt.Sprintf("%sitem %d: ", where, i+1)); err != nil {
					return err
				}
			}
			return nil
		case len(raw) > 0 && raw[0] == '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil {
				return fmt.Errorf("%snot JSON: %w", where, err)
			}
			if _, keyed := obj[AttrPrimaryKey]; !keyed {
				if inner, ok := obj["Item"]; ok {
					return walk(inner, where)
				}
				if inner, ok := obj["Items"]; ok {
					return walk(inner, where)
				}
			}
			it, err := parseItem(obj)
			if err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
			items = append(items, it)
			return nil
		default:
			return fmt.Errorf("%san item must be a JSON object, an array of them, or {\"Item\": ...}", where)
		}
	}
	if err := walk(data, ""); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("there are no items in it")
	}
	return items, nil
}

// parseItem reads one item's attributes, plain or typed.
func parseItem(obj map[string]json.RawMessage) (Item, error) {
	it := make(Item, len(obj))
	for name, raw := range obj {
		v, err := attrValue(raw)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		it[name] = v
	}
	for _, k := range []string{AttrPrimaryKey, AttrResourceType} {
		if it[k] == "" {
			return nil, fmt.Errorf("the item has no %s (or it is empty)", k)
		}
	}
	return it, nil
}

func attrValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case len(raw) > 0 && raw[0] == '{':
		var typed map[string]json.RawMessage
		if err := json.Unmarshal(raw, &typed); err != nil {
			return "", err
		}
		if len(typed) != 1 {
			return "", errors.New(`a DynamoDB-typed value has exactly one type, such as {"S": "text"}`)
		}
		for t, v := range typed {
			if t != "S" {
				return "", fmt.Errorf("it is a DynamoDB %s; the configuration table holds strings (S), since the lookup function answers a string map", t)
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return "", errors.New(`the value of a DynamoDB S is a JSON string`)
			}
			return s, nil
		}
	}
	return "", fmt.Errorf("%.40s is not a string: write every value in quotes (\"1\", not 1)", raw)
}

// LoadPath reads the items of a file or, recursively, of every *.json file
// in a folder (such as the seed's src/dynamodb, with its DeliveryId, Queue
// and SteeringMenu folders). An item given twice is an error naming both
// files.
func LoadPath(p string) ([]Item, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		items, err := ParseItems(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return items, noDuplicates(items, func(int) string { return p })
	}
	items, err := LoadFS(os.DirFS(p), ".")
	if err != nil {
		// LoadFS names files relative to the folder; name them as the
		// caller did.
		var pe *fileError
		if errors.As(err, &pe) {
			pe.dir = p
		}
		if errors.Is(err, ErrNoItemFiles) {
			return nil, fmt.Errorf("%w under %s", ErrNoItemFiles, p)
		}
		return nil, err
	}
	return items, nil
}

// ErrNoItemFiles is LoadPath's error for a folder with no *.json file.
var ErrNoItemFiles = errors.New("no *.json item files")

// fileError is a problem in one file found by LoadFS.
type fileError struct {
	dir, name string
	err       error
}

func (e *fileError) Error() string {
	name := e.name
	if e.dir != "" {
		name = filepath.Join(e.dir, filepath.FromSlash(name))
	}
	return name + ": " + e.err.Error()
}

func (e *fileError) Unwrap() error { return e.err }

// LoadFS is LoadPath over a file system: every *.json file under root,
// in lexical order, skipping names that start with a dot.
func LoadFS(fsys fs.FS, root string) ([]Item, error) {
	var (
		items   []Item
		sources []string
	)
	err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.EqualFold(path.Ext(name), ".json") {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		got, err := ParseItems(data)
		if err != nil {
			return &fileError{name: name, err: err}
		}
		for range got {
			sources = append(sources, name)
		}
		items = append(items, got...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w under %s", ErrNoItemFiles, root)
	}
	return items, noDuplicates(items, func(i int) string { return sources[i] })
}

func noDuplicates(items []Item, source func(int) string) error {
	seen := make(map[[2]string]int, len(items))
	for i, it := range items {
		k := [2]string{it.PrimaryKey(), it.ResourceType()}
		if j, dup := seen[k]; dup {
			where := source(i)
			if source(j) != where {
				where = source(j) + " and " + where
			}
			return fmt.Errorf("%s is given twice (in %s)", describe(k[0], k[1]), where)
		}
		seen[k] = i
	}
	return nil
}

// FileName is where export writes an item, relative to its folder:
// <Resource_Type>/<Primary_Key>.json, the seed's layout, with characters
// that are unsafe in file names written as %XX.
func FileName(it Item) string {
	return path.Join(safeName(it.ResourceType()), safeName(it.PrimaryKey())+".json")
}

func safeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '_', c == '-', c == '+', c == '@', c == '=', c == ',',
			c == '.' && i > 0: // a leading dot would hide the file
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

//go:embed demo
var demoFS embed.FS

// DemoItems returns the demo department's items (internal/flowconfig/demo):
// a DeliveryId, three steering menus and a Queue item for each of its six
// queues.
func DemoItems() ([]Item, error) {
	return LoadFS(demoFS, "demo")
}

// DemoReferences returns the queue and flow names the demo items lead to,
// which an instance must have for them to pass Check.
func DemoReferences() (queues, flows []string, err error) {
	items, err := DemoItems()
	if err != nil {
		return nil, nil, err
	}
	qs, fl := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		if it.ResourceType() == TypeQueue {
			qs[it.PrimaryKey()] = true
		}
		if q := it[deliveryDefaultQueue]; q != "" && it.ResourceType() == TypeDeliveryID {
			qs[q] = true
		}
		for _, pair := range destinationAttrs(it) {
			switch it[pair[0]] {
			case ActionQueue:
				qs[it[pair[1]]] = true
			case ActionFlow:
				fl[it[pair[1]]] = true
			}
		}
	}
	for q := range qs {
		queues = append(queues, q)
	}
	for f := range fl {
		flows = append(flows, f)
	}
	slices.Sort(queues)
	slices.Sort(flows)
	return queues, flows, nil
}

// destinationAttrs returns the (type, value) attribute pairs of an item's
// next actions.
func destinationAttrs(it Item) [][2]string {
	switch it.ResourceType() {
	case TypeDeliveryID:
		return [][2]string{{deliveryType, deliveryValue}}
	case TypeSteeringMenu:
		pairs := [][2]string{{menuOOHType, menuOOHValue}}
		for _, o := range menuOptions {
			pairs = append(pairs, [2]string{menuType + o, menuValue + o})
		}
		return pairs
	case TypeQueue:
		return [][2]string{{queueOOHType, queueOOHValue}}
	}
	return nil
}
