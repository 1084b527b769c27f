package rl

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGAE(t *testing.T) {
	const g, l = 0.9, 0.5
	for _, tc := range []struct {
		name    string
		steps   []Step
		wantAdv []float64
	}{
		{"one terminal step", []Step{{Reward: 1, Value: 0.5, NextValue: 7, Terminal: true, Boundary: true}}, []float64{0.5}},
		{"truncation bootstraps", []Step{{Reward: 1, Value: 0.5, NextValue: 2, Boundary: true}}, []float64{1 + g*2 - 0.5}},
		{"two steps chain", []Step{{Reward: 0, Value: 1, NextValue: 2}, {Reward: 1, Value: 2, NextValue: 3}},
			[]float64{(0 + g*2 - 1) + g*l*(1+g*3-2), 1 + g*3 - 2}},
		{"boundary cuts the chain", []Step{{Reward: 0, Value: 1, NextValue: 2, Terminal: true, Boundary: true}, {Reward: 1, Value: 2, NextValue: 3}},
			[]float64{-1, 1 + g*3 - 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv, ret := make([]float64, len(tc.steps)), make([]float64, len(tc.steps))
			if err := GAE(adv, ret, tc.steps, g, l); err != nil {
				t.Fatal(err)
			}
			for i := range adv {
				if math.Abs(adv[i]-tc.wantAdv[i]) > 1e-12 {
					t.Errorf("adv[%d] = %v, want %v", i, adv[i], tc.wantAdv[i])
				}
				if math.Abs(ret[i]-(adv[i]+tc.steps[i].Value)) > 1e-12 {
					t.Errorf("ret[%d] = %v, want adv + value", i, ret[i])
				}
			}
		})
	}
	if err := GAE(make([]float64, 1), make([]float64, 2), make([]Step, 2), g, l); err == nil {
		t.Error("length mismatch: want an error")
	}
	if err := GAE(nil, nil, nil, 1.5, l); err == nil {
		t.Error("γ > 1: want an error")
	}
}

// With λ = 1 and no bootstrap, the return is the discounted reward-to-go.
func TestGAEMonteCarloLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	steps := make([]Step, 20)
	for i := range steps {
		steps[i] = Step{Reward: rng.Float64(), Value: rng.Float64(), NextValue: rng.Float64()}
	}
	for i := range steps[:19] {
		steps[i].NextValue = steps[i+1].Value
	}
	steps[19].Terminal, steps[19].Boundary = true, true
	adv, ret := make([]float64, 20), make([]float64, 20)
	if err := GAE(adv, ret, steps, 0.99, 1); err != nil {
		t.Fatal(err)
	}
	togo := 0.0
	for i := 19; i >= 0; i-- {
		togo = steps[i].Reward + 0.99*togo
		if math.Abs(ret[i]-togo) > 1e-9 {
			t.Fatalf("ret[%d] = %v, want reward-to-go %v", i, ret[i], togo)
		}
	}
}

func TestRunningMeanStdMatchesBatchStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	r := NewRunningMeanStd(2)
	r.Count = 0 // no prior, so the statistics must be exact
	var all []float64
	for range 7 {
		batch := make([]float64, 2*13)
		for i := range batch {
			batch[i] = rng.NormFloat64()*float64(1+i%2*4) + float64(i%2)*3
		}
		if err := r.Update(batch); err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
	}
	for d := range 2 {
		mean, v, n := 0.0, 0.0, 0.0
		for i := d; i < len(all); i += 2 {
			mean += all[i]
			n++
		}
		mean /= n
		for i := d; i < len(all); i += 2 {
			v += (all[i] - mean) * (all[i] - mean)
		}
		v /= n
		if math.Abs(r.Mean[d]-mean) > 1e-12 || math.Abs(r.Var[d]-v) > 1e-12 {
			t.Errorf("dim %d: running (%v, %v), batch (%v, %v)", d, r.Mean[d], r.Var[d], mean, v)
		}
	}
	out := make([]float64, 2)
	r.Normalize(out, []float64{r.Mean[0], r.Mean[1] + 1e6})
	if out[0] != 0 || out[1] != 10 {
		t.Errorf("normalize = %v, want [0 10] (clipped)", out)
	}
	if err := r.Update([]float64{1, math.NaN()}); err == nil {
		t.Error("NaN: want an error")
	}
	if err := r.Update([]float64{1, 2, 3}); err == nil {
		t.Error("ragged batch: want an error")
	}
}

func TestGaussianLogProb(t *testing.T) {
	// One dimension, σ = 2: log N(1; 0, 4) = −1/8 − log 2 − ½ log 2π.
	got := GaussianLogProb([]float64{1}, []float64{0}, []float64{math.Log(2)})
	want := -0.125 - math.Log(2) - 0.5*math.Log(2*math.Pi)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("log prob = %v, want %v", got, want)
	}
	if h := GaussianEntropy([]float64{0, 0}); math.Abs(h-(1+math.Log(2*math.Pi))) > 1e-12 {
		t.Errorf("entropy of N(0, I₂) = %v", h)
	}
}
