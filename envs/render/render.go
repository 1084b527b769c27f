// Package render draws MuJoCo scenes made of primitive geoms (plane, sphere,
// capsule, cylinder, box, ellipsoid) by ray casting in pure Go.
//
// It needs no GPU, display, EGL or OSMesa, so snapshots, episode GIFs and
// small image observations work on any machine and in tests. Shading is
// Lambertian with one directional light and no shadows: enough to see what a
// policy does, not photo-realism.
package render

import (
	"errors"
	"image"
	"image/color"
	"math"
	"runtime"
	"sync"

	"github.com/ndp-go/ndp/mujoco"
)

// Camera is a pinhole camera looking from Eye at LookAt, z up.
type Camera struct {
	Eye, LookAt [3]float64
	FovY        float64 // vertical field of view, degrees
}

type geom struct {
	typ   int
	pos   [3]float64
	mat   [9]float64 // row-major, world = mat * local
	size  [3]float64
	rb    float64
	color [3]float64
}

var light = normalize([3]float64{-0.3, -0.5, 1})

// Render draws the current state of d as seen by cam into a w×h image.
// Geoms with zero alpha are skipped.
func Render(d *mujoco.Data, cam Camera, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		return nil, errors.New("render: image size must be positive")
	}
	if cam.FovY <= 0 || cam.FovY >= 180 {
		return nil, errors.New("render: field of view must be in (0, 180) degrees")
	}
	m := d.Model()
	xp, xm := d.GeomXPos(), d.GeomXMat()
	var gs []geom
	for g := 0; g < m.NGeom(); g++ {
		rgba := m.GeomRGBA(g)
		if rgba[3] == 0 {
			continue
		}
		var gg geom
		gg.typ = m.GeomType(g)
		copy(gg.pos[:], xp[3*g:3*g+3])
		copy(gg.mat[:], xm[9*g:9*g+9])
		gg.size = m.GeomSize(g)
		gg.rb = m.GeomRBound(g)
		gg.color = [3]float64{float64(rgba[0]), float64(rgba[1]), float64(rgba[2])}
		gs = append(gs, gg)
	}
	fwd := normalize(sub(cam.LookAt, cam.Eye))
	right := normalize(cross(fwd, [3]float64{0, 0, 1}))
	up := cross(right, fwd)
	tanY := math.Tan(cam.FovY * math.Pi / 360)
	tanX := tanY * float64(w) / float64(h)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// Rows are independent: split them over the CPUs (interleaved, so each
	// worker gets a similar mix of sky and geometry).
	workers := min(runtime.GOMAXPROCS(0), h)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for py := k; py < h; py += workers {
				v := (1 - 2*(float64(py)+0.5)/float64(h)) * tanY
				for px := 0; px < w; px++ {
					u := (2*(float64(px)+0.5)/float64(w) - 1) * tanX
					dir := normalize(add(fwd, add(scale(right, u), scale(up, v))))
					img.SetRGBA(px, py, shade(gs, cam.Eye, dir, v))
				}
			}
		}()
	}
	wg.Wait()
	return img, nil
}

func shade(gs []geom, o, dir [3]float64, v float64) color.RGBA {
	best := math.Inf(1)
	var n [3]float64
	var c [3]float64
	for i := range gs {
		g := &gs[i]
		if g.rb > 0 {
			// Bounding-sphere rejection.
			oc := sub(o, g.pos)
			b := dot(oc, dir)
			if dot(oc, oc)-b*b > g.rb*g.rb || -b+g.rb < 0 {
				continue
			}
		}
		t, nl, ok := intersect(g, o, dir)
		if ok && t < best {
			best, n, c = t, nl, g.color
		}
	}
	if math.IsInf(best, 1) {
		// Sky gradient.
		s := 0.5 + 0.5*v
		return color.RGBA{uint8(150 + 60*s), uint8(170 + 60*s), uint8(200 + 50*s), 255}
	}
	if dot(n, dir) > 0 {
		n = scale(n, -1)
	}
	k := 0.35 + 0.65*math.Max(0, dot(n, light))
	return color.RGBA{to8(c[0] * k), to8(c[1] * k), to8(c[2] * k), 255}
}

func to8(x float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, x)))) }

// intersect returns the ray parameter and world normal of the first hit.
func intersect(g *geom, o, dir [3]float64) (float64, [3]float64, bool) {
	// To the geom frame: local = R^T (p - pos).
	lo := mulT(g.mat, sub(o, g.pos))
	ld := mulT(g.mat, dir)
	var t float64
	var nl [3]float64
	ok := false
	s := g.size
	switch g.typ {
	case mujoco.GeomPlane:
		if math.Abs(ld[2]) > 1e-12 {
			t = -lo[2] / ld[2]
			p := add(lo, scale(ld, t))
			inside := (s[0] <= 0 || math.Abs(p[0]) <= s[0]) && (s[1] <= 0 || math.Abs(p[1]) <= s[1])
			if t > 1e-6 && inside {
				nl, ok = [3]float64{0, 0, 1}, true
				// Checker pattern so motion on the floor is visible.
				if (int(math.Floor(p[0]/0.1))+int(math.Floor(p[1]/0.1)))%2 == 0 {
					nl = scale(nl, 0.9)
				}
			}
		}
	case mujoco.GeomSphere:
		t, nl, ok = sphere(lo, ld, [3]float64{}, s[0])
	case mujoco.GeomEllipsoid:
		// Scale space to a unit sphere.
		so := [3]float64{lo[0] / s[0], lo[1] / s[1], lo[2] / s[2]}
		sd := [3]float64{ld[0] / s[0], ld[1] / s[1], ld[2] / s[2]}
		a := dot(sd, sd)
		b := dot(so, sd)
		cc := dot(so, so) - 1
		disc := b*b - a*cc
		if disc >= 0 {
			t = (-b - math.Sqrt(disc)) / a
			if t > 1e-6 {
				p := add(lo, scale(ld, t))
				nl = normalize([3]float64{p[0] / (s[0] * s[0]), p[1] / (s[1] * s[1]), p[2] / (s[2] * s[2])})
				ok = true
			}
		}
	case mujoco.GeomCapsule:
		t, nl, ok = cylinder(lo, ld, s[0], s[1])
		for _, z := range []float64{-s[1], s[1]} {
			if t2, n2, ok2 := sphere(lo, ld, [3]float64{0, 0, z}, s[0]); ok2 && (!ok || t2 < t) {
				t, nl, ok = t2, n2, true
			}
		}
	case mujoco.GeomCylinder:
		t, nl, ok = cylinder(lo, ld, s[0], s[1])
		if math.Abs(ld[2]) > 1e-12 {
			for _, z := range []float64{-s[1], s[1]} {
				t2 := (z - lo[2]) / ld[2]
				p := add(lo, scale(ld, t2))
				if t2 > 1e-6 && p[0]*p[0]+p[1]*p[1] <= s[0]*s[0] && (!ok || t2 < t) {
					t, nl, ok = t2, [3]float64{0, 0, math.Copysign(1, z)}, true
				}
			}
		}
	case mujoco.GeomBox:
		tmin, tmax := math.Inf(-1), math.Inf(1)
		axis := 0
		for i := 0; i < 3; i++ {
			if math.Abs(ld[i]) < 1e-12 {
				if math.Abs(lo[i]) > s[i] {
					return 0, nl, false
				}
				continue
			}
			t1, t2 := (-s[i]-lo[i])/ld[i], (s[i]-lo[i])/ld[i]
			if t1 > t2 {
				t1, t2 = t2, t1
			}
			if t1 > tmin {
				tmin, axis = t1, i
			}
			tmax = math.Min(tmax, t2)
		}
		if tmin <= tmax && tmin > 1e-6 {
			t, ok = tmin, true
			nl[axis] = -math.Copysign(1, ld[axis])
		}
	}
	if !ok {
		return 0, nl, false
	}
	return t, mul(g.mat, nl), true
}

func sphere(o, d, c [3]float64, r float64) (float64, [3]float64, bool) {
	oc := sub(o, c)
	b := dot(oc, d)
	disc := b*b - (dot(oc, oc) - r*r)
	if disc < 0 {
		return 0, [3]float64{}, false
	}
	t := -b - math.Sqrt(disc)
	if t <= 1e-6 {
		return 0, [3]float64{}, false
	}
	return t, scale(sub(add(o, scale(d, t)), c), 1/r), true
}

// cylinder intersects the side of a z-aligned cylinder of radius r and half
// length h.
func cylinder(o, d [3]float64, r, h float64) (float64, [3]float64, bool) {
	a := d[0]*d[0] + d[1]*d[1]
	if a < 1e-12 {
		return 0, [3]float64{}, false
	}
	b := o[0]*d[0] + o[1]*d[1]
	c := o[0]*o[0] + o[1]*o[1] - r*r
	disc := b*b - a*c
	if disc < 0 {
		return 0, [3]float64{}, false
	}
	t := (-b - math.Sqrt(disc)) / a
	if t <= 1e-6 {
		return 0, [3]float64{}, false
	}
	p := add(o, scale(d, t))
	if math.Abs(p[2]) > h {
		return 0, [3]float64{}, false
	}
	return t, [3]float64{p[0] / r, p[1] / r, 0}, true
}

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func scale(a [3]float64, s float64) [3]float64 {
	return [3]float64{a[0] * s, a[1] * s, a[2] * s}
}
func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func normalize(a [3]float64) [3]float64 { return scale(a, 1/math.Sqrt(dot(a, a))) }
func mul(m [9]float64, v [3]float64) [3]float64 {
	return [3]float64{m[0]*v[0] + m[1]*v[1] + m[2]*v[2], m[3]*v[0] + m[4]*v[1] + m[5]*v[2], m[6]*v[0] + m[7]*v[1] + m[8]*v[2]}
}
func mulT(m [9]float64, v [3]float64) [3]float64 {
	return [3]float64{m[0]*v[0] + m[3]*v[1] + m[6]*v[2], m[1]*v[0] + m[4]*v[1] + m[7]*v[2], m[2]*v[0] + m[5]*v[1] + m[8]*v[2]}
}
