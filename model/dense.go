package model

import (
	"fmt"
	"math"

	"github.com/ndp-go/ndp/nn"
)

// DMPParams runs Φ on one observation obs [ObsDim] (normalised as for Act)
// and writes the DMP parameters a dense dmp.Stepper needs, exactly as
// Model.Build derives them: weights w [D·N] (row-major [D, N]; zero with
// only_g) and goals g [D] with GoalScale and GoalRelative (g += y0)
// applied (the one decoder, headLayout); aux [AuxOut] (may be nil when
// AuxOut is 0) receives Φ's unscaled extra outputs. It does not allocate.
func (p *Policy) DMPParams(obs, y0 []float32, w, g, aux []float64) error {
	if p.D == 0 {
		return fmt.Errorf("model: policy has no DMP head")
	}
	if len(obs) != p.layers[0].in || len(y0) != p.D || len(w) != p.D*p.N || len(g) != p.D || len(aux) != p.cfg.AuxOut {
		return fmt.Errorf("model: DMPParams: obs, y0, w, g, aux have %d, %d, %d, %d, %d values, want %d, %d, %d, %d, %d",
			len(obs), len(y0), len(w), len(g), len(aux), p.layers[0].in, p.D, p.D*p.N, p.D, p.cfg.AuxOut)
	}
	p.hl.decode(p.head(obs), y0, p.w, p.g, p.aux)
	for i, v := range p.w {
		w[i] = float64(v)
	}
	if p.cfg.DMP.OnlyG {
		clear(w)
	}
	for d, v := range p.g {
		g[d] = float64(v)
	}
	for j, v := range p.aux {
		aux[j] = float64(v)
	}
	return nil
}

// AlphaZ returns the DMP's α_z: the learned value (clamped) when the model
// learns it, else 0 (use the DMP config's).
func (p *Policy) AlphaZ() float64 { return p.alpha }

// DoF returns the number of DMP degrees of freedom (0 for a raw head).
func (p *Policy) DoF() int { return p.D }

// BasisN returns the number of basis functions per DoF.
func (p *Policy) BasisN() int { return p.N }

// head runs Φ (the MLP layers, then OutputScale) on obs; the result is a
// shared buffer, valid until the next call.
func (p *Policy) head(obs []float32) []float32 {
	in := obs
	cur, nxt := p.h, p.h2
	for li, l := range p.layers {
		o := cur[:l.out]
		copy(o, l.b)
		gemv(o, in, l.w)
		if li+1 < len(p.layers) {
			p.activate(o)
		}
		in = o
		cur, nxt = nxt, cur
	}
	if p.scale != 1 {
		for j := range in {
			in[j] *= p.scale
		}
	}
	return in
}

// activate applies the hidden activation in place.
func (p *Policy) activate(o []float32) {
	if p.act == nn.ActReLU {
		for j, v := range o {
			o[j] = max(v, 0)
		}
		return
	}
	for j, v := range o {
		o[j] = float32(math.Tanh(float64(v)))
	}
}
