package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/imitation"
)

func runNDP(t *testing.T, args ...string) (string, error) {
	t.Helper()
	resetFlags(rootCmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	return out.String(), err
}

// resetFlags puts every flag of the tree back to its default: cobra keeps
// values between Execute calls, and one test's --resume must not leak into
// the next.
func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if f.Changed {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				var vals []string
				if d := strings.Trim(f.DefValue, "[]"); d != "" {
					vals = strings.Split(d, ",")
				}
				_ = sv.Replace(vals)
			} else {
				_ = f.Value.Set(f.DefValue)
			}
			f.Changed = false
		}
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

func TestDigitsGenerateAndShow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npz")
	grid := filepath.Join(dir, "grid.png")
	if out, err := runNDP(t, "digits", "generate", "--n", "30", "--seed", "4", "--out", data, "-q"); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	d, err := digits.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := digits.Generate(30, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 30 || d.Labels[7] != want.Labels[7] || d.Trajectory(29)[100] != want.Trajectory(29)[100] {
		t.Error("generated file differs from digits.Generate with the same seed")
	}
	v2 := filepath.Join(dir, "v2.npz")
	if out, err := runNDP(t, "digits", "generate", "--n", "30", "--seed", "4", "--generator", "2", "--out", v2, "-q"); err != nil || !strings.Contains(out, "generator 2") {
		t.Fatalf("generate --generator 2: %v\n%s", err, out)
	}
	if d2, err := digits.Load(v2); err != nil {
		t.Fatal(err)
	} else if want2, err := digits.GenerateVersion(2, 30, 4, nil); err != nil || d2.Trajectory(29)[100] != want2.Trajectory(29)[100] || d2.Trajectory(29)[100] == want.Trajectory(29)[100] {
		t.Errorf("--generator 2 file differs from digits.GenerateVersion(2) or equals the default version (%v)", err)
	}
	if _, err := runNDP(t, "digits", "generate", "--n", "3", "--generator", "9", "--out", v2, "-q"); err == nil || !strings.Contains(err.Error(), "--generator") {
		t.Errorf("--generator 9: %v, want an error naming the flag", err)
	}
	if out, err := runNDP(t, "digits", "show", "--data", data, "--n", "12", "--out", grid); err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if fi, err := os.Stat(grid); err != nil || fi.Size() == 0 {
		t.Fatalf("no grid written: %v", err)
	}
	// --labels keeps the named classes only.
	out, err := runNDP(t, "digits", "show", "--data", data, "--n", "100", "--labels", "3,7", "--out", grid)
	if err != nil {
		t.Fatalf("show --labels: %v\n%s", err, out)
	}
	n37 := len(d.ClassIndices()[3]) + len(d.ClassIndices()[7])
	if !strings.Contains(out, fmt.Sprintf("drew %d of", n37)) {
		t.Errorf("show --labels 3,7: %q, want %d digits drawn", out, n37)
	}
	if _, err := runNDP(t, "digits", "show", "--data", data, "--labels", "12", "--out", grid); err == nil || !strings.Contains(err.Error(), "--labels") {
		t.Errorf("--labels 12: %v, want an error naming the flag", err)
	}
	bad := filepath.Join(dir, "bad.npz")
	if err := os.WriteFile(bad, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runNDP(t, "digits", "show", "--data", bad, "--out", grid)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: error %v should name the file", err)
	}
}

// TestDigitsTrainWritesPoliciesEvalReads: every method's run keeps its
// writer, and `digits eval` on that file gives the table's held-out loss.
func TestDigitsTrainWritesPoliciesEvalReads(t *testing.T) {
	dir := t.TempDir()
	if out, err := runNDP(t, "digits", "train", "--methods", "cnn,ndp", "--n-train", "60", "--n-test", "30", "--batch", "20",
		"--epochs", "1", "--draw", "2", "--quiet", "--out", dir); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	for _, m := range []string{"cnn", "ndp"} {
		for _, f := range []string{"policy.npz", "policy-best.npz"} {
			if _, err := os.Stat(filepath.Join(dir, m, f)); err != nil {
				t.Errorf("%s: %v", m, err)
			}
		}
	}
	out, err := runNDP(t, "digits", "eval", "--policy", filepath.Join(dir, "ndp", "policy.npz"), "--n-test", "30")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	table, err := os.ReadFile(filepath.Join(dir, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	// "ndp on 30 held-out digits: 12.345 ± …" against the table's "| NDP | … | 12.35 ± …".
	var loss float64
	if _, err := fmt.Sscanf(out[strings.Index(out, ":")+1:], "%f", &loss); err != nil {
		t.Fatalf("eval output %q: %v", out, err)
	}
	if !strings.Contains(string(table), fmt.Sprintf("| %.2f ±", loss)) {
		t.Errorf("eval says %.2f px², not in the table:\n%s", loss, table)
	}
	if _, err := runNDP(t, "digits", "eval", "--policy", filepath.Join(dir, "table.md")); err == nil {
		t.Error("a non-policy file: want an error")
	}
	checkDigitsWrite(t, dir)
}

// checkDigitsWrite runs digits write with the writers trained into dir on
// generated digits saved as PNGs the way a user's scans would be (4×, dark
// on light; the second light on dark), and checks its CSV against Write on
// the framed images and the given start.
func checkDigitsWrite(t *testing.T, dir string) {
	ds, err := digits.Generate(2, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	imgDir := filepath.Join(dir, "scans")
	if err := os.MkdirAll(imgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	scan := digits.ScanLayout{Scale: 4, X: 11, Y: 7, Width: digits.Size*4 + 30, Height: digits.Size*4 + 20}
	for i := range 2 {
		scan.DarkOnLight = i == 0
		img, err := ds.Scan(i, scan)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(imgDir, fmt.Sprintf("d%d.png", i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pol := filepath.Join(dir, "ndp", "policy.npz")
	one := filepath.Join(imgDir, "d0.png")
	sx, sy := scan.ToPage(float64(ds.Trajectory(0)[0]), float64(ds.Trajectory(0)[1]))
	csvPath, fig := filepath.Join(dir, "w.csv"), filepath.Join(dir, "w.png")
	if out, err := runNDP(t, "digits", "write", "--policy", pol, "--image", one, "--hz", "500",
		"--start", fmt.Sprintf("%g,%g", sx, sy), "--csv", csvPath, "--out", fig); err != nil {
		t.Fatalf("write: %v\n%s", err, out)
	}
	rows := readCSVRows(t, csvPath)
	if len(rows) != 1+501 {
		t.Fatalf("%d CSV rows at 500 Hz, want 502", len(rows))
	}
	if x, y := atof(t, rows[1][2]), atof(t, rows[1][3]); math.Abs(x-sx) > 1e-3 || math.Abs(y-sy) > 1e-3 {
		t.Errorf("trajectory starts at (%v, %v), --start was (%v, %v)", x, y, sx, sy)
	}
	// The CSV equals Write on the framed image, mapped back to the input's pixels.
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	d, err := imitation.OpenDigits(pol, b)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := frameFile(one)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := fr.ToCanvas(sx, sy)
	want, err := d.Write([][]uint8{fr.Canvas}, imitation.WriteOptions{Starts: [][]float32{{float32(cx), float32(cy)}}, Hz: 500, Refine: imitation.DefaultRefine})
	if err != nil {
		t.Fatal(err)
	}
	for j := range 501 {
		x, y := fr.ToSource(float64(want[0][2*j]), float64(want[0][2*j+1]))
		if math.Abs(x-atof(t, rows[1+j][2])) > 1e-3 || math.Abs(y-atof(t, rows[1+j][3])) > 1e-3 {
			t.Fatalf("point %d: CSV (%s, %s), Write (%v, %v)", j, rows[1+j][2], rows[1+j][3], x, y)
		}
	}
	if _, err := os.Stat(fig); err != nil {
		t.Errorf("no figure: %v", err)
	}
	// A directory gives a grid, each image with its automatic start.
	if out, err := runNDP(t, "digits", "write", "--policy", pol, "--image", imgDir, "--csv", csvPath, "--out", fig); err != nil {
		t.Fatalf("write a directory: %v\n%s", err, out)
	}
	if rows := readCSVRows(t, csvPath); len(rows) != 1+2*digits.Steps {
		t.Errorf("%d CSV rows for two images, want %d", len(rows), 1+2*digits.Steps)
	}
	// --start-from: the cnn (trained without a start) gives each image's
	// start, so the NDP's trajectories begin at the cnn's.
	cnnPol := filepath.Join(dir, "cnn", "policy.npz")
	if out, err := runNDP(t, "digits", "write", "--policy", pol, "--image", imgDir, "--start-from", cnnPol, "--csv", csvPath); err != nil {
		t.Fatalf("write --start-from: %v\n%s", err, out)
	}
	fromRows := readCSVRows(t, csvPath)
	if out, err := runNDP(t, "digits", "write", "--policy", cnnPol, "--image", imgDir, "--refine", "0", "--csv", csvPath); err != nil {
		t.Fatalf("write with the cnn: %v\n%s", err, out)
	}
	cnnRows := readCSVRows(t, csvPath)
	for _, r := range []int{1, 1 + digits.Steps} { // each image's first point
		for c := 2; c < 4; c++ {
			if math.Abs(atof(t, fromRows[r][c])-atof(t, cnnRows[r][c])) > 1e-3 {
				t.Errorf("row %d: the ndp starts at %s, the cnn at %s", r, fromRows[r][c], cnnRows[r][c])
			}
		}
	}
	for _, bad := range [][]string{
		{"--image", imgDir, "--start-from", pol}, // an ndp does not predict its start
		{"--image", one, "--start", "1,2", "--start-from", cnnPol},
		{"--image", filepath.Join(imgDir, "none.png")},
		{"--image", imgDir, "--start", "1,2"},
		{"--image", filepath.Join(dir, "ndp", "policy.npz")},
		{"--image", one, "--hz", "-1"},
		{"--image", one, "--refine", "-1"},
	} {
		if _, err := runNDP(t, append([]string{"digits", "write", "--policy", pol}, bad...)...); err == nil {
			t.Errorf("digits write %v: want an error", bad)
		}
	}
}

func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDigitsTrainLifecycle: a second train into the same directory is
// refused; --resume keeps the finished methods, or extends them to a larger
// --epochs; --force trains again.
func TestDigitsTrainLifecycle(t *testing.T) {
	dir := t.TempDir()
	args := []string{"digits", "train", "--methods", "cnn", "--n-train", "60", "--n-test", "30", "--batch", "20",
		"--epochs", "1", "--draw", "2", "--quiet", "--out", dir}
	if out, err := runNDP(t, args...); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if _, err := runNDP(t, args...); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("training into a finished run: %v, want a refusal naming --resume", err)
	}
	out, err := runNDP(t, append(args, "--resume")...)
	if err != nil || !strings.Contains(out, "cnn: finished in an earlier run, kept") {
		t.Errorf("--resume: %v\n%s", err, out)
	}
	out, err = runNDP(t, append(args, "--resume", "--epochs", "2")...) // extends the finished run from its checkpoint
	if err != nil || !strings.Contains(out, "(2 epochs,") {
		t.Errorf("--resume --epochs 2: %v\n%s", err, out)
	}
	if log, err := os.ReadFile(filepath.Join(dir, "cnn", "log.csv")); err != nil || bytes.Count(log, []byte("\n")) != 3 {
		t.Errorf("extended run's log (%v):\n%s\nwant a header and 2 epochs", err, log)
	}
	if out, err := runNDP(t, append(args, "--force", "--draw", "0")...); err != nil || strings.Contains(out, "kept") || !strings.Contains(out, "no figure") {
		t.Errorf("--force --draw 0: %v\n%s", err, out)
	}
	if _, err := runNDP(t, append(args, "--force", "--hidden", "200,0")...); err == nil || !strings.Contains(err.Error(), "--hidden") {
		t.Errorf("--hidden 200,0: %v, want an error naming the flag", err)
	}
	if _, err := runNDP(t, append(args, "--resume", "--hidden", "50,60")...); err == nil || !strings.Contains(err.Error(), "hidden") {
		t.Errorf("--resume with other fc sizes: %v, want a refusal naming hidden", err)
	}
	if _, err := runNDP(t, append(args, "--resume", "--train-seed", "7")...); err == nil || !strings.Contains(err.Error(), "was trained on") {
		t.Errorf("--resume on other data: %v, want a refusal", err)
	}
	if _, err := runNDP(t, append(args, "--resume", "--generator", "2")...); err == nil || !strings.Contains(err.Error(), "was trained on") {
		t.Errorf("--resume on another generator version: %v, want a refusal", err)
	}
	// A run directory of generator version 1 (data.json without the field):
	// draw must not rebuild its held-out set with this build's generator.
	old := `{"Train": {"n": 60, "seed": 1}, "Test": {"n": 30, "seed": 2}}`
	if err := os.WriteFile(filepath.Join(dir, "data.json"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runNDP(t, "digits", "draw", "--runs", dir, "--out", filepath.Join(dir, "f.png")); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("draw of a version-1 run: %v, want a refusal naming the version", err)
	}
	if _, err := runNDP(t, append(args, "--resume")...); err == nil || !strings.Contains(err.Error(), "was trained on") {
		t.Errorf("--resume of a version-1 run: %v, want a refusal", err)
	}
}
