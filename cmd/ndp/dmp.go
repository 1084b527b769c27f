package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/plots"
)

type dmpFlags struct {
	goal, y0, dy0, weights string
	n, T, substeps         int
	alpha, tau, ax         float64
	kernel, out, csvOut    string
	field                  bool
	grid                   int
	fit, paramsOut         string
	ridge                  float64
}

func init() {
	var f dmpFlags
	cmd := &cobra.Command{
		Use:   "dmp",
		Short: "Integrate a DMP and plot its trajectory (and the vector field it induces)",
		Long: `Integrate a DMP and plot its trajectory (and the vector field it induces).

With --fit FILE the DMP is instead fitted to a demonstration: a CSV with one
row per time step and one column per DoF (a first column named "t" is
ignored; a header row is optional). T is then the number of rows minus one,
y0 the first row, g the last, and w the least-squares fit of the discretised
dynamics (with --ridge). --params-out saves the fitted w, g, y0 as JSON.`,
		Example: `  ndp dmp --goal 1,2 --weights 0,0,0,0,0,50,-50,50,-50,50 --out dmp.png
  ndp dmp --goal 1,2 --weights 0,0,0,0,0,50,-50,50,-50,50 --field --out field.png --csv traj.csv
  ndp dmp --fit demo.csv --n 30 --field --out fit.png --params-out params.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runDMP(f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.goal, "goal", "1,1", "goal g per DoF (comma-separated; its length sets the DoF)")
	fl.StringVar(&f.y0, "y0", "", "start y0 per DoF (default zeros)")
	fl.StringVar(&f.dy0, "dy0", "", "start velocity per DoF (default zeros)")
	fl.StringVar(&f.weights, "weights", "", "basis weights w, DoF·N values, DoF-major (default zeros, N from --n)")
	fl.IntVar(&f.n, "n", 30, "basis functions per DoF when --weights is empty")
	fl.IntVar(&f.T, "T", 300, "recorded steps (the trajectory has T+1 points)")
	fl.IntVar(&f.substeps, "substeps", 1, "Euler substeps per recorded step (l)")
	fl.Float64Var(&f.alpha, "alpha", dmp.DefaultAlphaZ, "α_z (β_z = α_z/4)")
	fl.Float64Var(&f.tau, "tau", dmp.DefaultTau, "time constant τ")
	fl.Float64Var(&f.ax, "ax", dmp.DefaultAX, "canonical decay a_x")
	fl.StringVar(&f.kernel, "kernel", "gaussian", "basis: gaussian, multiquadric, inverse-quadric, inverse-multiquadric, linear")
	fl.StringVar(&f.out, "out", "dmp.png", "output figure (.png, .svg or .pdf)")
	fl.StringVar(&f.csvOut, "csv", "", "also write t, y_d, v_d per recorded step to this CSV file")
	fl.BoolVar(&f.field, "field", false, "draw the vector field the DMP induces (2 DoF only)")
	fl.IntVar(&f.grid, "grid", 15, "arrows per side of the vector field")
	fl.StringVar(&f.fit, "fit", "", "fit the DMP to the demonstration in this CSV file instead of integrating given weights")
	fl.Float64Var(&f.ridge, "ridge", 0, "ridge penalty λ of the fit")
	fl.StringVar(&f.paramsOut, "params-out", "", "with --fit: write the fitted parameters to this JSON file")
	rootCmd.AddCommand(cmd)
}

func runDMP(f dmpFlags) error {
	if f.fit != "" {
		return runDMPFit(f)
	}
	g, err := parseFloats("goal", f.goal)
	if err != nil {
		return err
	}
	D := len(g)
	if D == 0 {
		return fmt.Errorf("--goal: need at least one value")
	}
	vecOrZeros := func(name, s string) ([]float64, error) {
		v, err := parseFloats(name, s)
		if err != nil || v == nil {
			return make([]float64, D), err
		}
		if len(v) != D {
			return nil, fmt.Errorf("--%s has %d values, --goal has %d", name, len(v), D)
		}
		return v, nil
	}
	y0, err := vecOrZeros("y0", f.y0)
	if err != nil {
		return err
	}
	dy0, err := vecOrZeros("dy0", f.dy0)
	if err != nil {
		return err
	}
	w, err := parseFloats("weights", f.weights)
	if err != nil {
		return err
	}
	n := f.n
	if w != nil {
		if len(w)%D != 0 {
			return fmt.Errorf("--weights has %d values, not a multiple of the %d DoF", len(w), D)
		}
		n = len(w) / D
	} else if n >= 1 {
		w = make([]float64, D*n)
	}
	k, err := dmp.ParseKernel(f.kernel)
	if err != nil {
		return fmt.Errorf("--kernel: %w", err)
	}
	if f.field && D != 2 {
		return fmt.Errorf("--field needs a planar DMP (2 DoF), got %d", D)
	}
	cfg := dmp.Config{N: n, T: f.T, Substeps: f.substeps, Tau: f.tau, AlphaZ: f.alpha, AX: f.ax, Kernel: k}
	resp, err := dmp.NewResponse(cfg)
	if err != nil {
		return err
	}
	p := dmp.Params{W: w, G: g, Y0: y0, DY0: dy0}
	tr, err := resp.Forward(p)
	if err != nil {
		return err
	}
	fig := trajectoryFigure(tr, p, cfg)
	if f.field {
		arrows, err := fieldArrows(resp, p, tr, f.grid)
		if err != nil {
			return err
		}
		fig.Arrows = arrows
		fig.Title = "DMP trajectory and the vector field it induces"
	}
	if err := fig.Save(f.out); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d DoF, N = %d, T = %d, kernel %s)\n", f.out, D, n, f.T, k)
	if f.csvOut != "" {
		if err := writeTrajectoryCSV(f.csvOut, tr, cfg); err != nil {
			return err
		}
		fmt.Println("wrote", f.csvOut)
	}
	return nil
}

// trajectoryFigure plots a planar path for 2 DoF, else y_d over time.
func trajectoryFigure(tr *dmp.Trajectory, p dmp.Params, cfg dmp.Config) plots.Figure {
	L := tr.Len
	if tr.Rows == 2 {
		return plots.Figure{
			Title: "DMP trajectory", XLabel: "y₁", YLabel: "y₂", EqualAxes: true,
			Lines:  []plots.Series{{Name: "trajectory", X: tr.Y[:L], Y: tr.Y[L:]}},
			Points: []plots.Series{{Name: "start", X: p.Y0[:1], Y: p.Y0[1:]}, {Name: "goal", X: p.G[:1], Y: p.G[1:]}},
		}
	}
	t := make([]float64, L)
	for i := range t {
		t[i] = float64(i) * cfg.WithDefaults().Tau / float64(cfg.T)
	}
	fig := plots.Figure{Title: "DMP trajectory", XLabel: "t", YLabel: "y"}
	for d := range tr.Rows {
		fig.Lines = append(fig.Lines, plots.Series{Name: fmt.Sprintf("y%d", d+1), X: t, Y: tr.Y[d*L : (d+1)*L]})
	}
	return fig
}

// fieldArrows samples the flow on a grid around the trajectory: each arrow
// is where the DMP goes in the first 5% of its rollout when started at rest
// there, scaled to the grid spacing.
func fieldArrows(resp *dmp.Response, p dmp.Params, tr *dmp.Trajectory, grid int) ([]plots.Arrow, error) {
	if grid < 2 || grid > 200 {
		return nil, fmt.Errorf("--grid %d: want 2 to 200 arrows per side", grid)
	}
	L := tr.Len
	lo, hi := [2]float64{tr.Y[0], tr.Y[L]}, [2]float64{tr.Y[0], tr.Y[L]}
	for d := range 2 {
		for _, v := range tr.Y[d*L : (d+1)*L] {
			lo[d], hi[d] = min(lo[d], v), max(hi[d], v)
		}
		lo[d], hi[d] = min(lo[d], p.G[d]), max(hi[d], p.G[d])
	}
	span := max(hi[0]-lo[0], hi[1]-lo[1], 1e-9)
	starts := make([]float64, 0, 2*grid*grid)
	for i := range grid {
		for j := range grid {
			starts = append(starts,
				(lo[0]+hi[0])/2+span*(0.6*(2*float64(i)/float64(grid-1)-1)),
				(lo[1]+hi[1])/2+span*(0.6*(2*float64(j)/float64(grid-1)-1)))
		}
	}
	steps := max(1, resp.Cfg.T/20)
	disp, err := resp.Flow(p, starts, steps)
	if err != nil {
		return nil, err
	}
	longest := 0.0
	for s := 0; s < len(disp); s += 2 {
		longest = max(longest, disp[s]*disp[s]+disp[s+1]*disp[s+1])
	}
	scale := 0.0
	if longest > 0 {
		scale = 0.9 * (1.2 * span / float64(grid-1)) / math.Sqrt(longest)
	}
	arrows := make([]plots.Arrow, len(starts)/2)
	for s := range arrows {
		arrows[s] = plots.Arrow{X: starts[2*s], Y: starts[2*s+1], DX: scale * disp[2*s], DY: scale * disp[2*s+1]}
	}
	return arrows, nil
}

func writeTrajectoryCSV(path string, tr *dmp.Trajectory, cfg dmp.Config) error {
	rows := [][]string{{"t"}}
	for d := range tr.Rows {
		rows[0] = append(rows[0], fmt.Sprintf("y%d", d+1))
	}
	for d := range tr.Rows {
		rows[0] = append(rows[0], fmt.Sprintf("v%d", d+1))
	}
	tau := cfg.WithDefaults().Tau
	for t := range tr.Len {
		row := []string{strconv.FormatFloat(float64(t)*tau/float64(cfg.T), 'g', -1, 64)}
		for d := range tr.Rows {
			row = append(row, strconv.FormatFloat(tr.Y[d*tr.Len+t], 'g', 10, 64))
		}
		for d := range tr.Rows {
			row = append(row, strconv.FormatFloat(tr.V[d*tr.Len+t], 'g', 10, 64))
		}
		rows = append(rows, row)
	}
	return writeCSV(path, rows)
}

// writeCSV writes rows atomically: a crash never leaves a half-written file.
func writeCSV(path string, rows [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return csv.NewWriter(w).WriteAll(rows) })
}
