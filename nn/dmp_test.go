package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/dmp"
)

// dmpCase is one batch of DMP inputs, B·D rows.
type dmpCase struct {
	B, D          int
	w, g, y0, dy0 []float64 // w [B·D·N]; others [B·D]
	cY, cV        []float64 // loss weights [B·D·(T+1)]: L = Σ cY·y + Σ cV·ẏ
}

func newDMPCase(rng *rand.Rand, cfg dmp.Config, B, D int) dmpCase {
	R, L := B*D, cfg.T+1
	f := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = (2*rng.Float64() - 1) * s
		}
		return v
	}
	return dmpCase{B: B, D: D, w: f(R*cfg.N, 50), g: f(R, 2), y0: f(R, 1), dy0: f(R, 0.5), cY: f(R*L, 1), cV: f(R*L, 1)}
}

func f32(v []float64, dims ...int) *tensors.Tensor {
	o := make([]float32, len(v))
	for i, x := range v {
		o[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(o, dims...)
}

func near(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+scale) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, tol*(1+scale))
		}
	}
}

// runDMP evaluates y, ẏ, the gradients of L = Σ cY·y + Σ cV·ẏ with
// respect to w, g, y0, ẏ0, α (α only when alpha ≥ 0, via RolloutAlpha), and
// ÿ (zero for RolloutAlpha), in that order.
func runDMP(t *testing.T, layer *DMP, c dmpCase, alpha float64) [][]float32 {
	t.Helper()
	N, L := layer.Cfg.N, layer.Cfg.T+1
	outs, err := graph.CallOnceN(testBackend(t), func(in []*graph.Node) []*graph.Node {
		w, g, y0, dy0, cY, cV, a := in[0], in[1], in[2], in[3], in[4], in[5], in[6]
		var y, dy, ddy *graph.Node
		if alpha >= 0 {
			y, dy = layer.RolloutAlpha(a, w, g, y0, dy0)
			ddy = graph.ZerosLike(y)
		} else {
			y, dy, ddy = layer.Rollout(w, g, y0, dy0)
		}
		loss := graph.Add(graph.ReduceAllSum(graph.Mul(y, cY)), graph.ReduceAllSum(graph.Mul(dy, cV)))
		grads := graph.Gradient(loss, w, g, y0, dy0, a)
		return append(append([]*graph.Node{y, dy}, grads...), ddy)
	}, f32(c.w, c.B, c.D, N), f32(c.g, c.B, c.D), f32(c.y0, c.B, c.D), f32(c.dy0, c.B, c.D),
		f32(c.cY, c.B, c.D, L), f32(c.cV, c.B, c.D, L), tensors.FromScalar(float32(math.Max(alpha, 0))))
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		if o.Shape().DType != dtypes.Float32 {
			t.Fatalf("output %d has dtype %s", i, o.Shape().DType)
		}
		res[i] = tensors.MustCopyFlatData[float32](o)
	}
	return res
}

// TestDMPLayerMatchesDMP checks the linear-form layer's output and gradients
// against the dmp package (float64) for every kernel.
func TestDMPLayerMatchesDMP(t *testing.T) {
	tests := []struct {
		name string
		cfg  dmp.Config
	}{}
	for _, k := range dmp.Kernels() {
		tests = append(tests, struct {
			name string
			cfg  dmp.Config
		}{k.String(), dmp.Config{N: 6, T: 10, Substeps: 3, Kernel: k}})
	}
	tests = append(tests, struct {
		name string
		cfg  dmp.Config
	}{"digits-like", dmp.Config{N: 30, T: 300, Kernel: dmp.Gaussian}})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			layer, err := NewDMP(tc.cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			c := newDMPCase(rand.New(rand.NewPCG(1, 2)), layer.Cfg, 2, 3)
			got := runDMP(t, layer, c, -1)
			resp, err := dmp.NewResponse(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := dmp.Params{W: c.w, G: c.g, Y0: c.y0, DY0: c.dy0}
			want, err := resp.Forward(p)
			if err != nil {
				t.Fatal(err)
			}
			grad, err := resp.Backward(p, c.cY, c.cV, nil)
			if err != nil {
				t.Fatal(err)
			}
			const tol = 2e-5 // float32 rounding relative to the largest value
			near(t, "y", got[0], want.Y, tol)
			near(t, "dy", got[1], want.V, tol)
			near(t, "ddy", got[7], want.A, tol)
			near(t, "dL/dw", got[2], grad.W, tol)
			near(t, "dL/dg", got[3], grad.G, tol)
			near(t, "dL/dy0", got[4], grad.Y0, tol)
			near(t, "dL/ddy0", got[5], grad.DY0, tol)
		})
	}
}

// TestDMPOnlyG checks the only_g ablation: forcing term zero, so the output
// is the dmp package's with w = 0 and the weights get no gradient.
func TestDMPOnlyG(t *testing.T) {
	cfg := dmp.Config{N: 5, T: 8, Substeps: 4}
	layer, err := NewDMP(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if layer.Inputs() != 1 {
		t.Fatalf("Inputs() = %d, want 1", layer.Inputs())
	}
	c := newDMPCase(rand.New(rand.NewPCG(3, 4)), layer.Cfg, 2, 2)
	got := runDMP(t, layer, c, -1)
	resp, _ := dmp.NewResponse(cfg)
	p := dmp.Params{W: make([]float64, len(c.w)), G: c.g, Y0: c.y0, DY0: c.dy0}
	want, _ := resp.Forward(p)
	grad, _ := resp.Backward(p, c.cY, c.cV, nil)
	near(t, "y", got[0], want.Y, 2e-5)
	near(t, "dy", got[1], want.V, 2e-5)
	near(t, "dL/dw", got[2], make([]float64, len(c.w)), 0)
	near(t, "dL/dg", got[3], grad.G, 2e-5)
}

// TestDMPDirectForcing checks the layer that takes u = (g − y0)·w as its
// input against the dmp package's ForwardU, in the linear form and the
// unrolled one, and dL/du against the linear form's dL/dw / (g − y0).
func TestDMPDirectForcing(t *testing.T) {
	cfg := dmp.Config{N: 5, T: 8, Substeps: 3}
	for _, alpha := range []float64{-1, 25} { // linear form; unrolled at α_z = 25
		t.Run(fmt.Sprintf("alpha=%g", alpha), func(t *testing.T) {
			layer, err := NewDMP(cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			layer.DirectForcing = true
			c := newDMPCase(rand.New(rand.NewPCG(7, 8)), layer.Cfg, 2, 2)
			got := runDMP(t, layer, c, alpha)
			resp, _ := dmp.NewResponse(cfg)
			want, err := resp.ForwardU(c.w, c.g, c.y0, c.dy0)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "y", got[0], want, 2e-5)
			grad, _ := resp.Backward(dmp.Params{W: c.w, G: c.g, Y0: c.y0, DY0: c.dy0}, c.cY, c.cV, nil)
			dU := make([]float64, len(c.w))
			for i := range dU {
				r := i / cfg.N
				dU[i] = grad.W[i] / (c.g[r] - c.y0[r])
			}
			near(t, "dL/du", got[2], dU, 1e-4)
		})
	}
}

// TestDMPLearnedAlpha checks the unrolled integrator against the dmp
// package's step integrator at several α_z (including clamped ones), its
// gradients in w, g against the linear form at that α, and dL/dα against a
// float64 central difference.
func TestDMPLearnedAlpha(t *testing.T) {
	base := dmp.Config{N: 5, T: 6, Substeps: 4, Kernel: dmp.Gaussian}
	tests := []struct {
		alpha, effective float64
		onlyG            bool
	}{{25, 25, false}, {5, 5, false}, {12, 12, true}, {0.1, MinAlphaZ, false}, {50, MaxAlphaZ, false}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("alpha=%g/onlyG=%v", tc.alpha, tc.onlyG), func(t *testing.T) {
			layer, err := NewDMP(base, tc.onlyG)
			if err != nil {
				t.Fatal(err)
			}
			c := newDMPCase(rand.New(rand.NewPCG(5, 6)), layer.Cfg, 2, 2)
			if tc.onlyG {
				clear(c.w)
			}
			got := runDMP(t, layer, c, tc.alpha)
			at := base
			at.AlphaZ, at.BetaZ = tc.effective, tc.effective/4
			p := dmp.Params{W: c.w, G: c.g, Y0: c.y0, DY0: c.dy0}
			want, err := dmp.Integrate(at, p)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "y", got[0], want.Y, 2e-5)
			near(t, "dy", got[1], want.V, 2e-5)
			resp, _ := dmp.NewResponse(at)
			grad, _ := resp.Backward(p, c.cY, c.cV, nil)
			if !tc.onlyG {
				near(t, "dL/dw", got[2], grad.W, 1e-4)
			}
			near(t, "dL/dg", got[3], grad.G, 1e-4)
			near(t, "dL/dy0", got[4], grad.Y0, 1e-4)
			// dL/dα by central differences (zero outside the clamp range).
			loss := func(a float64) float64 {
				cf := base
				cf.AlphaZ, cf.BetaZ = a, a/4
				tr, _ := dmp.Integrate(cf, p)
				s := 0.0
				for i := range tr.Y {
					s += c.cY[i]*tr.Y[i] + c.cV[i]*tr.V[i]
				}
				return s
			}
			wantDA := 0.0
			if tc.alpha == tc.effective {
				h := 1e-5 * tc.alpha
				wantDA = (loss(tc.alpha+h) - loss(tc.alpha-h)) / (2 * h)
			}
			near(t, "dL/dalpha", got[6], []float64{wantDA}, 1e-3)
		})
	}
}

func TestOmega(t *testing.T) {
	y := [][][]float32{{{1, 2, 4, 7}}, {{0, -1, -1, 3}}}
	tests := []struct {
		omega Omega
		want  []float32
	}{
		{OmegaIdentity, []float32{1, 2, 4, 7, 0, -1, -1, 3}},
		{OmegaDeltas, []float32{1, 2, 3, -1, 0, 4}},
	}
	for _, tc := range tests {
		t.Run(string(tc.omega), func(t *testing.T) {
			out, err := graph.CallOnce(testBackend(t), func(y *graph.Node) *graph.Node { return tc.omega.Apply(y) }, y)
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out)
			near(t, "action", got, f64(tc.want), 0)
		})
	}
	if _, err := ParseOmega("torque"); err == nil {
		t.Error("ParseOmega(torque) did not fail")
	}
}

func f64(v []float32) []float64 {
	o := make([]float64, len(v))
	for i, x := range v {
		o[i] = float64(x)
	}
	return o
}
