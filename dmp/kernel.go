package dmp

import (
	"fmt"
	"math"
	"strings"
)

// Kernel is the radial basis function ψ of the forcing term; the paper's
// ablation (Figure 6a) compares these five. Each is a function of the scaled
// squared distance q = h·(x − c)².
type Kernel int

// The five kernels of the paper's ablation.
const (
	Gaussian            Kernel = iota // ψ = exp(−q)
	Multiquadric                      // ψ = √(1 + q)
	InverseQuadric                    // ψ = 1/(1 + q)
	InverseMultiquadric               // ψ = 1/√(1 + q)
	Linear                            // ψ = q
)

var kernelNames = [...]string{"gaussian", "multiquadric", "inverse-quadric", "inverse-multiquadric", "linear"}

// Kernels lists all kernels in the order of their constants.
func Kernels() []Kernel {
	return []Kernel{Gaussian, Multiquadric, InverseQuadric, InverseMultiquadric, Linear}
}

// String returns the kernel's name as accepted by [ParseKernel].
func (k Kernel) String() string {
	if k < 0 || int(k) >= len(kernelNames) {
		return fmt.Sprintf("Kernel(%d)", int(k))
	}
	return kernelNames[k]
}

// ParseKernel parses a kernel name ("gaussian", "multiquadric",
// "inverse-quadric", "inverse-multiquadric", "linear"); underscores and case
// are accepted too.
func ParseKernel(s string) (Kernel, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	for i, name := range kernelNames {
		if n == name {
			return Kernel(i), nil
		}
	}
	return 0, fmt.Errorf("dmp: unknown kernel %q (want one of %s)", s, strings.Join(kernelNames[:], ", "))
}

// eval returns ψ for the scaled squared distance q = h·(x − c)².
func (k Kernel) eval(q float64) float64 {
	switch k {
	case Multiquadric:
		return math.Sqrt(1 + q)
	case InverseQuadric:
		return 1 / (1 + q)
	case InverseMultiquadric:
		return 1 / math.Sqrt(1+q)
	case Linear:
		return q
	default:
		return math.Exp(-q)
	}
}
