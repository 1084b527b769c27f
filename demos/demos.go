// Package demos holds demonstrations (expert observations and actions of
// the control tasks) and their npz file format; package bc collects and
// learns from them.
package demos

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/npzio"
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
	return atomicfile.Write(path, d.Write)
}

// Write writes d to w in the file format above.
func (d *Demos) Write(w io.Writer) error {
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
			return fmt.Errorf("demos: writing demos: %w", err)
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
		return nil, fmt.Errorf("demos: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("demos: %w", err)
	}
	return Read(f, st.Size(), path)
}

// Read reads and validates demonstrations from npz data of the given size;
// name labels errors.
func Read(r io.ReaderAt, size int64, path string) (*Demos, error) {
	zr, err := npzio.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("demos: %s: %w", path, err)
	}
	arr := map[string]*npzio.Array{}
	for _, name := range []string{"obs", "actions", "positions", "episode", "step", "success", "task"} {
		a, err := zr.Read(name, maxElems)
		if err != nil {
			return nil, fmt.Errorf("demos: %s: %w", path, err)
		}
		arr[name] = a
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("demos: %s: "+format, append([]any{path}, a...)...)
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
