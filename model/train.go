package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// LossFn builds a scalar loss from a forward pass. extra are the nodes of
// [Batch.Extra], in order. metrics are optional scalar nodes reported by
// [Trainer.Step] (e.g. PPO's KL and clip fraction); they get no gradient.
type LossFn func(out *Outputs, extra []*graph.Node) (loss *graph.Node, metrics []*graph.Node)

// TrajectoryMSE is the digits imitation loss (the paper's eq. 7 as the
// authors report it): the mean over batch, points and coordinates of
// (y − target)², with target [B, T+1, D] (the dataset's layout).
func TrajectoryMSE(out *Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
	pred := graph.TransposeAllAxes(out.Y, 0, 2, 1) // [B, T+1, D]
	return graph.ReduceAllMean(graph.Square(graph.Sub(pred, extra[0]))), nil
}

// Trainer runs Adam steps of one loss on a model. Create it with
// [Model.NewTrainer]; it compiles one graph per distinct batch shape.
type Trainer struct {
	m        *Model
	loss     LossFn
	exec     *graph.Exec
	evalExec *graph.Exec
	lrScale  float64 // > 0 overrides the linear decay factor
}

// StepStats reports one optimizer step.
type StepStats struct {
	Step     int64     // steps taken, including this one
	Loss     float32   // loss before the update
	GradNorm float32   // global gradient norm before clipping
	LR       float32   // learning rate used
	Metrics  []float32 // the LossFn's metrics
}

// NewTrainer returns a trainer minimising loss with the model's
// [OptimConfig]: Adam with global gradient-norm clipping and a linear
// learning-rate decay.
func (m *Model) NewTrainer(loss LossFn) *Trainer {
	return &Trainer{m: m, loss: loss}
}

// SetLRScale overrides the learning-rate schedule: lr = OptimConfig.LR·s
// (e.g. PPO decays per update, not per minibatch). s ≤ 0 restores the
// linear decay over OptimConfig.DecaySteps.
func (t *Trainer) SetLRScale(s float64) { t.lrScale = s }

// Step runs one Adam step on the batch.
//
// Adam (t = step count after this update, g the clipped gradient):
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//
// with g scaled by min(1, clip/‖g‖) when ClipNorm > 0 and
// lr = LR·max(0, 1 − (t−1)/DecaySteps) when DecaySteps > 0.
func (t *Trainer) Step(b Batch) (st StepStats, err error) {
	return t.run(b)
}

// Eval computes the loss and metrics on a batch without updating anything
// (and without computing gradients).
func (t *Trainer) Eval(b Batch) (loss float32, metrics []float32, err error) {
	m := t.m
	if _, err := m.check(b); err != nil {
		return 0, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	defer recoverTo(&err, "model: eval")
	if t.evalExec == nil {
		if t.evalExec, err = graph.NewExec(m.Backend, t.evalGraph); err != nil {
			return 0, nil, fmt.Errorf("model: eval: %w", err)
		}
		t.evalExec.SetMaxCache(64)
	}
	args := make([]any, 0, len(m.vals)+3+len(b.Extra))
	for _, v := range m.vals {
		args = append(args, v)
	}
	args = append(args, m.inputs(b)...)
	outs, err := t.evalExec.Call(args...)
	if err != nil {
		return 0, nil, fmt.Errorf("model: eval: %w", err)
	}
	loss = tensors.ToScalar[float32](outs[0])
	for _, o := range outs[1:] {
		metrics = append(metrics, tensors.ToScalar[float32](o))
	}
	return loss, metrics, nil
}

// lossGraph builds the forward pass and the loss from the weight nodes and
// the batch nodes (obs[, y0][, dy0], extra...).
func (t *Trainer) lossGraph(vars, batch []*graph.Node) (loss *graph.Node, metrics []*graph.Node) {
	m := t.m
	obs, y0, dy0, extra := m.batchNodes(batch)
	out := m.Build(vars, obs, y0, dy0)
	loss, metrics = t.loss(out, extra)
	if loss == nil || loss.Shape().Rank() != 0 {
		panic(errors.New("loss function must return a scalar loss"))
	}
	for i, mt := range metrics {
		metrics[i] = graph.StopGradient(graph.ConvertDType(graph.ReduceAllMean(mt), dtypes.Float32))
	}
	return graph.ConvertDType(loss, dtypes.Float32), metrics
}

func (t *Trainer) evalGraph(in []*graph.Node) []*graph.Node {
	nv := len(t.m.vals)
	loss, metrics := t.lossGraph(in[:nv], in[nv:])
	return append([]*graph.Node{loss}, metrics...)
}

func (t *Trainer) run(b Batch) (st StepStats, err error) {
	m := t.m
	if _, err := m.check(b); err != nil {
		return st, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	defer recoverTo(&err, "model: train step")
	if t.exec == nil {
		if t.exec, err = graph.NewExec(m.Backend, t.graph); err != nil {
			return st, fmt.Errorf("model: train step: %w", err)
		}
		t.exec.SetMaxCache(64)
	}
	nv := len(m.vals)
	if m.adamM == nil {
		p := m.Spec.Count()
		m.adamM = tensors.FromShape(shapes.Make(dtypes.Float32, p))
		m.adamV = tensors.FromShape(shapes.Make(dtypes.Float32, p))
	}
	o := m.Cfg.Optim
	step := m.step + 1
	lr := o.LR
	switch {
	case t.lrScale > 0:
		lr *= t.lrScale
	case o.DecaySteps > 0:
		lr *= math.Max(0, 1-float64(step-1)/float64(o.DecaySteps))
	}
	// The bias corrections fold into two scalars: lr/(1−β₁ᵗ) and 1/(1−β₂ᵗ).
	hyper := []float32{float32(lr / (1 - math.Pow(o.Beta1, float64(step)))), float32(1 / (1 - math.Pow(o.Beta2, float64(step))))}
	state := make([]*tensors.Tensor, 0, nv+2)
	state = append(append(state, m.vals...), m.adamM, m.adamV)
	batch := m.inputs(b)

	// Compile first so that a bad loss function or batch fails before the
	// state buffers are donated (a donated buffer is gone even on error).
	argShapes := make([]shapes.Shape, 0, len(state)+1+len(batch))
	for _, s := range state {
		argShapes = append(argShapes, s.Shape())
	}
	argShapes = append(argShapes, shapes.Make(dtypes.Float32, 2))
	for _, a := range batch {
		argShapes = append(argShapes, a.(*tensors.Tensor).Shape())
	}
	if _, err := t.exec.Compile(argShapes...); err != nil {
		return st, fmt.Errorf("model: train step: %w", err)
	}
	args := make([]any, 0, len(argShapes))
	for _, s := range state {
		d, err := graph.DonateTensorBuffer(s, m.Backend, 0)
		if err != nil {
			return st, fmt.Errorf("model: train step: donating state: %w", err)
		}
		args = append(args, d)
	}
	args = append(args, tensors.FromFlatDataAndDimensions(hyper, 2))
	args = append(args, batch...)
	outs, err := t.exec.Call(args...)
	if err != nil {
		err = errors.Join(err, errors.New("the weights were donated to the failed step and are lost; reload a checkpoint"))
		return st, fmt.Errorf("model: train step: %w", err)
	}
	copy(m.vals, outs[:nv])
	m.adamM, m.adamV = outs[nv], outs[nv+1]
	m.step = step
	scalars := outs[nv+2:]
	st = StepStats{Step: m.step, LR: float32(lr)}
	st.Loss = tensors.ToScalar[float32](scalars[0])
	st.GradNorm = tensors.ToScalar[float32](scalars[1])
	for _, s := range scalars[2:] {
		st.Metrics = append(st.Metrics, tensors.ToScalar[float32](s))
	}
	return st, nil
}

// graph builds one train step. Inputs: the nv weights, Adam m and v (flat,
// [P] each), hyper = [lr/(1−β₁ᵗ), 1/(1−β₂ᵗ)], then the batch. Outputs: new
// weights, m, v, then loss, gradient norm and the metrics.
//
// Adam runs on one flat vector of all gradients: the go backend pays per op,
// not per element, so ~15 ops on [P] beat ~15 ops on each weight tensor.
func (t *Trainer) graph(in []*graph.Node) []*graph.Node {
	m := t.m
	nv := len(m.vals)
	vars, am, av, hyper := in[:nv], in[nv], in[nv+1], in[nv+2]
	loss, metrics := t.lossGraph(vars, in[nv+3:])
	grads := graph.Gradient(loss, vars...)
	flat := make([]*graph.Node, nv)
	for i, g := range grads {
		flat[i] = graph.Reshape(g, -1)
	}
	g := graph.Concatenate(flat, 0) // [P]

	// Global norm ‖g‖, then clip.
	norm := graph.Sqrt(graph.ReduceAllSum(graph.Square(g)))
	if c := m.Cfg.Optim.ClipNorm; c > 0 {
		g = graph.Mul(g, graph.MinScalar(graph.Div(graph.Scalar(norm.Graph(), dtypes.Float32, c), graph.MaxScalar(norm, 1e-12)), 1))
	}
	o := m.Cfg.Optim
	lrBC1 := graph.Reshape(graph.Slice(hyper, graph.AxisElem(0)))
	invBC2 := graph.Reshape(graph.Slice(hyper, graph.AxisElem(1)))
	mi := graph.Add(graph.MulScalar(am, o.Beta1), graph.MulScalar(g, 1-o.Beta1))
	vi := graph.Add(graph.MulScalar(av, o.Beta2), graph.MulScalar(graph.Square(g), 1-o.Beta2))
	stepSize := graph.Div(graph.Mul(mi, lrBC1), graph.AddScalar(graph.Sqrt(graph.Mul(vi, invBC2)), o.Eps))
	outs := make([]*graph.Node, 0, nv+4+len(metrics))
	off := 0
	for _, v := range vars {
		n := v.Shape().Size()
		d := graph.Reshape(graph.Slice(stepSize, graph.AxisRange(off, off+n)), v.Shape().Dimensions...)
		outs = append(outs, graph.Sub(v, d))
		off += n
	}
	outs = append(outs, mi, vi, loss, norm)
	return append(outs, metrics...)
}

// MSE returns the mean of (pred − target)² over all elements.
func MSE(pred, target *graph.Node) *graph.Node {
	return graph.ReduceAllMean(graph.Square(graph.Sub(pred, target)))
}
