package dmp

import (
	"errors"
	"fmt"
	"math"
)

// Defaults of the authors' code for the fields [Config.WithDefaults] fills.
const (
	DefaultTau    = 1.0
	DefaultAlphaZ = 25.0
	DefaultAX     = 1.0
)

// maxSubsteps bounds T·l, and maxCells bounds (N+3)·T·l, the size of the
// basis table and of the response matrices, so that a typo cannot allocate
// gigabytes (or end in Go's unrecoverable out-of-memory).
const (
	maxSubsteps = 10_000_000
	maxCells    = 1 << 25
)

// Config fixes everything about a DMP except its inputs (w, g, y0, ẏ0).
// Two DMPs with equal configs share their basis and their linear response.
type Config struct {
	N        int     // basis functions per DoF (≥ 1)
	T        int     // recorded steps; trajectories have T+1 points, y0 first (≥ 1)
	Substeps int     // l: Euler substeps per recorded step (≥ 1; 0 means 1)
	Tau      float64 // τ: time constant, the duration of the rollout (0 means 1)
	AlphaZ   float64 // α_z (0 means 25)
	BetaZ    float64 // β_z (0 means α_z/4, critical damping)
	AX       float64 // a_x: decay of the canonical system (0 means 1)
	Kernel   Kernel  // basis function ψ
}

// WithDefaults returns c with zero optional fields set to the authors' values.
func (c Config) WithDefaults() Config {
	if c.Substeps == 0 {
		c.Substeps = 1
	}
	if c.Tau == 0 {
		c.Tau = DefaultTau
	}
	if c.AlphaZ == 0 {
		c.AlphaZ = DefaultAlphaZ
	}
	if c.BetaZ == 0 {
		c.BetaZ = c.AlphaZ / 4
	}
	if c.AX == 0 {
		c.AX = DefaultAX
	}
	return c
}

// Validate reports the first invalid field of c (after defaults are applied).
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.N < 1:
		return fmt.Errorf("dmp: N = %d basis functions, need at least 1", c.N)
	case c.T < 1:
		return fmt.Errorf("dmp: T = %d recorded steps, need at least 1", c.T)
	case c.Substeps < 1:
		return fmt.Errorf("dmp: %d substeps, need at least 1", c.Substeps)
	case c.T*c.Substeps > maxSubsteps || c.T*c.Substeps < 0:
		return fmt.Errorf("dmp: T·l = %d·%d integration steps, more than the limit %d", c.T, c.Substeps, maxSubsteps)
	case c.N > maxCells || (c.N+3)*c.T*c.Substeps > maxCells:
		return fmt.Errorf("dmp: (N+3)·T·l = (%d+3)·%d·%d is more than the limit %d (the basis table and response matrices would not fit)", c.N, c.T, c.Substeps, maxCells)
	case c.Kernel < 0 || int(c.Kernel) >= len(kernelNames):
		return fmt.Errorf("dmp: unknown kernel %d", int(c.Kernel))
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"tau", c.Tau}, {"alpha_z", c.AlphaZ}, {"beta_z", c.BetaZ}, {"a_x", c.AX}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("dmp: %s = %v, need a finite positive number", p.name, p.v)
		}
	}
	return nil
}

// Steps returns T·l, the number of Euler substeps of one rollout.
func (c Config) Steps() int { c = c.WithDefaults(); return c.T * c.Substeps }

// Dt returns the Euler step dt = τ/(T·l).
func (c Config) Dt() float64 { c = c.WithDefaults(); return c.Tau / float64(c.T*c.Substeps) }

// Resample returns c integrated with T recorded steps of l substeps each over
// the same duration τ: the same (w, g) then give the same motion sampled at
// another rate. A finer dt (larger T·l) is how a trained policy drives a
// high-rate controller (the paper's section 3.5).
func (c Config) Resample(T, l int) Config {
	c.T, c.Substeps = T, l
	return c
}

// Centers returns the basis centres cᵢ = exp(−a_x·(i−1)/(N−1)), shape [N].
func (c Config) Centers() []float64 {
	c = c.WithDefaults()
	cs := make([]float64, c.N)
	for i := range cs {
		s := 0.0
		if c.N > 1 {
			s = float64(i) / float64(c.N-1)
		}
		cs[i] = math.Exp(-c.AX * s)
	}
	return cs
}

// Widths returns the basis widths hᵢ = N^1.5/cᵢ/a_x, shape [N].
func (c Config) Widths() []float64 {
	c = c.WithDefaults()
	cs := c.Centers()
	n15 := math.Pow(float64(c.N), 1.5)
	for i := range cs {
		cs[i] = n15 / cs[i] / c.AX
	}
	return cs
}

// basis holds the precomputed centres and widths for one config.
type basis struct {
	kernel Kernel
	c, h   []float64
}

func newBasis(c Config) basis { return basis{kernel: c.Kernel, c: c.Centers(), h: c.Widths()} }

// phi writes φᵢ(x) = ψᵢ(x)·x/Σⱼψⱼ(x) into dst (len N): the forcing term is
// f = (g − y0)·Σᵢ φᵢ(x)·wᵢ. A zero sum (possible only for the linear kernel
// at a centre with N = 1) gives φ = 0 rather than NaN.
func (b *basis) phi(dst []float64, x float64) {
	sum := 0.0
	for i, ci := range b.c {
		d := x - ci
		p := b.kernel.eval(b.h[i] * d * d)
		dst[i] = p
		sum += p
	}
	if sum == 0 {
		clear(dst)
		return
	}
	s := x / sum
	for i := range dst {
		dst[i] *= s
	}
}

// Basis returns φ[k][i] = ψᵢ(x_k)·x_k/Σⱼψⱼ(x_k) for the substeps k = 1..T·l,
// where x_k is the phase after the k-th canonical update; shape [T·l, N].
// It does not depend on the DMP's inputs, so networks can hold it as a
// constant when they unroll the integrator themselves.
func (c Config) Basis() ([]float64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	b := newBasis(c)
	K := c.Steps()
	out := make([]float64, K*c.N)
	x, dt := 1.0, c.Dt()
	for k := range K {
		x += -c.AX * x * dt / c.Tau
		b.phi(out[k*c.N:(k+1)*c.N], x)
	}
	return out, nil
}

// errNonFinite is wrapped by input checks that find NaN or ±Inf.
var errNonFinite = errors.New("non-finite value")

func checkFinite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("dmp: %s[%d] = %v: %w", name, i, x, errNonFinite)
		}
	}
	return nil
}
