#!/usr/bin/env python3
"""Time one link-prediction query of saved knowledge-graph models.

    bench/link_prediction_query.py MODEL [MODEL ...]

For each model: the tails of (entity, relation 0, ?) for 20 entities spread
over the id space, k = 10, after one first query; prints the median, the
smallest and the largest time of a query (gr_model_predict_links through
the Python package).
"""
import statistics
import sys
import time

import gnnrec

for path in sys.argv[1:]:
    m = gnnrec.Model.load(path)
    kg = m.kg
    step = max(kg.num_entities // 21, 1)
    heads = [kg.entity_name(e) for e in range(0, kg.num_entities, step)][:21]
    m.predict_tails(heads[0], 0, k=10)
    times = []
    for h in heads[1:]:
        t0 = time.perf_counter()
        m.predict_tails(h, 0, k=10)
        times.append((time.perf_counter() - t0) * 1000)
    print("%s: %s dim %d, median %.2f ms over %d queries (min %.2f, max %.2f)" % (
        path, m.kind, m.info("dim"), statistics.median(times), len(times), min(times), max(times)))
