package plots

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestSaveWritesPNG(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		fig  Figure
	}{
		{"lines", Figure{Title: "t", Lines: []Series{{Name: "a", X: []float64{0, 1, 2}, Y: []float64{0, 1, 0}}}}},
		{"bands", Figure{Lines: []Series{{Name: "mean", X: []float64{0, 1, 2}, Y: []float64{0, 0.5, 1}}},
			Bands: []Band{{X: []float64{0, 1, 2}, Lo: []float64{0, 0.3, 0.8}, Hi: []float64{0, 0.7, 1}}}}},
		{"field", Figure{EqualAxes: true, InvertY: true, Arrows: []Arrow{{0, 0, 1, 1}, {1, 0, 0, 1}},
			Points: []Series{{Name: "goal", X: []float64{1}, Y: []float64{1}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".png")
			if err := tc.fig.Save(path); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
				t.Errorf("image is %v, too small", b)
			}
		})
	}
}

func TestSaveRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	if err := (Figure{}).Save(filepath.Join(dir, "x.bmp")); err == nil {
		t.Error("unsupported extension: want an error")
	}
	bad := Figure{Lines: []Series{{X: []float64{1, 2}, Y: []float64{1}}}}
	if err := bad.Save(filepath.Join(dir, "x.png")); err == nil {
		t.Error("mismatched series: want an error")
	}
}
