#!/usr/bin/env python3
"""A knowledge-graph model updated with new triples against a full retrain.

    bench/kg_update.py [--data DIR] [--model rotate] [--updates 1,2,4] [--share 0.1] [--seed 7]

train.txt of DIR (WN18RR's layout) is shuffled with the seed; the default
fit of the kind trains on all but the last `share` of it, then that model
is updated (gr_model_update_kg through the Python package) with the
rest, once for each number of update epochs; last, the default fit on all
of train.txt.  Each line is one model as JSON: wall seconds of its fit or
update, and the filtered MRR and Hits@10 on valid.txt (filtering its own
training triples and valid.txt) with the number of valid triples it could
score.  The test file is not read.
"""
import argparse
import json
import os
import random
import time

import gnnrec

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "wn18rr"))
ap.add_argument("--model", default="rotate")
ap.add_argument("--updates", default="1,2,4", help="update epochs to try, comma separated")
ap.add_argument("--share", type=float, default=0.1, help="share of train.txt added by the update")
ap.add_argument("--seed", type=int, default=7)
args = ap.parse_args()

with open(os.path.join(args.data, "train.txt")) as f:
    rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
random.Random(args.seed).shuffle(rows)
cut = int((1 - args.share) * len(rows))
old, new = rows[:cut], rows[cut:]
known = {e for h, _, t in old for e in (h, t)}
print(json.dumps({"old_triples": len(old), "new_triples": len(new),
                  "new_entities": len({e for h, _, t in new for e in (h, t)} - known)}), flush=True)


def report(model, label, seconds):
    kg = model.kg
    with gnnrec.KnowledgeGraph.load(os.path.join(args.data, "valid.txt"), like=kg) as valid:
        res = model.evaluate_link_prediction(valid, known=[kg, valid])
        print(json.dumps({"model": label, "seconds": round(seconds, 1), "valid_mrr": round(res["mrr"], 4),
                          "valid_hits10": round(res["hits@10"], 4), "valid_scored": valid.num_triples,
                          "valid_skipped": valid.num_skipped}), flush=True)


def fit(triples):
    with gnnrec.KnowledgeGraph.from_triples(*zip(*triples)) as kg, gnnrec.Trainer(args.model) as t:
        t0 = time.perf_counter()
        return t.fit(kg), time.perf_counter() - t0


base, seconds = fit(old)
report(base, "default fit on %d%%" % round(100 * (1 - args.share)), seconds)
with gnnrec.KnowledgeGraph.from_triples(*zip(*new)) as added:
    for epochs in [int(x) for x in args.updates.split(",")]:
        with gnnrec.Trainer(args.model, epochs=epochs) as t:
            t0 = time.perf_counter()
            updated = base.update(added, trainer=t)
            report(updated, "update, %d epochs" % epochs, time.perf_counter() - t0)
full, seconds = fit(rows)
report(full, "default fit on all", seconds)
