package ppo

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/run"
	"github.com/ndp-go/ndp/runlog"
)

// DirOptions wire [TrainDir] to the outside world.
type DirOptions struct {
	Mode            run.Mode        // what to do with a run already in the directory
	CheckpointEvery int             // updates between checkpoints (≤ 0: 10)
	Progress        io.Writer       // progress bar (nil: none)
	Context         context.Context // cancel to stop after a checkpoint (nil: never)
	Logger          runlog.Logger   // also receives every update's record, after log.csv (nil: none)
}

// EmbeddingFile is the report of a Dyn-E run's embedding in its directory.
const EmbeddingFile = "embedding.json"

// EmbeddingReport is what EmbeddingFile holds.
type EmbeddingReport struct {
	Config       dyne.Config `json:"config"`
	Latent       int         `json:"latent"`
	Held         dyne.Scores `json:"held_out"`
	Steps        int         `json:"adam_steps"`
	TrainSeconds float64     `json:"train_seconds"`
}

// TrainDir trains cfg in the run directory dir with the shared life cycle
// of package run: config.json, log.csv, checkpoint.ckpt every
// CheckpointEvery updates and at the end, then policy.npz (package policy)
// and done.json when finished. When
// resuming, the run's saved config is used with cfg.TotalSteps (so a run
// can be extended), the log is cut back to the checkpoint, and training
// continues exactly as it would have without the interruption. With
// [run.Auto] a saved config that differs from cfg (apart from TotalSteps)
// is an error. The returned learner (nil on error) must be closed.
func TrainDir(cfg Config, b compute.Backend, dir string, o DirOptions) (l *Learner, resumed bool, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, false, err
	}
	cfg = cfg.WithDefaults()
	resumed, undo, err := run.Prepare(dir, o.Mode)
	if err != nil {
		return nil, false, err
	}

	ckpt := filepath.Join(dir, run.CheckpointFile)
	if resumed {
		saved, err := ReadConfig(dir)
		if err != nil {
			return nil, false, fmt.Errorf("resuming %s: %w", dir, err)
		}
		if o.Mode == run.Auto {
			a, b := saved.WithDefaults(), cfg
			a.TotalSteps, b.TotalSteps = 0, 0
			if err := run.SameConfig(dir, a, b); err != nil {
				return nil, false, err
			}
		}
		saved.TotalSteps = cfg.TotalSteps
		cfg = saved
	}
	learner, err := New(cfg, b)
	if err != nil {
		undo() // nothing was written: a rejected run leaves no directory behind
		return nil, false, err
	}
	defer func() {
		if err != nil {
			learner.Close()
		}
	}()
	l = learner
	if resumed {
		if err := l.Restore(ckpt); err != nil {
			return nil, false, fmt.Errorf("resuming %s: %w", dir, err)
		}
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, run.ConfigFile), l.Cfg); err != nil {
		return nil, false, err
	}
	if e := l.Embedding; e != nil { // Dyn-E's pretraining, redone identically on resume
		rep := EmbeddingReport{Config: l.Cfg.dyneConfig().WithDefaults(), Latent: e.Latent, Held: e.Held, Steps: e.Steps, TrainSeconds: e.TrainSeconds}
		if err := atomicfile.WriteJSON(filepath.Join(dir, EmbeddingFile), rep); err != nil {
			return nil, false, err
		}
	}
	var lg *runlog.CSV
	if resumed {
		lg, err = runlog.ResumeCSV(filepath.Join(dir, run.LogFile), l.Updates)
	} else {
		lg, err = runlog.NewCSV(filepath.Join(dir, run.LogFile), false)
	}
	if err != nil {
		return nil, false, err
	}
	defer lg.Close()
	every := o.CheckpointEvery
	if every <= 0 {
		every = 10
	}
	var logger runlog.Logger = lg
	if o.Logger != nil {
		logger = runlog.Multi{lg, o.Logger}
	}
	err = l.Train(TrainOptions{Logger: logger, Progress: o.Progress, CheckpointEvery: every, Context: o.Context,
		Checkpoint: func(l *Learner) error { return l.Save(ckpt) }})
	if err != nil {
		return nil, resumed, fmt.Errorf("training %s on %s: %w", l.Cfg.Algo, l.Cfg.Task, err)
	}
	if err := l.SavePolicy(filepath.Join(dir, run.PolicyFile)); err != nil {
		return nil, resumed, err
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, run.DoneFile), map[string]any{"steps": l.Step, "updates": l.Updates}); err != nil {
		return nil, resumed, err
	}
	return l, resumed, nil
}
