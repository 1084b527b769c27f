package digits

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// areaWeights returns the [dst, src] matrix of 1-D area-resampling weights
// and, per output cell, the range [lo, hi) of its non-zero inputs: output
// cell i covers [i·src/dst, (i+1)·src/dst) of the input, and each input pixel
// contributes in proportion to its overlap, so rows sum to 1.
func areaWeights(src, dst int) ([]float64, [][2]int) {
	w := make([]float64, dst*src)
	spans := make([][2]int, dst)
	r := float64(src) / float64(dst)
	for i := range dst {
		lo, hi := float64(i)*r, float64(i+1)*r
		j := int(lo)
		spans[i][0] = j
		for ; j < src && float64(j) < hi; j++ {
			w[i*src+j] = (math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))) / r
		}
		spans[i][1] = j
	}
	return w, spans
}

// Resize area-averages a [Size, Size] image down (or up) to [size, size]
// float32 values in [0, 1] (255 → 1), the network's input. dst, if it has
// size² elements, is reused; otherwise a new slice is allocated.
func Resize(img []uint8, size int, dst []float32) ([]float32, error) {
	if len(img) != ImageLen {
		return nil, fmt.Errorf("digits: resize: image has %d pixels, want %d×%d", len(img), Size, Size)
	}
	if size <= 0 {
		return nil, fmt.Errorf("digits: resize: bad target size %d", size)
	}
	if len(dst) != size*size {
		dst = make([]float32, size*size)
	}
	w, spans := areaWeights(Size, size)
	// Separable: rows first into tmp [Size, size], then columns.
	tmp := make([]float64, Size*size)
	for y := range Size {
		for i := range size {
			s := 0.0
			for x := spans[i][0]; x < spans[i][1]; x++ {
				s += w[i*Size+x] * float64(img[y*Size+x])
			}
			tmp[y*size+i] = s
		}
	}
	for j := range size {
		for i := range size {
			s := 0.0
			for y := spans[j][0]; y < spans[j][1]; y++ {
				s += w[j*Size+y] * tmp[y*size+i]
			}
			dst[j*size+i] = float32(math.Min(1, s/255))
		}
	}
	return dst, nil
}

// NetImages returns the images of samples idx resized to [len(idx), size,
// size] float32 in [0, 1] (use size = NetSize for the paper's 28×28 input).
func (d *Dataset) NetImages(idx []int, size int) ([]float32, error) {
	out := make([]float32, len(idx)*size*size)
	for k, i := range idx {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("digits: net images: index %d out of range [0, %d)", i, d.Len())
		}
		if _, err := Resize(d.Image(i), size, out[k*size*size:(k+1)*size*size]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TrajectoryBatch returns the trajectories of samples idx as [len(idx),
// Steps, 2] float32 canvas pixels.
func (d *Dataset) TrajectoryBatch(idx []int) ([]float32, error) {
	out := make([]float32, 0, len(idx)*TrajLen)
	for _, i := range idx {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("digits: trajectory batch: index %d out of range [0, %d)", i, d.Len())
		}
		out = append(out, d.Trajectory(i)...)
	}
	return out, nil
}

// Batches splits the indices 0..n-1 into batches of batchSize; the last batch
// is smaller when batchSize does not divide n. With a non-nil rng the indices
// are shuffled first (use one rng per epoch, e.g. rand.NewPCG(seed, epoch),
// for a reproducible order); with nil they stay in order, as for evaluation.
func Batches(n, batchSize int, rng *rand.Rand) ([][]int, error) {
	if n < 0 || batchSize <= 0 {
		return nil, fmt.Errorf("digits: batches: bad n=%d or batch size %d", n, batchSize)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	if rng != nil {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	var out [][]int
	for lo := 0; lo < n; lo += batchSize {
		out = append(out, perm[lo:min(n, lo+batchSize)])
	}
	return out, nil
}

// ClassIndices returns, per class, the indices of its samples in order.
func (d *Dataset) ClassIndices() [NumClasses][]int {
	var out [NumClasses][]int
	for i, l := range d.Labels {
		if l >= 0 && l < NumClasses {
			out[l] = append(out[l], i)
		}
	}
	return out
}

// ClassCounts returns the number of samples of each class.
func (d *Dataset) ClassCounts() [NumClasses]int {
	var out [NumClasses]int
	for c, idx := range d.ClassIndices() {
		out[c] = len(idx)
	}
	return out
}

// SplitPerClass splits the samples of every class, shuffled by rng (nil keeps
// file order), so that round(frac·count) of each class go to a and the rest
// to b: a stratified split with the class balance of d on both sides. Both
// index lists are sorted by class, then by the shuffled order.
func (d *Dataset) SplitPerClass(frac float64, rng *rand.Rand) (a, b []int, err error) {
	if !(frac >= 0 && frac <= 1) {
		return nil, nil, fmt.Errorf("digits: split: fraction %v not in [0, 1]", frac)
	}
	for _, idx := range d.ClassIndices() {
		if rng != nil {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		k := int(math.Round(frac * float64(len(idx))))
		a = append(a, idx[:k]...)
		b = append(b, idx[k:]...)
	}
	return a, b, nil
}

// Balanced returns up to n indices taking classes in turn (0, 1, …, 9, 0, …)
// and the earliest unused sample of each, so a grid with 10 columns shows one
// class per column. Classes that run out are skipped.
func (d *Dataset) Balanced(n int) []int {
	per := d.ClassIndices()
	var out []int
	for k := 0; len(out) < n; k++ {
		added := false
		for c := range NumClasses {
			if k < len(per[c]) && len(out) < n {
				out = append(out, per[c][k])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// ClassStats summarises a per-sample value (e.g. a loss) by digit class.
type ClassStats struct {
	// Count is the number of samples of each class.
	Count [NumClasses]int
	// Mean is the mean value of each class (NaN for a class with no samples).
	Mean [NumClasses]float64
	// MeanOverClasses and StdOverClasses are the mean and population standard
	// deviation of Mean over the classes that have samples: the "mean ± std
	// over digit classes" of the paper's Table 2.
	MeanOverClasses, StdOverClasses float64
}

// PerClass computes [ClassStats] of values ([n], one per sample) grouped by
// labels ([n]).
func PerClass(labels []int, values []float64) (ClassStats, error) {
	var s ClassStats
	if len(labels) != len(values) {
		return s, fmt.Errorf("digits: per-class stats: %d labels for %d values", len(labels), len(values))
	}
	if len(labels) == 0 {
		return s, errors.New("digits: per-class stats: no samples")
	}
	var sum [NumClasses]float64
	for i, l := range labels {
		if l < 0 || l >= NumClasses {
			return s, fmt.Errorf("digits: per-class stats: sample %d: label %d out of range [0, %d)", i, l, NumClasses)
		}
		s.Count[l]++
		sum[l] += values[i]
	}
	k := 0
	for c := range NumClasses {
		s.Mean[c] = math.NaN()
		if s.Count[c] > 0 {
			s.Mean[c] = sum[c] / float64(s.Count[c])
			s.MeanOverClasses += s.Mean[c]
			k++
		}
	}
	s.MeanOverClasses /= float64(k)
	for c := range NumClasses {
		if s.Count[c] > 0 {
			s.StdOverClasses += (s.Mean[c] - s.MeanOverClasses) * (s.Mean[c] - s.MeanOverClasses)
		}
	}
	s.StdOverClasses = math.Sqrt(s.StdOverClasses / float64(k))
	return s, nil
}

// TrajectoryStats returns the per-coordinate mean and standard deviation of
// all trajectory points (x then y, canvas pixels), e.g. to normalise targets.
func (d *Dataset) TrajectoryStats() (mean, std [2]float64) {
	n := float64(len(d.Trajectories) / 2)
	if n == 0 {
		return mean, std
	}
	for j, v := range d.Trajectories {
		mean[j%2] += float64(v)
	}
	mean[0], mean[1] = mean[0]/n, mean[1]/n
	for j, v := range d.Trajectories {
		e := float64(v) - mean[j%2]
		std[j%2] += e * e
	}
	std[0], std[1] = math.Sqrt(std[0]/n), math.Sqrt(std[1]/n)
	return mean, std
}

// classStatsJSON is ClassStats as JSON: a class without samples has a null
// mean (JSON has no NaN).
type classStatsJSON struct {
	plainClassStats
	Mean [NumClasses]*float64
}

type plainClassStats ClassStats // ClassStats without its JSON methods

// MarshalJSON writes the mean of a class without samples as null.
func (s ClassStats) MarshalJSON() ([]byte, error) {
	out := classStatsJSON{plainClassStats: plainClassStats(s)}
	for c, v := range s.Mean {
		if !math.IsNaN(v) {
			out.Mean[c] = &v
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes (null: NaN).
func (s *ClassStats) UnmarshalJSON(b []byte) error {
	var in classStatsJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*s = ClassStats(in.plainClassStats)
	for c, p := range in.Mean {
		s.Mean[c] = math.NaN()
		if p != nil {
			s.Mean[c] = *p
		}
	}
	return nil
}
