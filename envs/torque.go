package envs

import "math"

// TorqueSuffix names the torque-driven variant of a task: "pick" + TorqueSuffix.
const TorqueSuffix = "-torque"

// VicesSuffix names a task's VICES variant (Martín-Martín et al. 2019): the
// torque-driven arm with an action space of variable impedance in end-effector
// space. Each action is a displacement of the hand's target (VicesStep per
// unit), a stiffness per axis (VicesStiffness) and the fingers' commands; the
// operational-space controller, critically damped (2√k), executes it at the
// physics rate, holding the hand's orientation.
const VicesSuffix = "-vices"

// variants are the kinds of every arm task: position-controlled,
// torque-driven, and VICES (torque-driven).
var variants = []struct{ torque, vices bool }{{false, false}, {true, false}, {true, true}}

// variantName is a task's registry name: base, with the suffix of its VICES
// or torque-driven variant.
func variantName(base string, torque, vices bool) string {
	switch {
	case vices:
		return base + VicesSuffix
	case torque:
		return base + TorqueSuffix
	}
	return base
}

// VICES action constants.
const (
	VicesStep   = 0.02 // metres of hand-target motion per unit action per env step
	VicesKMin   = 10   // stiffness range, 1/s², mapped log-uniformly from [-1, 1]
	VicesKMax   = 1000 //
	vicesTCPMin = 0.02 // lowest hand target, m above the floor or table
)

// VicesStiffness maps an action component a ∈ [-1, 1] to a stiffness in
// [VicesKMin, VicesKMax], log-uniformly (a = 0 gives 100/s²).
func VicesStiffness(a float64) float64 {
	return VicesKMin * math.Pow(VicesKMax/VicesKMin, (clamp(a, -1, 1)+1)/2)
}

// ramp moves a controller's target from where it was to a new one over the
// physics steps of one env step, with the matching velocity, so that an
// action is a motion rather than a jump. Its state is one slice (the start
// of the ramp, then the physics steps done) so that snapshots alias it.
type ramp struct {
	s    []float64
	skip int
}

func newRamp(n int) ramp { return ramp{s: make([]float64, n+1)} }

// start begins a ramp from the target from.
func (r *ramp) start(from []float64) { n := copy(r.s, from); r.s[n] = 0 }

// hold makes at the target at once (after a reset, or for a setpoint per
// physics step).
func (r *ramp) hold(at []float64) { n := copy(r.s, at); r.s[n] = float64(r.skip) }

// next writes the target and its velocity for the next physics step of
// length h, on the way to to, into target and vel.
func (r *ramp) next(to []float64, h float64, target, vel []float64) {
	n := len(r.s) - 1
	k := r.s[n] + 1
	frac := math.Min(1, k/float64(r.skip))
	for i := range n {
		target[i] = r.s[i] + frac*(to[i]-r.s[i])
		vel[i] = 0
		if k <= float64(r.skip) {
			vel[i] = (to[i] - r.s[i]) / (float64(r.skip) * h)
		}
	}
	r.s[n] = k
}
