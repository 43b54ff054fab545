#!/usr/bin/env bash
# gnnrec train under mpirun (docs/distributed.md): the 2-rank run prints one
# report and writes one model file, with the single-process run's test
# metrics, for the trained kinds and the training-free ones (gfcf, cheby,
# ease); a rank that cannot read its data, or a bad line in any rank's
# part of the file (each rank reads its own part), stops every rank with the
# same error and exit status instead of leaving the others waiting;
# graphsage, without a distributed fit, is refused.  With
# ../shared/data/ml1m_m1 (or GNNREC_DATA) 2-rank runs of the fast schedule
# and of GF-CF on MovieLens-1M m1 are compared with one rank as well.
set -u
GNNREC=${1:?usage: cli_dist.sh PATH-TO-gnnrec PATH-TO-mpirun}
MPIRUN=${2:?usage: cli_dist.sh PATH-TO-gnnrec PATH-TO-mpirun}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
# a value of the last stdout line's JSON object
json() { tail -n 1 "$1" | python3 -c 'import json, sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$2"; }
# |a - b| <= tol
close() { python3 -c 'import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) <= t else 1)' "$@"; }
# every run is bounded: a hang is a failure, not a stuck test
mpi() { timeout 300 "$MPIRUN" --oversubscribe "$@"; }

"$GNNREC" synth --out "$tmp/data" --users 600 --items 800 >/dev/null || exit 1
common=(train --dataset "$tmp/data" --epochs 5 --holdout 0 --dim 32 --threads 1 --json --quiet)

for mode in paper fast; do
  "$GNNREC" "${common[@]}" --mode "$mode" >"$tmp/one.$mode" 2>"$tmp/one.err" || { cat "$tmp/one.err"; fails=$((fails + 1)); }
  mpi -np 2 "$GNNREC" "${common[@]}" --mode "$mode" --out "$tmp/model.$mode" >"$tmp/two.$mode" 2>"$tmp/two.err"
  check "$mode: 2 ranks exit 0" [ $? -eq 0 ]
  check "$mode: one report (rank 0's)" [ "$(grep -c '"model"' "$tmp/two.$mode")" -eq 1 ]
  check "$mode: recall@20 of 2 ranks within 0.02 of 1 rank ($(json "$tmp/one.$mode" recall@20) vs $(json "$tmp/two.$mode" recall@20))" \
    close "$(json "$tmp/one.$mode" recall@20)" "$(json "$tmp/two.$mode" recall@20)" 0.02
  check "$mode: one model file, no temporary left" [ "$(ls "$tmp" | grep -c "^model.$mode")" -eq 1 ]
  check "$mode: the model records 2 ranks" bash -c "'$GNNREC' info --model '$tmp/model.$mode' | grep -q 'ranks.*2'"
done

# the training-free kinds: each rank a share of the users' rows, the
# products with R summed over the ranks; with the data's valid.txt they
# search their settings on every rank alike.  Their scores differ from one
# process's by about 1e-6 of the largest (EASE's not at all), so the test
# metrics agree to well within 0.002.
for kind in gfcf cheby ease; do
  free=(train --model "$kind" --dataset "$tmp/data" --holdout 0 --threads 1 --json --quiet)
  "$GNNREC" "${free[@]}" >"$tmp/one.$kind" 2>"$tmp/one.err" || { cat "$tmp/one.err"; fails=$((fails + 1)); }
  mpi -np 2 "$GNNREC" "${free[@]}" --out "$tmp/model.$kind" >"$tmp/two.$kind" 2>"$tmp/two.err"
  status=$?
  check "$kind: 2 ranks exit 0 (status $status)" [ $status -eq 0 ]
  [ $status -eq 0 ] || cat "$tmp/two.err"
  check "$kind: one report (rank 0's)" [ "$(grep -c '"model"' "$tmp/two.$kind")" -eq 1 ]
  for metric in recall@20 ndcg@20 valid_ndcg; do
    check "$kind: $metric of 2 ranks within 0.002 of 1 rank ($(json "$tmp/one.$kind" $metric) vs $(json "$tmp/two.$kind" $metric))" \
      close "$(json "$tmp/one.$kind" $metric)" "$(json "$tmp/two.$kind" $metric)" 0.002
  done
  check "$kind: the same trials as 1 rank" [ "$(json "$tmp/one.$kind" epochs)" = "$(json "$tmp/two.$kind" epochs)" ]
  check "$kind: the model records 2 ranks" bash -c "'$GNNREC' info --model '$tmp/model.$kind' | grep -q 'ranks.*2'"
done

# rank 1 is given a file that does not exist: the load is collective, so
# every rank stops with rank 1's error, same status
mpi -np 1 "$GNNREC" train --train "$tmp/data/u.data" --epochs 2 --quiet : \
    -np 1 "$GNNREC" train --train "$tmp/missing.data" --epochs 2 --quiet >"$tmp/out" 2>"$tmp/err"
status=$?
check "a missing file on one rank: every rank exits 1 (got $status), no hang" [ $status -eq 1 ]
check "both ranks name the file and rank 1" [ "$(grep -c 'rank 1 of 2: .*missing.data' "$tmp/err")" -eq 2 ]

# each rank reads its own part of the file: a bad line in rank 1's part is
# reported by both ranks with its line number in the whole file
python3 - "$tmp" <<'PY'
import sys
rows = ["%d\t%d\t4\t881250949" % (1 + k % 300, 1 + k * 7 % 400) for k in range(4000)]
rows[3210] = "12\tnine\t4\t881250949"
open(sys.argv[1] + "/bad.data", "w").write("\n".join(rows) + "\n")
PY
mpi -np 2 "$GNNREC" train --train "$tmp/bad.data" --format ml100k --epochs 1 --quiet >"$tmp/out" 2>"$tmp/err"
status=$?
check "a bad line in rank 1's part: exit 1 (got $status)" [ $status -eq 1 ]
check "both ranks report bad.data:3211, field 'item'" [ "$(grep -c "rank 1 of 2: .*bad.data:3211: field 'item'" "$tmp/err")" -eq 2 ]

# the kind without a distributed fit
mpi -np 2 "$GNNREC" train --model graphsage --dataset "$tmp/data" --epochs 1 --quiet >"$tmp/out" 2>"$tmp/err"
status=$?
check "graphsage under mpirun: usage error (status $status)" [ $status -eq 2 ]
check "the error says which kinds train distributed" grep -q "lightgcn, mf, transe" "$tmp/err"

# a knowledge graph from triple files, 2 ranks against 1
python3 - "$tmp" <<'PY'
import random, sys
r = random.Random(5)
rows = ["e%d\tr%d\te%d" % (r.randrange(300), r.randrange(4), r.randrange(300)) for _ in range(3000)]
open(sys.argv[1] + "/kg.txt", "w").write("\n".join(rows) + "\n")
PY
kg=(train --model rotate --triples-train "$tmp/kg.txt" --epochs 3 --dim 16 --holdout 0 --threads 1 --json --quiet)
"$GNNREC" "${kg[@]}" >"$tmp/kg.one" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
mpi -np 2 "$GNNREC" "${kg[@]}" --out "$tmp/kgmodel" >"$tmp/kg.two" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
check "rotate on triples: the last loss of 2 ranks is 1 rank's ($(json "$tmp/kg.one" loss) vs $(json "$tmp/kg.two" loss))" \
  close "$(json "$tmp/kg.one" loss)" "$(json "$tmp/kg.two" loss)" 0.0005
check "rotate on triples: one model file" [ -f "$tmp/kgmodel" ]
# the triples read in parts (each rank its byte range) and a checkpoint rank 0 writes: the same command again
# gives the finished run's model
mpi -np 2 "$GNNREC" "${kg[@]}" --checkpoint "$tmp/kg.ckpt" >"$tmp/kg.ck1" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
mpi -np 2 "$GNNREC" "${kg[@]}" --checkpoint "$tmp/kg.ckpt" >"$tmp/kg.ck2" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
check "rotate on triples with a checkpoint: the loss of the plain run ($(json "$tmp/kg.two" loss), $(json "$tmp/kg.ck1" loss), $(json "$tmp/kg.ck2" loss))" \
  sh -c "[ '$(json "$tmp/kg.two" loss)' = '$(json "$tmp/kg.ck1" loss)' ] && [ '$(json "$tmp/kg.ck1" loss)' = '$(json "$tmp/kg.ck2" loss)' ]"

# validation and test triples read in parts too, some naming entities the training triples lack
python3 - "$tmp" <<'PY'
import random, sys
r = random.Random(6)
for name in ("kgvalid", "kgtest"):
    rows = ["e%d\tr%d\te%d" % (r.randrange(320), r.randrange(4), r.randrange(320)) for _ in range(300)]
    open(sys.argv[1] + "/" + name + ".txt", "w").write("\n".join(rows) + "\n")
PY
kgv=(train --model rotate --triples-train "$tmp/kg.txt" --triples-valid "$tmp/kgvalid.txt" --triples-test "$tmp/kgtest.txt"
     --epochs 3 --dim 16 --threads 1 --json)
"$GNNREC" "${kgv[@]}" >"$tmp/kgv.one" 2>"$tmp/kgv.err1" || { cat "$tmp/kgv.err1"; fails=$((fails + 1)); }
mpi -np 2 "$GNNREC" "${kgv[@]}" >"$tmp/kgv.two" 2>"$tmp/kgv.err2" || { cat "$tmp/kgv.err2"; fails=$((fails + 1)); }
check "rotate with validation and test triples: 2 ranks validate and test as 1 ($(json "$tmp/kgv.one" valid_mrr) / $(json "$tmp/kgv.one" mrr) vs $(json "$tmp/kgv.two" valid_mrr) / $(json "$tmp/kgv.two" mrr))" \
  sh -c "[ '$(json "$tmp/kgv.one" valid_mrr)' = '$(json "$tmp/kgv.two" valid_mrr)' ] && [ '$(json "$tmp/kgv.one" mrr)' = '$(json "$tmp/kgv.two" mrr)' ]"
w1=$(grep warning "$tmp/kgv.err1" | sort -u)
w2=$(grep warning "$tmp/kgv.err2" | sort -u)
check "rotate with validation and test triples: the same skipped triples reported ($w2)" \
  sh -c "echo '$w1' | grep -q 'warning: [1-9][0-9]* validation triples' && [ '$w1' = '$w2' ]"

# MovieLens-1M m1: a short fast run, 2 ranks against 1
data=${GNNREC_DATA:-$(dirname "$0")/../../shared/data}/ml1m_m1
if [ -f "$data/train.txt" ]; then
  ml=(train --train "$data/train.txt" --test "$data/test.txt" --holdout 0 --epochs 20 --threads 1 --json --quiet)
  "$GNNREC" "${ml[@]}" >"$tmp/ml.one" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
  mpi -np 2 "$GNNREC" "${ml[@]}" >"$tmp/ml.two" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
  check "ml1m_m1 fast, 20 steps: recall@20 of 2 ranks within 0.005 of 1 rank ($(json "$tmp/ml.one" recall@20) vs $(json "$tmp/ml.two" recall@20))" \
    close "$(json "$tmp/ml.one" recall@20)" "$(json "$tmp/ml.two" recall@20)" 0.005
  # GF-CF without a search: one SVD from the two ranks' halves of the users
  gf=(train --model gfcf --train "$data/train.txt" --test "$data/test.txt" --holdout 0 --threads 1 --json --quiet)
  "$GNNREC" "${gf[@]}" >"$tmp/gf.one" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
  mpi -np 2 "$GNNREC" "${gf[@]}" >"$tmp/gf.two" 2>"$tmp/err" || { cat "$tmp/err"; fails=$((fails + 1)); }
  check "ml1m_m1 gfcf: recall@20 of 2 ranks within 0.001 of 1 rank ($(json "$tmp/gf.one" recall@20) vs $(json "$tmp/gf.two" recall@20))" \
    close "$(json "$tmp/gf.one" recall@20)" "$(json "$tmp/gf.two" recall@20)" 0.001
else
  echo "SKIP: $data/train.txt not found (set GNNREC_DATA): no MovieLens-1M m1 comparison"
fi

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
