package experiment

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/runlog"
)

func TestGridCurvesAndTable(t *testing.T) {
	root := t.TempDir()
	runs, err := Grid(root, ppo.Config{TotalSteps: 100}, []string{"push"}, []string{"ndp", "ppo"}, 2,
		func(label string, c *ppo.Config) error { c.Algo = label; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || runs[1].Cfg.Seed != 1 || runs[2].Label != "ppo" {
		t.Fatalf("runs %+v", runs)
	}
	// Fake logs: eval every other row; seed s of ndp reaches success 0.5+0.5s.
	for _, r := range runs {
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		lg, err := runlog.NewCSV(filepath.Join(r.Dir, "log.csv"), false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			v := math.NaN()
			if i%2 == 1 {
				v = float64(i) / 3 * (0.5 + 0.5*float64(r.Cfg.Seed))
				if r.Label == "ppo" {
					v = 0
				}
			}
			_ = lg.Log(runlog.Record{{Key: "global_step", Value: float64(100 * (i + 1))}, {Key: "eval_success", Value: v}})
		}
		lg.Close()
	}
	curves, err := Curves(runs, "push", "eval_success")
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 2 || curves[0].Label != "ndp" || len(curves[0].Steps) != 2 || curves[0].Steps[1] != 400 {
		t.Fatalf("curves %+v", curves)
	}
	// Raw evaluations per seed s: (1/3, 1)·(0.5+0.5s); smoothed over the last
	// 3, at step 400 seed 0 gives 1/3 and seed 1 gives 2/3: mean 0.5, std 1/6.
	if c := curves[0]; math.Abs(c.Mean[1]-0.5) > 1e-7 || math.Abs(c.Hi[1]-2.0/3) > 1e-7 || math.Abs(c.Lo[1]-1.0/3) > 1e-7 { // the log keeps 8 digits
		t.Errorf("ndp at 400: mean %v lo %v hi %v", c.Mean[1], c.Lo[1], c.Hi[1])
	}
	table := Table([]string{"push"}, map[string][]Curve{"push": curves})
	if !strings.Contains(table, "| ndp ") || !strings.Contains(table, "0.00 ± 0.00 / 0.00 ± 0.00") {
		t.Errorf("table:\n%s", table)
	}
	if err := Plot(filepath.Join(root, "push.png"), "push", "success", curves); err != nil {
		t.Fatal(err)
	}
	if runs[0].Done() {
		t.Error("run without done.json reported done")
	}
}

func TestGridRejectsBadConfigs(t *testing.T) {
	_, err := Grid(t.TempDir(), ppo.Config{}, []string{"push"}, []string{"x"}, 1,
		func(label string, c *ppo.Config) error { c.Algo = label; return nil })
	if err == nil {
		t.Error("unknown algo: want an error")
	}
	if _, err := Grid(t.TempDir(), ppo.Config{}, nil, []string{"ndp"}, 1, nil); err == nil {
		t.Error("no tasks: want an error")
	}
}
