package backend

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestParallelMatmulsDoNotDeadlock runs the graph that hung GoMLX v0.28.4's
// go backend (compute v0.1.3) with ops in parallel: many independent matmuls
// large enough that each fans out on the worker pool. It would hang, not
// fail, so a timeout turns the hang into a failure. The per-op execution
// mode the go backend gets by default (see goConfig) is chosen by speed,
// measured in `ndp bench engine`; this test only guards the deadlock.
func TestParallelMatmulsDoNotDeadlock(t *testing.T) {
	for _, config := range []string{"go:ops_parallel", "go:ops_auto", "go"} {
		t.Run(config, func(t *testing.T) {
			b, err := New(config)
			if err != nil {
				t.Fatal(err)
			}
			const n, size, timeout = 25, 192, 2 * time.Minute
			exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
				var sum *graph.Node
				for i := range n {
					p := graph.MatMul(graph.AddScalar(x, float64(i)), x) // independent of the others
					if sum == nil {
						sum = graph.ReduceAllSum(p)
					} else {
						sum = graph.Add(sum, graph.ReduceAllSum(p))
					}
				}
				return sum
			})
			if err != nil {
				t.Fatal(err)
			}
			x := tensors.FromFlatDataAndDimensions(make([]float32, size*size), size, size)
			done := make(chan error, 1)
			go func() {
				for range 5 {
					if _, err := exec.Call(x); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(timeout):
				t.Fatalf("%s: %d independent %d×%d matmuls did not finish in %v: the worker-pool deadlock is back", config, n, size, size, timeout)
			}
		})
	}
}
