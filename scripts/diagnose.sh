#!/usr/bin/env bash
# The RL diagnosis grids of docs/rl-diagnosis.md: which part of NDP-PPO costs
# it against PPO. Each variant changes one thing against "ndp" (the paper read
# literally). Resumable: rerun the same command to continue.
#   scripts/diagnose.sh 1   300k steps: open loop (k = 1), output scale, reward delay
#   scripts/diagnose.sh 2   1M steps: exploration per decision, against PPO and PPO-multi
#   scripts/diagnose.sh 3   300k steps: Φ's DMP-weight scale between 1 and the authors' 100
#   scripts/diagnose.sh 8   300k steps, push and soccer: network size, the authors' rollout shape,
#                           α_z and the authors' one-output critic, for PPO and NDP
#   scripts/diagnose.sh 9   300k steps, push and soccer: no entropy bonus, for PPO and the best NDP
#                           (σ grows above its initial 1 for every learner with the bonus)
# Environment: SEEDS (2), TASKS (push,throw), OUT (runs/diagnose-STAGE), NDP (./bin/ndp)
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-1}"
tasks=push,throw
[ "$stage" = 8 ] || [ "$stage" = 9 ] && tasks=push,soccer
common=(rl grid --tasks "${TASKS:-$tasks}" --seeds "${SEEDS:-2}" --workers 2 --out "${OUT:-runs/diagnose-$stage}")
case "$stage" in
1) exec "${NDP:-./bin/ndp}" "${common[@]}" --steps 3e5 \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-multi: --algo ppo-multi' \
  --variant 'ndp: --algo ndp' \
  --variant 'ndp-k1: --algo ndp --k 1' \
  --variant 'ndp-ws1: --algo ndp --weight-scale 1' \
  --variant 'ndp-rd1: --algo ndp --reward-delay 1' ;;
2) exec "${NDP:-./bin/ndp}" "${common[@]}" --steps 1e6 --eval-every 10 \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-multi-dec: --algo ppo-multi --explore decision' \
  --variant 'ndp: --algo ndp' \
  --variant 'ndp-dec: --algo ndp --explore decision' \
  --variant 'ndp-ws1: --algo ndp --weight-scale 1' ;;
3) exec "${NDP:-./bin/ndp}" "${common[@]}" --steps 3e5 \
  --variant 'ndp-ws10: --algo ndp --weight-scale 10' \
  --variant 'ndp-ws30: --algo ndp --weight-scale 30' \
  --variant 'ndp-dec-ws10: --algo ndp --explore decision --weight-scale 10' ;;
8) replan='--algo ndp --execute 1 --weight-scale 1'
  authors='--num-envs 10 --rollout-steps 50 --no-anneal-lr --eval-every 20' # their decay spans 12.5M steps: near constant here; evaluations every 10k steps as the others
  exec "${NDP:-./bin/ndp}" "${common[@]}" --steps 3e5 \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-h100: --algo ppo --hidden 100,100' \
  --variant "ppo-authors: --algo ppo $authors" \
  --variant "ndp-replan: $replan" \
  --variant "ndp-replan-h100: $replan --hidden 100,100" \
  --variant "ndp-replan-authors: $replan $authors" \
  --variant "ndp-replan-az25: $replan --alpha-z 25" \
  --variant 'ndp-ws1: --algo ndp --weight-scale 1' \
  --variant 'ndp-ws1-shared: --algo ndp --weight-scale 1 --shared-value' ;;
9) best='--algo ndp --execute 1 --weight-scale 1 --hidden 100,100'
  exec "${NDP:-./bin/ndp}" "${common[@]}" --steps 3e5 \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-ent0: --algo ppo --ent-coef 0' \
  --variant "ndp-replan-h100: $best" \
  --variant "ndp-replan-h100-ent0: $best --ent-coef 0" ;;
*) echo "usage: $0 1|2|3|8|9" >&2; exit 2 ;;
esac
