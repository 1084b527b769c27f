package rl

import "math"

// log√(2π), the constant of the Gaussian log-density.
var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// GaussianLogProb returns log N(a; μ, diag(σ²)) summed over dimensions, with
// logStd = log σ, for one action (all slices the same length).
func GaussianLogProb(a, mean, logStd []float64) float64 {
	lp := 0.0
	for i := range a {
		z := (a[i] - mean[i]) / math.Exp(logStd[i])
		lp += -0.5*z*z - logStd[i] - halfLog2Pi
	}
	return lp
}

// GaussianEntropy returns the entropy of diag(σ²) Gaussian: Σ (log σ + ½ log 2πe).
func GaussianEntropy(logStd []float64) float64 {
	h := 0.0
	for _, ls := range logStd {
		h += ls + halfLog2Pi + 0.5
	}
	return h
}
