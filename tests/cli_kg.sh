#!/bin/sh
# gnnrec train on triple files: link-prediction metrics in the JSON line,
# usage errors, saving, and recommend --explain on a KG model of a
# user-item graph.  $1 is the gnnrec program.
set -eu
gnnrec=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/gnnrec-cli-kg-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# a ring of 30 entities under "next", its inverse under "prev"
i=0
while [ $i -lt 30 ]; do
  j=$(( (i + 1) % 30 ))
  printf 'n%d\tnext\tn%d\n' $i $j
  printf 'n%d\tprev\tn%d\n' $j $i
  i=$((i + 1))
done > "$dir/all.txt"
awk 'NR % 10 != 3 && NR % 10 != 7' "$dir/all.txt" > "$dir/train.txt"
awk 'NR % 10 == 3' "$dir/all.txt" > "$dir/valid.txt"
awk 'NR % 10 == 7' "$dir/all.txt" > "$dir/test.txt"

out=$("$gnnrec" train --model rotate --triples-train "$dir/train.txt" --triples-valid "$dir/valid.txt" \
      --triples-test "$dir/test.txt" --dim 8 --epochs 30 --lr 0.05 --batch 32 --negatives 16 --threads 1 \
      --json --quiet --out "$dir/m.gnnrec" | tail -n 1)
for key in '"mrr"' '"mr"' '"hits@1"' '"hits@3"' '"hits@10"' '"tail_mrr"' '"head_mrr"' '"valid_mrr"' '"epoch_seconds_median"'; do
  echo "$out" | grep -q "$key" || fail "train --json lacks $key: $out"
done
mrr=$(echo "$out" | sed 's/.*"mrr": \([0-9.e-]*\).*/\1/')
awk -v m="$mrr" 'BEGIN { exit !(m > 0.2) }' || fail "mrr $mrr on a ring is no better than chance"
# both directions hold one query per triple: their MRR is the mean of the two
tmrr=$(echo "$out" | sed 's/.*"tail_mrr": \([0-9.e-]*\).*/\1/')
hmrr=$(echo "$out" | sed 's/.*"head_mrr": \([0-9.e-]*\).*/\1/')
awk -v m="$mrr" -v t="$tmrr" -v h="$hmrr" 'BEGIN { d = m - (t + h) / 2; exit !(d < 1e-5 && d > -1e-5) }' ||
  fail "mrr $mrr is not the mean of tail_mrr $tmrr and head_mrr $hmrr"
[ -s "$dir/m.gnnrec" ] || fail "the model was not saved"
# without --triples-valid a held-out share of the training triples chooses the epoch, then a refit on all
out=$("$gnnrec" train --model rotate --triples-train "$dir/train.txt" --triples-test "$dir/test.txt" --dim 8 \
      --epochs 8 --eval-every 2 --lr 0.05 --batch 32 --negatives 16 --threads 1 --json --quiet | tail -n 1)
for key in '"holdout_edges": 5' '"refit": 1' '"valid_mrr"' '"holdout_epochs"'; do
  echo "$out" | grep -q "$key" || fail "train without validation triples lacks $key: $out"
done
"$gnnrec" info --model "$dir/m.gnnrec" > "$dir/info.out" || fail "info cannot read a KG model"
grep -q '^entities  *30$' "$dir/info.out" && grep -q '^relations  *2$' "$dir/info.out" &&
  grep -q "^triples  *$(wc -l < "$dir/train.txt" | tr -d ' ')\$" "$dir/info.out" || fail "info lacks the triples' sizes: $(cat "$dir/info.out")"
# the saved model, evaluated again with the same filter, gives the same figures
ev=$("$gnnrec" eval --model "$dir/m.gnnrec" --triples-test "$dir/test.txt" --triples-known "$dir/valid.txt" --json | tail -n 1)
mrr2=$(echo "$ev" | sed 's/.*"mrr": \([0-9.e-]*\).*/\1/')
[ "$mrr" = "$mrr2" ] || fail "eval of the saved model gives mrr $mrr2, training reported $mrr"

# link prediction on the saved model: entities by name, best first; the training answers left out
# unless --include-seen keeps them
lp=$("$gnnrec" recommend --model "$dir/m.gnnrec" --head n0 --relation next --k 30 --include-seen --json | tail -n 1)
known=$(grep -c "^n0	next	" "$dir/train.txt")
[ "$known" -ge 1 ] || fail "the ring lost its training triple (n0, next, n1)"
python3 -c 'import json, sys
o = json.loads(sys.argv[1]); e = o["entities"]; s = [x["score"] for x in e]
ok = o["head"] == "n0" and o["relation"] == "next" and len(e) == 30 and s == sorted(s, reverse=True)
ok = ok and sorted(x["name"] for x in e) == sorted("n%d" % i for i in range(30))
sys.exit(0 if ok else 1)' "$lp" || fail "recommend --head --relation --include-seen: $lp"
lp=$("$gnnrec" recommend --model "$dir/m.gnnrec" --head n0 --relation next --k 30 --json 2> "$dir/err" | tail -n 1)
python3 -c 'import json, sys
e = json.loads(sys.argv[1])["entities"]; known = [l.split("\t")[2].strip() for l in open(sys.argv[3]) if l.startswith("n0\tnext\t")]
sys.exit(0 if len(e) == 30 - int(sys.argv[2]) and not set(known) & {x["name"] for x in e} else 1)' "$lp" "$known" "$dir/train.txt" \
  || fail "the training answers of (n0, next) are not left out: $lp"
"$gnnrec" recommend --model "$dir/m.gnnrec" --tail n5 --relation prev --k 2 > "$dir/lp.out" || fail "recommend --tail --relation failed"
[ "$(grep -cE '^ +[0-9]+ +-?[0-9.]+  n[0-9]+$' "$dir/lp.out")" -eq 2 ] || fail "recommend --tail prints no two entities: $(cat "$dir/lp.out")"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --head nobody --relation next 2> "$dir/err"; then fail "accepted an unknown entity"; fi
grep -q "head: no entity 'nobody' in the model" "$dir/err" || fail "unknown entity: $(cat "$dir/err")"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --head n3 2> "$dir/err"; then fail "accepted a query without --relation"; fi
grep -q "give --relation with exactly one of --head" "$dir/err" || fail "query without relation: $(cat "$dir/err")"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --head n3 --relation next --genres Drama 2> "$dir/err"; then fail "accepted --genres"; fi
grep -q "genres does not apply to a knowledge-graph query" "$dir/err" || fail "--genres with a query: $(cat "$dir/err")"

# a file of queries answered in one batch: each query's list is the single query's
printf 'n0\tnext\t?\n# a comment, then a blank line\n\n?\tprev\tn5\nn7\tnext\t?\n' > "$dir/queries.tsv"
batch=$("$gnnrec" recommend --model "$dir/m.gnnrec" --queries "$dir/queries.tsv" --k 4 --json | tail -n 1)
for q in "--head n0 --relation next" "--tail n5 --relation prev" "--head n7 --relation next"; do
  "$gnnrec" recommend --model "$dir/m.gnnrec" $q --k 4 --json | tail -n 1 >> "$dir/singles.json" || fail "recommend $q failed"
done
python3 -c 'import json, sys
b = json.loads(sys.argv[1]); singles = [json.loads(l) for l in open(sys.argv[2])]
ok = b["queries"] == 3 and [r["line"] for r in b["results"]] == [1, 4, 5]
ok = ok and [r["entities"] for r in b["results"]] == [s["entities"] for s in singles]
ok = ok and b["results"][1]["tail"] == "n5" and b["results"][1]["relation"] == "prev"
sys.exit(0 if ok else 1)' "$batch" "$dir/singles.json" || fail "recommend --queries differs from single queries: $batch"
printf 'n0\tnext\t?\nn1\tsideways\t?\n' > "$dir/bad.tsv"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --queries "$dir/bad.tsv" 2> "$dir/err"; then fail "accepted an unknown relation"; fi
grep -q "bad.tsv:2: field 2 (relation): no relation 'sideways' in the model" "$dir/err" || fail "unknown relation in --queries: $(cat "$dir/err")"
printf 'n0\tnext\tn1\n' > "$dir/bad.tsv"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --queries "$dir/bad.tsv" 2> "$dir/err"; then fail "accepted a query without '?'"; fi
grep -q "bad.tsv:1: exactly one of the head and the tail must be '?'" "$dir/err" || fail "a query without '?': $(cat "$dir/err")"
if "$gnnrec" recommend --model "$dir/m.gnnrec" --queries "$dir/queries.tsv" --head n0 2> "$dir/err"; then fail "accepted --queries with --head"; fi

# gnnrec update on a KG model: new triples by name, new entities and relations appended, the model
# file given left as it is; the updated model answers queries on the new names
printf 'n3\tnext\tn31\nn31\tnext\tn4\nn0\tnear\tn2\n' > "$dir/added.txt"
cp "$dir/m.gnnrec" "$dir/m.before"
up=$("$gnnrec" update --model "$dir/m.gnnrec" --add "$dir/added.txt" --out "$dir/up.gnnrec" --threads 1 --json | tail -n 1)
python3 -c 'import json, sys
o = json.loads(sys.argv[1])
want = {"model": "rotate", "entities": 31, "new_entities": 1, "relations": 3, "new_relations": 1, "new_triples": 3}
sys.exit(0 if all(o[k] == v for k, v in want.items()) and o["train_seconds"] >= 0 else 1)' "$up" || fail "update --add triples: $up"
cmp -s "$dir/m.gnnrec" "$dir/m.before" || fail "update changed the model it was given"
"$gnnrec" recommend --model "$dir/up.gnnrec" --head n31 --relation next --k 3 > /dev/null || fail "the updated model does not know n31"
"$gnnrec" recommend --model "$dir/up.gnnrec" --head n0 --relation near --k 3 > /dev/null || fail "the updated model does not know 'near'"
"$gnnrec" update --model "$dir/m.gnnrec" --add "$dir/added.txt" --out "$dir/up2.gnnrec" --epochs 1 --threads 1 --json |
  tail -n 1 | grep -q '"new_entities": 1' || fail "update --epochs 1"
if "$gnnrec" update --model "$dir/m.gnnrec" --add "$dir/added.txt" --out "$dir/up3.gnnrec" --min-rating 4 2> "$dir/err"; then
  fail "update of a KG model accepted --min-rating"; fi
grep -q "min-rating does not apply to the triples of a knowledge-graph model" "$dir/err" || fail "--min-rating: $(cat "$dir/err")"
printf 'n3\tnext\n' > "$dir/bad.txt"
if "$gnnrec" update --model "$dir/m.gnnrec" --add "$dir/bad.txt" --out "$dir/up3.gnnrec" 2> "$dir/err"; then fail "accepted a bad triple"; fi
grep -q "bad.txt:1" "$dir/err" || fail "a bad triple's error does not name the file and line: $(cat "$dir/err")"
[ ! -e "$dir/up3.gnnrec" ] || fail "a failed update wrote a model"

# --checkpoint on triples: the run writes it, the same command again gives the finished run's model,
# other settings are refused naming the file
ck="train --model transe --triples-train $dir/train.txt --triples-valid $dir/valid.txt --triples-test $dir/test.txt
    --dim 8 --epochs 6 --eval-every 2 --lr 0.05 --batch 32 --negatives 16 --threads 1 --json --quiet"
plain=$("$gnnrec" $ck | tail -n 1)
first=$("$gnnrec" $ck --checkpoint "$dir/kg.ckpt" --checkpoint-every 2 | tail -n 1)
[ -s "$dir/kg.ckpt" ] || fail "--checkpoint wrote no file"
again=$("$gnnrec" $ck --checkpoint "$dir/kg.ckpt" --checkpoint-every 2 | tail -n 1)
m0=$(echo "$plain" | sed 's/.*"mrr": \([0-9.e-]*\).*/\1/')
m1=$(echo "$first" | sed 's/.*"mrr": \([0-9.e-]*\).*/\1/')
m2=$(echo "$again" | sed 's/.*"mrr": \([0-9.e-]*\).*/\1/')
[ "$m0" = "$m1" ] && [ "$m1" = "$m2" ] || fail "checkpointed runs give mrr $m1 and $m2, the plain run $m0"
if "$gnnrec" $ck --checkpoint "$dir/kg.ckpt" --lr 0.3 2> "$dir/err"; then fail "accepted a checkpoint of other settings"; fi
grep -q "kg.ckpt: made with other settings: 'lr'" "$dir/err" || fail "the refusal does not name the file: $(cat "$dir/err")"

# usage errors: a bad setting, an unknown flag, a malformed file naming file:line
if "$gnnrec" train --model rotate --triples-train "$dir/train.txt" --gamma x 2> "$dir/err"; then fail "accepted --gamma x"; fi
grep -q "gamma" "$dir/err" || fail "no message about gamma"
printf 'a\tb\n' > "$dir/bad.txt"
if "$gnnrec" train --model transe --triples-train "$dir/bad.txt" 2> "$dir/err"; then fail "accepted a two-field line"; fi
grep -q "bad.txt:1" "$dir/err" || fail "the error does not name bad.txt:1: $(cat "$dir/err")"

# --budget with a schedule too short: the epochs double while the validation still rises at the end
# (every other searched setting hand-set), the chosen schedule in --json and the model's info
out=$("$gnnrec" train --model rotate --triples-train "$dir/train.txt" --triples-valid "$dir/valid.txt" --dim 8 \
      --epochs 2 --eval-every 1 --lr 0.05 --gamma 6 --set adv_temp=1 --set reg=0 --batch 32 --negatives 16 \
      --threads 1 --budget 600 --set extend=on --json --quiet --out "$dir/ext.gnnrec" | tail -n 1)
info=$("$gnnrec" info --model "$dir/ext.gnnrec" --json)
python3 -c 'import json, sys
o, i = json.loads(sys.argv[1]), json.loads(sys.argv[2])
e = [t["epochs"] for t in o["trials"]]
ok = len(e) >= 2 and e[0] == 2 and all(b == 2 * a for a, b in zip(e, e[1:]))
ok = ok and o["chosen"]["epochs"] == i["search_epochs"] and i["search_epochs"] in e
sys.exit(0 if ok else 1)' "$out" "$info" || fail "--budget did not extend the schedule: $out $info"

# a user-item graph as a KG: recommend --explain on the saved model
printf '1 10 20 30\n2 20 30 40\n3 30 40 50\n4 10 50\n' > "$dir/ui.txt"
"$gnnrec" train --model rotate --train "$dir/ui.txt" --dim 8 --epochs 3 --threads 1 --quiet --out "$dir/ui.gnnrec" > /dev/null \
  || fail "rotate on a user-item graph"
"$gnnrec" recommend --model "$dir/ui.gnnrec" --user 4 --k 2 --explain > "$dir/explain.out" || fail "recommend --explain failed"
[ "$(grep -cE '^ +[0-9]+ +[0-9]+ +-?[0-9.]+' "$dir/explain.out")" -eq 2 ] || fail "--explain does not list each item once: $(cat "$dir/explain.out")"
grep -q 'because' "$dir/explain.out" || fail "--explain gives no paths: $(cat "$dir/explain.out")"
rec=$("$gnnrec" recommend --model "$dir/ui.gnnrec" --user 4 --k 2 --explain --json | tail -n 1)
echo "$rec" | grep -q '"explanations"' || fail "recommend --explain lacks explanations: $rec"
echo "$rec" | grep -q '"user:4", "liked"' || fail "no path starts at the user: $rec"
# the KG of a user-item graph answers queries by its entity names; other kinds do not
"$gnnrec" recommend --model "$dir/ui.gnnrec" --head user:4 --relation liked --k 2 > /dev/null || fail "a query on user:4"
"$gnnrec" train --model mf --train "$dir/ui.txt" --dim 8 --epochs 2 --threads 1 --quiet --out "$dir/mf.gnnrec" > /dev/null || fail "mf"
if "$gnnrec" recommend --model "$dir/mf.gnnrec" --head 1 --relation liked 2> "$dir/err"; then fail "an mf model answered a query"; fi
grep -q "query a knowledge-graph model" "$dir/err" || fail "mf query: $(cat "$dir/err")"
echo "PASS"
