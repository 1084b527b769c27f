//go:build egl

package envs

import (
	"image"
	"sync"

	"github.com/ndp-go/ndp/mujoco"
)

// With -tags egl, Render uses MuJoCo's OpenGL renderer through EGL when a
// context can be created, and falls back to the pure-Go ray caster if not.
func init() { glRender = renderGL }

type glKey struct {
	m    *mujoco.Model
	w, h int
}

var (
	glMu        sync.Mutex
	glRenderers = map[glKey]*mujoco.GLRenderer{}
	glFailed    bool
)

func renderGL(d *mujoco.Data, eye, lookAt [3]float64, w, h int) (*image.RGBA, bool) {
	glMu.Lock()
	defer glMu.Unlock()
	if glFailed {
		return nil, false
	}
	k := glKey{d.Model(), w, h}
	r, ok := glRenderers[k]
	if !ok {
		var err error
		if r, err = mujoco.NewGLRenderer(d.Model(), w, h); err != nil {
			glFailed = true
			return nil, false
		}
		glRenderers[k] = r
	}
	img, err := r.Render(d, eye, lookAt)
	if err != nil {
		return nil, false
	}
	return img, true
}
