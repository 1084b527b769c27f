package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/ppo"
)

func init() {
	var (
		backendFlag  string
		algos, tasks string
		steps        float64
		seed         int64
	)
	cmd := &cobra.Command{
		Use:   "rl",
		Short: "Time PPO training end to end per learner and task, split into physics, policy and update",
		Long: `Trains each learner on each task with default hyperparameters (8 envs ×
256 steps per update, 10 epochs × 32 minibatches, evaluation off) for one
warm-up update, which compiles the graphs, then for --steps env steps, and
prints a Markdown table: env steps/s end to end, and where the time went.
physics steps/s is env steps per second of time spent stepping the envs.`,
		Example: "  ndp bench rl --tasks push,throw --steps 20480",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := stepCount("steps", steps)
			if err != nil {
				return err
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, task := range strings.Split(tasks, ",") {
				for _, algo := range strings.Split(algos, ",") {
					cfg := ppo.Config{Algo: strings.TrimSpace(algo), Task: strings.TrimSpace(task), Seed: seed, TotalSteps: n}
					if err := cfg.Validate(); err != nil {
						return err
					}
					t, err := ppo.MeasureThroughput(cfg, b)
					if err != nil {
						return fmt.Errorf("%s on %s: %w", cfg.Algo, cfg.Task, err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "%s %s: %.0f steps/s\n", t.Algo, t.Task, t.StepsPerSec())
					rows = append(rows, []string{t.Task, t.Algo, fmt.Sprint(t.Steps), fmt.Sprintf("%.0f", t.StepsPerSec()),
						fmt.Sprintf("%.0f", t.PhysicsStepsPerSec()), fmt.Sprintf("%.2f", t.Physics.Seconds()),
						fmt.Sprintf("%.2f", t.Policy.Seconds()), fmt.Sprintf("%.2f", t.Update.Seconds()), fmt.Sprintf("%.2f", t.Wall.Seconds())})
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backend %s, GOMAXPROCS %d\n\n", backend.Resolve(backendFlag), runtime.GOMAXPROCS(0))
			fmt.Fprint(cmd.OutOrStdout(), table.Markdown([]string{"task", "learner", "env steps", "steps/s", "physics steps/s", "physics s", "policy s", "update s", "wall s"}, rows))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend: "go" (default) or "xla:/abs/path/pjrt_plugin.so" (or $GOMLX_BACKEND)`)
	fl.StringVar(&algos, "algos", strings.Join(ppo.Algos(), ","), "learners, comma-separated")
	fl.StringVar(&tasks, "tasks", "push,throw", "tasks, comma-separated")
	fl.Float64Var(&steps, "steps", 20480, "env steps timed per run, after one warm-up update (1e5 style accepted)")
	fl.Int64Var(&seed, "seed", 0, "seed")
	benchCmd.AddCommand(cmd)
}
