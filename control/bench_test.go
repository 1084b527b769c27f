package control

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkTick runs the dense control loop (policy query every
// K·TicksPerStep ticks, amortised, plus one DMP tick per setpoint) for the
// network sizes ppo trains, at about 5 kHz setpoints (Sawyer: 63 physics
// steps per 12.5 ms env step; Jaco: 100 per 20 ms). Each tick is timed into
// a preallocated slice; it reports setpoints per second of CPU time and the
// 50th/99th percentile and maximum tick time. Run it on one core:
//
//	go test -run '^$' -bench Tick -cpu 1 ./control/
func BenchmarkTick(b *testing.B) {
	for _, bc := range []struct {
		name             string
		obs, dof, aux, k int
		ticks            int
	}{
		{"sawyer-16-64-64-22-5kHz", 16, 3, 1, 5, 63},
		{"jaco-30-64-64-63-5kHz", 30, 9, 0, 5, 100},
		{"sawyer-1kHz", 16, 3, 1, 5, 13},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := ppoModel(b, bc.obs, bc.dof, bc.aux, bc.k, false)
			pol, err := m.Policy()
			if err != nil {
				b.Fatal(err)
			}
			rt, err := New(pol, testConfig(b, m, bc.obs, bc.ticks))
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			obs, cmd, sp := randObs(rng, bc.obs), randObs(rng, bc.dof), make([]float64, bc.dof)
			durs := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				t0 := time.Now()
				if err := rt.Control(obs, cmd, sp); err != nil {
					b.Fatal(err)
				}
				durs[i] = time.Since(t0)
			}
			total := time.Since(start)
			b.StopTimer()
			slices.Sort(durs)
			pct := func(p float64) float64 {
				return float64(durs[min(len(durs)-1, int(p*float64(len(durs))))].Nanoseconds()) / 1e3
			}
			b.ReportMetric(float64(b.N)/total.Seconds(), "setpoints/s")
			b.ReportMetric(pct(0.5), "p50-µs")
			b.ReportMetric(pct(0.99), "p99-µs")
			b.ReportMetric(float64(durs[len(durs)-1].Nanoseconds())/1e3, "max-µs")
		})
	}
}

// BenchmarkQuery times one policy query (Φ forward + stepper reset) alone.
func BenchmarkQuery(b *testing.B) {
	m := ppoModel(b, 30, 9, 0, 5, false)
	pol, err := m.Policy()
	if err != nil {
		b.Fatal(err)
	}
	rt, err := New(pol, testConfig(b, m, 30, 100))
	if err != nil {
		b.Fatal(err)
	}
	obs, cmd := randObs(rand.New(rand.NewPCG(1, 1)), 30), make([]float64, 9)
	b.ReportAllocs()
	for b.Loop() {
		if err := rt.Decide(obs, cmd); err != nil {
			b.Fatal(err)
		}
	}
}
