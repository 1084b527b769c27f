package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestMLPFusedMatchesDecomposed holds the fused dense layers (one backend op
// for act(x·W + b), forward and backward) to GoMLX's decomposed ops: the
// outputs and the gradients of every weight agree to float32 rounding.
func TestMLPFusedMatchesDecomposed(t *testing.T) {
	for _, act := range []Activation{ActTanh, ActReLU} {
		t.Run(string(act), func(t *testing.T) {
			p := &Params{}
			mlp, err := NewMLP(p, NewRand(3), "m", []int{5, 7, 6, 2}, act, 3)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, 4*5)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)))
			}
			run := func(fusion string) [][]float32 {
				t.Setenv(graph.FusionEnv, fusion)
				exec, err := graph.NewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
					vars := in[1:]
					y := mlp.Apply(vars, in[0])
					loss := graph.ReduceAllSum(graph.Mul(y, y))
					return append([]*graph.Node{y}, graph.Gradient(loss, vars...)...)
				})
				if err != nil {
					t.Fatal(err)
				}
				args := []any{tensors.FromFlatDataAndDimensions(x, 4, 5)}
				for i, v := range p.Values {
					args = append(args, tensors.FromFlatDataAndDimensions(v, p.Shapes[i]...))
				}
				outs, err := exec.Call(args...)
				if err != nil {
					t.Fatal(err)
				}
				var res [][]float32
				for _, o := range outs {
					v, err := tensors.CopyFlatData[float32](o)
					if err != nil {
						t.Fatal(err)
					}
					res = append(res, v)
				}
				return res
			}
			fused, plain := run("true"), run("false")
			for k := range plain {
				for i := range plain[k] {
					if d := math.Abs(float64(fused[k][i] - plain[k][i])); d > 1e-5*(1+math.Abs(float64(plain[k][i]))) {
						t.Fatalf("output %d element %d: fused %v, decomposed %v", k, i, fused[k][i], plain[k][i])
					}
				}
			}
		})
	}
}
