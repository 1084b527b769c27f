package envs

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestWithControlHz(t *testing.T) {
	for _, tc := range []struct {
		task    string
		hz      float64
		wantN   int
		wantHz  float64
		wantErr bool
	}{
		{"push", 0, 5, 400, false}, // no option: the task's own rate
		{"push", 400, 5, 400, false},
		{"push", 500, 6, 480, false},
		{"push", 1000, 13, 1040, false},
		{"push", 5000, 63, 5040, false},
		{"throw", 500, 10, 500, false},
		{"pick", 1000, 20, 1000, false},
		{"pick", 5000, 100, 5000, false},
		{"push", 50, 0, 0, true}, // nearest is 1 step = 80 Hz
		{"push", -1, 0, 0, true},
		{"push", math.NaN(), 0, 0, true},
		{"push", math.Inf(1), 0, 0, true},
		{"pick", 1e6, 0, 0, true},
	} {
		var opts []Option
		if tc.hz != 0 {
			opts = append(opts, WithControlHz(tc.hz))
		}
		e, err := Make(tc.task, opts...)
		if tc.wantErr {
			if err == nil {
				e.Close()
				t.Errorf("%s at %v Hz: want an error", tc.task, tc.hz)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s at %v Hz: %v", tc.task, tc.hz, err)
		}
		de := e.(DenseEnv)
		ref, _ := Make(tc.task)
		if n := de.PhysicsSteps(); n != tc.wantN {
			t.Errorf("%s at %v Hz: %d physics steps, want %d", tc.task, tc.hz, n, tc.wantN)
		}
		if hz := de.ControlHz(); math.Abs(hz-tc.wantHz) > 1e-6 {
			t.Errorf("%s at %v Hz: achieved %v Hz, want %v", tc.task, tc.hz, hz, tc.wantHz)
		}
		if a, b := e.(interface{ Dt() float64 }).Dt(), ref.(interface{ Dt() float64 }).Dt(); math.Abs(a-b) > 1e-12 {
			t.Errorf("%s at %v Hz: env step %v s, want %v s", tc.task, tc.hz, a, b)
		}
		e.Close()
		ref.Close()
	}
}

// Dense stepping with the setpoints that Step would command (the target
// moved by action·scale, held for the frame skip) reproduces Step exactly.
func TestStepSetpointsEqualsStep(t *testing.T) {
	for _, task := range []string{"push", "soccer", "faucet", "throw", "pick"} {
		t.Run(task, func(t *testing.T) {
			a, err := Make(task)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, _ := Make(task)
			defer b.Close()
			db := b.(DenseEnv)
			if _, err := a.Reset(3); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Reset(3); err != nil {
				t.Fatal(err)
			}
			D, n, A := db.PositionDim(), db.PhysicsSteps(), a.ActDim()
			scale := b.(interface{ ActionScale() []float64 }).ActionScale()
			cmd := make([]float64, D)
			sp := make([]float64, n*D)
			act := make([]float64, A)
			for s := range 12 {
				for i := range act {
					act[i] = math.Sin(float64(3*s+i)) * 1.3 // some beyond [-1,1]
				}
				oa, ra, da, ia, err := a.Step(act)
				if err != nil {
					t.Fatal(err)
				}
				db.Commanded(cmd)
				for i := range n {
					for d := range D {
						sp[i*D+d] = cmd[d] + clamp(act[d], -1, 1)*scale[d]
					}
				}
				ob, rb, dn, ib, err := db.StepSetpoints(sp, act[D:])
				if err != nil {
					t.Fatal(err)
				}
				for i := range oa {
					if oa[i] != ob[i] {
						t.Fatalf("step %d obs[%d]: Step %v, StepSetpoints %v", s, i, oa[i], ob[i])
					}
				}
				if ra != rb || da != dn || ia.Success != ib.Success || ia.Step != ib.Step {
					t.Fatalf("step %d: Step (%v, %v, %+v), StepSetpoints (%v, %v, %+v)", s, ra, da, ia, rb, dn, ib)
				}
			}
		})
	}
}

func TestStepSetpointsRejects(t *testing.T) {
	e, err := Make("push", WithControlHz(1000))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	de := e.(DenseEnv)
	if _, _, _, _, err := de.StepSetpoints(make([]float64, 39), []float64{0}); !errors.Is(err, ErrNeedsReset) {
		t.Fatalf("before reset: %v", err)
	}
	if _, err := e.Reset(0); err != nil {
		t.Fatal(err)
	}
	good := make([]float64, 13*3)
	for i := range good {
		good[i] = []float64{0, 0.6, 0.2}[i%3]
	}
	nan := append([]float64(nil), good...)
	nan[7] = math.NaN()
	for _, tc := range []struct {
		name      string
		sp, extra []float64
	}{
		{"short", good[:36], []float64{0}},
		{"no extra", good, nil},
		{"NaN setpoint", nan, []float64{0}},
		{"Inf extra", good, []float64{math.Inf(1)}},
	} {
		if _, _, _, _, err := de.StepSetpoints(tc.sp, tc.extra); !errors.Is(err, ErrBadAction) {
			t.Errorf("%s: err = %v, want ErrBadAction", tc.name, err)
		}
	}
	// Out-of-workspace setpoints are clipped and counted.
	far := append([]float64(nil), good...)
	far[0] = 5
	_, _, _, info, err := de.StepSetpoints(far, []float64{0})
	if err != nil {
		t.Fatal(err)
	}
	cmd := make([]float64, 3)
	de.Commanded(cmd)
	if info.ClippedActions != 1 || cmd[0] != 0 {
		t.Fatalf("clipped %d, commanded %v", info.ClippedActions, cmd)
	}
}

// VICES variants take a displacement and stiffness per decision: no stream of
// setpoints stands for that, so StepSetpoints refuses them (and only them).
func TestStepSetpointsRefusesVices(t *testing.T) {
	for _, tc := range []struct {
		task  string
		vices bool
	}{{"push-vices", true}, {"throw-vices", true}, {"push-torque", false}, {"throw-torque", false}} {
		t.Run(tc.task, func(t *testing.T) {
			e, err := Make(tc.task)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			de, ok := e.(DenseEnv)
			if !ok {
				t.Fatalf("%s is not a DenseEnv", tc.task)
			}
			if _, err := e.Reset(0); err != nil {
				t.Fatal(err)
			}
			D := de.PositionDim()
			hold := make([]float64, D)
			de.Commanded(hold)
			sp := make([]float64, de.PhysicsSteps()*D)
			for i := range sp {
				sp[i] = hold[i%D]
			}
			extra := make([]float64, max(de.ExtraDim(), 0))
			_, _, _, _, err = de.StepSetpoints(sp, extra)
			if tc.vices && (!errors.Is(err, ErrBadAction) || !strings.Contains(err.Error(), "VICES")) {
				t.Fatalf("err = %v, want ErrBadAction naming VICES", err)
			}
			if !tc.vices && err != nil {
				t.Fatalf("holding the commanded targets: %v", err)
			}
		})
	}
}
