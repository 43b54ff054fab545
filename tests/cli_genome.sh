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
check "both sources named" sh -c "grep -q 'tag genome, tags.csv, 56 columns' '$tmp/t.err'"
check "projections beside the model" test -s "$tmp/m.gnr.genome" -a -s "$tmp/m.gnr.tags"
check "metrics in the json" sh -c "tail -n 1 '$tmp/t.out' | grep -q '\"ndcg@20\"'"
check "genome-dim per block" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/ml' --genome-dim 4 $small 2>'$tmp/d.err' >/dev/null && grep -q 'tag genome, tags.csv, 8 columns' '$tmp/d.err'"
# one source at a time
mkdir "$tmp/tagsonly" "$tmp/genomeonly" "$tmp/none"
cp "$tmp/ml/tags.csv" "$tmp/tagsonly/"
cp "$tmp/ml/genome-scores.csv" "$tmp/ml/genome-tags.csv" "$tmp/genomeonly/"
check "tags.csv alone" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/tagsonly' $small --out '$tmp/t.gnr' 2>'$tmp/to.err' >/dev/null && grep -q 'from .*: tags.csv, 32 columns' '$tmp/to.err' && test -s '$tmp/t.gnr.tags' && ! test -e '$tmp/t.gnr.genome'"
check "genome alone" sh -c "'$GNNREC' train --model graphsage --dataset '$tmp/ml' --genome '$tmp/genomeonly' $small 2>'$tmp/g.err' >/dev/null && grep -q 'from .*: tag genome, 24 columns' '$tmp/g.err'"
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
[ "$fails" -eq 0 ] && echo "all genome CLI checks passed"
[ "$fails" -eq 0 ]
