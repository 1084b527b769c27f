package envs

import (
	"fmt"
	"math/rand/v2"
)

// EvalStats summarises episodes of a policy.
type EvalStats struct {
	Episodes     int
	Successes    int // success at any step (Meta-World convention)
	FinalSuccess int // success at the last step
	Unstable     int // episodes truncated by simulator divergence
	Steps        int // env steps taken in total
	MeanReturn   float64
}

// SuccessRate is Successes/Episodes.
func (s EvalStats) SuccessRate() float64 { return float64(s.Successes) / float64(max(1, s.Episodes)) }

// FinalSuccessRate is FinalSuccess/Episodes.
func (s EvalStats) FinalSuccessRate() float64 {
	return float64(s.FinalSuccess) / float64(max(1, s.Episodes))
}

// Evaluate runs n episodes of p on e, episode i reset with seed base+i.
func Evaluate(e Env, p Policy, n int, base int64) (EvalStats, error) {
	return EvaluateFunc(e, p, n, base, nil)
}

// EvaluateFunc is Evaluate with a hook called after every step (for
// recording frames or demonstrations); a hook error stops the evaluation.
func EvaluateFunc(e Env, p Policy, n int, base int64, hook func(episode int, obs, action []float64, info Info) error) (EvalStats, error) {
	var st EvalStats
	var ret float64
	for ep := 0; ep < n; ep++ {
		obs, err := e.Reset(base + int64(ep))
		if err != nil {
			return st, err
		}
		p.Reset()
		for {
			a := p.Act(obs)
			var r float64
			var done bool
			var info Info
			obs, r, done, info, err = e.Step(a)
			if err != nil {
				return st, fmt.Errorf("envs: episode %d: %w", ep, err)
			}
			ret += r
			st.Steps++
			if hook != nil {
				if err := hook(ep, obs, a, info); err != nil {
					return st, err
				}
			}
			if done {
				if info.EpisodeSuccess {
					st.Successes++
				}
				if info.Success {
					st.FinalSuccess++
				}
				if info.Unstable {
					st.Unstable++
				}
				break
			}
		}
		st.Episodes++
	}
	st.MeanReturn = ret / float64(max(1, st.Episodes))
	return st, nil
}

// RandomPolicy samples uniform actions in [-1,1] from a seeded generator.
type RandomPolicy struct {
	dim int
	rng *rand.Rand
}

// NewRandomPolicy returns a random policy for actions of length dim.
func NewRandomPolicy(dim int, seed uint64) *RandomPolicy {
	return &RandomPolicy{dim: dim, rng: rand.New(rand.NewPCG(seed, 0x72616e64))}
}

// Reset does nothing: the random stream continues across episodes.
func (p *RandomPolicy) Reset() {}

// Act returns a fresh uniform action.
func (p *RandomPolicy) Act([]float64) []float64 {
	a := make([]float64, p.dim)
	for i := range a {
		a[i] = 2*p.rng.Float64() - 1
	}
	return a
}

// Episode is one recorded episode, e.g. a demonstration for behaviour
// cloning. Obs[t] is the observation the policy saw before Actions[t]; Obs
// has one more entry than Actions (the final observation).
type Episode struct {
	Seed         int64
	Obs          [][]float64
	Actions      [][]float64
	Rewards      []float64
	Success      bool // at any step
	FinalSuccess bool
	Unstable     bool
}

// Record runs n episodes of p on e (episode i seeded base+i) and returns
// them with every observation and the clipped-to-[-1,1] action taken.
func Record(e Env, p Policy, n int, base int64) ([]Episode, error) {
	out := make([]Episode, 0, n)
	for ep := 0; ep < n; ep++ {
		seed := base + int64(ep)
		obs, err := e.Reset(seed)
		if err != nil {
			return out, err
		}
		p.Reset()
		rec := Episode{Seed: seed, Obs: [][]float64{obs}}
		for {
			a := p.Act(obs)
			clipped := make([]float64, len(a))
			for i, v := range a {
				clipped[i] = clamp(v, -1, 1)
			}
			var r float64
			var done bool
			var info Info
			obs, r, done, info, err = e.Step(a)
			if err != nil {
				return out, fmt.Errorf("envs: record episode %d: %w", ep, err)
			}
			rec.Obs = append(rec.Obs, obs)
			rec.Actions = append(rec.Actions, clipped)
			rec.Rewards = append(rec.Rewards, r)
			if done {
				rec.Success, rec.FinalSuccess, rec.Unstable = info.EpisodeSuccess, info.Success, info.Unstable
				break
			}
		}
		out = append(out, rec)
	}
	return out, nil
}
