package envs

import (
	"bytes"
	"image/gif"
	"image/png"
	"testing"
)

func TestRenderingOutputs(t *testing.T) {
	for _, name := range []string{"push", "throw"} {
		t.Run(name, func(t *testing.T) {
			e := mustMake(t, name)
			if _, err := e.Reset(0); err != nil {
				t.Fatal(err)
			}
			img, err := ImageObs(e, 64)
			if err != nil {
				t.Fatal(err)
			}
			if len(img) != 64*64*3 {
				t.Fatalf("image obs has %d values", len(img))
			}
			var buf bytes.Buffer
			if err := WritePNG(&buf, e, 80, 60); err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(&buf); err != nil {
				t.Fatal(err)
			}
			rec, err := NewRecorder(e, 40, 30)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.WriteGIF(&buf); err == nil {
				t.Error("empty GIF accepted")
			}
			for i := 0; i < 3; i++ {
				e.Step(make([]float64, e.ActDim()))
				if err := rec.Capture(); err != nil {
					t.Fatal(err)
				}
			}
			buf.Reset()
			if err := rec.WriteGIF(&buf); err != nil {
				t.Fatal(err)
			}
			g, err := gif.DecodeAll(&buf)
			if err != nil || len(g.Image) != 3 {
				t.Fatalf("gif: %v, %d frames", err, len(g.Image))
			}
			if _, err := NewRecorder(e, 0, 10); err == nil {
				t.Error("zero-size recorder accepted")
			}
		})
	}
}
