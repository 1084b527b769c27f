//go:build !(amd64 && goexperiment.simd)

package model

func gemv(o, x, w []float32) { gemvScalar(o, x, w) }
