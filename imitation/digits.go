// Package imitation trains policies from demonstrations with an L2 loss
// (the paper's eq. 7): the digit-writing task from images (Table 2,
// Figure 4), comparing an NDP against a CNN that regresses the trajectory
// and the CNN-DMP of Pahič et al. that regresses fitted DMP parameters.
package imitation

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/model"
)

// The three methods of Table 2. All share the same CNN trunk.
const (
	MethodNDP    = "ndp"     // CNN → (w, g) → DMP layer, loss on the trajectory
	MethodCNN    = "cnn"     // CNN → 301×2 trajectory directly
	MethodCNNDMP = "cnn-dmp" // CNN → DMP parameters (u = (g − y0)·w, g) fitted to each demo, loss on the parameters
)

// Methods lists the methods in Table 2's order.
func Methods() []string { return []string{MethodCNN, MethodCNNDMP, MethodNDP} }

// DigitsConfig holds a digits run's settings; zero values mean the default.
type DigitsConfig struct {
	Method    string  `json:"method"`     // ndp (default), cnn, cnn-dmp
	Seed      int64   `json:"seed"`       // network init and batch order
	BatchSize int     `json:"batch_size"` // default 100
	LR        float64 `json:"lr"`         // Adam learning rate (default 1e-3)
	// DecayEpochs > 0 decays Adam's learning rate linearly from LR to 0
	// over that many epochs, per step: lr = LR·(1 − k/K) at step k of K;
	// training past it is refused. 0 keeps it constant.
	DecayEpochs int     `json:"decay_epochs,omitempty"`
	N           int     `json:"n"`         // DMP basis functions per DoF (default 30)
	AlphaZ      float64 `json:"alpha_z"`   // DMP α_z (default 25)
	DY0         float64 `json:"dy0"`       // DMP start velocity (default 0.01, as the authors)
	Scale       float64 `json:"scale"`     // NDP output scale (default 1000, as the authors)
	ConvImpl    string  `json:"conv_impl"` // CNN lowering (default: the model's)
	Ridge       float64 `json:"ridge"`     // CNN-DMP: ridge λ of the per-demo fits (default 1e-10)
	// PretrainEpochs > 0 first trains a digit classifier for that many
	// epochs and starts the trunk from it (see [Digits.Pretrain]).
	PretrainEpochs int `json:"pretrain_epochs,omitempty"`
	// Standardise makes the CNN regress each trajectory point standardised
	// by the training set's mean and std of that point, as CNN-DMP regresses
	// standardised parameters, instead of raw pixels; and NDP output its DMP
	// parameters (u, g) standardised by the fitted parameters' mean and std
	// (see [Digits.prepareHead]).
	Standardise bool `json:"standardise,omitempty"`
	// GoalScale > 0 makes NDP's goal an offset from the pen's start,
	// g = y0 + GoalScale·(Φ's raw goal output), in px; 0 keeps the authors'
	// absolute goal, scaled like the weights (by Scale).
	GoalScale float64 `json:"goal_scale,omitempty"`
	// StartInput makes Φ read the pen's start (x, y) beside its conv
	// features, standardised by the training starts' mean and std, for
	// every method (see [model.Config.StartInput]). The DMP methods always
	// start their DMP there; without this input Φ cannot tell where on a
	// closed stroke (0, 6, 8, 9) the pen begins, since the image does not
	// show it.
	StartInput bool `json:"start_input,omitempty"`
	// Hidden sets the fc layers after the conv trunk (default: the authors'
	// 200, 100, 200 and twice the head's width, so 124 for ndp, 1204 for cnn).
	Hidden []int `json:"hidden,omitempty"`
	// Augment moves every training sample, each time it is drawn, by a
	// random affine map (image and trajectory together, see
	// [digits.Augment]), so the writer sees slants and aspects beyond the
	// generator's, as person-drawn digits have. Held-out losses stay on the
	// unmoved digits; the classifier pretraining sees them unmoved too.
	Augment bool `json:"augment,omitempty"`
}

// WithDefaults fills unset fields.
func (c DigitsConfig) WithDefaults() DigitsConfig {
	if c.Method == "" {
		c.Method = MethodNDP
	}
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.N == 0 {
		c.N = 30
	}
	if c.AlphaZ == 0 {
		c.AlphaZ = dmp.DefaultAlphaZ
	}
	if c.DY0 == 0 {
		c.DY0 = 0.01
	}
	if c.Scale == 0 {
		c.Scale = 1000
	}
	if c.Ridge == 0 {
		// The response columns of u are O(dt²) small, so λ must be tiny:
		// 1e-10 reproduces the demos to ≈0.01 px², 1e-6 only to ≈0.3 px².
		c.Ridge = 1e-10
	}
	return c
}

// T is the number of recorded DMP steps: trajectories have 301 points.
const T = digits.Steps - 1

// Digits trains and evaluates one method on digit images.
type Digits struct {
	Cfg     DigitsConfig
	Model   *model.Model
	trainer *model.Trainer
	resp    *dmp.Response // the DMP of every method (CNN: the one Write fits), in float64
	// CNN-DMP parameter standardisation: target = (θ − mean)/std per output.
	pMean, pStd []float64
	rng         *rand.Rand // batch order, drawn from src
	src         *rand.PCG  // saved in checkpoints
	Epochs      int        // epochs trained
}

// modelConfig is the network of c.Method: a CNN with a DMP head (ndp) or a
// raw head of the trajectory (cnn) or of DMP parameters (cnn-dmp).
func (c DigitsConfig) modelConfig() (model.Config, error) {
	mc := model.Config{Net: model.NetCNN, ConvImpl: c.ConvImpl, Hidden: c.Hidden, Seed: c.Seed, Optim: model.OptimConfig{LR: c.LR}}
	switch c.Method {
	case MethodNDP:
		mc.Head, mc.DoF, mc.OutputScale = model.HeadNDP, 2, c.Scale
		mc.DMP = model.DMPConfig{N: c.N, T: T, AlphaZ: c.AlphaZ}
		if c.GoalScale > 0 {
			mc.GoalRelative, mc.GoalScale = true, c.GoalScale
		}
		if c.Standardise { // Φ gives standardised (u, g); see prepareHead
			mc.OutputScale, mc.DMP.DirectForcing = 1, true
		}
	case MethodCNN:
		mc.Head, mc.OutDim = model.HeadRaw, digits.Steps*2
	case MethodCNNDMP:
		mc.Head, mc.OutDim = model.HeadRaw, 2*(c.N+1)
	default:
		return mc, fmt.Errorf("imitation: unknown method %q (want one of %v)", c.Method, Methods())
	}
	return mc, nil
}

// Validate checks c, including the network's size against the memory
// budget, without building anything: commands call it before they load
// data or create run directories.
func (c DigitsConfig) Validate() error {
	c = c.WithDefaults()
	mc, err := c.modelConfig()
	if err != nil {
		return err
	}
	if err := mc.Validate(); err != nil {
		return fmt.Errorf("imitation: %s: %w", c.Method, err)
	}
	if c.Method == MethodCNNDMP {
		if err := (dmp.Config{N: c.N, T: T, AlphaZ: c.AlphaZ}).Validate(); err != nil {
			return fmt.Errorf("imitation: %s: %w", c.Method, err)
		}
	}
	if !(c.GoalScale >= 0) || math.IsInf(c.GoalScale, 0) {
		return fmt.Errorf("imitation: goal scale %v, want ≥ 0 and finite", c.GoalScale)
	}
	if c.GoalScale > 0 && c.Standardise {
		return fmt.Errorf("imitation: a goal scale and standardise exclude each other (a standardised ndp's goal is the fitted goals' mean + std·Φ)")
	}
	if c.DecayEpochs < 0 {
		return fmt.Errorf("imitation: decay epochs %d, want ≥ 0", c.DecayEpochs)
	}
	if c.PretrainEpochs < 0 {
		return fmt.Errorf("imitation: pretrain epochs %d, want ≥ 0", c.PretrainEpochs)
	}
	if !(c.BatchSize > 0) || !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("imitation: batch %d and lr %v must be positive and finite", c.BatchSize, c.LR)
	}
	return nil
}

// NewDigits builds the network of cfg.Method on backend b.
func NewDigits(cfg DigitsConfig, b compute.Backend) (*Digits, error) {
	cfg = cfg.WithDefaults()
	mc, err := cfg.modelConfig()
	if err != nil {
		return nil, err
	}
	src := rand.NewPCG(uint64(cfg.Seed), 0xd161)
	d := &Digits{Cfg: cfg, rng: rand.New(src), src: src}
	// Every method has the DMP: NDP and CNN-DMP predict one, and the
	// CNN's points are fitted by one where Write refines them.
	if d.resp, err = dmp.NewResponse(dmp.Config{N: cfg.N, T: T, AlphaZ: cfg.AlphaZ}); err != nil {
		return nil, err
	}
	if err := d.build(mc, b); err != nil {
		return nil, err
	}
	return d, nil
}

// build makes d's network from mc, with the trainer of d's method.
func (d *Digits) build(mc model.Config, b compute.Backend) error {
	m, err := model.New(mc, b)
	if err != nil {
		return err
	}
	d.Model = m
	switch d.Cfg.Method {
	case MethodCNNDMP:
		d.trainer = m.NewTrainer(func(out *model.Outputs, extra []*graphNode) (*graphNode, []*graphNode) {
			return model.MSE(out.Head, extra[0]), nil
		})
	case MethodCNN:
		d.trainer = m.NewTrainer(func(out *model.Outputs, extra []*graphNode) (*graphNode, []*graphNode) {
			return model.MSE(out.Head, reshape(extra[0], digits.Steps*2)), nil
		})
	default:
		d.trainer = m.NewTrainer(model.TrajectoryMSE)
	}
	return nil
}

// prepareHead gives the network the statistics of train it needs before
// its first epoch, rebuilding it once:
//   - with StartInput, the mean and std of the training starts, by which Φ
//     reads the pen's start;
//   - for a standardised NDP, its head: Φ's outputs are read as mean +
//     std·out with the mean and std of the DMP parameters (u, g) fitted to
//     train's demonstrations, the targets CNN-DMP regresses, so the network
//     starts at the mean stroke and every output moves on its own scale; the
//     loss stays on the trajectory.
//
// A no-op when neither applies or the network has its statistics already.
func (d *Digits) prepareHead(train *digits.Dataset) error {
	mc := d.Model.Cfg
	start := d.Cfg.StartInput && mc.StartInput == nil
	head := d.Cfg.Method == MethodNDP && d.Cfg.Standardise && mc.HeadShift == nil
	if !start && !head {
		return nil
	}
	if d.Epochs > 0 {
		return fmt.Errorf("imitation: the network gets its training statistics before its first epoch")
	}
	if start {
		starts := make([]float64, 0, 2*train.Len())
		for i := range train.Len() {
			tr := train.Trajectory(i)
			starts = append(starts, float64(tr[0]), float64(tr[1]))
		}
		mean, std := standardiser(starts, 2)
		mc.StartInput = &model.Standardiser{Mean: mean, Std: std}
	}
	if head {
		params, err := d.fitParams(train)
		if err != nil {
			return err
		}
		mc.HeadShift, mc.HeadScale = standardiser(params, 2*(d.Cfg.N+1))
	}
	return d.build(mc, d.Model.Backend)
}

// fitParams returns the DMP parameters fitted to each demonstration of ds,
// laid out like a raw head: [n, 2, N+1] (per DoF the N forcing amplitudes
// u = (g − y0)·w, then g), float64. The baseline regresses u rather than w:
// w = u/(g − y0) explodes for strokes that end near their start (0, 8), and
// regressing it made CNN-DMP diverge to 10⁷ px²; u keeps the same model
// (the DMP without amplitude scaling) with bounded targets.
func (d *Digits) fitParams(ds *digits.Dataset) ([]float64, error) {
	n, N := ds.Len(), d.Cfg.N
	out := make([]float64, n*2*(N+1))
	demo := make([]float64, 2*digits.Steps)
	for i := range n {
		u, g, _, err := d.fitDMP(ds.Trajectory(i), demo)
		if err != nil {
			return nil, fmt.Errorf("imitation: fitting demo %d: %w", i, err)
		}
		for dof := range 2 {
			row := out[(i*2+dof)*(N+1) : (i*2+dof+1)*(N+1)]
			copy(row[:N], u[dof*N:(dof+1)*N])
			row[N] = g[dof]
		}
	}
	return out, nil
}

// fitDMP fits d's DMP (starting at ẏ0 = Cfg.DY0) to one trajectory tr
// ([Steps, 2], time-major as datasets hold them), with demo ([2, Steps])
// as scratch: u [2, N], g and y0 [2].
func (d *Digits) fitDMP(tr []float32, demo []float64) (u, g, y0 []float64, err error) {
	L := digits.Steps
	for t := range L {
		demo[t], demo[L+t] = float64(tr[2*t]), float64(tr[2*t+1])
	}
	return d.resp.FitU(demo, []float64{d.Cfg.DY0, d.Cfg.DY0}, dmp.FitOptions{Ridge: d.Cfg.Ridge})
}

// Train runs epochs over train; after each epoch it calls onEpoch (if not
// nil) with the epoch number and the mean training loss of the epoch (in
// the method's own loss units: px² for ndp and cnn, standardised
// parameters for cnn-dmp). A non-nil error from onEpoch stops training.
func (d *Digits) Train(train *digits.Dataset, epochs int, onEpoch func(epoch int, loss float64) error) error {
	if epochs < 1 {
		return fmt.Errorf("imitation: epochs = %d, need ≥ 1", epochs)
	}
	if train.Len() < d.Cfg.BatchSize {
		return fmt.Errorf("imitation: %d training samples, fewer than one batch of %d", train.Len(), d.Cfg.BatchSize)
	}
	if k := d.Cfg.DecayEpochs; k > 0 && d.Epochs+epochs > k {
		return fmt.Errorf("imitation: %d more epochs after %d would train past the learning rate's decay to 0 at epoch %d", epochs, d.Epochs, k)
	}
	if err := d.prepareHead(train); err != nil {
		return err
	}
	perEpoch := train.Len() / d.Cfg.BatchSize // full batches: the steps of one epoch
	params, err := d.targets(train)
	if err != nil {
		return err
	}
	if params != nil && d.pMean == nil {
		d.pMean, d.pStd = standardiser(params, len(params)/train.Len())
	}
	for range epochs {
		batches, err := digits.Batches(train.Len(), d.Cfg.BatchSize, d.rng)
		if err != nil {
			return err
		}
		sum, n := 0.0, 0
		for _, idx := range batches {
			if len(idx) < d.Cfg.BatchSize {
				continue // one batch shape: one compiled graph
			}
			if k := d.Cfg.DecayEpochs; k > 0 { // > 0 for every step before the decay's end
				d.trainer.SetLRScale(1 - float64(d.Epochs*perEpoch+n)/float64(k*perEpoch))
			}
			bds, bidx, bparams := train, idx, params
			if d.Cfg.Augment {
				if bds, err = digits.Augment(train, idx, d.rng); err != nil {
					return err
				}
				if bparams, err = d.targets(bds); err != nil {
					return err
				}
				bidx = seq(len(idx))
			}
			b, err := d.batch(bds, bidx, bparams)
			if err != nil {
				return err
			}
			st, err := d.trainer.Step(b)
			if err != nil {
				return err
			}
			if math.IsNaN(float64(st.Loss)) {
				return errors.New("imitation: training loss became NaN")
			}
			sum += float64(st.Loss)
			n++
		}
		d.Epochs++
		if onEpoch != nil {
			if err := onEpoch(d.Epochs, sum/float64(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// targets returns the regression targets of every sample of ds, before
// standardisation: the fitted DMP parameters for cnn-dmp ([n, 2, N+1]), the
// trajectory points for a standardised cnn ([n, Steps, 2]), nil otherwise
// (the loss is on ds's trajectories).
func (d *Digits) targets(ds *digits.Dataset) ([]float64, error) {
	switch {
	case d.Cfg.Method == MethodCNNDMP:
		return d.fitParams(ds)
	case d.Cfg.Method == MethodCNN && d.Cfg.Standardise:
		params := make([]float64, len(ds.Trajectories))
		for i, v := range ds.Trajectories {
			params[i] = float64(v)
		}
		return params, nil
	}
	return nil, nil
}

// seq returns 0, 1, ..., n−1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// standardiser returns the per-column mean and std of rows of width w.
func standardiser(x []float64, w int) (mean, std []float64) {
	n := float64(len(x) / w)
	mean, std = make([]float64, w), make([]float64, w)
	for i, v := range x {
		mean[i%w] += v / n
	}
	for i, v := range x {
		std[i%w] += (v - mean[i%w]) * (v - mean[i%w]) / n
	}
	for j := range std {
		std[j] = math.Sqrt(std[j]) + 1e-6
	}
	return mean, std
}

// batch builds the model inputs for samples idx of ds.
func (d *Digits) batch(ds *digits.Dataset, idx []int, params []float64) (model.Batch, error) {
	B := len(idx)
	img, err := ds.NetImages(idx, digits.NetSize)
	if err != nil {
		return model.Batch{}, err
	}
	b := model.Batch{Obs: model.F32(img, B, digits.NetSize, digits.NetSize)}
	if d.Cfg.Method == MethodNDP || d.Model.Cfg.StartInput != nil {
		y0 := make([]float32, 2*B)
		for i, s := range idx {
			tr := ds.Trajectory(s)
			y0[2*i], y0[2*i+1] = tr[0], tr[1]
		}
		b.Y0 = model.F32(y0, B, 2)
	}
	if d.Cfg.Method == MethodNDP {
		dy0 := make([]float32, 2*B)
		for i := range dy0 {
			dy0[i] = float32(d.Cfg.DY0)
		}
		b.DY0 = model.F32(dy0, B, 2)
	}
	if params != nil { // training cnn-dmp (fitted parameters) or a standardised cnn (points)
		w := len(d.pMean)
		t := make([]float32, B*w)
		for i, s := range idx {
			for j := range w {
				t[i*w+j] = float32((params[s*w+j] - d.pMean[j]) / d.pStd[j])
			}
		}
		b.Extra = []*tensors.Tensor{model.F32(t, B, w)}
		return b, nil
	}
	if d.Cfg.Method != MethodCNNDMP {
		traj, err := ds.TrajectoryBatch(idx)
		if err != nil {
			return model.Batch{}, err
		}
		b.Extra = []*tensors.Tensor{model.F32(traj, B, digits.Steps, 2)}
	}
	return b, nil
}

// Predict returns the predicted trajectories of samples idx, [len(idx), 301, 2].
func (d *Digits) Predict(ds *digits.Dataset, idx []int) ([]float32, error) {
	out := make([]float32, 0, len(idx)*digits.Steps*2)
	err := d.forward(ds, idx, func(padded []int, n int, res *model.Result) error {
		pred, err := d.trajectories(ds, padded, res)
		out = append(out, pred[:n*digits.Steps*2]...)
		return err
	})
	return out, err
}

// forward runs the network on samples idx in batches of the configured size
// (the last one padded, to keep one batch shape); fn gets each padded batch
// of indices, how many of them are real, and the result.
func (d *Digits) forward(ds *digits.Dataset, idx []int, fn func(padded []int, n int, res *model.Result) error) error {
	bs := d.Cfg.BatchSize
	for start := 0; start < len(idx); start += bs {
		chunk := idx[start:min(start+bs, len(idx))]
		padded := append([]int(nil), chunk...)
		for len(padded) < bs {
			padded = append(padded, chunk[0])
		}
		b, err := d.batch(ds, padded, nil)
		if err != nil {
			return err
		}
		res, err := d.Model.Forward(b)
		if err != nil {
			return err
		}
		if err := fn(padded, len(chunk), res); err != nil {
			return err
		}
	}
	return nil
}

// trajectories turns a forward result into [B, 301, 2] pen positions.
func (d *Digits) trajectories(ds *digits.Dataset, idx []int, res *model.Result) ([]float32, error) {
	B, L := len(idx), digits.Steps
	switch d.Cfg.Method {
	case MethodCNN:
		head, err := tensors.CopyFlatData[float32](res.Head)
		if err == nil && d.pMean != nil {
			w := len(d.pMean)
			for i := range head {
				head[i] = float32(float64(head[i])*d.pStd[i%w] + d.pMean[i%w])
			}
		}
		return head, err
	case MethodNDP: // Y is [B, 2, 301]
		y, err := tensors.CopyFlatData[float32](res.Y)
		if err != nil {
			return nil, err
		}
		return timeMajor(y, B, L), nil
	}
	// CNN-DMP: un-standardise the parameters and integrate them in Go.
	if d.pMean == nil {
		return nil, errors.New("imitation: cnn-dmp has not been trained: its parameter scaling is unknown")
	}
	u, g, y0, dy0, err := d.cnnDMPParams(ds, idx, res)
	if err != nil {
		return nil, err
	}
	y, err := d.resp.ForwardU(u, g, y0, dy0)
	if err != nil {
		return nil, err
	}
	return timeMajor(y, B, L), nil
}

// cnnDMPParams un-standardises CNN-DMP's regressed parameters: u [B·2, N],
// g, y0, ẏ0 [B·2], the start taken from each sample's trajectory.
func (d *Digits) cnnDMPParams(ds *digits.Dataset, idx []int, res *model.Result) (u, g, y0, dy0 []float64, err error) {
	head, err := tensors.CopyFlatData[float32](res.Head)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	B, N, w := len(idx), d.Cfg.N, 2*(d.Cfg.N+1)
	u, g, y0, dy0 = make([]float64, 2*B*N), make([]float64, 2*B), make([]float64, 2*B), make([]float64, 2*B)
	for b, s := range idx {
		tr := ds.Trajectory(s)
		for dof := range 2 {
			r := b*2 + dof
			for i := range N {
				j := dof*(N+1) + i
				u[r*N+i] = float64(head[b*w+j])*d.pStd[j] + d.pMean[j]
			}
			j := dof*(N+1) + N
			g[r] = float64(head[b*w+j])*d.pStd[j] + d.pMean[j]
			y0[r], dy0[r] = float64(tr[dof]), d.Cfg.DY0
		}
	}
	return u, g, y0, dy0, nil
}

// timeMajor turns DMP output [B, 2, L] (rows are DoF) into the dataset's
// trajectory layout [B, L, 2].
func timeMajor[T float32 | float64](y []T, B, L int) []float32 {
	out := make([]float32, B*L*2)
	for b := range B {
		for dof := range 2 {
			for t := range L {
				out[(b*L+t)*2+dof] = float32(y[(b*2+dof)*L+t])
			}
		}
	}
	return out
}

// Evaluate returns the per-sample loss on ds (mean over the 301 points and
// both coordinates of the squared error, px², as the authors report it) and
// its mean ± std over digit classes.
func (d *Digits) Evaluate(ds *digits.Dataset) ([]float64, digits.ClassStats, error) {
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	pred, err := d.Predict(ds, idx)
	if err != nil {
		return nil, digits.ClassStats{}, err
	}
	L := digits.Steps * 2
	loss := make([]float64, ds.Len())
	for i := range loss {
		tr := ds.Trajectory(i)
		s := 0.0
		for j := range L {
			e := float64(pred[i*L+j] - tr[j])
			s += e * e
		}
		loss[i] = s / float64(L)
	}
	st, err := digits.PerClass(ds.Labels, loss)
	return loss, st, err
}

// CheckMethod reports an error unless method names one of [Methods].
func CheckMethod(method string) error {
	for _, m := range Methods() {
		if m == method {
			return nil
		}
	}
	return fmt.Errorf("unknown method %q (want one of %v)", method, Methods())
}
