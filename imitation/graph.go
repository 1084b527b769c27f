package imitation

import (
	"github.com/gomlx/gomlx/core/graph"
)

type graphNode = graph.Node

// reshape flattens a [B, ...] node to [B, width].
func reshape(x *graph.Node, width int) *graph.Node {
	return graph.Reshape(x, x.Shape().Dimensions[0], width)
}
