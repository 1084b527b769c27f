package agent

import (
	"fmt"
	"math/rand/v2"

	"github.com/ndp-go/ndp/envs"
)

// Policy returns the action means for a batch of raw observations,
// [len(obs), K, A].
type Policy func(obs [][]float64) ([]float64, error)

// Seed streams: every part of ndp that resets envs draws its episodes from
// a stream of its own (through [ResetSeed]), so training, evaluation,
// demonstrations and showcase episodes never share a layout. The values are
// part of what makes logged results reproducible: never renumber them.
const (
	StreamTrain       = 0 // PPO's training envs
	StreamEval        = 4 // deterministic evaluation of a learner or policy file
	StreamEvalSampled = 5 // evaluation with sampled actions
	StreamDemos       = 6 // behaviour cloning's demonstrations
	StreamCloneEval   = 7 // evaluation of a cloned policy
	StreamExplore     = 8 // Dyn-E's random exploration data
	StreamShowcase    = 9 // dense control and videos
)

// ResetSeed derives a distinct, reproducible env seed per run seed, stream,
// env and episode (splitmix64 of the four), so training, evaluation and
// demonstration collection never share episodes.
func ResetSeed(seed int64, stream, env, episode int) int64 {
	x := uint64(seed)*0x9e3779b97f4a7c15 + uint64(stream)<<48 + uint64(env)<<32 + uint64(episode)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int64(x >> 1)
}

// EvalOptions configure [Evaluate].
type EvalOptions struct {
	Episodes int                      // episodes to run (≥ 1)
	Parallel int                      // envs stepped at once (default 8; 1 for stateful controllers)
	Make     func() (envs.Env, error) // builds one env of the task (closed at the end)
	Envs     []envs.Env               // instead of Make: the caller's envs, left open (Parallel = len(Envs))
	Seed     int64                    // run seed; with Stream and Round it fixes the episodes
	Stream   int                      // seed stream (keep evaluation apart from training)
	Round    int                      // evaluation round: different rounds see different episodes
	Std      []float64                // per action dim: Gaussian noise σ added to the means (nil: deterministic)
	K, A     int                      // actions per decision and action dims
	Execute  int                      // actions executed per decision, 1..K (0: all K)

	// Seeds, if set, gives episode i's reset seed instead of
	// ResetSeed(Seed, Stream, i, Round).
	Seeds func(episode int) int64
	// Reset, if set, is called with each episode's first observation,
	// before the policy sees it (for recorders and stateful controllers).
	Reset func(env, episode int, seed int64, obs []float64) error
	// Step, if set, is called after every env step with the observation
	// the action was chosen from, the action sent and the step's outcome
	// (for GIF, demonstration and jerk recorders). Its error stops the
	// rollout.
	Step func(env, episode int, obs, action []float64, r StepResult) error
}

// EvalResult summarises evaluation episodes.
type EvalResult struct {
	Episodes     int     // episodes run
	Success      float64 // fraction successful at any step (Meta-World's convention)
	FinalSuccess float64 // fraction successful at the last step
	Unstable     float64 // fraction truncated by simulator divergence
	Return       float64 // mean undiscounted return
	Length       float64 // mean episode length
	Steps        int     // env steps taken in total
}

// Evaluate is ndp's one rollout loop, used by evaluation, demonstration
// collection, videos and dense control: it rolls pol out for o.Episodes
// episodes on up to o.Parallel envs, querying it once every K steps, calls
// the hooks, and reports success and return.
func Evaluate(o EvalOptions, pol Policy) (EvalResult, error) {
	if o.Episodes < 1 || o.K < 1 || o.A < 1 || (o.Make == nil && len(o.Envs) == 0) {
		return EvalResult{}, fmt.Errorf("agent: evaluate needs episodes, K, A ≥ 1 and an env maker (got %d, %d, %d)", o.Episodes, o.K, o.A)
	}
	if o.Parallel < 1 {
		o.Parallel = 8
	}
	if o.Seeds == nil {
		o.Seeds = func(ep int) int64 { return ResetSeed(o.Seed, o.Stream, ep, o.Round) }
	}
	n := min(o.Episodes, o.Parallel)
	es := o.Envs
	if len(es) > 0 {
		n = min(o.Episodes, len(es))
		es = es[:n]
	} else {
		es = make([]envs.Env, n)
		for i := range es {
			e, err := o.Make()
			if err != nil {
				return EvalResult{}, err
			}
			defer e.Close()
			es[i] = e
		}
	}
	stepper := NewStepper(es)
	defer stepper.Close()
	rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Stream)<<32|uint64(o.Round)))
	K, A := o.K, o.A
	M := K
	if o.Execute > 0 && o.Execute < K {
		M = o.Execute
	}
	var res EvalResult
	for started := 0; started < o.Episodes; {
		batch := min(n, o.Episodes-started)
		obs := make([][]float64, n)
		alive := make([]bool, n)
		ret := make([]float64, n)
		for i := range batch {
			seed := o.Seeds(i + started)
			ob, err := es[i].Reset(seed)
			if err != nil {
				return res, fmt.Errorf("agent: eval reset: %w", err)
			}
			obs[i], alive[i] = ob, true
			if o.Reset != nil {
				if err := o.Reset(i, i+started, seed, ob); err != nil {
					return res, err
				}
			}
		}
		for i := batch; i < n; i++ {
			obs[i] = obs[0] // padding rows keep one batch shape; never stepped
		}
		for anyAlive(alive) {
			means, err := pol(obs)
			if err != nil {
				return res, err
			}
			for j := 0; j < M && anyAlive(alive); j++ {
				actions := make([][]float64, n)
				for i := range n {
					if !alive[i] {
						continue
					}
					a := make([]float64, A)
					copy(a, means[(i*K+j)*A:(i*K+j+1)*A])
					for d := range a {
						if o.Std != nil {
							a[d] += o.Std[d] * rng.NormFloat64()
						}
					}
					actions[i] = a
				}
				for i, r := range stepper.Step(actions) {
					if actions[i] == nil {
						continue
					}
					if r.Err != nil {
						return res, fmt.Errorf("agent: eval env: %w", r.Err)
					}
					res.Steps++
					if o.Step != nil {
						if err := o.Step(i, i+started, obs[i], actions[i], r); err != nil {
							return res, err
						}
					}
					ret[i] += r.Reward
					obs[i] = r.Obs
					if r.Done {
						alive[i] = false
						res.Episodes++
						res.Return += ret[i]
						res.Length += float64(r.Info.Step)
						if r.Info.EpisodeSuccess {
							res.Success++
						}
						if r.Info.Success {
							res.FinalSuccess++
						}
						if r.Info.Unstable {
							res.Unstable++
						}
					}
				}
			}
		}
		started += batch
	}
	k := float64(res.Episodes)
	res.Success, res.FinalSuccess, res.Unstable, res.Return, res.Length = res.Success/k, res.FinalSuccess/k, res.Unstable/k, res.Return/k, res.Length/k
	return res, nil
}

// FromEnvPolicy adapts a per-step envs.Policy (a scripted expert, or random
// actions) to the rollout loop: K = 1, one env (Parallel 1), and the
// returned reset hook, which calls p.Reset, as EvalOptions.Reset.
func FromEnvPolicy(p envs.Policy) (Policy, func(env, episode int, seed int64, obs []float64) error) {
	pol := func(obs [][]float64) ([]float64, error) {
		if len(obs) != 1 {
			return nil, fmt.Errorf("agent: a per-step policy drives one env at a time, got %d observations", len(obs))
		}
		return p.Act(obs[0]), nil
	}
	return pol, func(int, int, int64, []float64) error { p.Reset(); return nil }
}

func anyAlive(a []bool) bool {
	for _, v := range a {
		if v {
			return true
		}
	}
	return false
}

// StepResult is one env step's outcome.
type StepResult struct {
	Obs    []float64
	Reward float64
	Done   bool
	Info   envs.Info
	Err    error
}

// Stepper steps a fixed set of envs in parallel on persistent workers
// ([envs.Pool]): MuJoCo data are per env, so envs step independently.
type Stepper struct {
	envs []envs.Env
	pool *envs.Pool
	res  []StepResult
	act  [][]float64
}

// NewStepper returns a stepper over es using up to GOMAXPROCS workers.
func NewStepper(es []envs.Env) *Stepper {
	return &Stepper{envs: es, pool: envs.NewPool(len(es), 0), res: make([]StepResult, len(es))}
}

// Step steps every env whose action is non-nil. The results are reused by
// the next call; entries of envs not stepped are zero.
func (s *Stepper) Step(actions [][]float64) []StepResult {
	s.act = actions
	s.pool.Run(s.step)
	return s.res
}

func (s *Stepper) step(i int) {
	r := &s.res[i]
	if s.act[i] == nil {
		*r = StepResult{}
		return
	}
	r.Obs, r.Reward, r.Done, r.Info, r.Err = s.envs[i].Step(s.act[i])
}

// Close stops the workers (the envs stay open).
func (s *Stepper) Close() { s.pool.Close() }
