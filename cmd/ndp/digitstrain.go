package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/imitation"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/run"
)

// dataSpec says where a dataset comes from: a file (with its size and
// checksum when recorded), or the generator's n and seed.
type dataSpec struct {
	File    string `json:"file,omitempty"`
	Samples int    `json:"samples,omitempty"` // file: samples read
	SHA256  string `json:"sha256,omitempty"`  // file: checksum of its bytes
	N       int    `json:"n,omitempty"`
	Seed    uint64 `json:"seed,omitempty"`
}

// recorded is the spec as data.json records it: a file-based set keeps its
// name, size and checksum, not the generator flags it did not use.
func (s dataSpec) recorded(d *digits.Dataset) (dataSpec, error) {
	if s.File == "" {
		return dataSpec{N: s.N, Seed: s.Seed}, nil
	}
	b, err := os.ReadFile(s.File)
	if err != nil {
		return s, err
	}
	return dataSpec{File: s.File, Samples: d.Len(), SHA256: fmt.Sprintf("%x", sha256.Sum256(b))}, nil
}

func (s dataSpec) load(what string) (*digits.Dataset, error) {
	if s.File != "" {
		d, err := digits.Load(s.File)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", what, err)
		}
		return d, nil
	}
	if s.N < 1 {
		return nil, fmt.Errorf("--n-%s must be positive, got %d", what, s.N)
	}
	return digits.Generate(s.N, s.Seed, nil)
}

// digitsData is recorded in a run root so that draw can rebuild the test set.
type digitsData struct {
	Train, Test dataSpec
}

func init() {
	var (
		cfg         imitation.DigitsConfig
		data        digitsData
		methods     string
		epochs      int
		out         string
		backendFlag string
		drawN       int
		quiet       bool
		resume      bool
		force       bool
	)
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train NDP, CNN and CNN-DMP on digit images; write Table 2 and Figure 4",
		Long: `Train the methods of the paper's Table 2 on digit images and evaluate them on a
held-out set: each gets OUT/METHOD/{log.csv,result.json,preds.json}; then
OUT/table.md (mean ± std over digit classes of the per-sample squared error
in px²) and OUT/figure4.png (test images with every method's trajectory).
Data come from --train/--test npz files, or are generated (--n-train with
--train-seed, --n-test with a different --test-seed).`,
		Example: `  ndp digits train --epochs 71                      # the paper's setting: 10k/2k, batch 100
  ndp digits train --methods ndp,cnn --n-train 2000 --epochs 5 --out runs/digits-quick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var prog io.Writer = cmd.ErrOrStderr()
			if quiet {
				prog = nil
			}
			mode, err := runMode(resume, force)
			if err != nil {
				return err
			}
			ctx, stop := run.OnSignal(cmd.Context())
			defer stop()
			return trainDigits(ctx, cmd.OutOrStdout(), prog, cfg, data, splitList(methods), epochs, out, backendFlag, drawN, mode)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&methods, "methods", "cnn,cnn-dmp,ndp", "methods to train: ndp, cnn, cnn-dmp")
	fl.IntVar(&epochs, "epochs", 71, "training epochs")
	fl.IntVar(&cfg.BatchSize, "batch", 100, "batch size")
	fl.Float64Var(&cfg.LR, "lr", 1e-3, "Adam learning rate")
	fl.Int64Var(&cfg.Seed, "seed", 0, "network init and batch order seed")
	fl.IntVar(&cfg.N, "n", 30, "DMP basis functions per DoF (ndp, cnn-dmp)")
	fl.Float64Var(&cfg.AlphaZ, "alpha-z", 25, "DMP α_z")
	fl.BoolVar(&cfg.Standardise, "standardise", true, "cnn: regress trajectory points standardised by the training set's per-point mean and std, not raw pixels; ndp: output the DMP parameters (u, g) standardised by the mean and std of those fitted to the training demos (--standardise=false: the authors' raw heads)")
	fl.Float64Var(&cfg.GoalScale, "goal-scale", 0, "ndp with --standardise=false: goal = pen start + this × Φ's goal output (px); 0: the authors' absolute goal, scaled by the output scale")
	fl.IntVar(&cfg.PretrainEpochs, "pretrain-epochs", 0, "first train a digit classifier (the same CNN, 10 classes) for this many epochs and start each method's trunk from it, as the authors start from MNIST")
	fl.StringVar(&cfg.ConvImpl, "conv", "", "convolution lowering: gather, slices, builtin (default: fastest measured)")
	fl.StringVar(&data.Train.File, "train", "", "training set (npz); default: generated")
	fl.IntVar(&data.Train.N, "n-train", 10000, "generated training samples")
	fl.Uint64Var(&data.Train.Seed, "train-seed", 1, "generator seed of the training set")
	fl.StringVar(&data.Test.File, "test", "", "held-out set (npz); default: generated")
	fl.IntVar(&data.Test.N, "n-test", 2000, "generated held-out samples")
	fl.Uint64Var(&data.Test.Seed, "test-seed", 2, "generator seed of the held-out set")
	fl.StringVar(&out, "out", "runs/digits", "output directory")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	fl.IntVar(&drawN, "draw", 20, "held-out samples drawn in figure4.png (0: no figure)")
	fl.BoolVar(&quiet, "quiet", false, "no progress bars")
	fl.BoolVar(&resume, "resume", false, "continue a stopped train into OUT: keep the methods that finished, continue the others from their last epoch (or a finished one to a larger --epochs)")
	fl.BoolVar(&force, "force", false, "train into OUT even if it holds runs, replacing them")
	digitsCmd.AddCommand(cmd)

	var (
		policyPath  string
		evalData    dataSpec
		evalBackend string
	)
	eval := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate a trained digit writer (a policy file of `ndp digits train`) on a held-out set",
		Example: `  ndp digits eval --policy runs/digits/ndp/policy.npz                 # on the default held-out set
  ndp digits eval --policy runs/digits/ndp/policy-best.npz --test my-digits.npz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := backend.New(evalBackend)
			if err != nil {
				return err
			}
			d, err := imitation.OpenDigits(policyPath, b)
			if err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			test, err := evalData.load("test")
			if err != nil {
				return err
			}
			_, st, err := d.Evaluate(test)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s on %d held-out digits: %.3f ± %.3f px² (mean ± std over classes of the per-sample squared error)\n",
				d.Cfg.Method, test.Len(), st.MeanOverClasses, st.StdOverClasses)
			return nil
		},
	}
	ef := eval.Flags()
	ef.StringVar(&policyPath, "policy", "", "policy file written by `ndp digits train` (required)")
	ef.StringVar(&evalData.File, "test", "", "held-out set (npz); default: generated")
	ef.IntVar(&evalData.N, "n-test", 2000, "generated held-out samples")
	ef.Uint64Var(&evalData.Seed, "test-seed", 2, "generator seed of the held-out set")
	ef.StringVar(&evalBackend, "backend", "", `GoMLX backend (default "go")`)
	_ = eval.MarkFlagRequired("policy")
	digitsCmd.AddCommand(eval)

	var runs, figOut, tableOut string
	table := &cobra.Command{
		Use:   "table",
		Short: "Print Table 2 (Markdown) from the results of `ndp digits train`",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := imitation.LoadResults(runs)
			if err != nil {
				return err
			}
			t := imitation.Table(res)
			fmt.Fprint(cmd.OutOrStdout(), t)
			if tableOut != "" {
				return os.WriteFile(tableOut, []byte(t), 0o644)
			}
			return nil
		},
	}
	table.Flags().StringVar(&runs, "runs", "runs/digits", "output directory of `ndp digits train`")
	table.Flags().StringVar(&tableOut, "out", "", "also write the table to this file")
	digitsCmd.AddCommand(table)

	draw := &cobra.Command{
		Use:   "draw",
		Short: "Draw Figure 4: held-out images with each method's predicted trajectory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := drawFigure4(runs, figOut); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "wrote", figOut)
			return nil
		},
	}
	draw.Flags().StringVar(&runs, "runs", "runs/digits", "output directory of `ndp digits train`")
	draw.Flags().StringVar(&figOut, "out", "runs/digits/figure4.png", "figure path (.png)")
	digitsCmd.AddCommand(draw)
}

// trainDigits trains methods on the data, then writes table.md and
// figure4.png under out. Progress bars go to prog (nil: none).
func trainDigits(ctx context.Context, w, prog io.Writer, cfg imitation.DigitsConfig, data digitsData, methods []string, epochs int, out, backendFlag string, drawN int, mode run.Mode) error {
	if len(methods) == 0 {
		return fmt.Errorf("--methods: need at least one of %v", imitation.Methods())
	}
	if drawN < 0 {
		return fmt.Errorf("--draw must be ≥ 0, got %d", drawN)
	}
	for _, m := range methods {
		if err := imitation.CheckMethod(m); err != nil {
			return fmt.Errorf("--methods: %w", err)
		}
		c := cfg
		c.Method = m
		if err := c.Validate(); err != nil {
			return err
		}
	}
	if data.Train.File == "" && data.Test.File == "" && data.Train.Seed == data.Test.Seed {
		return fmt.Errorf("--train-seed and --test-seed are both %d: the held-out set would repeat the training set", data.Train.Seed)
	}
	train, err := data.Train.load("train")
	if err != nil {
		return err
	}
	test, err := data.Test.load("test")
	if err != nil {
		return err
	}
	b, err := backend.New(backendFlag)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if data.Train, err = data.Train.recorded(train); err != nil {
		return err
	}
	if data.Test, err = data.Test.recorded(test); err != nil {
		return err
	}
	if err := atomicfile.WriteJSON(filepath.Join(out, "data.json"), data); err != nil {
		return err
	}
	return imitation.RunMethods(b, imitation.MethodsRun{Cfg: cfg, Methods: methods, Epochs: epochs, Train: train, Test: test,
		Root: out, Draw: drawN, Progress: prog, Log: w, Mode: mode, Context: ctx})
}

// drawFigure4 draws the saved predictions of every method over the
// held-out images they were made for.
func drawFigure4(root, path string) error {
	var data digitsData
	if err := atomicfile.ReadJSON(filepath.Join(root, "data.json"), &data); err != nil {
		return fmt.Errorf("--runs: %w", err)
	}
	test, err := data.Test.load("test")
	if err != nil {
		return err
	}
	return imitation.DrawFigure4(root, path, test)
}
