package envs

// Dt returns the simulated seconds per env step (frame skip × physics step).
func (e *simEnv) Dt() float64 { return e.stepTime }

// ActionScale returns, per action dim, how far one unit of action moves the
// commanded position in one step: metres for the Sawyer hand (the gripper
// command is not a position and has scale 1), radians for the Jaco joints.
// A DMP planning in positions divides its deltas by this to get actions.
func (e *simEnv) ActionScale() []float64 {
	out := make([]float64, e.ActDim())
	for i := range out {
		out[i] = 1
	}
	switch e.t.(type) {
	case *jacoTask:
		for i := range out {
			out[i] = JacoActionScale
		}
	default:
		for i := range min(3, len(out)) {
			out[i] = SawyerActionScale
		}
	}
	return out
}
