package envs

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/ndp-go/ndp/envs/render"
	"github.com/ndp-go/ndp/mujoco"
)

// task holds what differs between tasks; simEnv does the bookkeeping.
type task interface {
	name() string
	obsDim() int
	actDim() int
	maxSteps() int
	frameSkip() int
	layout() Layout
	// reset randomises the initial state in d (already mujoco-reset).
	reset(d *mujoco.Data, rng *rand.Rand) error
	// apply writes an action already clipped to [-1,1] into controls/mocap.
	apply(d *mujoco.Data, a []float64)
	// observe fills obs; dt is the env step duration for finite differences,
	// zero right after reset.
	observe(d *mujoco.Data, obs []float64, dt float64)
	// reward is the dense shaped reward computed from an observation.
	reward(obs []float64) float64
	// camera is the default viewpoint for rendering.
	camera() render.Camera
	// success evaluates the current state.
	success(d *mujoco.Data, obs []float64) (ok bool, dist float64)
	// episodeState returns the task's per-episode variables outside the
	// simulator (goal, previous positions), aliased, for snapshots.
	episodeState() [][]float64
}

// simEnv implements Env for any task on one mujoco.Data.
type simEnv struct {
	t        task
	cfg      config
	data     *mujoco.Data
	obs      []float64
	snap     []float64 // observation the (possibly delayed) reward uses
	act      []float64
	steps    int
	clipped  int
	everOK   bool
	done     bool
	started  bool
	closed   bool
	stepTime float64
	skip     int // physics steps per env step (frame skip, or set by WithControlHz)
}

func newSimEnv(t task, m *mujoco.Model, cfg config) (*simEnv, error) {
	d, err := mujoco.NewData(m)
	if err != nil {
		return nil, fmt.Errorf("envs: %s: %w", t.name(), err)
	}
	e := &simEnv{
		t: t, cfg: cfg, data: d,
		obs:      make([]float64, t.obsDim()),
		snap:     make([]float64, t.obsDim()),
		act:      make([]float64, t.actDim()),
		stepTime: float64(t.frameSkip()) * m.Timestep(),
		skip:     t.frameSkip(),
	}
	if cfg.physicsSteps > 0 { // WithControlHz: the model's timestep is already stepTime/skip
		e.skip = cfg.physicsSteps
		e.stepTime = float64(e.skip) * m.Timestep()
	}
	return e, nil
}

func (e *simEnv) Name() string   { return e.t.name() }
func (e *simEnv) ObsDim() int    { return e.t.obsDim() }
func (e *simEnv) ActDim() int    { return e.t.actDim() }
func (e *simEnv) Layout() Layout { return e.t.layout() }

// Close releases the simulator (and a controller's scratch state).
func (e *simEnv) Close() {
	if c, ok := e.t.(interface{ close() }); ok {
		c.close()
	}
	e.data.Close()
	e.closed = true
}

func (e *simEnv) MaxSteps() int {
	if e.cfg.maxSteps > 0 {
		return e.cfg.maxSteps
	}
	return e.t.maxSteps()
}

// Data exposes the simulator state, e.g. for inverse dynamics (Data.Inverse)
// or rendering. Treat it as read-only while an episode runs.
func (e *simEnv) Data() *mujoco.Data { return e.data }

func (e *simEnv) Reset(seed int64) ([]float64, error) {
	if err := e.data.Reset(); err != nil {
		return nil, fmt.Errorf("envs: %s reset: %w", e.t.name(), err)
	}
	if e.cfg.fixedReset != nil {
		seed = *e.cfg.fixedReset
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6470))
	if err := e.t.reset(e.data, rng); err != nil {
		return nil, fmt.Errorf("envs: %s reset: %w", e.t.name(), err)
	}
	if err := e.data.Forward(); err != nil {
		return nil, fmt.Errorf("envs: %s reset: %w", e.t.name(), err)
	}
	e.t.observe(e.data, e.obs, 0)
	copy(e.snap, e.obs)
	e.steps, e.clipped, e.everOK, e.done, e.started = 0, 0, false, false, true
	return append([]float64(nil), e.obs...), nil
}

func (e *simEnv) Step(action []float64) ([]float64, float64, bool, Info, error) {
	if e.closed {
		return nil, 0, true, Info{}, fmt.Errorf("envs: %s: %w", e.t.name(), mujoco.ErrClosed)
	}
	if !e.started || e.done {
		return nil, 0, true, Info{}, ErrNeedsReset
	}
	if len(action) != len(e.act) {
		return nil, 0, false, Info{}, fmt.Errorf("%w: %s wants %d values, got %d", ErrBadAction, e.t.name(), len(e.act), len(action))
	}
	for i, a := range action { // validate all before applying (or counting clips of) any
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return nil, 0, false, Info{}, fmt.Errorf("%w: component %d is %v (not applied)", ErrBadAction, i, a)
		}
	}
	for i, a := range action {
		switch {
		case a > 1:
			a = 1
			e.clipped++
		case a < -1:
			a = -1
			e.clipped++
		}
		e.act[i] = a
	}
	e.t.apply(e.data, e.act)
	e.steps++
	return e.finishStep(Info{Step: e.steps}, stepControlled(e.t, e.data, e.skip, nil))
}

// controlled is a task whose motors a controller may drive at the physics
// rate (the torque-driven arms): when controls() is true, control sets Ctrl
// from the current state before every physics step.
type controlled interface {
	controls() bool
	control(d *mujoco.Data) error
}

// stepControlled advances n physics steps. before(i), if set, runs before
// step i (dense setpoints); a controlled task's control runs inside every
// step, on the state of its first half (Data.Step1), so that it reads
// current kinematics and bias forces.
func stepControlled(t task, d *mujoco.Data, n int, before func(i int)) error {
	c, ok := t.(controlled)
	ok = ok && c.controls() // others step exactly as before: Step(1) per step
	if !ok && before == nil {
		return d.Step(n)
	}
	for i := range n {
		if before != nil {
			before(i)
		}
		if !ok {
			if err := d.Step(1); err != nil {
				return err
			}
			continue
		}
		if err := d.Step1(); err != nil {
			return err
		}
		if err := c.control(d); err != nil {
			return err
		}
		if err := d.Step2(); err != nil {
			return err
		}
	}
	return nil
}

// finishStep observes, rewards and bookkeeps after the physics of one env
// step, which returned err.
func (e *simEnv) finishStep(info Info, err error) ([]float64, float64, bool, Info, error) {
	var ue *mujoco.UnstableError
	if errors.As(err, &ue) {
		// MuJoCo has reset the state: report and truncate, never continue.
		e.done = true
		info.Unstable, info.Truncated = true, true
		info.ClippedActions = e.clipped
		info.EpisodeSuccess = e.everOK
		e.t.observe(e.data, e.obs, 0)
		return append([]float64(nil), e.obs...), 0, true, info, nil
	}
	if err != nil {
		e.done = true
		return nil, 0, true, info, fmt.Errorf("envs: %s step: %w", e.t.name(), err)
	}
	e.t.observe(e.data, e.obs, e.stepTime)
	if e.steps%e.cfg.rewardDelay == 0 {
		copy(e.snap, e.obs)
	}
	r := e.t.reward(e.snap)
	ok, dist := e.t.success(e.data, e.obs)
	e.everOK = e.everOK || ok
	info.Success, info.Distance, info.EpisodeSuccess = ok, dist, e.everOK
	info.ClippedActions = e.clipped
	if e.steps >= e.MaxSteps() {
		e.done = true
		info.Truncated = true
	}
	return append([]float64(nil), e.obs...), r, e.done, info, nil
}

// modelCache compiles each scene once per process; models are read-only and
// shared by all envs of that task.
var modelCache sync.Map // name -> *cachedModel

type cachedModel struct {
	once sync.Once
	m    *mujoco.Model
	err  error
}

func cachedLoad(name, xml string) (*mujoco.Model, error) {
	v, _ := modelCache.LoadOrStore(name, &cachedModel{})
	c := v.(*cachedModel)
	c.once.Do(func() {
		c.m, c.err = mujoco.LoadXML(xml)
		if c.err != nil {
			c.err = fmt.Errorf("envs: compile %s scene: %w", name, c.err)
		}
	})
	return c.m, c.err
}

func norm3(a, b []float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

func norm2(a, b []float64) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return math.Sqrt(dx*dx + dy*dy)
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

func mustID(m *mujoco.Model, t mujoco.ObjType, name string) (int, error) {
	id, err := m.ID(t, name)
	if err != nil {
		return -1, fmt.Errorf("envs: scene: %w", err)
	}
	return id, nil
}

// Snapshot implements [Snapshotter]: the simulator state (mujoco.Data.State),
// the task's episode variables and the env's bookkeeping, as one vector.
func (e *simEnv) Snapshot() ([]float64, error) {
	st, err := e.data.State()
	if err != nil {
		return nil, fmt.Errorf("envs: %s snapshot: %w", e.t.name(), err)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	out := []float64{float64(e.steps), float64(e.clipped), b(e.everOK), b(e.done), b(e.started)}
	for _, part := range e.snapshotParts() {
		out = append(out, part...)
	}
	return append(out, st...), nil
}

func (e *simEnv) snapshotParts() [][]float64 {
	return append([][]float64{e.obs, e.snap, e.act}, e.t.episodeState()...)
}

// RestoreSnapshot implements [Snapshotter]: the env continues exactly as
// the one whose Snapshot s is (same task and options).
func (e *simEnv) RestoreSnapshot(s []float64) error {
	parts := e.snapshotParts()
	n := 5
	for _, p := range parts {
		n += len(p)
	}
	if len(s) < n {
		return fmt.Errorf("envs: %s snapshot has %d values, want more than %d", e.t.name(), len(s), n)
	}
	if s[0] < 0 || s[0] > 1e9 || s[1] < 0 || s[1] > 1e12 {
		return fmt.Errorf("envs: %s snapshot has bad counters %v, %v", e.t.name(), s[0], s[1])
	}
	if err := e.data.SetState(s[n:]); err != nil {
		return fmt.Errorf("envs: %s snapshot: %w", e.t.name(), err)
	}
	e.steps, e.clipped = int(s[0]), int(s[1])
	e.everOK, e.done, e.started = s[2] != 0, s[3] != 0, s[4] != 0
	off := 5
	for _, p := range parts {
		off += copy(p, s[off:])
	}
	return nil
}
