package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/dmp"
	"github.com/ndp-go/ndp/imitation"
	"github.com/ndp-go/ndp/run"
)

//go:embed demo_four.csv
var demoFour []byte

// demoOptions size the demo's digits run.
type demoOptions struct {
	out           string
	train, test   int
	epochs        int
	backend       string
	skipDigits    bool
	quietProgress bool
}

func init() {
	o := demoOptions{out: "out/demo", train: 6000, test: 500, epochs: 12}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main demo on embedded defaults",
		Long: `Run the main demo on embedded defaults, in two parts:
 1. fit a 2-DoF DMP (N = 30) to a hand-drawn planar "4" and draw the replay
    with the vector field it induces (the paper's Figure 1);
 2. learn to write digits from images (the paper's section 5.1, in small):
    train an NDP and a CNN baseline on generated digit images for a few
    epochs and draw their trajectories over held-out images (Figure 4).
Figures and logs go to --out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var prog io.Writer = cmd.ErrOrStderr()
			if o.quietProgress {
				prog = nil
			}
			return runDemo(cmd.OutOrStdout(), prog, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.out, "out", o.out, "directory for the demo's figures")
	fl.IntVar(&o.train, "n-train", o.train, "generated training digits")
	fl.IntVar(&o.test, "n-test", o.test, "generated held-out digits")
	fl.IntVar(&o.epochs, "epochs", o.epochs, "training epochs of the digits part")
	fl.StringVar(&o.backend, "backend", "", `GoMLX backend (default "go")`)
	fl.BoolVar(&o.skipDigits, "skip-digits", false, "only the DMP part")
	fl.BoolVar(&o.quietProgress, "quiet", false, "no progress bars")
	rootCmd.AddCommand(cmd)
}

func runDemo(w, prog io.Writer, o demoOptions) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	demo := filepath.Join(o.out, "four_demo.csv")
	if err := os.WriteFile(demo, demoFour, 0o644); err != nil {
		return err
	}
	err := runDMP(dmpFlags{
		fit: demo, n: 30, substeps: 1, alpha: dmp.DefaultAlphaZ, tau: dmp.DefaultTau, ax: dmp.DefaultAX,
		kernel: "gaussian", field: true, grid: 17,
		out: filepath.Join(o.out, "four_field.png"), paramsOut: filepath.Join(o.out, "four_params.json"),
	})
	if err != nil || o.skipDigits {
		return err
	}
	fmt.Fprintf(w, "\ndigits: training NDP and CNN on %d generated images for %d epochs, testing on %d held-out ones\n", o.train, o.epochs, o.test)
	data := digitsData{Train: dataSpec{N: o.train, Seed: 1}, Test: dataSpec{N: o.test, Seed: 2}}
	cfg := imitation.DigitsConfig{Seed: 0, Standardise: true} // as digits train: both methods on standardised outputs
	ctx, stop := run.OnSignal(context.Background())
	defer stop()
	// The demo is rerun as is: it replaces its own earlier runs.
	return trainDigits(ctx, w, prog, cfg, data, []string{imitation.MethodCNN, imitation.MethodNDP}, o.epochs, filepath.Join(o.out, "digits"), o.backend, 20, run.Force)
}
