package profiles

import (
	"fmt"
	"math"
	"testing"
)

func TestProfileObjectKey(t *testing.T) {
	for _, seq := range []int64{0, 1, 15, 16, 255, 1 << 40, math.MaxInt64, -1, -255, math.MinInt64} {
		want := fmt.Sprintf("%s%016x", profileTypeObjectsPrefix("d", "p", "T"), seq)
		if got := profileObjectKey("d", "p", "T", seq); got != want {
			t.Errorf("profileObjectKey(%d) = %q, want %q", seq, got, want)
		}
	}
}
