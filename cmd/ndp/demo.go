package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/dmp"
)

//go:embed demo_four.csv
var demoFour []byte

func init() {
	out := "out/demo"
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main demo on embedded defaults",
		Long: `Run the main demo on embedded defaults: fit a 2-DoF DMP (N = 30) to a
hand-drawn planar "4" and draw the replay with the vector field it induces
(the paper's Figure 1). Figures go to --out.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runDemo(out) },
	}
	cmd.Flags().StringVar(&out, "out", out, "directory for the demo's figures")
	rootCmd.AddCommand(cmd)
}

func runDemo(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	demo := filepath.Join(out, "four_demo.csv")
	if err := os.WriteFile(demo, demoFour, 0o644); err != nil {
		return err
	}
	return runDMP(dmpFlags{
		fit: demo, n: 30, substeps: 1, alpha: dmp.DefaultAlphaZ, tau: dmp.DefaultTau, ax: dmp.DefaultAX,
		kernel: "gaussian", field: true, grid: 17,
		out: filepath.Join(out, "four_field.png"), paramsOut: filepath.Join(out, "four_params.json"),
	})
}
