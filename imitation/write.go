package imitation

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/model"
)

// maxStartCandidates bounds the starts tried per image when none is given.
const maxStartCandidates = 64

// WriteOptions tune [Digits.Write]. The zero value writes the network's
// own prediction at the dataset's 301 points from an automatic start.
type WriteOptions struct {
	// Starts[i], if not nil, is image i's pen start (x, y) in canvas
	// pixels; nil starts (or a nil slice) are found on the ink.
	Starts [][]float32
	// Hz = 0 returns the dataset's 301 points per image ([301, 2]); Hz > 0
	// (ndp, cnn-dmp) integrates each DMP again at Hz steps over the
	// motion's one second, [Hz+1, 2].
	Hz int
	// Refine > 0 fits each predicted DMP to its image's ink in that many
	// rounds (see refineToInk) before writing it: the network proposes the
	// stroke, the image corrects where it runs off the ink. The cnn's
	// points are first fitted by a DMP (dmp.Response.FitU), which the
	// rounds then move.
	Refine int
}

// Write predicts the pen trajectory of each framed image (canvases, each
// [Size, Size] as digits.Frame makes them), in canvas pixels.
//
// The DMP methods, and every method trained with a start input, condition
// on the pen's start y0, which a new image does not give: opts.Starts[i],
// if not nil, is image i's start (x, y) in canvas pixels; otherwise Write
// tries up to 64 starts on the ink and keeps the one whose predicted
// trajectory fits the ink best (the chamfer distance between the
// trajectory's points and the ink pixels, both ways). A CNN without a
// start input predicts its own start.
func (d *Digits) Write(canvases [][]uint8, opts WriteOptions) ([][]float32, error) {
	starts, hz := opts.Starts, opts.Hz
	if starts != nil && len(starts) != len(canvases) {
		return nil, fmt.Errorf("imitation: write: %d starts for %d images", len(starts), len(canvases))
	}
	if hz < 0 || hz > 100000 {
		return nil, fmt.Errorf("imitation: write: hz = %d, want 0 (the dataset's points) up to 100000", hz)
	}
	if opts.Refine < 0 || opts.Refine > 1000 {
		return nil, fmt.Errorf("imitation: write: refine = %d rounds, want 0 (the network's prediction) up to 1000", opts.Refine)
	}
	if hz > 0 && d.Cfg.Method == MethodCNN {
		return nil, errors.New("imitation: write: dense resampling (hz) needs a DMP writer (ndp or cnn-dmp); the cnn predicts 301 points")
	}
	// One dataset holds every (image, start) candidate; trajectories carry
	// only the start, which is all the methods read from them.
	ds := &digits.Dataset{}
	var owner []int      // candidate → image
	var inks [][]float64 // per image: ink pixel centres (x, y)
	for i, c := range canvases {
		if len(c) != digits.ImageLen {
			return nil, fmt.Errorf("imitation: write: image %d has %d pixels, want %d", i, len(c), digits.ImageLen)
		}
		ink := inkPoints(c)
		if len(ink) == 0 {
			return nil, fmt.Errorf("imitation: write: image %d has no ink", i)
		}
		inks = append(inks, ink)
		cands := [][2]float64{{ink[0], ink[1]}}
		switch {
		case starts != nil && starts[i] != nil:
			if len(starts[i]) != 2 || !finite(float64(starts[i][0])) || !finite(float64(starts[i][1])) {
				return nil, fmt.Errorf("imitation: write: start of image %d is %v, want a finite (x, y)", i, starts[i])
			}
			cands[0] = [2]float64{float64(starts[i][0]), float64(starts[i][1])}
		case d.Cfg.Method != MethodCNN || d.Model.Cfg.StartInput != nil:
			cands = cands[:0]
			n := len(ink) / 2
			step := max(1, (n+maxStartCandidates-1)/maxStartCandidates)
			for p := 0; p < n; p += step {
				cands = append(cands, [2]float64{ink[2*p], ink[2*p+1]})
			}
		}
		for _, s := range cands {
			ds.Images = append(ds.Images, c...)
			tr := make([]float32, digits.TrajLen)
			tr[0], tr[1] = float32(s[0]), float32(s[1])
			ds.Trajectories = append(ds.Trajectories, tr...)
			ds.Labels = append(ds.Labels, 0)
			owner = append(owner, i)
		}
	}
	idx := make([]int, len(owner))
	for i := range idx {
		idx[i] = i
	}
	pred, err := d.Predict(ds, idx)
	if err != nil {
		return nil, err
	}
	best, score := make([]int, len(canvases)), make([]float64, len(canvases))
	for i := range score {
		score[i] = math.Inf(1)
	}
	L := digits.Steps
	for c, i := range owner {
		if s := Chamfer(pred[c*2*L:(c+1)*2*L], inks[i]); s < score[i] {
			best[i], score[i] = c, s
		}
	}
	out := make([][]float32, len(canvases))
	if hz == 0 && opts.Refine == 0 {
		for i, c := range best {
			out[i] = pred[c*2*L : (c+1)*2*L]
		}
		return out, nil
	}
	var (
		cfg           dmp.Config
		u, g, y0, dy0 []float64
	)
	if d.Cfg.Method == MethodCNN {
		// The CNN predicts points: the DMP that fits them best (to about
		// 0.015 px², the fit floor of the generated digits).
		cfg = d.resp.Cfg
		demo := make([]float64, 2*L)
		for _, c := range best {
			bu, bg, by0, err := d.fitDMP(pred[c*2*L:(c+1)*2*L], demo)
			if err != nil {
				return nil, fmt.Errorf("imitation: write: %w", err)
			}
			u, g, y0, dy0 = append(u, bu...), append(g, bg...), append(y0, by0...), append(dy0, d.Cfg.DY0, d.Cfg.DY0)
		}
	} else if cfg, u, g, y0, dy0, err = d.dmpParams(ds, best); err != nil {
		return nil, err
	}
	resp := d.resp
	if cfg != resp.Cfg {
		if resp, err = dmp.NewResponse(cfg); err != nil {
			return nil, fmt.Errorf("imitation: write: %w", err)
		}
	}
	if opts.Refine > 0 {
		N := cfg.N
		for i := range best {
			r := 2 * i // rows of image i: x, y
			if err := refineToInk(resp, u[r*N:(r+2)*N], g[r:r+2], y0[r:r+2], dy0[r:r+2], inks[i], opts.Refine); err != nil {
				return nil, fmt.Errorf("imitation: write: refining image %d: %w", i, err)
			}
		}
	}
	if hz > 0 {
		cfg.T, cfg.Substeps = hz, 1
		if resp, err = dmp.NewResponse(cfg); err != nil {
			return nil, fmt.Errorf("imitation: write: %w", err)
		}
	}
	y, err := resp.ForwardU(u, g, y0, dy0)
	if err != nil {
		return nil, fmt.Errorf("imitation: write: %w", err)
	}
	P := cfg.T + 1
	all := timeMajor(y, len(best), P)
	for i := range best {
		out[i] = all[i*2*P : (i+1)*2*P]
	}
	return out, nil
}

// PredictStarts returns the pen's start (x, y) in canvas pixels for each
// framed image: the first point of the trajectory this writer predicts. Only
// a writer that predicts its own start can give one, a cnn trained without
// a start input; its starts can then be another writer's WriteOptions.Starts
// (on generated digits, NDP from the cnn's starts erred 0.24 px² against
// 0.41 from the starts it searches for itself, docs/results.md).
func (d *Digits) PredictStarts(canvases [][]uint8) ([][]float32, error) {
	if d.Cfg.Method != MethodCNN || d.Model.Cfg.StartInput != nil {
		return nil, fmt.Errorf("imitation: predicting starts: this %s writer reads the pen's start; only a cnn trained without a start input predicts it", d.Cfg.Method)
	}
	trajs, err := d.Write(canvases, WriteOptions{})
	if err != nil {
		return nil, err
	}
	starts := make([][]float32, len(trajs))
	for i, tr := range trajs {
		starts[i] = []float32{tr[0], tr[1]}
	}
	return starts, nil
}

// dmpParams returns the DMPs a DMP writer (ndp, cnn-dmp) predicts for
// samples idx, in the form [dmp.Response.ForwardU] takes: u [2B, N], g, y0,
// ẏ0 [2B] (rows are sample-major, DoF-minor), with the config that records
// them at the dataset's 301 points.
func (d *Digits) dmpParams(ds *digits.Dataset, idx []int) (cfg dmp.Config, u, g, y0, dy0 []float64, err error) {
	if d.Cfg.Method == MethodNDP {
		if cfg, err = d.Model.Cfg.DMPConfig(); err != nil {
			return cfg, nil, nil, nil, nil, err
		}
	} else {
		cfg = d.resp.Cfg
	}
	err = d.forward(ds, idx, func(padded []int, n int, res *model.Result) error {
		if d.Cfg.Method == MethodCNNDMP {
			bu, bg, by0, bdy0, err := d.cnnDMPParams(ds, padded[:n], res)
			if err != nil {
				return err
			}
			u, g = append(u, bu[:2*n*cfg.N]...), append(g, bg[:2*n]...)
			y0, dy0 = append(y0, by0[:2*n]...), append(dy0, bdy0[:2*n]...)
			return nil
		}
		head, err := tensors.CopyFlatData[float32](res.Head)
		if err != nil {
			return err
		}
		wd := d.Model.Cfg.HeadWidth()
		for b, s := range padded[:n] {
			tr := ds.Trajectory(s)
			w, gb, err := d.Model.Cfg.DecodeHead(head[b*wd:(b+1)*wd], tr[:2])
			if err != nil {
				return err
			}
			for dof := range 2 {
				// u = (g − y0)·w, unless the head predicts u itself.
				amp := float64(gb[dof]) - float64(tr[dof])
				if d.Model.Cfg.DMP.DirectForcing {
					amp = 1
				}
				for _, v := range w[dof*cfg.N : (dof+1)*cfg.N] {
					u = append(u, amp*float64(v))
				}
				g, y0, dy0 = append(g, float64(gb[dof])), append(y0, float64(tr[dof])), append(dy0, d.Cfg.DY0)
			}
		}
		return nil
	})
	return cfg, u, g, y0, dy0, err
}

// InkFit is how well a trajectory traj ([P, 2] in canvas pixels) runs
// over the ink of a framed canvas ([Size, Size] as digits.Frame makes
// them): the mean distance in pixels from the trajectory's points to the
// nearest ink pixel plus the mean distance from the ink pixels to the
// nearest trajectory point. It needs no ground truth, so it scores a
// writer on images it has never seen; a generated digit's own trajectory
// scores about 0.9 px against its framed image (the pen's half width on
// both sides), and a stroke that leaves the ink or skips part of it scores
// more.
func InkFit(traj []float32, canvas []uint8) (float64, error) {
	if len(canvas) != digits.ImageLen {
		return 0, fmt.Errorf("imitation: ink fit: image has %d pixels, want %d", len(canvas), digits.ImageLen)
	}
	if len(traj) < 2 || len(traj)%2 != 0 {
		return 0, fmt.Errorf("imitation: ink fit: trajectory has %d values, want [P, 2] with P ≥ 1", len(traj))
	}
	ink := inkPoints(canvas)
	if len(ink) == 0 {
		return 0, errors.New("imitation: ink fit: the image has no ink")
	}
	return Chamfer(traj, ink), nil
}

// inkPoints returns the centres (x, y) of a canvas's inked pixels (at least
// half ink), flat [P, 2], topmost first.
func inkPoints(c []uint8) []float64 {
	var pts []float64
	for p, v := range c {
		if v >= 128 {
			pts = append(pts, float64(p%digits.Size)+0.5, float64(p/digits.Size)+0.5)
		}
	}
	return pts
}

// Chamfer is the mean distance from the points of traj ([T, 2]) to the
// nearest of ink ([P, 2]) and from those to the nearest point of traj: small
// only when the path runs over the ink and covers all of it. With another
// path as ink it is the distance between two paths' shapes, whatever their
// timing. Both must be non-empty.
func Chamfer(traj []float32, ink []float64) float64 {
	T, P := len(traj)/2, len(ink)/2
	toInk, toPath := 0.0, make([]float64, P)
	for p := range toPath {
		toPath[p] = math.Inf(1)
	}
	for t := range T {
		x, y, near := float64(traj[2*t]), float64(traj[2*t+1]), math.Inf(1)
		for p := range P {
			d := math.Hypot(x-ink[2*p], y-ink[2*p+1])
			near = min(near, d)
			toPath[p] = min(toPath[p], d)
		}
		toInk += near
	}
	s := 0.0
	for _, v := range toPath {
		s += v
	}
	return toInk/float64(T) + s/float64(P)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
