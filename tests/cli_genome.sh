#!/bin/sh
# gnnrec train --genome DIR on generated MovieLens-latest-shaped directories:
# the item features, the projections beside the model, and the errors.
GNNREC="$1"
GEN="$(dirname "$0")/gen_movielens_latest.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
  name="$1"; shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then echo "ok   $name"; else echo "FAIL $name"; cat "$tmp/out" "$tmp/err"; fails=$((fails + 1)); fi
}
# expect_fail STATUS TEXT ARGS...: gnnrec exits with STATUS and stderr holds TEXT
expect_fail() {
  want="$1"; text="$2"; shift 2
  "$GNNREC" "$@" >"$tmp/o" 2>"$tmp/e"
  st=$?
  [ "$st" -eq "$want" ] && grep -q -- "$text" "$tmp/e" || { echo "status $st, stderr:"; cat "$tmp/e"; return 1; }
}
python3 "$GEN" "$tmp/ml" || exit 1
small="--epochs 3 --dim 16 --hidden 16"
check "train with genome and tags" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/ml' $small --out '$tmp/m.gnr' --json >'$tmp/t.out' 2>'$tmp/t.err'"
check "both sources named" sh -c "grep -q 'tag genome, tags.csv, [0-9]* columns' '$tmp/t.err'"
check "projections beside the model" test -s "$tmp/m.gnr.genome" -a -s "$tmp/m.gnr.tags"
check "metrics in the json" sh -c "tail -n 1 '$tmp/t.out' | grep -q '\"ndcg@20\"'"
check "genome-dim per block" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/ml' --genome-dim 4 $small 2>'$tmp/d.err' >/dev/null && grep -q 'tag genome, tags.csv, 8 columns' '$tmp/d.err'"
# one source at a time
mkdir "$tmp/tagsonly" "$tmp/genomeonly" "$tmp/none"
cp "$tmp/ml/tags.csv" "$tmp/tagsonly/"
cp "$tmp/ml/genome-scores.csv" "$tmp/ml/genome-tags.csv" "$tmp/genomeonly/"
check "tags.csv alone" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/tagsonly' --genome-dim 8 $small --out '$tmp/t.gnr' 2>'$tmp/to.err' >/dev/null && grep -q 'from .*: tags.csv, 8 columns' '$tmp/to.err' && test -s '$tmp/t.gnr.tags' && ! test -e '$tmp/t.gnr.genome'"
check "genome alone" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/genomeonly' --genome-dim 8 $small 2>'$tmp/g.err' >/dev/null && grep -q 'from .*: tag genome, 8 columns' '$tmp/g.err'"
check "neither file" expect_fail 2 "holds neither genome-scores.csv" train --model graphsage --dataset "$tmp/ml" --genome "$tmp/none" $small
check "genome needs graphsage" expect_fail 2 "genome applies to --model graphsage" train --model lightgcn --dataset "$tmp/ml" --genome "$tmp/ml"
check "genome-dim needs genome" expect_fail 2 "apply with --genome DIR" train --model graphsage --dataset "$tmp/ml" --genome-dim 8 $small
check "genome-dim range" expect_fail 2 "genome-dim" train --model graphsage --dataset "$tmp/ml" --genome "$tmp/ml" --genome-dim 0
check "genome with triples" expect_fail 2 "genome does not apply" train --model rotate --triples-train "$tmp/ml/tags.csv" --genome "$tmp/ml"
# malformed files name file, line and field
mkdir "$tmp/bad"
printf 'userId,movieId,tag,timestamp\n1,2,dark,5\n1,x,dark,5\n' >"$tmp/bad/tags.csv"
check "bad tags.csv" expect_fail 1 "tags.csv:3: field 'movieId'" train --model graphsage --dataset "$tmp/ml" --genome "$tmp/bad" $small
rm "$tmp/bad/tags.csv"
printf 'tagId,tag\n1,dark\n' >"$tmp/bad/genome-tags.csv"
printf 'movieId,tagId,relevance\n1,1,2\n' >"$tmp/bad/genome-scores.csv"
check "bad genome-scores.csv" expect_fail 1 "genome-scores.csv:2: field 'relevance'" train --model graphsage --dataset "$tmp/ml" --genome "$tmp/bad" $small
# cold start after load: movies never rated in training (every tenth) get
# their rows from DIR through the saved projections; their 20 top users
# should be mostly of the movie's taste group (chance: 60 of 240)
cold_hits() {
  tot=0
  for mv in 10 20 30 40 50 60 70 80 90 100 110 120; do
    n=$("$GNNREC" recommend --model "$1" --genome "$tmp/ml" --new-item-movie $mv --k 20 --json | tail -n 1 | python3 -c "
import json, sys
print(sum(u['user'] % 4 == $mv % 4 for u in json.load(sys.stdin)['users']))") || return 1
    tot=$((tot + n))
  done
  echo "cold movies: $tot of 240 top users in the movie's group" >&2
  [ "$tot" -ge 120 ]
}
check "a LightGCN model" "$GNNREC" train --model lightgcn --dataset "$tmp/ml" --epochs 2 --out "$tmp/m_lgcn.gnr" --quiet
check "train for cold start" "$GNNREC" train --model graphsage --dataset "$tmp/ml" --genome "$tmp/ml" --epochs 10 --dim 16 --hidden 16 --out "$tmp/c.gnr" --quiet
check "cold movies reach their group's users" cold_hits "$tmp/c.gnr"
check "a cold movie's score for a user" sh -c "'$GNNREC' recommend --model '$tmp/c.gnr' --genome '$tmp/ml' --new-item-movie 10 --user 2 --json | tail -n 1 | grep -q '\"score\"'"
check "same seed, same projections" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/ml' --epochs 1 --dim 16 --hidden 16 --out '$tmp/c2.gnr' --quiet && cmp '$tmp/c.gnr.genome' '$tmp/c2.gnr.genome' && cmp '$tmp/c.gnr.tags' '$tmp/c2.gnr.tags'"
check "movie needs genome dir" expect_fail 2 "needs --genome DIR" recommend --model "$tmp/c.gnr" --new-item-movie 10
check "genome dir needs a movie" expect_fail 2 "applies with --new-item-movie" recommend --model "$tmp/c.gnr" --genome "$tmp/ml" --user 1
check "movie in neither source" expect_fail 2 "movie 99999 has neither genome scores nor a tag column" recommend --model "$tmp/c.gnr" --genome "$tmp/ml" --new-item-movie 99999
check "metadata flags do not apply" expect_fail 2 "new-item-year does not apply with --new-item-movie" recommend --model "$tmp/c.gnr" --genome "$tmp/ml" --new-item-movie 10 --new-item-year 1999
check "source missing at recommend" expect_fail 2 "tags.csv is missing" recommend --model "$tmp/c.gnr" --genome "$tmp/genomeonly" --new-item-movie 10
mkdir "$tmp/changed"
cp "$tmp/ml/genome-scores.csv" "$tmp/ml/genome-tags.csv" "$tmp/changed/"
sed 's/Space/Cosmos/' "$tmp/ml/tags.csv" >"$tmp/changed/tags.csv"
check "tags differ from training" expect_fail 2 "not those the model was trained on" recommend --model "$tmp/c.gnr" --genome "$tmp/changed" --new-item-movie 10
cp "$tmp/c.gnr" "$tmp/bare.gnr"
check "no projection beside a copied model" expect_fail 2 "no .*bare.gnr.genome or .*bare.gnr.tags beside the model" recommend --model "$tmp/bare.gnr" --genome "$tmp/ml" --new-item-movie 10
# an update: a new movie's features come from DIR through the projections
# (movie 999 is in neither source: zeros, as in training; the cold movies
# 10 and 20 are in the model already, from movies.csv); known movies alone
# need no --genome
mkdir "$tmp/new" "$tmp/old"
printf 'userId,movieId,rating,timestamp\n1,10,5.0,1200000000\n2,20,4.0,1200000001\n3,999,3.0,1200000002\n1,1,4.0,1200000003\n' >"$tmp/new/ratings.csv"
printf 'userId,movieId,rating,timestamp\n1,1,4.0,1200000003\n2,2,3.0,1200000004\n' >"$tmp/old/ratings.csv"
check "update needs the new movies' rows" expect_fail 1 "feature matrix of the grown graph" update --model "$tmp/c.gnr" --add "$tmp/new/ratings.csv" --out "$tmp/u.gnr" --epochs 1
check "update with --genome adds the movies" sh -c "'$GNNREC' update --model '$tmp/c.gnr' --add '$tmp/new/ratings.csv' --genome '$tmp/ml' --out '$tmp/u.gnr' --epochs 1 --json | tail -n 1 | grep -q '\"new_items\": 1'"
check "the new movie is recommended" sh -c "'$GNNREC' recommend --model '$tmp/u.gnr' --user 1 --k 121 --json | tail -n 1 | grep -q '\"item\": 999'"
check "known movies need no --genome" "$GNNREC" update --model "$tmp/c.gnr" --add "$tmp/old/ratings.csv" --out "$tmp/u2.gnr" --epochs 1
check "--genome is GraphSAGE's" expect_fail 2 "genome applies to a GraphSAGE model" update --model "$tmp/m_lgcn.gnr" --add "$tmp/old/ratings.csv" --genome "$tmp/ml" --out "$tmp/u3.gnr"

[ "$fails" -eq 0 ] && echo "all genome CLI checks passed"
[ "$fails" -eq 0 ]
