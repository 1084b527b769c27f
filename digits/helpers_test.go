package digits

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestResize(t *testing.T) {
	full := make([]uint8, ImageLen)
	for i := range full {
		full[i] = 255
	}
	half := make([]uint8, ImageLen) // left 20 columns inked
	wide := make([]uint8, ImageLen) // left 21 columns inked
	for y := range Size {
		for x := range Size/2 + 1 {
			wide[y*Size+x] = 255
			if x < Size/2 {
				half[y*Size+x] = 255
			}
		}
	}
	for _, tc := range []struct {
		name string
		img  []uint8
		size int
		// want(x, y) is the expected value of output pixel (x, y).
		want func(x, y int) float32
	}{
		{"blank", make([]uint8, ImageLen), NetSize, func(int, int) float32 { return 0 }},
		{"full ink is 1", full, NetSize, func(int, int) float32 { return 1 }},
		{"identity at 40", half, Size, func(x, _ int) float32 { return map[bool]float32{true: 1, false: 0}[x < 20] }},
		{"half at 20", half, 20, func(x, _ int) float32 { return map[bool]float32{true: 1, false: 0}[x < 10] }},
		{"half at 28: boundary falls between cells", half, NetSize, func(x, _ int) float32 {
			return map[bool]float32{true: 1, false: 0}[x < 14]
		}},
		// Cell 14 spans [20, 21.43) of the input, 1 of its 1.43 px inked.
		{"21 columns at 28: partial cell is 0.7", wide, NetSize, func(x, _ int) float32 {
			switch {
			case x < 14:
				return 1
			case x == 14:
				return 0.7
			}
			return 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Resize(tc.img, tc.size, nil)
			if err != nil {
				t.Fatal(err)
			}
			for y := range tc.size {
				for x := range tc.size {
					if got := out[y*tc.size+x]; math.Abs(float64(got-tc.want(x, y))) > 1e-5 {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, tc.want(x, y))
					}
				}
			}
		})
	}
	if _, err := Resize(full[:5], NetSize, nil); err == nil {
		t.Error("short image gave no error")
	}
}

// Area averaging keeps the total ink: the mean intensity is unchanged.
func TestResizePreservesMeanInk(t *testing.T) {
	d, err := Generate(10, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := d.NetImages([]int{0, 3, 9}, NetSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 3*NetSize*NetSize {
		t.Fatalf("len %d, want %d", len(x), 3*NetSize*NetSize)
	}
	for k, i := range []int{0, 3, 9} {
		var in, out float64
		for _, v := range d.Image(i) {
			in += float64(v) / 255 / ImageLen
		}
		for _, v := range x[k*NetSize*NetSize : (k+1)*NetSize*NetSize] {
			out += float64(v) / (NetSize * NetSize)
			if v < 0 || v > 1 {
				t.Fatalf("value %v outside [0, 1]", v)
			}
		}
		if math.Abs(in-out) > 1e-6 {
			t.Errorf("sample %d: mean ink %v → %v", i, in, out)
		}
	}
	if _, err := d.NetImages([]int{10}, NetSize); err == nil {
		t.Error("out-of-range index gave no error")
	}
}

func TestBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, size  int
		rng      *rand.Rand
		sizes    []int
		shuffled bool
	}{
		{"in order", 10, 4, nil, []int{4, 4, 2}, false},
		{"exact", 9, 3, nil, []int{3, 3, 3}, false},
		{"shuffled", 100, 32, rand.New(rand.NewPCG(1, 0)), []int{32, 32, 32, 4}, true},
		{"empty", 0, 8, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := Batches(tc.n, tc.size, tc.rng)
			if err != nil {
				t.Fatal(err)
			}
			var sizes, all []int
			for _, b := range bs {
				sizes = append(sizes, len(b))
				all = append(all, b...)
			}
			if !slices.Equal(sizes, tc.sizes) {
				t.Errorf("batch sizes %v, want %v", sizes, tc.sizes)
			}
			if slices.IsSorted(all) == tc.shuffled {
				t.Errorf("order sorted = %v, want %v", slices.IsSorted(all), !tc.shuffled)
			}
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("indices are not a permutation of 0..%d", tc.n-1)
				}
			}
		})
	}
	a, _ := Batches(50, 7, rand.New(rand.NewPCG(3, 1)))
	b, _ := Batches(50, 7, rand.New(rand.NewPCG(3, 1)))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("same seed gave different batches")
	}
	if _, err := Batches(5, 0, nil); err == nil {
		t.Error("batch size 0 gave no error")
	}
}

func TestSplitPerClassIsStratified(t *testing.T) {
	d, err := Generate(400, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b, err := d.SplitPerClass(0.75, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(a, b)
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatal("split is not a partition of the samples")
		}
	}
	sa, _ := d.Subset(a)
	counts, countsA := d.ClassCounts(), sa.ClassCounts()
	for c := range NumClasses {
		if want := int(math.Round(0.75 * float64(counts[c]))); countsA[c] != want {
			t.Errorf("class %d: %d of %d in first part, want %d", c, countsA[c], counts[c], want)
		}
	}
	if _, _, err := d.SplitPerClass(1.5, nil); err == nil {
		t.Error("fraction 1.5 gave no error")
	}
}

func TestBalancedCyclesClasses(t *testing.T) {
	d := &Dataset{Labels: []int{3, 3, 0, 1, 0, 3}}
	if got, want := d.Balanced(10), []int{2, 3, 0, 4, 1, 5}; !slices.Equal(got, want) {
		t.Errorf("Balanced = %v, want %v", got, want)
	}
	if got := d.Balanced(2); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("Balanced(2) = %v", got)
	}
}

func TestPerClass(t *testing.T) {
	s, err := PerClass([]int{0, 0, 1, 1, 2}, []float64{1, 3, 4, 4, 7})
	if err != nil {
		t.Fatal(err)
	}
	// Class means 2, 4, 7: mean 13/3, population std sqrt(78/9 - (13/3)^2).
	if s.Count[0] != 2 || s.Mean[1] != 4 || !math.IsNaN(s.Mean[5]) {
		t.Errorf("counts/means wrong: %+v", s)
	}
	wantStd := math.Sqrt((4+16+49)/3.0 - 13.0/3*13.0/3)
	if math.Abs(s.MeanOverClasses-13.0/3) > 1e-12 || math.Abs(s.StdOverClasses-wantStd) > 1e-12 {
		t.Errorf("over classes %v ± %v, want %v ± %v", s.MeanOverClasses, s.StdOverClasses, 13.0/3, wantStd)
	}
	for _, tc := range []struct {
		name   string
		labels []int
		values []float64
	}{
		{"length mismatch", []int{1}, []float64{1, 2}},
		{"empty", nil, nil},
		{"bad label", []int{12}, []float64{1}},
	} {
		if _, err := PerClass(tc.labels, tc.values); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestTrajectoryStats(t *testing.T) {
	d := &Dataset{Trajectories: []float32{1, 10, 3, 10}}
	mean, std := d.TrajectoryStats()
	if mean != [2]float64{2, 10} || std != [2]float64{1, 0} {
		t.Errorf("stats %v %v", mean, std)
	}
}

func TestClassStatsJSONKeepsMissingClasses(t *testing.T) {
	s, err := PerClass([]int{0, 0, 3}, []float64{1, 3, 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back ClassStats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Mean[0] != 2 || back.Mean[3] != 5 || !math.IsNaN(back.Mean[1]) || back.MeanOverClasses != 3.5 || back.Count != s.Count {
		t.Errorf("round trip %s gave %+v", b, back)
	}
}
