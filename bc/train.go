package bc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/ndp-go/ndp/demos"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/policy"
	"github.com/ndp-go/ndp/rl"
	"github.com/ndp-go/ndp/run"
)

// The two policies of Table 1.
const (
	PolicyNDP = "ndp" // Φ → DMP → K position deltas per decision
	PolicyMLP = "mlp" // Φ → one action per step
)

// Config holds a behaviour-cloning run's settings; zero means the default.
type Config struct {
	Policy       string  `json:"policy"`        // ndp (default) or mlp
	Seed         int64   `json:"seed"`          // network init, batch order and evaluation episodes
	Hidden       []int   `json:"hidden"`        // hidden sizes (default: NDP [64 64]; MLP two equal layers sized to the NDP's weight count)
	Epochs       int     `json:"epochs"`        // default 100
	BatchSize    int     `json:"batch_size"`    // default 256
	LR           float64 `json:"lr"`            // Adam (default 1e-3)
	K            int     `json:"k"`             // NDP actions per decision (default 5)
	N            int     `json:"n"`             // NDP basis functions (default 6)
	Substeps     int     `json:"substeps"`      // NDP Euler substeps per step (default ⌊35/K⌋+1)
	AlphaZ       float64 `json:"alpha_z"`       // NDP α_z (default 5)
	WeightScale  float64 `json:"weight_scale"`  // NDP weight output scale (default 100)
	GoalScale    float64 `json:"goal_scale"`    // NDP goal offset scale, action units (default 5)
	EvalEpisodes int     `json:"eval_episodes"` // rollouts to measure success (default 100)
}

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if c.Policy == "" {
		c.Policy = PolicyNDP
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Epochs, 100)
	def(&c.BatchSize, 256)
	def(&c.K, 5)
	if c.Policy == PolicyMLP {
		c.K = 1
	}
	def(&c.N, 6)
	def(&c.Substeps, 35/c.K+1)
	def(&c.EvalEpisodes, 100)
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.AlphaZ == 0 {
		c.AlphaZ = 5
	}
	if c.WeightScale == 0 {
		c.WeightScale = 100
	}
	if c.GoalScale == 0 {
		c.GoalScale = 5
	}
	return c
}

// ndpHidden is the NDP's hidden width; the MLP baseline is sized to match
// its weight count, so that the comparison is about structure, not size.
const ndpHidden = 64

// mlpParams counts the weights of an MLP in → h → h → out.
func mlpParams(in, out, h int) int { return in*h + h + h*h + h + h*out + out }

// matchedWidth returns the h whose in → h → h → out MLP has closest to
// target weights: the positive root of h² + (in+out+2)·h + out = target.
func matchedWidth(in, out, target int) int {
	b := float64(in + out + 2)
	h := int(math.Round((-b + math.Sqrt(b*b-4*float64(out-target))) / 2))
	return max(h, 1)
}

// Cloner is a policy trained by behaviour cloning.
type Cloner struct {
	Cfg   Config
	Task  string
	Spec  agent.Spec
	Model *model.Model
	Norm  *rl.RunningMeanStd // observation normaliser fitted to the demos
	Loss  []float64          // mean training loss per epoch
}

// windows are the training samples: one per demo step t, with the expert
// actions of steps t..t+K−1 of the same episode (masked past its end).
type windows struct {
	start  []int     // demo step index of each window
	target []float32 // [W, K, A]
	mask   []float32 // [W, K, A]: 1 where the step exists
}

func makeWindows(d *demos.Demos, spec agent.Spec) windows {
	K, A := spec.K, spec.ActDim
	var w windows
	for t := range d.Len() {
		w.start = append(w.start, t)
		for j := range K {
			ok := t+j < d.Len() && d.Episode[t+j] == d.Episode[t]
			for a := range A {
				v, m := float32(0), float32(0)
				if ok {
					v, m = d.Actions[(t+j)*A+a], 1
				}
				w.target = append(w.target, v)
				w.mask = append(w.mask, m)
			}
		}
	}
	return w
}

// Validate reports the first invalid setting (after defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Policy != PolicyNDP && c.Policy != PolicyMLP:
		return fmt.Errorf("bc: unknown policy %q (want ndp or mlp)", c.Policy)
	case c.Epochs < 1 || c.BatchSize < 1 || c.EvalEpisodes < 1:
		return fmt.Errorf("bc: epochs %d, batch %d and eval episodes %d must be ≥ 1", c.Epochs, c.BatchSize, c.EvalEpisodes)
	case c.K < 1 || c.N < 1 || c.Substeps < 1:
		return fmt.Errorf("bc: k %d, n %d and substeps %d must be ≥ 1", c.K, c.N, c.Substeps)
	case !(c.LR > 0) || math.IsInf(c.LR, 0) || !(c.AlphaZ > 0) || math.IsInf(c.AlphaZ, 0):
		return fmt.Errorf("bc: lr %v and α_z %v must be positive and finite", c.LR, c.AlphaZ)
	case !(c.WeightScale > 0) || math.IsInf(c.WeightScale, 0) || !(c.GoalScale > 0) || math.IsInf(c.GoalScale, 0):
		return fmt.Errorf("bc: weight scale %v and goal scale %v must be positive and finite", c.WeightScale, c.GoalScale)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("bc: hidden sizes %v must be ≥ 1", c.Hidden)
		}
	}
	if c.Policy == PolicyNDP {
		if err := (dmp.Config{N: c.N, T: c.K, Substeps: c.Substeps, AlphaZ: c.AlphaZ}).Validate(); err != nil {
			return fmt.Errorf("bc: --n %d, --k %d: %w", c.N, c.K, err)
		}
	}
	return nil
}

// Train fits a policy to demos on backend b.
func Train(cfg Config, d *demos.Demos, b compute.Backend) (*Cloner, error) {
	return TrainContext(context.Background(), cfg, d, b)
}

// TrainContext is Train that stops after the current epoch when ctx is
// cancelled (Ctrl-C), returning run.ErrInterrupted.
func TrainContext(ctx context.Context, cfg Config, d *demos.Demos, b compute.Backend) (*Cloner, error) {
	rc, spec, err := resolve(cfg, d)
	if err != nil {
		return nil, err
	}
	return train(ctx, rc, spec, d, b, "")
}

// resolve applies cfg's defaults, checks d against its task and fills the
// hidden sizes, so that the config a run records is the one it trains.
func resolve(cfg Config, d *demos.Demos) (Config, agent.Spec, error) {
	if err := cfg.Validate(); err != nil {
		return cfg, agent.Spec{}, err
	}
	cfg = cfg.WithDefaults()
	e, err := envs.Make(d.Task)
	if err != nil {
		return cfg, agent.Spec{}, err
	}
	defer e.Close()
	if e.ObsDim() != d.ObsDim || e.ActDim() != d.ActDim {
		return cfg, agent.Spec{}, fmt.Errorf("bc: demos have %d obs and %d actions, task %s has %d and %d", d.ObsDim, d.ActDim, d.Task, e.ObsDim(), e.ActDim())
	}
	spec, err := agent.NewSpec(e, cfg.Policy == PolicyNDP, cfg.K)
	if err != nil {
		return cfg, agent.Spec{}, err
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []int{ndpHidden, ndpHidden}
		if !spec.NDP {
			ndp, err := agent.NewSpec(e, true, 5)
			if err != nil {
				return cfg, agent.Spec{}, err
			}
			h := matchedWidth(d.ObsDim, d.ActDim, mlpParams(d.ObsDim, ndp.DoF()*(cfg.N+1)+ndp.AuxOut(), ndpHidden))
			cfg.Hidden = []int{h, h}
		}
	}
	return cfg, spec, nil
}

// Keys of the trainer state a checkpoint holds besides the model.
const (
	auxLoss = "bc_loss" // the epochs' mean losses so far
	auxRNG  = "bc_rng"  // the batch-order generator
)

// train is TrainContext for a config and spec from resolve, with a
// checkpoint: when ckpt is not "" the model (weights, Adam state), the
// losses so far and the batch-order generator are saved there after every
// epoch, and a checkpoint already there is continued, so that a run stopped
// after any epoch and resumed trains exactly as an uninterrupted one.
func train(ctx context.Context, cfg Config, spec agent.Spec, d *demos.Demos, b compute.Backend, ckpt string) (*Cloner, error) {
	mc := model.Config{Net: model.NetMLP, ObsDim: d.ObsDim, Hidden: cfg.Hidden, Seed: cfg.Seed, Optim: model.OptimConfig{LR: cfg.LR}}
	if spec.NDP {
		mc.SetControlNDP(spec.DoF(), spec.AuxOut(), model.DMPConfig{N: cfg.N, T: cfg.K, Substeps: cfg.Substeps, AlphaZ: cfg.AlphaZ},
			cfg.WeightScale, cfg.GoalScale)
	} else {
		mc.Head, mc.OutDim = model.HeadRaw, d.ActDim
	}
	m, err := model.New(mc, b)
	if err != nil {
		return nil, err
	}
	c := &Cloner{Cfg: cfg, Task: d.Task, Spec: spec, Model: m, Norm: rl.NewRunningMeanStd(d.ObsDim)}
	obs64 := make([]float64, len(d.Obs))
	for i, v := range d.Obs {
		obs64[i] = float64(v)
	}
	c.Norm.Count = 0
	if err := c.Norm.Update(obs64); err != nil {
		return nil, fmt.Errorf("bc: demo observations: %w", err)
	}
	win := makeWindows(d, spec)
	tr := m.NewTrainer(func(out *model.Outputs, in []*node) (*node, []*node) {
		return maskedMSE(spec.MeanNode(out), in[0], in[1]), nil
	})
	pcg := rand.NewPCG(uint64(cfg.Seed), 0xbc)
	if ckpt != "" {
		if err := c.restore(ckpt, pcg); err != nil {
			return nil, err
		}
	}
	rng := rand.New(pcg)
	W, K, A := len(win.start), spec.K, spec.ActDim
	bs := min(cfg.BatchSize, W)
	rows := make([][]float64, bs)
	for len(c.Loss) < cfg.Epochs {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("bc: %w", run.ErrInterrupted)
		}
		perm := rng.Perm(W)
		sum, n := 0.0, 0
		for s := 0; s+bs <= W; s += bs {
			tgt, msk := make([]float32, bs*K*A), make([]float32, bs*K*A)
			for i, w := range perm[s : s+bs] {
				rows[i] = obs64[win.start[w]*d.ObsDim : (win.start[w]+1)*d.ObsDim]
				copy(tgt[i*K*A:], win.target[w*K*A:(w+1)*K*A])
				copy(msk[i*K*A:], win.mask[w*K*A:(w+1)*K*A])
			}
			batch := spec.Batch(rows, c.Norm)
			batch.Extra = []*tensors.Tensor{model.F32(tgt, bs, K, A), model.F32(msk, bs, K, A)}
			st, err := tr.Step(batch)
			if err != nil {
				return nil, err
			}
			sum += float64(st.Loss)
			n++
		}
		c.Loss = append(c.Loss, sum/float64(max(n, 1)))
		if math.IsNaN(c.Loss[len(c.Loss)-1]) {
			return nil, fmt.Errorf("bc: training loss became NaN")
		}
		if ckpt != "" {
			if err := c.checkpoint(ckpt, pcg); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// checkpoint writes the model and the trainer state to path (atomically).
func (c *Cloner) checkpoint(path string, pcg *rand.PCG) error {
	st, err := pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("bc: checkpoint: %w", err)
	}
	c.Model.SetAux(auxLoss, c.Loss)
	c.Model.SetAuxBytes(auxRNG, st)
	if err := c.Model.Save(path); err != nil {
		return fmt.Errorf("bc: checkpoint: %w", err)
	}
	return nil
}

// restore continues from the checkpoint at path when there is one; the
// model must have been built from the same config.
func (c *Cloner) restore(path string, pcg *rand.PCG) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := c.Model.LoadInto(path); err != nil {
		return fmt.Errorf("bc: resuming: %w", err)
	}
	st, err := c.Model.AuxBytes(auxRNG)
	if err == nil && st == nil {
		err = errors.New("no batch-order state")
	}
	if err == nil {
		err = pcg.UnmarshalBinary(st)
	}
	if err != nil {
		return fmt.Errorf("bc: resuming from %s: %w", path, err)
	}
	c.Loss = c.Model.Aux(auxLoss)
	if len(c.Loss) > c.Cfg.Epochs {
		return fmt.Errorf("bc: resuming from %s: it has trained %d epochs, more than the %d asked for", path, len(c.Loss), c.Cfg.Epochs)
	}
	return nil
}

// Evaluate rolls the cloned policy out deterministically on fresh episodes
// (seeded apart from the demonstrations) and reports success.
func (c *Cloner) Evaluate(episodes int) (agent.EvalResult, error) {
	return agent.Evaluate(agent.EvalOptions{
		Episodes: episodes, Seed: c.Cfg.Seed, Stream: agent.StreamCloneEval, K: c.Spec.K, A: c.Spec.ActDim,
		Make: func() (envs.Env, error) { return envs.Make(c.Task) },
	}, func(obs [][]float64) ([]float64, error) {
		res, err := c.Model.Forward(c.Spec.Batch(obs, c.Norm))
		if err != nil {
			return nil, err
		}
		return c.Spec.Means(res, len(obs))
	})
}

// Params returns the number of trained weights.
func (c *Cloner) Params() int { return c.Model.Spec.Count() }

// SavePolicy writes the cloned policy as a policy file (package policy);
// its learner is "bc-ndp" or "bc-mlp".
func (c *Cloner) SavePolicy(path string) error {
	meta := policy.Meta{Spec: c.Spec, ObsNorm: c.Norm, Task: c.Task, Learner: "bc-" + c.Cfg.Policy, Seed: c.Cfg.Seed}
	meta.Provenance()
	return policy.Save(path, meta, c.Model)
}
