package ppo

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/schollz/progressbar/v3"

	"github.com/ndp-go/ndp/run"
	"github.com/ndp-go/ndp/runlog"
)

// MetricNames documents every column of the training log, in order.
var MetricNames = []struct{ Name, Meaning string }{
	{"global_step", "env steps taken so far (the x axis of every curve)"},
	{"update", "PPO updates done"},
	{"episodes", "training episodes that ended during this update"},
	{"ep_return", "their mean undiscounted return (NaN if none ended)"},
	{"ep_length", "their mean length in env steps"},
	{"success", "fraction of them successful at any step (sampled actions)"},
	{"final_success", "fraction successful at their last step"},
	{"pg_loss", "clipped surrogate loss, mean over minibatches"},
	{"v_loss", "(clipped) value loss, mean over minibatches"},
	{"entropy", "entropy of the Gaussian policy per step"},
	{"approx_kl", "mean of (r − 1) − log r, the KL estimate of CleanRL"},
	{"clipfrac", "fraction of steps whose ratio left [1−ε, 1+ε]"},
	{"explained_var", "1 − Var[R − V]/Var[R] over the rollout"},
	{"grad_norm", "global gradient norm before clipping, mean over minibatches"},
	{"action_std", "mean σ of the policy"},
	{"lr", "learning rate of the last minibatch"},
	{"fps", "env steps per second of wall time, this update"},
	{"time_env_s", "seconds stepping physics (and bookkeeping) this update"},
	{"time_policy_s", "seconds in policy queries while collecting"},
	{"time_update_s", "seconds optimising"},
	{"eval_success", "deterministic evaluation: success at any step (NaN when not evaluated)"},
	{"eval_final_success", "deterministic evaluation: success at the last step"},
	{"eval_return", "deterministic evaluation: mean return"},
	{"eval_success_sampled", "sampled-action evaluation: success at any step"},
}

// TrainOptions wire a training run to the outside world.
type TrainOptions struct {
	Logger   runlog.Logger // receives one record per update (nil: none)
	Progress io.Writer     // progress bar destination (nil: none)
	// Checkpoint, if set, is called every CheckpointEvery updates and at the
	// end, e.g. to save the learner atomically.
	Checkpoint      func(*Learner) error
	CheckpointEvery int
	// OnUpdate, if set, sees every record after logging; returning an error
	// stops training (an early-stopping or custom callback).
	OnUpdate func(runlog.Record) error
	// Context, if set, stops training when cancelled (e.g. by run.OnSignal):
	// the update in progress finishes, the checkpoint is written and Train
	// returns run.ErrInterrupted.
	Context context.Context
}

// Train runs updates until Cfg.TotalSteps env steps have been taken
// (continuing from l.Step when resumed).
func (l *Learner) Train(opts TrainOptions) error {
	cfg := l.Cfg
	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = progressbar.NewOptions64(cfg.TotalSteps,
			progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionSetDescription(fmt.Sprintf("%s %s seed %d", cfg.Algo, cfg.Task, cfg.Seed)),
			progressbar.OptionShowCount(), progressbar.OptionSetItsString("steps"), progressbar.OptionShowIts(),
			progressbar.OptionThrottle(200e6), progressbar.OptionSetWidth(30))
		_ = bar.Set64(l.Step)
	}
	for l.Step < cfg.TotalSteps {
		rec, err := l.Update()
		if err != nil {
			return fmt.Errorf("ppo: update %d: %w", l.Updates+1, err)
		}
		rec, err = l.withEval(rec)
		if err != nil {
			return err
		}
		if opts.Logger != nil {
			if err := opts.Logger.Log(rec); err != nil {
				return err
			}
		}
		if err := l.checkFinite(rec); err != nil { // before any checkpoint: keep the last good one
			return fmt.Errorf("ppo: training diverged at update %d: %w; the last good checkpoint is kept (try a lower --lr)", l.Updates, err)
		}
		if bar != nil {
			_ = bar.Set64(min(l.Step, cfg.TotalSteps))
			s, _ := rec.Get("success")
			e, _ := rec.Get("eval_success")
			bar.Describe(fmt.Sprintf("%s %s seed %d | success %s eval %s", cfg.Algo, cfg.Task, cfg.Seed, pct(s), pct(e)))
		}
		stop := opts.Context != nil && opts.Context.Err() != nil
		due := opts.CheckpointEvery > 0 && l.Updates%opts.CheckpointEvery == 0
		if opts.Checkpoint != nil && (due || stop) {
			if err := opts.Checkpoint(l); err != nil {
				return err
			}
		}
		if stop {
			if bar != nil {
				fmt.Fprintln(opts.Progress)
			}
			return fmt.Errorf("ppo: %w at %d env steps (update %d)", run.ErrInterrupted, l.Step, l.Updates)
		}
		if opts.OnUpdate != nil {
			if err := opts.OnUpdate(rec); err != nil {
				return err
			}
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(opts.Progress)
	}
	if opts.Checkpoint != nil {
		return opts.Checkpoint(l)
	}
	return nil
}

// checkFinite reports a non-finite loss metric or weight.
func (l *Learner) checkFinite(rec runlog.Record) error {
	for _, k := range append([]string{"grad_norm"}, lossMetrics...) {
		if v, ok := rec.Get(k); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return fmt.Errorf("%s = %v", k, v)
		}
	}
	w, err := l.Model.Weights()
	if err != nil {
		return err
	}
	for i, t := range w {
		for _, v := range t {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("weight %s holds %v", l.Model.Spec.Names[i], v)
			}
		}
	}
	return nil
}

// withEval appends the evaluation columns, evaluating when due (every
// EvalEvery updates and when training ends).
func (l *Learner) withEval(rec runlog.Record) (runlog.Record, error) {
	cfg := l.Cfg
	nan := math.NaN()
	det, sam := EvalResult{Success: nan, FinalSuccess: nan, Return: nan}, EvalResult{Success: nan}
	due := cfg.EvalEvery > 0 && (l.Updates%cfg.EvalEvery == 0 || l.Step >= cfg.TotalSteps)
	if due {
		var err error
		if det, err = l.Evaluate(cfg.EvalEpisodes, l.Updates, true); err != nil {
			return nil, err
		}
		if cfg.Explore != ExploreParams { // its noise is not on the actions
			if sam, err = l.Evaluate(cfg.EvalEpisodes, l.Updates, false); err != nil {
				return nil, err
			}
		}
	}
	return append(rec,
		runlog.Field{Key: "eval_success", Value: det.Success},
		runlog.Field{Key: "eval_final_success", Value: det.FinalSuccess},
		runlog.Field{Key: "eval_return", Value: det.Return},
		runlog.Field{Key: "eval_success_sampled", Value: sam.Success},
	), nil
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "  - "
	}
	return fmt.Sprintf("%3.0f%%", 100*v)
}
