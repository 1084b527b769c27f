package model

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// headLayout is the one definition of how Φ's output row is read for a DMP
// head; the graph (Model.Build) and the pure-Go policy both decode through
// it. Per row:
//
//	[w_{0,1..N}, g_0, w_{1,1..N}, g_1, …, w_{D−1,1..N}, g_{D−1}, aux_1..A]
//	only_g: [g_0, …, g_{D−1}, aux_1..A]
//
// The trunk scales the whole row by OutputScale (the authors' ×100, meant
// for the weights). So the goals are rescaled to GoalScale and the aux
// outputs (e.g. a gripper command) unscaled, and with GoalRelative the goal
// is an offset from the start y0:
//
//	g_d = row[goal(d)] · GoalScale/OutputScale (+ y0_d),   aux_j = row[dmp+j] / OutputScale.
//
// A standardised head (HeadShift, HeadScale) first maps the DMP part,
// row_i ← shift_i + scale_i·row_i, then decodes as above.
type headLayout struct {
	D, N, Aux    int
	OnlyG        bool
	Relative     bool
	Shift, Scale []float32 // nil: no standardisation
	// GoalFactor is GoalScale/OutputScale, or 0 to leave the goals as Φ
	// gave them (GoalScale unset).
	GoalFactor float64
	OutScale   float64
}

func (c Config) headLayout() headLayout {
	h := headLayout{D: c.DoF, N: c.DMP.N, Aux: c.AuxOut, OnlyG: c.DMP.OnlyG, Relative: c.GoalRelative, OutScale: c.OutputScale}
	if len(c.HeadShift) > 0 {
		h.Shift, h.Scale = make([]float32, len(c.HeadShift)), make([]float32, len(c.HeadScale))
		for i := range c.HeadShift {
			h.Shift[i], h.Scale[i] = float32(c.HeadShift[i]), float32(c.HeadScale[i])
		}
	}
	if c.GoalScale > 0 {
		h.GoalFactor = c.GoalScale / c.OutputScale
	}
	return h
}

// dmpWidth is the part of the row that parametrises the DMP.
func (h headLayout) dmpWidth() int {
	if h.OnlyG {
		return h.D
	}
	return h.D * (h.N + 1)
}

// decode reads one row (pure Go, no allocation): weights w [D·N]
// (row-major [D, N]; left alone with only_g), goals g [D] and aux [Aux]
// (may be nil when Aux is 0), given the start y0 [D].
func (h headLayout) decode(row, y0, w, g, aux []float32) {
	wd := h.dmpWidth()
	for j, v := range row[wd : wd+h.Aux] {
		aux[j] = v / float32(h.OutScale)
	}
	at := func(i int) float32 {
		if h.Shift != nil {
			return h.Shift[i] + h.Scale[i]*row[i]
		}
		return row[i]
	}
	N := h.N
	for d := range h.D {
		var gd float32
		if h.OnlyG {
			gd = at(d)
		} else {
			gd = at(d*(N+1) + N)
			for i := range N {
				w[d*N+i] = at(d*(N+1) + i)
			}
		}
		if h.GoalFactor > 0 {
			gd *= float32(h.GoalFactor)
		}
		if h.Relative {
			gd += y0[d]
		}
		g[d] = gd
	}
}

// DecodeHead reads the DMP parameters from one row of an ndp head's output
// (Result.Head, [HeadWidth]) as Model.Build does: weights w [DoF·N]
// (row-major [DoF, N]; zero with only_g) and goals g [DoF], given the start
// y0 [DoF]. Aux outputs are ignored.
func (c Config) DecodeHead(row, y0 []float32) (w, g []float32, err error) {
	c = c.WithDefaults()
	if c.Head != HeadNDP {
		return nil, nil, fmt.Errorf("model: DecodeHead needs an ndp head, this one is %q", c.Head)
	}
	if len(row) != c.HeadWidth() || len(y0) != c.DoF {
		return nil, nil, fmt.Errorf("model: DecodeHead: row has %d values and y0 %d, want %d and %d", len(row), len(y0), c.HeadWidth(), c.DoF)
	}
	h := c.headLayout()
	w, g = make([]float32, c.DoF*c.DMP.N), make([]float32, c.DoF)
	h.decode(row, y0, w, g, make([]float32, c.AuxOut))
	if c.DMP.OnlyG {
		clear(w)
	}
	return w, g, nil
}

// decodeGraph is decode on a batch of rows in a graph: head [B, width]
// gives w [B, D, N] (nil with only_g), g [B, D] and aux [B, Aux] (nil when
// Aux is 0); y0 is [B, D].
func (h headLayout) decodeGraph(head, y0 *graph.Node) (w, g, aux *graph.Node) {
	B, wd := head.Shape().Dimensions[0], h.dmpWidth()
	dmpPart := head
	if h.Aux > 0 {
		dmpPart = graph.Slice(head, graph.AxisRange(), graph.AxisRange(0, wd))
		aux = graph.MulScalar(graph.Slice(head, graph.AxisRange(), graph.AxisRange(wd, wd+h.Aux)), 1/h.OutScale)
	}
	if h.Shift != nil {
		gr := head.Graph()
		row := func(v []float32) *graph.Node {
			return graph.BroadcastToDims(graph.Const(gr, [][]float32{v}), B, wd)
		}
		dmpPart = graph.Add(row(h.Shift), graph.Mul(row(h.Scale), dmpPart))
	}
	if h.OnlyG {
		g = dmpPart
	} else {
		r := graph.Reshape(dmpPart, B, h.D, h.N+1)
		w = graph.Slice(r, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, h.N))
		g = graph.Reshape(graph.Slice(r, graph.AxisRange(), graph.AxisRange(), graph.AxisElem(h.N)), B, h.D)
	}
	if h.GoalFactor > 0 {
		g = graph.MulScalar(g, h.GoalFactor)
	}
	if h.Relative {
		g = graph.Add(g, y0)
	}
	return w, g, aux
}
