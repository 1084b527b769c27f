//go:build egl

package mujoco

/*
#cgo LDFLAGS: -lEGL -lmujoco
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mujoco/mujoco.h>
#include "bridge.h"

typedef struct {
  EGLDisplay dpy;
  EGLContext ctx;
  mjvScene scn;
  mjvCamera cam;
  mjvOption opt;
  mjrContext con;
  int w, h;
} ndp_gl;

// ndp_gl_open makes a surfaceless EGL context current on this thread and an
// offscreen MuJoCo render context of at least w x h pixels.
static int ndp_gl_open(const mjModel* m, ndp_gl* g, int w, int h, char* err, int errsz) {
  memset(g, 0, sizeof(*g));
  // Headless: prefer Mesa's surfaceless platform (no X or Wayland needed),
  // then fall back to the default display.
  EGLint maj, min;
  g->dpy = EGL_NO_DISPLAY;
  PFNEGLGETPLATFORMDISPLAYEXTPROC getPlatformDisplay =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  if (getPlatformDisplay) {
    g->dpy = getPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    if (g->dpy != EGL_NO_DISPLAY && !eglInitialize(g->dpy, &maj, &min)) g->dpy = EGL_NO_DISPLAY;
  }
  if (g->dpy == EGL_NO_DISPLAY) g->dpy = eglGetDisplay(EGL_DEFAULT_DISPLAY);
  if (g->dpy == EGL_NO_DISPLAY || !eglInitialize(g->dpy, &maj, &min)) {
    snprintf(err, errsz, "EGL: no display (error 0x%x)", eglGetError());
    return -1;
  }
  const EGLint attr[] = {EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
                         EGL_ALPHA_SIZE, 8, EGL_DEPTH_SIZE, 24, EGL_STENCIL_SIZE, 8,
                         EGL_COLOR_BUFFER_TYPE, EGL_RGB_BUFFER,
                         EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
                         EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig cfg;
  EGLint n = 0;
  if (!eglChooseConfig(g->dpy, attr, &cfg, 1, &n) || n < 1) {
    snprintf(err, errsz, "EGL: no suitable config (error 0x%x)", eglGetError());
    eglTerminate(g->dpy);
    return -1;
  }
  eglBindAPI(EGL_OPENGL_API);
  g->ctx = eglCreateContext(g->dpy, cfg, EGL_NO_CONTEXT, NULL);
  if (g->ctx == EGL_NO_CONTEXT ||
      !eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx)) {
    snprintf(err, errsz, "EGL: cannot create/make current a context (error 0x%x)", eglGetError());
    eglTerminate(g->dpy);
    return -1;
  }
  mjv_defaultScene(&g->scn);
  mjv_defaultCamera(&g->cam);
  mjv_defaultOption(&g->opt);
  mjr_defaultContext(&g->con);
  mjv_makeScene(m, &g->scn, 2000);
  if (ndp_gl_make_ctx(m, &g->con, err, errsz) != 0) {
    mjv_freeScene(&g->scn);
    eglDestroyContext(g->dpy, g->ctx);
    eglTerminate(g->dpy);
    return -1;
  }
  g->w = w;
  g->h = h;
  return 0;
}

static int ndp_gl_render(const mjModel* m, mjData* d, ndp_gl* g, unsigned char* rgb,
                         char* err, int errsz) {
  return ndp_gl_draw(m, d, &g->scn, &g->cam, &g->opt, &g->con, g->w, g->h, rgb, err, errsz);
}

static void ndp_gl_close(ndp_gl* g) {
  mjr_freeContext(&g->con);
  mjv_freeScene(&g->scn);
  eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(g->dpy, g->ctx);
  eglTerminate(g->dpy);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"unsafe"
)

// GLRenderer renders a model with MuJoCo's own OpenGL renderer into an
// offscreen buffer through EGL (Mesa's llvmpipe works without a GPU or
// display). Built only with -tags egl. One renderer owns one OS thread.
type GLRenderer struct {
	m    *Model
	w, h int
	reqs chan func()
	g    *C.ndp_gl
}

// NewGLRenderer creates an EGL context and a MuJoCo render context for m,
// producing w×h images (at most the model's offscreen size, 640×480 unless
// <visual><global offwidth offheight> says otherwise).
func NewGLRenderer(m *Model, w, h int) (*GLRenderer, error) {
	if m == nil || m.h.p == nil {
		return nil, errors.New("mujoco: GL renderer: nil or closed model")
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("mujoco: GL renderer: bad size %dx%d", w, h)
	}
	vis := m.h.p.vis.global
	if w > int(vis.offwidth) || h > int(vis.offheight) {
		return nil, fmt.Errorf("mujoco: GL renderer: %dx%d exceeds the model's offscreen buffer %dx%d",
			w, h, int(vis.offwidth), int(vis.offheight))
	}
	r := &GLRenderer{m: m, w: w, h: h, reqs: make(chan func())}
	errc := make(chan error)
	go r.loop(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return r, nil
}

// loop pins a thread for the GL context and serves requests on it.
func (r *GLRenderer) loop(errc chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r.g = (*C.ndp_gl)(C.calloc(1, C.size_t(unsafe.Sizeof(C.ndp_gl{}))))
	eb := make([]C.char, errBufSize)
	if C.ndp_gl_open(r.m.h.p, r.g, C.int(r.w), C.int(r.h), &eb[0], errBufSize) != 0 {
		C.free(unsafe.Pointer(r.g))
		errc <- &Error{Op: "GL renderer", Msg: errString(eb)}
		return
	}
	errc <- nil
	for f := range r.reqs {
		f()
	}
	C.ndp_gl_close(r.g)
	C.free(unsafe.Pointer(r.g))
}

// Close releases the GL context and its thread.
func (r *GLRenderer) Close() {
	if r.reqs != nil {
		close(r.reqs)
		r.reqs = nil
	}
}

// Render draws d from a free camera at eye looking at lookAt and returns
// the RGB image.
func (r *GLRenderer) Render(d *Data, eye, lookAt [3]float64) (*image.RGBA, error) {
	if r.reqs == nil {
		return nil, errors.New("mujoco: GL renderer is closed")
	}
	if err := d.ready("render"); err != nil {
		return nil, err
	}
	if d.m != r.m {
		return nil, errors.New("mujoco: GL renderer: data belongs to another model")
	}
	dx, dy, dz := lookAt[0]-eye[0], lookAt[1]-eye[1], lookAt[2]-eye[2]
	dist := math.Sqrt(dx*dx + dy*dy + dz*dz)
	if dist == 0 {
		return nil, errors.New("mujoco: GL renderer: eye equals lookat")
	}
	rgb := make([]byte, 3*r.w*r.h)
	var err error
	done := make(chan struct{})
	r.reqs <- func() {
		defer close(done)
		cam := &r.g.cam
		cam._type = C.mjCAMERA_FREE
		for i := 0; i < 3; i++ {
			cam.lookat[i] = C.mjtNum(lookAt[i])
		}
		cam.distance = C.mjtNum(dist)
		cam.azimuth = C.mjtNum(math.Atan2(dy, dx) * 180 / math.Pi)
		cam.elevation = C.mjtNum(math.Asin(dz/dist) * 180 / math.Pi)
		if C.ndp_gl_render(r.m.h.p, d.h.p, r.g, (*C.uchar)(unsafe.Pointer(&rgb[0])), d.eb, errBufSize) != 0 {
			err = &Error{Op: "render", Msg: d.errText()}
		}
	}
	<-done
	if err != nil {
		return nil, err
	}
	// MuJoCo's rows are bottom-up.
	img := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	for y := 0; y < r.h; y++ {
		src := rgb[3*r.w*(r.h-1-y):]
		dst := img.Pix[y*img.Stride:]
		for x := 0; x < r.w; x++ {
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = src[3*x], src[3*x+1], src[3*x+2], 255
		}
	}
	return img, nil
}
