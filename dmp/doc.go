// Package dmp implements discrete Dynamic Movement Primitives (DMPs) as used by
// Neural Dynamic Policies (Bahl et al., NeurIPS 2020), in pure Go and float64.
//
// One DoF of a DMP is the second-order system (paper eqs. 1-3)
//
//	τ·ż = α_z(β_z(g − y) − z) + f(x),   τ·ẏ = z,   τ·ẋ = −a_x·x,   x(0) = 1,
//	f(x) = (Σᵢ ψᵢ(x)·wᵢ / Σᵢ ψᵢ(x)) · x · (g − y0),
//
// with basis centres cᵢ = exp(−a_x·(i−1)/(N−1)) and widths hᵢ = N^1.5/cᵢ/a_x.
// It is integrated with the authors' explicit Euler scheme: dt = τ/(T·l) for T
// recorded steps of l substeps each; every substep first advances x, evaluates
// ψ at the new x, then updates y and z from their old values.
//
// Every recorded quantity is linear in (u, y0, ẏ0, g) with u = (g − y0)·w,
// because x and ψ do not depend on the input. [NewResponse] precomputes that
// map once, so a whole batch of rollouts is one matrix product forward
// ([Response.Forward]) and one backward ([Response.Backward]). [Integrate] is
// the step-by-step reference the tests hold the linear form to.
//
// Shapes: a batch of B trajectories of D degrees of freedom is handled as
// R = B·D independent rows. Flat slices are row-major: weights W are [R, N],
// per-row scalars G, Y0, DY0 are [R], and trajectories are [R, T+1] with the
// start state at column 0.
package dmp
