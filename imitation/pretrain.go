package imitation

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/model"
)

// trunkPrefix names the shared convolutional trunk's weights (conv1, conv2).
const trunkPrefix = "phi/conv"

// Pretrain trains a digit classifier, the same CNN with a 10-way head, on
// train's labels for epochs with cross-entropy, and copies its
// convolutional trunk into d's network before d trains: the authors start
// their trunk from an MNIST classifier. It returns the classifier's
// accuracy on held (nil: on train) and the mean loss of its last epoch.
func (d *Digits) Pretrain(b compute.Backend, train, held *digits.Dataset, epochs int) (acc, loss float64, err error) {
	if epochs < 1 {
		return 0, 0, fmt.Errorf("imitation: pretrain: %d epochs, want ≥ 1", epochs)
	}
	if train.Len() < d.Cfg.BatchSize {
		return 0, 0, fmt.Errorf("imitation: pretrain: %d samples, fewer than one batch of %d", train.Len(), d.Cfg.BatchSize)
	}
	mc := model.Config{Net: model.NetCNN, ConvImpl: d.Cfg.ConvImpl, Seed: d.Cfg.Seed + 1, Head: model.HeadRaw,
		OutDim: digits.NumClasses, Optim: model.OptimConfig{LR: d.Cfg.LR}}
	clf, err := model.New(mc, b)
	if err != nil {
		return 0, 0, fmt.Errorf("imitation: pretrain: %w", err)
	}
	// Cross-entropy −Σ_c y_c log softmax(z)_c with one-hot labels y.
	tr := clf.NewTrainer(func(out *model.Outputs, extra []*graphNode) (*graphNode, []*graphNode) {
		logp := graph.LogSoftmax(out.Head, -1)
		return graph.Neg(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(logp, extra[0]), -1))), nil
	})
	batch := func(ds *digits.Dataset, idx []int) (model.Batch, error) {
		img, err := ds.NetImages(idx, digits.NetSize)
		if err != nil {
			return model.Batch{}, err
		}
		onehot := make([]float32, len(idx)*digits.NumClasses)
		for i, s := range idx {
			onehot[i*digits.NumClasses+ds.Labels[s]] = 1
		}
		return model.Batch{Obs: model.F32(img, len(idx), digits.NetSize, digits.NetSize),
			Extra: []*tensors.Tensor{model.F32(onehot, len(idx), digits.NumClasses)}}, nil
	}
	for range epochs {
		batches, err := digits.Batches(train.Len(), d.Cfg.BatchSize, d.rng)
		if err != nil {
			return 0, 0, err
		}
		sum, n := 0.0, 0
		for _, idx := range batches {
			if len(idx) < d.Cfg.BatchSize {
				continue
			}
			bt, err := batch(train, idx)
			if err != nil {
				return 0, 0, err
			}
			st, err := tr.Step(bt)
			if err != nil {
				return 0, 0, err
			}
			if math.IsNaN(float64(st.Loss)) {
				return 0, 0, errors.New("imitation: pretrain: loss became NaN")
			}
			sum += float64(st.Loss)
			n++
		}
		loss = sum / float64(n)
	}
	if held == nil {
		held = train
	}
	if acc, err = accuracy(clf, held, d.Cfg.BatchSize); err != nil {
		return 0, 0, err
	}
	// Copy the trunk: same names and shapes in both networks.
	src, err := clf.Weights()
	if err != nil {
		return 0, 0, err
	}
	dst, err := d.Model.Weights()
	if err != nil {
		return 0, 0, err
	}
	copied := 0
	for i, name := range d.Model.Spec.Names {
		if !strings.HasPrefix(name, trunkPrefix) {
			continue
		}
		j := slices.Index(clf.Spec.Names, name)
		if j < 0 || !slices.Equal(clf.Spec.Shapes[j], d.Model.Spec.Shapes[i]) {
			return 0, 0, fmt.Errorf("imitation: pretrain: trunk weight %s differs between the classifier and the %s network", name, d.Cfg.Method)
		}
		dst[i] = src[j]
		copied++
	}
	if copied == 0 {
		return 0, 0, fmt.Errorf("imitation: pretrain: the %s network has no %s* weights", d.Cfg.Method, trunkPrefix)
	}
	return acc, loss, d.Model.SetWeights(dst)
}

// accuracy is the fraction of ds that clf classifies correctly.
func accuracy(clf *model.Model, ds *digits.Dataset, bs int) (float64, error) {
	right := 0
	for start := 0; start < ds.Len(); start += bs {
		idx := make([]int, 0, bs)
		for i := start; i < min(start+bs, ds.Len()); i++ {
			idx = append(idx, i)
		}
		n := len(idx)
		for len(idx) < bs {
			idx = append(idx, idx[0])
		}
		img, err := ds.NetImages(idx, digits.NetSize)
		if err != nil {
			return 0, err
		}
		res, err := clf.Forward(model.Batch{Obs: model.F32(img, bs, digits.NetSize, digits.NetSize)})
		if err != nil {
			return 0, err
		}
		z, err := tensors.CopyFlatData[float32](res.Head)
		if err != nil {
			return 0, err
		}
		for i := range n {
			row := z[i*digits.NumClasses : (i+1)*digits.NumClasses]
			if slices.Index(row, slices.Max(row)) == ds.Labels[idx[i]] {
				right++
			}
		}
	}
	return float64(right) / float64(ds.Len()), nil
}
