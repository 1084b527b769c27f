package dmp_test

import (
	"fmt"

	"github.com/ndp-go/ndp/dmp"
)

// A batch of rollouts through the exact linear form.
func ExampleResponse_Forward() {
	cfg := dmp.Config{N: 5, T: 100} // 5 Gaussian bases, 101 recorded points
	resp, err := dmp.NewResponse(cfg)
	if err != nil {
		panic(err)
	}
	// Two rows (say, the x and y of one planar trajectory).
	p := dmp.Params{
		W:   []float64{0, 0, 0, 0, 0, 50, -50, 50, -50, 50}, // [2, 5]
		G:   []float64{1, 2},
		Y0:  []float64{0, 0},
		DY0: []float64{0, 0},
	}
	tr, err := resp.Forward(p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("x: %.3f → %.3f\n", tr.Y[0], tr.Y[tr.Len-1])
	fmt.Printf("y: %.3f → %.3f\n", tr.Y[tr.Len], tr.Y[2*tr.Len-1])
	// Output:
	// x: 0.000 → 1.000
	// y: 0.000 → 2.038
}

// Fitting a DMP to a demonstration, then replaying it.
func ExampleResponse_Fit() {
	cfg := dmp.Config{N: 20, T: 50}
	resp, _ := dmp.NewResponse(cfg)
	demo := make([]float64, cfg.T+1) // one DoF: a smooth ease-in-out from 0 to 1
	for i := range demo {
		s := float64(i) / float64(cfg.T)
		demo[i] = s * s * (3 - 2*s)
	}
	p, err := resp.Fit(demo, nil, dmp.FitOptions{})
	if err != nil {
		panic(err)
	}
	tr, _ := resp.Forward(p)
	fmt.Printf("goal %.2f, midpoint demo %.3f replay %.3f\n", p.G[0], demo[25], tr.Y[25])
	// Output:
	// goal 1.00, midpoint demo 0.500 replay 0.500
}

// A real-time loop: one Step per control tick, no allocation.
func ExampleStepper() {
	cfg := dmp.Config{N: 6, T: 5, Substeps: 7} // k = 5 actions, 35 Euler steps
	s, _ := dmp.NewStepper(cfg, 1)
	_ = s.Reset(make([]float64, 6), []float64{1}, []float64{0}, []float64{0})
	y := make([]float64, 1)
	for range cfg.T {
		_ = s.Step(y, nil)
		fmt.Printf("%.3f ", y[0])
	}
	fmt.Println()
	// Output:
	// 0.778 0.982 0.999 1.000 1.000
}
