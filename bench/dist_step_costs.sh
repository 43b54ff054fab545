#!/usr/bin/env bash
# Compute per step of one process on one thread, the measured input of the
# distributed cost model (bench/dist_model.py, docs/distributed.md "Cost
# model").
#
#   bench/dist_step_costs.sh BUILDDIR [SHAPES]
#
# SHAPES (default below) are users:items:interactions words; each is a
# generated power-law graph (bench/power_law.c, as bench_scale makes it).
# For each it runs bench_scale --threads 1: LightGCN fast, MF fast and
# LightGCN sampled for EPOCHS full-batch steps (an epoch is one step),
# reporting the process CPU seconds per step after the first (the first
# pays for the set-up), and PAPER_BATCHES mini-batches of the paper
# schedule (batch 2048), reporting the median CPU seconds per mini-batch.
# CPU time rather than wall time: the machine is shared with other work.
set -euo pipefail
build=${1:?usage: dist_step_costs.sh BUILDDIR [SHAPES]}
shapes=${2:-"10000:5000:500000 20000:10000:1000000 40000:10000:2000000 20000:10000:2000000 20000:20000:1000000"}
EPOCHS=${EPOCHS:-4} PAPER_BATCHES=${PAPER_BATCHES:-10}
B=$(readlink -f "$build/bench/bench_scale")
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])[sys.argv[1]])' "$1"; }
printf '%-8s %-7s %9s %7s %7s %11s\n' model mode edges users items cpu_s/step
for sh in $shapes; do
  IFS=: read -r users items edges <<<"$sh"
  g=(--threads 1 --users "$users" --items "$items" --edges "$edges")
  for run in lightgcn:fast mf:fast lightgcn:sampled; do
    IFS=: read -r model mode <<<"$run"
    s=$("$B" "${g[@]}" --model "$model" --phase "$mode" --fast-epochs "$EPOCHS" --sampled-epochs "$EPOCHS" | field epoch_cpu_s)
    printf '%-8s %-7s %9d %7d %7d %11.4f\n' "$model" "$mode" "$edges" "$users" "$items" "$s"
  done
  s=$("$B" "${g[@]}" --phase paper --paper-batches "$PAPER_BATCHES" | field batch_cpu_s)
  printf '%-8s %-7s %9d %7d %7d %11.4f\n' lightgcn paper "$edges" "$users" "$items" "$s"
done
