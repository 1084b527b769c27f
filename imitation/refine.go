package imitation

import (
	"fmt"
	"math"

	"github.com/ndp-go/ndp/dmp"
)

// DefaultRefine is the number of rounds `ndp digits write` fits a
// writer's trajectory to the image's ink (WriteOptions.Refine); more rounds
// change little (docs/results.md, "Refining on the ink").
const DefaultRefine = 3

// Refinement weights, chosen on held-out digits with their true paths, of
// version 3 and of version 4 (shapes the writer never saw): λ from 0.1 to 3
// and σ from 0.7 to 2 px, against hard nearest-point pairing, moved the
// path distance to the truth by up to 0.25 px; these were best on version
// 3 and within 0.04 px of the best on version 4 (docs/results.md,
// "Refining on the ink").
const (
	// refinePrior is λ: how much the network's own path counts against
	// the ink, per point.
	refinePrior = 1.0
	// refineSigma is σ in px, the reach of a soft pairing: about a pixel,
	// so that a point inside a stroke is pulled to the stroke's middle
	// rather than to one pixel's centre.
	refineSigma = 0.7
)

// refineToInk fits one predicted DMP to its image's ink by iterative
// closest points on the DMP's parameters. Shapes: u [2, N] forcing
// amplitudes (x row, y row), g, y0, ẏ0 [2]; ink [P, 2] pixel centres. u and
// g are updated in place; y0 and ẏ0 stay.
//
// Each round pairs path and ink softly, with weights that fall off as
// exp(−d²/2σ²) from each point's nearest partner: path point y_t (t = 1..T)
// with the weighted mean c_t of the ink near it, and ink pixel k with the
// path points near it (weights v_tk, Σ_t v_tk = 1). It then solves
//
//	min_{u,g}  (1/T)·Σ_t ‖y_t − c_t‖² + (1/P)·Σ_k Σ_t v_tk·‖y_t − ink_k‖² + (λ/T)·Σ_t ‖y_t − ŷ_t‖²
//
// exactly: y is linear in (u, g) (see [dmp.Response]), so a round is one
// weighted least-squares fit per DoF. The first two terms are a smoothed,
// squared form of the chamfer distance [InkFit] measures (the path onto the
// ink, the ink covered by the path); the last keeps the network's path ŷ
// wherever the ink is silent (which way the pen goes, where it is when).
func refineToInk(resp *dmp.Response, u, g, y0, dy0, ink []float64, rounds int) error {
	N, L := resp.Cfg.N, resp.Cfg.T+1
	if len(u) != 2*N || len(g) != 2 || len(y0) != 2 || len(dy0) != 2 {
		return fmt.Errorf("refine: shapes u %d, g %d, y0 %d, ẏ0 %d, want [2·%d], [2], [2], [2]", len(u), len(g), len(y0), len(dy0), N)
	}
	P := len(ink) / 2
	if P == 0 {
		return fmt.Errorf("refine: no ink")
	}
	prior, err := resp.ForwardU(u, g, y0, dy0) // ŷ, [2, L]
	if err != nil {
		return err
	}
	y := append([]float64(nil), prior...)
	// Per point t: its total weight a_t and the weighted sum of its
	// targets; fitting their mean with weight a_t has the same minimiser.
	wt, target := make([]float64, 2*L), make([]float64, 2*L)
	d2 := make([]float64, L*P) // squared distances, path point × ink pixel
	near := make([]float64, L) // one ink pixel's unnormalised weights over the path
	T, s2 := float64(L-1), 2*refineSigma*refineSigma
	pull := func(t int, a, x, z float64) {
		wt[t] += a
		wt[L+t] += a
		target[t] += a * x
		target[L+t] += a * z
	}
	for range rounds {
		for t := range L {
			wt[t], wt[L+t], target[t], target[L+t] = 0, 0, 0, 0
			pull(t, refinePrior/T, prior[t], prior[L+t])
		}
		for t := 1; t < L; t++ {
			row := d2[t*P : (t+1)*P]
			m := math.Inf(1)
			for k := range row {
				dx, dz := y[t]-ink[2*k], y[L+t]-ink[2*k+1]
				row[k] = dx*dx + dz*dz
				m = min(m, row[k])
			}
			sw, sx, sz := 0.0, 0.0, 0.0
			for k, v := range row {
				e := math.Exp(-(v - m) / s2)
				sw, sx, sz = sw+e, sx+e*ink[2*k], sz+e*ink[2*k+1]
			}
			pull(t, 1/T, sx/sw, sz/sw)
		}
		for k := range P {
			m, sw := math.Inf(1), 0.0
			for t := 1; t < L; t++ {
				m = min(m, d2[t*P+k])
			}
			for t := 1; t < L; t++ {
				near[t] = math.Exp(-(d2[t*P+k] - m) / s2)
				sw += near[t]
			}
			for t := 1; t < L; t++ {
				pull(t, near[t]/sw/float64(P), ink[2*k], ink[2*k+1])
			}
		}
		for i := range target {
			target[i] /= wt[i]
		}
		target[0], target[L] = y0[0], y0[1] // the fit keeps y0: the demo's first point
		fu, fg, _, err := resp.FitU(target, dy0, dmp.FitOptions{FreeGoal: true, Weights: wt})
		if err != nil {
			return err
		}
		copy(u, fu)
		copy(g, fg)
		if y, err = resp.ForwardU(u, g, y0, dy0); err != nil {
			return err
		}
	}
	return nil
}
