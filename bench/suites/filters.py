"""The training-free kinds (gfcf, cheby, ease) through their default
command, `gnnrec train --model KIND --train ... --test ... --json`, on
Gowalla, MovieLens-1M m1 (with its valid.txt) and ML-100K u1 implicit
(ratings >= 4): test Recall/NDCG@20, wall and CPU seconds of the whole
command (docs/filters.md).  EASE is left out on Gowalla, where its
items x items matrices do not fit."""
import json
import os
import random

TITLE = "Training-free filters: the default command on three datasets"
ORDER = 35

# The best published training-free filter on Gowalla (ChebyCF, SIGIR 2025).
TARGET_RECALL, TARGET_NDCG, TARGET_SECONDS = 0.1941, 0.1616, 60.0

def _smoke_data(ctx):
    """A small adjacency-format train/test pair."""
    d = os.path.join(ctx.tmp, "smoke_filters")
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(17)
    with open(os.path.join(d, "train.txt"), "w") as tr, open(os.path.join(d, "test.txt"), "w") as te:
        for u in range(200):
            items = sorted(rnd.sample(range(150), 15))
            tr.write(f"{u} {' '.join(map(str, items[:12]))}\n")
            te.write(f"{u} {' '.join(map(str, items[12:]))}\n")
    return d


def _workloads(ctx):
    """(dataset, kinds, file arguments) of each workload."""
    if ctx.smoke:
        d = _smoke_data(ctx)
        return [("smoke", ["gfcf", "cheby", "ease"],
                 ["--train", os.path.join(d, "train.txt"), "--test", os.path.join(d, "test.txt")])]
    g, m1, k = (os.path.join(ctx.data, s) for s in ("gowalla", "ml1m_m1", "ml100k"))
    return [("gowalla", ["cheby", "gfcf"], ["--train", os.path.join(g, "train.txt"), "--test", os.path.join(g, "test.txt")]),
            ("ml1m_m1", ["cheby", "gfcf", "ease"],
             ["--train", os.path.join(m1, "train.txt"), "--valid", os.path.join(m1, "valid.txt"),
              "--test", os.path.join(m1, "test.txt")]),
            ("ml100k_u1_r4", ["cheby", "gfcf", "ease"],
             ["--train", os.path.join(k, "u1.base"), "--test", os.path.join(k, "u1.test"), "--min-rating", "4"])]


def _parse(dataset, kind):
    def parse(stdout):
        objs = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
        row = {"bench": "filter_default", "dataset": dataset, "kind": kind}
        for obj in objs:
            row.update({k: v for k, v in obj.items() if isinstance(v, (int, float))})
        return [row]
    return parse


def benchmarks(ctx):
    out = []
    for dataset, kinds, files in _workloads(ctx):
        if not ctx.smoke and not os.path.exists(files[1]):
            continue
        for kind in kinds:
            extra = ["--rank", "16"] if ctx.smoke and kind != "ease" else []
            cmd = [ctx.python, ctx.script("measure.py"), "--", ctx.gnnrec(), "train", "--model", kind] + files + extra + [
                "--json", "--quiet"]
            out.append(Bench(f"filter_{dataset}_{kind}", cmd, repeats=ctx.reps(1), wall=True, parse=_parse(dataset, kind),
                             key=()))
    return out


def _fmt(v, digits=4):
    return "–" if v is None else f"{v:.{digits}f}"


def goals(ctx, results):
    best = None
    for kind in ("cheby", "gfcf"):
        r = results.get(f"filter_gowalla_{kind}")
        if r and r.rows and (best is None or r.rows[0].get("ndcg@20", 0) > best[1].get("ndcg@20", 0)):
            best = (kind, r.rows[0])
    if best is None:
        return []
    kind, r = best
    rec, nd, wall = r.get("recall@20"), r.get("ndcg@20"), r.get("wall_s")
    met = rec >= TARGET_RECALL and nd >= TARGET_NDCG and wall <= TARGET_SECONDS
    return [["7. best training-free filter on Gowalla, default command, test.txt",
             f"Recall@20 >= {TARGET_RECALL}, NDCG@20 >= {TARGET_NDCG} (ChebyCF), <= {TARGET_SECONDS:.0f} s",
             f"{kind}: Recall@20 {_fmt(rec)}, NDCG@20 {_fmt(nd)}, {wall:.1f} s wall, {_fmt(r.get('cpu_s'), 1)} CPU s",
             "yes" if met else "no"]]


def report(ctx, results, table):
    rows = []
    for dataset, kinds, _ in _workloads(ctx):
        for kind in kinds:
            r = results.get(f"filter_{dataset}_{kind}")
            if r is None or not r.rows:
                continue
            x = r.rows[0]
            rows.append([dataset, kind, _fmt(x.get("recall@20")), _fmt(x.get("ndcg@20")), _fmt(x.get("valid_ndcg")),
                         _fmt(x.get("wall_s"), 1), _fmt(x.get("cpu_s"), 1)])
    text = ("`gnnrec train --model KIND --train F --test F [--valid F] --json`, nothing set by hand: the validation "
            "search (held-out part of train, or valid.txt) chooses the settings, then the test file is read once.  "
            "Wall and CPU (user + system) seconds of the whole command, including loading the data.\n\n")
    return text + table(["dataset", "kind", "Recall@20", "NDCG@20", "valid NDCG@20", "wall s", "CPU s"], rows)
