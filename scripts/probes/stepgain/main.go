// Command stepgain prints how much each DMP input moves each executed
// position delta of the control NDP (docs/rl-diagnosis.md, stage 7): the
// per-step differences of the response matrix's rows, and the gains of Φ's
// raw outputs at the given weight and goal scales.
//
//	go run ./scripts/probes/stepgain [-alpha-z 5 -n 6 -k 5 -substeps 8 -weight-scale 1 -goal-scale 5]
package main

import (
	"flag"
	"fmt"
	"log"
	"math"

	"github.com/ndp-go/ndp/dmp"
)

func main() {
	az := flag.Float64("alpha-z", 5, "α_z")
	n := flag.Int("n", 6, "basis functions")
	k := flag.Int("k", 5, "steps per decision")
	l := flag.Int("substeps", 8, "Euler substeps per step")
	ws := flag.Float64("weight-scale", 1, "scale of Φ's weight outputs")
	gs := flag.Float64("goal-scale", 5, "scale of Φ's goal offset")
	flag.Parse()
	r, err := dmp.NewResponse(dmp.Config{N: *n, T: *k, Substeps: *l, AlphaZ: *az})
	if err != nil {
		log.Fatal(err)
	}
	L := *k + 1
	delta := func(row, s int) float64 { return r.Pos[row*L+s] - r.Pos[row*L+s-1] }
	fmt.Printf("position delta of step s per unit of each input (α_z %g, N %d, k %d, l %d)\n", *az, *n, *k, *l)
	fmt.Print("input     ")
	for s := 1; s < L; s++ {
		fmt.Printf("  step %d", s)
	}
	fmt.Println()
	for j := range *n + 3 {
		name := fmt.Sprintf("u_%d", j+1)
		switch j - *n {
		case 0:
			name = "y0"
		case 1:
			name = "ẏ0"
		case 2:
			name = "g"
		}
		fmt.Printf("%-10s", name)
		for s := 1; s < L; s++ {
			fmt.Printf(" %7.4f", delta(j, s))
		}
		fmt.Println()
	}
	// With g = y0 + gs·ĝ and u_i = (g − y0)·ws·ŵ_i, step s moves by
	// gs·ĝ·(c_g,s + ws·Σᵢ P_i,s·ŵ_i) + c_ẏ0,s·ẏ0 (the y0 rows cancel).
	fmt.Printf("\ngain of Φ's raw goal output ĝ (goal scale %g): ", *gs)
	for s := 1; s < L; s++ {
		fmt.Printf(" %.3f", *gs*delta(*n+2, s))
	}
	fmt.Printf("\ngain of all raw weights ŵ = 1 relative to ĝ's (weight scale %g):", *ws)
	for s := 1; s < L; s++ {
		sum := 0.0
		for i := range *n {
			sum += delta(i, s)
		}
		fmt.Printf(" %.3f", math.Abs(*ws*sum/delta(*n+2, s)))
	}
	fmt.Println()
}
