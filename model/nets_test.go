package model_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/model"
)

// decoded is a raw head of 3 latent outputs decoded by a frozen net to 8
// actions, as Dyn-E's policy is.
func decoded() model.Config {
	return model.Config{Net: model.NetMLP, ObsDim: 5, Hidden: []int{8}, Head: model.HeadRaw, OutDim: 3, Seed: 3,
		Nets:   []model.NetConfig{{Name: "decoder", Sizes: []int{3, 6, 8}, Frozen: true}},
		Decode: &model.Decode{Net: "decoder", Shift: []float64{0.1, -0.2, 0}, Scale: []float64{1, 2, 0.5}}}
}

// TestDecodeMatchesDirect checks the decoded action against the formula
// computed by hand from the weights: tanh(net(shift + scale·clip(u))).
func TestDecodeMatchesDirect(t *testing.T) {
	cfg := decoded()
	m, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ActionWidth(); got != 8 {
		t.Fatalf("ActionWidth = %d, want 8", got)
	}
	B := 4
	b := batchFor(rand.New(rand.NewPCG(1, 2)), cfg, B)
	noise := make([]float32, B*3)
	for i := range noise {
		noise[i] = float32(i%5) - 2 // pushes some latents past ±1, where the clip acts
	}
	b.HeadNoise = model.F32(noise, B, 3)
	res, err := m.Forward(b)
	if err != nil {
		t.Fatal(err)
	}
	head, act := flat(t, res.Head), flat(t, res.Action)
	if len(act) != B*8 {
		t.Fatalf("action has %d values, want %d", len(act), B*8)
	}
	w, _ := m.Weights()
	idx := func(name string) []float32 { return w[m.Spec.Index(name)] }
	dense := func(x []float32, layer string, in, out int, squash bool) []float32 {
		W, bias := idx(layer+"/w"), idx(layer+"/b")
		y := make([]float32, out)
		for o := range out {
			s := float64(bias[o])
			for i := range in {
				s += float64(x[i]) * float64(W[i*out+o])
			}
			if squash {
				s = math.Tanh(s)
			}
			y[o] = float32(s)
		}
		return y
	}
	for r := range B {
		z := make([]float32, 3)
		for l := range 3 {
			u := math.Max(-1, math.Min(1, float64(head[r*3+l]+noise[r*3+l])))
			z[l] = float32(cfg.Decode.Shift[l] + cfg.Decode.Scale[l]*u)
		}
		h := dense(z, "decoder/0", 3, 6, true)
		want := dense(h, "decoder/1", 6, 8, true) // tanh of the linear output
		closeTo(t, "action", act[r*8:(r+1)*8], want, 1e-5)
	}
}

// TestFrozenNetKeepsItsWeights trains a decoded model on its action: Φ
// moves, the frozen decoder does not.
func TestFrozenNetKeepsItsWeights(t *testing.T) {
	for _, frozen := range []bool{true, false} {
		cfg := decoded()
		cfg.Nets[0].Frozen = frozen
		m, err := model.New(cfg, testBackend(t))
		if err != nil {
			t.Fatal(err)
		}
		before, _ := m.Weights()
		tr := m.NewTrainer(func(out *model.Outputs, _ []*graph.Node) (*graph.Node, []*graph.Node) {
			return graph.ReduceAllMean(graph.Square(graph.AddScalar(out.Action, -0.5))), nil
		})
		if _, err := tr.Step(batchFor(rand.New(rand.NewPCG(1, 2)), cfg, 6)); err != nil {
			t.Fatal(err)
		}
		after, _ := m.Weights()
		for i, name := range m.Spec.Names {
			moved := !slices.Equal(before[i], after[i])
			if want := !(frozen && strings.HasPrefix(name, "decoder/")); moved != want {
				t.Errorf("frozen %v: %s moved %v, want %v", frozen, name, moved, want)
			}
		}
	}
}

// TestCopyNet copies a decoder between models with different Φs.
func TestCopyNet(t *testing.T) {
	src, err := model.New(decoded(), testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := decoded()
	cfg.Seed, cfg.Hidden = 9, []int{4, 4}
	dst, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.CopyNet(src, "decoder"); err != nil {
		t.Fatal(err)
	}
	ws, _ := src.Weights()
	wd, _ := dst.Weights()
	for _, name := range []string{"decoder/0/w", "decoder/1/b"} {
		if !slices.Equal(ws[src.Spec.Index(name)], wd[dst.Spec.Index(name)]) {
			t.Errorf("%s not copied", name)
		}
	}
	if err := dst.CopyNet(src, "dynamics"); err == nil {
		t.Error("copying a net the model lacks: no error")
	}
	cfg.Nets[0].Sizes = []int{3, 5, 8}
	other, _ := model.New(cfg, testBackend(t))
	if err := other.CopyNet(src, "decoder"); err == nil {
		t.Error("copying a net of other sizes: no error")
	}
}

func TestNetsValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *model.Config)
		want   string
	}{
		{"ok", func(c *model.Config) {}, ""},
		{"taken name", func(c *model.Config) { c.Nets[0].Name = "phi"; c.Decode.Net = "phi" }, "taken"},
		{"twice", func(c *model.Config) { c.Nets = append(c.Nets, c.Nets[0]) }, "twice"},
		{"one size", func(c *model.Config) { c.Nets[0].Sizes = []int{3} }, "sizes"},
		{"missing net", func(c *model.Config) { c.Decode.Net = "dec" }, "not in nets"},
		{"wrong input", func(c *model.Config) { c.Nets[0].Sizes[0] = 4 }, "inputs"},
		{"short scale", func(c *model.Config) { c.Decode.Scale = c.Decode.Scale[:2] }, "entries"},
		{"zero scale", func(c *model.Config) { c.Decode.Scale[1] = 0 }, "positive"},
		{"ndp head", func(c *model.Config) { c.Head, c.DoF = model.HeadNDP, 2 }, "raw head"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := decoded()
			tc.mutate(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
