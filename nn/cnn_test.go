package nn

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestConvImplsAgree checks that the three convolution lowerings give the
// same output and gradients (kernel, bias, input) as GoMLX's Convolve.
func TestConvImplsAgree(t *testing.T) {
	for _, in := range []int{1, 3} {
		const B, H, W, O, K = 2, 7, 6, 4, 3
		x := Uniform(NewRand(9), B*H*W*in, 1)
		var ref [][]float32
		for _, impl := range []ConvImpl{ConvBuiltin, ConvSlices, ConvGather, ConvIm2col} {
			t.Run(fmt.Sprintf("in=%d/%s", in, impl), func(t *testing.T) {
				p := &Params{}
				c, err := NewConv(p, NewRand(1), "c", H, W, K, in, O, impl)
				if err != nil {
					t.Fatal(err)
				}
				outs, err := graph.CallOnceN(testBackend(t), func(x, w, b *graph.Node) []*graph.Node {
					y := c.Apply([]*graph.Node{w, b}, x)
					loss := graph.ReduceAllSum(graph.Mul(y, y))
					return append([]*graph.Node{y}, graph.Gradient(loss, w, b, x)...)
				}, tensors.FromFlatDataAndDimensions(x, B, H, W, in),
					tensors.FromFlatDataAndDimensions(p.Values[0], p.Shapes[0]...),
					tensors.FromFlatDataAndDimensions(p.Values[1], p.Shapes[1]...))
				if err != nil {
					t.Fatal(err)
				}
				got := make([][]float32, len(outs))
				for i, o := range outs {
					got[i] = tensors.MustCopyFlatData[float32](o)
				}
				if ref == nil {
					ref = got
					return
				}
				for i, name := range []string{"y", "dw", "db", "dx"} {
					near(t, name, got[i], f64(ref[i]), 1e-5)
				}
			})
		}
	}
	if _, err := NewConv(&Params{}, NewRand(1), "bad", 2, 2, 5, 1, 1, ConvSlices); err == nil {
		t.Error("kernel larger than the input accepted")
	}
}

// TestPoolAndRelu checks Relu(maxPool2(x)) against MaxPool and Max(x, 0):
// values and gradients without ties; with a tied window the value must
// still be the max and the window's gradient must sum to the upstream one
// (it is shared among the tied entries).
func TestPoolAndRelu(t *testing.T) {
	for _, tied := range []bool{false, true} {
		x := Uniform(NewRand(4), 2*4*6*3, 1)
		if tied {
			for _, i := range []int{0, 3, 18, 21} { // window (0,0), channel 0
				x[i] = 0.25
			}
		}
		outs, err := graph.CallOnceN(testBackend(t), func(x *graph.Node) []*graph.Node {
			mine, ref := Relu(maxPool2(x)), graph.MaxScalar(graph.MaxPool(x).Window(2).Done(), 0)
			c := graph.Sin(graph.MulScalar(graph.IotaFull(x.Graph(), mine.Shape()), 0.7)) // non-trivial upstream gradient
			lm, lr := graph.ReduceAllSum(graph.Mul(c, mine)), graph.ReduceAllSum(graph.Mul(c, ref))
			return []*graph.Node{mine, ref, graph.Gradient(lm, x)[0], graph.Gradient(lr, x)[0], c}
		}, tensors.FromFlatDataAndDimensions(x, 2, 4, 6, 3))
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]float32, len(outs))
		for i, o := range outs {
			got[i] = tensors.MustCopyFlatData[float32](o)
		}
		near(t, "pool value", got[0], f64(got[1]), 0)
		if !tied {
			near(t, "pool gradient", got[2], f64(got[3]), 1e-6)
			continue
		}
		sum := got[2][0] + got[2][3] + got[2][18] + got[2][21]
		if d := sum - got[4][0]; d > 1e-6 || d < -1e-6 {
			t.Errorf("tied window gradient sums to %v, want %v", sum, got[4][0])
		}
	}
}

// TestCNNLayouts checks that the channel-first im2col CNN and the NHWC
// slices CNN give the same output and weight gradients.
func TestCNNLayouts(t *testing.T) {
	const B, H = 3, 16
	img := Uniform(NewRand(3), B*H*H, 0.5)
	var ref [][]float32
	for _, impl := range []ConvImpl{ConvSlices, ConvIm2col} {
		p := &Params{}
		cnn, err := NewCNN(p, NewRand(5), "cnn", H, H, 0, []int{7}, 4, 10, impl)
		if err != nil {
			t.Fatal(err)
		}
		args := []any{tensors.FromFlatDataAndDimensions(img, B, H, H)}
		for i := range p.Values {
			args = append(args, tensors.FromFlatDataAndDimensions(p.Values[i], p.Shapes[i]...))
		}
		outs, err := graph.CallOnceN(testBackend(t), func(in []*graph.Node) []*graph.Node {
			y := cnn.Apply(in[1:], in[0], nil)
			loss := graph.ReduceAllSum(graph.Mul(y, graph.Sin(y)))
			return append([]*graph.Node{y}, graph.Gradient(loss, in[1:]...)...)
		}, args...)
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]float32, len(outs))
		for i, o := range outs {
			got[i] = tensors.MustCopyFlatData[float32](o)
		}
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			near(t, fmt.Sprintf("%s output %d", impl, i), got[i], f64(ref[i]), 1e-5)
		}
	}
}
