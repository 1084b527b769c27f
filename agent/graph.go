package agent

import (
	"github.com/gomlx/gomlx/core/graph"

	"github.com/ndp-go/ndp/model"
)

// MeanNode returns the action means of a forward pass as a graph node,
// [B, K, A], matching [Spec.Means].
func (s Spec) MeanNode(out *model.Outputs) *graph.Node {
	K, A := s.K, s.ActDim
	if !s.NDP {
		B := out.Action.Shape().Dimensions[0]
		return graph.Reshape(out.Action, B, K, A)
	}
	mean := graph.TransposeAllAxes(out.Action, 0, 2, 1) // [B, D, K] → [B, K, D]
	dims := mean.Shape().Dimensions
	if D := dims[2]; D < A {
		// Dims the DMP does not control (a gripper command) come from Φ's
		// extra outputs, held for the K steps of the decision; 0 without them.
		var pad *graph.Node
		if out.Aux != nil {
			pad = graph.Reshape(out.Aux, dims[0], 1, A-D)
		} else {
			pad = graph.ZerosLike(graph.Slice(mean, graph.AxisRange(), graph.AxisRange(0, 1), graph.AxisRange(0, 1))) // [B, 1, 1]
		}
		pad = graph.BroadcastToDims(pad, dims[0], K, A-D)
		mean = graph.Concatenate([]*graph.Node{mean, pad}, 2)
	}
	return mean
}
