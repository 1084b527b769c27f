// Command digitserr asks where the digit writers' held-out error lies, to
// tell a writer's own mistakes from what the image cannot tell it. For each
// policy file it reports Table 2's loss (px², mean over classes) split over
// the tenths of the trajectory, and for two or more writers how alike their
// mistakes are: the loss of their averaged trajectories and the correlation
// of their per-sample losses. Writers whose errors are their own (variance)
// gain from averaging; errors that every writer makes on the same samples
// and at the same time (a closed loop's hidden overlap, say) do not.
//
//	go run ./scripts/probes/digitserr results/table2/cnn/policy.npz results/table2/ndp/policy.npz
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"strings"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/imitation"
)

const tenths = 10

func main() {
	n := flag.Int("n", 2000, "held-out digits")
	seed := flag.Uint64("seed", 2, "generator seed of the held-out digits (Table 2's: 2)")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: digitserr POLICY...")
	}
	b, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	ds, err := digits.Generate(*n, *seed, nil)
	if err != nil {
		log.Fatal(err)
	}
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	var preds [][]float32
	var losses [][]float64
	for _, path := range flag.Args() {
		d, err := imitation.OpenDigits(path, b)
		if err != nil {
			log.Fatal(err)
		}
		p, err := d.Predict(ds, idx)
		if err != nil {
			log.Fatal(err)
		}
		preds = append(preds, p)
		loss, parts := split(ds, p)
		losses = append(losses, loss)
		fmt.Printf("%s (%s): %s\n", path, d.Cfg.Method, report(ds, loss, parts))
	}
	if len(preds) < 2 {
		return
	}
	avg := make([]float32, len(preds[0]))
	for _, p := range preds {
		for i, v := range p {
			avg[i] += v / float32(len(preds))
		}
	}
	loss, parts := split(ds, avg)
	fmt.Printf("average of the %d writers: %s\n", len(preds), report(ds, loss, parts))
	for i := range losses {
		for j := i + 1; j < len(losses); j++ {
			fmt.Printf("correlation of per-sample losses, writers %d and %d: %.2f\n", i, j, corr(losses[i], losses[j]))
		}
	}
}

// split returns each sample's loss (px², mean over points and coordinates)
// and each sample's squared error summed within each tenth of the trajectory
// divided by all the points', so that the tenths of a sample add up to its
// loss.
func split(ds *digits.Dataset, pred []float32) ([]float64, [][tenths]float64) {
	L := digits.TrajLen
	loss := make([]float64, ds.Len())
	parts := make([][tenths]float64, ds.Len())
	for i := range loss {
		tr := ds.Trajectory(i)
		for j := range L {
			e := float64(pred[i*L+j] - tr[j])
			t := j / 2 * tenths / digits.Steps
			parts[i][t] += e * e / float64(L)
			loss[i] += e * e / float64(L)
		}
	}
	return loss, parts
}

// report renders the mean over classes of the loss, the worst classes, and
// the share of the loss in each tenth of the trajectory.
func report(ds *digits.Dataset, loss []float64, parts [][tenths]float64) string {
	st, err := digits.PerClass(ds.Labels, loss)
	if err != nil {
		log.Fatal(err)
	}
	var share [tenths]float64
	total := 0.0
	for i := range parts {
		for t, v := range parts[i] {
			share[t] += v
			total += v
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%.3f ± %.3f px²; by class", st.MeanOverClasses, st.StdOverClasses)
	for c, m := range st.Mean {
		fmt.Fprintf(&sb, " %d:%.3f", c, m)
	}
	sb.WriteString("; share by tenth of the stroke")
	for _, v := range share {
		fmt.Fprintf(&sb, " %.0f%%", 100*v/total)
	}
	return sb.String()
}

// corr is Pearson's correlation of a and b.
func corr(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i] / float64(len(a))
		mb += b[i] / float64(len(b))
	}
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
