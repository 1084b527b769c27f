package rl

import (
	"fmt"
	"math"
)

// RunningMeanStd tracks the per-dimension mean and variance of a stream of
// vectors with Chan et al.'s parallel update, as stable-baselines3 does for
// observation normalisation. It is JSON-serialisable so it can travel with a
// model checkpoint: a policy must see observations scaled as in training.
type RunningMeanStd struct {
	Mean  []float64 `json:"mean"`
	Var   []float64 `json:"var"`
	Count float64   `json:"count"`
	Clip  float64   `json:"clip"` // normalised values are clipped to ±Clip (0: no clip)
}

// NewRunningMeanStd returns a normaliser for dim-dimensional vectors that
// starts at mean 0, variance 1 with a tiny prior count, clipping at ±10.
func NewRunningMeanStd(dim int) *RunningMeanStd {
	r := &RunningMeanStd{Mean: make([]float64, dim), Var: make([]float64, dim), Count: 1e-4, Clip: 10}
	for i := range r.Var {
		r.Var[i] = 1
	}
	return r
}

// Update folds a batch of vectors (shape [n, dim], row-major) into the statistics.
func (r *RunningMeanStd) Update(batch []float64) error {
	dim := len(r.Mean)
	if dim == 0 || len(batch)%dim != 0 {
		return fmt.Errorf("rl: normaliser of dim %d got %d values", dim, len(batch))
	}
	n := float64(len(batch) / dim)
	if n == 0 {
		return nil
	}
	for i, v := range batch {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("rl: normaliser got non-finite value %v at index %d", v, i)
		}
	}
	tot := r.Count + n
	for d := range dim {
		mean, m2 := 0.0, 0.0
		for i := d; i < len(batch); i += dim {
			mean += batch[i]
		}
		mean /= n
		for i := d; i < len(batch); i += dim {
			m2 += (batch[i] - mean) * (batch[i] - mean)
		}
		delta := mean - r.Mean[d]
		r.Mean[d] += delta * n / tot
		r.Var[d] = (r.Var[d]*r.Count + m2 + delta*delta*r.Count*n/tot) / tot
	}
	r.Count = tot
	return nil
}

// Normalize writes (x − mean)/√(var + 1e-8), clipped, into dst (len dim).
func (r *RunningMeanStd) Normalize(dst, x []float64) {
	for d, v := range x {
		z := (v - r.Mean[d]) / math.Sqrt(r.Var[d]+1e-8)
		if r.Clip > 0 {
			z = math.Max(-r.Clip, math.Min(r.Clip, z))
		}
		dst[d] = z
	}
}
