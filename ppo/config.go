// Package ppo trains policies on the envs tasks with Proximal Policy
// Optimization (Schulman et al. 2017) in three flavours sharing one core:
//
//   - "ppo": a Gaussian MLP policy in raw actions, one value head.
//   - "ppo-multi": the actor outputs k raw actions per decision and the
//     critic has k value heads (the paper's multi-action baseline).
//   - "ndp": the NDP of the paper's Algorithm 1. Every k env steps Φ(s)
//     gives (w, g); the DMP, started at the robot position y0 (and velocity
//     ẏ0) read from the observation, is integrated with l substeps per step
//     and its k position deltas are the action means. Each of the k actions
//     is scored by the log-prob of its own step, and the multi-action critic
//     has one value head per step.
//   - "vices": VICES (Martín-Martín et al. 2019), PPO's Gaussian policy on
//     the task's torque-driven variant whose actions are an end-effector
//     displacement and a stiffness per axis, executed by operational-space
//     control at the physics rate (envs.VicesSuffix). The original also
//     used PPO; only the action space differs from "ppo".
//   - "dyne": Dyn-E (Whitney et al. 2020) with PPO instead of the original's
//     TD3, so that only the action space differs: when the learner is built
//     it pretrains an embedding of k-step action sequences on random
//     exploration (package dyne); the actor then outputs a latent action
//     per decision, explored by a Gaussian over it (ExploreParams), and the
//     frozen decoder emits the k actions.
//
// All hyperparameters are fields of [Config] with the authors' defaults; a
// single seed fixes env resets, network initialisation and action sampling.
package ppo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/envs"
)

// The learners.
const (
	AlgoPPO      = "ppo"
	AlgoPPOMulti = "ppo-multi"
	AlgoNDP      = "ndp"
	AlgoVICES    = "vices"
	AlgoDyne     = "dyne"
)

// Exploration modes of the k-step learners (Config.Explore).
const (
	// ExploreStep draws fresh Gaussian noise for every env step: the
	// paper's Algorithm 1 read literally.
	ExploreStep = "step"
	// ExploreDecision draws one noise vector per decision and adds it to all
	// k action means, so a decision explores as one coherent perturbation of
	// the plan (as the authors' code effectively did). The PPO ratio keeps
	// the per-step Gaussian log-probabilities of the executed actions.
	ExploreDecision = "decision"
	// ExploreParams (NDP, and always Dyn-E) explores in Φ's output space: once per
	// decision it samples the DMP parameters θ ~ N(Φ(s), (OutputScale·σ)²)
	// (σ per parameter, learned, in Φ's units before its ×WeightScale) and
	// executes the k deterministic actions of that DMP. The decision is one
	// macro-action: its log-probability is over θ, shared by its k steps, so
	// each step's advantage weights the ratio of the whole plan.
	ExploreParams = "params"
)

// paramNoise is σ's initial value in params exploration, times
// exp(InitLogStd): with the default scales it perturbs a goal by
// GoalScale·0.2 = 1 action unit and a weight by 100·0.2 = 20.
const paramNoise = 0.2

// Algos lists the learners.
func Algos() []string { return []string{AlgoNDP, AlgoPPO, AlgoPPOMulti, AlgoVICES, AlgoDyne} }

// EnvTask is the registry name of the env c trains on: Task, or its VICES
// variant for AlgoVICES.
func (c Config) EnvTask() string {
	if c.Algo == AlgoVICES {
		return c.Task + envs.VicesSuffix
	}
	return c.Task
}

// Config holds every hyperparameter of a run. Zero values mean the default
// noted; [Config.WithDefaults] fills them in.
type Config struct {
	Algo string `json:"algo"` // "ndp" (default), "ppo", "ppo-multi", "vices" or "dyne"
	Task string `json:"task"` // envs task name
	Seed int64  `json:"seed"` // fixes env resets, network init and sampling

	TotalSteps   int64 `json:"total_steps"`   // env steps to train for (default 1e6)
	NumEnvs      int   `json:"num_envs"`      // parallel envs (default 8)
	RolloutSteps int   `json:"rollout_steps"` // env steps per env per update (default 256; rounded up to a multiple of K)

	Gamma       float64 `json:"gamma"`         // discount γ (default 0.99)
	Lambda      float64 `json:"lambda"`        // GAE λ (default 0.95)
	ClipCoef    float64 `json:"clip_coef"`     // surrogate clip ε (default 0.1, as the authors)
	NoClipValue bool    `json:"no_clip_value"` // disable the clipped value loss
	EntCoef     float64 `json:"ent_coef"`      // entropy bonus (default 0.01; negative means none)
	VfCoef      float64 `json:"vf_coef"`       // value-loss weight (default 0.5)
	MaxGradNorm float64 `json:"max_grad_norm"` // global gradient-norm clip (default 0.5)
	LR          float64 `json:"lr"`            // Adam learning rate (default 3e-4), decayed linearly to 0
	NoAnnealLR  bool    `json:"no_anneal_lr"`  // keep the learning rate constant
	Epochs      int     `json:"epochs"`        // optimisation epochs per update (default 10)
	Minibatches int     `json:"minibatches"`   // minibatches per epoch (default 32)
	NoNormObs   bool    `json:"no_norm_obs"`   // disable running observation normalisation
	NoNormAdv   bool    `json:"no_norm_adv"`   // disable per-minibatch advantage normalisation
	NoNormRew   bool    `json:"no_norm_rew"`   // disable reward scaling by the running std of the discounted return
	TargetKL    float64 `json:"target_kl"`     // stop an update's epochs early above this KL (0: never)
	InitLogStd  float64 `json:"init_log_std"`  // initial log σ of the Gaussian policy (default 0)
	Hidden      []int   `json:"hidden"`        // actor and critic hidden sizes (default [64 64])

	// NDP and PPO-multi.
	K           int     `json:"k"`                      // actions per decision (default 5; PPO uses 1)
	Execute     int     `json:"execute,omitempty"`      // m: planned actions executed before Φ plans again, 1..K (default K: the whole plan)
	Explore     string  `json:"explore"`                // "step" (default: action noise drawn every env step), "decision" (one draw per decision, shared by its k steps) or "params" (NDP: noise on Φ's DMP parameters, once per decision)
	RewardDelay int     `json:"reward_delay"`           // reward from a state refreshed every this many steps (default K; PPO 1)
	SharedValue bool    `json:"shared_value,omitempty"` // one critic output repeated for the K steps (the authors' code) instead of K heads
	N           int     `json:"n"`                      // basis functions per DoF (default per task: 5 throw, 6 others)
	Substeps    int     `json:"substeps"`               // l: Euler substeps per step (default ⌊35/K⌋+1)
	AlphaZ      float64 `json:"alpha_z"`                // α_z (default per task: 15 soccer, 5 others)
	Kernel      string  `json:"kernel"`                 // basis kernel (default gaussian)
	OnlyG       bool    `json:"only_g"`                 // ablation: forcing term zero
	LearnAlphaZ bool    `json:"learn_alpha_z"`
	WeightScale float64 `json:"weight_scale"` // Φ's last layer scale for w (default 100, as the authors)
	GoalScale   float64 `json:"goal_scale"`   // scale of the goal offset g − y0, in action units (default 5)

	// Dyn-E: the action embedding pretrained when the learner is built
	// (package dyne), from exploration steps not counted in TotalSteps.
	Latent      int `json:"latent,omitempty"`       // latent size L (default: the env's action size)
	DyneSamples int `json:"dyne_samples,omitempty"` // random exploration steps (default 100,000)
	DyneEpochs  int `json:"dyne_epochs,omitempty"`  // embedding training epochs (default 10)

	EvalEvery    int `json:"eval_every"`    // updates between deterministic evaluations (default 5; <0: never)
	EvalEpisodes int `json:"eval_episodes"` // episodes per evaluation (default 10)
	MaxSteps     int `json:"max_steps"`     // override the task's episode length (0: the task's)
	// FixedReset, if set, starts every episode (training and evaluation)
	// from the layout of this seed: an easy variant for quick checks.
	FixedReset *int64 `json:"fixed_reset,omitempty"`
}

// taskDefaults are the authors' per-task NDP settings.
var taskDefaults = map[string]struct {
	n      int
	alphaZ float64
}{
	"throw": {5, 5}, "push": {6, 5}, "faucet": {6, 5}, "soccer": {6, 15}, "pick": {6, 5},
}

// WithDefaults returns c with unset fields filled in.
func (c Config) WithDefaults() Config {
	if c.Algo == "" {
		c.Algo = AlgoNDP
	}
	setI := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setF := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if c.TotalSteps == 0 {
		c.TotalSteps = 1_000_000
	}
	setI(&c.NumEnvs, 8)
	setI(&c.RolloutSteps, 256)
	setF(&c.Gamma, 0.99)
	setF(&c.Lambda, 0.95)
	setF(&c.ClipCoef, 0.1)
	setF(&c.EntCoef, 0.01) // negative stays: no bonus, and it survives a JSON round trip
	setF(&c.VfCoef, 0.5)
	setF(&c.MaxGradNorm, 0.5)
	setF(&c.LR, 3e-4)
	setI(&c.Epochs, 10)
	setI(&c.Minibatches, 32)
	if c.Hidden == nil {
		c.Hidden = []int{64, 64}
	}
	if c.Algo == AlgoPPO || c.Algo == AlgoVICES {
		c.K = 1
	}
	setI(&c.K, 5)
	if c.Execute >= c.K {
		c.Execute = 0 // the whole plan: the default, spelt one way
	}
	setI(&c.RewardDelay, c.Executed())
	if c.Explore == "" || (c.Algo == AlgoDyne && c.Explore == ExploreStep) {
		c.Explore = ExploreStep
		if c.Algo == AlgoDyne { // a Gaussian over the latent action, once per decision
			c.Explore = ExploreParams
		}
	}
	td, ok := taskDefaults[c.Task]
	if !ok {
		td.n, td.alphaZ = 6, 5
	}
	setI(&c.N, td.n)
	setF(&c.AlphaZ, td.alphaZ)
	setI(&c.Substeps, 35/c.K+1)
	if c.Kernel == "" {
		c.Kernel = dmp.Gaussian.String()
	}
	setF(&c.WeightScale, 100)
	setF(&c.GoalScale, 5)
	setI(&c.EvalEvery, 5)
	setI(&c.EvalEpisodes, 10)
	m := c.Executed()
	c.RolloutSteps = (c.RolloutSteps + m - 1) / m * m
	return c
}

// Defaults is the one source of PPO's defaults: the config every unset
// field of an NDP falls back to (the CLI's flags show these values). The
// fields whose default depends on the task or on k (N, α_z, substeps,
// reward delay) stay 0, which means "the task's (or k's) default".
func Defaults() Config {
	c := Config{Algo: AlgoNDP}.WithDefaults()
	c.N, c.AlphaZ, c.Substeps, c.RewardDelay = 0, 0, 0, 0
	c.RolloutSteps = Config{Algo: AlgoPPO}.WithDefaults().RolloutSteps // before rounding to a multiple of k
	return c
}

// Decisions returns the policy queries per env per update.
func (c Config) Decisions() int { return c.RolloutSteps / c.Executed() }

// Executed returns m, how many of a decision's K planned actions run
// before the next decision: K unless Execute says fewer (plan k, execute m).
func (c Config) Executed() int {
	if c.Execute > 0 && c.Execute < c.K {
		return c.Execute
	}
	return c.K
}

// Validate reports the first invalid setting (after defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	bad := func(format string, a ...any) error { return fmt.Errorf("ppo: "+format, a...) }
	if !slices.Contains(Algos(), c.Algo) {
		return bad("unknown algo %q (want one of %v)", c.Algo, Algos())
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"gamma", c.Gamma}, {"gae-lambda", c.Lambda}, {"clip-coef", c.ClipCoef}, {"ent-coef", c.EntCoef}, {"vf-coef", c.VfCoef},
		{"max-grad-norm", c.MaxGradNorm}, {"lr", c.LR}, {"target-kl", c.TargetKL}, {"init-log-std", c.InitLogStd},
		{"alpha-z", c.AlphaZ}, {"weight-scale", c.WeightScale}, {"goal-scale", c.GoalScale}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return bad("%s = %v, want a finite number", f.name, f.v)
		}
	}
	switch {
	case !slices.Contains(envs.Names(), c.Task):
		return bad("unknown task %q (available: %s)", c.Task, strings.Join(envs.Names(), ", "))
	case !slices.Contains(envs.Names(), c.EnvTask()):
		return bad("algo %s needs the task's VICES variant %q, which %s has not", c.Algo, c.EnvTask(), c.Task)
	case c.TotalSteps < 1:
		return bad("total steps %d < 1", c.TotalSteps)
	case c.NumEnvs < 1 || c.NumEnvs > 4096:
		return bad("num envs %d outside [1, 4096]", c.NumEnvs)
	case c.K < 1 || c.K > 1000:
		return bad("k = %d outside [1, 1000]", c.K)
	case c.Epochs < 1 || c.Minibatches < 1:
		return bad("epochs %d and minibatches %d must be ≥ 1", c.Epochs, c.Minibatches)
	case c.Minibatches > c.NumEnvs*c.Decisions():
		return bad("%d minibatches but only %d decisions per update (num envs × rollout steps / k)", c.Minibatches, c.NumEnvs*c.Decisions())
	case !(c.Gamma >= 0 && c.Gamma <= 1) || !(c.Lambda >= 0 && c.Lambda <= 1):
		return bad("γ = %v and λ = %v must lie in [0, 1]", c.Gamma, c.Lambda)
	case !(c.ClipCoef > 0) || !(c.LR > 0) || !(c.MaxGradNorm > 0) || !(c.VfCoef >= 0):
		return bad("clip, lr and max grad norm must be positive and vf coef ≥ 0")
	case c.Explore != ExploreStep && c.Explore != ExploreDecision && c.Explore != ExploreParams:
		return bad("explore %q unknown (want %s, %s or %s)", c.Explore, ExploreStep, ExploreDecision, ExploreParams)
	case c.Explore == ExploreParams && c.Algo != AlgoNDP && c.Algo != AlgoDyne:
		return bad("explore %s needs an NDP (algo %s)", ExploreParams, c.Algo)
	case c.Algo == AlgoDyne && c.Explore != ExploreParams:
		return bad("dyne explores in its latent space, once per decision (explore %s does not apply)", c.Explore)
	case c.Execute < 0:
		return bad("execute %d < 0", c.Execute)
	case c.RewardDelay < 1:
		return bad("reward delay %d < 1", c.RewardDelay)
	case c.EvalEpisodes < 1:
		return bad("eval episodes %d < 1", c.EvalEpisodes)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return bad("hidden sizes must be positive, got %v", c.Hidden)
		}
	}
	if c.Algo == AlgoNDP {
		k, err := dmp.ParseKernel(c.Kernel)
		if err != nil {
			return bad("%v", err)
		}
		if err := (dmp.Config{N: c.N, T: c.K, Substeps: c.Substeps, AlphaZ: c.AlphaZ, Kernel: k}).Validate(); err != nil {
			return bad("%v", err)
		}
	}
	if c.Algo == AlgoDyne {
		if err := c.dyneConfig().Validate(); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// dyneConfig is the embedding's config of a Dyn-E learner.
func (c Config) dyneConfig() dyne.Config {
	return dyne.Config{K: c.K, Latent: c.Latent, Samples: c.DyneSamples, Epochs: c.DyneEpochs, Seed: c.Seed}
}
