#!/usr/bin/env bash
# The RL diagnosis grid of docs/rl-diagnosis.md: which part of NDP-PPO costs it
# against PPO. Each variant changes one thing against "ndp" (the paper read
# literally). Resumable: rerun the same command to continue.
#   STEPS (default 3e5), SEEDS (2), TASKS (push,throw), OUT (runs/diagnose)
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${NDP:-./bin/ndp}" rl grid --tasks "${TASKS:-push,throw}" --seeds "${SEEDS:-2}" --steps "${STEPS:-3e5}" \
  --workers 2 --out "${OUT:-runs/diagnose}" \
  --variant 'ppo: --algo ppo' \
  --variant 'ppo-multi: --algo ppo-multi' \
  --variant 'ndp: --algo ndp' \
  --variant 'ndp-k1: --algo ndp --k 1' \
  --variant 'ndp-ws1: --algo ndp --weight-scale 1' \
  --variant 'ndp-rd1: --algo ndp --reward-delay 1' \
  --variant 'ndp-dec: --algo ndp --explore decision' \
  --variant 'ppo-multi-dec: --algo ppo-multi --explore decision' \
  --variant 'ndp-ent0: --algo ndp --ent-coef 0' \
  --variant 'ndp-h100: --algo ndp --hidden 100,100'
