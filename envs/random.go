package envs

import "math/rand/v2"

// RandomPolicy samples uniform actions in [-1,1] from a seeded generator.
type RandomPolicy struct {
	dim int
	rng *rand.Rand
}

// NewRandomPolicy returns a random policy for actions of length dim.
func NewRandomPolicy(dim int, seed uint64) *RandomPolicy {
	return &RandomPolicy{dim: dim, rng: rand.New(rand.NewPCG(seed, 0x72616e64))}
}

// Reset does nothing: the random stream continues across episodes.
func (p *RandomPolicy) Reset() {}

// Act returns a fresh uniform action.
func (p *RandomPolicy) Act([]float64) []float64 {
	a := make([]float64, p.dim)
	for i := range a {
		a[i] = 2*p.rng.Float64() - 1
	}
	return a
}
