package imitation

import "github.com/ndp-go/ndp/model"

// fakeHead wraps parameters as a forward result of a raw head.
func fakeHead(p []float64) *model.Result {
	f := make([]float32, len(p))
	for i, v := range p {
		f[i] = float32(v)
	}
	return &model.Result{Head: model.F32(f, 1, len(p))}
}
