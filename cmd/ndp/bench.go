package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/model"
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
			return runEngineBench(cmd.OutOrStdout(), b.Name()+" ("+backend.Resolve(backendFlag)+")", b, reps, conv, only)
		},
	}
	engine.Flags().StringVar(&backendFlag, "backend", "", `GoMLX backend: "go" (default), "xla:/abs/path/pjrt_plugin.so", ... (or $GOMLX_BACKEND)`)
	engine.Flags().IntVar(&reps, "reps", 20, "timed repetitions per row (median reported)")
	engine.Flags().StringVar(&conv, "conv", "im2col", "digits CNN convolution lowering: im2col, slices, gather, builtin, or all")
	engine.Flags().StringVar(&only, "only", "", "run only rows whose name contains this")
	benchCmd.AddCommand(engine)
	rootCmd.AddCommand(benchCmd)
}

type benchRow struct {
	name        string
	median, min time.Duration
	cpu         time.Duration // process CPU time per call (all threads)
	note        string
}

// cpuTime returns the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeIt runs fn once to warm up (compile), then reps times. Besides wall
// time it reports CPU time per call, which other processes on a shared
// machine inflate much less.
func timeIt(reps int, fn func() error) (med, lo, cpu time.Duration, err error) {
	if err := fn(); err != nil {
		return 0, 0, 0, err
	}
	ds := make([]time.Duration, reps)
	c0 := cpuTime()
	for i := range ds {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, 0, 0, err
		}
		ds[i] = time.Since(t0)
	}
	cpu = (cpuTime() - c0) / time.Duration(reps)
	slices.Sort(ds)
	return ds[len(ds)/2], ds[0], cpu, nil
}

func randF32(rng *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (rng.Float32()*2 - 1) * scale
	}
	return v
}

func runEngineBench(w io.Writer, backendName string, b compute.Backend, reps int, conv, only string) error {
	if reps < 1 {
		return fmt.Errorf("--reps must be ≥ 1, got %d", reps)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []benchRow
	add := func(name, note string, fn func() error) error {
		if only != "" && !strings.Contains(name, only) {
			return nil
		}
		med, lo, cpu, err := timeIt(reps, fn)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, benchRow{name, med, lo, cpu, note})
		fmt.Fprintf(w, "  %-40s %10s\n", name, fmtDur(med))
		return nil
	}

	// MLP 39→100→100→42, raw head, MSE.
	mlpCfg := model.Config{Net: model.NetMLP, ObsDim: 39, Hidden: []int{100, 100}, Head: model.HeadRaw, OutDim: 42}
	mlp, err := model.New(mlpCfg, b)
	if err != nil {
		return err
	}
	mse := func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		return model.MSE(out.Action, extra[0]), nil
	}
	mlpTrain := mlp.NewTrainer(mse)
	for _, bs := range []int{64, 2048} {
		batch := model.Batch{Obs: model.F32(randF32(rng, bs*39, 1), bs, 39), Extra: []*tensors.Tensor{model.F32(randF32(rng, bs*42, 1), bs, 42)}}
		if err := add(fmt.Sprintf("mlp 39-100-100-42 train step, batch %d", bs), "", func() error {
			_, err := mlpTrain.Step(batch)
			return err
		}); err != nil {
			return err
		}
	}

	// Digits NDP train step.
	convs := []string{conv}
	if conv == "all" {
		convs = []string{"im2col", "slices", "gather", "builtin"}
	}
	for _, c := range convs {
		cfg := model.Config{Net: model.NetCNN, Head: model.HeadNDP, DoF: 2, ConvImpl: c,
			DMP: model.DMPConfig{N: 30, T: 300}}
		dm, err := model.New(cfg, b)
		if err != nil {
			return err
		}
		tr := dm.NewTrainer(model.TrajectoryMSE)
		const bs = 100
		batch := model.Batch{
			Obs: model.F32(randF32(rng, bs*28*28, 1), bs, 28, 28),
			Y0:  model.F32(randF32(rng, bs*2, 20), bs, 2), DY0: model.F32(make([]float32, bs*2), bs, 2),
			Extra: []*tensors.Tensor{model.F32(randF32(rng, bs*301*2, 20), bs, 301, 2)},
		}
		if err := add("digits NDP train step, batch 100, conv "+c, "goal ≤ 90 ms (go, 2 cores)", func() error {
			_, err := tr.Step(batch)
			return err
		}); err != nil {
			return err
		}
	}

	// Batch-1 policy inference.
	polCfg := model.Config{Net: model.NetMLP, ObsDim: 39, Hidden: []int{100, 100}, Head: model.HeadNDP, DoF: 7,
		DMP: model.DMPConfig{N: 6, T: 5, Substeps: 7}, Omega: "deltas"}
	pm, err := model.New(polCfg, b)
	if err != nil {
		return err
	}
	obs, y0, dy0 := randF32(rng, 39, 1), randF32(rng, 7, 1), randF32(rng, 7, 1)
	one := model.Batch{Obs: model.F32(obs, 1, 39), Y0: model.F32(y0, 1, 7), DY0: model.F32(dy0, 1, 7)}
	if err := add("policy inference batch 1, GoMLX", "", func() error {
		_, err := pm.Forward(one)
		return err
	}); err != nil {
		return err
	}
	pol, err := pm.Policy()
	if err != nil {
		return err
	}
	if err := add("policy inference batch 1, pure Go", "", func() error {
		_, err := pol.Act(obs, y0, dy0)
		return err
	}); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nbackend %s, median of %d steps after one warm-up:\n\n", backendName, reps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tmedian\tmin\tcpu/call\tnote")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.name, fmtDur(r.median), fmtDur(r.min), fmtDur(r.cpu), r.note)
	}
	return tw.Flush()
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
	default:
		return fmt.Sprintf("%.2f ms", float64(d.Nanoseconds())/1e6)
	}
}
