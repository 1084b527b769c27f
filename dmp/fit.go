package dmp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FitOptions tune [Response.Fit].
type FitOptions struct {
	// Ridge is λ ≥ 0 in min ‖A·u − b‖² + λ‖u‖²: it trades accuracy for
	// smaller forcing weights on noisy demonstrations.
	Ridge float64
	// FreeGoal fits g too. By default g is the demonstration's last point,
	// the usual choice that keeps the attractor where the motion ends.
	FreeGoal bool
	// Weights, shape [D, T+1] (nil = all 1), weigh each demonstrated point's
	// squared error: min Σ_t a_t·(y_t − demo_t)². A zero weight ignores a
	// point; the first point of each DoF is y0 and is matched exactly
	// whatever its weight. Weighted fits let a caller pull a motion towards
	// targets it trusts more at some times than at others.
	Weights []float64
}

// Fit returns the DMP parameters that best reproduce demonstrated
// trajectories, so users can start from demonstrations.
//
// demo has shape [D, T+1] (T+1 points per DoF at the config's recorded
// times, first point = y0); dy0 has shape [D] (nil means starting at rest).
// Because Y = X·Pos is linear in u = (g − y0)·w (and g), the fit is an exact
// linear least-squares problem in the discretised dynamics; w = u/(g − y0),
// so a DoF that ends where it starts (g = y0) is an error: use [Response.FitU].
func (r *Response) Fit(demo, dy0 []float64, opts FitOptions) (Params, error) {
	u, g, y0, err := r.FitU(demo, dy0, opts)
	if err != nil {
		return Params{}, err
	}
	N, D := r.Cfg.N, len(g)
	p := Params{W: make([]float64, D*N), G: g, Y0: y0, DY0: make([]float64, D)}
	if dy0 != nil {
		copy(p.DY0, dy0)
	}
	for d := range D {
		s := g[d] - y0[d]
		if math.Abs(s) < 1e-12*(1+math.Abs(g[d])+math.Abs(y0[d])) {
			return Params{}, fmt.Errorf("dmp: fitting DoF %d: goal %v equals start %v, so the forcing term (g − y0)·w cannot shape the motion (FitU fits it)", d, g[d], y0[d])
		}
		for i := range N {
			p.W[d*N+i] = u[d*N+i] / s
		}
	}
	return p, nil
}

// FitU is Fit without the amplitude factor: it returns the forcing
// amplitudes u = (g − y0)·w [D, N], goals g [D] and starts y0 [D], for
// [Response.ForwardU]. It stays defined for strokes that end where they
// start (a 0, an 8, a 1 drawn up and down), where w = u/(g − y0) does not.
func (r *Response) FitU(demo, dy0 []float64, opts FitOptions) (u, g, y0 []float64, err error) {
	N, L := r.Cfg.N, r.Cfg.T+1
	if len(demo) == 0 || len(demo)%L != 0 {
		return nil, nil, nil, fmt.Errorf("dmp: demo has %d values, want DoF·(T+1) with T+1 = %d", len(demo), L)
	}
	D := len(demo) / L
	if dy0 == nil {
		dy0 = make([]float64, D)
	}
	if len(dy0) != D {
		return nil, nil, nil, fmt.Errorf("dmp: dy0 has %d values, want %d (one per DoF)", len(dy0), D)
	}
	if err := checkFinite("demo", demo); err != nil {
		return nil, nil, nil, err
	}
	if err := checkFinite("dy0", dy0); err != nil {
		return nil, nil, nil, err
	}
	if !(opts.Ridge >= 0) || math.IsInf(opts.Ridge, 0) {
		return nil, nil, nil, fmt.Errorf("dmp: ridge = %v, need a finite value ≥ 0", opts.Ridge)
	}
	if opts.Weights != nil {
		if len(opts.Weights) != len(demo) {
			return nil, nil, nil, fmt.Errorf("dmp: weights have %d values, want %d (one per demonstrated point)", len(opts.Weights), len(demo))
		}
		for i, a := range opts.Weights {
			if !(a >= 0) || math.IsInf(a, 0) {
				return nil, nil, nil, fmt.Errorf("dmp: weight %d is %v, need a finite value ≥ 0", i, a)
			}
		}
	}
	cols := N
	if opts.FreeGoal {
		cols++
	}
	// Rows 1..T of the recorded trajectory (row 0 is y0 exactly) plus N
	// ridge rows; row t is scaled by √a_t when weighted.
	A := mat.NewDense(L-1+N, cols, nil)
	fill := func(wt []float64) {
		for t := 1; t < L; t++ {
			s := 1.0
			if wt != nil {
				s = math.Sqrt(wt[t])
			}
			for i := range N {
				A.Set(t-1, i, s*r.Pos[i*L+t])
			}
			if opts.FreeGoal {
				A.Set(t-1, N, s*r.Pos[(N+colG)*L+t])
			}
		}
	}
	fill(nil)
	sq := math.Sqrt(opts.Ridge)
	for i := range N {
		A.Set(L-1+i, i, sq)
	}
	u, g, y0 = make([]float64, D*N), make([]float64, D), make([]float64, D)
	b := mat.NewVecDense(L-1+N, nil)
	var sol mat.VecDense
	for d := range D {
		y := demo[d*L : (d+1)*L]
		var wt []float64
		if opts.Weights != nil {
			wt = opts.Weights[d*L : (d+1)*L]
			fill(wt)
		}
		y0[d], g[d] = y[0], y[L-1]
		for t := 1; t < L; t++ {
			v := y[t] - r.Pos[(N+colY0)*L+t]*y0[d] - r.Pos[(N+colDY0)*L+t]*dy0[d]
			if !opts.FreeGoal {
				v -= r.Pos[(N+colG)*L+t] * g[d]
			}
			if wt != nil {
				v *= math.Sqrt(wt[t])
			}
			b.SetVec(t-1, v)
		}
		if err := sol.SolveVec(A, b); err != nil {
			return nil, nil, nil, fmt.Errorf("dmp: fitting DoF %d: %w", d, err)
		}
		if opts.FreeGoal {
			g[d] = sol.AtVec(N)
		}
		for i := range N {
			u[d*N+i] = sol.AtVec(i)
		}
	}
	return u, g, y0, nil
}
