package ppo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/memlimit"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/rl"
	"github.com/ndp-go/ndp/runlog"
)

// Learner trains one policy on one task. Create it with [New]; call
// [Learner.Update] repeatedly (or [Train]).
type Learner struct {
	Cfg   Config       // defaults applied
	Model *model.Model // actor, critic and log σ
	// Embedding is Dyn-E's action embedding, pretrained by New (nil for
	// the other learners).
	Embedding *dyne.Embedding
	trainer   *model.Trainer
	norm      *rl.RunningMeanStd // observation normaliser (nil when disabled)
	retNorm   *rl.RunningMeanStd // std of the discounted return, for reward scaling (nil when disabled)
	disc      []float64          // per env: running discounted return γ·R + r

	Spec     agent.Spec // how the policy's outputs map to the env's actions
	envs     []envs.Env
	stepper  *agent.Stepper // steps envs on persistent workers
	obs      [][]float64    // current raw observation per env
	epRet    []float64      // running return per env
	epLen    []int
	episodes []int // episodes started per env, for reset seeds

	rng      *rand.Rand
	pcg      *rand.PCG
	Step     int64 // env steps taken
	Updates  int   // updates done
	finished []episodeStat
}

type episodeStat struct {
	ret             float64
	success, finalS bool
	length          int
}

// New builds the envs and the model of cfg on backend b.
func New(cfg Config, b compute.Backend) (*Learner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	l := &Learner{Cfg: cfg}
	l.pcg = rand.NewPCG(uint64(cfg.Seed), 0x5eed)
	l.rng = rand.New(l.pcg)
	for range cfg.NumEnvs {
		e, err := makeEnv(cfg, cfg.RewardDelay)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.envs = append(l.envs, e)
	}
	l.stepper = agent.NewStepper(l.envs)
	spec, err := agent.NewSpec(l.envs[0], cfg.Algo == AlgoNDP, cfg.K)
	if err != nil {
		l.Close()
		return nil, err
	}
	spec.Execute = cfg.Execute
	l.Spec = spec
	if cfg.Algo == AlgoDyne {
		if l.Embedding, err = pretrainDyne(cfg, b); err != nil {
			l.Close()
			return nil, err
		}
	}
	mc := modelConfig(cfg, spec.ObsDim, spec.ActDim, spec.DoF(), l.Embedding)
	if err := checkMemory(cfg, spec, mc); err != nil {
		l.Close()
		return nil, err
	}
	if !cfg.NoAnnealLR {
		mc.Optim.DecaySteps = 0 // annealed per update via SetLRScale
	}
	m, err := model.New(mc, b)
	if err != nil {
		l.Close()
		return nil, err
	}
	if l.Embedding != nil {
		if err := m.CopyNet(l.Embedding.Model, dyne.DecoderNet); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.Model = m
	l.trainer = m.NewTrainer(lossFn(cfg, spec))
	if !cfg.NoNormObs {
		l.norm = rl.NewRunningMeanStd(spec.ObsDim)
	}
	if !cfg.NoNormRew {
		l.retNorm = rl.NewRunningMeanStd(1)
		l.retNorm.Clip = 0
	}
	l.disc = make([]float64, cfg.NumEnvs)

	l.obs = make([][]float64, cfg.NumEnvs)
	l.epRet, l.epLen, l.episodes = make([]float64, cfg.NumEnvs), make([]int, cfg.NumEnvs), make([]int, cfg.NumEnvs)
	for i := range l.envs {
		if err := l.reset(i); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// pretrainDyne collects Dyn-E's exploration data on one env of the task
// and trains its embedding; the steps are not counted in cfg.TotalSteps.
func pretrainDyne(cfg Config, b compute.Backend) (*dyne.Embedding, error) {
	env, err := makeEnv(cfg, 1)
	if err != nil {
		return nil, err
	}
	defer env.Close()
	dc := cfg.dyneConfig().WithDefaults()
	data, err := dyne.Collect(env, dc.Samples, dc.K, dc.Seed)
	if err != nil {
		return nil, fmt.Errorf("ppo: %w", err)
	}
	e, err := dyne.Train(b, data, dc)
	if err != nil {
		return nil, fmt.Errorf("ppo: %w", err)
	}
	return e, nil
}

func makeEnv(cfg Config, delay int) (envs.Env, error) {
	opts := []envs.Option{envs.WithRewardDelay(delay)}
	if cfg.MaxSteps > 0 {
		opts = append(opts, envs.WithMaxSteps(cfg.MaxSteps))
	}
	if cfg.FixedReset != nil {
		opts = append(opts, envs.WithFixedReset(*cfg.FixedReset))
	}
	e, err := envs.Make(cfg.EnvTask(), opts...)
	if err != nil {
		return nil, fmt.Errorf("ppo: %w", err)
	}
	return e, nil
}

func (l *Learner) reset(i int) error {
	obs, err := l.envs[i].Reset(agent.ResetSeed(l.Cfg.Seed, agent.StreamTrain, i, l.episodes[i]))
	if err != nil {
		return fmt.Errorf("ppo: resetting env %d: %w", i, err)
	}
	l.episodes[i]++
	l.obs[i], l.epRet[i], l.epLen[i] = obs, 0, 0
	if l.disc != nil {
		l.disc[i] = 0
	}
	return nil
}

// Close releases the envs.
func (l *Learner) Close() {
	if l.stepper != nil {
		l.stepper.Close()
		l.stepper = nil
	}
	for _, e := range l.envs {
		e.Close()
	}
	l.envs = nil
}

// policyOut is one batched policy query.
type policyOut struct {
	mean  []float64 // [E, K, A]
	value []float64 // [E, K]
	head  []float32 // Φ's output, [E, P] (queryBatch only)
}

// query runs the policy on a batch of raw observations.
func (l *Learner) query(obs [][]float64) (policyOut, error) {
	return l.queryBatch(l.Spec.Batch(obs, l.norm), len(obs))
}

// queryBatch runs the policy on a batch of n prepared inputs.
func (l *Learner) queryBatch(in model.Batch, n int) (policyOut, error) {
	res, err := l.Model.Forward(in)
	if err != nil {
		return policyOut{}, err
	}
	var out policyOut
	if out.mean, err = l.Spec.Means(res, n); err != nil {
		return out, err
	}
	if in.HeadNoise != nil {
		if out.head, err = tensors.CopyFlatData[float32](res.Head); err != nil {
			return out, err
		}
	}
	out.value, err = agent.Values(res)
	return out, err
}

// logStd returns the current log σ of the action noise, [A].
func (l *Learner) logStd() ([]float64, error) { return l.extraLog(logStdName) }

// extraParam returns exp of a log-σ tensor of the model (σ itself).
func (l *Learner) extraParam(name string) ([]float64, error) {
	v, err := l.extraLog(name)
	for i := range v {
		v[i] = math.Exp(v[i])
	}
	return v, err
}

// extraLog returns the current values of an extra tensor of the model.
func (l *Learner) extraLog(name string) ([]float64, error) {
	w, err := l.Model.Weights()
	if err != nil {
		return nil, err
	}
	i := l.Model.Spec.Index(name)
	if i < 0 {
		return nil, fmt.Errorf("ppo: the model has no %s", name)
	}
	out := make([]float64, len(w[i]))
	for j, v := range w[i] {
		out[j] = float64(v)
	}
	return out, nil
}

// checkMemory estimates an update's buffers (see [buffer]; float32 rows
// plus an rl.Step per env step) and the activations of one minibatch pass
// (forward and backward), against the memory budget. The model's own
// weights are checked by model.Config.Validate.
func checkMemory(cfg Config, spec agent.Spec, mc model.Config) error {
	E, S, K := float64(cfg.NumEnvs), float64(cfg.Decisions()), float64(cfg.K)
	O, A, D, P := float64(spec.ObsDim), float64(spec.ActDim), float64(spec.DoF()), float64(mc.HeadWidth())
	rows := E * S
	perRow := 4*(O+2*D+K*A+3*K+P) + 48*K
	width := O + K*A + P
	for _, h := range append(slices.Clone(cfg.Hidden), mc.CriticHidden...) {
		width += float64(h)
	}
	act := rows / float64(cfg.Minibatches) * 4 * width * 3
	what := fmt.Sprintf("ppo: rollout buffers and minibatch activations (--num-envs %d × --rollout-steps %d, k %d, hidden %v)",
		cfg.NumEnvs, cfg.RolloutSteps, cfg.K, cfg.Hidden)
	return memlimit.Check(what, rows*perRow+act)
}

// buffer holds one update's decisions, env-major: decision (e, s) is row e·S+s.
type buffer struct {
	obs      []float32 // normalised, [E·S, ObsDim]
	y0, dy0  []float32 // [E·S, D]
	act      []float32 // [E·S, K, A]
	theta    []float32 // params exploration: sampled Φ outputs θ, [E·S, P]
	logp     []float32 // [E·S, K]
	val      []float32 // [E·S, K]
	mask     []float32 // [E·S, K]
	steps    [][]rl.Step
	stepRows [][]int // per env: row·K+j index of each executed step
}

// collect runs K-step decisions on every env for one update.
func (l *Learner) collect() (*buffer, time.Duration, error) {
	cfg := l.Cfg
	// Each decision plans K actions and executes the first M (plan k,
	// execute m); the unexecuted steps keep mask 0, so they carry no loss.
	E, S, K, M, A, D := cfg.NumEnvs, cfg.Decisions(), cfg.K, cfg.Executed(), l.Spec.ActDim, l.Spec.DoF()
	buf := &buffer{
		obs: make([]float32, E*S*l.Spec.ObsDim), y0: make([]float32, E*S*D), dy0: make([]float32, E*S*D),
		act: make([]float32, E*S*K*A), logp: make([]float32, E*S*K), val: make([]float32, E*S*K), mask: make([]float32, E*S*K),
		steps: make([][]rl.Step, E), stepRows: make([][]int, E),
	}
	logStd, err := l.logStd()
	if err != nil {
		return nil, 0, err
	}
	params := cfg.Explore == ExploreParams
	var paramStd []float64 // σ of params exploration, [P]
	P := 0
	if params {
		if paramStd, err = l.extraParam(logStdParamsName); err != nil {
			return nil, 0, err
		}
		P = len(paramStd)
		buf.theta = make([]float32, E*S*P)
	}
	var netTime time.Duration
	// pending[e] is the index of env e's last executed step whose NextValue
	// is head 0 of the next decision state; -1 if none.
	pending := make([]int, E)
	for e := range pending {
		pending[e] = -1
	}
	actions := make([][]float64, E)
	for s := range S {
		if l.norm != nil {
			flat := make([]float64, 0, E*l.Spec.ObsDim)
			for _, o := range l.obs {
				flat = append(flat, o...)
			}
			if err := l.norm.Update(flat); err != nil {
				return nil, 0, fmt.Errorf("ppo: observation: %w", err)
			}
		}
		t0 := time.Now()
		in := l.Spec.Batch(l.obs, l.norm)
		var po policyOut
		var eps []float64 // params exploration: ε [E, P]
		if params {
			// θ = Φ(s) + OutputScale·σ·ε, one draw per decision.
			eps = make([]float64, E*P)
			noise := make([]float32, E*P)
			for i := range eps {
				eps[i] = l.rng.NormFloat64()
				noise[i] = float32(l.Model.Cfg.OutputScale * paramStd[i%P] * eps[i])
			}
			in.HeadNoise = model.F32(noise, E, P)
			po, err = l.queryBatch(in, E)
			if err == nil {
				for e := range E {
					row := e*S + s
					for p := range P {
						buf.theta[row*P+p] = po.head[e*P+p] + noise[e*P+p]
					}
				}
			}
		} else {
			po, err = l.query(l.obs)
		}
		if err != nil {
			return nil, 0, err
		}
		netTime += time.Since(t0)
		obsF, _ := tensors.CopyFlatData[float32](in.Obs)
		var y0F, dy0F []float32
		if D > 0 && in.Y0 != nil {
			y0F, _ = tensors.CopyFlatData[float32](in.Y0)
			dy0F, _ = tensors.CopyFlatData[float32](in.DY0)
		}
		for e := range E {
			row := e*S + s
			copy(buf.obs[row*l.Spec.ObsDim:], obsF[e*l.Spec.ObsDim:(e+1)*l.Spec.ObsDim])
			if y0F != nil {
				copy(buf.y0[row*D:], y0F[e*D:(e+1)*D])
				copy(buf.dy0[row*D:], dy0F[e*D:(e+1)*D])
			}
			if p := pending[e]; p >= 0 {
				buf.steps[e][p].NextValue = po.value[e*K]
				pending[e] = -1
			}
		}
		// Sample all K actions of every env up front: a_j = μ_j + σ·ε_j, with
		// ε_j drawn per step, or once per decision (ε_j = ε_0). With params
		// exploration the actions are those of the sampled θ, and every step
		// carries the decision's log-probability, log N(ε; 0, σ²) in Φ's units.
		if params {
			for e := range E {
				row := e*S + s
				lp := 0.0
				for p := range P {
					lp += -0.5*eps[e*P+p]*eps[e*P+p] - math.Log(paramStd[p]) - 0.5*math.Log(2*math.Pi)
				}
				for j := range K {
					for i := range A {
						buf.act[(row*K+j)*A+i] = float32(po.mean[(e*K+j)*A+i])
					}
					buf.logp[row*K+j] = float32(lp)
					buf.val[row*K+j] = float32(po.value[e*K+j])
				}
			}
		} else {
			l.sampleActions(buf, po, logStd, s)
		}
		alive := make([]bool, E)
		for e := range alive {
			alive[e] = true
		}
		var finalObs [][]float64
		var finalRef [][2]int // (env, step index) awaiting V(final obs)
		for j := range M {
			for e := range E {
				actions[e] = nil
				if alive[e] {
					row := e*S + s
					actions[e] = toF64(buf.act[(row*K+j)*A : (row*K+j+1)*A])
				}
			}
			res := l.stepper.Step(actions)
			for e, r := range res {
				if !alive[e] {
					continue
				}
				if r.Err != nil {
					return nil, 0, fmt.Errorf("ppo: env %d: %w", e, r.Err)
				}
				row := e*S + s
				buf.mask[row*K+j] = 1
				l.Step++
				l.epRet[e] += r.Reward
				l.epLen[e]++
				st := rl.Step{Reward: l.scaleReward(e, r.Reward, r.Done), Value: po.value[e*K+j], Boundary: r.Done}
				if j+1 < M {
					st.NextValue = po.value[e*K+j+1]
				}
				// Unstable episodes are cut without bootstrap: the state is garbage.
				st.Terminal = r.Done && (r.Info.Unstable || !r.Info.Truncated)
				buf.steps[e] = append(buf.steps[e], st)
				buf.stepRows[e] = append(buf.stepRows[e], row*K+j)
				idx := len(buf.steps[e]) - 1
				switch {
				case r.Done:
					alive[e] = false
					l.finished = append(l.finished, episodeStat{ret: l.epRet[e], success: r.Info.EpisodeSuccess, finalS: r.Info.Success, length: l.epLen[e]})
					if !st.Terminal {
						finalObs = append(finalObs, r.Obs)
						finalRef = append(finalRef, [2]int{e, idx})
					}
					if err := l.reset(e); err != nil {
						return nil, 0, err
					}
				case j+1 == M:
					pending[e] = idx
					l.obs[e] = r.Obs
				default:
					l.obs[e] = r.Obs
				}
			}
		}
		if len(finalObs) > 0 { // bootstrap truncated episodes from V(final obs)
			t0 := time.Now()
			fo, err := l.query(padTo(finalObs, E))
			if err != nil {
				return nil, 0, err
			}
			netTime += time.Since(t0)
			for i, ref := range finalRef {
				buf.steps[ref[0]][ref[1]].NextValue = fo.value[i*K]
			}
		}
	}
	// Bootstrap the last decision of every env.
	t0 := time.Now()
	last, err := l.query(l.obs)
	if err != nil {
		return nil, 0, err
	}
	netTime += time.Since(t0)
	for e, p := range pending {
		if p >= 0 {
			buf.steps[e][p].NextValue = last.value[e*K]
		}
	}
	return buf, netTime, nil
}

// sampleActions draws decision s's K actions of every env around the
// means, a_j = μ_j + σ·ε_j (ε_j per step, or ε_0 for the whole decision),
// and stores them with their log-probabilities and values.
func (l *Learner) sampleActions(buf *buffer, po policyOut, logStd []float64, s int) {
	E, S, K, A := l.Cfg.NumEnvs, l.Cfg.Decisions(), l.Cfg.K, l.Spec.ActDim
	eps := make([]float64, A)
	for e := range E {
		row := e*S + s
		for j := range K {
			if j == 0 || l.Cfg.Explore == ExploreStep {
				for i := range eps {
					eps[i] = l.rng.NormFloat64()
				}
			}
			a := make([]float64, A)
			mu := po.mean[(e*K+j)*A : (e*K+j+1)*A]
			for i := range A {
				a[i] = mu[i] + math.Exp(logStd[i])*eps[i]
				buf.act[(row*K+j)*A+i] = float32(a[i])
			}
			buf.logp[row*K+j] = float32(rl.GaussianLogProb(a, mu, logStd))
			buf.val[row*K+j] = float32(po.value[e*K+j])
		}
	}
}

// scaleReward divides r by the running std of the discounted return, as
// CleanRL's continuous PPO (gym's NormalizeReward) does: it keeps value
// targets near unit scale whatever the task's reward magnitude. The mean is
// not removed, so the sign of rewards is kept.
func (l *Learner) scaleReward(e int, r float64, done bool) float64 {
	if l.retNorm == nil {
		return r
	}
	l.disc[e] = l.disc[e]*l.Cfg.Gamma + r
	_ = l.retNorm.Update([]float64{l.disc[e]})
	if done {
		l.disc[e] = 0
	}
	return math.Max(-10, math.Min(10, r/math.Sqrt(l.retNorm.Var[0]+1e-8)))
}

// padTo repeats the last row so that a batch has the usual size (one
// compiled graph serves every query).
func padTo(rows [][]float64, n int) [][]float64 {
	for len(rows) < n {
		rows = append(rows, rows[len(rows)-1])
	}
	return rows
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Update collects one rollout, optimises the policy on it and returns the
// update's metrics (see [MetricNames]).
func (l *Learner) Update() (runlog.Record, error) {
	cfg := l.Cfg
	start := time.Now()
	if !cfg.NoAnnealLR {
		perUpdate := int64(cfg.NumEnvs * cfg.RolloutSteps)
		total := max(1, (cfg.TotalSteps+perUpdate-1)/perUpdate)
		l.trainer.SetLRScale(math.Max(1e-8, 1-float64(l.Updates)/float64(total)))
	}
	l.finished = l.finished[:0]
	buf, netTime, err := l.collect()
	if err != nil {
		return nil, err
	}
	collectTime := time.Since(start)
	E, S, K := cfg.NumEnvs, cfg.Decisions(), cfg.K
	adv, ret := make([]float32, E*S*K), make([]float32, E*S*K)
	for e := range E {
		a, r := make([]float64, len(buf.steps[e])), make([]float64, len(buf.steps[e]))
		if err := rl.GAE(a, r, buf.steps[e], cfg.Gamma, cfg.Lambda); err != nil {
			return nil, err
		}
		for i, idx := range buf.stepRows[e] {
			adv[idx], ret[idx] = float32(a[i]), float32(r[i])
		}
	}
	optStart := time.Now()
	sums, n, gradNorm := make([]float64, len(lossMetrics)), 0, 0.0
	rows := E * S
	mb := rows / cfg.Minibatches
	var lr float32
epochs:
	for range cfg.Epochs {
		perm := l.rng.Perm(rows)
		epochKL := 0.0
		for m := range cfg.Minibatches {
			idx := perm[m*mb : (m+1)*mb]
			st, err := l.trainer.Step(l.minibatch(buf, adv, ret, idx))
			if err != nil {
				return nil, err
			}
			for i, v := range st.Metrics {
				sums[i] += float64(v)
			}
			gradNorm += float64(st.GradNorm)
			lr = st.LR
			n++
			epochKL += float64(st.Metrics[3])
		}
		if cfg.TargetKL > 0 && epochKL/float64(cfg.Minibatches) > cfg.TargetKL {
			break epochs
		}
	}
	optTime := time.Since(optStart)
	l.Updates++
	rec := runlog.Record{{Key: "global_step", Value: float64(l.Step)}, {Key: "update", Value: float64(l.Updates)}}
	rec = append(rec, l.episodeMetrics()...)
	for i, name := range lossMetrics {
		rec = append(rec, runlog.Field{Key: name, Value: sums[i] / float64(n)})
	}
	ls, _ := l.logStd()
	if cfg.Explore == ExploreParams {
		ls, _ = l.extraLog(logStdParamsName)
	}
	meanStd := 0.0
	for _, v := range ls {
		meanStd += math.Exp(v) / float64(len(ls))
	}
	evPred, evTrue := []float64{}, []float64{}
	for i := range buf.mask {
		if buf.mask[i] > 0 {
			evPred, evTrue = append(evPred, float64(buf.val[i])), append(evTrue, float64(ret[i]))
		}
	}
	elapsed := time.Since(start)
	rec = append(rec,
		runlog.Field{Key: "explained_var", Value: explainedVariance(evPred, evTrue)},
		runlog.Field{Key: "grad_norm", Value: gradNorm / float64(n)},
		runlog.Field{Key: "action_std", Value: meanStd},
		runlog.Field{Key: "lr", Value: float64(lr)},
		runlog.Field{Key: "fps", Value: float64(E*cfg.RolloutSteps) / elapsed.Seconds()},
		runlog.Field{Key: "time_env_s", Value: (collectTime - netTime).Seconds()},
		runlog.Field{Key: "time_policy_s", Value: netTime.Seconds()},
		runlog.Field{Key: "time_update_s", Value: optTime.Seconds()},
	)
	return rec, nil
}

// minibatch gathers rows idx of the buffer, normalising advantages.
func (l *Learner) minibatch(buf *buffer, adv, ret []float32, idx []int) model.Batch {
	K, A, D, O := l.Cfg.K, l.Spec.ActDim, l.Spec.DoF(), l.Spec.ObsDim
	B := len(idx)
	P := 0
	if buf.theta != nil {
		P = len(buf.theta) / (len(buf.val) / K)
	}
	obs, act := make([]float32, B*O), make([]float32, B*K*A)
	theta := make([]float32, B*P)
	lp, ad, rt, vo, mk := make([]float32, B*K), make([]float32, B*K), make([]float32, B*K), make([]float32, B*K), make([]float32, B*K)
	var y0, dy0 []float32
	if l.Spec.NDP {
		y0, dy0 = make([]float32, B*D), make([]float32, B*D)
	}
	for b, r := range idx {
		copy(obs[b*O:(b+1)*O], buf.obs[r*O:(r+1)*O])
		copy(act[b*K*A:(b+1)*K*A], buf.act[r*K*A:(r+1)*K*A])
		copy(theta[b*P:(b+1)*P], buf.theta[r*P:(r+1)*P])
		copy(lp[b*K:(b+1)*K], buf.logp[r*K:(r+1)*K])
		copy(ad[b*K:(b+1)*K], adv[r*K:(r+1)*K])
		copy(rt[b*K:(b+1)*K], ret[r*K:(r+1)*K])
		copy(vo[b*K:(b+1)*K], buf.val[r*K:(r+1)*K])
		copy(mk[b*K:(b+1)*K], buf.mask[r*K:(r+1)*K])
		if y0 != nil {
			copy(y0[b*D:(b+1)*D], buf.y0[r*D:(r+1)*D])
			copy(dy0[b*D:(b+1)*D], buf.dy0[r*D:(r+1)*D])
		}
	}
	if !l.Cfg.NoNormAdv {
		mean, sq, n := 0.0, 0.0, 0.0
		for i, m := range mk {
			if m > 0 {
				mean += float64(ad[i])
				n++
			}
		}
		mean /= math.Max(n, 1)
		for i, m := range mk {
			if m > 0 {
				sq += (float64(ad[i]) - mean) * (float64(ad[i]) - mean)
			}
		}
		std := math.Sqrt(sq/math.Max(n-1, 1)) + 1e-8
		for i := range ad {
			ad[i] = float32((float64(ad[i]) - mean) / std)
		}
	}
	b := model.Batch{Obs: model.F32(obs, B, O), Extra: make([]*tensors.Tensor, numInputs)}
	b.Extra[inAct] = model.F32(act, B, K, A)
	if P > 0 {
		b.Extra[inAct] = model.F32(theta, B, P)
	}
	b.Extra[inLogpOld] = model.F32(lp, B, K)
	b.Extra[inAdv] = model.F32(ad, B, K)
	b.Extra[inRet] = model.F32(rt, B, K)
	b.Extra[inVOld] = model.F32(vo, B, K)
	b.Extra[inMask] = model.F32(mk, B, K)
	if y0 != nil {
		b.Y0, b.DY0 = model.F32(y0, B, D), model.F32(dy0, B, D)
	}
	return b
}

func explainedVariance(pred, target []float64) float64 {
	if len(target) < 2 {
		return math.NaN()
	}
	mt, md := 0.0, 0.0
	for i := range target {
		mt += target[i]
		md += target[i] - pred[i]
	}
	mt /= float64(len(target))
	md /= float64(len(target))
	vt, vd := 0.0, 0.0
	for i := range target {
		vt += (target[i] - mt) * (target[i] - mt)
		d := target[i] - pred[i] - md
		vd += d * d
	}
	if vt == 0 {
		return math.NaN()
	}
	return 1 - vd/vt
}

// episodeMetrics summarises the episodes finished during the update.
func (l *Learner) episodeMetrics() runlog.Record {
	n := float64(len(l.finished))
	r, s, f, ln := 0.0, 0.0, 0.0, 0.0
	for _, ep := range l.finished {
		r += ep.ret
		ln += float64(ep.length)
		if ep.success {
			s++
		}
		if ep.finalS {
			f++
		}
	}
	nan := math.NaN()
	if n == 0 {
		return runlog.Record{{Key: "episodes", Value: 0}, {Key: "ep_return", Value: nan}, {Key: "ep_length", Value: nan}, {Key: "success", Value: nan}, {Key: "final_success", Value: nan}}
	}
	return runlog.Record{{Key: "episodes", Value: n}, {Key: "ep_return", Value: r / n}, {Key: "ep_length", Value: ln / n}, {Key: "success", Value: s / n}, {Key: "final_success", Value: f / n}}
}
