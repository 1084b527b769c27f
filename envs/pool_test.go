package envs

import (
	"sync/atomic"
	"testing"
)

func TestPoolRunsEveryIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{1, 0}, {1, 4}, {8, 2}, {8, 1}, {5, 8}, {64, 3}} {
		p := NewPool(tc.n, tc.workers)
		for round := range 3 {
			counts := make([]atomic.Int32, tc.n)
			p.Run(func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Errorf("n=%d workers=%d round %d: index %d ran %d times", tc.n, tc.workers, round, i, c)
				}
			}
		}
		p.Close()
		p.Close() // idempotent
	}
}
