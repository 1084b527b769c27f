package envs

import (
	"errors"
	"fmt"
)

// VecEnv steps N independent envs of one task in parallel on a fixed number
// of goroutines. Results depend only on the seed, not on scheduling: each env
// is seeded with SubSeed(seed, i) and owns its simulator.
type VecEnv struct {
	envs  []Env
	pool  *Pool
	done  []bool
	obs   [][]float64
	rew   []float64
	infos []Info
	errs  []error
}

// NewVec makes n envs of the named task stepped by workers goroutines
// (workers <= 0 means GOMAXPROCS).
func NewVec(name string, n, workers int, opts ...Option) (*VecEnv, error) {
	if n < 1 {
		return nil, fmt.Errorf("envs: vec env needs n >= 1, got %d", n)
	}
	v := &VecEnv{pool: NewPool(n, workers), done: make([]bool, n), obs: make([][]float64, n),
		rew: make([]float64, n), infos: make([]Info, n), errs: make([]error, n)}
	for i := 0; i < n; i++ {
		e, err := Make(name, opts...)
		if err != nil {
			v.Close()
			return nil, err
		}
		v.envs = append(v.envs, e)
	}
	return v, nil
}

// SubSeed derives env i's seed from a batch seed (splitmix64 finaliser), so
// neighbouring batch seeds do not share episodes.
func SubSeed(seed int64, i int) int64 {
	z := uint64(seed) + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int64(z ^ (z >> 31))
}

// Len is the number of envs.
func (v *VecEnv) Len() int { return len(v.envs) }

// Env returns env i, e.g. to read its Layout or simulator.
func (v *VecEnv) Env(i int) Env { return v.envs[i] }

// Close releases all simulators.
func (v *VecEnv) Close() {
	v.pool.Close()
	for _, e := range v.envs {
		e.Close()
	}
}

// parallel runs f(i) for every env on the pool and joins the errors.
func (v *VecEnv) parallel(f func(i int) error) error {
	v.pool.Run(func(i int) { v.errs[i] = f(i) })
	var errs []error
	for i, err := range v.errs {
		if err != nil {
			errs = append(errs, fmt.Errorf("env %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Reset starts a new episode in every env; env i uses SubSeed(seed, i).
func (v *VecEnv) Reset(seed int64) ([][]float64, error) {
	err := v.parallel(func(i int) error {
		o, err := v.envs[i].Reset(SubSeed(seed, i))
		v.obs[i], v.done[i] = o, false
		return err
	})
	if err != nil {
		return nil, err
	}
	return v.snapshotObs(), nil
}

func (v *VecEnv) snapshotObs() [][]float64 {
	out := make([][]float64, len(v.obs))
	copy(out, v.obs)
	return out
}

// Step applies actions[i] to env i. Envs whose episode is over are not
// stepped: they keep their final observation, get reward 0 and done=true
// until the next Reset.
func (v *VecEnv) Step(actions [][]float64) (obs [][]float64, rewards []float64, dones []bool, infos []Info, err error) {
	if len(actions) != len(v.envs) {
		return nil, nil, nil, nil, fmt.Errorf("%w: %d actions for %d envs", ErrBadAction, len(actions), len(v.envs))
	}
	err = v.parallel(func(i int) error {
		if v.done[i] {
			v.rew[i] = 0
			return nil
		}
		o, r, d, info, err := v.envs[i].Step(actions[i])
		if err != nil {
			return err
		}
		v.obs[i], v.rew[i], v.done[i], v.infos[i] = o, r, d, info
		return nil
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return v.snapshotObs(), append([]float64(nil), v.rew...), append([]bool(nil), v.done...),
		append([]Info(nil), v.infos...), nil
}
