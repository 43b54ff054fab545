"""One table of every model kind on every dataset: each kind's DEFAULT
`gnnrec train` command (nothing tuned by hand), timed as a whole command
under bench/measure.py (wall, CPU seconds, peak RSS), with its test figure
and the published one beside it.  Opt-in: `bench/run --only table`
(hours on 2 cores with Gowalla and WN18RR); `--datasets`, `--models`,
`--cmd-timeout` choose a part.  bench/README.md describes it."""
import json
import os

TITLE = "Every model on every dataset, default commands"
ORDER = 5
OPT_IN = True  # not part of a plain `bench/run`
LISTS_COMMANDS = True  # the section lists its commands itself

RANKING = ["lightgcn", "mf", "graphsage", "gfcf", "cheby", "ease"]
RATING = ["graphsage-rating"]
KG = ["rotate", "transe", "distmult", "complex"]
MODELS = RANKING + RATING + KG

# gnnrec synth shapes: (users, items, ratings per user).  Item popularity
# follows synth's power law in all three; the long-tail shape spreads few
# ratings over many items so that most items sit in the tail.
SYNTH = {
    "synth_dense": ((300, 200, 60), (120, 80, 30), "small dense: 300 users, 200 items, 60 ratings each"),
    "synth_longtail": ((4000, 6000, 15), (300, 600, 10), "long tail: 4,000 users, 6,000 items, 15 ratings each"),
    "synth_wide": ((2000, 20000, 40), (200, 1500, 15), "wide catalogue: 2,000 users, 20,000 items, 40 ratings each"),
}
SMOKE_NOTE = "smoke sizes"

# Published figures (../shared/README.md) beside a row: dataset -> model -> text.
PUBLISHED = {
    "ml1m_m1": {"lightgcn": "LightGCN 0.2576 / 0.2427"},
    "gowalla": {"lightgcn": "LightGCN 0.1830 / 0.1554", "gfcf": "GF-CF 0.1849 / 0.1518",
                "cheby": "ChebyCF 0.1941 / 0.1616"},
    "ml100k_ratings": {"graphsage-rating": "PinSage 0.951; GC-MC 0.910; IGMC 0.905"},
    "wn18rr": {"rotate": "0.477 / 0.571", "transe": "0.226 / 0.501", "distmult": "0.43 / 0.49",
               "complex": "0.44 / 0.51"},
}
# Best published figures on the dataset, whatever the model, for the notes.
BEST = {
    "ml1m_m1": "SimpleX 0.2802 / 0.2670, UltraGCN 0.2787 / 0.2642",
    "gowalla": "ChebyCF 0.1941 / 0.1616, BSPM 0.1920 / 0.1597",
    "ml100k_ratings": "GLocal-K RMSE 0.890",
}


def add_arguments(ap):
    g = ap.add_argument_group("table suite (--only table)")
    g.add_argument("--datasets", default="", help="comma-separated: ml1m_m1, gowalla, ml100k_implicit, "
                   "ml100k_ratings, synth_dense, synth_longtail, synth_wide, wn18rr (default: every one present)")
    g.add_argument("--models", default="", help="comma-separated: " + ", ".join(MODELS) + " (default: all)")
    g.add_argument("--cmd-timeout", type=float, default=3600, help="seconds per command before it is killed "
                   "and its row marked timed out (3600)")


def _chosen(text, allowed, what):
    names = [x for x in text.split(",") if x]
    bad = [x for x in names if x not in allowed]
    if bad:
        raise SystemExit(f"bench/run: --{what}: unknown {', '.join(bad)} (known: {', '.join(allowed)})")
    return names or list(allowed)


def datasets(ctx):
    """name -> (description, data arguments or None, models, note); note says why a dataset is absent."""
    d = ctx.data
    out = {}

    def files(sub, train, test, extra=()):
        tr, te = os.path.join(d, sub, train), os.path.join(d, sub, test)
        ok = os.path.exists(tr) and os.path.exists(te)
        return (["--train", tr, "--test", te] + list(extra)) if ok else None

    out["ml1m_m1"] = ("MovieLens-1M m1 (train/test)", files("ml1m_m1", "train.txt", "test.txt"), RANKING)
    out["gowalla"] = ("Gowalla (train/test)", files("gowalla", "train.txt", "test.txt"), RANKING)
    out["ml100k_implicit"] = ("ML-100K u1.base/u1.test, ratings >= 4 as edges",
                              files("ml100k", "u1.base", "u1.test", ["--min-rating", "4"]), RANKING)
    out["ml100k_ratings"] = ("ML-100K u1.base/u1.test ratings", files("ml100k", "u1.base", "u1.test"), RATING)
    for name, (full, smoke, what) in SYNTH.items():
        out[name] = (what if not ctx.smoke else f"{what} ({SMOKE_NOTE}: {smoke[0]} users, {smoke[1]} items, "
                     f"{smoke[2]} ratings each)", ["--dataset", _synth_dir(ctx, name)], RANKING + RATING)
    wn = os.path.join(d, "wn18rr")
    kg = None
    if all(os.path.exists(os.path.join(wn, f)) for f in ("train.txt", "valid.txt", "test.txt")):
        kg = ["--triples-train", os.path.join(wn, "train.txt"), "--triples-valid", os.path.join(wn, "valid.txt"),
              "--triples-test", os.path.join(wn, "test.txt")]
    out["wn18rr"] = ("WN18RR (filtered link prediction)", kg, KG)
    return out


def _synth_dir(ctx, name):
    return os.path.join(ctx.tmp, f"table_{name}{'_smoke' if ctx.smoke else ''}")


def _synth_shape(ctx, name):
    full, smoke, _ = SYNTH[name]
    return smoke if ctx.smoke else full


def _ease_skip(ctx, name, args):
    """Why EASE does not run on a dataset (its matrices do not fit in half
    of this machine's memory), or None.  The rule of lib/train/ease_fit.c:
    the Gram matrix of fewer multiply-adds, at gr_ease_bytes()'s peak."""
    if name in SYNTH:
        users, items, per_user = _synth_shape(ctx, name)
        nnz = users * per_user
    else:
        users, items, nnz = _count_shape(args) or (None, None, None)
    if items is None:
        return None
    by_users = users ** 3 / 2 + users * nnz + nnz * items < items ** 3 / 2
    if by_users:
        need = max(16.0 * users * users + 4.0 * items * items, 8.0 * users * users + 8.0 * items * items)
        what = f"its users x users and items x items matrices ({users:,} users, {items:,} items)"
    else:
        need = 20.0 * items * items
        what = f"its items x items matrices ({items:,} items)"
    have = _memory_bytes()
    if have and need > 0.5 * have:
        return f"EASE needs {need / 2**30:.1f} GiB for {what}, more than half of this machine's {have / 2**30:.0f} GiB"
    return None


def _memory_bytes():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 0


def _count_shape(args):
    """(users, items, interactions) of the training file: an adjacency file
    (a user's line: its id, then its items' ids; the largest item id + 1
    items), or a ratings file (distinct first and second fields)."""
    path = args[args.index("--train") + 1]
    users, items, top, nnz = set(), set(), -1, 0
    try:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.split()
                if path.endswith(".txt"):
                    if len(parts) > 1:
                        users.add(parts[0])
                        top = max([top] + [int(x) for x in parts[1:]])
                        nnz += len(parts) - 1
                elif len(parts) >= 2:
                    users.add(parts[0])
                    items.add(parts[1])
                    nnz += 1
    except (OSError, ValueError):
        return None
    return len(users), (top + 1 if path.endswith(".txt") else len(items)), nnz


def model_args(model):
    if model == "graphsage-rating":
        return ["--model", "graphsage", "--objective", "rating"]
    return ["--model", model]


def _bench_name(dataset, model):
    return f"table_{dataset}_{model}"


def plan(ctx, everything=False):
    """(dataset, model, args or None, skip reason) for every chosen row
    (with everything, every row of the table, whatever was chosen)."""
    a = None if everything else getattr(ctx, "args", None)
    want_d = _chosen(getattr(a, "datasets", ""), list(datasets(ctx)), "datasets")
    want_m = _chosen(getattr(a, "models", ""), MODELS, "models")
    rows = []
    for name, (what, args, models) in datasets(ctx).items():
        if name not in want_d or (ctx.smoke and name not in SYNTH):
            continue
        for m in models:
            if m not in want_m:
                continue
            if args is None:
                rows.append((name, m, None, f"{os.path.relpath(os.path.join(ctx.data, name.split('_')[0] if name.startswith('ml100k') else name), ctx.root)} absent"))
            elif m == "ease" and _ease_skip(ctx, name, args):
                rows.append((name, m, None, _ease_skip(ctx, name, args)))
            else:
                rows.append((name, m, args, None))
    return rows


# The table is a record kept across invocations: bench/results/table.json
# holds the last measurement of every row with its date, commit and load,
# so that a part re-measured (--datasets, --models) replaces its own rows
# and the others keep theirs, each saying when and where it was measured.
def store_path(ctx):
    if ctx.smoke:  # smoke sizes never enter the project's record
        return os.path.join(ctx.tmp, "table-smoke.json")
    return os.path.join(ctx.root, "bench", "results", "table.json")


def load_store(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_store(path, store):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(store, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


FIELDS = ("recall@20", "ndcg@20", "rmse", "mrr", "hits@10", "wall_s", "cpu_s", "peak_rss_mb")


def record(ctx, results, store):
    """Store every row this invocation measured."""
    info = getattr(ctx, "info", {})
    when = getattr(ctx, "started", None)
    for dataset, model, args, skip in plan(ctx):
        res = results.get(_bench_name(dataset, model))
        c = None if skip else _row_cells(ctx, res)
        if c is None:
            continue
        entry = {k: c[k] for k in FIELDS if c.get(k) is not None}
        entry.update(status=c["status"], commit=info.get("commit", "?"),
                     date=when.strftime("%Y-%m-%d %H:%M") if when else "?",
                     load=round(max(res.load), 2) if res.load else None)
        store[f"{dataset}/{model}"] = entry


def benchmarks(ctx):
    timeout = getattr(getattr(ctx, "args", None), "cmd_timeout", 3600)
    out, made = [], set()
    for dataset, model, args, skip in plan(ctx):
        if skip:
            continue
        if dataset in SYNTH and dataset not in made:
            made.add(dataset)
            u, i, r = _synth_shape(ctx, dataset)
            out.append(Bench(f"table_synth_{dataset}", [ctx.gnnrec(), "synth", "--out", _synth_dir(ctx, dataset),
                                                        "--users", u, "--items", i, "--ratings-per-user", r],
                             repeats=1, parse=lambda text: [{"bench": "synth"}]))
        cmd = [ctx.gnnrec(), "train"] + model_args(model) + args + ["--json", "--quiet"]
        wrapped = [ctx.python, ctx.script("measure.py"), "--timeout", int(timeout), "--field", f"dataset={dataset}",
                   "--field", f"model={model}", "--"] + cmd
        out.append(Bench(_bench_name(dataset, model), wrapped, repeats=ctx.reps(1), key=(), timeout=timeout + 120))
    return out


def _shown(ctx, cmd):
    parent = os.path.dirname(ctx.root)
    return " ".join(os.path.relpath(c, ctx.root) if c.startswith(parent + os.sep) else c for c in map(str, cmd))


def _num(v, digits=4):
    return "–" if v is None else f"{v:.{digits}f}"


def _row_cells(ctx, res):
    """status, metrics and costs of one measured row."""
    if res is None:
        return None
    if res.skipped or res.failed:
        return {"status": (res.skipped or res.failed)[:120]}
    r = res.rows[0] if res.rows else {}
    st = r.get("status", "?")
    if st == "timeout":
        st = f"timed out after {getattr(ctx.args, 'cmd_timeout', 0):.0f} s"
    elif st == "failed":
        st = f"failed (exit {r.get('exit')}): {r.get('error', '')[:100]}"
    return dict(r, status=st)


def _measured(e):
    load = e.get("load")
    return f"{e.get('date', '?')}, {e.get('commit', '?')}" + ("" if load is None else f", load {load:.1f}")


def _stored_rows(ctx, store, kg):
    """The table's rows (the ranking/rating table, or with kg the WN18RR one)
    from the record: every dataset and model, measured or not."""
    rows = []
    for dataset, model, args, skip in plan(ctx, everything=True):
        if (dataset == "wn18rr") != kg:
            continue
        pub = PUBLISHED.get(dataset, {}).get(model, "–")
        head = [model] if kg else [dataset, model]
        width = 6 if kg else 8
        e = None if skip else store.get(f"{dataset}/{model}")
        if skip or e is None:
            rows.append(head + [f"skipped: {skip}" if skip else "not measured"] + [""] * width + [pub])
            continue
        if kg:
            cells = [_num(e.get("mrr")), _num(e.get("hits@10"))]
        else:
            cells = [_num(e.get("recall@20")), _num(e.get("ndcg@20")), _num(e.get("rmse"))]
        rows.append(head + [e["status"]] + cells + [e.get("wall_s"), e.get("cpu_s"), e.get("peak_rss_mb"),
                                                   _measured(e), pub])
    return rows


def report(ctx, results, table):
    info = getattr(ctx, "info", {})
    when = getattr(ctx, "started", None)
    path = store_path(ctx)
    store = load_store(path)
    record(ctx, results, store)
    save_store(path, store)
    ran = sorted({f"{d}" for d, m, a, skip in plan(ctx) if not skip})
    L = [f"Kept by `bench/run --only table`; last run on {when.strftime('%Y-%m-%d %H:%M') if when else '?'} UTC "
         f"at commit {info.get('commit', '?')} ({', '.join(ran) or 'no rows'}), on {info.get('cpu', '?')}, "
         f"{info.get('cores', '?')} cores, {info.get('memory', '?')} RAM. Every row says when, at which commit and "
         "at what 1-minute load average it was measured (`bench/results/table.json` keeps the record; "
         "`--datasets` and `--models` re-measure a part and leave the other rows as they were). On a loaded "
         "machine the wall time grows and the CPU seconds stay: compare CPU seconds across rows.", "",
         "Each row is one run of the kind's default `gnnrec train` command (nothing set by hand beyond the data, "
         "`--objective rating` for the rating rows and `--json --quiet`), timed as a whole: loading, training "
         "(the kinds choose their epochs or filter settings on validation data: the part `--dataset` splits off, "
         "or a part they hold out of a `--train` file), and "
         "the test evaluation. CPU seconds and peak RSS are the command's own (`/usr/bin/time`, "
         "bench/measure.py). Recall@20 / NDCG@20 rank all items with the training items excluded; RMSE is on the "
         "test ratings. The published figures are ../shared/README.md's for the same files and protocol.", ""]
    L.append(table(["dataset", "model", "status", "Recall@20", "NDCG@20", "RMSE", "wall s", "CPU s",
                    "peak RSS MB", "measured (UTC, commit, load)", "published (Recall@20 / NDCG@20, or RMSE)"],
                   _stored_rows(ctx, store, kg=False)))
    L.append("")
    all_rows = plan(ctx, everything=True)
    described = {n: d[0] for n, d in datasets(ctx).items()}
    used = []
    for dataset, *_ in all_rows:
        if dataset not in used and dataset != "wn18rr":
            used.append(dataset)
    L.append("Datasets: " + "; ".join(f"`{n}` {described[n]}" for n in used) + ".")
    synth = [n for n in used if n in SYNTH]
    if synth:
        L.append("Generated data: " + "; ".join(
            f"`{n}` = `gnnrec synth --out {_shown(ctx, [_synth_dir(ctx, n)])} --users {_synth_shape(ctx, n)[0]} "
            f"--items {_synth_shape(ctx, n)[1]} --ratings-per-user {_synth_shape(ctx, n)[2]}` (seed 42; "
            "`--dataset` splits it per user, 80/10/10)" for n in synth) + ".")
    best = [f"{n}: {BEST[n]}" for n in used if n in BEST]
    if best:
        L.append("Best published figures on these files, any model: " + "; ".join(best) + ".")
    L.append("")
    if not ctx.smoke:
        L += ["### Knowledge-graph models on WN18RR", "",
              "Filtered link prediction, head and tail averaged (docs/kg.md); each default run takes minutes "
              "(docs/kg.md measured 3 to 10 minutes on 2 cores). Published: the RotatE paper's MRR / Hits@10.", ""]
        L.append(table(["model", "status", "MRR", "Hits@10", "wall s", "CPU s", "peak RSS MB",
                        "measured (UTC, commit, load)", "published MRR / Hits@10"], _stored_rows(ctx, store, kg=True)))
        L.append("")
    L += ["Commands (paths relative to the project root):", ""]
    for dataset, model, args, skip in all_rows:
        if not skip:
            cmd = ["build/tools/gnnrec/gnnrec", "train"] + model_args(model) + args + ["--json", "--quiet"]
            L.append(f"- {dataset}, {model}: `{_shown(ctx, cmd)}`")
    return "\n".join(L)
