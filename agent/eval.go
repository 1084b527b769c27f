package agent

import (
	"fmt"
	"math/rand/v2"

	"github.com/ndp-go/ndp/envs"
)

// Policy returns the action means for a batch of raw observations,
// [len(obs), K, A].
type Policy func(obs [][]float64) ([]float64, error)

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
	Parallel int                      // envs stepped at once (default 8)
	Make     func() (envs.Env, error) // builds one env of the task
	Seed     int64                    // run seed; with Stream and Round it fixes the episodes
	Stream   int                      // seed stream (keep evaluation apart from training)
	Round    int                      // evaluation round: different rounds see different episodes
	Std      []float64                // per action dim: Gaussian noise σ added to the means (nil: deterministic)
	K, A     int                      // actions per decision and action dims
}

// EvalResult summarises evaluation episodes.
type EvalResult struct {
	Episodes     int     // episodes run
	Success      float64 // fraction successful at any step (Meta-World's convention)
	FinalSuccess float64 // fraction successful at the last step
	Return       float64 // mean undiscounted return
	Length       float64 // mean episode length
}

// Evaluate rolls pol out for o.Episodes episodes, querying it once every K
// steps, and reports success and return.
func Evaluate(o EvalOptions, pol Policy) (EvalResult, error) {
	if o.Episodes < 1 || o.K < 1 || o.A < 1 || o.Make == nil {
		return EvalResult{}, fmt.Errorf("agent: evaluate needs episodes, K, A ≥ 1 and an env maker (got %d, %d, %d)", o.Episodes, o.K, o.A)
	}
	if o.Parallel < 1 {
		o.Parallel = 8
	}
	n := min(o.Episodes, o.Parallel)
	es := make([]envs.Env, n)
	for i := range es {
		e, err := o.Make()
		if err != nil {
			return EvalResult{}, err
		}
		defer e.Close()
		es[i] = e
	}
	stepper := NewStepper(es)
	defer stepper.Close()
	rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Stream)<<32|uint64(o.Round)))
	K, A := o.K, o.A
	var res EvalResult
	for started := 0; started < o.Episodes; {
		batch := min(n, o.Episodes-started)
		obs := make([][]float64, n)
		alive := make([]bool, n)
		ret := make([]float64, n)
		for i := range batch {
			ob, err := es[i].Reset(ResetSeed(o.Seed, o.Stream, i+started, o.Round))
			if err != nil {
				return res, fmt.Errorf("agent: eval reset: %w", err)
			}
			obs[i], alive[i] = ob, true
		}
		for i := batch; i < n; i++ {
			obs[i] = obs[0] // padding rows keep one batch shape; never stepped
		}
		started += batch
		for anyAlive(alive) {
			means, err := pol(obs)
			if err != nil {
				return res, err
			}
			for j := 0; j < K && anyAlive(alive); j++ {
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
					}
				}
			}
		}
	}
	k := float64(res.Episodes)
	res.Success, res.FinalSuccess, res.Return, res.Length = res.Success/k, res.FinalSuccess/k, res.Return/k, res.Length/k
	return res, nil
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

// Episode runs one deterministic episode of pol on e from seed, querying it
// every K steps and calling after (if not nil) after every step, e.g. to
// capture a video frame.
func Episode(e envs.Env, pol Policy, K, A int, seed int64, after func(info envs.Info) error) (EvalResult, error) {
	obs, err := e.Reset(seed)
	if err != nil {
		return EvalResult{}, err
	}
	res := EvalResult{Episodes: 1}
	for {
		means, err := pol([][]float64{obs})
		if err != nil {
			return res, err
		}
		for j := range K {
			var r float64
			var done bool
			var info envs.Info
			obs, r, done, info, err = e.Step(means[j*A : (j+1)*A])
			if err != nil {
				return res, err
			}
			res.Return += r
			if after != nil {
				if err := after(info); err != nil {
					return res, err
				}
			}
			if done {
				res.Length = float64(info.Step)
				if info.EpisodeSuccess {
					res.Success = 1
				}
				if info.Success {
					res.FinalSuccess = 1
				}
				return res, nil
			}
		}
	}
}

// stepper adapts a Policy to envs.Policy: it plans K actions from one
// observation and plays them one per step.
type stepper struct {
	pol  Policy
	K, A int
	plan []float64
	next int
	err  error
}

// AsEnvPolicy wraps pol (queried every K steps) as a per-step envs.Policy,
// e.g. to use a trained learner as the expert of behaviour cloning. A query
// error makes Act return zero actions and is reported by the returned func.
func AsEnvPolicy(pol Policy, K, A int) (envs.Policy, func() error) {
	s := &stepper{pol: pol, K: K, A: A}
	return s, func() error { return s.err }
}

func (s *stepper) Reset() { s.next = s.K }

func (s *stepper) Act(obs []float64) []float64 {
	if s.next >= s.K {
		plan, err := s.pol([][]float64{obs})
		if err != nil {
			s.err = err
			return make([]float64, s.A)
		}
		s.plan, s.next = plan, 0
	}
	a := append([]float64(nil), s.plan[s.next*s.A:(s.next+1)*s.A]...)
	s.next++
	return a
}
