// Command compatgen writes docs/compatibility.md (and the counts in the
// README): every operation of the
// Amazon Connect and Customer Profiles models, marked implemented or not,
// taken from the handlers the services actually register, so the page cannot
// drift from the code. Run it from the repository root:
//
//	go run ./cmd/compatgen
//
// With -check it writes nothing and fails when the page is out of date.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/hotline-dev/hotline/internal/compat"
)

func main() {
	check := flag.Bool("check", false, "fail if docs/compatibility.md is out of date instead of writing it")
	flag.Parse()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		log.Fatal(err)
	}
	summarised, ok := compat.WithSummary(readme)
	if !ok {
		log.Fatalf("README.md lacks the markers %s and %s", compat.BeginMarker, compat.EndMarker)
	}
	files := []struct {
		path string
		want []byte
	}{{"docs/compatibility.md", compat.Page()}, {"README.md", summarised}}
	for _, f := range files {
		old, _ := os.ReadFile(f.path)
		if bytes.Equal(old, f.want) {
			continue
		}
		if *check {
			log.Fatalf("%s is out of date: run go run ./cmd/compatgen", f.path)
		}
		if err := os.WriteFile(f.path, f.want, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", f.path)
	}
}
