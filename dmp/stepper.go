package dmp

import (
	"errors"
	"fmt"
)

// ErrStepShape is returned by [Stepper.Step] when its output slices do not
// have one entry per DoF. It is a fixed value so that Step never allocates.
var ErrStepShape = errors.New("dmp: stepper output slices must have one entry per DoF")

// Stepper advances a multi-DoF DMP one recorded step (l Euler substeps) at a
// time, for a real-time control loop: after [NewStepper] and [Stepper.Reset]
// it never allocates. Its output equals [Integrate]'s, and after T steps it
// keeps integrating, converging to the goal as x → 0.
type Stepper struct {
	cfg  Config
	b    basis
	phi  []float64 // [N] scratch for φ(x)
	dof  int
	u    []float64 // (g − y0)·w, shape [D, N]
	g    []float64 // [D]
	y, z []float64 // state, [D] each
	x    float64   // phase
	tick int       // recorded steps taken since Reset
}

// NewStepper returns a stepper for dof degrees of freedom sharing cfg.
func NewStepper(cfg Config, dof int) (*Stepper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if dof < 1 {
		return nil, fmt.Errorf("dmp: stepper needs at least 1 DoF, got %d", dof)
	}
	cfg = cfg.WithDefaults()
	return &Stepper{
		cfg: cfg, b: newBasis(cfg), phi: make([]float64, cfg.N), dof: dof,
		u: make([]float64, dof*cfg.N), g: make([]float64, dof),
		y: make([]float64, dof), z: make([]float64, dof), x: 1,
	}, nil
}

// Reset starts a new rollout from y0, ẏ0 towards g with weights w.
// Shapes: w [D, N]; g, y0, dy0 [D].
func (s *Stepper) Reset(w, g, y0, dy0 []float64) error {
	p := Params{W: w, G: g, Y0: y0, DY0: dy0}
	if err := p.check(s.cfg.N); err != nil {
		return err
	}
	if p.Rows() != s.dof {
		return fmt.Errorf("dmp: stepper has %d DoF, params have %d rows", s.dof, p.Rows())
	}
	N := s.cfg.N
	for d := range s.dof {
		for i := range N {
			s.u[d*N+i] = (g[d] - y0[d]) * w[d*N+i]
		}
		s.g[d], s.y[d], s.z[d] = g[d], y0[d], s.cfg.Tau*dy0[d]
	}
	s.x, s.tick = 1, 0
	return nil
}

// Step integrates one recorded step and writes the new positions to y and
// velocities to v (each [D]; v may be nil).
func (s *Stepper) Step(y, v []float64) error {
	if len(y) != s.dof || (v != nil && len(v) != s.dof) {
		return ErrStepShape
	}
	N := s.cfg.N
	tau, az, bz, ax := s.cfg.Tau, s.cfg.AlphaZ, s.cfg.BetaZ, s.cfg.AX
	dt := s.cfg.Tau / float64(s.cfg.T*s.cfg.Substeps)
	for range s.cfg.Substeps {
		s.x += -ax * s.x * dt / tau
		s.b.phi(s.phi, s.x)
		for d := range s.dof {
			f := dot(s.phi, s.u[d*N:(d+1)*N])
			dz := az*(bz*(s.g[d]-s.y[d])-s.z[d]) + f
			s.y[d] += s.z[d] / tau * dt
			s.z[d] += dz / tau * dt
		}
	}
	s.tick++
	copy(y, s.y)
	if v != nil {
		for d, z := range s.z {
			v[d] = z / tau
		}
	}
	return nil
}

// Tick returns the number of recorded steps taken since the last Reset.
func (s *Stepper) Tick() int { return s.tick }

// Phase returns the canonical phase x (1 at the start, decaying to 0).
func (s *Stepper) Phase() float64 { return s.x }
