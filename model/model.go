package model

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/nn"
)

// Model is a built network with its current weights and Adam state. Its
// methods are safe for concurrent use.
type Model struct {
	Cfg     Config          // the config, defaults applied
	Backend compute.Backend // where graphs run
	Spec    *nn.Params      // names and shapes of the weights (Values: the initial weights)

	mlp    *nn.MLP
	cnn    *nn.CNN
	dmp    *nn.DMP
	omega  nn.Omega
	critic *nn.MLP
	nets   map[string]*nn.MLP // Config.Nets by name
	alpha  int                // index of the raw learned α_z, or -1

	mu       sync.Mutex
	vals     []*tensors.Tensor // current weights, in Spec order
	adamM    *tensors.Tensor   // Adam first moments of all weights, flat in Spec order, [P] (nil until the first step)
	adamV    *tensors.Tensor   // Adam second moments, [P]
	step     int64             // Adam steps taken
	aux      map[string][]float64
	fwd      *graph.Exec
	fwdNoisy *graph.Exec // Forward with Batch.HeadNoise
}

// New builds the model for cfg on backend b, with weights initialised
// deterministically from cfg.Seed.
func New(cfg Config, b compute.Backend) (m *Model, err error) {
	if b == nil {
		return nil, errors.New("model: nil backend")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	m = &Model{Cfg: cfg, Backend: b, Spec: &nn.Params{}, alpha: -1, aux: map[string][]float64{}}
	defer recoverTo(&err, "model: build")
	rng := nn.NewRand(cfg.Seed)
	act, _ := nn.ParseActivation(cfg.Activation)
	out := cfg.HeadWidth()
	switch cfg.Net {
	case NetCNN:
		impl, _ := nn.ParseConvImpl(cfg.ConvImpl)
		m.cnn, err = nn.NewCNN(m.Spec, rng, "phi", cfg.ImageH, cfg.ImageW, cfg.startWidth(), cfg.Hidden, out, cfg.OutputScale, impl)
	default:
		sizes := append(append([]int{cfg.ObsDim}, cfg.Hidden...), out)
		m.mlp, err = nn.NewMLP(m.Spec, rng, "phi", sizes, act, cfg.OutputScale)
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if cfg.Head == HeadNDP {
		dc, _ := cfg.DMPConfig()
		if m.dmp, err = nn.NewDMP(dc, cfg.DMP.OnlyG); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		m.dmp.DirectForcing = cfg.DMP.DirectForcing
		m.omega, _ = nn.ParseOmega(cfg.Omega)
		if cfg.DMP.LearnAlphaZ {
			m.alpha = m.Spec.Add("dmp/alpha_z", []int{}, []float32{float32(dc.AlphaZ)})
		}
	}
	if cfg.ValueHeads > 0 {
		sizes := append(append([]int{cfg.ObsDim}, cfg.CriticHidden...), cfg.valueOutputs())
		if m.critic, err = nn.NewMLP(m.Spec, rng, "critic", sizes, act, 1); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	if err := m.buildNets(rng, act); err != nil {
		return nil, err
	}
	for _, e := range cfg.Extra {
		v := make([]float32, nn.Size(e.Shape))
		for i := range v {
			v[i] = float32(e.Init)
		}
		if m.Spec.Index(e.Name) >= 0 {
			return nil, fmt.Errorf("model: extra param %q clashes with a network weight", e.Name)
		}
		m.Spec.Add(e.Name, e.Shape, v)
	}
	m.vals = make([]*tensors.Tensor, m.Spec.Len())
	for i, v := range m.Spec.Values {
		m.vals[i] = tensors.FromFlatDataAndDimensions(append([]float32(nil), v...), m.Spec.Shapes[i]...)
	}
	return m, nil
}

// recoverTo turns a panic (GoMLX reports graph errors by panicking) into an
// error at the API boundary.
func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%s: %w", what, e)
		} else {
			*err = fmt.Errorf("%s: %v\n%s", what, r, debug.Stack())
		}
	}
}

// Outputs are the graph nodes of one forward pass, handed to loss functions.
// Nodes that do not apply to the config are nil.
type Outputs struct {
	Model *Model
	Vars  []*graph.Node // weight nodes, in Spec order (see [Outputs.Param])
	Obs   *graph.Node   // the observation input

	Head   *graph.Node // Φ's output, [B, H] (ndp: D·(N+1), or D with only_g, laid out [D][N weights, g]; raw: OutDim)
	W      *graph.Node // DMP weights w, [B, D, N] (ndp without only_g)
	G      *graph.Node // DMP goals g, [B, D]
	Y0     *graph.Node // start positions, [B, D]
	DY0    *graph.Node // start velocities, [B, D]
	Y      *graph.Node // positions y, [B, D, T+1], y[..., 0] = y0
	DY     *graph.Node // velocities ẏ, [B, D, T+1]
	DDY    *graph.Node // accelerations ÿ, [B, D, T+1] (nil with learned α_z)
	AlphaZ *graph.Node // the clamped learned α_z, scalar
	Aux    *graph.Node // extra outputs of Φ, [B, AuxOut] (ndp with AuxOut > 0)
	Action *graph.Node // Ω(y): [B, D, T+1] identity, [B, D, T] deltas; raw head: Head
	Value  *graph.Node // critic output, [B, k]
}

// Param returns the node of the named weight (e.g. an [Config.Extra] tensor
// such as "log_std"), or nil.
func (o *Outputs) Param(name string) *graph.Node {
	if i := o.Model.Spec.Index(name); i >= 0 {
		return o.Vars[i]
	}
	return nil
}

// Build adds the forward pass to a graph. vars are the weight nodes in
// Spec order; obs is [B, ObsDim] or [B, ImageH, ImageW]; y0, dy0 are [B, D]
// (nil for a raw head). Trainers normally get Outputs through a [LossFn];
// Build is exported for custom graphs.
func (m *Model) Build(vars []*graph.Node, obs, y0, dy0 *graph.Node) *Outputs {
	return m.BuildNoisy(vars, obs, y0, dy0, nil)
}

// BuildNoisy is Build with noise [B, HeadWidth] added to Φ's output before
// it is decoded into the DMP's w and g or by Config.Decode (exploration in parameter space):
// Outputs.Head stays Φ's own output, the trajectory and action are those of
// Head + noise. A nil noise is Build.
func (m *Model) BuildNoisy(vars []*graph.Node, obs, y0, dy0, noise *graph.Node) *Outputs {
	o := &Outputs{Model: m, Vars: vars, Obs: obs, Y0: y0, DY0: dy0}
	if obs.DType() != dtypes.Float32 {
		obs = graph.ConvertDType(obs, dtypes.Float32)
	}
	if m.cnn != nil {
		var side *graph.Node
		if st := m.Cfg.StartInput; st != nil {
			row := func(v []float64) *graph.Node { return graph.ExpandAxes(graph.Const(obs.Graph(), toF32(v)), 0) } // [1, D]
			side = graph.Div(graph.Sub(graph.ConvertDType(y0, dtypes.Float32), row(st.Mean)), row(st.Std))
		}
		o.Head = m.cnn.Apply(vars, obs, side)
	} else {
		o.Head = m.mlp.Apply(vars, obs)
	}
	if m.critic != nil {
		o.Value = m.critic.Apply(vars, obs)
		if m.Cfg.SharedValue {
			o.Value = graph.BroadcastToDims(o.Value, o.Value.Shape().Dimensions[0], m.Cfg.ValueHeads)
		}
	}
	head := o.Head
	if noise != nil {
		head = graph.Add(head, noise)
	}
	if m.dmp == nil {
		o.Action = o.Head
		if m.Cfg.Decode != nil {
			o.Action = o.decodeAction(head)
		}
		return o
	}
	o.W, o.G, o.Aux = m.Cfg.headLayout().decodeGraph(head, y0)
	if m.alpha >= 0 {
		o.AlphaZ = graph.ClipScalar(vars[m.alpha], nn.MinAlphaZ, nn.MaxAlphaZ)
		o.Y, o.DY = m.dmp.RolloutAlpha(vars[m.alpha], o.W, o.G, y0, dy0)
	} else {
		o.Y, o.DY, o.DDY = m.dmp.Rollout(o.W, o.G, y0, dy0)
	}
	o.Action = m.omega.Apply(o.Y)
	return o
}

// Batch is one batch of inputs. Obs is float32 [B, ObsDim] (mlp) or
// [B, ImageH, ImageW] (cnn); Y0, DY0 are float32 [B, D] and required for an
// ndp head; Extra are the loss function's inputs (targets, advantages, …).
type Batch struct {
	Obs, Y0, DY0 *tensors.Tensor
	Extra        []*tensors.Tensor
	// HeadNoise, if set, is float32 [B, HeadWidth] added to Φ's output
	// before decoding (see BuildNoisy); Forward only, ndp and decoded
	// heads only.
	HeadNoise *tensors.Tensor
}

// F32 wraps row-major data as a float32 tensor of the given shape.
func F32(data []float32, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// check validates b's shapes against the config and returns the batch size.
func (m *Model) check(b Batch) (int, error) {
	if b.Obs == nil {
		return 0, errors.New("model: batch has no observations")
	}
	dims := b.Obs.Shape().Dimensions
	want := []int{m.Cfg.ObsDim}
	if m.cnn != nil {
		want = []int{m.Cfg.ImageH, m.Cfg.ImageW}
	}
	if len(dims) != len(want)+1 || b.Obs.Shape().DType != dtypes.Float32 || dims[0] < 1 {
		return 0, fmt.Errorf("model: observations have shape %s, want float32 [B %v]", b.Obs.Shape(), want)
	}
	for i, w := range want {
		if dims[i+1] != w {
			return 0, fmt.Errorf("model: observations have shape %s, want float32 [B %v]", b.Obs.Shape(), want)
		}
	}
	B := dims[0]
	starts := []struct {
		name string
		t    *tensors.Tensor
	}{{"y0", b.Y0}, {"dy0", b.DY0}}
	width := m.Cfg.DoF
	switch {
	case m.dmp == nil && m.Cfg.StartInput != nil:
		starts, width = starts[:1], m.Cfg.startWidth()
	case m.dmp == nil:
		starts = nil
	}
	for _, t := range starts {
		if t.t == nil {
			return 0, fmt.Errorf("model: this network needs %s [B, %d]", t.name, width)
		}
		s := t.t.Shape()
		if s.DType != dtypes.Float32 || s.Rank() != 2 || s.Dimensions[0] != B || s.Dimensions[1] != width {
			return 0, fmt.Errorf("model: %s has shape %s, want float32 [%d %d]", t.name, s, B, width)
		}
	}
	return B, nil
}

// takesY0 says whether batches carry the start y0: an ndp head integrates
// from it (and takes ẏ0 too), a start input reads it.
func (m *Model) takesY0() bool { return m.dmp != nil || m.Cfg.StartInput != nil }

// inputs returns the batch tensors in graph order: obs[, y0][, dy0], extra....
func (m *Model) inputs(b Batch) []any {
	in := []any{b.Obs}
	if m.takesY0() {
		in = append(in, b.Y0)
	}
	if m.dmp != nil {
		in = append(in, b.DY0)
	}
	for _, e := range b.Extra {
		in = append(in, e)
	}
	return in
}

// batchNodes splits a graph's batch inputs, in the order of inputs.
func (m *Model) batchNodes(in []*graph.Node) (obs, y0, dy0 *graph.Node, rest []*graph.Node) {
	obs, rest = in[0], in[1:]
	if m.takesY0() {
		y0, rest = rest[0], rest[1:]
	}
	if m.dmp != nil {
		dy0, rest = rest[0], rest[1:]
	}
	return obs, y0, dy0, rest
}

// Result holds the forward outputs of a batch; entries that do not apply
// are nil. Shapes as in [Outputs]; for a raw head Action is Head. DDY (ÿ,
// e.g. for an inverse-dynamics controller) is nil with a learned α_z.
type Result struct {
	Head, Action, Y, DY, DDY, Value, Aux *tensors.Tensor
}

// Forward runs the network on a batch (Extra is ignored).
func (m *Model) Forward(b Batch) (res *Result, err error) {
	if _, err := m.check(b); err != nil {
		return nil, err
	}
	noisy := b.HeadNoise != nil
	if noisy {
		s := b.HeadNoise.Shape()
		if (m.dmp == nil && m.Cfg.Decode == nil) || s.DType != dtypes.Float32 || s.Rank() != 2 || s.Dimensions[0] != b.Obs.Shape().Dimensions[0] || s.Dimensions[1] != m.Cfg.HeadWidth() {
			return nil, fmt.Errorf("model: head noise has shape %s, want float32 [B %d] on an ndp or decoded head", s, m.Cfg.HeadWidth())
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	defer recoverTo(&err, "model: forward")
	exec := &m.fwd
	if noisy {
		exec = &m.fwdNoisy
	}
	if *exec == nil {
		nv, hasDMP, hasV, decoded := len(m.vals), m.dmp != nil, m.critic != nil, m.Cfg.Decode != nil
		*exec, err = graph.NewExec(m.Backend, func(in []*graph.Node) []*graph.Node {
			obs, y0, dy0, rest := m.batchNodes(in[nv:])
			var noise *graph.Node
			if noisy {
				noise = rest[0]
			}
			o := m.BuildNoisy(in[:nv], obs, y0, dy0, noise)
			outs := []*graph.Node{o.Head}
			if decoded {
				outs = append(outs, o.Action)
			}
			if hasDMP {
				ddy := o.DDY
				if ddy == nil { // learned α_z: no linear-form acceleration
					ddy = graph.ZerosLike(o.Y)
				}
				outs = append(outs, o.Action, o.Y, o.DY, ddy)
			}
			if hasV {
				outs = append(outs, o.Value)
			}
			if o.Aux != nil {
				outs = append(outs, o.Aux)
			}
			return outs
		})
		if err != nil {
			return nil, fmt.Errorf("model: forward: %w", err)
		}
		(*exec).SetMaxCache(64)
	}
	args := make([]any, 0, len(m.vals)+4)
	for _, v := range m.vals {
		args = append(args, v)
	}
	args = append(args, m.inputs(Batch{Obs: b.Obs, Y0: b.Y0, DY0: b.DY0})...)
	if noisy {
		args = append(args, b.HeadNoise)
	}
	outs, err := (*exec).Call(args...)
	if err != nil {
		return nil, fmt.Errorf("model: forward: %w", err)
	}
	res = &Result{Head: outs[0], Action: outs[0]}
	i := 1
	if m.Cfg.Decode != nil {
		res.Action, i = outs[1], 2
	}
	if m.dmp != nil {
		res.Action, res.Y, res.DY = outs[1], outs[2], outs[3]
		if m.alpha < 0 {
			res.DDY = outs[4]
		}
		i = 5
	}
	if m.critic != nil {
		res.Value = outs[i]
		i++
	}
	if m.Cfg.AuxOut > 0 {
		res.Aux = outs[i]
	}
	return res, nil
}

// Weights returns copies of the current weights, in Spec order.
func (m *Model) Weights() ([][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyAll(m.vals)
}

// SetWeights replaces the weights (shapes must match Spec) and keeps the
// optimizer state.
func (m *Model) SetWeights(w [][]float32) error {
	if len(w) != m.Spec.Len() {
		return fmt.Errorf("model: %d weight tensors given, model has %d", len(w), m.Spec.Len())
	}
	for i, v := range w {
		if len(v) != nn.Size(m.Spec.Shapes[i]) {
			return fmt.Errorf("model: weight %q has %d values, want %d", m.Spec.Names[i], len(v), nn.Size(m.Spec.Shapes[i]))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, v := range w {
		m.vals[i] = tensors.FromFlatDataAndDimensions(append([]float32(nil), v...), m.Spec.Shapes[i]...)
	}
	return nil
}

// Steps returns the number of optimizer steps taken.
func (m *Model) Steps() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.step
}

// SetAux stores trainer state saved with checkpoints (e.g. PPO's
// observation mean and variance).
func (m *Model) SetAux(key string, v []float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.aux[key] = append([]float64(nil), v...)
}

// Aux returns a copy of trainer state stored with [Model.SetAux], or nil.
func (m *Model) Aux(key string) []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]float64(nil), m.aux[key]...)
}

// SetAuxBytes stores bytes (an RNG state, a name) as trainer state, one
// value per byte.
func (m *Model) SetAuxBytes(key string, b []byte) {
	v := make([]float64, len(b))
	for i, c := range b {
		v[i] = float64(c)
	}
	m.SetAux(key, v)
}

// AuxBytes returns bytes stored with [Model.SetAuxBytes] (nil when key is
// absent); a value that is not a whole number in [0, 255] is an error.
func (m *Model) AuxBytes(key string) ([]byte, error) {
	v := m.Aux(key)
	if v == nil {
		return nil, nil
	}
	b := make([]byte, len(v))
	for i, x := range v {
		if !(x >= 0 && x <= 255) || x != math.Trunc(x) {
			return nil, fmt.Errorf("model: aux %q holds %v at %d, not a byte", key, x, i)
		}
		b[i] = byte(x)
	}
	return b, nil
}

// AuxKeys returns the keys of the trainer state stored with
// [Model.SetAux], sorted.
func (m *Model) AuxKeys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.aux))
}

func copyAll(ts []*tensors.Tensor) ([][]float32, error) {
	out := make([][]float32, len(ts))
	for i, t := range ts {
		v, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("model: reading tensor %d: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}
