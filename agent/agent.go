// Package agent connects a trained network to an env: it turns raw
// observations into model inputs (normalised observations, and for an NDP
// the DMP start state y0, ẏ0 in action units), turns model outputs into K
// action means per decision, and rolls policies out for evaluation. PPO and
// behaviour cloning share it.
package agent

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/rl"
)

// Spec says how a policy's outputs map to an env's actions.
//
// An NDP plans in positions measured in action units: y = position/scale,
// where scale is how far one unit of action moves the commanded position
// in one step. Its DMP position deltas are then directly the actions. The
// DMP's time τ = 1 spans K env steps, so ẏ0 = velocity/scale·K·dt.
type Spec struct {
	NDP bool `json:"ndp"` // DMP head; otherwise a raw head of K·A outputs
	K   int  `json:"k"`   // actions per decision
	// Execute, if in 1..K-1, is how many of the K planned actions are
	// executed before the policy plans again (0: all K).
	Execute  int       `json:"execute,omitempty"`
	ObsDim   int       `json:"obs_dim"`   //
	ActDim   int       `json:"act_dim"`   // A
	Pos      []int     `json:"pos"`       // observation indices of the DMP's y0 (NDP)
	Vel      []int     `json:"vel"`       // observation indices of the matching velocities (NDP)
	Scale    []float64 `json:"scale"`     // position units per action unit, per DMP DoF (NDP)
	VelScale float64   `json:"vel_scale"` // K·dt: seconds of env time per unit of DMP time (NDP)
}

// Executed returns how many actions of each decision are executed.
func (s Spec) Executed() int {
	if s.Execute > 0 && s.Execute < s.K {
		return s.Execute
	}
	return s.K
}

// scaledEnv is what an env offers to map DMP positions to actions.
type scaledEnv interface {
	ActionScale() []float64 // position change per unit action, per action dim
	Dt() float64            // seconds per env step
}

// NewSpec reads the layout of env for a policy with K actions per decision.
func NewSpec(env envs.Env, ndp bool, k int) (Spec, error) {
	if k < 1 {
		return Spec{}, fmt.Errorf("agent: k = %d, need ≥ 1", k)
	}
	s := Spec{NDP: ndp, K: k, ObsDim: env.ObsDim(), ActDim: env.ActDim()}
	if !ndp {
		return s, nil
	}
	se, ok := env.(scaledEnv)
	if !ok {
		return Spec{}, fmt.Errorf("agent: task %s does not report its action scale, which an NDP needs", env.Name())
	}
	lay := env.Layout()
	as := se.ActionScale()
	if len(lay.Position) == 0 || len(lay.Position) > s.ActDim || len(as) < len(lay.Position) {
		return Spec{}, fmt.Errorf("agent: task %s has %d position dims for %d actions; an NDP needs 1..%d", env.Name(), len(lay.Position), s.ActDim, s.ActDim)
	}
	s.Pos, s.Vel = lay.Position, lay.Velocity
	s.Scale = as[:len(lay.Position)]
	s.VelScale = float64(k) * se.Dt()
	return s, nil
}

// DoF returns the number of DMP-controlled dims (0 for a raw head).
func (s Spec) DoF() int { return len(s.Pos) }

// AuxOut returns how many action dims an NDP's Φ must output directly:
// those that are not positions (0 for a raw head).
func (s Spec) AuxOut() int {
	if !s.NDP {
		return 0
	}
	return s.ActDim - s.DoF()
}

// Batch builds model inputs from raw observations (each [ObsDim]); norm may
// be nil. Extra is left empty.
func (s Spec) Batch(obs [][]float64, norm *rl.RunningMeanStd) model.Batch {
	E, D := len(obs), s.DoF()
	on := make([]float32, E*s.ObsDim)
	tmp := make([]float64, s.ObsDim)
	for e, o := range obs {
		src := o
		if norm != nil {
			norm.Normalize(tmp, o)
			src = tmp
		}
		for i, v := range src {
			on[e*s.ObsDim+i] = float32(v)
		}
	}
	b := model.Batch{Obs: model.F32(on, E, s.ObsDim)}
	if s.NDP {
		y0, dy0 := make([]float32, E*D), make([]float32, E*D)
		for e, o := range obs {
			for d, idx := range s.Pos {
				y0[e*D+d] = float32(o[idx] / s.Scale[d])
				if d < len(s.Vel) {
					dy0[e*D+d] = float32(o[s.Vel[d]] / s.Scale[d] * s.VelScale)
				}
			}
		}
		b.Y0, b.DY0 = model.F32(y0, E, D), model.F32(dy0, E, D)
	}
	return b
}

// Means extracts the action means of E observations from a forward result,
// [E, K, A]: an NDP's K position deltas for its DoF, with the other action
// dims (a gripper command) from Φ's aux outputs held for the K steps (0
// without them), or a raw head's K·A outputs.
func (s Spec) Means(res *model.Result, E int) ([]float64, error) {
	K, A := s.K, s.ActDim
	t := res.Action
	if t == nil { // raw head: Φ's output is the action
		t = res.Head
	}
	act, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, fmt.Errorf("agent: reading actions: %w", err)
	}
	out := make([]float64, E*K*A)
	if !s.NDP {
		if len(act) < len(out) {
			return nil, fmt.Errorf("agent: model gives %d action values for %d×%d×%d", len(act), E, K, A)
		}
		for i := range out {
			out[i] = float64(act[i])
		}
		return out, nil
	}
	D := s.DoF() // Action is [E, D, K] deltas
	if len(act) < E*D*K {
		return nil, fmt.Errorf("agent: model gives %d deltas for %d×%d×%d", len(act), E, D, K)
	}
	var aux []float32 // [E, A−D]: held over the K steps
	if res.Aux != nil && D < A {
		if aux, err = tensors.CopyFlatData[float32](res.Aux); err != nil {
			return nil, fmt.Errorf("agent: reading aux outputs: %w", err)
		}
		if len(aux) < E*(A-D) {
			return nil, fmt.Errorf("agent: model gives %d aux outputs for %d×%d", len(aux), E, A-D)
		}
	}
	for e := range E {
		for j := range K {
			for d := range D {
				out[(e*K+j)*A+d] = float64(act[(e*D+d)*K+j])
			}
			if aux != nil {
				for a := D; a < A; a++ {
					out[(e*K+j)*A+a] = float64(aux[e*(A-D)+a-D])
				}
			}
		}
	}
	return out, nil
}

// Values extracts the critic's K values per observation, [E, K].
func Values(res *model.Result) ([]float64, error) {
	if res.Value == nil {
		return nil, fmt.Errorf("agent: model has no critic")
	}
	v, err := tensors.CopyFlatData[float32](res.Value)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out, nil
}
