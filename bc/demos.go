// Package bc is behaviour cloning on the control tasks (the paper's
// Table 1): collect demonstrations from an expert, train an NDP (Φ → DMP →
// position deltas, K actions per decision) and a plain MLP of about the same
// size with an L2 loss on the expert's actions (the paper's eq. 7), then
// evaluate both by rolling them out in the simulator.
package bc

import (
	"fmt"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/demos"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/policy"
)

// Expert is what demonstrations are collected from: a policy queried
// every K steps on up to Parallel envs, with an optional Reset before each
// episode (scripted experts keep state, so they drive one env).
type Expert struct {
	Policy   agent.Policy
	K        int
	Parallel int
	Reset    func(env, episode int, seed int64, obs []float64) error
}

// ScriptedExpert returns the task's scripted controller as an expert.
func ScriptedExpert(task string) (Expert, error) {
	p, err := envs.Scripted(task)
	if err != nil {
		return Expert{}, err
	}
	pol, reset := agent.FromEnvPolicy(p)
	return Expert{Policy: pol, K: 1, Parallel: 1, Reset: reset}, nil
}

// PolicyExpert returns the deterministic policy of a policy file's actor
// as an expert on 8 parallel envs.
func PolicyExpert(a *policy.Actor) Expert {
	return Expert{Policy: a.Policy(), K: a.Meta.Spec.K, Parallel: 8}
}

// Collect records episodes of expert on task, keeping only successful
// ones when onlySuccess is set. Episode i is reset with seed base+i, base =
// agent.ResetSeed(seed, agent.StreamDemos, 0, 0).
func Collect(task string, expert Expert, episodes int, seed int64, onlySuccess bool) (*demos.Demos, error) {
	if episodes < 1 {
		return nil, fmt.Errorf("bc: need at least 1 episode, got %d", episodes)
	}
	probe, err := envs.Make(task)
	if err != nil {
		return nil, err
	}
	pos, obsDim, actDim := probe.Layout().Position, probe.ObsDim(), probe.ActDim()
	probe.Close()
	type episode struct {
		obs, act  [][]float64
		done      bool
		success   bool
		unstabled bool
	}
	eps := make([]episode, episodes)
	base := agent.ResetSeed(seed, agent.StreamDemos, 0, 0)
	_, err = agent.Evaluate(agent.EvalOptions{
		Episodes: episodes, Parallel: expert.Parallel, K: expert.K, A: actDim,
		Make:  func() (envs.Env, error) { return envs.Make(task) },
		Seeds: func(i int) int64 { return base + int64(i) },
		Reset: expert.Reset,
		Step: func(_, i int, obs, a []float64, r agent.StepResult) error {
			ep := &eps[i]
			clipped := make([]float64, len(a))
			for d, v := range a {
				clipped[d] = max(-1, min(1, v)) // the env applies the clipped action
			}
			ep.obs, ep.act = append(ep.obs, obs), append(ep.act, clipped)
			if r.Done {
				ep.done, ep.success, ep.unstabled = true, r.Info.EpisodeSuccess, r.Info.Unstable
			}
			return nil
		},
	}, expert.Policy)
	if err != nil {
		return nil, fmt.Errorf("bc: collecting %s demos: %w", task, err)
	}
	d := &demos.Demos{Task: task, ObsDim: obsDim, ActDim: actDim}
	for _, ep := range eps {
		if ep.unstabled || (onlySuccess && !ep.success) {
			continue
		}
		idx := int32(len(d.Success))
		d.Success = append(d.Success, ep.success)
		for t, a := range ep.act {
			for _, v := range ep.obs[t] {
				d.Obs = append(d.Obs, float32(v))
			}
			for _, v := range a {
				d.Actions = append(d.Actions, float32(v))
			}
			for _, i := range pos {
				d.Positions = append(d.Positions, float32(ep.obs[t][i]))
			}
			d.Episode = append(d.Episode, idx)
			d.Step = append(d.Step, int32(t))
		}
	}
	if len(d.Success) == 0 {
		return nil, fmt.Errorf("bc: none of the %d %s episodes qualified as a demonstration", episodes, task)
	}
	return d, nil
}
