package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/nn"
)

// NetConfig is an extra MLP of a model besides Φ and the critic, for losses
// that need more than one network (Dyn-E's embedding: a dynamics predictor
// and an action decoder beside the action encoder Φ). Its hidden layers
// use the model's Activation, its output is linear, and its weights are
// named "NAME/i/w", "NAME/i/b".
type NetConfig struct {
	Name  string `json:"name"`
	Sizes []int  `json:"sizes"` // layer widths, input first: [in, hidden..., out]
	// Frozen stops the gradient into the net's weights, so training leaves
	// them as they were set (a pretrained decoder).
	Frozen bool `json:"frozen,omitempty"`
}

// Decode makes a raw head's action a net of its output: with Φ's output u
// [B, OutDim] (plus exploration noise, if any),
//
//	z = Shift + Scale ⊙ clip(u, −1, 1),   action = tanh(Net(z))   [B, out]
//
// so that Φ acts in a bounded latent space whose box [−1, 1]^OutDim covers
// the decoder's training range (Dyn-E's latent actions).
type Decode struct {
	Net   string    `json:"net"`   // a name in Config.Nets whose input width is OutDim
	Shift []float64 `json:"shift"` // [OutDim]
	Scale []float64 `json:"scale"` // [OutDim], positive
}

// validateNets checks Config.Nets and Config.Decode.
func (c Config) validateNets() error {
	bad := func(format string, a ...any) error { return fmt.Errorf("model: config: "+format, a...) }
	seen := map[string]bool{}
	for _, n := range c.Nets {
		switch {
		case n.Name == "" || n.Name == "phi" || n.Name == "critic":
			return bad("net name %q is empty or taken", n.Name)
		case seen[n.Name]:
			return bad("net %q appears twice", n.Name)
		case len(n.Sizes) < 2 || slices.ContainsFunc(n.Sizes, func(s int) bool { return s < 1 }):
			return bad("net %q has sizes %v, want at least 2 positive widths", n.Name, n.Sizes)
		}
		seen[n.Name] = true
	}
	d := c.Decode
	if d == nil {
		return nil
	}
	if c.Head != HeadRaw {
		return bad("decode needs a raw head")
	}
	i := slices.IndexFunc(c.Nets, func(n NetConfig) bool { return n.Name == d.Net })
	if i < 0 {
		return bad("decode net %q is not in nets", d.Net)
	}
	if in := c.Nets[i].Sizes[0]; in != c.OutDim {
		return bad("decode net %q takes %d inputs, the head has %d", d.Net, in, c.OutDim)
	}
	if len(d.Shift) != c.OutDim || len(d.Scale) != c.OutDim {
		return bad("decode shift and scale have %d and %d entries, want %d", len(d.Shift), len(d.Scale), c.OutDim)
	}
	for i := range d.Shift {
		if math.IsNaN(d.Shift[i]) || math.IsInf(d.Shift[i], 0) || !(d.Scale[i] > 0) || math.IsInf(d.Scale[i], 0) {
			return bad("decode shift %v and scale %v must be finite, scale positive", d.Shift[i], d.Scale[i])
		}
	}
	return nil
}

// ActionWidth is the width of the model's action for a raw head: OutDim,
// or the decode net's output width.
func (c Config) ActionWidth() int {
	if c.Decode != nil {
		for _, n := range c.Nets {
			if n.Name == c.Decode.Net {
				return n.Sizes[len(n.Sizes)-1]
			}
		}
	}
	return c.OutDim
}

// netParams counts the weights of the extra nets.
func (c Config) netParams() float64 {
	n := 0.0
	for _, nc := range c.Nets {
		for i := 1; i < len(nc.Sizes); i++ {
			n += float64(nc.Sizes[i-1]+1) * float64(nc.Sizes[i])
		}
	}
	return n
}

// buildNets adds the extra nets' weights to m.Spec.
func (m *Model) buildNets(rng *rand.Rand, act nn.Activation) error {
	m.nets = map[string]*nn.MLP{}
	for _, nc := range m.Cfg.Nets {
		mlp, err := nn.NewMLP(m.Spec, rng, nc.Name, nc.Sizes, act, 1)
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
		m.nets[nc.Name] = mlp
	}
	return nil
}

// Net applies the extra net name to x [B, in], giving [B, out]. It panics
// (inside graph building, where errors are panics) for an unknown name.
func (o *Outputs) Net(name string, x *graph.Node) *graph.Node {
	mlp := o.Model.nets[name]
	if mlp == nil {
		panic(fmt.Errorf("model: no net %q", name))
	}
	vars := o.Vars
	if i := slices.IndexFunc(o.Model.Cfg.Nets, func(n NetConfig) bool { return n.Name == name }); o.Model.Cfg.Nets[i].Frozen {
		vars = slices.Clone(vars)
		for _, l := range mlp.Layers {
			vars[l.W], vars[l.B] = graph.StopGradient(vars[l.W]), graph.StopGradient(vars[l.B])
		}
	}
	return mlp.Apply(vars, x)
}

// decodeAction is Decode's map from Φ's (noisy) output u [B, OutDim] to the
// action.
func (o *Outputs) decodeAction(u *graph.Node) *graph.Node {
	d := o.Model.Cfg.Decode
	g := u.Graph()
	shift := graph.Const(g, toF32(d.Shift))
	scale := graph.Const(g, toF32(d.Scale))
	z := graph.Add(graph.Mul(graph.ClipScalar(u, -1, 1), graph.ExpandAxes(scale, 0)), graph.ExpandAxes(shift, 0))
	return graph.Tanh(o.Net(d.Net, z))
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// CopyNet sets the weights of net name (Φ is "phi") to those of the net of
// the same name in src, e.g. a pretrained decoder into a policy. The nets
// must have the same layer sizes.
func (m *Model) CopyNet(src *Model, name string) error {
	prefix := name + "/"
	from, err := src.Weights()
	if err != nil {
		return err
	}
	to, err := m.Weights()
	if err != nil {
		return err
	}
	n := 0
	for i, pname := range m.Spec.Names {
		if !strings.HasPrefix(pname, prefix) {
			continue
		}
		j := src.Spec.Index(pname)
		if j < 0 || !slices.Equal(src.Spec.Shapes[j], m.Spec.Shapes[i]) {
			return fmt.Errorf("model: copying net %q: %s is missing or shaped differently in the source", name, pname)
		}
		to[i] = slices.Clone(from[j])
		n++
	}
	if n == 0 {
		return fmt.Errorf("model: copying net %q: the model has no such net", name)
	}
	return m.SetWeights(to)
}
