package nn

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// ConvImpl selects how convolutions are lowered to GoMLX ops.
type ConvImpl string

// Convolution lowerings. On the go backend im2col + matmul is 5–10× faster
// than the built-in ConvGeneral, and building the patches from slices beats
// one Gather (see BenchmarkConv and `ndp bench engine --conv all`).
const (
	// ConvIm2col builds the im2col patch matrix from K² shifted slices and
	// multiplies it by the kernel, with a hand-written backward pass (the
	// default; see [Conv.applyIm2col]).
	ConvIm2col ConvImpl = "im2col"
	// ConvSlices is the same forward pass differentiated by GoMLX.
	ConvSlices ConvImpl = "slices"
	// ConvGather builds the patch matrix with one Gather (whose gradient is
	// one scatter-add).
	ConvGather ConvImpl = "gather"
	// ConvBuiltin uses GoMLX's Convolve (ConvGeneral).
	ConvBuiltin ConvImpl = "builtin"
)

// ParseConvImpl validates a lowering name ("" means im2col).
func ParseConvImpl(s string) (ConvImpl, error) {
	switch ConvImpl(s) {
	case "", ConvIm2col:
		return ConvIm2col, nil
	case ConvSlices, ConvGather, ConvBuiltin:
		return ConvImpl(s), nil
	}
	return "", fmt.Errorf("nn: unknown conv implementation %q (want im2col, slices, gather or builtin)", s)
}

// Conv is a valid (unpadded, stride 1) K×K convolution with kernel
// W [K, K, In, Out] and bias B [Out].
type Conv struct {
	W, B       int // indices of the kernel and the bias in Params
	K, In, Out int
	Impl       ConvImpl
	inH, inW   int // input spatial size, fixed at construction
	outH, outW int

	mu      sync.Mutex
	indices map[int]*tensors.Tensor // batch size → im2col indices for ConvGather
}

// NewConv adds a K×K conv from In to Out channels over an inH×inW input,
// initialised like PyTorch's nn.Conv2d (uniform ±1/√(K·K·In)).
func NewConv(p *Params, rng *rand.Rand, name string, inH, inW, k, in, out int, impl ConvImpl) (*Conv, error) {
	if k < 1 || inH < k || inW < k || in < 1 || out < 1 {
		return nil, fmt.Errorf("nn: conv %q: kernel %d on %dx%dx%d input to %d channels is invalid", name, k, inH, inW, in, out)
	}
	bound := FanIn(k * k * in)
	c := &Conv{
		W: p.Add(name+"/w", []int{k, k, in, out}, Uniform(rng, k*k*in*out, bound)),
		B: p.Add(name+"/b", []int{out}, Uniform(rng, out, bound)),
		K: k, In: in, Out: out, Impl: impl,
		inH: inH, inW: inW, outH: inH - k + 1, outW: inW - k + 1,
	}
	return c, nil
}

// patches returns the im2col matrix of x [B, H, W, In]:
// P[(b, h, w), (i, j, c)] = x[b, h+i, w+j, c], shape [B·H'·W', K·K·In].
func (c *Conv) patches(x *graph.Node) *graph.Node {
	parts := make([]*graph.Node, 0, c.K*c.K)
	for i := range c.K {
		for j := range c.K {
			parts = append(parts, graph.Slice(x, graph.AxisRange(), graph.AxisRange(i, i+c.outH), graph.AxisRange(j, j+c.outW), graph.AxisRange()))
		}
	}
	B := x.Shape().Dimensions[0]
	return graph.Reshape(graph.Stack(parts, 3), B*c.outH*c.outW, c.K*c.K*c.In)
}

// applyIm2col is y = P·W (P the im2col matrix [rows, K·K·In], W the kernel
// as [K·K·In, Out]) with a hand-written backward pass. The go backend's
// matmul wants the contracted axis last on the left operand, so GoMLX's
// generic gradients make it transpose P (millions of entries) for ∂L/∂W and
// add an identity transpose plus K² strided slices of ∂L/∂P for ∂L/∂x.
// Instead:
//
//	∂L/∂W = (∂L/∂yᵀ·P)ᵀ                              (only the small ∂L/∂y is transposed)
//	∂L/∂x = Σ_{i,j} shift_{i,j}( ∂L/∂y · W[i,j]ᵀ )    (K² small matmuls, each padded into place)
//
// Both are injected through identities with custom gradients on the kernel
// and on x, tied to y by a zero-valued term; ∂L/∂y is captured by an
// identity with a custom gradient on y, which autodiff visits first (it
// comes later in the graph). When x needs no gradient (the image), its
// custom gradient is never called.
func (c *Conv) applyIm2col(kernel, x *graph.Node) *graph.Node {
	B := x.Shape().Dimensions[0]
	P := c.patches(graph.StopGradient(x)) // [rows, K·K·In]
	y := graph.MatMul(P, graph.Reshape(graph.StopGradient(kernel), c.K*c.K*c.In, c.Out))
	var dy *graph.Node // ∂L/∂y, [rows, Out]
	kc := graph.IdentityWithCustomGradient(kernel, func(_, _ *graph.Node) *graph.Node {
		if dy == nil {
			return graph.ZerosLike(kernel)
		}
		dwT := graph.DotGeneral(graph.TransposeAllAxes(dy, 1, 0), []int{1}, nil, P, []int{0}, nil) // [Out, K·K·In]
		return graph.Reshape(graph.TransposeAllAxes(dwT, 1, 0), c.K, c.K, c.In, c.Out)
	})
	xc := graph.IdentityWithCustomGradient(x, func(_, _ *graph.Node) *graph.Node {
		if dy == nil {
			return graph.ZerosLike(x)
		}
		zero := graph.ScalarZero(x.Graph(), x.DType())
		var dx *graph.Node
		for i := range c.K {
			for j := range c.K {
				wij := graph.Reshape(graph.Slice(kernel, graph.AxisElem(i), graph.AxisElem(j), graph.AxisRange(), graph.AxisRange()), c.In, c.Out)
				dyk := dy
				if dx != nil {
					// One product at a time: GoMLX v0.28.4's go backend
					// deadlocked when every worker ran a large matmul; kept
					// since each product already uses every core.
					dyk = graph.SchedulingBarrier(dy, dx)
				}
				z := graph.Reshape(graph.DotGeneral(dyk, []int{1}, nil, wij, []int{1}, nil), B, c.outH, c.outW, c.In)
				z = graph.Pad(z, zero, compute.PadAxis{}, compute.PadAxis{Start: i, End: c.K - 1 - i},
					compute.PadAxis{Start: j, End: c.K - 1 - j}, compute.PadAxis{})
				if dx == nil {
					dx = z
				} else {
					dx = graph.Add(dx, z)
				}
			}
		}
		return dx
	})
	// Zero-valued and cheap; it makes kc and xc part of y's computation.
	tie := graph.MulScalar(graph.Add(firstElem(kc), firstElem(xc)), 0)
	y = graph.IdentityWithCustomGradient(graph.Add(y, tie), func(_, v *graph.Node) *graph.Node {
		dy = v
		return v
	})
	return graph.Reshape(y, B, c.outH, c.outW, c.Out)
}

// patchIndices returns the constant im2col indices for a batch of B:
// idx[b, h, w, i·K+j, 0] = flat row (b, h+i, w+j) of x reshaped to [B·H·W, In].
func (c *Conv) patchIndices(B int) *tensors.Tensor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.indices[B]; ok {
		return t
	}
	K := c.K
	flat := make([]int32, 0, B*c.outH*c.outW*K*K)
	for b := range B {
		for h := range c.outH {
			for w := range c.outW {
				for i := range K {
					for j := range K {
						flat = append(flat, int32((b*c.inH+h+i)*c.inW+w+j))
					}
				}
			}
		}
	}
	t := tensors.FromFlatDataAndDimensions(flat, B, c.outH, c.outW, K*K, 1)
	if c.indices == nil {
		c.indices = map[int]*tensors.Tensor{}
	}
	c.indices[B] = t
	return t
}

// Apply convolves x [B, H, W, In] and adds the bias: [B, H', W', Out] with
// H' = H−K+1, W' = W−K+1.
func (c *Conv) Apply(vars []*graph.Node, x *graph.Node) *graph.Node {
	kernel := vars[c.W]
	var y *graph.Node
	switch c.Impl {
	case ConvIm2col:
		y = c.applyIm2col(kernel, x)
	case ConvBuiltin:
		y = graph.Convolve(x, kernel).NoPadding().Done()
	case ConvGather:
		// Rows of the patch matrix are (b, h, w), columns (i, j, c): the
		// contraction runs over the last axes, so no transpose is needed.
		B := x.Shape().Dimensions[0]
		rows := graph.Reshape(x, B*c.inH*c.inW, c.In)
		patches := graph.Gather(rows, graph.ConstCachedTensor(x.Graph(), c.patchIndices(B)), true) // [B, H', W', K·K, In]
		y = graph.MatMul(graph.Reshape(patches, B*c.outH*c.outW, c.K*c.K*c.In), graph.Reshape(kernel, c.K*c.K*c.In, c.Out))
		y = graph.Reshape(y, B, c.outH, c.outW, c.Out)
	default: // ConvSlices
		B := x.Shape().Dimensions[0]
		y = graph.MatMul(c.patches(x), graph.Reshape(kernel, c.K*c.K*c.In, c.Out))
		y = graph.Reshape(y, B, c.outH, c.outW, c.Out)
	}
	return graph.Add(y, graph.ExpandLeftToRank(vars[c.B], y.Rank()))
}

// maxPool2 is a 2×2, stride 2 max pool of x [B, H, W, C] → [B, H/2, W/2, C]
// with a hand-written gradient: ∂L/∂x = mask·∂L/∂y/Σ mask with
// mask = [x = window max], so tied maxima (common: blank image regions give
// equal conv outputs) share the gradient. The forward pass is a single
// ReduceMax; GoMLX's generic ReduceMax gradient costs several Sign passes
// on the go backend. The injection uses the same identity-with-custom-
// gradient tie as [Conv.applyIm2col].
func maxPool2(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	xr := graph.Reshape(graph.StopGradient(x), d[0], d[1]/2, 2, d[2]/2, 2, d[3])
	y := graph.ReduceMax(xr, 2, 4)
	var dy *graph.Node
	xc := graph.IdentityWithCustomGradient(x, func(_, _ *graph.Node) *graph.Node {
		if dy == nil {
			return graph.ZerosLike(x)
		}
		mask := graph.ConvertDType(graph.Equal(xr, graph.ExpandAxes(y, 2, 4)), x.DType())
		share := graph.Div(dy, graph.ReduceSum(mask, 2, 4))
		return graph.Reshape(graph.Mul(mask, graph.ExpandAxes(share, 2, 4)), d...)
	})
	y = graph.Add(y, graph.MulScalar(firstElem(xc), 0))
	return graph.IdentityWithCustomGradient(y, func(_, v *graph.Node) *graph.Node {
		dy = v
		return v
	})
}

// firstElem returns x[0, …, 0] as a scalar: a cheap dependency on x.
func firstElem(x *graph.Node) *graph.Node {
	specs := make([]graph.SliceAxisSpec, x.Rank())
	for i := range specs {
		specs[i] = graph.AxisElem(0)
	}
	return graph.Reshape(graph.Slice(x, specs...))
}

// Relu is max(x, 0) written as x·[x > 0] with the mask held constant: the
// same value and gradient as Max(x, 0), with one product in the backward
// pass instead of GoMLX's generic Max gradient.
func Relu(x *graph.Node) *graph.Node {
	return graph.Mul(x, graph.StopGradient(graph.ConvertDType(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x.DType())))
}

// CNN is the authors' image trunk for 28×28 digits: conv 20@5×5, maxpool 2,
// conv 50@5×5, maxpool 2, then an MLP (800→200→100→200→2·out→out, ReLU)
// whose output is scaled by its OutScale. With Side > 0 the MLP also reads
// a vector of that width next to the 800 conv features (800+Side→...).
type CNN struct {
	H, W         int // input image size
	Side         int // width of the vector read beside the conv features (0: none)
	Conv1, Conv2 *Conv
	FC           *MLP
	Impl         ConvImpl
}

// NewCNN adds the CNN's weights for h×w single-channel images and a side
// vector of width side (0 for none). fc lists the MLP's hidden sizes (the
// input size 50·h'·w' + side is prepended, out appended).
func NewCNN(p *Params, rng *rand.Rand, name string, h, w, side int, fc []int, out int, outScale float64, impl ConvImpl) (*CNN, error) {
	if side < 0 {
		return nil, fmt.Errorf("nn: CNN %q: side width %d is negative", name, side)
	}
	c1, err := NewConv(p, rng, name+"/conv1", h, w, 5, 1, 20, impl)
	if err != nil {
		return nil, err
	}
	if c1.outH%2 != 0 || c1.outW%2 != 0 {
		return nil, fmt.Errorf("nn: CNN %q: image %dx%d gives an odd conv1 output %dx%d", name, h, w, c1.outH, c1.outW)
	}
	c2, err := NewConv(p, rng, name+"/conv2", c1.outH/2, c1.outW/2, 5, 20, 50, impl)
	if err != nil {
		return nil, err
	}
	if c2.outH%2 != 0 || c2.outW%2 != 0 {
		return nil, fmt.Errorf("nn: CNN %q: image %dx%d gives an odd conv2 output %dx%d", name, h, w, c2.outH, c2.outW)
	}
	sizes := append([]int{50*c2.outH/2*c2.outW/2 + side}, fc...)
	sizes = append(sizes, out)
	mlp, err := NewMLP(p, rng, name+"/fc", sizes, ActReLU, outScale)
	if err != nil {
		return nil, err
	}
	return &CNN{H: h, W: w, Side: side, Conv1: c1, Conv2: c2, FC: mlp, Impl: impl}, nil
}

// Apply maps images x [B, H, W] (values in [0, 1]) and, with Side > 0, the
// side vectors side [B, Side] to [B, out]; side is ignored when Side is 0.
func (c *CNN) Apply(vars []*graph.Node, x, side *graph.Node) *graph.Node {
	if x.DType() != dtypes.Float32 {
		x = graph.ConvertDType(x, dtypes.Float32)
	}
	batch := x.Shape().Dimensions[0]
	// relu and max commute, so pool first: relu then runs on 4× less data.
	h := graph.ExpandAxes(x, -1) // [B, H, W, 1]
	h = Relu(maxPool2(c.Conv1.Apply(vars, h)))
	h = Relu(maxPool2(c.Conv2.Apply(vars, h)))
	h = graph.Reshape(h, batch, -1)
	if c.Side > 0 {
		h = graph.Concatenate([]*graph.Node{h, graph.ConvertDType(side, dtypes.Float32)}, -1)
	}
	return c.FC.Apply(vars, h)
}
