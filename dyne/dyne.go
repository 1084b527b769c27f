// Package dyne learns Dyn-E's action embedding (Whitney et al., "Dynamics-
// aware Embeddings", ICLR 2020): a latent space of k-step action sequences
// shaped by what the sequences do to the state, for a policy that acts in
// the latent space and lets a decoder emit the k actions.
//
// From exploration data, windows (s_t, a_t..a_{t+k−1}, s_{t+k}) of an env
// driven by uniform random actions, it trains three networks together:
//
//	encoder   q(z | a) = N(μ(a), diag σ²(a)),   a = a_t..a_{t+k−1}   [k·A] → [L]
//	dynamics  f(s_t, z) ≈ (s_{t+k} − s_t), in standardised units    [O + L] → [O]
//	decoder   tanh(d(μ(a))) ≈ a                                      [L] → [k·A]
//
//	loss = mean‖f(s_t, z) − Δs‖² + β·KL(q ‖ N(0, I)) + mean‖tanh(d(sg(μ))) − a‖²
//
// with z = μ + σ·ε sampled (the reparameterisation trick) and sg a stop
// gradient: only the dynamics loss and the KL shape the latent, as in
// Whitney et al.; the decoder learns to invert it. The original trains its
// decoder through the encoder instead (d chosen so that μ(d(z)) ≈ z, with a
// penalty on the actions' norm); direct reconstruction gives, for the parts
// of a sequence the latent ignores, their mean, which for uniform random
// actions is the small-norm choice the penalty aims at.
//
// The policy's latent action u ∈ [−1, 1]^L maps to z = mean(μ) + 3·std(μ)⊙u
// over the training data (the original bounds z by the largest whitened
// code), so the box covers the codes the decoder was trained on.
package dyne

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
)

// Config sets the embedding's data and training. The zero value of a field
// means its default (see [Defaults]).
type Config struct {
	K       int     `json:"k"`       // actions per sequence (default 5, the k-step learners' decision length)
	Latent  int     `json:"latent"`  // L, latent size (default: the env's action size, as the original)
	Hidden  int     `json:"hidden"`  // width of the two hidden layers of each net (default 128)
	Samples int     `json:"samples"` // exploration env steps (default 100,000)
	Epochs  int     `json:"epochs"`  // passes over the windows (default 10)
	Batch   int     `json:"batch"`   // minibatch size (default 128, the original's)
	LR      float64 `json:"lr"`      // Adam learning rate (default 1e-3)
	KL      float64 `json:"kl"`      // β, weight of the KL term (default 1e-4, the original's)
	Seed    int64   `json:"seed"`    // exploration episodes, actions, initialisation and batches
}

// Defaults returns the default config.
func Defaults() Config {
	return Config{K: 5, Hidden: 128, Samples: 100_000, Epochs: 10, Batch: 128, LR: 1e-3, KL: 1e-4}
}

// WithDefaults fills the zero fields from [Defaults] (Latent stays 0: the
// env's action size).
func (c Config) WithDefaults() Config {
	d := Defaults()
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	set(&c.K, d.K)
	set(&c.Hidden, d.Hidden)
	set(&c.Samples, d.Samples)
	set(&c.Epochs, d.Epochs)
	set(&c.Batch, d.Batch)
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.KL == 0 {
		c.KL = d.KL
	}
	return c
}

// Validate reports the first problem of c (after defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.K < 1 || c.K > 100:
		return fmt.Errorf("dyne: k = %d outside [1, 100]", c.K)
	case c.Latent < 0 || c.Latent > 1000:
		return fmt.Errorf("dyne: latent size %d outside [0, 1000]", c.Latent)
	case c.Hidden < 1 || c.Hidden > 4096:
		return fmt.Errorf("dyne: hidden width %d outside [1, 4096]", c.Hidden)
	case c.Samples < 10*c.K || c.Samples > 100_000_000:
		return fmt.Errorf("dyne: %d exploration samples, want between 10·k and 1e8", c.Samples)
	case c.Epochs < 1 || c.Batch < 1:
		return fmt.Errorf("dyne: epochs %d and batch %d must be ≥ 1", c.Epochs, c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0) || !(c.KL >= 0) || math.IsInf(c.KL, 0):
		return fmt.Errorf("dyne: lr %v must be positive and kl %v ≥ 0, both finite", c.LR, c.KL)
	}
	return nil
}

// Data holds exploration windows, row-major.
type Data struct {
	K, ObsDim, ActDim int
	Obs               []float64 // s_t, [N, ObsDim]
	Act               []float64 // a_t..a_{t+k−1}, [N, K·ActDim]
	Next              []float64 // s_{t+k}, [N, ObsDim]
}

// Len is the number of windows N.
func (d *Data) Len() int { return len(d.Obs) / d.ObsDim }

// Collect drives env with uniform random actions in [−1, 1] for samples
// steps (episodes reset with seeds of agent.StreamExplore) and returns every
// window of k consecutive steps inside an episode.
func Collect(env envs.Env, samples, k int, seed int64) (*Data, error) {
	if samples < k || k < 1 {
		return nil, fmt.Errorf("dyne: collecting %d samples of %d-step windows", samples, k)
	}
	O, A := env.ObsDim(), env.ActDim()
	d := &Data{K: k, ObsDim: O, ActDim: A}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xd1e))
	var states, acts [][]float64 // the episode so far: states[t], acts[t]
	flush := func() {
		for t := 0; t+k < len(states); t++ {
			d.Obs = append(d.Obs, states[t]...)
			for j := range k {
				d.Act = append(d.Act, acts[t+j]...)
			}
			d.Next = append(d.Next, states[t+k]...)
		}
	}
	episode := 0
	obs, err := env.Reset(agent.ResetSeed(seed, agent.StreamExplore, 0, episode))
	if err != nil {
		return nil, fmt.Errorf("dyne: %w", err)
	}
	states = [][]float64{obs}
	for range samples {
		a := make([]float64, A)
		for i := range a {
			a[i] = 2*rng.Float64() - 1
		}
		obs, _, done, _, err := env.Step(a)
		if err != nil {
			return nil, fmt.Errorf("dyne: exploring %s: %w", env.Name(), err)
		}
		acts, states = append(acts, a), append(states, obs)
		if done {
			flush()
			episode++
			if obs, err = env.Reset(agent.ResetSeed(seed, agent.StreamExplore, 0, episode)); err != nil {
				return nil, fmt.Errorf("dyne: %w", err)
			}
			states, acts = [][]float64{obs}, nil
		}
	}
	flush()
	if d.Len() == 0 {
		return nil, errors.New("dyne: no complete window: episodes shorter than k")
	}
	return d, nil
}

// split returns the windows' indices shuffled and cut into a training set
// and a held-out tenth.
func (d *Data) split(rng *rand.Rand) (train, held []int) {
	idx := rng.Perm(d.Len())
	n := max(1, d.Len()/10)
	return idx[n:], idx[:n]
}

// standardiser holds per-dim mean and std (std 1 for constant dims).
type standardiser struct{ mean, std []float64 }

func fitStandardiser(x []float64, dim int, rows []int) standardiser {
	s := standardiser{mean: make([]float64, dim), std: make([]float64, dim)}
	for _, r := range rows {
		for j := range dim {
			s.mean[j] += x[r*dim+j]
		}
	}
	for j := range dim {
		s.mean[j] /= float64(len(rows))
	}
	for _, r := range rows {
		for j := range dim {
			v := x[r*dim+j] - s.mean[j]
			s.std[j] += v * v
		}
	}
	for j := range dim {
		s.std[j] = math.Sqrt(s.std[j] / float64(len(rows)))
		if s.std[j] < 1e-8 {
			s.std[j] = 1
		}
	}
	return s
}
