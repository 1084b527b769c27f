package ppo

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/model"
)

// logStdName is the model's extra trainable tensor holding log σ, shape [A];
// logStdParamsName holds log σ of params exploration, [HeadWidth].
const (
	logStdName       = "log_std"
	logStdParamsName = "log_std_params"
)

// modelConfig builds the network of cfg's algo for an env with obsDim
// observations, actDim actions and dof DMP-controlled position dims.
//
// A Dyn-E learner's Φ outputs the latent action, decoded by emb's frozen
// decoder (whose weights the caller copies in after model.New).
func modelConfig(cfg Config, obsDim, actDim, dof int, emb *dyne.Embedding) model.Config {
	mc := model.Config{
		Net: model.NetMLP, ObsDim: obsDim, Hidden: cfg.Hidden, Activation: "tanh",
		CriticHidden: cfg.Hidden, ValueHeads: cfg.K, SharedValue: cfg.SharedValue, Seed: cfg.Seed,
		Extra: []model.ParamSpec{{Name: logStdName, Shape: []int{actDim}, Init: cfg.InitLogStd}},
		Optim: model.OptimConfig{LR: cfg.LR, ClipNorm: cfg.MaxGradNorm, Eps: 1e-5},
	}
	switch cfg.Algo {
	case AlgoNDP:
		mc.SetControlNDP(dof, actDim-dof, model.DMPConfig{N: cfg.N, T: cfg.K, Substeps: cfg.Substeps, AlphaZ: cfg.AlphaZ,
			Kernel: cfg.Kernel, OnlyG: cfg.OnlyG, LearnAlphaZ: cfg.LearnAlphaZ}, cfg.WeightScale, cfg.GoalScale)
	case AlgoDyne:
		nc, dec := emb.DecoderConfig()
		mc.Head, mc.OutDim, mc.OutputScale = model.HeadRaw, emb.Latent, 1
		mc.Nets, mc.Decode = []model.NetConfig{nc}, dec
	default: // raw actions: k per decision
		mc.Head, mc.OutDim, mc.OutputScale = model.HeadRaw, cfg.K*actDim, 1
	}
	if cfg.Explore == ExploreParams {
		// σ starts at exp(InitLogStd) over the latent box [−1, 1]^L, as
		// PPO's over its actions; an NDP's at paramNoise of that.
		init := cfg.InitLogStd
		if cfg.Algo == AlgoNDP {
			init += math.Log(paramNoise)
		}
		mc.Extra = append(mc.Extra, model.ParamSpec{Name: logStdParamsName, Shape: []int{mc.HeadWidth()}, Init: init})
	}
	return mc
}

// Loss inputs, the order of model.Batch.Extra.
const (
	inAct     = iota // actions taken, [B, K, A]; params exploration: the sampled θ, [B, P]
	inLogpOld        // log-probs at collection, [B, K]
	inAdv            // advantages, [B, K]
	inRet            // returns, [B, K]
	inVOld           // values at collection, [B, K]
	inMask           // 1 for executed steps, 0 for steps cut off by an episode end, [B, K]
	numInputs
)

// Metric names of the loss, in the order lossFn returns them.
var lossMetrics = []string{"pg_loss", "v_loss", "entropy", "approx_kl", "clipfrac"}

// lossFn is the clipped PPO objective over all K sub-steps of each decision:
//
//	r_j = exp(log π(a_j|s) − log π_old(a_j|s))
//	L_pg = mean_j max(−A_j·r_j, −A_j·clip(r_j, 1−ε, 1+ε))
//	L_v  = ½·mean_j max((V_j − R_j)², (V_old,j + clip(V_j − V_old,j, −ε, ε) − R_j)²)
//	L    = L_pg − c_ent·H[π] + c_v·L_v
//
// where step j of a decision uses its own action mean and value head, and
// means are masked to the steps that were executed.
func lossFn(cfg Config, spec agent.Spec) model.LossFn {
	eps, A := cfg.ClipCoef, spec.ActDim
	return func(out *model.Outputs, in []*graph.Node) (*graph.Node, []*graph.Node) {
		g := out.Obs.Graph()
		var logp, logStd *graph.Node // [B, K]; the log σ the entropy is over
		if cfg.Explore == ExploreParams {
			// One log-probability per decision, of the sampled θ [B, P] in
			// Φ's units before OutputScale, shared by the decision's K steps.
			P := out.Param(logStdParamsName).Shape().Dimensions[0]
			ls := graph.Reshape(out.Param(logStdParamsName), 1, P)
			logStd = ls
			z := graph.Div(graph.MulScalar(graph.Sub(in[inAct], out.Head), 1/out.Model.Cfg.OutputScale), graph.Exp(ls))
			lp := graph.ReduceSum(graph.Sub(graph.MulScalar(graph.Square(z), -0.5), graph.AddScalar(ls, 0.5*math.Log(2*math.Pi))), 1) // [B]
			B := lp.Shape().Dimensions[0]
			logp = graph.BroadcastToDims(graph.Reshape(lp, B, 1), B, cfg.K)
		} else {
			mean := spec.MeanNode(out)
			ls := graph.Reshape(out.Param(logStdName), 1, 1, A)
			logStd = ls
			z := graph.Div(graph.Sub(in[inAct], mean), graph.Exp(ls))
			logp = graph.ReduceSum(graph.Sub(graph.MulScalar(graph.Square(z), -0.5), graph.AddScalar(ls, 0.5*math.Log(2*math.Pi))), 2) // [B, K]
		}
		mask := in[inMask]
		count := graph.MaxScalar(graph.ReduceAllSum(mask), 1)
		masked := func(x *graph.Node) *graph.Node { return graph.Div(graph.ReduceAllSum(graph.Mul(x, mask)), count) }

		logRatio := graph.Sub(logp, in[inLogpOld])
		ratio := graph.Exp(logRatio)
		adv := in[inAdv]
		pg := masked(graph.Max(graph.Mul(graph.Neg(adv), ratio), graph.Mul(graph.Neg(adv), graph.ClipScalar(ratio, 1-eps, 1+eps))))

		v := out.Value // [B, K]
		vErr := graph.Square(graph.Sub(v, in[inRet]))
		if !cfg.NoClipValue {
			vClip := graph.Add(in[inVOld], graph.ClipScalar(graph.Sub(v, in[inVOld]), -eps, eps))
			vErr = graph.Max(vErr, graph.Square(graph.Sub(vClip, in[inRet])))
		}
		vLoss := graph.MulScalar(masked(vErr), 0.5)
		entropy := graph.ReduceAllSum(graph.AddScalar(logStd, 0.5+0.5*math.Log(2*math.Pi)))
		loss := graph.Add(graph.Sub(pg, graph.MulScalar(entropy, math.Max(cfg.EntCoef, 0))), graph.MulScalar(vLoss, cfg.VfCoef))

		kl := masked(graph.Sub(graph.Sub(ratio, graph.OnesLike(ratio)), logRatio))
		clipped := graph.ConvertDType(graph.GreaterThan(graph.Abs(graph.Sub(ratio, graph.OnesLike(ratio))), graph.Scalar(g, dtypes.Float32, eps)), dtypes.Float32)
		return loss, []*graph.Node{pg, vLoss, entropy, kl, masked(clipped)}
	}
}
