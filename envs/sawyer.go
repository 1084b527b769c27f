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

//go:embed assets/sawyer.xml
var sawyerXML string

//go:embed assets/push.xml
var pushXML string

//go:embed assets/soccer.xml
var soccerXML string

//go:embed assets/faucet.xml
var faucetXML string

// Sawyer task constants, as specified for the Meta-World style tasks.
const (
	SawyerActionScale = 1.0 / 100 // metres of end-effector motion per unit action per step
	SawyerMaxSteps    = 150
	SawyerFrameSkip   = 5
	SawyerObsDim      = 16
	SawyerActDim      = 4
	PushSuccessDist   = 0.07
	SoccerSuccessDist = 0.07
	FaucetSuccessDist = 0.05
	fingerMax         = 0.04   // finger slide range, m
	faucetHandleLen   = 0.15   // pivot to handle end, m
	faucetHandleZ     = 0.12   // handle height above the table, m
	faucetOpenAngle   = 1.5708 // handle stop (open position), rad
)

// Workspace of the mocap target (hand tool centre point), metres.
var (
	sawyerHome = [3]float64{0, 0.6, 0.2}
	sawyerLow  = [3]float64{-0.3, 0.35, 0.02}
	sawyerHigh = [3]float64{0.3, 0.9, 0.4}
)

// SawyerLayout is the observation layout of push, soccer and faucet.
func SawyerLayout() Layout {
	return Layout{
		Position: []int{0, 1, 2},
		Velocity: []int{7, 8, 9},
		Fields: map[string][2]int{
			"hand_pos": {0, 3}, "finger_opening": {3, 4}, "object_pos": {4, 7},
			"hand_vel": {7, 10}, "object_vel": {10, 13}, "goal_pos": {13, 16},
		},
	}
}

type sawyerKind int

const (
	kindPush sawyerKind = iota
	kindSoccer
	kindFaucet
)

var sawyerNames = map[sawyerKind]string{kindPush: "push", kindSoccer: "soccer", kindFaucet: "faucet"}

// sawyerTask implements push, soccer and faucet on the shared arm scene.
type sawyerTask struct {
	kind    sawyerKind
	easy    bool // push-easy: fixed puck under the start, goal 10 cm ahead
	tcp     int  // site
	objBody int  // push/soccer: object body
	objQ    int  // push/soccer: free joint qpos address; faucet: handle qpos
	endSite int  // faucet: handle end site
	rQ, lQ  int  // finger qpos addresses
	goal    [3]float64
	prevH   [3]float64
	prevO   [3]float64
	// torque: no weld; the arm joints are motors driven at the physics rate
	// by an operational-space controller that holds the hand at the mocap
	// target (the same actions move it), pointing down.
	torque bool
	osc    controllers.OSC
	tau    []float64
	ramp   ramp // the controller's target, on its way to the mocap target
	// vices: the action is VICES's (see VicesSuffix): [Δx 3, stiffness 3, gripper].
	vices bool
}

// sawyerTorques are the motor limits (N·m) of the torque-driven Sawyer's
// joints j0–j6.
var sawyerTorques = [7]float64{40, 40, 30, 30, 15, 10, 5}

// SawyerScene returns the MJCF of the push, soccer or faucet scene
// ("push-easy" is push's). With torque the hand is not welded to the mocap
// target (which stays, as a marker of the commanded position) and the arm
// joints j0–j6 get motors, actuators 2–8 after the two finger servos.
func SawyerScene(task string, torque bool) (string, error) {
	for k, n := range sawyerNames {
		if n == strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(task, TorqueSuffix), VicesSuffix), "-easy") {
			return sawyerScene(k, torque), nil
		}
	}
	return "", fmt.Errorf("%w %q: not a Sawyer task", ErrUnknownTask, task)
}

func sawyerScene(k sawyerKind, torque bool) string {
	objs := map[sawyerKind]string{kindPush: pushXML, kindSoccer: soccerXML, kindFaucet: faucetXML}[k]
	s := strings.Replace(sawyerXML, "{{OBJECTS}}", objs, 1)
	s = strings.Replace(s, "{{TASK}}", sawyerNames[k], 1)
	if torque {
		a, b := strings.Index(s, "<equality>"), strings.Index(s, "</equality>")+len("</equality>")
		s = s[:a] + s[b:]
		var motors strings.Builder
		for i, lim := range sawyerTorques {
			fmt.Fprintf(&motors, "    <motor name=\"j%d\" joint=\"j%d\" ctrllimited=\"true\" ctrlrange=\"%g %g\"/>\n", i, i, -lim, lim)
		}
		s = strings.Replace(s, "  </actuator>", motors.String()+"  </actuator>", 1)
	}
	return s
}

// PushEasy is the registry name of an easy, deterministic push: the puck
// starts 3 cm ahead of the spot under the hand and the goal 10 cm further
// on, so reaching down and nudging the puck 3 cm forward succeeds. Quick
// learning checks use it; it is not one of the paper's tasks.
const PushEasy = "push-easy"

func newSawyerTask(t *sawyerTask, cfg config) (Env, error) {
	k := t.kind
	name := variantName(sawyerNames[k], t.torque, false) // push-easy shares push's scene, VICES the torque one
	m, cfg, err := loadScene(name, sawyerScene(k, t.torque), SawyerFrameSkip, cfg)
	if err != nil {
		return nil, err
	}
	if t.tcp, err = mustID(m, mujoco.ObjSite, "tcp"); err != nil {
		return nil, err
	}
	r, err := mustID(m, mujoco.ObjJoint, "r_close")
	if err != nil {
		return nil, err
	}
	l, err := mustID(m, mujoco.ObjJoint, "l_close")
	if err != nil {
		return nil, err
	}
	t.rQ, t.lQ = m.JointQPosAdr(r), m.JointQPosAdr(l)
	if k == kindFaucet {
		j, err := mustID(m, mujoco.ObjJoint, "handle")
		if err != nil {
			return nil, err
		}
		t.objQ = m.JointQPosAdr(j)
		if t.endSite, err = mustID(m, mujoco.ObjSite, "handle_end"); err != nil {
			return nil, err
		}
	} else {
		j, err := mustID(m, mujoco.ObjJoint, "obj")
		if err != nil {
			return nil, err
		}
		t.objQ = m.JointQPosAdr(j)
		if t.objBody, err = mustID(m, mujoco.ObjBody, "obj"); err != nil {
			return nil, err
		}
	}
	if t.torque {
		arm := []int{0, 1, 2, 3, 4, 5, 6}
		t.osc = controllers.OSC{Site: t.tcp, Dofs: arm, Kp: [3]float64{sawyerOSCKp, sawyerOSCKp, sawyerOSCKp},
			Orient: true, Rot: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, KpRot: sawyerOSCKp,
			NullKp: 10, NullKd: 5, Posture: make([]float64, 7)}
	}
	e, err := newSimEnv(t, m, cfg)
	if err != nil {
		return nil, err
	}
	if t.torque {
		t.ramp = newRamp(3)
		t.ramp.skip = e.skip
		return e, nil // the controller adds the arm's bias forces itself
	}
	// The weld drags the arm; cancelling gravity on the 7 arm joints keeps the
	// hand on its target instead of sagging.
	if err := e.data.SetGravityCompensation([]int{0, 1, 2, 3, 4, 5, 6}); err != nil {
		return nil, err
	}
	return e, nil
}

// sawyerOSCKp is the torque-driven Sawyer's operational-space stiffness
// (1/s², position and orientation), critically damped (ω = 20/s), with the
// target ramped over each env step and its velocity fed forward.
const sawyerOSCKp = 400

func (t *sawyerTask) controls() bool { return t.torque }

// control implements controlled: the arm's torques toward the target on
// its ramp to the mocap target.
func (t *sawyerTask) control(d *mujoco.Data) error {
	mp := d.MocapPos()
	var target [3]float64
	t.ramp.next(mp[0:3], d.Model().Timestep(), target[:], t.osc.TargetVel[:])
	var err error
	if t.tau, err = t.osc.Torques(d, target, t.tau); err != nil {
		return err
	}
	copy(d.Ctrl()[2:9], t.tau)
	return nil
}

func (t *sawyerTask) name() string {
	n := sawyerNames[t.kind]
	if t.easy {
		n = PushEasy
	}
	return variantName(n, t.torque, t.vices)
}
func (t *sawyerTask) episodeState() [][]float64 {
	if t.torque {
		return [][]float64{t.goal[:], t.prevH[:], t.prevO[:], t.ramp.s, t.osc.Kp[:]}
	}
	return [][]float64{t.goal[:], t.prevH[:], t.prevO[:]}
}

// holdTarget makes the controller's target the mocap target at once (after
// a reset, or a dense setpoint per physics step).
func (t *sawyerTask) holdTarget(d *mujoco.Data) {
	if t.torque {
		t.ramp.hold(d.MocapPos()[0:3])
	}
}
func (t *sawyerTask) obsDim() int { return SawyerObsDim }
func (t *sawyerTask) actDim() int {
	if t.vices {
		return SawyerActDim + 3 // a stiffness per axis before the gripper
	}
	return SawyerActDim
}
func (t *sawyerTask) maxSteps() int  { return SawyerMaxSteps }
func (t *sawyerTask) frameSkip() int { return SawyerFrameSkip }
func (t *sawyerTask) layout() Layout { return SawyerLayout() }
func (t *sawyerTask) camera() render.Camera {
	return render.Camera{Eye: [3]float64{1.1, -0.05, 0.85}, LookAt: [3]float64{0, 0.6, 0.08}, FovY: 45}
}

func (t *sawyerTask) reset(d *mujoco.Data, rng *rand.Rand) error {
	copy(d.MocapPos()[0:3], sawyerHome[:])
	t.holdTarget(d)
	if t.vices {
		t.osc.Kp = [3]float64{VicesStiffness(0), VicesStiffness(0), VicesStiffness(0)}
	}
	qpos := d.QPos()
	qpos[t.rQ], qpos[t.lQ] = fingerMax/2, fingerMax/2
	ctrl := d.Ctrl()
	ctrl[0], ctrl[1] = fingerMax/2, fingerMax/2
	mp := d.MocapPos()
	switch t.kind {
	case kindPush:
		if t.easy {
			copy(qpos[t.objQ:t.objQ+7], []float64{0, 0.63, 0.02, 1, 0, 0, 0})
			t.goal = [3]float64{0, 0.73, 0.02}
			copy(mp[3:6], t.goal[:])
			break
		}
		ox, oy := uniform(rng, -0.1, 0.1), uniform(rng, 0.5, 0.6)
		copy(qpos[t.objQ:t.objQ+7], []float64{ox, oy, 0.02, 1, 0, 0, 0})
		t.goal = [3]float64{uniform(rng, -0.1, 0.1), uniform(rng, 0.7, 0.8), 0.02}
		copy(mp[3:6], t.goal[:])
	case kindSoccer:
		ox, oy := uniform(rng, -0.1, 0.1), uniform(rng, 0.5, 0.6)
		copy(qpos[t.objQ:t.objQ+7], []float64{ox, oy, 0.03, 1, 0, 0, 0})
		gx := uniform(rng, -0.1, 0.1)
		copy(mp[3:6], []float64{gx, 0.8, 0})
		t.goal = [3]float64{gx, 0.8, 0.03}
	case kindFaucet:
		bx, by := uniform(rng, -0.1, 0.05), uniform(rng, 0.75, 0.85)
		copy(mp[3:6], []float64{bx, by, 0})
		qpos[t.objQ] = 0
		t.goal = [3]float64{bx + faucetHandleLen, by, faucetHandleZ}
	}
	return nil
}

func (t *sawyerTask) apply(d *mujoco.Data, a []float64) {
	mp := d.MocapPos()
	if t.torque { // the new target is reached over this env step
		t.ramp.start(mp[0:3])
	}
	for i := 0; i < 3; i++ {
		mp[i] = clamp(mp[i]+a[i]*SawyerActionScale, sawyerLow[i], sawyerHigh[i])
	}
	grip := a[3]
	if t.vices {
		for i := range 3 {
			t.osc.Kp[i] = VicesStiffness(a[3+i])
		}
		grip = a[6]
	}
	open := fingerMax / 2 * (1 - grip)
	ctrl := d.Ctrl()
	ctrl[0], ctrl[1] = open, open
}

func (t *sawyerTask) objPos(d *mujoco.Data) []float64 {
	if t.kind == kindFaucet {
		return d.SiteXPos()[3*t.endSite : 3*t.endSite+3]
	}
	return d.XPos()[3*t.objBody : 3*t.objBody+3]
}

func (t *sawyerTask) observe(d *mujoco.Data, obs []float64, dt float64) {
	hand := d.SiteXPos()[3*t.tcp : 3*t.tcp+3]
	obj := t.objPos(d)
	q := d.QPos()
	copy(obs[0:3], hand)
	obs[3] = q[t.rQ] + q[t.lQ]
	copy(obs[4:7], obj)
	for i := 0; i < 3; i++ {
		if dt > 0 {
			obs[7+i] = (hand[i] - t.prevH[i]) / dt
			obs[10+i] = (obj[i] - t.prevO[i]) / dt
		} else {
			obs[7+i], obs[10+i] = 0, 0
		}
		t.prevH[i], t.prevO[i] = hand[i], obj[i]
	}
	copy(obs[13:16], t.goal[:])
}

func (t *sawyerTask) threshold() float64 {
	if t.kind == kindFaucet {
		return FaucetSuccessDist
	}
	return PushSuccessDist
}

// reward: approach the object, bring it to the goal, bonus when solved.
func (t *sawyerTask) reward(obs []float64) float64 {
	reach := norm3(obs[0:3], obs[4:7])
	dist := norm3(obs[4:7], obs[13:16])
	r := -reach - 2*dist
	if dist < t.threshold() {
		r++
	}
	return r
}

func (t *sawyerTask) success(d *mujoco.Data, obs []float64) (bool, float64) {
	dist := norm3(obs[4:7], obs[13:16])
	return dist < t.threshold(), dist
}

func init() {
	tasks := []sawyerTask{{kind: kindPush, easy: true}}
	for k := range sawyerNames {
		tasks = append(tasks, sawyerTask{kind: k})
	}
	for _, v := range variants {
		for _, t := range tasks {
			t.torque, t.vices = v.torque, v.vices
			registry[t.name()] = func(cfg config) (Env, error) { fresh := t; return newSawyerTask(&fresh, cfg) }
		}
	}
}

// faucetAngle returns the handle angle from an observation: 0 closed, pi/2 open.
func faucetAngle(obs []float64) float64 {
	pivot := [2]float64{obs[13] - faucetHandleLen, obs[14]}
	return math.Atan2(obs[4]-pivot[0], -(obs[5] - pivot[1]))
}

func (t *sawyerTask) vicesActions() bool { return t.vices }
