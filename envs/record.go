package envs

import (
	"errors"
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"io"

	"github.com/ndp-go/ndp/envs/render"
	"github.com/ndp-go/ndp/mujoco"
)

// Camera returns the default camera of a task made by Make.
func Camera(e Env) (render.Camera, error) {
	s, ok := e.(*simEnv)
	if !ok {
		return render.Camera{}, errors.New("envs: env has no camera")
	}
	return s.t.camera(), nil
}

// glRender is MuJoCo's OpenGL renderer when built with -tags egl (see
// render_egl.go); nil otherwise.
var glRender func(d *mujoco.Data, eye, lookAt [3]float64, w, h int) (*image.RGBA, bool)

// Render draws the env's current state from its default camera: with MuJoCo's
// OpenGL renderer via EGL when built with -tags egl and a context is
// available, else with the pure-Go ray caster (always available).
func Render(e Env, w, h int) (*image.RGBA, error) {
	d, err := Sim(e)
	if err != nil {
		return nil, err
	}
	cam, err := Camera(e)
	if err != nil {
		return nil, err
	}
	if glRender != nil && w > 0 && h > 0 {
		if img, ok := glRender(d, cam.Eye, cam.LookAt, w, h); ok {
			return img, nil
		}
	}
	return render.Render(d, cam, w, h)
}

// ImageObs renders a size×size RGB image observation as float values in
// [0,1], laid out height×width×channel (HWC).
func ImageObs(e Env, size int) ([]float64, error) {
	img, err := Render(e, size, size)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, size*size*3)
	for i := 0; i < len(img.Pix); i += 4 {
		out = append(out, float64(img.Pix[i])/255, float64(img.Pix[i+1])/255, float64(img.Pix[i+2])/255)
	}
	return out, nil
}

// WritePNG writes a snapshot of the env's current state.
func WritePNG(w io.Writer, e Env, width, height int) error {
	img, err := Render(e, width, height)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// Recorder collects frames of an env for an animated GIF.
type Recorder struct {
	env    Env
	w, h   int
	frames []*image.Paletted
}

// NewRecorder records e at w×h pixels.
func NewRecorder(e Env, w, h int) (*Recorder, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("envs: recorder size %dx%d must be positive", w, h)
	}
	if _, err := Camera(e); err != nil {
		return nil, err
	}
	return &Recorder{env: e, w: w, h: h}, nil
}

// Capture renders the current state as the next frame.
func (r *Recorder) Capture() error {
	img, err := Render(r.env, r.w, r.h)
	if err != nil {
		return err
	}
	p := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(p, p.Rect, img, image.Point{}, draw.Src)
	r.frames = append(r.frames, p)
	return nil
}

// Len is the number of frames captured.
func (r *Recorder) Len() int { return len(r.frames) }

// WriteGIF encodes the frames as a looping GIF at the env's control rate.
func (r *Recorder) WriteGIF(w io.Writer) error {
	if len(r.frames) == 0 {
		return errors.New("envs: no frames recorded")
	}
	delay := 4 // 1/100 s units
	if s, ok := r.env.(*simEnv); ok {
		delay = max(2, int(s.stepTime*100+0.5))
	}
	g := &gif.GIF{Image: r.frames, Delay: make([]int, len(r.frames))}
	for i := range g.Delay {
		g.Delay[i] = delay
	}
	return gif.EncodeAll(w, g)
}
