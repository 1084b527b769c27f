package ppo

import (
	"fmt"
	"time"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/runlog"
)

// Throughput is where the wall time of a training run went.
type Throughput struct {
	Algo, Task string
	Steps      int64         // env steps timed (after the warm-up update)
	Wall       time.Duration // end to end, collection and updates
	Physics    time.Duration // stepping envs and bookkeeping (the log's time_env_s)
	Policy     time.Duration // policy queries while collecting (time_policy_s)
	Update     time.Duration // optimisation (time_update_s)
}

// StepsPerSec returns env steps per second of wall time.
func (t Throughput) StepsPerSec() float64 { return float64(t.Steps) / t.Wall.Seconds() }

// PhysicsStepsPerSec returns env steps per second of physics time.
func (t Throughput) PhysicsStepsPerSec() float64 { return float64(t.Steps) / t.Physics.Seconds() }

// MeasureThroughput trains cfg (evaluation off) for one warm-up update,
// which compiles the graphs, then for cfg.TotalSteps more env steps, and
// reports the timed part.
func MeasureThroughput(cfg Config, b compute.Backend) (Throughput, error) {
	cfg.EvalEvery = -1
	l, err := New(cfg, b)
	if err != nil {
		return Throughput{}, err
	}
	defer l.Close()
	if _, err := l.Update(); err != nil {
		return Throughput{}, fmt.Errorf("ppo: warm-up update: %w", err)
	}
	l.Cfg.TotalSteps += l.Step
	t := Throughput{Algo: l.Cfg.Algo, Task: l.Cfg.Task}
	start, step0 := time.Now(), l.Step
	sec := func(r runlog.Record, k string) time.Duration {
		v, _ := r.Get(k)
		return time.Duration(v * 1e9)
	}
	err = l.Train(TrainOptions{OnUpdate: func(r runlog.Record) error {
		t.Physics += sec(r, "time_env_s")
		t.Policy += sec(r, "time_policy_s")
		t.Update += sec(r, "time_update_s")
		return nil
	}})
	t.Wall, t.Steps = time.Since(start), l.Step-step0
	return t, err
}
