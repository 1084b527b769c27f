package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/ppo"
	"github.com/ndp-go/ndp/runlog"
)

// trainRun trains cfg into the run directory out (or, with resume, goes on
// with the run there up to cfg.TotalSteps) and returns the learner. Messages
// go to w, the progress bar to prog (nil: none).
func trainRun(cfg ppo.Config, b compute.Backend, out string, resume bool, ckptEvery int, w, prog io.Writer) (*ppo.Learner, error) {
	if err := mkdir(out); err != nil {
		return nil, err
	}
	var l *ppo.Learner
	var err error
	if resume {
		saved, err := ppo.ReadConfig(out)
		if err != nil {
			return nil, fmt.Errorf("--resume: %w", err)
		}
		saved.TotalSteps = cfg.TotalSteps
		if l, err = ppo.New(saved, b); err != nil {
			return nil, err
		}
		if err := l.Restore(filepath.Join(out, ppo.CheckpointFile)); err != nil {
			l.Close()
			return nil, fmt.Errorf("--resume: %w", err)
		}
		fmt.Fprintf(w, "resuming %s at %d env steps, update %d\n", out, l.Step, l.Updates)
	} else if l, err = ppo.New(cfg, b); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteJSON(filepath.Join(out, ppo.ConfigFile), l.Cfg); err != nil {
		l.Close()
		return nil, err
	}
	logger, err := runlog.NewCSV(filepath.Join(out, ppo.LogFile), resume)
	if err != nil {
		l.Close()
		return nil, err
	}
	defer logger.Close()
	ckpt := filepath.Join(out, ppo.CheckpointFile)
	err = l.Train(ppo.TrainOptions{Logger: logger, Progress: prog, CheckpointEvery: ckptEvery,
		Checkpoint: func(l *ppo.Learner) error { return l.Save(ckpt) }})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("training %s on %s: %w", l.Cfg.Algo, l.Cfg.Task, err)
	}
	return l, nil
}
