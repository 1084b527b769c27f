// Package experiment runs grids of RL training runs (tasks × learners ×
// seeds, or one hyperparameter's values for the ablations) in parallel,
// then aggregates their logs into success-vs-samples curves with the spread
// over seeds (the paper's Figures 5–7) and a Markdown summary table.
//
// Each run lives in its own run directory (package run), so a grid can be
// stopped (Ctrl-C, or killed) and re-run: finished runs are skipped and the
// others resume from their checkpoints.
package experiment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"gonum.org/v1/gonum/stat"

	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/plots"
	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/run"
	"github.com/ndp-go/ndp/runlog"
)

// Run is one training run of a grid.
type Run struct {
	Group string     // figure it belongs to (a task)
	Label string     // line within the figure (a learner, or "N=6")
	Cfg   ppo.Config // full config, seed included
	Dir   string     // run directory
}

// Grid returns the runs of tasks × labels × seeds under root. vary maps a
// label to the config change it stands for (e.g. the algo, or N = 6).
func Grid(root string, base ppo.Config, tasks []string, labels []string, seeds int, vary func(label string, c *ppo.Config) error) ([]Run, error) {
	if len(tasks) == 0 || len(labels) == 0 || seeds < 1 {
		return nil, fmt.Errorf("experiment: empty grid (%d tasks, %d labels, %d seeds)", len(tasks), len(labels), seeds)
	}
	var runs []Run
	for _, task := range tasks {
		for _, label := range labels {
			for s := range seeds {
				c := base
				c.Task, c.Seed = task, base.Seed+int64(s)
				if err := vary(label, &c); err != nil {
					return nil, err
				}
				if err := c.Validate(); err != nil {
					return nil, fmt.Errorf("experiment: %s/%s: %w", task, label, err)
				}
				runs = append(runs, Run{Group: task, Label: label, Cfg: c,
					Dir: filepath.Join(root, task, sanitize(label), fmt.Sprintf("seed%d", c.Seed))})
			}
		}
	}
	return runs, nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// Done reports whether the run finished in an earlier invocation.
func (r Run) Done() bool { return run.Finished(r.Dir) }

// Execute trains one run into its directory, resuming it from its
// checkpoint when an earlier invocation stopped part-way (run.Auto).
func (r Run) Execute(ctx context.Context, b compute.Backend) error {
	l, _, err := ppo.TrainDir(r.Cfg, b, r.Dir, ppo.DirOptions{Mode: run.Auto, Context: ctx})
	if err != nil {
		return err
	}
	l.Close()
	return nil
}

// RunAll executes the runs not yet done on `workers` goroutines, reporting
// each finished run to log. It returns the errors of failed runs joined.
// Cancelling ctx stops the runs in progress after their next update, with
// a checkpoint: rerunning the same grid skips finished runs and resumes the
// others.
func RunAll(ctx context.Context, runs []Run, b compute.Backend, workers int, log io.Writer) error {
	if workers < 1 {
		workers = 1
	}
	todo := make(chan Run)
	var mu sync.Mutex
	var errs []error
	done, finished, total := 0, 0, len(runs) // done: reported; finished: trained to the end
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range todo {
				err := r.Execute(ctx, b)
				mu.Lock()
				done++
				status := "ok"
				if err == nil {
					finished++
				}
				if errors.Is(err, run.ErrInterrupted) {
					status, err = "interrupted, checkpointed", nil
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", r.Dir, err))
					status = "FAILED: " + err.Error()
				}
				if log != nil {
					fmt.Fprintf(log, "[%d/%d] %s %s seed %d: %s\n", done, total, r.Group, r.Label, r.Cfg.Seed, status)
				}
				mu.Unlock()
			}
		}()
	}
	// Seed-major order: a grid cut short (a session's end) still has every
	// task × label on its first seeds.
	order := slices.Clone(runs)
	slices.SortStableFunc(order, func(a, b Run) int { return cmp.Compare(a.Cfg.Seed, b.Cfg.Seed) })
	for _, r := range order {
		if r.Done() {
			mu.Lock()
			done++
			finished++
			mu.Unlock()
			continue
		}
		select {
		case todo <- r:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(todo)
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("experiment: grid %w with %d of %d runs finished; rerun the same command to continue", run.ErrInterrupted, finished, total)
	}
	return errors.Join(errs...)
}

// smoothWindow is how many evaluations each seed's curve is averaged over
// (trailing), so that noisy few-episode evaluations read as trends.
const smoothWindow = 3

// smooth returns the trailing moving average of v over w points.
func smooth(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	sum := 0.0
	for i, x := range v {
		sum += x
		if i >= w {
			sum -= v[i-w]
		}
		out[i] = sum / float64(min(i+1, w))
	}
	return out
}

// Curve is one line of a figure: a metric against env steps (each seed's
// values smoothed over its last 3 evaluations), mean and spread (± one
// standard deviation, clipped to [0, 1]) over seeds.
type Curve struct {
	Label        string
	Steps        []float64
	Mean, Lo, Hi []float64
	Seeds        int
	Final        []float64 // per seed: the mean of its last 3 evaluations
	AUC          []float64 // per seed: area under its (raw) success curve over the run, normalised to [0, 1]
}

// Curves reads the logs of the runs of one group and aggregates `metric`
// (e.g. "eval_success") per label, in the order labels appear in runs.
func Curves(runs []Run, group, metric string) ([]Curve, error) {
	byLabel := map[string][][3][]float64{}
	var order []string
	for _, r := range runs {
		if r.Group != group {
			continue
		}
		cols, _, err := runlog.ReadCSV(filepath.Join(r.Dir, "log.csv"))
		if err != nil {
			return nil, err
		}
		xs, ys := []float64{}, []float64{}
		for i, v := range cols[metric] {
			if !math.IsNaN(v) {
				xs, ys = append(xs, cols["global_step"][i]), append(ys, v)
			}
		}
		if _, ok := byLabel[r.Label]; !ok {
			order = append(order, r.Label)
		}
		byLabel[r.Label] = append(byLabel[r.Label], [3][]float64{xs, smooth(ys, smoothWindow), ys})
	}
	var out []Curve
	for _, label := range order {
		seeds := byLabel[label]
		n := math.MaxInt
		for _, s := range seeds {
			n = min(n, len(s[0]))
		}
		if n == 0 || n == math.MaxInt {
			continue
		}
		c := Curve{Label: label, Seeds: len(seeds)}
		at := make([]float64, len(seeds))
		for i := range n {
			for k, s := range seeds {
				at[k] = s[1][i]
			}
			mean, std := MeanStd(at)
			c.Steps = append(c.Steps, seeds[0][0][i])
			c.Mean = append(c.Mean, mean)
			c.Lo = append(c.Lo, math.Max(0, mean-std))
			c.Hi = append(c.Hi, math.Min(1, mean+std))
		}
		for _, s := range seeds {
			c.Final = append(c.Final, s[1][n-1]) // the smoothed last point: the mean of the last 3 evaluations
			auc, _ := MeanStd(s[2][:n])          // evaluations are equally spaced in env steps
			c.AUC = append(c.AUC, auc)
		}
		out = append(out, c)
	}
	return out, nil
}

// Plot draws the curves of one group: success rate against env samples.
func Plot(path, title, ylabel string, curves []Curve) error {
	zero, one := 0.0, 1.0
	// Success curves rise to the right: the top-left corner is the free one.
	fig := plots.Figure{Title: title, XLabel: "env steps", YLabel: ylabel, YMin: &zero, YMax: &one, LegendLeft: true}
	for _, c := range curves {
		fig.Lines = append(fig.Lines, plots.Series{Name: fmt.Sprintf("%s (%d seeds)", c.Label, c.Seeds), X: c.Steps, Y: c.Mean})
		fig.Bands = append(fig.Bands, plots.Band{X: c.Steps, Lo: c.Lo, Hi: c.Hi})
	}
	return fig.Save(path)
}

// MeanStd returns the mean and population standard deviation of v (NaN
// for no values): the spread over seeds that tables and bands report.
func MeanStd(v []float64) (float64, float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	return stat.PopMeanStdDev(v, nil)
}

// Table renders, per label (row) and group (column), final success and the
// area under the success curve, each as mean ± std over seeds: "final /
// AUC". Final is each seed's mean of its last 3 evaluations.
func Table(groups []string, curves map[string][]Curve) string {
	var labels []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, c := range curves[g] {
			if !seen[c.Label] {
				seen[c.Label] = true
				labels = append(labels, c.Label)
			}
		}
	}
	most := 0 // seeds of the fullest cell; cells with fewer say how many
	for _, g := range groups {
		for _, c := range curves[g] {
			most = max(most, len(c.Final))
		}
	}
	var rows [][]string
	for _, l := range labels {
		row := []string{l}
		for _, g := range groups {
			cell := "–"
			for _, c := range curves[g] {
				if c.Label == l {
					m, s := MeanStd(c.Final)
					am, as := MeanStd(c.AUC)
					cell = fmt.Sprintf("%.2f ± %.2f / %.2f ± %.2f", m, s, am, as)
					if len(c.Final) < most {
						cell += fmt.Sprintf(" (%d seed%s)", len(c.Final), map[bool]string{true: "", false: "s"}[len(c.Final) == 1])
					}
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return table.Markdown(append([]string{"method"}, groups...), rows)
}

// Groups returns the distinct groups of runs, sorted.
func Groups(runs []Run) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range runs {
		if !seen[r.Group] {
			seen[r.Group] = true
			out = append(out, r.Group)
		}
	}
	sort.Strings(out)
	return out
}
