package digits_test

import (
	"fmt"
	"image"
	"image/color"
	"log"
	"math/rand/v2"

	"github.com/ndp-go/ndp/digits"
)

// A training epoch's worth of network inputs and targets from a generated
// dataset.
func Example() {
	d, err := digits.Generate(100, 1, nil)
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := d.SplitPerClass(0.8, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		log.Fatal(err)
	}
	batches, err := digits.Batches(len(train), 32, rand.New(rand.NewPCG(1, 0 /* epoch */)))
	if err != nil {
		log.Fatal(err)
	}
	idx := make([]int, len(batches[0]))
	for k, j := range batches[0] {
		idx[k] = train[j]
	}
	x, _ := d.NetImages(idx, digits.NetSize) // [32, 28, 28] in [0, 1]
	y, _ := d.TrajectoryBatch(idx)           // [32, 301, 2] canvas px
	fmt.Println(len(train)+len(test), len(batches), len(x)/(28*28), len(y)/(301*2))
	// Output: 100 3 32 32
}

func ExamplePerClass() {
	labels := []int{0, 0, 1, 1}
	losses := []float64{1, 3, 5, 5}
	s, err := digits.PerClass(labels, losses)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("class 0: %.1f, class 1: %.1f, over classes: %.1f ± %.1f\n",
		s.Mean[0], s.Mean[1], s.MeanOverClasses, s.StdOverClasses)
	// Output: class 0: 2.0, class 1: 5.0, over classes: 3.5 ± 1.5
}

// Framing a user's image: a thick dark "L" on white paper, 200×300 px, is
// detected as dark ink, its strokes thinned and redrawn with the
// generator's pen, and centred on the 40×40 canvas; ToSource maps canvas
// points (e.g. a predicted trajectory) back into the image's pixels.
func ExampleFrame() {
	img := image.NewGray(image.Rect(0, 0, 200, 300))
	for y := range 300 {
		for x := range 200 {
			v := uint8(255)
			if (x >= 60 && x < 90 && y >= 50 && y < 250) || (x >= 60 && x < 160 && y >= 220 && y < 250) {
				v = 20 // the L's two strokes, 30 px wide: a marker, redrawn with the generator's pen
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	f, err := digits.Frame(img)
	if err != nil {
		log.Fatal(err)
	}
	x, y := f.ToSource(digits.Size/2, digits.Size/2)
	fmt.Printf("dark ink: %v, redrawn: %v, canvas centre at (%.0f, %.0f) in the image\n", f.Inverted, f.Redrawn, x, y)
	// Output: dark ink: true, redrawn: true, canvas centre at (110, 150) in the image
}

// Augmenting a batch: each drawn digit is moved by its own random affine
// map, image and pen path together, so the pair stays a valid sample.
func ExampleAugment() {
	d, err := digits.Generate(10, 1, nil)
	if err != nil {
		log.Fatal(err)
	}
	idx := []int{4, 7, 4}
	aug, err := digits.Augment(d, idx, rand.New(rand.NewPCG(7, 0)))
	if err != nil {
		log.Fatal(err)
	}
	same := aug.Trajectory(0)[0] == aug.Trajectory(2)[0] // sample 4 drawn twice
	fmt.Println(aug.Len(), aug.Labels[0] == d.Labels[4], len(aug.Images)/(digits.Size*digits.Size), same)
	// Output: 3 true 3 false
}
