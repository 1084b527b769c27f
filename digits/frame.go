package digits

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
)

// Framing of a user's image: the generator draws a digit whose path is
// DigitHeight px tall, about the canvas centre, with a pen of radius about
// 1 px, so its ink spans about DigitHeight+2 px; wide digits are capped at
// maxDigitWidth. Frame scales and centres a user's ink the same way.
const (
	frameInkHeight = DigitHeight + 2
	frameInkWidth  = maxDigitWidth + 2
	inkThreshold   = 0.25 // of the peak ink: what counts for the bounding box
)

// Framed is a user's image framed as the training images are: the ink
// cropped, scaled and centred on a [Size, Size] canvas. Canvas point c and
// source pixel point s are related by s = (c − Size/2)/Scale + Centre.
type Framed struct {
	Canvas   []uint8    // [Size, Size], 0 = background, 255 = full ink
	Scale    float64    // canvas pixels per source pixel
	Centre   [2]float64 // source point (x, y) at the canvas centre
	Inverted bool       // the source had dark ink on a light background
	Redrawn  bool       // the strokes were wider than the generator's pen and were redrawn along their centre line
	W, H     int        // source size in pixels
}

// ToSource maps a canvas point (x, y) to source pixel coordinates.
func (f *Framed) ToSource(x, y float64) (float64, float64) {
	return (x-Size/2)/f.Scale + f.Centre[0], (y-Size/2)/f.Scale + f.Centre[1]
}

// ToCanvas maps a source point (x, y) to canvas coordinates.
func (f *Framed) ToCanvas(x, y float64) (float64, float64) {
	return (x-f.Centre[0])*f.Scale + Size/2, (y-f.Centre[1])*f.Scale + Size/2
}

// Frame converts an image of any size and polarity into the generator's
// framing. The background is the median of the border pixels: a light
// border means dark ink on a light background (a scan, a photo of paper);
// ink is then measured from the background level up to the darkest stroke,
// so grey paper and faint pens are normalised. The ink's bounding box (the
// pixels above a quarter of the peak) is scaled to the generator's digit
// size and centred; pixels are resampled by averaging bilinear samples
// over each canvas pixel's footprint. Strokes much wider than the
// generator's pen (markers, fonts) are thinned to their centre line and
// redrawn with its pen (Framed.Redrawn).
func Frame(img image.Image) (*Framed, error) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("digits: frame: image of %d×%d pixels is too small", W, H)
	}
	if float64(W)*float64(H) > 1<<26 {
		return nil, fmt.Errorf("digits: frame: image of %d×%d pixels is too large (at most 64 Mpx)", W, H)
	}
	lum := make([]float64, W*H)
	for y := range H {
		for x := range W {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			lum[y*W+x] = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 0xffff
		}
	}
	var border []float64
	for x := range W {
		border = append(border, lum[x], lum[(H-1)*W+x])
	}
	for y := 1; y < H-1; y++ {
		border = append(border, lum[y*W], lum[y*W+W-1])
	}
	slices.Sort(border)
	bg := border[len(border)/2]
	f := &Framed{W: W, H: H, Inverted: bg > 0.5}
	ink := lum
	peak := 0.0
	for i, v := range lum {
		if f.Inverted {
			v = bg - v
		} else {
			v -= bg
		}
		ink[i] = max(v, 0)
		peak = max(peak, ink[i])
	}
	if peak < 0.1 {
		return nil, errors.New("digits: frame: no ink found (the image is nearly uniform)")
	}
	x0, y0, x1, y1 := W, H, -1, -1
	for y := range H {
		for x := range W {
			v := ink[y*W+x] / peak
			ink[y*W+x] = min(v*1.25, 1) // strokes reach full ink, as the generator's do
			if v > inkThreshold {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	bw, bh := float64(x1-x0+1), float64(y1-y0+1)
	f.Scale = min(frameInkHeight/bh, frameInkWidth/bw)
	f.Centre = [2]float64{float64(x0+x1+1) / 2, float64(y0+y1+1) / 2}
	at := func(x, y float64) float64 { // bilinear on pixel centres, 0 outside
		x, y = x-0.5, y-0.5
		ix, iy := int(math.Floor(x)), int(math.Floor(y))
		fx, fy := x-float64(ix), y-float64(iy)
		v := 0.0
		for _, c := range [4]struct {
			dx, dy int
			w      float64
		}{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
			px, py := ix+c.dx, iy+c.dy
			if px >= 0 && px < W && py >= 0 && py < H {
				v += c.w * ink[py*W+px]
			}
		}
		return v
	}
	// Resample onto a canvas fine× finer than the network's, averaging
	// bilinear samples over each fine pixel's footprint in the source.
	fs := Size * fine
	k := min(16, max(1, int(math.Ceil(1/(f.Scale*fine))))) // samples per side of a fine pixel
	hi := make([]float64, fs*fs)
	for cy := range fs {
		for cx := range fs {
			s := 0.0
			for j := range k {
				for i := range k {
					sx, sy := f.ToSource((float64(cx)+(float64(i)+0.5)/float64(k))/fine, (float64(cy)+(float64(j)+0.5)/float64(k))/fine)
					s += at(sx, sy)
				}
			}
			hi[cy*fs+cx] = min(1, s/float64(k*k))
		}
	}
	f.Canvas = make([]uint8, ImageLen)
	skel, width := strokeSkeleton(hi, fs)
	if width > maxPenWidth && len(skel) > 0 {
		// A pen much wider than the generator's (a marker, a font): redraw
		// the stroke's centre line with the generator's pen, so that the
		// writer sees the kind of image it was trained on.
		f.Redrawn = true
		for cy := range Size {
			for cx := range Size {
				d := math.Inf(1)
				for _, q := range skel {
					d = min(d, math.Hypot(float64(cx)+0.5-q[0], float64(cy)+0.5-q[1]))
				}
				f.Canvas[cy*Size+cx] = uint8(math.Round(255 * math.Max(0, math.Min(1, penRadius+0.5-d))))
			}
		}
		return f, nil
	}
	for cy := range Size {
		for cx := range Size {
			s := 0.0
			for j := range fine {
				for i := range fine {
					s += hi[(cy*fine+j)*fs+cx*fine+i]
				}
			}
			f.Canvas[cy*Size+cx] = uint8(math.Round(255 * s / (fine * fine)))
		}
	}
	return f, nil
}

const (
	fine        = 4   // resampling resolution per canvas pixel
	penRadius   = 1.0 // canvas px: the generator's pen, 0.9–1.15
	maxPenWidth = 2.6 // canvas px: wider strokes are redrawn with penRadius
)

// strokeSkeleton thins the binarised ink of a fine canvas [n, n] (Zhang and
// Suen's two-subiteration thinning) and returns the skeleton's points in
// canvas pixels, with the mean stroke width in canvas pixels (from the ink
// area and the skeleton's length).
func strokeSkeleton(ink []float64, n int) ([][2]float64, float64) {
	b := make([]bool, n*n)
	area := 0
	for i, v := range ink {
		if b[i] = v >= 0.5; b[i] {
			area++
		}
	}
	on := func(x, y int) bool { return x >= 0 && y >= 0 && x < n && y < n && b[y*n+x] }
	for changed := true; changed; {
		changed = false
		for pass := range 2 {
			var del []int
			for y := range n {
				for x := range n {
					if !b[y*n+x] {
						continue
					}
					// Neighbours P2..P9 clockwise from north.
					p := [8]bool{on(x, y-1), on(x+1, y-1), on(x+1, y), on(x+1, y+1), on(x, y+1), on(x-1, y+1), on(x-1, y), on(x-1, y-1)}
					cnt, trans := 0, 0
					for i := range 8 {
						if p[i] {
							cnt++
						}
						if !p[i] && p[(i+1)%8] {
							trans++
						}
					}
					if cnt < 2 || cnt > 6 || trans != 1 {
						continue
					}
					if pass == 0 && (p[0] && p[2] && p[4] || p[2] && p[4] && p[6]) {
						continue
					}
					if pass == 1 && (p[0] && p[2] && p[6] || p[0] && p[4] && p[6]) {
						continue
					}
					del = append(del, y*n+x)
				}
			}
			for _, i := range del {
				b[i] = false
			}
			changed = changed || len(del) > 0
		}
	}
	var pts [][2]float64
	for i, v := range b {
		if v {
			pts = append(pts, [2]float64{(float64(i%n) + 0.5) / fine, (float64(i/n) + 0.5) / fine})
		}
	}
	if len(pts) == 0 {
		return nil, 0
	}
	// A stroke of width w whose skeleton is L long covers about w·(L + w):
	// thinning shortens it by about w/2 at each end. Solving for w keeps a
	// short bare stroke (a 1) from reading as a wide pen.
	a, l := float64(area)/(fine*fine), float64(len(pts))/fine
	return pts, (math.Sqrt(l*l+4*a) - l) / 2
}
