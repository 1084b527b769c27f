package envs

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/ndp-go/ndp/mujoco"
)

// Limits of WithControlHz.
const (
	// MaxControlHz is the highest physics/control rate WithControlHz accepts.
	MaxControlHz = 100_000
	// ControlHzTolerance is the largest relative difference WithControlHz
	// accepts between the requested rate and the achieved one (an integer
	// number of physics steps per env step).
	ControlHzTolerance = 0.1
)

// WithControlHz sets the physics timestep to about 1/hz while keeping the
// env-step duration (12.5 ms for Sawyer tasks, 20 ms for Jaco tasks), so
// that a dense controller can command one setpoint per physics step through
// [DenseEnv.StepSetpoints].
//
// An env step must hold an integer number n of physics steps, so n is
// round(hz·envStep) and the achieved rate n/envStep may differ slightly from
// hz (Sawyer: 500 Hz gives n = 6, 480 Hz; 1000 Hz gives n = 13, 1040 Hz;
// 5000 Hz gives n = 63, 5040 Hz; Jaco rates that divide 50 Hz are exact).
// [DenseEnv.ControlHz] reports the achieved rate. Rates that are not
// finite, not positive, above MaxControlHz, or whose achieved rate differs
// by more than ControlHzTolerance (relative) are rejected by Make.
// Changing the timestep changes the dynamics slightly (the integrator is
// Euler), as in the paper's section 3.5.
func WithControlHz(hz float64) Option {
	return func(c *config) error {
		if math.IsNaN(hz) || math.IsInf(hz, 0) || hz <= 0 || hz > MaxControlHz {
			return fmt.Errorf("envs: control rate %v Hz: need 0 < hz ≤ %d", hz, MaxControlHz)
		}
		c.controlHz = hz
		return nil
	}
}

// DenseEnv is an env that accepts one absolute position setpoint per physics
// step; every env made by Make implements it.
type DenseEnv interface {
	Env
	// PhysicsSteps is the number of physics steps per env step (setpoints
	// per StepSetpoints call).
	PhysicsSteps() int
	// ControlHz is the physics (= setpoint) rate in Hz.
	ControlHz() float64
	// PositionDim is the number of position DoF of a setpoint: 3 (Sawyer
	// hand xyz, m) or 9 (Jaco joint angles, rad).
	PositionDim() int
	// ExtraDim is the number of non-position commands (the Sawyer gripper
	// command in [-1,1]; none for Jaco).
	ExtraDim() int
	// SetpointLimits returns the per-DoF bounds [PositionDim] setpoints
	// are clipped to (Sawyer workspace, Jaco joint limits); fresh slices.
	SetpointLimits() (lo, hi []float64)
	// Commanded writes the current position targets [PositionDim] to dst:
	// what the controllers track (Sawyer mocap target, Jaco joint targets).
	Commanded(dst []float64)
	// StepSetpoints advances one env step of PhysicsSteps physics steps,
	// applying setpoints[i·D:(i+1)·D] (absolute position targets, clipped
	// to the workspace / joint limits; clipped components are counted in
	// Info.ClippedActions) before physics step i, and extra (held; clipped
	// to [-1,1]) throughout. It returns what Step returns. Wrong lengths and
	// NaN/Inf values are rejected with ErrBadAction and nothing is applied.
	StepSetpoints(setpoints, extra []float64) (obs []float64, reward float64, done bool, info Info, err error)
}

var timestepAttr = regexp.MustCompile(`timestep="[^"]*"`)

// loadScene compiles a task scene (cached), with the timestep that
// cfg.controlHz asks for, and resolves cfg.physicsSteps.
func loadScene(name, xml string, frameSkip int, cfg config) (*mujoco.Model, config, error) {
	if cfg.controlHz == 0 {
		m, err := cachedLoad(name, xml)
		return m, cfg, err
	}
	base, err := cachedLoad(name, xml)
	if err != nil {
		return nil, cfg, err
	}
	step := float64(frameSkip) * base.Timestep()
	n := max(1, int(math.Round(cfg.controlHz*step)))
	got := float64(n) / step
	if math.Abs(got-cfg.controlHz) > ControlHzTolerance*cfg.controlHz {
		return nil, cfg, fmt.Errorf("envs: %s: control rate %v Hz cannot be met with an integer number of physics steps per %.4g s env step (nearest %v Hz)",
			name, cfg.controlHz, step, got)
	}
	if n == frameSkip {
		cfg.physicsSteps = n
		return base, cfg, nil
	}
	ts := strconv.FormatFloat(step/float64(n), 'g', -1, 64)
	if !timestepAttr.MatchString(xml) {
		return nil, cfg, fmt.Errorf("envs: %s scene has no timestep option to change", name)
	}
	m, err := cachedLoad(name+"@"+ts, timestepAttr.ReplaceAllString(xml, `timestep="`+ts+`"`))
	if err != nil {
		return nil, cfg, err
	}
	cfg.physicsSteps = n
	return m, cfg, nil
}

// PhysicsSteps returns the number of physics steps per env step.
func (e *simEnv) PhysicsSteps() int { return e.skip }

// ControlHz returns the physics rate in Hz.
func (e *simEnv) ControlHz() float64 { return float64(e.skip) / e.stepTime }

// PositionDim returns the number of position DoF of a setpoint.
func (e *simEnv) PositionDim() int {
	if _, ok := e.t.(*jacoTask); ok {
		return 9
	}
	return 3
}

// ExtraDim returns the number of non-position commands.
func (e *simEnv) ExtraDim() int { return e.ActDim() - e.PositionDim() }

// Commanded writes the current position targets to dst.
func (e *simEnv) Commanded(dst []float64) {
	if t, ok := e.t.(*jacoTask); ok {
		copy(dst, t.targets(e.data))
		return
	}
	copy(dst, e.data.MocapPos()[0:3])
}

// SetpointLimits returns the bounds setpoints are clipped to.
func (e *simEnv) SetpointLimits() (lo, hi []float64) {
	if t, ok := e.t.(*jacoTask); ok {
		return append([]float64(nil), t.lo[:]...), append([]float64(nil), t.hi[:]...)
	}
	return append([]float64(nil), sawyerLow[:]...), append([]float64(nil), sawyerHigh[:]...)
}

// setTarget writes one clipped setpoint and returns how many components
// were clipped.
func (e *simEnv) setTarget(sp []float64) int {
	n := 0
	clip := func(v, lo, hi float64) float64 {
		if v < lo || v > hi {
			n++
		}
		return clamp(v, lo, hi)
	}
	if t, ok := e.t.(*jacoTask); ok {
		target := t.targets(e.data)
		for i := range 9 {
			target[i] = clip(sp[i], t.lo[i], t.hi[i])
		}
		t.holdJoints() // a setpoint per physics step needs no ramp
		return n
	}
	mp := e.data.MocapPos()
	for i := range 3 {
		mp[i] = clip(sp[i], sawyerLow[i], sawyerHigh[i])
	}
	if t, ok := e.t.(*sawyerTask); ok && t.torque {
		t.holdTarget(e.data) // a setpoint per physics step needs no ramp
	}
	return n
}

// vicesTask is a task with a VICES variant; vicesActions reports whether
// this instance takes VICES actions (a displacement and stiffness per
// decision), which no setpoint stream can stand for.
type vicesTask interface{ vicesActions() bool }

// StepSetpoints applies one setpoint per physics step; see DenseEnv.
func (e *simEnv) StepSetpoints(setpoints, extra []float64) ([]float64, float64, bool, Info, error) {
	if !e.started || e.done {
		return nil, 0, true, Info{}, ErrNeedsReset
	}
	if v, ok := e.t.(vicesTask); ok && v.vicesActions() {
		return nil, 0, false, Info{}, fmt.Errorf("%w: %s takes VICES actions, not dense setpoints", ErrBadAction, e.t.name())
	}
	D, X := e.PositionDim(), e.ExtraDim()
	if len(setpoints) != e.skip*D || len(extra) != X {
		return nil, 0, false, Info{}, fmt.Errorf("%w: %s wants %d×%d setpoints and %d extra commands, got %d and %d",
			ErrBadAction, e.t.name(), e.skip, D, X, len(setpoints), len(extra))
	}
	for i, v := range setpoints {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, false, Info{}, fmt.Errorf("%w: setpoint %d (step %d, DoF %d) is %v (not applied)", ErrBadAction, i, i/D, i%D, v)
		}
	}
	for i, v := range extra {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, false, Info{}, fmt.Errorf("%w: extra command %d is %v (not applied)", ErrBadAction, i, v)
		}
	}
	if _, ok := e.t.(*sawyerTask); ok && X > 0 {
		g := extra[0]
		if g > 1 || g < -1 {
			e.clipped++
			g = clamp(g, -1, 1)
		}
		open := fingerMax / 2 * (1 - g)
		ctrl := e.data.Ctrl()
		ctrl[0], ctrl[1] = open, open
	}
	e.steps++
	info := Info{Step: e.steps}
	err := stepControlled(e.t, e.data, e.skip, func(i int) { e.clipped += e.setTarget(setpoints[i*D : (i+1)*D]) })
	return e.finishStep(info, err)
}
