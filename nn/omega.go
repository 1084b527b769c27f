package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// Omega names the map Ω from the DMP's trajectory to the action a = Ω(y, ẏ, ÿ).
type Omega string

// The supported output maps.
const (
	// OmegaIdentity: the action is the position trajectory, [B, D, T+1]
	// (imitation of positions, e.g. the digits).
	OmegaIdentity Omega = "identity"
	// OmegaDeltas: the action is the position change per recorded step,
	// y[t+1] − y[t], [B, D, T] (the paper's RL action).
	OmegaDeltas Omega = "deltas"
	// OmegaInverseDynamics: the graph returns positions like identity, and an
	// [InverseDynamics] hook turns (y, ẏ, ÿ) into torques outside the graph
	// (MuJoCo's mj_inverse is not a graph op, so no gradient flows through it).
	OmegaInverseDynamics Omega = "inverse-dynamics"
)

// ParseOmega validates an output-map name ("" means identity).
func ParseOmega(s string) (Omega, error) {
	switch Omega(s) {
	case "", OmegaIdentity:
		return OmegaIdentity, nil
	case OmegaDeltas, OmegaInverseDynamics:
		return Omega(s), nil
	}
	return "", fmt.Errorf("nn: unknown omega %q (want identity, deltas or inverse-dynamics)", s)
}

// Apply maps positions y [B, D, T+1] to the action: y itself, or the deltas
// [B, D, T].
func (o Omega) Apply(y *graph.Node) *graph.Node {
	if o == OmegaDeltas {
		return graph.ConsecutiveDifference(y, -1, false)
	}
	return y
}

// InverseDynamics converts a desired state into the generalised forces that
// realise it, e.g. MuJoCo's mj_inverse. Shapes: q, qd, qdd, torque [D].
type InverseDynamics interface {
	Torques(q, qd, qdd, torque []float64) error
}

// InverseDynamicsTorques applies id at the recorded steps t = 1..T of one
// rollout. y, dy, ddy are [D, T+1] row-major (as from the DMP layer for one
// batch row); the result is [T, D].
func InverseDynamicsTorques(id InverseDynamics, y, dy, ddy []float64, D, T int) ([]float64, error) {
	L := T + 1
	if len(y) != D*L || len(dy) != D*L || len(ddy) != D*L {
		return nil, fmt.Errorf("nn: inverse dynamics: want y, dy, ddy of %d·%d values, got %d, %d, %d", D, L, len(y), len(dy), len(ddy))
	}
	out := make([]float64, T*D)
	q, qd, qdd := make([]float64, D), make([]float64, D), make([]float64, D)
	for t := 1; t <= T; t++ {
		for d := range D {
			q[d], qd[d], qdd[d] = y[d*L+t], dy[d*L+t], ddy[d*L+t]
		}
		if err := id.Torques(q, qd, qdd, out[(t-1)*D:t*D]); err != nil {
			return nil, fmt.Errorf("nn: inverse dynamics at step %d: %w", t, err)
		}
	}
	return out, nil
}
