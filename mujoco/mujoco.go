// Package mujoco is a small, safe cgo binding to MuJoCo 2.2 (Debian's
// libmujoco-dev) for simulation environments.
//
// A Model is compiled once and shared read-only between goroutines; each
// environment owns one Data. Every error-prone MuJoCo call runs under a guard:
// the package installs its own mju_user_error/mju_user_warning handlers at
// init (MuJoCo's defaults write MUJOCO_LOG.TXT, wait on stdin and exit) and
// MuJoCo errors come back as Go errors. After each physics step the mjData
// warning counters are checked: NaN/Inf or huge values make MuJoCo reset the
// state silently, which Step reports as an *UnstableError.
//
// Slices returned by the view methods (QPos, QVel, Ctrl, ...) alias MuJoCo's
// memory: no copy is made, writes go straight to the simulator, and they are
// invalid after Close. Accessors that take an object id (JointRange,
// GeomSize, ...) panic on an out-of-range id, like slice indexing; ids come
// from Model.ID, which returns an error for unknown names.
package mujoco

/*
#cgo LDFLAGS: -lmujoco -lpthread
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"
)

const errBufSize = 1024

func init() {
	C.ndp_install_handlers()
}

// Version returns MuJoCo's version string, for example "2.2.2".
func Version() string { return C.GoString(C.mj_versionString()) }

// WarningCount returns how many MuJoCo warnings the package's handler has
// received since start, across all models and data.
func WarningCount() int64 { return int64(C.ndp_warning_count()) }

// LastWarning returns the text of the most recent MuJoCo warning, if any.
func LastWarning() string {
	buf := make([]byte, 1024)
	C.ndp_last_warning((*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	return strings.TrimRight(string(buf), "\x00")
}

// ObjType selects the kind of named object for Model.ID.
type ObjType int

// Object types, mirroring mjtObj.
const (
	ObjBody     ObjType = C.mjOBJ_BODY
	ObjJoint    ObjType = C.mjOBJ_JOINT
	ObjGeom     ObjType = C.mjOBJ_GEOM
	ObjSite     ObjType = C.mjOBJ_SITE
	ObjActuator ObjType = C.mjOBJ_ACTUATOR
	ObjSensor   ObjType = C.mjOBJ_SENSOR
)

// String returns the MJCF element name of the type.
func (t ObjType) String() string {
	switch t {
	case ObjBody:
		return "body"
	case ObjJoint:
		return "joint"
	case ObjGeom:
		return "geom"
	case ObjSite:
		return "site"
	case ObjActuator:
		return "actuator"
	case ObjSensor:
		return "sensor"
	}
	return fmt.Sprintf("objtype(%d)", int(t))
}

type modelHandle struct{ p *C.mjModel }

func (h *modelHandle) free() {
	if h.p != nil {
		C.mj_deleteModel(h.p)
		h.p = nil
	}
}

// Model is a compiled MuJoCo model. It is read-only after loading and safe to
// share between goroutines, each stepping its own Data.
type Model struct {
	h *modelHandle
}

func errString(buf []C.char) string {
	return strings.TrimSpace(C.GoString(&buf[0]))
}

// LoadXML compiles an MJCF model from a string. Parse and compile errors are
// returned with MuJoCo's message, which names the offending element and line.
// Compiler warnings are treated as errors so that scenes stay warning-free.
func LoadXML(xml string) (*Model, error) {
	if len(xml) == 0 {
		return nil, errors.New("mujoco: empty XML")
	}
	cs := C.CString(xml)
	defer C.free(unsafe.Pointer(cs))
	errBuf := make([]C.char, errBufSize)
	p := C.ndp_load_xml_string(cs, C.int(len(xml)), &errBuf[0], errBufSize)
	return newModel(p, errString(errBuf), "XML string")
}

// LoadFile compiles an MJCF model from a file; see LoadXML for error handling.
func LoadFile(path string) (*Model, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("mujoco: load %s: %w", path, err)
	}
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	errBuf := make([]C.char, errBufSize)
	p := C.ndp_load_xml_file(cs, &errBuf[0], errBufSize)
	return newModel(p, errString(errBuf), path)
}

func newModel(p *C.mjModel, msg, src string) (*Model, error) {
	if p == nil {
		if msg == "" {
			msg = "unknown error"
		}
		return nil, fmt.Errorf("mujoco: load %s: %s", src, msg)
	}
	if msg != "" {
		C.mj_deleteModel(p)
		return nil, fmt.Errorf("mujoco: load %s: compiler warning: %s", src, msg)
	}
	m := &Model{h: &modelHandle{p: p}}
	runtime.AddCleanup(m, func(h *modelHandle) { h.free() }, m.h)
	return m, nil
}

// Close frees the model. Data created from it must not be used afterwards.
func (m *Model) Close() { m.h.free() }

func (m *Model) ptr() *C.mjModel {
	if m == nil || m.h.p == nil {
		panic("mujoco: use of closed or nil Model")
	}
	return m.h.p
}

// NQ is the number of generalised coordinates.
func (m *Model) NQ() int { return int(m.ptr().nq) }

// NV is the number of degrees of freedom.
func (m *Model) NV() int { return int(m.ptr().nv) }

// NU is the number of actuators.
func (m *Model) NU() int { return int(m.ptr().nu) }

// NBody is the number of bodies, including the world body.
func (m *Model) NBody() int { return int(m.ptr().nbody) }

// NGeom is the number of geoms.
func (m *Model) NGeom() int { return int(m.ptr().ngeom) }

// NSite is the number of sites.
func (m *Model) NSite() int { return int(m.ptr().nsite) }

// NMocap is the number of mocap bodies.
func (m *Model) NMocap() int { return int(m.ptr().nmocap) }

// NJoint is the number of joints.
func (m *Model) NJoint() int { return int(m.ptr().njnt) }

// NSensorData is the total length of the sensor data vector.
func (m *Model) NSensorData() int { return int(m.ptr().nsensordata) }

// Timestep is the physics time step in seconds.
func (m *Model) Timestep() float64 { return float64(m.ptr().opt.timestep) }

// ID returns the id of the named object, or an error naming it if absent.
func (m *Model) ID(t ObjType, name string) (int, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	id := int(C.mj_name2id(m.ptr(), C.int(t), cs))
	if id < 0 {
		return -1, fmt.Errorf("mujoco: no %s named %q", t, name)
	}
	return id, nil
}

func cint(p *C.int, n, i int) int        { return int(unsafe.Slice(p, n)[i]) }
func cnum(p *C.mjtNum, n, i int) float64 { return float64(unsafe.Slice(p, n)[i]) }

// JointQPosAdr is the index of joint j's first coordinate in qpos.
func (m *Model) JointQPosAdr(j int) int {
	return cint(m.ptr().jnt_qposadr, m.NJoint(), j)
}

// JointDofAdr is the index of joint j's first degree of freedom in qvel.
func (m *Model) JointDofAdr(j int) int {
	return cint(m.ptr().jnt_dofadr, m.NJoint(), j)
}

// JointRange returns joint j's limits and whether they are enforced.
func (m *Model) JointRange(j int) (lo, hi float64, limited bool) {
	p := m.ptr()
	n := m.NJoint()
	lim := unsafe.Slice(p.jnt_limited, n)[j] != 0
	r := unsafe.Slice(p.jnt_range, 2*n)
	return float64(r[2*j]), float64(r[2*j+1]), lim
}

// DofDamping returns the damping coefficient of dof i (qvel index). The
// Euler integrator applies it implicitly.
func (m *Model) DofDamping(i int) float64 {
	return float64(unsafe.Slice(m.ptr().dof_damping, m.NV())[i])
}

// CtrlRange returns actuator a's control range and whether it is enforced.
func (m *Model) CtrlRange(a int) (lo, hi float64, limited bool) {
	p := m.ptr()
	n := m.NU()
	lim := unsafe.Slice(p.actuator_ctrllimited, n)[a] != 0
	r := unsafe.Slice(p.actuator_ctrlrange, 2*n)
	return float64(r[2*a]), float64(r[2*a+1]), lim
}

// BodyMocapID returns the mocap index of body b, or -1 if it is not mocap.
func (m *Model) BodyMocapID(b int) int {
	return cint(m.ptr().body_mocapid, m.NBody(), b)
}

// GeomSize returns the three size parameters of geom g.
func (m *Model) GeomSize(g int) [3]float64 {
	s := unsafe.Slice(m.ptr().geom_size, 3*m.NGeom())
	return [3]float64{float64(s[3*g]), float64(s[3*g+1]), float64(s[3*g+2])}
}

// Qpos0 returns a copy of the reference configuration.
func (m *Model) Qpos0() []float64 {
	n := m.NQ()
	out := make([]float64, n)
	for i := range out {
		out[i] = cnum(m.ptr().qpos0, n, i)
	}
	return out
}

// raiseError makes MuJoCo raise msg through mju_error under the package's
// guard; used by tests to check that errors come back instead of exiting.
func raiseError(msg string) error {
	cs := C.CString(msg)
	defer C.free(unsafe.Pointer(cs))
	errBuf := make([]C.char, errBufSize)
	if C.ndp_raise_error(cs, &errBuf[0], errBufSize) != 0 {
		return &Error{Op: "raise", Msg: errString(errBuf)}
	}
	return nil
}

// Geom types, mirroring mjtGeom.
const (
	GeomPlane     = int(C.mjGEOM_PLANE)
	GeomSphere    = int(C.mjGEOM_SPHERE)
	GeomCapsule   = int(C.mjGEOM_CAPSULE)
	GeomEllipsoid = int(C.mjGEOM_ELLIPSOID)
	GeomCylinder  = int(C.mjGEOM_CYLINDER)
	GeomBox       = int(C.mjGEOM_BOX)
)

// GeomType returns the shape of geom g (one of the Geom* constants or
// another mjtGeom value).
func (m *Model) GeomType(g int) int { return cint(m.ptr().geom_type, m.NGeom(), g) }

// GeomRGBA returns the colour of geom g.
func (m *Model) GeomRGBA(g int) [4]float32 {
	s := unsafe.Slice(m.ptr().geom_rgba, 4*m.NGeom())
	return [4]float32{float32(s[4*g]), float32(s[4*g+1]), float32(s[4*g+2]), float32(s[4*g+3])}
}

// GeomRBound returns the radius of geom g's bounding sphere (0 for planes).
func (m *Model) GeomRBound(g int) float64 { return cnum(m.ptr().geom_rbound, m.NGeom(), g) }
