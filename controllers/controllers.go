// Package controllers turns targets into joint torques at the physics rate,
// for arms whose joints are driven by motors: an operational-space
// controller of an end-effector position (what VICES's actions command) and
// a joint-space impedance controller (what a planned joint trajectory
// needs). Both read the state of a [mujoco.Data] whose kinematics are
// current (between Data.Step1 and Data.Step2 at the physics rate, or after
// Forward) and write one torque per controlled dof. Both add the bias forces qfrc_bias (gravity, Coriolis and
// centrifugal), so that an arm at its target holds still; do not also turn
// on the Data's gravity compensation for those dofs.
package controllers

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/ndp-go/ndp/mujoco"
)

// OSC is an operational-space controller of a site's position and,
// optionally, orientation. With J the site's Jacobian over the controlled
// dofs (3×n translational; 6×n with the rotational rows when Orient), M the
// joint-space inertia (n×n) and b the bias forces:
//
//	ẍ* = Kp∘(x* − x) + Kd∘(ẋ* − ẋ),     ẋ = J·q̇
//	ω̇* = KpRot·e_R − KdRot·ω,           e_R = ½·Σᵢ rᵢ × r*ᵢ (rᵢ, r*ᵢ: columns of R, R*)
//	Λ  = (J M⁻¹ Jᵀ)⁻¹                    (the inertia the site feels)
//	τ  = Jᵀ Λ [ẍ*; ω̇*] + Nᵀ·(NullKp·(q₀ − q) − NullKd·q̇) + b − f_passive
//
// where N = I − J̄ J with J̄ = M⁻¹ Jᵀ Λ, so that the posture term (toward
// Posture q₀, or damping only when Posture is nil) does not disturb the
// site. Kp is in 1/s² (the site's commanded acceleration per metre of
// error); a zero Kd is critical damping, 2√Kp. The joints' passive forces
// (damping) are cancelled too, so that the site moves with the dynamics
// above: on the Jaco's light wrist the joint damping would otherwise
// dominate and leave orientation errors that decay over seconds.
type OSC struct {
	Site           int        // the controlled site (e.g. the tool centre point)
	Dofs           []int      // the controlled dofs, in the order of the torques: hinge or slide joints before any free or ball joint, so that dof i is qpos i
	Kp             [3]float64 // stiffness per axis, 1/s²
	Kd             [3]float64 // damping per axis, 1/s; 0: critically damped, 2√Kp
	TargetVel      [3]float64 // ẋ*, the target's velocity (m/s), for a moving target
	Orient         bool       // also hold the site's orientation at Rot
	Rot            [9]float64 // the target rotation matrix, row-major (the site's xmat)
	KpRot, KdRot   float64    // orientation stiffness and damping (1/s², 1/s; KdRot 0: 2√KpRot)
	NullKp, NullKd float64    // posture stiffness and damping in the null space (1/s², 1/s)
	Posture        []float64  // q₀ per controlled dof, or nil

	jacp, jacr, full []float64
	s                oscScratch
}

// oscScratch holds the matrices of one Torques call, reused by the next so
// that control at the physics rate does not allocate.
type oscScratch struct {
	rows, n                    int
	J                          *mat.Dense
	M                          *mat.SymDense
	qd, acc, null              *mat.VecDense
	chol                       mat.Cholesky
	MinvJT, lamInv, lam, jbarT mat.Dense
	vel, F, t, proj, back      mat.VecDense
}

// size makes s hold rows×n matrices.
func (s *oscScratch) size(rows, n int) {
	if s.rows == rows && s.n == n {
		return
	}
	*s = oscScratch{rows: rows, n: n, J: mat.NewDense(rows, n, nil), M: mat.NewSymDense(n, nil),
		qd: mat.NewVecDense(n, nil), acc: mat.NewVecDense(rows, nil), null: mat.NewVecDense(n, nil)}
}

// Torques returns the torques (one per dof of c.Dofs, into tau when it is
// long enough) that drive the site toward target.
func (c *OSC) Torques(d *mujoco.Data, target [3]float64, tau []float64) ([]float64, error) {
	n := len(c.Dofs)
	if err := c.check(d); err != nil {
		return nil, err
	}
	nv := d.Model().NV()
	var err error
	if c.jacp, c.jacr, err = d.JacSite(c.Site, c.jacp, c.jacr); err != nil {
		return nil, err
	}
	if c.full, err = d.FullM(c.full); err != nil {
		return nil, err
	}
	rows := 3
	if c.Orient {
		rows = 6
	}
	s := &c.s
	s.size(rows, n)
	J, M, qd := s.J, s.M, s.qd
	for a, i := range c.Dofs {
		for r := range 3 {
			J.Set(r, a, c.jacp[r*nv+i])
			if c.Orient {
				J.Set(3+r, a, c.jacr[r*nv+i])
			}
		}
		for b, j := range c.Dofs[a:] {
			M.SetSym(a, a+b, c.full[i*nv+j])
		}
		qd.SetVec(a, d.QVel()[i])
	}
	if !s.chol.Factorize(M) {
		return nil, fmt.Errorf("controllers: the inertia of dofs %v is not positive definite", c.Dofs)
	}
	// MinvJT = M⁻¹ Jᵀ (n×rows); Λ⁻¹ = J M⁻¹ Jᵀ.
	if err := s.chol.SolveTo(&s.MinvJT, J.T()); err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	s.lamInv.Mul(J, &s.MinvJT)
	for r := range rows { // a site at a singularity: damp Λ⁻¹ rather than invert a singular matrix
		s.lamInv.Set(r, r, s.lamInv.At(r, r)+1e-6)
	}
	if err := s.lam.Inverse(&s.lamInv); err != nil {
		return nil, fmt.Errorf("controllers: task-space inertia: %w", err)
	}
	s.vel.MulVec(J, qd) // [ẋ; ω]
	pos := d.SiteXPos()[3*c.Site : 3*c.Site+3]
	for r := range 3 {
		s.acc.SetVec(r, c.Kp[r]*(target[r]-pos[r])+damping(c.Kd[r], c.Kp[r])*(c.TargetVel[r]-s.vel.AtVec(r)))
	}
	if c.Orient {
		R := d.SiteXMat()[9*c.Site : 9*c.Site+9]
		e := rotationError(R, c.Rot[:])
		for r := range 3 {
			s.acc.SetVec(3+r, c.KpRot*e[r]-damping(c.KdRot, c.KpRot)*s.vel.AtVec(3+r))
		}
	}
	s.F.MulVec(&s.lam, s.acc)
	s.t.MulVec(J.T(), &s.F)
	if c.NullKp != 0 || c.NullKd != 0 {
		for a, i := range c.Dofs {
			v := -c.NullKd * d.QVel()[i]
			if c.Posture != nil {
				v += c.NullKp * (c.Posture[a] - d.QPos()[i])
			}
			s.null.SetVec(a, v)
		}
		// Nᵀ·null = null − Jᵀ J̄ᵀ null, with J̄ᵀ = Λ J M⁻¹.
		s.jbarT.Mul(&s.lam, s.MinvJT.T())
		s.proj.MulVec(&s.jbarT, s.null)
		s.back.MulVec(J.T(), &s.proj)
		s.null.SubVec(s.null, &s.back)
		s.t.AddVec(&s.t, s.null)
	}
	if len(tau) < n {
		tau = make([]float64, n)
	}
	bias, passive := d.QfrcBias(), d.QfrcPassive()
	for a, i := range c.Dofs {
		tau[a] = s.t.AtVec(a) + bias[i] - passive[i]
	}
	return tau[:n], nil
}

// damping is kd, or critical damping 2√kp when kd is zero.
func damping(kd, kp float64) float64 {
	if kd == 0 {
		return 2 * math.Sqrt(kp)
	}
	return kd
}

// rotationError returns ½·Σᵢ rᵢ × r*ᵢ over the columns of the row-major
// rotation matrices R and Rt: for small errors, the rotation vector that
// turns R into Rt, in world axes.
func rotationError(R, Rt []float64) [3]float64 {
	var e [3]float64
	for i := range 3 {
		a := [3]float64{R[i], R[3+i], R[6+i]}
		b := [3]float64{Rt[i], Rt[3+i], Rt[6+i]}
		e[0] += 0.5 * (a[1]*b[2] - a[2]*b[1])
		e[1] += 0.5 * (a[2]*b[0] - a[0]*b[2])
		e[2] += 0.5 * (a[0]*b[1] - a[1]*b[0])
	}
	return e
}

func (c *OSC) check(d *mujoco.Data) error {
	m := d.Model()
	if c.Site < 0 || c.Site >= m.NSite() {
		return fmt.Errorf("controllers: site %d out of range [0,%d)", c.Site, m.NSite())
	}
	if err := checkDofs(c.Dofs, m.NV()); err != nil {
		return err
	}
	if c.Posture != nil && len(c.Posture) != len(c.Dofs) {
		return fmt.Errorf("controllers: posture has %d values for %d dofs", len(c.Posture), len(c.Dofs))
	}
	return nil
}

func checkDofs(dofs []int, nv int) error {
	if len(dofs) == 0 {
		return fmt.Errorf("controllers: no dofs to control")
	}
	for _, i := range dofs {
		if i < 0 || i >= nv {
			return fmt.Errorf("controllers: dof %d out of range [0,%d)", i, nv)
		}
	}
	return nil
}

// JointImpedance holds joints at a posture: with b the bias forces,
//
//	τ = Kp·(q* − q) − Kd·q̇ + b
//
// per controlled dof (the same layout rule as OSC.Dofs).
type JointImpedance struct {
	Dofs []int
	Kp   []float64 // stiffness per dof, N·m/rad
	Kd   []float64 // damping per dof, N·m·s/rad
}

// Torques returns the torques (into tau when it is long enough) that pull
// the dofs toward target [len(Dofs)].
func (c *JointImpedance) Torques(d *mujoco.Data, target, tau []float64) ([]float64, error) {
	n := len(c.Dofs)
	if err := checkDofs(c.Dofs, d.Model().NV()); err != nil {
		return nil, err
	}
	if len(c.Kp) != n || len(c.Kd) != n || len(target) != n {
		return nil, fmt.Errorf("controllers: %d dofs, %d stiffnesses, %d dampings and %d targets", n, len(c.Kp), len(c.Kd), len(target))
	}
	if len(tau) < n {
		tau = make([]float64, n)
	}
	q, qd, bias := d.QPos(), d.QVel(), d.QfrcBias()
	for a, i := range c.Dofs {
		tau[a] = c.Kp[a]*(target[a]-q[i]) - c.Kd[a]*qd[i] + bias[i]
	}
	return tau[:n], nil
}

// ComputedTorque is the paper's Ω = inverse dynamics: joint torques that
// make the arm follow a planned joint trajectory (positions, velocities and
// accelerations, e.g. an NDP's DMP rollout), through MuJoCo's inverse
// dynamics of the commanded acceleration:
//
//	q̈_c = q̈* + Kp∘(q* − q) + Kd∘(q̇* − q̇),    τ = ID(q, q̇, q̈_c)
//
// on the controlled dofs (the same layout rule as OSC.Dofs). ID (mj_inverse)
// gives M·q̈_c plus the bias forces minus the passive ones (joint damping).
// MuJoCo's Euler integrator applies joint damping D implicitly, so the
// acceleration it produces is (M + h·D)⁻¹·f rather than M⁻¹·f (h the
// timestep); τ gets h·D·q̈_c added for it, which on the Jaco's light wrist
// (armature 0.05, damping 3) is a 12% correction. With no contact the
// feedforward alone then tracks the plan; Kp and Kd (1/s² and 1/s; nil for
// none) correct the drift. The other dofs' accelerations are taken as zero.
// Close releases its scratch state.
type ComputedTorque struct {
	Dofs   []int
	Kp, Kd []float64

	scratch *mujoco.Data
}

// Torques returns the torques (into tau when it is long enough) for the
// plan's point q, qd, qdd [len(Dofs)] at d's current state.
func (c *ComputedTorque) Torques(d *mujoco.Data, q, qd, qdd, tau []float64) ([]float64, error) {
	n := len(c.Dofs)
	m := d.Model()
	if err := checkDofs(c.Dofs, m.NV()); err != nil {
		return nil, err
	}
	if len(q) != n || len(qd) != n || len(qdd) != n || (c.Kp != nil && len(c.Kp) != n) || (c.Kd != nil && len(c.Kd) != n) {
		return nil, fmt.Errorf("controllers: %d dofs; the plan has %d/%d/%d values, the gains %d/%d", n, len(q), len(qd), len(qdd), len(c.Kp), len(c.Kd))
	}
	if c.scratch == nil || c.scratch.Model() != m {
		c.Close()
		s, err := mujoco.NewData(m)
		if err != nil {
			return nil, err
		}
		c.scratch = s
	}
	s := c.scratch
	copy(s.QPos(), d.QPos())
	copy(s.QVel(), d.QVel())
	acc := s.QAcc()
	clear(acc)
	for a, i := range c.Dofs {
		acc[i] = qdd[a]
		if c.Kp != nil {
			acc[i] += c.Kp[a] * (q[a] - d.QPos()[i])
		}
		if c.Kd != nil {
			acc[i] += c.Kd[a] * (qd[a] - d.QVel()[i])
		}
	}
	if err := s.Inverse(); err != nil {
		return nil, fmt.Errorf("controllers: inverse dynamics: %w", err)
	}
	if len(tau) < n {
		tau = make([]float64, n)
	}
	f, h := s.QfrcInverse(), m.Timestep()
	for a, i := range c.Dofs {
		tau[a] = f[i] + h*m.DofDamping(i)*acc[i]
	}
	return tau[:n], nil
}

// Close releases the controller's scratch state.
func (c *ComputedTorque) Close() {
	if c.scratch != nil {
		c.scratch.Close()
		c.scratch = nil
	}
}
