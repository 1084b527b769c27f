package dmp

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Response is the exact linear form of a DMP rollout for one [Config].
//
// With u = (g − y0)·w and the input row X = [u₁ … u_N, y0, ẏ0, g], every
// recorded quantity is a fixed linear map of X:
//
//	Y = X·Pos,   Ẏ = X·Vel,   Ÿ = X·Acc,
//
// i.e. Y = c_y0·y0 + c_ẏ0·ẏ0 + c_g·g + (g − y0)·(P·w) with Pos = [Pᵀ; c_y0; c_ẏ0; c_g].
// The Euler recursion is linear in (y, z, g, u) and x, ψ do not depend on
// the input, so this equals step-by-step integration up to rounding.
type Response struct {
	Cfg Config    // the config, defaults applied
	Pos []float64 // position response, shape [N+3, T+1]
	Vel []float64 // velocity response, shape [N+3, T+1]
	Acc []float64 // acceleration response, shape [N+3, T+1]
}

// Input columns of X after the N weight columns.
const (
	colY0  = iota // y0
	colDY0        // ẏ0
	colG          // g
	nExtra        // number of non-weight columns
)

// NewResponse precomputes the linear form by integrating the N+3 unit
// inputs once with the reference integrator: O((N+3)·T·l) work, done once
// per config. Superposition then gives every other input exactly.
func NewResponse(cfg Config) (*Response, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	N := cfg.N
	J := N + nExtra // unit systems, one per column of X
	u, g := make([]float64, J*N), make([]float64, J)
	y, z := make([]float64, J), make([]float64, J)
	for i := range N {
		u[i*N+i] = 1 // column i: u = e_i
	}
	y[N+colY0] = 1
	z[N+colDY0] = cfg.Tau // z₀ = τ·ẏ0
	g[N+colG] = 1
	tr := NewTrajectory(J, cfg.T)
	euler(cfg, u, g, y, z, tr)
	// Row j of Pos is unit system j's recorded trajectory: Y = X·Pos.
	return &Response{Cfg: cfg, Pos: tr.Y, Vel: tr.V, Acc: tr.A}, nil
}

// Inputs writes the rows X = [(g − y0)·w, y0, ẏ0, g] of p into dst, shape
// [R, N+3], allocating when dst is too short, and returns it.
func (r *Response) Inputs(dst []float64, p Params) ([]float64, error) {
	N := r.Cfg.N
	if err := p.check(N); err != nil {
		return nil, err
	}
	R, J := p.Rows(), N+nExtra
	if cap(dst) < R*J {
		dst = make([]float64, R*J)
	}
	dst = dst[:R*J]
	for i := range R {
		row := dst[i*J : (i+1)*J]
		s := p.G[i] - p.Y0[i]
		for k, w := range p.W[i*N : (i+1)*N] {
			row[k] = s * w
		}
		row[N+colY0], row[N+colDY0], row[N+colG] = p.Y0[i], p.DY0[i], p.G[i]
	}
	return dst, nil
}

// Forward returns the recorded rollouts of every row of p: one matrix
// product per recorded quantity. Shapes: see [Params] and [Trajectory].
func (r *Response) Forward(p Params) (*Trajectory, error) {
	X, err := r.Inputs(nil, p)
	if err != nil {
		return nil, err
	}
	out := NewTrajectory(p.Rows(), r.Cfg.T)
	r.Apply(out.Y, X, r.Pos)
	r.Apply(out.V, X, r.Vel)
	r.Apply(out.A, X, r.Acc)
	return out, nil
}

// Apply computes dst = X·M for inputs X of shape [R, N+3] (from
// [Response.Inputs]) and M one of Pos, Vel, Acc; dst has shape [R, T+1].
func (r *Response) Apply(dst, X, M []float64) {
	J, L := r.Cfg.N+nExtra, r.Cfg.T+1
	R := len(X) / J
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: R, Cols: J, Stride: J, Data: X},
		blas64.General{Rows: J, Cols: L, Stride: L, Data: M},
		0, blas64.General{Rows: R, Cols: L, Stride: L, Data: dst})
}

// Backward returns the gradient of a loss with respect to p, given the
// loss's gradients dY, dV, dA with respect to the recorded positions,
// velocities and accelerations (each [R, T+1]; nil means zero).
//
// It is the transpose of the linear map, dL/dX = dY·Posᵀ + dV·Velᵀ + dA·Accᵀ,
// chained through u = (g − y0)·w (the paper's eq. 6):
//
//	∂L/∂wᵢ = ∂L/∂uᵢ·(g − y0),  ∂L/∂g = ∂L/∂X_g + Σᵢ ∂L/∂uᵢ·wᵢ,  ∂L/∂y0 = ∂L/∂X_y0 − Σᵢ ∂L/∂uᵢ·wᵢ.
func (r *Response) Backward(p Params, dY, dV, dA []float64) (Params, error) {
	N, L := r.Cfg.N, r.Cfg.T+1
	if err := p.check(N); err != nil {
		return Params{}, err
	}
	R, J := p.Rows(), N+nExtra
	dX := make([]float64, R*J)
	beta := 0.0
	for _, gm := range []struct {
		d, m []float64
		name string
	}{{dY, r.Pos, "dY"}, {dV, r.Vel, "dV"}, {dA, r.Acc, "dA"}} {
		if gm.d == nil {
			continue
		}
		if len(gm.d) != R*L {
			return Params{}, fmt.Errorf("dmp: %s has %d values, want rows·(T+1) = %d·%d", gm.name, len(gm.d), R, L)
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1,
			blas64.General{Rows: R, Cols: L, Stride: L, Data: gm.d},
			blas64.General{Rows: J, Cols: L, Stride: L, Data: gm.m},
			beta, blas64.General{Rows: R, Cols: J, Stride: J, Data: dX})
		beta = 1
	}
	return r.chain(p, dX), nil
}

// chain maps dL/dX (shape [R, N+3]) to the gradients of the params.
func (r *Response) chain(p Params, dX []float64) Params {
	N, R, J := r.Cfg.N, p.Rows(), r.Cfg.N+nExtra
	gr := Params{W: make([]float64, R*N), G: make([]float64, R), Y0: make([]float64, R), DY0: make([]float64, R)}
	for i := range R {
		row := dX[i*J : (i+1)*J]
		s := p.G[i] - p.Y0[i]
		uw := 0.0 // Σᵢ ∂L/∂uᵢ·wᵢ
		for k := range N {
			gr.W[i*N+k] = row[k] * s
			uw += row[k] * p.W[i*N+k]
		}
		gr.G[i] = row[N+colG] + uw
		gr.Y0[i] = row[N+colY0] - uw
		gr.DY0[i] = row[N+colDY0]
	}
	return gr
}

// ForwardU returns the recorded positions for forcing amplitudes u given
// directly instead of as (g − y0)·w: shapes u [R, N]; g, y0, dy0 [R]; the
// result is [R, T+1]. It suits learners that predict u (a DMP without the
// (g − y0) amplitude scaling), whose errors then stay bounded when g ≈ y0.
func (r *Response) ForwardU(u, g, y0, dy0 []float64) ([]float64, error) {
	N, R := r.Cfg.N, len(g)
	if R == 0 || len(u) != R*N || len(y0) != R || len(dy0) != R {
		return nil, fmt.Errorf("dmp: ForwardU shapes: len(u) = %d, len(g) = %d, len(y0) = %d, len(dy0) = %d, want [R·N], [R], [R], [R] with N = %d",
			len(u), R, len(y0), len(dy0), N)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"u", u}, {"g", g}, {"y0", y0}, {"dy0", dy0}} {
		if err := checkFinite(a.name, a.v); err != nil {
			return nil, err
		}
	}
	J := N + nExtra
	X := make([]float64, R*J)
	for i := range R {
		row := X[i*J : (i+1)*J]
		copy(row, u[i*N:(i+1)*N])
		row[N+colY0], row[N+colDY0], row[N+colG] = y0[i], dy0[i], g[i]
	}
	Y := make([]float64, R*(r.Cfg.T+1))
	r.Apply(Y, X, r.Pos)
	return Y, nil
}
