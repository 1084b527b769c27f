package envs

import (
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ndp-go/ndp/controllers"
	"github.com/ndp-go/ndp/envs/render"
	"github.com/ndp-go/ndp/mujoco"
)

//go:embed assets/jaco.xml
var jacoXML string

//go:embed assets/throw.xml
var throwXML string

// Jaco task constants.
const (
	JacoActionScale   = 0.05 // radians of target change per unit action per step
	JacoMaxSteps      = 55
	JacoFrameSkip     = 10
	JacoObsDim        = 30
	JacoActDim        = 9
	ThrowSuccessDist  = 0.19 // cube to bin centre, xy
	PickMinHeight     = 0.08 // cube centre height for pick success
	PickMaxFingerDist = 0.15 // cube to fingertip centre for pick success

	jacoShoulderZ = 0.3
	jacoL1        = 0.45
	jacoL2        = 0.45
	jacoL3        = 0.16 // wrist to tool centre point
	cubeHalf      = 0.025
)

// JacoLayout is the observation layout of throw and pick.
func JacoLayout() Layout {
	pos := make([]int, 9)
	vel := make([]int, 9)
	for i := range pos {
		pos[i], vel[i] = i, 9+i
	}
	return Layout{
		Position: pos,
		Velocity: vel,
		Fields: map[string][2]int{
			"joint_pos": {0, 9}, "joint_vel": {9, 18}, "cube_pos": {18, 21},
			"cube_vel": {21, 24}, "fingertips": {24, 27}, "goal_pos": {27, 30},
		},
	}
}

type jacoTask struct {
	throw bool
	// torque: the arm joints are motors driven at the physics rate by
	// computed torque (Ω = inverse dynamics) along the path to target; the
	// fingers keep their servos.
	torque bool
	target [9]float64 // joint targets in torque mode (else they live in Ctrl)
	ct     controllers.ComputedTorque
	jramp  ramp       // the arm's path to target[:6]
	q, qd  [6]float64 // the path's point of this physics step
	// zero is the path's acceleration. An env action is one joint target
	// per env step, so the path to it is linear in time and its q̈* is zero
	// inside the step; the velocity change at each env step (a policy's ÿ,
	// DMP or not) is left to the controller's Kp/Kd feedback. Feeding a
	// DMP's own ÿ would need actions that carry (y, ẏ, ÿ).
	zero [6]float64
	tau  []float64
	// vices: the action is VICES's (see VicesSuffix): [Δx 3, stiffness 3,
	// finger target changes 3], executed by osc toward ee (the hand target,
	// on its ramp), holding the hand's orientation at the reset's.
	vices    bool
	osc      controllers.OSC
	ee       [3]float64
	ramp     ramp
	cubeQ    int // free joint qpos address
	cubeV    int // free joint dof address
	cubeBody int
	tips     [3]int
	lo, hi   [9]float64 // joint (= control) limits
	goal     [3]float64
}

// jacoTorques are the motor limits (N·m) of the torque-driven Jaco's arm
// joints j1–j6: about four times the largest torque gravity needs.
var jacoTorques = [6]float64{30, 40, 30, 10, 5, 5}

// JacoScene returns the MJCF of the throw (else pick) scene. With torque the
// arm joints j1–j6 are driven by motors (ctrl in N·m, limits jacoTorques)
// instead of position servos; the fingers keep their servos. Actuator i
// drives dof i either way.
func JacoScene(throw, torque bool) string {
	name, objs := "pick", ""
	if throw {
		name, objs = "throw", throwXML
	}
	xml := strings.Replace(strings.Replace(jacoXML, "{{OBJECTS}}", objs, 1), "{{TASK}}", name, 1)
	if torque {
		for i, lim := range jacoTorques {
			j := fmt.Sprintf("j%d", i+1)
			a := strings.Index(xml, `<position name="`+j+`"`)
			b := a + strings.Index(xml[a:], "/>") + 2
			xml = xml[:a] + fmt.Sprintf(`<motor name="%s" joint="%s" ctrllimited="true" ctrlrange="%g %g"/>`, j, j, -lim, lim) + xml[b:]
		}
	}
	return xml
}

// jacoCTKp is the torque-driven Jaco's computed-torque feedback gain (1/s²,
// critically damped): Ω = inverse dynamics of the joint-target path, each
// action's target change ramped over the env step.
const jacoCTKp = 400

func newJaco(throw, torque, vices bool, cfg config) (Env, error) {
	t := &jacoTask{throw: throw, torque: torque || vices, vices: vices}
	name := (&jacoTask{throw: throw, torque: t.torque}).name() // VICES shares the torque scene
	m, cfg, err := loadScene(name, JacoScene(throw, t.torque), JacoFrameSkip, cfg)
	if err != nil {
		return nil, err
	}
	j, err := mustID(m, mujoco.ObjJoint, "cube")
	if err != nil {
		return nil, err
	}
	t.cubeQ, t.cubeV = m.JointQPosAdr(j), m.JointDofAdr(j)
	if t.cubeBody, err = mustID(m, mujoco.ObjBody, "cube"); err != nil {
		return nil, err
	}
	for i, s := range []string{"tip1", "tip2", "tip3"} {
		if t.tips[i], err = mustID(m, mujoco.ObjSite, s); err != nil {
			return nil, err
		}
	}
	for i := 0; i < 9; i++ {
		t.lo[i], t.hi[i], _ = m.CtrlRange(i)
	}
	// Joints 0-8 are the arm and fingers (dofs 0-8); the cube comes after.
	compensated := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	if t.torque {
		for i := range 6 { // the motors' ranges are torques; the joints' ranges bound the targets
			t.lo[i], t.hi[i], _ = m.JointRange(i)
		}
		k, c := make([]float64, 6), make([]float64, 6)
		for i := range 6 {
			k[i], c[i] = jacoCTKp, 2*math.Sqrt(jacoCTKp)
		}
		t.ct = controllers.ComputedTorque{Dofs: compensated[:6], Kp: k, Kd: c}
		tcp, err := mustID(m, mujoco.ObjSite, "tcp")
		if err != nil {
			return nil, err
		}
		t.osc = controllers.OSC{Site: tcp, Dofs: compensated[:6], Orient: true}
		compensated = compensated[6:] // the controller adds the arm's bias forces itself
	}
	e, err := newSimEnv(t, m, cfg)
	if err != nil {
		return nil, err
	}
	t.ramp, t.jramp = newRamp(3), newRamp(6)
	t.ramp.skip, t.jramp.skip = e.skip, e.skip
	if err := e.data.SetGravityCompensation(compensated); err != nil {
		return nil, err
	}
	return e, nil
}

func (t *jacoTask) name() string {
	n := "pick"
	if t.throw {
		n = "throw"
	}
	return variantName(n, t.torque, t.vices)
}

// The VICES Jaco's hand-target workspace, metres.
var (
	jacoVicesLow  = [3]float64{-0.9, -0.9, vicesTCPMin}
	jacoVicesHigh = [3]float64{0.9, 0.9, 1.0}
)

func (t *jacoTask) episodeState() [][]float64 {
	switch {
	case t.vices:
		return [][]float64{t.goal[:], t.target[:], t.ee[:], t.ramp.s, t.osc.Kp[:], t.osc.Rot[:]}
	case t.torque:
		return [][]float64{t.goal[:], t.target[:], t.jramp.s}
	}
	return [][]float64{t.goal[:], t.target[:]}
}

// holdHand makes the hand's current pose the VICES controller's target
// (d's kinematics must be current), with the default stiffness.
func (t *jacoTask) holdHand(d *mujoco.Data) {
	if !t.vices {
		return
	}
	tcp := t.osc.Site
	copy(t.ee[:], d.SiteXPos()[3*tcp:3*tcp+3])
	copy(t.osc.Rot[:], d.SiteXMat()[9*tcp:9*tcp+9])
	t.ramp.hold(t.ee[:])
	k := VicesStiffness(0)
	t.osc.Kp, t.osc.KpRot = [3]float64{k, k, k}, jacoVicesKRot
}

// jacoVicesKRot is the VICES Jaco's fixed orientation stiffness, 1/s².
const jacoVicesKRot = 400

// targets returns where the joint targets live: Ctrl with position servos,
// t.target with motors.
func (t *jacoTask) targets(d *mujoco.Data) []float64 {
	if t.torque {
		return t.target[:]
	}
	return d.Ctrl()[:9]
}

func (t *jacoTask) controls() bool { return t.torque }

// close releases the controller's scratch state.
func (t *jacoTask) close() { t.ct.Close() }

// holdJoints makes the torque-driven arm's targets the controller's path at
// once: no ramp (after a reset, or for a setpoint per physics step).
func (t *jacoTask) holdJoints() {
	if t.torque {
		t.jramp.hold(t.target[:6])
	}
}

// control implements controlled: the arm's torques toward its targets (the
// hand target with VICES, else the joint targets), and the fingers' servo
// targets.
func (t *jacoTask) control(d *mujoco.Data) error {
	var err error
	h := d.Model().Timestep()
	if t.vices {
		var target [3]float64
		t.ramp.next(t.ee[:], h, target[:], t.osc.TargetVel[:])
		t.tau, err = t.osc.Torques(d, target, t.tau)
	} else {
		t.jramp.next(t.target[:6], h, t.q[:], t.qd[:])
		t.tau, err = t.ct.Torques(d, t.q[:], t.qd[:], t.zero[:], t.tau)
	}
	if err != nil {
		return err
	}
	ctrl := d.Ctrl()
	copy(ctrl[:6], t.tau)
	copy(ctrl[6:9], t.target[6:9])
	return nil
}
func (t *jacoTask) obsDim() int    { return JacoObsDim }
func (t *jacoTask) actDim() int    { return JacoActDim }
func (t *jacoTask) maxSteps() int  { return JacoMaxSteps }
func (t *jacoTask) frameSkip() int { return JacoFrameSkip }
func (t *jacoTask) layout() Layout { return JacoLayout() }
func (t *jacoTask) camera() render.Camera {
	return render.Camera{Eye: [3]float64{0.6, -1.6, 1.1}, LookAt: [3]float64{0.55, 0, 0.25}, FovY: 45}
}

// jacoIK returns arm joint angles placing the tool centre point at p with the
// hand pointing straight down, rolled by yaw about the vertical, elbow up.
// The arm is planar after the base yaw, so this is closed form.
func jacoIK(p [3]float64, yaw float64) [6]float64 {
	q1 := math.Atan2(p[1], p[0])
	r := math.Hypot(p[0], p[1])
	dr, dz := r, p[2]+jacoL3-jacoShoulderZ
	d := math.Min(math.Hypot(dr, dz), jacoL1+jacoL2-1e-6)
	c3 := clamp((d*d-jacoL1*jacoL1-jacoL2*jacoL2)/(2*jacoL1*jacoL2), -1, 1)
	q3 := math.Acos(c3)
	q2 := math.Atan2(dr, dz) - math.Atan2(jacoL2*math.Sin(q3), jacoL1+jacoL2*math.Cos(q3))
	q4 := math.Pi - q2 - q3
	// Pointing down, a roll q6 about the hand axis is a world yaw of -q6.
	q6 := math.Remainder(q1-yaw, math.Pi/2)
	return [6]float64{q1, q2, q3, q4, 0, q6}
}

func (t *jacoTask) setJoints(d *mujoco.Data, q []float64) {
	qpos, target := d.QPos(), t.targets(d)
	for i, v := range q {
		v = clamp(v, t.lo[i], t.hi[i])
		qpos[i], target[i] = v, v
	}
	t.holdJoints()
}

func (t *jacoTask) reset(d *mujoco.Data, rng *rand.Rand) error {
	qpos := d.QPos()
	if !t.throw {
		// Cube somewhere in front; hand hovering above the workspace with
		// randomised joints.
		cx, cy := uniform(rng, 0.4, 0.6), uniform(rng, -0.15, 0.15)
		copy(qpos[t.cubeQ:t.cubeQ+7], []float64{cx, cy, cubeHalf, 1, 0, 0, 0})
		arm := jacoIK([3]float64{0.4, 0, 0.3}, 0)
		q := make([]float64, 9)
		for i := 0; i < 6; i++ {
			q[i] = arm[i] + uniform(rng, -0.1, 0.1)
		}
		t.setJoints(d, q)
		t.goal = [3]float64{cx, cy, PickMinHeight + 0.07}
		if t.vices {
			if err := d.Forward(); err != nil {
				return err
			}
			t.holdHand(d)
		}
		return nil
	}
	// Throw: the cube starts in the closed hand, the arm drawn back; the bin
	// is about a metre away, randomised.
	bx, by := uniform(rng, 0.95, 1.1), uniform(rng, -0.2, 0.2)
	copy(d.MocapPos()[0:3], []float64{bx, by, 0})
	t.goal = [3]float64{bx, by, 0}
	yaw := math.Atan2(by, bx) + uniform(rng, -0.1, 0.1)
	tcp := [3]float64{0.3 * math.Cos(yaw), 0.3 * math.Sin(yaw), uniform(rng, 0.45, 0.55)}
	arm := jacoIK(tcp, 0)
	q := []float64{arm[0], arm[1], arm[2], arm[3], 0, arm[5], 0.25, 0.25, 0.25}
	t.setJoints(d, q)
	target := t.targets(d)
	target[6], target[7], target[8] = 0.45, 0.45, 0.45
	if err := d.Forward(); err != nil {
		return err
	}
	// Put the cube at the tool centre point, aligned with the hand.
	tcpID, err := mustID(d.Model(), mujoco.ObjSite, "tcp")
	if err != nil {
		return err
	}
	sp := d.SiteXPos()[3*tcpID : 3*tcpID+3]
	h := math.Remainder(arm[0]-arm[5], math.Pi/2) / 2 // cube yaw matching the hand
	copy(qpos[t.cubeQ:t.cubeQ+7], []float64{sp[0], sp[1], sp[2], math.Cos(h), 0, 0, math.Sin(h)})
	t.holdHand(d)
	// Let the fingers take hold before the episode starts.
	return stepControlled(t, d, 50, nil)
}

func (t *jacoTask) apply(d *mujoco.Data, a []float64) {
	target := t.targets(d)
	if t.vices {
		t.ramp.start(t.ee[:])
		for i := range 3 {
			t.ee[i] = clamp(t.ee[i]+a[i]*VicesStep, jacoVicesLow[i], jacoVicesHigh[i])
			t.osc.Kp[i] = VicesStiffness(a[3+i])
		}
		for i := 6; i < 9; i++ {
			target[i] = clamp(target[i]+a[i]*JacoActionScale, t.lo[i], t.hi[i])
		}
		return
	}
	if t.torque {
		t.jramp.start(target[:6])
	}
	for i := 0; i < 9; i++ {
		target[i] = clamp(target[i]+a[i]*JacoActionScale, t.lo[i], t.hi[i])
	}
}

func (t *jacoTask) observe(d *mujoco.Data, obs []float64, _ float64) {
	qpos, qvel := d.QPos(), d.QVel()
	copy(obs[0:9], qpos[0:9])
	copy(obs[9:18], qvel[0:9])
	copy(obs[18:21], d.XPos()[3*t.cubeBody:3*t.cubeBody+3])
	copy(obs[21:24], qvel[t.cubeV:t.cubeV+3])
	sx := d.SiteXPos()
	for k := 0; k < 3; k++ {
		obs[24+k] = (sx[3*t.tips[0]+k] + sx[3*t.tips[1]+k] + sx[3*t.tips[2]+k]) / 3
	}
	copy(obs[27:30], t.goal[:])
}

func (t *jacoTask) reward(obs []float64) float64 {
	cube, tips, goal := obs[18:21], obs[24:27], obs[27:30]
	if t.throw {
		r := -norm2(cube, goal)
		if ok, _ := t.judge(obs); ok {
			r++
		}
		return r
	}
	// Pick: reach the cube, then lift it as high as possible.
	r := -norm3(tips, cube) + 5*math.Min(cube[2]-cubeHalf, 0.3)
	if ok, _ := t.judge(obs); ok {
		r++
	}
	return r
}

// judge evaluates success from an observation. Throw: the cube rests (slow,
// low) within ThrowSuccessDist of the bin centre in xy. Pick: the cube is
// above PickMinHeight and within PickMaxFingerDist of the fingertips.
func (t *jacoTask) judge(obs []float64) (bool, float64) {
	cube, vel, tips, goal := obs[18:21], obs[21:24], obs[24:27], obs[27:30]
	if t.throw {
		dist := norm2(cube, goal)
		speed := math.Sqrt(vel[0]*vel[0] + vel[1]*vel[1] + vel[2]*vel[2])
		return dist < ThrowSuccessDist && cube[2] < 0.06 && speed < 0.5, dist
	}
	short := math.Max(0, PickMinHeight-cube[2])
	return cube[2] > PickMinHeight && norm3(cube, tips) < PickMaxFingerDist, short
}

func (t *jacoTask) success(_ *mujoco.Data, obs []float64) (bool, float64) { return t.judge(obs) }

func init() {
	for _, v := range variants {
		for _, throw := range []bool{false, true} {
			registry[(&jacoTask{throw: throw, torque: v.torque, vices: v.vices}).name()] = func(cfg config) (Env, error) {
				return newJaco(throw, v.torque, v.vices, cfg)
			}
		}
	}
}

func (t *jacoTask) vicesActions() bool { return t.vices }
