package envs

import (
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time of the calling thread (who=1, RUSAGE_THREAD)
// or of the whole process (who=0). On a shared machine wall-clock rates
// depend on other load; CPU-time rates do not, much.
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Benchmarks report env steps per second (physics with frame skip plus
// observation and reward), with uniformly random actions and resets
// included. steps/s is wall clock; steps/cpu-s divides by the CPU time used.
// Run: go test -run '^$' -bench . ./envs/
func BenchmarkStep(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			e := mustMake(b, name)
			rng := rand.New(rand.NewPCG(1, 2))
			acts := make([][]float64, 64)
			for i := range acts {
				acts[i] = randomActions(rng, e.ActDim())
			}
			if _, err := e.Reset(0); err != nil {
				b.Fatal(err)
			}
			i := 0
			c0 := cpuTime(1)
			for b.Loop() {
				_, _, done, _, err := e.Step(acts[i%len(acts)])
				if err != nil {
					b.Fatal(err)
				}
				i++
				if done {
					if _, err := e.Reset(int64(i)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(i)/(cpuTime(1)-c0).Seconds(), "steps/cpu-s")
		})
	}
}

// BenchmarkPoolStep steps 8 envs on 2 persistent workers (the 2-core
// figure), as training and evaluation do through agent.Stepper.
func BenchmarkPoolStep(b *testing.B) {
	const n, workers = 8, 2
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			es := make([]Env, n)
			errs := make([]error, n)
			rng := rand.New(rand.NewPCG(1, 2))
			acts := make([][]float64, n)
			for i := range es {
				e, err := Make(name)
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				if _, err := e.Reset(int64(i)); err != nil {
					b.Fatal(err)
				}
				es[i], acts[i] = e, randomActions(rng, e.ActDim())
			}
			pool := NewPool(n, workers)
			defer pool.Close()
			step := func(i int) {
				_, _, done, info, err := es[i].Step(acts[i])
				if err == nil && done {
					_, err = es[i].Reset(int64(info.Step))
				}
				errs[i] = err
			}
			steps := 0
			c0 := cpuTime(0)
			for b.Loop() {
				pool.Run(step)
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
				steps += n
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(steps)/(cpuTime(0)-c0).Seconds(), "steps/cpu-s")
		})
	}
}
