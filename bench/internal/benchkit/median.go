package benchkit

import (
	"cmp"
	"slices"
)

// Median runs f n times (at least once) and returns the run whose key is
// the median: on a shared, noisy machine one run says little.
func Median[T any](n int, f func() T, key func(T) float64) T {
	rs := make([]T, max(n, 1))
	for i := range rs {
		rs[i] = f()
	}
	slices.SortFunc(rs, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return rs[len(rs)/2]
}
