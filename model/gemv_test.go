package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGemv(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][2]int{{1, 1}, {3, 7}, {39, 100}, {100, 42}, {5, 17}, {8, 16}} {
		in, out := sz[0], sz[1]
		x, w, b := make([]float32, in), make([]float32, in*out), make([]float32, out)
		for i := range x {
			x[i] = rng.Float32() - 0.5
		}
		for i := range w {
			w[i] = rng.Float32() - 0.5
		}
		for i := range b {
			b[i] = rng.Float32()
		}
		want := make([]float64, out)
		for j := range want {
			want[j] = float64(b[j])
			for i := range x {
				want[j] += float64(x[i]) * float64(w[i*out+j])
			}
		}
		for name, f := range map[string]func(o, x, w []float32){"gemv": gemv, "scalar": gemvScalar} {
			o := append([]float32(nil), b...)
			f(o, x, w)
			for j := range o {
				if math.Abs(float64(o[j])-want[j]) > 1e-5 {
					t.Fatalf("%s %dx%d: o[%d] = %v, want %v", name, in, out, j, o[j], want[j])
				}
			}
		}
	}
}
