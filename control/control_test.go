package control

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
)

// ppoModel builds an NDP model shaped like ppo's (tanh MLP obs→64→64→
// D·(N+1)+aux, goal-relative, GoalScale 5) with random weights.
func ppoModel(t testing.TB, obsDim, dof, aux, k int, learnAlpha bool) *model.Model {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	mc := model.Config{
		Net: model.NetMLP, ObsDim: obsDim, Hidden: []int{64, 64}, Activation: "tanh", Seed: 3,
		Head: model.HeadNDP, DoF: dof, Omega: "deltas", GoalRelative: true, OutputScale: 100, GoalScale: 5, AuxOut: aux,
		DMP:   model.DMPConfig{N: 6, T: k, Substeps: 8, AlphaZ: 5, LearnAlphaZ: learnAlpha},
		Optim: model.OptimConfig{LR: 1e-3},
	}
	m, err := model.New(mc, b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testConfig(t testing.TB, m *model.Model, obsDim, ticks int) Config {
	t.Helper()
	dc, err := m.Cfg.DMPConfig()
	if err != nil {
		t.Fatal(err)
	}
	D := m.Cfg.DoF
	c := Config{DMP: dc, K: dc.T, TicksPerStep: ticks, ObsDim: obsDim, VelScale: 0.0625}
	for d := range D {
		c.Pos = append(c.Pos, d)
		c.Vel = append(c.Vel, D+d)
		c.Scale = append(c.Scale, 0.01)
	}
	return c
}

func randObs(rng *rand.Rand, n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = rng.Float64()*0.6 - 0.3
	}
	return o
}

// DMPParams must reproduce the GoMLX forward pass: the trajectory that
// dmp.Integrate makes from (w, g) equals Result.Y, and aux equals Result.Aux.
func TestDMPParamsMatchForward(t *testing.T) {
	for _, tc := range []struct {
		name             string
		obs, dof, aux, k int
		learnAlpha       bool
	}{
		{"sawyer", 16, 3, 1, 5, false},
		{"jaco", 30, 9, 0, 5, false},
		{"learned-alpha", 16, 3, 1, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ppoModel(t, tc.obs, tc.dof, tc.aux, tc.k, tc.learnAlpha)
			pol, err := m.Policy()
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			obs := make([]float32, tc.obs)
			y0, dy0 := make([]float32, tc.dof), make([]float32, tc.dof)
			for i := range obs {
				obs[i] = rng.Float32()*2 - 1
			}
			for d := range y0 {
				y0[d], dy0[d] = rng.Float32()*40-20, rng.Float32()-0.5
			}
			res, err := m.Forward(model.Batch{Obs: model.F32(obs, 1, tc.obs), Y0: model.F32(y0, 1, tc.dof), DY0: model.F32(dy0, 1, tc.dof)})
			if err != nil {
				t.Fatal(err)
			}
			want, err := tensors.CopyFlatData[float32](res.Y)
			if err != nil {
				t.Fatal(err)
			}
			w, g, aux := make([]float64, tc.dof*6), make([]float64, tc.dof), make([]float64, tc.aux)
			if err := pol.DMPParams(obs, y0, w, g, aux); err != nil {
				t.Fatal(err)
			}
			dc, _ := m.Cfg.DMPConfig()
			if a := pol.AlphaZ(); a > 0 {
				dc.AlphaZ, dc.BetaZ = a, a/4
			}
			p := dmp.Params{W: w, G: g, Y0: f64(y0), DY0: f64(dy0)}
			tr, err := dmp.Integrate(dc, p)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range want {
				if d := math.Abs(tr.Y[i] - float64(v)); d > 1e-3*(1+math.Abs(float64(v))) {
					t.Fatalf("Y[%d] = %v from DMPParams, GoMLX %v", i, tr.Y[i], v)
				}
			}
			if tc.aux > 0 {
				wa, _ := tensors.CopyFlatData[float32](res.Aux)
				for i, v := range wa {
					if math.Abs(aux[i]-float64(v)) > 1e-5 {
						t.Fatalf("aux[%d] = %v, GoMLX %v", i, aux[i], v)
					}
				}
			}
		})
	}
}

func f64(x []float32) []float64 {
	o := make([]float64, len(x))
	for i, v := range x {
		o[i] = float64(v)
	}
	return o
}

// The runtime's setpoints are the resampled DMP integration, in position
// units, to 1e-9.
func TestTrajectoryMatchesResampledIntegrate(t *testing.T) {
	for _, tc := range []struct {
		name             string
		ticks, substeps  int
		obs, dof, aux, k int
		commanded, wantL int
	}{
		{"training-rate", 1, 0, 16, 3, 1, 5, 0, 8},
		{"sawyer-480Hz", 6, 0, 16, 3, 1, 5, 1, 2},
		{"sawyer-5040Hz", 63, 0, 16, 3, 1, 5, 1, 1},
		{"jaco-1kHz-l3", 20, 3, 30, 9, 0, 5, 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ppoModel(t, tc.obs, tc.dof, tc.aux, tc.k, false)
			pol, err := m.Policy()
			if err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(t, m, tc.obs, tc.ticks)
			cfg.Substeps = tc.substeps
			rt, err := New(pol, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := rt.DenseDMP().Substeps; got != tc.wantL {
				t.Fatalf("dense substeps %d, want %d", got, tc.wantL)
			}
			rng := rand.New(rand.NewPCG(7, 8))
			for range 2 { // two decisions: Decide resets the stepper
				obs := randObs(rng, tc.obs)
				var cmd []float64
				if tc.commanded > 0 {
					cmd = randObs(rng, tc.dof)
				}
				if err := rt.Decide(obs, cmd); err != nil {
					t.Fatal(err)
				}
				w, g := rt.Params()
				tr, err := dmp.Integrate(rt.DenseDMP(), dmp.Params{W: w, G: g, Y0: rt.y0, DY0: rt.dy0})
				if err != nil {
					t.Fatal(err)
				}
				sp := make([]float64, tc.dof)
				for k := range rt.Period() {
					if err := rt.Tick(sp); err != nil {
						t.Fatal(err)
					}
					for d := range tc.dof {
						off := 0.0
						if cmd != nil {
							off = cmd[d] - obs[cfg.Pos[d]]
						}
						want := tr.Y[d*tr.Len+k+1]*cfg.Scale[d] + off
						if math.Abs(sp[d]-want) > 1e-9 {
							t.Fatalf("tick %d DoF %d: setpoint %v, want %v", k, d, sp[d], want)
						}
					}
				}
				if !rt.Due() || rt.Tick(sp) != ErrNotDecided {
					t.Fatal("after a period the runtime must ask for a decision")
				}
			}
		})
	}
}

// A tick, including the amortised policy query, does not allocate.
func TestZeroAllocsPerTick(t *testing.T) {
	m := ppoModel(t, 16, 3, 1, 5, false)
	pol, err := m.Policy()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := New(pol, testConfig(t, m, 16, 13))
	if err != nil {
		t.Fatal(err)
	}
	obs, cmd, sp := randObs(rand.New(rand.NewPCG(1, 1)), 16), []float64{0, 0.6, 0.2}, make([]float64, 3)
	if a := testing.AllocsPerRun(3*rt.Period(), func() {
		if err := rt.Control(obs, cmd, sp); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("%v allocations per tick, want 0", a)
	}
}

func TestNewErrors(t *testing.T) {
	m := ppoModel(t, 16, 3, 1, 5, false)
	pol, err := m.Policy()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"zero ticks", func(c *Config) { c.TicksPerStep = 0 }},
		{"K≠T", func(c *Config) { c.K = 4 }},
		{"DoF mismatch", func(c *Config) { c.Pos = c.Pos[:2] }},
		{"index out of range", func(c *Config) { c.Pos = []int{0, 1, 99} }},
		{"N mismatch", func(c *Config) { c.DMP.N = 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t, m, 16, 4)
			tc.edit(&c)
			if _, err := New(pol, c); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	if _, err := New(nil, testConfig(t, m, 16, 4)); err == nil {
		t.Fatal("nil policy: want an error")
	}
}

// A policy end to end on the simulator at 1 kHz: finite, stable setpoints.
func TestEndToEnd1kHz(t *testing.T) {
	for _, tc := range []struct {
		task  string
		hz    float64
		obs   int
		dof   int
		aux   int
		ticks int
	}{
		{"push", 1000, 16, 3, 1, 13},
		{"pick", 1000, 30, 9, 0, 20},
	} {
		t.Run(tc.task, func(t *testing.T) {
			m := ppoModel(t, tc.obs, tc.dof, tc.aux, 5, false)
			e, err := envs.Make(tc.task, envs.WithMaxSteps(20))
			if err != nil {
				t.Fatal(err)
			}
			spec, err := agent.NewSpec(e, true, 5)
			e.Close()
			if err != nil {
				t.Fatal(err)
			}
			r, err := Evaluate(tc.task, m, spec, nil, tc.hz, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Unstable != 0 || math.IsNaN(r.CmdJerk) || math.IsInf(r.CmdJerk, 0) || math.IsNaN(r.PosJerk) {
				t.Fatalf("unstable run at %v Hz: %+v", tc.hz, r)
			}
			if math.Abs(r.Hz-tc.hz) > 0.1*tc.hz {
				t.Fatalf("achieved %v Hz for %v", r.Hz, tc.hz)
			}
		})
	}
}

func TestConfigForRejectsRawRuns(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(model.Config{Net: model.NetMLP, ObsDim: 16, Hidden: []int{8}, Head: model.HeadRaw, OutDim: 20, Seed: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ConfigFor(m, agent.Spec{K: 5, ObsDim: 16, ActDim: 4}, nil, 13); err == nil {
		t.Fatal("raw-head run: want an error")
	}
	if _, err := Evaluate("push", m, agent.Spec{K: 5, ObsDim: 16, ActDim: 4}, nil, 1000, 1, 0); err == nil {
		t.Fatal("raw-head run: want an error from Evaluate")
	}
	nm := ppoModel(t, 16, 3, 1, 5, false)
	e, _ := envs.Make("push")
	spec, _ := agent.NewSpec(e, true, 5)
	e.Close()
	for _, hz := range []float64{-5, math.NaN(), 20, 1e7} {
		if _, err := Evaluate("push", nm, spec, nil, hz, 1, 0); err == nil {
			t.Errorf("rate %v Hz: want an error", hz)
		}
	}
}
