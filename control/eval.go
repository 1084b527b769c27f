package control

import (
	"fmt"
	"math"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/rl"
)

// ConfigFor builds the runtime config of a trained NDP model m with
// mapping spec (agent.Spec of the run) and observation normaliser norm
// (nil when the run does not normalise), emitting ticksPerStep setpoints
// per env step.
func ConfigFor(m *model.Model, spec agent.Spec, norm *rl.RunningMeanStd, ticksPerStep int) (Config, error) {
	if !spec.NDP || m.Cfg.Head != model.HeadNDP {
		return Config{}, fmt.Errorf("control: run is not an NDP policy (head %q); dense control needs a DMP head", m.Cfg.Head)
	}
	dc, err := m.Cfg.DMPConfig()
	if err != nil {
		return Config{}, fmt.Errorf("control: %w", err)
	}
	c := Config{
		DMP: dc, K: spec.K, TicksPerStep: ticksPerStep, ObsDim: spec.ObsDim,
		Pos: spec.Pos, Vel: spec.Vel, Scale: spec.Scale, VelScale: spec.VelScale,
	}
	if norm != nil {
		c.Norm = norm
	}
	return c, nil
}

// RateResult is the evaluation of a policy at one control rate.
type RateResult struct {
	// Hz is the achieved setpoint (physics) rate; for the training rate,
	// the env-step rate at which actions change.
	Hz float64
	// Training is true for the training-rate baseline: actions (DMP deltas)
	// through envs.Env.Step, targets held over each env step.
	Training bool
	// Episodes evaluated, and the fraction solved at any step / at the
	// final step.
	Episodes              int
	Success, FinalSuccess float64
	// CmdJerk is the mean squared jerk, (units/s³)², of the commanded
	// position targets sampled at the physics rate (sum over DoF, mean over
	// time); PosJerk the same for the measured positions sampled at the env
	// step rate (so comparable across control rates).
	CmdJerk, PosJerk float64
	// SegJerk is the mean squared jerk over windows inside one DMP rollout
	// (no policy query between the four samples) of the setpoints before
	// clipping to the workspace/joint limits: the smoothness of the DMP
	// itself, without re-planning and clipping kinks. At the training rate
	// it is taken on the held targets, as CmdJerk.
	SegJerk float64
	// Unstable counts episodes the simulator truncated as unstable.
	Unstable int
}

// jerk accumulates the mean squared third finite difference of a
// trajectory sampled every dt.
type jerk struct {
	D, n  int
	dt    float64
	hist  [4][]float64 // last 4 samples, oldest first
	sum   float64
	count int
}

func newJerk(D int, dt float64) *jerk {
	j := &jerk{D: D, dt: dt}
	for i := range j.hist {
		j.hist[i] = make([]float64, D)
	}
	return j
}

func (j *jerk) reset() { j.n = 0 }

func (j *jerk) add(p []float64) {
	j.hist[0], j.hist[1], j.hist[2], j.hist[3] = j.hist[1], j.hist[2], j.hist[3], j.hist[0]
	copy(j.hist[3], p)
	j.n++
	if j.n < 4 {
		return
	}
	s := 0.0
	for d := range j.D {
		v := (j.hist[3][d] - 3*j.hist[2][d] + 3*j.hist[1][d] - j.hist[0][d]) / (j.dt * j.dt * j.dt)
		s += v * v
	}
	j.sum += s
	j.count++
}

func (j *jerk) mean() float64 {
	if j.count == 0 {
		return math.NaN()
	}
	return j.sum / float64(j.count)
}

// Evaluate runs episodes deterministic episodes of the trained NDP model m
// (mapping spec, normaliser norm) on task. hz = 0 evaluates at the training
// rate (targets moved once per env step by envs.Env.Step, as in training);
// hz > 0 makes the env with envs.WithControlHz(hz) and drives it with one
// DMP setpoint per physics step through envs.DenseEnv.StepSetpoints.
// Episode seeds follow agent.ResetSeed(seed, 9, 0, episode), the same for
// every rate.
func Evaluate(task string, m *model.Model, spec agent.Spec, norm *rl.RunningMeanStd, hz float64, episodes int, seed int64) (RateResult, error) {
	if episodes < 1 {
		return RateResult{}, fmt.Errorf("control: %d episodes, need ≥ 1", episodes)
	}
	if hz < 0 || math.IsNaN(hz) {
		return RateResult{}, fmt.Errorf("control: control rate %v Hz, need > 0 (or 0 for the training rate)", hz)
	}
	var opts []envs.Option
	if hz > 0 {
		opts = append(opts, envs.WithControlHz(hz))
	}
	e, err := envs.Make(task, opts...)
	if err != nil {
		return RateResult{}, fmt.Errorf("control: %w", err)
	}
	defer e.Close()
	de, ok := e.(envs.DenseEnv)
	if !ok {
		return RateResult{}, fmt.Errorf("control: task %s does not support dense control", task)
	}
	ticks := de.PhysicsSteps()
	if hz == 0 {
		ticks = 1 // one DMP sample per env step: the training integration
	}
	cfg, err := ConfigFor(m, spec, norm, ticks)
	if err != nil {
		return RateResult{}, err
	}
	pol, err := m.Policy()
	if err != nil {
		return RateResult{}, fmt.Errorf("control: pure-Go policy: %w", err)
	}
	rt, err := New(pol, cfg)
	if err != nil {
		return RateResult{}, err
	}
	D, n, X := rt.D, de.PhysicsSteps(), de.ExtraDim()
	res := RateResult{Hz: de.ControlHz(), Training: hz == 0, Episodes: episodes}
	if hz == 0 {
		res.Hz = 1 / dtOf(e)
	}
	cmdJ, posJ := newJerk(D, dtOf(e)/float64(n)), newJerk(D, dtOf(e))
	segJ := newJerk(D, dtOf(e)/float64(n))
	sp := make([]float64, n*D)
	extra := make([]float64, X)
	act := make([]float64, e.ActDim())
	lo, hi := de.SetpointLimits()
	cmd, prev, pos := make([]float64, D), make([]float64, D), make([]float64, D)
	for ep := range episodes {
		obs, err := e.Reset(agent.ResetSeed(seed, 9, 0, ep))
		if err != nil {
			return res, fmt.Errorf("control: episode %d: %w", ep, err)
		}
		cmdJ.reset()
		posJ.reset()
		rt.decided = false // every episode starts with a query
		var info envs.Info
		for done := false; !done; {
			de.Commanded(cmd)
			if rt.Due() {
				if err := rt.Decide(obs, cmd); err != nil {
					return res, fmt.Errorf("control: episode %d step %d: %w", ep, info.Step, err)
				}
				segJ.reset()
			}
			if hz == 0 {
				// Training semantics: action = DMP delta of this env step.
				copy(prev, rt.y)
				if rt.tick == 0 {
					copy(prev, rt.y0)
				}
				if err := rt.Tick(sp[:D]); err != nil {
					return res, err
				}
				for d := range D {
					act[d] = rt.y[d] - prev[d]
				}
				for a := D; a < len(act); a++ {
					act[a] = rt.aux[a-D]
				}
				obs, _, done, info, err = e.Step(act)
				de.Commanded(cmd)
				for range n {
					cmdJ.add(cmd)
					segJ.add(cmd)
				}
			} else {
				for i := range n {
					p := sp[i*D : (i+1)*D]
					if err := rt.Tick(p); err != nil {
						return res, err
					}
					segJ.add(p)        // the DMP's own setpoint, before clipping
					for d := range p { // what the env commands: clipped to its limits
						p[d] = math.Max(lo[d], math.Min(hi[d], p[d]))
					}
					cmdJ.add(p)
				}
				copy(extra, rt.aux)
				obs, _, done, info, err = de.StepSetpoints(sp, extra)
			}
			if err != nil {
				return res, fmt.Errorf("control: episode %d step %d: %w", ep, info.Step, err)
			}
			for d, idx := range spec.Pos {
				pos[d] = obs[idx]
			}
			posJ.add(pos)
		}
		if info.EpisodeSuccess {
			res.Success++
		}
		if info.Success {
			res.FinalSuccess++
		}
		if info.Unstable {
			res.Unstable++
		}
	}
	res.Success /= float64(episodes)
	res.FinalSuccess /= float64(episodes)
	res.CmdJerk, res.PosJerk, res.SegJerk = cmdJ.mean(), posJ.mean(), segJ.mean()
	return res, nil
}

func dtOf(e envs.Env) float64 {
	if s, ok := e.(interface{ Dt() float64 }); ok {
		return s.Dt()
	}
	return math.NaN()
}
