package envs

import "math"

// jacoServo turns desired joint positions into actions, tracking the env's
// position targets (which start at the reset joint angles and move by
// JacoActionScale*action per step).
type jacoServo struct {
	tgt  [9]float64
	init bool
}

func (s *jacoServo) act(obs []float64, want [9]float64) []float64 {
	if !s.init {
		copy(s.tgt[:], obs[0:9])
		s.init = true
	}
	a := make([]float64, 9)
	for i := range a {
		a[i] = clamp((want[i]-s.tgt[i])/JacoActionScale, -1, 1)
		s.tgt[i] += a[i] * JacoActionScale
	}
	return a
}

// pickPolicy: hover above the cube, descend, close, lift.
type pickPolicy struct {
	servo jacoServo
	phase int
	n     int
}

func (p *pickPolicy) Reset() { *p = pickPolicy{} }

func (p *pickPolicy) Act(obs []float64) []float64 {
	cube := obs[18:21]
	p.n++
	var want [9]float64
	fingers := 0.0
	var tcp [3]float64
	switch p.phase {
	case 0: // above the cube
		tcp = [3]float64{cube[0], cube[1], cube[2] + 0.12}
	case 1: // down around it
		tcp = [3]float64{cube[0], cube[1], cube[2] + 0.01}
	case 2: // close
		tcp = [3]float64{cube[0], cube[1], cube[2] + 0.01}
		fingers = pickGrip
	default: // lift
		tcp = [3]float64{cube[0], cube[1], 0.35}
		fingers = pickGrip
	}
	arm := jacoIK(tcp, 0)
	copy(want[:6], arm[:])
	want[6], want[7], want[8] = fingers, fingers, fingers
	a := p.servo.act(obs, want)
	// Advance once the targets have reached the plan and the joints settled.
	errMax := 0.0
	for i := 0; i < 9; i++ {
		errMax = math.Max(errMax, math.Abs(want[i]-obs[i]))
	}
	switch {
	case p.phase == 0 && errMax < 0.05:
		p.phase = 1
	case p.phase == 1 && errMax < 0.03:
		p.phase = 2
	case p.phase == 2 && p.servo.tgt[6] >= pickLiftAt-1e-9:
		p.phase = 3
	}
	return a
}

// throwPolicy swings the arm forward and opens the hand when the cube's
// ballistic landing point, predicted from its position and velocity,
// reaches the bin.
type throwPolicy struct {
	servo    jacoServo
	released bool
}

func (p *throwPolicy) Reset() { *p = throwPolicy{} }

func (p *throwPolicy) Act(obs []float64) []float64 {
	if !p.servo.init {
		copy(p.servo.tgt[:], obs[0:9])
		p.servo.init = true
	}
	cube, vel, goal := obs[18:21], obs[21:24], obs[27:30]
	want := p.servo.tgt
	want[0] = math.Atan2(goal[1], goal[0])
	// Swing: shoulder forward, elbow open, wrist flick.
	want[1] += 0.05
	want[2] -= 0.05
	want[3] -= 0.05
	dirx, diry := math.Cos(want[0]), math.Sin(want[0])
	binR := goal[0]*dirx + goal[1]*diry
	r := cube[0]*dirx + cube[1]*diry
	vr := vel[0]*dirx + vel[1]*diry
	// Time to fall to bin-floor height under gravity.
	g := 9.81
	h := cube[2] - cubeHalf
	tl := (vel[2] + math.Sqrt(math.Max(0, vel[2]*vel[2]+2*g*h))) / g
	land := r + vr*tl
	if land > binR-throwLead {
		p.released = true
	}
	if p.released {
		want[6], want[7], want[8] = 0, 0, 0
	}
	return p.servo.act(obs, want)
}

// pickGrip is the finger target when holding: past the contact angle so
// the position servo squeezes.
const pickGrip = 0.7

// pickLiftAt is the finger target at which lifting starts (the fingers keep
// closing while the arm rises; contact is at about 0.3).
const pickLiftAt = 0.55

// throwLead compensates for the fingers taking a few steps to let go.
var throwLead = 0.25
