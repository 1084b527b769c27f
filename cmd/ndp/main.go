// Command ndp trains, runs and benchmarks Neural Dynamic Policies.
//
// Each subcommand lives in its own file and registers itself on rootCmd in an
// init function, so the command tree is assembled without a central list.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/internal/memlimit"
	"github.com/ndp-go/ndp/run"
)

var rootCmd = &cobra.Command{
	Use:   "ndp",
	Short: "Neural Dynamic Policies: DMP layers, imitation and RL in Go",
	Long: `ndp is a toolkit for Neural Dynamic Policies (Bahl et al., NeurIPS 2020):
policies whose action space is a Dynamic Movement Primitive (DMP) trajectory.`,
	SilenceUsage:  true,
	SilenceErrors: true,
	PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
		if memoryLimit == "" {
			return nil
		}
		v, err := memlimit.Parse(memoryLimit)
		if err != nil {
			return fmt.Errorf("--memory-limit: %w", err)
		}
		memlimit.Set(v)
		return nil
	},
}

var memoryLimit string

func init() {
	rootCmd.PersistentFlags().StringVar(&memoryLimit, "memory-limit", "",
		"memory budget that sizes are checked against before allocating, e.g. 16GiB (default: $"+memlimit.EnvVar+" or 4GiB)")
}

func main() {
	if os.Getenv("GOGC") == "" {
		// GoMLX allocates a little per op of every graph call, and training
		// makes millions of calls on a heap of a few MB: collecting at 4×
		// the live heap instead of 2× gave 5–20% more env steps/s in
		// `ndp bench rl` (docs/engine.md).
		debug.SetGCPercent(400)
	}
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ndp:", err)
		if errors.Is(err, run.ErrInterrupted) {
			os.Exit(130) // the shell's convention for a run ended by Ctrl-C
		}
		os.Exit(1)
	}
}
