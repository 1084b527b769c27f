package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/dmp"
)

// Clamp range of a learned α_z, as in the authors' code.
const (
	MinAlphaZ = 0.5
	MaxAlphaZ = 30.0
)

// DMP is the NDP's dynamical-system layer DE(w, g) → {y, ẏ, ÿ} for D
// independent degrees of freedom sharing one [dmp.Config].
//
// With fixed α_z the rollout is linear in X = [u₁…u_N, y0, ẏ0, g] with
// u = (g − y0)·w (see [dmp.Response]), so the layer is
//
//	Y = X·Pos,  Ẏ = X·Vel,  Ÿ = X·Acc        (Pos, Vel, Acc: graph constants [N+3, T+1])
//
// and its forward and backward passes are matrix products. With a learned
// α_z the map is no longer linear in α, and [DMP.RolloutAlpha] unrolls the
// Euler integrator instead.
type DMP struct {
	Cfg   dmp.Config // defaults applied
	OnlyG bool       // forcing term zero: y is driven by the goal alone (the paper's ablation)
	// DirectForcing takes w as the amplitudes u = (g − y0)·w themselves
	// (set after NewDMP; see model.DMPConfig).
	DirectForcing bool

	pos, vel, acc *tensors.Tensor // [N+3, T+1] float32, or [3, T+1] when OnlyG
	phi           [][]float32     // φ_k, [T·l][N], for RolloutAlpha
}

// NewDMP precomputes the layer's constants for cfg.
func NewDMP(cfg dmp.Config, onlyG bool) (*DMP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nn: DMP layer: %w", err)
	}
	cfg = cfg.WithDefaults()
	resp, err := dmp.NewResponse(cfg)
	if err != nil {
		return nil, fmt.Errorf("nn: DMP layer: %w", err)
	}
	basis, err := cfg.Basis()
	if err != nil {
		return nil, fmt.Errorf("nn: DMP layer: %w", err)
	}
	N, L := cfg.N, cfg.T+1
	first := 0
	if onlyG {
		first = N // keep only the y0, ẏ0, g rows
	}
	toT := func(m []float64) *tensors.Tensor {
		rows := N + 3 - first
		f := make([]float32, rows*L)
		for i := range f {
			f[i] = float32(m[first*L+i])
		}
		return tensors.FromFlatDataAndDimensions(f, rows, L)
	}
	d := &DMP{Cfg: cfg, OnlyG: onlyG, pos: toT(resp.Pos), vel: toT(resp.Vel), acc: toT(resp.Acc)}
	d.phi = make([][]float32, len(basis)/N)
	for k := range d.phi {
		d.phi[k] = make([]float32, N)
		for i := range N {
			d.phi[k][i] = float32(basis[k*N+i])
		}
	}
	return d, nil
}

// Inputs returns the number of network outputs the layer consumes per DoF:
// N weights and a goal, or just the goal when OnlyG.
func (d *DMP) Inputs() int {
	if d.OnlyG {
		return 1
	}
	return d.Cfg.N + 1
}

// Rollout integrates the DMP with the configured α_z.
//
// Shapes: w [B, D, N] (ignored, may be nil, when OnlyG); g, y0, dy0 [B, D].
// Returns positions y, velocities ẏ and accelerations ÿ, each [B, D, T+1]
// (index 0 is the start state).
func (d *DMP) Rollout(w, g, y0, dy0 *graph.Node) (y, dy, ddy *graph.Node) {
	cols := []*graph.Node{graph.ExpandAxes(y0, -1), graph.ExpandAxes(dy0, -1), graph.ExpandAxes(g, -1)}
	if !d.OnlyG {
		cols = append([]*graph.Node{d.amplitudes(w, g, y0)}, cols...)
	}
	X := graph.Concatenate(cols, -1) // [B, D, N+3]
	gr := X.Graph()
	apply := func(m *tensors.Tensor) *graph.Node {
		return graph.DotGeneral(X, []int{2}, nil, graph.ConstCachedTensor(gr, m), []int{0}, nil)
	}
	return apply(d.pos), apply(d.vel), apply(d.acc)
}

// amplitudes returns the forcing amplitudes u [B, D, N]: (g − y0)·w, or w
// itself with DirectForcing.
func (d *DMP) amplitudes(w, g, y0 *graph.Node) *graph.Node {
	if d.DirectForcing {
		return w
	}
	return graph.Mul(graph.ExpandAxes(graph.Sub(g, y0), -1), w)
}

// RolloutAlpha integrates the DMP with a learned α_z by unrolling the Euler
// scheme in graph ops (differentiable in α too). alpha is a scalar node; it is
// clamped to [MinAlphaZ, MaxAlphaZ] and β_z = α_z/4 (critical damping), as in
// the authors' code. Shapes as in [DMP.Rollout]; ddy is not computed (nil).
//
// Per substep k = 1..T·l, with dt = τ/(T·l), z₀ = τ·ẏ0 and φ_k from
// [dmp.Config.Basis]:
//
//	f_k = Σᵢ φ_k[i]·uᵢ
//	ż   = α_z(β_z(g − y) − z) + f_k
//	y  ← y + (z/τ)·dt,   z ← z + (ż/τ)·dt      (old y, z on the right)
//
// and every l substeps y and ẏ = z/τ are recorded.
func (d *DMP) RolloutAlpha(alpha, w, g, y0, dy0 *graph.Node) (y, dy *graph.Node) {
	gr := g.Graph()
	cfg := d.Cfg
	az := graph.ClipScalar(alpha, MinAlphaZ, MaxAlphaZ)
	bz := graph.DivScalar(az, 4)
	tau, dt := cfg.Tau, cfg.Dt()
	var u *graph.Node
	if !d.OnlyG {
		u = d.amplitudes(w, g, y0)
	}
	yk, zk := y0, graph.MulScalar(dy0, tau)
	ys, vs := []*graph.Node{yk}, []*graph.Node{graph.DivScalar(zk, tau)}
	for k := range len(d.phi) {
		dz := graph.Mul(az, graph.Sub(graph.Mul(bz, graph.Sub(g, yk)), zk))
		if u != nil {
			fk := graph.DotGeneral(u, []int{2}, nil, graph.Const(gr, d.phi[k]), []int{0}, nil) // [B, D]
			dz = graph.Add(dz, fk)
		}
		yk, zk = graph.Add(yk, graph.MulScalar(zk, dt/tau)), graph.Add(zk, graph.MulScalar(dz, dt/tau))
		if (k+1)%cfg.Substeps == 0 {
			ys = append(ys, yk)
			vs = append(vs, graph.DivScalar(zk, tau))
		}
	}
	return graph.Stack(ys, -1), graph.Stack(vs, -1)
}

// Matrices returns copies of the float32 response constants Pos, Vel, Acc,
// each [rows, T+1] with rows = N+3 (or 3 when OnlyG: the y0, ẏ0, g rows).
func (d *DMP) Matrices() (pos, vel, acc []float32, rows int) {
	get := func(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }
	return get(d.pos), get(d.vel), get(d.acc), d.pos.Shape().Dimensions[0]
}

// Phi returns the basis φ_k[i] used by [DMP.RolloutAlpha], [T·l][N] (shared, do not modify).
func (d *DMP) Phi() [][]float32 { return d.phi }
