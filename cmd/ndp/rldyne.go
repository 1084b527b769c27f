package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/dyne"
	"github.com/ndp-go/ndp/envs"
	"github.com/ndp-go/ndp/internal/atomicfile"
)

func init() {
	var (
		task, out, backendFlag string
		c                      = dyne.Defaults()
	)
	cmd := &cobra.Command{
		Use:   "dyne-pretrain",
		Short: "Train Dyn-E's action embedding on random exploration of a task and report how well it predicts and reconstructs",
		Long: `Collect --samples env steps of uniform random actions on --task, train
Dyn-E's embedding of k-step action sequences (encoder, k-step dynamics
predictor, decoder; package dyne) and report its held-out errors beside
those of the best constants. --out saves it as a model checkpoint.

ndp rl train --algo dyne runs this step itself, with the run's seed and
--dyne-samples / --dyne-epochs; this command is for inspecting it.`,
		Example: `  ndp rl dyne-pretrain --task push --samples 100000 --epochs 10 --out push-dyne.ckpt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.Validate(); err != nil {
				return err
			}
			if out != "" {
				if err := atomicfile.CheckWritable(out); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			env, err := envs.Make(task)
			if err != nil {
				return err
			}
			defer env.Close()
			data, err := dyne.Collect(env, c.Samples, c.K, c.Seed)
			if err != nil {
				return err
			}
			e, err := dyne.Train(b, data, c)
			if err != nil {
				return err
			}
			h, w := e.Held, cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d windows of %d actions × %d dims, latent %d; %d Adam steps in %.1f s\n",
				task, data.Len(), e.K, e.ActDim, e.Latent, e.Steps, e.TrainSeconds)
			fmt.Fprintf(w, "held-out (%d windows), mean squared error per entry:\n", h.Windows)
			fmt.Fprintf(w, "  k-step state change (standardised): %.4f, the constant %.4f (relative %.3f)\n", h.Dynamics, h.DynamicsConst, h.DynamicsRelErr)
			fmt.Fprintf(w, "  action sequence reconstruction:     %.4f, the constant %.4f (relative %.3f)\n", h.Recon, h.ReconConst, h.ReconRelErr)
			fmt.Fprintf(w, "  KL to the prior: %.2f nats per window\n", h.KL)
			if out != "" {
				if err := e.Save(out); err != nil {
					return err
				}
				fmt.Fprintln(w, "wrote", out)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&task, "task", "push", "task to explore")
	fl.IntVar(&c.K, "k", c.K, "actions per sequence")
	fl.IntVar(&c.Latent, "latent", 0, "latent size (default: the task's action size)")
	fl.IntVar(&c.Hidden, "hidden", c.Hidden, "hidden width of each net")
	fl.IntVar(&c.Samples, "samples", c.Samples, "random exploration steps")
	fl.IntVar(&c.Epochs, "epochs", c.Epochs, "training epochs")
	fl.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	fl.Float64Var(&c.LR, "lr", c.LR, "Adam learning rate")
	fl.Float64Var(&c.KL, "kl", c.KL, "weight β of the KL term")
	fl.Int64Var(&c.Seed, "seed", 0, "seed of exploration, initialisation and batches")
	fl.StringVar(&out, "out", "", "save the embedding (a model checkpoint) here")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend: "go" (default) or "xla:/abs/path/pjrt_plugin.so" (or $GOMLX_BACKEND)`)
	rlCmd.AddCommand(cmd)
}
