package envs

import (
	"fmt"
	"math"
)

// Policy maps observations to actions. Scripted policies may keep state
// within an episode; call Reset at the start of each episode.
type Policy interface {
	Reset()
	Act(obs []float64) []float64
}

// Scripted returns the hand-written controller that solves the named task
// from observations alone, used as a feasibility proof, in tests, by
// `ndp env rollout --policy scripted` and as a demonstration source.
func Scripted(name string) (Policy, error) {
	switch name {
	case "push", PushEasy, "push" + TorqueSuffix, PushEasy + TorqueSuffix:
		return &pushPolicy{}, nil
	case "soccer", "soccer" + TorqueSuffix:
		return &pushPolicy{soccer: true}, nil
	case "faucet", "faucet" + TorqueSuffix:
		return &faucetPolicy{}, nil
	case "throw", "throw" + TorqueSuffix: // the torque-driven arm takes the same actions
		return &throwPolicy{}, nil
	case "pick", "pick" + TorqueSuffix:
		return &pickPolicy{}, nil
	}
	return nil, fmt.Errorf("%w %q: no scripted policy", ErrUnknownTask, name)
}

// moveTo returns the Sawyer action that moves the hand toward target,
// saturating at one action unit (1 cm) per axis.
func moveTo(hand []float64, target [3]float64, grip float64) []float64 {
	a := make([]float64, 4)
	for i := 0; i < 3; i++ {
		a[i] = clamp((target[i]-hand[i])/SawyerActionScale, -1, 1)
	}
	a[3] = grip
	return a
}

// pushPolicy pushes an object (puck or ball) toward the goal with the closed
// gripper: it positions the hand behind the object on the goal line, then
// pushes through it, re-aligning whenever the object drifts off the line.
type pushPolicy struct {
	soccer  bool
	pushing bool
}

func (p *pushPolicy) Reset() { p.pushing = false }

func (p *pushPolicy) Act(obs []float64) []float64 {
	hand, obj, goal := obs[0:3], obs[4:7], obs[13:16]
	dx, dy := goal[0]-obj[0], goal[1]-obj[1]
	dist := math.Hypot(dx, dy)
	if dist < 0.03 {
		// Close enough: back off upward so as not to disturb the object.
		return moveTo(hand, [3]float64{hand[0], hand[1], 0.15}, 1)
	}
	ux, uy := dx/dist, dy/dist
	const back = 0.065 // object radius plus finger half thickness plus margin
	z := 0.02
	if p.soccer {
		z = 0.025
	}
	bx, by := obj[0]-ux*back, obj[1]-uy*back
	off := math.Hypot(hand[0]-bx, hand[1]-by)
	// Signed distances of the hand along and across the push line.
	along := (hand[0]-obj[0])*ux + (hand[1]-obj[1])*uy
	across := -(hand[0]-obj[0])*uy + (hand[1]-obj[1])*ux
	if p.pushing && (along > -0.03 || math.Abs(across) > 0.03) {
		p.pushing = false
	}
	if !p.pushing && off < 0.015 && hand[2] < z+0.015 {
		p.pushing = true
	}
	if p.pushing {
		step := math.Min(0.06, dist+0.02)
		// Aim through the object; the cross-line term re-centres the contact.
		a := moveTo(hand, [3]float64{bx + ux*step - uy*across*0.5, by + uy*step + ux*across*0.5, z}, 1)
		// Slow down near the goal so the object does not coast past it.
		s := clamp(dist/0.1, 0.3, 1)
		a[0], a[1] = a[0]*s, a[1]*s
		return a
	}
	if off > 0.02 {
		// Rise first, then travel above the object to the pre-push point,
		// so the hand never sweeps sideways through the object.
		if hand[2] < 0.07 {
			return moveTo(hand, [3]float64{hand[0], hand[1], 0.09}, 1)
		}
		return moveTo(hand, [3]float64{bx, by, 0.09}, 1)
	}
	return moveTo(hand, [3]float64{bx, by, z}, 1)
}

// faucetPolicy sweeps the handle end along its arc with the closed gripper.
type faucetPolicy struct{ engaged bool }

func (p *faucetPolicy) Reset() { p.engaged = false }

func (p *faucetPolicy) Act(obs []float64) []float64 {
	hand, goal := obs[0:3], obs[13:16]
	px, py := goal[0]-faucetHandleLen, goal[1]
	th := faucetAngle(obs)
	const rc = 0.12 // contact radius along the handle
	const z = 0.11
	dir := func(a float64) (float64, float64) { return math.Sin(a), -math.Cos(a) }
	if th > faucetOpenAngle-0.05 {
		return moveTo(hand, [3]float64{hand[0], hand[1], 0.2}, 1)
	}
	// Pre-contact point: behind the handle in the opening direction.
	rx, ry := dir(th)
	tx, ty := math.Cos(th), math.Sin(th)
	bx, by := px+rc*rx-0.035*tx, py+rc*ry-0.035*ty
	off := math.Hypot(hand[0]-bx, hand[1]-by)
	if !p.engaged {
		if off < 0.015 && hand[2] < z+0.015 {
			p.engaged = true
		} else if off > 0.02 {
			return moveTo(hand, [3]float64{bx, by, 0.2}, 1)
		} else {
			return moveTo(hand, [3]float64{bx, by, z}, 1)
		}
	}
	// Hand angle about the pivot; disengage if the handle got away.
	ha := math.Atan2(hand[0]-px, -(hand[1] - py))
	if ha > th+0.05 || ha < th-0.6 {
		p.engaged = false
		return moveTo(hand, [3]float64{hand[0], hand[1], 0.2}, 1)
	}
	ax, ay := dir(th + 0.35)
	return moveTo(hand, [3]float64{px + rc*ax, py + rc*ay, z}, 1)
}
