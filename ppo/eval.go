package ppo

import (
	"fmt"
	"math"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/policy"
	"github.com/ndp-go/ndp/rl"
)

// EvalResult summarises evaluation episodes.
type EvalResult = agent.EvalResult

// Evaluate runs episodes on fresh envs seeded apart from training (so the
// same seed gives the same training curve however often one evaluates).
// Deterministic uses the action means; otherwise actions are sampled with
// the policy's σ from an rng of its own. Round picks different episodes.
func (l *Learner) Evaluate(episodes, round int, deterministic bool) (EvalResult, error) {
	var logStd []float64
	if !deterministic {
		var err error
		if logStd, err = l.logStd(); err != nil {
			return EvalResult{}, err
		}
	}
	return evaluate(l.Cfg, l.Spec, logStd, l.Policy(), episodes, l.Cfg.NumEnvs, round, deterministic)
}

// EvaluatePolicy evaluates a policy file's actor on its task exactly as
// [Learner.Evaluate] evaluates the learner that wrote it (same episodes for
// the same seed and round), with parallel envs.
func EvaluatePolicy(a *policy.Actor, episodes, parallel, round int, deterministic bool) (EvalResult, error) {
	m := a.Meta
	cfg := Config{Task: m.Task, Seed: m.Seed, MaxSteps: m.MaxSteps, FixedReset: m.FixedReset, RewardDelay: max(1, m.RewardDelay)}
	if !deterministic && len(m.LogStd) != m.Spec.ActDim {
		return EvalResult{}, fmt.Errorf("ppo: the policy file holds %d σ values for %d actions; sampled evaluation needs them", len(m.LogStd), m.Spec.ActDim)
	}
	return evaluate(cfg, m.Spec, m.LogStd, a.Policy(), episodes, parallel, round, deterministic)
}

// evaluate is the evaluation both share: envs of cfg's task, episodes from
// cfg.Seed's evaluation streams, σ = exp(logStd) when sampling.
func evaluate(cfg Config, spec agent.Spec, logStd []float64, pol agent.Policy, episodes, parallel, round int, deterministic bool) (EvalResult, error) {
	o := agent.EvalOptions{
		Episodes: episodes, Parallel: parallel, Seed: cfg.Seed, Round: round,
		Make: func() (envs.Env, error) { return makeEnv(cfg, cfg.RewardDelay) },
		K:    spec.K, A: spec.ActDim, Execute: spec.Execute, Stream: agent.StreamEval,
	}
	if !deterministic {
		o.Stream, o.Std = agent.StreamEvalSampled, make([]float64, len(logStd))
		for i, v := range logStd {
			o.Std[i] = math.Exp(v)
		}
	}
	return agent.Evaluate(o, pol)
}

// Policy returns the deterministic policy (action means) of the learner.
func (l *Learner) Policy() agent.Policy {
	return func(obs [][]float64) ([]float64, error) {
		po, err := l.query(obs)
		return po.mean, err
	}
}

// ObsNorm returns the observation normaliser the policy was trained with
// (nil when normalisation is off). A deployed policy must apply it.
func (l *Learner) ObsNorm() *rl.RunningMeanStd { return l.norm }

// SavePolicy writes the learner's policy file (package policy): the actor
// and critic weights, the spec, the observation normaliser and σ.
func (l *Learner) SavePolicy(path string) error {
	ls, err := l.logStd()
	if err != nil {
		return err
	}
	meta := policy.Meta{Spec: l.Spec, ObsNorm: l.norm, LogStd: ls, Task: l.Cfg.EnvTask(), Learner: l.Cfg.Algo, MaxSteps: l.Cfg.MaxSteps,
		RewardDelay: l.Cfg.RewardDelay, FixedReset: l.Cfg.FixedReset, Seed: l.Cfg.Seed, Steps: l.Step}
	meta.Provenance()
	return policy.Save(path, meta, l.Model)
}
