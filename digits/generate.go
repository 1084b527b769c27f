package digits

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/ndp-go/ndp/internal/memlimit"
)

// Canvas and trajectory geometry shared by the generator, the file format and
// the trainer.
const (
	// Size is the side of the square canvas in pixels: images are [Size, Size].
	Size = 40
	// Steps is the number of points of a trajectory (T = Steps-1 = 300 steps).
	Steps = 301
	// NumClasses is the number of digit classes, labels are 0..NumClasses-1.
	NumClasses = 10
	// NetSize is the side of the image the network sees (see [Resize]).
	NetSize = 28
	// DigitHeight is the height in pixels of a digit before the affine jitter.
	DigitHeight = 23.0
	// ImageLen is the length of one flattened image, Size*Size.
	ImageLen = Size * Size
	// TrajLen is the length of one flattened trajectory, Steps*2.
	TrajLen = Steps * 2
)

// Generator versions. A version numbers the generator's output: the same seed
// gives the same digits within a version and different ones across versions,
// so run directories record it with their seeds, and this build reproduces
// every version from OldestGeneratorVersion to LatestGeneratorVersion.
// Version 2 widened the shapes of 6 (start, loop size) and 9 (head size, a
// curved stem half the time). Version 3 adds shapes person-drawn digits have
// and version 2 lacks: rounder 0s, bare 1s, 2s looped at the base, open 4s,
// wider 5s; a writer trained on it loses nothing on version 2's digits (see
// docs/results.md), so it is the default. Version 4 adds 1s with a base bar,
// larger and flatter loops in the looped 2s, straight-backed 6s, crossed 7s
// and leaning 8s; it is opt-in, since its writers score worse on its own
// held-out digits (Table 2 on version 4 in docs/results.md). Version 5 adds
// flat-topped 3s and 5s with a long bar over a small bowl to version 4's
// shapes; opt-in too.
const (
	// GeneratorVersion is the version [Generate] and [Synthesize] draw.
	GeneratorVersion = 3
	// OldestGeneratorVersion is the oldest version this build reproduces.
	OldestGeneratorVersion = 2
	// LatestGeneratorVersion is the newest version.
	LatestGeneratorVersion = 5
)

// CheckGeneratorVersion says whether this build can draw version v.
func CheckGeneratorVersion(v int) error {
	if v < OldestGeneratorVersion || v > LatestGeneratorVersion {
		return fmt.Errorf("digits: generator version %d: this build draws versions %d to %d", v, OldestGeneratorVersion, LatestGeneratorVersion)
	}
	return nil
}

// Jitter ranges of the random affine transform applied to image and
// trajectory together (about the canvas centre).
const (
	maxRotationDeg = 8.0
	maxShear       = 0.12
	minScale       = 0.9
	maxScale       = 1.1
	maxAniso       = 0.05 // relative difference between x and y scale
	maxShiftPx     = 3.0
	minInkRadius   = 0.9
	maxInkRadius   = 1.15
	maxDigitWidth  = 18.0 // px; caps the scale of unusually wide jitters
)

// MinJerk is the minimum-jerk timing profile s(τ) = 10τ³ − 15τ⁴ + 6τ⁵, which
// goes from 0 to 1 with zero velocity and acceleration at both ends.
func MinJerk(tau float64) float64 {
	return tau * tau * tau * (10 + tau*(-15+6*tau))
}

// affine maps p to A·p + t, with A = [[a, b], [c, d]].
type affine struct{ a, b, c, d, tx, ty float64 }

func (m affine) apply(p pt) pt {
	return pt{m.a*p.x + m.b*p.y + m.tx, m.c*p.x + m.d*p.y + m.ty}
}

func (m affine) inverse() affine {
	det := m.a*m.d - m.b*m.c // never near zero: scale ≥ 0.9·0.95, |shear| ≤ 0.12
	ia, ib, ic, id := m.d/det, -m.b/det, -m.c/det, m.a/det
	return affine{ia, ib, ic, id, -(ia*m.tx + ib*m.ty), -(ic*m.tx + id*m.ty)}
}

// randomAffine draws the jitter transform, composed as rotation · shear ·
// scale about the canvas centre, followed by a shift.
func randomAffine(r *rand.Rand) affine {
	th := rad(uniform(r, -maxRotationDeg, maxRotationDeg))
	k := uniform(r, -maxShear, maxShear)
	s := uniform(r, minScale, maxScale)
	an := uniform(r, -maxAniso, maxAniso)
	sx, sy := s*(1+an), s*(1-an)
	cs, sn := math.Cos(th), math.Sin(th)
	// R·K·S with K = [[1, k], [0, 1]], S = diag(sx, sy).
	a, b := cs*sx, (cs*k-sn)*sy
	c, d := sn*sx, (sn*k+cs)*sy
	const mid = Size / 2.0
	tx := mid + uniform(r, -maxShiftPx, maxShiftPx) - (a*mid + b*mid)
	ty := mid + uniform(r, -maxShiftPx, maxShiftPx) - (c*mid + d*mid)
	return affine{a, b, c, d, tx, ty}
}

// toCanvas scales a template path to DigitHeight pixels (keeping its aspect
// ratio) and centres its bounding box on the canvas.
func toCanvas(path []pt) []pt {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range path {
		x0, y0, x1, y1 = min(x0, p.x), min(y0, p.y), max(x1, p.x), max(y1, p.y)
	}
	s := DigitHeight / max(y1-y0, 1e-9)
	if (x1-x0)*s > maxDigitWidth {
		s = maxDigitWidth / (x1 - x0)
	}
	c := pt{(x0 + x1) / 2, (y0 + y1) / 2}
	out := make([]pt, len(path))
	for i, p := range path {
		out[i] = p.sub(c).scale(s).add(pt{Size / 2.0, Size / 2.0})
	}
	return out
}

// retime samples the polyline at Steps instants whose normalised arc length
// follows the minimum-jerk profile, so the pen starts and ends at rest and
// moves fastest mid-stroke.
func retime(path []pt) []pt {
	cum := make([]float64, len(path))
	for i := 1; i < len(path); i++ {
		cum[i] = cum[i-1] + path[i].dist(path[i-1])
	}
	total := cum[len(cum)-1]
	out := make([]pt, Steps)
	seg := 1
	for k := range Steps {
		target := MinJerk(float64(k)/float64(Steps-1)) * total
		// Targets are non-decreasing, so one forward scan serves all samples.
		for seg < len(path)-1 && cum[seg] < target {
			seg++
		}
		l := cum[seg] - cum[seg-1]
		t := 0.0
		if l > 0 {
			t = math.Min(1, math.Max(0, (target-cum[seg-1])/l))
		}
		out[k] = lerp(path[seg-1], path[seg], t)
	}
	return out
}

// segDist is the distance from p to the segment [a, b].
func segDist(p, a, b pt) float64 {
	ab, ap := b.sub(a), p.sub(a)
	l2 := ab.x*ab.x + ab.y*ab.y
	t := 0.0
	if l2 > 0 {
		t = math.Min(1, math.Max(0, (ap.x*ab.x+ap.y*ab.y)/l2))
	}
	return p.dist(a.add(ab.scale(t)))
}

// ink rasterises the polyline pre (in untransformed canvas pixels) with a pen
// of the given radius, warped by m. Each output pixel centre is mapped back
// through m⁻¹ and inked by its distance to the stroke there: this is exactly
// the ink image transformed by m, without the blur of resampling a raster.
// Coverage is the usual anti-aliasing ramp clamp(radius + ½ − distance, 0, 1).
func ink(dst []uint8, pre []pt, m affine, radius float64) {
	inv := m.inverse()
	dist := make([]float64, ImageLen)
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	// ‖A‖ ≤ 1.3 for the jitter ranges; the margin only has to cover the pen.
	reach := 1.3*radius + 1
	for i := 0; i+1 < len(pre); i++ {
		a, b := pre[i], pre[i+1]
		pa, pb := m.apply(a), m.apply(b)
		xlo := max(0, int(math.Floor(min(pa.x, pb.x)-reach)))
		xhi := min(Size-1, int(math.Floor(max(pa.x, pb.x)+reach)))
		ylo := max(0, int(math.Floor(min(pa.y, pb.y)-reach)))
		yhi := min(Size-1, int(math.Floor(max(pa.y, pb.y)+reach)))
		for y := ylo; y <= yhi; y++ {
			for x := xlo; x <= xhi; x++ {
				d := segDist(inv.apply(pt{float64(x) + 0.5, float64(y) + 0.5}), a, b)
				if d < dist[y*Size+x] {
					dist[y*Size+x] = d
				}
			}
		}
	}
	for i, d := range dist {
		v := math.Min(1, math.Max(0, radius+0.5-d))
		dst[i] = uint8(math.Round(255 * v))
	}
}

// Synthesize draws one random instance of digit label with GeneratorVersion;
// see [SynthesizeVersion].
func Synthesize(label int, rng *rand.Rand, img []uint8, traj []float32) error {
	return SynthesizeVersion(GeneratorVersion, label, rng, img, traj)
}

// SynthesizeVersion draws one random instance of digit label: it writes the image
// into img ([Size, Size] row-major, 0 = background, 255 = full ink) and the
// pen trajectory into traj ([Steps, 2] as x, y in canvas pixels, where pixel
// column c spans x ∈ [c, c+1) and y points down). All randomness comes from
// rng, so a seeded rng gives a reproducible sample.
func SynthesizeVersion(version, label int, rng *rand.Rand, img []uint8, traj []float32) error {
	if err := CheckGeneratorVersion(version); err != nil {
		return err
	}
	switch {
	case label < 0 || label >= NumClasses:
		return fmt.Errorf("digits: label %d out of range [0, %d)", label, NumClasses)
	case rng == nil:
		return fmt.Errorf("digits: nil random source")
	case len(img) != ImageLen:
		return fmt.Errorf("digits: image buffer has %d values, want %d", len(img), ImageLen)
	case len(traj) != TrajLen:
		return fmt.Errorf("digits: trajectory buffer has %d values, want %d", len(traj), TrajLen)
	}
	path := retime(toCanvas(template(label, rng, version)))
	m := randomAffine(rng)
	ink(img, path, m, uniform(rng, minInkRadius, maxInkRadius))
	for k, p := range path {
		q := m.apply(p)
		traj[2*k], traj[2*k+1] = float32(q.x), float32(q.y)
	}
	return nil
}

// sampleRNG returns the random source of sample i of a dataset seeded with
// seed. Each sample has its own stream, so generation can run in parallel and
// a dataset of n samples is a prefix of one of n+1 samples with the same seed.
func sampleRNG(seed uint64, i int) *rand.Rand {
	// SplitMix64 finaliser: decorrelates the streams of neighbouring indices.
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return rand.New(rand.NewPCG(seed, z^(z>>31)))
}

// Generate synthesises n digits with GeneratorVersion; see [GenerateVersion].
func Generate(n int, seed uint64, progress func(done int)) (*Dataset, error) {
	return GenerateVersion(GeneratorVersion, n, seed, progress)
}

// GenerateVersion synthesises n digits of generator version with uniformly
// random labels, deterministic for a given version and seed (independent of
// the number of CPUs). progress, if not nil, is called with the number of
// samples done so far; calls are serialised but may come from any goroutine.
func GenerateVersion(version, n int, seed uint64, progress func(done int)) (*Dataset, error) {
	if err := CheckGeneratorVersion(version); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("digits: generate: need at least one sample, got n=%d", n)
	}
	// The arrays, plus as much again while Save encodes them.
	if err := memlimit.Check(fmt.Sprintf("digits: generating %d samples", n), 2*float64(n)*(ImageLen+4*TrajLen+8)); err != nil {
		return nil, err
	}
	d := &Dataset{
		Images:       make([]uint8, n*ImageLen),
		Trajectories: make([]float32, n*TrajLen),
		Labels:       make([]int, n),
	}
	const chunk = 64
	var (
		mu   sync.Mutex
		done int
		next int
		err  error
		wg   sync.WaitGroup
	)
	// Workers take chunks of indices; the result does not depend on which
	// worker did what because every sample has its own random stream.
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += chunk
				stop := err != nil
				mu.Unlock()
				if lo >= n || stop {
					return
				}
				hi := min(n, lo+chunk)
				for i := lo; i < hi; i++ {
					r := sampleRNG(seed, i)
					d.Labels[i] = r.IntN(NumClasses)
					if e := SynthesizeVersion(version, d.Labels[i], r, d.Image(i), d.Trajectory(i)); e != nil {
						mu.Lock()
						err = fmt.Errorf("digits: sample %d: %w", i, e)
						mu.Unlock()
						return
					}
				}
				mu.Lock()
				done += hi - lo
				if progress != nil {
					progress(done)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return d, nil
}
