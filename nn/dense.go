package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	gnn "github.com/gomlx/gomlx/ml/nn"
)

// Activation names a hidden-layer nonlinearity.
type Activation string

// The supported activations.
const (
	ActTanh Activation = "tanh"
	ActReLU Activation = "relu"
)

// ParseActivation validates an activation name ("" means tanh).
func ParseActivation(s string) (Activation, error) {
	switch Activation(s) {
	case "", ActTanh:
		return ActTanh, nil
	case ActReLU:
		return ActReLU, nil
	}
	return "", fmt.Errorf("nn: unknown activation %q (want tanh or relu)", s)
}

// Apply applies the activation to x.
func (a Activation) Apply(x *graph.Node) *graph.Node {
	if a == ActReLU {
		return Relu(x)
	}
	return graph.Tanh(x)
}

func (a Activation) fused() activation.Type {
	if a == ActReLU {
		return activation.TypeRelu
	}
	return activation.TypeTanh
}

// Dense is an affine layer y = x·W + b with W [In, Out], b [Out].
type Dense struct {
	W, B    int // indices into Params
	In, Out int
}

// NewDense adds the weights of an In→Out layer, initialised uniform in
// ±1/√In like PyTorch's nn.Linear.
func NewDense(p *Params, rng *rand.Rand, name string, in, out int) Dense {
	bound := FanIn(in)
	w := p.Add(name+"/w", []int{in, out}, Uniform(rng, in*out, bound))
	b := p.Add(name+"/b", []int{out}, Uniform(rng, out, bound))
	return Dense{W: w, B: b, In: in, Out: out}
}

// Apply maps x [B, In] to [B, Out].
func (d Dense) Apply(vars []*graph.Node, x *graph.Node) *graph.Node {
	return d.apply(vars, x, activation.TypeNone)
}

// apply is act(x·W + b) as one fused op where the backend has it (the go
// backend does, forward and backward): the per-op cost of small graphs, not
// their arithmetic, bounds PPO's minibatch steps. GoMLX decomposes it
// elsewhere.
func (d Dense) apply(vars []*graph.Node, x *graph.Node, act activation.Type) *graph.Node {
	return gnn.Dense(x, vars[d.W], vars[d.B], compute.DenseLayoutInputOutputs, act)
}

// MLP is a stack of Dense layers with an activation between them; the last
// layer's output is multiplied by OutScale (the authors scale Φ's output by
// 100 for RL states and 1000 for images so that DMP weights start large
// enough to matter).
type MLP struct {
	Layers   []Dense
	Act      Activation
	OutScale float64
}

// NewMLP adds an MLP with the given layer sizes (sizes[0] inputs,
// sizes[len-1] outputs, at least one layer).
func NewMLP(p *Params, rng *rand.Rand, name string, sizes []int, act Activation, outScale float64) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn: MLP %q needs at least 2 sizes, got %v", name, sizes)
	}
	for _, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("nn: MLP %q has a non-positive layer size in %v", name, sizes)
		}
	}
	m := &MLP{Act: act, OutScale: outScale}
	for i := 0; i+1 < len(sizes); i++ {
		m.Layers = append(m.Layers, NewDense(p, rng, fmt.Sprintf("%s/%d", name, i), sizes[i], sizes[i+1]))
	}
	return m, nil
}

// In returns the input width.
func (m *MLP) In() int { return m.Layers[0].In }

// Out returns the output width.
func (m *MLP) Out() int { return m.Layers[len(m.Layers)-1].Out }

// Apply maps x [B, In] to [B, Out].
func (m *MLP) Apply(vars []*graph.Node, x *graph.Node) *graph.Node {
	for i, l := range m.Layers {
		act := activation.TypeNone
		if i+1 < len(m.Layers) {
			act = m.Act.fused()
		}
		x = l.apply(vars, x, act)
	}
	if m.OutScale != 0 && m.OutScale != 1 {
		x = graph.MulScalar(x, m.OutScale)
	}
	return x
}
