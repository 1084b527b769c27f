package dmp

import "fmt"

// Flow returns the vector field a DMP induces (the paper's Figure 1, right):
// for every start point, where the system moves in `steps` recorded steps
// when its state is put there at rest, with the policy's own forcing term
// f = (g − y0)·Σφᵢwᵢ unchanged. It answers "if the robot were pushed to this
// point, where would the NDP take it?".
//
// p describes one D-DoF DMP (D rows; Y0 sets the forcing term's scale, DY0
// is ignored); starts has shape [S, D]. The result has shape [S, D] and holds
// displacements y(steps) − start. All S·D rollouts are one matrix product:
// the initial state enters only through the y0 column of the linear form.
func (r *Response) Flow(p Params, starts []float64, steps int) ([]float64, error) {
	D, N, L := p.Rows(), r.Cfg.N, r.Cfg.T+1
	if D == 0 || len(starts) == 0 || len(starts)%D != 0 {
		return nil, fmt.Errorf("dmp: flow needs starts of shape [S, D] with D = %d, got %d values", D, len(starts))
	}
	if steps < 0 || steps > r.Cfg.T {
		return nil, fmt.Errorf("dmp: flow horizon %d outside [0, T = %d]", steps, r.Cfg.T)
	}
	if err := checkFinite("starts", starts); err != nil {
		return nil, err
	}
	X, err := r.Inputs(nil, p) // [D, N+3]
	if err != nil {
		return nil, err
	}
	S, J := len(starts)/D, N+nExtra
	Xs := make([]float64, S*D*J)
	for s := range S {
		for d := range D {
			row := Xs[(s*D+d)*J : (s*D+d+1)*J]
			copy(row, X[d*J:(d+1)*J])
			row[N+colY0], row[N+colDY0] = starts[s*D+d], 0
		}
	}
	Y := make([]float64, S*D*L)
	r.Apply(Y, Xs, r.Pos)
	out := make([]float64, S*D)
	for i := range out {
		out[i] = Y[i*L+steps] - starts[i]
	}
	return out, nil
}
