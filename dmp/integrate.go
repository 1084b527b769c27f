package dmp

import "fmt"

// Params are the inputs of R independent one-DoF DMPs (R = batch·DoF).
type Params struct {
	W   []float64 // basis weights w, shape [R, N]
	G   []float64 // goals g, shape [R]
	Y0  []float64 // start positions y0, shape [R]
	DY0 []float64 // start velocities ẏ0, shape [R]
}

// Rows returns R, the number of one-DoF systems.
func (p Params) Rows() int { return len(p.G) }

// check validates the shapes of p against N basis functions and finiteness.
func (p Params) check(n int) error {
	r := len(p.G)
	if r == 0 {
		return fmt.Errorf("dmp: params have no rows (len(G) = 0)")
	}
	if len(p.Y0) != r || len(p.DY0) != r {
		return fmt.Errorf("dmp: params shape mismatch: len(G) = %d, len(Y0) = %d, len(DY0) = %d", r, len(p.Y0), len(p.DY0))
	}
	if len(p.W) != r*n {
		return fmt.Errorf("dmp: params shape mismatch: len(W) = %d, want rows·N = %d·%d", len(p.W), r, n)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"W", p.W}, {"G", p.G}, {"Y0", p.Y0}, {"DY0", p.DY0}} {
		if err := checkFinite(a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// Trajectory is a batch of recorded rollouts, each row one DoF.
type Trajectory struct {
	Rows, Len int       // R rows of Len = T+1 recorded points
	Y         []float64 // positions y, shape [R, T+1]
	V         []float64 // velocities ẏ = z/τ, shape [R, T+1]
	A         []float64 // accelerations ÿ = ż/τ at the recorded states, shape [R, T+1]
}

// NewTrajectory allocates a trajectory of rows×(T+1) points.
func NewTrajectory(rows, T int) *Trajectory {
	n := rows * (T + 1)
	return &Trajectory{Rows: rows, Len: T + 1, Y: make([]float64, n), V: make([]float64, n), A: make([]float64, n)}
}

// Integrate runs the Euler scheme step by step for every row of p: the
// reference implementation that the linear form is tested against.
//
// Per substep k (dt = τ/(T·l), x₀ = 1, z₀ = τ·ẏ0):
//
//	x ← x − a_x·x·dt/τ
//	f = (g − y0)·Σᵢ φᵢ(x)·wᵢ               (φ from [Config.Basis])
//	ż = α_z(β_z(g − y) − z) + f
//	y ← y + (z/τ)·dt,  z ← z + (ż/τ)·dt    (old y, z on the right)
//
// Every l substeps y, ẏ = z/τ and ÿ = ż/τ² (with ż at the recorded state and
// phase) are recorded. Shapes: see [Params] and [Trajectory].
func Integrate(cfg Config, p Params) (*Trajectory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if err := p.check(cfg.N); err != nil {
		return nil, err
	}
	R, N := p.Rows(), cfg.N
	u, z0 := make([]float64, R*N), make([]float64, R)
	for r := range R {
		z0[r] = cfg.Tau * p.DY0[r]
		for i := range N {
			u[r*N+i] = (p.G[r] - p.Y0[r]) * p.W[r*N+i]
		}
	}
	out := NewTrajectory(R, cfg.T)
	euler(cfg, u, p.G, append([]float64(nil), p.Y0...), z0, out)
	return out, nil
}

// euler integrates R rows of the DMP step by step with the forcing
// amplitudes u = (g − y0)·w given directly ([R, N]); y and z ([R]) hold the
// start state and are overwritten. It is the one integrator loop: Integrate
// calls it on the user's inputs and NewResponse on unit inputs, which u
// makes possible (a unit u cannot be written as (g − y0)·w with g = y0 = 0).
func euler(cfg Config, u, g, y, z []float64, out *Trajectory) {
	R, N, T, l := len(y), cfg.N, cfg.T, cfg.Substeps
	b := newBasis(cfg)
	phi := make([]float64, N)
	tau, dt, az, bz := cfg.Tau, cfg.Dt(), cfg.AlphaZ, cfg.BetaZ
	record := func(t int, x float64) {
		b.phi(phi, x)
		for r := range R {
			f := dot(phi, u[r*N:(r+1)*N])
			out.Y[r*(T+1)+t] = y[r]
			out.V[r*(T+1)+t] = z[r] / tau
			out.A[r*(T+1)+t] = (az*(bz*(g[r]-y[r])-z[r]) + f) / (tau * tau)
		}
	}
	x := 1.0
	record(0, x)
	for t := 1; t <= T; t++ {
		for range l {
			x += -cfg.AX * x * dt / tau
			b.phi(phi, x)
			for r := range R {
				f := dot(phi, u[r*N:(r+1)*N])
				dz := az*(bz*(g[r]-y[r])-z[r]) + f
				y[r] += z[r] / tau * dt
				z[r] += dz / tau * dt
			}
		}
		record(t, x)
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
