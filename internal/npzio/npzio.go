// Package npzio reads and writes NumPy .npz archives (zips of .npy arrays)
// without trusting the file: every header is parsed as numpy writes it (any
// key order or spacing, format versions 1–3), every declared size is checked
// against a caller's bound and against the bytes present before memory is
// committed, the CRC of every entry is verified, and each malformed input is
// an error naming the array, never a panic.
package npzio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ErrNotNPZ is wrapped by NewReader's error when the data are not a zip archive.
var ErrNotNPZ = errors.New("not an npz (zip) archive")

// Reader reads arrays from an npz archive.
type Reader struct {
	zr *zip.Reader
}

// NewReader opens the npz archive held in r's first size bytes.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotNPZ, err)
	}
	return &Reader{zr: zr}, nil
}

// Keys returns the names of the archive's entries, in file order.
func (r *Reader) Keys() []string {
	keys := make([]string, len(r.zr.File))
	for i, f := range r.zr.File {
		keys[i] = f.Name
	}
	return keys
}

// Array is an npy array's header and raw data.
type Array struct {
	Shape []int
	Dtype string // NumPy type string, e.g. "<f4"
	Kind  byte   // 'u', 'i', 'f' or 'b'
	size  int    // bytes per element
	elems int    // elements the shape holds, within the reader's bound
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

// maxHeaderLen bounds an npy header; numpy itself refuses headers over 10000
// bytes by default.
const maxHeaderLen = 1 << 16

// Read reads the array name (or name.npy), refusing more than maxElems
// elements.
func (r *Reader) Read(name string, maxElems int) (*Array, error) {
	var f *zip.File
	for _, zf := range r.zr.File {
		if zf.Name == name || zf.Name == name+".npy" {
			f = zf
			break
		}
	}
	if f == nil {
		return nil, fmt.Errorf("missing array %q (file has %s)", name, strings.Join(r.Keys(), ", "))
	}
	a, err := readEntry(f, maxElems)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	return a, nil
}

func readEntry(f *zip.File, maxElems int) (*Array, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	a, hdrLen, err := readHeader(rc, maxElems)
	if err != nil {
		return nil, err
	}
	want := int64(a.elems) * int64(a.size)
	if f.Method == zip.Store && uint64(hdrLen)+uint64(want) > f.UncompressedSize64 {
		return nil, fmt.Errorf("truncated data: shape %v dtype %s needs %d bytes, the entry holds %d",
			a.Shape, a.Dtype, want, f.UncompressedSize64-uint64(min(uint64(hdrLen), f.UncompressedSize64)))
	}
	// Preallocate at most 64 MiB and grow only as data arrive, so that a
	// compressed entry whose header lies about its shape cannot force a huge
	// allocation. MinRead spare bytes stop ReadFrom from doubling a buffer
	// that is exactly full.
	buf := bytes.NewBuffer(make([]byte, 0, min(want, 1<<26)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(rc, want)); err != nil {
		return nil, fmt.Errorf("reading data: %w", err)
	}
	if int64(buf.Len()) != want {
		return nil, fmt.Errorf("truncated data: %d of %d bytes for shape %v dtype %s", buf.Len(), want, a.Shape, a.Dtype)
	}
	// Reading on to the end makes archive/zip verify the entry's CRC-32 and
	// size; numpy never writes bytes after the data.
	var one [1]byte
	switch n, err := rc.Read(one[:]); {
	case n > 0:
		return nil, fmt.Errorf("unexpected bytes after the data of shape %v dtype %s", a.Shape, a.Dtype)
	case err == io.EOF:
	case err != nil:
		return nil, fmt.Errorf("reading data: %w", err)
	}
	a.raw = buf.Bytes()
	return a, nil
}

// readHeader reads an npy header: the magic "\x93NUMPY", a major and minor
// version, the header length (uint16 in version 1, uint32 in 2 and 3) and a
// Python dict literal {'descr': str, 'fortran_order': bool, 'shape': tuple}
// padded with spaces and ended by a newline. It returns the array without
// data and the number of bytes the header took.
func readHeader(r io.Reader, maxElems int) (*Array, int, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, 0, fmt.Errorf("bad npy header: %w", eofIsTruncated(err))
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, 0, errors.New("not an npy array (bad magic)")
	}
	var n, used int
	switch pre[6] {
	case 1:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, 0, fmt.Errorf("bad npy header: %w", eofIsTruncated(err))
		}
		n, used = int(binary.LittleEndian.Uint16(l[:])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, 0, fmt.Errorf("bad npy header: %w", eofIsTruncated(err))
		}
		u := binary.LittleEndian.Uint32(l[:])
		if u > maxHeaderLen {
			return nil, 0, fmt.Errorf("bad npy header: length %d over the limit of %d", u, maxHeaderLen)
		}
		n, used = int(u), 12
	default:
		return nil, 0, fmt.Errorf("unsupported npy format version %d.%d", pre[6], pre[7])
	}
	text := make([]byte, n)
	if _, err := io.ReadFull(r, text); err != nil {
		return nil, 0, fmt.Errorf("bad npy header: %w", eofIsTruncated(err))
	}
	a, err := parseHeader(string(text), maxElems)
	if err != nil {
		return nil, 0, fmt.Errorf("bad npy header %q: %w", shorten(string(text)), err)
	}
	return a, used + n, nil
}

func eofIsTruncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("truncated")
	}
	return err
}

func shorten(s string) string {
	s = strings.TrimRight(s, " \n")
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// parseHeader parses the header dict and checks the dtype and shape.
func parseHeader(text string, maxElems int) (*Array, error) {
	p := &lit{s: text}
	var (
		a                  Array
		fortran            bool
		seen               = map[string]bool{}
		descrOK, fortranOK bool
	)
	if !p.eat('{') {
		return nil, errors.New("want a dict")
	}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q repeated", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return nil, fmt.Errorf("want ':' after key %q", key)
		}
		switch key {
		case "descr":
			a.Dtype, err = p.str()
			descrOK = err == nil
		case "fortran_order":
			fortran, err = p.boolean()
			fortranOK = err == nil
		case "shape":
			a.Shape, err = p.tuple()
		default:
			return nil, fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, errors.New("want ',' or '}' between entries")
			}
			break
		}
	}
	if rest := strings.TrimRight(p.s[p.i:], " \t\n\x00"); rest != "" {
		return nil, fmt.Errorf("unexpected %q after the dict", shorten(rest))
	}
	if !descrOK || !fortranOK || a.Shape == nil {
		return nil, errors.New("want the keys 'descr', 'fortran_order' and 'shape'")
	}
	if len(a.Shape) == 0 {
		return nil, errors.New("a scalar, want an array")
	}
	if fortran && len(a.Shape) > 1 {
		return nil, errors.New("in Fortran order; save it in C order")
	}
	count := 1
	for _, s := range a.Shape {
		if s > 0 && count > maxElems/s {
			return nil, fmt.Errorf("shape %v holds more than the %d elements allowed", a.Shape, maxElems)
		}
		count *= s
	}
	a.elems = count
	if err := parseDtype(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// lit scans a Python literal.
type lit struct {
	s string
	i int
}

func (p *lit) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

// eat consumes c (after blanks) if it comes next.
func (p *lit) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes (dtype strings and keys have none).
func (p *lit) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

func (p *lit) boolean() (bool, error) {
	p.skip()
	for _, w := range []string{"True", "False"} {
		if strings.HasPrefix(p.s[p.i:], w) {
			p.i += len(w)
			return w == "True", nil
		}
	}
	return false, errors.New("want True or False")
}

// tuple reads a tuple of non-negative integers: (), (3,), (2, 3) or (2, 3,).
func (p *lit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple")
	}
	dims := []int{}
	for !p.eat(')') {
		p.skip()
		if p.i >= len(p.s) {
			return nil, errors.New("unterminated tuple")
		}
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, errors.New("want a non-negative integer in the tuple")
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, fmt.Errorf("dimension %s out of range", p.s[p.i:j])
		}
		p.i = j
		dims = append(dims, v)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("unterminated tuple")
			}
			break
		}
	}
	return dims, nil
}

// parseDtype fills a.Kind, a.size and a.order from a NumPy type string such
// as "<f4" or "|u1".
func parseDtype(a *Array) error {
	t := a.Dtype
	bad := fmt.Errorf("unsupported dtype %q (want bool, integers, float32 or float64)", t)
	if len(t) < 3 {
		return bad
	}
	a.order = binary.LittleEndian
	switch t[0] {
	case '<', '|', '=':
	case '>':
		a.order = binary.BigEndian
	default:
		return bad
	}
	size, err := strconv.Atoi(t[2:])
	if err != nil {
		return bad
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
		return bad
	}
	return nil
}
