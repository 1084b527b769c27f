package model

// gemvScalar adds x·W to o: o[j] += Σᵢ x[i]·w[i·len(o)+j], with W [len(x), len(o)]
// row-major. Four rows per pass keep o's loads and stores down.
func gemvScalar(o, x, w []float32) {
	n := len(o)
	i := 0
	for ; i+4 <= len(x); i += 4 {
		x0, x1, x2, x3 := x[i], x[i+1], x[i+2], x[i+3]
		r0, r1, r2, r3 := w[i*n:(i+1)*n], w[(i+1)*n:(i+2)*n], w[(i+2)*n:(i+3)*n], w[(i+3)*n:(i+4)*n]
		for j := range o {
			o[j] += x0*r0[j] + x1*r1[j] + x2*r2[j] + x3*r3[j]
		}
	}
	for ; i < len(x); i++ {
		xi, r := x[i], w[i*n:(i+1)*n]
		for j := range o {
			o[j] += xi * r[j]
		}
	}
}
