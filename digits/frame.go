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
// over each canvas pixel's footprint.
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
	k := min(16, max(1, int(math.Ceil(1/f.Scale)))) // samples per side of a canvas pixel
	f.Canvas = make([]uint8, ImageLen)
	for cy := range Size {
		for cx := range Size {
			s := 0.0
			for j := range k {
				for i := range k {
					sx, sy := f.ToSource(float64(cx)+(float64(i)+0.5)/float64(k), float64(cy)+(float64(j)+0.5)/float64(k))
					s += at(sx, sy)
				}
			}
			f.Canvas[cy*Size+cx] = uint8(math.Round(255 * min(1, s/float64(k*k))))
		}
	}
	return f, nil
}
