package imitation

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/schollz/progressbar/v3"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/run"
	"github.com/ndp-go/ndp/runlog"
)

// DigitsRun describes one training run of one method.
type DigitsRun struct {
	Cfg         DigitsConfig
	Epochs      int             // default 71, as the authors
	Train, Test *digits.Dataset // training and held-out sets
	Dir         string          // run directory: log.csv, result.json, preds.json, policy.npz, policy-best.npz
	Progress    io.Writer       // progress bar (nil: none)
	DrawIndices []int           // test samples whose predictions go to preds.json
	// Mode is what to do with a run already in Dir: run.Fresh refuses it,
	// run.Force replaces it, run.Auto and run.Resume continue it from its
	// checkpoint (written after every epoch) or start it over when it has
	// none. Epochs may be raised to extend a finished run.
	Mode run.Mode
	// Context stops training after the current epoch (Ctrl-C); RunDigits
	// then returns run.ErrInterrupted.
	Context context.Context
}

// DigitsResult is what result.json holds: Table 2's numbers for one method.
type DigitsResult struct {
	Method      string             `json:"method"`
	Config      DigitsConfig       `json:"config"`
	Epochs      int                `json:"epochs"`
	TrainN      int                `json:"train_n"`
	TestN       int                `json:"test_n"`
	Train       digits.ClassStats  `json:"train"` // per-sample loss (px²) over classes
	Test        digits.ClassStats  `json:"test"`
	WallSeconds float64            `json:"wall_seconds"`
	StepMillis  float64            `json:"step_ms"` // mean wall time per training step
	Backend     string             `json:"backend"`
	Extra       map[string]float64 `json:"extra,omitempty"`
	Command     string             `json:"command,omitempty"` // the command line that trained it
	Commit      string             `json:"commit,omitempty"`  // the VCS revision of the binary
}

// Preds holds predicted trajectories of chosen test samples, for figures.
type Preds struct {
	Method  string      `json:"method"`
	Indices []int       `json:"indices"`
	Trajs   [][]float32 `json:"trajs"` // per index, [301·2] pen positions
}

// BestPolicyFile is the policy file of a digits run's best held-out epoch
// (run.PolicyFile holds the last).
const BestPolicyFile = "policy-best.npz"

// RunDigits trains one method, evaluating on the test set after every
// epoch, and writes the run directory.
func RunDigits(b compute.Backend, r DigitsRun) (res *DigitsResult, err error) {
	if r.Epochs == 0 {
		r.Epochs = 71
	}
	if r.Train == nil || r.Test == nil {
		return nil, fmt.Errorf("imitation: a run needs training and test sets")
	}
	if r.Mode == run.Resume {
		r.Mode = run.Auto // no checkpoint yet (the method never finished an epoch): start it over
	}
	resume, undo, err := run.Prepare(r.Dir, r.Mode)
	if err != nil {
		return nil, err
	}
	if r.Context == nil {
		r.Context = context.Background()
	}
	d, err := NewDigits(r.Cfg, b)
	if err == nil {
		err = d.prepareHead(r.Train) // before a checkpoint, which holds the head's statistics, is restored
	}
	if err != nil {
		undo()
		return nil, err
	}
	ckpt := filepath.Join(r.Dir, run.CheckpointFile)
	p := progress{Best: math.Inf(1)}
	if resume {
		if err := sameConfig(r.Dir, d.Cfg); err != nil {
			return nil, err
		}
		if p, err = d.restoreCheckpoint(ckpt); err != nil {
			return nil, err
		}
		if d.Epochs > r.Epochs {
			return nil, fmt.Errorf("imitation: resuming %s: it has trained %d epochs, more than the %d asked for", r.Dir, d.Epochs, r.Epochs)
		}
		if err := os.Remove(filepath.Join(r.Dir, run.DoneFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("imitation: %w", err)
		}
	}
	if err := atomicfile.WriteJSON(filepath.Join(r.Dir, run.ConfigFile), d.Cfg); err != nil {
		return nil, err
	}
	start := time.Now()
	wall := func() float64 { return p.WallSeconds + time.Since(start).Seconds() }
	if d.Cfg.PretrainEpochs > 0 && !resume { // a checkpoint holds the pretrained trunk
		acc, loss, err := d.Pretrain(b, r.Train, r.Test, d.Cfg.PretrainEpochs)
		if err != nil {
			return nil, err
		}
		p.Extra = map[string]float64{"pretrain_test_accuracy": acc, "pretrain_loss": loss, "pretrain_seconds": time.Since(start).Seconds()}
	}
	var lg *runlog.CSV
	if resume {
		lg, err = runlog.ResumeCSV(filepath.Join(r.Dir, run.LogFile), d.Epochs)
	} else {
		lg, err = runlog.NewCSV(filepath.Join(r.Dir, run.LogFile), false)
	}
	if err != nil {
		return nil, err
	}
	defer lg.Close()
	var bar *progressbar.ProgressBar
	if r.Progress != nil {
		bar = progressbar.NewOptions(r.Epochs, progressbar.OptionSetWriter(r.Progress),
			progressbar.OptionSetDescription(d.Cfg.Method), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30))
		_ = bar.Add(d.Epochs)
	}
	last := time.Now()
	onEpoch := func(epoch int, loss float64) error {
		p.TrainSeconds += time.Since(last).Seconds()
		p.Steps += r.Train.Len() / d.Cfg.BatchSize
		_, st, err := d.Evaluate(r.Test)
		if err != nil {
			return err
		}
		if err := lg.Log(runlog.Record{{Key: "epoch", Value: float64(epoch)}, {Key: "train_loss", Value: loss},
			{Key: "test_loss", Value: st.MeanOverClasses}, {Key: "test_loss_std", Value: st.StdOverClasses},
			{Key: "seconds", Value: wall()}}); err != nil {
			return err
		}
		if st.MeanOverClasses < p.Best { // the best held-out epoch so far
			p.Best = st.MeanOverClasses
			if err := d.SavePolicy(filepath.Join(r.Dir, BestPolicyFile), int64(epoch)*int64(r.Train.Len())); err != nil {
				return err
			}
		}
		// The log row is written first: a crash between the two leaves a
		// row that a resume drops (runlog.ResumeCSV).
		q := p
		q.WallSeconds = wall()
		if err := d.saveCheckpoint(ckpt, q); err != nil {
			return err
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("%-7s test %.3g px²", d.Cfg.Method, st.MeanOverClasses))
			_ = bar.Add(1)
		}
		last = time.Now()
		if r.Context.Err() != nil {
			return run.ErrInterrupted
		}
		return nil
	}
	if left := r.Epochs - d.Epochs; left > 0 {
		if err := d.Train(r.Train, left, onEpoch); err != nil {
			return nil, err
		}
	}
	res = &DigitsResult{Method: d.Cfg.Method, Config: d.Cfg, Epochs: d.Epochs, TrainN: r.Train.Len(), TestN: r.Test.Len(),
		WallSeconds: wall(), StepMillis: 1000 * p.TrainSeconds / float64(max(p.Steps, 1)), Backend: b.Name(), Extra: p.Extra,
		Command: strings.Join(os.Args, " "), Commit: run.Commit()}
	if _, res.Train, err = d.Evaluate(r.Train); err != nil {
		return nil, err
	}
	if _, res.Test, err = d.Evaluate(r.Test); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteJSON(filepath.Join(r.Dir, "result.json"), res); err != nil {
		return nil, err
	}
	if err := d.SavePolicy(filepath.Join(r.Dir, run.PolicyFile), int64(d.Epochs)*int64(r.Train.Len())); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			err = atomicfile.WriteJSON(filepath.Join(r.Dir, run.DoneFile), map[string]int{"epochs": d.Epochs})
		}
	}()
	if len(r.DrawIndices) > 0 {
		pred, err := d.Predict(r.Test, r.DrawIndices)
		if err != nil {
			return nil, err
		}
		p := Preds{Method: d.Cfg.Method, Indices: r.DrawIndices}
		L := digits.Steps * 2
		for i := range r.DrawIndices {
			p.Trajs = append(p.Trajs, pred[i*L:(i+1)*L])
		}
		if err := atomicfile.WriteJSON(filepath.Join(r.Dir, "preds.json"), p); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// sameConfig refuses to continue the run in dir unless its config.json
// holds cfg (defaults applied to both).
func sameConfig(dir string, cfg DigitsConfig) error {
	var saved DigitsConfig
	if err := readJSON(filepath.Join(dir, run.ConfigFile), &saved); err != nil {
		return err
	}
	if err := run.SameConfig(dir, saved.WithDefaults(), cfg.WithDefaults()); err != nil {
		return fmt.Errorf("imitation: %w", err)
	}
	return nil
}

// finishedEpochs returns the epochs of the finished run in dir, or 0.
func finishedEpochs(dir string) int {
	var done struct {
		Epochs int `json:"epochs"`
	}
	if !run.Finished(dir) || readJSON(filepath.Join(dir, run.DoneFile), &done) != nil {
		return 0
	}
	return done.Epochs
}

func readJSON(path string, v any) error {
	if err := atomicfile.ReadJSON(path, v); err != nil {
		return fmt.Errorf("imitation: %w", err)
	}
	return nil
}

// LoadResults reads result.json of each method present under root
// (root/METHOD/result.json), in Table 2's order.
func LoadResults(root string) ([]DigitsResult, error) {
	var out []DigitsResult
	for _, m := range Methods() {
		var r DigitsResult
		err := readJSON(filepath.Join(root, m, "result.json"), &r)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("imitation: no result.json under %s/{%v}", root, Methods())
	}
	return out, nil
}

// LoadPreds reads preds.json of each method present under root.
func LoadPreds(root string) ([]Preds, error) {
	var out []Preds
	for _, m := range Methods() {
		var p Preds
		err := readJSON(filepath.Join(root, m, "preds.json"), &p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Table renders results as Table 2: mean ± std over digit classes of the
// per-sample loss in px², train and held-out test.
func Table(results []DigitsResult) string {
	var rows [][]string
	var prov strings.Builder
	for _, r := range results {
		name := map[string]string{MethodCNN: "CNN", MethodCNNDMP: "CNN-DMP (Pahič et al.)", MethodNDP: "NDP"}[r.Method]
		rows = append(rows, []string{name, pm(r.Train), pm(r.Test), fmt.Sprint(r.Epochs), fmt.Sprintf("%d / %d", r.TrainN, r.TestN), fmt.Sprintf("%.0f", r.WallSeconds)})
		if r.Commit != "" {
			fmt.Fprintf(&prov, "- %s: `%s` (commit %s)\n", name, r.Command, r.Commit)
		}
	}
	t := table.Markdown([]string{"method", "train (px²)", "test, held-out (px²)", "epochs", "train / test samples", "wall (s)"}, rows)
	if prov.Len() > 0 {
		t += "\nTrained by:\n" + prov.String()
	}
	return t
}

func pm(c digits.ClassStats) string {
	if math.IsNaN(c.MeanOverClasses) {
		return "–"
	}
	return fmt.Sprintf("%.2f ± %.2f", c.MeanOverClasses, c.StdOverClasses)
}

// DrawFigure4 draws the paper's Figure 4 to path: the held-out images that
// every method under root (root/METHOD/preds.json) predicted, with the
// ground-truth pen path and each method's trajectory over them.
func DrawFigure4(root, path string, test *digits.Dataset) error {
	preds, err := LoadPreds(root)
	if err != nil {
		return err
	}
	if len(preds) == 0 {
		return fmt.Errorf("no preds.json under %s", root)
	}
	idx := preds[0].Indices
	images := make([][]uint8, len(idx))
	truth := digits.TrajectorySet{Name: "ground truth", Color: color.RGBA{150, 150, 150, 255}}
	captions := make([]string, len(idx))
	for i, s := range idx {
		if s < 0 || s >= test.Len() {
			return fmt.Errorf("preds index %d outside the test set of %d", s, test.Len())
		}
		images[i] = test.Image(s)
		truth.Trajs = append(truth.Trajs, test.Trajectory(s))
		captions[i] = fmt.Sprintf("%d", test.Labels[s])
	}
	sets := []digits.TrajectorySet{truth}
	names := map[string]string{MethodNDP: "NDP (ours)", MethodCNN: "CNN", MethodCNNDMP: "CNN-DMP"}
	for _, p := range preds {
		if len(p.Indices) != len(idx) {
			return fmt.Errorf("methods were drawn on different samples; re-run train")
		}
		sets = append(sets, digits.TrajectorySet{Name: names[p.Method], Trajs: p.Trajs})
	}
	return digits.DrawGrid(path, images, sets, digits.GridOptions{Cols: 10, Scale: 6, Captions: captions})
}

// MethodsRun is Table 2's experiment: methods trained one after another on
// the same data, each into Root/METHOD, then Root/table.md and
// Root/figure4.png.
type MethodsRun struct {
	Cfg         DigitsConfig // shared settings; Method is set per method
	Methods     []string
	Epochs      int
	Train, Test *digits.Dataset
	Root        string
	Draw        int             // held-out samples in Figure 4 (classes in turn; 0: no figure)
	Progress    io.Writer       // progress bars (nil: none)
	Log         io.Writer       // one line per method, then the table (nil: none)
	Mode        run.Mode        // run.Resume keeps the methods that finished
	Context     context.Context // Ctrl-C: stop after the current epoch
}

// RunMethods trains r's methods and writes the table and figure. A method
// that fails is reported and skipped: the table and figure are still
// written for the others, and the failures are returned afterwards.
func RunMethods(b compute.Backend, r MethodsRun) error {
	w := r.Log
	if w == nil {
		w = io.Discard
	}
	draw := r.Test.Balanced(r.Draw)
	var failed error
	for _, m := range r.Methods {
		c := r.Cfg
		c.Method = m
		dr := DigitsRun{Cfg: c, Epochs: r.Epochs, Train: r.Train, Test: r.Test, Dir: filepath.Join(r.Root, m), DrawIndices: draw,
			Progress: r.Progress, Mode: r.Mode, Context: r.Context}
		if r.Mode == run.Resume && finishedEpochs(dr.Dir) >= dr.Epochs {
			if err := sameConfig(dr.Dir, c); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s: finished in an earlier run, kept\n", m)
			continue
		}
		res, err := RunDigits(b, dr)
		if errors.Is(err, run.ErrInterrupted) {
			return fmt.Errorf("%s %w; the methods that finished are kept: rerun the same command with --resume to train the rest", m, err)
		}
		if errors.Is(err, run.ErrExists) {
			return err
		}
		if err != nil { // one method failing must not take the others' results down
			fmt.Fprintf(w, "\n%s failed: %v\n", m, err)
			os.Remove(filepath.Join(dr.Dir, "result.json")) // not a stale result of an earlier run in the table
			failed = errors.Join(failed, fmt.Errorf("training %s: %w", m, err))
			continue
		}
		fmt.Fprintf(w, "\n%s: test %.3f ± %.3f px², train %.3f ± %.3f px² (%d epochs, %.0f s, %.1f ms/step)\n", m,
			res.Test.MeanOverClasses, res.Test.StdOverClasses, res.Train.MeanOverClasses, res.Train.StdOverClasses, res.Epochs, res.WallSeconds, res.StepMillis)
	}
	res, err := LoadResults(r.Root)
	if err != nil {
		return errors.Join(failed, err)
	}
	t := Table(res)
	if err := os.WriteFile(filepath.Join(r.Root, "table.md"), []byte(t), 0o644); err != nil {
		return errors.Join(failed, err)
	}
	fmt.Fprint(w, "\n"+t)
	if r.Draw < 1 {
		fmt.Fprintln(w, "wrote", filepath.Join(r.Root, "table.md"), "(no figure: nothing to draw)")
		return failed
	}
	fig := filepath.Join(r.Root, "figure4.png")
	if err := DrawFigure4(r.Root, fig, r.Test); err != nil {
		return errors.Join(failed, err)
	}
	fmt.Fprintln(w, "wrote", filepath.Join(r.Root, "table.md"), "and", fig)
	return failed
}
