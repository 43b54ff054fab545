"""Knowledge-graph embeddings: the scoring kernels' throughput and the
training time per epoch of RotatE, TransE and DistMult on WN18RR, by thread
count (bench/bench_kg.c, docs/kg.md)."""

TITLE = "Knowledge-graph embeddings: kernels and time per epoch (WN18RR)"
ORDER = 50

# RotatE is the reference workload: median of three runs of three epochs.
# TransE and DistMult cost a half and a third of a RotatE epoch; one run of
# three epochs each (the median epoch) keeps the suite short.
MODELS = [("rotate", "RotatE", 3), ("transe", "TransE", 1), ("distmult", "DistMult", 1)]
EPOCHS = 3
# Idle OpenMP threads sleep instead of spinning: on a machine shared with
# other work, spinning made two-thread epochs several times slower.
ENV = {"OMP_WAIT_POLICY": "passive"}


def benchmarks(ctx):
    smoke = ["--smoke"] if ctx.smoke else ["--epochs", EPOCHS]
    out = []
    for t in ctx.measurable_threads():
        out.append(Bench(f"kg_kernels_t{t}", [ctx.bin("bench_kg"), "kernels", "--threads", t] +
                         (["--smoke"] if ctx.smoke else []),
                         repeats=ctx.reps(3), key=("threads", "B", "N", "dims"), env=ENV))
    for model, _, reps in MODELS:
        for t in ctx.measurable_threads():
            out.append(Bench(f"kg_epoch_{model}_t{t}", [ctx.bin("bench_kg"), "epoch", "--model", model,
                                                        "--threads", t, "--data", ctx.data] + smoke,
                             repeats=ctx.reps(reps), env=ENV))
    return out


def _status(res):
    if res is None:
        return "not run"
    if res.skipped:
        return f"skipped: {res.skipped.removeprefix('SKIP: ')}"
    if res.failed:
        return f"failed: {res.failed}"
    return None


def _kernels(ctx, results, table):
    rows, notes = [], []
    for t in ctx.measurable_threads():
        res = results.get(f"kg_kernels_t{t}")
        msg = _status(res)
        if msg:
            notes.append(f"- _{t} threads: {msg}_")
            continue
        for r in res.rows:
            rows.append([str(t), r["kernel"], f"{r['B']:.0f} x {r['N']:.0f} x {r['dims']:.0f}",
                         r.get("score_gcells_wall"), r.get("score_gcells_cpu"), r.get("grad_gcells_wall"),
                         r.get("grad_gcells_cpu")])
    L = ["### Scoring kernels", ""]
    L.append("`gr_kg_score` (a block of queries against shared candidates, every pair) and `gr_kg_grad` (its "
             "gradient into the queries and the candidates) on random data, as one training step runs them: "
             "queries split between threads for the scores, dimensions for the gradient. A cell is one (query, "
             "candidate, dimension) term, complex dimensions for RotatE; per second of wall-clock time and of "
             "process CPU time (the steadier figure on a shared machine). `distmult_packed` is the same "
             "product and gradient as the trainer's dot-product kinds (DistMult, ComplEx) take them: three "
             "packed matrix products (`gr_sgemm`, `lib/kernels/sgemm.c`), each split among the threads by rows; "
             "the `distmult` rows beside them are the tiles the distances use. "
             f"{'One repetition (--smoke)' if ctx.smoke else f'Median of 5 repetitions per run; median of {ctx.reps(3)} runs'}.")
    L.append("")
    L += notes
    if rows:
        L.append(table(["threads", "kernel", "queries x candidates x dims", "score Gcells/s", "score Gcells/CPU s",
                        "gradient Gcells/s", "gradient Gcells/CPU s"], rows))
    return L


def _epochs(ctx, results, table):
    L = ["### Time per epoch", ""]
    first = None
    for model, _, _ in MODELS:
        for t in ctx.measurable_threads():
            res = results.get(f"kg_epoch_{model}_t{t}")
            if res and res.rows and first is None:
                first = res.rows[0]
    notes = []
    for model, label, _ in MODELS:
        msg = _status(results.get(f"kg_epoch_{model}_t{ctx.measurable_threads()[0]}")) \
            if ctx.measurable_threads() else "no measurable thread count"
        if msg:
            notes.append(f"- _{label}: {msg}_")
    if first is None:
        return L + notes
    data = "generated triples (--smoke)" if ctx.smoke else "WN18RR train.txt"
    L.append(f"One epoch takes each of the {first['triples']:,.0f} training triples of {data} twice, as a tail "
             f"query and as a head query, in mini-batches of 512 queries that share {first['negatives']:.0f} "
             f"negative entities (filtered, self-adversarial loss, lazy Adam); dim {first['dim']:.0f} for every "
             "kind (complex dimensions for RotatE, so its rows are twice as wide). Each run trains "
             f"{first['epochs']:.0f} epochs without validation and reports the median epoch; RotatE's figures are "
             "medians over runs. `OMP_WAIT_POLICY=passive`.")
    L.append("")
    L += notes
    if notes:
        L.append("")
    header = ["threads"]
    for _, label, _ in MODELS:
        header.append(f"{label} epoch s")
    header += ["RotatE CPU s", "RotatE negative cells/s (G)", "RotatE speed-up"]
    base = None
    rows = []
    for t in ctx.threads:
        if t not in ctx.measurable_threads():
            rows.append([str(t), "not measured"] + [""] * (len(header) - 2))
            continue
        row = [str(t)]
        for model, _, _ in MODELS:
            res = results.get(f"kg_epoch_{model}_t{t}")
            row.append(res.value("epoch_s", bench="kg_epoch") if res else None)
        rot = results.get(f"kg_epoch_rotate_t{t}")
        ep = rot.value("epoch_s", bench="kg_epoch") if rot else None
        base = base or ep
        row += [rot.value("epoch_cpu_s", bench="kg_epoch") if rot else None,
                rot.value("gcells_per_s", bench="kg_epoch") if rot else None,
                base / ep if base and ep else None]
        rows.append(row)
    L.append(table(header, rows))
    missing = [t for t in ctx.threads if t not in ctx.measurable_threads()]
    if missing:
        L.append("")
        L.append(f"{', '.join(map(str, missing))} threads could not be measured: this machine has {ctx.cores} cores.")
    return L


def _machine(ctx):
    """The run's date, commit and CPU: a kernel's rate depends on the
    instruction set (16-lane AVX-512 or 8-lane AVX2), and `--only kg`
    replaces this section alone under a page header of an earlier run."""
    info, when = getattr(ctx, "info", {}), getattr(ctx, "started", None)
    return [f"Last run on {when.strftime('%Y-%m-%d %H:%M') if when else '?'} UTC at commit "
            f"{info.get('commit', '?')}, on {info.get('cpu', '?')} ({info.get('simd') or 'no AVX2'}), "
            f"{info.get('cores', '?')} cores. Compare the rows of one run.", ""]


def report(ctx, results, table):
    return "\n".join(_machine(ctx) + _kernels(ctx, results, table) + [""] + _epochs(ctx, results, table))
