package agent

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
)

func TestSpecScalesPositionsToActionUnits(t *testing.T) {
	e, err := envs.Make("push")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := NewSpec(e, true, 5)
	if err != nil {
		t.Fatal(err)
	}
	if s.DoF() != 3 || s.ActDim != 4 || s.Scale[0] != envs.SawyerActionScale {
		t.Fatalf("spec %+v", s)
	}
	obs, _ := e.Reset(1)
	obs[7] = 0.2 // hand x velocity, m/s
	b := s.Batch([][]float64{obs}, nil)
	y0, _ := tensors.CopyFlatData[float32](b.Y0)
	dy0, _ := tensors.CopyFlatData[float32](b.DY0)
	if math.Abs(float64(y0[0])-obs[0]/0.01) > 1e-3 {
		t.Errorf("y0 = %v, want hand x / 0.01 = %v", y0[0], obs[0]/0.01)
	}
	// 0.2 m/s over K·dt = 5·12.5 ms of DMP time, in 1 cm units: 1.25.
	if math.Abs(float64(dy0[0])-0.2/0.01*5*0.0125) > 1e-4 {
		t.Errorf("ẏ0 = %v, want 1.25", dy0[0])
	}
}

func TestMeansLayout(t *testing.T) {
	ndp := Spec{NDP: true, K: 2, ActDim: 3, Pos: []int{0, 1}}
	// Action deltas [E=1, D=2, K=2]: dof 0 → (1, 2), dof 1 → (3, 4).
	res := &model.Result{Action: model.F32([]float32{1, 2, 3, 4}, 1, 2, 2)}
	m, err := ndp.Means(res, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 3, 0, 2, 4, 0} // [K][A]: step 0 then step 1; the third dim is not a DoF
	for i := range want {
		if m[i] != want[i] {
			t.Fatalf("means %v, want %v", m, want)
		}
	}
	res.Aux = model.F32([]float32{0.7}, 1, 1) // Φ's gripper output, held for both steps
	m, _ = ndp.Means(res, 1)
	if m[2] != float64(float32(0.7)) || m[5] != m[2] {
		t.Errorf("aux dims %v, %v, want 0.7", m[2], m[5])
	}
	raw := Spec{K: 2, ActDim: 2}
	if _, err := raw.Means(&model.Result{Head: model.F32([]float32{1, 2, 3}, 1, 3)}, 1); err == nil {
		t.Error("too few raw outputs: want an error")
	}
}

func TestEvaluateQueriesEveryKAndCallsHooks(t *testing.T) {
	cases := []struct {
		name               string
		episodes, parallel int
	}{{"one env", 3, 1}, {"parallel", 3, 2}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const K, steps = 2, 6
			queries, resets, stepsSeen := 0, map[int]int64{}, 0
			last := map[int][]float64{} // per env: the observation its next action is chosen from
			pol := func(obs [][]float64) ([]float64, error) {
				queries++
				return make([]float64, len(obs)*K*4), nil
			}
			res, err := Evaluate(EvalOptions{
				Episodes: c.episodes, Parallel: c.parallel, K: K, A: 4,
				Make:  func() (envs.Env, error) { return envs.Make("push", envs.WithMaxSteps(steps)) },
				Seeds: func(i int) int64 { return 100 + int64(i) },
				Reset: func(env, ep int, seed int64, obs []float64) error {
					resets[ep] = seed
					last[env] = obs
					return nil
				},
				Step: func(env, _ int, obs, a []float64, r StepResult) error {
					stepsSeen++
					if &obs[0] != &last[env][0] || len(a) != 4 {
						t.Errorf("step hook: obs is not the env's previous observation, or action of %d dims", len(a))
					}
					last[env] = r.Obs
					return nil
				},
			}, pol)
			if err != nil {
				t.Fatal(err)
			}
			if res.Episodes != c.episodes || res.Steps != c.episodes*steps || stepsSeen != res.Steps || res.Length != steps {
				t.Errorf("%d episodes, %d steps (%d hooked), length %v", res.Episodes, res.Steps, stepsSeen, res.Length)
			}
			batches := (c.episodes + c.parallel - 1) / c.parallel
			if queries != batches*steps/K {
				t.Errorf("%d policy queries, want %d", queries, batches*steps/K)
			}
			for ep := range c.episodes {
				if resets[ep] != 100+int64(ep) {
					t.Errorf("episode %d reset with seed %d", ep, resets[ep])
				}
			}
		})
	}
}

func TestFromEnvPolicyResetsAndRefusesBatches(t *testing.T) {
	p := envs.NewRandomPolicy(2, 1)
	pol, reset := FromEnvPolicy(p)
	if a, err := pol([][]float64{{0}}); err != nil || len(a) != 2 {
		t.Errorf("one observation: %v, %v", a, err)
	}
	if _, err := pol([][]float64{{0}, {0}}); err == nil {
		t.Error("two observations: want an error")
	}
	if err := reset(0, 0, 0, nil); err != nil {
		t.Error(err)
	}
}

func TestResetSeedStreamsDiffer(t *testing.T) {
	seen := map[int64]bool{}
	for stream := range 3 {
		for env := range 3 {
			for ep := range 3 {
				s := ResetSeed(7, stream, env, ep)
				if seen[s] || s < 0 {
					t.Fatalf("seed %d repeated or negative", s)
				}
				seen[s] = true
			}
		}
	}
}
