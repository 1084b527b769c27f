package ppo

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/rl"
	"github.com/ndp-go/ndp/run"
)

// Files of a run directory.
const (
	ConfigFile     = run.ConfigFile     // the Config, defaults applied
	CheckpointFile = run.CheckpointFile // model, Adam state and learner state, written atomically
	LogFile        = run.LogFile        // one row per update, see MetricNames
)

// Aux keys of the learner state stored in the model checkpoint, so that one
// atomic file holds everything a resume needs.
const (
	auxCounters = "ppo/counters" // [env steps, updates]
	auxEpisodes = "ppo/episodes" // episodes started per env (reset seeds)
	auxObsNorm  = "ppo/obs_norm" // [count, clip, mean..., var...]
	auxRetNorm  = "ppo/ret_norm" // [count, clip, mean, var]
	auxRNG      = "ppo/rng"      // PCG state, one byte per entry
	auxEnvs     = "ppo/envs"     // per env: [len, envs.Snapshotter snapshot...]
	auxEnvObs   = "ppo/env_obs"  // per env: the current raw observation, [E·ObsDim]
	auxEpisode  = "ppo/episode"  // per env: [return so far, length so far, discounted return]
	auxTask     = "ppo/task"     // the task's name, one byte per entry
)

func packNorm(n *rl.RunningMeanStd) []float64 {
	if n == nil {
		return nil
	}
	return append(append([]float64{n.Count, n.Clip}, n.Mean...), n.Var...)
}

func unpackNorm(n *rl.RunningMeanStd, v []float64, what string) error {
	if n == nil {
		return nil
	}
	d := len(n.Mean)
	if len(v) != 2+2*d {
		return fmt.Errorf("ppo: checkpoint %s has %d values, want %d", what, len(v), 2+2*d)
	}
	n.Count, n.Clip = v[0], v[1]
	copy(n.Mean, v[2:2+d])
	copy(n.Var, v[2+d:])
	return nil
}

// Save writes the learner's model and state to path atomically.
func (l *Learner) Save(path string) error {
	m := l.Model
	m.SetAux(auxCounters, []float64{float64(l.Step), float64(l.Updates)})
	eps := make([]float64, len(l.episodes))
	for i, e := range l.episodes {
		eps[i] = float64(e)
	}
	m.SetAux(auxEpisodes, eps)
	m.SetAuxBytes(auxTask, []byte(l.Cfg.Task))
	m.SetAux(auxObsNorm, packNorm(l.norm))
	m.SetAux(auxRetNorm, packNorm(l.retNorm))
	b, err := l.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("ppo: saving rng: %w", err)
	}
	m.SetAuxBytes(auxRNG, b)
	// Episodes in progress, so that a resumed run continues exactly.
	var snaps, obs, ep []float64
	for i, e := range l.envs {
		sn, ok := e.(envs.Snapshotter)
		if !ok {
			return fmt.Errorf("ppo: task %s cannot snapshot its episodes", e.Name())
		}
		v, err := sn.Snapshot()
		if err != nil {
			return fmt.Errorf("ppo: saving env %d: %w", i, err)
		}
		snaps = append(append(snaps, float64(len(v))), v...)
		obs = append(obs, l.obs[i]...)
		ep = append(ep, l.epRet[i], float64(l.epLen[i]), l.disc[i])
	}
	m.SetAux(auxEnvs, snaps)
	m.SetAux(auxEnvObs, obs)
	m.SetAux(auxEpisode, ep)
	return m.Save(path)
}

// restoreEnvs puts every env back into its saved episode; ok is false when
// the checkpoint holds none (written before episodes were saved).
func (l *Learner) restoreEnvs() (ok bool, err error) {
	m := l.Model
	snaps, obs, ep := m.Aux(auxEnvs), m.Aux(auxEnvObs), m.Aux(auxEpisode)
	if snaps == nil {
		return false, nil
	}
	E, O := len(l.envs), l.Spec.ObsDim
	if len(obs) != E*O || len(ep) != 3*E {
		return false, fmt.Errorf("ppo: checkpoint holds %d observations and %d episode values for %d envs", len(obs), len(ep), E)
	}
	off := 0
	for i, e := range l.envs {
		if off >= len(snaps) {
			return false, fmt.Errorf("ppo: checkpoint holds snapshots of fewer than %d envs", E)
		}
		n := int(snaps[off])
		if n < 0 || off+1+n > len(snaps) {
			return false, fmt.Errorf("ppo: checkpoint snapshot of env %d is cut short", i)
		}
		if err := e.(envs.Snapshotter).RestoreSnapshot(snaps[off+1 : off+1+n]); err != nil {
			// The snapshot layout follows the simulator state this build
			// saves; a checkpoint from a build that saved less cannot be
			// continued exactly.
			return false, fmt.Errorf("ppo: restoring env %d: %w (a checkpoint written by an older ndp cannot be resumed; start the run over with --force, or delete its directory in a grid)", i, err)
		}
		off += 1 + n
		l.obs[i] = append([]float64(nil), obs[i*O:(i+1)*O]...)
		l.epRet[i], l.epLen[i], l.disc[i] = ep[3*i], int(ep[3*i+1]), ep[3*i+2]
	}
	return true, nil
}

// isCount reports whether v is a whole number in [0, 2⁵³].
func isCount(v float64) bool { return v >= 0 && v <= 1<<53 && v == math.Trunc(v) }

// Restore loads a checkpoint written by [Learner.Save] into l, which must
// have been built from the same Config (TotalSteps and evaluation settings
// may differ). Episodes in progress continue where they were, so training
// goes on exactly as it would have without the interruption.
func (l *Learner) Restore(path string) error {
	if err := l.Model.LoadInto(path); err != nil {
		return err
	}
	m := l.Model
	c := m.Aux(auxCounters)
	if len(c) != 2 {
		return fmt.Errorf("ppo: %s holds no learner state (is it a PPO checkpoint?)", path)
	}
	// A checkpoint is trusted for its CRC, not its sense: counters off the
	// grid of whole updates would make a resumed run end at the wrong step
	// or never.
	if !isCount(c[0]) || !isCount(c[1]) || c[0] > c[1]*float64(l.Cfg.NumEnvs*l.Cfg.RolloutSteps) {
		return fmt.Errorf("ppo: %s: %v env steps in %v updates of %d×%d cannot be", path, c[0], c[1], l.Cfg.NumEnvs, l.Cfg.RolloutSteps)
	}
	task, err := m.AuxBytes(auxTask)
	if err != nil {
		return fmt.Errorf("ppo: %s: %w", path, err)
	}
	if task != nil && string(task) != l.Cfg.Task { // absent from checkpoints before it was saved
		return fmt.Errorf("ppo: %s is a checkpoint of task %q, this run is %q", path, task, l.Cfg.Task)
	}
	l.Step, l.Updates = int64(c[0]), int(c[1])
	if eps := m.Aux(auxEpisodes); len(eps) == len(l.episodes) {
		for i, e := range eps {
			if !isCount(e) {
				return fmt.Errorf("ppo: %s: env %d has %v episodes", path, i, e)
			}
			l.episodes[i] = int(e)
		}
	}
	if err := unpackNorm(l.norm, m.Aux(auxObsNorm), "observation normaliser"); err != nil {
		return err
	}
	if err := unpackNorm(l.retNorm, m.Aux(auxRetNorm), "return normaliser"); err != nil {
		return err
	}
	b, err := m.AuxBytes(auxRNG)
	if err != nil {
		return fmt.Errorf("ppo: restoring rng from %s: %w", path, err)
	}
	if err := l.pcg.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("ppo: restoring rng from %s: %w", path, err)
	}
	ok, err := l.restoreEnvs()
	if err != nil {
		return fmt.Errorf("%w (in %s)", err, path)
	}
	if !ok { // an older checkpoint: fresh episodes
		for i := range l.envs {
			if err := l.reset(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadConfig reads a run directory's config.json.
func ReadConfig(dir string) (Config, error) {
	var c Config
	if err := atomicfile.ReadJSON(filepath.Join(dir, ConfigFile), &c); err != nil {
		return c, fmt.Errorf("ppo: %w", err)
	}
	return c, c.Validate()
}

// Open rebuilds the learner of a run directory from its config and
// checkpoint, e.g. to evaluate or resume it.
func Open(dir string, b compute.Backend) (*Learner, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	l, err := New(cfg, b)
	if err != nil {
		return nil, err
	}
	if err := l.Restore(filepath.Join(dir, CheckpointFile)); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}
