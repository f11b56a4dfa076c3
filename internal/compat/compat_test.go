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
