package digits

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Ranges of [Augment]'s random affine map, on top of the generator's own
// jitter (±8°, shear ±0.12, anisotropy ±0.05). They are wide enough to cover
// the slant of person-drawn digits, whose 0s, 6s and 8s lean 15–25°.
const (
	AugmentRotationDeg = 15.0 // rotation θ ∈ ±15°
	AugmentShear       = 0.25 // horizontal shear k ∈ ±0.25
	AugmentAniso       = 0.15 // x and y scale 1 ± a, a ∈ ±0.15
)

// Augment returns a new dataset of the samples idx of ds, each moved by its
// own random affine map A about the canvas centre c: image and trajectory
// together, so the pair stays exact. A = R(θ)·K(k)·diag(1+a, 1−a), drawn
// uniformly within the Augment* ranges from r. The trajectory maps
// forward, p ↦ A(p − c) + c; the image is resampled through the inverse
// map with bilinear interpolation, ink outside the canvas dropped. Labels
// are copied. Shapes: images [len(idx), Size, Size], trajectories
// [len(idx), Steps, 2].
func Augment(ds *Dataset, idx []int, r *rand.Rand) (*Dataset, error) {
	if r == nil {
		return nil, fmt.Errorf("digits: nil random source")
	}
	n := len(idx)
	out := &Dataset{Images: make([]uint8, n*ImageLen), Trajectories: make([]float32, n*TrajLen), Labels: make([]int, n)}
	for j, i := range idx {
		if i < 0 || i >= ds.Len() {
			return nil, fmt.Errorf("digits: sample %d out of range [0, %d)", i, ds.Len())
		}
		th := rad(uniform(r, -AugmentRotationDeg, AugmentRotationDeg))
		k := uniform(r, -AugmentShear, AugmentShear)
		an := uniform(r, -AugmentAniso, AugmentAniso)
		cs, sn := math.Cos(th), math.Sin(th)
		sx, sy := 1+an, 1-an
		m := affine{a: cs * sx, b: (cs*k - sn) * sy, c: sn * sx, d: (sn*k + cs) * sy}
		const mid = Size / 2.0
		m.tx, m.ty = mid-(m.a*mid+m.b*mid), mid-(m.c*mid+m.d*mid)
		warpImage(out.Images[j*ImageLen:(j+1)*ImageLen], ds.Image(i), m.inverse())
		src, dst := ds.Trajectory(i), out.Trajectories[j*TrajLen:(j+1)*TrajLen]
		for p := range Steps {
			q := m.apply(pt{float64(src[2*p]), float64(src[2*p+1])})
			dst[2*p], dst[2*p+1] = float32(q.x), float32(q.y)
		}
		out.Labels[j] = ds.Labels[i]
	}
	return out, nil
}

// warpImage writes dst[y, x] = src(inv(x + ½, y + ½)), bilinear between the
// pixel centres of src, 0 outside it: the image moved by inv's inverse.
func warpImage(dst, src []uint8, inv affine) {
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= Size || y >= Size {
			return 0
		}
		return float64(src[y*Size+x])
	}
	for y := range Size {
		for x := range Size {
			q := inv.apply(pt{float64(x) + 0.5, float64(y) + 0.5})
			fx, fy := q.x-0.5, q.y-0.5
			x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
			tx, ty := fx-float64(x0), fy-float64(y0)
			v := (1-ty)*((1-tx)*at(x0, y0)+tx*at(x0+1, y0)) + ty*((1-tx)*at(x0, y0+1)+tx*at(x0+1, y0+1))
			dst[y*Size+x] = uint8(math.Round(v))
		}
	}
}
