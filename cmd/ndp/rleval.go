package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/ppo"
)

func init() {
	var (
		run, gif, backendFlag string
		episodes              int
		seed                  int64
	)
	cmd := &cobra.Command{
		Use:     "eval",
		Short:   "Evaluate a trained run: success rate, deterministic and sampled; optionally a GIF",
		Example: `  ndp rl eval --run runs/push-ndp-s0 --episodes 100 --gif push.gif`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if run == "" {
				return fmt.Errorf("--run: name a run directory (from ndp rl train)")
			}
			if episodes < 1 {
				return fmt.Errorf("--episodes must be ≥ 1, got %d", episodes)
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			l, err := ppo.Open(run, b)
			if err != nil {
				return err
			}
			defer l.Close()
			w := cmd.OutOrStdout()
			for _, det := range []bool{true, false} {
				r, err := l.Evaluate(episodes, int(seed), det)
				if err != nil {
					return err
				}
				mode := map[bool]string{true: "deterministic", false: "sampled"}[det]
				fmt.Fprintf(w, "%s %s after %d env steps, %s: success %.3f (final step %.3f), return %.2f over %d episodes\n",
					l.Cfg.Algo, l.Cfg.Task, l.Step, mode, r.Success, r.FinalSuccess, r.Return, r.Episodes)
			}
			if gif != "" {
				res, err := writeEpisodeGIF(gif, l.Cfg.Task, l.Policy(), l.Cfg.K, l.Spec.ActDim, seed)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote %s: success %v, return %.2f, %d steps\n", gif, res.Success == 1, res.Return, int(res.Length))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&run, "run", "", "run directory of ndp rl train")
	fl.IntVar(&episodes, "episodes", 100, "evaluation episodes per mode")
	fl.Int64Var(&seed, "seed", 0, "evaluation round: different values give different episodes")
	fl.StringVar(&gif, "gif", "", "render one deterministic episode to this GIF")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	rlCmd.AddCommand(cmd)
}

// writeEpisodeGIF renders one deterministic episode of pol on task.
func writeEpisodeGIF(path, task string, pol agent.Policy, K, A int, seed int64) (agent.EvalResult, error) {
	e, err := envs.Make(task)
	if err != nil {
		return agent.EvalResult{}, err
	}
	defer e.Close()
	rec, err := envs.NewRecorder(e, 320, 240)
	if err != nil {
		return agent.EvalResult{}, err
	}
	res, err := agent.Episode(e, pol, K, A, agent.ResetSeed(seed, 9, 0, 0), func(envs.Info) error { return rec.Capture() })
	if err != nil {
		return res, err
	}
	return res, atomicfile.Write(path, rec.WriteGIF)
}
