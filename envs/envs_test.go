package envs

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ndp-go/ndp/mujoco"
)

var allTasks = []struct {
	name            string
	obs, act, steps int
	posLen          int
}{
	{"faucet", SawyerObsDim, SawyerActDim, SawyerMaxSteps, 3},
	{"pick", JacoObsDim, JacoActDim, JacoMaxSteps, 9},
	{"push", SawyerObsDim, SawyerActDim, SawyerMaxSteps, 3},
	{"soccer", SawyerObsDim, SawyerActDim, SawyerMaxSteps, 3},
	{"throw", JacoObsDim, JacoActDim, JacoMaxSteps, 9},
}

func mustMake(t testing.TB, name string, opts ...Option) Env {
	t.Helper()
	e, err := Make(name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func TestRegistry(t *testing.T) {
	want := []string{"faucet", "faucet-torque", "faucet-vices", "pick", "pick-torque", "pick-vices", "push", "push-easy", "push-easy-torque", "push-easy-vices", "push-torque", "push-vices", "soccer", "soccer-torque", "soccer-vices", "throw", "throw-torque", "throw-vices"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if _, err := Make("juggle"); !errors.Is(err, ErrUnknownTask) {
		t.Errorf("Make(juggle) err = %v", err)
	}
	if _, err := Make("push", WithRewardDelay(0)); err == nil {
		t.Error("reward delay 0 accepted")
	}
	if _, err := Make("push", WithMaxSteps(-1)); err == nil {
		t.Error("negative max steps accepted")
	}
	if _, err := Scripted("juggle"); err == nil {
		t.Error("Scripted(juggle) succeeded")
	}
}

func TestDimsAndLayout(t *testing.T) {
	for _, tc := range allTasks {
		t.Run(tc.name, func(t *testing.T) {
			e := mustMake(t, tc.name)
			if e.Name() != tc.name || e.ObsDim() != tc.obs || e.ActDim() != tc.act || e.MaxSteps() != tc.steps {
				t.Fatalf("got %s obs=%d act=%d steps=%d", e.Name(), e.ObsDim(), e.ActDim(), e.MaxSteps())
			}
			l := e.Layout()
			if len(l.Position) != tc.posLen || len(l.Velocity) != tc.posLen {
				t.Errorf("layout position %v velocity %v", l.Position, l.Velocity)
			}
			for name, r := range l.Fields {
				if r[0] < 0 || r[1] > tc.obs || r[0] >= r[1] {
					t.Errorf("field %s range %v", name, r)
				}
			}
			obs, err := e.Reset(1)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs) != tc.obs {
				t.Fatalf("obs len %d", len(obs))
			}
			for i, v := range obs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("obs[%d] = %v", i, v)
				}
			}
		})
	}
}

func randomActions(rng *rand.Rand, n int) []float64 {
	a := make([]float64, n)
	for i := range a {
		a[i] = 2*rng.Float64() - 1
	}
	return a
}

func TestDeterministic(t *testing.T) {
	for _, tc := range allTasks {
		t.Run(tc.name, func(t *testing.T) {
			run := func() []float64 {
				e := mustMake(t, tc.name)
				rng := rand.New(rand.NewPCG(7, 7))
				obs, err := e.Reset(42)
				if err != nil {
					t.Fatal(err)
				}
				out := append([]float64(nil), obs...)
				for i := 0; i < 20; i++ {
					obs, r, _, _, err := e.Step(randomActions(rng, e.ActDim()))
					if err != nil {
						t.Fatal(err)
					}
					out = append(append(out, obs...), r)
				}
				return out
			}
			if a, b := run(), run(); !slices.Equal(a, b) {
				t.Error("same seed gave different trajectories")
			}
			e := mustMake(t, tc.name)
			o1, _ := e.Reset(1)
			o2, _ := e.Reset(2)
			if slices.Equal(o1, o2) {
				t.Error("different seeds gave the same start")
			}
		})
	}
}

func TestBadActions(t *testing.T) {
	e := mustMake(t, "push", WithMaxSteps(3))
	if _, _, _, _, err := e.Step([]float64{0, 0, 0, 0}); !errors.Is(err, ErrNeedsReset) {
		t.Errorf("step before reset: %v", err)
	}
	obs0, err := e.Reset(3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		action []float64
	}{
		{"nan", []float64{math.NaN(), 0, 0, 0}},
		{"inf", []float64{0, math.Inf(-1), 0, 0}},
		{"short", []float64{0, 0, 0}},
		{"long", []float64{0, 0, 0, 0, 0}},
		{"nil", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, _, err := e.Step(tc.action); !errors.Is(err, ErrBadAction) {
				t.Errorf("err = %v, want ErrBadAction", err)
			}
		})
	}
	// Rejected actions were not applied: the hand has not moved.
	d, err := Sim(e)
	if err != nil {
		t.Fatal(err)
	}
	if mp := d.MocapPos(); mp[0] != obs0[0] || d.Time() != 0 {
		t.Errorf("rejected action changed the state: mocap %v time %v", mp[:3], d.Time())
	}
	_, _, _, info, err := e.Step([]float64{5, -5, 0, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if info.ClippedActions != 2 {
		t.Errorf("clipped = %d, want 2", info.ClippedActions)
	}
	if mp := d.MocapPos(); math.Abs(mp[0]-obs0[0]-SawyerActionScale) > 1e-9 {
		t.Errorf("clipped action moved mocap by %v", mp[0]-obs0[0])
	}
	e.Step([]float64{0, 0, 0, 0})
	_, _, done, info, err := e.Step([]float64{0, 0, 0, 0})
	if err != nil || !done || !info.Truncated || info.Step != 3 {
		t.Errorf("time limit: done=%v info=%+v err=%v", done, info, err)
	}
	if _, _, _, _, err := e.Step([]float64{0, 0, 0, 0}); !errors.Is(err, ErrNeedsReset) {
		t.Errorf("step after done: %v", err)
	}
}

// TestUnstableTruncates poisons the simulator: MuJoCo silently resets on NaN,
// and the env must flag the episode as unstable and end it.
func TestUnstableTruncates(t *testing.T) {
	for _, name := range []string{"push", "pick"} {
		t.Run(name, func(t *testing.T) {
			e := mustMake(t, name)
			if _, err := e.Reset(0); err != nil {
				t.Fatal(err)
			}
			d, _ := Sim(e)
			d.QVel()[0] = math.NaN()
			_, _, done, info, err := e.Step(make([]float64, e.ActDim()))
			if err != nil {
				t.Fatal(err)
			}
			if !done || !info.Unstable || !info.Truncated {
				t.Errorf("done=%v info=%+v", done, info)
			}
			if _, _, _, _, err := e.Step(make([]float64, e.ActDim())); !errors.Is(err, ErrNeedsReset) {
				t.Errorf("stepping an unstable episode: %v", err)
			}
		})
	}
}

func TestRewardDelay(t *testing.T) {
	const k = 4
	e := mustMake(t, "push", WithRewardDelay(k))
	ref := mustMake(t, "push")
	obs, _ := e.Reset(5)
	ref.Reset(5)
	p, _ := Scripted("push")
	var last float64
	for i := 1; i <= 20; i++ {
		a := p.Act(obs)
		var r, rr float64
		obs, r, _, _, _ = e.Step(a)
		_, rr, _, _, _ = ref.Step(a)
		if i%k == 0 {
			if r != rr {
				t.Errorf("step %d: refreshed reward %v != dense %v", i, r, rr)
			}
		} else if i > k && r != last {
			t.Errorf("step %d: delayed reward changed between refreshes", i)
		}
		last = r
	}
}

func TestSawyerHandTracksMocap(t *testing.T) {
	e := mustMake(t, "push")
	obs, _ := e.Reset(0)
	d, _ := Sim(e)
	for i := 0; i < 15; i++ {
		obs, _, _, _, _ = e.Step([]float64{1, 0.5, 0.3, 0})
	}
	// Moving at full speed (0.8 m/s) the weld lags a little; at rest it must
	// sit on the target.
	for i := 0; i < 5; i++ {
		obs, _, _, _, _ = e.Step([]float64{0, 0, 0, 0})
	}
	mp := d.MocapPos()
	if dist := norm3(obs[0:3], mp[0:3]); dist > 0.005 {
		t.Errorf("hand %.3f is %.3f m from its mocap target %.3f", obs[0:3], dist, mp[0:3])
	}
}

func TestInverseDynamics(t *testing.T) {
	e := mustMake(t, "pick")
	e.Reset(0)
	e.Step(make([]float64, 9))
	d, _ := Sim(e)
	nv := d.Model().NV()
	before := append([]float64(nil), d.QPos()...)
	// Zero acceleration at rest: the torque must hold the arm against gravity.
	tau, err := InverseDynamics(e, make([]float64, nv))
	if err != nil {
		t.Fatal(err)
	}
	if len(tau) != nv || math.Abs(tau[1]) < 1e-3 {
		t.Errorf("tau = %v", tau)
	}
	if !slices.Equal(before, d.QPos()) {
		t.Error("inverse dynamics disturbed the episode")
	}
	if _, err := InverseDynamics(e, make([]float64, 2)); err == nil {
		t.Error("wrong qacc length accepted")
	}
}

func TestFixedResetRepeatsTheLayout(t *testing.T) {
	e, err := Make("push", WithFixedReset(3))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	a, _ := e.Reset(1)
	b, _ := e.Reset(2)
	if !slices.Equal(a, b) {
		t.Error("fixed reset: different seeds gave different layouts")
	}
	f, _ := Make("push")
	defer f.Close()
	c, _ := f.Reset(1)
	d, _ := f.Reset(2)
	if slices.Equal(c, d) {
		t.Error("without the option, seeds 1 and 2 gave the same layout")
	}
}

// TestSnapshotResumesExactly: an env restored from another's mid-episode
// snapshot continues bit for bit like the original, for every task.
func TestSnapshotResumesExactly(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			a, b := mustMake(t, name), mustMake(t, name)
			rng := rand.New(rand.NewPCG(3, 4))
			if _, err := a.Reset(11); err != nil {
				t.Fatal(err)
			}
			for range 7 {
				if _, _, _, _, err := a.Step(randomActions(rng, a.ActDim())); err != nil {
					t.Fatal(err)
				}
			}
			snap, err := a.(Snapshotter).Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Reset(99); err != nil { // a different episode, overwritten
				t.Fatal(err)
			}
			if err := b.(Snapshotter).RestoreSnapshot(snap); err != nil {
				t.Fatal(err)
			}
			for i := range 30 {
				act := randomActions(rng, a.ActDim())
				oa, ra, da, ia, errA := a.Step(act)
				ob, rb, db, ib, errB := b.Step(act)
				if (errA == nil) != (errB == nil) || ra != rb || da != db || ia != ib || !slices.Equal(oa, ob) {
					t.Fatalf("step %d after restore: (%v %v %v %+v %v) vs original (%v %v %v %+v %v)", i, ob, rb, db, ib, errB, oa, ra, da, ia, errA)
				}
				if da {
					break
				}
			}
			if err := b.(Snapshotter).RestoreSnapshot(snap[:10]); err == nil {
				t.Error("a truncated snapshot was accepted")
			}
		})
	}
}

func TestRegisterRefusesTakenNames(t *testing.T) {
	if err := Register("push", func(Settings) (Env, error) { return nil, nil }); err == nil {
		t.Error("registering over a built-in task: want an error")
	}
	if err := Register("", nil); err == nil {
		t.Error("no name: want an error")
	}
}

func TestStepAfterCloseAndRejectedActions(t *testing.T) {
	e := mustMake(t, "push")
	if _, err := e.Reset(1); err != nil {
		t.Fatal(err)
	}
	_, _, _, info, err := e.Step([]float64{2, 0, 0, 0})
	if err != nil || info.ClippedActions != 1 {
		t.Fatalf("clipped step: %v, %d clipped", err, info.ClippedActions)
	}
	if _, _, _, _, err := e.Step([]float64{5, math.NaN(), 0, 0}); !errors.Is(err, ErrBadAction) {
		t.Fatalf("NaN action: %v", err)
	}
	_, _, _, info, _ = e.Step([]float64{0, 0, 0, 0})
	if info.ClippedActions != 1 {
		t.Errorf("a rejected action counted as clipped: %d", info.ClippedActions)
	}
	e.Close()
	if _, _, _, _, err := e.Step([]float64{0, 0, 0, 0}); !errors.Is(err, mujoco.ErrClosed) {
		t.Errorf("step after close: %v", err)
	}
}
