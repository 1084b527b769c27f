package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/ppo"
)

func TestRLTrainEvalResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	common := []string{"--task", "push-easy", "--num-envs", "2", "--rollout-steps", "50", "--minibatches", "2", "--epochs", "1", "--eval-episodes", "2", "--quiet", "--out", dir}
	if out, err := runNDP(t, append([]string{"rl", "train", "--steps", "100"}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runNDP(t, append([]string{"rl", "train", "--steps", "200", "--resume"}, common...)...)
	if err != nil || !strings.Contains(out, "resumed") || !strings.Contains(out, "to 200 env steps") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	// An existing run is not overwritten without --force, and --resume
	// needs a checkpoint.
	if out, err := runNDP(t, append([]string{"rl", "train", "--steps", "100"}, common...)...); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("training into an existing run: err %v, want one naming --force\n%s", err, out)
	}
	empty := []string{"rl", "train", "--task", "push-easy", "--resume", "--quiet", "--out", filepath.Join(t.TempDir(), "none")}
	if _, err := runNDP(t, empty...); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("--resume of an empty directory: err %v", err)
	}
	out, err = runNDP(t, "rl", "eval", "--run", dir, "--episodes", "2")
	if err != nil || !strings.Contains(out, "deterministic: success") || !strings.Contains(out, "sampled: success") {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	if _, err := runNDP(t, "rl", "eval", "--run", filepath.Join(dir, "missing")); err == nil {
		t.Error("eval of a missing run: want an error")
	}
	// Dense control reads the policy file as it reads the run.
	dense := func(src ...string) string {
		out, err := runNDP(t, append([]string{"rl", "eval", "--episodes", "1", "--control-hz", "500"}, src...)...)
		if err != nil {
			t.Fatalf("dense eval %v: %v\n%s", src, err, out)
		}
		return out[strings.Index(out, "|"):]
	}
	if a, b := dense("--run", dir), dense("--policy", filepath.Join(dir, "policy.npz")); a != b {
		t.Errorf("dense control: run and policy file differ:\n%s\n%s", a, b)
	}
}

func TestRLCompareWritesFiguresAndTable(t *testing.T) {
	dir := t.TempDir()
	out, err := runNDP(t, "rl", "compare", "--tasks", "push-easy", "--algos", "ndp,ppo", "--seeds", "1", "--steps", "100",
		"--num-envs", "2", "--rollout-steps", "50", "--minibatches", "2", "--epochs", "1", "--eval-every", "1", "--eval-episodes", "2", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []string{"push-easy.png", "table.md", "push-easy/ndp/seed0/log.csv", "push-easy/ppo/seed0/done.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out, "| ndp    |") {
		t.Errorf("no table in output:\n%s", out)
	}
	if _, err := runNDP(t, "rl", "ablate", "--param", "colour", "--out", dir); err == nil {
		t.Error("unknown ablation parameter: want an error")
	}
}

func TestBCRunWritesTable(t *testing.T) {
	dir := t.TempDir()
	out, err := runNDP(t, "bc", "run", "--tasks", "push", "--episodes", "2", "--seeds", "1", "--epochs", "1", "--eval-episodes", "2", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "| NDP ") || !strings.Contains(out, "| NN ") {
		t.Errorf("no table:\n%s", out)
	}
	demos := filepath.Join(dir, "demos.npz")
	if out, err := runNDP(t, "bc", "collect", "--task", "faucet", "--episodes", "2", "--out", demos); err != nil {
		t.Fatalf("collect: %v\n%s", err, out)
	}
	train := []string{"bc", "train", "--demos", demos, "--policy", "mlp", "--epochs", "1", "--eval-episodes", "2", "--out", filepath.Join(dir, "t")}
	if out, err := runNDP(t, train...); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if _, err := runNDP(t, train...); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("training into an existing run: %v, want a refusal naming --force", err)
	}
	if out, err := runNDP(t, append(train, "--force")...); err != nil {
		t.Errorf("--force: %v\n%s", err, out)
	}
	if out, err := runNDP(t, append(train, "--resume")...); err != nil || !strings.Contains(out, "success") {
		t.Errorf("--resume of a finished run: %v\n%s", err, out)
	}
	if _, err := runNDP(t, append(train, "--resume", "--lr", "0.01")...); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("--resume with another config: %v, want a refusal", err)
	}
	// Rerunning the grid keeps its finished runs: the same table, no training.
	again, err := runNDP(t, "bc", "run", "--tasks", "push", "--episodes", "2", "--seeds", "1", "--epochs", "1", "--eval-episodes", "2", "--out", dir)
	if err != nil || again[strings.Index(again, "|"):] != out[strings.Index(out, "|"):] {
		t.Errorf("rerun: %v\n%s\nfirst:\n%s", err, again, out)
	}
}

func TestRLTrainFlagErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--steps", "0"}, "--steps"},
		{[]string{"--print", "global_step,colour"}, "--print"},
		{[]string{"--steps", "1.5"}, "whole number"},
		{[]string{"--epochs", "0"}, "--epochs 0"},
		{[]string{"--num-envs", "0"}, "--num-envs 0"},
		{[]string{"--resume", "--force"}, "contradict"},
		{[]string{"--hidden", "64,x"}, "--hidden"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := runNDP(t, append([]string{"rl", "train", "--task", "push-easy", "--quiet", "--out", out}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "config.json")); err == nil {
		t.Error("a rejected command created a run")
	}
}

// An explicit --ent-coef 0 means no entropy bonus, and stays so on resume.
func TestRLTrainEntCoefZero(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	common := []string{"--task", "push-easy", "--num-envs", "2", "--rollout-steps", "50", "--minibatches", "2", "--epochs", "1", "--eval-every", "-1", "--quiet", "--out", dir}
	if out, err := runNDP(t, append([]string{"rl", "train", "--steps", "1e2", "--ent-coef", "0"}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cfg, err := ppo.ReadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.EntCoef >= 0 || cfg.WithDefaults().EntCoef >= 0 {
		t.Errorf("ent_coef saved as %v (after defaults %v), want negative (no bonus)", cfg.EntCoef, cfg.WithDefaults().EntCoef)
	}
}

func TestRLGridVariants(t *testing.T) {
	dir := t.TempDir()
	common := []string{"rl", "grid", "--tasks", "push-easy", "--seeds", "1", "--steps", "100", "--num-envs", "2", "--rollout-steps", "50",
		"--minibatches", "2", "--epochs", "1", "--eval-every", "1", "--eval-episodes", "2", "--out", dir}
	out, err := runNDP(t, append(common, "--variant", "ppo: --algo ppo", "--variant", "ndp-k1: --algo ndp --k 1")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cfg, err := ppo.ReadConfig(filepath.Join(dir, "push-easy", "ndp-k1", "seed0"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Algo != ppo.AlgoNDP || cfg.K != 1 || cfg.NumEnvs != 2 {
		t.Errorf("variant config: algo %s k %d num envs %d, want ndp 1 2", cfg.Algo, cfg.K, cfg.NumEnvs)
	}
	// --report redraws from the finished runs: --plot picks the figures'
	// lines, --figures where they go; the table keeps every configuration.
	figs := filepath.Join(dir, "figs")
	variants := []string{"--variant", "ppo: --algo ppo", "--variant", "ndp-k1: --algo ndp --k 1"}
	rep, err := runNDP(t, append(append(common, variants...), "--report", "--plot", "ndp-k1", "--figures", figs)...)
	if err != nil {
		t.Fatalf("--report: %v\n%s", err, rep)
	}
	if _, err := os.Stat(filepath.Join(figs, "push-easy.png")); err != nil {
		t.Errorf("--figures: %v", err)
	}
	if !strings.Contains(rep, "| ppo ") || !strings.Contains(rep, "| ndp-k1 ") {
		t.Errorf("--report table lacks a configuration:\n%s", rep)
	}
	if _, err := runNDP(t, append(append(common, variants...), "--report", "--plot", "ppo-h100")...); err == nil || !strings.Contains(err.Error(), "--plot") {
		t.Errorf("--plot of an unknown configuration: %v, want an error naming --plot", err)
	}
	for _, bad := range []string{"no-colon", "x: --no-such-flag", "y: --epochs 0"} {
		if _, err := runNDP(t, append(common, "--variant", bad)...); err == nil {
			t.Errorf("--variant %q: want an error", bad)
		}
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"rl", "grid", "--variant", "ppo: --algo ppo", "it's", ""})
	want := `rl grid --variant 'ppo: --algo ppo' 'it'\''s' ''`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}
