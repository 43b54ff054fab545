#!/usr/bin/env bash
# Time per epoch, peak RSS per rank and bytes sent per rank for 1, 2 and 4
# MPI ranks (one thread each) on a generated graph, for the table in
# docs/distributed.md.
#
#   bench/dist_scaling.sh BUILDDIR [USERS ITEMS RATINGS_PER_USER]
#
# RUNS (environment) picks the runs, as model:mode:epochs words (default:
# the table's, "lightgcn:fast:10 lightgcn:paper:1 mf:paper:1 mf:fast:10").
# EXTRA (environment): more arguments for gnnrec train (e.g. "--shard 1").
#
# Prints one line per (model, schedule, ranks): seconds per epoch (the
# fit's train_seconds / epochs), the largest and smallest peak RSS of the
# ranks (/usr/bin/time), MB each rank sent per step, and test recall@20.
set -euo pipefail
build=${1:?usage: dist_scaling.sh BUILDDIR [USERS ITEMS RATINGS_PER_USER]}
users=${2:-6000} items=${3:-3000} per=${4:-100}
G=$(readlink -f "$build/tools/gnnrec/gnnrec")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
"$G" synth --out "$tmp/data" --users "$users" --items "$items" --ratings-per-user "$per" >/dev/null
echo "graph: $users users, $items items, $per ratings per user (90% of each user's train, 10% test)"
printf '%-9s %-6s %5s %10s %12s %12s %10s %10s\n' model mode ranks s/epoch "RSS max MB" "RSS min MB" "MB/step" recall@20
run() { # model mode epochs batches-per-epoch
  local model=$1 mode=$2 epochs=$3
  for np in 1 2 4; do
    mpirun -np "$np" --oversubscribe sh -c '/usr/bin/time -f "rss %M" -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$tmp/rss" \
      "$G" train --model "$model" --dataset "$tmp/data" --valid-ratio 0 --holdout 0 --mode "$mode" \
      --epochs "$epochs" --threads 1 --json --quiet ${EXTRA:-} --out "$tmp/model" >"$tmp/out" 2>"$tmp/err" ||
      { cat "$tmp/err"; exit 1; }
    "$G" info --model "$tmp/model" --json >"$tmp/info"
    python3 - "$tmp" "$model" "$mode" "$np" "$epochs" <<'PY'
import glob, json, sys
tmp, model, mode, np, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
out = json.loads(open(tmp + "/out").read().splitlines()[-1])
info = json.loads(open(tmp + "/info").read())
rss = [int(open(f).read().split()[-1]) / 1024 for f in glob.glob(tmp + "/rss.*")]
steps = epochs * (1 if mode in ("fast", "sampled") else -(-info["edges"] // info.get("batch", 2048)))
sent = info.get("dist_bytes_sent", 0) / steps / 1e6
print("%-9s %-6s %5d %10.3f %12.0f %12.0f %10.3f %10.4f" % (model, mode, np, out["train_seconds"] / epochs,
      max(rss), min(rss), sent, out["recall@20"]))
PY
    rm -f "$tmp"/rss.*
  done
}
for r in ${RUNS:-lightgcn:fast:10 lightgcn:paper:1 mf:paper:1 mf:fast:10}; do
  IFS=: read -r model mode epochs <<<"$r"
  run "$model" "$mode" "$epochs"
done
