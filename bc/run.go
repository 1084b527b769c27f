package bc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/stat"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/table"
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

// Save writes r atomically as JSON.
func (r Result) Save(path string) error { return atomicfile.WriteJSON(path, r) }

// LoadResults reads every result.json below root.
func LoadResults(root string) ([]Result, error) {
	var out []Result
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "result.json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("bc: %s: %w", path, err)
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
