//go:build amd64 && goexperiment.simd

package model

import "simd/archsimd"

var hasFMA = archsimd.X86.AVX2() && archsimd.X86.FMA()

// gemv adds x·W to o (see gemvScalar), 8 outputs per AVX2 register: each
// accumulator stays in a register across all of x.
func gemv(o, x, w []float32) {
	if !hasFMA {
		gemvScalar(o, x, w)
		return
	}
	n := len(o)
	j := 0
	for ; j+8 <= n; j += 8 {
		acc := archsimd.LoadFloat32x8(o[j:])
		for i, xi := range x {
			acc = archsimd.BroadcastFloat32x8(xi).MulAdd(archsimd.LoadFloat32x8(w[i*n+j:]), acc)
		}
		acc.Store(o[j:])
	}
	for ; j < n; j++ {
		s := o[j]
		for i, xi := range x {
			s += xi * w[i*n+j]
		}
		o[j] = s
	}
}
