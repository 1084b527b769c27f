package dmp

import "fmt"

// Flow returns, for every start point, where the DMP with the weights and
// goals of p moves in `steps` recorded steps when started at rest there: the
// vector field the DMP induces (the paper's Figure 1, right).
//
// p describes one D-DoF DMP (D rows; its Y0 and DY0 are ignored); starts has
// shape [S, D]. The result has shape [S, D] and holds displacements
// y(steps) − start. All S·D rollouts are one matrix product.
func (r *Response) Flow(p Params, starts []float64, steps int) ([]float64, error) {
	D, N := p.Rows(), r.Cfg.N
	if D == 0 || len(starts) == 0 || len(starts)%D != 0 {
		return nil, fmt.Errorf("dmp: flow needs starts of shape [S, D] with D = %d, got %d values", D, len(starts))
	}
	if steps < 0 || steps > r.Cfg.T {
		return nil, fmt.Errorf("dmp: flow horizon %d outside [0, T = %d]", steps, r.Cfg.T)
	}
	S := len(starts) / D
	q := Params{W: make([]float64, S*D*N), G: make([]float64, S*D), Y0: append([]float64(nil), starts...), DY0: make([]float64, S*D)}
	if len(p.W) != D*N {
		return nil, fmt.Errorf("dmp: flow params have %d weights, want %d·%d", len(p.W), D, N)
	}
	for s := range S {
		copy(q.W[s*D*N:], p.W)
		copy(q.G[s*D:], p.G)
	}
	tr, err := r.Forward(q)
	if err != nil {
		return nil, err
	}
	out := make([]float64, S*D)
	for i := range out {
		out[i] = tr.Y[i*tr.Len+steps] - starts[i]
	}
	return out, nil
}
