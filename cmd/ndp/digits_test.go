package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ndp-go/ndp/digits"
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
	if out, err := runNDP(t, "digits", "show", "--data", data, "--n", "12", "--out", grid); err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if fi, err := os.Stat(grid); err != nil || fi.Size() == 0 {
		t.Fatalf("no grid written: %v", err)
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
}

// TestDigitsTrainLifecycle: a second train into the same directory is
// refused; --resume keeps the finished methods; --force trains again.
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
	if out, err := runNDP(t, append(args, "--force", "--draw", "0")...); err != nil || strings.Contains(out, "kept") || !strings.Contains(out, "no figure") {
		t.Errorf("--force --draw 0: %v\n%s", err, out)
	}
}
