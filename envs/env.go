// Package envs provides the five MuJoCo robot tasks of the Neural Dynamic
// Policies paper (push, soccer, faucet, throw, pick) behind a Gym-like
// interface, a registry, scripted controllers and a vectorised env.
//
// Sawyer tasks (push, soccer, faucet): a 7-joint arm whose hand follows a
// mocap target. Action (4): end-effector displacement xyz in [-1,1], scaled by
// 1/100 m per step, plus a gripper command in [-1,1] (-1 open, +1 closed).
// 150 steps an episode, frame skip 5 at a 2.5 ms physics step. Observation
// (16), see SawyerLayout:
//
//	[0:3]   hand (tool centre point) position, m — the DMP y0 / position part
//	[3]     finger opening, m
//	[4:7]   object position (puck / ball centre, faucet handle end)
//	[7:10]  hand velocity, m/s
//	[10:13] object velocity, m/s
//	[13:16] goal position
//
// Jaco tasks (throw, pick): a 6-joint arm with a 3-finger hand in joint
// position control with gravity compensation. Action (9): joint-angle
// increments in [-1,1] scaled by 0.05 rad and added to the position targets,
// which are clipped to the joint limits. 55 steps an episode, frame skip 10
// at a 2 ms physics step (20 ms per step, 1.1 s per episode). Observation
// (30), see JacoLayout:
//
//	[0:9]   joint angles, rad: 6 arm joints then 3 finger joints — the DMP y0
//	[9:18]  joint velocities, rad/s
//	[18:21] cube position
//	[21:24] cube velocity
//	[24:27] fingertip centre position (mean of the three fingertips)
//	[27:30] goal: throw, bin centre on the floor; pick, a point above the
//	        cube's start
//
// Tasks and success (checked every step):
//
//	push    puck within 0.07 m of the goal (3-D)
//	soccer  ball within 0.07 m of the goal point inside the goal box
//	faucet  handle end within 0.05 m of its open position (handle turned
//	        +90° about z against its stop)
//	throw   cube at rest (speed < 0.5 m/s, centre below 0.06 m) within
//	        0.19 m (xy) of the bin centre; the bin is 0.95-1.1 m away
//	pick    cube centre above 0.08 m and within 0.15 m of the fingertips
//
// Randomisation per reset: push/soccer object and goal positions, faucet
// base position, throw bin position and arm start, pick cube position and
// arm start. Rewards are dense and shaped (see each task's reward method);
// WithRewardDelay gives the paper's delayed reward.
//
// The simulator behind an env is reachable through Sim (for mj_inverse via
// InverseDynamics, Jacobians and contacts), and Render/ImageObs/Recorder draw
// it with a pure-Go ray caster (no GPU or display needed).
// Dense control: WithControlHz sets the physics step to about 1/hz, keeping
// the env-step duration, and every env implements DenseEnv, whose
// StepSetpoints applies one absolute position setpoint per physics step.
// Episode success follows Meta-World: success at any step (Info.EpisodeSuccess);
// Info.Success is success at the current step, so the final step's value is
// the final-step success.
package envs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Info carries per-step diagnostics.
type Info struct {
	Success        bool    // task solved at this step
	EpisodeSuccess bool    // task solved at any step of the episode so far
	Distance       float64 // task distance: object to goal (throw: cube to bin centre, xy; pick: height shortfall)
	Step           int     // steps taken in this episode
	Truncated      bool    // episode ended by the time limit
	Unstable       bool    // simulation diverged (NaN/Inf); episode truncated
	ClippedActions int     // action components clipped to [-1,1] so far this episode
}

// Env is a Gym-like episodic environment. It is not safe for concurrent use.
type Env interface {
	// Name is the registry name of the task.
	Name() string
	// Reset starts an episode whose randomisation is fully determined by seed.
	Reset(seed int64) ([]float64, error)
	// Step applies one action. Actions of the wrong length or holding NaN/Inf
	// are rejected with an error and not applied; components outside [-1,1]
	// are clipped and counted in Info.ClippedActions. After done, call Reset.
	Step(action []float64) (obs []float64, reward float64, done bool, info Info, err error)
	ObsDim() int
	ActDim() int
	MaxSteps() int
	// Layout says which observation entries are robot positions/velocities.
	Layout() Layout
	// Close releases the simulator.
	Close()
}

// Snapshotter is an env whose episode in progress can be saved and resumed
// exactly (bit for bit), e.g. by a training checkpoint. Every env made by
// Make implements it.
type Snapshotter interface {
	// Snapshot returns the env's whole state as numbers.
	Snapshot() ([]float64, error)
	// RestoreSnapshot puts the env in the state of a Snapshot taken from an
	// env of the same task and options.
	RestoreSnapshot(s []float64) error
}

// Layout names the parts of an observation vector.
type Layout struct {
	// Position holds the indices of the robot position part that a DMP uses
	// as its start y0 (end-effector xyz for Sawyer, 9 joint angles for Jaco).
	Position []int
	// Velocity holds the indices of the matching velocities.
	Velocity []int
	// Fields maps a field name to its [start, end) range, for documentation
	// and debugging.
	Fields map[string][2]int
}

// Errors returned by Step and Make.
var (
	ErrBadAction   = errors.New("envs: bad action")
	ErrNeedsReset  = errors.New("envs: episode is over or not started; call Reset")
	ErrUnknownTask = errors.New("envs: unknown task")
)

// Option configures an env made by Make.
type Option func(*config) error

type config struct {
	rewardDelay  int
	maxSteps     int
	fixedReset   *int64
	controlHz    float64 // WithControlHz: requested physics rate (0: the task's own)
	physicsSteps int     // resolved physics steps per env step (0: the task's frame skip)
}

// WithFixedReset makes every episode start from the layout of seed
// (object, goal and robot placement), whatever seed Reset gets: an easy,
// deterministic variant of a task for quick learning checks.
func WithFixedReset(seed int64) Option {
	return func(c *config) error {
		c.fixedReset = &seed
		return nil
	}
}

// WithRewardDelay makes the reward be computed from a state snapshot that is
// refreshed only every k steps (the delayed-reward setting of the paper);
// k = 1 is the ordinary dense reward. Success and distance in Info always use
// the current state.
func WithRewardDelay(k int) Option {
	return func(c *config) error {
		if k < 1 {
			return fmt.Errorf("envs: reward delay %d must be >= 1", k)
		}
		c.rewardDelay = k
		return nil
	}
}

// WithMaxSteps overrides the episode length (for tests and experiments).
func WithMaxSteps(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("envs: max steps %d must be >= 1", n)
		}
		c.maxSteps = n
		return nil
	}
}

type constructor func(cfg config) (Env, error)

var registry = map[string]constructor{}

// Make builds a task by name; see Names for the available tasks.
func Make(name string, opts ...Option) (Env, error) {
	ctor, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (available: %s)", ErrUnknownTask, name, strings.Join(Names(), ", "))
	}
	cfg := config{rewardDelay: 1}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return ctor(cfg)
}

// Settings are the options Make was given, as a task added with Register
// sees them. Such a task should honour them or reject them with an error.
type Settings struct {
	RewardDelay int     // reward from a state refreshed every this many steps (1: every step)
	MaxSteps    int     // episode length override (0: the task's own)
	FixedReset  *int64  // if set, every reset gives the layout of this seed
	ControlHz   float64 // dense-control physics rate (0: the task's own)
}

// Register adds a task under name, so that Make, every learner (by
// ppo.Config.Task, for instance) and every command can use it. make builds
// one env from the options Make was given. For an NDP the env must also
// report ActionScale() []float64 (position change per unit action, per
// action dim) and Dt() float64 (seconds per step); for checkpoints it must
// be a Snapshotter.
func Register(name string, make func(Settings) (Env, error)) error {
	if name == "" || make == nil {
		return errors.New("envs: Register needs a name and a constructor")
	}
	if _, taken := registry[name]; taken {
		return fmt.Errorf("envs: a task named %q is already registered", name)
	}
	registry[name] = func(c config) (Env, error) {
		return make(Settings{RewardDelay: c.rewardDelay, MaxSteps: c.maxSteps, FixedReset: c.fixedReset, ControlHz: c.controlHz})
	}
	return nil
}

// Names lists the registered tasks in alphabetical order.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
