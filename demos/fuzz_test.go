package demos

import (
	"bytes"
	"testing"
)

// FuzzRead: no demonstrations file may make Read panic; what it accepts has
// consistent arrays.
func FuzzRead(f *testing.F) {
	d := &Demos{Task: "push", ObsDim: 2, ActDim: 1, Obs: []float32{1, 2, 3, 4}, Actions: []float32{0.5, -0.5},
		Positions: []float32{1, 2, 3, 4, 5, 6}, Episode: []int32{0, 0}, Step: []int32{0, 1}, Success: []bool{true}}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Read(bytes.NewReader(data), int64(len(data)), "fuzz.npz")
		if err != nil {
			return
		}
		n := got.Len()
		if len(got.Obs) != n*got.ObsDim || len(got.Actions) != n*got.ActDim || len(got.Episode) != n || len(got.Step) != n {
			t.Fatalf("accepted inconsistent demos: %d steps, %d obs, %d actions", n, len(got.Obs), len(got.Actions))
		}
	})
}
