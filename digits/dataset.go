package digits

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/npzio"
)

// Dataset holds n digits as flat row-major arrays, laid out exactly as in the
// file and as the trainer feeds them to a network.
type Dataset struct {
	// Images is [n, Size, Size]: 0 = background, 255 = full ink, row y then
	// column x.
	Images []uint8
	// Trajectories is [n, Steps, 2]: pen positions (x, y) in canvas pixels,
	// y pointing down, pixel column c spanning x ∈ [c, c+1).
	Trajectories []float32
	// Labels is [n], each in [0, NumClasses).
	Labels []int
}

// Array names inside the npz file.
const (
	keyImages       = "images"
	keyTrajectories = "trajectories"
	keyLabels       = "labels"
)

// maxSamples bounds n when reading a file, so a corrupt header cannot make the
// reader allocate unbounded memory.
const maxSamples = 1 << 22

// Len returns the number of samples n.
func (d *Dataset) Len() int { return len(d.Labels) }

// Image returns sample i's image, a [Size, Size] view into d.Images. Like
// slice indexing, it panics if i is not in [0, Len()).
func (d *Dataset) Image(i int) []uint8 { return d.Images[i*ImageLen : (i+1)*ImageLen] }

// Trajectory returns sample i's trajectory, a [Steps, 2] view into
// d.Trajectories. Like slice indexing, it panics if i is not in [0, Len()).
func (d *Dataset) Trajectory(i int) []float32 {
	return d.Trajectories[i*TrajLen : (i+1)*TrajLen]
}

// Validate checks that the arrays agree in n, that labels are in range and
// that every trajectory value is finite.
func (d *Dataset) Validate() error {
	n := len(d.Labels)
	if n == 0 {
		return errors.New("digits: empty dataset")
	}
	if len(d.Images) != n*ImageLen {
		return fmt.Errorf("digits: images have %d values, want %d labels × %d×%d = %d",
			len(d.Images), n, Size, Size, n*ImageLen)
	}
	if len(d.Trajectories) != n*TrajLen {
		return fmt.Errorf("digits: trajectories have %d values, want %d labels × %d×2 = %d",
			len(d.Trajectories), n, Steps, n*TrajLen)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= NumClasses {
			return fmt.Errorf("digits: sample %d: label %d out of range [0, %d)", i, l, NumClasses)
		}
	}
	for j, v := range d.Trajectories {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("digits: sample %d: trajectory point %d has non-finite value %v",
				j/TrajLen, (j%TrajLen)/2, v)
		}
	}
	return nil
}

// Subset returns a new dataset with copies of the samples idx, in that order.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	out := &Dataset{
		Images:       make([]uint8, 0, len(idx)*ImageLen),
		Trajectories: make([]float32, 0, len(idx)*TrajLen),
		Labels:       make([]int, 0, len(idx)),
	}
	for _, i := range idx {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("digits: subset index %d out of range [0, %d)", i, d.Len())
		}
		out.Images = append(out.Images, d.Image(i)...)
		out.Trajectories = append(out.Trajectories, d.Trajectory(i)...)
		out.Labels = append(out.Labels, d.Labels[i])
	}
	return out, nil
}

// Save validates d and writes it to the npz file path (see the package
// documentation for the format).
func (d *Dataset) Save(path string) error {
	// Atomically: a crash mid-save leaves the old file (or none), never a
	// truncated one.
	if err := atomicfile.Write(path, d.Write); err != nil {
		return fmt.Errorf("digits: save: %w", err)
	}
	return nil
}

// Write validates d and writes it to w in npz format.
func (d *Dataset) Write(w io.Writer) error {
	if err := d.Validate(); err != nil {
		return err
	}
	n := d.Len()
	labels := make([]uint8, n)
	for i, l := range d.Labels {
		labels[i] = uint8(l)
	}
	zw := npzio.NewWriter(w)
	for _, a := range []struct {
		name  string
		v     any
		shape []int
	}{{keyImages, d.Images, []int{n, Size, Size}}, {keyTrajectories, d.Trajectories, []int{n, Steps, 2}}, {keyLabels, labels, []int{n}}} {
		if err := zw.Add(a.name, a.v, a.shape...); err != nil {
			return fmt.Errorf("writing %s: %w", a.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("closing npz: %w", err)
	}
	return nil
}

// Load reads and validates a dataset from the npz file path.
func Load(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("digits: load: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("digits: load %s: %w", path, err)
	}
	d, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("digits: load %s: %w", path, err)
	}
	return d, nil
}

// Read reads and validates a dataset from npz data of the given size. It
// accepts images as uint8 (0-255) or float32/float64 in [0, 1], trajectories
// as float32 or float64 and labels of any integer type; arrays may be named
// with or without the ".npy" suffix.
func Read(r io.ReaderAt, size int64) (*Dataset, error) {
	zr, err := npzio.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	imgs, err := zr.Read(keyImages, maxSamples*TrajLen)
	if err != nil {
		return nil, err
	}
	trajs, err := zr.Read(keyTrajectories, maxSamples*TrajLen)
	if err != nil {
		return nil, err
	}
	labels, err := zr.Read(keyLabels, maxSamples*TrajLen)
	if err != nil {
		return nil, err
	}
	if len(labels.Shape) != 1 {
		return nil, fmt.Errorf("array %q has shape %v, want [n]", keyLabels, labels.Shape)
	}
	n := labels.Shape[0]
	if n == 0 {
		return nil, errors.New("empty dataset: no labels")
	}
	if imgs.Kind == 'b' {
		return nil, fmt.Errorf("array %q has dtype %s, want uint8, float32 or float64", keyImages, imgs.Dtype)
	}
	if trajs.Kind != 'f' {
		return nil, fmt.Errorf("array %q has dtype %s, want float32 or float64", keyTrajectories, trajs.Dtype)
	}
	if labels.Kind == 'f' || labels.Kind == 'b' {
		return nil, fmt.Errorf("array %q has dtype %s, want an integer type", keyLabels, labels.Dtype)
	}
	if !slices.Equal(imgs.Shape, []int{n, Size, Size}) {
		return nil, fmt.Errorf("array %q has shape %v, want [%d %d %d] (n from %q)",
			keyImages, imgs.Shape, n, Size, Size, keyLabels)
	}
	if !slices.Equal(trajs.Shape, []int{n, Steps, 2}) {
		return nil, fmt.Errorf("array %q has shape %v, want [%d %d 2] (n from %q)",
			keyTrajectories, trajs.Shape, n, Steps, keyLabels)
	}
	d := &Dataset{
		Images:       make([]uint8, imgs.Len()),
		Trajectories: make([]float32, trajs.Len()),
		Labels:       make([]int, n),
	}
	for i := range d.Images {
		v := imgs.At(i)
		if imgs.Kind == 'f' {
			// Float images are intensities in [0, 1].
			if !(v >= 0 && v <= 1) { // also rejects NaN
				return nil, fmt.Errorf("array %q: sample %d pixel %d = %v, want a value in [0, 1] for dtype %s",
					keyImages, i/ImageLen, i%ImageLen, v, imgs.Dtype)
			}
			v = math.Round(v * 255)
		} else if v < 0 || v > 255 {
			return nil, fmt.Errorf("array %q: sample %d pixel %d = %v, want a value in [0, 255] for dtype %s",
				keyImages, i/ImageLen, i%ImageLen, v, imgs.Dtype)
		}
		d.Images[i] = uint8(v)
	}
	for i := range d.Trajectories {
		// float64 values beyond float32's range become Inf and fail Validate.
		d.Trajectories[i] = float32(trajs.At(i))
	}
	for i := range d.Labels {
		v := labels.At(i)
		if v < 0 || v >= NumClasses {
			return nil, fmt.Errorf("array %q: sample %d: label %v out of range [0, %d)", keyLabels, i, v, NumClasses)
		}
		d.Labels[i] = int(v)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
