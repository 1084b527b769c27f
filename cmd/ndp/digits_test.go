package main

import (
	"bytes"
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
