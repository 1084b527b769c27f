package controllers_test

import (
	"math"
	"testing"

	"github.com/ndp-go/ndp/controllers"
	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/mujoco"
)

var arm = []int{0, 1, 2, 3, 4, 5} // the Jaco's arm dofs j1–j6 (fingers 6–8, then the cube)

// torqueJaco loads the torque-driven Jaco of the pick scene with the arm at q.
func torqueJaco(t testing.TB, q []float64) (*mujoco.Model, *mujoco.Data) {
	t.Helper()
	m, err := mujoco.LoadXML(envs.JacoScene(false, true))
	if err != nil {
		t.Fatal(err)
	}
	d, err := mujoco.NewData(m)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); m.Close() })
	copy(d.QPos(), q)
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	return m, d
}

// run steps the simulation for seconds, applying control's torques to the
// arm in every physics step (between Step1 and Step2, on the current state).
func run(t *testing.T, d *mujoco.Data, seconds float64, control func() ([]float64, error)) {
	t.Helper()
	for range int(seconds / d.Model().Timestep()) {
		if err := d.Step1(); err != nil {
			t.Fatal(err)
		}
		tau, err := control()
		if err != nil {
			t.Fatal(err)
		}
		for a, i := range arm {
			d.Ctrl()[i] = tau[a]
		}
		if err := d.Step2(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
}

// TestOSCReachesTargets: the operational-space controller brings the Jaco's
// tool centre point within 1 cm of targets around its workspace from a bent
// posture (the motors clip the torques to their limits), and with Orient
// keeps the hand's start orientation within 0.01 rad. The orientation cases
// start with the hand pointing down (j2 + j3 + j4 = π): the arm's three
// parallel pitch joints cannot hold an arbitrary orientation everywhere, a
// hand pointing down they can.
func TestOSCReachesTargets(t *testing.T) {
	bent, down := []float64{0, 0.6, 1.2, 0.9, 0, 0}, []float64{0, 0.6, 1.2, math.Pi - 1.8, 0, 0}
	for _, tc := range []struct {
		start  []float64
		target [3]float64
		orient bool
	}{
		{bent, [3]float64{0.45, 0.1, 0.3}, false}, {bent, [3]float64{0.3, -0.3, 0.5}, false},
		{bent, [3]float64{0.55, 0.2, 0.15}, false}, {bent, [3]float64{0.2, 0.35, 0.6}, false},
		{down, [3]float64{0.45, 0.1, 0.3}, true}, {down, [3]float64{0.4, -0.2, 0.45}, true},
	} {
		m, d := torqueJaco(t, tc.start)
		tcp, err := m.ID(mujoco.ObjSite, "tcp")
		if err != nil {
			t.Fatal(err)
		}
		c := &controllers.OSC{Site: tcp, Dofs: arm, Kp: [3]float64{100, 100, 100}, NullKd: 2, NullKp: 10, Posture: tc.start}
		if tc.orient {
			c = &controllers.OSC{Site: tcp, Dofs: arm, Kp: c.Kp, Orient: true, KpRot: 100}
			copy(c.Rot[:], d.SiteXMat()[9*tcp:9*tcp+9])
		}
		var tau []float64
		run(t, d, 3, func() ([]float64, error) {
			var err error
			tau, err = c.Torques(d, tc.target, tau)
			return tau, err
		})
		p, target := d.SiteXPos()[3*tcp:3*tcp+3], tc.target
		dist := math.Sqrt(sq(p[0]-target[0]) + sq(p[1]-target[1]) + sq(p[2]-target[2]))
		angle := 0.0
		if tc.orient { // the angle between R and R*: cos θ = (tr(RᵀR*) − 1)/2
			R, tr := d.SiteXMat()[9*tcp:9*tcp+9], 0.0
			for i := range 9 {
				tr += R[i] * c.Rot[i]
			}
			angle = math.Acos(math.Min(1, (tr-1)/2))
		}
		t.Logf("target %v (orientation %v): %.2f mm away, orientation off by %.1e rad", target, tc.orient, 1000*dist, angle)
		if dist > 0.01 || angle > 0.01 {
			t.Errorf("target %v: %.1f mm and %.3f rad off, want ≤ 10 mm and 0.01 rad", target, 1000*dist, angle)
		}
	}
}

// TestJointImpedanceHoldsAgainstGravity: with the bias forces the impedance
// controller holds a bent posture (gravity pulls at every joint), within
// 0.005 rad; without them the same gains let the arm sag.
func TestJointImpedanceHoldsAgainstGravity(t *testing.T) {
	posture := []float64{0.3, 0.7, 1.1, 0.6, 0.2, 0}
	worst := func(withBias bool) float64 {
		_, d := torqueJaco(t, posture)
		c := &controllers.JointImpedance{Dofs: arm, Kp: []float64{50, 50, 50, 20, 10, 10}, Kd: []float64{5, 5, 5, 2, 1, 1}}
		var tau []float64
		run(t, d, 2, func() ([]float64, error) {
			var err error
			tau, err = c.Torques(d, posture, tau)
			if err == nil && !withBias {
				for a, i := range arm {
					tau[a] -= d.QfrcBias()[i]
				}
			}
			return tau, err
		})
		w := 0.0
		for a, i := range arm {
			w = math.Max(w, math.Abs(d.QPos()[i]-posture[a]))
		}
		return w
	}
	held, sagged := worst(true), worst(false)
	t.Logf("largest joint error after 2 s: %.5f rad with bias forces, %.4f rad without", held, sagged)
	if held > 0.005 {
		t.Errorf("posture held within %.4f rad, want ≤ 0.005", held)
	}
	if sagged < 10*held {
		t.Errorf("without bias forces the error is %.4f rad, not clearly worse than %.4f: gravity is not loading the test", sagged, held)
	}
}

func TestControllersRejectBadSetups(t *testing.T) {
	_, d := torqueJaco(t, make([]float64, 6))
	if _, err := (&controllers.OSC{Site: 99, Dofs: arm}).Torques(d, [3]float64{}, nil); err == nil {
		t.Error("OSC with an unknown site: no error")
	}
	if _, err := (&controllers.OSC{Site: 0, Dofs: []int{0, 99}}).Torques(d, [3]float64{}, nil); err == nil {
		t.Error("OSC with a dof out of range: no error")
	}
	if _, err := (&controllers.OSC{Site: 0, Dofs: arm, Posture: []float64{0}}).Torques(d, [3]float64{}, nil); err == nil {
		t.Error("OSC with a short posture: no error")
	}
	if _, err := (&controllers.JointImpedance{Dofs: arm, Kp: []float64{1}}).Torques(d, make([]float64, 6), nil); err == nil {
		t.Error("impedance with short gains: no error")
	}
}

func sq(x float64) float64 { return x * x }

// TestComputedTorqueTracksADMP: Ω = inverse dynamics makes the torque-driven
// Jaco follow a DMP joint trajectory (every arm joint moving 0.3–0.6 rad in
// 1.5 s, integrated at the physics rate), within 3 mrad with feedback and
// 10 mrad by the feedforward alone. (The DMP integrates explicitly and MuJoCo
// semi-implicitly, so the plan and the arm differ by about h·q̇, 2–3 mrad, at
// speed.)
func TestComputedTorqueTracksADMP(t *testing.T) {
	start := []float64{0, 0.6, 1.2, 0.9, 0, 0}
	goal := []float64{0.5, 0.2, 1.6, 0.5, 0.3, -0.4}
	const T, dt = 750, 0.002 // 1.5 s
	cfg := dmp.Config{N: 6, T: T, Tau: T * dt}
	p := dmp.Params{G: goal, Y0: start, DY0: make([]float64, 6), W: make([]float64, 6*6)}
	for i := range p.W {
		p.W[i] = 20 * math.Sin(float64(i)) // a curved path, not a straight interpolation
	}
	plan, err := dmp.Integrate(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	at := func(v []float64, k int) []float64 {
		out := make([]float64, 6)
		for j := range 6 {
			out[j] = v[j*(T+1)+k]
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		kp, kd []float64
		tol    float64
	}{
		{"feedforward", nil, nil, 0.01},
		{"with feedback", []float64{400, 400, 400, 400, 400, 400}, []float64{40, 40, 40, 40, 40, 40}, 0.003},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, d := torqueJaco(t, start)
			c := &controllers.ComputedTorque{Dofs: arm, Kp: tc.kp, Kd: tc.kd}
			defer c.Close()
			var tau []float64
			worst, sat, k := 0.0, 0.0, 0
			run(t, d, T*dt, func() ([]float64, error) {
				for a, i := range arm { // the state entering physics step k is the plan's point k
					worst = math.Max(worst, math.Abs(d.QPos()[i]-plan.Y[a*(T+1)+k]))
				}
				var err error
				tau, err = c.Torques(d, at(plan.Y, k), at(plan.V, k), at(plan.A, k), tau)
				for a := range arm {
					lo, hi, _ := d.Model().CtrlRange(a)
					sat = math.Max(sat, math.Abs(tau[a])/math.Max(-lo, hi))
				}
				k++
				return tau, err
			})
			t.Logf("%s: largest joint error along the plan %.2e rad; largest torque %.2f of its motor's limit", tc.name, worst, sat)
			if worst > tc.tol {
				t.Errorf("%s: tracking error %.2e rad, want ≤ %.0e", tc.name, worst, tc.tol)
			}
		})
	}
}
