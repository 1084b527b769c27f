package model

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ndp-go/ndp/nn"
)

// Checkpoint file layout (little endian):
//
//	magic "NDPCKPT1" | uint64 n | n bytes of JSON header | float32 data | uint32 CRC-32 (IEEE) of all preceding bytes
//
// The header holds the Config, the step count, trainer aux state and the
// name and shape of every tensor; the data are the weights, then (if
// present) Adam's first and second moments, each in Spec order.
const ckptMagic = "NDPCKPT1"

// maxHeader bounds the JSON header so that a corrupt length cannot make
// Load allocate gigabytes.
const maxHeader = 64 << 20

type ckptTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type ckptHeader struct {
	Config  Config               `json:"config"`
	Step    int64                `json:"step"`
	Tensors []ckptTensor         `json:"tensors"`
	Adam    bool                 `json:"adam"`
	Aux     map[string][]float64 `json:"aux,omitempty"`
}

// ErrCorrupt is wrapped by errors for unreadable checkpoint files.
var ErrCorrupt = errors.New("corrupt checkpoint")

// Save writes the config, weights, Adam state and aux state to path
// atomically: a temporary file in the same directory is written, synced and
// renamed over path, so a crash leaves either the old or the new file.
func (m *Model) Save(path string) error {
	m.mu.Lock()
	h := ckptHeader{Config: m.Cfg, Step: m.step, Adam: m.adamM != nil, Aux: m.aux}
	for i, n := range m.Spec.Names {
		h.Tensors = append(h.Tensors, ckptTensor{Name: n, Shape: m.Spec.Shapes[i]})
	}
	all := slices.Clone(m.vals)
	if h.Adam {
		all = append(all, m.adamM, m.adamV)
	}
	data, err := copyAll(all)
	m.mu.Unlock()
	if err == nil {
		for i, t := range data[:m.Spec.Len()] {
			for _, v := range t {
				if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("model: save %s: weight %s holds %v; not overwriting the checkpoint", path, m.Spec.Names[i], v)
				}
			}
		}
	}
	if err == nil && h.Adam { // the file keeps Adam's moments per weight tensor
		nv := m.Spec.Len()
		data = append(data[:nv], append(m.Spec.Split(data[nv]), m.Spec.Split(data[nv+1])...)...)
	}
	if err != nil {
		return err
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("model: save: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("model: save: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	// CreateTemp makes the file 0600; checkpoints are results for others too.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("model: save: %w", err)
	}
	crc := crc32.NewIEEE()
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	_, _ = w.WriteString(ckptMagic)
	_ = binary.Write(w, binary.LittleEndian, uint64(len(hdr)))
	_, _ = w.Write(hdr)
	buf := make([]byte, 0, 4096)
	for _, t := range data {
		for _, v := range t {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				_, _ = w.Write(buf)
				buf = buf[:0]
			}
		}
	}
	_, _ = w.Write(buf)
	err = w.Flush()
	if err == nil {
		err = binary.Write(f, binary.LittleEndian, crc.Sum32())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	return nil
}

// readCheckpoint reads and verifies a checkpoint file.
func readCheckpoint(path string) (*ckptHeader, [][]float32, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("model: load: %w", err)
	}
	return parseCheckpoint(raw, path)
}

// parseCheckpoint verifies and decodes a checkpoint's bytes; path labels errors.
func parseCheckpoint(raw []byte, path string) (*ckptHeader, [][]float32, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("model: load %s: %w: %s", path, ErrCorrupt, fmt.Sprintf(format, a...))
	}
	if len(raw) < len(ckptMagic)+8+4 || string(raw[:len(ckptMagic)]) != ckptMagic {
		return nil, nil, bad("not an NDP checkpoint (bad magic or too short)")
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, nil, bad("checksum mismatch (truncated or modified file)")
	}
	r := bytes.NewReader(body[len(ckptMagic):])
	var n uint64
	_ = binary.Read(r, binary.LittleEndian, &n)
	if n > maxHeader || n > uint64(r.Len()) {
		return nil, nil, bad("header length %d out of range", n)
	}
	var h ckptHeader
	dec := json.NewDecoder(io.LimitReader(r, int64(n)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, nil, bad("header: %v", err)
	}
	rest := body[len(ckptMagic)+8+int(n):]
	copies := 1
	if h.Adam {
		copies = 3
	}
	// Sizes are summed against the bytes present, so that no crafted shape
	// can overflow the count or make the loop below allocate more than the
	// file holds.
	avail, total := len(rest)/(4*copies), 0
	for _, t := range h.Tensors {
		size := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, nil, bad("tensor %q has negative shape %v", t.Name, t.Shape)
			}
			if d > 0 && size > avail/d {
				return nil, nil, bad("tensor %q of shape %v is larger than the file", t.Name, t.Shape)
			}
			size *= d
		}
		if total += size; total > avail {
			return nil, nil, bad("tensors larger than the file (%d data bytes)", len(rest))
		}
	}
	if len(rest) != 4*copies*total {
		return nil, nil, bad("%d data bytes, header describes %d", len(rest), 4*copies*total)
	}
	data := make([][]float32, 0, copies*len(h.Tensors))
	off := 0
	for c := 0; c < copies; c++ {
		for _, t := range h.Tensors {
			v := make([]float32, nn.Size(t.Shape))
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[off:]))
				off += 4
			}
			data = append(data, v)
		}
	}
	return &h, data, nil
}

// Load builds a model from the config stored in a checkpoint and restores
// its weights, Adam state, step count and aux state. A missing, corrupt or
// inconsistent file gives an error.
func Load(path string, b compute.Backend) (*Model, error) {
	h, data, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	m, err := New(h.Config, b)
	if err != nil {
		return nil, fmt.Errorf("model: load %s: stored config: %w", path, err)
	}
	if err := m.restore(path, h, data); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadInto restores a checkpoint into m, which must have been built from an
// equal config (after defaults); otherwise it returns an error and m is
// unchanged.
func (m *Model) LoadInto(path string) error {
	h, data, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(h.Config.WithDefaults(), m.Cfg) {
		a, _ := json.Marshal(h.Config.WithDefaults())
		b, _ := json.Marshal(m.Cfg)
		return fmt.Errorf("model: load %s: config mismatch:\n  file:  %s\n  model: %s", path, a, b)
	}
	return m.restore(path, h, data)
}

func (m *Model) restore(path string, h *ckptHeader, data [][]float32) error {
	if len(h.Tensors) != m.Spec.Len() {
		return fmt.Errorf("model: load %s: %d tensors in file, model has %d", path, len(h.Tensors), m.Spec.Len())
	}
	for i, t := range h.Tensors {
		if t.Name != m.Spec.Names[i] || !slices.Equal(t.Shape, m.Spec.Shapes[i]) {
			return fmt.Errorf("model: load %s: tensor %d is %q %v in file, %q %v in model",
				path, i, t.Name, t.Shape, m.Spec.Names[i], m.Spec.Shapes[i])
		}
	}
	mk := func(i int, v []float32) *tensors.Tensor {
		return tensors.FromFlatDataAndDimensions(v, m.Spec.Shapes[i]...)
	}
	nv := m.Spec.Len()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range nv {
		m.vals[i] = mk(i, data[i])
	}
	m.adamM, m.adamV = nil, nil
	if h.Adam {
		p := m.Spec.Count()
		m.adamM = tensors.FromFlatDataAndDimensions(slices.Concat(data[nv:2*nv]...), p)
		m.adamV = tensors.FromFlatDataAndDimensions(slices.Concat(data[2*nv:3*nv]...), p)
	}
	m.step = h.Step
	m.aux = map[string][]float64{}
	for k, v := range h.Aux {
		m.aux[k] = v
	}
	return nil
}
