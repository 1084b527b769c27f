package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/bench"
)

// benchCmd is the parent of the `ndp bench ...` commands; other files add
// their own benchmarks to it.
var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Benchmarks: engine (the GoMLX model API) and rl (training throughput)",
}

func init() {
	var (
		backendFlag string
		reps        int
		conv        string
		only        string
	)
	engine := &cobra.Command{
		Use:   "engine",
		Short: "Time NDP train steps and policy inference on the chosen backend",
		Long: `Times, as the median of repeated calls after a warm-up:
  - MLP 39→100→100→42 train step (Adam, MSE) at batch 64 and 2048,
  - the digits NDP train step: batch 100, CNN (conv 20@5x5, pool, conv 50@5x5, pool,
    fc 800→200→100→200→124→62), DMP N=30 T=300, 2 DoF, trajectory MSE,
  - batch-1 inference of an MLP-NDP policy (39 inputs, 7 DoF, N=6, T=5, l=7,
    deltas), through GoMLX and through the pure-Go forward.
The cpu/call column is process CPU time (all threads) per call: on a shared
machine it is inflated much less than wall time. --conv all compares the
convolution lowerings (im2col with a hand-written backward is the default).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			rows, err := bench.Engine(b, bench.Options{Reps: reps, Conv: conv, Only: only, Progress: w})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "\nbackend %s (%s), median of %d calls after one warm-up:\n\n%s", b.Name(), backend.Resolve(backendFlag), reps, bench.Markdown(rows))
			return nil
		},
	}
	engine.Flags().StringVar(&backendFlag, "backend", "", `GoMLX backend: "go" (default), "xla:/abs/path/pjrt_plugin.so", ... (or $GOMLX_BACKEND)`)
	engine.Flags().IntVar(&reps, "reps", 20, "timed repetitions per row (median reported)")
	engine.Flags().StringVar(&conv, "conv", "im2col", "digits CNN convolution lowering: im2col, slices, gather, builtin, or all")
	engine.Flags().StringVar(&only, "only", "", "run only rows whose name contains this")
	benchCmd.AddCommand(engine)
	rootCmd.AddCommand(benchCmd)
}
