package envs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
)

// scripted rolls the task's scripted controller out through the one
// rollout loop, calling step after every env step.
func scripted(t *testing.T, task string, episodes int, base int64, step func(ep int, obs, a []float64, r agent.StepResult) error) agent.EvalResult {
	t.Helper()
	p, err := envs.Scripted(task)
	if err != nil {
		t.Fatal(err)
	}
	pol, reset := agent.FromEnvPolicy(p)
	e, err := envs.Make(task)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	o := agent.EvalOptions{Episodes: episodes, Envs: []envs.Env{e}, K: 1, A: e.ActDim(),
		Seeds: func(i int) int64 { return base + int64(i) }, Reset: reset}
	if step != nil {
		o.Step = func(_, ep int, obs, a []float64, r agent.StepResult) error { return step(ep, obs, a, r) }
	}
	st, err := agent.Evaluate(o, pol)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestScriptedSuccess is the feasibility proof: each scripted controller
// solves its task in at least 80% of 100 random resets.
func TestScriptedSuccess(t *testing.T) {
	for _, task := range envs.Names() {
		if strings.HasSuffix(task, envs.VicesSuffix) {
			continue // a different action space: no scripted policy
		}
		t.Run(task, func(t *testing.T) {
			const n = 100
			st := scripted(t, task, n, 0, nil)
			t.Logf("%s: success %.2f final-step %.2f unstable %.2f over %d resets", task, st.Success, st.FinalSuccess, st.Unstable, n)
			if st.Success < 0.8 {
				t.Errorf("%s scripted success %.2f < 0.80", task, st.Success)
			}
			if st.Unstable > 0 {
				t.Errorf("%.2f of the episodes unstable", st.Unstable)
			}
		})
	}
}

// TestReplayReproducesAnEpisode: the observations and actions the rollout
// loop hands its step hook replay exactly on a fresh reset.
func TestReplayReproducesAnEpisode(t *testing.T) {
	var obs, acts [][]float64
	scripted(t, "pick", 1, 10, func(_ int, o, a []float64, r agent.StepResult) error {
		obs, acts = append(obs, slices.Clone(o)), append(acts, slices.Clone(a))
		if r.Done {
			obs = append(obs, slices.Clone(r.Obs))
		}
		return nil
	})
	if len(acts) != envs.JacoMaxSteps || len(obs) != len(acts)+1 {
		t.Fatalf("%d actions, %d observations", len(acts), len(obs))
	}
	e, err := envs.Make("pick")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	o, _ := e.Reset(10)
	if !slices.Equal(o, obs[0]) {
		t.Fatal("replay starts from a different observation")
	}
	for i, a := range acts {
		o, _, _, _, _ = e.Step(a)
		if !slices.Equal(o, obs[i+1]) {
			t.Fatalf("replay diverged at step %d", i)
		}
	}
}
