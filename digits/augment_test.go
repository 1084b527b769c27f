package digits

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAugmentKeepsPenOnInk checks that Augment moves image and trajectory
// together: every pen point of a moved digit lies on ink of the moved image
// (as it does on the generator's own, TestSynthesizeProperties), the ink
// mass is kept, and the digits did move.
func TestAugmentKeepsPenOnInk(t *testing.T) {
	ds, err := Generate(60, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx := []int{3, 0, 59, 3}
	aug, err := Augment(ds, idx, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if aug.Len() != len(idx) {
		t.Fatalf("%d samples, want %d", aug.Len(), len(idx))
	}
	for j, i := range idx {
		if aug.Labels[j] != ds.Labels[i] {
			t.Errorf("sample %d: label %d, want %d", j, aug.Labels[j], ds.Labels[i])
		}
		img, tr, moved := aug.Image(j), aug.Trajectory(j), 0.0
		off := 0
		for k := range Steps {
			p := point(tr, k)
			moved = max(moved, p.dist(point(ds.Trajectory(i), k)))
			if v := img[int(p.y)*Size+int(p.x)]; v < 96 {
				off++
			}
		}
		// Bilinear resampling blurs a 1-px pen: allow a few points at its edge.
		if off > Steps/50 {
			t.Errorf("sample %d: %d of %d pen points off the moved ink", j, off, Steps)
		}
		if moved < 0.5 {
			t.Errorf("sample %d: trajectory moved at most %.2f px, want a visible change", j, moved)
		}
		sum := func(b []uint8) (s float64) {
			for _, v := range b {
				s += float64(v)
			}
			return s
		}
		if a, b := sum(img), sum(ds.Image(i)); math.Abs(a-b) > 0.1*b {
			t.Errorf("sample %d: ink mass %.0f, want within 10%% of %.0f", j, a, b)
		}
	}
	// The same index drawn twice moves differently; the same seed repeats.
	if slices.Equal(aug.Trajectory(0), aug.Trajectory(3)) {
		t.Error("two draws of sample 3 got the same map")
	}
	again, err := Augment(ds, idx, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Images, aug.Images) || !slices.Equal(again.Trajectories, aug.Trajectories) {
		t.Error("the same seed gave different samples")
	}
}

func TestAugmentRejectsBadInput(t *testing.T) {
	ds, err := Generate(2, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		idx  []int
		r    *rand.Rand
	}{
		{"nil random source", []int{0}, nil},
		{"index past the end", []int{0, 2}, rand.New(rand.NewPCG(1, 1))},
		{"negative index", []int{-1}, rand.New(rand.NewPCG(1, 1))},
	} {
		if _, err := Augment(ds, tc.idx, tc.r); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
