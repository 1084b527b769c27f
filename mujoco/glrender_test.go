//go:build egl

package mujoco

import (
	"image/png"
	"os"
	"testing"
)

func TestGLRenderer(t *testing.T) {
	m, d := load(t)
	defer m.Close()
	defer d.Close()
	r, err := NewGLRenderer(m, 160, 120)
	if err != nil {
		t.Skipf("no EGL/OpenGL here: %v", err)
	}
	defer r.Close()
	img, err := r.Render(d, [3]float64{0, -2, 1.2}, [3]float64{0, 0, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Not all one colour: something was drawn.
	first := img.RGBAAt(0, 0)
	varied := false
	for y := 0; y < 120 && !varied; y += 7 {
		for x := 0; x < 160; x += 7 {
			if img.RGBAAt(x, y) != first {
				varied = true
				break
			}
		}
	}
	if !varied {
		t.Error("rendered image is uniform")
	}
	if p := os.Getenv("NDP_GL_PNG"); p != "" {
		f, _ := os.Create(p)
		png.Encode(f, img)
		f.Close()
	}
	if _, err := NewGLRenderer(m, 5000, 5000); err == nil {
		t.Error("oversized renderer accepted")
	}
}
