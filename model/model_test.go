package model_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/model"
)

// smallNDP is a quick MLP-NDP config for tests.
func smallNDP() model.Config {
	return model.Config{Net: model.NetMLP, ObsDim: 5, Hidden: []int{8, 8}, DoF: 2,
		DMP: model.DMPConfig{N: 4, T: 5, Substeps: 3}, Omega: "deltas", Seed: 7}
}

func batchFor(rng *rand.Rand, cfg model.Config, B int, extra ...*tensors.Tensor) model.Batch {
	cfg = cfg.WithDefaults()
	b := model.Batch{Extra: extra}
	if cfg.Net == model.NetCNN {
		b.Obs = model.F32(randF32(rng, B*cfg.ImageH*cfg.ImageW, 1), B, cfg.ImageH, cfg.ImageW)
	} else {
		b.Obs = model.F32(randF32(rng, B*cfg.ObsDim, 1), B, cfg.ObsDim)
	}
	if cfg.Head == model.HeadNDP {
		b.Y0 = model.F32(randF32(rng, B*cfg.DoF, 1), B, cfg.DoF)
		b.DY0 = model.F32(randF32(rng, B*cfg.DoF, 0.1), B, cfg.DoF)
	} else if st := cfg.StartInput; st != nil {
		b.Y0 = model.F32(randF32(rng, B*len(st.Mean), 1), B, len(st.Mean))
	}
	return b
}

func flat(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(c *model.Config)
		wantErr string
	}{
		{"ok", func(*model.Config) {}, ""},
		{"no obs", func(c *model.Config) { c.ObsDim = 0 }, "obs_dim"},
		{"bad net", func(c *model.Config) { c.Net = "rnn" }, "unknown net"},
		{"bad head", func(c *model.Config) { c.Head = "spline" }, "unknown head"},
		{"no dof", func(c *model.Config) { c.DoF = 0 }, "dof"},
		{"bad kernel", func(c *model.Config) { c.DMP.Kernel = "cubic" }, "kernel"},
		{"bad omega", func(c *model.Config) { c.Omega = "torque" }, "omega"},
		{"bad activation", func(c *model.Config) { c.Activation = "gelu" }, "activation"},
		{"bad hidden", func(c *model.Config) { c.Hidden = []int{4, 0} }, "hidden"},
		{"raw without width", func(c *model.Config) { c.Head = model.HeadRaw }, "out_dim"},
		{"bad lr", func(c *model.Config) { c.Optim.LR = -1 }, "optimizer"},
		{"bad extra", func(c *model.Config) { c.Extra = []model.ParamSpec{{Name: "s", Shape: []int{0}}} }, "extra"},
		{"cnn critic", func(c *model.Config) { c.Net = model.NetCNN; c.ValueHeads = 2 }, "value heads"},
		{"shared value without critic", func(c *model.Config) { c.ValueHeads, c.SharedValue = 0, true }, "shared_value"},
		{"standardised", standardise, ""},
		{"short shift", func(c *model.Config) { standardise(c); c.HeadShift = c.HeadShift[1:] }, "head_shift"},
		{"zero scale", func(c *model.Config) { standardise(c); c.HeadScale[3] = 0 }, "positive scale"},
		{"nan shift", func(c *model.Config) { standardise(c); c.HeadShift[0] = math.NaN() }, "finite"},
		{"direct only g", func(c *model.Config) { c.DMP.DirectForcing, c.DMP.OnlyG = true, true }, "direct_forcing"},
		{"start input on an mlp", func(c *model.Config) { c.StartInput = startInput(2) }, "start_input"},
		{"start input of the wrong width", func(c *model.Config) { c.Net = model.NetCNN; c.StartInput = startInput(3) }, "start_input"},
		{"start input with zero std", func(c *model.Config) { c.Net = model.NetCNN; c.StartInput = startInput(2); c.StartInput.Std[1] = 0 }, "positive std"},
		{"cnn with start input", func(c *model.Config) { c.Net = model.NetCNN; c.StartInput = startInput(2) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := smallNDP()
			tc.mutate(&c)
			err := c.Validate()
			if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
			if err != nil {
				if _, err := model.New(c, testBackend(t)); err == nil {
					t.Fatal("New accepted an invalid config")
				}
			}
		})
	}
}

// TestDecodeStandardisedHead: a standardised head reads each DMP output
// as shift + scale·out.
func TestDecodeStandardisedHead(t *testing.T) {
	c := smallNDP()
	standardise(&c)
	row := make([]float32, c.HeadWidth())
	for i := range row {
		row[i] = float32(i) / 10
	}
	w, g, err := c.DecodeHead(row, []float32{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	N := c.DMP.N
	for d := range c.DoF {
		for i := range N {
			j := d*(N+1) + i
			if want := c.HeadShift[j] + c.HeadScale[j]*float64(row[j]); math.Abs(float64(w[d*N+i])-want) > 1e-5 {
				t.Errorf("w[%d][%d] = %v, want %v", d, i, w[d*N+i], want)
			}
		}
		j := d*(N+1) + N
		if want := c.HeadShift[j] + c.HeadScale[j]*float64(row[j]); math.Abs(float64(g[d])-want) > 1e-5 {
			t.Errorf("g[%d] = %v, want %v", d, g[d], want)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := smallNDP()
	c.ValueHeads = 5
	c.Extra = []model.ParamSpec{{Name: "log_std", Shape: []int{2}, Init: -0.5}}
	c = c.WithDefaults()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back model.Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) || !reflect.DeepEqual(back.WithDefaults(), c) {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", back, c)
	}
}

func TestSeedDeterminism(t *testing.T) {
	b := testBackend(t)
	m1, _ := model.New(smallNDP(), b)
	m2, _ := model.New(smallNDP(), b)
	c := smallNDP()
	c.Seed++
	m3, _ := model.New(c, b)
	w1, _ := m1.Weights()
	w2, _ := m2.Weights()
	w3, _ := m3.Weights()
	if !reflect.DeepEqual(w1, w2) {
		t.Error("same seed gave different weights")
	}
	if reflect.DeepEqual(w1, w3) {
		t.Error("different seeds gave the same weights")
	}
}

// TestForwardShapes runs Forward for each kind of model.
func TestForwardShapes(t *testing.T) {
	b := testBackend(t)
	tests := []struct {
		name                   string
		cfg                    model.Config
		action, traj, valueDim []int
	}{
		{"ndp deltas", smallNDP(), []int{3, 2, 5}, []int{3, 2, 6}, nil},
		{"ndp identity", func() model.Config { c := smallNDP(); c.Omega = "identity"; return c }(), []int{3, 2, 6}, []int{3, 2, 6}, nil},
		{"raw + critic", model.Config{ObsDim: 5, Hidden: []int{8}, Head: model.HeadRaw, OutDim: 7, ValueHeads: 4}, []int{3, 7}, nil, []int{3, 4}},
		{"raw + shared critic", model.Config{ObsDim: 5, Hidden: []int{8}, Head: model.HeadRaw, OutDim: 7, ValueHeads: 4, SharedValue: true}, []int{3, 7}, nil, []int{3, 4}},
		{"cnn ndp", model.Config{Net: model.NetCNN, ImageH: 16, ImageW: 16, DoF: 2, DMP: model.DMPConfig{N: 3, T: 10}}, []int{3, 2, 11}, []int{3, 2, 11}, nil},
		{"cnn ndp + start", model.Config{Net: model.NetCNN, ImageH: 16, ImageW: 16, DoF: 2, DMP: model.DMPConfig{N: 3, T: 10}, StartInput: startInput(2)}, []int{3, 2, 11}, []int{3, 2, 11}, nil},
		{"cnn raw + start", model.Config{Net: model.NetCNN, ImageH: 16, ImageW: 16, Head: model.HeadRaw, OutDim: 7, StartInput: startInput(3)}, []int{3, 7}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := model.New(tc.cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.Forward(batchFor(rand.New(rand.NewPCG(1, 1)), tc.cfg, 3))
			if err != nil {
				t.Fatal(err)
			}
			check := func(name string, x *tensors.Tensor, want []int) {
				if want == nil {
					if x != nil {
						t.Errorf("%s = %s, want nil", name, x.Shape())
					}
					return
				}
				if x == nil || !reflect.DeepEqual(x.Shape().Dimensions, want) {
					t.Errorf("%s has shape %v, want %v", name, x, want)
				}
			}
			check("action", res.Action, tc.action)
			check("y", res.Y, tc.traj)
			check("ddy", res.DDY, tc.traj)
			check("value", res.Value, tc.valueDim)
			if tc.cfg.SharedValue && res.Value != nil {
				// One output repeated: every head of a row is the same value.
				v := tensors.MustCopyFlatData[float32](res.Value)
				K := tc.cfg.ValueHeads
				for i := range v {
					if v[i] != v[i-i%K] {
						t.Errorf("shared value row %d: head %d = %v, head 0 = %v", i/K, i%K, v[i], v[i-i%K])
					}
				}
			}
		})
	}
}

func TestForwardBadInputs(t *testing.T) {
	m, _ := model.New(smallNDP(), testBackend(t))
	rng := rand.New(rand.NewPCG(1, 1))
	good := batchFor(rng, smallNDP(), 2)
	tests := []struct {
		name string
		b    model.Batch
	}{
		{"no obs", model.Batch{Y0: good.Y0, DY0: good.DY0}},
		{"wrong obs width", model.Batch{Obs: model.F32(make([]float32, 8), 2, 4), Y0: good.Y0, DY0: good.DY0}},
		{"missing y0", model.Batch{Obs: good.Obs, DY0: good.DY0}},
		{"wrong dof", model.Batch{Obs: good.Obs, Y0: model.F32(make([]float32, 6), 2, 3), DY0: good.DY0}},
		{"batch mismatch", model.Batch{Obs: good.Obs, Y0: model.F32(make([]float32, 2), 1, 2), DY0: good.DY0}},
		{"float64 obs", model.Batch{Obs: tensors.FromFlatDataAndDimensions(make([]float64, 10), 2, 5), Y0: good.Y0, DY0: good.DY0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.Forward(tc.b); err == nil {
				t.Fatal("Forward accepted a bad batch")
			}
		})
	}
}

// TestTrainStepLearns fits a fixed target with the NDP head and checks the
// loss falls, the schedule and clipping are reported, and that a broken loss
// function is an error, not a panic, and leaves the model usable.
func TestTrainStepLearns(t *testing.T) {
	cfg := smallNDP()
	cfg.Optim = model.OptimConfig{LR: 3e-3, ClipNorm: 1, DecaySteps: 100}
	m, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	target := model.F32(randF32(rng, 8*2*5, 0.05), 8, 2, 5)
	batch := batchFor(rng, cfg, 8, target)
	tr := m.NewTrainer(func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		return model.MSE(out.Action, extra[0]), []*graph.Node{graph.ReduceAllMean(out.G)}
	})
	first, err := tr.Step(batch)
	if err != nil {
		t.Fatal(err)
	}
	var last model.StepStats
	for range 60 {
		if last, err = tr.Step(batch); err != nil {
			t.Fatal(err)
		}
	}
	if !(last.Loss < first.Loss/4) {
		t.Errorf("loss %v → %v, want at least a 4× decrease", first.Loss, last.Loss)
	}
	if first.LR != 3e-3 || math.Abs(float64(last.LR)-3e-3*(1-60.0/100)) > 1e-9 || last.Step != 61 || len(last.Metrics) != 1 {
		t.Errorf("stats: first %+v, last %+v", first, last)
	}
	evalLoss, _, err := tr.Eval(batch)
	if err != nil || evalLoss > last.Loss {
		t.Errorf("Eval = %v, %v; last train loss %v", evalLoss, err, last.Loss)
	}
	bad := m.NewTrainer(func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) { return out.Y, nil })
	if _, err := bad.Step(batch); err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Errorf("non-scalar loss: err = %v", err)
	}
	if _, err := tr.Step(batch); err != nil {
		t.Errorf("model unusable after a failed step: %v", err)
	}
}

// TestPPOStyleLoss shows the multi-head API a PPO trainer uses: Gaussian
// log-probs from the NDP action means and a learned log std, k value heads.
func TestPPOStyleLoss(t *testing.T) {
	const k, D, B = 5, 2, 6
	cfg := smallNDP()
	cfg.ValueHeads = k
	cfg.Extra = []model.ParamSpec{{Name: "log_std", Shape: []int{D}, Init: -0.5}}
	m, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	actions := model.F32(randF32(rng, B*D*k, 0.1), B, D, k)
	returns := model.F32(randF32(rng, B*k, 1), B, k)
	tr := m.NewTrainer(func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		logStd := graph.Reshape(out.Param("log_std"), 1, D, 1)
		z := graph.Div(graph.Sub(extra[0], out.Action), graph.Exp(logStd)) // [B, D, k]
		logp := graph.Neg(graph.ReduceSum(graph.Add(graph.MulScalar(graph.Square(z), 0.5), logStd), 1))
		policy := graph.Neg(graph.ReduceAllMean(logp))
		value := model.MSE(out.Value, extra[1])
		return graph.Add(policy, graph.MulScalar(value, 0.5)), []*graph.Node{policy, value}
	})
	st, err := tr.Step(batchFor(rng, cfg, B, actions, returns))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Metrics) != 2 || math.IsNaN(float64(st.Loss)) {
		t.Fatalf("stats %+v", st)
	}
	w, _ := m.Weights()
	if ls := w[m.Spec.Index("log_std")]; ls[0] == -0.5 {
		t.Error("log_std was not trained")
	}
}

// TestCheckpointRoundTrip trains, saves, loads and checks that forward
// outputs and the next train step are identical.
func TestCheckpointRoundTrip(t *testing.T) {
	b := testBackend(t)
	cfg := smallNDP()
	cfg.DMP.LearnAlphaZ = true
	m, err := model.New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	batch := batchFor(rng, cfg, 4, model.F32(randF32(rng, 4*2*5, 0.1), 4, 2, 5))
	loss := func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		return model.MSE(out.Action, extra[0]), nil
	}
	tr := m.NewTrainer(loss)
	for range 3 {
		if _, err := tr.Step(batch); err != nil {
			t.Fatal(err)
		}
	}
	m.SetAux("obs_mean", []float64{1, 2, 3})
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := model.Load(path, b)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Steps() != 3 || !reflect.DeepEqual(m2.Aux("obs_mean"), []float64{1, 2, 3}) || !reflect.DeepEqual(m2.Cfg, m.Cfg) {
		t.Fatalf("restored steps %d aux %v", m2.Steps(), m2.Aux("obs_mean"))
	}
	r1, _ := m.Forward(batch)
	r2, _ := m2.Forward(batch)
	closeTo(t, "action", flat(t, r2.Action), flat(t, r1.Action), 0)
	s1, err1 := tr.Step(batch)
	s2, err2 := m2.NewTrainer(loss).Step(batch)
	if err1 != nil || err2 != nil || s1.Loss != s2.Loss {
		t.Fatalf("next step: %v %v, losses %v vs %v", err1, err2, s1.Loss, s2.Loss)
	}
	w1, _ := m.Weights()
	w2, _ := m2.Weights()
	if !reflect.DeepEqual(w1, w2) {
		t.Error("weights differ after one more step from the restored Adam state")
	}
	// LoadInto a model of the same config works; of another config fails.
	m3, _ := model.New(cfg, b)
	if err := m3.LoadInto(path); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Hidden = []int{8, 9}
	m4, _ := model.New(other, b)
	if err := m4.LoadInto(path); err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Fatalf("LoadInto with another config: %v", err)
	}
}

// TestCheckpointCorrupt checks that damaged files give errors, not panics.
func TestCheckpointCorrupt(t *testing.T) {
	b := testBackend(t)
	m, _ := model.New(smallNDP(), b)
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.ckpt")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 0x40
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("definitely not a checkpoint, but long enough")},
		{"truncated", good[:len(good)-9]},
		{"bit flip", flip},
		{"header only", good[:40]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := model.Load(p, b); !errors.Is(err, model.ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
			if err := m.LoadInto(p); !errors.Is(err, model.ErrCorrupt) {
				t.Fatalf("LoadInto = %v, want ErrCorrupt", err)
			}
		})
	}
	if _, err := model.Load(filepath.Join(dir, "missing"), b); err == nil {
		t.Error("missing file loaded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(tests)+1 {
		t.Errorf("temp files left behind: %d entries", len(entries))
	}
}

// standardise gives c a standardised head (shift and scale per DMP output)
// with direct forcing amplitudes.
func standardise(c *model.Config) {
	c.DMP.DirectForcing = true
	w := c.DoF * (c.DMP.N + 1)
	c.HeadShift, c.HeadScale = make([]float64, w), make([]float64, w)
	for i := range w {
		c.HeadShift[i], c.HeadScale[i] = float64(i%5)-2, 0.5+float64(i%3)
	}
}

// TestPolicyMatchesGoMLX checks the pure-Go actor against Forward.
func TestPolicyMatchesGoMLX(t *testing.T) {
	mod := func(f func(c *model.Config)) model.Config { c := smallNDP(); f(&c); return c }
	tests := []struct {
		name string
		cfg  model.Config
	}{
		{"tanh deltas", smallNDP()},
		{"relu identity", mod(func(c *model.Config) { c.Activation = "relu"; c.Omega = "identity" })},
		{"only g", mod(func(c *model.Config) { c.DMP.OnlyG = true })},
		{"learned alpha", mod(func(c *model.Config) { c.DMP.LearnAlphaZ = true; c.DMP.AlphaZ = 7 })},
		{"goal relative", mod(func(c *model.Config) { c.GoalRelative = true; c.DMP.Kernel = "inverse-quadric" })},
		{"goal scale", mod(func(c *model.Config) { c.GoalRelative = true; c.GoalScale = 5 })},
		{"aux outputs", mod(func(c *model.Config) { c.GoalRelative = true; c.GoalScale = 5; c.AuxOut = 2 })},
		{"standardised, direct forcing", mod(standardise)},
		{"standardised, direct, learned alpha", mod(func(c *model.Config) { standardise(c); c.DMP.LearnAlphaZ = true })},
		{"raw", model.Config{ObsDim: 5, Hidden: []int{8}, Head: model.HeadRaw, OutDim: 3, ValueHeads: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := model.New(tc.cfg, testBackend(t))
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Policy()
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 5))
			for range 3 {
				b := batchFor(rng, tc.cfg, 1)
				res, err := m.Forward(b)
				if err != nil {
					t.Fatal(err)
				}
				var y0, dy0 []float32
				if b.Y0 != nil {
					y0, dy0 = flat(t, b.Y0), flat(t, b.DY0)
				}
				got, err := p.Act(flat(t, b.Obs), y0, dy0)
				if err != nil {
					t.Fatal(err)
				}
				closeTo(t, "action", got, flat(t, res.Action), 2e-4)
				if res.Y != nil {
					closeTo(t, "y", p.Trajectory(), flat(t, res.Y), 2e-4)
				}
				if res.Aux != nil {
					closeTo(t, "aux", p.Aux(), flat(t, res.Aux), 2e-4)
				}
			}
			if _, err := p.Act(make([]float32, 2), nil, nil); err == nil {
				t.Error("short observation accepted")
			}
		})
	}
	cnn, _ := model.New(model.Config{Net: model.NetCNN, ImageH: 16, ImageW: 16, DoF: 2}, testBackend(t))
	if _, err := cnn.Policy(); err == nil {
		t.Error("Policy of a CNN model did not fail")
	}
}

// TestAdamMatchesClosedForm trains a parameter p under the linear loss c·p,
// whose gradient c is constant. Adam's bias-corrected moments are then
// exactly c and c², so each step moves p by −lr·c/(|c| + ε) (with c first
// scaled to unit norm when clipping); the network weights get no gradient
// and must not move.
func TestAdamMatchesClosedForm(t *testing.T) {
	c := []float64{1, -2, 0.5}
	norm := math.Sqrt(1 + 4 + 0.25)
	for _, tc := range []struct {
		name string
		clip float64
	}{{"no clip", 0}, {"clip to 1", 1}, {"clip above norm", 10}} {
		t.Run(tc.name, func(t *testing.T) {
			const lr, eps, steps = 0.1, 1e-3, 3
			cfg := model.Config{Net: model.NetMLP, ObsDim: 2, Hidden: []int{3}, Head: model.HeadRaw, OutDim: 1,
				Extra: []model.ParamSpec{{Name: "p", Shape: []int{3}, Init: 0.5}},
				Optim: model.OptimConfig{LR: lr, Eps: eps, ClipNorm: tc.clip}}
			m, err := model.New(cfg, testBackend(t))
			if err != nil {
				t.Fatal(err)
			}
			w0, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			tr := m.NewTrainer(func(out *model.Outputs, _ []*graph.Node) (*graph.Node, []*graph.Node) {
				cn := graph.Const(out.Obs.Graph(), []float32{float32(c[0]), float32(c[1]), float32(c[2])})
				return graph.ReduceAllSum(graph.Mul(out.Param("p"), cn)), nil
			})
			b := model.Batch{Obs: model.F32(make([]float32, 2), 1, 2)}
			for range steps {
				st, err := tr.Step(b)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(float64(st.GradNorm)-norm) > 1e-5 {
					t.Fatalf("grad norm %v, want %v", st.GradNorm, norm)
				}
			}
			w, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			scale := 1.0
			if tc.clip > 0 && tc.clip < norm {
				scale = tc.clip / norm
			}
			want := make([]float32, 3)
			for i, ci := range c {
				g := ci * scale
				want[i] = float32(0.5 - steps*lr*g/(math.Abs(g)+eps))
			}
			pi := m.Spec.Index("p")
			closeTo(t, "p", w[pi], want, 1e-6)
			for i := range w {
				if i != pi {
					closeTo(t, m.Spec.Names[i], w[i], w0[i], 0)
				}
			}
		})
	}
}

// TestHeadNoiseMovesTheDMPNotTheHead: noise on Φ's output (parameter-space
// exploration) changes the trajectory exactly as if Φ had output head +
// noise, leaves Result.Head alone, and zero noise is no noise.
func TestHeadNoiseMovesTheDMPNotTheHead(t *testing.T) {
	cfg := smallNDP()
	m, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	b := batchFor(rng, cfg, 1)
	clean, err := m.Forward(b)
	if err != nil {
		t.Fatal(err)
	}
	W := m.Cfg.HeadWidth()
	b.HeadNoise = model.F32(make([]float32, W), 1, W)
	zero, err := m.Forward(b)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "zero noise", flat(t, zero.Action), flat(t, clean.Action), 0)
	noise := randF32(rng, W, 50)
	b.HeadNoise = model.F32(noise, 1, W)
	noisy, err := m.Forward(b)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "head", flat(t, noisy.Head), flat(t, clean.Head), 0)
	// The same network with its last bias shifted by noise/OutputScale is
	// one whose Φ outputs head + noise.
	shifted, err := model.New(cfg, testBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := m.Weights()
	last := m.Spec.Index("phi/2/b")
	if last < 0 {
		t.Fatalf("no phi/2/b in %v", m.Spec.Names)
	}
	for i := range w[last] {
		w[last][i] += noise[i] / float32(m.Cfg.OutputScale)
	}
	if err := shifted.SetWeights(w); err != nil {
		t.Fatal(err)
	}
	want, err := shifted.Forward(model.Batch{Obs: b.Obs, Y0: b.Y0, DY0: b.DY0})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "noisy action", flat(t, noisy.Action), flat(t, want.Action), 1e-4)
	b.HeadNoise = model.F32(make([]float32, W+1), 1, W+1)
	if _, err := m.Forward(b); err == nil {
		t.Error("noise of the wrong width: want an error")
	}
}

// startInput is a start-input standardiser of width w.
func startInput(w int) *model.Standardiser {
	st := &model.Standardiser{}
	for i := range w {
		st.Mean, st.Std = append(st.Mean, float64(i)), append(st.Std, 0.5+float64(i))
	}
	return st
}

// TestStartInput: a cnn with a start input gives different outputs for the
// same images at different starts, reads the start standardised (a start
// at its mean acts as zeros), and refuses a batch without it.
func TestStartInput(t *testing.T) {
	for _, cfg := range []model.Config{
		{Net: model.NetCNN, ImageH: 16, ImageW: 16, Head: model.HeadRaw, OutDim: 4, StartInput: startInput(2), Seed: 3},
		{Net: model.NetCNN, ImageH: 16, ImageW: 16, Head: model.HeadNDP, DoF: 2, DMP: model.DMPConfig{N: 3, T: 10}, StartInput: startInput(2), Seed: 3},
	} {
		t.Run(cfg.Head, func(t *testing.T) {
			m, err := model.New(cfg, testBackend(t))
			if err != nil {
				t.Fatal(err)
			}
			b := batchFor(rand.New(rand.NewPCG(2, 2)), cfg, 2)
			head := func(y0 []float32) []float32 {
				b.Y0 = model.F32(y0, 2, 2)
				res, err := m.Forward(b)
				if err != nil {
					t.Fatal(err)
				}
				return flat(t, res.Head)
			}
			atMean, moved := head([]float32{0, 1, 0, 1}), head([]float32{3, 1, 0, 1})
			if reflect.DeepEqual(atMean[:len(atMean)/2], moved[:len(moved)/2]) {
				t.Error("moving the start left Φ's output unchanged")
			}
			closeTo(t, "sample 1, same start", moved[len(moved)/2:], atMean[len(atMean)/2:], 1e-6)
			b.Y0 = nil
			if _, err := m.Forward(b); err == nil || !strings.Contains(err.Error(), "y0") {
				t.Fatalf("a batch without y0: %v, want an error naming y0", err)
			}
		})
	}
}
