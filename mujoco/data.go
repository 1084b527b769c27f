package mujoco

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"unsafe"
)

// Warning indices, mirroring mjtWarning.
const (
	WarnInertia     = int(C.mjWARN_INERTIA)
	WarnContactFull = int(C.mjWARN_CONTACTFULL)
	WarnCnstrFull   = int(C.mjWARN_CNSTRFULL)
	WarnVGeomFull   = int(C.mjWARN_VGEOMFULL)
	WarnBadQPos     = int(C.mjWARN_BADQPOS)
	WarnBadQVel     = int(C.mjWARN_BADQVEL)
	WarnBadQAcc     = int(C.mjWARN_BADQACC)
	WarnBadCtrl     = int(C.mjWARN_BADCTRL)
	NumWarnings     = int(C.mjNWARNING)
)

var warningNames = map[int]string{
	WarnInertia: "singular inertia", WarnContactFull: "contact buffer full",
	WarnCnstrFull: "constraint buffer full", WarnVGeomFull: "visual geom buffer full",
	WarnBadQPos: "bad qpos (NaN/Inf/huge)", WarnBadQVel: "bad qvel (NaN/Inf/huge)",
	WarnBadQAcc: "bad qacc (NaN/Inf/huge)", WarnBadCtrl: "bad ctrl (NaN/Inf/huge)",
}

// ErrClosed is returned when a closed Data or Model is used.
var ErrClosed = errors.New("mujoco: data is closed")

// UnstableError reports that the simulation diverged: MuJoCo found NaN/Inf or
// huge values, raised the warning and reset mjData. The state is no longer the
// trajectory the caller was simulating, so the episode must end.
type UnstableError struct {
	Warning int     // one of WarnBadQPos, WarnBadQVel, WarnBadQAcc, WarnBadCtrl
	Info    int     // MuJoCo's lastinfo: the offending index
	Time    float64 // simulation time after MuJoCo's reset
}

// Error implements error.
func (e *UnstableError) Error() string {
	return fmt.Sprintf("mujoco: simulation unstable: %s at index %d; MuJoCo reset the state",
		warningNames[e.Warning], e.Info)
}

// Error is a MuJoCo error (mju_error) caught by the package's handler. The
// Data it came from must be Reset before further use.
type Error struct {
	Op  string
	Msg string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("mujoco: %s: %s", e.Op, e.Msg) }

type dataHandle struct {
	p   *C.mjData
	eb  *C.char
	bad *C.int
}

func (h *dataHandle) free() {
	if h.p != nil {
		C.mj_deleteData(h.p)
		C.free(unsafe.Pointer(h.eb))
		C.free(unsafe.Pointer(h.bad))
		h.p, h.eb, h.bad = nil, nil, nil
	}
}

// Data is the simulation state of one environment. It is not safe for
// concurrent use; use one Data per goroutine.
type Data struct {
	m      *Model
	h      *dataHandle
	gc     []C.int // dofs that get gravity compensation, C memory
	gcPtr  *C.int
	broken bool // a MuJoCo error interrupted a call; Reset required
	// C scratch for error text and the bad-warning index: Go stack buffers
	// passed to C would escape and allocate on every step.
	eb  *C.char
	bad *C.int
}

func (d *Data) errText() string { return strings.TrimSpace(C.GoString(d.eb)) }

// NewData allocates simulation state for m, reset to the reference pose.
func NewData(m *Model) (*Data, error) {
	if m == nil || m.h.p == nil {
		return nil, errors.New("mujoco: NewData: nil or closed model")
	}
	errBuf := make([]C.char, errBufSize)
	p := C.ndp_make_data(m.h.p, &errBuf[0], errBufSize)
	if p == nil {
		return nil, &Error{Op: "make data", Msg: errString(errBuf)}
	}
	h := &dataHandle{p: p}
	h.eb = (*C.char)(C.malloc(errBufSize))
	h.bad = (*C.int)(C.malloc(C.size_t(unsafe.Sizeof(C.int(0)))))
	d := &Data{m: m, h: h, eb: h.eb, bad: h.bad}
	runtime.AddCleanup(d, func(h *dataHandle) { h.free() }, d.h)
	if err := d.Reset(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Model returns the model this data was made for.
func (d *Data) Model() *Model { return d.m }

// Close frees the data; views obtained from it become invalid.
func (d *Data) Close() {
	d.h.free()
	if d.gcPtr != nil {
		C.free(unsafe.Pointer(d.gcPtr))
		d.gcPtr, d.gc = nil, nil
	}
}

func (d *Data) check() error {
	if d == nil || d.h.p == nil || d.m.h.p == nil {
		return ErrClosed
	}
	return nil
}

// Reset restores the reference configuration (qpos0, zero velocity, zero
// controls) and runs forward kinematics so positions are valid.
func (d *Data) Reset() error {
	if err := d.check(); err != nil {
		return err
	}
	if C.ndp_reset(d.m.h.p, d.h.p, d.eb, errBufSize) != 0 {
		d.broken = true
		return &Error{Op: "reset", Msg: d.errText()}
	}
	d.broken = false
	return nil
}

func (d *Data) ready(op string) error {
	if err := d.check(); err != nil {
		return err
	}
	if d.broken {
		return &Error{Op: op, Msg: "data was left inconsistent by an earlier error; call Reset"}
	}
	return nil
}

// Forward runs forward dynamics without integrating (positions, velocities,
// accelerations and sensors become consistent with qpos/qvel/ctrl).
func (d *Data) Forward() error {
	if err := d.ready("forward"); err != nil {
		return err
	}
	if C.ndp_forward(d.m.h.p, d.h.p, d.eb, errBufSize) != 0 {
		d.broken = true
		return &Error{Op: "forward", Msg: d.errText()}
	}
	return nil
}

// Inverse runs inverse dynamics (mj_inverse): given qpos, qvel and qacc it
// fills QfrcInverse with the generalised forces that produce qacc.
func (d *Data) Inverse() error {
	if err := d.ready("inverse"); err != nil {
		return err
	}
	if C.ndp_inverse(d.m.h.p, d.h.p, d.eb, errBufSize) != 0 {
		d.broken = true
		return &Error{Op: "inverse", Msg: d.errText()}
	}
	return nil
}

// SetGravityCompensation makes every subsequent physics step apply
// qfrc_applied = qfrc_bias on the given dofs, cancelling gravity and Coriolis
// forces there (MuJoCo 2.2 has no gravcomp attribute). Pass nil to disable.
func (d *Data) SetGravityCompensation(dofs []int) error {
	if err := d.check(); err != nil {
		return err
	}
	nv := d.m.NV()
	for _, v := range dofs {
		if v < 0 || v >= nv {
			return fmt.Errorf("mujoco: gravity compensation dof %d out of range [0,%d)", v, nv)
		}
	}
	if d.gcPtr != nil {
		C.free(unsafe.Pointer(d.gcPtr))
		d.gcPtr, d.gc = nil, nil
	}
	if len(dofs) == 0 {
		return nil
	}
	d.gcPtr = (*C.int)(C.malloc(C.size_t(len(dofs)) * C.size_t(unsafe.Sizeof(C.int(0)))))
	d.gc = unsafe.Slice(d.gcPtr, len(dofs))
	for i, v := range dofs {
		d.gc[i] = C.int(v)
	}
	return nil
}

// Step advances the simulation by n physics steps in one cgo call. It
// returns an *UnstableError as soon as MuJoCo flags NaN/Inf or huge values
// (the state has then been reset by MuJoCo), or an *Error if MuJoCo raised an
// error.
func (d *Data) Step(n int) error {
	if err := d.ready("step"); err != nil {
		return err
	}
	if n <= 0 {
		return fmt.Errorf("mujoco: step count %d must be positive", n)
	}
	return d.stepResult("step", C.ndp_step(d.m.h.p, d.h.p, C.int(n), d.gcPtr, C.int(len(d.gc)), d.eb, errBufSize, d.bad))
}

// Step1 is the first half of one physics step: it computes the current
// state's kinematics, inertia (FullM), Jacobians and bias forces, so that a
// controller can read them and set Ctrl before [Data.Step2] integrates.
// Step1 then Step2 is one Step(1) (the scenes' Euler integrator), with
// gravity compensation from the fresh bias forces. A bad state (checked
// here and in Step2) is an *UnstableError, as from Step.
func (d *Data) Step1() error {
	if err := d.ready("step1"); err != nil {
		return err
	}
	return d.stepResult("step1", C.ndp_step1(d.m.h.p, d.h.p, d.eb, errBufSize, d.bad))
}

// Step2 finishes the physics step begun by [Data.Step1], with the errors of
// [Data.Step].
func (d *Data) Step2() error {
	if err := d.ready("step2"); err != nil {
		return err
	}
	return d.stepResult("step2", C.ndp_step2(d.m.h.p, d.h.p, d.gcPtr, C.int(len(d.gc)), d.eb, errBufSize, d.bad))
}

// stepResult turns a stepping shim's return code into an error.
func (d *Data) stepResult(op string, rc C.int) error {
	switch rc {
	case 0:
		return nil
	case 1:
		bad := *d.bad
		w := d.h.p.warning[bad]
		return &UnstableError{Warning: int(bad), Info: int(w.lastinfo), Time: float64(d.h.p.time)}
	default:
		d.broken = true
		return &Error{Op: op, Msg: d.errText()}
	}
}

// WarningCounts returns how often each MuJoCo warning was raised for this
// data since the last reset.
func (d *Data) WarningCounts() [NumWarnings]int {
	var out [NumWarnings]int
	if d.check() != nil {
		return out
	}
	for i := range out {
		out[i] = int(d.h.p.warning[i].number)
	}
	return out
}

// Time is the simulation time in seconds.
func (d *Data) Time() float64 { return float64(d.h.p.time) }

func view(p *C.mjtNum, n int) []float64 {
	if n == 0 || p == nil {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

// QPos is a view of the generalised coordinates (length NQ).
func (d *Data) QPos() []float64 { return view(d.h.p.qpos, d.m.NQ()) }

// QVel is a view of the generalised velocities (length NV).
func (d *Data) QVel() []float64 { return view(d.h.p.qvel, d.m.NV()) }

// QAcc is a view of the generalised accelerations (length NV); an input to
// Inverse.
func (d *Data) QAcc() []float64 { return view(d.h.p.qacc, d.m.NV()) }

// Ctrl is a view of the actuator controls (length NU).
func (d *Data) Ctrl() []float64 { return view(d.h.p.ctrl, d.m.NU()) }

// QfrcApplied is a view of the applied generalised forces (length NV).
func (d *Data) QfrcApplied() []float64 { return view(d.h.p.qfrc_applied, d.m.NV()) }

// QfrcBias is a view of the bias forces, gravity plus Coriolis (length NV).
func (d *Data) QfrcBias() []float64 { return view(d.h.p.qfrc_bias, d.m.NV()) }

// QfrcPassive is the passive force (joint damping and springs) of the last
// forward pass, length NV.
func (d *Data) QfrcPassive() []float64 { return view(d.h.p.qfrc_passive, d.m.NV()) }

// QfrcInverse is a view of the inverse-dynamics forces computed by Inverse
// (length NV).
func (d *Data) QfrcInverse() []float64 { return view(d.h.p.qfrc_inverse, d.m.NV()) }

// ActuatorForce is a view of the actuator forces (length NU).
func (d *Data) ActuatorForce() []float64 { return view(d.h.p.actuator_force, d.m.NU()) }

// MocapPos is a view of the mocap body positions (3 per mocap body).
func (d *Data) MocapPos() []float64 { return view(d.h.p.mocap_pos, 3*d.m.NMocap()) }

// MocapQuat is a view of the mocap body orientations (4 per mocap body).
func (d *Data) MocapQuat() []float64 { return view(d.h.p.mocap_quat, 4*d.m.NMocap()) }

// XPos is a view of the body positions in world frame (3 per body).
func (d *Data) XPos() []float64 { return view(d.h.p.xpos, 3*d.m.NBody()) }

// XQuat is a view of the body orientations in world frame (4 per body).
func (d *Data) XQuat() []float64 { return view(d.h.p.xquat, 4*d.m.NBody()) }

// XMat is a view of the body rotation matrices, row-major (9 per body).
func (d *Data) XMat() []float64 { return view(d.h.p.xmat, 9*d.m.NBody()) }

// GeomXPos is a view of the geom positions in world frame (3 per geom).
func (d *Data) GeomXPos() []float64 { return view(d.h.p.geom_xpos, 3*d.m.NGeom()) }

// GeomXMat is a view of the geom rotation matrices (9 per geom).
func (d *Data) GeomXMat() []float64 { return view(d.h.p.geom_xmat, 9*d.m.NGeom()) }

// SiteXPos is a view of the site positions in world frame (3 per site).
func (d *Data) SiteXPos() []float64 { return view(d.h.p.site_xpos, 3*d.m.NSite()) }

// SiteXMat is a view of the site rotation matrices (9 per site).
func (d *Data) SiteXMat() []float64 { return view(d.h.p.site_xmat, 9*d.m.NSite()) }

// SensorData is a view of the sensor outputs (length NSensorData).
func (d *Data) SensorData() []float64 { return view(d.h.p.sensordata, d.m.NSensorData()) }

// Contact is one active contact between two geoms.
type Contact struct {
	Geom1, Geom2 int
	Dist         float64    // negative: penetration
	Pos          [3]float64 // midpoint between the geoms
	Normal       [3]float64 // from Geom1 to Geom2
}

// NumContacts is the number of active contacts.
func (d *Data) NumContacts() int { return int(d.h.p.ncon) }

// Contacts appends the active contacts to dst and returns it.
func (d *Data) Contacts(dst []Contact) []Contact {
	n := int(d.h.p.ncon)
	if n == 0 {
		return dst
	}
	cs := unsafe.Slice(d.h.p.contact, n)
	for i := range cs {
		c := &cs[i]
		dst = append(dst, Contact{
			Geom1: int(c.geom1), Geom2: int(c.geom2), Dist: float64(c.dist),
			Pos:    [3]float64{float64(c.pos[0]), float64(c.pos[1]), float64(c.pos[2])},
			Normal: [3]float64{float64(c.frame[0]), float64(c.frame[1]), float64(c.frame[2])},
		})
	}
	return dst
}

// JacSite computes the translational (3×NV) and rotational (3×NV) Jacobians
// of site s, row-major, into jacp and jacr (allocated when nil or short).
func (d *Data) JacSite(s int, jacp, jacr []float64) ([]float64, []float64, error) {
	if err := d.ready("jacobian"); err != nil {
		return nil, nil, err
	}
	if s < 0 || s >= d.m.NSite() {
		return nil, nil, fmt.Errorf("mujoco: site %d out of range [0,%d)", s, d.m.NSite())
	}
	nv := d.m.NV()
	if len(jacp) < 3*nv {
		jacp = make([]float64, 3*nv)
	}
	if len(jacr) < 3*nv {
		jacr = make([]float64, 3*nv)
	}
	// Go memory passed for the duration of the call only: allowed by cgo.
	if C.ndp_jac_site(d.m.h.p, d.h.p, (*C.mjtNum)(unsafe.Pointer(&jacp[0])),
		(*C.mjtNum)(unsafe.Pointer(&jacr[0])), C.int(s), d.eb, errBufSize) != 0 {
		d.broken = true
		return nil, nil, &Error{Op: "jacobian", Msg: d.errText()}
	}
	return jacp[:3*nv], jacr[:3*nv], nil
}

// FullM writes the joint-space inertia matrix M (NV×NV, row-major) of the
// last forward pass (Forward or Step) into dst (allocated when short).
func (d *Data) FullM(dst []float64) ([]float64, error) {
	if err := d.ready("inertia"); err != nil {
		return nil, err
	}
	nv := d.m.NV()
	if len(dst) < nv*nv {
		dst = make([]float64, nv*nv)
	}
	if C.ndp_full_m(d.m.h.p, d.h.p, (*C.mjtNum)(unsafe.Pointer(&dst[0])), d.eb, errBufSize) != 0 {
		d.broken = true
		return nil, &Error{Op: "inertia", Msg: d.errText()}
	}
	return dst[:nv*nv], nil
}

// stateParts lists the mjData arrays that carry a simulation forward: the
// integration state, the controls and applied forces, the solver's warm
// start (without it a restored simulation drifts from the original by
// solver tolerance), and qfrc_bias, which gravity compensation reads from
// the previous step.
//
// The order is the layout of [Data.State]; warmPart and biasPart index it.
func (d *Data) stateParts() [][]float64 {
	m := d.m
	p := d.h.p
	return [][]float64{
		view(p.qpos, m.NQ()), view(p.qvel, m.NV()), view(p.act, int(m.ptr().na)),
		view(p.ctrl, m.NU()), view(p.qacc_warmstart, m.NV()), view(p.qfrc_applied, m.NV()),
		view(p.xfrc_applied, 6*m.NBody()), view(p.mocap_pos, 3*m.NMocap()), view(p.mocap_quat, 4*m.NMocap()),
		view(p.qfrc_bias, m.NV()), // read by the next step's gravity compensation (see ndp_step)
	}
}

// Indices into stateParts of the arrays SetState keeps across mj_forward.
const (
	warmPart = 4 // qacc_warmstart
	biasPart = 9 // qfrc_bias
)

// State returns a copy of everything [Data.SetState] needs to continue the
// simulation exactly: time, qpos, qvel, act, ctrl, qacc_warmstart,
// qfrc_applied, xfrc_applied, mocap_pos, mocap_quat and qfrc_bias,
// concatenated.
func (d *Data) State() ([]float64, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	out := []float64{float64(d.h.p.time)}
	for _, part := range d.stateParts() {
		out = append(out, part...)
	}
	return out, nil
}

// SetState restores a [Data.State] of the same model and recomputes the
// derived quantities (positions, contacts) with mj_forward, keeping the
// saved warm start and bias forces, so the next step equals the original's.
func (d *Data) SetState(state []float64) error {
	if err := d.check(); err != nil {
		return err
	}
	parts := d.stateParts()
	n := 1
	for _, part := range parts {
		n += len(part)
	}
	if len(state) != n {
		return fmt.Errorf("mujoco: state has %d values, this model needs %d", len(state), n)
	}
	for _, v := range state {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("mujoco: state holds a non-finite value")
		}
	}
	d.h.p.time = C.mjtNum(state[0])
	off := 1
	for _, part := range parts {
		off += copy(part, state[off:])
	}
	// mj_forward stores its own solution as the next warm start and
	// recomputes qfrc_bias at the new state; the original's next step reads
	// the saved ones.
	warm, bias := slices.Clone(parts[warmPart]), slices.Clone(parts[biasPart])
	if err := d.Forward(); err != nil {
		return err
	}
	copy(parts[warmPart], warm)
	copy(parts[biasPart], bias)
	return nil
}

// CopyState copies qpos, qvel, act, mocap and time from src (same model).
func (d *Data) CopyState(src *Data) error {
	if err := d.check(); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	if src.m != d.m {
		return errors.New("mujoco: CopyState between different models")
	}
	copy(d.QPos(), src.QPos())
	copy(d.QVel(), src.QVel())
	copy(d.Ctrl(), src.Ctrl())
	copy(d.MocapPos(), src.MocapPos())
	copy(d.MocapQuat(), src.MocapQuat())
	d.h.p.time = src.h.p.time
	return nil
}
