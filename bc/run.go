package bc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ndp-go/ndp/demos"

	"github.com/gomlx/compute"
	"gonum.org/v1/gonum/stat"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/run"
)

// Result is what a behaviour-cloning run records (result.json).
type Result struct {
	Task          string    `json:"task"`
	Policy        string    `json:"policy"`
	Seed          int64     `json:"seed"`
	Config        Config    `json:"config"`
	Demos         int       `json:"demo_episodes"`
	DemoSteps     int       `json:"demo_steps"`
	ExpertSuccess float64   `json:"expert_success"`
	Params        int       `json:"params"`
	Loss          []float64 `json:"loss"` // per epoch
	Success       float64   `json:"success"`
	FinalSuccess  float64   `json:"final_success"`
	Return        float64   `json:"return"`
	EvalEpisodes  int       `json:"eval_episodes"`
}

// RunDir trains cfg's policy on d, evaluates it and writes the run
// directory (package run's layout): config.json, checkpoint.ckpt after
// every epoch, then result.json, policy.npz and done.json. mode says what to
// do with a run already in dir: run.Fresh refuses it, run.Force replaces it,
// and run.Auto and run.Resume keep a finished run (returning its result) and
// continue an unfinished one from its checkpoint (starting it over when it
// has none), so a grid continues when rerun. Cancelling ctx stops training
// after the current epoch, with its checkpoint written, and returns
// run.ErrInterrupted.
func RunDir(ctx context.Context, cfg Config, d *demos.Demos, b compute.Backend, dir string, mode run.Mode) (Result, error) {
	rc, spec, err := resolve(cfg, d) // before anything is written
	if err != nil {
		return Result{}, err
	}
	if mode == run.Auto || mode == run.Resume {
		if run.Finished(dir) {
			var r Result
			if err := readJSON(filepath.Join(dir, "result.json"), &r); err != nil {
				return r, err
			}
			if err := run.SameConfig(dir, r.Config, rc); err != nil {
				return Result{}, fmt.Errorf("bc: %w (pass --force to train it again)", err)
			}
			return r, nil
		}
		mode = run.Auto // as Resume, but a run with no checkpoint yet (no epoch finished) starts over
	}
	resume, undo, err := run.Prepare(dir, mode)
	if err != nil {
		return Result{}, err
	}
	if resume {
		var saved Config
		if err := readJSON(filepath.Join(dir, run.ConfigFile), &saved); err != nil {
			return Result{}, err
		}
		if err := run.SameConfig(dir, saved, rc); err != nil {
			return Result{}, fmt.Errorf("bc: %w", err)
		}
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, run.ConfigFile), rc); err != nil {
		undo()
		return Result{}, err
	}
	c, err := train(ctx, rc, spec, d, b, filepath.Join(dir, run.CheckpointFile))
	if err != nil {
		if !errors.Is(err, run.ErrInterrupted) && !resume {
			undo()
		}
		return Result{}, err
	}
	r, err := c.Evaluate(c.Cfg.EvalEpisodes)
	if err != nil {
		return Result{}, err
	}
	res := Result{Task: d.Task, Policy: c.Cfg.Policy, Seed: c.Cfg.Seed, Config: c.Cfg, Demos: len(d.Success), DemoSteps: d.Len(),
		ExpertSuccess: d.SuccessRate(), Params: c.Params(), Loss: c.Loss, Success: r.Success, FinalSuccess: r.FinalSuccess,
		Return: r.Return, EvalEpisodes: r.Episodes}
	if err := c.SavePolicy(filepath.Join(dir, run.PolicyFile)); err != nil {
		return res, err
	}
	if err := res.Save(filepath.Join(dir, "result.json")); err != nil {
		return res, err
	}
	return res, atomicfile.WriteJSON(filepath.Join(dir, run.DoneFile), map[string]float64{"success": res.Success})
}

func readJSON(path string, v any) error {
	if err := atomicfile.ReadJSON(path, v); err != nil {
		return fmt.Errorf("bc: %w", err)
	}
	return nil
}

// Save writes r atomically as JSON.
func (r Result) Save(path string) error { return atomicfile.WriteJSON(path, r) }

// LoadResults reads every result.json below root.
func LoadResults(root string) ([]Result, error) {
	var out []Result
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "result.json" {
			return err
		}
		var r Result
		if err := readJSON(path, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("bc: no result.json under %s", root)
	}
	return out, err
}

// Table renders Table 1: success rate, mean ± std over seeds, per policy
// (rows) and task (columns, in the given order).
func Table(results []Result, tasks []string) string {
	cell := func(policy, task string) string {
		var v []float64
		for _, r := range results {
			if r.Policy == policy && r.Task == task {
				v = append(v, r.Success)
			}
		}
		if len(v) == 0 {
			return "–"
		}
		m, s := stat.PopMeanStdDev(v, nil)
		return fmt.Sprintf("%.3f ± %.3f (%d)", m, s, len(v))
	}
	var rows [][]string
	for _, p := range []struct{ key, name string }{{PolicyMLP, "NN"}, {PolicyNDP, "NDP"}} {
		row := []string{p.name}
		for _, t := range tasks {
			row = append(row, cell(p.key, t))
		}
		rows = append(rows, row)
	}
	return table.Markdown(append([]string{"method"}, tasks...), rows)
}
