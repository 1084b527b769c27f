package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/plots"
)

// fitResult is what --params-out writes: enough to replay the fitted DMP.
type fitResult struct {
	Config dmp.Config  `json:"config"`
	Kernel string      `json:"kernel"`
	W      [][]float64 `json:"w"` // [D][N]
	G      []float64   `json:"g"`
	Y0     []float64   `json:"y0"`
	RMSE   float64     `json:"rmse"` // fit error over all points and DoF
}

// runDMPFit fits a DMP to a CSV demonstration and plots demo against replay.
func runDMPFit(f dmpFlags) error {
	demo, D, L, err := readDemoCSV(f.fit)
	if err != nil {
		return err
	}
	k, err := dmp.ParseKernel(f.kernel)
	if err != nil {
		return fmt.Errorf("--kernel: %w", err)
	}
	if f.field && D != 2 {
		return fmt.Errorf("--field needs a planar demonstration (2 columns), got %d", D)
	}
	cfg := dmp.Config{N: f.n, T: L - 1, Substeps: f.substeps, Tau: f.tau, AlphaZ: f.alpha, AX: f.ax, Kernel: k}
	resp, err := dmp.NewResponse(cfg)
	if err != nil {
		return err
	}
	p, err := resp.Fit(demo, nil, dmp.FitOptions{Ridge: f.ridge})
	if err != nil {
		return fmt.Errorf("fitting %s: %w", f.fit, err)
	}
	tr, err := resp.Forward(p)
	if err != nil {
		return err
	}
	sse := 0.0
	for i, v := range demo {
		sse += (tr.Y[i] - v) * (tr.Y[i] - v)
	}
	rmse := math.Sqrt(sse / float64(len(demo)))
	fig := trajectoryFigure(tr, p, cfg)
	if D == 2 {
		fig.Title = "DMP fitted to a demonstration"
		fig.Lines = []plots.Series{{Name: "demonstration", X: demo[:L], Y: demo[L:]}, {Name: "DMP replay", X: tr.Y[:L], Y: tr.Y[L:]}}
	}
	if f.field {
		if fig.Arrows, err = fieldArrows(resp, p, tr, f.grid); err != nil {
			return err
		}
	}
	if err := fig.Save(f.out); err != nil {
		return err
	}
	fmt.Printf("fitted %d DoF × N = %d to %d points of %s: RMSE %.4g; wrote %s\n", D, f.n, L, f.fit, rmse, f.out)
	if f.paramsOut != "" {
		res := fitResult{Config: resp.Cfg, Kernel: k.String(), G: p.G, Y0: p.Y0, RMSE: rmse}
		for d := range D {
			res.W = append(res.W, p.W[d*f.n:(d+1)*f.n])
		}
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(f.paramsOut, append(b, '\n')); err != nil {
			return err
		}
		fmt.Println("wrote", f.paramsOut)
	}
	return nil
}

// readDemoCSV reads a demonstration: rows are time steps, columns DoF.
// It returns the values DoF-major ([D, L]), D and L.
func readDemoCSV(path string) ([]float64, int, int, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("--fit: %w", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("--fit: reading %s: %w", path, err)
	}
	skipT := false
	if len(rows) > 0 {
		if _, err := strconv.ParseFloat(rows[0][0], 64); err != nil { // a header row
			skipT = strings.EqualFold(strings.TrimSpace(rows[0][0]), "t")
			rows = rows[1:]
		}
	}
	if len(rows) < 2 {
		return nil, 0, 0, fmt.Errorf("--fit: %s has %d data rows, need at least 2", path, len(rows))
	}
	first := 0
	if skipT {
		first = 1
	}
	D, L := len(rows[0])-first, len(rows)
	if D < 1 {
		return nil, 0, 0, fmt.Errorf("--fit: %s has no DoF columns", path)
	}
	demo := make([]float64, D*L)
	for t, row := range rows {
		if len(row)-first != D {
			return nil, 0, 0, fmt.Errorf("--fit: %s row %d has %d columns, want %d", path, t+1, len(row), D+first)
		}
		for d := range D {
			v, err := strconv.ParseFloat(strings.TrimSpace(row[first+d]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, 0, fmt.Errorf("--fit: %s row %d column %d: %q is not a finite number", path, t+1, first+d+1, row[first+d])
			}
			demo[d*L+t] = v
		}
	}
	return demo, D, L, nil
}
