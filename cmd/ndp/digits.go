package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/internal/atomicfile"
)

// digitsCmd groups the digit-writing imitation task (paper Table 2, Figure
// 4). Further subcommands (train, eval, table, draw) attach to it with
// digitsCmd.AddCommand in their own files' init functions.
var digitsCmd = &cobra.Command{
	Use:   "digits",
	Short: "Imitation from images: write synthetic digits (paper Table 2, Figure 4)",
	Long: `Synthetic single-stroke digits 0-9 drawn on a 40×40 canvas, each with the
301-point pen trajectory that wrote it. See package digits for the npz format.`,
}

func init() {
	rootCmd.AddCommand(digitsCmd)
	digitsCmd.AddCommand(newDigitsGenerateCmd(), newDigitsShowCmd())
}

func newDigitsGenerateCmd() *cobra.Command {
	var (
		n       int
		seed    uint64
		version int
		out     string
		quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a dataset of synthetic digits with their trajectories (npz)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return fmt.Errorf("digits generate: --n must be positive, got %d", n)
			}
			if err := digits.CheckGeneratorVersion(version); err != nil {
				return fmt.Errorf("--generator: %w", err)
			}
			if err := atomicfile.CheckWritable(out); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			start := time.Now()
			var progress func(int)
			if !quiet {
				bar := progressbar.NewOptions(n,
					progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("generating digits"),
					progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(cmd.ErrOrStderr()) }),
				)
				progress = func(done int) { _ = bar.Set(done) }
			}
			d, err := digits.GenerateVersion(version, n, seed, progress)
			if err != nil {
				return err
			}
			gen := time.Since(start)
			if err := d.Save(out); err != nil {
				return err
			}
			fi, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d digits (generator %d, seed %d) to %s: %.1f MB, generated in %v, total %v\n",
				n, version, seed, out, float64(fi.Size())/1e6, gen.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&n, "n", 12000, "number of digits")
	f.Uint64Var(&seed, "seed", 1, "random seed (same seed and --generator, same dataset)")
	f.IntVar(&version, "generator", digits.GeneratorVersion, generatorFlag)
	f.StringVar(&out, "out", "", "output npz file (required)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newDigitsShowCmd() *cobra.Command {
	var (
		data   string
		n      int
		cols   int
		scale  int
		out    string
		labels []int
	)
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Draw dataset samples with their ground-truth trajectories (PNG grid)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return fmt.Errorf("digits show: --n must be positive, got %d", n)
			}
			keep := map[int]bool{}
			for _, l := range labels {
				if l < 0 || l >= digits.NumClasses {
					return fmt.Errorf("digits show: --labels: %d is not a digit class 0-%d", l, digits.NumClasses-1)
				}
				keep[l] = true
			}
			if err := atomicfile.CheckWritable(out); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			d, err := digits.Load(data)
			if err != nil {
				return err
			}
			// Classes in turn, so with 10 columns (or as many as --labels
			// names) each column is one digit.
			idx := d.Balanced(n)
			if len(keep) > 0 {
				idx = nil
				for _, i := range d.Balanced(d.Len()) {
					if keep[d.Labels[i]] && len(idx) < n {
						idx = append(idx, i)
					}
				}
			}
			images := make([][]uint8, len(idx))
			trajs := make([][]float32, len(idx))
			captions := make([]string, len(idx))
			for k, i := range idx {
				images[k], trajs[k] = d.Image(i), d.Trajectory(i)
				captions[k] = strconv.Itoa(d.Labels[i]) + "  #" + strconv.Itoa(i)
			}
			sets := []digits.TrajectorySet{{Name: "ground truth", Trajs: trajs}}
			if err := digits.DrawGrid(out, images, sets, digits.GridOptions{Cols: cols, Scale: scale, Captions: captions}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "drew %d of %d digits from %s to %s\n", len(idx), d.Len(), data, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "dataset npz file (required)")
	f.IntVar(&n, "n", 20, "number of digits to draw")
	f.IntVar(&cols, "cols", 10, "cells per row")
	f.IntVar(&scale, "scale", 5, "upscaling of each 40×40 image")
	f.StringVar(&out, "out", "grid.png", "output PNG file")
	f.IntSliceVar(&labels, "labels", nil, "draw only these classes, e.g. 2,7 (default: all)")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}
