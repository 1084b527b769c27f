package imitation

import (
	"testing"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/model"
)

// fakeHead wraps parameters as a forward result of a raw head.
func fakeHead(p []float64) *model.Result {
	f := make([]float32, len(p))
	for i, v := range p {
		f[i] = float32(v)
	}
	return &model.Result{Head: model.F32(f, 1, len(p))}
}

// goAndSets returns the go backend and generated training and held-out
// sets of nTrain and nTest digits (seeds 1 and 2).
func goAndSets(t *testing.T, nTrain, nTest int) (compute.Backend, *digits.Dataset, *digits.Dataset) {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	train, err := digits.Generate(nTrain, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	test, err := digits.Generate(nTest, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b, train, test
}
