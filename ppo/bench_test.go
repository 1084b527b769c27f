package ppo

import (
	"fmt"
	"testing"

	"github.com/ndp-go/ndp/backend"
)

// BenchmarkMinibatchStep times one PPO optimiser step on a minibatch of the
// default size (push, 8 envs × 256 steps, 32 minibatches), per learner.
func BenchmarkMinibatchStep(b *testing.B) {
	be, err := backend.New("")
	if err != nil {
		b.Fatal(err)
	}
	for _, algo := range Algos() {
		for _, mbs := range []int{32, 1, 400} {
			b.Run(fmt.Sprintf("%s/minibatches=%d", algo, mbs), func(b *testing.B) {
				l, err := New(Config{Algo: algo, Task: "push", Seed: 1, Minibatches: mbs, TotalSteps: 1 << 20, DyneSamples: quickDyne}, be)
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				buf, _, err := l.collect()
				if err != nil {
					b.Fatal(err)
				}
				rows := l.Cfg.NumEnvs * l.Cfg.Decisions()
				adv, ret := make([]float32, len(buf.val)), make([]float32, len(buf.val))
				idx := l.rng.Perm(rows)[:rows/mbs]
				mb := l.minibatch(buf, adv, ret, idx)
				if _, err := l.trainer.Step(mb); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := l.trainer.Step(mb); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
