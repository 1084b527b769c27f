// Package nn holds the GoMLX graph pieces of a Neural Dynamic Policy:
// parameter bookkeeping, dense/MLP and CNN trunks (Φ), the DMP layer (the
// paper's DE(w, g)) and the output maps Ω.
//
// Layers do not own graph variables: their weights live in a [Params] list
// that is initialised in Go (deterministically from a seed) and fed to every
// graph as parameters in list order. A layer remembers the indices of its
// weights and, at graph-build time, reads them from the slice of parameter
// nodes vars (vars[i] is the node of Params entry i).
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params is an ordered list of named float32 tensors: the trainable state of
// a network. Values[i] is row-major with shape Shapes[i].
type Params struct {
	Names  []string
	Shapes [][]int
	Values [][]float32
}

// Add appends a tensor and returns its index. values must have
// prod(shape) entries; it panics otherwise (a programming error).
func (p *Params) Add(name string, shape []int, values []float32) int {
	if n := Size(shape); n != len(values) {
		panic(fmt.Sprintf("nn: param %q shape %v needs %d values, got %d", name, shape, n, len(values)))
	}
	if p.Index(name) >= 0 {
		panic(fmt.Sprintf("nn: duplicate param name %q", name))
	}
	p.Names = append(p.Names, name)
	p.Shapes = append(p.Shapes, slices.Clone(shape))
	p.Values = append(p.Values, values)
	return len(p.Names) - 1
}

// Index returns the index of the named tensor, or -1.
func (p *Params) Index(name string) int { return slices.Index(p.Names, name) }

// Len returns the number of tensors.
func (p *Params) Len() int { return len(p.Names) }

// Count returns the total number of scalars.
func (p *Params) Count() int {
	n := 0
	for _, v := range p.Values {
		n += len(v)
	}
	return n
}

// Size returns the number of elements of a shape.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Uniform returns n values uniform in [−bound, bound], drawn from rng.
func Uniform(rng *rand.Rand, n int, bound float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return v
}

// FanIn is PyTorch's default bound for Linear and Conv weights and biases,
// 1/√fan_in, which the authors' networks use.
func FanIn(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }

// NewRand returns the deterministic generator used for initialisation.
func NewRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// Split cuts a flat vector of all scalars, tensors in list order (Count
// entries), into one slice per tensor; the slices alias flat.
func (p *Params) Split(flat []float32) [][]float32 {
	out := make([][]float32, len(p.Shapes))
	off := 0
	for i, s := range p.Shapes {
		n := Size(s)
		out[i] = flat[off : off+n : off+n]
		off += n
	}
	return out
}
