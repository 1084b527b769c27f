#!/usr/bin/env python3
"""Per-run PPO diagnostics of a finished grid (docs/rl-diagnosis.md, stage 5).

For every finished run under ROOT/TASK/VARIANT/seedS/log.csv: the mean
approx_kl and clip fraction over all updates, the critic's explained variance
over the second half, the policy's action std at the end, the success of the
sampled training episodes over the last 20 updates, and the last deterministic
and sampled evaluations. Then the per-task, per-variant means over seeds.

    python3 scripts/probes/gridstats.py results/figure5-fair
"""
import csv
import glob
import os
import statistics
import sys


def mean(rows, key):
    vals = [float(r[key]) for r in rows if r[key] not in ("", "NaN", "nan")]
    return statistics.mean(vals) if vals else float("nan")


def main(root):
    per = {}
    for f in sorted(glob.glob(os.path.join(root, "*", "*", "seed*", "log.csv"))):
        if not os.path.exists(os.path.join(os.path.dirname(f), "done.json")):
            continue
        task, var, seed = f.split(os.sep)[-4:-1]
        rows = list(csv.DictReader(open(f)))
        n = len(rows)
        ev = [r for r in rows if r["eval_success"] != ""][-1]
        stats = [mean(rows, "approx_kl"), mean(rows, "clipfrac"), mean(rows[n // 2:], "explained_var"),
                 float(rows[-1]["action_std"]), mean(rows[-20:], "success"), float(ev["eval_success"]),
                 float(ev["eval_success_sampled"] or "nan")]
        per.setdefault((task, var), []).append(stats)
    cols = ["approx_kl", "clipfrac", "expl_var", "action_std", "train_success", "eval_det", "eval_sampled"]
    print("| task | learner | seeds | " + " | ".join(cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    for (task, var), runs in sorted(per.items()):
        m = [statistics.mean(c) for c in zip(*runs)]
        print(f"| {task} | {var} | {len(runs)} | " + " | ".join(f"{v:.4f}" if i == 0 else f"{v:.2f}" for i, v in enumerate(m)) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/figure5-fair")
