// Package control runs a trained Neural Dynamic Policy as a dense, fast
// controller (the paper's sections 3.2 and 3.5): every K env steps Φ is
// queried once in pure Go for the DMP parameters (w, g), and a dmp.Stepper
// whose config is the training DMP resampled to the control rate emits one
// position setpoint per tick. After setup a tick, including the amortised
// policy query, does not allocate.
package control

import (
	"errors"
	"fmt"
	"math"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/model"
)

// Normalizer maps a raw observation to the network's input (e.g.
// *rl.RunningMeanStd); it must not allocate.
type Normalizer interface {
	Normalize(dst, x []float64)
}

// Config describes how a trained NDP policy maps to an env and the
// control rate.
type Config struct {
	// DMP is the training DMP config (T recorded steps of Substeps each
	// over τ, which spans K env steps).
	DMP dmp.Config
	// K is the number of env steps per policy query (= DMP.T).
	K int
	// TicksPerStep is the number of setpoints per env step (physics steps
	// per env step of the dense env), ≥ 1.
	TicksPerStep int
	// Substeps is the Euler substeps per tick of the resampled DMP; 0
	// picks the smallest count whose dt is no coarser than training's.
	Substeps int
	// ObsDim is the observation length.
	ObsDim int
	// Pos and Vel are the observation indices of the DMP's positions and
	// velocities; Scale the position units per DMP unit (the env's action
	// scale), per DoF; VelScale the seconds of env time per unit of DMP
	// time (K·dt), as in agent.Spec.
	Pos, Vel []int
	Scale    []float64
	VelScale float64
	// Norm, if not nil, normalises observations before Φ.
	Norm Normalizer
}

// Runtime is a dense NDP controller. It is not safe for concurrent use.
type Runtime struct {
	cfg     Config
	dense   dmp.Config
	pol     *model.Policy
	st      *dmp.Stepper
	D       int
	period  int // ticks per policy query: K·TicksPerStep
	tick    int // ticks since the last query
	decided bool

	obsN       []float64
	obs32, y32 []float32
	w, g, aux  []float64
	y0, dy0    []float64
	offset     []float64 // setpoint = y·scale + offset
	y          []float64
}

// ErrNotDecided is returned by Tick before the first Decide or when a new
// decision is due (a fixed value so that Tick never allocates).
var ErrNotDecided = errors.New("control: a policy query is due: call Decide")

// ErrShape is returned when a slice passed to Tick or Decide has the wrong
// length (a fixed value so that the hot path never allocates).
var ErrShape = errors.New("control: slice has the wrong length")

// New builds a runtime for policy pol (a pure-Go NDP actor, from
// model.(*Model).Policy) under cfg.
func New(pol *model.Policy, cfg Config) (*Runtime, error) {
	if pol == nil || pol.DoF() == 0 {
		return nil, errors.New("control: need an NDP policy (DMP head); this model has a raw head")
	}
	D := pol.DoF()
	switch {
	case cfg.K < 1:
		return nil, fmt.Errorf("control: K = %d, need ≥ 1", cfg.K)
	case cfg.TicksPerStep < 1:
		return nil, fmt.Errorf("control: %d ticks per env step, need ≥ 1", cfg.TicksPerStep)
	case cfg.Substeps < 0:
		return nil, fmt.Errorf("control: %d substeps, need ≥ 0", cfg.Substeps)
	case len(cfg.Pos) != D || len(cfg.Scale) != D || (len(cfg.Vel) != 0 && len(cfg.Vel) != D):
		return nil, fmt.Errorf("control: policy has %d DoF but %d positions, %d velocities, %d scales", D, len(cfg.Pos), len(cfg.Vel), len(cfg.Scale))
	case cfg.DMP.N != pol.BasisN():
		return nil, fmt.Errorf("control: DMP config has N = %d, policy %d", cfg.DMP.N, pol.BasisN())
	}
	base := cfg.DMP.WithDefaults()
	if base.T != cfg.K {
		return nil, fmt.Errorf("control: DMP has T = %d recorded steps but K = %d env steps per query; they must match", base.T, cfg.K)
	}
	if a := pol.AlphaZ(); a > 0 { // learned α_z, critically damped as in training
		base.AlphaZ, base.BetaZ = a, a/4
	}
	period := cfg.K * cfg.TicksPerStep
	l := cfg.Substeps
	if l == 0 {
		l = max(1, (base.T*base.Substeps+period-1)/period)
	}
	dense := base.Resample(period, l)
	st, err := dmp.NewStepper(dense, D)
	if err != nil {
		return nil, fmt.Errorf("control: resampled DMP: %w", err)
	}
	for _, i := range append(append([]int(nil), cfg.Pos...), cfg.Vel...) {
		if i < 0 || i >= cfg.ObsDim {
			return nil, fmt.Errorf("control: observation index %d outside [0, %d)", i, cfg.ObsDim)
		}
	}
	return &Runtime{
		cfg: cfg, dense: dense, pol: pol, st: st, D: D, period: period,
		obsN: make([]float64, cfg.ObsDim), obs32: make([]float32, cfg.ObsDim), y32: make([]float32, D),
		w: make([]float64, D*cfg.DMP.N), g: make([]float64, D), aux: make([]float64, max(0, auxLen(pol))),
		y0: make([]float64, D), dy0: make([]float64, D), offset: make([]float64, D), y: make([]float64, D),
	}, nil
}

func auxLen(p *model.Policy) int { return len(p.Aux()) }

// DenseDMP returns the resampled DMP config the stepper integrates.
func (r *Runtime) DenseDMP() dmp.Config { return r.dense }

// Period returns the ticks per policy query (K·TicksPerStep).
func (r *Runtime) Period() int { return r.period }

// Due reports whether the next tick needs a Decide first.
func (r *Runtime) Due() bool { return !r.decided || r.tick >= r.period }

// Aux returns Φ's extra outputs of the last query (e.g. the Sawyer gripper
// command, held over the K steps); shared, valid until the next Decide.
func (r *Runtime) Aux() []float64 { return r.aux }

// Params returns the DMP weights w [D·N] and goals g [D] (DMP units) of the
// last query; shared.
func (r *Runtime) Params() (w, g []float64) { return r.w, r.g }

// Decide queries the policy on a raw observation obs [ObsDim] and restarts
// the DMP from the observed position and velocity. commanded [D] are the
// position targets the robot tracks now (nil: the observed positions); the
// setpoints keep their offset to the observed positions, so that a setpoint
// equals commanded + (y − y0)·scale, as the actions of training move it.
func (r *Runtime) Decide(obs, commanded []float64) error {
	if len(obs) != r.cfg.ObsDim || (commanded != nil && len(commanded) != r.D) {
		return ErrShape
	}
	src := obs
	if r.cfg.Norm != nil {
		r.cfg.Norm.Normalize(r.obsN, obs)
		src = r.obsN
	}
	for i, v := range src {
		r.obs32[i] = float32(v)
	}
	for d, idx := range r.cfg.Pos {
		s := r.cfg.Scale[d]
		r.y0[d] = float64(float32(obs[idx] / s)) // the network sees float32
		r.y32[d] = float32(r.y0[d])
		r.dy0[d] = 0
		if len(r.cfg.Vel) > 0 {
			r.dy0[d] = float64(float32(obs[r.cfg.Vel[d]] / s * r.cfg.VelScale))
		}
		r.offset[d] = 0
		if commanded != nil {
			r.offset[d] = commanded[d] - obs[idx]
		}
	}
	if err := r.pol.DMPParams(r.obs32, r.y32, r.w, r.g, r.aux); err != nil {
		return err
	}
	for d := range r.D {
		if math.IsNaN(r.g[d]) || math.IsInf(r.g[d], 0) {
			return errNonFinite
		}
	}
	if err := r.st.Reset(r.w, r.g, r.y0, r.dy0); err != nil {
		return err
	}
	r.tick, r.decided = 0, true
	return nil
}

var errNonFinite = errors.New("control: policy produced a non-finite goal")

// Tick advances the DMP one control period and writes the setpoint [D] in
// position units: y·scale + offset (see Decide). It does not allocate.
func (r *Runtime) Tick(setpoint []float64) error {
	if len(setpoint) != r.D {
		return ErrShape
	}
	if r.Due() {
		return ErrNotDecided
	}
	if err := r.st.Step(r.y, nil); err != nil {
		return err
	}
	for d, y := range r.y {
		setpoint[d] = y*r.cfg.Scale[d] + r.offset[d]
	}
	r.tick++
	return nil
}

// Control is one full control period for a loop that observes every tick:
// it queries the policy when due (on obs and commanded, as Decide) and
// then ticks. It does not allocate.
func (r *Runtime) Control(obs, commanded, setpoint []float64) error {
	if r.Due() {
		if err := r.Decide(obs, commanded); err != nil {
			return err
		}
	}
	return r.Tick(setpoint)
}
