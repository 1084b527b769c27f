package digits

import (
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestDrawGrid(t *testing.T) {
	d, err := Generate(6, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	images := make([][]uint8, d.Len())
	truth := make([][]float32, d.Len())
	for i := range images {
		images[i], truth[i] = d.Image(i), d.Trajectory(i)
	}
	// A second set shifted by 2 px stands in for a method's predictions;
	// its last entry is empty and must simply be skipped.
	pred := make([][]float32, d.Len())
	for i := range d.Len() - 1 {
		for k, v := range truth[i] {
			pred[i] = append(pred[i], v+float32(2*(k%2)))
		}
	}
	blue := color.RGBA{0, 0, 255, 255}
	sets := []TrajectorySet{{Name: "ground truth", Trajs: truth}, {Name: "NDP", Color: blue, Trajs: pred}}
	path := filepath.Join(t.TempDir(), "grid.png")
	opts := GridOptions{Cols: 4, Scale: 4}
	if err := DrawGrid(path, images, sets, opts); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 4 columns of 160 px with 6 px gaps and 10 px margins; 2 rows plus legend.
	if b := img.Bounds(); b.Dx() != 2*10+4*160+3*6 || b.Dy() != 10+26+10+2*160+6 {
		t.Errorf("grid is %v", b)
	}
	// The middle of the first cell's predicted trajectory is painted blue.
	x0, y0 := 10, 10+26
	p := pred[0][2*150:]
	r, g, b, _ := img.At(x0+int(p[0]*4), y0+int(p[1]*4)).RGBA()
	if b>>8 < 200 || r>>8 > 80 || g>>8 > 80 {
		t.Errorf("pixel under the predicted trajectory is (%d,%d,%d), want blue", r>>8, g>>8, b>>8)
	}

	for _, tc := range []struct {
		name   string
		images [][]uint8
		sets   []TrajectorySet
		opts   GridOptions
	}{
		{"no images", nil, nil, opts},
		{"bad image", [][]uint8{make([]uint8, 10)}, nil, opts},
		{"set length", images, []TrajectorySet{{Name: "x", Trajs: truth[:2]}}, opts},
		{"odd trajectory", images[:1], []TrajectorySet{{Name: "x", Trajs: [][]float32{{1, 2, 3}}}}, opts},
		{"NaN", images[:1], []TrajectorySet{{Name: "x", Trajs: [][]float32{{1, float32(nan())}}}}, opts},
		{"captions", images, nil, GridOptions{Captions: []string{"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := RenderGrid(tc.images, tc.sets, tc.opts); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }
