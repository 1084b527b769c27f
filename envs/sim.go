package envs

import (
	"errors"
	"fmt"

	"github.com/ndp-go/ndp/mujoco"
)

// simulated is implemented by every env made by Make.
type simulated interface {
	Data() *mujoco.Data
}

// Sim returns the MuJoCo state behind an env made by Make, for inverse
// dynamics, Jacobians or rendering. Mutating it mid-episode changes the
// episode; prefer InverseDynamics for controllers.
func Sim(e Env) (*mujoco.Data, error) {
	s, ok := e.(simulated)
	if !ok {
		return nil, errors.New("envs: env has no MuJoCo simulator")
	}
	return s.Data(), nil
}

// InverseDynamics returns the generalised forces (length NV) that produce the
// accelerations qacc in the env's current state (qpos, qvel), via mj_inverse
// on a scratch copy so the episode is not disturbed. An inverse-dynamics
// controller uses it as tau = ID(q, qd, qdd_des).
func InverseDynamics(e Env, qacc []float64) ([]float64, error) {
	d, err := Sim(e)
	if err != nil {
		return nil, err
	}
	m := d.Model()
	if len(qacc) != m.NV() {
		return nil, fmt.Errorf("envs: inverse dynamics: qacc has %d values, model has %d dofs", len(qacc), m.NV())
	}
	scratch, err := mujoco.NewData(m)
	if err != nil {
		return nil, err
	}
	defer scratch.Close()
	if err := scratch.CopyState(d); err != nil {
		return nil, err
	}
	copy(scratch.QAcc(), qacc)
	if err := scratch.Inverse(); err != nil {
		return nil, fmt.Errorf("envs: inverse dynamics: %w", err)
	}
	return append([]float64(nil), scratch.QfrcInverse()...), nil
}
