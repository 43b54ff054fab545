#!/usr/bin/env python3
"""Time link-prediction queries of saved knowledge-graph models, one call
per query and many queries in one call.

    bench/link_prediction_query.py [--batch N] MODEL [MODEL ...]

For each model: the tails of (entity, relation 0, ?) for 20 entities spread
over the id space, k = 10, one call each after a first one
(gr_model_predict_links through the Python package): the median, the
smallest and the largest time of a query.  Then N queries (default 256,
entities spread the same way) in one call of Model.predict_links
(gr_model_predict_links_batch), three times after a first: the median
time per query, and the single call's median over it.
"""
import argparse
import statistics
import time

import gnnrec

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--batch", type=int, default=256, help="queries of the batched call")
ap.add_argument("models", nargs="+")
args = ap.parse_args()


def spread(kg, count):
    step = max(kg.num_entities // count, 1)
    return [kg.entity_name(e) for e in range(0, kg.num_entities, step)][:count]


for path in args.models:
    m = gnnrec.Model.load(path)
    kg = m.kg
    heads = spread(kg, 21)
    m.predict_tails(heads[0], 0, k=10)
    times = []
    for h in heads[1:]:
        t0 = time.perf_counter()
        m.predict_tails(h, 0, k=10)
        times.append((time.perf_counter() - t0) * 1000)
    single = statistics.median(times)
    print("%s: %s dim %d, one query a call: median %.2f ms over %d queries (min %.2f, max %.2f)" % (
        path, m.kind, m.info("dim"), single, len(times), min(times), max(times)))
    many = spread(kg, args.batch)
    m.predict_links(many, 0, k=10)
    per_query = []
    for _ in range(3):
        t0 = time.perf_counter()
        m.predict_links(many, 0, k=10)
        per_query.append((time.perf_counter() - t0) * 1000 / len(many))
    batch = statistics.median(per_query)
    print("%s: %d queries in one call: median %.3f ms a query (min %.3f, max %.3f); %.1fx the single calls' rate" % (
        path, len(many), batch, min(per_query), max(per_query), single / batch))
