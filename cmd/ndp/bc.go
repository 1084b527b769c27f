package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/bc"
	"github.com/ndp-go/ndp/demos"
	"github.com/ndp-go/ndp/policy"
	"github.com/ndp-go/ndp/run"
)

var bcCmd = &cobra.Command{
	Use:   "bc",
	Short: "Behaviour cloning on the control tasks: NDP vs NN (the paper's Table 1)",
}

func init() { rootCmd.AddCommand(bcCmd) }

// expert returns the scripted controller ("scripted") or the
// deterministic policy of a policy file (or of a run directory's
// policy.npz), loaded without a trainer or training envs.
func expert(task, name string, b compute.Backend) (bc.Expert, error) {
	if name == "scripted" {
		return bc.ScriptedExpert(task)
	}
	path := name
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		path = filepath.Join(name, run.PolicyFile)
	}
	a, err := policy.Open(path, b)
	if err != nil {
		return bc.Expert{}, fmt.Errorf("--expert: %w", err)
	}
	if a.Meta.Task != task {
		return bc.Expert{}, fmt.Errorf("--expert: %s was trained on %s, not %s", path, a.Meta.Task, task)
	}
	return bc.PolicyExpert(a), nil
}

func collectDemos(task, name string, episodes int, seed int64, onlySuccess bool, b compute.Backend) (*demos.Demos, error) {
	ex, err := expert(task, name, b)
	if err != nil {
		return nil, err
	}
	return bc.Collect(task, ex, episodes, seed, onlySuccess)
}

func init() { rootCmd.AddCommand(bcCmd) }

func init() {
	var (
		task, expert, out, backendFlag string
		episodes                       int
		seed                           int64
		onlySuccess                    bool
	)
	collect := &cobra.Command{
		Use:     "collect",
		Short:   "Record expert demonstrations (observations, actions, robot positions) to npz",
		Example: "  ndp bc collect --task push --expert scripted --episodes 500 --out demos.npz",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			d, err := collectDemos(task, expert, episodes, seed, onlySuccess, b)
			if err != nil {
				return err
			}
			if err := d.Save(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d episodes (%d steps) of %s by %s, expert success %.3f\n", out, len(d.Success), d.Len(), task, expert, d.SuccessRate())
			return nil
		},
	}
	fl := collect.Flags()
	fl.StringVar(&task, "task", "push", "task")
	fl.StringVar(&expert, "expert", "scripted", `"scripted", a policy file (policy.npz), or a run directory that holds one`)
	fl.IntVar(&episodes, "episodes", 500, "expert episodes to record")
	fl.Int64Var(&seed, "seed", 0, "seed of the demonstration episodes")
	fl.BoolVar(&onlySuccess, "only-success", true, "keep successful episodes only")
	fl.StringVar(&out, "out", "demos.npz", "output file")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	bcCmd.AddCommand(collect)
}

// bcFlags binds bc.Config.
func bcFlags(cmd *cobra.Command, c *bc.Config, hidden *string) {
	fl := cmd.Flags()
	fl.Int64Var(&c.Seed, "seed", 0, "network init, batch order and evaluation episodes")
	fl.StringVar(hidden, "hidden", "", "hidden layer sizes (default: NDP 64,64; MLP two layers sized to the NDP's weight count)")
	fl.IntVar(&c.Epochs, "epochs", 100, "training epochs")
	fl.IntVar(&c.BatchSize, "batch", 256, "batch size")
	fl.Float64Var(&c.LR, "lr", 1e-3, "Adam learning rate")
	fl.IntVar(&c.K, "k", 5, "NDP actions per decision")
	fl.IntVar(&c.N, "n", 6, "NDP basis functions per DoF")
	fl.Float64Var(&c.AlphaZ, "alpha-z", 5, "NDP α_z")
	fl.IntVar(&c.EvalEpisodes, "eval-episodes", 100, "evaluation rollouts")
}

// bcSetup applies --hidden to cfg and starts the backend.
func bcSetup(cfg *bc.Config, hidden, backendFlag string) (compute.Backend, error) {
	h, err := parseInts("hidden", hidden)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = h
	if err := cfg.Validate(); err != nil { // before loading demonstrations or creating a run
		return nil, err
	}
	return backend.New(backendFlag)
}

func init() {
	var (
		cfg                                 bc.Config
		hidden, demosPath, out, backendFlag string
		force, resume                       bool
	)
	train := &cobra.Command{
		Use:     "train",
		Short:   "Train an NDP or an MLP on demonstrations and evaluate it in the simulator",
		Example: "  ndp bc train --demos demos.npz --policy ndp --out runs/bc/push/ndp/seed0",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := bcSetup(&cfg, hidden, backendFlag)
			if err != nil {
				return err
			}
			d, err := demos.Load(demosPath)
			if err != nil {
				return fmt.Errorf("--demos: %w", err)
			}
			if force && resume {
				return errors.New("--force and --resume exclude each other")
			}
			mode := run.Fresh
			switch {
			case force:
				mode = run.Force
			case resume:
				mode = run.Resume
			}
			ctx, stop := run.OnSignal(cmd.Context())
			defer stop()
			res, err := bc.RunDir(ctx, cfg, d, b, out, mode)
			if errors.Is(err, run.ErrInterrupted) {
				return fmt.Errorf("%w\n%s", err, run.ResumeHint(out))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s on %s (%d params): success %.3f (final step %.3f) over %d episodes; wrote %s\n",
				res.Policy, res.Task, res.Params, res.Success, res.FinalSuccess, res.EvalEpisodes, filepath.Join(out, "result.json"))
			return nil
		},
	}
	bcFlags(train, &cfg, &hidden)
	train.Flags().StringVar(&cfg.Policy, "policy", "ndp", "ndp or mlp")
	train.Flags().StringVar(&demosPath, "demos", "demos.npz", "demonstrations from ndp bc collect")
	train.Flags().StringVar(&out, "out", "runs/bc/run", "output directory (result.json)")
	train.Flags().StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	train.Flags().BoolVar(&force, "force", false, "train into --out even if it holds a run, replacing it")
	train.Flags().BoolVar(&resume, "resume", false, "continue the run in --out from its last epoch's checkpoint")
	bcCmd.AddCommand(train)
}

func init() {
	var (
		cfg                             bc.Config
		hidden, tasks, out, backendFlag string
		seeds, episodes                 int
		force                           bool
	)
	runCmd := &cobra.Command{
		Use:     "run",
		Short:   "Table 1 end to end: scripted demos, NN and NDP per task and seed, evaluation, table",
		Example: "  ndp bc run --tasks throw,pick,push,soccer,faucet --episodes 200 --seeds 3",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := bcSetup(&cfg, hidden, backendFlag)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			ts := splitList(tasks)
			ctx, stop := run.OnSignal(cmd.Context())
			defer stop()
			mode := run.Auto // rerunning continues: finished runs are kept
			if force {
				mode = run.Force
			}
			for _, task := range ts {
				d, err := collectDemos(task, "scripted", episodes, 0, true, b)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s: %d demo episodes (%d steps), expert success %.3f\n", task, len(d.Success), d.Len(), d.SuccessRate())
				for _, p := range []string{bc.PolicyMLP, bc.PolicyNDP} {
					for s := range seeds {
						c := cfg
						c.Policy, c.Seed = p, cfg.Seed+int64(s)
						res, err := bc.RunDir(ctx, c, d, b, filepath.Join(out, task, p, fmt.Sprintf("seed%d", c.Seed)), mode)
						if errors.Is(err, run.ErrInterrupted) {
							return fmt.Errorf("%w: the runs that finished are kept; rerun the same command to train the rest", err)
						}
						if err != nil {
							return fmt.Errorf("%s %s seed %d: %w", task, p, c.Seed, err)
						}
						fmt.Fprintf(w, "  %s seed %d: success %.3f (%d params)\n", p, c.Seed, res.Success, res.Params)
					}
				}
			}
			res, err := bc.LoadResults(out)
			if err != nil {
				return err
			}
			t := bc.Table(res, ts)
			fmt.Fprint(w, "\n"+t)
			return os.WriteFile(filepath.Join(out, "table.md"), []byte(t), 0o644)
		},
	}
	bcFlags(runCmd, &cfg, &hidden)
	runCmd.Flags().StringVar(&tasks, "tasks", "throw,pick,push,soccer,faucet", "tasks")
	runCmd.Flags().IntVar(&seeds, "seeds", 3, "training seeds per policy")
	runCmd.Flags().IntVar(&episodes, "episodes", 200, "scripted demonstration episodes per task")
	runCmd.Flags().StringVar(&out, "out", "runs/bc", "output directory")
	runCmd.Flags().StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	runCmd.Flags().BoolVar(&force, "force", false, "train every run again, replacing finished ones (default: keep them)")
	bcCmd.AddCommand(runCmd)

	var runs, tasksT string
	table := &cobra.Command{
		Use:   "table",
		Short: "Print Table 1 (Markdown) from bc results",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := bc.LoadResults(runs)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), bc.Table(res, splitList(tasksT)))
			return nil
		},
	}
	table.Flags().StringVar(&runs, "runs", "runs/bc", "directory of bc results")
	table.Flags().StringVar(&tasksT, "tasks", "throw,pick,push,soccer,faucet", "task columns")
	bcCmd.AddCommand(table)
}
