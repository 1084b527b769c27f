package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/control"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/policy"
	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/rl"
)

func init() {
	var (
		run, gif, backendFlag string
		policyFile            string
		controlHz             string
		episodes              int
		seed                  int64
	)
	cmd := &cobra.Command{
		Use:     "eval",
		Short:   "Evaluate a trained run: success rate, deterministic and sampled; optionally a GIF",
		Example: `  ndp rl eval --run runs/push-ndp-s0 --episodes 100 --gif push.gif`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (run == "") == (policyFile == "") {
				return fmt.Errorf("name either --run (a run directory of ndp rl train) or --policy (a policy file)")
			}
			if episodes < 1 {
				return fmt.Errorf("--episodes must be ≥ 1, got %d", episodes)
			}
			if gif != "" {
				if err := atomicfile.CheckWritable(gif); err != nil {
					return fmt.Errorf("--gif: %w", err)
				}
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			if policyFile != "" {
				if controlHz != "" {
					a, err := policy.Open(policyFile, b)
					if err != nil {
						return err
					}
					m := a.Meta
					return denseEval(cmd.OutOrStdout(), trained{m.Task, m.Learner, m.Steps, a.Model, m.Spec, m.ObsNorm}, controlHz, episodes, seed)
				}
				return evalPolicyFile(cmd.OutOrStdout(), policyFile, b, episodes, seed, gif)
			}
			l, err := ppo.Open(run, b)
			if err != nil {
				return err
			}
			defer l.Close()
			w := cmd.OutOrStdout()
			if controlHz != "" {
				return denseEval(w, trained{l.Cfg.Task, l.Cfg.Algo, l.Step, l.Model, l.Spec, l.ObsNorm()}, controlHz, episodes, seed)
			}
			eval := func(det bool) (agent.EvalResult, error) { return l.Evaluate(episodes, int(seed), det) }
			return reportEval(w, l.Cfg.Algo, l.Cfg.Task, l.Step, eval, gif, l.Policy(), l.Spec, seed)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&run, "run", "", "run directory of ndp rl train")
	fl.StringVar(&policyFile, "policy", "", "a policy file (policy.npz) instead of --run: needs no trainer")
	fl.IntVar(&episodes, "episodes", 100, "evaluation episodes per mode")
	fl.Int64Var(&seed, "seed", 0, "evaluation round: different values give different episodes")
	fl.StringVar(&gif, "gif", "", "render one deterministic episode to this GIF")
	fl.StringVar(&controlHz, "control-hz", "", "comma-separated dense control rates in Hz (e.g. 500,1000,5000): evaluate an NDP (run or policy file) with one DMP setpoint per physics step at each rate and print success and smoothness against the training rate")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	rlCmd.AddCommand(cmd)
}

// evalPolicyFile evaluates a policy file as `rl eval --run` evaluates a run.
func evalPolicyFile(w io.Writer, path string, b compute.Backend, episodes int, seed int64, gif string) error {
	a, err := policy.Open(path, b)
	if err != nil {
		return err
	}
	m := a.Meta
	eval := func(det bool) (agent.EvalResult, error) { return ppo.EvaluatePolicy(a, episodes, 8, int(seed), det) }
	return reportEval(w, m.Learner, m.Task, m.Steps, eval, gif, a.Policy(), m.Spec, seed)
}

// reportEval prints the deterministic and the sampled evaluation of a
// policy and, with gif, renders one deterministic episode.
func reportEval(w io.Writer, learner, task string, steps int64, eval func(det bool) (agent.EvalResult, error),
	gif string, pol agent.Policy, spec agent.Spec, seed int64) error {
	for _, det := range []bool{true, false} {
		r, err := eval(det)
		if err != nil {
			return err
		}
		mode := map[bool]string{true: "deterministic", false: "sampled"}[det]
		fmt.Fprintf(w, "%s %s after %d env steps, %s: success %.3f (final step %.3f), return %.2f over %d episodes\n",
			learner, task, steps, mode, r.Success, r.FinalSuccess, r.Return, r.Episodes)
	}
	if gif != "" {
		res, err := writeEpisodeGIF(gif, task, pol, spec, seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s: success %v, return %.2f, %d steps\n", gif, res.Success == 1, res.Return, int(res.Length))
	}
	return nil
}

// writeEpisodeGIF renders one deterministic episode of pol on task.
func writeEpisodeGIF(path, task string, pol agent.Policy, spec agent.Spec, seed int64) (agent.EvalResult, error) {
	e, err := envs.Make(task)
	if err != nil {
		return agent.EvalResult{}, err
	}
	defer e.Close()
	rec, err := envs.NewRecorder(e, 320, 240)
	if err != nil {
		return agent.EvalResult{}, err
	}
	capture := func(int, int, []float64, []float64, agent.StepResult) error { return rec.Capture() }
	res, err := agent.Evaluate(agent.EvalOptions{Episodes: 1, Envs: []envs.Env{e}, K: spec.K, A: spec.ActDim, Execute: spec.Execute,
		Seed: seed, Stream: agent.StreamShowcase, Seeds: func(int) int64 { return agent.ResetSeed(seed, agent.StreamShowcase, 0, 0) },
		Step: capture}, pol)
	if err != nil {
		return res, err
	}
	return res, atomicfile.Write(path, rec.WriteGIF)
}

// parseRates parses a comma-separated list of control rates in Hz.
func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		hz, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(hz) || math.IsInf(hz, 0) || hz <= 0 {
			return nil, fmt.Errorf("--control-hz: %q is not a positive rate in Hz", f)
		}
		out = append(out, hz)
	}
	return out, nil
}

// denseEval evaluates an NDP run at the training rate and at each dense
// control rate and prints a Markdown table.
// trained is what dense evaluation needs of a trained policy, from a run
// or from a policy file.
type trained struct {
	task, learner string
	steps         int64
	model         *model.Model
	spec          agent.Spec
	norm          *rl.RunningMeanStd
}

func denseEval(w io.Writer, l trained, rates string, episodes int, seed int64) error {
	hzs, err := parseRates(rates)
	if err != nil {
		return err
	}
	if !l.spec.NDP {
		return fmt.Errorf("--control-hz: %s on %s is not an NDP policy; dense control needs a DMP head", l.learner, l.task)
	}
	rows, err := control.EvaluateRates(l.task, l.model, l.spec, l.norm, hzs, episodes, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s after %d env steps, deterministic, %d episodes per rate\n\n", l.learner, l.task, l.steps, episodes)
	fmt.Fprint(w, control.RatesTable(rows))
	return nil
}
