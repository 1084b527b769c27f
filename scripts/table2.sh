#!/usr/bin/env bash
# The paper's Table 2 and Figure 4 at its budget: CNN, CNN-DMP and NDP on
# 10,000 generated training digits and 2,000 held-out ones, 71 epochs, batch
# 100, every method with standardised outputs (--standardise; CNN-DMP always
# regresses standardised parameters). Resumable: every method checkpoints
# after each epoch, and rerunning this command continues where it stopped
# (finished methods are kept).
# Extra arguments go to ndp digits train (e.g. --n-train 200 --epochs 2 for a
# quick check). Environment: OUT (results/table2-v3, tracked in git so that a
# run continues in the next session), NDP (./bin/ndp).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-results/table2-v3}"
args=(digits train --epochs 71 --standardise --out "$out")
if [ -e "$out" ]; then
  args+=(--resume)
fi
exec "${NDP:-./bin/ndp}" "${args[@]}" "$@"
