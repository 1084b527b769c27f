package mujoco

import (
	"errors"
	"math"
	"strings"
	"testing"
)

const pendulumXML = `<mujoco>
  <compiler angle="radian"/>
  <option timestep="0.002"/>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 0.1"/>
    <body name="pole" pos="0 0 1">
      <joint name="hinge" type="hinge" axis="0 1 0" range="-3 3" limited="true"/>
      <geom name="bob" type="capsule" fromto="0 0 0 0 0 -0.5" size="0.05" mass="1"/>
      <site name="tip" pos="0 0 -0.5"/>
    </body>
    <body name="ball" pos="0.5 0 0.2">
      <freejoint/>
      <geom name="ballgeom" type="sphere" size="0.05"/>
    </body>
    <body name="target" mocap="true" pos="0 0 2"/>
  </worldbody>
  <actuator><motor name="torque" joint="hinge" ctrlrange="-1 1" ctrllimited="true"/></actuator>
  <sensor><jointpos joint="hinge"/></sensor>
</mujoco>`

func load(t testing.TB) (*Model, *Data) {
	t.Helper()
	m, err := LoadXML(pendulumXML)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewData(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, d
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"empty", "", "empty xml"},
		{"syntax", "<mujoco><worldbody><body></worldbody></mujoco>", "line"},
		{"unknown attribute", `<mujoco><worldbody><geom type="sphere" size="1" bogus="2"/></worldbody></mujoco>`, "bogus"},
		{"bad joint ref", `<mujoco><actuator><motor joint="nope"/></actuator></mujoco>`, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := LoadXML(tc.xml)
			if err == nil {
				m.Close()
				t.Fatal("expected an error")
			}
			if !strings.Contains(strings.ToLower(err.Error()), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := LoadFile("/nonexistent/model.xml"); err == nil {
		t.Error("LoadFile of a missing file succeeded")
	}
}

func TestErrorHandlerReturns(t *testing.T) {
	// MuJoCo's default handler would exit the process here.
	err := raiseError("boom")
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, want error mentioning boom", err)
	}
	// And the package still works afterwards.
	m, d := load(t)
	defer m.Close()
	defer d.Close()
	if err := d.Step(1); err != nil {
		t.Fatal(err)
	}
}

func TestIDsAndViews(t *testing.T) {
	m, d := load(t)
	defer m.Close()
	defer d.Close()
	if m.NQ() != 8 || m.NV() != 7 || m.NU() != 1 || m.NMocap() != 1 {
		t.Fatalf("sizes nq=%d nv=%d nu=%d nmocap=%d", m.NQ(), m.NV(), m.NU(), m.NMocap())
	}
	j, err := m.ID(ObjJoint, "hinge")
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi, lim := m.JointRange(j); lo != -3 || hi != 3 || !lim {
		t.Errorf("range %v %v %v", lo, hi, lim)
	}
	if _, err := m.ID(ObjBody, "missing"); err == nil {
		t.Error("missing body found")
	}
	b, _ := m.ID(ObjBody, "target")
	if m.BodyMocapID(b) != 0 {
		t.Error("target should be mocap 0")
	}
	// Views alias MuJoCo memory: a write is seen by the next read.
	d.QPos()[0] = 0.3
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	if got := d.SensorData()[0]; got != 0.3 {
		t.Errorf("sensor = %v, want 0.3", got)
	}
	s, _ := m.ID(ObjSite, "tip")
	tip := d.SiteXPos()[3*s : 3*s+3]
	if math.Abs(tip[0]+0.5*math.Sin(0.3)) > 1e-9 {
		t.Errorf("tip x = %v", tip[0])
	}
}

func TestStepContactsAndInverse(t *testing.T) {
	m, d := load(t)
	defer m.Close()
	defer d.Close()
	for i := 0; i < 100; i++ {
		if err := d.Step(5); err != nil {
			t.Fatal(err)
		}
	}
	if math.Abs(d.Time()-1.0) > 1e-9 {
		t.Errorf("time = %v, want 1", d.Time())
	}
	var cs []Contact
	cs = d.Contacts(cs)
	if len(cs) == 0 {
		t.Error("ball resting on the floor should have a contact")
	}
	// Inverse dynamics of the forward result reproduces the applied force.
	d.Ctrl()[0] = 0.5
	d.QVel()[0] = 0.2
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	if err := d.Inverse(); err != nil {
		t.Fatal(err)
	}
	if got := d.QfrcInverse()[0]; math.Abs(got-d.ActuatorForce()[0]) > 1e-6 {
		t.Errorf("qfrc_inverse = %v, actuator force = %v", got, d.ActuatorForce()[0])
	}
	jp, jr, err := d.JacSite(0, nil, nil)
	if err != nil || len(jp) != 3*m.NV() || len(jr) != 3*m.NV() {
		t.Fatalf("jacobian: %v", err)
	}
	if _, _, err := d.JacSite(99, nil, nil); err == nil {
		t.Error("out of range site accepted")
	}
	M, err := d.FullM(nil)
	nv := m.NV()
	if err != nil || len(M) != nv*nv {
		t.Fatalf("inertia: %v (%d values)", err, len(M))
	}
	for i := range nv {
		if !(M[i*nv+i] > 0) {
			t.Errorf("M[%d][%d] = %v, want > 0", i, i, M[i*nv+i])
		}
		for j := range nv {
			if M[i*nv+j] != M[j*nv+i] {
				t.Errorf("M not symmetric at (%d, %d)", i, j)
			}
		}
	}
}

func TestNaNIsReported(t *testing.T) {
	tests := []struct {
		name   string
		poison func(d *Data)
		warn   int
	}{
		{"qvel", func(d *Data) { d.QVel()[0] = math.NaN() }, WarnBadQVel},
		{"qpos", func(d *Data) { d.QPos()[0] = math.Inf(1) }, WarnBadQPos},
		{"ctrl", func(d *Data) { d.Ctrl()[0] = math.NaN() }, WarnBadCtrl},
		{"huge qvel", func(d *Data) { d.QVel()[3] = 1e30 }, WarnBadQVel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, d := load(t)
			defer m.Close()
			defer d.Close()
			if err := d.Step(10); err != nil {
				t.Fatal(err)
			}
			tc.poison(d)
			before := WarningCount()
			err := d.Step(10)
			if WarningCount() == before || LastWarning() == "" {
				t.Errorf("warning handler not called (count %d, last %q)", WarningCount(), LastWarning())
			}
			var ue *UnstableError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want UnstableError", err)
			}
			if ue.Warning != tc.warn {
				t.Errorf("warning %d, want %d (%v)", ue.Warning, tc.warn, err)
			}
			if d.WarningCounts()[tc.warn] == 0 {
				t.Error("warning counter not set")
			}
		})
	}
}

func TestGravityCompensation(t *testing.T) {
	m, d := load(t)
	defer m.Close()
	defer d.Close()
	d.QPos()[0] = 1.0
	if err := d.SetGravityCompensation([]int{0}); err != nil {
		t.Fatal(err)
	}
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	if err := d.Step(200); err != nil {
		t.Fatal(err)
	}
	if math.Abs(d.QPos()[0]-1.0) > 1e-3 {
		t.Errorf("compensated pendulum moved to %v", d.QPos()[0])
	}
	if err := d.SetGravityCompensation([]int{42}); err == nil {
		t.Error("bad dof accepted")
	}
}

func TestClosed(t *testing.T) {
	m, d := load(t)
	d.Close()
	if err := d.Step(1); !errors.Is(err, ErrClosed) {
		t.Errorf("step after close: %v", err)
	}
	m.Close()
	if _, err := NewData(m); err == nil {
		t.Error("NewData on closed model succeeded")
	}
}

func BenchmarkStep(b *testing.B) {
	m, d := load(b)
	defer m.Close()
	defer d.Close()
	for b.Loop() {
		if err := d.Step(1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStepHalves: Step1 then Step2 is Step(1), exactly, and a bad state
// found in the second half is reported as by Step.
func TestStepHalves(t *testing.T) {
	m, a := load(t)
	defer m.Close()
	defer a.Close()
	b, err := NewData(m)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, d := range []*Data{a, b} {
		d.QVel()[0] = 0.7
		d.Ctrl()[0] = 0.3
	}
	for range 200 {
		if err := a.Step(1); err != nil {
			t.Fatal(err)
		}
		if err := b.Step1(); err != nil {
			t.Fatal(err)
		}
		if err := b.Step2(); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range a.QPos() {
		if b.QPos()[i] != v {
			t.Fatalf("after 200 steps qpos[%d] is %v by halves, %v by Step", i, b.QPos()[i], v)
		}
	}
	for i, v := range a.QVel() {
		if b.QVel()[i] != v {
			t.Fatalf("after 200 steps qvel[%d] is %v by halves, %v by Step", i, b.QVel()[i], v)
		}
	}
	b.QVel()[0] = math.Inf(1)
	var ue *UnstableError
	if err := b.Step1(); !errors.As(err, &ue) {
		t.Errorf("Step1 on an infinite velocity: %v, want an UnstableError", err)
	}
	if err := b.Step1(); err != nil { // MuJoCo has reset the state
		t.Fatal(err)
	}
	b.Ctrl()[0] = math.NaN()
	if err := b.Step2(); !errors.As(err, &ue) {
		t.Errorf("Step2 with a NaN control: %v, want an UnstableError", err)
	}
}
