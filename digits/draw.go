package digits

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/memlimit"
)

// TrajectorySet is one named family of trajectories drawn over a grid, e.g.
// "ground truth" or one method's predictions.
type TrajectorySet struct {
	// Name is shown in the legend.
	Name string
	// Color of the lines; nil picks the next colour of a built-in palette.
	Color color.Color
	// Trajs holds one trajectory per grid image (same order as the images):
	// flat [T, 2] pairs (x, y) in canvas pixels, any T ≥ 1. A nil or empty
	// entry draws nothing for that image.
	Trajs [][]float32
}

// GridOptions controls the layout of [DrawGrid]; zero values pick defaults.
type GridOptions struct {
	// Cols is the number of cells per row (default 10, at most len(images)).
	Cols int
	// Scale is the upscaling of each 40×40 image (default 5, so 200×200 px).
	Scale int
	// Captions, if not nil, holds one caption per image, shown under it.
	Captions []string
}

// palette is Tableau-10 minus the greys, which would vanish on the ink.
var palette = []color.RGBA{
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

var loadFace = sync.OnceValues(func() (font.Face, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull})
})

// DrawGrid renders images ([Size, Size] each, as in [Dataset.Image]) in a grid
// with every set's trajectory for that image drawn over it, a dot marking the
// start, and a legend naming the sets (the style of the paper's Figure 4), and
// writes it as a PNG to path.
func DrawGrid(path string, images [][]uint8, sets []TrajectorySet, opts GridOptions) error {
	img, err := RenderGrid(images, sets, opts)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("digits: draw grid: %w", err)
	}
	return nil
}

// RenderGrid is [DrawGrid] without the file: it returns the picture.
func RenderGrid(images [][]uint8, sets []TrajectorySet, opts GridOptions) (*image.RGBA, error) {
	if len(images) == 0 {
		return nil, errors.New("digits: draw grid: no images")
	}
	for i, im := range images {
		if len(im) != ImageLen {
			return nil, fmt.Errorf("digits: draw grid: image %d has %d pixels, want %d×%d", i, len(im), Size, Size)
		}
	}
	for _, s := range sets {
		if len(s.Trajs) != len(images) {
			return nil, fmt.Errorf("digits: draw grid: set %q has %d trajectories for %d images", s.Name, len(s.Trajs), len(images))
		}
		for i, tr := range s.Trajs {
			if len(tr)%2 != 0 {
				return nil, fmt.Errorf("digits: draw grid: set %q trajectory %d has odd length %d, want (x, y) pairs", s.Name, i, len(tr))
			}
			for _, v := range tr {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("digits: draw grid: set %q trajectory %d has non-finite value %v", s.Name, i, v)
				}
			}
		}
	}
	if opts.Captions != nil && len(opts.Captions) != len(images) {
		return nil, fmt.Errorf("digits: draw grid: %d captions for %d images", len(opts.Captions), len(images))
	}
	cols, scale := opts.Cols, opts.Scale
	if cols <= 0 {
		cols = 10
	}
	cols = min(cols, len(images))
	if scale <= 0 {
		scale = 5
	}
	face, err := loadFace()
	if err != nil {
		return nil, fmt.Errorf("digits: draw grid: font: %w", err)
	}

	const margin, gap, legendH = 10, 6, 26
	captionH := 0
	if opts.Captions != nil {
		captionH = 18
	}
	cell := Size * scale
	rows := (len(images) + cols - 1) / cols
	px := float64(cols) * float64(cell+gap) * float64(rows) * float64(cell+gap+captionH)
	if err := memlimit.Check(fmt.Sprintf("digits: a grid of %d×%d cells of %d px (scale %d)", cols, rows, cell, scale), 4*px); err != nil {
		return nil, err
	}
	top := margin
	if len(sets) > 0 {
		top += legendH
	}
	// Legend entries: a 24-px line sample, the name, then spacing.
	legendW := make([]int, len(sets))
	x := margin
	for i, s := range sets {
		legendW[i] = 30 + font.MeasureString(face, s.Name).Ceil() + 18
		x += legendW[i]
	}
	w := max(2*margin+cols*cell+(cols-1)*gap, x+margin)
	h := top + margin + rows*(cell+captionH) + (rows-1)*gap
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)

	colors := make([]color.RGBA, len(sets))
	next := 0
	for i, s := range sets {
		if s.Color != nil {
			r, g, b, _ := s.Color.RGBA()
			colors[i] = color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
		} else {
			colors[i] = palette[next%len(palette)]
			next++
		}
	}
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: out, Src: image.NewUniform(color.RGBA{0x30, 0x30, 0x30, 0xff}), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}

	x = margin
	for i, s := range sets {
		cov := make([]float32, 24*legendH)
		strokeCoverage(cov, 24, legendH, []float32{2, legendH / 2, 22, legendH / 2}, 1, 1.6)
		blend(out, image.Pt(x, margin-6), 24, legendH, cov, colors[i])
		text(x+30, margin-6+legendH/2+5, s.Name)
		x += legendW[i]
	}

	cov := make([]float32, cell*cell)
	for i, im := range images {
		ox := margin + (i%cols)*(cell+gap)
		oy := top + (i/cols)*(cell+captionH+gap)
		// Nearest-neighbour upscaling keeps the pixels the network sees
		// visible; ink is darkened only partly so coloured lines stand out.
		for y := range cell {
			row := out.Pix[(oy+y)*out.Stride+ox*4:]
			for x := range cell {
				v := 255 - uint8(float32(im[(y/scale)*Size+x/scale])*0.6)
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 0xff
			}
		}
		border := color.RGBA{0xc8, 0xc8, 0xc8, 0xff}
		for k := range cell {
			out.SetRGBA(ox+k, oy, border)
			out.SetRGBA(ox+k, oy+cell-1, border)
			out.SetRGBA(ox, oy+k, border)
			out.SetRGBA(ox+cell-1, oy+k, border)
		}
		for si, s := range sets {
			tr := s.Trajs[i]
			if len(tr) == 0 {
				continue
			}
			clear(cov)
			lw := 1.1 + 0.1*float64(scale)
			strokeCoverage(cov, cell, cell, tr, float64(scale), lw)
			// Start marker: a disc at the first point.
			sx, sy := float64(tr[0])*float64(scale), float64(tr[1])*float64(scale)
			discCoverage(cov, cell, cell, sx, sy, 2*lw)
			blend(out, image.Pt(ox, oy), cell, cell, cov, colors[si])
		}
		if opts.Captions != nil {
			text(ox+2, oy+cell+14, opts.Captions[i])
		}
	}
	return out, nil
}

// strokeCoverage accumulates (as a maximum, so joints are not blended twice)
// the anti-aliased coverage of the polyline pts·scale with half-width hw into
// the w×h buffer cov.
func strokeCoverage(cov []float32, w, h int, pts []float32, scale, hw float64) {
	n := len(pts) / 2
	p := func(k int) pt { return pt{float64(pts[2*k]) * scale, float64(pts[2*k+1]) * scale} }
	for k := 0; k < n; k++ {
		a := p(k)
		b := a
		if k+1 < n {
			b = p(k + 1)
		}
		x0 := max(0, int(min(a.x, b.x)-hw-1))
		x1 := min(w-1, int(max(a.x, b.x)+hw+1))
		y0 := max(0, int(min(a.y, b.y)-hw-1))
		y1 := min(h-1, int(max(a.y, b.y)+hw+1))
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				c := float32(hw + 0.5 - segDist(pt{float64(x) + 0.5, float64(y) + 0.5}, a, b))
				if c > cov[y*w+x] {
					cov[y*w+x] = min(c, 1)
				}
			}
		}
	}
}

// discCoverage adds an anti-aliased disc of radius r at (cx, cy) to cov.
func discCoverage(cov []float32, w, h int, cx, cy, r float64) {
	strokeCoverage(cov, w, h, []float32{float32(cx), float32(cy)}, 1, r)
}

// blend paints col over dst at offset o with per-pixel opacity cov.
func blend(dst *image.RGBA, o image.Point, w, h int, cov []float32, col color.RGBA) {
	for y := range h {
		for x := range w {
			a := cov[y*w+x]
			if a <= 0 {
				continue
			}
			a *= 0.92 // a hint of the ink shows through crossings
			px := dst.Pix[(o.Y+y)*dst.Stride+(o.X+x)*4:]
			px[0] = uint8(float32(px[0])*(1-a) + float32(col.R)*a)
			px[1] = uint8(float32(px[1])*(1-a) + float32(col.G)*a)
			px[2] = uint8(float32(px[2])*(1-a) + float32(col.B)*a)
		}
	}
}
