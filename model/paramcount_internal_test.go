package model

import (
	"testing"

	"github.com/ndp-go/ndp/backend"
)

func TestParamCountMatchesNew(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{
		{Net: NetMLP, ObsDim: 7, Hidden: []int{32, 16}, Head: HeadNDP, DoF: 2, ValueHeads: 3, Extra: []ParamSpec{{Name: "s", Shape: []int{2}}}},
		{Net: NetMLP, ObsDim: 7, Hidden: []int{32, 16}, Head: HeadNDP, DoF: 2, ValueHeads: 3, SharedValue: true},
		{Net: NetMLP, ObsDim: 7, Hidden: []int{8}, Head: HeadRaw, OutDim: 2, Nets: []NetConfig{{Name: "dec", Sizes: []int{2, 5, 9}}, {Name: "dyn", Sizes: []int{9, 4}}}},
		{Net: NetCNN, ImageH: 28, ImageW: 28, Head: HeadNDP, DoF: 2},
		{Net: NetCNN, ImageH: 40, ImageW: 40, Head: HeadRaw, OutDim: 5},
		{Net: NetCNN, ImageH: 28, ImageW: 28, Head: HeadRaw, OutDim: 5, StartInput: &Standardiser{Mean: []float64{1, 2, 3}, Std: []float64{1, 1, 1}}},
	} {
		m, err := New(c, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Cfg.paramCount(), float64(m.Spec.Count()); got != want {
			t.Errorf("%+v: paramCount %v, New made %v", c, got, want)
		}
	}
}
