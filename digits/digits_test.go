package digits

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.npz")

// The committed fixtures: fixtureN digits generated with fixtureSeed, one
// file per generator version.
const (
	fixtureSeed = 20261124
	fixtureN    = 40
)

// fixturePath is the committed fixture of generator version v.
func fixturePath(v int) string {
	if v == 2 {
		return "testdata/fixture.npz" // named before there were versions
	}
	return fmt.Sprintf("testdata/fixture-v%d.npz", v)
}

func point(tr []float32, k int) pt { return pt{float64(tr[2*k]), float64(tr[2*k+1])} }

func TestMinJerk(t *testing.T) {
	const h = 1e-6
	for _, tc := range []struct {
		name    string
		tau     float64
		s, dsdt float64
	}{
		{"start at rest", 0, 0, 0},
		{"end at rest", 1, 1, 0},
		{"symmetric midpoint, peak speed 15/8", 0.5, 0.5, 1.875},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MinJerk(tc.tau); math.Abs(got-tc.s) > 1e-12 {
				t.Errorf("s(%v) = %v, want %v", tc.tau, got, tc.s)
			}
			d := (MinJerk(tc.tau+h) - MinJerk(tc.tau-h)) / (2 * h)
			if math.Abs(d-tc.dsdt) > 1e-6 {
				t.Errorf("s'(%v) = %v, want %v", tc.tau, d, tc.dsdt)
			}
		})
	}
	for k := 1; k <= 1000; k++ {
		if MinJerk(float64(k)/1000) < MinJerk(float64(k-1)/1000) {
			t.Fatalf("s not monotone at τ = %v", float64(k)/1000)
		}
	}
}

// TestSynthesizeProperties checks, for every class and several seeds, the
// properties the trainer relies on: the pen starts and ends at rest, moves
// fastest mid-stroke, stays on the canvas, every sample lies on ink, and the
// digit is about 23 px tall.
func TestSynthesizeProperties(t *testing.T) {
	for version := OldestGeneratorVersion; version <= LatestGeneratorVersion; version++ {
		t.Run("v"+strconv.Itoa(version), func(t *testing.T) { synthesizeProperties(t, version) })
	}
}

func synthesizeProperties(t *testing.T, version int) {
	for label := range NumClasses {
		for seed := range uint64(20) {
			img := make([]uint8, ImageLen)
			tr := make([]float32, TrajLen)
			if err := SynthesizeVersion(version, label, rand.New(rand.NewPCG(seed, 99)), img, tr); err != nil {
				t.Fatal(err)
			}
			first := point(tr, 1).dist(point(tr, 0))
			last := point(tr, Steps-1).dist(point(tr, Steps-2))
			mid := point(tr, Steps/2+1).dist(point(tr, Steps/2))
			if first > 0.01 || last > 0.01 {
				t.Errorf("digit %d seed %d: first/last step %.4f/%.4f px, want ≈ 0 (at rest)", label, seed, first, last)
			}
			if mid < 10*max(first, last) || mid > 2 {
				t.Errorf("digit %d seed %d: mid-stroke step %.3f px, want fast but < 2 px", label, seed, mid)
			}
			y0, y1 := math.Inf(1), math.Inf(-1)
			for k := range Steps {
				p := point(tr, k)
				// One pen-down stroke: no jumps between samples.
				if k > 0 && p.dist(point(tr, k-1)) > 2 {
					t.Errorf("digit %d seed %d: jump of %.2f px at point %d", label, seed, p.dist(point(tr, k-1)), k)
				}
				if p.x < 1 || p.x > Size-1 || p.y < 1 || p.y > Size-1 {
					t.Fatalf("digit %d seed %d: point %d %v leaves the canvas", label, seed, k, p)
				}
				if v := img[int(p.y)*Size+int(p.x)]; v < 128 {
					t.Errorf("digit %d seed %d: point %d %v lies on pixel of ink %d, want ≥ 128", label, seed, k, p, v)
				}
				y0, y1 = min(y0, p.y), max(y1, p.y)
			}
			// 23 px, scaled by 0.9..1.1 (±5% anisotropy) and tilted by ≤ 8°.
			if h := y1 - y0; h < 0.8*DigitHeight || h > 1.25*DigitHeight {
				t.Errorf("digit %d seed %d: height %.1f px, want ≈ %v", label, seed, h, DigitHeight)
			}
		}
	}
}

func TestSynthesizeRejectsBadInput(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	img, tr := make([]uint8, ImageLen), make([]float32, TrajLen)
	for _, tc := range []struct {
		name  string
		label int
		rng   *rand.Rand
		img   []uint8
		tr    []float32
	}{
		{"negative label", -1, r, img, tr},
		{"label 10", 10, r, img, tr},
		{"nil rng", 3, nil, img, tr},
		{"short image", 3, r, img[:10], tr},
		{"short trajectory", 3, r, img, tr[:600]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Synthesize(tc.label, tc.rng, tc.img, tc.tr); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func equalDatasets(t *testing.T, got, want *Dataset) {
	t.Helper()
	if !slices.Equal(got.Labels, want.Labels) {
		t.Fatalf("labels differ: %v vs %v", got.Labels, want.Labels)
	}
	if !slices.Equal(got.Images, want.Images) {
		t.Fatal("images differ")
	}
	if !slices.Equal(got.Trajectories, want.Trajectories) {
		t.Fatal("trajectories differ")
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(50, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(50, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	equalDatasets(t, a, b)
	// Per-sample streams: a smaller dataset is a prefix of a larger one.
	p, err := Generate(20, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	prefix, _ := a.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19})
	equalDatasets(t, p, prefix)
	c, err := Generate(50, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Trajectories, c.Trajectories) {
		t.Error("seeds 7 and 8 gave the same trajectories")
	}
	if _, err := Generate(0, 1, nil); err == nil {
		t.Error("Generate(0) gave no error")
	}
	// Versions: the default is GeneratorVersion; another version draws other
	// digits from the same seed; versions this build lacks are refused.
	v, err := GenerateVersion(GeneratorVersion, 50, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	equalDatasets(t, a, v)
	v2, err := GenerateVersion(2, 50, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Trajectories, v2.Trajectories) {
		t.Error("versions 2 and 3 gave the same trajectories")
	}
	for _, bad := range []int{0, 1, LatestGeneratorVersion + 1} {
		if _, err := GenerateVersion(bad, 5, 7, nil); err == nil {
			t.Errorf("GenerateVersion(%d) gave no error", bad)
		}
		if err := SynthesizeVersion(bad, 1, rand.New(rand.NewPCG(1, 2)), make([]uint8, ImageLen), make([]float32, TrajLen)); err == nil {
			t.Errorf("SynthesizeVersion(%d) gave no error", bad)
		}
	}
}

func TestGenerateReportsProgress(t *testing.T) {
	var calls []int
	if _, err := Generate(150, 1, func(done int) { calls = append(calls, done) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != 150 || !slices.IsSorted(calls) {
		t.Errorf("progress calls %v, want increasing up to 150", calls)
	}
}

// TestFixtureRegenerates holds every generator version to its committed
// fixture: the same seed must give the same arrays. Run with -update after
// adding a version.
func TestFixtureRegenerates(t *testing.T) {
	for v := OldestGeneratorVersion; v <= LatestGeneratorVersion; v++ {
		t.Run("v"+strconv.Itoa(v), func(t *testing.T) { fixtureRegenerates(t, v) })
	}
}

func fixtureRegenerates(t *testing.T, version int) {
	d, err := GenerateVersion(version, fixtureN, fixtureSeed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := d.Save(fixturePath(version)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Load(fixturePath(version))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOARCH == "amd64" {
		equalDatasets(t, d, f)
		return
	}
	// Architectures that fuse multiply-adds may differ in the last bits.
	if !slices.Equal(d.Labels, f.Labels) {
		t.Fatal("labels differ")
	}
	for i, v := range d.Trajectories {
		if math.Abs(float64(v-f.Trajectories[i])) > 1e-3 {
			t.Fatalf("trajectory value %d: %v vs %v", i, v, f.Trajectories[i])
		}
	}
	for i, v := range d.Images {
		if diff := int(v) - int(f.Images[i]); diff < -2 || diff > 2 {
			t.Fatalf("pixel %d: %d vs %d", i, v, f.Images[i])
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	d, err := Generate(25, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	equalDatasets(t, got, d)
	if _, err := Load(filepath.Join(t.TempDir(), "missing.npz")); err == nil {
		t.Error("loading a missing file gave no error")
	}
	bad := &Dataset{Images: d.Images, Trajectories: d.Trajectories, Labels: d.Labels[:3]}
	if err := bad.Save(filepath.Join(t.TempDir(), "bad.npz")); err == nil {
		t.Error("saving an inconsistent dataset gave no error")
	}
}

// TestStrokeOrder checks that each digit is written in its natural order:
// where the pen starts and ends, relative to the digit's bounding box before
// the affine jitter (x 0 = left, 1 = right; y 0 = top, 1 = bottom). A shape
// that a later version adds may start or end in its own box (an alt, from
// version since on), and every such shape must turn up.
func TestStrokeOrder(t *testing.T) {
	type box struct{ x0, x1, y0, y1 float64 }
	type ends struct{ start, end box }
	type alt struct {
		since int
		ends
		how string
	}
	for _, tc := range []struct {
		label int
		how   string
		ends
		alts []alt
	}{
		{0, "top, round and back to the top", ends{box{0.3, 0.7, 0, 0.1}, box{0.2, 0.8, 0, 0.1}}, nil},
		{1, "flag at upper left, stem to the bottom", ends{box{0, 0.1, 0, 0.3}, box{0, 1, 0.95, 1}}, []alt{
			{3, ends{box{0, 1, 0, 0.02}, box{0, 1, 0.98, 1}}, "a bare stem, top to bottom"},
			{4, ends{box{0.1, 0.45, 0.05, 0.2}, box{0.95, 1, 0.95, 1}}, "a base bar: the flag inside it, ending at its right end"},
		}},
		{2, "upper left, base ends bottom right", ends{box{0, 0.3, 0, 0.35}, box{0.7, 1, 0.9, 1}}, []alt{
			{3, ends{box{0, 0.3, 0, 0.35}, box{0.7, 1, 0.6, 0.9}}, "looped: the base leaves the loop's top"},
			{4, ends{box{0.2, 0.45, 0.05, 0.3}, box{0.7, 1, 0.6, 0.9}}, "a larger loop, wider than the hook's start"},
		}},
		{3, "upper left to lower left", ends{box{0, 0.3, 0, 0.3}, box{0, 0.4, 0.7, 1}}, nil},
		{4, "crossbar's right end, stem ends at the bottom", ends{box{0.9, 1, 0.5, 0.85}, box{0.4, 0.9, 0.95, 1}}, []alt{
			{3, ends{box{0, 0.35, 0, 0.1}, box{0.5, 1, 0.95, 1}}, "open: left arm from the top left, stem ends at the bottom"},
		}},
		{5, "top right (the wider bowls of version 3 reach past the bar) to lower left", ends{box{0.45, 1, 0, 0.1}, box{0, 0.4, 0.7, 1}}, nil},
		{6, "top right (or a curl down its side), loop closes at the left", ends{box{0.5, 1, 0, 0.35}, box{0, 0.3, 0.6, 0.95}}, []alt{
			{4, ends{box{0.65, 1, 0, 0.05}, box{0.1, 0.4, 0.4, 0.6}}, "straight-backed: the loop closes on the back, halfway down"},
		}},
		{7, "top left to the bottom (crossed or not)", ends{box{0, 0.1, 0, 0.1}, box{0, 0.7, 0.95, 1}}, nil},
		{8, "upper right and back there (leaning or not)", ends{box{0.5, 1, 0, 0.3}, box{0.5, 1, 0, 0.35}}, nil},
		{9, "right of the head, stem ends at the bottom (curved: left of its top)", ends{box{0.8, 1, 0, 0.35}, box{0.3, 1, 0.95, 1}}, nil},
	} {
		for version := OldestGeneratorVersion; version <= LatestGeneratorVersion; version++ {
			t.Run(fmt.Sprintf("%d/v%d", tc.label, version), func(t *testing.T) {
				seen := make([]int, len(tc.alts))
				for seed := range uint64(50) {
					p := retime(toCanvas(template(tc.label, rand.New(rand.NewPCG(seed, 5)), version)))
					x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
					for _, q := range p {
						x0, y0, x1, y1 = min(x0, q.x), min(y0, q.y), max(x1, q.x), max(y1, q.y)
					}
					rel := func(q pt) pt { return pt{(q.x - x0) / (x1 - x0), (q.y - y0) / (y1 - y0)} }
					in := func(q pt, b box) bool { return q.x >= b.x0 && q.x <= b.x1 && q.y >= b.y0 && q.y <= b.y1 }
					s, e := rel(p[0]), rel(p[Steps-1])
					if in(s, tc.start) && in(e, tc.end) {
						continue
					}
					found := false
					for i, a := range tc.alts {
						if version >= a.since && in(s, a.start) && in(e, a.end) {
							seen[i]++
							found = true
							break
						}
					}
					if !found {
						t.Errorf("seed %d: starts at %.2f, ends at %.2f; want %s", seed, s, e, tc.how)
					}
				}
				for i, a := range tc.alts {
					if version >= a.since && seen[i] < 5 {
						t.Errorf("%d of 50 digits are %s; want 5 or more", seen[i], a.how)
					}
				}
			})
		}
	}
}

// TestNewShapesTurnUp checks the shapes of versions 4 and 5 that keep the
// pen's start and end (so TestStrokeOrder cannot see them): crossed 7s,
// whose pen turns back in x twice more than a plain 7's; leaning 8s, whose
// top half sits right of the bottom half; flat-topped 3s, whose pen moves
// right a long way before its height changes; long-barred 5s, whose bar
// reaches well past the bowl. Older versions draw none of them.
func TestNewShapesTurnUp(t *testing.T) {
	// turns counts the reversals of the pen's x direction, ignoring moves
	// under 0.05 template units.
	turns := func(p []pt) int {
		n, dir, last := 0, 0, p[0]
		for _, q := range p[1:] {
			dx := q.x - last.x
			if math.Abs(dx) < 0.05 {
				continue
			}
			d := 1
			if dx < 0 {
				d = -1
			}
			if dir != 0 && d != dir {
				n++
			}
			dir, last = d, q
		}
		return n
	}
	// lean is the mean x of the top third minus that of the bottom third.
	lean := func(p []pt) float64 {
		y0, y1 := minY(p), math.Inf(-1)
		for _, q := range p {
			y1 = max(y1, q.y)
		}
		var top, bot, nt, nb float64
		for _, q := range p {
			switch r := (q.y - y0) / (y1 - y0); {
			case r < 1.0/3:
				top, nt = top+q.x, nt+1
			case r > 2.0/3:
				bot, nb = bot+q.x, nb+1
			}
		}
		return top/nt - bot/nb
	}
	// flat is how far right the pen goes before its height changes by
	// 0.15 template units.
	flat := func(p []pt) float64 {
		last := p[0]
		for _, q := range p {
			if math.Abs(q.y-p[0].y) > 0.15 {
				break
			}
			last = q
		}
		return last.x - p[0].x
	}
	// overhang is how far the start (the 5's bar's right end) lies right of
	// everything drawn after the bar and the stem.
	overhang := func(p []pt) float64 {
		m := math.Inf(-1)
		for _, q := range p[3:] { // the bar and stem are the first three points
			m = max(m, q.x)
		}
		return p[0].x - m
	}
	for _, tc := range []struct {
		label int
		shape string
		is    func([]pt) bool
		since int // the version that adds the shape
		min   int // of 50, from version since on
	}{
		{7, "crossed", func(p []pt) bool { return turns(p) >= 3 }, 4, 8},
		{8, "leaning", func(p []pt) bool { return lean(p) > 0.3 }, 4, 15},
		{3, "flat-topped", func(p []pt) bool { return flat(p) > 1 }, 5, 8},
		{5, "long-barred", func(p []pt) bool { return overhang(p) > 0.45 }, 5, 8},
	} {
		for version := OldestGeneratorVersion; version <= LatestGeneratorVersion; version++ {
			t.Run(fmt.Sprintf("%s %d/v%d", tc.shape, tc.label, version), func(t *testing.T) {
				n := 0
				for seed := range uint64(50) {
					if tc.is(template(tc.label, rand.New(rand.NewPCG(seed, 5)), version)) {
						n++
					}
				}
				t.Logf("%d of 50 are %s", n, tc.shape)
				switch {
				case version < tc.since && n > 0:
					t.Errorf("%d of 50 %ds of version %d are %s; want none", n, tc.label, version, tc.shape)
				case version >= tc.since && n < tc.min:
					t.Errorf("%d of 50 %ds are %s; want at least %d", n, tc.label, tc.shape, tc.min)
				}
			})
		}
	}
}
