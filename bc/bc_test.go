package bc

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/demos"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/npzio"
	"github.com/ndp-go/ndp/run"
)

func collectPush(t *testing.T, n int) *demos.Demos {
	t.Helper()
	ex, err := ScriptedExpert("push")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Collect("push", ex, n, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDemosRoundTrip(t *testing.T) {
	d := collectPush(t, 3)
	if d.Len() != 3*envs.SawyerMaxSteps || len(d.Positions) != 3*d.Len() || d.SuccessRate() != 1 {
		t.Fatalf("%d steps, %d position values, success %v", d.Len(), len(d.Positions), d.SuccessRate())
	}
	path := filepath.Join(t.TempDir(), "demos.npz")
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := demos.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Task != "push" || !slices.Equal(got.Obs, d.Obs) || !slices.Equal(got.Actions, d.Actions) ||
		!slices.Equal(got.Positions, d.Positions) || !slices.Equal(got.Episode, d.Episode) || !slices.Equal(got.Step, d.Step) || !slices.Equal(got.Success, d.Success) {
		t.Error("demos changed in a save/load round trip")
	}
	// Positions are the Sawyer hand, obs[0:3].
	for i := range d.Len() {
		if d.Positions[3*i] != d.Obs[i*d.ObsDim] {
			t.Fatalf("step %d: position %v, obs %v", i, d.Positions[3*i], d.Obs[i*d.ObsDim])
		}
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.npz")
	_ = os.WriteFile(junk, []byte("not a zip"), 0o644)
	for _, path := range []string{junk, filepath.Join(dir, "missing.npz")} {
		if _, err := demos.Load(path); err == nil {
			t.Errorf("%s: want an error", path)
		}
	}
	// Arrays that disagree on the number of steps.
	bad := filepath.Join(dir, "bad.npz")
	err := atomicfile.Write(bad, func(w io.Writer) error {
		zw := npzio.NewWriter(w)
		for _, a := range []struct {
			name  string
			v     any
			shape []int
		}{{"obs", make([]float32, 32), []int{2, 16}}, {"actions", make([]float32, 12), []int{3, 4}}, {"positions", make([]float32, 6), []int{2, 3}},
			{"episode", []int32{0, 0}, []int{2}}, {"step", []int32{0, 1}, []int{2}}, {"success", []uint8{1}, []int{1}}, {"task", []uint8("push"), []int{4}}} {
			if err := zw.Add(a.name, a.v, a.shape...); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demos.Load(bad); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Errorf("mismatched arrays: err = %v", err)
	}
}

func TestTrainAndEvaluate(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	d := collectPush(t, 4)
	for _, p := range []string{PolicyMLP, PolicyNDP} {
		t.Run(p, func(t *testing.T) {
			c, err := Train(Config{Policy: p, Epochs: 4, BatchSize: 64, Seed: 1}, d, b)
			if err != nil {
				t.Fatal(err)
			}
			if first, last := c.Loss[0], c.Loss[len(c.Loss)-1]; !(last < first) {
				t.Errorf("loss did not fall: %v → %v", first, last)
			}
			r, err := c.Evaluate(2)
			if err != nil {
				t.Fatal(err)
			}
			if r.Episodes != 2 || r.Length != envs.SawyerMaxSteps {
				t.Errorf("evaluation ran %d episodes of %v steps", r.Episodes, r.Length)
			}
		})
	}
	if _, err := Train(Config{Policy: "transformer"}, d, b); err == nil {
		t.Error("unknown policy: want an error")
	}
}

func TestMLPIsSizedLikeTheNDP(t *testing.T) {
	b, _ := backend.New("go")
	d := collectPush(t, 1)
	ndp, err := Train(Config{Policy: PolicyNDP, Epochs: 1}, d, b)
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := Train(Config{Policy: PolicyMLP, Epochs: 1}, d, b)
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(mlp.Params()) / float64(ndp.Params()); r < 0.97 || r > 1.03 {
		t.Errorf("MLP has %d weights, NDP %d: ratio %.3f", mlp.Params(), ndp.Params(), r)
	}
}

func TestConfigValidateRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"negative batch", Config{BatchSize: -1}},
		{"negative epochs", Config{Epochs: -1}},
		{"NaN lr", Config{LR: math.NaN()}},
		{"infinite weight scale", Config{WeightScale: math.Inf(1)}},
		{"zero hidden", Config{Hidden: []int{64, 0}}},
		{"unknown policy", Config{Policy: "rnn"}},
	} {
		if err := tc.cfg.Validate(); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestTrainStopsOnCancel(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TrainContext(ctx, Config{Epochs: 5, EvalEpisodes: 1}, collectPush(t, 2), b); !errors.Is(err, run.ErrInterrupted) {
		t.Errorf("cancelled training: %v, want run.ErrInterrupted", err)
	}
}

// A run stopped after any epoch and continued from its checkpoint trains
// exactly as an uninterrupted one: the same losses and the same weights.
func TestResumeIsExact(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	d := collectPush(t, 2)
	trainAt := func(cfg Config, ckpt string) (*Cloner, error) {
		rc, spec, err := resolve(cfg, d)
		if err != nil {
			return nil, err
		}
		return train(context.Background(), rc, spec, d, b, ckpt)
	}
	for _, p := range []string{PolicyMLP, PolicyNDP} {
		t.Run(p, func(t *testing.T) {
			cfg := Config{Policy: p, Epochs: 4, BatchSize: 64, Seed: 3}
			whole, err := trainAt(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			ckpt := filepath.Join(t.TempDir(), run.CheckpointFile)
			half := cfg
			half.Epochs = 2
			if _, err := trainAt(half, ckpt); err != nil {
				t.Fatal(err)
			}
			resumed, err := trainAt(cfg, ckpt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(whole.Loss, resumed.Loss) {
				t.Errorf("losses: uninterrupted %v, resumed %v", whole.Loss, resumed.Loss)
			}
			wa, err := whole.Model.Weights()
			if err != nil {
				t.Fatal(err)
			}
			wb, err := resumed.Model.Weights()
			if err != nil {
				t.Fatal(err)
			}
			for i := range wa {
				if !slices.Equal(wa[i], wb[i]) {
					t.Fatalf("tensor %d differs after resuming", i)
				}
			}
			short := cfg
			short.Epochs = 1
			if _, err := trainAt(short, ckpt); err == nil || !strings.Contains(err.Error(), "more than") {
				t.Errorf("resuming 4 epochs into a 1-epoch run: %v, want a refusal", err)
			}
		})
	}
}
