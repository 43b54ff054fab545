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
check "synth --json" sh -c "'$GNNREC' synth --out '$tmp/data-j' --users 20 --items 30 --ratings-per-user 5 --json >'$tmp/synth.out'"
check "synth json names the sizes" last_json "$tmp/synth.out" out users items
check "train with --json" sh -c "'$GNNREC' train --dataset '$tmp/data' --epochs 3 --dim 16 --quiet --json --out '$tmp/m.gnr' >'$tmp/train.out'"
check "train json has metrics" last_json "$tmp/train.out" recall@20 ndcg@20 precision@20 train_seconds
printf '' >"$tmp/empty"
check "train validating on recall" sh -c "'$GNNREC' train --dataset '$tmp/data' --valid-ratio 0.1 --epochs 4 --eval-every 2 --dim 16 --valid-metric recall --json >'$tmp/trainv.out' 2>'$tmp/trainv.err'"
check "recall validation in json and progress" sh -c "tail -n 1 '$tmp/trainv.out' | grep -q '\"valid_recall\"' && grep -q 'valid recall@20' '$tmp/trainv.err'"
# without validation data: a held-out part of the training file chooses the epoch, then a refit on all of it
check "train holding out validation" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 20 --eval-every 5 --dim 16 --out '$tmp/h.gnr' >'$tmp/hold.out' 2>'$tmp/hold.err'"
check "held-out choice reported" sh -c "grep -q 'validated on [1-9][0-9]* held-out training interactions ([1-9][0-9]* users ranked): best epoch [1-9]' '$tmp/hold.out' && grep -q 'refitted on all' '$tmp/hold.out' && grep -q 'refit on all the training data' '$tmp/hold.err'"
check "held-out choice in json" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 20 --eval-every 5 --dim 16 --quiet --json >'$tmp/hold.json'"
check "held-out json keys" last_json "$tmp/hold.json" holdout_edges holdout_epochs refit best_epoch valid_ndcg
check "held-out figures in the model info" sh -c "'$GNNREC' info --model '$tmp/h.gnr' --json | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if o[\"holdout_edges\"] > 0 and o[\"refit\"] == 1 and o[\"valid_epoch\"] == o[\"epochs\"] and 0 < o[\"valid_ndcg\"] <= 1 else 1)'"
check "holdout 0 trains on everything" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 7 --dim 16 --holdout 0 --quiet --json | tail -n 1 | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if \"holdout_edges\" not in o and o[\"epochs\"] == 7 else 1)'"
check "LightGCN continues warm from the validated parameters by default" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 400 --eval-every 200 --patience 0 --dim 16 --out '$tmp/w.gnr' >'$tmp/warm.out' 2>/dev/null && grep -q 'continued from them on all the training data for [1-9][0-9]* steps' '$tmp/warm.out' && '$GNNREC' info --model '$tmp/w.gnr' --json | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if o[\"refit\"] == 1 and 0 < o[\"warm_steps\"] <= o[\"valid_epoch\"] else 1)'"
# --budget: a settings search on the held-out part, each trial reported, the chosen settings in the model
check "budget search" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 20 --eval-every 5 --dim 16 --budget 3 --out '$tmp/b.gnr' --json >'$tmp/budget.json' 2>'$tmp/budget.err'"
check "budget json keys" last_json "$tmp/budget.json" search_trials trials chosen
check "budget trials on stderr" grep -q '^trial   1  lr 0.5 reg 0\.[0-9]*  valid' "$tmp/budget.err"
check "budget choice in the model info" sh -c "'$GNNREC' info --model '$tmp/b.gnr' --json | python3 -c 'import json,sys; o=json.load(sys.stdin); j=json.loads(open(\"$tmp/budget.json\").read().splitlines()[-1]); sys.exit(0 if o[\"search_trials\"] == j[\"search_trials\"] == len(j[\"trials\"]) and all(o[k] == v for k, v in j[\"chosen\"].items()) else 1)'"
check "budget never searches a hand-set setting" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 20 --eval-every 5 --dim 16 --lr 0.3 --budget 2 --quiet --json | tail -n 1 | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if o[\"trials\"] and all(\"lr\" not in x for x in o[\"trials\"]) else 1)'"
check "holdout-final best keeps the validated model" sh -c "'$GNNREC' train --train '$tmp/data/u.data' --epochs 20 --eval-every 5 --dim 16 --holdout-final best --quiet --json | tail -n 1 | grep -q '\"refit\": 0'"
# --checkpoint: the same command again resumes, here from a finished run
ck="train --dataset $tmp/data --valid-ratio 0.1 --epochs 6 --eval-every 2 --dim 16 --threads 1 --checkpoint $tmp/run.ckpt --checkpoint-every 2 --quiet --json"
check "train with a checkpoint" sh -c "'$GNNREC' $ck --out '$tmp/c1.gnr' >'$tmp/c1.out' && test -s '$tmp/run.ckpt'"
check "the same command resumes from it" sh -c "'$GNNREC' $ck --out '$tmp/c2.gnr' >'$tmp/c2.out' && '$GNNREC' recommend --model '$tmp/c1.gnr' --user 1 --k 10 >'$tmp/c1.rec' && '$GNNREC' recommend --model '$tmp/c2.gnr' --user 1 --k 10 >'$tmp/c2.rec' && cmp -s '$tmp/c1.rec' '$tmp/c2.rec'"
check "a checkpoint of other settings is refused" expect_fail 1 "run.ckpt: made with other settings: 'lr'" $ck --lr 0.3
check "a damaged checkpoint is refused" sh -c "head -c 300 '$tmp/run.ckpt' >'$tmp/cut.ckpt'"
check "  naming the file" expect_fail 1 "cut.ckpt.*truncated" ${ck%--checkpoint *}--checkpoint $tmp/cut.ckpt --quiet
check "--checkpoint-every alone" expect_fail 2 "checkpoint-every needs --checkpoint" train --dataset "$tmp/data" --checkpoint-every 3
check "bad holdout share" expect_fail 2 "holdout" train --train "$tmp/data/u.data" --holdout 1.5
check "unknown validation metric" expect_fail 2 "valid_metric" train --dataset "$tmp/data" --valid-metric auc
check "eval with --json" sh -c "'$GNNREC' eval --model '$tmp/m.gnr' --test '$tmp/data/u.data' --json >'$tmp/eval.out'"
check "eval json has metrics" last_json "$tmp/eval.out" recall@10 ndcg@20 users
check "recommend with --json" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --user 1 --k 5 --json >'$tmp/rec.out'"
check "recommend json lists items" last_json "$tmp/rec.out" items user
check "recommend items carry titles" sh -c "tail -n 1 '$tmp/rec.out' | grep -q '\"title\": \"Synthetic'"
check "recommend with filters" "$GNNREC" recommend --model "$tmp/m.gnr" --user 1 --k 5 --genres Drama --year-min 1960 --least
check "similar items" "$GNNREC" recommend --model "$tmp/m.gnr" --similar 3 --k 5
check "new user from liked items" "$GNNREC" recommend --model "$tmp/m.gnr" --liked 1,2,3 --k 5
# --explain: every item once, with its title and the history items behind it
"$GNNREC" recommend --model "$tmp/m.gnr" --user 1 --k 4 --explain >"$tmp/explain.out"
check "explain exits 0" test $? -eq 0
check "explain lists each item once" test "$(grep -cE '^ +[0-9]+ +[0-9]+ +-?[0-9.]+  Synthetic' "$tmp/explain.out")" -eq 4
check "explain gives reasons with titles" test "$(grep -cE '^ +[-+][0-9.]+ +[0-9]+  Synthetic' "$tmp/explain.out")" -eq 12
check "explain json: items and reasons" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --liked 1,2,3 --k 2 --explain --json | tail -n 1 | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
assert len(o[\"items\"]) == 2 and len(o[\"explanations\"]) == 2
for e in o[\"explanations\"]:
    assert {c[\"item\"] for c in e[\"because\"]} == {1, 2, 3}
'"
check "explain on similar items is a usage error" expect_fail 2 "explain needs" recommend --model "$tmp/m.gnr" --similar 3 --explain
# item lists: --exclude-items drops the first two items, --only-items keeps a chosen pair in score order
first=$("$GNNREC" recommend --model "$tmp/m.gnr" --user 1 --k 6 --json | tail -n 1 | python3 -c '
import json, sys; print(",".join(str(r["item"]) for r in json.loads(sys.stdin.read())["items"]))')
top2=$(echo "$first" | cut -d, -f1,2)
check "exclude-items leaves them out" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --user 1 --k 4 --exclude-items $top2 --json | tail -n 1 | python3 -c '
import json, sys
items = [r[\"item\"] for r in json.loads(sys.stdin.read())[\"items\"]]
assert items == [$(echo "$first" | cut -d, -f3-6)], items
'"
check "only-items keeps only them, best first" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --user 1 --k 4 --only-items $(echo "$first" | cut -d, -f5),$(echo "$first" | cut -d, -f2) --json | tail -n 1 | python3 -c '
import json, sys
items = [r[\"item\"] for r in json.loads(sys.stdin.read())[\"items\"]]
assert items == [$(echo "$first" | cut -d, -f2), $(echo "$first" | cut -d, -f5)], items
'"
check "a bad item list is a usage error" expect_fail 2 "only-items" recommend --model "$tmp/m.gnr" --user 1 --only-items 3,x
# update: a new user and a new item join the saved model
printf '9001\t1\t5\t900000000\n9001\t2\t4\t900000001\n9001\t3\t5\t900000002\n1\t9002\t5\t900000003\n2\t9002\t4\t900000004\n' >"$tmp/new.data"
check "update with --json" sh -c "'$GNNREC' update --model '$tmp/m.gnr' --add '$tmp/new.data' --out '$tmp/m2.gnr' --epochs 5 --json >'$tmp/update.out'"
check "update reads --add as its data flags say" sh -c "'$GNNREC' update --model '$tmp/m.gnr' --add '$tmp/new.data' --format ml100k --min-rating 1 --out '$tmp/m3.gnr' --epochs 2"
check "update json counts the newcomers" sh -c "tail -n 1 '$tmp/update.out' | grep -q '\"new_users\": 1, .*\"new_items\": 1, '"
check "the new user gets recommendations" "$GNNREC" recommend --model "$tmp/m2.gnr" --user 9001 --k 3
check "the new item is known" "$GNNREC" recommend --model "$tmp/m2.gnr" --similar 9002 --k 3
check "the input model is unchanged" expect_fail 1 "unknown user id 9001" recommend --model "$tmp/m.gnr" --user 9001
check "update needs its files" expect_fail 2 "needs --model" update --model "$tmp/m.gnr"
check "info" "$GNNREC" info --model "$tmp/m.gnr"
check "info marks an updated model" sh -c "'$GNNREC' info --model '$tmp/m2.gnr' --json | tail -n 1 | grep -q '\"updated\": 1' && ! '$GNNREC' info --model '$tmp/m.gnr' --json | grep -q updated"
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
check "k beyond the catalogue, before any work" expect_fail 2 "k 100000: there are 200 items in the model; give --k 1..200" recommend --model "$tmp/m.gnr" --user 1 --k 100000
check "a short list is said" sh -c "'$GNNREC' recommend --model '$tmp/m.gnr' --user 1 --k 200 2>&1 >/dev/null | grep -q 'of the 200 items asked for'"
check "train checks --k before training" expect_fail 2 "k 201: there are 200 items in the training data" train --dataset "$tmp/data" --k 10,201 --epochs 500
check "eval checks --k" expect_fail 2 "k 201: there are 200 items" eval --model "$tmp/m.gnr" --test "$tmp/data/u.data" --k 201
check "an empty history is an error" expect_fail 2 "liked: give at least one item" recommend --model "$tmp/m.gnr" --liked ''
check "an empty item in --liked" expect_fail 2 "empty item" recommend --model "$tmp/m.gnr" --liked 1,,2
check "hex is not a number" expect_fail 2 "'0x10' is not a decimal number" train --dataset "$tmp/data" --dim 0x10
check "blanks are not a number" expect_fail 2 "is not a decimal number" train --dataset "$tmp/data" --dim " 8"
check "blanks in an integer flag" expect_fail 2 "expected a decimal integer" recommend --model "$tmp/m.gnr" --user " 1"
check "a trailing comma in --k" expect_fail 2 "empty item" train --dataset "$tmp/data" --k 10,
check "empty genre list" expect_fail 2 "genres: empty item" recommend --model "$tmp/m.gnr" --user 1 --genres ,,
check "split flags need --dataset" expect_fail 2 "test-ratio does not apply with --train" train --train "$tmp/data/u.data" --test-ratio 0.2
check "data flags need user-item data" expect_fail 2 "test-ratio does not apply with --triples-train" train --model rotate --triples-train "$tmp/data/u.data" --test-ratio 0.2
check "triple flags need --triples-train" expect_fail 2 "triples-test does not apply without --triples-train" train --dataset "$tmp/data" --triples-test "$tmp/data/u.data"
check "--format with a directory" expect_fail 2 "format does not apply to a --dataset directory" train --dataset "$tmp/data" --format ml100k
check "--valid with --dataset" expect_fail 2 "valid does not apply with --dataset" train --dataset "$tmp/data" --valid "$tmp/data/u.data"
check "ratios with loo" expect_fail 2 "valid-ratio does not apply with --split loo" train --dataset "$tmp/data" --split loo --valid-ratio 0.2
check "--include-seen with --similar" expect_fail 2 "include-seen does not apply with --similar" recommend --model "$tmp/m.gnr" --similar 3 --include-seen
check "eval takes no --dataset" expect_fail 2 "unknown flag --dataset" eval --model "$tmp/m.gnr" --test "$tmp/data/u.data" --dataset "$tmp/data"
check "info --json names the mode" sh -c "'$GNNREC' info --model '$tmp/m.gnr' --json | tail -n 1 | grep -q '\"mode\": \"fast\"'"
check "info without --json is one entry a line" sh -c "'$GNNREC' info --model '$tmp/m.gnr' | grep -q '^mode  *fast$'"
check "train says which epoch it kept" sh -c "grep -q 'kept epoch [0-9]* of 4' '$tmp/trainv.err' && tail -n 1 '$tmp/trainv.out' | grep -q '\"best_epoch\": [1-4]'"
# ids that are names: the model of the integer ids they stand for, names in and out
awk -F'\t' 'NR % 10 { print > "'"$tmp"'/int-train.tsv"; next } { print > "'"$tmp"'/int-test.tsv" }' "$tmp/data/u.data"
for part in train test; do
  { echo "user,item,rating,timestamp"; awk -F'\t' '{ printf "user-%s,sku %s,%s,%s\n", $1, $2, $3, $4 }' "$tmp/int-$part.tsv"; } >"$tmp/names-$part.csv"
done
nm="--model mf --epochs 8 --dim 16 --threads 1"
check "names: train" sh -c "'$GNNREC' train $nm --train '$tmp/names-train.csv' --test '$tmp/names-test.csv' --out '$tmp/names.gnr' >'$tmp/names.out' 2>/dev/null"
check "names: the same ids trained as integers" sh -c "'$GNNREC' train $nm --train '$tmp/int-train.tsv' --test '$tmp/int-test.tsv' >'$tmp/ints.out' 2>/dev/null"
check "names: the integer ids' test metrics" sh -c "grep '^@' '$tmp/names.out' >'$tmp/names.m' && grep '^@' '$tmp/ints.out' >'$tmp/ints.m' && test -s '$tmp/ints.m' && cmp -s '$tmp/names.m' '$tmp/ints.m'"
check "names: recommend takes and prints them" sh -c "'$GNNREC' recommend --model '$tmp/names.gnr' --user user-3 --k 3 --exclude-items 'sku 1,sku 2' | grep -c '  sku [0-9]' | grep -qx 3"
check "names: json" sh -c "'$GNNREC' recommend --model '$tmp/names.gnr' --user user-3 --k 2 --json | tail -n 1 | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if o[\"user_name\"] == \"user-3\" and isinstance(o[\"user\"], int) and all(i[\"name\"].startswith(\"sku \") for i in o[\"items\"]) else 1)'"
check "names: similar items" sh -c "'$GNNREC' recommend --model '$tmp/names.gnr' --similar 'sku 5' --k 2 | grep -q '  sku [0-9]'"
check "names: an unknown one" expect_fail 2 "no user 'nobody' in the model" recommend --model "$tmp/names.gnr" --user nobody
check "names: info" sh -c "'$GNNREC' info --model '$tmp/names.gnr' | grep -q '^ids  *names$' && '$GNNREC' info --model '$tmp/m.gnr' | grep -q '^ids  *integers$'"
printf 'newbie,sku 1,5\nnewbie,sku 2,4\n7,sku 3,4\n' >"$tmp/names-add.csv"
check "names: update adds new ones, of the model's kind" sh -c "'$GNNREC' update --model '$tmp/names.gnr' --add '$tmp/names-add.csv' --out '$tmp/names2.gnr' >/dev/null && '$GNNREC' recommend --model '$tmp/names2.gnr' --user newbie --k 1 | grep -q 'sku' && '$GNNREC' recommend --model '$tmp/names2.gnr' --user 7 --k 1 | grep -q 'sku'"
check "names: --ids integers refuses them" expect_fail 1 "field 'user': expected an integer, got 'user-" train --train "$tmp/names-train.csv" --ids integers
check "names: --ids takes three values" expect_fail 2 "ids: expected auto, integers or names, got 'words'" train --train "$tmp/names-train.csv" --ids words
# names holding a comma, a colon or a backslash in the lists of recommend: "\," "\:" "\\"
{ cat "$tmp/names-train.csv"; for u in 1 2 3 4 5 6 7 8; do printf 'user-%s,"Toy Story, The",4,1\nuser-%s,Top:5,5,1\nuser-%s,back\\slash,3,1\n' $u $u $u; done; } >"$tmp/odd-names.csv"
check "names: odd ones train" sh -c "'$GNNREC' train $nm --train '$tmp/odd-names.csv' --out '$tmp/odd.gnr' >/dev/null 2>&1"
odd_count() { "$GNNREC" recommend --model "$tmp/odd.gnr" --user user-30 --k 3 --only-items 'Toy Story\, The,Top:5,back\\slash' "$@" 2>/dev/null | grep -c '  Toy Story, The \|  Top:5 \|  back\\slash '; }
check "names: escaped in --only-items" test "$(odd_count)" = 3
check "names: escaped in --exclude-items" test "$(odd_count --exclude-items 'Toy Story\, The,back\\slash')" = 1
check "names: escaped in --liked" sh -c "'$GNNREC' recommend --model '$tmp/odd.gnr' --liked 'Toy Story\\, The,Top\\:5,back\\\\slash' --k 3 --json | tail -n 1 | python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if len(o[\"items\"]) == 3 else 1)'"
check "names: a comma left unescaped names the part" expect_fail 2 "liked: no item 'Toy Story' in the model" recommend --model "$tmp/odd.gnr" --liked 'Toy Story, The'
{ head -n 3000 "$tmp/names-train.csv"; tail -n 24 "$tmp/odd-names.csv"; } >"$tmp/odd-small.csv"
check "names: a rating model of odd ones" sh -c "'$GNNREC' train --model graphsage --objective rating --epochs 1 --dim 8 --hidden 8 --threads 1 --train '$tmp/odd-small.csv' --out '$tmp/odd-s.gnr' >/dev/null 2>&1"
check "names: --rated takes \\, and \\: before the rating" sh -c "'$GNNREC' recommend --model '$tmp/odd-s.gnr' --rated 'Toy Story\\, The:5,Top\\:5:4' --k 2 >/dev/null"
check "names: --rated takes \\: in a name without a rating" sh -c "'$GNNREC' recommend --model '$tmp/odd-s.gnr' --rated 'Toy Story\\, The,Top\\:5' --k 2 >/dev/null"
check "names: --rated's last unescaped colon is the rating's" expect_fail 2 "rated: no item 'Top' in the model" recommend --model "$tmp/odd-s.gnr" --rated 'Top:5'
# every flag of every command's --help is in the man page and docs/cli.md
docs=$(cd "$(dirname "$0")/../docs" && pwd)
for cmd in train eval recommend synth info update; do
  for flag in $("$GNNREC" $cmd --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
    man=$(printf '%s' "$flag" | sed 's/-/\\-/g')
    grep -qF -- "$man" "$docs/gnnrec.1" || { echo "FAIL gnnrec $cmd $flag is not in docs/gnnrec.1"; fails=$((fails + 1)); }
    grep -q -- "\`$flag" "$docs/cli.md" || { echo "FAIL gnnrec $cmd $flag is not in docs/cli.md"; fails=$((fails + 1)); }
  done
done
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
check "item filters with a new item" expect_fail 2 "genres does not apply to a new item" recommend --model "$tmp/s.gnr" --new-item-genres Drama --genres Comedy
check "unknown occupation" expect_fail 1 "unknown occupation 'astronaut'" recommend --model "$tmp/s.gnr" --occupation astronaut
check "bad gender" expect_fail 2 "gender" recommend --model "$tmp/s.gnr" --gender X
check "age out of range" expect_fail 2 "age: expected a decimal integer in \[0, 150\]" recommend --model "$tmp/s.gnr" --age 151
check "year out of range" expect_fail 2 "new-item-year: expected a decimal integer in \[1000, 9999\]" recommend --model "$tmp/s.gnr" --new-item-year 5
check "rating out of range" expect_fail 1 "outside the training ratings' range 1..5" recommend --model "$tmp/s.gnr" --rated 1:1e30
check "predicted ratings stay in range" sh -c "'$GNNREC' recommend --model '$tmp/s.gnr' --rated 1:5,2:5,3:5 --k 20 --json | tail -n 1 | python3 -c 'import json,sys; s=[r[\"score\"] for r in json.load(sys.stdin)[\"items\"]]; sys.exit(not all(1 <= x <= 5 for x in s))'"
check "info shows the rating range" sh -c "'$GNNREC' info --model '$tmp/s.gnr' --json | tail -n 1 | grep -q '\"rating_max\": 5'"
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
check "a filter's trials name their settings, not a loss" sh -c "grep -q '^trial  *1  alpha [0-9.]* eps [0-9.e-]* phi [0-9.]* skew [0-9.e-]* norm_exp [0-9.]* norm_shift [0-9.]*  valid ndcg@20 0\.' '$tmp/cheby.err' && ! grep -q 'loss' '$tmp/cheby.err'"
check "a filter's trials and choice in --json" sh -c "n=\$(grep -c '^trial ' '$tmp/cheby.err'); tail -n 1 '$tmp/cheby.out' | grep -q \"\\\"search_trials\\\": \$n, \\\"trials\\\": \\[{\\\"trial\\\": 1, \\\"alpha\\\": .*\\\"chosen\\\": {\\\"alpha\\\": [0-9.]*, \\\"eps\\\": \""
check "a filter's summary names its validation trial" sh -c "'$GNNREC' train --model gfcf --dataset '$tmp/data' --rank 16 >'$tmp/gfcf2.out' 2>'$tmp/gfcf2.err' && grep -q 'kept the settings of trial [1-9]' '$tmp/gfcf2.err' && grep -q 'built gfcf in .* s: the settings of validation trial [1-9]' '$tmp/gfcf2.out'"
check "info shows the filter's settings" sh -c "'$GNNREC' info --model '$tmp/cheby.gnr' --json | grep -q '\"rank\": 16.*\"phi\"'"
check "filter settings from flags" "$GNNREC" train --model cheby --dataset "$tmp/data" --alpha 0.2 --order 3 --phi 0.5 --eps 0.1 --svd-iters 2 --quiet
check "bad filter setting" expect_fail 2 "phi" train --model cheby --dataset "$tmp/data" --phi 0

[ "$fails" -eq 0 ] && echo "all CLI checks passed" || echo "$fails CLI checks failed"
[ "$fails" -eq 0 ]
