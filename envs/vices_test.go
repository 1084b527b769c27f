package envs

import (
	"math"
	"testing"
)

// TestVicesActions: on every VICES task a constant "+x" action moves the
// hand along x, and a stiff setting follows the moving target more closely
// than a compliant one.
func TestVicesActions(t *testing.T) {
	for _, task := range []string{"push" + VicesSuffix, "soccer" + VicesSuffix, "faucet" + VicesSuffix, "pick" + VicesSuffix, "throw" + VicesSuffix} {
		t.Run(task, func(t *testing.T) {
			run := func(stiffness float64) (moved, lag float64) {
				e := mustMake(t, task)
				if _, err := e.Reset(3); err != nil {
					t.Fatal(err)
				}
				se := e.(*simEnv)
				// The hand (tool centre point) and its controller's target, x.
				handX := func() (hand, target float64) {
					switch tk := se.t.(type) {
					case *jacoTask:
						return se.data.SiteXPos()[3*tk.osc.Site], tk.ee[0]
					case *sawyerTask:
						return se.data.SiteXPos()[3*tk.tcp], se.data.MocapPos()[0]
					}
					t.Fatalf("%s is not a VICES task", task)
					return 0, 0
				}
				x0, _ := handX()
				a := make([]float64, e.ActDim())
				a[0], a[3], a[4], a[5] = 1, stiffness, stiffness, stiffness
				for range 5 {
					if _, _, _, _, err := e.Step(a); err != nil {
						t.Fatal(err)
					}
				}
				x, target := handX()
				return x - x0, math.Abs(target - x)
			}
			moved, stiff := run(1)
			_, soft := run(-1)
			t.Logf("%s: the hand moved %.3f m in 5 steps; it lags its target by %.4f m stiff, %.4f m compliant", task, moved, stiff, soft)
			if moved < 0.02 {
				t.Errorf("the hand moved %.3f m along x, want ≥ 0.02", moved)
			}
			if !(stiff < soft) {
				t.Errorf("stiff lag %.4f not below compliant lag %.4f", stiff, soft)
			}
		})
	}
}
