#!/usr/bin/env bash
# The gnnrec command: a full synth -> train -> eval -> recommend flow, the
# --json contract, and clear failures on bad input.
set -u
GNNREC=${1:?usage: test_cli.sh PATH-TO-gnnrec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

# exit status and a message naming the problem on stderr
expect_fail() { # status, pattern, args...
  local want=$1 pattern=$2; shift 2
  "$GNNREC" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$want" ] && grep -q -- "$pattern" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -le 2 ]
}

last_json() { # the last stdout line parses as JSON and holds the given keys
  local file=$1; shift
  tail -n 1 "$file" | python3 -c '
import json, sys
obj = json.loads(sys.stdin.read())
missing = [k for k in sys.argv[1:] if k not in obj]
sys.exit(1 if missing else 0)' "$@"
}

check "synth writes a dataset" "$GNNREC" synth --out "$tmp/data" --users 150 --items 200 --ratings-per-user 20
check "train with --json" sh -c "'$GNNREC' train --dataset '$tmp/data' --epochs 3 --dim 16 --quiet --json --out '$tmp/m.gnr' >'$tmp/train.out'"
check "train json has metrics" last_json "$tmp/train.out" recall@20 ndcg@20 precision@20 train_seconds
printf '' >"$tmp/empty"
check "train validating on recall" sh -c "'$GNNREC' train --dataset '$tmp/data' --valid-ratio 0.1 --epochs 4 --eval-every 2 --dim 16 --valid-metric recall --json >'$tmp/trainv.out' 2>'$tmp/trainv.err'"
check "recall validation in json and progress" sh -c "tail -n 1 '$tmp/trainv.out' | grep -q '\"valid_recall\"' && grep -q 'valid recall@20' '$tmp/trainv.err'"
check "unknown validation metric" expect_fail 2 "valid_metric" train --dataset "$tmp/data" --valid-metric auc
check "eval with --json" sh -c "'$GNNREC' eval --model '$tmp/m.gnr' --test '$tmp/data/u.data' --json >'$tmp/eval.out'"
check "eval json has metrics" last_json "$tmp/eval.out" recall@10 ndcg@20 users
check "recommend with --json" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --user 1 --k 5 --json >'$tmp/rec.out'"
check "recommend json lists items" last_json "$tmp/rec.out" items user
check "recommend items carry titles" sh -c "tail -n 1 '$tmp/rec.out' | grep -q '\"title\": \"Synthetic'"
check "recommend with filters" "$GNNREC" recommend --model "$tmp/m.gnr" --user 1 --k 5 --genres Drama --year-min 1960 --least
check "similar items" "$GNNREC" recommend --model "$tmp/m.gnr" --similar 3 --k 5
check "new user from liked items" "$GNNREC" recommend --model "$tmp/m.gnr" --liked 1,2,3 --k 5
check "info" "$GNNREC" info --model "$tmp/m.gnr"
check "help" "$GNNREC" train --help

check "no command is a usage error" expect_fail 2 usage
check "unknown command" expect_fail 2 "unknown command 'fly'" fly
check "unknown flag" expect_fail 2 "unknown flag --bogus" train --bogus 1 --train "$tmp/data/u.data"
check "flag without value" expect_fail 2 "needs a value" train --train
check "bad number" expect_fail 2 "epochs" train --train "$tmp/data/u.data" --epochs many
check "missing file" expect_fail 1 "$tmp/nope.txt" train --train "$tmp/nope.txt"
printf '1\t2\t5\t100\n3\tx\t4\t100\n' >"$tmp/bad.data"
check "malformed line names file, line and field" expect_fail 1 "bad.data:2.*item" train --train "$tmp/bad.data" --format ml100k
check "not a model file" expect_fail 1 "not a gnnrec model" recommend --model "$tmp/bad.data" --user 1
check "unknown user" expect_fail 1 "unknown user id 99999" recommend --model "$tmp/m.gnr" --user 99999
check "k beyond the catalogue" expect_fail 1 "out of range" recommend --model "$tmp/m.gnr" --user 1 --k 100000
check "unknown genre" expect_fail 2 "unknown genre" recommend --model "$tmp/m.gnr" --user 1 --genres Nope
check "unknown model kind" expect_fail 2 "unknown model kind" train --model gcn --train "$tmp/data/u.data"

# GraphSAGE on ratings, and recommendations for a new user and a new item
check "graphsage rating train" sh -c "'$GNNREC' train --model graphsage --objective rating --train '$tmp/data/u.data' --test '$tmp/data/u.data' --epochs 2 --dim 8 --hidden 16 --id-dim 4 --fanout1 5 --quiet --json --out '$tmp/s.gnr' >'$tmp/sage.out'"
check "graphsage json has rmse and mae" last_json "$tmp/sage.out" rmse mae recall@20
check "new user from demographics" sh -c "'$GNNREC' recommend --model '$tmp/s.gnr' --age 30 --gender F --occupation writer --k 5 --json >'$tmp/nu.out'"
check "new user json lists items" last_json "$tmp/nu.out" items
check "new user with ratings" "$GNNREC" recommend --model "$tmp/s.gnr" --gender M --rated 1:5,2:3 --k 5
check "new item's users" sh -c "'$GNNREC' recommend --model '$tmp/s.gnr' --new-item-genres Comedy,Drama --new-item-year 1997 --k 3 --json >'$tmp/ni.out'"
check "new item json lists users" last_json "$tmp/ni.out" users
check "new item's score for a user" sh -c "'$GNNREC' recommend --model '$tmp/s.gnr' --new-item-genres Drama --user 1 --json | tail -n 1 | grep -q score"
check "unknown occupation" expect_fail 1 "unknown occupation 'astronaut'" recommend --model "$tmp/s.gnr" --occupation astronaut
check "bad gender" expect_fail 2 "gender" recommend --model "$tmp/s.gnr" --gender X
check "cold start needs node features" expect_fail 1 "no node features" recommend --model "$tmp/m.gnr" --age 30

# The training-free kinds: a validation grid, test metrics, save, fold-in, similar items
for kind in gfcf cheby ease; do
  small="--rank 16"; [ $kind = ease ] && small="--lambda 50"
  check "$kind train" sh -c "'$GNNREC' train --model $kind --dataset '$tmp/data' --valid-ratio 0.1 $small --json --out '$tmp/$kind.gnr' >'$tmp/$kind.out' 2>'$tmp/$kind.err'"
  check "$kind json has metrics" last_json "$tmp/$kind.out" recall@20 ndcg@20 train_seconds
  check "$kind recommend" "$GNNREC" recommend --model "$tmp/$kind.gnr" --user 1 --k 5
  check "$kind new user from liked items" "$GNNREC" recommend --model "$tmp/$kind.gnr" --liked 1,2,3 --k 5
  check "$kind similar items" "$GNNREC" recommend --model "$tmp/$kind.gnr" --similar 3 --k 5
done
check "ease reports each validation trial" sh -c "[ \$(grep -c 'valid ndcg@20' '$tmp/ease.err') -eq 3 ] && tail -n 1 '$tmp/ease.out' | grep -q valid_ndcg"
check "gfcf reports each validation trial" sh -c "[ \$(grep -c 'valid ndcg@20' '$tmp/gfcf.err') -eq 6 ] && tail -n 1 '$tmp/gfcf.out' | grep -q valid_ndcg"
check "info shows the filter's settings" sh -c "'$GNNREC' info --model '$tmp/cheby.gnr' | grep -q '\"rank\": 16.*\"phi\"'"
check "filter settings from flags" "$GNNREC" train --model cheby --dataset "$tmp/data" --alpha 0.2 --order 3 --phi 0.5 --eps 0.1 --svd-iters 2 --quiet
check "bad filter setting" expect_fail 2 "phi" train --model cheby --dataset "$tmp/data" --phi 0

[ "$fails" -eq 0 ] && echo "all CLI checks passed" || echo "$fails CLI checks failed"
[ "$fails" -eq 0 ]
