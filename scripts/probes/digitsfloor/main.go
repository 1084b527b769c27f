// Command digitsfloor measures how well the DMP of the digit writers can
// represent the generated digits at all: each held-out trajectory is fitted
// by least squares through the DMP's response (dmp.Response.FitU, as
// CNN-DMP's targets are made), replayed, and compared with the trajectory in
// Table 2's metric (px², the mean over classes of the per-sample mean over
// 301 points and both coordinates). A writer's loss above this floor is
// perception, not the DMP.
//
//	go run ./scripts/probes/digitsfloor -n 2000 -seed 2
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/dmp"
)

func main() {
	n := flag.Int("n", 2000, "held-out digits")
	seed := flag.Uint64("seed", 2, "generator seed")
	flag.Parse()
	ds, err := digits.Generate(*n, *seed, nil)
	if err != nil {
		log.Fatal(err)
	}
	// The digit writers' DMP: N = 30, T = 300, α_z = 25, ẏ0 = 0.01, ridge 1e-10.
	for _, N := range []int{10, 20, 30, 50} {
		resp, err := dmp.NewResponse(dmp.Config{N: N, T: digits.Steps - 1, AlphaZ: dmp.DefaultAlphaZ})
		if err != nil {
			log.Fatal(err)
		}
		L := digits.Steps
		sum, count := make([]float64, digits.NumClasses), make([]int, digits.NumClasses)
		demo := make([]float64, 2*L)
		for i := range ds.Len() {
			tr := ds.Trajectory(i)
			for t := range L {
				demo[t], demo[L+t] = float64(tr[2*t]), float64(tr[2*t+1])
			}
			u, g, y0, err := resp.FitU(demo, []float64{0.01, 0.01}, dmp.FitOptions{Ridge: 1e-10})
			if err != nil {
				log.Fatal(err)
			}
			y, err := resp.ForwardU(u, g, y0, []float64{0.01, 0.01})
			if err != nil {
				log.Fatal(err)
			}
			e := 0.0
			for k, v := range y {
				d := v - demo[k]
				e += d * d
			}
			c := ds.Labels[i]
			sum[c] += e / float64(2*L)
			count[c]++
		}
		mean, worst, at := 0.0, 0.0, 0
		for c := range sum {
			m := sum[c] / float64(count[c])
			mean += m / digits.NumClasses
			if m > worst {
				worst, at = m, c
			}
		}
		fmt.Printf("N = %d: DMP fit floor %.4f px² (mean over classes; worst class %d: %.4f)\n", N, mean, at, worst)
	}
}
