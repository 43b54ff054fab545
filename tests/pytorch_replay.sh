#!/bin/sh
# The paper schedule's mini-batch step against PyTorch: bench_train --trace
# runs 20 mini-batches of gnnrec's own step on MovieLens-1M m1 and writes
# the initial embeddings, the batches, the losses and the final embeddings;
# bench/pytorch_lightgcn.py --replay runs the same batches from the same
# start with torch.optim.Adam and autograd.  The losses and the parameters
# must agree to float rounding.  Skips (77) without the data or without
# Debian's python3-torch.
#   pytorch_replay.sh BENCH_TRAIN PYTORCH_SCRIPT DATA_DIR
bench=$1 script=$2 data=${GNNREC_DATA:-$3}
if [ ! -f "$data/ml1m_m1/train.txt" ]; then
  echo "SKIP: $data/ml1m_m1/train.txt is absent (set GNNREC_DATA)"
  exit 77
fi
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 has no torch and numpy (Debian: python3-torch)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --trace "$tmp" --steps 20 --threads 1 --seed 3 --data "$data" || exit 1
/usr/bin/python3 "$script" --replay "$tmp" --threads 1 --data "$data" >"$tmp/out" || exit 1
cat "$tmp/out"
# the parameters move by about 0.02 in 20 steps; float rounding is 1e-7 to 1e-6
/usr/bin/python3 - "$tmp/out" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ok = r["steps"] == 20 and r["max_loss_diff"] < 1e-5 and r["max_param_diff"] < 1e-3 * r["max_param_move"]
print("agree" if ok else "DIFFER")
sys.exit(0 if ok else 1)
PY
