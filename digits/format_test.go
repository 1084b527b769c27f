package digits

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/sbinet/npyio/npy"
	"github.com/sbinet/npyio/npz"

	"github.com/ndp-go/ndp/internal/npzio"
)

// npzOf writes the named arrays as an npz archive in memory.
func npzOf(t testing.TB, arrays map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	for _, name := range []string{"images", "trajectories", "labels", "extra"} {
		if v, ok := arrays[name]; ok {
			if err := w.Write(name+".npy", v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// validArrays returns n consistent samples in the on-disk layout.
func validArrays(n int) map[string]any {
	imgs := make([][Size][Size]uint8, n)
	trajs := make([][Steps][2]float32, n)
	labels := make([]uint8, n)
	for i := range n {
		imgs[i][20][20] = 255
		for k := range Steps {
			trajs[i][k] = [2]float32{20.5, 20.5}
		}
		labels[i] = uint8(i % NumClasses)
	}
	return map[string]any{"images": imgs, "trajectories": trajs, "labels": labels}
}

func readBytes(b []byte) (*Dataset, error) { return Read(bytes.NewReader(b), int64(len(b))) }

func TestReadAcceptsNumPyVariants(t *testing.T) {
	a := validArrays(3)
	fimgs := make([][Size][Size]float32, 3)
	fimgs[1][5][6] = 1
	ftrajs := make([][Steps][2]float64, 3)
	ftrajs[2][7] = [2]float64{1.5, 2.5}
	d, err := readBytes(npzOf(t, map[string]any{"images": fimgs, "trajectories": ftrajs, "labels": []int64{9, 0, 4}}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Image(1)[5*Size+6] != 255 || d.Trajectory(2)[14] != 1.5 || d.Labels[0] != 9 {
		t.Errorf("float/int64 arrays decoded wrongly")
	}
	if _, err := readBytes(npzOf(t, a)); err != nil {
		t.Errorf("valid uint8/float32 file: %v", err)
	}
}

func TestReadRejectsBadFiles(t *testing.T) {
	with := func(name string, v any) map[string]any {
		a := validArrays(3)
		a[name] = v
		return a
	}
	without := func(name string) map[string]any {
		a := validArrays(3)
		delete(a, name)
		return a
	}
	nan := validArrays(3)
	nan["trajectories"].([][Steps][2]float32)[1][100][0] = float32(math.NaN())
	inf := validArrays(3)
	inf["trajectories"].([][Steps][2]float32)[2][0][1] = float32(math.Inf(1))
	brightFloat := make([][Size][Size]float32, 3)
	brightFloat[0][0][0] = 1.5

	for _, tc := range []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"not a zip", []byte("hello"), "npz"},
		{"missing images", npzOf(t, without("images")), `missing array "images"`},
		{"missing trajectories", npzOf(t, without("trajectories")), `missing array "trajectories"`},
		{"missing labels", npzOf(t, without("labels")), `missing array "labels"`},
		{"images 28x28", npzOf(t, with("images", make([][28][28]uint8, 3))), `"images" has shape [3 28 28]`},
		{"images flat", npzOf(t, with("images", make([]uint8, 3*ImageLen))), `"images" has shape [4800]`},
		{"images n mismatch", npzOf(t, with("images", make([][Size][Size]uint8, 4))), `"images" has shape [4 40 40]`},
		{"trajectories 300 points", npzOf(t, with("trajectories", make([][300][2]float32, 3))), `"trajectories" has shape [3 300 2]`},
		{"trajectories 3-D points", npzOf(t, with("trajectories", make([][Steps][3]float32, 3))), `"trajectories" has shape`},
		{"integer trajectories", npzOf(t, with("trajectories", make([][Steps][2]int32, 3))), "want float32 or float64"},
		{"labels 2-D", npzOf(t, with("labels", make([][1]uint8, 3))), `"labels" has shape [3 1]`},
		{"float labels", npzOf(t, with("labels", []float32{1, 2, 3})), "want an integer type"},
		{"label 10", npzOf(t, with("labels", []uint8{1, 10, 3})), "label 10 out of range"},
		{"negative label", npzOf(t, with("labels", []int64{1, 2, -1})), "label -1 out of range"},
		{"NaN trajectory", npzOf(t, nan), "non-finite"},
		{"Inf trajectory", npzOf(t, inf), "non-finite"},
		{"float image above 1", npzOf(t, with("images", brightFloat)), "want a value in [0, 1]"},
		{"empty", npzOf(t, map[string]any{"images": [][Size][Size]uint8{}, "trajectories": [][Steps][2]float32{}, "labels": []uint8{}}), "empty"},
		{"truncated labels", truncatedLabels(t), "truncated data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readBytes(tc.file)
			if err == nil {
				t.Fatalf("got nil error, want one containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

// truncatedLabels builds a file whose labels header promises 3 values but
// whose data stop after 2.
func truncatedLabels(t testing.TB) []byte {
	a := validArrays(3)
	var entries []npzio.Entry
	for _, name := range []string{"images", "trajectories", "labels"} {
		var arr bytes.Buffer
		if err := npy.Write(&arr, a[name]); err != nil {
			t.Fatal(err)
		}
		b := arr.Bytes()
		if name == "labels" {
			b = b[:len(b)-1]
		}
		entries = append(entries, npzio.Entry{Name: name + ".npy", Data: b})
	}
	b, err := npzio.RawZip(false, entries...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
