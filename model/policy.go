package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/ndp-go/ndp/nn"
)

// Policy is a pure-Go copy of a trained MLP model's actor (Φ, DMP, Ω) for
// batch-1 inference: no graph call, no allocation per step. It is a
// snapshot: later training does not change it.
type Policy struct {
	cfg    Config
	layers []goDense
	act    nn.Activation
	scale  float32

	// DMP head (D > 0).
	D, N, L, rows int
	pos           []float32 // [rows, L], rows = N+3 (or 3 with only_g): Y = X·Pos
	alpha         float64   // clamped learned α_z, or 0
	phi           [][]float32
	omega         nn.Omega

	hl               headLayout
	w, g             []float32 // decoded DMP weights [D·N] and goals [D] of the last call
	h, h2, x, y, out []float32
	aux              []float32 // Φ's extra outputs of the last Act (AuxOut > 0)
}

type goDense struct {
	w       []float32 // [in, out] row-major
	b       []float32 // [out]
	in, out int
}

// Policy extracts the actor of an MLP model for pure-Go inference.
func (m *Model) Policy() (*Policy, error) {
	if m.mlp == nil {
		return nil, errors.New("model: pure-Go policy supports mlp nets only")
	}
	if m.Cfg.Decode != nil {
		return nil, errors.New("model: pure-Go policy does not support a decoded head")
	}
	w, err := m.Weights()
	if err != nil {
		return nil, err
	}
	act, _ := nn.ParseActivation(m.Cfg.Activation)
	p := &Policy{cfg: m.Cfg, act: act, scale: float32(m.mlp.OutScale)}
	width := 0
	for _, l := range m.mlp.Layers {
		p.layers = append(p.layers, goDense{w: w[l.W], b: w[l.B], in: l.In, out: l.Out})
		width = max(width, l.Out)
	}
	p.h, p.h2 = make([]float32, width), make([]float32, width)
	if m.dmp == nil {
		p.out = make([]float32, m.mlp.Out())
		return p, nil
	}
	p.D, p.N, p.L = m.Cfg.DoF, m.Cfg.DMP.N, m.Cfg.DMP.T+1
	p.pos, _, _, p.rows = m.dmp.Matrices()
	p.omega = m.omega
	if m.alpha >= 0 {
		p.alpha = math.Min(math.Max(float64(w[m.alpha][0]), nn.MinAlphaZ), nn.MaxAlphaZ)
		p.phi = m.dmp.Phi()
	}
	p.hl, p.w, p.g = m.Cfg.headLayout(), make([]float32, p.D*p.N), make([]float32, p.D)
	p.x = make([]float32, p.D*p.rows)
	if m.Cfg.AuxOut > 0 {
		p.aux = make([]float32, m.Cfg.AuxOut)
	}
	p.y = make([]float32, p.D*p.L)
	if p.omega == nn.OmegaDeltas {
		p.out = make([]float32, p.D*(p.L-1))
	} else {
		p.out = p.y
	}
	return p, nil
}

// Act runs the actor on one observation obs [ObsDim] from start state
// y0, dy0 [D] (ignored for a raw head). It returns the action Ω(y):
// [D, T+1] for identity, [D, T] for deltas, [OutDim] for a raw head. The
// slice is reused by the next call.
func (p *Policy) Act(obs, y0, dy0 []float32) ([]float32, error) {
	if len(obs) != p.layers[0].in {
		return nil, fmt.Errorf("model: policy: obs has %d values, want %d", len(obs), p.layers[0].in)
	}
	if p.D > 0 && (len(y0) != p.D || len(dy0) != p.D) {
		return nil, fmt.Errorf("model: policy: y0, dy0 have %d, %d values, want %d", len(y0), len(dy0), p.D)
	}
	head := p.head(obs)
	if p.D == 0 {
		copy(p.out, head)
		return p.out, nil
	}
	p.hl.decode(head, y0, p.w, p.g, p.aux)
	p.rollout(y0, dy0)
	if p.omega == nn.OmegaDeltas {
		T := p.L - 1
		for d := range p.D {
			for t := range T {
				p.out[d*T+t] = p.y[d*p.L+t+1] - p.y[d*p.L+t]
			}
		}
	}
	return p.out, nil
}

// Aux returns Φ's extra outputs of the last Act call ([AuxOut], e.g. a
// gripper command; shared, valid until the next call), or nil.
func (p *Policy) Aux() []float32 { return p.aux }

// Trajectory returns the positions y [D, T+1] of the last Act call
// (shared, valid until the next call).
func (p *Policy) Trajectory() []float32 { return p.y }

// rollout fills p.y from the decoded weights p.w and goals p.g.
func (p *Policy) rollout(y0, dy0 []float32) {
	D, N, L := p.D, p.N, p.L
	onlyG := p.cfg.DMP.OnlyG
	for d := range D {
		g := p.g[d]
		x := p.x[d*p.rows : (d+1)*p.rows]
		if !onlyG {
			s := g - y0[d]
			if p.cfg.DMP.DirectForcing {
				s = 1 // Φ gave u itself
			}
			for i := range N {
				x[i] = s * p.w[d*N+i] // u = (g − y0)·w
			}
		}
		x[p.rows-3], x[p.rows-2], x[p.rows-1] = y0[d], dy0[d], g
		y := p.y[d*L : (d+1)*L]
		if p.alpha > 0 {
			p.unrolled(x, y)
			continue
		}
		// Y = X·Pos
		clear(y)
		for r, xr := range x {
			row := p.pos[r*L : (r+1)*L]
			for t, v := range row {
				y[t] += xr * v
			}
		}
	}
}

// unrolled integrates one DoF with the learned α_z, as nn.DMP.RolloutAlpha.
func (p *Policy) unrolled(x, y []float32) {
	c := p.cfg.DMP
	N := p.N
	az := float32(p.alpha)
	bz := az / 4
	y0, g := x[p.rows-3], x[p.rows-1]
	dt := float32(c.Tau / float64(c.T*c.Substeps))
	tau := float32(c.Tau)
	yk, zk := y0, x[p.rows-2]*tau
	y[0] = yk
	for k, phi := range p.phi {
		dz := az * (bz*(g-yk) - zk)
		if !c.OnlyG {
			for i := range N {
				dz += phi[i] * x[i]
			}
		}
		yk, zk = yk+zk*(dt/tau), zk+dz*(dt/tau)
		if (k+1)%c.Substeps == 0 {
			y[(k+1)/c.Substeps] = yk
		}
	}
}
