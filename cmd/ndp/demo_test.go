package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoFitsTheEmbeddedFour(t *testing.T) {
	dir := t.TempDir()
	if err := runDemo(io.Discard, nil, demoOptions{out: dir, skipDigits: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "four_params.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res fitResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.W) != 2 || len(res.W[0]) != 30 || res.Config.T != 200 {
		t.Fatalf("params shape: %d DoF, T = %d", len(res.W), res.Config.T)
	}
	// The demo spans 4 units; a 30-basis DMP reproduces it to about 1%.
	if res.RMSE > 0.02 {
		t.Errorf("fit RMSE %v, want ≤ 0.02", res.RMSE)
	}
	if _, err := os.Stat(filepath.Join(dir, "four_field.png")); err != nil {
		t.Error(err)
	}
}

func TestReadDemoCSVErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"short.csv":  "y\n1\n",
		"ragged.csv": "1,2\n3\n",
		"nan.csv":    "1,2\n3,NaN\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := readDemoCSV(path); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, _, _, err := readDemoCSV(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("missing file: want an error")
	}
	path := filepath.Join(dir, "ok.csv")
	_ = os.WriteFile(path, []byte("t,a,b\n0,1,2\n1,3,4\n2,5,6\n"), 0o644)
	demo, D, L, err := readDemoCSV(path)
	if err != nil || D != 2 || L != 3 || demo[0] != 1 || demo[3] != 2 {
		t.Errorf("ok.csv: demo %v D %d L %d err %v", demo, D, L, err)
	}
}

func TestDemoDigitsPartWritesFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two CNNs")
	}
	dir := t.TempDir()
	var out strings.Builder
	if err := runDemo(&out, nil, demoOptions{out: dir, train: 200, test: 40, epochs: 1}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"digits/table.md", "digits/figure4.png", "digits/ndp/result.json", "digits/cnn/log.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out.String(), "| NDP ") {
		t.Errorf("demo output lacks the table:\n%s", out.String())
	}
}
