package connect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The caches of LambdaAllowed and ResolveARNs are invalidated by update,
// so every write of the package must go through it: a direct db.Update
// would leave them answering from before the write.
func TestWritesGoThroughUpdate(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(b), ".db.Update(")
		if f == "connect.go" {
			n-- // update's own
		}
		if n != 0 {
			t.Errorf("%s writes to the store %d times without update: the caches would not be invalidated", f, n)
		}
	}
}
