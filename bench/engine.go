// Package bench times the model engine (GoMLX through package model) on
// the shapes ndp trains and runs: an MLP train step, the digits NDP train
// step and batch-1 policy inference through GoMLX and through the pure-Go
// forward. `ndp bench engine` prints its rows; docs/engine.md records them.
package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/model"
)

// Options select and size the engine benchmark.
type Options struct {
	Reps     int       // timed calls per row after one warm-up (the median is reported)
	Conv     string    // digits CNN convolution lowering: im2col, slices, gather, builtin, or all
	Only     string    // run only rows whose name contains this ("" for all)
	Progress io.Writer // each row's median as it is measured (nil: none)
}

// Row is one benchmark's timing.
type Row struct {
	Name        string
	Median, Min time.Duration
	CPU         time.Duration // process CPU time per call (all threads)
	Note        string
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

// Engine runs the benchmark rows on backend b, each timed as the median of
// o.Reps calls after one warm-up call (which compiles the graphs).
func Engine(b compute.Backend, o Options) ([]Row, error) {
	if o.Reps < 1 {
		return nil, fmt.Errorf("bench: reps must be ≥ 1, got %d", o.Reps)
	}
	switch o.Conv {
	case "":
		o.Conv = "im2col"
	case "im2col", "slices", "gather", "builtin", "all":
	default:
		return nil, fmt.Errorf("bench: convolution lowering %q unknown (want im2col, slices, gather, builtin or all)", o.Conv)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []Row
	add := func(name, note string, fn func() error) error {
		if o.Only != "" && !strings.Contains(name, o.Only) {
			return nil
		}
		med, lo, cpu, err := timeIt(o.Reps, fn)
		if err != nil {
			return fmt.Errorf("bench: %s: %w", name, err)
		}
		rows = append(rows, Row{name, med, lo, cpu, note})
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "  %-40s %10s\n", name, FormatDuration(med))
		}
		return nil
	}

	// MLP 39→100→100→42, raw head, MSE.
	mlpCfg := model.Config{Net: model.NetMLP, ObsDim: 39, Hidden: []int{100, 100}, Head: model.HeadRaw, OutDim: 42}
	mlp, err := model.New(mlpCfg, b)
	if err != nil {
		return nil, err
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
			return nil, err
		}
	}

	// Digits NDP train step.
	convs := []string{o.Conv}
	if o.Conv == "all" {
		convs = []string{"im2col", "slices", "gather", "builtin"}
	}
	for _, c := range convs {
		cfg := model.Config{Net: model.NetCNN, Head: model.HeadNDP, DoF: 2, ConvImpl: c,
			DMP: model.DMPConfig{N: 30, T: 300}}
		dm, err := model.New(cfg, b)
		if err != nil {
			return nil, err
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
			return nil, err
		}
	}

	// Batch-1 policy inference.
	polCfg := model.Config{Net: model.NetMLP, ObsDim: 39, Hidden: []int{100, 100}, Head: model.HeadNDP, DoF: 7,
		DMP: model.DMPConfig{N: 6, T: 5, Substeps: 7}, Omega: "deltas"}
	pm, err := model.New(polCfg, b)
	if err != nil {
		return nil, err
	}
	obs, y0, dy0 := randF32(rng, 39, 1), randF32(rng, 7, 1), randF32(rng, 7, 1)
	one := model.Batch{Obs: model.F32(obs, 1, 39), Y0: model.F32(y0, 1, 7), DY0: model.F32(dy0, 1, 7)}
	if err := add("policy inference batch 1, GoMLX", "", func() error {
		_, err := pm.Forward(one)
		return err
	}); err != nil {
		return nil, err
	}
	pol, err := pm.Policy()
	if err != nil {
		return nil, err
	}
	if err := add("policy inference batch 1, pure Go", "", func() error {
		_, err := pol.Act(obs, y0, dy0)
		return err
	}); err != nil {
		return nil, err
	}

	return rows, nil
}

// Markdown renders rows as a Markdown table.
func Markdown(rows []Row) string {
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = []string{r.Name, FormatDuration(r.Median), FormatDuration(r.Min), FormatDuration(r.CPU), r.Note}
	}
	return table.Markdown([]string{"benchmark", "median", "min", "cpu/call", "note"}, cells)
}

// FormatDuration writes d in ns, µs or ms, whichever reads best.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
	default:
		return fmt.Sprintf("%.2f ms", float64(d.Nanoseconds())/1e6)
	}
}
