package model_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/model"
)

// Example builds a small MLP-NDP, takes Adam steps on a custom loss, saves
// a checkpoint and runs the trained actor in pure Go.
func Example() {
	b, err := backend.New("go") // or "" for --backend / $GOMLX_BACKEND
	if err != nil {
		log.Fatal(err)
	}
	cfg := model.Config{
		Net: model.NetMLP, ObsDim: 3, Hidden: []int{16, 16}, // Φ: 3 → 16 → 16 → D·(N+1)
		Head: model.HeadNDP, DoF: 2, DMP: model.DMPConfig{N: 5, T: 4, Substeps: 8},
		Omega: "deltas", Seed: 1, Optim: model.OptimConfig{LR: 1e-3, ClipNorm: 0.5},
	}
	m, err := model.New(cfg, b)
	if err != nil {
		log.Fatal(err)
	}

	// One batch of 2: observations [2, 3], start state y0, ẏ0 [2, 2], and
	// the loss input: target position deltas [2, D=2, T=4].
	batch := model.Batch{
		Obs:   model.F32([]float32{0.1, 0.2, 0.3, -0.1, 0, 0.5}, 2, 3),
		Y0:    model.F32([]float32{0, 0, 1, 1}, 2, 2),
		DY0:   model.F32(make([]float32, 4), 2, 2),
		Extra: []*tensorT{model.F32(make([]float32, 16), 2, 2, 4)},
	}
	tr := m.NewTrainer(func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		return model.MSE(out.Action, extra[0]), nil
	})
	for range 5 {
		if _, err := tr.Step(batch); err != nil {
			log.Fatal(err)
		}
	}
	dir, _ := os.MkdirTemp("", "ndp")
	defer os.RemoveAll(dir)
	if err := m.Save(filepath.Join(dir, "policy.ckpt")); err != nil {
		log.Fatal(err)
	}
	restored, err := model.Load(filepath.Join(dir, "policy.ckpt"), b)
	if err != nil {
		log.Fatal(err)
	}
	pol, err := restored.Policy()
	if err != nil {
		log.Fatal(err)
	}
	action, err := pol.Act([]float32{0.1, 0.2, 0.3}, []float32{0, 0}, []float32{0, 0})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", restored.Steps(), "action values:", len(action))
	// Output: steps: 5 action values: 8
}
