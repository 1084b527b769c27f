package nn

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// BenchmarkConv times forward + backward (kernel and, for conv2, input
// gradients) of the digits CNN's two convolutions per lowering.
func BenchmarkConv(b *testing.B) {
	be := testBackend(b)
	for _, layer := range []struct {
		name          string
		h, in, out    int
		needInputGrad bool
	}{{"conv1", 28, 1, 20, false}, {"conv2", 12, 20, 50, true}} {
		for _, impl := range []ConvImpl{ConvIm2col, ConvSlices, ConvGather, ConvBuiltin} {
			b.Run(fmt.Sprintf("%s/%s", layer.name, impl), func(b *testing.B) {
				p := &Params{}
				c, err := NewConv(p, NewRand(1), "c", layer.h, layer.h, 5, layer.in, layer.out, impl)
				if err != nil {
					b.Fatal(err)
				}
				const B = 100
				x := tensors.FromShape(shapes.Make(dtypes.Float32, B, layer.h, layer.h, layer.in))
				w := tensors.FromFlatDataAndDimensions(p.Values[0], p.Shapes[0]...)
				bias := tensors.FromFlatDataAndDimensions(p.Values[1], p.Shapes[1]...)
				exec := graph.MustNewExec(be, func(x, w, bias *graph.Node) []*graph.Node {
					y := c.Apply([]*graph.Node{w, bias}, x)
					loss := graph.ReduceAllSum(y)
					if layer.needInputGrad {
						return graph.Gradient(loss, w, x)
					}
					return graph.Gradient(loss, w)
				})
				exec.MustCall(x, w, bias)
				b.ResetTimer()
				for range b.N {
					exec.MustCall(x, w, bias)
				}
			})
		}
	}
}
