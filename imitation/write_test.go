package imitation

import (
	"math"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
)

// TestWriteMatchesPredict: Write on a dataset image with its true start
// gives Predict's trajectory; resampled at the DMP's own 300 steps it gives
// the same points; with no start, a DMP writer starts on the ink; a CNN
// with a start input reads the start it is given.
func TestWriteMatchesPredict(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := digits.Generate(20, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []DigitsConfig
	for _, method := range Methods() {
		cfgs = append(cfgs, DigitsConfig{Method: method, BatchSize: 10, Seed: 1})
	}
	cfgs = append(cfgs, DigitsConfig{Method: MethodCNN, StartInput: true, BatchSize: 10, Seed: 1})
	for _, cfg := range cfgs {
		method := cfg.Method
		name := method
		if cfg.StartInput {
			name += "-start"
		}
		t.Run(name, func(t *testing.T) {
			d, err := NewDigits(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Train(ds, 1, nil); err != nil {
				t.Fatal(err)
			}
			want, err := d.Predict(ds, []int{3, 4})
			if err != nil {
				t.Fatal(err)
			}
			imgs := [][]uint8{ds.Image(3), ds.Image(4)}
			starts := [][]float32{ds.Trajectory(3)[:2], ds.Trajectory(4)[:2]}
			got, err := d.Write(imgs, WriteOptions{Starts: starts})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if dev := maxDev(got[i], want[i*digits.TrajLen:(i+1)*digits.TrajLen]); dev > 1e-4 {
					t.Errorf("image %d: Write deviates from Predict by %v px", i, dev)
				}
			}
			// Refining moves this barely trained writer's paths onto the ink
			// and towards the true paths, whatever the writer (the cnn's
			// points are fitted by a DMP first).
			refined, err := d.Write(imgs, WriteOptions{Starts: starts, Refine: DefaultRefine})
			if err != nil {
				t.Fatal(err)
			}
			var inkBefore, inkAfter, truthBefore, truthAfter float64
			for i := range 2 {
				f0, _ := InkFit(got[i], imgs[i])
				f1, _ := InkFit(refined[i], imgs[i])
				truth := make([]float64, digits.TrajLen)
				for j, v := range ds.Trajectory(3 + i) {
					truth[j] = float64(v)
				}
				inkBefore, inkAfter = inkBefore+f0, inkAfter+f1
				truthBefore, truthAfter = truthBefore+Chamfer(got[i], truth), truthAfter+Chamfer(refined[i], truth)
			}
			t.Logf("refining: ink fit %.3f → %.3f px, distance to the true paths %.3f → %.3f px", inkBefore/2, inkAfter/2, truthBefore/2, truthAfter/2)
			if inkAfter >= 0.9*inkBefore || truthAfter >= 0.9*truthBefore {
				t.Errorf("refining: ink fit %.3f → %.3f px, distance to the true paths %.3f → %.3f px; want both down by 10%%",
					inkBefore/2, inkAfter/2, truthBefore/2, truthAfter/2)
			}
			if _, err := d.Write(imgs, WriteOptions{Refine: -1}); err == nil {
				t.Error("refine -1: want an error")
			}
			// Only a cnn without a start input predicts starts: the first
			// points of its trajectories.
			ps, err := d.PredictStarts(imgs)
			if predicts := method == MethodCNN && !cfg.StartInput; predicts != (err == nil) {
				t.Errorf("PredictStarts: error %v, want one: %v", err, !predicts)
			} else if predicts {
				for i := range 2 {
					if ps[i][0] != got[i][0] || ps[i][1] != got[i][1] {
						t.Errorf("image %d: predicted start %v, trajectory starts at %v", i, ps[i], got[i][:2])
					}
				}
			}
			if method == MethodCNN {
				if _, err := d.Write(imgs, WriteOptions{Hz: 1000}); err == nil {
					t.Error("dense cnn: want an error")
				}
				if cfg.StartInput { // the start is read: moving it moves the trajectory
					moved := [][]float32{{starts[0][0] + 5, starts[0][1]}, starts[1]}
					other, err := d.Write(imgs, WriteOptions{Starts: moved})
					if err != nil {
						t.Fatal(err)
					}
					if maxDev(other[0], got[0]) == 0 || maxDev(other[1], got[1]) != 0 {
						t.Error("a cnn with a start input: moving image 0's start should change its trajectory alone")
					}
					if auto, err := d.Write(imgs, WriteOptions{}); err != nil || len(auto[0]) != digits.TrajLen {
						t.Fatalf("automatic start: %v", err)
					}
				}
				return
			}
			dense, err := d.Write(imgs, WriteOptions{Starts: starts, Hz: digits.Steps - 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if dev := maxDev(dense[i], got[i]); dev > 1e-2 {
					t.Errorf("image %d: resampled at the DMP's own rate, it deviates by %v px", i, dev)
				}
			}
			// A refined DMP resamples like any other.
			denseRefined, err := d.Write(imgs, WriteOptions{Starts: starts, Refine: DefaultRefine, Hz: digits.Steps - 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if dev := maxDev(denseRefined[i], refined[i]); dev > 1e-2 {
					t.Errorf("image %d: refined and resampled at the DMP's own rate, it deviates by %v px", i, dev)
				}
			}
			auto, err := d.Write(imgs, WriteOptions{Hz: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for i, tr := range auto {
				if len(tr) != 2*1001 {
					t.Fatalf("image %d: %d values at 1000 Hz, want %d", i, len(tr), 2*1001)
				}
				x, y := int(tr[0]), int(tr[1])
				if imgs[i][y*digits.Size+x] < 128 {
					t.Errorf("image %d: the chosen start (%v, %v) is not on the ink", i, tr[0], tr[1])
				}
			}
		})
	}
}

func maxDev(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestInkFitOfTruth calibrates InkFit: generated digits, saved as a scan
// and framed as digits write frames them, score their own trajectories at
// about 0.9 px (the hint digits write prints), a path shifted off the ink by
// 3 px scores far worse, and bad inputs are errors.
func TestInkFitOfTruth(t *testing.T) {
	ds, err := digits.Generate(200, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	scan := digits.ScanLayout{Scale: 4, X: 13, Y: 9, Width: digits.Size*4 + 30, Height: digits.Size*4 + 20, DarkOnLight: true}
	truth, shifted := 0.0, 0.0
	for i := range ds.Len() {
		img, err := ds.Scan(i, scan)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := digits.Frame(img)
		if err != nil {
			t.Fatal(err)
		}
		gt, tr, off := ds.Trajectory(i), make([]float32, digits.TrajLen), make([]float32, digits.TrajLen)
		for p := range digits.Steps {
			x, y := fr.ToCanvas(scan.ToPage(float64(gt[2*p]), float64(gt[2*p+1])))
			tr[2*p], tr[2*p+1] = float32(x), float32(y)
			off[2*p], off[2*p+1] = float32(x+3), float32(y)
		}
		f, err := InkFit(tr, fr.Canvas)
		if err != nil {
			t.Fatal(err)
		}
		g, err := InkFit(off, fr.Canvas)
		if err != nil {
			t.Fatal(err)
		}
		truth, shifted = truth+f, shifted+g
	}
	truth, shifted = truth/float64(ds.Len()), shifted/float64(ds.Len())
	if truth < 0.8 || truth > 1.1 {
		t.Errorf("true paths score %.3f px, want about 0.9 (the calibration digits write prints)", truth)
	}
	if shifted < 2*truth {
		t.Errorf("paths 3 px off the ink score %.3f px, the true ones %.3f: want at least twice", shifted, truth)
	}
	for _, tc := range []struct {
		name   string
		traj   []float32
		canvas []uint8
	}{
		{"odd trajectory", make([]float32, 3), ds.Image(0)},
		{"empty trajectory", nil, ds.Image(0)},
		{"short image", make([]float32, 4), make([]uint8, 10)},
		{"no ink", make([]float32, 4), make([]uint8, digits.ImageLen)},
	} {
		if _, err := InkFit(tc.traj, tc.canvas); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
}
