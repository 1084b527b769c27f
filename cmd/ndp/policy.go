package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/internal/table"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/policy"
)

func init() {
	policyCmd := &cobra.Command{Use: "policy", Short: "Inspect policy files (policy.npz, written by every learner)"}
	show := &cobra.Command{
		Use:     "show FILE",
		Short:   "Print what a policy file holds: learner, task, network, spec, provenance, weights",
		Example: "  ndp policy show runs/push-ndp-s0/policy.npz",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := backend.New("go")
			if err != nil {
				return err
			}
			meta, m, err := policy.Load(args[0], b)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			unit := "env steps"
			if meta.Task == "digits" {
				unit = "samples"
			}
			fmt.Fprintf(w, "%s: %s policy for %s, %d %s of training\n", args[0], meta.Learner, meta.Task, meta.Steps, unit)
			fmt.Fprintf(w, "network: %s %s head, hidden %v, %s; %d weights\n", m.Cfg.Net, m.Cfg.Head, m.Cfg.Hidden, m.Cfg.Activation, m.Spec.Count())
			if s := meta.Spec; s.K > 0 {
				fmt.Fprintf(w, "acts: %d actions per decision of %d dims from %d observations", s.K, s.ActDim, s.ObsDim)
				if s.NDP {
					fmt.Fprintf(w, "; DMP over %d DoF (N = %d, α_z = %g, %d substeps), observation indices %v", s.DoF(), m.Cfg.DMP.N, m.Cfg.DMP.AlphaZ, m.Cfg.DMP.Substeps, s.Pos)
				}
				fmt.Fprintln(w)
				fmt.Fprintf(w, "observation normaliser: %v; σ: %s\n", meta.ObsNorm != nil, fmtExp(meta.LogStd))
			} else if m.Cfg.Net == model.NetCNN {
				fmt.Fprintf(w, "reads %d×%d images", m.Cfg.ImageH, m.Cfg.ImageW)
				if m.Cfg.Head == model.HeadNDP {
					fmt.Fprintf(w, "; DMP over %d DoF (N = %d, α_z = %g, T = %d)", m.Cfg.DoF, m.Cfg.DMP.N, m.Cfg.DMP.AlphaZ, m.Cfg.DMP.T)
				}
				fmt.Fprintln(w)
			}
			if len(meta.LearnerConfig) > 0 {
				fmt.Fprintf(w, "learner config: %s\n", meta.LearnerConfig)
			}
			fmt.Fprintf(w, "made by: %s\ncommit: %s, %s\n\n", meta.Command, meta.Commit, meta.Created)
			var rows [][]string
			for i, n := range m.Spec.Names {
				rows = append(rows, []string{n, fmt.Sprint(m.Spec.Shapes[i])})
			}
			fmt.Fprint(w, table.Markdown([]string{"weight", "shape"}, rows))
			return nil
		},
	}
	policyCmd.AddCommand(show)
	rootCmd.AddCommand(policyCmd)
}

func fmtExp(logs []float64) string {
	if len(logs) == 0 {
		return "none"
	}
	parts := make([]string, len(logs))
	for i, v := range logs {
		parts[i] = fmt.Sprintf("%.3g", math.Exp(v))
	}
	return strings.Join(parts, ", ")
}
