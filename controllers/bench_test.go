package controllers_test

import (
	"testing"

	"github.com/ndp-go/ndp/controllers"
	"github.com/ndp-go/ndp/mujoco"
)

// BenchmarkOSCTorques times one operational-space control step of the
// Jaco (position and orientation, null-space posture), the call VICES makes
// at the physics rate; it reports allocations, which should be none.
func BenchmarkOSCTorques(b *testing.B) {
	m, d := torqueJaco(b, []float64{0, 0.6, 1.2, 0.9, 0, 0})
	tcp, err := m.ID(mujoco.ObjSite, "tcp")
	if err != nil {
		b.Fatal(err)
	}
	c := &controllers.OSC{Site: tcp, Dofs: arm, Kp: [3]float64{100, 100, 100}, Orient: true, KpRot: 100, NullKp: 10, NullKd: 2,
		Posture: []float64{0, 0.6, 1.2, 0.9, 0, 0}}
	copy(c.Rot[:], d.SiteXMat()[9*tcp:9*tcp+9])
	tau := make([]float64, len(arm))
	target := [3]float64{0.45, 0.1, 0.3}
	b.ReportAllocs()
	for b.Loop() {
		if tau, err = c.Torques(d, target, tau); err != nil {
			b.Fatal(err)
		}
	}
}
