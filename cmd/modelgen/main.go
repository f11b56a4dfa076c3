// Command modelgen regenerates Hotline's AWS model artefacts from the
// botocore service models installed with the AWS CLI:
//
//   - internal/awsmodel/models/<service>.json: the trimmed models embedded in
//     the binary (documentation dropped, one operation or shape per line);
//   - <package>/types.gen.go: Go types for the input and output shapes of the
//     operations listed in <package>/operations.txt.
//
// Run it from the repository root: go run ./cmd/modelgen
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotline-dev/hotline/internal/awsmodel"
)

// A service this repository serves: where its botocore model lives and
// which Go package receives its types.
type service struct {
	name    string // botocore folder and embedded file name
	version string // botocore API version folder
	pkgDir  string // Go package for the generated types ("" for none)
}

var services = []service{
	{"connect", "2017-08-08", "internal/connect/api"},
	{"customer-profiles", "2020-08-15", "internal/profiles/api"},
}

func main() {
	botocore := flag.String("botocore", "", "botocore data directory (default: found through python3)")
	flag.Parse()
	dir := *botocore
	if dir == "" {
		out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.join(os.path.dirname(botocore.__file__),'data'))").Output()
		if err != nil {
			log.Fatalf("modelgen: cannot find botocore (pass -botocore DIR): %v", err)
		}
		dir = strings.TrimSpace(string(out))
	}
	for _, s := range services {
		if err := generate(dir, s); err != nil {
			log.Fatalf("modelgen: %s: %v", s.name, err)
		}
	}
}

func generate(botocore string, s service) error {
	f, err := os.Open(filepath.Join(botocore, s.name, s.version, "service-2.json.gz"))
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	var m awsmodel.Service
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	trimmed, err := encodeModel(&m)
	if err != nil {
		return err
	}
	if _, err := awsmodel.Parse(trimmed); err != nil {
		return err
	}
	reportPatterns(s.name, &m)
	if err := os.WriteFile(filepath.Join("internal/awsmodel/models", s.name+".json"), trimmed, 0o644); err != nil {
		return err
	}
	if s.pkgDir == "" {
		return nil
	}
	ops, err := readOps(filepath.Join(s.pkgDir, "operations.txt"))
	if err != nil {
		return err
	}
	src, err := genTypes(&m, filepath.Base(s.pkgDir), s.name, ops)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.pkgDir, "types.gen.go"), src, 0o644)
}

// encodeModel writes the model with one operation or shape per line so that
// a model update shows as a readable diff.
func encodeModel(m *awsmodel.Service) ([]byte, error) {
	var b bytes.Buffer
	meta, err := json.Marshal(m.Metadata)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "{\"metadata\": %s,\n\"operations\": {\n", meta)
	if err := writeMap(&b, m.Operations); err != nil {
		return nil, err
	}
	b.WriteString("},\n\"shapes\": {\n")
	if err := writeMap(&b, m.Shapes); err != nil {
		return nil, err
	}
	b.WriteString("}}\n")
	return b.Bytes(), nil
}

func writeMap[V any](b *bytes.Buffer, m map[string]V) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		v, err := json.Marshal(m[k])
		if err != nil {
			return err
		}
		kj, _ := json.Marshal(k)
		sep := ","
		if i == len(keys)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "%s: %s%s\n", kj, v, sep)
	}
	return nil
}

func reportPatterns(name string, m *awsmodel.Service) {
	probe := &awsmodel.Service{Shapes: map[string]*awsmodel.Shape{}}
	for n, sh := range m.Shapes {
		if sh.Pattern != "" {
			probe.Shapes[n] = sh
		}
	}
	for _, n := range awsmodel.UnenforceablePatterns(probe) {
		fmt.Fprintf(os.Stderr, "modelgen: %s: pattern of %s cannot be enforced in RE2: %q\n", name, n, m.Shapes[n].Pattern)
	}
}

func readOps(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ops []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ops = append(ops, line)
	}
	return ops, nil
}

// genTypes emits a Go type for every structure reachable from the listed
// operations' inputs and outputs. Required scalars are values; optional
// scalars and all structures are pointers, so handlers can tell "absent"
// from "zero".
func genTypes(m *awsmodel.Service, pkg, svc string, ops []string) ([]byte, error) {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		sh := m.Shapes[name]
		if sh == nil || seen[name] {
			return
		}
		switch sh.Type {
		case "structure":
			seen[name] = true
			for _, ref := range sh.Members {
				walk(ref.Shape)
			}
		case "list":
			walk(sh.Member.Shape)
		case "map":
			walk(sh.Value.Shape)
		}
	}
	for _, op := range ops {
		o := m.Operations[op]
		if o == nil {
			return nil, fmt.Errorf("operations.txt names %q, which the model lacks", op)
		}
		if o.Input != nil {
			walk(o.Input.Shape)
		}
		if o.Output != nil {
			walk(o.Output.Shape)
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by cmd/modelgen from the botocore %s model; DO NOT EDIT.\n\n", svc)
	fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"encoding/json\"\n\n\t\"github.com/hotline-dev/hotline/internal/awsmodel\"\n)\n\n", pkg)
	b.WriteString("var _ json.RawMessage\nvar _ awsmodel.Timestamp\n\n")
	for _, n := range names {
		sh := m.Shapes[n]
		fmt.Fprintf(&b, "type %s struct {\n", exported(n))
		required := map[string]bool{}
		for _, r := range sh.Required {
			required[r] = true
		}
		members := make([]string, 0, len(sh.Members))
		for mn := range sh.Members {
			members = append(members, mn)
		}
		sort.Strings(members)
		for _, mn := range members {
			ref := sh.Members[mn]
			wire := mn
			if ref.Location == "" && ref.LocationName != "" {
				wire = ref.LocationName
			}
			typ := goType(m, ref.Shape, !required[mn])
			// A required scalar is a value that must always be written,
			// even when it is zero (Minutes: 0).
			// Lists and maps are written even when empty (a nil one is null,
			// which SDKs read as absent), so a handler can answer "tags": {}
			// where boto3 code indexes the member.
			omit := ",omitempty"
			isColl := strings.HasPrefix(typ, "[]") || strings.HasPrefix(typ, "map[")
			if isColl && typ != "[]byte" || required[mn] && !strings.HasPrefix(typ, "*") {
				omit = ""
			}
			fmt.Fprintf(&b, "\t%s %s `json:\"%s%s\"`\n", exported(mn), typ, wire, omit)
		}
		b.WriteString("}\n\n")
	}
	return format.Source(b.Bytes())
}

func goType(m *awsmodel.Service, name string, optional bool) string {
	sh := m.Shapes[name]
	ptr := ""
	if optional {
		ptr = "*"
	}
	switch sh.Type {
	case "structure":
		if sh.Document {
			return "json.RawMessage"
		}
		return "*" + exported(name)
	case "list":
		return "[]" + goType(m, sh.Member.Shape, false)
	case "map":
		return "map[string]" + goType(m, sh.Value.Shape, false)
	case "string":
		return ptr + "string"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "float", "double":
		return ptr + "float64"
	case "boolean":
		return ptr + "bool"
	case "timestamp":
		return ptr + "awsmodel.Timestamp"
	case "blob":
		return "[]byte"
	}
	return "json.RawMessage"
}

func exported(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
