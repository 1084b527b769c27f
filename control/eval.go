package control

import (
	"fmt"
	"math"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/table"
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
// Episode seeds follow agent.ResetSeed(seed, agent.StreamShowcase, 0,
// episode), the same for every rate.
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
	phi, err := m.Policy()
	if err != nil {
		return RateResult{}, fmt.Errorf("control: pure-Go policy: %w", err)
	}
	rt, err := New(phi, cfg)
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
	lo, hi := de.SetpointLimits()
	cmd, prev, pos := make([]float64, D), make([]float64, D), make([]float64, D)
	// The rollout loop queries this per-step policy; it is the runtime:
	// a DMP decision when one is due, then one env step's worth of output.
	// At the training rate that is the DMP delta of the step (what
	// envs.Env.Step takes, as in training); faster, n setpoints and the
	// extra dims, which the env wrapper hands to StepSetpoints.
	act := make([]float64, e.ActDim())
	sp := make([]float64, n*D+X)
	step := func(obs [][]float64) ([]float64, error) {
		de.Commanded(cmd)
		if rt.Due() {
			if err := rt.Decide(obs[0], cmd); err != nil {
				return nil, err
			}
			segJ.reset()
		}
		if hz == 0 {
			copy(prev, rt.y)
			if rt.tick == 0 {
				copy(prev, rt.y0)
			}
			if err := rt.Tick(sp[:D]); err != nil {
				return nil, err
			}
			for d := range D {
				act[d] = rt.y[d] - prev[d]
			}
			for a := D; a < len(act); a++ {
				act[a] = rt.aux[a-D]
			}
			return act, nil
		}
		for i := range n {
			p := sp[i*D : (i+1)*D]
			if err := rt.Tick(p); err != nil {
				return nil, err
			}
			segJ.add(p)        // the DMP's own setpoint, before clipping
			for d := range p { // what the env commands: clipped to its limits
				p[d] = math.Max(lo[d], math.Min(hi[d], p[d]))
			}
			cmdJ.add(p)
		}
		copy(sp[n*D:], rt.aux)
		return sp, nil
	}
	o := agent.EvalOptions{
		Episodes: episodes, K: 1, A: len(act), Envs: []envs.Env{e},
		Seeds: func(ep int) int64 { return agent.ResetSeed(seed, agent.StreamShowcase, 0, ep) },
		Reset: func(int, int, int64, []float64) error {
			cmdJ.reset()
			posJ.reset()
			rt.decided = false // every episode starts with a query
			return nil
		},
		Step: func(_, _ int, _, _ []float64, r agent.StepResult) error {
			if hz == 0 {
				de.Commanded(cmd)
				for range n {
					cmdJ.add(cmd)
					segJ.add(cmd)
				}
			}
			for d, idx := range spec.Pos {
				pos[d] = r.Obs[idx]
			}
			posJ.add(pos)
			return nil
		},
	}
	if hz > 0 {
		o.A, o.Envs = len(sp), []envs.Env{setpointEnv{de, n * D}}
	}
	r, err := agent.Evaluate(o, step)
	if err != nil {
		return res, fmt.Errorf("control: %w", err)
	}
	res.Success, res.FinalSuccess = r.Success, r.FinalSuccess
	res.Unstable = int(math.Round(r.Unstable * float64(r.Episodes)))
	res.CmdJerk, res.PosJerk, res.SegJerk = cmdJ.mean(), posJ.mean(), segJ.mean()
	return res, nil
}

// setpointEnv steps a dense env with a flat action of n·D setpoints and
// then the extra (non-position) dims, through StepSetpoints.
type setpointEnv struct {
	envs.DenseEnv
	split int
}

func (e setpointEnv) Step(a []float64) ([]float64, float64, bool, envs.Info, error) {
	return e.StepSetpoints(a[:e.split], a[e.split:])
}

func dtOf(e envs.Env) float64 {
	if s, ok := e.(interface{ Dt() float64 }); ok {
		return s.Dt()
	}
	return math.NaN()
}

// EvaluateRates evaluates a trained NDP at the training rate, then at each
// of hzs (see Evaluate): the rows of RatesTable, the training rate first.
func EvaluateRates(task string, m *model.Model, spec agent.Spec, norm *rl.RunningMeanStd, hzs []float64, episodes int, seed int64) ([]RateResult, error) {
	var rows []RateResult
	for _, hz := range append([]float64{0}, hzs...) {
		r, err := Evaluate(task, m, spec, norm, hz, episodes, seed)
		if err != nil {
			if hz == 0 {
				return nil, fmt.Errorf("training rate: %w", err)
			}
			return nil, fmt.Errorf("control rate %v Hz: %w", hz, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// RatesTable renders rows (the training rate first) as Markdown: success
// and each jerk measure, also relative to the training rate, and a legend.
func RatesTable(rows []RateResult) string {
	if len(rows) == 0 {
		return ""
	}
	base := rows[0]
	var cells [][]string
	for _, r := range rows {
		name := fmt.Sprintf("%.0f Hz", r.Hz)
		if r.Training {
			name = "training"
		}
		cells = append(cells, []string{name, fmt.Sprintf("%.0f", r.Hz), fmt.Sprintf("%.3f", r.Success), fmt.Sprintf("%.3f", r.FinalSuccess),
			fmt.Sprintf("%.4g", r.CmdJerk), fmt.Sprintf("%.3g", r.CmdJerk/base.CmdJerk), fmt.Sprintf("%.4g", r.SegJerk), fmt.Sprintf("%.3g", r.SegJerk/base.SegJerk),
			fmt.Sprintf("%.4g", r.PosJerk), fmt.Sprintf("%.3g", r.PosJerk/base.PosJerk), fmt.Sprint(r.Unstable)})
	}
	return table.Markdown([]string{"rate", "setpoint Hz", "success", "final success", "cmd jerk (u²/s⁶)", "× training",
		"cmd jerk within a DMP", "× training", "measured jerk (u²/s⁶)", "× training", "unstable"}, cells) +
		"\ncmd jerk: commanded targets at the physics rate (clipped to the workspace/joint limits, as the env applies them); within a DMP: unclipped DMP setpoints over windows without a policy query, i.e. without re-planning and clipping kinks (training: the held targets); measured jerk: observed robot positions at the env-step rate (u: m for Sawyer, rad for Jaco).\n"
}
