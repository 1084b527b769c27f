// Package plots draws the figures ndp writes as PNG: planar trajectories,
// the vector field a DMP induces, time series and learning curves. It wraps
// gonum.org/v1/plot so commands stay wiring.
package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ndp-go/ndp/internal/atomicfile"
)

// Series is a named polyline: a 2-D path (X, Y) or a curve over time.
type Series struct {
	Name string
	X, Y []float64 // same length
}

// Band is a shaded region between Lo and Hi over X, drawn under the line of
// the same index in Figure.Lines (e.g. mean ± std over seeds).
type Band struct {
	X, Lo, Hi []float64
}

// Arrow is one arrow of a vector field: from (X, Y) along (DX, DY) in data units.
type Arrow struct{ X, Y, DX, DY float64 }

// Palette is the colour cycle of every figure (colour-blind friendly).
var Palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermilion
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky
	color.RGBA{0, 0, 0, 255},       // black
}

// dashes are the line patterns of the palette's successive cycles: solid,
// dashed, dotted.
var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(1.5), vg.Points(2)}}

// Figure describes one plot.
type Figure struct {
	Title, XLabel, YLabel string
	Lines                 []Series
	Bands                 []Band   // Bands[i] shades around Lines[i]; may be shorter than Lines
	YMin, YMax            *float64 // fixed Y range when set
	Arrows                []Arrow
	Points                []Series // drawn as markers (e.g. start and goal)
	EqualAxes             bool     // same range on X and Y, for planar paths
	LegendLeft            bool     // legend in the top-left corner (default top-right)
	InvertY               bool     // image coordinates: y grows downwards
	Width, Height         vg.Length
}

func checkSeries(s Series) error {
	if len(s.X) != len(s.Y) {
		return fmt.Errorf("plots: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
	}
	return nil
}

// Save renders f to path (PNG, SVG or PDF by extension).
func (f Figure) Save(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg", ".pdf", ".jpg", ".jpeg":
	default:
		return fmt.Errorf("plots: %s: unsupported image type (want .png, .svg, .pdf or .jpg)", path)
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = f.Title, f.XLabel, f.YLabel
	p.Add(plotter.NewGrid())
	for i, b := range f.Bands {
		if len(b.Lo) != len(b.X) || len(b.Hi) != len(b.X) {
			return fmt.Errorf("plots: band %d has %d x, %d lo and %d hi values", i, len(b.X), len(b.Lo), len(b.Hi))
		}
		if len(b.X) < 2 {
			continue
		}
		pts := make(plotter.XYs, 0, 2*len(b.X))
		for j := range b.X {
			pts = append(pts, plotter.XY{X: b.X[j], Y: b.Lo[j]})
		}
		for j := len(b.X) - 1; j >= 0; j-- {
			pts = append(pts, plotter.XY{X: b.X[j], Y: b.Hi[j]})
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return fmt.Errorf("plots: band %d: %w", i, err)
		}
		r, g, bl, _ := Palette[i%len(Palette)].RGBA()
		poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 50}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	for i, s := range f.Lines {
		if err := checkSeries(s); err != nil {
			return err
		}
		l, err := plotter.NewLine(xys(s))
		if err != nil {
			return fmt.Errorf("plots: line %q: %w", s.Name, err)
		}
		l.Color = Palette[i%len(Palette)]
		l.Width = vg.Points(1.5)
		// Past the palette's colours a line is told apart by its dashes.
		l.Dashes = dashes[(i/len(Palette))%len(dashes)]
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
		}
	}
	if len(f.Arrows) > 0 {
		p.Add(arrows(f.Arrows))
	}
	for i, s := range f.Points {
		if err := checkSeries(s); err != nil {
			return err
		}
		sc, err := plotter.NewScatter(xys(s))
		if err != nil {
			return fmt.Errorf("plots: points %q: %w", s.Name, err)
		}
		sc.Color = Palette[(len(Palette)-1-i)%len(Palette)]
		sc.Shape = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}}[i%3]
		sc.Radius = vg.Points(4)
		p.Add(sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	if f.EqualAxes {
		lo := math.Min(p.X.Min, p.Y.Min)
		hi := math.Max(p.X.Max, p.Y.Max)
		cx, cy, half := (p.X.Min+p.X.Max)/2, (p.Y.Min+p.Y.Max)/2, (hi-lo)/2
		half = math.Max(half, math.Max(p.X.Max-p.X.Min, p.Y.Max-p.Y.Min)/2)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = cx-half, cx+half, cy-half, cy+half
	}
	if f.YMin != nil {
		p.Y.Min = *f.YMin
	}
	if f.YMax != nil {
		p.Y.Max = *f.YMax
	}
	if f.InvertY {
		p.Y.Scale = invertScale{}
		p.Y.Tick.Marker = invertTicks{}
	}
	p.Legend.Top = true
	p.Legend.Left = f.LegendLeft
	w, h := f.Width, f.Height
	if w == 0 {
		w = 5 * vg.Inch
	}
	if h == 0 {
		h = w
		if !f.EqualAxes {
			h = w * 0.7
		}
	}
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	wt, err := p.WriterTo(w, h, ext)
	if err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	if err := atomicfile.Write(path, func(out io.Writer) error { _, err := wt.WriteTo(out); return err }); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}

func xys(s Series) plotter.XYs {
	pts := make(plotter.XYs, len(s.X))
	for i := range s.X {
		pts[i].X, pts[i].Y = s.X[i], s.Y[i]
	}
	return pts
}

// arrows draws a quiver plot: a shaft and a two-stroke head per arrow.
type arrows []Arrow

func (a arrows) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	style := draw.LineStyle{Color: color.Gray{Y: 110}, Width: vg.Points(0.8)}
	for _, ar := range a {
		x0, y0 := trX(ar.X), trY(ar.Y)
		x1, y1 := trX(ar.X+ar.DX), trY(ar.Y+ar.DY)
		dx, dy := float64(x1-x0), float64(y1-y0)
		n := math.Hypot(dx, dy)
		if n == 0 || math.IsNaN(n) {
			continue
		}
		c.StrokeLine2(style, x0, y0, x1, y1)
		head := math.Min(4, 0.35*n) // points
		ux, uy := dx/n, dy/n
		for _, s := range []float64{1, -1} {
			hx := x1 - vg.Length(head*(ux*0.866-s*uy*0.5))
			hy := y1 - vg.Length(head*(uy*0.866+s*ux*0.5))
			c.StrokeLine2(style, x1, y1, hx, hy)
		}
	}
}

func (a arrows) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, ar := range a {
		xmin = math.Min(xmin, math.Min(ar.X, ar.X+ar.DX))
		xmax = math.Max(xmax, math.Max(ar.X, ar.X+ar.DX))
		ymin = math.Min(ymin, math.Min(ar.Y, ar.Y+ar.DY))
		ymax = math.Max(ymax, math.Max(ar.Y, ar.Y+ar.DY))
	}
	return
}

// invertScale maps the axis so that larger values are drawn lower.
type invertScale struct{}

func (invertScale) Normalize(min, max, x float64) float64 { return (max - x) / (max - min) }

type invertTicks struct{}

func (invertTicks) Ticks(min, max float64) []plot.Tick { return plot.DefaultTicks{}.Ticks(min, max) }
