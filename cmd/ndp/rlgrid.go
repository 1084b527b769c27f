package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ndp-go/ndp/ppo"
)

// variantConfigs parses each --variant "LABEL: FLAGS" into a config: the
// command's own training flags, then the variant's on top.
func variantConfigs(cmd *cobra.Command, variants []string) ([]string, map[string]ppo.Config, error) {
	grid := map[string]bool{"tasks": true, "seeds": true, "workers": true, "out": true, "backend": true, "variant": true, "report": true, "plot": true, "figures": true}
	var base []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !grid[f.Name] {
			base = append(base, "--"+f.Name+"="+f.Value.String())
		}
	})
	var labels []string
	cfgs := map[string]ppo.Config{}
	for _, v := range variants {
		label, flags, ok := strings.Cut(v, ":")
		label = strings.TrimSpace(label)
		if !ok || label == "" {
			return nil, nil, fmt.Errorf("--variant %q: want \"LABEL: --flag value ...\"", v)
		}
		if _, dup := cfgs[label]; dup {
			return nil, nil, fmt.Errorf("--variant: label %q given twice", label)
		}
		fs := pflag.NewFlagSet(label, pflag.ContinueOnError)
		p := newPPOFlags(fs)
		if err := fs.Parse(append(append([]string{}, base...), strings.Fields(flags)...)); err != nil {
			return nil, nil, fmt.Errorf("--variant %s: %w", label, err)
		}
		if len(fs.Args()) > 0 {
			return nil, nil, fmt.Errorf("--variant %s: unexpected arguments %v", label, fs.Args())
		}
		c, err := p.config()
		if err != nil {
			return nil, nil, fmt.Errorf("--variant %s: %w", label, err)
		}
		labels = append(labels, label)
		cfgs[label] = c
	}
	if len(labels) == 0 {
		return nil, nil, fmt.Errorf("give at least one --variant")
	}
	return labels, cfgs, nil
}

func init() {
	var g gridFlags
	var variants []string
	cmd := &cobra.Command{
		Use:   "grid",
		Short: "Train named variants (any training flags) × tasks × seeds and plot success vs env samples",
		Long: `Like compare, but each line of the figures is a named variant: a label and
the training flags that define it, applied on top of the command's own
flags. Runs live in OUT/TASK/LABEL/seedN; rerunning the same command skips
finished runs and resumes the others.`,
		Example: `  ndp rl grid --tasks push,throw --seeds 2 --steps 3e5 \
    --variant 'ppo: --algo ppo' --variant 'ndp: --algo ndp' --variant 'ndp-k1: --algo ndp --k 1'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			labels, cfgs, err := variantConfigs(cmd, variants)
			if err != nil {
				return err
			}
			return g.run(cmd, labels, func(label string, c *ppo.Config) error {
				task, seed := c.Task, c.Seed
				*c = cfgs[label]
				c.Task, c.Seed = task, seed+cfgs[label].Seed-g.base.Seed
				return nil
			}, "variants")
		},
	}
	g.bind(cmd, "runs/grid")
	cmd.Flags().StringArrayVar(&variants, "variant", nil, `a line of the figures: "LABEL: --flag value ..." (repeatable)`)
	rlCmd.AddCommand(cmd)
}
