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

func TestAsEnvPolicyReplansEveryK(t *testing.T) {
	calls := 0
	pol := func(obs [][]float64) ([]float64, error) {
		calls++
		return []float64{float64(calls), 10 * float64(calls)}, nil // K=2 steps of A=1
	}
	p, errf := AsEnvPolicy(pol, 2, 1)
	p.Reset()
	var got []float64
	for range 4 {
		got = append(got, p.Act(nil)[0])
	}
	if calls != 2 || got[0] != 1 || got[1] != 10 || got[2] != 2 || got[3] != 20 || errf() != nil {
		t.Errorf("actions %v after %d queries", got, calls)
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
