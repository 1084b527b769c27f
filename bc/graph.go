package bc

import (
	"github.com/gomlx/gomlx/core/graph"
)

type node = graph.Node

// maskedMSE is Σ mask·(pred − target)² / Σ mask: the paper's eq. 7 over the
// expert steps that exist and the action dims the policy controls.
func maskedMSE(pred, target, mask *graph.Node) *graph.Node {
	return graph.Div(graph.ReduceAllSum(graph.Mul(graph.Square(graph.Sub(pred, target)), mask)), graph.MaxScalar(graph.ReduceAllSum(mask), 1))
}
