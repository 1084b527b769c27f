package dyne

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/model"
)

// Net names inside the embedding model (Φ is the encoder).
const (
	DecoderNet  = "decoder"
	dynamicsNet = "dynamics"
)

// Aux keys of the saved embedding.
const (
	auxShift = "dyne/shift"
	auxScale = "dyne/scale"
	auxShape = "dyne/shape" // K, ActDim, ObsDim, Latent, Hidden
)

// Embedding is a trained action embedding. Model's Φ is the encoder (input
// a k-step action sequence [K·ActDim], output μ and log σ², [2·Latent]); its
// nets are the dynamics predictor and the decoder.
type Embedding struct {
	Model                          *model.Model
	K, ActDim, ObsDim, Latent, Hid int
	Shift, Scale                   []float64 // the latent box: z = Shift + Scale⊙u, u ∈ [−1, 1]^L, [L]
	Held                           Scores    // held-out scores after training (zero after Load)
	Steps                          int       // Adam steps of training
	TrainSeconds                   float64
}

// Scores are mean squared errors on held-out windows, each beside the error
// of the best constant (the training mean), so that < 1 relative means the
// embedding carries information.
type Scores struct {
	Windows        int     // held-out windows scored
	Dynamics       float64 // ‖f(s_t, μ(a)) − Δs‖² per standardised state dim
	DynamicsConst  float64 // the same for the constant prediction: the training mean of Δs
	Recon          float64 // ‖tanh(d(μ(a))) − a‖² per action entry
	ReconConst     float64 // the same for the training mean action sequence
	KL             float64 // mean KL(q ‖ N(0, I)) per window
	DynamicsRelErr float64 // Dynamics / DynamicsConst
	ReconRelErr    float64 // Recon / ReconConst
}

// Train fits an embedding to data on backend b.
func Train(b compute.Backend, data *Data, cfg Config) (*Embedding, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if data.K != cfg.K {
		return nil, fmt.Errorf("dyne: data has %d-step windows, config k = %d", data.K, cfg.K)
	}
	L := cfg.Latent
	if L == 0 {
		L = data.ActDim
	}
	O, KA, H := data.ObsDim, data.K*data.ActDim, cfg.Hidden
	mc := model.Config{
		Net: model.NetMLP, ObsDim: KA, Hidden: []int{H, H}, Activation: "tanh", Head: model.HeadRaw, OutDim: 2 * L, Seed: cfg.Seed,
		Nets: []model.NetConfig{
			{Name: dynamicsNet, Sizes: []int{O + L, H, H, O}},
			{Name: DecoderNet, Sizes: []int{L, H, H, KA}},
		},
		Optim: model.OptimConfig{LR: cfg.LR},
	}
	m, err := model.New(mc, b)
	if err != nil {
		return nil, fmt.Errorf("dyne: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xe4b))
	trainIdx, heldIdx := data.split(rng)
	e := &Embedding{Model: m, K: data.K, ActDim: data.ActDim, ObsDim: O, Latent: L, Hid: H}
	delta := deltas(data)
	sObs, sDelta := fitStandardiser(data.Obs, O, trainIdx), fitStandardiser(delta, O, trainIdx)
	batch := func(rows []int, noise bool) model.Batch {
		B := len(rows)
		act, eps := make([]float32, B*KA), make([]float32, B*L)
		s, ds := make([]float32, B*O), make([]float32, B*O)
		for i, r := range rows {
			for j := range KA {
				act[i*KA+j] = float32(data.Act[r*KA+j])
			}
			for j := range O {
				s[i*O+j] = float32((data.Obs[r*O+j] - sObs.mean[j]) / sObs.std[j])
				ds[i*O+j] = float32((delta[r*O+j] - sDelta.mean[j]) / sDelta.std[j])
			}
			if noise {
				for j := range L {
					eps[i*L+j] = float32(rng.NormFloat64())
				}
			}
		}
		return model.Batch{Obs: model.F32(act, B, KA), Extra: []*tensors.Tensor{model.F32(eps, B, L), model.F32(s, B, O), model.F32(ds, B, O)}}
	}
	tr := m.NewTrainer(loss(L, cfg.KL))
	start := time.Now()
	for range cfg.Epochs {
		rng.Shuffle(len(trainIdx), func(i, j int) { trainIdx[i], trainIdx[j] = trainIdx[j], trainIdx[i] })
		for lo := 0; lo+cfg.Batch <= len(trainIdx); lo += cfg.Batch {
			st, err := tr.Step(batch(trainIdx[lo:lo+cfg.Batch], true))
			if err != nil {
				return nil, fmt.Errorf("dyne: training: %w", err)
			}
			if math.IsNaN(float64(st.Loss)) || math.IsInf(float64(st.Loss), 0) {
				return nil, fmt.Errorf("dyne: training diverged at step %d (loss %v)", st.Step, st.Loss)
			}
			e.Steps = int(st.Step)
		}
	}
	e.TrainSeconds = time.Since(start).Seconds()
	if err := e.score(tr, data, trainIdx, heldIdx, batch); err != nil {
		return nil, err
	}
	if err := e.fitBox(data, trainIdx); err != nil {
		return nil, err
	}
	m.SetAux(auxShift, e.Shift)
	m.SetAux(auxScale, e.Scale)
	m.SetAux(auxShape, []float64{float64(e.K), float64(e.ActDim), float64(e.ObsDim), float64(L), float64(H)})
	return e, nil
}

// loss is the embedding objective of the package comment; its metrics are
// the dynamics error, the reconstruction error and the KL, in that order.
func loss(L int, beta float64) model.LossFn {
	return func(out *model.Outputs, in []*graph.Node) (*graph.Node, []*graph.Node) {
		eps, s, ds := in[0], in[1], in[2]
		mu := graph.Slice(out.Head, graph.AxisRange(), graph.AxisRange(0, L))
		logVar := graph.ClipScalar(graph.Slice(out.Head, graph.AxisRange(), graph.AxisRange(L, 2*L)), -12, 6)
		z := graph.Add(mu, graph.Mul(graph.Exp(graph.MulScalar(logVar, 0.5)), eps))
		pred := out.Net(dynamicsNet, graph.Concatenate([]*graph.Node{s, z}, 1))
		dyn := graph.ReduceAllMean(graph.Square(graph.Sub(pred, ds)))
		kl := graph.ReduceAllMean(graph.MulScalar(graph.ReduceSum(
			graph.Sub(graph.Add(graph.OnePlus(logVar), graph.Neg(graph.Square(mu))), graph.Exp(logVar)), 1), -0.5))
		rec := graph.Tanh(out.Net(DecoderNet, graph.StopGradient(mu)))
		recErr := graph.ReduceAllMean(graph.Square(graph.Sub(rec, out.Obs)))
		total := graph.Add(graph.Add(dyn, graph.MulScalar(kl, beta)), recErr)
		return total, []*graph.Node{dyn, recErr, kl}
	}
}

// score fills e.Held: the errors on the held-out windows with z = μ (no
// sampling noise), beside the constant predictors fitted on trainIdx.
func (e *Embedding) score(tr *model.Trainer, data *Data, trainIdx, heldIdx []int, batch func([]int, bool) model.Batch) error {
	KA, O := e.K*e.ActDim, e.ObsDim
	var dyn, rec, kl float64
	for lo := 0; lo < len(heldIdx); lo += 1024 {
		rows := heldIdx[lo:min(lo+1024, len(heldIdx))]
		_, mt, err := tr.Eval(batch(rows, false))
		if err != nil {
			return fmt.Errorf("dyne: scoring: %w", err)
		}
		w := float64(len(rows))
		dyn, rec, kl = dyn+w*float64(mt[0]), rec+w*float64(mt[1]), kl+w*float64(mt[2])
	}
	n := float64(len(heldIdx))
	// The constant predictors: the training mean of the standardised Δs is 0
	// by construction, so its error is the held-out second moment; the
	// action constant is the training mean sequence.
	meanAct := make([]float64, KA)
	for _, r := range trainIdx {
		for j := range KA {
			meanAct[j] += data.Act[r*KA+j] / float64(len(trainIdx))
		}
	}
	sDelta := fitStandardiser(deltas(data), O, trainIdx)
	var dc, rc float64
	for _, r := range heldIdx {
		for j := range O {
			v := (data.Next[r*O+j] - data.Obs[r*O+j] - sDelta.mean[j]) / sDelta.std[j]
			dc += v * v / float64(O)
		}
		for j := range KA {
			v := data.Act[r*KA+j] - meanAct[j]
			rc += v * v / float64(KA)
		}
	}
	e.Held = Scores{Windows: len(heldIdx), Dynamics: dyn / n, DynamicsConst: dc / n, Recon: rec / n, ReconConst: rc / n, KL: kl / n}
	e.Held.DynamicsRelErr, e.Held.ReconRelErr = e.Held.Dynamics/e.Held.DynamicsConst, e.Held.Recon/e.Held.ReconConst
	return nil
}

func deltas(d *Data) []float64 {
	out := make([]float64, len(d.Obs))
	for i := range out {
		out[i] = d.Next[i] - d.Obs[i]
	}
	return out
}

// fitBox sets Shift and Scale from the codes μ(a) of the training windows:
// mean and 3·std per latent dim.
func (e *Embedding) fitBox(data *Data, rows []int) error {
	KA, L := e.K*e.ActDim, e.Latent
	sum, sq := make([]float64, L), make([]float64, L)
	for lo := 0; lo < len(rows); lo += 4096 {
		part := rows[lo:min(lo+4096, len(rows))]
		act := make([]float32, len(part)*KA)
		for i, r := range part {
			for j := range KA {
				act[i*KA+j] = float32(data.Act[r*KA+j])
			}
		}
		res, err := e.Model.Forward(model.Batch{Obs: model.F32(act, len(part), KA)})
		if err != nil {
			return fmt.Errorf("dyne: encoding: %w", err)
		}
		head, err := tensors.CopyFlatData[float32](res.Head)
		if err != nil {
			return err
		}
		for i := range part {
			for l := range L {
				v := float64(head[i*2*L+l])
				sum[l] += v
				sq[l] += v * v
			}
		}
	}
	n := float64(len(rows))
	e.Shift, e.Scale = make([]float64, L), make([]float64, L)
	for l := range L {
		mean := sum[l] / n
		std := math.Sqrt(math.Max(sq[l]/n-mean*mean, 0))
		e.Shift[l], e.Scale[l] = mean, 3*math.Max(std, 1e-6)
	}
	return nil
}

// DecoderConfig is the frozen decoder net and the Decode map a policy of
// OutDim Latent needs to act through this embedding; copy the weights with
// model.CopyNet(e.Model, DecoderNet) after building the policy.
func (e *Embedding) DecoderConfig() (model.NetConfig, *model.Decode) {
	return model.NetConfig{Name: DecoderNet, Sizes: []int{e.Latent, e.Hid, e.Hid, e.K * e.ActDim}, Frozen: true},
		&model.Decode{Net: DecoderNet, Shift: append([]float64(nil), e.Shift...), Scale: append([]float64(nil), e.Scale...)}
}

// Save writes the embedding (a model checkpoint with the latent box in its
// aux state) to path, atomically.
func (e *Embedding) Save(path string) error { return e.Model.Save(path) }

// Load reads an embedding written by [Embedding.Save].
func Load(path string, b compute.Backend) (*Embedding, error) {
	m, err := model.Load(path, b)
	if err != nil {
		return nil, fmt.Errorf("dyne: %w", err)
	}
	shape, shift, scale := m.Aux(auxShape), m.Aux(auxShift), m.Aux(auxScale)
	if len(shape) != 5 || len(shift) != int(shape[3]) || len(scale) != int(shape[3]) {
		return nil, fmt.Errorf("dyne: %s is not a Dyn-E embedding (no latent box in its aux state)", path)
	}
	e := &Embedding{Model: m, K: int(shape[0]), ActDim: int(shape[1]), ObsDim: int(shape[2]), Latent: int(shape[3]), Hid: int(shape[4]),
		Shift: shift, Scale: scale}
	nc, dec := e.DecoderConfig()
	cfg := m.Cfg
	cfg.Nets, cfg.Decode, cfg.Head, cfg.OutDim = []model.NetConfig{nc}, dec, model.HeadRaw, e.Latent
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dyne: %s: %w", path, err)
	}
	return e, nil
}
