package main

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
)

type envRolloutFlags struct {
	task, policy, gif string
	episodes          int
	seed              int64
	rewardDelay       int
}

func init() {
	envCmd := &cobra.Command{
		Use:   "env",
		Short: "List and run the MuJoCo robot tasks (push, soccer, faucet, throw, pick)",
	}
	envCmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the registered tasks with their observation and action sizes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEnvList(cmd.OutOrStdout())
		},
	})
	var f envRolloutFlags
	roll := &cobra.Command{
		Use:   "rollout",
		Short: "Run episodes of a policy on a task and print success rate and steps/s",
		Example: `  ndp env rollout --task push --policy scripted --episodes 100
  ndp env rollout --task throw --policy random --episodes 10 --gif throw.gif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEnvRollout(cmd.OutOrStdout(), f)
		},
	}
	fl := roll.Flags()
	fl.StringVar(&f.task, "task", "push", "task name (see `ndp env list`)")
	fl.StringVar(&f.policy, "policy", "scripted", "policy: scripted or random")
	fl.IntVar(&f.episodes, "episodes", 10, "number of episodes")
	fl.Int64Var(&f.seed, "seed", 0, "seed of the first episode (episode i uses seed+i)")
	fl.IntVar(&f.rewardDelay, "reward-delay", 1, "refresh the reward state every k steps")
	fl.StringVar(&f.gif, "gif", "", "write an animated GIF of the first episode to this file")
	envCmd.AddCommand(roll)
	rootCmd.AddCommand(envCmd)
}

func runEnvList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tOBS\tACT\tSTEPS\tPOSITION (DMP y0)")
	for _, name := range envs.Names() {
		e, err := envs.Make(name)
		if err != nil {
			return err
		}
		l := e.Layout()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\tobs[%d:%d]\n", name, e.ObsDim(), e.ActDim(), e.MaxSteps(),
			l.Position[0], l.Position[len(l.Position)-1]+1)
		e.Close()
	}
	return tw.Flush()
}

func runEnvRollout(w io.Writer, f envRolloutFlags) error {
	if f.episodes < 1 {
		return fmt.Errorf("--episodes must be >= 1, got %d", f.episodes)
	}
	e, err := envs.Make(f.task, envs.WithRewardDelay(f.rewardDelay))
	if err != nil {
		return fmt.Errorf("--task: %w", err)
	}
	defer e.Close()
	var p envs.Policy
	switch f.policy {
	case "scripted":
		if p, err = envs.Scripted(f.task); err != nil {
			return err
		}
	case "random":
		p = envs.NewRandomPolicy(e.ActDim(), uint64(f.seed))
	default:
		return fmt.Errorf("--policy must be scripted or random, got %q", f.policy)
	}
	var rec *envs.Recorder
	if f.gif != "" {
		if err := atomicfile.CheckWritable(f.gif); err != nil {
			return fmt.Errorf("--gif: %w", err)
		}
		if rec, err = envs.NewRecorder(e, 320, 240); err != nil {
			return fmt.Errorf("--gif: %w", err)
		}
	}
	pol, reset := agent.FromEnvPolicy(p)
	capture := func(ep int) error {
		if rec != nil && ep == 0 {
			return rec.Capture()
		}
		return nil
	}
	start := time.Now()
	st, err := agent.Evaluate(agent.EvalOptions{
		Episodes: f.episodes, Parallel: 1, K: 1, A: e.ActDim(),
		Envs:  []envs.Env{e},
		Seeds: func(i int) int64 { return f.seed + int64(i) },
		Reset: func(env, ep int, seed int64, obs []float64) error {
			if err := reset(env, ep, seed, obs); err != nil {
				return err
			}
			return capture(ep)
		},
		Step: func(_, ep int, _, _ []float64, _ agent.StepResult) error { return capture(ep) },
	}, pol)
	if err != nil {
		return err
	}
	elapsed := time.Since(start).Seconds()
	fmt.Fprintf(w, "task %s policy %s episodes %d\n", f.task, f.policy, st.Episodes)
	fmt.Fprintf(w, "success rate %.3f (final step %.3f), unstable %d, mean return %.3f\n",
		st.Success, st.FinalSuccess, int(math.Round(st.Unstable*float64(st.Episodes))), st.Return)
	note := ""
	if rec != nil {
		note = " (includes rendering the first episode)"
	}
	fmt.Fprintf(w, "%d steps in %.3fs: %.0f steps/s%s\n", st.Steps, elapsed, float64(st.Steps)/elapsed, note)
	if rec != nil {
		if err := atomicfile.Write(f.gif, rec.WriteGIF); err != nil {
			return fmt.Errorf("--gif: %w", err)
		}
		fmt.Fprintf(w, "wrote %s (%d frames)\n", f.gif, rec.Len())
	}
	return nil
}
