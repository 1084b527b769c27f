package model_test

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/model"
)

func randF32(rng *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (rng.Float32()*2 - 1) * scale
	}
	return v
}

// BenchmarkDigitsStep times the digits NDP train step of `ndp bench engine`.
func BenchmarkDigitsStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	be := testBackend(b)
	if c := os.Getenv("NDP_BACKEND"); c != "" {
		var err error
		if be, err = backend.New(c); err != nil {
			b.Fatal(err)
		}
	}
	m, err := model.New(model.Config{Net: model.NetCNN, DoF: 2, ConvImpl: os.Getenv("NDP_CONV"), DMP: model.DMPConfig{N: 30, T: 300}}, be)
	if err != nil {
		b.Fatal(err)
	}
	tr := m.NewTrainer(model.TrajectoryMSE)
	const bs = 100
	batch := model.Batch{
		Obs: model.F32(randF32(rng, bs*28*28, 1), bs, 28, 28),
		Y0:  model.F32(randF32(rng, bs*2, 20), bs, 2), DY0: model.F32(make([]float32, bs*2), bs, 2),
		Extra: []*tensorT{model.F32(randF32(rng, bs*301*2, 20), bs, 301, 2)},
	}
	if _, err := tr.Step(batch); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	c0 := cpuTime()
	for range b.N {
		if _, err := tr.Step(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
}

// cpuTime returns the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkPolicyAct times the pure-Go batch-1 actor of `ndp bench engine`.
func BenchmarkPolicyAct(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := model.New(model.Config{ObsDim: 39, Hidden: []int{100, 100}, DoF: 7,
		DMP: model.DMPConfig{N: 6, T: 5, Substeps: 7}, Omega: "deltas"}, testBackend(b))
	if err != nil {
		b.Fatal(err)
	}
	p, err := m.Policy()
	if err != nil {
		b.Fatal(err)
	}
	obs, y0, dy0 := randF32(rng, 39, 1), randF32(rng, 7, 1), randF32(rng, 7, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Act(obs, y0, dy0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPPOStyleStep times an actor-critic step like NDP-PPO's: MLP-NDP
// actor (7 DoF, k = 5 deltas), critic with 5 value heads, Gaussian log-prob
// loss, minibatch 2048.
func BenchmarkPPOStyleStep(b *testing.B) {
	const B, D, k = 2048, 7, 5
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := model.New(model.Config{ObsDim: 39, Hidden: []int{100, 100}, DoF: D, ValueHeads: k,
		DMP: model.DMPConfig{N: 6, T: k, Substeps: 7}, Omega: "deltas",
		Extra: []model.ParamSpec{{Name: "log_std", Shape: []int{D}}}}, testBackend(b))
	if err != nil {
		b.Fatal(err)
	}
	tr := m.NewTrainer(func(out *model.Outputs, extra []*graph.Node) (*graph.Node, []*graph.Node) {
		logStd := graph.Reshape(out.Param("log_std"), 1, D, 1)
		z := graph.Div(graph.Sub(extra[0], out.Action), graph.Exp(logStd))
		logp := graph.Neg(graph.ReduceSum(graph.Add(graph.MulScalar(graph.Square(z), 0.5), logStd), 1)) // [B, k]
		return graph.Add(graph.Neg(graph.ReduceAllMean(logp)), model.MSE(out.Value, extra[1])), nil
	})
	batch := model.Batch{
		Obs: model.F32(randF32(rng, B*39, 1), B, 39),
		Y0:  model.F32(randF32(rng, B*D, 1), B, D), DY0: model.F32(randF32(rng, B*D, 1), B, D),
		Extra: []*tensorT{model.F32(randF32(rng, B*D*k, 0.1), B, D, k), model.F32(randF32(rng, B*k, 1), B, k)},
	}
	for b.Loop() {
		if _, err := tr.Step(batch); err != nil {
			b.Fatal(err)
		}
	}
}
