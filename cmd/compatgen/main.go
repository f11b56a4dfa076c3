// Command compatgen writes docs/compatibility.md: every operation of the
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
	const path = "docs/compatibility.md"
	page := compat.Page()
	if *check {
		old, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(old, page) {
			log.Fatalf("%s is out of date: run go run ./cmd/compatgen", path)
		}
		return
	}
	if err := os.WriteFile(path, page, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", path)
}
