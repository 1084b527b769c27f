package digits

import (
	"image"
	"image/draw"
	"math"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// upscaled draws sample i of d at 5× into a larger image, offset by (17, 9),
// dark ink on light paper (or light on dark), as a user's scan would be.
func upscaled(t *testing.T, d *Dataset, i int, darkOnLight bool) *image.Gray {
	t.Helper()
	img, err := d.Scan(i, ScanLayout{Scale: 5, X: 17, Y: 9, Width: Size*5 + 40, Height: Size*5 + 30, DarkOnLight: darkOnLight})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestFrameRecoversTheGeneratorsFraming(t *testing.T) {
	d, err := Generate(10, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Len() {
		dark, err := Frame(upscaled(t, d, i, true))
		if err != nil {
			t.Fatal(err)
		}
		light, err := Frame(upscaled(t, d, i, false))
		if err != nil {
			t.Fatal(err)
		}
		if !dark.Inverted || light.Inverted {
			t.Errorf("sample %d: polarity detected as %v (dark on light) and %v (light on dark)", i, dark.Inverted, light.Inverted)
		}
		worst := 0
		for p := range ImageLen {
			worst = max(worst, int(math.Abs(float64(dark.Canvas[p])-float64(light.Canvas[p]))))
		}
		if worst > 8 {
			t.Errorf("sample %d: the two polarities frame differently (%d levels)", i, worst)
		}
		// The ground-truth pen path, carried into the source and back onto
		// the framed canvas, must run over the framed ink.
		tr, on := d.Trajectory(i), 0
		for k := range Steps {
			x, y := dark.ToCanvas(float64(tr[2*k])*5+17, float64(tr[2*k+1])*5+9)
			px, py := int(x), int(y)
			if px >= 0 && px < Size && py >= 0 && py < Size && dark.Canvas[py*Size+px] > 60 {
				on++
			}
		}
		if frac := float64(on) / Steps; frac < 0.9 {
			t.Errorf("sample %d (label %d): %.2f of the pen path lies on the framed ink, want ≥ 0.9", i, d.Labels[i], frac)
		}
		y0, y1 := Size, -1
		for p, v := range dark.Canvas {
			if v > 64 {
				y0, y1 = min(y0, p/Size), max(y1, p/Size)
			}
		}
		if h := y1 - y0 + 1; h < 20 || h > 27 {
			t.Errorf("sample %d: framed ink is %d px tall, want about %v", i, h, frameInkHeight)
		}
	}
}

func TestFrameRejectsBlankImages(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 50, 50))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	if _, err := Frame(img); err == nil {
		t.Error("a uniform image: want an error")
	}
}

// TestFrameRedrawsThickStrokes: a digit in a bold font (strokes about 4×
// the generator's pen) is redrawn along its centre line with the
// generator's pen; the generator's own digits are not.
func TestFrameRedrawsThickStrokes(t *testing.T) {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 110, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 160, 160))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	(&font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(50, 120)}).DrawString("7")
	fr, err := Frame(img)
	if err != nil {
		t.Fatal(err)
	}
	// Every version, enough samples to hold the bare 1s of versions 3 and
	// 4 (a short stroke once read as a wide pen) and version 4's crossed 7s.
	d4, err := GenerateVersion(4, 60, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	d3, err := GenerateVersion(3, 60, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := GenerateVersion(2, 30, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	inked := func(c []uint8) int {
		n := 0
		for _, v := range c {
			if v >= 128 {
				n++
			}
		}
		return n
	}
	lo, hi := ImageLen, 0
	for v, d := range map[int]*Dataset{4: d4, 3: d3, 2: d2} {
		for i := range d.Len() {
			g, err := Frame(upscaled(t, d, i, true))
			if err != nil {
				t.Fatal(err)
			}
			if g.Redrawn {
				t.Errorf("generated sample %d (version %d, label %d) was redrawn", i, v, d.Labels[i])
			}
			lo, hi = min(lo, inked(g.Canvas)), max(hi, inked(g.Canvas))
		}
	}
	if !fr.Redrawn {
		t.Fatal("a bold 7 was not redrawn")
	}
	if n := inked(fr.Canvas); n > hi {
		t.Errorf("redrawn bold 7 inks %d pixels; generated digits ink %d to %d", n, lo, hi)
	}
}
