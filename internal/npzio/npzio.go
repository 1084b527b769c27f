// Package npzio reads NumPy .npz archives robustly: npyio parses each
// array's header, and the data are read here in one piece, checked for
// truncation, bounded in size and decoded on demand, so a corrupt or hostile
// file gives an error instead of a panic or a huge allocation. Writing goes
// through npyio's npz writer directly.
package npzio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/sbinet/npyio/npy"
	"github.com/sbinet/npyio/npz"
)

// Array is an npy array's header and raw data.
type Array struct {
	Shape []int
	Dtype string // NumPy type string, e.g. "<f4"
	Kind  byte   // 'u', 'i', 'f' or 'b'
	size  int    // bytes per element
	order binary.ByteOrder
	raw   []byte
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.raw) / a.size }

// At decodes element i widened to float64, which is exact for every value the
// format allows (pixels, labels, float32/64 coordinates). Decoding on the fly
// keeps a 12k-sample file from costing 8 bytes per pixel while loading.
func (a *Array) At(i int) float64 {
	b, o := a.raw[i*a.size:(i+1)*a.size], a.order
	switch {
	case a.Kind == 'f' && a.size == 4:
		return float64(math.Float32frombits(o.Uint32(b)))
	case a.Kind == 'f':
		return math.Float64frombits(o.Uint64(b))
	case a.size == 1 && a.Kind == 'i':
		return float64(int8(b[0]))
	case a.size == 1:
		return float64(b[0])
	case a.size == 2 && a.Kind == 'i':
		return float64(int16(o.Uint16(b)))
	case a.size == 2:
		return float64(o.Uint16(b))
	case a.size == 4 && a.Kind == 'i':
		return float64(int32(o.Uint32(b)))
	case a.size == 4:
		return float64(o.Uint32(b))
	case a.Kind == 'i':
		return float64(int64(o.Uint64(b)))
	}
	return float64(o.Uint64(b))
}

// Read reads the npy array name (or name.npy) from zr, refusing more than
// maxElems elements. npyio parses the
// header; the data are read here in one piece because npyio's element-wise
// reads silently ignore truncated data (and are slow).
func Read(zr *npz.Reader, name string, maxElems int) (*Array, error) {
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
	a := &Array{Shape: h.Descr.Shape, Dtype: h.Descr.Type}
	if len(a.Shape) == 0 {
		return nil, fmt.Errorf("array %q is a scalar, want an array", name)
	}
	if h.Descr.Fortran && len(a.Shape) > 1 {
		return nil, fmt.Errorf("array %q is in Fortran order; save it in C order", name)
	}
	order, err := parseDtype(a)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	count := 1
	for _, s := range a.Shape {
		if s < 0 || (s > 0 && count > maxElems/s) {
			return nil, fmt.Errorf("array %q has unsupported shape %v", name, a.Shape)
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
			name, buf.Len(), want, a.Shape, a.Dtype)
	}
	a.raw, a.order = buf.Bytes(), order
	return a, nil
}

// parseDtype fills a.Kind and a.size from a NumPy type string such as "<f4"
// or "|u1" and returns its byte order.
func parseDtype(a *Array) (binary.ByteOrder, error) {
	t := a.Dtype
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
	a.Kind, a.size = t[1], size
	ok := false
	switch a.Kind {
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
