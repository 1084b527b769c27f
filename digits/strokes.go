package digits

import (
	"math"
	"math/rand/v2"
)

// pt is a point in template units (x right, y down, a digit is about 2 wide
// and 4 tall) or, after mapping, in canvas pixels.
type pt struct{ x, y float64 }

func (p pt) add(q pt) pt                           { return pt{p.x + q.x, p.y + q.y} }
func (p pt) sub(q pt) pt                           { return pt{p.x - q.x, p.y - q.y} }
func (p pt) scale(s float64) pt                    { return pt{p.x * s, p.y * s} }
func (p pt) dist(q pt) float64                     { return math.Hypot(p.x-q.x, p.y-q.y) }
func lerp(p, q pt, t float64) pt                   { return pt{p.x + (q.x-p.x)*t, p.y + (q.y-p.y)*t} }
func rad(deg float64) float64                      { return deg * math.Pi / 180 }
func polar(r, deg float64) pt                      { a := rad(deg); return pt{r * math.Cos(a), r * math.Sin(a)} }
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// pen builds one pen-down stroke as a dense polyline. Every primitive starts
// where the previous one ended, so jittering a primitive's parameters can never
// break the stroke into pieces.
type pen struct{ pts []pt }

func startAt(p pt) *pen { return &pen{pts: []pt{p}} }

func (p *pen) pos() pt { return p.pts[len(p.pts)-1] }

// lineTo draws a straight segment to q.
func (p *pen) lineTo(q pt) { p.pts = append(p.pts, q) }

// lineBy draws a straight segment of length l in direction deg (screen
// angles: 0 = right, 90 = down, -90 = up).
func (p *pen) lineBy(l, deg float64) { p.lineTo(p.pos().add(polar(l, deg))) }

// bar draws a bar through the pen's position at tilt degrees, left end
// first: left units back, then left+right units forward, ending at its
// right end.
func (p *pen) bar(left, right, tilt float64) {
	p.lineBy(left, 180+tilt)
	p.lineBy(left+right, tilt)
}

// arc draws part of an axis-aligned ellipse with radii (rx, ry) whose point at
// parameter from (degrees, p = c + (rx cos θ, ry sin θ)) is the current pen
// position, sweeping by sweep degrees (positive = clockwise on screen, since y
// points down).
func (p *pen) arc(rx, ry, from, sweep float64) {
	a := rad(from)
	c := p.pos().sub(pt{rx * math.Cos(a), ry * math.Sin(a)})
	// 2° steps keep the chord error far below a hundredth of a pixel.
	steps := max(2, int(math.Ceil(math.Abs(sweep)/2)))
	for i := 1; i <= steps; i++ {
		t := rad(from + sweep*float64(i)/float64(steps))
		p.pts = append(p.pts, c.add(pt{rx * math.Cos(t), ry * math.Sin(t)}))
	}
}

// template returns the jittered single-stroke path of digit label in template
// units, drawn by generator version (see [GeneratorVersion]); the caller
// normalises its size, so only shape and proportions matter. Each case
// describes the stroke in the order a person would write it.
func template(label int, r *rand.Rand, version int) []pt {
	if version >= 3 {
		if p := variant(label, r, version); p != nil {
			return p
		}
	}
	j := func(lo, hi float64) float64 { return uniform(r, lo, hi) }
	// or draws from [lo, hi), or from [altLo, altHi) where a version widens
	// or moves a range.
	or := func(alt bool, lo, hi, altLo, altHi float64) float64 {
		if alt {
			return j(altLo, altHi)
		}
		return j(lo, hi)
	}
	switch label {
	case 0:
		// One ellipse, started at the top and drawn anticlockwise (down the
		// left side first), closing with a small overlap or gap.
		start := j(-105, -75)
		p := startAt(pt{0, 0})
		p.arc(j(0.85, 1.05), j(1.9, 2.05), start, -j(345, 375))
		return p.pts
	case 1:
		// A short flag rising to the top-right, then the stem straight down.
		// Version 4 gives a quarter of these 1s (those that are not bare
		// stems, see variant) a base bar.
		based := version >= 4 && r.Float64() < 0.25
		p := startAt(pt{0, 0})
		p.lineBy(j(0.45, 0.8), j(-60, -35))
		p.lineBy(j(3.7, 4.0), 90+j(-4, 4))
		if based {
			p.bar(j(0.6, 1.0), j(0.6, 1.0), j(-3, 3))
		}
		return p.pts
	case 2:
		// Hook over the top clockwise, diagonal down to the bottom left, then
		// the base stroke to the right.
		rx, ry := j(0.85, 1.0), j(0.85, 1.0)
		p := startAt(pt{0, 0})
		p.arc(rx, ry, j(-175, -150), j(185, 215))
		p.lineTo(pt{p.pts[0].x + j(-0.15, 0.1), minY(p.pts) + j(3.85, 4.05)})
		p.lineBy(j(1.6, 2.0), j(-5, 3))
		return p.pts
	case 3:
		// Upper bowl clockwise into the waist, then the larger lower bowl
		// clockwise, ending at the bottom left.
		p := startAt(pt{0, 0})
		p.arc(j(0.8, 0.95), j(0.85, 0.95), j(-165, -140), j(235, 255))
		p.arc(j(0.9, 1.05), j(0.95, 1.05), j(-110, -95), j(235, 260))
		return p.pts
	case 4:
		// Crossbar right to left, diagonal up to the top, then the stem down
		// through the crossbar.
		bar := j(1.8, 2.1)
		p := startAt(pt{0, 0})
		p.lineBy(bar, 180+j(-3, 3))
		h := j(2.5, 2.9)
		p.lineTo(pt{p.pos().x + bar*j(0.6, 0.75), p.pos().y - h})
		p.lineBy(j(3.8, 4.1), 90+j(-3, 3))
		return p.pts
	case 5:
		// Top bar drawn right to left, short stem down, then a bowl bulging
		// to the right and ending at the bottom left. Version 3 widens the
		// ranges (second pair): wider and flatter bowls, shorter stems, a
		// bar that may tilt. Version 5 gives three 5s in ten a long bar
		// over a small bowl, the bar reaching well past it (third pair).
		v3, long := version >= 3, version >= 5 && r.Float64() < 0.3
		pick := func(lo, hi, v3Lo, v3Hi, longLo, longHi float64) float64 {
			if long {
				return j(longLo, longHi)
			}
			return or(v3, lo, hi, v3Lo, v3Hi)
		}
		p := startAt(pt{0, 0})
		p.lineBy(pick(1.3, 1.7, 1.2, 1.8, 1.9, 2.4), 180+or(v3, -4, 4, -8, 4))
		p.lineBy(pick(1.4, 1.8, 1.0, 1.8, 1.4, 1.9), 90+or(v3, -6, 3, -10, 3))
		p.arc(pick(0.9, 1.05, 0.9, 1.35, 0.65, 0.85), pick(1.0, 1.15, 0.85, 1.15, 0.9, 1.1), or(v3, -150, -130, -155, -125), or(v3, 270, 300, 260, 300))
		return p.pts
	case 6:
		// From the top right, sweep anticlockwise down the left side to the
		// bottom, then close the lower loop anticlockwise. The start ranges
		// from just right of the top to a curl well down the right side, and
		// the loop from 40% to 60% of the height, as in print and in
		// handwriting (a writer trained on the narrow range alone drew the
		// loop of printed 6s across its middle).
		start, end := j(-75, -25), j(-275, -240)
		p := startAt(pt{0, 0})
		p.arc(j(0.95, 1.1), j(1.9, 2.1), start, end-start)
		p.arc(j(0.8, 1.05), j(0.8, 1.2), 90+j(-5, 10), -j(270, 305))
		return p.pts
	case 7:
		// Top bar left to right, then a long diagonal down to the left.
		p := startAt(pt{0, 0})
		p.lineBy(j(1.7, 2.1), j(-3, 3))
		p.lineBy(j(3.9, 4.2), j(100, 112))
		return p.pts
	case 8:
		// From the upper right, anticlockwise over the top loop to the waist,
		// clockwise round the lower loop back to the waist, then up the right
		// side of the top loop to close it. Version 4 leans half the 8s
		// (second ranges): a smaller top loop, set right of the lower one by
		// k per unit of height.
		lean := version >= 4 && r.Float64() < 0.5
		rxu, ryu := or(lean, 0.7, 0.85, 0.5, 0.7), or(lean, 0.9, 1.0, 0.75, 0.95)
		p := startAt(pt{0, 0})
		p.arc(rxu, ryu, j(-35, -15), -j(240, 260))
		p.arc(or(lean, 0.9, 1.05, 0.85, 1.05), or(lean, 0.95, 1.05, 0.95, 1.1), -90+j(-8, 8), j(355, 365))
		p.arc(rxu, ryu, 90+j(-8, 8), -j(95, 120))
		if lean {
			k := j(0.2, 0.45)
			for i := range p.pts {
				p.pts[i].x -= k * p.pts[i].y
			}
		}
		return p.pts
	default: // 9
		// Head drawn anticlockwise from its right side, then the stem down:
		// straight, or (half the time, as in print) curving to the left at
		// the bottom. The head spans 40% to 55% of the height.
		p := startAt(pt{0, 0})
		p.arc(j(0.85, 1.1), j(0.9, 1.35), j(-20, 0), -j(350, 375))
		if r.IntN(2) == 0 {
			p.lineBy(j(2.4, 3.1), 90+j(0, 6))
		} else {
			p.arc(j(0.6, 1.1), j(2.4, 3.0), 0, j(60, 105))
		}
		return p.pts
	}
}

// variant draws the shapes of versions 3 to 5: those of person-drawn
// digits that version 2 never makes. It returns nil where the digit is drawn
// by template's case (with the random numbers that follow; the variations of
// template's own strokes live there: the 5's wider ranges, the 1's base bar,
// the 8's lean, the 5's long bar). Each new shape shows in the image, so no two
// trajectories share an image (a shape only the pen's direction tells apart
// would leave a writer to average the two). Where a stroke crosses ink it
// has drawn (a serif, a crossbar) it always goes the same way, left end
// first.
func variant(label int, r *rand.Rand, version int) []pt {
	j := func(lo, hi float64) float64 { return uniform(r, lo, hi) }
	v4, v5 := version >= 4, version >= 5
	switch label {
	case 0:
		// Rounder 0s as well: width up to three quarters of the height.
		p := startAt(pt{0, 0})
		p.arc(j(0.85, 1.45), j(1.9, 2.05), j(-105, -75), -j(345, 375))
		return p.pts
	case 1:
		// A third of 1s are a bare stem, as most person-drawn 1s are.
		if r.Float64() < 1.0/3 {
			p := startAt(pt{0, 0})
			p.lineBy(j(3.7, 4.0), 90+j(-4, 4))
			return p.pts
		}
	case 2:
		// Two 2s in five close the diagonal into a loop at the bottom left,
		// turning clockwise out of it; the base leaves the loop's top and
		// crosses the diagonal. Version 4's loops are larger and may be
		// flatter, as person-drawn loops are.
		if r.Float64() < 0.4 {
			p := startAt(pt{0, 0})
			p.arc(j(0.85, 1.0), j(0.85, 1.0), j(-175, -150), j(185, 215))
			// The diagonal stops above the base line by rise, so that the
			// loop's bottom sits near it (version 3 stopped higher, 2·lr).
			// Version 4 draws version 3's radius too and discards it; its
			// committed digits depend on that draw.
			lr, flat, rise := j(0.25, 0.45), 0.0, 0.0
			if v4 {
				lr, flat = j(0.35, 0.7), j(0.6, 1.0)
				rise = 0.5 * lr * flat
			} else {
				rise = 2 * lr
			}
			p.lineTo(pt{p.pts[0].x + j(0, 0.25), minY(p.pts) + j(3.85, 4.05) - rise})
			a, b := p.pts[len(p.pts)-2], p.pos()
			dir := math.Atan2(b.y-a.y, b.x-a.x) * 180 / math.Pi
			if !v4 {
				flat = j(0.8, 1.1)
			}
			// An arc's tangent at θ points to θ + 90° when it sweeps clockwise.
			p.arc(lr, lr*flat, dir-90, 360+j(-5, 10)-dir)
			p.lineBy(j(1.5, 2.0), j(-3, 8))
			return p.pts
		}
	case 3:
		// Version 5: three 3s in ten have a flat top, as many person-drawn
		// 3s do: a bar to the right, a diagonal back down to the waist,
		// then the lower bowl clockwise to the bottom left.
		if v5 && r.Float64() < 0.3 {
			p := startAt(pt{0, 0})
			p.lineBy(j(1.3, 1.8), j(-4, 4))
			p.lineTo(pt{j(0.35, 0.7), j(1.4, 1.8)})
			p.arc(j(0.9, 1.05), j(0.95, 1.1), j(-110, -95), j(235, 260))
			return p.pts
		}
	case 4:
		// Half the 4s are open: the left arm down, the crossbar to the right
		// (past the stem and back), then the stem up to the top and down its
		// whole length, as the two strokes of a person's open 4 joined into
		// one.
		if r.Float64() < 0.5 {
			p := startAt(pt{0, 0})
			p.lineBy(j(2.2, 2.7), 90+j(-5, 15))
			over := j(0.1, 0.45)
			p.lineBy(j(1.6, 2.1)+over, j(-4, 4))
			p.lineBy(over, 180)
			top := pt{p.pos().x + j(-0.15, 0.15), j(-0.3, 0.15)}
			p.lineTo(top)
			p.lineTo(pt{top.x + j(-0.15, 0.1), top.y + j(3.8, 4.1)})
			return p.pts
		}
	case 6:
		// Version 4: two 6s in five have a straight back, a diagonal from the
		// top right into a loop that fills the lower half, turning
		// anticlockwise as the diagonal leaves off.
		if v4 && r.Float64() < 0.4 {
			dir := j(115, 130)
			p := startAt(pt{0, 0})
			p.lineBy(j(2.2, 2.8), dir)
			// Sweeping anticlockwise, the tangent at θ points to θ − 90°.
			p.arc(j(0.75, 1.0), j(0.8, 1.05), dir+90, -j(320, 350))
			return p.pts
		}
	case 7:
		// Version 4: three 7s in ten are crossed: halfway down the diagonal
		// the pen draws the crossbar, left end first, and comes back to the
		// diagonal to finish it.
		if v4 && r.Float64() < 0.3 {
			p := startAt(pt{0, 0})
			p.lineBy(j(1.7, 2.1), j(-3, 3))
			l, dir, t := j(3.9, 4.2), j(100, 112), j(0.4, 0.55)
			p.lineBy(t*l, dir)
			m, tilt := p.pos(), j(-5, 3)
			p.bar(j(0.5, 0.8), j(0.5, 0.8), tilt)
			p.lineTo(m)
			p.lineBy((1-t)*l, dir)
			return p.pts
		}
	}
	return nil
}

// minY returns the topmost y of pts (y points down).
func minY(pts []pt) float64 {
	m := math.Inf(1)
	for _, q := range pts {
		m = min(m, q.y)
	}
	return m
}
