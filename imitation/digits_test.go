package imitation

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
)

func TestDigitsMethodsLearn(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	train, err := digits.Generate(60, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfgs := []DigitsConfig{{Method: MethodCNN, Standardise: true}, {Method: MethodNDP, Standardise: true},
		{Method: MethodCNN, Standardise: true, StartInput: true}, {Method: MethodNDP, Standardise: true, StartInput: true}}
	for _, m := range Methods() {
		cfgs = append(cfgs, DigitsConfig{Method: m})
	}
	for _, c := range cfgs {
		method := c.Method
		if c.Standardise {
			method += "-standardised"
		}
		if c.StartInput {
			method += "-start"
		}
		c.BatchSize, c.Seed = 20, 3
		t.Run(method, func(t *testing.T) {
			d, err := NewDigits(c, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Train(train, 1, nil); err != nil {
				t.Fatal(err)
			}
			_, before, err := d.Evaluate(train)
			if err != nil {
				t.Fatal(err)
			}
			var losses []float64
			if err := d.Train(train, 4, func(_ int, l float64) error { losses = append(losses, l); return nil }); err != nil {
				t.Fatal(err)
			}
			_, after, err := d.Evaluate(train)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: train-set loss %.1f → %.1f px² (epoch losses %v)", method, before.MeanOverClasses, after.MeanOverClasses, losses)
			if math.IsNaN(after.MeanOverClasses) || !(after.MeanOverClasses < before.MeanOverClasses) {
				t.Errorf("loss did not fall: %.2f → %.2f px²", before.MeanOverClasses, after.MeanOverClasses)
			}
			// The policy file gives back the same writer.
			path := filepath.Join(t.TempDir(), "policy.npz")
			if err := d.SavePolicy(path, 300); err != nil {
				t.Fatal(err)
			}
			back, err := OpenDigits(path, b)
			if err != nil {
				t.Fatal(err)
			}
			_, again, err := back.Evaluate(train)
			if err != nil {
				t.Fatal(err)
			}
			if again.MeanOverClasses != after.MeanOverClasses {
				t.Errorf("reloaded writer: loss %v, the trained one %v", again.MeanOverClasses, after.MeanOverClasses)
			}
		})
	}
}

// The CNN-DMP baseline regresses least-squares fits of each demonstration;
// those targets must themselves reproduce the demonstrations closely.
func TestFittedParametersReproduceDemos(t *testing.T) {
	b, _ := backend.New("go")
	ds, err := digits.Generate(30, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDigits(DigitsConfig{Method: MethodCNNDMP, BatchSize: 10}, b)
	if err != nil {
		t.Fatal(err)
	}
	params, err := d.fitParams(ds)
	if err != nil {
		t.Fatal(err)
	}
	d.pMean, d.pStd = make([]float64, 62), make([]float64, 62)
	for i := range d.pStd {
		d.pStd[i] = 1
	}
	worst, mean := 0.0, 0.0
	for i := range ds.Len() {
		res := fakeHead(params[i*62 : (i+1)*62])
		pred, err := d.trajectories(ds, []int{i}, res)
		if err != nil {
			t.Fatal(err)
		}
		tr := ds.Trajectory(i)
		s := 0.0
		for j := range pred {
			e := float64(pred[j] - tr[j])
			s += e * e
		}
		worst = math.Max(worst, s/float64(len(pred)))
		mean += s / float64(len(pred)) / float64(ds.Len())
	}
	if mean > 0.05 || worst > 0.2 {
		t.Errorf("fitted demos deviate by %.4f px² on average, %.4f at worst; want ≤ 0.05 and ≤ 0.2", mean, worst)
	}
}

// DecayEpochs scales each step's learning rate by 1 − k/K: the first step
// of a run keeps the full rate, later ones do not, and training past the
// decay's end is refused.
func TestLRDecay(t *testing.T) {
	b, train, _ := goAndSets(t, 40, 1)
	loss := func(decay, batch int) float64 {
		d, err := NewDigits(DigitsConfig{Method: MethodCNN, Standardise: true, BatchSize: batch, Seed: 5, DecayEpochs: decay}, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Train(train, 1, nil); err != nil {
			t.Fatal(err)
		}
		_, st, err := d.Evaluate(train)
		if err != nil {
			t.Fatal(err)
		}
		return st.MeanOverClasses
	}
	tests := []struct {
		name  string
		batch int // 40: one step per epoch, 20: two
		same  bool
	}{
		{"one step: full rate", 40, true},
		{"two steps: the second decayed", 20, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			constant, decayed := loss(0, tc.batch), loss(3, tc.batch)
			if (constant == decayed) != tc.same {
				t.Errorf("loss %v with a constant rate, %v decayed over 3 epochs: want same = %v", constant, decayed, tc.same)
			}
		})
	}
	d, err := NewDigits(DigitsConfig{Method: MethodCNN, BatchSize: 40, DecayEpochs: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Train(train, 2, nil); err == nil {
		t.Error("training 2 epochs with a decay over 1: no error")
	}
	if err := (DigitsConfig{DecayEpochs: -1}).Validate(); err == nil {
		t.Error("negative decay epochs: no error")
	}
}

// TestAugmentTrainsEveryMethod trains each method one epoch on augmented
// digits: the loss is finite, repeats with the seed, and differs from
// training on the unmoved digits (so the moved samples, and for cnn-dmp and
// the standardised cnn their refitted targets, are what the step saw).
func TestAugmentTrainsEveryMethod(t *testing.T) {
	b, train, _ := goAndSets(t, 40, 1)
	for _, method := range Methods() {
		t.Run(method, func(t *testing.T) {
			loss := func(augment bool) float64 {
				d, err := NewDigits(DigitsConfig{Method: method, Standardise: true, BatchSize: 20, Seed: 2, Augment: augment}, b)
				if err != nil {
					t.Fatal(err)
				}
				var l float64
				if err := d.Train(train, 1, func(_ int, loss float64) error { l = loss; return nil }); err != nil {
					t.Fatal(err)
				}
				return l
			}
			plain, aug, again := loss(false), loss(true), loss(true)
			if math.IsNaN(aug) || math.IsInf(aug, 0) {
				t.Fatalf("augmented loss %v", aug)
			}
			if aug != again {
				t.Errorf("augmented loss %v, then %v with the same seed", aug, again)
			}
			if aug == plain {
				t.Errorf("augmented loss %v equals the plain one: augmentation had no effect", aug)
			}
		})
	}
}
