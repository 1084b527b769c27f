package npzio

import (
	"bytes"
	"testing"
)

func TestWriteThenRead(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	f := []float32{1, 2, 3, 4, 5, 6}
	if err := w.Add("x", f, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("ids", []int32{7, -8}, 2); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("bad", []float32{1}, 2); err == nil {
		t.Error("shape mismatch: want an error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	x, err := zr.Read("x", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Shape) != 2 || x.Shape[0] != 2 || x.Shape[1] != 3 || x.At(5) != 6 {
		t.Errorf("x: shape %v, x[5] = %v", x.Shape, x.At(5))
	}
	ids, err := zr.Read("ids", 100)
	if err != nil || ids.At(1) != -8 {
		t.Errorf("ids: %v, %v", ids, err)
	}
	if _, err := zr.Read("x", 5); err == nil {
		t.Error("more elements than allowed: want an error")
	}
	if _, err := zr.Read("missing", 5); err == nil {
		t.Error("missing array: want an error")
	}
}
