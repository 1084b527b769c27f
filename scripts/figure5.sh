#!/usr/bin/env bash
# The fair Figure 5 of docs/results.md: every learner on the same randomised
# tasks, 1M env steps, 3 seeds, 5 tasks. Resumable: rerun the same command to
# continue (finished runs are skipped, partial ones resume from checkpoints).
#   scripts/figure5.sh fair      PPO, PPO-multi (decision noise), NDP as the paper reads, NDP with Φ's weights ×1,
#                                and NDP at its best: weights ×1, replanning every step (ndp-replan; on pick, throw
#                                and push its runs are the replan grid's ndp-m1 runs, linked, the same configs),
#                                and the same with the goal's gain on the executed step matched to PPO's
#                                (ndp-replan-gs12: --goal-scale 11.8, docs/rl-diagnosis.md stage 7); PPO and the
#                                replanning NDP with the authors' 100-100 networks (stage 8); and VICES
#                                (PPO on each task's torque-driven variable-impedance variant, issue 14) and Dyn-E
#                                (PPO in a latent space of 5-step action sequences pretrained on 100k random steps)
#   scripts/figure5.sh authors   the authors' protocol on push and soccer: NDP and PPO-multi on one fixed layout
#                                (their PPO, on randomised layouts, is the fair grid's)
#   scripts/figure5.sh replan    plan k = 5, execute m < 5 (--execute) on the tasks where the k-step learners trail:
#                                is it the open loop? (compare with the fair grid's runs of the same seeds)
# Extra arguments go to ndp rl grid, e.g. `scripts/figure5.sh fair --report` writes the figures and table
# of the runs finished so far without training.
# Environment: SEEDS (3), STEPS (1e6), OUT (results/figure5-MODE, tracked in git so that a grid continues in the next session), NDP (./bin/ndp)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-fair}"
shift || true
common=(rl grid --seeds "${SEEDS:-3}" --steps "${STEPS:-1e6}" --eval-every 10 --workers 2 --out "${OUT:-results/figure5-$mode}")
if [ "$mode" = fair ] && [ -z "${OUT:-}" ]; then
  for t in pick throw push; do
    mkdir -p "results/figure5-replan/$t/ndp-m1" "results/figure5-fair/$t"
    [ -e "results/figure5-fair/$t/ndp-replan" ] || ln -s "../../figure5-replan/$t/ndp-m1" "results/figure5-fair/$t/ndp-replan"
  done
fi
case "$mode" in
fair) exec "${NDP:-./bin/ndp}" "${common[@]}" --tasks push,soccer,faucet,throw,pick \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-multi-dec: --algo ppo-multi --explore decision' \
  --variant 'ndp: --algo ndp' \
  --variant 'ndp-ws1: --algo ndp --weight-scale 1' \
  --variant 'ndp-replan: --algo ndp --weight-scale 1 --execute 1' \
  --variant 'ndp-replan-gs12: --algo ndp --weight-scale 1 --execute 1 --goal-scale 11.8' \
  --variant 'ppo-h100: --algo ppo --hidden 100,100' \
  --variant 'ndp-replan-h100: --algo ndp --weight-scale 1 --execute 1 --hidden 100,100' \
  --variant 'vices: --algo vices' \
  --variant 'dyne: --algo dyne' "$@" ;;
authors) exec "${NDP:-./bin/ndp}" "${common[@]}" --tasks push,soccer \
  --variant 'ndp-fixed: --algo ndp --fixed-layout 1' \
  --variant 'ppo-multi-dec-fixed: --algo ppo-multi --explore decision --fixed-layout 1' "$@" ;;
replan) exec "${NDP:-./bin/ndp}" "${common[@]}" --tasks pick,throw,push \
  --variant 'ndp-m1: --algo ndp --weight-scale 1 --execute 1' \
  --variant 'ndp-m2: --algo ndp --weight-scale 1 --execute 2' \
  --variant 'ppo-multi-dec-m1: --algo ppo-multi --explore decision --execute 1' "$@" ;;
*) echo "usage: $0 fair|authors|replan" >&2; exit 2 ;;
esac
