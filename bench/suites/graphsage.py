"""GraphSAGE training time per epoch and its thread scaling: the rating
objective on ML-100K u1.base with the built-in side features, and the BPR
objective on MovieLens-1M m1 (bench/graphsage/sage_epoch, docs/graphsage.md)."""
import os
import random

TITLE = "GraphSAGE training: time per epoch and threads"
ORDER = 40

# The settings of docs/graphsage.md's timing commands.
RATING_SETTINGS = ["objective=rating", "hidden=256", "id_dim=16", "dropout=0.2", "id_dropout=0.2", "ema=0.99"]
BPR_SETTINGS = ["objective=bpr", "features=none", "batch=2048", "lr=0.002", "ema=0.99", "hidden=128"]
# Small layers for the generated smoke data: seconds, not minutes.
SMOKE_SETTINGS = {"hidden": "32", "dim": "16", "batch": "512"}


def _smoke(settings):
    """The settings with the smoke sizes in place of their own."""
    out = [s for s in settings if s.split("=")[0] not in SMOKE_SETTINGS]
    return out + [f"{k}={v}" for k, v in SMOKE_SETTINGS.items()]

# Idle OpenMP threads sleep at once instead of spinning: on a machine shared
# with other work a spinning thread takes a core from the thread that holds
# the work (docs/graphsage.md measured 18 s instead of 5 s per ML-100K epoch).
ENV = {"OMP_WAIT_POLICY": "passive"}


def _smoke_ml100k(ctx):
    """A small ML-100K-format fold with u.item and u.user beside it, so the
    side features are built as for the real data."""
    d = os.path.join(ctx.tmp, "smoke_sage_ml100k")
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(11)
    users, items = 120, 200
    with open(os.path.join(d, "u1.base"), "w") as f:
        for u in range(1, users + 1):
            for i in sorted(rnd.sample(range(1, items + 1), 25)):
                rating = 5 if (u + i) % 4 == 0 else rnd.randint(1, 4)
                f.write(f"{u}\t{i}\t{rating}\t{880000000 + rnd.randrange(10000000)}\n")
    with open(os.path.join(d, "u.item"), "w") as f:
        for i in range(1, items + 1):
            genres = "|".join("1" if g == i % 19 or g == (i * 7) % 19 else "0" for g in range(19))
            f.write(f"{i}|Movie {i} ({1950 + i % 48})|01-Jan-{1950 + i % 48}||http://example.org/{i}|{genres}\n")
    occupations = ["engineer", "student", "writer", "other"]
    with open(os.path.join(d, "u.user"), "w") as f:
        for u in range(1, users + 1):
            f.write(f"{u}|{18 + u % 50}|{'MF'[u % 2]}|{occupations[u % 4]}|{10000 + u}\n")
    return os.path.join(d, "u1.base")


def _smoke_adjacency(ctx):
    """A small adjacency-format training file for the BPR objective."""
    d = os.path.join(ctx.tmp, "smoke_sage_m1")
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(13)
    with open(os.path.join(d, "train.txt"), "w") as f:
        for u in range(300):
            f.write(f"{u} {' '.join(map(str, sorted(rnd.sample(range(250), 20))))}\n")
    return os.path.join(d, "train.txt")


def _workloads(ctx):
    """(name, training file, epochs per run, settings) of each workload."""
    if ctx.smoke:
        return [("rating", _smoke_ml100k(ctx), 2, _smoke(RATING_SETTINGS)),
                ("bpr", _smoke_adjacency(ctx), 2, _smoke(BPR_SETTINGS))]
    return [("rating", os.path.join(ctx.data, "ml100k", "u1.base"), 3, RATING_SETTINGS),
            ("bpr", os.path.join(ctx.data, "ml1m_m1", "train.txt"), 2, BPR_SETTINGS)]


def benchmarks(ctx):
    out = []
    for name, train, epochs, settings in _workloads(ctx):
        for t in ctx.measurable_threads():
            cmd = [ctx.bin("graphsage/sage_epoch"), "--train", train, "--epochs", epochs, "--threads", t] + settings
            out.append(Bench(f"graphsage_{name}_t{t}", cmd, repeats=ctx.reps(3), env=ENV))
    return out


def _epoch(results, name, t):
    res = results.get(f"graphsage_{name}_t{t}")
    return None if res is None else res.value("epoch_seconds_median", bench="graphsage_epoch", threads=t)


def _status(results, name, ctx):
    """Why a workload has no table (its first skipped or failed run), or None."""
    for t in ctx.measurable_threads():
        res = results.get(f"graphsage_{name}_t{t}")
        if res and res.skipped:
            return f"_skipped: {res.skipped.removeprefix('SKIP: ')}_"
        if res and res.failed:
            return f"_failed: {res.failed}_"
    return None


def report(ctx, results, table):
    titles = {"rating": "generated ML-100K-format data with metadata (--smoke)" if ctx.smoke else "ML-100K u1.base",
              "bpr": "generated adjacency file (--smoke)" if ctx.smoke else "MovieLens-1M m1 train.txt"}
    titles = {"rating": f"Rating objective with side features, {titles['rating']}",
              "bpr": f"BPR objective without features, {titles['bpr']}"}
    L = []
    if not ctx.measurable_threads():
        return f"_not measured: none of the requested thread counts fits this machine's {ctx.cores} cores_"
    first = ctx.measurable_threads()[0]
    for name, train, epochs, settings in _workloads(ctx):
        L.append(f"### {titles[name]}")
        L.append("")
        msg = _status(results, name, ctx)
        if msg:
            L.append(msg)
            L.append("")
            continue
        res = results.get(f"graphsage_{name}_t{first}")
        edges = res.value("edges", bench="graphsage_epoch") if res else None
        base = _epoch(results, name, first)
        rows = []
        for t in ctx.threads:
            if t not in ctx.measurable_threads():
                rows.append([str(t), "not measured", ""])
                continue
            ep = _epoch(results, name, t)
            rows.append([str(t), ep, (base / ep) if base and ep else None])
        what = ("the squared error of the predicted rating" if name == "rating"
                else "BPR with one sampled negative item")
        edges = f"{edges:,.0f}" if edges else "all"
        L.append(f"One epoch is one pass over the {edges} training edges in mini-batches, each with its own "
                 f"sampled two-layer neighbourhoods, a forward and backward pass and an Adam step on {what}; "
                 f"validation is off, so the time is the training pass alone. Each run fits {epochs} epochs and "
                 f"reports the median epoch; the table gives the median of those over the runs. Settings: "
                 f"`{' '.join(settings)}`, `OMP_WAIT_POLICY=passive`.")
        L.append("")
        L.append(table(["threads", "epoch s", f"speed-up over {first} thread{'s' if first > 1 else ''}"], rows))
        L.append("")
    missing = [t for t in ctx.threads if t not in ctx.measurable_threads()]
    if missing:
        L.append(f"{', '.join(map(str, missing))} threads could not be measured: this machine has {ctx.cores} "
                 "cores.")
    return "\n".join(L)
