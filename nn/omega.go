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
	// The paper's third map, inverse dynamics (torques from a planned
	// trajectory), needs a torque-controlled task; it comes with those
	// (issue 14) rather than as an option that would act like identity.
)

// ParseOmega validates an output-map name ("" means identity).
func ParseOmega(s string) (Omega, error) {
	switch Omega(s) {
	case "", OmegaIdentity:
		return OmegaIdentity, nil
	case OmegaDeltas:
		return Omega(s), nil
	}
	return "", fmt.Errorf("nn: unknown omega %q (want identity or deltas)", s)
}

// Apply maps positions y [B, D, T+1] to the action: y itself, or the deltas
// [B, D, T].
func (o Omega) Apply(y *graph.Node) *graph.Node {
	if o == OmegaDeltas {
		return graph.ConsecutiveDifference(y, -1, false)
	}
	return y
}
