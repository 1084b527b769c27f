package ppo

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/policy"
	"github.com/ndp-go/ndp/rl"
	"github.com/ndp-go/ndp/runlog"
)

// quickDyne is a Dyn-E exploration budget for tests that only need the
// learner to run (pretraining takes about a second).
const quickDyne = 2000

func TestUpdateSmoke(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]Config{}
	for _, algo := range Algos() {
		cases[algo] = Config{Algo: algo}
	}
	cases["ndp shared value"] = Config{Algo: AlgoNDP, SharedValue: true} // the authors' critic
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			cfg.Task, cfg.Seed, cfg.NumEnvs, cfg.RolloutSteps, cfg.Epochs, cfg.Minibatches, cfg.TotalSteps = "push", 1, 2, 160, 2, 4, 1000
			cfg.DyneSamples = quickDyne
			l, err := New(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			rec, err := l.Update()
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rec)
			for _, k := range []string{"pg_loss", "v_loss", "approx_kl", "clipfrac", "entropy"} {
				v, ok := rec.Get(k)
				if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s = %v (present %v)", k, v, ok)
				}
			}
			if got, _ := rec.Get("global_step"); got != 320 {
				t.Errorf("global_step = %v, want 320", got)
			}
		})
	}
}

func TestMetricNamesMatchRecord(t *testing.T) {
	b, _ := backend.New("go")
	l, err := New(Config{Algo: AlgoNDP, Task: "push", Seed: 2, NumEnvs: 2, RolloutSteps: 50, Epochs: 1, Minibatches: 2, TotalSteps: 100, EvalEpisodes: 2, EvalEvery: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var recs []runlog.Record
	err = l.Train(TrainOptions{OnUpdate: func(r runlog.Record) error { recs = append(recs, r); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d updates for 100 steps at 100 per update", len(recs))
	}
	if len(recs[0]) != len(MetricNames) {
		t.Fatalf("record has %d fields, MetricNames documents %d", len(recs[0]), len(MetricNames))
	}
	for i, f := range recs[0] {
		if f.Key != MetricNames[i].Name {
			t.Errorf("column %d is %q, documented as %q", i, f.Key, MetricNames[i].Name)
		}
	}
	if v, _ := recs[0].Get("eval_success"); math.IsNaN(v) {
		t.Error("evaluation was due but eval_success is NaN")
	}
}

func TestEveryTaskRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	b, _ := backend.New("go")
	for _, task := range []string{"push", "soccer", "faucet", "throw", "pick"} {
		for _, algo := range Algos() {
			t.Run(task+"/"+algo, func(t *testing.T) {
				l, err := New(Config{Algo: algo, Task: task, Seed: 1, NumEnvs: 2, RolloutSteps: 60, Epochs: 1, Minibatches: 2, TotalSteps: 120, DyneSamples: quickDyne}, b)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				rec, err := l.Update()
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"pg_loss", "v_loss"} {
					if v, _ := rec.Get(k); math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("%s = %v", k, v)
					}
				}
				if _, err := l.Evaluate(2, 0, true); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A checkpoint round trip restores weights, counters, normalisers and the
// rng, so training resumed from it continues exactly as the original does.
func TestCheckpointResumeIsExact(t *testing.T) {
	b, _ := backend.New("go")
	// Dyn-E's resumed learner pretrains its embedding again: it must be
	// the same, and the checkpoint holds the decoder's weights anyway.
	for _, algo := range []string{AlgoNDP, AlgoDyne} {
		t.Run(algo, func(t *testing.T) {
			cfg := Config{Algo: algo, Task: "push", Seed: 4, NumEnvs: 2, RolloutSteps: 50, Epochs: 1, Minibatches: 2, TotalSteps: 1000, DyneSamples: quickDyne}
			a, err := New(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.Update(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), CheckpointFile)
			if err := a.Save(path); err != nil {
				t.Fatal(err)
			}
			c, err := New(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Restore(path); err != nil {
				t.Fatal(err)
			}
			if c.Step != a.Step || c.Updates != a.Updates {
				t.Fatalf("restored counters (%d, %d), want (%d, %d)", c.Step, c.Updates, a.Step, a.Updates)
			}
			// Both continue the episodes in progress (rollouts of 50 steps end
			// mid-episode on push, whose episodes are 150 steps).
			for u := range 3 {
				ra, err := a.Update()
				if err != nil {
					t.Fatal(err)
				}
				rc, err := c.Update()
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range ra {
					if strings.HasPrefix(f.Key, "time_") || f.Key == "fps" {
						continue
					}
					vc, _ := rc.Get(f.Key)
					if f.Value != vc && !(math.IsNaN(f.Value) && math.IsNaN(vc)) {
						t.Errorf("update %d after resume: %s = %v, original %v", u+1, f.Key, vc, f.Value)
					}
				}
			}
			// A corrupt file is an error, not a panic.
			if err := os.WriteFile(path, []byte("NDPCKPT1 garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.Restore(path); err == nil {
				t.Error("corrupt checkpoint: want an error")
			}
		})
	}
}

// TestLearnsPushEasy is the short learning test: on push-easy (fixed puck
// and goal) NDP-PPO goes from never succeeding to solving the task in 40k
// env steps (about 10 s on 2 cores), and so does VICES on its torque-driven
// variant (about 20 s; its random first actions already succeed at times).
func TestLearnsPushEasy(t *testing.T) {
	if testing.Short() {
		t.Skip("learning test")
	}
	b, _ := backend.New("go")
	for _, tc := range []struct{ algo, explore string }{{AlgoNDP, ExploreStep}, {AlgoNDP, ExploreDecision}, {AlgoVICES, ""}, {AlgoDyne, ""}} {
		explore := tc.explore
		t.Run(tc.algo+"/"+explore, func(t *testing.T) {
			cfg := Config{Algo: tc.algo, Task: "push-easy", Seed: 1, TotalSteps: 40000, NumEnvs: 4, RolloutSteps: 250,
				Minibatches: 8, EvalEvery: -1, EvalEpisodes: 10, Explore: explore, DyneSamples: 20000}
			l, err := New(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var succ []float64
			err = l.Train(TrainOptions{OnUpdate: func(r runlog.Record) error {
				v, _ := r.Get("success")
				succ = append(succ, v)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			first, last := succ[0], 0.0
			for _, v := range succ[len(succ)-10:] {
				if !math.IsNaN(v) {
					last += v / 10
				}
			}
			ev, err := l.Evaluate(10, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("sampled success: first update %.2f, last 10 updates %.2f; deterministic eval %.2f", first, last, ev.Success)
			if (tc.algo == AlgoNDP && first != 0) || !(last > first) || last < 0.15 || ev.Success < 0.5 {
				t.Errorf("%s (explore %s) did not learn push-easy: success %.2f → %.2f (sampled), %.2f deterministic", tc.algo, explore, first, last, ev.Success)
			}
		})
	}
}

// A run that diverges stops with an error naming the cause, and the last
// checkpoint written before it still loads with finite weights.
func TestDivergenceKeepsLastGoodCheckpoint(t *testing.T) { // lr 10 diverges in update 2 with this seed
	b, _ := backend.New("go")
	cfg := Config{Algo: AlgoPPO, Task: "push", Seed: 1, NumEnvs: 2, RolloutSteps: 50, Epochs: 4, Minibatches: 2,
		TotalSteps: 20000, LR: 10, NoAnnealLR: true, EvalEvery: -1}
	l, err := New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	path := filepath.Join(t.TempDir(), CheckpointFile)
	saves := 0
	err = l.Train(TrainOptions{CheckpointEvery: 1, Checkpoint: func(l *Learner) error { saves++; return l.Save(path) }})
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("Train with lr 10: err = %v, want a divergence error", err)
	}
	t.Log(err)
	if saves == 0 {
		t.Fatal("diverged in the first update; no checkpoint to test")
	}
	c, err := New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Restore(path); err != nil {
		t.Fatalf("the last good checkpoint does not load: %v", err)
	}
	if err := c.checkFinite(nil); err != nil {
		t.Fatalf("the kept checkpoint is not finite: %v", err)
	}
}

// The policy file a run writes acts exactly like the learner that wrote it.
func TestPolicyFileActsLikeTheLearner(t *testing.T) {
	b, _ := backend.New("go")
	for _, algo := range Algos() {
		t.Run(algo, func(t *testing.T) {
			l, err := New(Config{Algo: algo, Task: "push", Seed: 3, NumEnvs: 2, RolloutSteps: 50, Epochs: 1, Minibatches: 2, TotalSteps: 100, DyneSamples: quickDyne}, b)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if _, err := l.Update(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "policy.npz")
			if err := l.SavePolicy(path); err != nil {
				t.Fatal(err)
			}
			a, err := policy.Open(path, b)
			if err != nil {
				t.Fatal(err)
			}
			if a.Meta.Learner != algo || a.Meta.Task != l.Cfg.EnvTask() || a.Meta.Steps != l.Step || a.Meta.ObsNorm == nil {
				t.Errorf("meta = %+v", a.Meta)
			}
			want, err := l.Policy()(l.obs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.Act(l.obs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("policy file actions %v, learner %v", got[:4], want[:4])
			}
			if _, err := a.Act([][]float64{{1, 2}}); err == nil {
				t.Error("a short observation: want an error")
			}
		})
	}
}

// With --explore decision the k actions of a decision carry one noise draw:
// a_j − μ_j is the same for every j; with step they differ.
func TestExploreDecisionSharesNoise(t *testing.T) {
	b, _ := backend.New("go")
	for _, mode := range []string{ExploreStep, ExploreDecision} {
		t.Run(mode, func(t *testing.T) {
			l, buf := collected(t, b, Config{Algo: AlgoPPOMulti, Task: "push", Seed: 2, NumEnvs: 2, RolloutSteps: 50, Epochs: 1, Minibatches: 2, TotalSteps: 100, Explore: mode})
			K, A, O := l.Cfg.K, l.Spec.ActDim, l.Spec.ObsDim
			rows := len(buf.obs) / O
			res, err := l.Model.Forward(model.Batch{Obs: model.F32(buf.obs, rows, O)})
			if err != nil {
				t.Fatal(err)
			}
			mean, err := l.Spec.Means(res, rows)
			if err != nil {
				t.Fatal(err)
			}
			shared := true
			for r := range rows {
				for j := 1; j < K; j++ {
					for i := range A {
						e0 := float64(buf.act[(r*K)*A+i]) - mean[(r*K)*A+i]
						ej := float64(buf.act[(r*K+j)*A+i]) - mean[(r*K+j)*A+i]
						if math.Abs(e0-ej) > 1e-4 {
							shared = false
						}
					}
				}
			}
			if shared != (mode == ExploreDecision) {
				t.Errorf("%s: noise shared across the decision = %v", mode, shared)
			}
		})
	}
	if err := (Config{Task: "push", Explore: "sometimes"}).Validate(); err == nil {
		t.Error("unknown explore mode: want an error")
	}
}

// TestExploreParamsLogProb: the log-probability stored at collection is the
// Gaussian density of the sampled θ computed directly, and the loss graph
// computes the same one (the first minibatch of an update, before any step,
// has ratio 1: approx_kl 0, no clipping).
func TestExploreParamsLogProb(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	l, buf := collected(t, b, Config{Algo: AlgoNDP, Task: "push", Seed: 3, NumEnvs: 2, RolloutSteps: 20, Epochs: 1, Minibatches: 1, TotalSteps: 1000, Explore: ExploreParams})
	sigma, err := l.extraParam(logStdParamsName)
	if err != nil {
		t.Fatal(err)
	}
	P, K, scale := len(sigma), l.Cfg.K, l.Model.Cfg.OutputScale
	// Φ(s) again, without noise, from the stored (normalised) observation.
	res, err := l.Model.Forward(l.minibatch(buf, make([]float32, len(buf.val)), make([]float32, len(buf.val)), []int{0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := tensors.CopyFlatData[float32](res.Head)
	for r := range 2 {
		theta, mu := make([]float64, P), make([]float64, P)
		logs := make([]float64, P)
		for p := range P {
			theta[p], mu[p] = float64(buf.theta[r*P+p])/scale, float64(head[r*P+p])/scale
			logs[p] = math.Log(sigma[p])
		}
		want := rl.GaussianLogProb(theta, mu, logs)
		for j := range K {
			if got := float64(buf.logp[r*K+j]); math.Abs(got-want) > 1e-3*math.Abs(want)+1e-3 {
				t.Errorf("decision %d step %d: stored log p %v, direct %v", r, j, got, want)
			}
		}
	}
	rec, err := l.Update()
	if err != nil {
		t.Fatal(err)
	}
	kl, _ := rec.Get("approx_kl")
	clip, _ := rec.Get("clipfrac")
	if math.Abs(kl) > 1e-5 || clip != 0 {
		t.Errorf("first minibatch: approx_kl %v, clipfrac %v; want 0, 0 (graph and collection log p differ)", kl, clip)
	}
	if err := (Config{Algo: AlgoPPO, Task: "push", Explore: ExploreParams}).Validate(); err == nil {
		t.Error("params exploration on raw PPO: want an error")
	}
}

func TestValidateRejectsNonFinite(t *testing.T) {
	for _, c := range []Config{{TargetKL: math.NaN()}, {WeightScale: math.NaN()}, {InitLogStd: math.Inf(1)}, {ClipCoef: math.Inf(1)}, {MaxGradNorm: math.Inf(1)}} {
		c.Task = "push"
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

// collected is a new learner for cfg (closed at the test's end) and one
// update's collected buffer.
func collected(t *testing.T, b compute.Backend, cfg Config) (*Learner, *buffer) {
	t.Helper()
	l, err := New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	buf, _, err := l.collect()
	if err != nil {
		t.Fatal(err)
	}
	return l, buf
}

func TestValidateRejectsUnknownTasks(t *testing.T) {
	if err := (Config{Task: "foo"}).Validate(); err == nil || !strings.Contains(err.Error(), "push") {
		t.Errorf("unknown task: %v, want an error listing the tasks", err)
	}
}

// TestRestoreRejectsForeignCheckpoints: a checkpoint of another task with
// the same network, and one with counters off the grid of whole updates,
// are refused instead of resumed.
func TestRestoreRejectsForeignCheckpoints(t *testing.T) {
	b, _ := backend.New("go")
	cfg := Config{Algo: AlgoNDP, Task: "push", Seed: 4, NumEnvs: 2, RolloutSteps: 50, Epochs: 1, Minibatches: 2, TotalSteps: 1000}
	a, err := New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dir := t.TempDir()
	push := filepath.Join(dir, "push.ckpt")
	if err := a.Save(push); err != nil {
		t.Fatal(err)
	}
	a.Model.SetAux(auxCounters, []float64{-100, 1})
	absurd := filepath.Join(dir, "absurd.ckpt")
	if err := a.Model.Save(absurd); err != nil {
		t.Fatal(err)
	}
	easy := cfg
	easy.Task = "push-easy"
	for _, tc := range []struct {
		name string
		cfg  Config
		path string
		want string
	}{
		{"other task", easy, push, `checkpoint of task "push"`},
		{"negative steps", cfg, absurd, "cannot be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(tc.cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := l.Restore(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestExecutePartOfThePlan: with --execute m < k each decision runs the
// first m of its k planned steps and masks the rest; an update still takes
// num-envs × rollout-steps env steps; execute = k is the default exactly.
func TestExecutePartOfThePlan(t *testing.T) {
	b, _ := backend.New("go")
	cfg := Config{Algo: AlgoNDP, Task: "push", Seed: 2, NumEnvs: 2, RolloutSteps: 60, Epochs: 1, Minibatches: 2, TotalSteps: 1000, Execute: 2}
	l, buf := collected(t, b, cfg)
	K, S := l.Cfg.K, l.Cfg.Decisions()
	if S != 30 || l.Step != 120 {
		t.Fatalf("%d decisions per env and %d env steps, want 30 and 120", S, l.Step)
	}
	for r := range len(buf.mask) / K {
		for j := range K {
			if want := float32(0); j < 2 {
				want = 1
				if buf.mask[r*K+j] != want && j == 0 {
					t.Fatalf("decision %d: step %d not executed", r, j)
				}
			} else if buf.mask[r*K+j] != want {
				t.Fatalf("decision %d: planned step %d of %d executed with execute 2", r, j, K)
			}
		}
	}
	if l.Spec.Executed() != 2 {
		t.Errorf("spec executes %d steps, want 2 (policy files must replan as training did)", l.Spec.Executed())
	}
	// execute = k is the whole plan: identical to the default.
	full, def := cfg, cfg
	full.Execute, def.Execute = 5, 0
	a, err := New(full, b)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c, err := New(def, b)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ra, err := a.Update()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Update()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pg_loss", "v_loss", "approx_kl"} {
		va, _ := ra.Get(k)
		vc, _ := rc.Get(k)
		if va != vc {
			t.Errorf("%s: %v with execute 5, %v with the default", k, va, vc)
		}
	}
}
