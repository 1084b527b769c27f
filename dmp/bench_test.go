package dmp

import (
	"math/rand/v2"
	"testing"
)

// The NDP digits case of issue 2: batch 100, 2 DoF, T = 300, l = 1, N = 30.
var digitsCfg = Config{N: 30, T: 300}

const digitsRows = 100 * 2

// BenchmarkDigitsLinearForwardBackward is one training step of the DMP layer
// through the linear form: positions forward, gradient of an L2 loss back.
func BenchmarkDigitsLinearForwardBackward(b *testing.B) {
	resp, err := NewResponse(digitsCfg)
	if err != nil {
		b.Fatal(err)
	}
	p := randParams(rand.New(rand.NewPCG(1, 1)), digitsRows, digitsCfg.N)
	X := make([]float64, digitsRows*(digitsCfg.N+3))
	Y := make([]float64, digitsRows*(digitsCfg.T+1))
	b.ResetTimer()
	for range b.N {
		X, _ = resp.Inputs(X, p)
		resp.Apply(Y, X, resp.Pos)
		// For L = ½‖Y‖², dL/dY = Y.
		if _, err := resp.Backward(p, Y, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigitsStepByStep is the same forward pass by Euler steps.
func BenchmarkDigitsStepByStep(b *testing.B) {
	p := randParams(rand.New(rand.NewPCG(1, 1)), digitsRows, digitsCfg.N)
	for range b.N {
		if _, err := Integrate(digitsCfg, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigitsResponse is the one-off cost of precomputing the linear form.
func BenchmarkDigitsResponse(b *testing.B) {
	for range b.N {
		if _, err := NewResponse(digitsCfg); err != nil {
			b.Fatal(err)
		}
	}
}

// The runtime case of movement_primitives' paper: 50 DoF, 60 weights, 1 s at 1 kHz.
var runtimeCfg = Config{N: 60, T: 1000}

const runtimeDoF = 50

// BenchmarkRuntime50DoFLinear computes the whole 1000-step rollout of 50 DoF.
func BenchmarkRuntime50DoFLinear(b *testing.B) {
	resp, err := NewResponse(runtimeCfg)
	if err != nil {
		b.Fatal(err)
	}
	p := randParams(rand.New(rand.NewPCG(2, 2)), runtimeDoF, runtimeCfg.N)
	X := make([]float64, runtimeDoF*(runtimeCfg.N+3))
	Y := make([]float64, runtimeDoF*(runtimeCfg.T+1))
	b.ResetTimer()
	for range b.N {
		X, _ = resp.Inputs(X, p)
		resp.Apply(Y, X, resp.Pos)
	}
}

// BenchmarkRuntime50DoFStepper runs the same rollout tick by tick with the
// zero-allocation stepper, as a real-time loop would.
func BenchmarkRuntime50DoFStepper(b *testing.B) {
	p := randParams(rand.New(rand.NewPCG(2, 2)), runtimeDoF, runtimeCfg.N)
	s, err := NewStepper(runtimeCfg, runtimeDoF)
	if err != nil {
		b.Fatal(err)
	}
	y := make([]float64, runtimeDoF)
	b.ResetTimer()
	for range b.N {
		_ = s.Reset(p.W, p.G, p.Y0, p.DY0)
		for range runtimeCfg.T {
			_ = s.Step(y, nil)
		}
	}
}

// BenchmarkRuntime50DoFStepByStep is the reference integrator on that case.
func BenchmarkRuntime50DoFStepByStep(b *testing.B) {
	p := randParams(rand.New(rand.NewPCG(2, 2)), runtimeDoF, runtimeCfg.N)
	for range b.N {
		if _, err := Integrate(runtimeCfg, p); err != nil {
			b.Fatal(err)
		}
	}
}
