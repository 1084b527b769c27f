package render

import (
	"testing"

	"github.com/ndp-go/ndp/mujoco"
)

const sceneXML = `<mujoco>
  <worldbody>
    <geom type="plane" size="1 1 0.1" rgba="0.5 0.5 0.5 1"/>
    <geom type="sphere" pos="0 0 0.2" size="0.2" rgba="1 0 0 1"/>
    <geom type="box" pos="0.5 0 0.1" size="0.1 0.1 0.1" rgba="0 1 0 1"/>
    <geom type="capsule" fromto="-0.5 0 0.1 -0.5 0 0.4" size="0.05" rgba="0 0 1 1"/>
    <geom type="cylinder" pos="0 0.5 0.1" size="0.1 0.1" rgba="1 1 0 1"/>
  </worldbody>
</mujoco>`

func TestRender(t *testing.T) {
	m, err := mujoco.LoadXML(sceneXML)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mujoco.NewData(m)
	if err != nil {
		t.Fatal(err)
	}
	cam := Camera{Eye: [3]float64{0, -2, 1}, LookAt: [3]float64{0, 0, 0.2}, FovY: 45}
	img, err := Render(d, cam, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
		t.Fatalf("size %v", img.Bounds())
	}
	// The centre ray hits the red sphere.
	c := img.RGBAAt(32, 24)
	if c.R < 100 || c.G > 30 || c.B > 30 {
		t.Errorf("centre pixel %v is not red", c)
	}
	// The top row sees sky.
	if s := img.RGBAAt(0, 0); s.B < 190 {
		t.Errorf("corner pixel %v is not sky", s)
	}
	tests := []struct {
		name string
		cam  Camera
		w, h int
	}{
		{"zero size", cam, 0, 10},
		{"bad fov", Camera{Eye: cam.Eye, LookAt: cam.LookAt}, 10, 10},
	}
	for _, tc := range tests {
		if _, err := Render(d, tc.cam, tc.w, tc.h); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
