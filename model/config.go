// Package model is the one API every NDP trainer uses: build a network from
// a JSON-serialisable [Config], run it on a batch, train it with Adam and a
// loss the trainer supplies as a graph function, save and load checkpoints,
// and run a trained MLP policy in pure Go at batch 1.
//
// A model is π(a|s) = Ω(DE(Φ(s))) (the paper's section 3): Φ is an MLP or
// the authors' digits CNN, DE the DMP layer of package nn, Ω the output map.
// With Head "raw" the DMP is skipped and Φ's output is the action (the
// paper's baselines). An optional critic MLP with k value heads serves PPO.
package model

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/internal/memlimit"
	"github.com/ndp-go/ndp/nn"
)

// Net kinds for Config.Net.
const (
	NetMLP = "mlp" // Φ is an MLP on a state vector [B, ObsDim]
	NetCNN = "cnn" // Φ is the digits CNN on images [B, ImageH, ImageW]
)

// Head kinds for Config.Head.
const (
	HeadNDP = "ndp" // Φ predicts (w, g) per DoF, then the DMP layer and Ω
	HeadRaw = "raw" // Φ's output is the action itself, [B, OutDim]
)

// Config describes a model completely: building it twice from the same
// Config (same Seed) gives identical weights. The zero value of optional
// fields means the default noted; [Config.WithDefaults] fills them in.
type Config struct {
	Net         string  `json:"net"`                    // NetMLP (default) or NetCNN
	ObsDim      int     `json:"obs_dim,omitempty"`      // MLP input width (required for mlp)
	ImageH      int     `json:"image_h,omitempty"`      // CNN input height (default 28)
	ImageW      int     `json:"image_w,omitempty"`      // CNN input width (default 28)
	Hidden      []int   `json:"hidden,omitempty"`       // MLP hidden sizes (default [100 100]); CNN fc hidden sizes (default [200 100 200 2·out])
	Activation  string  `json:"activation,omitempty"`   // MLP hidden activation "tanh" (default) or "relu"; the CNN uses relu
	ConvImpl    string  `json:"conv_impl,omitempty"`    // CNN conv lowering: "im2col" (default), "slices", "gather", "builtin"
	OutputScale float64 `json:"output_scale,omitempty"` // Φ's last layer is multiplied by this (default: ndp 100 for mlp, 1000 for cnn; raw 1)

	Head         string    `json:"head"`                    // HeadNDP (default) or HeadRaw
	DoF          int       `json:"dof,omitempty"`           // D, degrees of freedom of the DMP (ndp)
	OutDim       int       `json:"out_dim,omitempty"`       // width of a raw head
	DMP          DMPConfig `json:"dmp"`                     // DMP layer options (ndp)
	Omega        string    `json:"omega,omitempty"`         // "identity" (default) or "deltas"
	GoalRelative bool      `json:"goal_relative,omitempty"` // g = y0 + Φ's goal output instead of the output itself
	GoalScale    float64   `json:"goal_scale,omitempty"`    // > 0: Φ's goal outputs are scaled by this instead of OutputScale (ndp)
	AuxOut       int       `json:"aux_out,omitempty"`       // ndp: extra unscaled outputs of Φ after the DMP parameters, e.g. a gripper command
	// HeadShift and HeadScale standardise an ndp head (both or neither, of
	// the DMP part's width): Φ's DMP outputs are read as shift + scale·out
	// before decoding, e.g. with the mean and std of parameters fitted to
	// demonstrations, so that each starts near its typical value and moves
	// on its own scale (see headLayout).
	HeadShift []float64 `json:"head_shift,omitempty"`
	HeadScale []float64 `json:"head_scale,omitempty"`
	// StartInput, if set, makes a cnn's Φ read the start position y0 [B, D]
	// as well, standardised as (y0 − Mean)/Std, beside its conv features:
	// an image alone does not show where on a closed stroke the pen starts,
	// while a robot knows where it is. Batches then need Y0 for a raw head
	// too, of the standardiser's width (an ndp head's: DoF).
	StartInput *Standardiser `json:"start_input,omitempty"`

	ValueHeads   int   `json:"value_heads,omitempty"`   // k > 0 adds a critic MLP on the observation with k outputs (mlp only)
	CriticHidden []int `json:"critic_hidden,omitempty"` // critic hidden sizes (default: Hidden)
	// SharedValue gives the critic one output, repeated ValueHeads times:
	// the authors' critic for NDP and PPO-multi, where ours has one head
	// per step of a decision.
	SharedValue bool        `json:"shared_value,omitempty"`
	Extra       []ParamSpec `json:"extra,omitempty"`  // trainer-owned tensors trained with the rest, e.g. PPO's log std
	Nets        []NetConfig `json:"nets,omitempty"`   // extra MLPs for a loss or for Decode (mlp only)
	Decode      *Decode     `json:"decode,omitempty"` // raw head: the action is a net of Φ's output (see Decode)

	Seed  int64       `json:"seed"`  // initialisation seed
	Optim OptimConfig `json:"optim"` // Adam settings used by [Model.NewTrainer]
}

// DMPConfig are the DMP layer options (see [dmp.Config]).
type DMPConfig struct {
	N           int     `json:"n"`                       // basis functions per DoF (default 30 for cnn, 6 for mlp)
	T           int     `json:"t"`                       // recorded steps, trajectory has T+1 points (default 300 cnn, 5 mlp)
	Substeps    int     `json:"substeps,omitempty"`      // l Euler substeps per recorded step (default 1)
	Tau         float64 `json:"tau,omitempty"`           // τ (default 1)
	AlphaZ      float64 `json:"alpha_z,omitempty"`       // α_z (default 25); the initial value when learned
	AX          float64 `json:"a_x,omitempty"`           // a_x (default 1)
	Kernel      string  `json:"kernel,omitempty"`        // basis kernel (default "gaussian")
	OnlyG       bool    `json:"only_g,omitempty"`        // forcing term zero, Φ predicts only g (ablation)
	LearnAlphaZ bool    `json:"learn_alpha_z,omitempty"` // α_z is trained, clamped to [0.5, 30] (ablation)
	// DirectForcing makes Φ's weights the forcing amplitudes u = (g − y0)·w
	// themselves: the DMP without its amplitude factor, which can still
	// shape a stroke that ends where it starts (g = y0).
	DirectForcing bool `json:"direct_forcing,omitempty"`
}

// SetControlNDP makes c the NDP head of the control tasks, the one NDP
// every control learner (PPO, behaviour cloning) trains: Φ gives (w, g)
// for each of dof position DoF with the goal relative to the current
// position, Ω = position deltas (K = d.T actions per decision), Φ's weights
// scaled by weightScale and goals by goalScale, and aux raw outputs for the
// action dims that are not positions (e.g. the Sawyer gripper).
func (c *Config) SetControlNDP(dof, aux int, d DMPConfig, weightScale, goalScale float64) {
	c.Head, c.DoF, c.AuxOut, c.DMP = HeadNDP, dof, aux, d
	c.Omega, c.GoalRelative = "deltas", true
	c.OutputScale, c.GoalScale = weightScale, goalScale
}

// Standardiser maps an input x to (x − Mean)/Std, elementwise.
type Standardiser struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// validate reports a standardiser of the wrong width, a non-finite mean or a
// scale that is not positive and finite.
func (s *Standardiser) validate(name string, width int) error {
	if len(s.Mean) != width || len(s.Std) != width {
		return fmt.Errorf("%s needs %d means and stds, got %d and %d", name, width, len(s.Mean), len(s.Std))
	}
	for i := range s.Mean {
		if a, b := s.Mean[i], s.Std[i]; math.IsNaN(a) || math.IsInf(a, 0) || !(b > 0) || math.IsInf(b, 0) {
			return fmt.Errorf("%s[%d]: mean %v, std %v: want a finite mean and a positive std", name, i, a, b)
		}
	}
	return nil
}

// startWidth is the width of the start input Φ reads (0: none).
func (c Config) startWidth() int {
	if c.StartInput == nil {
		return 0
	}
	return len(c.StartInput.Mean)
}

// ParamSpec declares an extra trainable tensor filled with Init.
type ParamSpec struct {
	Name  string  `json:"name"`
	Shape []int   `json:"shape"`
	Init  float64 `json:"init"`
}

// OptimConfig are the Adam settings.
type OptimConfig struct {
	LR         float64 `json:"lr,omitempty"`          // learning rate (default 1e-3)
	Beta1      float64 `json:"beta1,omitempty"`       // default 0.9
	Beta2      float64 `json:"beta2,omitempty"`       // default 0.999
	Eps        float64 `json:"eps,omitempty"`         // default 1e-8
	ClipNorm   float64 `json:"clip_norm,omitempty"`   // global gradient-norm clip (0: none)
	DecaySteps int64   `json:"decay_steps,omitempty"` // lr decays linearly to 0 over this many steps (0: constant)
}

// WithDefaults returns c with every unset optional field filled in.
func (c Config) WithDefaults() Config {
	if c.Net == "" {
		c.Net = NetMLP
	}
	if c.Head == "" {
		c.Head = HeadNDP
	}
	if c.Net == NetCNN {
		if c.ImageH == 0 {
			c.ImageH = 28
		}
		if c.ImageW == 0 {
			c.ImageW = 28
		}
		if c.ConvImpl == "" {
			c.ConvImpl = string(nn.ConvIm2col)
		}
	}
	if c.Activation == "" {
		c.Activation = string(nn.ActTanh)
	}
	if c.Head == HeadNDP {
		d := &c.DMP
		if d.N == 0 {
			d.N = map[bool]int{true: 30, false: 6}[c.Net == NetCNN]
		}
		if d.T == 0 {
			d.T = map[bool]int{true: 300, false: 5}[c.Net == NetCNN]
		}
		dc := dmp.Config{N: d.N, T: d.T, Substeps: d.Substeps, Tau: d.Tau, AlphaZ: d.AlphaZ, AX: d.AX}.WithDefaults()
		d.Substeps, d.Tau, d.AlphaZ, d.AX = dc.Substeps, dc.Tau, dc.AlphaZ, dc.AX
		if d.Kernel == "" {
			d.Kernel = "gaussian"
		}
		if c.Omega == "" {
			c.Omega = string(nn.OmegaIdentity)
		}
	}
	if c.Hidden == nil {
		if c.Net == NetCNN {
			c.Hidden = []int{200, 100, 200, 2 * c.HeadWidth()}
		} else {
			c.Hidden = []int{100, 100}
		}
	}
	if c.ValueHeads > 0 && c.CriticHidden == nil {
		c.CriticHidden = slices.Clone(c.Hidden)
	}
	if c.OutputScale == 0 {
		switch {
		case c.Head == HeadRaw:
			c.OutputScale = 1
		case c.Net == NetCNN:
			c.OutputScale = 1000
		default:
			c.OutputScale = 100
		}
	}
	o := &c.Optim
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	return c
}

// HeadWidth is Φ's output width: D·(N+1) (D when only_g) plus AuxOut, or OutDim.
func (c Config) HeadWidth() int {
	if c.Head == HeadRaw {
		return c.OutDim
	}
	return c.dmpWidth() + c.AuxOut
}

// dmpWidth is the part of an ndp head that parametrises the DMP.
func (c Config) dmpWidth() int { return c.headLayout().dmpWidth() }

// DMPConfig returns the dmp package config of the DMP layer.
func (c Config) DMPConfig() (dmp.Config, error) {
	k, err := dmp.ParseKernel(c.DMP.Kernel)
	if err != nil {
		return dmp.Config{}, err
	}
	d := c.DMP
	return dmp.Config{N: d.N, T: d.T, Substeps: d.Substeps, Tau: d.Tau, AlphaZ: d.AlphaZ, AX: d.AX, Kernel: k}.WithDefaults(), nil
}

// Validate reports the first problem of c (after defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	bad := func(format string, a ...any) error { return fmt.Errorf("model: config: "+format, a...) }
	switch c.Net {
	case NetMLP:
		if c.ObsDim < 1 {
			return bad("mlp needs obs_dim ≥ 1, got %d", c.ObsDim)
		}
	case NetCNN:
		if c.ImageH < 1 || c.ImageW < 1 {
			return bad("cnn needs a positive image size, got %dx%d", c.ImageH, c.ImageW)
		}
		if _, err := nn.ParseConvImpl(c.ConvImpl); err != nil {
			return bad("%v", err)
		}
		if c.ValueHeads > 0 {
			return bad("value heads are supported for mlp nets only")
		}
	default:
		return bad("unknown net %q (want mlp or cnn)", c.Net)
	}
	if _, err := nn.ParseActivation(c.Activation); err != nil {
		return bad("%v", err)
	}
	for _, h := range append(slices.Clone(c.Hidden), c.CriticHidden...) {
		if h < 1 {
			return bad("hidden sizes must be positive, got %v / %v", c.Hidden, c.CriticHidden)
		}
	}
	switch c.Head {
	case HeadNDP:
		if c.DoF < 1 {
			return bad("ndp head needs dof ≥ 1, got %d", c.DoF)
		}
		dc, err := c.DMPConfig()
		if err != nil {
			return bad("%v", err)
		}
		if err := dc.Validate(); err != nil {
			return bad("%v", err)
		}
		if _, err := nn.ParseOmega(c.Omega); err != nil {
			return bad("%v", err)
		}
		if c.DMP.LearnAlphaZ && c.DMP.T*c.DMP.Substeps > 5000 {
			return bad("learned α_z unrolls T·l = %d Euler steps; at most 5000 are supported", c.DMP.T*c.DMP.Substeps)
		}
	case HeadRaw:
		if c.OutDim < 1 {
			return bad("raw head needs out_dim ≥ 1, got %d", c.OutDim)
		}
	default:
		return bad("unknown head %q (want ndp or raw)", c.Head)
	}
	if c.AuxOut < 0 || (c.AuxOut > 0 && c.Head != HeadNDP) {
		return bad("aux_out = %d: needs an ndp head and a value ≥ 0", c.AuxOut)
	}
	if c.GoalScale < 0 {
		return bad("goal_scale = %v is negative", c.GoalScale)
	}
	if len(c.HeadShift) > 0 || len(c.HeadScale) > 0 {
		if c.Head != HeadNDP || len(c.HeadShift) != c.dmpWidth() || len(c.HeadScale) != c.dmpWidth() {
			return bad("head_shift and head_scale need an ndp head and %d values each, got %d and %d", c.dmpWidth(), len(c.HeadShift), len(c.HeadScale))
		}
		for i := range c.HeadShift {
			if a, b := c.HeadShift[i], c.HeadScale[i]; math.IsNaN(a) || math.IsInf(a, 0) || !(b > 0) || math.IsInf(b, 0) {
				return bad("head_shift[%d] = %v, head_scale[%d] = %v: want finite values and a positive scale", i, a, i, b)
			}
		}
	}
	if c.StartInput != nil {
		w := c.startWidth()
		if c.Head == HeadNDP {
			w = c.DoF
		}
		if c.Net != NetCNN || w < 1 {
			return bad("start_input needs a cnn net and at least one start coordinate")
		}
		if err := c.StartInput.validate("start_input", w); err != nil {
			return bad("%v", err)
		}
	}
	if c.DMP.DirectForcing && (c.DMP.OnlyG || c.Head != HeadNDP) {
		return bad("direct_forcing needs an ndp head with a forcing term (not only_g)")
	}
	if c.ValueHeads < 0 {
		return bad("value_heads = %d is negative", c.ValueHeads)
	}
	if c.SharedValue && c.ValueHeads == 0 {
		return bad("shared_value needs a critic (value_heads > 0)")
	}
	if err := c.validateNets(); err != nil {
		return err
	}
	for _, e := range c.Extra {
		if e.Name == "" || nn.Size(e.Shape) < 1 || slices.ContainsFunc(e.Shape, func(d int) bool { return d < 1 }) {
			return bad("extra param %q needs a name and a positive shape, got %v", e.Name, e.Shape)
		}
	}
	if err := memlimit.Check(c.sizeText(), 16*c.paramCount()); err != nil {
		return err
	}
	o := c.Optim
	if !(o.LR > 0) || !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1) || !(o.Eps > 0) || o.ClipNorm < 0 || o.DecaySteps < 0 {
		return bad("invalid optimizer settings %+v", o)
	}
	return nil
}

// valueOutputs is the width of the critic's last layer.
func (c Config) valueOutputs() int {
	if c.SharedValue {
		return 1
	}
	return c.ValueHeads
}

// sizeText describes the network for memory errors.
func (c Config) sizeText() string {
	critic := ""
	if c.ValueHeads > 0 {
		critic = fmt.Sprintf(", critic hidden %v", c.CriticHidden)
	}
	return fmt.Sprintf("model: a network of %.3g parameters (hidden %v, output %d%s) with its gradients and Adam moments",
		c.paramCount(), c.Hidden, c.HeadWidth(), critic)
}

// paramCount counts the trainable parameters that [New] creates, as a float
// so that absurd sizes do not overflow.
func (c Config) paramCount() float64 {
	dense := func(sizes []int) float64 {
		n := 0.0
		for i := 1; i < len(sizes); i++ {
			n += float64(sizes[i-1]+1) * float64(sizes[i])
		}
		return n
	}
	n := 0.0
	if c.Net == NetCNN { // conv 5×5×1→20 and 5×5×20→50, each followed by a 2×2 pool
		h, w := ((c.ImageH-4)/2-4)/2, ((c.ImageW-4)/2-4)/2
		n = 26*20 + 501*50 + dense(append(append([]int{50*max(h, 0)*max(w, 0) + c.startWidth()}, c.Hidden...), c.HeadWidth()))
	} else {
		n = dense(append(append([]int{c.ObsDim}, c.Hidden...), c.HeadWidth()))
	}
	if c.ValueHeads > 0 {
		n += dense(append(append([]int{c.ObsDim}, c.CriticHidden...), c.valueOutputs()))
	}
	n += c.netParams()
	for _, e := range c.Extra {
		k := 1.0
		for _, d := range e.Shape {
			k *= float64(d)
		}
		n += k
	}
	return n
}

// MarshalIndent returns the config as indented JSON.
func (c Config) MarshalIndent() ([]byte, error) { return json.MarshalIndent(c, "", "  ") }
