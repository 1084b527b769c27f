package rl

import "fmt"

// Step is one environment step of a collected sequence, as GAE needs it.
type Step struct {
	Reward    float64
	Value     float64 // V(s_t): for the multi-action critic, head j of the decision state
	NextValue float64 // V(s_{t+1}): the next head, or head 0 of the next decision state
	// Terminal: the episode ended in a true terminal state, so no bootstrap.
	Terminal bool
	// Boundary: the episode ended after this step (terminal or truncated by a
	// time limit); the advantage recursion does not cross it. A truncated
	// step keeps its bootstrap NextValue, as it should: the task did not end.
	Boundary bool
}

// GAE computes generalised advantages (Schulman et al. 2016) in place over
// one environment's time-ordered steps, writing adv and ret (each len(steps)):
//
//	δ_t = r_t + γ·(1 − terminal_t)·V(s_{t+1}) − V(s_t)
//	A_t = δ_t + γλ·(1 − boundary_t)·A_{t+1},   R_t = A_t + V(s_t).
//
// Passing NextValue explicitly (instead of reading Value[t+1]) is what lets the
// NDP multi-action critic use its k heads: step j of a k-step rollout decided
// at s has V = head_j(s) and NextValue = head_{j+1}(s).
func GAE(adv, ret []float64, steps []Step, gamma, lambda float64) error {
	if len(adv) != len(steps) || len(ret) != len(steps) {
		return fmt.Errorf("rl: GAE got %d steps but adv has %d and ret %d entries", len(steps), len(adv), len(ret))
	}
	if !(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1) {
		return fmt.Errorf("rl: GAE needs γ, λ in [0, 1], got γ = %v, λ = %v", gamma, lambda)
	}
	next := 0.0
	for t := len(steps) - 1; t >= 0; t-- {
		s := steps[t]
		boot := s.NextValue
		if s.Terminal {
			boot = 0
		}
		if s.Boundary {
			next = 0
		}
		delta := s.Reward + gamma*boot - s.Value
		next = delta + gamma*lambda*next
		adv[t] = next
		ret[t] = next + s.Value
	}
	return nil
}
