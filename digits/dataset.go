package digits

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sbinet/npyio/npy"
	"github.com/sbinet/npyio/npz"
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
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("digits: save: %w", err)
	}
	if err := d.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("digits: save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("digits: save %s: %w", path, err)
	}
	return nil
}

// Write validates d and writes it to w in npz format.
func (d *Dataset) Write(w io.Writer) error {
	if err := d.Validate(); err != nil {
		return err
	}
	n := d.Len()
	// Fixed-size array elements make npyio record the full shapes
	// [n,40,40] and [n,301,2] instead of a flat length.
	imgs := make([][Size][Size]uint8, n)
	trajs := make([][Steps][2]float32, n)
	labels := make([]uint8, n)
	for i := range n {
		img := d.Image(i)
		for y := range Size {
			copy(imgs[i][y][:], img[y*Size:(y+1)*Size])
		}
		tr := d.Trajectory(i)
		for k := range Steps {
			trajs[i][k] = [2]float32{tr[2*k], tr[2*k+1]}
		}
		labels[i] = uint8(d.Labels[i])
	}
	zw := npz.NewWriter(w)
	for _, a := range []struct {
		name string
		v    any
	}{{keyImages, imgs}, {keyTrajectories, trajs}, {keyLabels, labels}} {
		if err := zw.Write(a.name+".npy", a.v); err != nil {
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
	zr, err := npz.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not an npz (zip) file: %w", err)
	}
	imgs, err := readArray(zr, keyImages)
	if err != nil {
		return nil, err
	}
	trajs, err := readArray(zr, keyTrajectories)
	if err != nil {
		return nil, err
	}
	labels, err := readArray(zr, keyLabels)
	if err != nil {
		return nil, err
	}
	if len(labels.shape) != 1 {
		return nil, fmt.Errorf("array %q has shape %v, want [n]", keyLabels, labels.shape)
	}
	n := labels.shape[0]
	if n == 0 {
		return nil, errors.New("empty dataset: no labels")
	}
	if imgs.kind == 'b' {
		return nil, fmt.Errorf("array %q has dtype %s, want uint8, float32 or float64", keyImages, imgs.dtype)
	}
	if trajs.kind != 'f' {
		return nil, fmt.Errorf("array %q has dtype %s, want float32 or float64", keyTrajectories, trajs.dtype)
	}
	if labels.kind == 'f' || labels.kind == 'b' {
		return nil, fmt.Errorf("array %q has dtype %s, want an integer type", keyLabels, labels.dtype)
	}
	if !slices.Equal(imgs.shape, []int{n, Size, Size}) {
		return nil, fmt.Errorf("array %q has shape %v, want [%d %d %d] (n from %q)",
			keyImages, imgs.shape, n, Size, Size, keyLabels)
	}
	if !slices.Equal(trajs.shape, []int{n, Steps, 2}) {
		return nil, fmt.Errorf("array %q has shape %v, want [%d %d 2] (n from %q)",
			keyTrajectories, trajs.shape, n, Steps, keyLabels)
	}
	d := &Dataset{
		Images:       make([]uint8, imgs.len()),
		Trajectories: make([]float32, trajs.len()),
		Labels:       make([]int, n),
	}
	for i := range d.Images {
		v := imgs.at(i)
		if imgs.kind == 'f' {
			// Float images are intensities in [0, 1].
			if !(v >= 0 && v <= 1) { // also rejects NaN
				return nil, fmt.Errorf("array %q: sample %d pixel %d = %v, want a value in [0, 1] for dtype %s",
					keyImages, i/ImageLen, i%ImageLen, v, imgs.dtype)
			}
			v = math.Round(v * 255)
		} else if v < 0 || v > 255 {
			return nil, fmt.Errorf("array %q: sample %d pixel %d = %v, want a value in [0, 255] for dtype %s",
				keyImages, i/ImageLen, i%ImageLen, v, imgs.dtype)
		}
		d.Images[i] = uint8(v)
	}
	for i := range d.Trajectories {
		// float64 values beyond float32's range become Inf and fail Validate.
		d.Trajectories[i] = float32(trajs.at(i))
	}
	for i := range d.Labels {
		v := labels.at(i)
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

// array is an npy array's header and raw data.
type array struct {
	shape []int
	dtype string
	kind  byte // 'u', 'i', 'f' or 'b'
	size  int  // bytes per element
	order binary.ByteOrder
	raw   []byte
}

// len returns the number of elements.
func (a *array) len() int { return len(a.raw) / a.size }

// at decodes element i widened to float64, which is exact for every value the
// format allows (pixels, labels, float32/64 coordinates). Decoding on the fly
// keeps a 12k-sample file from costing 8 bytes per pixel while loading.
func (a *array) at(i int) float64 {
	b, o := a.raw[i*a.size:(i+1)*a.size], a.order
	switch {
	case a.kind == 'f' && a.size == 4:
		return float64(math.Float32frombits(o.Uint32(b)))
	case a.kind == 'f':
		return math.Float64frombits(o.Uint64(b))
	case a.size == 1 && a.kind == 'i':
		return float64(int8(b[0]))
	case a.size == 1:
		return float64(b[0])
	case a.size == 2 && a.kind == 'i':
		return float64(int16(o.Uint16(b)))
	case a.size == 2:
		return float64(o.Uint16(b))
	case a.size == 4 && a.kind == 'i':
		return float64(int32(o.Uint32(b)))
	case a.size == 4:
		return float64(o.Uint32(b))
	case a.kind == 'i':
		return float64(int64(o.Uint64(b)))
	}
	return float64(o.Uint64(b))
}

// readArray reads the npy array name (or name.npy) from zr. npyio parses the
// header; the data are read here in one piece because npyio's element-wise
// reads silently ignore truncated data (and are slow).
func readArray(zr *npz.Reader, name string) (*array, error) {
	key := ""
	for _, k := range zr.Keys() {
		if k == name || k == name+".npy" {
			key = k
			break
		}
	}
	if key == "" {
		return nil, fmt.Errorf("missing array %q (file has %s)", name, strings.Join(zr.Keys(), ", "))
	}
	rc, err := zr.Open(key)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	defer rc.Close()
	nr, err := npy.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("array %q: bad npy header: %w", name, err)
	}
	h := nr.Header
	a := &array{shape: h.Descr.Shape, dtype: h.Descr.Type}
	if len(a.shape) == 0 {
		return nil, fmt.Errorf("array %q is a scalar, want an array", name)
	}
	if h.Descr.Fortran && len(a.shape) > 1 {
		return nil, fmt.Errorf("array %q is in Fortran order; save it in C order", name)
	}
	order, err := parseDtype(a)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	count := 1
	for _, s := range a.shape {
		if s < 0 || (s > 0 && count > maxSamples*TrajLen/s) {
			return nil, fmt.Errorf("array %q has unsupported shape %v", name, a.shape)
		}
		count *= s
	}
	// Preallocate up to 64 MiB (one 12k-sample file fits) and grow beyond
	// only as data arrive, so a header that lies about the shape cannot
	// force a huge allocation. MinRead spare bytes stop ReadFrom from
	// doubling a buffer that is exactly full.
	want := int64(count * a.size)
	buf := bytes.NewBuffer(make([]byte, 0, min(want, 1<<26)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(rc, want)); err != nil {
		return nil, fmt.Errorf("array %q: reading data: %w", name, err)
	}
	if int64(buf.Len()) != want {
		return nil, fmt.Errorf("array %q: truncated data: %d of %d bytes for shape %v dtype %s",
			name, buf.Len(), want, a.shape, a.dtype)
	}
	a.raw, a.order = buf.Bytes(), order
	return a, nil
}

// parseDtype fills a.kind and a.size from a NumPy type string such as "<f4"
// or "|u1" and returns its byte order.
func parseDtype(a *array) (binary.ByteOrder, error) {
	t := a.dtype
	if len(t) < 3 {
		return nil, fmt.Errorf("unsupported dtype %q", t)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch t[0] {
	case '<', '|', '=':
	case '>':
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("unsupported dtype %q", t)
	}
	size, err := strconv.Atoi(t[2:])
	if err != nil {
		return nil, fmt.Errorf("unsupported dtype %q", t)
	}
	a.kind, a.size = t[1], size
	ok := false
	switch a.kind {
	case 'f':
		ok = size == 4 || size == 8
	case 'u', 'i':
		ok = size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		ok = size == 1
	}
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q (want uint8, integers, float32 or float64)", t)
	}
	return order, nil
}
