package npzio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Writer writes an npz archive (a zip of .npy files) whose arrays are flat
// Go slices with an explicit shape, in C order: the layout ndp keeps in
// memory, without copying into nested slices.
type Writer struct {
	zw *zip.Writer
}

// NewWriter starts an npz archive on w.
func NewWriter(w io.Writer) *Writer { return &Writer{zw: zip.NewWriter(w)} }

// Add writes array name (".npy" is appended) of the given shape. data is a
// []float32, []float64, []int32, []int64 or []uint8 with as many elements as
// the shape holds.
func (w *Writer) Add(name string, data any, shape ...int) error {
	descr, n := "", 0
	switch v := data.(type) {
	case []float32:
		descr, n = "<f4", len(v)
	case []float64:
		descr, n = "<f8", len(v)
	case []int32:
		descr, n = "<i4", len(v)
	case []int64:
		descr, n = "<i8", len(v)
	case []uint8:
		descr, n = "|u1", len(v)
	default:
		return fmt.Errorf("npzio: array %q: unsupported type %T", name, data)
	}
	count := 1
	dims := make([]string, len(shape))
	for i, s := range shape {
		if s < 0 {
			return fmt.Errorf("npzio: array %q: negative dimension in %v", name, shape)
		}
		count *= s
		dims[i] = fmt.Sprint(s)
	}
	if count != n {
		return fmt.Errorf("npzio: array %q has %d elements, shape %v holds %d", name, n, shape, count)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	// NPY format 1.0: magic, version, header length, then a Python dict
	// padded with spaces so that the data start on a 64-byte boundary.
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	pad := 64 - (10+len(hdr)+1)%64
	hdr += strings.Repeat(" ", pad%64) + "\n"
	f, err := w.zw.Create(name + ".npy")
	if err != nil {
		return fmt.Errorf("npzio: array %q: %w", name, err)
	}
	if _, err := f.Write([]byte("\x93NUMPY\x01\x00")); err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, uint16(len(hdr))); err != nil {
		return err
	}
	if _, err := io.WriteString(f, hdr); err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, data); err != nil {
		return fmt.Errorf("npzio: array %q: %w", name, err)
	}
	return nil
}

// Close finishes the archive (it does not close the underlying writer).
func (w *Writer) Close() error { return w.zw.Close() }

// RawNPY returns an npy entry of format version 1, 2 or 3 with header text
// h exactly as given (no padding or checks) followed by data: the way tests
// build the malformed files a reader must refuse.
func RawNPY(version byte, h string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{version, 0})
	if version == 1 {
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(h)))
	}
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

// Entry is one file of an archive built by [RawZip].
type Entry struct {
	Name string
	Data []byte
}

// RawZip returns a zip archive of entries as given, stored (store) or
// deflated: with [RawNPY], the way tests build npz files with damaged or
// malformed entries.
func RawZip(store bool, entries ...Entry) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	m := zip.Deflate
	if store {
		m = zip.Store
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: m})
		if err != nil {
			return nil, fmt.Errorf("npzio: %w", err)
		}
		if _, err := w.Write(e.Data); err != nil {
			return nil, fmt.Errorf("npzio: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("npzio: %w", err)
	}
	return buf.Bytes(), nil
}
