// Package bc is behaviour cloning on the control tasks (the paper's
// Table 1): collect demonstrations from an expert, train an NDP (Φ → DMP →
// position deltas, K actions per decision) and a plain MLP of about the same
// size with an L2 loss on the expert's actions (the paper's eq. 7), then
// evaluate both by rolling them out in the simulator.
package bc

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/npzio"
	"github.com/ndp-go/ndp/policy"
)

// Demos are expert steps, flattened over episodes in time order.
//
// File format (npz, C order, readable with numpy.load):
//
//	obs        float32 [n, ObsDim]  observation before each action
//	actions    float32 [n, ActDim]  expert action, clipped to [-1, 1]
//	positions  float32 [n, D]       the robot position part of obs (the DMP's y0)
//	episode    int32   [n]          episode index of each step
//	step       int32   [n]          step index within its episode
//	success    uint8   [episodes]   1 if the episode succeeded at any step
//	task       uint8   [len]        the task name, ASCII
type Demos struct {
	Task      string
	ObsDim    int
	ActDim    int
	Obs       []float32 // [n, ObsDim]
	Actions   []float32 // [n, ActDim]
	Positions []float32 // [n, D]
	Episode   []int32   // [n]
	Step      []int32   // [n]
	Success   []bool    // [episodes]
}

// Len returns the number of steps.
func (d *Demos) Len() int { return len(d.Episode) }

// Expert is what demonstrations are collected from: a policy queried
// every K steps on up to Parallel envs, with an optional Reset before each
// episode (scripted experts keep state, so they drive one env).
type Expert struct {
	Policy   agent.Policy
	K        int
	Parallel int
	Reset    func(env, episode int, seed int64, obs []float64) error
}

// ScriptedExpert returns the task's scripted controller as an expert.
func ScriptedExpert(task string) (Expert, error) {
	p, err := envs.Scripted(task)
	if err != nil {
		return Expert{}, err
	}
	pol, reset := agent.FromEnvPolicy(p)
	return Expert{Policy: pol, K: 1, Parallel: 1, Reset: reset}, nil
}

// PolicyExpert returns the deterministic policy of a policy file's actor
// as an expert on 8 parallel envs.
func PolicyExpert(a *policy.Actor) Expert {
	return Expert{Policy: a.Policy(), K: a.Meta.Spec.K, Parallel: 8}
}

// Collect records episodes of expert on task, keeping only successful
// ones when onlySuccess is set. Episode i is reset with seed base+i, base =
// agent.ResetSeed(seed, agent.StreamDemos, 0, 0).
func Collect(task string, expert Expert, episodes int, seed int64, onlySuccess bool) (*Demos, error) {
	if episodes < 1 {
		return nil, fmt.Errorf("bc: need at least 1 episode, got %d", episodes)
	}
	probe, err := envs.Make(task)
	if err != nil {
		return nil, err
	}
	pos, obsDim, actDim := probe.Layout().Position, probe.ObsDim(), probe.ActDim()
	probe.Close()
	type episode struct {
		obs, act  [][]float64
		done      bool
		success   bool
		unstabled bool
	}
	eps := make([]episode, episodes)
	base := agent.ResetSeed(seed, agent.StreamDemos, 0, 0)
	_, err = agent.Evaluate(agent.EvalOptions{
		Episodes: episodes, Parallel: expert.Parallel, K: expert.K, A: actDim,
		Make:  func() (envs.Env, error) { return envs.Make(task) },
		Seeds: func(i int) int64 { return base + int64(i) },
		Reset: expert.Reset,
		Step: func(_, i int, obs, a []float64, r agent.StepResult) error {
			ep := &eps[i]
			clipped := make([]float64, len(a))
			for d, v := range a {
				clipped[d] = max(-1, min(1, v)) // the env applies the clipped action
			}
			ep.obs, ep.act = append(ep.obs, obs), append(ep.act, clipped)
			if r.Done {
				ep.done, ep.success, ep.unstabled = true, r.Info.EpisodeSuccess, r.Info.Unstable
			}
			return nil
		},
	}, expert.Policy)
	if err != nil {
		return nil, fmt.Errorf("bc: collecting %s demos: %w", task, err)
	}
	d := &Demos{Task: task, ObsDim: obsDim, ActDim: actDim}
	for _, ep := range eps {
		if ep.unstabled || (onlySuccess && !ep.success) {
			continue
		}
		idx := int32(len(d.Success))
		d.Success = append(d.Success, ep.success)
		for t, a := range ep.act {
			for _, v := range ep.obs[t] {
				d.Obs = append(d.Obs, float32(v))
			}
			for _, v := range a {
				d.Actions = append(d.Actions, float32(v))
			}
			for _, i := range pos {
				d.Positions = append(d.Positions, float32(ep.obs[t][i]))
			}
			d.Episode = append(d.Episode, idx)
			d.Step = append(d.Step, int32(t))
		}
	}
	if len(d.Success) == 0 {
		return nil, fmt.Errorf("bc: none of the %d %s episodes qualified as a demonstration", episodes, task)
	}
	return d, nil
}

// SuccessRate is the fraction of recorded episodes that succeeded.
func (d *Demos) SuccessRate() float64 {
	s := 0
	for _, v := range d.Success {
		if v {
			s++
		}
	}
	return float64(s) / float64(len(d.Success))
}

// Save writes d to path atomically.
func (d *Demos) Save(path string) error {
	return atomicfile.Write(path, d.write)
}

func (d *Demos) write(w io.Writer) error {
	n := d.Len()
	succ := make([]uint8, len(d.Success))
	for i, s := range d.Success {
		if s {
			succ[i] = 1
		}
	}
	zw := npzio.NewWriter(w)
	for _, a := range []struct {
		name  string
		v     any
		shape []int
	}{
		{"obs", d.Obs, []int{n, d.ObsDim}}, {"actions", d.Actions, []int{n, d.ActDim}},
		{"positions", d.Positions, []int{n, len(d.Positions) / max(1, n)}},
		{"episode", d.Episode, []int{len(d.Episode)}}, {"step", d.Step, []int{len(d.Step)}},
		{"success", succ, []int{len(succ)}}, {"task", []uint8(d.Task), []int{len(d.Task)}},
	} {
		if err := zw.Add(a.name, a.v, a.shape...); err != nil {
			return fmt.Errorf("bc: writing demos: %w", err)
		}
	}
	return zw.Close()
}

// maxElems bounds any array read from a demo file.
const maxElems = 1 << 28

// maxValue bounds observations, actions and positions: the tasks' are of
// order 1, and a float32 network trained on 1e30 only overflows.
const maxValue = 1e6

// Load reads and validates demonstrations.
func Load(path string) (*Demos, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bc: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("bc: %w", err)
	}
	return Read(f, st.Size(), path)
}

// Read reads and validates demonstrations from npz data of the given size;
// name labels errors.
func Read(r io.ReaderAt, size int64, path string) (*Demos, error) {
	zr, err := npzio.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("bc: %s: %w", path, err)
	}
	arr := map[string]*npzio.Array{}
	for _, name := range []string{"obs", "actions", "positions", "episode", "step", "success", "task"} {
		a, err := zr.Read(name, maxElems)
		if err != nil {
			return nil, fmt.Errorf("bc: %s: %w", path, err)
		}
		arr[name] = a
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("bc: %s: "+format, append([]any{path}, a...)...)
	}
	o, ac, p := arr["obs"], arr["actions"], arr["positions"]
	if len(o.Shape) != 2 || len(ac.Shape) != 2 || len(p.Shape) != 2 {
		return nil, bad("obs, actions and positions must be 2-D, got %v, %v, %v", o.Shape, ac.Shape, p.Shape)
	}
	n := o.Shape[0]
	if n == 0 || ac.Shape[0] != n || p.Shape[0] != n || arr["episode"].Len() != n || arr["step"].Len() != n {
		return nil, bad("arrays disagree on the number of steps (obs %v, actions %v, positions %v, episode %d, step %d)",
			o.Shape, ac.Shape, p.Shape, arr["episode"].Len(), arr["step"].Len())
	}
	d := &Demos{ObsDim: o.Shape[1], ActDim: ac.Shape[1]}
	name := make([]byte, arr["task"].Len())
	for i := range name {
		name[i] = byte(arr["task"].At(i))
	}
	d.Task = string(name)
	var err2 error
	f32 := func(a *npzio.Array, what string) []float32 {
		out := make([]float32, a.Len())
		for i := range out {
			v := a.At(i)
			if !(math.Abs(v) <= maxValue) {
				err2 = errors.Join(err2, bad("%s[%d] is %v; values must be finite and within ±%g", what, i, v, maxValue))
				return nil
			}
			out[i] = float32(v)
		}
		return out
	}
	d.Obs, d.Actions, d.Positions = f32(o, "obs"), f32(ac, "actions"), f32(p, "positions")
	if err2 != nil {
		return nil, err2
	}
	ne := arr["success"].Len()
	for i := range n {
		ep, st := int32(arr["episode"].At(i)), int32(arr["step"].At(i))
		if ep < 0 || int(ep) >= ne || st < 0 {
			return nil, bad("step %d has episode %d (of %d) and step %d", i, ep, ne, st)
		}
		d.Episode, d.Step = append(d.Episode, ep), append(d.Step, st)
	}
	for i := range ne {
		d.Success = append(d.Success, arr["success"].At(i) != 0)
	}
	return d, nil
}
