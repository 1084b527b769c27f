package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/experiment"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/run"
)

// gridFlags are shared by compare and ablate.
type gridFlags struct {
	pf          *ppoFlags
	base        ppo.Config
	tasks, out  string
	seeds       int
	workers     int
	backendFlag string
	report      bool
	plot        string // labels drawn in the figures, in order (empty: all)
	figures     string // directory of the figures (empty: out)
}

func (g *gridFlags) bind(cmd *cobra.Command, defaultOut string) {
	fl := cmd.Flags()
	g.pf = newPPOFlags(fl)
	fl.StringVar(&g.tasks, "tasks", "push,soccer,faucet,throw,pick", "comma-separated tasks")
	fl.IntVar(&g.seeds, "seeds", 3, "seeds per configuration (seed, seed+1, ...)")
	fl.IntVar(&g.workers, "workers", runtime.NumCPU(), "runs trained at once")
	fl.StringVar(&g.out, "out", defaultOut, "root directory of the grid's runs, figures and table")
	fl.StringVar(&g.backendFlag, "backend", "", `GoMLX backend (default "go")`)
	fl.BoolVar(&g.report, "report", false, "train nothing: write the figures and table of the runs finished so far")
	fl.StringVar(&g.plot, "plot", "", "comma-separated configurations drawn in the figures, in that order (default all; the table keeps all)")
	fl.StringVar(&g.figures, "figures", "", "directory of the figures, TASK.png (default --out)")
}

// run trains the grid, then writes one figure per task and table.md.
func (g *gridFlags) run(cmd *cobra.Command, labels []string, vary func(string, *ppo.Config) error, title string) error {
	var err error
	if g.base, err = g.pf.config(); err != nil {
		return err
	}
	tasks := splitList(g.tasks)
	fl := cmd.Flags()
	if fl.Changed("task") {
		if fl.Changed("tasks") {
			return fmt.Errorf("give either --task or --tasks, not both")
		}
		tasks = []string{g.base.Task} // `--task push` means just push
	}
	drawn := splitList(g.plot)
	for _, l := range drawn {
		if !slices.Contains(labels, l) {
			return fmt.Errorf("--plot: %q is not one of this grid's configurations %v", l, labels)
		}
	}
	runs, err := experiment.Grid(g.out, g.base, tasks, labels, g.seeds, vary)
	if err != nil {
		return err
	}
	b, err := backend.New(g.backendFlag)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if g.report {
		var done []experiment.Run
		for _, r := range runs {
			if r.Done() {
				done = append(done, r)
			}
		}
		fmt.Fprintf(w, "%d of %d runs finished in %s\n", len(done), len(runs), g.out)
		if len(done) == 0 {
			return fmt.Errorf("--report: no run of this grid has finished in %s", g.out)
		}
		runs = done
	} else {
		fmt.Fprintf(w, "%d runs (%d tasks × %d configurations × %d seeds) on %d workers into %s\n", len(runs), len(tasks), len(labels), g.seeds, g.workers, g.out)
		ctx, stop := run.OnSignal(cmd.Context())
		defer stop()
		if err := experiment.RunAll(ctx, runs, b, g.workers, w); err != nil {
			return err
		}
	}
	figDir := g.figures
	if figDir == "" {
		figDir = g.out
	}
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return fmt.Errorf("--figures: %w", err)
	}
	curves := map[string][]experiment.Curve{}
	for _, task := range tasks {
		c, err := experiment.Curves(runs, task, "eval_success")
		if err != nil {
			return err
		}
		curves[task] = c
		if c = pick(c, drawn); len(c) == 0 {
			continue
		}
		path := filepath.Join(figDir, task+".png")
		if err := experiment.Plot(path, fmt.Sprintf("%s: %s", task, title), "success (deterministic eval, mean of last 3)", c); err != nil {
			return err
		}
		fmt.Fprintln(w, "wrote", path)
	}
	table := fmt.Sprintf("Success rate (deterministic evaluation) after %d env steps, mean ± std over %d seeds (fewer where a cell says so): final (each seed's mean of its last 3 evaluations) / area under the success curve.\n\nCommand: `ndp %s` (commit %s)\n\n%s",
		g.base.TotalSteps, g.seeds, shellJoin(os.Args[1:]), run.Commit(), experiment.Table(tasks, curves))
	path := filepath.Join(g.out, "table.md")
	if err := atomicfile.WriteBytes(path, []byte(table)); err != nil {
		return err
	}
	fmt.Fprint(w, "\n"+table)
	return nil
}

// pick returns the curves of the labels in drawn, in that order (all of
// them when drawn is empty).
func pick(c []experiment.Curve, drawn []string) []experiment.Curve {
	if len(drawn) == 0 {
		return c
	}
	var out []experiment.Curve
	for _, l := range drawn {
		if i := slices.IndexFunc(c, func(x experiment.Curve) bool { return x.Label == l }); i >= 0 {
			out = append(out, c[i])
		}
	}
	return out
}

// shellJoin renders args as a command line a shell reads back the same.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]#~!{}") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func init() {
	var g gridFlags
	var algos string
	cmd := &cobra.Command{
		Use:     "compare",
		Short:   "Train learners × tasks × seeds in parallel and plot success vs env samples (Figure 5)",
		Example: `  ndp rl compare --tasks push,soccer,faucet,throw,pick --algos ndp,ppo,ppo-multi --seeds 3 --steps 300000`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			labels := splitList(algos)
			return g.run(cmd, labels, func(label string, c *ppo.Config) error { c.Algo = label; return nil }, "NDP vs PPO vs PPO-multi")
		},
	}
	g.bind(cmd, "runs/compare")
	cmd.Flags().StringVar(&algos, "algos", "ndp,ppo,ppo-multi", "learners to compare ("+strings.Join(ppo.Algos(), ", ")+")")
	rlCmd.AddCommand(cmd)
}

// ablations maps a parameter name to how a value string sets it.
var ablations = map[string]func(v string, c *ppo.Config) error{
	"N": func(v string, c *ppo.Config) error { return setInt(v, &c.N) },
	"k": func(v string, c *ppo.Config) error {
		c.Substeps = 0 // keep ≈35 integration steps in total: l = ⌊35/k⌋+1
		return setInt(v, &c.K)
	},
	"integration-steps": func(v string, c *ppo.Config) error {
		var n int
		if err := setInt(v, &n); err != nil {
			return err
		}
		k := c.WithDefaults().K
		c.Substeps = max(1, (n+k-1)/k)
		return nil
	},
	"kernel": func(v string, c *ppo.Config) error { c.Kernel = v; return nil },
	"design": func(v string, c *ppo.Config) error {
		switch v {
		case "ndp":
		case "only-g":
			c.OnlyG = true
		case "learn-alpha-z":
			c.LearnAlphaZ = true
		default:
			return fmt.Errorf("--values: design %q unknown (want ndp, only-g, learn-alpha-z)", v)
		}
		return nil
	},
}

func setInt(v string, p *int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("--values: %q is not a positive integer", v)
	}
	*p = n
	return nil
}

func init() {
	var g gridFlags
	var param, values string
	cmd := &cobra.Command{
		Use:   "ablate",
		Short: "NDP ablations (Figures 6 and 7): vary one parameter, plot success vs env samples",
		Long: `Train NDP-PPO with one parameter varied and plot success vs env samples per
task (the paper's Figures 6 and 7). --param is one of:
  N                  basis functions per DoF      (paper: 2,6,10,15,20)
  k                  rollout length               (paper: 3,5,7,10,15; l = ⌊35/k⌋+1)
  integration-steps  total Euler steps per decision (paper: 15,25,35,45)
  kernel             gaussian,multiquadric,inverse-quadric,inverse-multiquadric,linear
  design             ndp,only-g,learn-alpha-z     (Figure 7)`,
		Example: `  ndp rl ablate --tasks push --param N --values 2,6,10,15,20 --seeds 3 --steps 300000
  ndp rl ablate --param design --values ndp,only-g,learn-alpha-z --seeds 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, ok := ablations[param]
			if !ok {
				return fmt.Errorf("--param %q unknown (want N, k, integration-steps, kernel or design)", param)
			}
			g.base.Algo = ppo.AlgoNDP
			vals := splitList(values)
			if len(vals) == 0 {
				return fmt.Errorf("--values: need at least one value")
			}
			labels := make([]string, len(vals))
			for i, v := range vals {
				labels[i] = param + "=" + v
				if param == "design" {
					labels[i] = v
				}
			}
			vary := func(label string, c *ppo.Config) error {
				v := label[strings.Index(label, "=")+1:]
				return set(v, c)
			}
			return g.run(cmd, labels, vary, "NDP ablation of "+param)
		},
	}
	g.bind(cmd, "runs/ablate")
	cmd.Flags().StringVar(&param, "param", "N", "parameter to vary: N, k, integration-steps, kernel, design")
	cmd.Flags().StringVar(&values, "values", "2,6,10,15,20", "comma-separated values")
	rlCmd.AddCommand(cmd)
}
