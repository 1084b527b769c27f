package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDMPCommandWritesFigureAndCSV(t *testing.T) {
	dir := t.TempDir()
	f := dmpFlags{goal: "1,2", weights: "0,0,0,0,0,50,-50,50,-50,50", T: 100, substeps: 1,
		alpha: 25, tau: 1, ax: 1, kernel: "gaussian", out: filepath.Join(dir, "f.png"),
		csvOut: filepath.Join(dir, "t.csv"), field: true, grid: 5}
	if err := runDMP(f); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(f.out); err != nil || st.Size() == 0 {
		t.Fatalf("figure not written: %v", err)
	}
	fh, err := os.Open(f.csvOut)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 102 || strings.Join(rows[0], ",") != "t,y1,y2,v1,v2" {
		t.Fatalf("csv has %d rows, header %v", len(rows), rows[0])
	}
	if rows[1][1] != "0" || rows[1][2] != "0" {
		t.Errorf("trajectory starts at (%s, %s), want the default y0 (0, 0)", rows[1][1], rows[1][2])
	}
	last, _ := strconv.ParseFloat(rows[101][2], 64)
	if last < 1.5 || last > 2.5 {
		t.Errorf("y2 ends at %v, want near the goal 2", last)
	}
}

func TestDMPCommandRejectsBadFlags(t *testing.T) {
	base := dmpFlags{goal: "1,2", n: 5, T: 10, substeps: 1, alpha: 25, tau: 1, ax: 1, kernel: "gaussian", out: filepath.Join(t.TempDir(), "x.png"), grid: 5}
	for _, tc := range []struct {
		name   string
		mutate func(*dmpFlags)
		want   string
	}{
		{"nan goal", func(f *dmpFlags) { f.goal = "1,nan" }, "--goal"},
		{"empty goal", func(f *dmpFlags) { f.goal = "" }, "--goal"},
		{"y0 length", func(f *dmpFlags) { f.y0 = "1,2,3" }, "--y0"},
		{"weights multiple", func(f *dmpFlags) { f.weights = "1,2,3" }, "--weights"},
		{"kernel", func(f *dmpFlags) { f.kernel = "cubic" }, "--kernel"},
		{"field dof", func(f *dmpFlags) { f.goal = "1"; f.field = true }, "--field"},
		{"zero T", func(f *dmpFlags) { f.T = 0 }, "T = 0"},
		{"zero n", func(f *dmpFlags) { f.n = 0 }, "N = 0"},
		{"extension", func(f *dmpFlags) { f.out = "x.bmp" }, "unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			tc.mutate(&f)
			err := runDMP(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
