package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/run"
	"github.com/ndp-go/ndp/runlog"
)

var rlCmd = &cobra.Command{
	Use:   "rl",
	Short: "Reinforcement learning with PPO, PPO-multi and NDP-PPO on the MuJoCo tasks",
}

func init() { rootCmd.AddCommand(rlCmd) }

// ppoFlags binds every hyperparameter of ppo.Config to a flag. Call
// config after parsing: it turns the float-valued --steps (1e6 parses) into
// a count, honours an explicit --ent-coef 0 and rejects an explicit zero
// where zero has no meaning.
type ppoFlags struct {
	fl     *pflag.FlagSet
	c      ppo.Config
	hidden string
	steps  float64
	layout int64
}

func newPPOFlags(fl *pflag.FlagSet) *ppoFlags {
	p := &ppoFlags{fl: fl}
	c := &p.c
	d := ppo.Defaults() // the one source of defaults
	fl.StringVar(&c.Algo, "algo", d.Algo, "learner: ndp, ppo, ppo-multi, vices (PPO on the task's torque-driven variable-impedance action space) or dyne (PPO in a pretrained latent space of k-step action sequences)")
	fl.StringVar(&c.Task, "task", "push", "task: push, soccer, faucet, throw, pick")
	fl.Int64Var(&c.Seed, "seed", 0, "seed for env resets, network init and sampling")
	fl.Float64Var(&p.steps, "steps", float64(d.TotalSteps), "env steps to train for (1e6 style accepted)")
	fl.IntVar(&c.NumEnvs, "num-envs", d.NumEnvs, "parallel envs")
	fl.IntVar(&c.RolloutSteps, "rollout-steps", d.RolloutSteps, "env steps per env per update (rounded up to a multiple of k)")
	fl.Float64Var(&c.Gamma, "gamma", d.Gamma, "discount γ")
	fl.Float64Var(&c.Lambda, "gae-lambda", d.Lambda, "GAE λ")
	fl.Float64Var(&c.ClipCoef, "clip-coef", d.ClipCoef, "surrogate clip ε (also the value clip)")
	fl.BoolVar(&c.NoClipValue, "no-clip-value", false, "use the plain value loss")
	fl.Float64Var(&c.EntCoef, "ent-coef", d.EntCoef, "entropy bonus coefficient (0: none)")
	fl.Float64Var(&c.VfCoef, "vf-coef", d.VfCoef, "value loss coefficient")
	fl.Float64Var(&c.MaxGradNorm, "max-grad-norm", d.MaxGradNorm, "global gradient-norm clip")
	fl.Float64Var(&c.LR, "lr", d.LR, "Adam learning rate (decays linearly to 0)")
	fl.BoolVar(&c.NoAnnealLR, "no-anneal-lr", false, "keep the learning rate constant")
	fl.IntVar(&c.Epochs, "epochs", d.Epochs, "optimisation epochs per update")
	fl.IntVar(&c.Minibatches, "minibatches", d.Minibatches, "minibatches per epoch")
	fl.BoolVar(&c.NoNormObs, "no-norm-obs", false, "disable observation normalisation")
	fl.BoolVar(&c.NoNormAdv, "no-norm-adv", false, "disable advantage normalisation")
	fl.BoolVar(&c.NoNormRew, "no-norm-rew", false, "disable reward scaling by the running std of the discounted return")
	fl.Float64Var(&c.TargetKL, "target-kl", 0, "stop an update early above this KL (0: never)")
	fl.Float64Var(&c.InitLogStd, "init-log-std", 0, "initial log σ")
	fl.StringVar(&p.hidden, "hidden", joinInts(d.Hidden), "hidden layer sizes of actor and critic")
	fl.IntVar(&c.K, "k", d.K, "actions per decision for ndp and ppo-multi")
	fl.IntVar(&c.Execute, "execute", 0, "plan k actions, execute the first m, plan again (ndp, ppo-multi; default: all k)")
	fl.StringVar(&c.Explore, "explore", d.Explore, "exploration of ndp and ppo-multi: step (action noise drawn every env step), decision (one draw per decision, shared by its k steps) or params (ndp: noise on Φ's DMP parameters once per decision)")
	fl.BoolVar(&c.SharedValue, "shared-value", false, "ndp, ppo-multi: one critic output repeated for the k steps of a decision (the authors' code) instead of k value heads")
	fl.IntVar(&c.RewardDelay, "reward-delay", 0, "reward from a state refreshed every this many steps (default k)")
	fl.IntVar(&c.N, "n", 0, "DMP basis functions per DoF (default: 5 throw, 6 others)")
	fl.IntVar(&c.Substeps, "substeps", 0, "DMP Euler substeps per step (default ⌊35/k⌋+1)")
	fl.Float64Var(&c.AlphaZ, "alpha-z", 0, "DMP α_z (default: 15 soccer, 5 others)")
	fl.StringVar(&c.Kernel, "kernel", d.Kernel, "DMP basis: gaussian, multiquadric, inverse-quadric, inverse-multiquadric, linear")
	fl.BoolVar(&c.OnlyG, "only-g", false, "ablation: forcing term zero, learn only the goal")
	fl.BoolVar(&c.LearnAlphaZ, "learn-alpha-z", false, "ablation: learn α_z too")
	fl.Float64Var(&c.WeightScale, "weight-scale", d.WeightScale, "scale of Φ's DMP weight outputs")
	fl.Float64Var(&c.GoalScale, "goal-scale", d.GoalScale, "scale of Φ's goal offset, in action units")
	fl.IntVar(&c.Latent, "latent", 0, "dyne: latent size (default: the task's action size)")
	fl.IntVar(&c.DyneSamples, "dyne-samples", 0, "dyne: random exploration steps for the embedding, not counted in --steps (default 100000)")
	fl.IntVar(&c.DyneEpochs, "dyne-epochs", 0, "dyne: embedding training epochs (default 10)")
	fl.IntVar(&c.EvalEvery, "eval-every", d.EvalEvery, "updates between evaluations (negative: never)")
	fl.IntVar(&c.EvalEpisodes, "eval-episodes", d.EvalEpisodes, "episodes per evaluation")
	fl.IntVar(&c.MaxSteps, "max-steps", 0, "override the task's episode length")
	fl.Int64Var(&p.layout, "fixed-layout", 0, "train and evaluate on the one layout of this reset seed (the authors' code did so for NDP and PPO-multi on push and soccer)")
	return p
}

// config returns the parsed config (see ppoFlags).
func (p *ppoFlags) config() (ppo.Config, error) {
	c := p.c
	var err error
	if c.TotalSteps, err = stepCount("steps", p.steps); err != nil {
		return c, err
	}
	if c.Hidden, err = parseInts("hidden", p.hidden); err != nil {
		return c, err
	}
	// ppo.Config reads zero as "the default"; an explicit zero is either
	// what the user means (no entropy bonus) or a mistake worth naming.
	for _, name := range []string{"num-envs", "rollout-steps", "epochs", "minibatches", "k", "n", "substeps", "eval-episodes",
		"reward-delay", "eval-every", "max-steps", "lr", "clip-coef", "gamma", "gae-lambda", "vf-coef", "max-grad-norm",
		"alpha-z", "weight-scale", "goal-scale"} {
		if f := p.fl.Lookup(name); f != nil && p.fl.Changed(name) {
			if v, _ := strconv.ParseFloat(f.Value.String(), 64); v == 0 {
				return c, fmt.Errorf("--%s 0 is not allowed (see --help for its range and default)", name)
			}
		}
	}
	if p.fl.Changed("fixed-layout") {
		seed := p.layout
		c.FixedReset = &seed
	}
	if p.fl.Changed("ent-coef") && c.EntCoef == 0 {
		c.EntCoef = -1 // ppo.Config: negative means no bonus
	}
	return c, nil
}

func parseInts(flag, s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("--%s: %q is not a positive integer", flag, p)
		}
		out = append(out, v)
	}
	return out, nil
}

func init() {
	var (
		pf          *ppoFlags
		out         string
		backendFlag string
		resume      bool
		force       bool
		quiet       bool
		printKeys   string
		ckptEvery   int
	)
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train one learner on one task",
		Long: `Train one learner on one task. The run directory (--out) gets config.json,
log.csv (one row per update; columns documented in the README),
checkpoint.ckpt (written atomically every --checkpoint-every updates, at the
end and on Ctrl-C) and done.json when training finishes.

An existing run is never overwritten silently: --resume continues it from
its checkpoint (exactly as if it had not stopped, episodes in progress
included; --steps may extend it), --force starts it over. Ctrl-C (or
SIGTERM) finishes the current update, writes the checkpoint and exits with
status 130. A loss or weight that turns NaN or infinite stops training with
an error and leaves the last good checkpoint in place.`,
		Example: "  ndp rl train --algo ndp --task push --steps 1e6 --seed 0 --out runs/push-ndp-0",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := pf.config()
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join("runs", fmt.Sprintf("%s-%s-s%d", cfg.Task, cfg.Algo, cfg.Seed))
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			prog := cmd.ErrOrStderr()
			if quiet {
				prog = nil
			}
			mode, err := runMode(resume, force)
			if err != nil {
				return err
			}
			ctx, stop := run.OnSignal(cmd.Context())
			defer stop()
			opts := ppo.DirOptions{Mode: mode, CheckpointEvery: ckptEvery, Progress: prog, Context: ctx}
			if printKeys != "" {
				keys := splitList(printKeys)
				for _, k := range keys {
					if !slices.ContainsFunc(ppo.MetricNames, func(m struct{ Name, Meaning string }) bool { return m.Name == k }) {
						return fmt.Errorf("--print: no log column %q (see ndp rl train --help)", k)
					}
				}
				opts.Logger = runlog.Console{W: cmd.OutOrStdout(), Keys: keys}
			}
			l, resumed, err := ppo.TrainDir(cfg, b, out, opts)
			if errors.Is(err, run.ErrInterrupted) {
				return fmt.Errorf("%w\n%s", err, run.ResumeHint(out))
			}
			if err != nil {
				return err
			}
			defer l.Close()
			verb := "trained"
			if resumed {
				verb = "resumed and trained"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s on %s to %d env steps; run directory %s\n", verb, l.Cfg.Algo, l.Cfg.Task, l.Step, out)
			return nil
		},
	}
	fl := cmd.Flags()
	pf = newPPOFlags(fl)
	fl.StringVar(&out, "out", "", "run directory (default runs/TASK-ALGO-sSEED)")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend: "go" (default) or "xla:/abs/path/pjrt_plugin.so" (or $GOMLX_BACKEND)`)
	fl.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint")
	fl.BoolVar(&force, "force", false, "start over, deleting the run in --out")
	fl.BoolVar(&quiet, "quiet", false, "no progress bar")
	var cols []string
	for _, m := range ppo.MetricNames {
		cols = append(cols, m.Name)
	}
	fl.StringVar(&printKeys, "print", "", "log.csv columns to print every update, comma-separated, from: "+strings.Join(cols, ", "))
	fl.IntVar(&ckptEvery, "checkpoint-every", 10, "updates between checkpoints")
	rlCmd.AddCommand(cmd)
}
