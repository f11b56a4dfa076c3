package compat

import (
	"bytes"
	"os"
	"testing"
)

// The committed page must match what the code registers.
func TestPageIsCurrent(t *testing.T) {
	old, err := os.ReadFile("../../docs/compatibility.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, Page()) {
		t.Fatal("docs/compatibility.md is out of date: run go run ./cmd/compatgen")
	}
}

func TestReadmeSummaryIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	updated, ok := WithSummary(readme)
	if !ok {
		t.Fatal("README.md lacks the compat markers")
	}
	if !bytes.Equal(updated, readme) {
		t.Fatal("README.md's implemented counts are out of date: run go run ./cmd/compatgen")
	}
}
