package dmp

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// randParams draws R rows of inputs at the scale networks produce.
func randParams(rng *rand.Rand, rows, n int) Params {
	p := Params{W: make([]float64, rows*n), G: make([]float64, rows), Y0: make([]float64, rows), DY0: make([]float64, rows)}
	for i := range p.W {
		p.W[i] = 200 * (rng.Float64() - 0.5)
	}
	for r := range rows {
		p.G[r] = 4 * (rng.Float64() - 0.5)
		p.Y0[r] = 4 * (rng.Float64() - 0.5)
		p.DY0[r] = rng.Float64() - 0.5
	}
	return p
}

// maxRelDiff returns max |a−b| / (1 + max|b|) over the slices.
func maxRelDiff(a, b []float64) float64 {
	scale, d := 0.0, 0.0
	for i := range b {
		scale = math.Max(scale, math.Abs(b[i]))
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d / (1 + scale)
}

var testConfigs = []struct {
	name string
	cfg  Config
}{
	{"digits", Config{N: 30, T: 300}},
	{"rl-k5", Config{N: 6, T: 5, Substeps: 8, AlphaZ: 15}},
	{"tau2", Config{N: 10, T: 40, Substeps: 3, Tau: 2, AX: 2, AlphaZ: 10, BetaZ: 3}},
	{"single-basis", Config{N: 1, T: 7, Substeps: 2}},
}

func TestLinearFormMatchesIntegrator(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range testConfigs {
		for _, k := range Kernels() {
			cfg := tc.cfg
			cfg.Kernel = k
			t.Run(tc.name+"/"+k.String(), func(t *testing.T) {
				p := randParams(rng, 5, cfg.N)
				ref, err := Integrate(cfg, p)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := NewResponse(cfg)
				if err != nil {
					t.Fatal(err)
				}
				got, err := resp.Forward(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range []struct {
					name     string
					got, ref []float64
				}{{"Y", got.Y, ref.Y}, {"V", got.V, ref.V}, {"A", got.A, ref.A}} {
					if d := maxRelDiff(q.got, q.ref); d > 1e-10 {
						t.Errorf("%s: linear form differs from integrator by %.3g (relative)", q.name, d)
					}
				}
				for r := range p.Rows() {
					if got.Y[r*got.Len] != p.Y0[r] {
						t.Errorf("row %d starts at %v, want y0 = %v", r, got.Y[r*got.Len], p.Y0[r])
					}
				}
			})
		}
	}
}

// TestBackwardMatchesFiniteDifferences checks the transpose of the linear map
// against central differences of the step-by-step integrator on the loss
// L = ½Σ(Y − Y*)² + ½Σ(V − V*)² + ½Σ(A − A*)²·10⁻⁴.
func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range testConfigs[1:] { // the digits config is covered by the forward test; FD on it is slow
		for _, k := range Kernels() {
			cfg := tc.cfg
			cfg.Kernel = k
			t.Run(tc.name+"/"+k.String(), func(t *testing.T) {
				p := randParams(rng, 2, cfg.N)
				resp, err := NewResponse(cfg)
				if err != nil {
					t.Fatal(err)
				}
				target := randParams(rng, 2, cfg.N) // a different rollout as the target
				tgt, err := Integrate(cfg, target)
				if err != nil {
					t.Fatal(err)
				}
				const accW = 1e-4
				loss := func(p Params) float64 {
					tr, err := Integrate(cfg, p)
					if err != nil {
						t.Fatal(err)
					}
					s := 0.0
					for i := range tr.Y {
						s += 0.5*sq(tr.Y[i]-tgt.Y[i]) + 0.5*sq(tr.V[i]-tgt.V[i]) + 0.5*accW*sq(tr.A[i]-tgt.A[i])
					}
					return s
				}
				tr, _ := resp.Forward(p)
				dY, dV, dA := make([]float64, len(tr.Y)), make([]float64, len(tr.Y)), make([]float64, len(tr.Y))
				for i := range tr.Y {
					dY[i], dV[i], dA[i] = tr.Y[i]-tgt.Y[i], tr.V[i]-tgt.V[i], accW*(tr.A[i]-tgt.A[i])
				}
				grad, err := resp.Backward(p, dY, dV, dA)
				if err != nil {
					t.Fatal(err)
				}
				check := func(name string, x, g []float64) {
					for i := range x {
						h := 1e-5 * (1 + math.Abs(x[i]))
						orig := x[i]
						x[i] = orig + h
						lp := loss(p)
						x[i] = orig - h
						lm := loss(p)
						x[i] = orig
						fd := (lp - lm) / (2 * h)
						if rel := math.Abs(fd-g[i]) / math.Max(1e-8, math.Max(math.Abs(fd), math.Abs(g[i]))); rel > 1e-6 && math.Abs(fd-g[i]) > 1e-9 {
							t.Errorf("∂L/∂%s[%d]: backward %.10g, finite difference %.10g (rel %.2g)", name, i, g[i], fd, rel)
						}
					}
				}
				check("w", p.W, grad.W)
				check("g", p.G, grad.G)
				check("y0", p.Y0, grad.Y0)
				check("dy0", p.DY0, grad.DY0)
			})
		}
	}
}

func sq(x float64) float64 { return x * x }

func TestBasisSumsToPhase(t *testing.T) {
	for _, k := range Kernels() {
		cfg := Config{N: 8, T: 20, Substeps: 2, Kernel: k}
		phi, err := cfg.Basis()
		if err != nil {
			t.Fatal(err)
		}
		x, dt := 1.0, cfg.Dt()
		for s := range cfg.Steps() {
			x -= x * dt
			sum := 0.0
			for _, v := range phi[s*cfg.N : (s+1)*cfg.N] {
				sum += v
			}
			if math.Abs(sum-x) > 1e-12 {
				t.Fatalf("%v: Σφ at substep %d = %v, want x = %v", k, s, sum, x)
			}
		}
	}
}

func TestStepperMatchesIntegrator(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range testConfigs {
		t.Run(tc.name, func(t *testing.T) {
			const dof = 3
			p := randParams(rng, dof, tc.cfg.N)
			ref, err := Integrate(tc.cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewStepper(tc.cfg, dof)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Reset(p.W, p.G, p.Y0, p.DY0); err != nil {
				t.Fatal(err)
			}
			y, v := make([]float64, dof), make([]float64, dof)
			for step := 1; step <= tc.cfg.T; step++ {
				if err := s.Step(y, v); err != nil {
					t.Fatal(err)
				}
				for d := range dof {
					if y[d] != ref.Y[d*ref.Len+step] || v[d] != ref.V[d*ref.Len+step] {
						t.Fatalf("step %d dof %d: stepper (%v, %v), integrator (%v, %v)", step, d, y[d], v[d], ref.Y[d*ref.Len+step], ref.V[d*ref.Len+step])
					}
				}
			}
			if s.Tick() != tc.cfg.T {
				t.Errorf("Tick() = %d, want %d", s.Tick(), tc.cfg.T)
			}
		})
	}
}

func TestStepperDoesNotAllocate(t *testing.T) {
	cfg := Config{N: 60, T: 1000}
	const dof = 50
	p := randParams(rand.New(rand.NewPCG(7, 8)), dof, cfg.N)
	s, err := NewStepper(cfg, dof)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(p.W, p.G, p.Y0, p.DY0); err != nil {
		t.Fatal(err)
	}
	y, v := make([]float64, dof), make([]float64, dof)
	if a := testing.AllocsPerRun(200, func() { _ = s.Step(y, v) }); a != 0 {
		t.Errorf("Stepper.Step allocates %v times per call, want 0", a)
	}
	if err := s.Step(y[:1], v); !errors.Is(err, ErrStepShape) {
		t.Errorf("Step with a short slice: err = %v, want ErrStepShape", err)
	}
}

func TestStepperConvergesToGoal(t *testing.T) {
	cfg := Config{N: 10, T: 50}
	p := randParams(rand.New(rand.NewPCG(9, 10)), 2, cfg.N)
	s, _ := NewStepper(cfg, 2)
	if err := s.Reset(p.W, p.G, p.Y0, p.DY0); err != nil {
		t.Fatal(err)
	}
	y := make([]float64, 2)
	for range 50 * 20 { // 20 durations τ: x ≈ e^-20, the spring dominates
		_ = s.Step(y, nil)
	}
	for d := range 2 {
		if math.Abs(y[d]-p.G[d]) > 1e-6 {
			t.Errorf("dof %d ends at %v, want goal %v", d, y[d], p.G[d])
		}
	}
}

// TestResampleConverges checks that denser sampling of the same (w, g) is the
// same motion: the gap to a much finer reference shrinks about linearly with dt
// (Euler is first order) and is already small at the training rate.
func TestResampleConverges(t *testing.T) {
	base := Config{N: 6, T: 5, Substeps: 7, AlphaZ: 5} // RL setting: k = 5, l = 7
	p := randParams(rand.New(rand.NewPCG(11, 12)), 3, base.N)
	fine, err := Integrate(base.Resample(5, 5*7*64), p)
	if err != nil {
		t.Fatal(err)
	}
	prev := math.Inf(1)
	for _, factor := range []int{1, 4, 16} {
		tr, err := Integrate(base.Resample(5*factor, 7), p)
		if err != nil {
			t.Fatal(err)
		}
		gap := 0.0
		for r := range 3 {
			for t5 := 0; t5 <= 5; t5++ {
				gap = math.Max(gap, math.Abs(tr.Y[r*tr.Len+t5*factor]-fine.Y[r*fine.Len+t5]))
			}
		}
		if gap >= prev/2 {
			t.Errorf("factor %d: gap %v did not shrink from %v", factor, gap, prev)
		}
		prev = gap
	}
}

func TestFitReproducesDemo(t *testing.T) {
	cfg := Config{N: 30, T: 300}
	resp, err := NewResponse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	demo := reachDemo(cfg.T)
	for _, tc := range []struct {
		name   string
		opts   FitOptions
		maxErr float64
	}{
		{"goal-fixed", FitOptions{}, 0.02},
		{"goal-free", FitOptions{FreeGoal: true}, 0.02},
		{"ridge", FitOptions{Ridge: 1e-10}, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := resp.Fit(demo, nil, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := resp.Forward(p)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range demo {
				worst = math.Max(worst, math.Abs(tr.Y[i]-demo[i]))
			}
			if worst > tc.maxErr {
				t.Errorf("fit-then-integrate deviates by %v from the demo (range 3), want ≤ %v", worst, tc.maxErr)
			}
		})
	}
}

// reachDemo is a smooth 2-DoF demo, shape [2, T+1]: a minimum-jerk reach
// plus a bump that starts and ends at rest.
func reachDemo(T int) []float64 {
	L := T + 1
	demo := make([]float64, 2*L)
	for i := range L {
		s := float64(i) / float64(T)
		mj := 10*s*s*s - 15*s*s*s*s + 6*s*s*s*s*s
		demo[i] = 3 * mj
		demo[L+i] = 1 - 2*mj + 0.8*math.Sin(math.Pi*mj)*math.Sin(math.Pi*mj)
	}
	return demo
}

// TestFitWeights holds the weighted fit to what weights mean: points of
// weight 0 do not count, and scaling every weight changes nothing.
func TestFitWeights(t *testing.T) {
	cfg := Config{N: 30, T: 300}
	resp, err := NewResponse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	L := cfg.T + 1
	clean := reachDemo(cfg.T)
	// A burst of garbage over t = 100..159 in both DoF, trusted nowhere.
	bad, trust, twos := append([]float64(nil), clean...), make([]float64, 2*L), make([]float64, 2*L)
	for i := range bad {
		trust[i], twos[i] = 1, 2
		if t := i % L; t >= 100 && t < 160 {
			bad[i] += 1.5
			trust[i] = 0
		}
	}
	motion := func(opts FitOptions, demo []float64) []float64 {
		u, g, y0, err := resp.FitU(demo, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		y, err := resp.ForwardU(u, g, y0, make([]float64, 2))
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	worst := func(opts FitOptions, demo []float64) float64 {
		w := 0.0
		for i, v := range motion(opts, demo) {
			w = math.Max(w, math.Abs(v-clean[i]))
		}
		return w
	}
	for _, tc := range []struct {
		name     string
		opts     FitOptions
		demo     []float64
		min, max float64
	}{
		{"garbage fitted", FitOptions{FreeGoal: true}, bad, 0.5, math.Inf(1)},
		{"garbage ignored", FitOptions{FreeGoal: true, Weights: trust}, bad, 0, 0.02},
		{"uniform 2", FitOptions{FreeGoal: true, Weights: twos}, clean, 0, 0.02},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := worst(tc.opts, tc.demo); w < tc.min || w > tc.max {
				t.Errorf("fit deviates by %.4f from the clean demo, want in [%v, %v]", w, tc.min, tc.max)
			}
		})
	}
	// Weights 2 and 1 solve the same problem: the same motion, to rounding
	// (the weights themselves are ill-conditioned at N = 30).
	y1, y2 := motion(FitOptions{FreeGoal: true}, clean), motion(FitOptions{FreeGoal: true, Weights: twos}, clean)
	for i := range y1 {
		if math.Abs(y1[i]-y2[i]) > 1e-7 {
			t.Fatalf("point %d: %v with weights 2, %v without", i, y2[i], y1[i])
		}
	}
}

func TestBadInputReturnsErrors(t *testing.T) {
	good := Config{N: 4, T: 10}
	p := randParams(rand.New(rand.NewPCG(13, 14)), 2, 4)
	nanP := randParams(rand.New(rand.NewPCG(13, 14)), 2, 4)
	nanP.G[1] = math.NaN()
	short := p
	short.W = p.W[:5]
	resp, _ := NewResponse(good)
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"N=0", func() error { _, err := NewResponse(Config{N: 0, T: 10}); return err }},
		{"T=0", func() error { _, err := Integrate(Config{N: 3}, p); return err }},
		{"negative substeps", func() error { _, err := NewResponse(Config{N: 3, T: 4, Substeps: -1}); return err }},
		{"NaN tau", func() error { _, err := NewResponse(Config{N: 3, T: 4, Tau: math.NaN()}); return err }},
		{"negative alpha", func() error { _, err := NewResponse(Config{N: 3, T: 4, AlphaZ: -1}); return err }},
		{"huge T", func() error { _, err := NewResponse(Config{N: 3, T: 1 << 40}); return err }},
		{"bad kernel", func() error { _, err := NewResponse(Config{N: 3, T: 4, Kernel: 9}); return err }},
		{"NaN goal", func() error { _, err := resp.Forward(nanP); return err }},
		{"short W", func() error { _, err := Integrate(good, short); return err }},
		{"no rows", func() error { _, err := resp.Forward(Params{}); return err }},
		{"bad dY", func() error { _, err := resp.Backward(p, make([]float64, 3), nil, nil); return err }},
		{"stepper dof", func() error { _, err := NewStepper(good, 0); return err }},
		{"stepper rows", func() error {
			s, _ := NewStepper(good, 3)
			return s.Reset(p.W, p.G, p.Y0, p.DY0)
		}},
		{"fit length", func() error { _, err := resp.Fit(make([]float64, 7), nil, FitOptions{}); return err }},
		{"fit NaN", func() error {
			d := make([]float64, 11)
			d[3] = math.Inf(1)
			_, err := resp.Fit(d, nil, FitOptions{})
			return err
		}},
		{"fit goal=start", func() error { _, err := resp.Fit(make([]float64, 11), nil, FitOptions{}); return err }},
		{"fit ridge", func() error { _, err := resp.Fit(make([]float64, 11), nil, FitOptions{Ridge: -1}); return err }},
		{"fit weights length", func() error {
			_, _, _, err := resp.FitU(make([]float64, 11), nil, FitOptions{Weights: make([]float64, 10)})
			return err
		}},
		{"fit negative weight", func() error {
			w := make([]float64, 11)
			w[4] = -1
			_, _, _, err := resp.FitU(make([]float64, 11), nil, FitOptions{Weights: w})
			return err
		}},
		{"kernel name", func() error { _, err := ParseKernel("cubic"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); err == nil {
				t.Error("want an error, got nil")
			}
		})
	}
}

func TestParseKernelRoundTrip(t *testing.T) {
	for _, k := range Kernels() {
		got, err := ParseKernel(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKernel(%q) = %v, %v", k.String(), got, err)
		}
	}
	if k, err := ParseKernel("Inverse_Quadric"); err != nil || k != InverseQuadric {
		t.Errorf("ParseKernel(Inverse_Quadric) = %v, %v", k, err)
	}
}

// TestFlowMatchesStepByStep integrates the perturbed system by hand: the
// state starts at the grid point, the forcing term keeps the policy's y0.
func TestFlowMatchesStepByStep(t *testing.T) {
	cfg := Config{N: 5, T: 40}.WithDefaults()
	resp, _ := NewResponse(cfg)
	p := randParams(rand.New(rand.NewPCG(15, 16)), 2, cfg.N)
	starts := []float64{0, 0, 1, -1, 2, 0.5}
	const steps = 10
	disp, err := resp.Flow(p, starts, steps)
	if err != nil {
		t.Fatal(err)
	}
	phi, _ := cfg.Basis()
	for s := range 3 {
		for d := range 2 {
			y, z := starts[2*s+d], 0.0
			for k := range steps * cfg.Substeps {
				f := (p.G[d] - p.Y0[d]) * dot(phi[k*cfg.N:(k+1)*cfg.N], p.W[d*cfg.N:(d+1)*cfg.N])
				dz := cfg.AlphaZ*(cfg.BetaZ*(p.G[d]-y)-z) + f
				y, z = y+z/cfg.Tau*cfg.Dt(), z+dz/cfg.Tau*cfg.Dt()
			}
			if want := y - starts[2*s+d]; math.Abs(disp[2*s+d]-want) > 1e-10 {
				t.Errorf("start %d dof %d: flow %v, step by step %v", s, d, disp[2*s+d], want)
			}
		}
	}
	if _, err := resp.Flow(p, starts[:3], steps); err == nil {
		t.Error("odd number of start values: want an error")
	}
	if _, err := resp.Flow(p, starts, 41); err == nil {
		t.Error("horizon past T: want an error")
	}
}

func TestForwardUEqualsForward(t *testing.T) {
	cfg := Config{N: 7, T: 30}
	resp, _ := NewResponse(cfg)
	p := randParams(rand.New(rand.NewPCG(17, 18)), 3, cfg.N)
	u := make([]float64, len(p.W))
	for r := range 3 {
		for i := range cfg.N {
			u[r*cfg.N+i] = (p.G[r] - p.Y0[r]) * p.W[r*cfg.N+i]
		}
	}
	y, err := resp.ForwardU(u, p.G, p.Y0, p.DY0)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := resp.Forward(p)
	if d := maxRelDiff(y, tr.Y); d > 1e-14 {
		t.Errorf("ForwardU differs from Forward by %g", d)
	}
	if _, err := resp.ForwardU(u[:5], p.G, p.Y0, p.DY0); err == nil {
		t.Error("short u: want an error")
	}
}

func TestConfigValidateBoundsSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		ok   bool
	}{
		{"digits", Config{N: 30, T: 300}, true},
		{"rl", Config{N: 6, T: 5, Substeps: 8}, true},
		{"a million basis functions", Config{N: 1_000_000}, false},
		{"ten million steps", Config{T: 10_000_000}, false},
		{"overflowing product", Config{N: 1 << 20, T: 1 << 20, Substeps: 1 << 20}, false},
	} {
		if err := tc.c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestFitUReturningStroke: a stroke that ends where it starts (g = y0, a 0
// or a 1 drawn up and down) cannot be fitted as w, but is fitted as u and
// reproduced by ForwardU.
func TestFitUReturningStroke(t *testing.T) {
	cfg := Config{N: 30, T: 300}
	resp, err := NewResponse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	L := cfg.T + 1
	demo := make([]float64, 2*L)
	for i := range L {
		s := float64(i) / float64(cfg.T)
		mj := 10*s*s*s - 15*s*s*s*s + 6*s*s*s*s*s
		demo[i] = 27.3 + 8*math.Sin(math.Pi*mj)   // up and back: ends at 27.3
		demo[L+i] = 10 + 6*math.Sin(2*math.Pi*mj) // a loop in y, ends at 10
	}
	dy0 := []float64{0.01, 0.01}
	if _, err := resp.Fit(demo, dy0, FitOptions{}); err == nil || !strings.Contains(err.Error(), "FitU") {
		t.Fatalf("Fit on g = y0: error %v, want one pointing to FitU", err)
	}
	u, g, y0, err := resp.FitU(demo, dy0, FitOptions{Ridge: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	y, err := resp.ForwardU(u, g, y0, dy0)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range demo {
		worst = math.Max(worst, math.Abs(y[i]-demo[i]))
	}
	if worst > 0.05 {
		t.Errorf("FitU then ForwardU deviates by %v px from the returning stroke (amplitude 8), want ≤ 0.05", worst)
	}
}
