package dyne_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
)

// TestEmbeddingBeatsConstants trains a small embedding on push and checks
// the criterion: on held-out windows it reconstructs the action
// sequences and predicts the k-step state change better than the best
// constants. It also checks the saved file and the decoder a policy gets.
func TestEmbeddingBeatsConstants(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	env, err := envs.Make("push")
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg := dyne.Config{Samples: 6000, Epochs: 8, Hidden: 64, Seed: 1}
	data, err := dyne.Collect(env, cfg.Samples, 5, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if data.ActDim != env.ActDim() || data.Len() < 5000 {
		t.Fatalf("%d windows of %d actions", data.Len(), data.ActDim)
	}
	e, err := dyne.Train(b, data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := e.Held
	t.Logf("held-out: dynamics %.3f (constant %.3f), recon %.3f (constant %.3f), KL %.2f, %d steps in %.1f s",
		h.Dynamics, h.DynamicsConst, h.Recon, h.ReconConst, h.KL, e.Steps, e.TrainSeconds)
	if !(h.DynamicsRelErr < 0.8) || !(h.ReconRelErr < 0.95) {
		t.Errorf("relative errors dynamics %.3f, recon %.3f: no better than constants", h.DynamicsRelErr, h.ReconRelErr)
	}

	path := filepath.Join(t.TempDir(), "embedding.ckpt")
	if err := e.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := dyne.Load(path, b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Shift, e.Shift) || !slices.Equal(back.Scale, e.Scale) || back.Latent != e.Latent || back.K != 5 {
		t.Fatalf("loaded box %v %v (latent %d), saved %v %v", back.Shift, back.Scale, back.Latent, e.Shift, e.Scale)
	}

	// A policy acting through the decoder: u = 0 is the box's centre, the
	// mean code, and decodes to the sequence the decoder gives for it.
	nc, dec := back.DecoderConfig()
	pol, err := model.New(model.Config{Net: model.NetMLP, ObsDim: 3, Hidden: []int{4}, Head: model.HeadRaw, OutDim: e.Latent,
		Nets: []model.NetConfig{nc}, Decode: dec}, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := pol.CopyNet(back.Model, dyne.DecoderNet); err != nil {
		t.Fatal(err)
	}
	res, err := pol.Forward(model.Batch{Obs: model.F32(make([]float32, 3), 1, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Action.Shape().Dimensions; !slices.Equal(got, []int{1, 5 * env.ActDim()}) {
		t.Fatalf("decoded action shape %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []dyne.Config{{K: -1}, {Samples: 3}, {Epochs: -2}, {LR: -1}, {Latent: -1}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (dyne.Config{}).Validate(); err != nil {
		t.Error(err)
	}
}
